"""The training thread: throttled snapshots, pause/step/resume/stop, live settings, divergence,
and a clean thread lifecycle over repeated runs."""
import sys
import threading
import time

import numpy as np
import pytest
from qt_support import os_thread_count

from engine.config import PRESETS, TrainConfig
from gui.training.session import GIL_SWITCH_INTERVAL_S, TrainingSession
from gui.training.worker import TrainingWorker

WAIT_MS = 10_000
SMALL = (6000, 500)  # the training and test images of the `small` fixture (conftest.py)


@pytest.fixture
def session(qtbot):
    session = TrainingSession()
    received = []
    session.snapshotReady.connect(received.append)
    session.received = received
    yield session
    session.shutdown(5.0)


def quick_config(**changes):
    """Small and fast: many batches per epoch, so epoch-end snapshots are rare."""
    return TrainConfig(hidden=(32,), batch_size=32, epochs=50, lr=0.05).with_changes(**changes)


def wait_for_paused_snapshot(qtbot, session):
    """Until the snapshot on screen shows where the paused trainer stopped."""
    qtbot.waitUntil(lambda: session.received and session.received[-1].state in ("paused", "diverged")
                    and session.received[-1].step == session.trainer.step, timeout=WAIT_MS)


def test_snapshots_are_throttled_whatever_the_training_speed(qtbot, session, small):
    session.start(quick_config(), small)
    qtbot.wait(1500)
    running = [s for s in session.received if s.state == "running" and s.batch != 0]
    span = running[-1].elapsed_s - running[0].elapsed_s
    steps = running[-1].step - running[0].step
    print(f"\n{len(running)} snapshots for {steps} batches in {span:.2f} s of training")
    assert steps > 3 * len(running), "far fewer snapshots than batches"
    assert (len(running) - 1) / span <= 22, "at most about 20 snapshots per second"


def test_snapshots_are_private_copies(qtbot, session, small):
    session.start(quick_config(), small)
    qtbot.waitUntil(lambda: len(session.received) >= 3, timeout=WAIT_MS)
    session.pause()
    wait_for_paused_snapshot(qtbot, session)
    snapshot = session.received[-1]
    live = session.trainer.network
    for copied, original in zip(snapshot.network.parameters(), live.parameters()):
        assert copied is not original and not np.shares_memory(copied, original)
        np.testing.assert_array_equal(copied, original)
    kept = [p.copy() for p in snapshot.network.parameters()]
    session.resume()
    qtbot.waitUntil(lambda: session.trainer.step > snapshot.step + 5, timeout=WAIT_MS)
    assert not np.array_equal(kept[0], live.weights[0]), "training went on"
    for copied, before in zip(snapshot.network.parameters(), kept):
        np.testing.assert_array_equal(copied, before)


def test_pause_step_resume_and_stop(qtbot, session, small):
    session.start(quick_config(), small)
    qtbot.waitUntil(lambda: session.trainer.step > 10, timeout=WAIT_MS)
    session.pause()
    assert session.state == "paused"
    wait_for_paused_snapshot(qtbot, session)
    paused_at = session.trainer.step
    qtbot.wait(200)
    assert session.trainer.step == paused_at, "nothing trains while paused"

    for expected in range(paused_at + 1, paused_at + 4):
        session.step()
        qtbot.waitUntil(lambda expected=expected: session.received[-1].step == expected, timeout=WAIT_MS)
        qtbot.wait(50)
        assert session.trainer.step == expected, "exactly one batch per step"
        assert session.received[-1].state == "paused"

    session.resume()
    assert session.state == "running"
    qtbot.waitUntil(lambda: session.received[-1].step > paused_at + 10, timeout=WAIT_MS)

    with qtbot.waitSignal(session.finished, timeout=WAIT_MS):
        session.stop()
    assert session.state == "stopped"
    assert session.received[-1].state == "stopped"
    assert not session.thread_running


def test_a_paused_start_shows_the_initial_weights_and_steps_once(qtbot, session, small):
    session.start(quick_config(), small, paused=True)
    qtbot.waitUntil(lambda: len(session.received) == 1, timeout=WAIT_MS)
    assert session.received[0].step == 0 and session.received[0].state == "paused"
    session.step()
    qtbot.waitUntil(lambda: session.received[-1].step == 1, timeout=WAIT_MS)
    qtbot.wait(100)
    assert session.trainer.step == 1


def test_learning_rate_changes_mid_run(qtbot, session, small):
    session.start(quick_config(), small)
    qtbot.waitUntil(lambda: len(session.received) >= 2, timeout=WAIT_MS)
    assert session.received[-1].lr == pytest.approx(0.05)
    session.update_settings(lr=0.01, momentum=0.5, slow_motion_s=0.0)
    assert session.trainer.config.lr == pytest.approx(0.01)
    qtbot.waitUntil(lambda: session.received[-1].lr == pytest.approx(0.01), timeout=WAIT_MS)
    with pytest.raises(ValueError):
        session.update_settings(lr=-1.0)
    assert session.trainer.config.lr == pytest.approx(0.01), "a refused change changes nothing"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow that is being caught
def test_divergence_pauses_and_keeps_finite_weights(qtbot, session, small):
    with qtbot.waitSignal(session.diverged, timeout=WAIT_MS) as blocker:
        session.start(quick_config(hidden=(128, 64), lr=1000.0), small)
    assert "lower learning rate" in blocker.args[0]
    assert session.state == "diverged"
    qtbot.waitUntil(lambda: session.received[-1].state == "diverged", timeout=WAIT_MS)
    assert session.trainer.paused
    snapshot = session.received[-1]
    assert "diverged" in snapshot.message
    assert all(np.all(np.isfinite(p)) for p in snapshot.network.parameters())


def test_slow_motion_spaces_batches_and_stop_wakes_it(qtbot, session, small):
    session.start(quick_config(slow_motion_s=2.0), small)
    qtbot.wait(300)
    assert session.trainer.step <= 1
    started = time.perf_counter()
    assert session.shutdown(1.0)
    assert time.perf_counter() - started < 1.0
    assert not session.thread_running


def test_shutdown_while_paused_is_quick(qtbot, session, small):
    session.start(quick_config(), small)
    qtbot.waitUntil(lambda: session.trainer.step > 5, timeout=WAIT_MS)
    session.pause()
    wait_for_paused_snapshot(qtbot, session)
    started = time.perf_counter()
    assert session.shutdown(1.0), "a paused trainer is woken by stop"
    assert time.perf_counter() - started < 1.0
    assert session.state == "stopped" and not session.thread_running


def test_repeated_start_stop_reset_leaks_no_threads(qtbot, small):
    session = TrainingSession()
    python_threads, os_threads = threading.enumerate(), os_thread_count(qtbot)
    for cycle in range(6):
        session.start(quick_config(seed=cycle), small, paused=cycle % 3 == 1)
        qtbot.wait(60)
        if cycle % 3 == 0:
            with qtbot.waitSignal(session.finished, timeout=WAIT_MS):
                session.stop()
        elif cycle % 3 == 2:
            session.pause()
        session.reset()
        assert session.state == "idle" and not session.thread_running
    assert threading.enumerate() == python_threads
    assert os_thread_count(qtbot) == os_threads


def test_starting_over_a_finished_run_replaces_it(qtbot, session, small):
    config = quick_config(epochs=1, batch_size=1000)
    with qtbot.waitSignal(session.finished, timeout=WAIT_MS):
        session.start(config, small)
    assert session.state == "finished"
    assert session.received[-1].state == "finished" and session.received[-1].epoch == 1
    first_trainer = session.trainer
    session.start(config, small)
    assert session.trainer is not first_trainer
    with pytest.raises(RuntimeError):
        session.start(config, small)


def test_refused_settings_start_nothing(qtbot, session, small):
    with pytest.raises(ValueError, match="batch size"):
        session.start(quick_config(batch_size=small.n_train + 1), small)
    assert session.state == "idle" and session.trainer is None and not session.thread_running


def test_worker_reports_finish_without_a_thread(qtbot, small):
    """The worker's loop is plain code: run() can be called directly, e.g. for debugging."""
    from engine.trainer import Trainer

    worker = TrainingWorker(Trainer(PRESETS["seed-003"].with_changes(epochs=1, batch_size=3000), small))
    snapshots = []
    worker.snapshotReady.connect(snapshots.append)
    with qtbot.waitSignal(worker.finished, timeout=WAIT_MS):
        worker.run()
    assert snapshots[0].step == 0 and snapshots[-1].state == "finished"
    assert worker.history.n_batch_points == 2


def test_a_costly_window_gets_fewer_snapshots(qtbot, small):
    """Drawing holds the GIL, so the session keeps the GUI's drawing time near its budget:
    a window that needs 15 ms of CPU per snapshot gets at most about budget / 15 ms per second."""
    session = TrainingSession(drawing_budget=0.10)
    shown = []

    def expensive_frame(snapshot):
        shown.append(time.perf_counter())
        started = time.thread_time()
        while time.thread_time() - started < 0.015:
            pass

    session.snapshotReady.connect(expensive_frame)
    try:
        session.start(quick_config(), small)
        qtbot.wait(600)
        first = len(shown)
        qtbot.wait(2000)
        rate = (len(shown) - first) / 2.0
    finally:
        session.shutdown(5.0)
    print(f"\n{rate:.1f} snapshots/s at 15 ms each (budget 10 %): {1000 * session.frame_cost_s:.1f} ms per frame")
    assert 0.5 <= rate <= 8.5


def test_a_run_shortens_the_gil_switch_interval(qtbot, session, small):
    previous = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        session.start(quick_config(), small)
        assert sys.getswitchinterval() <= GIL_SWITCH_INTERVAL_S
    finally:
        session.shutdown(5.0)
        sys.setswitchinterval(previous)
