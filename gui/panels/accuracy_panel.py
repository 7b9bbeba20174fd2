"""Train and test accuracy after every evaluation, with the latest values in large type.

Accuracies change once per epoch, so a snapshot with the same evaluations as the last one
changes nothing here (not even a repaint)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..widgets.colormaps import TEST_COLOUR, TRAIN_COLOUR, text_colour, translucent
from ..widgets.compact_views import CompactPlotWidget
from .epoch_plot import AXIS_WIDTH, EpochPlotPanel  # noqa: F401  (AXIS_WIDTH: re-exported)

NO_VALUE_TEXT = "\u2013"


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
            "Train", "trainAccuracyLabel", TRAIN_COLOUR.name(),
            "Share of training images classified correctly at the last evaluation "
            "(scored on a fixed subset of the training set).")
        self.test_label = self._big_label(
            "Test", "testAccuracyLabel", TEST_COLOUR.name(),
            "Share of test images, never used for training, classified correctly at the last "
            "evaluation. This is the honest measure of how well the network generalises.")

        self.plot = CompactPlotWidget((480, 260), background=None)
        self.plot.setObjectName("accuracyPlot")
        self.plot.setToolTip(
            "Accuracy in percent after each epoch. A growing gap between train and test "
            "means the network is memorising the training images (overfitting).")
        plot_item = self._set_up_epoch_plot("accuracy (%)", (0.0, 100.0), (240, 140))
        plot_item.vb.sigRangeChanged.connect(self._update_grid)
        # Accuracy cannot leave 0..100 %, so neither may zooming or auto-range.
        plot_item.vb.setLimits(yMin=0.0, yMax=100.0)
        plot_item.addLegend(offset=(-8, -8), labelTextColor=text_colour(self),
                            brush=pg.mkBrush(translucent(self.palette().window().color(), 200)))
        self.train_curve = plot_item.plot(
            pen=pg.mkPen(TRAIN_COLOUR, width=2), symbol="o", symbolSize=7,
            symbolPen=pg.mkPen(TRAIN_COLOUR), symbolBrush=pg.mkBrush(TRAIN_COLOUR), name="train")
        self.test_curve = plot_item.plot(
            pen=pg.mkPen(TEST_COLOUR, width=2), symbol="s", symbolSize=7,
            symbolPen=pg.mkPen(TEST_COLOUR), symbolBrush=pg.mkBrush(TEST_COLOUR), name="test")
        self._add_cursor(plot_item)

        labels = QHBoxLayout()
        labels.setContentsMargins(6, 2, 6, 0)
        labels.addWidget(self.train_label)
        labels.addSpacing(24)
        labels.addWidget(self.test_label)
        labels.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(labels)
        layout.addWidget(self.plot, 1)

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

    def _big_label(self, split: str, object_name: str, colour: str, tooltip: str) -> QLabel:
        label = QLabel(accuracy_text(split, None))
        label.setObjectName(object_name)
        font = QFont(label.font())
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        label.setFont(font)
        label.setStyleSheet(f"color: {colour};")
        label.setToolTip(tooltip)
        # Room for the widest value, so a new value never re-lays out the panel.
        metrics = label.fontMetrics()
        label.setFixedSize(metrics.horizontalAdvance(accuracy_text(split, 1.0)) + 8, metrics.height() + 4)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return label
