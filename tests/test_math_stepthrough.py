"""The "Math" tab: engine.analysis.stepthrough against the engine's own passes and seed 001, and the panel.

Every number of every step is checked against Network.forward / Network.backward run here
independently; the panel's grids are checked against the steps. The panel is rendered to
/tmp/analysis_panels/math_*.png at 900x600 for inspection."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from engine.activations import HIDDEN, OUTPUT  # noqa: E402
from engine.analysis.stepthrough import (  # noqa: E402
    PREVIEW,
    MatrixSource,
    StepThroughError,
    example_steps,
    format_value,
    image_steps,
    parse_alpha,
    parse_entry,
    seed_001_example,
    step_through,
)
from engine.data import load_mnist  # noqa: E402
from engine.losses import one_hot  # noqa: E402
from engine.modelio import load_model  # noqa: E402
from engine.network import Network  # noqa: E402
from engine.snapshot import model_snapshot  # noqa: E402
from gui.analysis.analysis_tabs import TABS, AnalysisTabs  # noqa: E402
from gui.analysis.math_panel import DEPENDENT, HOVERED, MODE_IMAGE, SOURCE, MathPanel  # noqa: E402

SEED_001 = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "001_d784944db806b226.txt"
RENDER_DIR = Path("/tmp/analysis_panels")
T = "\u1d40"  # the transpose mark in matrix names
SYMBOLS = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "\u03c3", "tanh": "tanh"}

# Seed 001's printed forward values (the softmax is off by about 1e-3 in the document).
DOC_FORWARD = {
    "Z[1]": ([2.6, -2.5, 2.3], 5e-4), "A[1]": ([2.6, 0.0, 2.3], 5e-4),
    "Z[2]": ([1.41, 0.35, 0.20], 5e-3), "A[2]": ([1.41, 0.35, 0.20], 5e-3),
    "Z[3]": ([0.378, 0.227, -0.273], 5e-4), "A[3]": ([0.378, 0.227, 0.0], 5e-4),
    "Z[4]": ([0.0529, 0.1739, -0.0075], 5e-5), "A[4]": ([0.3252, 0.3685, 0.3063], 1.5e-3),
}


# --------------------------------------------------------------------------- helpers

def engine_values(network, X, Y, alpha):
    """Every matrix a step may show, by name, computed here by the engine independently."""
    net = network.copy()
    X = np.asarray(X, dtype=net.dtype)
    Y = np.asarray(Y, dtype=net.dtype)
    cache = net.forward(X)
    grads = net.backward(cache, Y)
    L = net.n_layers
    values = {"X": X, "Y": Y, "X" + T: X.T, "J": np.array([[net.loss(cache, Y)]])}
    for l in range(1, L + 1):
        w, b = net.weights[l - 1], net.biases[l - 1]
        values.update({f"W[{l}]": w, f"W[{l}]{T}": w.T, f"b[{l}]": b, f"Z[{l}]": cache.Z[l], f"A[{l}]": cache.A[l],
                       f"A[{l}]{T}": cache.A[l].T, f"dZ[{l}]": grads.dZ[l], f"dW[{l}]": grads.dW[l],
                       f"db[{l}]": grads.db[l],
                       # the seeds' update W := W - alpha dW
                       f"W[{l}] (new)": w - net.dtype.type(alpha) * grads.dW[l],
                       f"b[{l}] (new)": b - net.dtype.type(alpha) * grads.db[l]})
        if l < L:
            d_a = net.weights[l].T @ grads.dZ[l + 1]  # dA[l] = W[l+1]^T dZ[l+1]
            slope = HIDDEN[net.hidden_activation][1](cache.Z[l], cache.A[l])
            values[f"dA[{l}]"] = d_a
            values[f"{SYMBOLS[net.hidden_activation]}\u2032(Z[{l}])"] = slope
            # dZ[l] = dA[l] * g'(Z[l]), as backward() computes it
            np.testing.assert_allclose(d_a * slope, grads.dZ[l], rtol=1e-5, atol=1e-7)
    if net.output_activation != "softmax":
        symbol = {"sigmoid": "\u03c3", "identity": "identity"}[net.output_activation]
        values[f"{symbol}\u2032(Z[{L}])"] = OUTPUT[net.output_activation][1](cache.Z[L], cache.A[L])
    return values


def check_every_number(steps, network, X, Y, alpha):
    """Each matrix of each step equals the engine's array of the same name, entry for entry."""
    expected = engine_values(network, X, Y, alpha)
    checked = 0
    for step in steps.steps:
        for matrix in step.matrices:
            assert matrix.name in expected, f"step {step.index} ({step.title}) shows unknown {matrix.name}"
            want = np.asarray(expected[matrix.name])
            assert matrix.shape == want.shape, (step.title, matrix.name)
            np.testing.assert_allclose(matrix.values, want, rtol=1e-6, atol=1e-9,
                                       err_msg=f"step {step.index + 1} {step.title}: {matrix.name}")
            checked += matrix.values.size
    return checked


def expected_equations(L, hidden="ReLU", first_input="X"):
    forward = []
    for l in range(1, L + 1):
        previous = first_input if l == 1 else f"A[{l - 1}]"
        forward += [f"Z[{l}] = W[{l}] {previous} + b[{l}]",
                    f"A[{l}] = softmax(Z[{l}])" if l == L else f"A[{l}] = {hidden}(Z[{l}])"]
    backward = [f"dZ[{L}] = A[{L}] \u2212 Y"]
    for l in range(L, 0, -1):
        if l < L:
            backward += [f"dA[{l}] = W[{l + 1}]{T} dZ[{l + 1}]", f"dZ[{l}] = dA[{l}] \u2299 {hidden}\u2032(Z[{l}])"]
        previous = first_input if l == 1 else f"A[{l - 1}]"
        backward += [f"dW[{l}] = (1/m) dZ[{l}] {previous}{T}", f"db[{l}] = (1/m) \u03a3 dZ[{l}]"]
    update = []
    for l in range(1, L + 1):
        update += [f"W[{l}] := W[{l}] \u2212 \u03b1 dW[{l}]", f"b[{l}] := b[{l}] \u2212 \u03b1 db[{l}]"]
    return forward + ["J = \u2212(1/m) \u03a3 Y \u2299 log A[%d]" % L] + backward + update


def doc_matrices():
    """W[1]..W[4], X and Y as printed in the "Initial Setup" of seed 001."""
    text = SEED_001.read_text(encoding="utf-8")
    setup = text[text.index("### **1. Initial Setup**"):text.index("### **2. Forward Pass Calculation**")]
    found = {}
    for name, body in re.findall(r"(W\[\d\]|b\[\d\]|X|Y) = \\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", setup, re.S):
        rows = [[float(v) for v in row.split("&")] for row in body.strip().split("\\\\") if row.strip()]
        found[name] = np.array(rows)
    return found


# --------------------------------------------------------------------------- engine

# Seed 001's "Initial Setup", transcribed (the document itself is read too when it is beside
# this checkout, as in CI; a fresh clone on its own has only this copy).
SEED_001_SETUP = {
    "W[1]": [[0.2, -0.1, 0.4], [0.5, 0.3, -0.6], [-0.2, 0.1, 0.3]],
    "W[2]": [[0.1, -0.2, 0.5], [0.4, 0.1, -0.3], [-0.1, 0.3, 0.2]],
    "W[3]": [[0.3, 0.1, -0.4], [0.2, -0.5, 0.6], [-0.3, 0.2, 0.4]],
    "W[4]": [[0.2, -0.1, 0.5], [0.4, 0.1, -0.3], [-0.2, 0.3, 0.2]],
    "b[1]": [[0.0]] * 3, "b[2]": [[0.0]] * 3, "b[3]": [[0.0]] * 3, "b[4]": [[0.0]] * 3,
    "X": [[1.0], [4.0], [7.0]], "Y": [[1.0], [0.0], [0.0]],
}


def test_default_example_is_seed_001_as_printed():
    example = seed_001_example()
    assert example.layer_sizes == (3, 3, 3, 3, 3)
    assert example.alpha == 0.1  # the document leaves alpha open
    sources = [{name: np.array(values) for name, values in SEED_001_SETUP.items()}]
    if SEED_001.exists():
        sources.append(doc_matrices())
    for printed in sources:
        check_example_matches(example, printed)


def check_example_matches(example, printed):
    for l in range(1, 5):
        np.testing.assert_array_equal(example.weights[l - 1], printed[f"W[{l}]"])
        np.testing.assert_array_equal(example.biases[l - 1], printed[f"b[{l}]"])
    np.testing.assert_array_equal(example.X, printed["X"])
    np.testing.assert_array_equal(example.Y, printed["Y"])


def test_every_number_of_every_seed_001_step_comes_from_the_engine():
    example = seed_001_example()
    steps = example_steps()
    assert [s.equation for s in steps.steps] == expected_equations(4)
    assert [s.phase for s in steps.steps] == ["forward"] * 8 + ["loss"] + ["backward"] * 15 + ["update"] * 8
    assert len(steps) == 32 and [s.index for s in steps.steps] == list(range(32))
    checked = check_every_number(steps, example.network(), example.X, example.Y, example.alpha)
    assert checked > 250
    # small matrices are shown whole
    assert all(m.is_whole and np.array_equal(m.preview(), m.values) for s in steps.steps for m in s.matrices)
    # the loss is the engine's cross-entropy: -log of the probability of the right class
    assert steps.loss == pytest.approx(-np.log(steps.cache.A[4][0, 0]))


def test_seed_001_forward_steps_reproduce_the_document():
    steps = example_steps()
    shown = {s.result.name: s.result.values.ravel() for s in steps.steps if s.phase == "forward"}
    for name, (printed, atol) in DOC_FORWARD.items():
        np.testing.assert_allclose(shown[name], printed, atol=atol, err_msg=name)
    assert shown["A[4]"].sum() == pytest.approx(1.0)
    # dZ[4] = A[4] - Y with the real softmax (the document sets A[4] = Z[4] there by mistake)
    dz4 = next(s for s in steps.steps if s.result.name == "dZ[4]").result.values.ravel()
    np.testing.assert_allclose(dz4, shown["A[4]"] - [1.0, 0.0, 0.0], atol=1e-15)


def test_update_is_w_minus_alpha_dw_and_matches_gradient_descent():
    example = seed_001_example().with_alpha(0.37)
    steps = example_steps(example)
    for l in range(1, 5):
        w_step = next(s for s in steps.steps if s.equation.startswith(f"W[{l}] :="))
        b_step = next(s for s in steps.steps if s.equation.startswith(f"b[{l}] :="))
        old, grad = w_step.operands[0].values, w_step.operands[1].values
        np.testing.assert_allclose(w_step.result.values, old - 0.37 * grad, rtol=0, atol=1e-15)
        np.testing.assert_array_equal(w_step.result.values, steps.updated.weights[l - 1])
        np.testing.assert_allclose(b_step.result.values, b_step.operands[0].values - 0.37 * b_step.operands[1].values,
                                   rtol=0, atol=1e-15)
        np.testing.assert_array_equal(grad, steps.gradients.dW[l])
    assert "0.37" in w_step.arrangement[3]


def test_dependency_cells_of_a_matrix_product():
    steps = example_steps()
    z2 = next(s for s in steps.steps if s.equation == "Z[2] = W[2] A[1] + b[2]")
    w, a, b = z2.sources(1, 0)
    assert (w.matrix, list(w.rows), list(w.cols)) == (1, [1], [0, 1, 2])     # row 2 of W[2]
    assert (a.matrix, list(a.rows), list(a.cols)) == (2, [0, 1, 2], [0])     # column 1 of A[1]
    assert (b.matrix, b.cells()) == (3, [(1, 0)])                            # b[2]_2
    # ...and back: W[2][2,3] feeds row 2 of Z[2]; A[1][3,1] feeds column 1; b[2]_2 feeds row 2
    assert z2.dependents(1, 1, 2)[0].cells() == [(1, 0)]
    assert z2.dependents(2, 2, 0)[0].cells() == [(0, 0), (1, 0), (2, 0)]
    assert z2.dependents(3, 1, 0)[0].cells() == [(1, 0)]
    # the value is exactly that row times that column plus the bias
    value = z2.operands[0].values[1, :] @ z2.operands[1].values[:, 0] + z2.operands[2].values[1, 0]
    assert z2.result.values[1, 0] == pytest.approx(value, abs=1e-15)

    dw = next(s for s in steps.steps if s.equation.startswith("dW[3] ="))
    dz, a_t = dw.sources(2, 1)
    assert dz.cells() == [(2, 0)] and a_t.cells() == [(0, 1)]  # dZ[3]_3 and A[2]^T's column 2
    assert dw.result.values[2, 1] == pytest.approx(dw.operands[0].values[2, 0] * dw.operands[1].values[0, 1])
    d_a = next(s for s in steps.steps if s.equation.startswith("dA[2] ="))
    w_t, dz3 = d_a.sources(2, 0)
    assert w_t.cells() == [(2, 0), (2, 1), (2, 2)] and dz3.cells() == [(0, 0), (1, 0), (2, 0)]


def test_dependency_cells_of_the_other_kinds():
    steps = example_steps()
    by_equation = {s.equation: s for s in steps.steps}
    relu = by_equation["A[1] = ReLU(Z[1])"]
    assert [blk.cells() for blk in relu.sources(2, 0)] == [[(2, 0)]]
    softmax = by_equation["A[4] = softmax(Z[4])"]
    assert [blk.cells() for blk in softmax.sources(0, 0)] == [[(0, 0), (1, 0), (2, 0)]]
    assert softmax.dependents(1, 1, 0)[0].cells() == [(0, 0), (1, 0), (2, 0)]
    db = by_equation["db[2] = (1/m) \u03a3 dZ[2]"]
    assert db.kind == "row_mean" and db.sources(1, 0)[0].cells() == [(1, 0)]
    delta = by_equation["dZ[4] = A[4] \u2212 Y"]
    assert [blk.cells() for blk in delta.sources(2, 0)] == [[(2, 0)], [(2, 0)]]
    loss = steps[8]
    assert loss.result.name == "J" and all(len(blk.cells()) == 3 for blk in loss.sources(0, 0))
    with pytest.raises(IndexError):
        relu.sources(3, 0)


def test_cell_formulas_show_the_arithmetic():
    steps = example_steps()
    assert steps[0].explain(0, 0) == "Z[1][1,1] = 0.2\u00d71 \u2212 0.1\u00d74 + 0.4\u00d77 + 0 = 2.6"
    assert steps[1].explain(1, 0) == "A[1][2,1] = max(0, \u22122.5) = 0"
    assert steps[7].explain(0, 0).endswith(format(float(steps[7].result.values[0, 0]), ".5g"))
    update = steps[24]
    assert update.explain(0, 0).startswith("W[1][1,1] (new) = 0.2 \u2212 0.1 \u00d7 (")


def test_other_activations_and_losses_match_the_engine_too():
    rng = np.random.default_rng(3)
    X = rng.random((5, 3))
    Y = one_hot(np.array([0, 2, 1]), 3, dtype=np.float64)
    for hidden, output, loss in (("sigmoid", "sigmoid", "mse"), ("tanh", "softmax", "mse"),
                                 ("leaky_relu", "identity", "mse"), ("relu", "softmax", "ce")):
        net = Network((5, 4, 4, 3), hidden, output, loss, dtype=np.float64, seed=2)
        steps = step_through(net, X, Y, 0.5)
        assert len(steps) == 6 + 1 + 3 + 2 * 4 + 6
        check_every_number(steps, net, X, Y, 0.5)
        # m = 3: dW averages over the three columns, and db is the mean of each row of dZ
        db = next(s for s in steps.steps if s.result.name == "db[1]")
        np.testing.assert_allclose(db.result.values[:, 0], db.operands[0].values.mean(axis=1), atol=1e-15)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(scope="module")
def model():
    network, _ = load_model("assets/models/default.npz")
    return network


def test_summary_of_one_image_through_the_real_network(model, mnist):
    before = [w.copy() for w in model.weights]
    image, label = mnist.x_test[0], int(mnist.y_test[0])
    steps = image_steps(model, image, label, 0.1)
    L = model.n_layers
    assert steps.summary and len(steps) == 2 * L + 1 + 3 + 4 * (L - 1) + 2 * L
    X, Y = image.reshape(-1, 1), one_hot(np.array([label]), 10)
    check_every_number(steps, model, X, Y, 0.1)
    for w, w_before in zip(model.weights, before):
        np.testing.assert_array_equal(w, w_before)  # the network given is never changed

    first = steps[0]
    assert [m.shape for m in first.matrices] == [(400, 1), (400, 784), (784, 1), (400, 1)]
    for step in steps.steps:
        for matrix in step.matrices:
            wide = matrix.values.astype(np.float64)
            assert matrix.norm == pytest.approx(np.linalg.norm(wide), rel=1e-9)
            assert (matrix.minimum, matrix.maximum) == (wide.min(), wide.max())
            assert matrix.mean == pytest.approx(wide.mean(), rel=1e-9, abs=1e-15)
            for window, n in ((matrix.row_window, matrix.shape[0]), (matrix.col_window, matrix.shape[1])):
                assert len(window) == (n if n <= 10 else PREVIEW) and window.stop <= n
            np.testing.assert_array_equal(matrix.preview(), wide[matrix.row_window.start:matrix.row_window.stop,
                                                                  matrix.col_window.start:matrix.col_window.stop])
            assert len(matrix.summary_lines()) == 4
    # the windows line up, so a product's highlighted cells are the ones on screen: W[1]'s columns
    # are X's rows, and they sit on the stroke rather than in the blank corner
    w1, x = first.operands[0], first.operands[1]
    assert w1.col_window == x.row_window and x.preview().sum() > 0
    # the ten output probabilities are all shown, and they are the network's prediction
    softmax = steps[2 * L - 1]
    assert softmax.result.is_whole and int(np.argmax(softmax.result.values)) == int(model.predict(X)[0])


def test_bad_input_is_refused_with_a_reason():
    for text, reason in (("abc", "not a number"), ("", "empty"), ("nan", "not a finite"), ("inf", "not a finite"),
                         ("1e9", "too large")):
        with pytest.raises(StepThroughError, match=reason):
            parse_entry(text)
    assert parse_entry(" \u22120.25 ") == -0.25
    for text in ("0", "-1", "x", "1e5", "nan"):
        with pytest.raises(StepThroughError):
            parse_alpha(text)
    assert parse_alpha("0.5") == 0.5
    example = seed_001_example()
    with pytest.raises(StepThroughError):
        example.edited(MatrixSource("W", 1), 0, 0, float("nan"))
    with pytest.raises(StepThroughError):
        example.edited(MatrixSource("W", 1), 5, 0, 1.0)
    with pytest.raises(StepThroughError):
        example.with_alpha(0.0)
    with pytest.raises(StepThroughError, match="inputs"):
        image_steps(Network((20, 4, 10)), np.zeros(784), 3, 0.1)


def test_an_edit_changes_exactly_one_entry():
    example = seed_001_example()
    edited = example.edited(MatrixSource("W", 2), 0, 2, 0.9)
    assert edited.weights[1][0, 2] == 0.9 and example.weights[1][0, 2] == 0.5
    changed = edited.weights[1] != example.weights[1]
    assert changed.sum() == 1
    # a transposed view maps back: cell (2, 0) of W[3]^T is W[3][0, 2]
    transposed = example.edited(MatrixSource("W", 3, transposed=True), 2, 0, -1.0)
    assert transposed.weights[2][0, 2] == -1.0
    with_x = example.edited(MatrixSource("X"), 1, 0, 5.0)
    steps = example_steps(with_x)
    np.testing.assert_allclose(steps[0].result.values.ravel(), np.array(SEED_001_W1) @ [1.0, 5.0, 7.0])


SEED_001_W1 = [[0.2, -0.1, 0.4], [0.5, 0.3, -0.6], [-0.2, 0.1, 0.3]]


# --------------------------------------------------------------------------- the panel

def show(qtbot, panel):
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def render(panel, name):
    QApplication.processEvents()  # let pending layout requests run, as they would on screen
    RENDER_DIR.mkdir(parents=True, exist_ok=True)
    path = RENDER_DIR / f"{name}.png"
    assert panel.grab().save(str(path))
    return path


def grid_values_match(panel):
    step = panel.current_step
    assert [grid.matrix for grid in panel.grids] == list(step.matrices)
    for grid, matrix in zip(panel.grids, step.matrices):
        for r in matrix.row_window:
            for c in matrix.col_window:
                assert grid.value_at(r, c) == float(matrix.values[r, c])
                assert grid.text_at(r, c) == format_value(matrix.values[r, c])


def test_math_tab_is_appended_to_the_analysis_tabs(qtbot):
    tabs = AnalysisTabs()
    qtbot.addWidget(tabs)
    titles = [title for _, title, _ in TABS]
    assert titles[:7] == ["Evaluation", "Mistakes", "Large chunks", "Embedding", "Robustness", "Dataset",
                          "Histograms"]
    index = titles.index("Math")
    assert index > titles.index("Histograms") and tabs.tabText(index) == "Math"  # appended
    panel = tabs.math_panel
    assert isinstance(panel, MathPanel) and panel.objectName() == "mathPanel"
    assert tabs.panel(index) is panel and tabs.takes_dataset(panel) and panel in tabs.snapshot_panels
    for name in ("mathPreviousButton", "mathNextButton", "mathStepLabel", "mathEquation", "mathGrids"):
        assert any(w.objectName() == name for w in panel.findChildren(QWidget)), name


def test_next_and_previous_walk_through_every_step(qtbot):
    panel = show(qtbot, MathPanel())
    assert panel.step_label.text() == "Step 1 of 32"
    assert panel.equation_label.text() == "Z[1] = W[1] X + b[1]"
    assert not panel.previous_button.isEnabled() and panel.next_button.isEnabled()
    equations = expected_equations(4)
    for i in range(1, 32):
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        assert panel.step_label.text() == f"Step {i + 1} of 32"
        assert panel.equation_label.text() == equations[i]
        grid_values_match(panel)
    assert not panel.next_button.isEnabled()
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)  # disabled: nothing happens
    assert panel.current_index == 31
    render(panel, "math_update")
    qtbot.mouseClick(panel.previous_button, Qt.MouseButton.LeftButton)
    assert panel.current_index == 30 and panel.equation_label.text() == equations[30]
    panel.step_combo.activated.emit(9)
    assert panel.current_index == 9 and panel.equation_label.text() == "dZ[4] = A[4] \u2212 Y"


def test_grids_show_the_engine_numbers(qtbot):
    panel = show(qtbot, MathPanel())
    example = seed_001_example()
    expected = engine_values(example.network(), example.X, example.Y, example.alpha)
    for index in range(len(panel.step_through)):
        panel.go_to(index)
        grid_values_match(panel)
        for grid in panel.grids:
            np.testing.assert_allclose(
                [[grid.value_at(r, c) for c in range(grid.matrix.shape[1])] for r in range(grid.matrix.shape[0])],
                expected[grid.matrix.name], rtol=1e-12, atol=1e-15)


def _move_mouse_to(table, row, col):
    rect = table.visualItemRect(table.item(row, col))
    global_position = QPointF(table.viewport().mapToGlobal(rect.center()))
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(rect.center()), global_position,
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(table.viewport(), event)


def test_hovering_a_result_cell_highlights_the_cells_it_comes_from(qtbot):
    panel = show(qtbot, MathPanel())
    panel.go_to(2)  # Z[2] = W[2] A[1] + b[2]
    z_grid = panel.grids[0]
    _move_mouse_to(z_grid.table, 1, 0)
    cells = panel.highlighted_cells()
    assert cells[0] == {(1, 0): HOVERED}
    assert cells[1] == {(1, 0): SOURCE, (1, 1): SOURCE, (1, 2): SOURCE}     # row 2 of W[2]
    assert cells[2] == {(0, 0): SOURCE, (1, 0): SOURCE, (2, 0): SOURCE}     # column 1 of A[1]
    assert cells[3] == {(1, 0): SOURCE}                                     # b[2]_2
    assert panel.formula_label.text().startswith("Z[2][2,1] = 0.4\u00d72.6 + 0.1\u00d70")
    render(panel, "math_hover")

    # an operand cell lights up the results it feeds
    panel.hover(2, 2, 0)  # A[1]_3 feeds every entry of Z[2]
    cells = panel.highlighted_cells()
    assert cells[2] == {(2, 0): HOVERED}
    assert cells[0] == {(0, 0): DEPENDENT, (1, 0): DEPENDENT, (2, 0): DEPENDENT}
    assert cells[1] == {} and cells[3] == {}
    assert "feeds column 1 of Z[2]" in panel.formula_label.text()

    panel.clear_hover()
    assert all(c == {} for c in panel.highlighted_cells())
    panel.go_to(7)  # softmax: a whole column
    panel.hover(0, 2, 0)
    assert panel.highlighted_cells()[1] == {(0, 0): SOURCE, (1, 0): SOURCE, (2, 0): SOURCE}


def test_editing_a_cell_recomputes_every_step(qtbot):
    panel = show(qtbot, MathPanel())
    x_grid = panel.grids[2]  # X in Z[1] = W[1] X + b[1]
    assert x_grid.editable and not panel.grids[0].editable
    x_grid.table.item(1, 0).setText("5")  # what the cell editor does on Enter
    assert panel.example.X[1, 0] == 5.0 and panel.current_index == 0
    np.testing.assert_allclose(panel.grids[0].matrix.values.ravel(), np.array(SEED_001_W1) @ [1.0, 5.0, 7.0])
    assert "every step was recomputed" in panel.message_label.text()
    example = panel.example
    check_every_number(panel.step_through, example.network(), example.X, example.Y, example.alpha)

    # a weight, through its transposed view in dA[3] = W[4]^T dZ[4]
    panel.go_to(12)
    assert panel.grids[1].matrix.name == "W[4]" + T
    assert panel.edit_cell(1, 2, 0, "\u22120.75")
    assert panel.example.weights[3][0, 2] == -0.75
    grid_values_match(panel)
    assert panel.current_index == 12

    # alpha
    panel.alpha_edit.setText("0.5")
    panel.alpha_edit.editingFinished.emit()
    assert panel.step_through.alpha == 0.5
    panel.go_to(24)
    np.testing.assert_allclose(panel.grids[0].matrix.values,
                               panel.grids[1].matrix.values - 0.5 * panel.grids[2].matrix.values, atol=1e-15)
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    assert panel.example.X[1, 0] == 4.0 and panel.step_through.alpha == 0.1


def test_bad_input_is_refused_and_changes_nothing(qtbot):
    panel = show(qtbot, MathPanel())
    panel.go_to(2)
    before_example, before_steps = panel.example, panel.step_through
    w_grid = panel.grids[1]
    w_grid.table.item(0, 1).setText("abc")
    assert panel.example is before_example and panel.step_through is before_steps
    assert "not a number" in panel.message_label.text() and "Nothing was changed" in panel.message_label.text()
    assert w_grid.text_at(0, 1) == format_value(-0.2)
    for text in ("", "nan", "1e300"):
        assert not panel.edit_cell(1, 0, 1, text)
        assert panel.example is before_example
    assert not panel.edit_cell(0, 0, 0, "1")  # a computed result is not an input
    render(panel, "math_refused")
    panel.alpha_edit.setText("zero")
    panel.alpha_edit.editingFinished.emit()
    assert panel.alpha == 0.1 and panel.alpha_edit.text() == "0.1" and "\u03b1" in panel.message_label.text()
    assert not panel.set_alpha_text("-2") and panel.step_through is before_steps


def test_one_test_image_through_the_network_on_screen(qtbot, model, mnist):
    panel = show(qtbot, MathPanel())
    panel.set_mode(MODE_IMAGE)
    assert panel.step_through is None and "No network" in panel.message_label.text()
    snapshot = model_snapshot(model)
    panel.show_snapshot(snapshot)
    panel.set_dataset(mnist)
    assert panel.image_spin.maximum() == mnist.n_test - 1
    panel.image_spin.setValue(3)
    steps = panel.step_through
    assert steps.summary and panel.step_label.text() == f"Step 1 of {len(steps)}"
    X = mnist.x_test[3].reshape(-1, 1)
    Y = one_hot(np.array([int(mnist.y_test[3])]), 10)
    check_every_number(steps, snapshot.network, X, Y, panel.alpha)
    assert f"a {int(mnist.y_test[3])}" in panel.image_caption.text()
    for index in range(len(steps)):
        panel.go_to(index)
        grid_values_match(panel)
        assert all(not grid.editable for grid in panel.grids)
        assert all(grid.stats_label.text().startswith("\u2016\u00b7\u2016F = ") for grid in panel.grids)
    panel.go_to(0)
    panel.hover(0, 2, 0)  # Z[1]_3: the visible part of W[1]'s row 3 and of X
    cells = panel.highlighted_cells()
    w_window = panel.grids[1].matrix.col_window
    assert cells[1] == {(2, c): SOURCE for c in w_window}
    assert cells[2] == {(r, 0): SOURCE for r in w_window}
    render(panel, "math_image")
    # the snapshot's network is only read
    assert steps.network is not snapshot.network
    # a new snapshot is followed; the same one is not recomputed
    panel.show_snapshot(snapshot)
    assert panel.step_through is steps
    panel.show_snapshot(model_snapshot(model))
    assert panel.step_through is not steps


def test_the_window_gives_the_math_tab_its_network_and_dataset(qtbot, mnist, tmp_path):
    from PySide6.QtCore import QSettings

    from gui.app.main_window import DEFAULT_MODEL_PATH, MainWindow
    from gui.widgets.visibility import on_screen

    small = mnist.subset(200, 100)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(dataset=small, model_path=DEFAULT_MODEL_PATH, settings=settings)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    panel = win.analysis.math_panel
    win.show_analysis(panel)
    qtbot.waitUntil(lambda: on_screen(panel), timeout=5000)
    qtbot.waitUntil(lambda: panel.network is not None and panel.dataset is small, timeout=5000)
    assert panel.network is win.displayed_snapshot.network
    panel.set_mode(MODE_IMAGE)
    assert panel.step_through is not None and panel.step_through.summary
    assert panel.image_spin.maximum() == small.n_test - 1
    win.close()


def test_typing_into_a_cell_edits_through_the_cell_editor(qtbot):
    from PySide6.QtWidgets import QLineEdit

    panel = show(qtbot, MathPanel())
    for text, accepted in (("0.9", True), ("x1", False)):
        table = panel.grids[1].table  # W[1], rebuilt after every accepted edit
        table.setFocus()
        table.setCurrentItem(table.item(0, 1))
        table.editItem(table.item(0, 1))
        editor = table.findChild(QLineEdit)
        assert editor is not None and editor.text() == format_value(panel.example.weights[0][0, 1])
        editor.selectAll()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        QApplication.processEvents()  # the delegate commits on Return through a queued call
        assert panel.example.weights[0][0, 1] == 0.9
        assert ("recomputed" if accepted else "not a number") in panel.message_label.text()
        assert panel.grids[1].text_at(0, 1) == format_value(0.9)
    # X edited through its transpose in dW[1] = (1/m) dZ[1] X^T
    panel.go_to(22)
    assert panel.grids[2].matrix.name == "X" + T
    assert panel.edit_cell(2, 0, 1, "6")
    assert panel.example.X[1, 0] == 6.0 and panel.grids[2].value_at(0, 1) == 6.0
