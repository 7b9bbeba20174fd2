"""The "understand the trained network" panels, on the shipped model and the bundled MNIST.

Each panel is also rendered to /tmp/analysis_panels/<name>.png at 900x600 for inspection."""
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QListWidget,
    QPushButton,
    QSlider,
    QWidget,
)
from qt_support import show_panel

from engine.analysis import evaluation_report, large_chunks, output_patterns
from engine.network import Network
from engine.snapshot import model_snapshot
from engine.trainer import evaluate
from gui.analysis.dataset_panel import DatasetPanel
from gui.analysis.embedding_panel import EmbeddingPanel
from gui.analysis.evaluation_panel import EvaluationPanel
from gui.analysis.histograms_panel import HistogramsPanel
from gui.analysis.large_chunks_panel import LargeChunksPanel
from gui.analysis.mistakes_panel import MistakesPanel
from gui.analysis.robustness_panel import RobustnessPanel
from gui.widgets.background import BackgroundTask

RENDER_DIR = Path("/tmp/analysis_panels")
WORKER_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def snapshot(model, mnist):
    return model_snapshot(model, dataset_name=mnist.name)


@pytest.fixture(scope="module")
def report(model, mnist):
    return evaluation_report(model, mnist)


def render(panel, name):
    """Save what the panel looks like, for a human to check legibility and colours."""
    RENDER_DIR.mkdir(parents=True, exist_ok=True)
    path = RENDER_DIR / f"{name}.png"
    assert panel.grab().save(str(path))
    return path


def assert_tooltips(panel, widget_type, names):
    for name in names:
        widget = panel.findChild(widget_type, name)
        assert widget is not None, name
        assert widget.toolTip(), f"{name} has no tooltip"


def click_view(qtbot, view, view_box, x, y, double=False):
    """Click the graphics view `view` at position (x, y) of `view_box`'s coordinates.

    A double click is sent as a real mouse sends it (press, release, double-click, release):
    QTest's own sequence adds a second press, after which pyqtgraph reports a single click."""
    viewport = view.viewport()
    viewport_position = view.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=viewport_position)
    if double:
        local = QPointF(viewport_position)
        event = QMouseEvent(QEvent.Type.MouseButtonDblClick, local, viewport.mapToGlobal(local),
                            Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=viewport_position)


# ----------------------------------------------------------------------------- background task


def test_background_task_delivers_only_the_latest_result(qtbot):
    task = BackgroundTask()
    results = []
    task.finished.connect(results.append)
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.run(lambda: time.sleep(0.2) or "first")
        task.run(lambda: "second")
    qtbot.wait(300)
    assert results == ["second"] and not task.busy
    with qtbot.waitSignal(task.failed, timeout=5000) as failed:
        task.run(lambda: 1 / 0)
    assert "ZeroDivisionError" in failed.args[0]


# ----------------------------------------------------------------------------- evaluation


def test_evaluation_panel_shows_the_report(qtbot, report, mnist):
    panel = show_panel(qtbot, EvaluationPanel())
    assert panel.objectName() == "evaluationPanel"
    assert_tooltips(panel, QCheckBox, ["confusionNormalize"])
    panel.show_report(report, mnist)
    assert f"{100 * report.test_accuracy:.2f} %" in panel.accuracy_label.text()
    assert panel.values.sum() == mnist.n_test
    np.testing.assert_array_equal(panel.values, report.confusion)
    image = panel.matrix_image.image
    off_diagonal = report.confusion - np.diag(np.diag(report.confusion))
    assert np.isnan(np.diag(image)).all() and np.nanmax(image) == off_diagonal.max()
    np.testing.assert_allclose(panel.class_bars.opts["height"], report.per_class_accuracy)
    panel.normalize_check.setChecked(True)
    np.testing.assert_allclose(panel.values.sum(axis=1), 100.0)
    panel.normalize_check.setChecked(False)


def test_clicking_a_confusion_cell_lists_exactly_its_images(qtbot, report, mnist):
    panel = show_panel(qtbot, EvaluationPanel())
    panel.show_report(report, mnist)
    qtbot.wait(50)
    with qtbot.waitSignal(panel.cellSelected, timeout=2000) as selected:
        click_view(qtbot, panel.confusion_plot, panel.matrix_item.vb, 9.5, 4.5)  # true 4, predicted 9
    assert selected.args == [4, 9]
    expected = np.flatnonzero((mnist.y_test == 4) & (report.predictions == 9))
    np.testing.assert_array_equal(panel.selected_indices, expected)
    assert panel.selection_grid.n_images == expected.size > 0
    np.testing.assert_array_equal(panel.selection_grid.images[0], mnist.x_test[expected[0]].reshape(28, 28))
    render(panel, "evaluation")

    for true_digit, predicted in ((7, 2), (3, 3), (1, 0)):
        shown = panel.select_cell(true_digit, predicted)
        np.testing.assert_array_equal(
            shown, np.flatnonzero((mnist.y_test == true_digit) & (report.predictions == predicted)))
        assert panel.selection_grid.n_images == shown.size

    panel.select_cell(4, 9)
    qtbot.wait(50)
    centre = panel.selection_grid.cell_rect(1).center()
    with qtbot.waitSignal(panel.probeRequested, timeout=2000) as probed:
        click_view(qtbot, panel.selection_grid, panel.selection_grid.view_box, centre.x(), centre.y(), double=True)
    assert probed.args == [int(expected[1])]


# ----------------------------------------------------------------------------- mistakes


def test_mistakes_panel_lists_the_most_confident_mistakes(qtbot, report, mnist):
    panel = show_panel(qtbot, MistakesPanel())
    assert panel.objectName() == "mistakesPanel"
    assert_tooltips(panel, QListWidget, ["mistakesList"])
    panel.show_report(report, mnist)
    n_shown = min(len(report.mistakes), 200)
    assert panel.list.count() == n_shown
    np.testing.assert_array_equal(panel.shown_indices, report.mistakes[:n_shown])
    first = int(report.mistakes[0])
    text = panel.list.item(0).text()
    assert f"true {report.labels[first]} \u2192 {report.predictions[first]}" in text
    assert text.count(":") >= 3  # three probabilities
    assert not panel.list.item(0).icon().isNull()
    render(panel, "mistakes")

    with qtbot.waitSignal(panel.probeRequested, timeout=2000) as probed:
        assert panel.click_mistake(3) == int(report.mistakes[3])
    assert probed.args == [int(report.mistakes[3])]

    item = panel.list.item(5)
    panel.list.scrollToItem(item)
    with qtbot.waitSignal(panel.probeRequested, timeout=2000) as clicked:
        qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.list.visualItemRect(item).center())
    assert clicked.args == [int(report.mistakes[5])]


def test_mistakes_panel_caps_the_list_and_says_so(qtbot, report, mnist):
    panel = show_panel(qtbot, MistakesPanel(max_shown=20))
    panel.show_report(report, mnist)
    assert panel.list.count() == 20
    assert "first 20" in panel.summary_label.text()


# ----------------------------------------------------------------------------- large chunks


def test_large_chunks_panel_shows_fields_patterns_and_maximised_inputs(qtbot, snapshot, model):
    panel = show_panel(qtbot, LargeChunksPanel())
    assert panel.objectName() == "largeChunksPanel"
    assert_tooltips(panel, QComboBox, ["maximizeLayerCombo"])
    assert_tooltips(panel, QPushButton, ["maximizeButton"])
    assert_tooltips(panel, QCheckBox, ["maximizeSmooth"])
    with qtbot.waitSignal(panel.maximizationFinished, timeout=WORKER_TIMEOUT_MS):
        panel.show_snapshot(snapshot)
        assert panel.busy  # the ascent runs off the GUI thread
    np.testing.assert_array_equal(panel.field_images, large_chunks(model))
    assert panel.fields_grid.n_images == model.layer_sizes[2]
    levels = panel.fields_grid.levels
    assert levels[1] > 0 and levels[0] == -levels[1]
    np.testing.assert_array_equal(panel.pattern_images, output_patterns(model))
    assert panel.patterns_grid.captions == [str(d) for d in range(10)]
    render(panel, "large_chunks_fields")

    result = panel.maximization
    assert result.layer == model.n_layers and result.images.shape == (10, 28, 28)
    assert np.all(result.final > result.initial)
    assert panel.maximize_grid.n_images == 10 and panel.maximize_grid.levels == (0.0, 1.0)
    panel.tabs.setCurrentIndex(1)
    render(panel, "large_chunks_maximized")
    panel.tabs.setCurrentIndex(2)
    render(panel, "large_chunks_patterns")

    with qtbot.waitSignal(panel.maximizationFinished, timeout=WORKER_TIMEOUT_MS):
        panel.layer_combo.setCurrentIndex(0)  # A[1]
    assert panel.maximization.layer == 1 and panel.maximization.images.shape[0] == 40
    assert np.mean(panel.maximization.final > panel.maximization.initial) > 0.9


# ----------------------------------------------------------------------------- embedding


def test_embedding_panel_projects_every_layer(qtbot, snapshot, mnist, model):
    panel = show_panel(qtbot, EmbeddingPanel(mnist, n_points=2000))
    assert panel.objectName() == "embeddingPanel"
    assert_tooltips(panel, QComboBox, ["embeddingLayerCombo"])
    with qtbot.waitSignal(panel.computed, timeout=WORKER_TIMEOUT_MS):
        panel.show_snapshot(snapshot)
    combo = panel.findChild(QComboBox, "embeddingLayerCombo")
    assert combo.count() == model.n_layers + 1
    assert combo.itemText(0).startswith("pixels") and combo.itemText(combo.count() - 1).startswith("output")
    assert panel.coordinates.shape == (2000, 2) and np.isfinite(panel.coordinates).all()
    assert panel.coordinates[:, 0].var() >= panel.coordinates[:, 1].var() > 0
    _, _, predictions = evaluate(model, mnist.x_test[:2000], mnist.y_test[:2000])
    np.testing.assert_array_equal(panel.predictions, predictions)
    drawn = sum(len(s.data) for s in panel._digit_scatters)
    assert drawn == 2000 and len(panel._mistake_scatter.data) == int(np.sum(predictions != mnist.y_test[:2000]))

    hidden = panel.coordinates.copy()
    panel.set_layer(0)
    assert not np.allclose(panel.coordinates, hidden)
    panel.set_layer(model.n_layers - 1)

    wrong = int(np.flatnonzero(predictions != mnist.y_test[:2000])[0])
    panel.hover_point(wrong)
    assert f"Test image {wrong}" in panel.hover_label.text() and "wrong" in panel.hover_label.text()
    np.testing.assert_array_equal(panel.hover_image.image_item.image, mnist.x_test[wrong].reshape(28, 28))
    render(panel, "embedding")

    x, y = panel.coordinates[wrong]
    target = panel.point_near(x, y)
    assert target >= 0 and np.allclose(panel.coordinates[target], (x, y))
    with qtbot.waitSignal(panel.probeRequested, timeout=2000) as probed:
        click_view(qtbot, panel.plot, panel.plot.getPlotItem().vb, x, y)
    assert probed.args == [target]


# ----------------------------------------------------------------------------- robustness


def test_robustness_panel_curves_and_threshold(qtbot, snapshot, mnist, model, report):
    panel = show_panel(qtbot, RobustnessPanel(mnist, n_images=500))
    assert panel.objectName() == "robustnessPanel"
    assert_tooltips(panel, QSlider, ["confidenceThreshold"])
    with qtbot.waitSignal(panel.computed, timeout=WORKER_TIMEOUT_MS):
        panel.show_snapshot(snapshot)
    _, clean, _ = evaluate(model, mnist.x_test[:500], mnist.y_test[:500])
    assert set(panel.curves) == {"noise", "rotation", "stroke"}
    for name, curve in panel.curves.items():
        assert curve.accuracy_at(0.0) == clean
        xs, ys = panel._curve_items[name].getData()
        np.testing.assert_array_equal(xs, curve.levels)
        np.testing.assert_array_equal(ys, curve.accuracy)
        assert panel.example_grids[name].n_images == curve.levels.size
    render(panel, "robustness")

    slider = panel.findChild(QSlider, "confidenceThreshold")
    panel.set_threshold(0.0)
    assert panel.threshold_coverage == 1.0
    assert panel.threshold_accuracy == pytest.approx(report.test_accuracy)
    coverages = []
    for value in range(0, slider.maximum() + 1, 50):
        slider.setValue(value)
        coverages.append(panel.threshold_coverage)
        assert f"{panel.threshold:.3f}" in panel.threshold_label.text()
    assert np.all(np.diff(coverages) <= 0) and coverages[-1] < 1.0


# ----------------------------------------------------------------------------- dataset


def test_dataset_panel_browses_by_split_and_digit(qtbot, mnist):
    panel = show_panel(qtbot, DatasetPanel(mnist))
    assert panel.objectName() == "datasetPanel"
    assert_tooltips(panel, QComboBox, ["datasetSplitCombo", "datasetDigitCombo"])
    assert_tooltips(panel, QPushButton, ["datasetPrevPage", "datasetNextPage"])
    assert panel.name_label.text() == mnist.name and panel.name_label.isVisible()
    assert panel.split == "train" and panel.grid.n_images == 100
    np.testing.assert_array_equal(panel.shown_indices, np.arange(100))
    assert panel.counts.sum() == mnist.n_train and panel.means_grid.n_images == 10
    np.testing.assert_allclose(panel.means[3], mnist.train_rows(mnist.y_train == 3).mean(axis=0, dtype=np.float64),
                               rtol=1e-6)
    render(panel, "dataset")

    panel.set_split("test")
    panel.set_digit(7)
    assert panel.counts.sum() == mnist.n_test
    assert np.all(mnist.y_test[panel.shown_indices] == 7)
    panel.findChild(QPushButton, "datasetNextPage").click()
    sevens = np.flatnonzero(mnist.y_test == 7)
    np.testing.assert_array_equal(panel.shown_indices, sevens[100:200])
    assert panel.name_label.isVisible()
    render(panel, "dataset_test_sevens")

    with qtbot.waitSignal(panel.probeRequested, timeout=2000) as probed:
        centre = panel.grid.cell_rect(4).center()
        click_view(qtbot, panel.grid, panel.grid.view_box, centre.x(), centre.y(), double=True)
    assert probed.args == ["test", int(sevens[104])]


# ----------------------------------------------------------------------------- histograms


def test_histograms_panel_counts_every_parameter_and_keeps_the_reference(qtbot, snapshot, model):
    panel = show_panel(qtbot, HistogramsPanel())
    assert panel.objectName() == "histogramsPanel"
    initial = Network(model.layer_sizes, seed=0)
    panel.show_snapshot(model_snapshot(initial))
    panel.show_snapshot(snapshot)
    assert len(panel.histograms) == model.n_layers
    for histogram, reference, w, b in zip(panel.histograms, panel.reference_histograms,
                                          model.weights, model.biases):
        assert histogram.weight_counts.sum() == w.size and histogram.bias_counts.sum() == b.size
        assert reference.weight_counts.sum() == w.size
        np.testing.assert_array_equal(histogram.weight_edges, reference.weight_edges)
    # The reference is the first network seen: its biases were all zero.
    assert panel.reference_histograms[0].bias_counts.max() == model.layer_sizes[1]
    render(panel, "histograms")

    panel.set_reference(model)
    for histogram, reference in zip(panel.histograms, panel.reference_histograms):
        np.testing.assert_array_equal(histogram.weight_counts, reference.weight_counts)


def test_histograms_panel_rebuilds_for_a_new_architecture(qtbot):
    panel = show_panel(qtbot, HistogramsPanel())
    panel.show_snapshot(model_snapshot(Network((784, 32, 10), seed=1)))
    panel.show_snapshot(model_snapshot(Network((784, 16, 8, 10), seed=1)))
    assert len(panel.histograms) == 3 and panel.reference.layer_sizes == (784, 16, 8, 10)


def test_panels_keep_their_object_names_unique(qtbot):
    names = ["evaluationPanel", "mistakesPanel", "largeChunksPanel", "embeddingPanel", "robustnessPanel",
             "datasetPanel", "histogramsPanel"]
    panels = [EvaluationPanel(), MistakesPanel(), LargeChunksPanel(), EmbeddingPanel(), RobustnessPanel(),
              DatasetPanel(), HistogramsPanel()]
    for panel in panels:
        qtbot.addWidget(panel)
    assert [p.objectName() for p in panels] == names
    assert all(isinstance(p, QWidget) for p in panels)
