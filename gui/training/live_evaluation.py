"""Keeping the test-set evaluation of the network on screen up to date without stalling the window.

A report (engine.analysis.evaluation.evaluation_report) is a forward pass over every test image, about
0.3 s on MNIST, so it runs on a worker thread with the snapshot's own network copy. It is due
for a newly loaded model, at the start of a run, after every epoch (the trainer's own evaluation
points) and for a new dataset. A due report is computed while a view of it is on screen, or as
soon as one appears, so hidden views cost nothing; `evaluate_now` computes one regardless.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal

from engine.analysis import evaluation_report
from engine.snapshot import RunState, Snapshot

from ..widgets.background import BackgroundTask


class LiveEvaluation(QObject):
    reportReady = Signal(object)
    """The new engine.analysis.evaluation.EvaluationReport (of `report_snapshot` on `report_dataset`)."""
    busyChanged = Signal(bool)
    failed = Signal(str)

    def __init__(self, is_watched: Callable[[], bool] = lambda: True, parent: QObject | None = None) -> None:
        """`is_watched()` tells whether a view of the report is on screen."""
        super().__init__(parent)
        self._is_watched = is_watched
        self.dataset = None
        self.report = None
        self.report_snapshot: Snapshot | None = None
        self.report_dataset = None
        self._shown: Snapshot | None = None   # the snapshot on screen
        self._point: Snapshot | None = None   # the last snapshot that was due for evaluation
        self._due: Snapshot | None = None     # due but not started yet
        self._task = BackgroundTask(self)
        self._task.finished.connect(self._on_finished)
        self._task.failed.connect(self.failed)
        self._task.busyChanged.connect(self.busyChanged)

    @property
    def busy(self) -> bool:
        return self._task.busy

    @property
    def pending(self) -> bool:
        """True if the report on screen is older than the latest evaluation point."""
        return self._due is not None or self.busy

    def is_current(self, snapshot: Snapshot | None, dataset) -> bool:
        """True if the report is of `snapshot`'s network on `dataset`."""
        return (self.report is not None and snapshot is not None and dataset is self.report_dataset
                and self.report_snapshot is not None and self.report_snapshot.network is snapshot.network)

    def bind(self, state) -> None:
        """Evaluate what `state` shows, on its dataset; each new report goes back into `state`."""
        state.snapshotChanged.connect(lambda snapshot: self.show_snapshot(snapshot) if snapshot is not None else None)
        state.datasetChanged.connect(self.set_dataset)
        self.reportReady.connect(lambda report: state.set_report(report, self.report_snapshot, self.report_dataset))

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        if self._shown is not None:
            self._due = self._shown
            self._start(force=False)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """The window shows `snapshot`; evaluate it if it is an evaluation point."""
        self._shown = snapshot
        if self._is_evaluation_point(snapshot):
            self._point = snapshot
            self._due = snapshot
            self._start(force=False)

    def evaluate_now(self) -> bool:
        """Evaluate the snapshot on screen now, watched or not; False if there is nothing to evaluate."""
        if self._shown is None or self.dataset is None:
            return False
        self._due = self._shown
        self._start(force=True)
        return True

    def refresh(self) -> None:
        """A view of the report appeared: start a due evaluation."""
        self._start(force=False)

    def accept_report(self, snapshot: Snapshot, dataset, report) -> None:
        """Take a report computed elsewhere (e.g. for an export) as the current one."""
        self.report, self.report_snapshot, self.report_dataset = report, snapshot, dataset
        if self._due is not None and self._due.network is snapshot.network:
            self._due = None
        self.reportReady.emit(report)

    def wait(self, msecs: int = -1) -> bool:
        return self._task.wait(msecs)

    # -- internals -------------------------------------------------------------------------
    def _is_evaluation_point(self, snapshot: Snapshot) -> bool:
        last = self._point
        if last is None:
            return True
        if snapshot.state == RunState.IDLE:
            return snapshot.network is not last.network  # a model was loaded or a run reset
        if last.state == RunState.IDLE or snapshot.step < last.step:
            return True  # a new run: its untrained network replaces what was shown
        return snapshot.epoch > last.epoch

    def _start(self, force: bool) -> None:
        snapshot, dataset = self._due, self.dataset
        if snapshot is None or dataset is None or not (force or self._is_watched()):
            return
        self._due = None
        self._task.run(lambda: (snapshot, dataset, evaluation_report(snapshot.network, dataset)))

    def _on_finished(self, outcome) -> None:
        snapshot, dataset, report = outcome
        if dataset is not self.dataset:
            return  # the dataset changed meanwhile; its own evaluation is due
        self.report, self.report_snapshot, self.report_dataset = report, snapshot, dataset
        self.reportReady.emit(report)
