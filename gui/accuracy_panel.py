"""Train and test accuracy after every evaluation, with the latest values in large type."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .colormaps import TEST_COLOUR, TRAIN_COLOUR, style_plot, text_colour, translucent

NO_VALUE_TEXT = "\u2013"


def accuracy_text(split: str, accuracy_fraction: float | None) -> str:
    """E.g. "Test 97.84 %", or "Test –" before the first evaluation."""
    if accuracy_fraction is None or not np.isfinite(accuracy_fraction):
        return f"{split} {NO_VALUE_TEXT}"
    return f"{split} {100.0 * accuracy_fraction:.2f} %"


class _AccuracyPlot(pg.PlotWidget):
    def sizeHint(self) -> QSize:
        # pyqtgraph's default hint (600x480) would bloat any layout.
        return QSize(480, 260)


class AccuracyPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accuracyPanel")

        self.train_label = self._big_label(
            "Train", "trainAccuracyLabel", TRAIN_COLOUR.name(),
            "Share of training images classified correctly at the last evaluation "
            "(scored on a fixed subset of the training set).")
        self.test_label = self._big_label(
            "Test", "testAccuracyLabel", TEST_COLOUR.name(),
            "Share of test images, never used for training, classified correctly at the last "
            "evaluation. This is the honest measure of how well the network generalises.")

        self.plot = _AccuracyPlot(background=None)
        self.plot.setObjectName("accuracyPlot")
        self.plot.setToolTip(
            "Accuracy in percent after each epoch. A growing gap between train and test "
            "means the network is memorising the training images (overfitting).")
        self.plot.setMinimumSize(240, 140)
        self.plot.setMenuEnabled(False)
        plot_item = self.plot.getPlotItem()
        style_plot(plot_item, self)
        plot_item.setLabel("bottom", "epoch")
        plot_item.setLabel("left", "accuracy (%)")
        # Horizontal grid lines only: vertical ones cost paint time and add little.
        plot_item.showGrid(y=True, alpha=0.15)
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

    def show_snapshot(self, snapshot) -> None:
        epochs = snapshot.epochs
        epoch = np.asarray(epochs.get("epoch", ()), dtype=np.float64)
        train = np.asarray(epochs.get("train_accuracy", ()), dtype=np.float64)
        test = np.asarray(epochs.get("test_accuracy", ()), dtype=np.float64)
        self.train_curve.setData(epoch, 100.0 * train)
        self.test_curve.setData(epoch, 100.0 * test)
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
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return label
