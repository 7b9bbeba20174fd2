"""What the studio shows, in one Qt-side object that views subscribe to.

The window puts things here; panels connect to the signals of what they show and draw it when
they are on screen (see gui.widgets.panel_base). Nothing here trains or computes: the snapshot
is the engine's immutable copy, the report comes from a background evaluation, and the edited
network is the Lab's copy. Setting a value that is already there (the same object) emits nothing.

The session's training runs are kept here too (`runs`, an engine.runs.RunsList, changed only
through the methods below so that `runsChanged` always follows), and the pair of runs the Compare
view has chosen (`comparison`), which the drawing pad answers with as well.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shiboken6
from PySide6.QtCore import QObject, Signal

from engine.analysis.lab import EditedCopy, LabEdits
from engine.network import Network
from engine.runs import Run, RunsList
from engine.snapshot import RunState, Snapshot

from .widgets.throttle import RenderQueue
from .widgets.visibility import on_screen


@dataclass(frozen=True, eq=False)
class RunPair:
    """Two runs side by side, each shown at `epoch` (fractional epochs; None: their final weights):
    `network_a` and `network_b` are the networks at that moment (engine.analysis.compare.network_at_epoch)."""
    run_a: Run
    run_b: Run
    network_a: Network
    network_b: Network
    epoch: float | None = None


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
    runsChanged = Signal()
    """A run was kept, opened, renamed, saved or deleted (`runs_revision` counts the changes)."""
    comparisonChanged = Signal(object)
    """The RunPair the Compare view shows (another pair or another epoch), or None."""

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
        self.runs = RunsList()
        """The session's runs, bounded in memory (engine.runs.RunsList); change it through the methods here."""
        self.runs_revision = 0
        self.comparison: RunPair | None = None
        self.render_queue = RenderQueue(self)
        self._display_requests: dict = {}  # view -> its gui.training.prepared request

    def request_display(self, view, request) -> None:
        """Have `request` (see gui.training.prepared; None: nothing) made with every snapshot of
        the run while `view` is on screen."""
        if request is None:
            self._display_requests.pop(view, None)
        else:
            self._display_requests[view] = request

    def display_requests(self) -> tuple:
        """The requests of the views on screen now (asked at every snapshot of the run)."""
        gone = [view for view in self._display_requests if not shiboken6.isValid(view)]
        for view in gone:  # a view closed and deleted since it asked
            del self._display_requests[view]
        return tuple(request for view, request in self._display_requests.items() if on_screen(view))

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

    # -- runs: each method does what it says and emits runsChanged, or raises and changes nothing --------
    def add_run(self, run: Run, path=None) -> Run:
        """Keep `run` (RunsList.add: renamed if its name is taken; older runs may be trimmed, see
        `runs.last_trim`) and return it as kept."""
        kept = self.runs.add(run, path)
        self._runs_changed()
        return kept

    def open_run(self, path) -> Run:
        """Add the run (or model) file at `path`; engine.modelio.ModelFileError ("PATH: problem")
        for a bad file, and then nothing changes."""
        kept = self.runs.open(path)
        self._runs_changed()
        return kept

    def save_run(self, name: str, path) -> Run:
        """Write the run called `name` to `path` atomically; OSError or KeyError change nothing."""
        saved = self.runs.save(name, path)
        self._runs_changed()
        return saved

    def rename_run(self, name: str, new_name: str) -> Run:
        """ValueError (an empty, too long or taken name) or KeyError, and nothing changes."""
        old = self.runs.get(name)
        renamed = self.runs.rename(name, new_name)
        pair = self.comparison
        if pair is not None and old in (pair.run_a, pair.run_b):  # the same run under its new name
            self.set_comparison(replace(pair, run_a=renamed if pair.run_a is old else pair.run_a,
                                        run_b=renamed if pair.run_b is old else pair.run_b))
        self._runs_changed()
        return renamed

    def delete_run(self, name: str) -> Run:
        deleted = self.runs.delete(name)
        pair = self.comparison
        if pair is not None and deleted in (pair.run_a, pair.run_b):
            self.set_comparison(None)
        self._runs_changed()
        return deleted

    def _runs_changed(self) -> None:
        self.runs_revision += 1
        self.runsChanged.emit()

    def compare(self, run_a: Run, run_b: Run, network_a: Network, network_b: Network,
                epoch: float | None = None) -> None:
        """Show runs A and B side by side, with their networks at `epoch` (see RunPair)."""
        self.set_comparison(RunPair(run_a, run_b, network_a, network_b, epoch))

    def set_comparison(self, pair: RunPair | None) -> None:
        if pair is not self.comparison:
            self.comparison = pair
            self.comparisonChanged.emit(pair)
