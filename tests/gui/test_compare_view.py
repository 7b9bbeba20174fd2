"""The Compare tab: both runs' curves on shared axes (points checked, by epoch and by time), the settings
that differ marked, B's chunks placed at their matched A partners, the per-digit difference, one epoch
slider for both timelines, both runs' answers to the drawing, and the dark theme."""
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from qt_support import show_panel
from support import recorded_run
from test_themes import pixels, settle

from engine.analysis.compare import TIME_AXIS, network_at_epoch, predict_both, run_curve
from engine.config import TrainConfig
from engine.network import Network
from engine.runs import Run
from gui.analysis.compare_curves import PLOTS
from gui.analysis.compare_details import DIFFERS_MARK
from gui.analysis.compare_panel import SHIPPED, SLIDER_STEPS_PER_EPOCH, ComparePanel, shipped_run
from gui.panels.drawing_panel import DrawingPanel
from gui.studio_state import StudioState
from gui.widgets.colormaps import RUN_LINES, RUN_SYMBOLS
from gui.widgets.compare_readout import readout_text
from gui.widgets.theme import DARK, SYSTEM, appearance, dark_palette

SMALL = (1000, 300)
WAIT_MS = 30_000
CONFIG_A = TrainConfig(hidden=(16,), batch_size=50, epochs=2, lr=0.1, seed=0)
CONFIG_B = CONFIG_A.with_changes(lr=0.3, seed=1)
METRICS = [metric for _name, _title, _label, metrics in PLOTS for metric, _thick in metrics]


@pytest.fixture(scope="module")
def runs(small):
    return recorded_run(small, CONFIG_A), recorded_run(small, CONFIG_B)


def permuted(run: Run, order: np.ndarray) -> Run:
    """`run` with its hidden units in `order` (rows of W[1] and b[1], columns of W[2]): the same function."""
    network = run.network
    weights = [w.copy() for w in network.weights]
    biases = [b.copy() for b in network.biases]
    weights[0], biases[0], weights[1] = weights[0][order], biases[0][order], weights[1][:, order]
    shuffled = Network(network.layer_sizes, network.hidden_activation, network.output_activation, network.loss_name,
                       dtype=network.dtype, weights=weights, biases=biases)
    return Run(name="shuffled", network=shuffled, config=run.config, history=run.history)


def compared(qtbot, small, *runs, size=(1100, 800)):
    """A Compare panel on screen, bound to a state holding `small` and `runs`, its first comparison done."""
    state = StudioState()
    state.set_dataset(small)
    for run in runs:
        state.add_run(run)
    panel = show_panel(qtbot, ComparePanel(), size)
    panel.bind(state)
    with qtbot.waitSignal(panel.computed, timeout=WAIT_MS):
        panel.refresh(force=True)
    return state, panel


def test_both_runs_curves_are_drawn_point_for_point_by_epoch_and_by_time(qtbot, small, runs):
    state, panel = compared(qtbot, small, *runs)
    run_a, run_b = state.runs  # by default B is the newest run, A the one before
    assert panel.names() == ("Run 1", "Run 2") and panel.comparison.run_b is run_b
    curves = panel.curves
    for axis in ("epoch", TIME_AXIS):
        panel.axis_combo.setCurrentIndex(panel.axis_combo.findData(axis))
        assert curves.axis == axis
        for metric in METRICS:
            for which, run in enumerate((run_a, run_b)):
                x, y = curves.curve_data(metric, which)
                expected_x, expected_y = run_curve(run, metric, axis)
                scale = 100.0 if metric.endswith("accuracy") else 1.0
                assert len(x) == len(expected_x) > 0, (metric, axis)
                np.testing.assert_allclose(x, expected_x, rtol=1e-12)
                np.testing.assert_allclose(y, scale * expected_y, rtol=1e-6)
        if axis == "epoch":
            np.testing.assert_array_equal(curves.curve_data("test_loss", 0)[0], run_a.history.epoch)
        else:
            np.testing.assert_array_equal(curves.curve_data("test_loss", 1)[0], run_b.history.elapsed)
    # A and B differ in line and marker as well as colour; the legends name them.
    for which in (0, 1):
        curve = curves.curves[("test_accuracy", which)]
        assert curve.opts["pen"].style() == RUN_LINES[which] and curve.opts["symbol"] == RUN_SYMBOLS[which]
    assert RUN_LINES[0] != RUN_LINES[1] and RUN_SYMBOLS[0] != RUN_SYMBOLS[1]
    for legend in curves.legends.values():
        assert [label.text for _sample, label in legend.items] == ["A: Run 1", "B: Run 2"]


def test_the_settings_table_marks_exactly_the_settings_that_differ(qtbot, small, runs):
    _state, panel = compared(qtbot, small, *runs)
    table = panel.settings_table
    assert table.differing_keys() == ["lr", "seed"] == [key for key, _a, _b in panel.comparison.differences]
    assert table.rowCount() == len(CONFIG_A.to_dict())
    highlight = table.palette().color(QPalette.ColorRole.Highlight)
    for row in range(table.rowCount()):
        differs = table.item(row, 1).text() in ("lr", "seed")
        assert (table.item(row, 0).text() == DIFFERS_MARK) == differs
        for column in range(4):
            item = table.item(row, column)
            assert QFont(item.font()).bold() == differs
            brush = item.background()
            assert (brush.style() == Qt.BrushStyle.SolidPattern) == differs
            if differs:
                assert brush.color().rgb() == highlight.rgb() and 0 < brush.color().alpha() < 255
    lr_row = [table.item(r, 1).text() for r in range(table.rowCount())].index("lr")
    assert (table.item(lr_row, 2).text(), table.item(lr_row, 3).text()) == ("0.1", "0.3")
    assert panel.differences_label.text() == "2 differ: lr, seed"


def test_a_permuted_copy_is_matched_back_into_a_s_order_and_reads_every_digit_alike(qtbot, small, runs):
    run_a = runs[0]
    order = np.random.default_rng(3).permutation(run_a.layer_sizes[1])
    shuffled = permuted(run_a, order)
    x = np.asarray(small.x_test[:50], dtype=np.float32)
    np.testing.assert_allclose(shuffled.network.predict_proba(x.T), run_a.network.predict_proba(x.T), atol=1e-6)
    state, panel = compared(qtbot, small, run_a, shuffled)
    match = panel.comparison.match
    np.testing.assert_array_equal(match.b_for_a, np.argsort(order))
    tiles_a, tiles_b = panel.chunks.tiles
    assert tiles_a.shape == (16, 28, 28)
    np.testing.assert_array_equal(tiles_a, run_a.network.weights[0].reshape(16, 28, 28))
    np.testing.assert_array_equal(tiles_b, tiles_a)
    np.testing.assert_array_equal(panel.chunks.indices[1], panel.chunks.indices[0])
    assert "mean r = 1.00" in panel.match_label.text()
    np.testing.assert_array_equal(panel.digits.difference, np.zeros(10))
    assert not np.any(panel.digits.better_a.opts["height"]) and not np.any(panel.digits.better_b.opts["height"])


def test_the_epoch_slider_moves_both_runs_to_the_stop_nearest_that_epoch(qtbot, small, runs):
    state, panel = compared(qtbot, small, *runs)
    run_a, run_b = panel.comparison.run_a, panel.comparison.run_b
    assert panel.slider.isEnabled() and panel.epoch is None, "a new pair starts at the final weights"
    assert state.comparison.network_a is run_a.network and state.comparison.epoch is None
    for epoch in (0.3, 1.0, 1.62):
        panel.slider.setValue(round(epoch * SLIDER_STEPS_PER_EPOCH))
        pair = state.comparison
        assert pair.epoch == pytest.approx(epoch)
        for network, run in ((pair.network_a, run_a), (pair.network_b, run_b)):
            expected = network_at_epoch(run, epoch)
            for w, v in zip(network.weights, expected.weights):
                np.testing.assert_array_equal(w, v)
        for (_plot, _which), line in panel.curves.cursors.items():
            assert line.isVisible() and line.value() == pytest.approx(epoch)
        assert panel.epoch_label.text().startswith(f"Epoch {epoch:.2f}: A at epoch ")
        np.testing.assert_array_equal(panel.chunks.tiles[0][0], pair.network_a.weights[0][0].reshape(28, 28))
    # A run without a timeline stays at its final weights, and the view says so.
    bare = run_b.without_timeline()
    state.delete_run(run_b.name)
    state.add_run(bare)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.comparison is not None and panel.comparison.run_b is state.runs.get(bare.name),
                    timeout=WAIT_MS)
    panel.set_epoch(0.5)
    assert state.comparison.network_b is state.runs.get(bare.name).network
    assert "B has no timeline: it stays at its final weights" in panel.epoch_label.text()
    panel.set_epoch(None)
    assert state.comparison.epoch is None and state.comparison.network_a is panel.comparison.run_a.network


def test_both_runs_answer_the_drawing_here_and_under_the_pad(qtbot, small, runs):
    state, panel = compared(qtbot, small, *runs)
    drawing = show_panel(qtbot, DrawingPanel(), (560, 420))
    drawing.bind(state)
    readout = drawing.compare_readout
    assert not readout.isHidden(), "a pair is chosen"
    image = np.asarray(small.x_test[7], dtype=np.float32).reshape(28, 28)
    panel.set_epoch(0.5)
    state.set_probe(image)
    (p_a, digits_a), (p_b, digits_b) = predict_both(state.comparison.run_a, state.comparison.run_b,
                                                    image.reshape(1, -1), epoch=0.5)
    expected = ((int(digits_a[0]), float(p_a[0, digits_a[0]])), (int(digits_b[0]), float(p_b[0, digits_b[0]])))
    for shown in (panel.readout, readout):
        assert [digit for digit, _p in shown.answers] == [digit for digit, _p in expected]
        np.testing.assert_allclose([p for _d, p in shown.answers], [p for _d, p in expected], rtol=1e-6)
        assert shown.text() == readout_text(expected)
    assert panel.readout.text().startswith(f"A: {expected[0][0]} (")
    # Choosing the same run twice is no comparison: the readout under the pad goes.
    panel.choose("Run 1", "Run 1")
    assert state.comparison is None and readout.isHidden() and readout.answers is None
    with qtbot.waitSignal(panel.computed, timeout=WAIT_MS):
        panel.choose(SHIPPED, "Run 1")
    assert not readout.isHidden() and state.comparison.run_a is shipped_run()
    shipped = shipped_run().network.predict_proba(image.reshape(-1, 1))[:, 0]
    assert readout.answers[0][0] == int(np.argmax(shipped))
    assert readout.answers[0][1] == pytest.approx(float(np.max(shipped)), rel=1e-5)


def test_a_users_choice_stays_until_its_run_is_deleted(qtbot, small, runs):
    state, panel = compared(qtbot, small, *runs)
    with qtbot.waitSignal(panel.computed, timeout=WAIT_MS):
        panel.choose("Run 2", SHIPPED)
    state.add_run(replace(runs[0], name="later", network=runs[0].network.copy()))
    panel.refresh()
    assert panel.names() == ("Run 2", "shipped model"), "a new run does not replace the user's choice"
    state.rename_run("Run 2", "fast")
    panel.refresh()
    assert panel.names() == ("fast", "shipped model") and panel.comparison.run_a.name == "fast"
    assert state.comparison.run_a.name == "fast"
    with qtbot.waitSignal(panel.computed, timeout=WAIT_MS):
        state.delete_run("fast")
        panel.refresh()
    assert panel.names() == ("Run 1", "later"), "back to the newest run against the one before"


@pytest.fixture
def dark_theme(qtbot):
    appearance().set(theme=DARK)
    settle(qtbot)
    yield
    appearance().set(theme=SYSTEM, colour_blind=False)
    settle(qtbot)


def test_the_compare_tab_follows_the_dark_theme(qtbot, small, runs, dark_theme):
    _state, panel = compared(qtbot, small, *runs)
    settle(qtbot)
    plot = panel.curves.plots["loss"]
    box = plot.getPlotItem().vb
    corner = plot.mapFromScene(box.sceneBoundingRect().topRight())  # loss falls: its top right is empty
    picture = pixels(plot)
    window = dark_palette().color(QPalette.ColorRole.Window)
    assert picture[corner.y() + 4, corner.x() - 6].tolist() == [window.red(), window.green(), window.blue()]
    text = panel.palette().color(QPalette.ColorRole.WindowText)
    assert plot.getPlotItem().getAxis("left").textPen().color().rgb() == text.rgb()
