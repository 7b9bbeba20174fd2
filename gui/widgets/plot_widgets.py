"""Plots as the views use them: no context menu, no auto-range button, palette-coloured axes,
and (optionally) a modest size hint (gui.widgets.compact_views)."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from .colormaps import style_plot
from .compact_views import CompactPlotWidget
from .fields import named
from .theme import follow_window_colour


def plot_widget(owner: QWidget, object_name: str, tooltip: str = "", size_hint: tuple[int, int] | None = None,
                zoomable: bool = False) -> pg.PlotWidget:
    """A plot on a transparent background with axes in `owner`'s text colour, sized `size_hint`
    (width, height) if given; the mouse pans and zooms it only if `zoomable`."""
    plot = (follow_window_colour(pg.PlotWidget(background=None)) if size_hint is None
            else CompactPlotWidget(size_hint, background=None))
    named(plot, object_name, tooltip)
    plot.setMenuEnabled(False)
    if not zoomable:
        plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    style_plot(plot.getPlotItem(), owner)
    return plot
