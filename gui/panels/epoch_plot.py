"""What the accuracy and loss panels share: one plot against (fractional) epochs whose axes the
panel ranges itself, with horizontal grid lines and the timeline's cursor."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from ..training.timeline_bar import TimelineCursor
from ..widgets.colormaps import HorizontalGrid, cache_axes, major_ticks, style_plot, text_colour
from ..widgets.panel_base import SnapshotPanel
from ..widgets.theme import themed

AXIS_WIDTH = 44
"""Width of the left axis in pixels, fixed so that new tick labels never re-lay out the plot."""
X_LABEL = "epoch"
X_LABEL_GAP = 6
"""Pixels between the x axis' name and the start of the axis."""


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
        plot_item.setLabel("left", y_label)
        self._label_x_axis_in_corner(plot_item)
        left, top, right, _bottom = plot_item.layout.getContentsMargins()
        plot_item.layout.setContentsMargins(left, top, right, 0)  # the tick labels need no more room
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
        self.grid = HorizontalGrid(self)
        plot_item.addItem(self.grid, ignoreBounds=True)
        return plot_item

    def _label_x_axis_in_corner(self, plot_item: pg.PlotItem) -> None:
        """Name the x axis ("epoch") at the start of its row of tick labels, in the empty corner
        under the left axis, rather than on a line of its own under them: that line would
        take some 18 px of height from every plot (`self.x_label`)."""
        axis = plot_item.getAxis("bottom")
        self.x_label = QGraphicsSimpleTextItem(X_LABEL, axis)
        self.x_label.setFont(axis.style["tickFont"] or axis.font())
        themed(self, self.x_label, lambda label: label.setBrush(text_colour(self)))
        self.x_label.setToolTip("The x axis: epochs of training, fractional within an epoch.")
        # Right-aligned a little left of the axis' start, on the tick labels' line (they are
        # drawn `tickTextOffset` below the axis line).
        width = self.x_label.boundingRect().width()
        self.x_label.setPos(-width - X_LABEL_GAP, axis.style["tickTextOffset"][1])

    def _add_cursor(self, plot_item: pg.PlotItem) -> None:
        """The mark of the moment the timeline shows (see `set_cursor`), above what is there."""
        self.cursor = TimelineCursor(self)
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
