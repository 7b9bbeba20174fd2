"""Reliability of the window: failed saves and loads, nonsense typed into the controls, damaged
remembered settings, divergence, rapid random clicking, closing at random moments, a short
soak, and the same seed giving the same weights with and without the GUI.

Waits are bounded everywhere; a watchdog dumps every thread's stack if a test hangs.
"""
import errno
import faulthandler
import functools
import importlib.util
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from file_faults import DiskFullAfter, patch_atomic_os, refuse, writes_are_blocked
from PySide6.QtCore import QSettings, Qt, QThreadPool
from PySide6.QtWidgets import QLabel, QPushButton
from qt_support import child, open_window, os_thread_count, settings_file
from support import ROOT

from engine.config import PRESETS, TrainConfig
from engine.history import TrainingHistory
from engine.modelio import load_model, save_model
from engine.network import Network
from engine.trainer import Trainer
from gui.app.main_window import MainWindow
from gui.app.settings import load_training_settings
from gui.panels.controls import AUGMENT_NOISE_STD, AUGMENT_ROTATE_DEG, AUGMENT_SHIFT_PX
from gui.panels.scripted_strokes import STROKES_SEVEN, draw_strokes
from gui.training import session as training_controller
from gui.training.cpu_share import reserve_core_for_gui
from gui.training.session import TrainingSession

WAIT_MS = 15_000
N_TRAIN, N_TEST = 2000, 300
SMALL = (N_TRAIN, N_TEST)  # the training and test images of the `small` fixture (conftest.py)


def _load_soak_module():
    spec = importlib.util.spec_from_file_location("soak_studio", ROOT / "tests" / "soak" / "soak_studio.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


soak = _load_soak_module()


@pytest.fixture(autouse=True)
def watchdog():
    """A hung test prints every thread's stack instead of hanging silently."""
    faulthandler.dump_traceback_later(120, exit=False)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def shared_window(qapp, small, tmp_path_factory):
    """One window for the tests that leave it idle again: building one costs about a second."""
    win = MainWindow(dataset=small, settings=settings_file(tmp_path_factory.mktemp("shared-window")))
    win.show()
    yield win
    win.close()
    win.deleteLater()


@pytest.fixture
def window(qtbot, shared_window):
    """The shared window, idle, with the default preset, no drawing and no banner."""
    win = shared_window
    win.reset_training()
    win.controls.apply_preset("default")
    win.drawing_panel.clear()
    win.banner.hide()
    qtbot.waitExposed(win)
    yield win
    win.reset_training()


@pytest.fixture
def messages(window, monkeypatch):
    """Messages the window shows, as (title, text), instead of dialogs."""
    shown = []
    monkeypatch.setattr(window, "show_message", lambda title, text, *args, **kwargs: shown.append((title, text)))
    return shown


def use_small_network(win, hidden="32", batch_size=50, epochs=None):
    win.controls.hidden_edit.setText(hidden)
    win.controls.batch_spin.setValue(batch_size)
    if epochs is not None:
        win.controls.epochs_spin.setValue(epochs)
    assert win.controls.is_valid, win.controls.error_text


def parameters(network: Network) -> bytes:
    return network.flat_parameters.tobytes()


def drain_thread_pools(win) -> None:
    """Let the background computations finish and their pool threads exit."""
    for pool in win.findChildren(QThreadPool):
        assert pool.waitForDone(10_000)
    QThreadPool.globalInstance().waitForDone(10_000)


SAVE_FAILURES = {
    "disk-full-mid-write": ("No space left on device",
                            lambda: {"fdopen": lambda fd, mode="r", *a, **k: DiskFullAfter(
                                os.fdopen(fd, mode, *a, **k), 3000)}),
    # Root ignores folder permissions, so a read-only folder is simulated where the OS would refuse.
    "read-only-folder": ("Permission denied", lambda: {"open": refuse(errno.EACCES)}),
    "rename-refused": ("Permission denied", lambda: {"replace": refuse(errno.EACCES)}),
    "disk-full-at-fsync": ("No space left on device", lambda: {"fsync": refuse(errno.ENOSPC)}),
}


# --------------------------------------------------------------------------- saving and loading


@pytest.mark.parametrize("had_old_file", [True, False], ids=["over-old-file", "new-file"])
@pytest.mark.parametrize("failure", list(SAVE_FAILURES))
def test_a_failed_save_model_reports_and_loses_nothing(qtbot, window, messages, monkeypatch, tmp_path, failure,
                                                       had_old_file):
    folder = tmp_path / "models"
    folder.mkdir()
    path = folder / "model.npz"
    if had_old_file:
        save_model(path, Network((784, 5, 10), seed=1), {"version": "old"})
    old = path.read_bytes() if had_old_file else None
    displayed = window.displayed_snapshot.network
    model = window.model_network
    before = parameters(displayed)
    reason, replacements = SAVE_FAILURES[failure]
    if failure == "read-only-folder":
        folder.chmod(0o500)
        if writes_are_blocked(folder):
            replacements = dict
    patch_atomic_os(monkeypatch, **replacements())
    monkeypatch.setattr(window, "ask_save_path", lambda: str(path))
    try:
        window.save_action.trigger()  # File -> Save model...
    finally:
        folder.chmod(0o700)

    assert len(messages) == 1, messages
    title, text = messages[0]
    assert "save" in title.lower() and str(path) in text and reason in text, (title, text)
    assert window.model_network is model and window.displayed_snapshot.network is displayed
    assert parameters(displayed) == before
    assert sorted(p.name for p in folder.iterdir()) == (["model.npz"] if had_old_file else []), "partial file left"
    if had_old_file:
        assert path.read_bytes() == old
    # Once the disk has room again, the same network saves completely.
    monkeypatch.undo()
    assert window.save_model_file(path)
    assert parameters(load_model(path)[0]) == before


def _corrupt_models(folder: Path) -> list[Path]:
    good = folder / "good.npz"
    save_model(good, Network((784, 8, 10), seed=2))
    content = good.read_bytes()
    files = {
        "truncated.npz": content[: len(content) // 2],
        "random.npz": np.random.default_rng(1).bytes(3000),
        "empty.npz": b"",
        "single-array.npz": b"\x93NUMPY\x01\x00" + b"\0" * 100,
    }
    deep = folder / "deep-json.npz"
    np.savez(deep, header=np.array("[" * 30_000 + "]" * 30_000))
    wrong_size = folder / "wrong-size.npz"
    save_model(wrong_size, Network((100, 8, 10), seed=2))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in files] + [deep, wrong_size]


def test_failed_model_loads_keep_the_model_and_the_prediction(qtbot, window, messages, monkeypatch, tmp_path):
    draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
    window.drawing_panel.update_input_now()
    prediction = window.drawing_panel.prediction_label.text()
    probabilities = window.drawing_panel.current_probabilities.copy()
    model, before = window.model_network, parameters(window.model_network)
    corrupt = _corrupt_models(tmp_path)
    for path in corrupt:
        monkeypatch.setattr(window, "ask_open_path", lambda p=path: str(p))
        window.load_action.trigger()  # File -> Load model...
        title, text = messages[-1]
        assert str(path) in text and "previous one stays" in text, text
    assert len(messages) == len(corrupt)
    assert window.model_network is model and parameters(model) == before
    assert window.drawing_panel.prediction_label.text() == prediction
    np.testing.assert_array_equal(window.drawing_panel.current_probabilities, probabilities)


def test_a_damaged_dataset_is_reported_and_the_current_one_stays(qtbot, window, messages, tmp_path):
    path = tmp_path / "digits.npz"
    path.write_bytes(b"PK\x03\x04" + np.random.default_rng(3).bytes(5000))
    dataset = window.dataset
    assert window.open_dataset(path)
    qtbot.waitUntil(lambda: not window.is_opening_dataset and bool(messages), timeout=WAIT_MS)
    assert str(path) in messages[-1][1]
    assert window.dataset is dataset
    use_small_network(window, epochs=1, batch_size=500)
    with qtbot.waitSignal(window.session.finished, timeout=WAIT_MS):
        assert window.start_training()
    assert window.session.state == "finished"


# --------------------------------------------------------------------------- drawing


PAD_STROKES = {
    "a-single-click": [[(140.0, 140.0)]],
    "a-dot-in-the-corner": [[(0.0, 0.0), (0.5, 0.5)]],
    "along-the-border": [[(0.0, float(y)) for y in range(0, 280, 5)]],
    "far-outside-the-pad": [[(-900.0, -900.0), (-400.0, -700.0)]],
    "through-the-pad-from-far-away": [[(-5000.0, -5000.0), (140.0, 140.0), (9000.0, 9000.0)]],
    "scribbled-everywhere": [[(float(x), float(y)) for y in range(0, 281, 14) for x in (0, 280)]],
    "many-tiny-strokes": [[(float(10 * i % 280), float(7 * i % 280))] for i in range(60)],
}


@pytest.mark.parametrize("case", list(PAD_STROKES))
def test_any_drawing_on_the_pad_gives_a_valid_input_and_an_answer(qtbot, window, case):
    panel = window.drawing_panel
    draw_strokes(panel.pad, PAD_STROKES[case])
    image = panel.update_input_now()
    label = panel.prediction_label.text()
    if image is None:
        assert not label.isdigit()
    else:
        assert image.shape == (28, 28) and image.dtype == np.float32
        assert np.isfinite(image).all() and 0 <= image.min() and image.max() <= 1
        assert label.isdigit()
        probabilities = panel.current_probabilities
        assert np.isfinite(probabilities).all() and abs(probabilities.sum() - 1) < 1e-4
    panel.undo_last_stroke()
    panel.clear()
    assert panel.update_input_now() is None


# --------------------------------------------------------------------------- settings


def type_into(qtbot, widget, text: str) -> None:
    """Replace a field's text by typing, then press Enter, as a user would."""
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    if text:
        qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def assert_nothing_starts(qtbot, win) -> None:
    start = child(win, "startButton", QPushButton)
    assert not start.isEnabled()
    qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(child(win, "stepButton", QPushButton), Qt.MouseButton.LeftButton)
    win.toggle_running()  # Space
    assert win.start_training() is False
    assert win.session.state == "idle" and win.session.trainer is None and not win.session.thread_running


REFUSED = [
    ("batchSizeSpin", "0", "Mini-batch"),
    ("batchSizeSpin", str(N_TRAIN + 1), f"larger than the {N_TRAIN} training examples"),
    ("hiddenLayersEdit", "", "Hidden layers"),
    ("hiddenLayersEdit", ",", "Hidden layers"),
    ("hiddenLayersEdit", "12,,x", "Hidden layers"),
    ("hiddenLayersEdit", "-5", "Hidden layers"),
    ("hiddenLayersEdit", "0", "Hidden layers"),
    ("hiddenLayersEdit", "1.5", "Hidden layers"),
    ("hiddenLayersEdit", "4097", "4096"),
    ("hiddenLayersEdit", "64,0,32", "Hidden layers"),
    ("learningRateSpin", "0", "learning rate"),
    ("epochsSpin", "0", "Epochs"),
]


@pytest.mark.parametrize("field, text, message", REFUSED, ids=[f"{f}={t!r}" for f, t, _ in REFUSED])
def test_impossible_values_typed_into_the_controls_are_refused_visibly(qtbot, window, field, text, message):
    widget = child(window, field)
    type_into(qtbot, widget, text)
    error = child(window, "settingsError", QLabel)
    assert error.isVisible() and message in error.text(), error.text()
    assert "border" in widget.styleSheet() or "color" in widget.styleSheet(), "the field is marked"
    assert window.controls.config() is None
    assert_nothing_starts(qtbot, window)


# Values a field cannot even hold: its own validator drops the keystrokes. They must never reach
# a run; whatever the field shows instead must be a setting the engine accepts.
UNTYPEABLE = [
    ("batchSizeSpin", "-5"), ("epochsSpin", "-1"), ("learningRateSpin", "1000000000"),
    ("learningRateSpin", "1e9"), ("learningRateSpin", "-0.1"), ("momentumSpin", "5"), ("dropoutSpin", "2"),
    ("seedSpin", "99999999999999"), ("slowMotionSpin", "1000"),
]


@pytest.mark.parametrize("field, text", UNTYPEABLE, ids=[f"{f}={t!r}" for f, t in UNTYPEABLE])
def test_values_a_control_cannot_hold_never_reach_a_run(qtbot, window, field, text):
    widget = child(window, field)
    if field == "momentumSpin":
        window.controls.optimizer_combo.setCurrentIndex(window.controls.optimizer_combo.findData("momentum"))
    type_into(qtbot, widget, text)
    assert_consistent(qtbot, window)
    config = window.controls.config()
    if config is not None:
        assert config.lr <= 1e4 and config.batch_size >= 1 and config.epochs >= 1 and 0 <= config.momentum < 1


def assert_consistent(qtbot, win) -> None:
    """Either the settings are refused visibly and nothing can start, or they are valid."""
    config = win.controls.config()
    error = child(win, "settingsError", QLabel)
    if config is None:
        assert error.isVisible() and error.text()
        assert_nothing_starts(qtbot, win)
    else:
        config.validate(win.dataset.n_train)
        assert child(win, "startButton", QPushButton).isEnabled()


def test_random_typing_into_every_field_never_crashes_or_lets_a_bad_setting_through(qtbot, window):
    rng = random.Random(1234)
    fields = [child(window, name) for name in (
        "hiddenLayersEdit", "learningRateSpin", "momentumSpin", "l2Spin", "dropoutSpin", "batchSizeSpin",
        "epochsSpin", "seedSpin", "slowMotionSpin")]
    alphabet = "0123456789.,-e+x "
    for _ in range(120):
        widget = rng.choice(fields)
        if not widget.isEnabled():
            continue
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7)))
        type_into(qtbot, widget, text)
        assert window.session.state == "idle", f"typing {text!r} into {widget.objectName()} started a run"
        assert_consistent(qtbot, window)


CORRUPT_SETTINGS = {
    "lr-is-text": {"lr": "fast"},
    "momentum-is-null": {"momentum": None},
    "dropout-is-text": {"dropout": "x"},
    "lr-is-nan": {"lr": float("nan")},
    "lr-is-huge": {"lr": 1e300},
    "batch-is-negative": {"batch_size": -5},
    "batch-is-fractional": {"batch_size": 2.5},
    "hidden-is-text": {"hidden": "abc"},
    "hidden-has-a-negative": {"hidden": [64, -5]},
    "activation-unknown": {"activation": "swish"},
    "seed-is-a-huge-float": {"seed": 1e30},
    "seed-beyond-the-seed-field": {"seed": 10**30},
    "epochs-beyond-the-epochs-field": {"epochs": 10**12},
}


@pytest.mark.parametrize("case", list(CORRUPT_SETTINGS))
def test_damaged_remembered_settings_never_break_the_controls(qtbot, window, settings, case):
    """What the window does at start-up with the settings file (see MainWindow.__init__)."""
    values = PRESETS["default"].to_dict()
    values.update(CORRUPT_SETTINGS[case])
    settings.setValue("training/config", json.dumps(values))
    settings.setValue("training/preset", "default")
    saved = load_training_settings(settings)
    if saved is not None:
        window.controls.restore_settings(*saved)
    assert_consistent(qtbot, window)


def test_the_window_opens_whatever_the_settings_file_holds(qtbot, small, tmp_path):
    path = tmp_path / "settings.ini"
    for case in ("lr-is-text", "seed-beyond-the-seed-field", "epochs-beyond-the-epochs-field"):
        changes = CORRUPT_SETTINGS[case]
        settings = QSettings(str(path), QSettings.Format.IniFormat)
        settings.clear()
        values = PRESETS["default"].to_dict()
        values.update(changes)
        settings.setValue("training/config", json.dumps(values))
        settings.sync()
        try:
            win = MainWindow(dataset=small, model_path=None, settings=settings)
        except Exception as error:  # noqa: BLE001 - any exception here is the failure being reported
            pytest.fail(f"{case}: the window did not open: {type(error).__name__}: {error}")
        qtbot.addWidget(win)
        assert_consistent(qtbot, win)
        win.close()


# --------------------------------------------------------------------------- divergence


def diverging_settings(win) -> None:
    """Settings that blow up within a few batches on any subset."""
    c = win.controls
    use_small_network(win, hidden="20,10", batch_size=16)
    c.activation_combo.setCurrentIndex(c.activation_combo.findData("tanh"))
    c.loss_combo.setCurrentIndex(c.loss_combo.findData("mse"))
    c.output_combo.setCurrentIndex(c.output_combo.findData("identity"))
    c.optimizer_combo.setCurrentIndex(c.optimizer_combo.findData("gd"))
    child(win, "learningRateSpin").setValue(50.0)
    assert c.is_valid, c.error_text


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_after_divergence_a_lower_rate_resumes_from_the_kept_weights(qtbot, window):
    diverging_settings(window)
    assert window.start_training()
    banner = child(window, "messageBanner")
    qtbot.waitUntil(lambda: banner.isVisible() and window.displayed_snapshot.state == "diverged", timeout=WAIT_MS)
    assert window.session.state == "diverged" and window.session.trainer.paused
    kept = window.session.trainer.network
    assert np.isfinite(kept.flat_parameters).all()
    assert parameters(window.displayed_snapshot.network) == parameters(kept), "the banner shows the kept weights"
    step = window.session.trainer.step
    qtbot.wait(200)
    assert window.session.trainer.step == step, "nothing trains while diverged"

    child(window, "learningRateSpin").setValue(0.001)
    qtbot.mouseClick(child(window, "pauseButton", QPushButton), Qt.MouseButton.LeftButton)  # "Resume"
    assert not banner.isVisible() and window.session.state == "running"
    # The kept weights may be too large for any rate: then it diverges again, and says so again.
    qtbot.waitUntil(lambda: window.session.trainer.step > step + 3 or banner.isVisible(), timeout=WAIT_MS)
    assert window.session.state == ("diverged" if banner.isVisible() else "running")
    assert np.isfinite(window.session.trainer.network.flat_parameters).all()
    window.session.stop()
    qtbot.waitUntil(lambda: not window.session.thread_running, timeout=WAIT_MS)


# --------------------------------------------------------------------------- threads


def _thread_baseline(qtbot, win):
    drain_thread_pools(win)
    return threading.enumerate(), os_thread_count(qtbot)


def _assert_threads_back_to(qtbot, win, baseline, extra_windows=()):
    python_threads, os_threads = baseline
    for w in (win, *extra_windows):
        drain_thread_pools(w)
    assert not win.session.thread_running
    assert threading.enumerate() == python_threads
    assert os_thread_count(qtbot) <= os_threads, "a thread outlived its run"


def test_rapid_random_clicks_while_training(qtbot, small, settings):
    data = small.subset(1000, 200)
    win = open_window(qtbot, data, settings)
    baseline = _thread_baseline(qtbot, win)
    rng = random.Random(2024)
    controls = win.controls
    buttons = {name: child(win, f"{name}Button", QPushButton) for name in ("start", "pause", "step", "stop", "reset")}
    preset_combo = child(win, "presetCombo")
    slowest = 0.0
    for _click in range(100):
        action = rng.choice(["start", "start", "pause", "step", "stop", "reset", "preset", "lr"])
        started = time.perf_counter()
        if action == "preset":
            if preset_combo.isEnabled():
                index = rng.randrange(preset_combo.count())
                preset_combo.setCurrentIndex(index)
                preset_combo.activated.emit(index)  # what choosing it with the mouse sends
                if controls.is_valid and rng.random() < 0.7:
                    use_small_network(win, hidden=rng.choice(["16", "32,16"]), batch_size=rng.choice([20, 100]),
                                      epochs=rng.choice([1, 2, 3]))
        elif action == "lr":
            child(win, "learningRateSpin").setValue(rng.choice([0.001, 0.01, 0.1, 0.5]))
        else:
            qtbot.mouseClick(buttons[action], Qt.MouseButton.LeftButton)
        slowest = max(slowest, time.perf_counter() - started)
        qtbot.wait(rng.choice([0, 0, 1, 5, 20, 60]))
        assert win.session.state in ("idle", "running", "paused", "diverged", "stopped", "finished")
    print(f"\nslowest click took {slowest * 1000:.0f} ms; {win.session.runs_started} training runs were started")
    assert slowest < 3.0, "a click blocked the window"
    qtbot.mouseClick(buttons["stop"], Qt.MouseButton.LeftButton)
    win.reset_training()
    assert not win.session.thread_running, "every run's loop has ended"
    _assert_threads_back_to(qtbot, win, baseline)
    win.close()


def test_closing_at_random_moments_during_training_is_quick(qtbot, small, settings):
    data = small.subset(1000, 200)
    rng = random.Random(7)
    first = open_window(qtbot, data, settings, model_path=None)
    baseline = _thread_baseline(qtbot, first)
    first.close()
    windows, timings = [], []
    for _ in range(10):
        win = open_window(qtbot, data, settings, model_path=None)
        windows.append(win)
        use_small_network(win, hidden=rng.choice(["32", "128,64"]), batch_size=rng.choice([10, 50, 200]), epochs=3)
        assert win.start_training(paused=rng.random() < 0.2)
        qtbot.wait(rng.choice([0, 5, 30, 100, 250, 400]))
        moment = rng.choice(["running", "running", "pause", "step", "stop-requested", "drawing"])
        if moment == "pause":
            win.session.pause()
        elif moment == "step":
            win.step_training()
        elif moment == "stop-requested":
            win.session.stop()
        elif moment == "drawing":
            draw_strokes(win.drawing_panel.pad, STROKES_SEVEN)
        started = time.perf_counter()
        win.close()
        elapsed = time.perf_counter() - started
        timings.append((moment, elapsed))
        assert not win.session.thread_running and win.session.state in ("stopped", "finished")
    print("\nclose times: " + ", ".join(f"{m} {t * 1000:.0f} ms" for m, t in timings))
    assert max(t for _, t in timings) < 1.0, timings
    _assert_threads_back_to(qtbot, first, baseline, extra_windows=windows)


# --------------------------------------------------------------------------- soak, briefly


def test_a_short_soak_keeps_panels_and_history_bounded(qtbot, small, settings, monkeypatch):
    cap = 16
    monkeypatch.setattr(training_controller, "TrainingHistory", functools.partial(TrainingHistory, max_points=cap))
    win = open_window(qtbot, small, settings)
    win.resize(1400, 900)
    use_small_network(win, hidden="32", batch_size=40)
    win.controls.slow_motion_spin.setValue(0.01)  # about half a second per epoch
    report = soak.run_soak(win, epochs=4, draw_every_s=0.3, switch_tab_every_s=0.4, timeout_s=90)
    print("\n" + "\n".join(report.lines()))
    assert report.state == "finished" and report.steps == 4 * N_TRAIN // 40
    assert report.history_cap == cap and 0 < report.history_points <= cap
    assert report.unstable_panels == {}, report.unstable_panels
    assert report.drawings >= 2
    assert report.rss_growth_mb < soak.MAX_RSS_GROWTH_MB
    win.close()


# --------------------------------------------------------------------------- determinism


# Augmentation at the magnitudes the controls' check boxes give, so the window can express it.
DETERMINISM_CONFIG = TrainConfig(hidden=(32,), optimizer="momentum", lr=0.05, batch_size=50, epochs=1, seed=11,
                                 dropout=0.2, augment_shift=AUGMENT_SHIFT_PX, augment_rotate=AUGMENT_ROTATE_DEG,
                                 augment_noise=AUGMENT_NOISE_STD)


@pytest.fixture(scope="module")
def headless_weights(small):
    # The window limits BLAS threads process-wide, and OpenBLAS sums in a different order with
    # a different thread count; the comparison is made under the same limit.
    reserve_core_for_gui()
    trainer = Trainer(DETERMINISM_CONFIG, small)
    for _ in trainer.run():
        pass
    return parameters(trainer.network)


def test_the_training_thread_gives_the_headless_weights_bit_for_bit(qtbot, small, headless_weights):
    session = TrainingSession()
    with qtbot.waitSignal(session.finished, timeout=WAIT_MS):
        session.start(DETERMINISM_CONFIG, small)
    assert session.state == "finished"
    assert parameters(session.trainer.network) == headless_weights
    session.shutdown(5.0)


def test_pausing_and_stepping_do_not_change_the_weights(qtbot, small, headless_weights):
    session = TrainingSession()
    rng = random.Random(5)
    session.start(DETERMINISM_CONFIG, small, paused=True)
    deadline = time.perf_counter() + WAIT_MS / 1000
    while session.is_active and time.perf_counter() < deadline:
        choice = rng.choice(["step", "step", "resume", "pause"])
        getattr(session, choice)()
        qtbot.wait(rng.choice([0, 1, 10]))
        if session.state == "paused" and rng.random() < 0.3:
            session.resume()
    qtbot.waitUntil(lambda: session.state == "finished", timeout=WAIT_MS)
    assert parameters(session.trainer.network) == headless_weights
    session.shutdown(5.0)


def test_the_window_trains_the_headless_weights_bit_for_bit(qtbot, window, headless_weights):
    window.controls.set_config(DETERMINISM_CONFIG)
    assert window.controls.config() == DETERMINISM_CONFIG
    with qtbot.waitSignal(window.session.finished, timeout=WAIT_MS):
        assert window.start_training()
    assert window.session.state == "finished"
    assert parameters(window.session.trainer.network) == headless_weights
    assert parameters(window.displayed_snapshot.network) == headless_weights
