"""The main window end to end: training from the controls, live panels, the drawing pad with the
shipped model, refused settings, divergence, model files, closing, and responsiveness."""
import gc
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton, QWidget
from qt_support import child, open_window
from support import ROOT

from engine.config import PRESETS
from engine.data import load_mnist
from engine.digitize import CENTRE_OF_MASS_TARGET
from engine.trainer import BatchEvent, Trainer
from gui.app.main_window import DEFAULT_MODEL_PATH, MainWindow
from gui.panels.scripted_strokes import STROKES_ONE, STROKES_SEVEN, draw_strokes
from gui.training.cpu_share import reserve_core_for_gui

WAIT_MS = 15_000
SMALL = (6000, 1000)  # the training and test images of the `small` fixture (conftest.py)
OBJECT_NAMES = ("startButton", "pauseButton", "stepButton", "stopButton", "resetButton", "presetCombo",
                "learningRateSpin", "batchSizeSpin", "epochsSpin", "hiddenLayersEdit", "activationCombo",
                "lossPlot", "accuracyPlot", "chunksPanel", "activationsPanel", "drawingPad", "drawingPreview",
                "predictionLabel", "probabilityPlot", "statusProgress", "settingsError", "messageBanner",
                "analysisTabs", "evaluateNowButton", "currentDatasetLabel", "trainingLayoutButton",
                "analysisLayoutButton")


def loss_points(win):
    plot = child(win, "lossPlot", pg.PlotWidget)
    x, _ = plot.getPlotItem().listDataItems()[0].getData()
    return 0 if x is None else len(x)


def use_small_network(win, hidden="32", batch_size=50):
    win.controls.hidden_edit.setText(hidden)
    child(win, "batchSizeSpin").setValue(batch_size)
    assert win.controls.is_valid, win.controls.error_text


def wait_until_paused_snapshot(qtbot, win):
    qtbot.waitUntil(lambda: win.displayed_snapshot.state in ("paused", "diverged")
                    and win.displayed_snapshot.step == win.session.trainer.step, timeout=WAIT_MS)


def test_opens_with_the_panels_the_default_preset_and_the_shipped_model(window):
    for name in OBJECT_NAMES:
        child(window, name)
    assert window.controls.preset_combo.currentData() == "default"
    assert window.controls.config() == PRESETS["default"]
    assert window.model_network is not None and window.model_path == DEFAULT_MODEL_PATH
    assert window.displayed_snapshot.state == "idle"
    for dock in window.docks.values():
        # Open and docked; the analysis tabs wait behind the loss plot's tab.
        assert dock.toggleViewAction().isChecked() and not dock.isFloating()
    assert child(window, "startButton", QPushButton).isEnabled()
    assert not child(window, "pauseButton", QPushButton).isEnabled()
    assert not child(window, "messageBanner").isVisible()


def test_every_control_explains_itself(window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QSlider

    inputs = window.controls.findChildren(QWidget)
    controls = [w for w in inputs if isinstance(w, (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QSlider))
                and w.objectName() and not w.objectName().startswith("qt_")]
    assert len(controls) >= 20
    for control in controls:
        assert len(control.toolTip()) > 20, f"{control.objectName()} has no tooltip"


def test_bundled_mnist_loads_in_the_background(qtbot, settings):
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.dataset is not None, timeout=WAIT_MS)
    assert win.dataset.n_train == 60_000
    assert child(win, "startButton", QPushButton).isEnabled()
    assert win.activations_panel.probe_index == 0
    win.close()


def test_the_app_window_appears_quickly(tmp_path):
    """From launching a fresh interpreter to the window on screen, as `python main.py` does."""
    script = (
        "import sys, time\n"
        "from PySide6.QtCore import QTimer\n"
        "from gui.app.application import create_application\n"
        "from gui.app.main_window import MainWindow\n"
        "app = create_application([])\n"
        "window = MainWindow()\n"
        "window.show()\n"
        "QTimer.singleShot(0, lambda: (print('shown', flush=True), window.close()))\n"
        "app.exec()\n"
        "del window\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               BACKPROP_STUDIO_SETTINGS=str(tmp_path / "settings.ini"))
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    shown_after = time.perf_counter() - started
    assert process.wait(timeout=60) == 0
    print(f"\nwindow shown {shown_after:.2f} s after launch")
    assert line.strip() == "shown"
    assert shown_after < 5.0, "should be about 1-2 s; the bound allows for a busy machine"


def test_start_trains_and_the_panels_follow(qtbot, window):
    use_small_network(window, hidden="64", batch_size=50)
    chunks = window.chunks_panel
    qtbot.mouseClick(child(window, "startButton"), Qt.MouseButton.LeftButton)
    assert window.session.state == "running"
    assert not window.controls.hidden_edit.isEnabled(), "architecture is locked during a run"
    qtbot.waitUntil(lambda: loss_points(window) >= 5, timeout=WAIT_MS)
    first_image = chunks.image_item.image.copy()
    # Two different snapshots in the chunks panel show different weights.
    qtbot.waitUntil(lambda: not np.allclose(first_image, chunks.image_item.image, equal_nan=True),
                    timeout=WAIT_MS)
    assert chunks.image_item.image.shape == first_image.shape
    progress = child(window, "statusProgress", QProgressBar)
    qtbot.waitUntil(lambda: progress.value() > 0, timeout=WAIT_MS)
    assert "Step" in window.step_label.text() and "samples/s" in window.speed_label.text()


@pytest.mark.parametrize("strokes, digit", [(STROKES_ONE, "1"), (STROKES_SEVEN, "7")])
def test_drawn_digits_are_recognised_by_the_shipped_model(qtbot, window, strokes, digit):
    inputs = []
    window.drawing_panel.inputChanged.connect(inputs.append)
    draw_strokes(child(window, "drawingPad"), strokes)
    qtbot.waitUntil(lambda: bool(inputs) and inputs[-1] is not None, timeout=WAIT_MS)
    image = inputs[-1]
    assert image.shape == (28, 28)
    rows, cols = np.indices(image.shape)
    assert abs((rows * image).sum() / image.sum() - CENTRE_OF_MASS_TARGET) <= 0.5
    assert abs((cols * image).sum() / image.sum() - CENTRE_OF_MASS_TARGET) <= 0.5
    assert child(window, "predictionLabel", QLabel).text() == digit
    assert window.drawing_panel.highlighted_digit == int(digit)


def test_prediction_follows_the_snapshot_not_the_live_network(qtbot, window):
    draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
    window.drawing_panel.update_input_now()
    assert window.drawing_panel.prediction_label.text() == "7"
    use_small_network(window, hidden="16", batch_size=500)
    window.start_training(paused=True)
    qtbot.waitUntil(lambda: window.displayed_snapshot.step == 0 and window.displayed_snapshot.state == "paused",
                    timeout=WAIT_MS)
    network = window.displayed_snapshot.network
    assert network is not window.session.trainer.network
    expected = network.predict_proba(window.drawing_panel.current_input().reshape(-1, 1))[:, 0]
    np.testing.assert_allclose(window.drawing_panel.current_probabilities, expected, rtol=1e-5)


def test_pause_resume_step_and_stop(qtbot, window):
    use_small_network(window)
    child(window, "epochsSpin").setValue(5000)  # a run that is still going when Stop is clicked
    pause = child(window, "pauseButton", QPushButton)
    step = child(window, "stepButton", QPushButton)
    qtbot.mouseClick(child(window, "startButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.displayed_snapshot.step > 10, timeout=WAIT_MS)

    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert pause.text() == "Resume" and step.isEnabled()
    wait_until_paused_snapshot(qtbot, window)
    for _ in range(3):
        before = window.displayed_snapshot.step
        qtbot.mouseClick(step, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda before=before: window.displayed_snapshot.step == before + 1, timeout=WAIT_MS)
        qtbot.wait(60)
        assert window.session.trainer.step == before + 1, "one Step trains exactly one mini-batch"
        assert window.step_label.text() == f"Step {before + 1:,}"

    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert pause.text() == "Pause" and window.session.state == "running"
    resumed_from = window.displayed_snapshot.step
    qtbot.waitUntil(lambda: window.displayed_snapshot.step > resumed_from + 5, timeout=WAIT_MS)

    with qtbot.waitSignal(window.session.finished, timeout=WAIT_MS):
        qtbot.mouseClick(child(window, "stopButton"), Qt.MouseButton.LeftButton)
    assert window.session.state == "stopped" and not window.session.thread_running
    assert child(window, "resetButton", QPushButton).isEnabled()
    qtbot.mouseClick(child(window, "resetButton"), Qt.MouseButton.LeftButton)
    assert window.session.state == "idle" and window.controls.hidden_edit.isEnabled()
    assert window.displayed_snapshot.state == "idle", "back to the loaded model"


def test_step_when_idle_starts_paused_and_trains_one_batch(qtbot, window):
    use_small_network(window)
    qtbot.mouseClick(child(window, "stepButton"), Qt.MouseButton.LeftButton)
    assert window.session.state == "paused"
    qtbot.waitUntil(lambda: window.displayed_snapshot.step == 1, timeout=WAIT_MS)
    qtbot.wait(100)
    assert window.session.trainer.step == 1


def test_learning_rate_changes_mid_run(qtbot, window):
    use_small_network(window)
    child(window, "epochsSpin").setValue(5000)  # still running when the change arrives
    window.start_training()
    qtbot.waitUntil(lambda: window.displayed_snapshot.step > 3, timeout=WAIT_MS)
    assert window.displayed_snapshot.config.lr == pytest.approx(PRESETS["default"].lr)
    child(window, "learningRateSpin").setValue(0.01)
    assert window.session.trainer.config.lr == pytest.approx(0.01)
    qtbot.waitUntil(lambda: window.displayed_snapshot.config.lr == pytest.approx(0.01), timeout=WAIT_MS)
    assert window.displayed_snapshot.lr <= 0.01 + 1e-12
    assert window.session.state == "running"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow that is being caught
def test_divergence_is_shown_and_training_paused(qtbot, window):
    use_small_network(window, hidden="128,64", batch_size=32)
    window.controls.optimizer_combo.setCurrentIndex(window.controls.optimizer_combo.findData("gd"))
    child(window, "learningRateSpin").setValue(1000.0)
    assert window.start_training()
    banner = child(window, "messageBanner")
    qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
    assert "diverged" in window.banner.text and "learning rate" in window.banner.text
    assert window.session.state == "diverged" and window.session.trainer.paused
    assert child(window, "pauseButton", QPushButton).text() == "Resume"
    assert "Diverged" in window.state_label.text()
    qtbot.waitUntil(lambda: window.displayed_snapshot.state == "diverged", timeout=WAIT_MS)
    assert all(np.all(np.isfinite(p)) for p in window.displayed_snapshot.network.parameters())


@pytest.mark.parametrize("field, value, message", [
    ("batchSizeSpin", 6001, "larger than the 6000 training examples"),
    ("hiddenLayersEdit", "12,,x", "Hidden layers"),
    ("learningRateSpin", 0.0, "learning rate"),
])
def test_invalid_settings_are_refused_visibly(qtbot, window, field, value, message):
    widget = child(window, field)
    if isinstance(widget, QLineEdit):
        widget.setText(value)
    else:
        widget.setValue(value)
    error = child(window, "settingsError", QLabel)
    assert error.isVisible() and message in error.text()
    assert "border" in widget.styleSheet(), "the offending field is marked"
    start = child(window, "startButton", QPushButton)
    assert not start.isEnabled()
    qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
    window.toggle_running()
    assert window.start_training() is False
    window.step_training()
    assert window.session.state == "idle" and window.session.trainer is None
    # Fixing the field clears the refusal.
    window.controls.apply_preset("default")
    assert not error.isVisible() and start.isEnabled() and widget.styleSheet() == ""


def test_a_corrupt_model_file_is_reported_and_changes_nothing(qtbot, window, tmp_path):
    corrupt = tmp_path / "broken.npz"
    corrupt.write_bytes(b"PK\x03\x04 this is not a model")
    previous = window.model_network
    draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
    window.drawing_panel.update_input_now()
    assert window.load_model_file(corrupt) is False
    box = window.message_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "broken.npz" in box.text() and "previous one stays" in box.text()
    assert window.model_network is previous and window.model_path == DEFAULT_MODEL_PATH
    assert window.drawing_panel.prediction_label.text() == "7"
    box.close()


def test_save_and_load_a_trained_model(qtbot, window, tmp_path):
    use_small_network(window, hidden="24", batch_size=500)
    with qtbot.waitSignal(window.session.finished, timeout=WAIT_MS):
        child(window, "epochsSpin").setValue(1)
        window.start_training()
    path = tmp_path / "trained.npz"
    assert window.save_model_file(path)
    window.reset_training()
    assert window.load_model_file(path)
    assert window.model_network.layer_sizes == (784, 24, 10)
    assert window.model_metadata["epochs"] == 1


def test_space_toggles_training_but_not_while_typing(qtbot, window):
    use_small_network(window)
    edit = child(window, "hiddenLayersEdit", QLineEdit)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Space)
    assert window.session.state == "idle" and edit.text() == "32 "
    edit.setText("32")
    window.chunks_panel.setFocus()
    qtbot.keyClick(window.chunks_panel, Qt.Key.Key_Space)
    assert window.session.state == "running"
    qtbot.keyClick(window.chunks_panel, Qt.Key.Key_Space)
    assert window.session.state == "paused"


def test_layout_is_remembered(qtbot, small, settings):
    first = MainWindow(dataset=small, model_path=None, settings=settings)
    qtbot.addWidget(first)
    first.show()
    first.docks["activations"].setFloating(True)
    first.close()
    assert settings.value("window/state") is not None
    second = MainWindow(dataset=small, model_path=None, settings=settings)
    qtbot.addWidget(second)
    second.show()
    assert second.docks["activations"].isFloating()
    second.close()


def test_closing_during_training_is_quick_and_clean(qtbot, small, settings):
    python_threads = threading.enumerate()
    win = MainWindow(dataset=small, settings=settings)
    qtbot.addWidget(win)
    win.show()
    use_small_network(win)
    win.start_training()
    qtbot.waitUntil(lambda: win.displayed_snapshot.step > 10, timeout=WAIT_MS)
    assert win.session.thread_running
    started = time.perf_counter()
    win.close()
    elapsed = time.perf_counter() - started
    print(f"\nclosed in {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0
    assert not win.session.thread_running and win.session.state == "stopped"
    assert threading.enumerate() == python_threads


def test_stall_and_throughput_with_every_panel_live(qtbot, settings):
    """A 5 ms timer in the GUI thread must keep firing while the full default preset trains,
    and training through the window must stay close to headless speed."""
    data = load_mnist()
    config = PRESETS["default"]
    first, last = 10, 200  # batches measured: after warm-up, before the first epoch ends

    def headless_samples_per_s():
        trainer = Trainer(config, data)
        timings = {}
        for event in trainer.run():
            if isinstance(event, BatchEvent) and event.step in (first, last):
                timings[event.step] = time.perf_counter()
                if event.step == last:
                    break
        return (last - first) * config.batch_size / (timings[last] - timings[first])

    # For information: the engine alone with NumPy's default BLAS threads, as the CLI runs.
    headless_default_blas = headless_samples_per_s()
    # The reference: the same BLAS limit the window applies (gui.training.cpu_share), measured before
    # and after the window so that a change in the machine's load affects both sides alike.
    reserve_core_for_gui()
    headless_before = headless_samples_per_s()

    win = open_window(qtbot, data, settings, size=(1400, 900))
    draw_strokes(win.drawing_panel.pad, STROKES_SEVEN)
    win.activations_panel.use_drawing_check.setChecked(True)
    qtbot.wait(100)
    # The garbage earlier tests left behind, collected now: a full collection of it takes a few
    # hundred milliseconds, which would count as the window's stall.
    gc.collect()

    ticks = []
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(5)
    probe.timeout.connect(lambda: ticks.append((time.perf_counter(), win.session.trainer.step)))
    assert win.start_training()
    probe.start()
    qtbot.waitUntil(lambda: win.session.trainer.step >= last, timeout=60_000)
    probe.stop()
    ticks.append((time.perf_counter(), win.session.trainer.step))
    frames = win.session.frame_cost_s
    win.close()

    headless = (headless_before + headless_samples_per_s()) / 2
    times = np.array([t for t, _ in ticks])
    steps = np.array([s for _, s in ticks])
    worst_stall = np.diff(times[:-1]).max()  # the probe's own ticks
    a = np.argmax(steps >= first)
    through_gui = (steps[-1] - steps[a]) * config.batch_size / (times[-1] - times[a])
    print(f"\nworst GUI stall {worst_stall * 1000:.1f} ms over {times[-1] - times[0]:.1f} s "
          f"(frame cost {frames * 1000:.1f} ms)")
    print(f"throughput headless {headless:,.0f} samples/s (with default BLAS threads "
          f"{headless_default_blas:,.0f}), through the GUI {through_gui:,.0f} samples/s, "
          f"ratio {through_gui / headless:.2f}")
    assert worst_stall < 0.25
    assert through_gui / headless >= 0.5


def test_models_are_saved_to_the_user_data_folder_not_beside_the_shipped_model(qtbot, small, settings, tmp_path):
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths

    from assets import DEFAULT_MODEL
    from gui.widgets.user_folders import is_shipped

    QStandardPaths.setTestModeEnabled(True)  # a folder of the test's own under the home folder
    try:
        win = MainWindow(dataset=small, settings=settings)
        qtbot.addWidget(win)
        assert win.model_path == DEFAULT_MODEL and is_shipped(win.model_path)
        data_folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
        assert win._model_folder() == data_folder / "models" and win._model_folder().is_dir()
        own = tmp_path / "mine.npz"
        assert win.save_model_file(own) and win.load_model_file(own)
        assert win._model_folder() == tmp_path, "a model of the user's own: its folder"
        win.close()
    finally:
        QStandardPaths.setTestModeEnabled(False)
