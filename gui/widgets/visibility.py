"""Whether a widget is really on screen.

QWidget.isVisible is not enough: Qt keeps the dock widgets behind a tab "visible" and moves them
out of the window instead of hiding them. A widget is on screen if it is visible and some of it
lies inside every ancestor up to its window (so not behind a tab, nor scrolled out of view).
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget


def on_screen(widget: QWidget) -> bool:
    if not widget.isVisible():
        return False
    area = QRect(QPoint(0, 0), widget.size())
    while not widget.isWindow() and widget.parentWidget() is not None:
        parent = widget.parentWidget()
        area = area.translated(widget.pos()).intersected(parent.rect())
        if area.isEmpty():
            return False
        widget = parent
    return not area.isEmpty()
