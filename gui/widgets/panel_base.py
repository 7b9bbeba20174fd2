"""The bases of the studio's views: a panel is bound to the StudioState and draws what it shows
when it is on screen.

* `StatePanel`: bound to a gui.studio_state.StudioState; `refresh()` brings the view up to date
  if it is on screen, through the state's render queue (one view per pass of the event loop).
  Hidden views skip work and catch up when they reappear (the window calls `refresh`).
* `SnapshotPanel`: draws the snapshot on screen (`show_snapshot`), and is given the dataset
  first when `takes_dataset`.
* `ReportPanel`: draws the latest evaluation report (`show_report`).
* `BackgroundPanel`: a SnapshotPanel whose slow part runs on a gui.widgets.background.BackgroundTask.

A new view is a small subclass: it implements `show_snapshot` (or `show_report`) and, where its
content depends on less than the whole snapshot, `content_key`.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ..widgets.background import BackgroundTask
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
    """A snapshot view with one background task (`self.task`): only the latest request's result
    arrives (`show_result`), and failures are shown by `show_failure`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = BackgroundTask(self)
        self.task.finished.connect(self.show_result)
        self.task.failed.connect(self.show_failure)
        self.task.busyChanged.connect(self.show_busy)

    def compute(self, function) -> None:
        """Run `function()` (pure: no widgets) on the task's thread; its result goes to show_result."""
        self.task.run(function)

    @property
    def busy(self) -> bool:
        return self.task.busy

    def wait(self, msecs: int = -1) -> bool:
        return self.task.wait(msecs)

    def show_result(self, result) -> None:
        raise NotImplementedError

    def show_failure(self, message: str) -> None:
        raise NotImplementedError

    def show_busy(self, busy: bool) -> None:
        """The task started or ended; a view may say so."""
