"""Running work off the GUI thread: the studio's one idiom for it.

`BackgroundTask` runs functions on a thread of its own and hands their results (or a one-line
description of their exception) back on the GUI thread. Only the most recent request counts:
results of requests superseded while they ran are dropped, and requests still waiting to start
are cancelled, so a burst of changes costs one computation, not one per change. `cancel` drops
the current one too. Panels, the dataset loaders, the evaluation and the training run all use it.
"""
from __future__ import annotations

import functools
import traceback
from typing import Callable

from PySide6.QtCore import QObject, QThreadPool, Signal


class _Relay(QObject):
    """Carries results from the worker thread; its queued signals reach the GUI thread."""

    delivered = Signal(int, object)
    failed = Signal(int, str)


class BackgroundTask(QObject):
    """One worker thread running the latest of the functions passed to `run`."""

    finished = Signal(object)
    """The return value of the latest function (emitted on the GUI thread)."""
    failed = Signal(str)
    """A one-line description of the exception the latest function raised."""
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The pool is created before the relay, so it is destroyed first: its destructor waits
        # for a running function, whose result then still has a live relay to travel through.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.delivered.connect(self._on_delivered)
        self._relay.failed.connect(self._on_failed)
        self._requested = 0
        self._answered = 0
        self._running = False

    @property
    def busy(self) -> bool:
        """True from `run` until the latest function's result (or error) has been emitted."""
        return self._answered != self._requested

    def run(self, function: Callable[[], object]) -> None:
        """Call `function()` on the worker thread; it must not touch any widget."""
        was_busy = self.busy
        self._pool.clear()  # drop superseded requests that have not started
        self._requested += 1
        self._pool.start(functools.partial(self._execute, self._requested, function))
        if not was_busy:
            self.busyChanged.emit(True)

    @property
    def running(self) -> bool:
        """True while a function executes on the worker thread (superseded ones included)."""
        return self._running

    def cancel(self) -> None:
        """Forget the current request: one waiting is dropped, a running one's result or error is
        ignored (stopping it is for its owner, e.g. through a flag it checks)."""
        self._pool.clear()
        was_busy = self.busy
        self._requested += 1
        self._answered = self._requested
        if was_busy:
            self.busyChanged.emit(False)

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker is idle (for tests and shutdown); queued results still
        arrive through the event loop afterwards."""
        return self._pool.waitForDone(msecs)

    def _execute(self, request: int, function: Callable[[], object]) -> None:
        self._running = True
        try:
            result = function()
        except Exception as error:  # reported to the GUI, which shows it instead of crashing
            traceback.print_exc()
            self._running = False
            self._relay.failed.emit(request, f"{type(error).__name__}: {error}")
        else:
            self._running = False
            self._relay.delivered.emit(request, result)

    def _on_delivered(self, request: int, result: object) -> None:
        if self._answer(request):
            self.finished.emit(result)

    def _on_failed(self, request: int, message: str) -> None:
        if self._answer(request):
            self.failed.emit(message)

    def _answer(self, request: int) -> bool:
        """True if `request` is the latest: it is answered now."""
        if request != self._requested:
            return False
        self._answered = request
        self.busyChanged.emit(False)
        return True
