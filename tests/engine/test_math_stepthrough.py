"""The "Math" tab's engine: engine.analysis.stepthrough against the engine's own passes and the
worked example (docs/math.md#worked-example).

Every number of every step is checked against Network.forward / Network.backward run here
independently (tests/stepthrough_checks.py). The panel: tests/gui/test_math_panel.py."""
import re
from pathlib import Path

import numpy as np
import pytest
from stepthrough_checks import SEED_001_W1, check_every_number, expected_equations

from engine.analysis.stepthrough import (
    PREVIEW,
    MatrixSource,
    StepThroughError,
    example_steps,
    image_steps,
    parse_alpha,
    parse_entry,
    seed_001_example,
    step_through,
)
from engine.losses import one_hot
from engine.network import Network

SEED_001 = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_d784944db806b226.txt"

# The source's printed forward values; its softmax is off by about 1e-3: e^0.1739 and the
# divisions are both off (docs/math.md#slips-in-the-source-write-ups).
DOC_FORWARD = {
    "Z[1]": ([2.6, -2.5, 2.3], 5e-4), "A[1]": ([2.6, 0.0, 2.3], 5e-4),
    "Z[2]": ([1.41, 0.35, 0.20], 5e-3), "A[2]": ([1.41, 0.35, 0.20], 5e-3),
    "Z[3]": ([0.378, 0.227, -0.273], 5e-4), "A[3]": ([0.378, 0.227, 0.0], 5e-4),
    "Z[4]": ([0.0529, 0.1739, -0.0075], 5e-5), "A[4]": ([0.3252, 0.3685, 0.3063], 1.5e-3),
}


# --------------------------------------------------------------------------- helpers

def doc_matrices():
    """W[1]..W[4], X and Y as printed in the source's "Initial Setup" (docs/math.md#worked-example)."""
    text = SEED_001.read_text(encoding="utf-8")
    setup = text[text.index("### **1. Initial Setup**"):text.index("### **2. Forward Pass Calculation**")]
    found = {}
    for name, body in re.findall(r"(W\[\d\]|b\[\d\]|X|Y) = \\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", setup, re.S):
        rows = [[float(v) for v in row.split("&")] for row in body.strip().split("\\\\") if row.strip()]
        found[name] = np.array(rows)
    return found


# --------------------------------------------------------------------------- engine

# The worked example's setup (docs/math.md#worked-example), transcribed (the source document
# itself is read too when it is beside this checkout, as in CI; a fresh clone on its own has
# only this copy).
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
    assert example.alpha == 0.1  # the source leaves alpha open (docs/math.md#worked-example)
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
    # dZ[4] = A[4] - Y with the real softmax (the source sets A[4] = Z[4] there by mistake:
    # docs/math.md#slips-in-the-source-write-ups)
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


