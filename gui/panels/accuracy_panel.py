"""Train and test accuracy after every evaluation, with the latest values in large type.

Accuracies change once per epoch, so a snapshot with the same evaluations as the last one
changes nothing here (not even a repaint)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QBoxLayout, QLabel, QSpacerItem, QWidget

from ..widgets.colormaps import (
    TEST_SYMBOL,
    TRAIN_SYMBOL,
    series_colours,
    series_pen,
    text_colour,
    translucent,
)
from ..widgets.compact_views import CompactPlotWidget
from .epoch_plot import AXIS_WIDTH, EpochPlotPanel  # noqa: F401  (AXIS_WIDTH: re-exported)

NO_VALUE_TEXT = "\u2013"
BIG_TEXT_SCALE = 1.5
"""The latest accuracies' size against the panel's text: large, yet both fit a panel 340 px wide."""
TOP_LABEL_ROOM = 9
"""Pixels above the plot, where the top tick label's upper half is drawn."""
PLOT_MIN_WIDTH = 240
PLOT_MIN_WIDTH_BESIDE = 120
PLOT_MIN_HEIGHT = 118
"""The plot's least height under the readout: with it, the panel's is 140 px."""
PLOT_MIN_HEIGHT_BESIDE = 112
"""The plot's least height with the readout beside it: room for its axis' title."""
SIDE_READOUT_MIN_PLOT_WIDTH = 300
"""The plot's least width for the latest values to stand beside it rather than above it."""
READOUT_MARGIN = 6
READOUT_SPACING = 12
"""Pixels between the two values side by side."""


def accuracy_text(split: str, accuracy_fraction: float | None) -> str:
    """E.g. "Test 97.84 %", or "Test –" before the first evaluation."""
    if accuracy_fraction is None or not np.isfinite(accuracy_fraction):
        return f"{split} {NO_VALUE_TEXT}"
    return f"{split} {100.0 * accuracy_fraction:.2f} %"


def accuracy_ranges(epoch: np.ndarray, percents: list[np.ndarray]) -> tuple[tuple, tuple]:
    """(x, y) view ranges showing every evaluation with a margin, y never beyond 0..100 %."""
    values = np.concatenate([p[np.isfinite(p)] for p in percents]) if percents else np.empty(0)
    if epoch.size == 0 or values.size == 0:
        return (0.0, 1.0), (0.0, 100.0)
    x0, x1 = float(epoch.min()), float(epoch.max())
    x_margin = max(0.25, 0.05 * (x1 - x0))
    low, high = float(values.min()), float(values.max())
    y_margin = 0.15 * max(high - low, 0.5)
    return (x0 - x_margin, x1 + x_margin), (max(0.0, low - y_margin), min(100.0, high + y_margin))


class AccuracyPanel(EpochPlotPanel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accuracyPanel")
        self._shown: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

        self.train_label = self._big_label(
            "Train", "trainAccuracyLabel",
            "Share of training images classified correctly at the last evaluation "
            "(scored on a fixed subset of the training set).")
        self.test_label = self._big_label(
            "Test", "testAccuracyLabel",
            "Share of test images, never used for training, classified correctly at the last "
            "evaluation. This is the honest measure of how well the network generalises.")

        self.plot = CompactPlotWidget((480, 260), background=None)
        self.plot.setObjectName("accuracyPlot")
        self.plot.setToolTip(
            "Accuracy in percent after each epoch. A growing gap between train and test "
            "means the network is memorising the training images (overfitting).")
        plot_item = self._set_up_epoch_plot("accuracy (%)", (0.0, 100.0), (PLOT_MIN_WIDTH, PLOT_MIN_HEIGHT))
        plot_item.vb.sigRangeChanged.connect(self._update_grid)
        # Accuracy cannot leave 0..100 %, so neither may zooming or auto-range.
        plot_item.vb.setLimits(yMin=0.0, yMax=100.0)
        # The "100" tick label is centred on the top edge of the plot: room above for its upper half.
        left, _top, right, bottom = plot_item.layout.getContentsMargins()
        plot_item.layout.setContentsMargins(left, TOP_LABEL_ROOM, right, bottom)
        # In the bottom-right corner, on one line: accuracies rise, so the curves end at the top.
        # Train and test differ in line and marker too (solid and round, dashed and square).
        self.legend = plot_item.addLegend(offset=(-8, -8), colCount=2)
        self.train_curve = plot_item.plot(symbol=TRAIN_SYMBOL, symbolSize=7, name="train")
        self.test_curve = plot_item.plot(symbol=TEST_SYMBOL, symbolSize=7, name="test")
        self._add_cursor(plot_item)
        self.restyle()

        # The latest values above the plot in a narrow panel; beside it, one above the other,
        # where the panel is wide enough: there they take no height from the plot (see resizeEvent).
        self._readout = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._readout.addWidget(self.train_label)
        self._readout.addSpacing(READOUT_SPACING)
        self._readout.addWidget(self.test_label)
        self._readout.addStretch(1)
        self._layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)  # the plot's room above its top tick label parts it from the readout
        self._layout.addLayout(self._readout)
        self._layout.addWidget(self.plot, 1)
        self._readout_beside = None
        self._place_readout(beside=False)

    @property
    def readout_beside_plot(self) -> bool:
        """True while the latest values stand beside the plot (a wide panel), False above it."""
        return bool(self._readout_beside)

    def fit_readout(self, width: int) -> None:
        """Put the latest values where they go in a panel `width` px wide: beside the plot if
        it is wide enough, else above it (done at every resize; call it to know the panel's
        minimum height for a width it has yet to get)."""
        # On the width alone, which the change does not bring under the threshold: no flip-flop.
        self._place_readout(width >= self._beside_min_width())

    def resizeEvent(self, event) -> None:
        self.fit_readout(event.size().width())
        super().resizeEvent(event)

    def _beside_min_width(self) -> int:
        readout = max(self.train_label.width(), self.test_label.width())
        return SIDE_READOUT_MIN_PLOT_WIDTH + readout + 2 * READOUT_MARGIN

    def _place_readout(self, beside: bool) -> None:
        if beside == self._readout_beside:
            return
        self._readout_beside = beside
        if beside:
            # Plot on the left (its axis in line with the loss plot's), the values at its right.
            self._layout.setDirection(QBoxLayout.Direction.RightToLeft)
            self._readout.setDirection(QBoxLayout.Direction.TopToBottom)
            self._readout.setContentsMargins(READOUT_MARGIN, TOP_LABEL_ROOM, READOUT_MARGIN, 0)
            self._readout_gap().changeSize(0, 0)
            # No wider a minimum than with the values above: the window may then narrow until
            # the panel is narrow enough for them to go there.
            self.plot.setMinimumSize(PLOT_MIN_WIDTH_BESIDE, PLOT_MIN_HEIGHT_BESIDE)
        else:
            self._layout.setDirection(QBoxLayout.Direction.TopToBottom)
            self._readout.setDirection(QBoxLayout.Direction.LeftToRight)
            self._readout.setContentsMargins(READOUT_MARGIN, 0, READOUT_MARGIN, 0)
            self._readout_gap().changeSize(READOUT_SPACING, 0)
            self.plot.setMinimumSize(PLOT_MIN_WIDTH, PLOT_MIN_HEIGHT)
        self._layout.activate()  # the panel's minimum size now, not at the next event loop pass
        self.updateGeometry()

    def _readout_gap(self) -> QSpacerItem:
        return self._readout.itemAt(1).spacerItem()

    def content_key(self, snapshot):
        # Accuracies change once per epoch; redrawing the unchanged plot for every snapshot
        # would cost a large share of each frame.
        epochs = snapshot.epochs
        return tuple(epochs.get("train_accuracy", ())), tuple(epochs.get("test_accuracy", ()))

    def show_snapshot(self, snapshot) -> None:
        epochs = snapshot.epochs
        epoch = np.asarray(epochs.get("epoch", ()), dtype=np.float64)
        train = np.asarray(epochs.get("train_accuracy", ()), dtype=np.float64)
        test = np.asarray(epochs.get("test_accuracy", ()), dtype=np.float64)
        if self._shown is not None and all(np.array_equal(a, b) for a, b in zip(self._shown, (epoch, train, test))):
            return
        self._shown = (epoch, train, test)
        self.train_curve.setData(epoch, 100.0 * train)
        self.test_curve.setData(epoch, 100.0 * test)
        x_range, y_range = accuracy_ranges(epoch, [100.0 * train, 100.0 * test])
        self.plot.getPlotItem().vb.setRange(xRange=x_range, yRange=y_range, padding=0.0)
        self.train_label.setText(accuracy_text("Train", train[-1] if train.size else None))
        self.test_label.setText(accuracy_text("Test", test[-1] if test.size else None))

    def restyle(self) -> None:
        colours = series_colours()
        for curve, colour, test in ((self.train_curve, colours.train, False), (self.test_curve, colours.test, True)):
            curve.setPen(series_pen(colour, test=test))
            curve.setSymbolPen(pg.mkPen(colour))
            curve.setSymbolBrush(pg.mkBrush(colour))
        for label, colour in ((self.train_label, colours.train), (self.test_label, colours.test)):
            label.setStyleSheet(f"color: {colour.name()};")
        self.legend.setLabelTextColor(text_colour(self))
        for _sample, label in self.legend.items:
            label.setText(label.text)  # pyqtgraph only notes the colour for the next text
        self.legend.setBrush(pg.mkBrush(translucent(self.palette().window().color(), 200)))
        self.legend.update()

    def _big_label(self, split: str, object_name: str, tooltip: str) -> QLabel:
        label = QLabel(accuracy_text(split, None))
        label.setObjectName(object_name)
        font = QFont(label.font())
        font.setPointSizeF(font.pointSizeF() * BIG_TEXT_SCALE)
        font.setBold(True)
        label.setFont(font)
        label.setToolTip(tooltip)
        # Room for the widest value, so a new value never re-lays out the panel.
        metrics = label.fontMetrics()
        label.setFixedSize(metrics.horizontalAdvance(accuracy_text(split, 1.0)) + 8, metrics.height() + 2)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return label
