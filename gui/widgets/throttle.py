"""Coalescing redraws: one idiom for every view that must not draw more often than it is worth.

`ThrottledRender` calls a view's render function at most once per `min_interval_s` for live
data (a running network), and at once for anything else. Requests that arrive while a render
is pending are merged into it, so a burst of snapshots or stroke segments costs one redraw.

`RenderQueue` draws a set of stale views one per pass of the event loop: each is then painted
on its own, and the window keeps answering input between views instead of freezing for a whole
frame. Views that the previous round had not reached yet go first.
"""
from __future__ import annotations

import time
from typing import Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer


class ThrottledRender(QObject):
    def __init__(self, render: Callable[[], None], min_interval_s: float = 0.0, delay_s: float = 0.0,
                 parent: QObject | None = None) -> None:
        """`render()` draws the view's newest data and calls `rendered()` first (so a render the
        view does on its own counts too); live requests wait at least `delay_s` (so the view is
        painted in another turn of the event loop than what arrived with the data) and come no
        sooner than `min_interval_s` after the last render."""
        super().__init__(parent)
        self._render = render
        self.min_interval_s = min_interval_s
        self.delay_s = delay_s
        self._last_render = float("-inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(render)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def request(self, live: bool = False, interval: bool = True) -> None:
        """Render now, or, for `live` data, once the delay and (unless not `interval`) the interval
        allow, merged with any render already pending."""
        if not live:
            self._render()
            return
        if not self._timer.isActive():
            since = time.perf_counter() - self._last_render
            wait = max(self.min_interval_s - since, self.delay_s) if interval else self.delay_s
            self._timer.start(max(1, int(wait * 1000)) if wait > 0 else 0)

    def rendered(self) -> None:
        """The view is drawing its newest data now: nothing stays pending."""
        self._timer.stop()
        self._last_render = time.perf_counter()


class RenderQueue(QObject):
    """Views (objects with `refresh() -> bool`, True when they drew) waiting to be brought up to date."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stale: list = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.run)

    def request(self, view) -> None:
        if view not in self._stale:
            self._stale.append(view)
        if not self._timer.isActive():
            self._timer.start()

    def run(self) -> None:
        """Draw the first stale view that needs it (views off screen are dropped: they catch up
        when they appear); the rest follow on later passes of the event loop."""
        while self._stale:
            view = self._stale.pop(0)
            # A view closed and deleted after asking (a dialog, a panel of a closed window) is dropped.
            if isinstance(view, QObject) and not shiboken6.isValid(view):
                continue
            if view.refresh():
                break
        if self._stale:
            self._timer.start()
        else:
            self._timer.stop()
