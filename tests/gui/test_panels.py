import dataclasses
import statistics
import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QLabel, QPushButton, QToolButton
from qt_support import added_widget

from engine.config import TrainConfig
from engine.network import Network
from engine.snapshot import Snapshot, model_snapshot
from gui.panels.accuracy_panel import AccuracyPanel
from gui.panels.activations_panel import ActivationsPanel, heatmap_shape
from gui.panels.chunks_panel import CHUNK_SIDE, MAGNIFY_BELOW_PX, ChunksPanel, grid_shape
from gui.panels.loss_panel import LossPanel, exponential_moving_average, follow_ranges
from gui.widgets.colormaps import (
    INDEX_HALF_RANGE,
    INDEX_SEPARATOR,
    INDEX_TRANSPARENT,
    INDEX_ZERO,
    diverging_index_lut,
    diverging_indices,
    nice_ceiling,
    symmetric_scale,
)

SMALL = (1000, 300)  # the training and test images of the `small` fixture (conftest.py)
RENDER_BUDGET_S = 0.050


# ----------------------------------------------------------------------------- helpers


def training_snapshot(network, n_points=2000, n_epochs=3, seed=0, state="paused"):
    """A snapshot with a realistic-looking noisy, decreasing loss history (paused by default:
    snapshots of a running network are drawn a moment later, see the live-rate tests)."""
    rng = np.random.default_rng(seed)
    batch_x = np.linspace(0.0, n_epochs, n_points + 1)[1:]
    trend = 0.1 + 2.2 * np.exp(-3.0 * batch_x)
    batch_loss = trend * np.exp(rng.normal(0.0, 0.3, n_points))
    epoch = np.arange(1.0, n_epochs + 1.0)
    epochs = {
        "epoch": epoch,
        "train_loss": 0.1 + 2.2 * np.exp(-3.0 * (epoch - 0.5)),
        "test_loss": 0.12 + 2.2 * np.exp(-3.0 * epoch),
        "train_accuracy": np.linspace(0.90, 0.99, n_epochs),
        "test_accuracy": np.linspace(0.89, 0.9784, n_epochs),
        "seconds": np.full(n_epochs, 2.0),
    }
    return Snapshot(network=network.copy(), config=TrainConfig(), state=state, step=n_points,
                    epoch=n_epochs, epoch_progress=float(n_epochs), batch_x=batch_x,
                    batch_loss=batch_loss, epochs=epochs)


def snapshot_at(network, step, state="paused"):
    """A snapshot of `network` at training step `step` (paused: drawn at once, never throttled)."""
    return dataclasses.replace(model_snapshot(network), state=state, step=step)


def total_variation(values):
    return float(np.sum(np.abs(np.diff(values))))


@pytest.fixture
def loss_panel(qtbot):
    return added_widget(qtbot, LossPanel())


@pytest.fixture
def accuracy_panel(qtbot):
    return added_widget(qtbot, AccuracyPanel())


@pytest.fixture
def chunks_panel(qtbot):
    return added_widget(qtbot, ChunksPanel())


@pytest.fixture
def activations_panel(qtbot, small):
    return added_widget(qtbot, ActivationsPanel(small))


# ----------------------------------------------------------------------------- smoothing


@pytest.mark.parametrize("alpha", [0.01, 2 / 51, 0.5, 1.0])
def test_moving_average_matches_the_recurrence(alpha):
    values = np.random.default_rng(1).gamma(2.0, 0.5, 5000)
    expected = np.empty_like(values)
    expected[0] = values[0]
    for t in range(1, values.size):
        expected[t] = alpha * values[t] + (1 - alpha) * expected[t - 1]
    np.testing.assert_allclose(exponential_moving_average(values, alpha), expected, rtol=1e-9)


def test_moving_average_skips_non_finite_points():
    values = np.array([1.0, np.nan, 3.0, np.inf, 5.0])
    smoothed = exponential_moving_average(values, 0.5)
    assert np.isnan(smoothed[1]) and np.isnan(smoothed[3])
    np.testing.assert_allclose(smoothed[[0, 2, 4]], [1.0, 2.0, 3.5])


def test_moving_average_of_nothing_is_empty():
    assert exponential_moving_average(np.empty(0), 0.1).shape == (0,)


# ----------------------------------------------------------------------------- loss panel


def test_loss_panel_object_names_and_tooltips(loss_panel):
    assert loss_panel.objectName() == "lossPanel"
    plot = loss_panel.findChild(pg.PlotWidget, "lossPlot")
    assert plot is loss_panel.plot
    log_check = loss_panel.findChild(QCheckBox, "lossLogScale")
    assert log_check is not None and log_check.toolTip()
    assert plot.toolTip()


def test_loss_curves_hold_exactly_the_batch_points(loss_panel):
    snapshot = training_snapshot(Network((784, 16, 10)), n_points=3000)
    loss_panel.show_snapshot(snapshot)

    x, y = loss_panel.raw_curve.getOriginalDataset()
    np.testing.assert_array_equal(x, snapshot.batch_x)
    np.testing.assert_array_equal(y, snapshot.batch_loss)

    smooth_x, smooth_y = loss_panel.smooth_curve.getOriginalDataset()
    np.testing.assert_array_equal(smooth_x, snapshot.batch_x)
    assert smooth_y.shape == snapshot.batch_loss.shape
    assert total_variation(smooth_y) < 0.2 * total_variation(snapshot.batch_loss)


def test_short_histories_are_drawn_point_for_point(loss_panel, qtbot):
    snapshot = training_snapshot(Network((784, 16, 10)), n_points=500)
    loss_panel.resize(640, 420)
    loss_panel.show()
    qtbot.waitExposed(loss_panel)
    loss_panel.show_snapshot(snapshot)
    x, y = loss_panel.raw_curve.getData()
    np.testing.assert_array_equal(x, snapshot.batch_x)
    np.testing.assert_array_equal(y, snapshot.batch_loss)


def test_long_histories_are_drawn_downsampled_keeping_every_extreme(loss_panel, qtbot):
    snapshot = training_snapshot(Network((784, 16, 10)), n_points=20_000, n_epochs=40)
    loss_panel.resize(640, 420)
    loss_panel.show()
    qtbot.waitExposed(loss_panel)
    loss_panel.show_snapshot(snapshot)
    loss_panel.plot.getPlotItem().vb.autoRange()
    _, shown = loss_panel.raw_curve.getData()
    assert shown.size < snapshot.batch_loss.size
    assert shown.max() == snapshot.batch_loss.max() and shown.min() == snapshot.batch_loss.min()


def test_epoch_losses_sit_at_epoch_middle_for_train_and_epoch_end_for_test(loss_panel):
    snapshot = training_snapshot(Network((784, 16, 10)), n_epochs=4)
    loss_panel.show_snapshot(snapshot)
    train_x, train_y = loss_panel.train_epoch_curve.getData()
    test_x, test_y = loss_panel.test_epoch_curve.getData()
    np.testing.assert_array_equal(train_x, snapshot.epochs["epoch"] - 0.5)
    np.testing.assert_array_equal(train_y, snapshot.epochs["train_loss"])
    np.testing.assert_array_equal(test_x, snapshot.epochs["epoch"])
    np.testing.assert_array_equal(test_y, snapshot.epochs["test_loss"])


def test_loss_panel_handles_an_empty_history(loss_panel):
    loss_panel.show_snapshot(model_snapshot(Network((784, 16, 10))))
    x, _ = loss_panel.raw_curve.getData()
    assert x is None or len(x) == 0
    assert loss_panel.hover_epoch(1.0) is None


def test_log_scale_checkbox_switches_the_y_axis(loss_panel):
    snapshot = training_snapshot(Network((784, 16, 10)))
    loss_panel.show_snapshot(snapshot)
    plot_item = loss_panel.plot.getPlotItem()

    loss_panel.log_scale_check.setChecked(True)
    assert plot_item.ctrl.logYCheck.isChecked()
    assert loss_panel.raw_curve.opts["logMode"] == [False, True]
    # Displayed values are now log10 of the loss.
    np.testing.assert_allclose(loss_panel.raw_curve.getData()[1], np.log10(snapshot.batch_loss))

    loss_panel.log_scale_check.setChecked(False)
    assert not plot_item.ctrl.logYCheck.isChecked()
    assert loss_panel.raw_curve.opts["logMode"] == [False, False]


def test_hover_labels_the_nearest_batch_point(loss_panel, qtbot):
    snapshot = training_snapshot(Network((784, 16, 10)), n_points=300)
    loss_panel.resize(640, 420)
    loss_panel.show()
    qtbot.waitExposed(loss_panel)
    loss_panel.show_snapshot(snapshot)
    loss_panel.plot.getPlotItem().vb.autoRange()

    target = 100
    x = snapshot.batch_x[target] + 0.2 * (snapshot.batch_x[1] - snapshot.batch_x[0])
    view_box = loss_panel.plot.getPlotItem().vb
    scene_position = view_box.mapViewToScene(QPointF(x, 1.0))
    loss_panel.plot.scene().sigMouseMoved.emit(scene_position)
    assert f"{snapshot.batch_loss[target]:.4g}" in loss_panel.hover_text
    assert f"epoch {snapshot.batch_x[target]:.3f}" in loss_panel.hover_text

    # A new snapshot under a still pointer relabels instead of hiding.
    loss_panel.show_snapshot(training_snapshot(Network((784, 16, 10)), n_points=300, seed=5))
    assert loss_panel.hover_text

    outside = view_box.sceneBoundingRect().topLeft() - QPointF(5, 5)
    loss_panel.plot.scene().sigMouseMoved.emit(outside)
    assert loss_panel.hover_text == ""


def test_loss_axes_follow_the_run_without_auto_range(loss_panel):
    view_box = loss_panel.plot.getPlotItem().vb
    assert view_box.autoRangeEnabled() == [False, False]
    snapshot = training_snapshot(Network((784, 16, 10)), n_points=600, n_epochs=2)
    loss_panel.show_snapshot(snapshot)
    (x0, x1), (y0, y1) = view_box.viewRange()
    assert x0 <= 0.0 and 2.0 <= x1 <= 2.5, "x ends at a round number just past the newest point"
    assert y0 <= 0.0 and snapshot.batch_loss.max() <= y1 <= 1.35 * snapshot.batch_loss.max()
    assert loss_panel.following

    # A grown history keeps the same round range: the axes are not redrawn.
    loss_panel.show_snapshot(training_snapshot(Network((784, 16, 10)), n_points=620, n_epochs=2, seed=0))
    assert view_box.viewRange()[0] == [x0, x1]


def test_follow_range_on_a_log_axis_covers_every_positive_loss():
    x = np.linspace(0.01, 3.0, 300)
    loss = np.geomspace(2.3, 0.02, 300)
    (x0, x1), (y0, y1) = follow_ranges(x, [loss], total_epochs=6, log_y=True)
    assert x0 == 0.0 and 3.0 <= x1 <= 4.0
    assert y0 <= np.log10(0.02) and y1 >= np.log10(2.3) and y1 - y0 < 3
    (_, x1), _ = follow_ranges(x, [loss], total_epochs=3, log_y=False)
    assert x1 == 3.0, "never past the run's last epoch"
    # Within the first epoch the axis grows in few steps: a quarter, a half, the whole epoch.
    ends = {follow_ranges(np.array([p]), [np.ones(1)], 6, False)[0][1] for p in np.linspace(0.004, 0.95, 200)}
    assert ends == {0.25, 0.5, 1.0}


def test_zooming_stops_following_until_asked_again(loss_panel, qtbot):
    loss_panel.resize(640, 420)
    loss_panel.show()
    qtbot.waitExposed(loss_panel)
    loss_panel.show_snapshot(training_snapshot(Network((784, 16, 10)), n_points=600, n_epochs=2))
    view_box = loss_panel.plot.getPlotItem().vb
    view_box.scaleBy(s=(0.5, 0.5))  # what the mouse wheel does
    view_box.sigRangeChangedManually.emit(view_box.state["mouseEnabled"])
    zoomed = view_box.viewRange()
    follow = loss_panel.findChild(QToolButton, "lossFollowButton")
    assert not loss_panel.following and not follow.isChecked()

    loss_panel.show_snapshot(training_snapshot(Network((784, 16, 10)), n_points=900, n_epochs=3))
    assert view_box.viewRange() == zoomed, "the user's view is left alone"

    follow.click()
    assert loss_panel.following
    assert view_box.viewRange()[0][1] >= 3.0

    loss_panel.set_follow(False)
    auto_button = loss_panel.plot.getPlotItem().autoBtn
    auto_button.clicked.emit(auto_button)  # pyqtgraph's "A" button
    assert loss_panel.following and view_box.autoRangeEnabled() == [False, False]


def test_log_scale_follows_in_decades(loss_panel):
    snapshot = training_snapshot(Network((784, 16, 10)), n_points=600, n_epochs=2)
    loss_panel.show_snapshot(snapshot)
    loss_panel.log_scale_check.setChecked(True)
    _, (y0, y1) = loss_panel.plot.getPlotItem().vb.viewRange()
    assert y0 <= np.log10(snapshot.batch_loss.min()) and y1 >= np.log10(snapshot.batch_loss.max())
    assert loss_panel.following


def test_legend_sits_outside_the_plot(loss_panel):
    assert loss_panel.plot.getPlotItem().legend is None
    legend = loss_panel.findChild(QLabel, "lossLegend")
    for name in ("mini-batch loss", "smoothed", "train", "test"):
        assert name in legend.text()


def test_incremental_smoothing_matches_a_full_recomputation(loss_panel):
    snapshot = training_snapshot(Network((784, 16, 10)), n_points=1000)
    half = dataclasses.replace(snapshot, batch_x=snapshot.batch_x[:400], batch_loss=snapshot.batch_loss[:400])
    loss_panel.show_snapshot(half)
    loss_panel.show_snapshot(snapshot)
    _, smoothed = loss_panel.smooth_curve.getOriginalDataset()
    np.testing.assert_allclose(smoothed, exponential_moving_average(snapshot.batch_loss, loss_panel.smoothing_alpha),
                               rtol=1e-9)


# ----------------------------------------------------------------------------- accuracy panel


def test_accuracy_labels_show_dash_before_any_evaluation(accuracy_panel):
    accuracy_panel.show_snapshot(model_snapshot(Network((784, 16, 10))))
    test_label = accuracy_panel.findChild(QLabel, "testAccuracyLabel")
    train_label = accuracy_panel.findChild(QLabel, "trainAccuracyLabel")
    assert test_label.text() == "Test \u2013"
    assert train_label.text() == "Train \u2013"
    assert accuracy_panel.findChild(pg.PlotWidget, "accuracyPlot") is accuracy_panel.plot


def test_accuracy_panel_shows_latest_values_in_percent(accuracy_panel):
    snapshot = training_snapshot(Network((784, 16, 10)), n_epochs=3)
    accuracy_panel.show_snapshot(snapshot)
    assert accuracy_panel.test_label.text() == "Test 97.84 %"
    assert accuracy_panel.train_label.text() == "Train 99.00 %"
    x, y = accuracy_panel.test_curve.getData()
    np.testing.assert_array_equal(x, snapshot.epochs["epoch"])
    np.testing.assert_allclose(y, 100.0 * snapshot.epochs["test_accuracy"])
    _, train_y = accuracy_panel.train_curve.getData()
    np.testing.assert_allclose(train_y, 100.0 * snapshot.epochs["train_accuracy"])


# ----------------------------------------------------------------------------- chunks panel


@pytest.mark.parametrize("n_neurons, rows, cols", [(10, 3, 4), (16, 4, 4), (512, 23, 23)])
def test_chunk_grid_is_near_square(n_neurons, rows, cols):
    assert grid_shape(n_neurons) == (rows, cols)


@pytest.mark.parametrize("n_neurons", [16, 512])
def test_chunk_atlas_tiles_every_row_of_w1(chunks_panel, n_neurons):
    network = Network((784, n_neurons, 10), seed=3)
    snapshot = model_snapshot(network)
    chunks_panel.show_snapshot(snapshot)
    rows, cols = grid_shape(n_neurons)
    assert chunks_panel.grid == (rows, cols)
    separator = chunks_panel.separator
    cell = CHUNK_SIDE + separator
    assert chunks_panel.atlas.shape == (rows * cell - separator, cols * cell - separator)

    weights = snapshot.network.weights[0]
    for neuron in (0, 1, cols, n_neurons - 1):
        top, left = chunks_panel.chunk_origin(neuron)
        region = chunks_panel.atlas[top:top + CHUNK_SIDE, left:left + CHUNK_SIDE]
        np.testing.assert_array_equal(region, weights[neuron].reshape(28, 28))
    # Separators and unused cells are blank (NaN), never a weight value.
    assert np.isnan(chunks_panel.atlas[CHUNK_SIDE:CHUNK_SIDE + separator, :]).all()
    assert np.count_nonzero(~np.isnan(chunks_panel.atlas)) == weights.size


def test_chunk_levels_are_symmetric_about_zero(chunks_panel):
    snapshot = model_snapshot(Network((784, 64, 10), seed=2))
    chunks_panel.show_snapshot(snapshot)
    low, high = chunks_panel.levels
    assert low == -high and high > 0
    # A robust max (99th percentile of |W|), rounded up to a round number.
    robust = symmetric_scale(snapshot.network.weights[0])
    assert high == nice_ceiling(robust) and robust <= high <= 1.25 * robust
    # The colour bar shows the same scale the picture uses.
    assert chunks_panel.color_bar.levels() == (low, high)


def test_chunk_picture_is_coloured_by_index_on_the_symmetric_scale(chunks_panel):
    network = Network((784, 16, 10), seed=4)
    weights = network.weights[0]
    weights[0, :3] = [0.0, 10.0, -10.0]  # zero, and far beyond the scale either way
    chunks_panel.show_snapshot(model_snapshot(network))
    image = chunks_panel.image_item.image
    assert image.dtype == np.uint8 and chunks_panel.image_item.levels is None
    assert image[0, 0] == INDEX_ZERO
    assert image[0, 1] == INDEX_ZERO + INDEX_HALF_RANGE and image[0, 2] == INDEX_ZERO - INDEX_HALF_RANGE
    np.testing.assert_array_equal(
        image[:CHUNK_SIDE, :CHUNK_SIDE], diverging_indices(weights[0], chunks_panel.scale).reshape(28, 28))
    assert image[:CHUNK_SIDE, CHUNK_SIDE] == pytest.approx(INDEX_SEPARATOR)  # the gap after chunk 0
    lut = diverging_index_lut()
    assert lut[INDEX_TRANSPARENT, 3] == 0 and lut[INDEX_SEPARATOR, 3] == 255
    # Symmetric colours: +v and -v are equally far from the middle of the map.
    assert diverging_indices(np.float32([0.5]), 1.0)[0] - INDEX_ZERO == INDEX_ZERO - diverging_indices(
        np.float32([-0.5]), 1.0)[0]


def test_scales_round_up_to_nice_numbers():
    assert [nice_ceiling(v) for v in (0.011, 0.9, 1.0, 2.2, 7.0, 0.0)] == [0.012, 1.0, 1.0, 2.5, 8.0, 1.0]


def test_every_neuron_is_fitted_into_the_view_by_default(chunks_panel, qtbot):
    chunks_panel.resize(460, 420)
    chunks_panel.show()
    qtbot.waitExposed(chunks_panel)
    chunks_panel.show_snapshot(model_snapshot(Network((784, 400, 10), seed=1)))
    assert chunks_panel.grid == (20, 20)
    (x0, x1), (y0, y1) = chunks_panel.view_box.viewRange()
    atlas = chunks_panel.atlas_rect()
    assert x0 <= 0 and y0 <= 0 and x1 >= atlas.width() and y1 >= atlas.height()
    assert "400 neurons" in chunks_panel.hover_label.text() and "zoom" in chunks_panel.hover_label.text()

    chunks_panel.view_box.setRange(xRange=(0, 60), yRange=(0, 60), padding=0)
    assert chunks_panel.chunk_screen_size() > 100
    chunks_panel.fit_button.click()
    (x0, x1), _ = chunks_panel.view_box.viewRange()
    assert x0 <= 0 and x1 >= atlas.width()


def test_small_chunks_are_magnified_under_the_pointer(chunks_panel, qtbot):
    chunks_panel.resize(460, 420)
    chunks_panel.show()
    qtbot.waitExposed(chunks_panel)
    chunks_panel.show_snapshot(model_snapshot(Network((784, 400, 10), seed=1)))
    assert chunks_panel.chunk_screen_size() < MAGNIFY_BELOW_PX

    def hover(neuron):
        top, left = chunks_panel.chunk_origin(neuron)
        scene_position = chunks_panel.view_box.mapViewToScene(QPointF(left + 14, top + 14))
        chunks_panel.view.scene().sigMouseMoved.emit(scene_position)

    hover(21)
    assert chunks_panel.hover_label.text().startswith("Neuron 21:")
    assert chunks_panel.magnifier.isVisibleTo(chunks_panel)
    assert chunks_panel.magnifier.pixmap().width() >= 2 * CHUNK_SIDE

    top, left = chunks_panel.chunk_origin(21)
    chunks_panel.view_box.setRange(xRange=(left, left + 40), yRange=(top, top + 40), padding=0)
    hover(21)
    assert not chunks_panel.magnifier.isVisibleTo(chunks_panel), "large chunks need no magnifier"


def test_change_view_subtracts_the_weights_the_run_started_from(chunks_panel):
    combo = chunks_panel.findChild(QComboBox, "chunksViewCombo")
    assert combo.currentText() == "Weights W[1]"
    start = Network((784, 16, 10), seed=1)
    later = start.copy()
    later.weights[0][3, 100:110] += 0.5
    chunks_panel.show_snapshot(snapshot_at(start, step=0))
    chunks_panel.show_snapshot(snapshot_at(later, step=40))
    np.testing.assert_array_equal(chunks_panel.values, later.weights[0])
    assert "W[1]" in chunks_panel.title.text() and "weight" in chunks_panel.color_bar.axis.labelText

    combo.setCurrentIndex(combo.findText("Change since start  W[1] \u2212 W[1](0)"))
    assert chunks_panel.mode == "change" and chunks_panel.showing_change
    change = later.weights[0] - start.weights[0]
    np.testing.assert_allclose(chunks_panel.values, change)
    assert not chunks_panel.values[np.arange(16) != 3].any()
    assert chunks_panel.title.text().startswith("Change since start")
    assert "change" in chunks_panel.color_bar.axis.labelText
    assert chunks_panel.levels == (-nice_ceiling(symmetric_scale(change)), nice_ceiling(symmetric_scale(change)))

    # A new run (step back to 0) becomes the new start.
    fresh = Network((784, 16, 10), seed=7)
    chunks_panel.show_snapshot(snapshot_at(fresh, step=0))
    assert not chunks_panel.values.any()


def test_change_view_says_so_when_the_start_of_the_run_was_not_seen(chunks_panel):
    chunks_panel.set_mode("change")
    chunks_panel.show_snapshot(snapshot_at(Network((784, 16, 10)), step=50))
    chunks_panel.show_snapshot(snapshot_at(Network((784, 32, 10)), step=60))
    assert not chunks_panel.showing_change
    assert "unavailable" in chunks_panel.title.text()
    assert "weight" in chunks_panel.color_bar.axis.labelText

    start = Network((784, 32, 10), seed=3)
    chunks_panel.set_reference(start)
    assert chunks_panel.showing_change


def test_live_loss_is_drawn_a_moment_later_and_only_the_newest(loss_panel, qtbot):
    older = training_snapshot(Network((784, 16, 10)), n_points=300, state="running")
    newer = training_snapshot(Network((784, 16, 10)), n_points=400, state="running")
    loss_panel.show_snapshot(older)
    loss_panel.show_snapshot(newer)
    assert loss_panel.raw_curve.getOriginalDataset()[0] is None
    qtbot.waitUntil(lambda: loss_panel.raw_curve.getOriginalDataset()[0] is not None, timeout=1000)
    np.testing.assert_array_equal(loss_panel.raw_curve.getOriginalDataset()[1], newer.batch_loss)


def test_live_chunks_are_redrawn_at_a_bounded_rate(chunks_panel, qtbot):
    networks = [Network((784, 16, 10), seed=s) for s in range(3)]
    for i, network in enumerate(networks):
        chunks_panel.show_snapshot(snapshot_at(network, step=i + 1, state="running"))
    # The first is drawn at once, the rest wait for the interval; the newest then shows.
    np.testing.assert_array_equal(chunks_panel.values, networks[0].weights[0])
    qtbot.waitUntil(lambda: np.array_equal(chunks_panel.values, networks[2].weights[0]), timeout=2000)


def test_different_weights_give_different_atlases_on_the_same_items(chunks_panel):
    chunks_panel.show_snapshot(model_snapshot(Network((784, 16, 10), seed=1)))
    first_atlas = chunks_panel.atlas
    image_id, bar_id = id(chunks_panel.image_item), id(chunks_panel.color_bar)
    chunks_panel.show_snapshot(model_snapshot(Network((784, 16, 10), seed=2)))
    assert not np.array_equal(first_atlas, chunks_panel.atlas, equal_nan=True)
    assert id(chunks_panel.image_item) == image_id and id(chunks_panel.color_bar) == bar_id
    assert chunks_panel.view_box.addedItems.count(chunks_panel.image_item) == 1


def test_same_weights_skip_rendering(chunks_panel):
    snapshot = model_snapshot(Network((784, 16, 10)))
    chunks_panel.show_snapshot(snapshot)
    atlas = chunks_panel.atlas
    chunks_panel.show_snapshot(snapshot)
    assert chunks_panel.atlas is atlas


def test_chunk_at_maps_positions_to_neurons(chunks_panel):
    chunks_panel.show_snapshot(model_snapshot(Network((784, 10, 10))))
    rows, cols = chunks_panel.grid
    cell = CHUNK_SIDE + chunks_panel.separator
    assert chunks_panel.chunk_at(5, 5) == 0
    assert chunks_panel.chunk_at(cell + 5, 5) == 1
    assert chunks_panel.chunk_at(5, cell + 5) == cols
    assert chunks_panel.chunk_at(CHUNK_SIDE + 0.5, 5) is None       # in a gap
    assert chunks_panel.chunk_at(3 * cell + 5, 2 * cell + 5) is None  # unused cell (10 of 12)
    assert chunks_panel.chunk_at(-1, 5) is None


def test_hover_names_neuron_and_weight_range(chunks_panel, qtbot):
    network = Network((784, 16, 10), seed=4)
    chunks_panel.resize(640, 420)
    chunks_panel.show()
    qtbot.waitExposed(chunks_panel)
    chunks_panel.show_snapshot(model_snapshot(network))
    chunks_panel.view_box.autoRange()
    top, left = chunks_panel.chunk_origin(5)
    scene_position = chunks_panel.view_box.mapViewToScene(QPointF(left + 14, top + 14))
    chunks_panel.view.scene().sigMouseMoved.emit(scene_position)
    label = chunks_panel.findChild(QLabel, "chunkHoverLabel")
    row = network.weights[0][5]
    assert label.text().startswith("Neuron 5:")
    assert f"{abs(row.min()):.3f}" in label.text() and f"{row.max():.3f}" in label.text()


def test_clicking_a_chunk_opens_a_reused_detail_dialog(chunks_panel, qtbot):
    network = Network((784, 16, 10), seed=5)
    network.biases[0][:, 0] = np.arange(16) / 100.0
    chunks_panel.resize(640, 420)
    chunks_panel.show()
    qtbot.waitExposed(chunks_panel)
    chunks_panel.show_snapshot(model_snapshot(network))
    chunks_panel.view_box.autoRange()

    top, left = chunks_panel.chunk_origin(7)
    scene_position = chunks_panel.view_box.mapViewToScene(QPointF(left + 14, top + 14))
    viewport_position = chunks_panel.view.mapFromScene(scene_position)
    with qtbot.waitSignal(chunks_panel.chunkClicked, timeout=2000) as clicked:
        qtbot.mouseClick(chunks_panel.view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_position)
    assert clicked.args == [7]

    dialog = chunks_panel.findChild(QDialog, "chunkDetailDialog")
    assert dialog is chunks_panel.detail_dialog and dialog.isVisible() and not dialog.isModal()
    assert dialog.neuron == 7
    assert dialog.bias == pytest.approx(0.07)
    assert "+0.070" in dialog.bias_label.text()
    np.testing.assert_array_equal(dialog.influence, network.weights[1][:, 7])
    np.testing.assert_array_equal(dialog.image_item.image, network.weights[0][7].reshape(28, 28))

    influence = network.weights[1][:, 7]
    assert [d for d, _ in dialog.up_digits] == list(np.argsort(influence)[::-1][:3])
    assert [d for d, _ in dialog.down_digits] == list(np.argsort(influence)[:3])

    again = chunks_panel.open_detail(2)
    assert again is dialog and dialog.neuron == 2


def test_open_detail_follows_new_weights(chunks_panel):
    chunks_panel.show_snapshot(model_snapshot(Network((784, 16, 10), seed=1)))
    dialog = chunks_panel.open_detail(3)
    newer = Network((784, 16, 10), seed=9)
    chunks_panel.show_snapshot(model_snapshot(newer))
    np.testing.assert_array_equal(dialog.image_item.image, newer.weights[0][3].reshape(28, 28))


# ----------------------------------------------------------------------------- activations panel


def forward_columns(network, x):
    return [a[:, 0] for a in network.forward(np.asarray(x).reshape(784, 1)).A]


def test_activations_equal_network_forward_on_the_probe(activations_panel, small):
    snapshot = model_snapshot(Network((784, 128, 64, 10), seed=8))
    activations_panel.set_probe_index(12)
    activations_panel.show_snapshot(snapshot)
    expected = forward_columns(snapshot.network, small.x_test[12])
    assert len(activations_panel.last_activations) == len(expected) == 4
    for got, want in zip(activations_panel.last_activations, expected):
        np.testing.assert_array_equal(got, want)


def test_wide_layers_are_heatmaps_narrow_layers_are_bars(activations_panel, small):
    snapshot = model_snapshot(Network((784, 128, 64, 10), seed=8))
    activations_panel.show_snapshot(snapshot)
    a1, a2, output = activations_panel.last_activations[1:]
    heatmap, bars, output_bars = activations_panel.layer_views

    rows, cols = heatmap_shape(128)
    assert heatmap.image.image.shape == (rows, cols)
    np.testing.assert_array_equal(heatmap.image.image.reshape(-1)[:128], a1)
    assert "A[1] (128 units, ReLU)" in heatmap.title

    np.testing.assert_array_equal(bars.bars.opts["height"], a2)
    assert "A[2] (64 units, ReLU)" in bars.title

    np.testing.assert_array_equal(output_bars.bars.opts["height"], output)
    assert output_bars.predicted == int(np.argmax(output))
    assert output.sum() == pytest.approx(1.0, abs=1e-5)


def test_true_label_marked_for_test_images(activations_panel, small):
    activations_panel.show_snapshot(model_snapshot(Network((784, 16, 10))))
    activations_panel.set_probe_index(3)
    true_label = int(small.y_test[3])
    marker_x, _ = activations_panel.layer_views[-1].true_marker.getData()
    assert list(marker_x) == [true_label]
    assert f"True label {true_label}" in activations_panel.prediction_label.text()


def test_next_and_previous_change_the_probe(activations_panel, small, qtbot):
    activations_panel.show_snapshot(model_snapshot(Network((784, 16, 10))))
    next_button = activations_panel.findChild(QPushButton, "probeNextButton")
    prev_button = activations_panel.findChild(QPushButton, "probePrevButton")
    random_button = activations_panel.findChild(QPushButton, "probeRandomButton")
    assert next_button.toolTip() and prev_button.toolTip() and random_button.toolTip()
    assert activations_panel.probe_index == 0

    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert activations_panel.probe_index == 1
    np.testing.assert_array_equal(activations_panel.last_activations[0], small.x_test[1])
    qtbot.mouseClick(prev_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(prev_button, Qt.MouseButton.LeftButton)
    assert activations_panel.probe_index == small.n_test - 1  # wraps around
    qtbot.mouseClick(random_button, Qt.MouseButton.LeftButton)
    assert activations_panel.probe_index != small.n_test - 1
    assert str(activations_panel.probe_index) in activations_panel.index_label.text()


def test_drawing_mode_uses_the_drawing(activations_panel):
    snapshot = model_snapshot(Network((784, 16, 10), seed=2))
    activations_panel.show_snapshot(snapshot)
    drawing = np.zeros((28, 28), dtype=np.float32)
    drawing[6:22, 13:16] = 1.0
    activations_panel.set_drawing_input(drawing)
    use_drawing = activations_panel.findChild(QCheckBox, "probeUseDrawing")
    use_drawing.setChecked(True)

    np.testing.assert_array_equal(activations_panel.last_activations[0], drawing.reshape(-1))
    for got, want in zip(activations_panel.last_activations, forward_columns(snapshot.network, drawing)):
        np.testing.assert_array_equal(got, want)
    assert activations_panel.layer_views[-1].true_marker.getData()[0].size == 0

    activations_panel.set_drawing_input(None)
    assert activations_panel.last_activations == []
    assert activations_panel.layer_views[-1].predicted is None

    activations_panel.set_probe_index(4)  # choosing a test image leaves drawing mode
    assert not use_drawing.isChecked()
    assert len(activations_panel.last_activations) == 3


def test_layer_items_are_reused_until_the_architecture_changes(activations_panel):
    activations_panel.show_snapshot(model_snapshot(Network((784, 128, 64, 10), seed=1)))
    first_views = [id(view) for view in activations_panel.layer_views]
    first_items = [id(view.plot_item) for view in activations_panel.layer_views]
    activations_panel.show_snapshot(model_snapshot(Network((784, 128, 64, 10), seed=2)))
    assert [id(view) for view in activations_panel.layer_views] == first_views
    assert [id(view.plot_item) for view in activations_panel.layer_views] == first_items

    activations_panel.show_snapshot(model_snapshot(Network((784, 32, 10))))
    assert len(activations_panel.layer_views) == 2
    assert len(activations_panel.layers_view.ci.items) == 2


# ----------------------------------------------------------------------------- render cost


def test_show_snapshot_is_cheap(qtbot, small, capsys):
    """Showing a snapshot and painting the result, per panel. Paused snapshots, so that nothing
    is skipped by the panels' live rate limits."""
    snapshots = [training_snapshot(Network((784, 256, 128, 10), seed=s), n_points=20_000, n_epochs=40, seed=s)
                 for s in (1, 2)]
    panels = [LossPanel(), AccuracyPanel(), ChunksPanel(), ActivationsPanel(small)]
    report = []
    for panel in panels:
        qtbot.addWidget(panel)
        panel.resize(640, 420)
        panel.show()
        panel.show_snapshot(snapshots[1])  # first call builds per-architecture items
        panel.grab()
        durations = []
        for i in range(20):
            start = time.perf_counter()
            panel.show_snapshot(snapshots[i % 2])  # alternate, so nothing is skipped as unchanged
            panel.grab()  # paints every view of the panel
            durations.append(time.perf_counter() - start)
        median, worst = statistics.median(durations), max(durations)
        report.append(f"{type(panel).__name__}: median {1000 * median:.2f} ms, max {1000 * worst:.2f} ms")
        assert median < RENDER_BUDGET_S, report[-1]
    with capsys.disabled():
        print("\nshow_snapshot + paint, 784-256-128-10 network, 20k loss points:\n  " + "\n  ".join(report))


def test_live_activations_are_redrawn_at_a_bounded_rate(activations_panel, qtbot):
    networks = [Network((784, 32, 10), seed=s) for s in range(3)]
    for i, network in enumerate(networks):
        activations_panel.show_snapshot(snapshot_at(network, step=i + 1, state="running"))
    expected = forward_columns(networks[2], activations_panel.last_activations[0])
    assert not np.array_equal(activations_panel.last_activations[-1], expected[-1])
    qtbot.waitUntil(lambda: np.array_equal(activations_panel.last_activations[-1], expected[-1]), timeout=2000)


def test_every_layer_is_legible_in_a_small_dock(activations_panel, qtbot):
    activations_panel.resize(430, 230)
    activations_panel.show()
    qtbot.waitExposed(activations_panel)
    activations_panel.show_snapshot(model_snapshot(Network((784, 400, 200, 10), seed=1)))
    qtbot.wait(50)
    heatmaps, output = activations_panel.layer_views[:-1], activations_panel.layer_views[-1]
    assert output.plot_item.vb.height() >= 70, "the ten output bars keep a readable height"
    for view in heatmaps:
        assert view.plot_item.vb.height() >= 25
        assert view.plot_item.vb.height() / view.rows >= 3, "each unit is a visible cell, not a line"
    label = activations_panel.index_label
    assert label.height() >= label.heightForWidth(label.width()), "the probe's description is not cut off"


def test_accuracy_axes_are_set_without_auto_range_and_labels_keep_their_size(accuracy_panel):
    view_box = accuracy_panel.plot.getPlotItem().vb
    assert view_box.autoRangeEnabled() == [False, False]
    sizes = (accuracy_panel.train_label.size(), accuracy_panel.test_label.size())
    snapshot = training_snapshot(Network((784, 16, 10)), n_epochs=3)
    accuracy_panel.show_snapshot(snapshot)
    (x0, x1), (y0, y1) = view_box.viewRange()
    assert x0 < 1.0 and x1 > 3.0
    assert y0 < 89.0 and 99.0 < y1 <= 100.0
    assert (accuracy_panel.train_label.size(), accuracy_panel.test_label.size()) == sizes
