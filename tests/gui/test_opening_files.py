"""Files opened from the command line or dropped onto the window (issue 19, defect 2), Start while a
dataset is being read (defect 4) and the full-batch choice of the controls (defect 3)."""
import gzip
import struct
import threading

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QCheckBox, QMessageBox, QSpinBox
from qt_support import child

import gui.app.dataset_loader as dataset_loader
from engine.config import FULL_BATCH, PRESETS
from engine.data import IDX_FILES
from engine.modelio import save_model
from engine.network import Network
from engine.snapshot import RunState
from gui.app.application import parse_arguments, window_arguments
from gui.app.main_window import MainWindow
from gui.panels.controls import ControlsPanel

SMALL = (600, 200)  # the `small` fixture: a training set far below seed-002's old 60000
WAIT_MS = 60_000


def as_bytes(x):
    return np.round(np.asarray(x) * 255).astype(np.uint8).reshape(len(x), 28, 28)


@pytest.fixture
def own_npz(tmp_path, mnist):
    """A user's own dataset of 300 training and 100 test images (the end of MNIST's test split)."""
    path = tmp_path / "own.npz"
    np.savez(path, x_train=as_bytes(mnist.x_test[-300:]), y_train=mnist.y_test[-300:],
             x_test=as_bytes(mnist.x_test[-400:-300]), y_test=mnist.y_test[-400:-300])
    return path


@pytest.fixture
def own_model(tmp_path):
    path = tmp_path / "mine.npz"
    save_model(path, Network((784, 16, 10), seed=3), {"epochs": 0, "steps": 0})
    return path


def write_idx_folder(folder, mnist):
    folder.mkdir()
    arrays = {"x_train": as_bytes(mnist.x_test[:200]), "y_train": mnist.y_test[:200].astype(np.uint8),
              "x_test": as_bytes(mnist.x_test[200:250]), "y_test": mnist.y_test[200:250].astype(np.uint8)}
    for key, name in IDX_FILES.items():
        array = arrays[key]
        header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
        with gzip.open(folder / f"{name}.gz", "wb") as f:
            f.write(header + array.tobytes())
    return folder


def drop(win, *paths):
    """Drop local files onto the window, as a file manager does; returns whether it took the drop."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    win.dragEnterEvent(enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    win.dropEvent(event)
    return event.isAccepted()


def wait_for_message(qtbot, win):
    qtbot.waitUntil(lambda: isinstance(win.message_box, QMessageBox) and win.message_box.isVisible(), timeout=WAIT_MS)
    return win.message_box


# -- the command line ------------------------------------------------------------------------------


def test_the_window_opens_the_model_and_dataset_the_command_line_names(qtbot, settings, own_npz, own_model):
    launch = parse_arguments([str(own_model), "--data", str(own_npz)])
    assert (launch.model_path, launch.dataset_path) == (own_model, own_npz)
    win = MainWindow(**window_arguments(launch), settings=settings)
    qtbot.addWidget(win)
    win.show()
    assert win.model_path == own_model and win.model_network.layer_sizes == (784, 16, 10)
    assert win.dataset is launch.dataset and (win.dataset.n_train, win.dataset.n_test) == (300, 100)
    assert win.dataset_label.text() == "Dataset: own.npz"
    assert not win._loader.busy, "the bundled MNIST is not read as well"
    assert win.controls.start_button.isEnabled()
    win.close()


def test_data_takes_an_idx_folder_or_any_file_in_it(qtbot, settings, tmp_path, mnist):
    folder = write_idx_folder(tmp_path / "my-digits", mnist)
    for given in (folder, folder / "t10k-labels-idx1-ubyte.gz"):
        launch = parse_arguments(["--data", str(given)])
        assert launch.model_path is None and launch.dataset.name == "my-digits"
        assert (launch.dataset.n_train, launch.dataset.n_test) == (200, 50)
    win = MainWindow(**window_arguments(launch), settings=settings)
    qtbot.addWidget(win)
    assert win.dataset_label.text() == "Dataset: my-digits"
    assert win.model_network is not None, "the shipped model, as without arguments"
    win.close()


# -- drops -----------------------------------------------------------------------------------------


def test_dropping_a_model_file_loads_it(qtbot, window, own_model):
    assert drop(window, own_model)
    assert window.model_path == own_model and window.model_network.layer_sizes == (784, 16, 10)
    shown = window.displayed_snapshot
    assert shown.network.layer_sizes == (784, 16, 10) and shown.source.startswith("mine.npz")


def test_dropping_a_dataset_opens_it(qtbot, window, small, own_npz):
    assert drop(window, own_npz)
    assert "reading own.npz" in window.dataset_label.text()
    qtbot.waitUntil(lambda: window.dataset is not small, timeout=WAIT_MS)
    assert window.dataset.name == "own.npz" and window.dataset_label.text() == "Dataset: own.npz"


@pytest.mark.parametrize("kind", ["model", "dataset"])
def test_a_dropped_file_that_cannot_be_read_changes_nothing(qtbot, window, small, tmp_path, kind):
    model, path_before = window.model_network, window.model_path
    bad = tmp_path / ("broken.npz" if kind == "model" else "broken.csv")
    bad.write_bytes(b"not a zip file, nor a CSV of digits")
    drop(window, bad)
    box = wait_for_message(qtbot, window)
    assert "broken" in box.text() and "not" in box.text()
    assert not window.is_opening_dataset
    assert window.model_network is model and window.model_path == path_before
    assert window.dataset is small and window.dataset_label.text() == f"Dataset: {small.name}"
    box.close()


def test_a_drag_without_files_is_not_taken(window):
    mime = QMimeData()
    mime.setText("256,128")
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()
    assert window.acceptDrops()


# -- Start while a dataset is read ----------------------------------------------------------------------


@pytest.fixture
def slow_reads(monkeypatch):
    """Dataset reads block on the worker thread until `release` is set."""
    release, started = threading.Event(), threading.Event()
    original = dataset_loader.read_dataset

    def slow(source):
        started.set()
        release.wait(30)
        return original(source)

    monkeypatch.setattr(dataset_loader, "read_dataset", slow)
    yield release, started
    release.set()


def use_small_network(win):
    win.controls.hidden_edit.setText("16")
    win.controls.batch_spin.setValue(100)
    win.controls.epochs_spin.setValue(1)
    assert win.controls.is_valid, win.controls.error_text


def test_start_waits_while_a_dataset_is_read(qtbot, window, small, own_npz, slow_reads):
    release, started = slow_reads
    use_small_network(window)
    start = child(window, "startButton")
    assert window.open_dataset(own_npz)
    assert started.wait(10)
    assert not start.isEnabled()
    assert "Reading own.npz\u2026: Start waits for it" in start.toolTip()
    assert window.start_training() is False
    window.toggle_running()  # Space
    window.step_training()
    assert window.session.state == RunState.IDLE and window.session.trainer is None, "no run started"
    assert "reading own.npz" in window.dataset_label.text()

    release.set()
    qtbot.waitUntil(lambda: not window.is_opening_dataset, timeout=WAIT_MS)
    assert start.isEnabled() and "waits" not in start.toolTip()
    assert window.dataset.name == "own.npz" and window.dataset_label.text() == "Dataset: own.npz"
    assert window.start_training()
    assert window.session.trainer.data is window.dataset, "the run trains on the set the status bar names"
    window.session.shutdown(1.0)


def test_start_comes_back_when_the_read_fails(qtbot, window, small, tmp_path, slow_reads):
    release, started = slow_reads
    use_small_network(window)
    assert window.open_dataset(tmp_path / "nowhere.npz")
    assert started.wait(10)
    assert not window.controls.start_button.isEnabled() and window.start_training() is False
    release.set()
    box = wait_for_message(qtbot, window)
    assert window.controls.start_button.isEnabled() and window.dataset is small
    box.close()
    assert window.start_training() and window.session.trainer.data is small
    window.session.shutdown(1.0)


def test_the_bundled_mnist_arriving_late_does_not_replace_an_opened_dataset(qtbot, settings, own_npz, mnist,
                                                                            slow_reads):
    """At start-up MNIST is read in the background; a dataset the user opens (or drops) meanwhile may be
    read first. MNIST must not then replace it, least of all under a run training on the user's set."""
    release, _ = slow_reads
    win = MainWindow(settings=settings)  # reads the bundled MNIST, held back by `slow_reads`
    qtbot.addWidget(win)
    assert win.dataset is None and not win.controls.start_button.isEnabled()
    assert "Loading MNIST" in win.controls.start_button.toolTip()
    assert win.open_dataset(own_npz)
    release.set()
    qtbot.waitUntil(lambda: not win._loader.busy and not win.is_opening_dataset, timeout=WAIT_MS)
    # Whichever read ended first, MNIST arriving after the user's set must leave it in place.
    win._on_bundled_dataset_loaded(None, mnist, "")
    assert win.dataset is not mnist and win.dataset.name == "own.npz"
    assert win.dataset_label.text() == "Dataset: own.npz"
    win.close()


# -- the full-batch choice ---------------------------------------------------------------------------------


def test_full_batch_is_a_choice_beside_the_number(qtbot):
    controls = ControlsPanel(n_train=600)
    qtbot.addWidget(controls)
    check, spin = child(controls, "fullBatchCheck", QCheckBox), child(controls, "batchSizeSpin", QSpinBox)
    controls.apply_preset("seed-002")
    assert check.isChecked() and not spin.isEnabled()
    config = controls.config()
    assert config is not None, controls.error_text
    assert config == PRESETS["seed-002"] and config.batch_size == FULL_BATCH

    check.setChecked(False)
    assert spin.isEnabled()
    spin.setValue(601)
    assert controls.config() is None and "larger than the 600 training examples" in controls.error_text
    check.setChecked(True)
    assert controls.config().batch_size == FULL_BATCH and controls.error_text == ""
    check.setChecked(False)
    assert controls.config() is None, "the number comes back when full batch is unticked"

    assert controls.restore_settings("seed-002", PRESETS["seed-002"].with_changes(epochs=7))
    assert check.isChecked() and controls.config() == PRESETS["seed-002"].with_changes(epochs=7)
    controls.set_run_state(RunState.RUNNING)
    assert not check.isEnabled() and not spin.isEnabled()
    controls.set_run_state(RunState.IDLE)
    assert check.isEnabled() and not spin.isEnabled()


def test_seed_002_trains_full_batch_on_a_small_dataset_in_the_window(qtbot, window, small):
    window.controls.apply_preset("seed-002")
    window.controls.epochs_spin.setValue(2)
    assert window.controls.is_valid, window.controls.error_text
    with qtbot.waitSignal(window.session.finished, timeout=WAIT_MS):
        assert window.start_training()
    assert window.session.trainer.step == 2, "one step per epoch over all 600 images"
    assert window.session.trainer.batches_per_epoch == 1
