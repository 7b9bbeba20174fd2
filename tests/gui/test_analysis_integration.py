"""The analysis views inside the studio window: the shipped model evaluated and explained, probes
from every view, opening other datasets, exports, and what the window remembers."""
import csv
import gzip
import io
import json
import struct

import numpy as np
import pyqtgraph as pg
import pytest
import qt_support
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QTabWidget
from qt_support import settings_file, settings_without_dock

from engine import cli
from engine.analysis.report import CSV_COLUMNS
from engine.data import IDX_FILES, Dataset, load_mnist
from gui.app.dataset_loader import dataset_source, studio_dataset_problem
from gui.app.main_window import ANALYSIS_LAYOUT, DEFAULT_MODEL_PATH, TRAINING_LAYOUT, MainWindow
from gui.widgets.plot_export import EXPORT_TEXT, export_menu
from gui.widgets.visibility import on_screen

WAIT_MS = 60_000
SMALL = (3000, 1000)  # the training and test images of the `small` fixture (conftest.py)
ANALYSIS_TABS = ("Evaluation", "Mistakes", "Large chunks", "Embedding", "Robustness", "Dataset", "Histograms",
                 "Gradient flow", "Math", "Transfer", "Compare")


# ----------------------------------------------------------------------------- helpers


def open_window(qtbot, dataset, settings, model_path=DEFAULT_MODEL_PATH, size=(1400, 900)):
    return qt_support.open_window(qtbot, dataset, settings, size=size, model_path=model_path)


@pytest.fixture
def studio(qtbot, mnist, tmp_path):
    """The window as a user meets it: the full MNIST and the shipped model, in the analysis layout."""
    win = open_window(qtbot, mnist, settings_file(tmp_path))
    win.layouts.switch(ANALYSIS_LAYOUT)
    qtbot.waitUntil(lambda: win.live_evaluation.report is not None, timeout=WAIT_MS)
    yield win
    win.close()


def show_tab(qtbot, win, panel):
    win.show_analysis(panel)
    qtbot.waitUntil(lambda: on_screen(panel), timeout=5000)


def predictions_of(network, x):
    return np.argmax(network.forward(x.astype(network.dtype).T).A[-1], axis=0)


def click_view(qtbot, view, view_box, x, y, double=False, button=Qt.MouseButton.LeftButton):
    """Click graphics view `view` at (x, y) in `view_box` coordinates, as a mouse does (a double
    click is press, release, double-click, release)."""
    viewport = view.viewport()
    position = view.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(viewport, button, pos=position)
    if double:
        local = QPointF(position)
        event = QMouseEvent(QEvent.Type.MouseButtonDblClick, local, viewport.mapToGlobal(local), button, button,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
        qtbot.mouseRelease(viewport, button, pos=position)


def assert_probe_is(win, dataset, index):
    panel = win.activations_panel
    assert panel.probe_index == index and not panel.using_drawing
    np.testing.assert_array_equal(panel.last_activations[0], dataset.x_test[index])
    assert on_screen(panel)


def write_idx(path, array, gzipped=False):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if gzipped else data)


def write_idx_folder(folder, images_train, labels_train, images_test, labels_test):
    folder.mkdir()
    arrays = {"x_train": images_train, "y_train": labels_train, "x_test": images_test, "y_test": labels_test}
    for key, name in IDX_FILES.items():
        write_idx(folder / f"{name}.gz", arrays[key], gzipped=True)
    return folder


def as_bytes(x):
    return np.round(np.asarray(x) * 255).astype(np.uint8).reshape(len(x), 28, 28)


def wait_for_message(qtbot, win):
    qtbot.waitUntil(lambda: isinstance(win.message_box, QMessageBox) and win.message_box.isVisible(), timeout=WAIT_MS)
    return win.message_box


# ----------------------------------------------------------------------------- the views


def test_the_analysis_tabs_are_in_the_window(qtbot, small, tmp_path):
    win = open_window(qtbot, small, settings_file(tmp_path), size=(1280, 800))
    tabs = win.findChild(QTabWidget, "analysisTabs")
    assert tabs is win.analysis
    assert [tabs.tabText(i) for i in range(tabs.count())] == list(ANALYSIS_TABS)
    assert all(tabs.tabToolTip(i) for i in range(tabs.count()))
    assert win.layouts.current == TRAINING_LAYOUT
    # The training view keeps every live panel on screen; the analysis shares the loss's place.
    live = ("controls", "chunks", "loss", "accuracy", "activations", "drawing")
    qtbot.waitUntil(lambda: all(on_screen(win.docks[name].widget()) for name in live), timeout=5000)
    assert win.docks["analysis"] in win.tabifiedDockWidgets(win.docks["loss"])
    assert not on_screen(tabs)
    assert tabs.created_panels == (), "hidden analysis panels are not even built"
    assert win.height() <= 800 and win.width() <= 1280, "the docks fit a 1280x800 screen"
    menus = {action.text().replace("&", "") for action in win.menu_bar.actions()}
    assert {"File", "View", "Analysis"} <= menus
    file_actions = [a.text().replace("&", "") for a in win.menu_bar.actions()[0].menu().actions()]
    for text in ("Open dataset\u2026", "Export chunk grid as PNG\u2026", "Export training history (CSV)\u2026",
                 "Export HTML report\u2026"):
        assert text in file_actions
    assert win.open_dataset_action.shortcut().toString() == "Ctrl+Shift+O"
    assert "stop" in win.open_dataset_action.toolTip().lower()
    label = win.statusBar().findChild(QLabel, "currentDatasetLabel")
    assert label is not None and small.name in label.text() and label.isVisible()

    win.layouts.switch(ANALYSIS_LAYOUT)
    qtbot.waitUntil(lambda: on_screen(tabs) and tabs.width() > 700 and tabs.height() > 600, timeout=5000)
    assert on_screen(win.activations_panel), "probes stay visible beside the analysis"
    win.close()


def test_each_view_shows_the_shipped_model(qtbot, studio, mnist, model):
    win, tabs = studio, studio.analysis
    show_tab(qtbot, win, tabs.evaluation_panel)
    qtbot.waitUntil(lambda: tabs.evaluation_panel.report is not None, timeout=WAIT_MS)
    accuracy = float(np.mean(predictions_of(model, mnist.x_test) == mnist.y_test))
    assert f"{100 * accuracy:.2f} %" in tabs.evaluation_panel.accuracy_label.text()

    show_tab(qtbot, win, tabs.mistakes_panel)
    qtbot.waitUntil(lambda: tabs.mistakes_panel.list.count() > 0, timeout=WAIT_MS)
    wrong = np.flatnonzero(predictions_of(model, mnist.x_test) != mnist.y_test)
    assert 0 < len(wrong) <= tabs.mistakes_panel.max_shown
    assert sorted(tabs.mistakes_panel.shown_indices) == sorted(wrong)

    large = tabs.large_chunks_panel
    with qtbot.waitSignal(large.maximizationFinished, timeout=WAIT_MS):
        show_tab(qtbot, win, large)
    assert large.fields_grid.n_images == model.layer_sizes[2] and large.patterns_grid.n_images == 10

    embedding = tabs.embedding_panel
    with qtbot.waitSignal(embedding.computed, timeout=WAIT_MS):
        show_tab(qtbot, win, embedding)
    assert embedding.dataset is mnist and embedding.coordinates.shape == (embedding.n_points, 2)

    robustness = tabs.robustness_panel
    with qtbot.waitSignal(robustness.computed, timeout=WAIT_MS):
        show_tab(qtbot, win, robustness)
    assert set(robustness.curves) == {"noise", "rotation", "stroke"}

    show_tab(qtbot, win, tabs.dataset_panel)
    assert tabs.dataset_panel.dataset is mnist and tabs.dataset_panel.grid.n_images == 100

    histograms = tabs.histograms_panel
    show_tab(qtbot, win, histograms)
    qtbot.waitUntil(lambda: len(histograms.histograms) == model.n_layers, timeout=WAIT_MS)
    assert histograms.histograms[0].weight_counts.sum() == model.weights[0].size


def test_the_confusion_matrix_agrees_with_the_command_line(qtbot, studio, mnist):
    show_tab(qtbot, studio, studio.analysis.evaluation_panel)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["evaluate", str(DEFAULT_MODEL_PATH), "--json"], out=out, err=err) == 0, err.getvalue()
    expected = json.loads(out.getvalue())
    panel = studio.analysis.evaluation_panel
    counts = np.asarray(panel.values)
    assert counts.sum() == mnist.n_test
    np.testing.assert_array_equal(counts, expected["confusion"])
    assert panel.report.test_accuracy == pytest.approx(expected["test_accuracy"], abs=1e-12)


def test_a_confusion_cell_lists_its_images_and_one_becomes_the_probe(qtbot, studio, mnist, model):
    panel = studio.analysis.evaluation_panel
    show_tab(qtbot, studio, panel)
    qtbot.wait(50)
    predictions = predictions_of(model, mnist.x_test)
    with qtbot.waitSignal(panel.cellSelected, timeout=5000) as selected:
        click_view(qtbot, panel.confusion_plot, panel.matrix_item.vb, 9.5, 4.5)  # true 4, answered 9
    assert selected.args == [4, 9]
    expected = np.flatnonzero((mnist.y_test == 4) & (predictions == 9))
    np.testing.assert_array_equal(panel.selected_indices, expected)
    assert panel.selection_grid.n_images == expected.size > 1

    qtbot.wait(50)
    centre = panel.selection_grid.cell_rect(1).center()
    click_view(qtbot, panel.selection_grid, panel.selection_grid.view_box, centre.x(), centre.y(), double=True)
    assert_probe_is(studio, mnist, int(expected[1]))
    assert "Predicted 9" in studio.activations_panel.prediction_label.text()


def test_a_clicked_mistake_becomes_the_probe(qtbot, studio, mnist, model):
    panel = studio.analysis.mistakes_panel
    show_tab(qtbot, studio, panel)
    qtbot.waitUntil(lambda: panel.list.count() > 0, timeout=WAIT_MS)
    item = panel.list.item(2)
    panel.list.scrollToItem(item)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=panel.list.visualItemRect(item).center())
    index = int(panel.shown_indices[2])
    assert_probe_is(studio, mnist, index)
    activations = studio.activations_panel.last_activations
    assert int(np.argmax(activations[-1])) == predictions_of(model, mnist.x_test[index:index + 1])[0]
    assert int(np.argmax(activations[-1])) != mnist.y_test[index], "a mistake"


def test_an_embedding_point_clicked_becomes_the_probe(qtbot, studio, mnist):
    panel = studio.analysis.embedding_panel
    with qtbot.waitSignal(panel.computed, timeout=WAIT_MS):
        show_tab(qtbot, studio, panel)
    qtbot.wait(50)
    index = 17
    x, y = panel.coordinates[index]
    target = panel.point_near(x, y)
    click_view(qtbot, panel.plot, panel.plot.getPlotItem().vb, x, y)
    assert_probe_is(studio, mnist, target)
    np.testing.assert_allclose(panel.coordinates[target], (x, y))


def test_dataset_images_double_clicked_become_the_probe(qtbot, studio, mnist):
    panel = studio.analysis.dataset_panel
    show_tab(qtbot, studio, panel)
    panel.set_split("test")
    panel.set_digit(3)
    qtbot.wait(50)
    centre = panel.grid.cell_rect(5).center()
    click_view(qtbot, panel.grid, panel.grid.view_box, centre.x(), centre.y(), double=True)
    assert_probe_is(studio, mnist, int(np.flatnonzero(mnist.y_test == 3)[5]))

    panel.set_split("train")
    with qtbot.waitSignal(panel.probeRequested, timeout=2000):
        panel.activate_cell(0)
    index = int(panel.shown_indices[0])
    probe = studio.activations_panel
    assert probe.probe_split == "train" and probe.probe_index == index and not probe.using_drawing
    np.testing.assert_array_equal(probe.last_activations[0], mnist.train_rows(index))
    assert "training image" in studio.statusBar().currentMessage().lower()


def test_activation_maximisation_raises_the_chosen_neurons(qtbot, studio, model):
    panel = studio.analysis.large_chunks_panel
    with qtbot.waitSignal(panel.maximizationFinished, timeout=WAIT_MS):
        show_tab(qtbot, studio, panel)
    with qtbot.waitSignal(panel.maximizationFinished, timeout=WAIT_MS):
        panel.layer_combo.setCurrentIndex(panel.layer_combo.findData(1))
    result = panel.maximization
    assert result.layer == 1 and result.neurons.size > 0
    grey = np.full((784, 1), 0.5, dtype=model.dtype)
    before = model.forward(grey).A[1][result.neurons, 0]
    after = model.forward(result.images.reshape(len(result.neurons), -1).T.astype(model.dtype)).A[1]
    raised = after[result.neurons, np.arange(result.neurons.size)]
    assert np.all(raised > before), "every chosen first-layer neuron is driven higher than by plain grey"
    assert np.all((result.images >= 0) & (result.images <= 1))


# ----------------------------------------------------------------------------- live evaluation


def use_small_network(win, hidden="24", batch_size=100, epochs=2):
    win.controls.hidden_edit.setText(hidden)
    win.controls.batch_spin.setValue(batch_size)
    win.controls.epochs_spin.setValue(epochs)
    assert win.controls.is_valid, win.controls.error_text


def test_evaluation_follows_the_epochs_of_a_run(qtbot, small, tmp_path):
    win = open_window(qtbot, small, settings_file(tmp_path))
    win.layouts.switch(ANALYSIS_LAYOUT)
    show_tab(qtbot, win, win.analysis.evaluation_panel)
    qtbot.waitUntil(lambda: win.live_evaluation.report is not None, timeout=WAIT_MS)
    reports = []
    win.live_evaluation.reportReady.connect(reports.append)
    use_small_network(win)
    with qtbot.waitSignal(win.session.finished, timeout=WAIT_MS):
        assert win.start_training()
    qtbot.waitUntil(lambda: not win.live_evaluation.busy and win.live_evaluation.report_snapshot.epoch == 2,
                    timeout=WAIT_MS)
    final = win.displayed_snapshot
    report = win.live_evaluation.report
    # The report is the trainer's own end-of-epoch evaluation, image by image.
    assert report.test_accuracy == pytest.approx(final.latest_test_accuracy, abs=1e-12)
    assert report.n_test == small.n_test and report.confusion.sum() == small.n_test
    assert win.analysis.evaluation_panel.report is report
    assert reports[-1] is report  # earlier requests may have been superseded while they ran
    win.close()


def test_hidden_views_wait_until_they_are_shown(qtbot, small, tmp_path):
    win = open_window(qtbot, small, settings_file(tmp_path))
    assert win.layouts.current == TRAINING_LAYOUT
    use_small_network(win)
    with qtbot.waitSignal(win.session.finished, timeout=WAIT_MS):
        assert win.start_training()
    qtbot.wait(100)
    assert win.live_evaluation.report is None and win.live_evaluation.pending, "nobody looked: nothing evaluated"
    assert win.analysis.embedding_panel.network is None and win.analysis.robustness_panel.network is None
    assert win.analysis.evaluation_panel.report is None, "not drawn while hidden"

    show_tab(qtbot, win, win.analysis.evaluation_panel)
    qtbot.waitUntil(lambda: win.live_evaluation.report is not None, timeout=WAIT_MS)
    assert win.live_evaluation.report_snapshot.epoch == 2, "the latest evaluation point, not the first"
    qtbot.waitUntil(lambda: win.analysis.evaluation_panel.report is win.live_evaluation.report, timeout=WAIT_MS)
    with qtbot.waitSignal(win.analysis.robustness_panel.computed, timeout=WAIT_MS):
        show_tab(qtbot, win, win.analysis.robustness_panel)
    assert win.analysis.robustness_panel.network is win.displayed_snapshot.network
    win.close()


def test_evaluate_now_and_on_loading_a_model(qtbot, small, tmp_path, model):
    win = open_window(qtbot, small, settings_file(tmp_path), model_path=None)
    assert win.evaluate_now() is False  # no network yet
    win.layouts.switch(ANALYSIS_LAYOUT)
    show_tab(qtbot, win, win.analysis.mistakes_panel)
    assert win.load_model_file(DEFAULT_MODEL_PATH)
    qtbot.waitUntil(lambda: win.analysis.mistakes_panel.report is not None, timeout=WAIT_MS)
    first = win.live_evaluation.report
    assert win.analysis.mistakes_panel.report is first
    expected = predictions_of(model, small.x_test)
    np.testing.assert_array_equal(first.predictions, expected)
    with qtbot.waitSignal(win.live_evaluation.reportReady, timeout=WAIT_MS):
        win.evaluate_action.trigger()
    assert win.live_evaluation.report is not first
    assert on_screen(win.analysis.mistakes_panel), "a report view on screen stays"
    win.layouts.switch(TRAINING_LAYOUT)
    assert not win.analysis.report_watched()
    with qtbot.waitSignal(win.live_evaluation.reportReady, timeout=WAIT_MS):
        win.evaluate_now()
    assert on_screen(win.analysis.evaluation_panel), "evaluating brings the result into view"
    np.testing.assert_array_equal(win.analysis.evaluation_panel.report.confusion, first.confusion)
    win.close()


# ----------------------------------------------------------------------------- opening datasets


def test_the_studio_refuses_datasets_its_networks_cannot_read():
    x = np.zeros((4, 196), dtype=np.float32)
    y = np.zeros(4, dtype=np.int64)
    problem = studio_dataset_problem(Dataset("tiny", x, y, x.copy(), y.copy()))
    assert "196" in problem and "784" in problem
    assert studio_dataset_problem(load_mnist().subset(10, 10)) == ""


def test_choosing_any_file_of_an_idx_folder_opens_the_folder(tmp_path):
    (tmp_path / "digits").mkdir()
    image_file = tmp_path / "digits" / "train-images-idx3-ubyte.gz"
    assert dataset_source(image_file) == tmp_path / "digits"
    assert dataset_source(tmp_path / "mnist.npz") == tmp_path / "mnist.npz"
    assert dataset_source(tmp_path / "mnist_train.csv") == tmp_path / "mnist_train.csv"
    assert dataset_source(tmp_path / "digits") == tmp_path / "digits"


@pytest.mark.parametrize("kind", ["corrupt npz", "14x14 IDX", "missing file"])
def test_a_bad_dataset_is_reported_and_changes_nothing(qtbot, small, tmp_path, kind):
    win = open_window(qtbot, small, settings_file(tmp_path))
    if kind == "corrupt npz":
        path = tmp_path / "broken.npz"
        path.write_bytes(b"PK\x03\x04 not an archive")
        reason = "broken.npz"
    elif kind == "14x14 IDX":
        images = np.zeros((5, 14, 14), dtype=np.uint8)
        labels = np.arange(5, dtype=np.uint8)
        path = write_idx_folder(tmp_path / "tiny", images, labels, images, labels) / "t10k-images-idx3-ubyte.gz"
        reason = "28x28"
    else:
        path = tmp_path / "nowhere.npz"
        reason = "missing"
    probe_before = win.activations_panel.last_activations[0].copy()
    assert win.open_dataset(path)
    box = wait_for_message(qtbot, win)
    assert "not opened" in box.text() and small.name in box.text() and reason in box.text()
    assert win.dataset is small
    assert small.name in win.dataset_label.text() and "reading" not in win.dataset_label.text()
    np.testing.assert_array_equal(win.activations_panel.last_activations[0], probe_before)
    assert win.open_dataset_action.isEnabled()
    box.close()
    win.close()


def test_no_dataset_change_while_training_runs(qtbot, small, tmp_path):
    win = open_window(qtbot, small, settings_file(tmp_path))
    use_small_network(win, epochs=50)
    assert win.start_training()
    assert win.open_dataset(tmp_path / "whatever.npz") is False
    box = wait_for_message(qtbot, win)
    assert "Stop or reset the run" in box.text()
    assert win.dataset is small
    box.close()
    win.close()


@pytest.mark.parametrize("layout", ["npz", "idx"])
def test_opening_a_dataset_switches_every_view(qtbot, mnist, small, tmp_path, layout):
    # Other digits: the last images of MNIST's test split, so nothing coincides with `small`.
    x_train, y_train = mnist.x_test[-600:], mnist.y_test[-600:]
    x_test, y_test = mnist.x_test[-900:-600], mnist.y_test[-900:-600]
    if layout == "npz":
        chosen = tmp_path / "digits.npz"
        np.savez(chosen, x_train=as_bytes(x_train), y_train=y_train, x_test=as_bytes(x_test), y_test=y_test)
        name = "digits.npz"
    else:
        folder = write_idx_folder(tmp_path / "my-digits", as_bytes(x_train), y_train.astype(np.uint8),
                                  as_bytes(x_test), y_test.astype(np.uint8))
        chosen, name = folder / "train-labels-idx1-ubyte.gz", "my-digits"

    win = open_window(qtbot, small, settings_file(tmp_path))
    win.layouts.switch(ANALYSIS_LAYOUT)
    show_tab(qtbot, win, win.analysis.evaluation_panel)
    qtbot.waitUntil(lambda: win.live_evaluation.report is not None, timeout=WAIT_MS)
    assert win.open_dataset(chosen)
    assert "reading" in win.dataset_label.text()
    qtbot.waitUntil(lambda: win.dataset is not small, timeout=WAIT_MS)
    new = win.dataset
    assert new.name == name and (new.n_train, new.n_test) == (600, 300)
    np.testing.assert_allclose(new.x_test, x_test, atol=0.5 / 255)
    assert win.findChild(QLabel, "currentDatasetLabel").text() == f"Dataset: {name}"
    # The probe set: the activations view now browses the new test images.
    assert win.activations_panel.probe_index == 0
    np.testing.assert_array_equal(win.activations_panel.last_activations[0], new.x_test[0])
    assert "of 300" in win.activations_panel.index_label.text()
    # Training uses it: the mini-batch size is checked against 600 training images.
    win.controls.batch_spin.setValue(601)
    assert not win.controls.is_valid and "600" in win.controls.error_text
    win.controls.batch_spin.setValue(100)
    # The evaluation is redone on the new test images.
    qtbot.waitUntil(lambda: win.live_evaluation.report_dataset is new, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: win.analysis.evaluation_panel.report.n_test == 300, timeout=WAIT_MS)
    assert win.analysis.evaluation_panel.values.sum() == 300
    # The explorer, embedding and robustness views switch when shown.
    show_tab(qtbot, win, win.analysis.dataset_panel)
    assert win.analysis.dataset_panel.dataset is new and win.analysis.dataset_panel.name_label.text() == name
    with qtbot.waitSignal(win.analysis.embedding_panel.computed, timeout=WAIT_MS):
        show_tab(qtbot, win, win.analysis.embedding_panel)
    assert win.analysis.embedding_panel.dataset is new and len(win.analysis.embedding_panel.labels) == 300
    show_tab(qtbot, win, win.analysis.robustness_panel)
    assert win.analysis.robustness_panel.dataset is new
    win.close()


# ----------------------------------------------------------------------------- exports


def test_every_plot_exports_through_its_context_menu(qtbot, small, tmp_path):
    win = open_window(qtbot, small, settings_file(tmp_path))
    for index in range(win.analysis.count()):
        win.analysis.panel(index)  # the analysis panels are built when first needed
    views = win.findChildren(pg.GraphicsView)
    assert len(views) >= 25
    missing = [v.objectName() or type(v).__name__ for v in views if export_menu(v) is None]
    assert not missing, f"no export menu on {missing}"

    plot = win.loss_panel.plot
    menu = export_menu(plot)
    click_view(qtbot, plot, plot.getPlotItem().vb, 0.5, 0.5, button=Qt.MouseButton.RightButton)
    qtbot.waitUntil(menu.isVisible, timeout=5000)
    assert [a.text() for a in menu.actions()] == [EXPORT_TEXT]
    menu.actions()[0].trigger()
    menu.hide()
    dialog = plot.scene().exportDialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    formats = [dialog.ui.formatList.item(i).text() for i in range(dialog.ui.formatList.count())]
    assert any("PNG" in f for f in formats) and any("SVG" in f for f in formats)
    assert dialog.ui.itemTree.currentItem().gitem is plot.getPlotItem(), "the clicked plot is preselected"
    # What the dialog's PNG and SVG choices do:
    exporter = pg.exporters.ImageExporter(plot.getPlotItem())
    exporter.export(str(tmp_path / "loss.png"))
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG")
    pg.exporters.SVGExporter(plot.getPlotItem()).export(str(tmp_path / "loss.svg"))
    assert "<svg" in (tmp_path / "loss.svg").read_text()
    win.close()
    assert not dialog.isVisible(), "closing the window closes its export dialogs"


def train_briefly(qtbot, win):
    use_small_network(win, epochs=1)
    with qtbot.waitSignal(win.session.finished, timeout=WAIT_MS):
        assert win.start_training()
    qtbot.waitUntil(lambda: win.displayed_snapshot.state == "finished", timeout=WAIT_MS)


def test_exports_write_valid_files(qtbot, small, tmp_path):
    win = open_window(qtbot, small, settings_file(tmp_path))
    train_briefly(qtbot, win)
    snapshot = win.displayed_snapshot

    png = tmp_path / "chunks.png"
    assert win.export_chunk_grid(png)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    image = QImage(str(png))
    assert not image.isNull()
    rows, cols = win.chunks_panel.grid
    separator = win.chunks_panel.separator
    assert image.width() == 4 * (cols * (28 + separator) - separator)
    assert image.height() == 4 * (rows * (28 + separator) - separator)
    assert "blue" in image.text("Description")
    assert str(png) in win.statusBar().currentMessage()

    table = tmp_path / "history.csv"
    assert win.export_history_csv(table)
    with table.open(newline="") as f:
        rows_read = list(csv.reader(f))
    assert tuple(rows_read[0]) == CSV_COLUMNS
    batches = [r for r in rows_read[1:] if r[0] == "batch"]
    epochs = [r for r in rows_read[1:] if r[0] == "epoch"]
    assert len(batches) == len(snapshot.batch_x) > 0 and len(epochs) == 1
    assert float(epochs[0][CSV_COLUMNS.index("test_accuracy")]) == pytest.approx(snapshot.latest_test_accuracy)

    page = tmp_path / "report.html"
    assert win.export_html_report(page)
    text = page.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 4  # loss, accuracy, confusion matrix, chunk grid
    assert "Confusion matrix" in text and "Settings" in text and snapshot.network.describe() in text
    assert win.live_evaluation.is_current(snapshot, small), "the report's evaluation is the one on screen"
    win.close()


def test_failed_exports_say_so_and_lose_nothing(qtbot, small, tmp_path, monkeypatch):
    win = open_window(qtbot, small, settings_file(tmp_path))
    target = tmp_path / "no such folder" / "chunks.png"
    assert not win.export_chunk_grid(target)
    box = wait_for_message(qtbot, win)
    assert "Could not export" in box.windowTitle() and "Nothing was written" in box.text()
    assert not target.parent.exists()
    box.close()

    # The disk fills up while the report is written: the earlier report stays as it was.
    existing = tmp_path / "report.html"
    existing.write_text("an earlier report")

    def disk_full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("engine.atomic.os.fsync", disk_full)
    assert not win.export_html_report(existing)
    box = wait_for_message(qtbot, win)
    assert "No space left on device" in box.text() and "unchanged" in box.text()
    assert existing.read_text() == "an earlier report"
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()), "a partial file was left"
    box.close()
    monkeypatch.undo()

    # No run yet: there is no history to export, and the window says so.
    assert not win.export_history_csv(tmp_path / "history.csv")
    box = wait_for_message(qtbot, win)
    assert "no training history" in box.text().lower()
    assert not (tmp_path / "history.csv").exists()
    box.close()
    win.close()


# ----------------------------------------------------------------------------- remembered


def test_training_settings_are_remembered(qtbot, small, tmp_path):
    settings = settings_file(tmp_path)
    first = open_window(qtbot, small, settings, model_path=None)
    controls = first.controls
    controls.apply_preset("seed-004")
    controls.hidden_edit.setText("48,12")
    controls.lr_spin.setValue(0.35)
    controls.epochs_spin.setValue(3)
    controls.rotate_check.setChecked(True)
    remembered = controls.config()
    assert remembered is not None
    first.close()

    second = open_window(qtbot, small, settings_file(tmp_path), model_path=None)
    assert second.controls.config() == remembered
    assert second.controls.preset == "seed-004"
    assert second.controls.hidden_edit.text() == "48,12"
    second.close()


def test_layouts_are_remembered_and_old_ones_ignored(qtbot, small, tmp_path):
    settings = settings_file(tmp_path)
    first = open_window(qtbot, small, settings, model_path=None)
    first.layouts.switch(ANALYSIS_LAYOUT)
    first.docks["drawing"].setFloating(True)
    first.layouts.switch(TRAINING_LAYOUT)
    assert not first.docks["drawing"].isFloating()
    first.close()

    second = open_window(qtbot, small, settings_file(tmp_path), model_path=None)
    assert second.layouts.current == TRAINING_LAYOUT
    second.layouts.switch(ANALYSIS_LAYOUT)
    assert second.docks["drawing"].isFloating(), "each layout comes back as it was left"
    assert second.layout_actions[ANALYSIS_LAYOUT].isChecked()
    second.close()

    # A layout saved before the analysis dock existed must not hide it.
    window = MainWindow(dataset=small, model_path=None, settings=settings_file(tmp_path, "scratch.ini"))
    qtbot.addWidget(window)
    settings_without_dock(window, "analysis", tmp_path)
    third = open_window(qtbot, small, settings_file(tmp_path, "old.ini"), model_path=None)
    assert win_has_open_analysis(third)
    third.close()


def win_has_open_analysis(win):
    return win.docks["analysis"].toggleViewAction().isChecked() and not win.docks["analysis"].isFloating()
