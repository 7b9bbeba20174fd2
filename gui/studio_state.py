"""What the studio shows, in one Qt-side object that views subscribe to.

The window puts things here; panels connect to the signals of what they show and draw it when
they are on screen (see gui.widgets.panel_base). Nothing here trains or computes: the snapshot
is the engine's immutable copy, the report comes from a background evaluation, and the edited
network is the Lab's copy. Setting a value that is already there (the same object) emits nothing.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.analysis.lab import EditedCopy, LabEdits
from engine.network import Network
from engine.snapshot import RunState, Snapshot

from .widgets.throttle import RenderQueue


class StudioState(QObject):
    snapshotChanged = Signal(object)
    """The Snapshot on screen changed (the run's latest, a timeline moment or the loaded model),
    or None when there is no network."""
    runStateChanged = Signal(object)
    """The RunState of the training run."""
    momentChanged = Signal(object)
    """The timeline stop on screen (an engine.timeline.TimelineStop), or None at Live."""
    probeChanged = Signal(object)
    """The drawing pad's 28x28 input in [0, 1], or None when the pad is empty."""
    editedNetworkChanged = Signal(object)
    """The Lab's edits changed (an engine.analysis.lab.LabEdits): `answering_network` is another."""
    datasetChanged = Signal(object)
    """The engine.data.Dataset in use."""
    reportChanged = Signal(object)
    """The latest engine.analysis.evaluation.EvaluationReport (of `report_snapshot` on `report_dataset`)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.snapshot: Snapshot | None = None
        self.run_state = RunState.IDLE
        self.moment = None
        self.probe: np.ndarray | None = None
        self.lab_edits: LabEdits | None = None
        self._edited = EditedCopy()
        self.dataset = None
        self.report = None
        self.report_snapshot: Snapshot | None = None
        self.report_dataset = None
        self.run_start_network: Network | None = None
        """The weights the current run started from (None without a run, or before its first snapshot)."""
        self._awaiting_run_start = False
        self._timeline_start: tuple | None = None  # (first stop, its network)
        self.render_queue = RenderQueue(self)

    def set_snapshot(self, snapshot: Snapshot | None) -> None:
        """Put `snapshot` on screen; always announced, since a view may have skipped the last one."""
        self.snapshot = snapshot
        if self._awaiting_run_start and snapshot is not None and snapshot.state != RunState.IDLE:
            self._awaiting_run_start = False
            self.run_start_network = snapshot.network
        self.snapshotChanged.emit(snapshot)
        self.render_queue.run()  # the first stale view draws now, the rest on later passes

    def set_run_state(self, state: RunState) -> None:
        state = RunState(state)
        if state != self.run_state:
            self.run_state = state
            self.runStateChanged.emit(state)

    def begin_run(self) -> None:
        """A new run starts: its first snapshot's network becomes the run's start."""
        self._awaiting_run_start = True

    def forget_run(self) -> None:
        self._awaiting_run_start = False
        self.run_start_network = None

    def start_network(self) -> Network | None:
        """The weights the run on screen started from: the run's own, or the first stop of a loaded
        model's timeline. The one reference for "change since start" views."""
        if self.run_state != RunState.IDLE:
            return self.run_start_network
        stops = self.snapshot.timeline if self.snapshot is not None else ()
        if not stops:
            return None
        if self._timeline_start is None or self._timeline_start[0] is not stops[0]:
            self._timeline_start = (stops[0], stops[0].network())
        return self._timeline_start[1]

    @property
    def network(self) -> Network | None:
        """The network on screen."""
        return None if self.snapshot is None else self.snapshot.network

    @property
    def answering_network(self) -> Network | None:
        """The network that answers the drawing pad: the Lab's edited copy of the network on
        screen while edits are active, otherwise that network."""
        network = self.network
        return None if network is None else self._edited.of(network, self.lab_edits)

    def set_moment(self, stop) -> None:
        if stop is not self.moment:
            self.moment = stop
            self.momentChanged.emit(stop)

    def set_probe(self, image: np.ndarray | None) -> None:
        self.probe = image
        self.probeChanged.emit(image)

    def set_lab_edits(self, edits: LabEdits | None) -> None:
        self.lab_edits = edits
        self.editedNetworkChanged.emit(edits)

    def set_dataset(self, dataset) -> None:
        if dataset is not self.dataset:
            self.dataset = dataset
            self.datasetChanged.emit(dataset)

    def set_report(self, report, snapshot: Snapshot, dataset) -> None:
        self.report, self.report_snapshot, self.report_dataset = report, snapshot, dataset
        self.reportChanged.emit(report)
