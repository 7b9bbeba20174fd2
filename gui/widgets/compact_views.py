"""pyqtgraph views with a modest size hint: pyqtgraph's default (600x480) would bloat any layout,
so each view says how large it would like to be."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

from .theme import follow_window_colour


class CompactPlotWidget(pg.PlotWidget):
    """A PlotWidget whose size hint is `size_hint` (width, height); other arguments as PlotWidget's."""

    _hint: QSize | None = None

    def __init__(self, size_hint: tuple[int, int], parent: QWidget | None = None, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self._hint = QSize(*size_hint)
        follow_window_colour(self)

    def sizeHint(self) -> QSize:
        return QSize(self._hint) if self._hint is not None else super().sizeHint()


class CompactLayoutWidget(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget on the window's colour (not pyqtgraph's black) whose size hint is
    `size_hint` (width, height)."""

    _hint: QSize | None = None

    def __init__(self, size_hint: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(None)
        self._hint = QSize(*size_hint)
        follow_window_colour(self)

    def sizeHint(self) -> QSize:
        return QSize(self._hint) if self._hint is not None else super().sizeHint()
