"""The bases of the studio's views: a panel is bound to the StudioState and draws what it shows
when it is on screen.

* `StatePanel`: bound to a gui.studio_state.StudioState; `refresh()` brings the view up to date
  if it is on screen, through the state's render queue (one view per pass of the event loop).
  Hidden views skip work and catch up when they reappear (the window calls `refresh`).
* `SnapshotPanel`: draws the snapshot on screen (`show_snapshot`), and is given the dataset
  first when `takes_dataset`.
* `ReportPanel`: draws the latest evaluation report (`show_report`).
* `BackgroundPanel`: a SnapshotPanel whose slow part runs on a gui.widgets.background.BackgroundTask,
  with a status line and a Recompute button; a subclass says what to compute (`background_job`)
  and how to show it (`show_result`, `show_status`).

A new view is a small subclass: it implements `show_snapshot` (or `show_report`) and, where its
content depends on less than the whole snapshot, `content_key`.

Every view follows the theme and palette choice (gui.widgets.theme): when either changes, the
plots styled with gui.widgets.colormaps recolour themselves, the view's `restyle()` recolours the
rest, and the view draws its content again (now, or when it is next on screen).
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from engine.snapshot import RunState

from .background import BackgroundTask
from .fields import button
from .labels import readout_label
from .theme import follow_appearance
from .visibility import on_screen


class StatePanel(QWidget):
    imageProbed = Signal(str, int, object)
    """(split, index, dataset): show that image in the activations view (see `probe`)."""

    takes_dataset = False
    """Given the state's dataset (`set_dataset`) before it draws, when it shows another."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = None
        self._shown_key = None
        follow_appearance(self, self._appearance_changed)

    def restyle(self) -> None:
        """Recolour what the view coloured itself from the palette or the palette choice (series
        colours, text items, maps of images it does not redraw): called after the theme or the
        palette choice changed, before the view draws its content again."""

    def _appearance_changed(self) -> None:
        self.restyle()
        self._shown_key = None  # whatever is on screen was drawn in the old colours
        self.request_refresh()

    def bind(self, state) -> None:
        """Subscribe to `state`; the view draws on its next refresh."""
        self.state = state
        self._connect(state)
        if self.takes_dataset:
            state.datasetChanged.connect(self.request_refresh)

    def probe(self, split: str, index: int) -> None:
        """Ask for image `index` of `split` ("train" or "test") of the dataset this view shows to
        become the activations view's input."""
        self.imageProbed.emit(split, int(index), getattr(self, "dataset", None))

    def _connect(self, state) -> None:
        raise NotImplementedError

    def request_refresh(self, *_) -> None:
        if self.state is not None:
            self.state.render_queue.request(self)

    def refresh(self, force: bool = False) -> bool:
        """Draw the state's current content if this view is on screen (or `force`) and does not
        show it yet; True if it drew."""
        if self.state is None or not (force or on_screen(self)):
            return False
        drew = False
        dataset = self.state.dataset
        if self.takes_dataset and dataset is not None and getattr(self, "dataset", None) is not dataset:
            self.set_dataset(dataset)
            drew = True
        key = self._current_key()
        if key is None or self._same(key, self._shown_key):
            return drew
        self._shown_key = key
        self._draw()
        return True

    def _current_key(self):
        raise NotImplementedError

    def _draw(self) -> None:
        raise NotImplementedError

    @staticmethod
    def _same(key, shown) -> bool:
        return key is shown or (isinstance(key, tuple) and isinstance(shown, tuple) and key == shown)


class SnapshotPanel(StatePanel):
    def _connect(self, state) -> None:
        state.snapshotChanged.connect(self.request_refresh)

    def content_key(self, snapshot):
        """What this view draws of `snapshot`; no redraw while it stays the same (identity, or
        equality for tuples). The snapshot itself by default."""
        return snapshot

    def _current_key(self):
        snapshot = self.state.snapshot
        return None if snapshot is None else self.content_key(snapshot)

    def _draw(self) -> None:
        snapshot = self.state.snapshot
        self.show_snapshot(snapshot)
        self.after_snapshot(snapshot)

    def show_snapshot(self, snapshot) -> None:
        raise NotImplementedError

    def after_snapshot(self, snapshot) -> None:
        """Called after show_snapshot when drawn from the state (e.g. to take the run's start)."""


class ReportPanel(StatePanel):
    def _connect(self, state) -> None:
        # At once, not through the render queue: a report comes once per epoch at most.
        state.reportChanged.connect(lambda _report: self.refresh())

    def _current_key(self):
        return self.state.report

    def _draw(self) -> None:
        self.show_report(self.state.report, self.state.report_dataset)

    def show_report(self, report, dataset) -> None:
        raise NotImplementedError


class BackgroundPanel(SnapshotPanel):
    """A snapshot view whose slow part runs on one background task (`task`), with a status line
    (`status_label`) and a Recompute button (`recompute_button`) that the subclass names, places
    and describes (`status_name`, `recompute_name`, ...).

    A new network starts a computation (`background_job`), except while training runs and a
    result is already on screen: recomputing for every streamed snapshot would compete with
    training for the CPU, so the status says the result is stale instead (`stale_note`) until the
    user presses Recompute. Only the latest request's result arrives (`show_result`); then
    `show_status` runs and `computed` is emitted. The button is enabled while the view has what it
    needs and nothing is being computed.
    """

    computed = Signal()
    """Emitted when a new result is on screen."""

    status_name = recompute_name = ""
    status_tooltip = recompute_tooltip = ""
    failure_text = "Could not compute: {}"
    """The status on failure; {} is the error's one-line description."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network = None
        self.step = 0
        self.source = ""
        """Where the weights on screen came from when they are not a run's (snapshot.source,
        e.g. "default.npz, 2,820 steps"); empty for a run's network."""
        self.dataset = None
        """The engine.data.Dataset (for views that `takes_dataset`)."""
        self.computed_step: int | None = None
        """The training step of the weights of the result on screen; None before the first."""
        self.computed_source = ""
        """`source` of the weights of the result on screen."""
        self.result = None
        """The result on screen (what `show_result` was given last), or None."""
        self._architecture = None
        self.status_label = readout_label(self.status_name, self.status_tooltip, "No network yet.")
        # Wrapped, not cut: the end of the line says which weights the result shows.
        self.status_label.setWordWrap(True)
        self.recompute_button = button("Recompute", self.recompute_name, self.recompute_tooltip)
        self.recompute_button.setEnabled(False)
        self.recompute_button.clicked.connect(self.compute)
        self.task = BackgroundTask(self)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.busyChanged.connect(lambda _busy: self._enable_recompute())

    # -- what a subclass implements ------------------------------------------------------------
    def take_network(self, network) -> None:
        """A new network is on screen (`new_architecture` already ran if its shape changed)."""

    def new_architecture(self, network) -> None:
        """The network on screen has other layer sizes than the last one: refill per-layer controls."""

    def background_job(self):
        """(status text, function) for the network on screen, or None if there is nothing to
        compute; function() runs on the worker thread and must not touch any widget."""
        raise NotImplementedError

    def show_result(self, result) -> None:
        raise NotImplementedError

    def show_status(self) -> None:
        """Say what the result on screen was computed from (see `stale_note`)."""

    def restyle(self) -> None:
        """Show the result again, in the new colours (a subclass adds what else it colours)."""
        if self.result is not None:
            self.show_result(self.result)

    # -- the common machinery ------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while a computation runs on the worker thread."""
        return self.task.busy

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker thread is idle (the result still arrives via the event loop)."""
        return self.task.wait(msecs)

    def shows(self, snapshot) -> bool:
        """True if `snapshot` holds the weights already on screen."""
        return snapshot.network is self.network

    def show_snapshot(self, snapshot) -> None:
        if self.shows(snapshot):
            return
        self.network, self.step = snapshot.network, snapshot.step
        self.source = getattr(snapshot, "source", "") or ""
        if self.network.layer_sizes != self._architecture:
            self._architecture = self.network.layer_sizes
            self.new_architecture(self.network)
        self.take_network(self.network)
        self._enable_recompute()
        if self.computed_step is None or snapshot.state != RunState.RUNNING:
            self.compute()
        else:
            self.show_status()

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        self.computed_step = None
        self._enable_recompute()
        if self.network is not None:
            self.compute()

    def compute(self) -> None:
        """Start computing for the network on screen on the worker thread."""
        if self.takes_dataset and self.dataset is None:
            self.status_label.setText("No dataset loaded: there are no test images to use.")
            return
        job = None if self.network is None else self.background_job()
        if job is None:
            return
        message, function = job
        step, source = self.step, self.source
        self.status_label.setText(message)
        self.task.run(lambda: (step, source, function()))

    @staticmethod
    def weights_name(step: int, source: str = "") -> str:
        """Where weights came from: `source` for a loaded model (e.g. "default.npz, 2,820 steps"),
        else the run's step ("step 1,234")."""
        return source if source else f"step {step:,}"

    def computed_weights(self) -> str:
        """What the status says the result on screen was computed with, e.g. "weights from
        default.npz, 2,820 steps" or "weights of step 1,234"; empty before the first result."""
        if self.computed_step is None:
            return ""
        name = self.weights_name(self.computed_step, self.computed_source)
        return f"weights from {name}" if self.computed_source else f"weights of {name}"

    def stale_note(self) -> str:
        """A sentence for the status while the weights on screen are newer than the result."""
        if self.computed_step == self.step and self.computed_source == self.source:
            return ""
        return f"  The weights have changed since ({self.weights_name(self.step, self.source)}): press Recompute."

    def _enable_recompute(self) -> None:
        ready = self.network is not None and not (self.takes_dataset and self.dataset is None)
        self.recompute_button.setEnabled(ready and not self.busy)

    def _on_finished(self, outcome) -> None:
        self.computed_step, self.computed_source, result = outcome
        self.result = result
        self.show_result(result)
        self.show_status()
        self.computed.emit()

    def _on_failed(self, message: str) -> None:
        self.status_label.setText(self.failure_text.format(message))
