"""The GUI-thread side of a training run: owns the worker thread from start to shutdown.

`TrainingSession` creates a Trainer and a TrainingWorker and runs it on a BackgroundTask,
forwards the worker's snapshots, and tears everything down again so that repeated
Start/Stop/Reset never leaks a thread and closing the app never destroys a running one.
Its state is an engine.snapshot.RunState: idle (no run), running, paused, diverged (paused by
the trainer), stopped and finished (the thread has ended; the run's results stay available).
"""
from __future__ import annotations

import sys
import time
from collections import deque
from typing import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal, Slot

from engine.config import TrainConfig
from engine.history import TrainingHistory
from engine.network import Network
from engine.snapshot import RunState, Snapshot
from engine.trainer import Trainer

from ..widgets.background import BackgroundTask
from .cpu_share import reserve_core_for_gui
from .worker import DEFAULT_MAX_SNAPSHOTS_PER_S, TrainingWorker

DEFAULT_DRAWING_BUDGET = 0.06
"""Largest share of the GUI thread's time that drawing snapshots may take. While the window
draws, training slows down (Qt paints the pyqtgraph views holding Python's GIL, and the two
threads share the machine's cores and caches): measured on two cores, by about half the time
the window spends drawing. When a frame costs more, frames come less often instead of training
slowing down. At 6 % training keeps about 97 % of its headless speed (the rest goes to making
snapshots and timeline stops, and to the window's other work); with the full studio's frame of
about 8 ms that is 6 to 7 frames per second, and a cheaper frame (fewer panels in view) gets more."""

GIL_SWITCH_INTERVAL_S = 0.001
"""How long one thread may keep the GIL while another waits for it (Python's default: 5 ms).
The GUI thread needs the GIL for every pyqtgraph item it paints, and the training thread for
the Python between its BLAS calls; with the default each waits up to 5 ms for the other many
times per frame. Set process-wide when a run starts."""

MAX_FRAME_SAMPLE_GAP_S = 5.0
"""Gaps between snapshots longer than this are not frame-cost samples (nor is any gap that
spans a pause, see _on_snapshot). Well above the gaps the drawing budget itself asks for: a
frame of 40 ms at 6 % is a gap of 0.7 s, and a limit near that would drop exactly the costly
frames and leave the estimate too low."""
FRAME_COST_WINDOW = 16
FRAME_COST_OUTLIERS = 2
"""The frame cost is the mean of the last FRAME_COST_WINDOW frames without the costliest few."""



def share_gil_finely() -> float:
    """Shorten Python's GIL switch interval to GIL_SWITCH_INTERVAL_S (never lengthen it).
    Returns the interval in force."""
    if sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    return sys.getswitchinterval()


class TrainingSession(QObject):
    snapshotReady = Signal(object)
    """The latest engine.snapshot.Snapshot of the current run."""

    stateChanged = Signal(object)
    """The new RunState."""
    diverged = Signal(str)
    finished = Signal()
    """The run's thread has ended (state is then "stopped" or "finished")."""

    def __init__(self, parent: QObject | None = None,
                 max_snapshots_per_s: float = DEFAULT_MAX_SNAPSHOTS_PER_S,
                 drawing_budget: float = DEFAULT_DRAWING_BUDGET) -> None:
        super().__init__(parent)
        self.max_snapshots_per_s = max_snapshots_per_s
        self.drawing_budget = drawing_budget
        self.frame_cost_s = 0.0  # typical GUI-thread CPU time per snapshot shown
        self._frame_costs: deque[float] = deque(maxlen=FRAME_COST_WINDOW)
        self._cpu_mark: tuple[float, float] | None = None  # (thread CPU time, wall time)
        self._state = RunState.IDLE
        self._trainer: Trainer | None = None
        self._worker: TrainingWorker | None = None
        self._latest: Snapshot | None = None
        self._track_gradient_flow = False  # passed on to every run's trainer
        self.display_requests: Callable[[], tuple] = tuple
        """Called at every snapshot: the display requests of the views on screen, whose data the
        worker makes with the next snapshot (gui.training.prepared; the window gives the state's)."""
        # Runs the training loop on a thread of its own (gui.widgets.background): a failure ends
        # the run like a stop, after printing what went wrong.
        self._runner = BackgroundTask(self)
        self.runs_started = 0
        self._runner.finished.connect(self._on_run_ended)
        self._runner.failed.connect(self._on_run_ended)

    # -- queries ---------------------------------------------------------------------
    @property
    def state(self) -> RunState:
        return self._state

    @property
    def is_active(self) -> bool:
        """True while the worker thread runs (running, paused or diverged)."""
        return self._state.is_active

    @property
    def trainer(self) -> Trainer | None:
        """The run's trainer (None when idle). Only its thread-safe methods may be used."""
        return self._trainer

    @property
    def latest_snapshot(self) -> Snapshot | None:
        return self._latest

    @property
    def thread_running(self) -> bool:
        """True while the training loop executes on its thread."""
        return self._runner.running

    # -- commands ----------------------------------------------------------------------
    def start(self, config: TrainConfig, dataset, network: Network | None = None,
              paused: bool = False) -> None:
        """Begin a new run, replacing any finished or stopped one.
        Raises ValueError (and changes nothing) when the settings do not fit the data."""
        if self.is_active:
            raise RuntimeError("a run is in progress; stop or reset it first")
        trainer = Trainer(config, dataset, network)
        trainer.set_track_gradient_flow(self._track_gradient_flow)
        reserve_core_for_gui()  # process-wide BLAS limit, see gui.training.cpu_share
        share_gil_finely()
        self._discard_run()
        if paused:
            trainer.pause()
        # The worker stays a GUI-thread object whose run() executes on the runner's thread, so
        # the signals it emits there are queued to this object.
        worker = TrainingWorker(trainer, TrainingHistory(), self.max_snapshots_per_s)
        worker.snapshotReady.connect(self._on_snapshot)
        worker.diverged.connect(self._on_diverged)
        worker.set_display_requests(self.display_requests())
        self._trainer, self._worker = trainer, worker
        self.runs_started += 1
        self._cpu_mark = None
        self._frame_costs.clear()
        self._set_state(RunState.PAUSED if paused else RunState.RUNNING)
        self._runner.run(worker.run)

    def pause(self) -> None:
        if self._state == RunState.RUNNING:
            self._trainer.pause()
            self._set_state(RunState.PAUSED)

    def resume(self) -> None:
        if self._state in (RunState.PAUSED, RunState.DIVERGED):
            self._cpu_mark = None  # the pause's CPU time is not a frame's (see _on_snapshot)
            self._trainer.resume()
            self._set_state(RunState.RUNNING)

    def step(self) -> None:
        """Train exactly one more mini-batch, then stay paused."""
        if self.is_active:
            self._trainer.request_step()
            self._set_state(RunState.PAUSED)

    def stop(self) -> None:
        """Ask the run to end after the current batch; `finished` follows."""
        if self.is_active:
            self._trainer.stop()

    def set_gradient_flow_tracking(self, on: bool) -> None:
        """Have this and later runs keep gradient-flow statistics in their snapshots (they cost
        the trainer a little per batch, so only while something shows them)."""
        self._track_gradient_flow = bool(on)
        if self._trainer is not None:
            self._trainer.set_track_gradient_flow(on)

    def update_settings(self, **changes) -> None:
        """Apply settings that may change mid-run (see Trainer.update_settings).
        Raises ValueError and changes nothing when a value is impossible."""
        if self._trainer is not None:
            self._trainer.update_settings(**changes)

    def reset(self, timeout_s: float = 1.0) -> None:
        """End any run and forget it: back to "idle"."""
        self.shutdown(timeout_s)
        self._discard_run()
        self._set_state(RunState.IDLE)

    def shutdown(self, timeout_s: float = 1.0) -> bool:
        """Stop the run and wait for its thread to end. Returns False if that took longer than
        `timeout_s`; it still waits, because destroying a running thread would abort the app
        (the trainer checks for stop between batches, so the wait is at most about one batch)."""
        if self._worker is None:
            return True
        self._trainer.stop()  # also wakes a paused trainer
        on_time = self._runner.wait(max(1, int(timeout_s * 1000)))
        if not on_time:
            self._runner.wait()
        self._runner.cancel()  # the run's end is taken care of here
        self._release_run()
        # Deliver (and so drop) what the worker queued before it ended, while Python can still
        # release it: left in Qt's queue, it would be destroyed after the interpreter at exit.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        if self._state.is_active:
            self._set_state(RunState.STOPPED)
        return on_time

    # -- worker signals (queued to the GUI thread) ---------------------------------------------
    @Slot(object)
    def _on_snapshot(self, snapshot: Snapshot) -> None:
        worker = self.sender()
        if worker is None or worker is not self._worker:
            return  # from a run that has already been shut down
        self._latest = snapshot
        running = snapshot.state == RunState.RUNNING
        if not running:
            # What the GUI thread does while the run stands still (the user browsing, another
            # computation) is no part of showing snapshots: sampling starts again after it.
            self._cpu_mark = None
        self.snapshotReady.emit(snapshot)
        cost = self._measure_frame_cost() if running else self.frame_cost_s
        worker.acknowledge_snapshot(cost / self.drawing_budget, self.display_requests())

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        if self._worker is None or self.sender() is not self._worker:
            return
        self._set_state(RunState.DIVERGED)
        self.diverged.emit(message)

    @Slot(object)
    def _on_run_ended(self, _result=None) -> None:
        if self._worker is None:
            return
        self._release_run()
        final = self._latest.state if self._latest is not None else RunState.STOPPED
        self._set_state(RunState.FINISHED if final == RunState.FINISHED else RunState.STOPPED)
        self.finished.emit()

    # -- internals ---------------------------------------------------------------------------
    def _measure_frame_cost(self) -> float:
        """GUI-thread CPU time between consecutive snapshots: what showing one costs, painting
        included (painting happens after the slot returns). The mean of the recent frames
        without the few costliest: a one-off (an epoch's evaluation report, a dialog) must not
        slow the frames down for seconds. Long gaps (a pause) are skipped, since the CPU time
        in them was spent on other things."""
        cpu, wall = time.thread_time(), time.perf_counter()
        if self._cpu_mark is not None and wall - self._cpu_mark[1] < MAX_FRAME_SAMPLE_GAP_S:
            self._frame_costs.append(cpu - self._cpu_mark[0])
            kept = sorted(self._frame_costs)[: max(1, len(self._frame_costs) - FRAME_COST_OUTLIERS)]
            self.frame_cost_s = sum(kept) / len(kept)
        self._cpu_mark = (cpu, wall)
        return self.frame_cost_s

    def _release_run(self) -> None:
        """Forget the (finished) worker; the trainer and last snapshot stay. The worker is
        deleted with its Python reference, only after its loop has ended, so signals it queued
        before finishing still identify it as their sender."""
        self._runner.wait()
        self._worker = None

    def _discard_run(self) -> None:
        self._release_run()
        self._trainer = None
        self._latest = None

    def _set_state(self, state: RunState) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)

