"""The curves of two compared runs on shared axes: loss and accuracy, by epoch or by wall-clock time.

Run A is solid with round markers, run B dashed with square ones, each in its own colour
(colormaps.run_pen), so colour is never the only clue; the legends name the runs. In each plot the
thick curve with markers is the test set's (loss, accuracy) and the thin one the training side (the
mini-batch loss, the training accuracy), as in the engine's HTML comparison report. A cursor line
per run marks the epoch of the Compare view's slider; by time, where each run had got to that epoch.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QBoxLayout, QWidget

from engine.analysis.compare import EPOCH_AXIS, TIME_AXIS

from ..widgets.colormaps import RUN_SYMBOLS, run_colours, run_pen, text_colour, translucent
from ..widgets.plot_widgets import plot_widget
from ..widgets.theme import follow_appearance

PLOTS = (
    ("loss", "Loss (thin: mini-batch)", "loss", (("batch_loss", False), ("test_loss", True))),
    ("accuracy", "Accuracy (thin: training)", "accuracy (%)", (("train_accuracy", False), ("test_accuracy", True))),
)
"""(name, title, y label, ((metric, is the thick test curve), ...)) of each plot."""
AXIS_LABELS = {EPOCH_AXIS: "epoch", TIME_AXIS: "time since the run's start (s)"}
SIDE_BY_SIDE_WIDTH = 520
"""Narrower than this, the two plots stand one above the other."""
THIN_ALPHA = 150
LEGEND_NAME_LENGTH = 18
"""Longer run names are cut short in the legends (the combo boxes above show them whole)."""


def percent(metric: str, values: np.ndarray) -> np.ndarray:
    return 100.0 * values if metric.endswith("accuracy") else values


def short_name(name: str, length: int = LEGEND_NAME_LENGTH) -> str:
    return name if len(name) <= length else name[: length - 1] + "\u2026"


def time_at_epoch(run, epoch: float) -> float | None:
    """Wall-clock seconds at which `run` reached `epoch` (interpolated between its epochs' ends), None
    for a run without recorded epochs."""
    h = run.history
    if not h.n_epochs:
        return None
    return float(np.interp(epoch, np.concatenate([[0.0], h.epoch]), np.concatenate([[0.0], h.elapsed])))


class CompareCurves(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareCurves")
        self.axis = EPOCH_AXIS
        self.comparison = None
        self.names = ("A", "B")
        self.epoch: float | None = None
        self.plots: dict[str, pg.PlotWidget] = {}
        self.curves: dict[tuple[str, int], pg.PlotDataItem] = {}
        """(metric, 0 for A or 1 for B) -> its curve."""
        self.cursors: dict[tuple[str, int], pg.InfiniteLine] = {}
        """(plot name, 0 or 1) -> the line marking the slider's epoch on that run's curves."""
        self.legends: dict[str, pg.LegendItem] = {}
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        for name, title, y_label, metrics in PLOTS:
            plot = plot_widget(self, f"compare{name.capitalize()}Plot",
                               f"{title.split(' (')[0]} of both runs: thick with markers on the test set, thin "
                               f"on the training side.",
                               (320, 210))
            plot.setMinimumSize(230, 190)
            item = plot.getPlotItem()
            item.setTitle(title)
            item.setLabel("left", y_label)
            # The legend under the axis, in the plot's own layout: inside, it would cover curves.
            legend = pg.LegendItem(colCount=2)
            # No say in the plot's width: long run names must not widen it past its place.
            legend.setMinimumWidth(0)
            item.layout.addItem(legend, 4, 1)
            self.legends[name] = legend
            for metric, thick in metrics:
                for which in (0, 1):
                    curve = pg.PlotDataItem(connect="finite")
                    item.addItem(curve)
                    curve.setZValue(2 if thick else 1)
                    self.curves[(metric, which)] = curve
            for which in (0, 1):
                line = pg.InfiniteLine(angle=90, movable=False)
                line.setZValue(3)
                line.setVisible(False)
                item.addItem(line, ignoreBounds=True)
                self.cursors[(name, which)] = line
            self.plots[name] = plot
            self._layout.addWidget(plot, 1)
        self.restyle()
        follow_appearance(self, self.restyle)

    def restyle(self) -> None:
        for (metric, which), curve in self.curves.items():
            thick = metric.startswith("test")
            curve.setPen(run_pen(which, 2.2 if thick else 1.0, 255 if thick else THIN_ALPHA))
            colour = run_colours()[which]
            curve.setSymbol(RUN_SYMBOLS[which] if thick else None)
            curve.setSymbolSize(6)
            curve.setSymbolPen(pg.mkPen(colour))
            curve.setSymbolBrush(pg.mkBrush(colour))
        for (_name, which), line in self.cursors.items():
            line.setPen(run_pen(which, 1.2))
        for legend in self.legends.values():
            legend.setLabelTextColor(text_colour(self))
            legend.setBrush(pg.mkBrush(translucent(self.palette().window().color(), 200)))
        self._name_curves()

    # -- what it shows ------------------------------------------------------------------------------
    def show_comparison(self, comparison, names: tuple[str, str]) -> None:
        """Draw the curves of an engine Comparison (None: none), the runs called `names` (A, B)."""
        self.comparison, self.names = comparison, tuple(names)
        self._draw_curves()
        self._name_curves()
        self.set_epoch(self.epoch)

    def set_axis(self, axis: str) -> None:
        if axis not in AXIS_LABELS:
            raise ValueError(f"unknown axis {axis!r}; choose {EPOCH_AXIS!r} or {TIME_AXIS!r}")
        self.axis = axis
        self._draw_curves()
        self.set_epoch(self.epoch)

    def set_epoch(self, epoch: float | None) -> None:
        """Mark `epoch` on both runs' curves (None: no mark, the runs are at their final weights)."""
        self.epoch = epoch
        runs = (None, None) if self.comparison is None else (self.comparison.run_a, self.comparison.run_b)
        for (_name, which), line in self.cursors.items():
            x = None
            if epoch is not None and runs[which] is not None:
                x = epoch if self.axis == EPOCH_AXIS else time_at_epoch(runs[which], epoch)
            line.setVisible(x is not None)
            if x is not None:
                line.setValue(x)

    def curve_data(self, metric: str, which: int) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the curve of `metric` of run A (0) or B (1) as plotted (accuracies in %)."""
        curve = self.curves[(metric, which)]
        x, y = curve.xData, curve.yData
        return (np.empty(0), np.empty(0)) if x is None else (np.asarray(x), np.asarray(y))

    def _draw_curves(self) -> None:
        pairs = None if self.comparison is None else (
            self.comparison.by_epoch if self.axis == EPOCH_AXIS else self.comparison.by_time)
        for (metric, which), curve in self.curves.items():
            if pairs is None:
                curve.setData([], [])
                continue
            pair = pairs[metric]
            x, y = (pair.x_a, pair.y_a) if which == 0 else (pair.x_b, pair.y_b)
            curve.setData(np.asarray(x, dtype=np.float64), percent(metric, np.asarray(y, dtype=np.float64)))
        for plot in self.plots.values():
            item = plot.getPlotItem()
            item.setLabel("bottom", AXIS_LABELS[self.axis])
            item.getAxis("bottom").resizeEvent()  # pyqtgraph centres a label only when its axis is resized
            item.enableAutoRange()

    def _name_curves(self) -> None:
        for name, _title, _label, metrics in PLOTS:
            legend = self.legends[name]
            legend.clear()
            thick = next(metric for metric, is_thick in metrics if is_thick)
            for which, letter in enumerate("AB"):
                legend.addItem(self.curves[(thick, which)], f"{letter}: {short_name(self.names[which])}")

    def resizeEvent(self, event) -> None:
        wide = event.size().width() >= SIDE_BY_SIDE_WIDTH
        self._layout.setDirection(QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom)
        super().resizeEvent(event)
