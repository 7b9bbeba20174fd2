"""What the accuracy and loss panels share: one plot against (fractional) epochs whose axes the
panel ranges itself, with horizontal grid lines and the timeline's cursor."""
from __future__ import annotations

import pyqtgraph as pg

from ..training.timeline_bar import TimelineCursor
from ..widgets.colormaps import HorizontalGrid, cache_axes, major_ticks, style_plot, text_colour
from ..widgets.panel_base import SnapshotPanel

AXIS_WIDTH = 44
"""Width of the left axis in pixels, fixed so that new tick labels never re-lay out the plot."""


class EpochPlotPanel(SnapshotPanel):
    """A snapshot view of `self.plot` against epochs: set it up with `_set_up_epoch_plot`, add the
    timeline's cursor with `_add_cursor`, and keep the grid lines with `_update_grid`."""

    plot: pg.PlotWidget
    grid: HorizontalGrid
    cursor: TimelineCursor

    def _set_up_epoch_plot(self, y_label: str, y_range: tuple[float, float], minimum_size: tuple[int, int],
                           si_prefix: bool = True) -> pg.PlotItem:
        """Style `self.plot` (epochs across, `y_label` up, no auto-range: x 0..1 and `y_range`
        until the panel ranges it) and give it horizontal grid lines (`self.grid`).
        `si_prefix` False writes plain numbers on the axes, never "(x0.001)"."""
        self.plot.setMinimumSize(*minimum_size)
        self.plot.setMenuEnabled(False)
        plot_item = self.plot.getPlotItem()
        style_plot(plot_item, self)
        plot_item.setLabel("bottom", "epoch")
        plot_item.setLabel("left", y_label)
        if not si_prefix:
            for axis in ("bottom", "left"):
                plot_item.getAxis(axis).enableAutoSIPrefix(False)
        cache_axes(plot_item)
        # A fixed axis width and ranges set here: new tick labels or data then never re-lay out
        # the plot, which would repaint all of it (and pyqtgraph's auto-range paints twice).
        plot_item.getAxis("left").setWidth(AXIS_WIDTH)
        plot_item.vb.disableAutoRange()
        plot_item.vb.setRange(xRange=(0.0, 1.0), yRange=y_range, padding=0.0)
        # Horizontal grid lines only, drawn as one cheap path (see colormaps.HorizontalGrid).
        self.grid = HorizontalGrid(text_colour(self))
        plot_item.addItem(self.grid, ignoreBounds=True)
        return plot_item

    def _add_cursor(self, plot_item: pg.PlotItem) -> None:
        """The mark of the moment the timeline shows (see `set_cursor`), above what is there."""
        self.cursor = TimelineCursor()
        plot_item.addItem(self.cursor, ignoreBounds=True)  # never rescales the axes

    def bind(self, state) -> None:
        super().bind(state)
        state.momentChanged.connect(lambda stop: self.set_cursor(None if stop is None else stop.epoch_progress))

    def set_cursor(self, epoch: float | None) -> None:
        """Mark the moment the timeline shows (fractional epochs), or hide the mark (None)."""
        self.cursor.show_at(epoch)

    @property
    def cursor_epoch(self) -> float | None:
        return self.cursor.epoch

    def _update_grid(self, *_args) -> None:
        plot_item = self.plot.getPlotItem()
        x_range, y_range = plot_item.vb.viewRange()
        self.grid.set_lines(major_ticks(plot_item.getAxis("left"), *y_range), x_range)
