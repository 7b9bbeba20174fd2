"""Runs an engine Trainer on a background thread and reports its progress as snapshots.

`TrainingWorker` is a QObject whose `run` executes on a background thread (the session runs it
with a BackgroundTask). It drives `Trainer.run()` and turns the stream of events into
`snapshotReady(Snapshot)` signals, time-throttled so that the GUI thread never receives more
than it can draw, however fast training goes. It never touches a widget: snapshots are immutable copies, and the
GUI steers training through the trainer's own thread-safe methods. With each snapshot it makes the
display-ready data that the views on screen asked for (gui.training.prepared).
"""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal, Slot

from engine.history import TrainingHistory
from engine.snapshot import RunState, take_snapshot
from engine.timeline import Timeline
from engine.trainer import BatchEvent, DivergedEvent, EpochEvent, FinishedEvent, Trainer

from .prepared import prepare_all

DEFAULT_MAX_SNAPSHOTS_PER_S = 20.0
"""Enough for smooth animation; more would only cost drawing time and training speed. The
GUI asks for fewer when drawing them would take too much of its time (acknowledge_snapshot)."""


class TrainingWorker(QObject):
    snapshotReady = Signal(object)
    """A new engine.snapshot.Snapshot; call `acknowledge_snapshot` once it has been shown."""

    diverged = Signal(str)
    """The loss stopped being finite; the argument explains what happened and what to try.
    Training is paused with the last finite weights."""

    finished = Signal()
    """`run` has returned: the run completed or was stopped. Emitted from the worker thread."""

    def __init__(self, trainer: Trainer, history: TrainingHistory | None = None,
                 max_snapshots_per_s: float = DEFAULT_MAX_SNAPSHOTS_PER_S,
                 timeline: Timeline | None = None) -> None:
        super().__init__()
        self.trainer = trainer
        self.history = history if history is not None else TrainingHistory()
        # Float16 copies of the weights a few times per epoch (well under 1 ms each for the
        # default network), handed to the GUI in every snapshot for scrubbing back in time.
        self.timeline = timeline if timeline is not None else Timeline()
        # Made here, on the thread that starts the run: a stop requested from now on, even before
        # the loop takes its first event on its own thread, ends the run.
        self._events = trainer.run()
        self._last_loss = float("nan")
        self.min_snapshot_interval_s = 1.0 / max_snapshots_per_s
        # Set while the GUI has no unshown snapshot: routine snapshots wait for it, so a
        # busy GUI thread makes the worker send fewer, never queues a backlog.
        self._gui_ready = threading.Event()
        self._gui_ready.set()
        self._gap_s = self.min_snapshot_interval_s  # current spacing of routine snapshots
        self._last_snapshot_time = float("-inf")
        self._last_snapshot_step: int | None = None
        self._last_snapshot_state = ""
        self._elapsed_s = 0.0
        self._samples_per_s = 0.0
        self._display_requests: tuple = ()  # see gui.training.prepared
        self._failed_requests: list = []  # never tried again in this run (the training thread's own)
        self.snapshots_sent = 0

    def acknowledge_snapshot(self, next_gap_s: float = 0.0, display_requests: tuple | None = None) -> None:
        """Thread-safe: the GUI has taken the last snapshot and is ready for the next, which
        should come at least `next_gap_s` after the last one (never sooner than the rate limit),
        made with `display_requests` (unchanged if None)."""
        if display_requests is not None:
            self.set_display_requests(display_requests)
        self._gap_s = max(self.min_snapshot_interval_s, next_gap_s)
        self._gui_ready.set()

    def set_display_requests(self, requests: tuple) -> None:
        """Thread-safe: what the next snapshots' `prepared` data is made for (the views on screen)."""
        self._display_requests = tuple(requests)

    def _prepare(self, network) -> dict:
        requests = tuple(r for r in self._display_requests if not any(r is f for f in self._failed_requests))
        results, failed = prepare_all(requests, network)
        self._failed_requests += failed
        return results

    @Slot()
    def run(self) -> None:
        """Train until the run completes or the trainer is stopped (call from the worker thread)."""
        try:
            self._drive(self._events)
        finally:
            self.finished.emit()

    def _drive(self, events) -> None:
        trainer = self.trainer
        self.timeline.observe(trainer, self._last_loss)  # the weights the run starts from
        self._send(RunState.PAUSED if trainer.paused else RunState.RUNNING)
        while True:
            if trainer.paused and (self._last_snapshot_step != trainer.step
                                   or self._last_snapshot_state not in (RunState.PAUSED, RunState.DIVERGED)):
                # The trainer is about to block until resumed or stepped: show exactly
                # where it stopped, not the last throttled snapshot.
                self._send(RunState.PAUSED)
            was_paused = trainer.paused
            started = time.perf_counter()
            try:
                event = next(events)
            except StopIteration:
                return
            if not was_paused:
                # Time spent blocked while paused is not training time.
                self._elapsed_s += time.perf_counter() - started
            if isinstance(event, BatchEvent):
                self.history.add_batch(event.epoch_progress, event.loss)
                self._samples_per_s = event.samples_per_s
                self._last_loss = event.loss
                self.timeline.observe(trainer, event.loss)
                if trainer.paused:
                    self._send(RunState.PAUSED)  # a single step, or the last batch before a pause
                else:
                    self._send_if_due(RunState.RUNNING)
            elif isinstance(event, EpochEvent):
                self.history.add_epoch(event)
                self.timeline.observe(trainer, self._last_loss)
                if trainer.paused:
                    self._send(RunState.PAUSED)
                else:
                    # Throttled like any other: with a small training set epochs can end many
                    # times a second, and the next snapshot carries this epoch's results anyway.
                    self._send_if_due(RunState.RUNNING)
            elif isinstance(event, DivergedEvent):
                message = event.message
                self._send(RunState.DIVERGED, message=message)
                self.diverged.emit(message)
            elif isinstance(event, FinishedEvent):
                self.timeline.record_latest(trainer, self._last_loss)
                self._send(RunState.STOPPED if event.stopped else RunState.FINISHED)
                return

    def _send_if_due(self, state: str) -> None:
        if self._gui_ready.is_set() and time.perf_counter() - self._last_snapshot_time >= self._gap_s:
            self._send(state)

    def _send(self, state: str, message: str = "") -> None:
        snapshot = take_snapshot(self.trainer, self.history, state, elapsed_s=self._elapsed_s,
                                 samples_per_s=self._samples_per_s, message=message,
                                 timeline=self.timeline.stops,
                                 prepare=self._prepare if self._display_requests else None)
        self._last_snapshot_time = time.perf_counter()
        self._last_snapshot_step = self.trainer.step
        self._last_snapshot_state = state
        self._gui_ready.clear()
        self.snapshots_sent += 1
        self.snapshotReady.emit(snapshot)
