"""The training-loss plot: every mini-batch loss, a smoothed trend, and the epoch summaries."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .colormaps import (
    TEST_COLOUR,
    TRAIN_COLOUR,
    TRAIN_EPOCH_COLOUR,
    style_plot,
    text_colour,
    translucent,
)

SMOOTHING_SPAN = 50
"""Points averaged (roughly) by the smoothed line: alpha = 2 / (span + 1), as for pandas' ewm(span)."""

# Powers of the decay within one block stay above this, so dividing by them stays exact enough.
_MIN_BLOCK_DECAY = 1e-12


def exponential_moving_average(values: np.ndarray, alpha: float) -> np.ndarray:
    """y[0] = x[0], y[t] = alpha x[t] + (1 - alpha) y[t-1], without a per-point Python loop.

    Within a block, y[j] = d^(j+1) y[-1] + alpha d^j cumsum(x[i] / d^i) with d = 1 - alpha;
    blocks are short enough that d^-i cannot overflow or lose precision. Non-finite values
    (a diverged batch) are skipped and stay NaN in the result."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    result = np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    x = values[finite]
    if x.size == 0:
        return result
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    decay = 1.0 - alpha
    if decay == 0.0:
        result[finite] = x
        return result
    block = max(1, int(np.log(_MIN_BLOCK_DECAY) / np.log(decay)))
    powers = decay ** np.arange(min(block, x.size))
    smoothed = np.empty_like(x)
    previous = x[0]
    for start in range(0, x.size, block):
        chunk = x[start:start + block]
        p = powers[: chunk.size]
        smoothed[start:start + chunk.size] = decay * p * previous + alpha * p * np.cumsum(chunk / p)
        previous = smoothed[start + chunk.size - 1]
    result[finite] = smoothed
    return result


class _LossPlot(pg.PlotWidget):
    def sizeHint(self) -> QSize:
        # pyqtgraph's default hint (600x480) would bloat any layout.
        return QSize(480, 300)


class LossPanel(QWidget):
    """Per-batch loss (raw and smoothed) and per-epoch train/test loss against fractional epochs."""

    def __init__(self, parent: QWidget | None = None, smoothing_span: int = SMOOTHING_SPAN) -> None:
        super().__init__(parent)
        self.setObjectName("lossPanel")
        self.smoothing_alpha = 2.0 / (smoothing_span + 1.0)
        self._batch_x = np.empty(0)
        self._batch_loss = np.empty(0)
        self._smoothed = np.empty(0)

        self.plot = _LossPlot(background=None)
        self.plot.setObjectName("lossPlot")
        self.plot.setToolTip(
            "Loss of every mini-batch as training goes on (x = epochs, fractional within an epoch). "
            "Lower is better. Dots: the mean training loss of each epoch (at its middle) and the "
            "loss on the test set after each epoch."
        )
        self.plot.setMinimumSize(240, 160)
        self.plot.setMenuEnabled(False)
        plot_item = self.plot.getPlotItem()
        style_plot(plot_item, self)
        plot_item.setLabel("bottom", "epoch")
        plot_item.setLabel("left", "loss")
        # Horizontal grid lines only: vertical ones cost paint time and add little.
        plot_item.showGrid(y=True, alpha=0.15)
        plot_item.addLegend(offset=(-8, 8), labelTextColor=text_colour(self),
                            brush=pg.mkBrush(translucent(self.palette().window().color(), 200)))

        self.raw_curve = plot_item.plot(
            pen=pg.mkPen(translucent(TRAIN_COLOUR, 70), width=1), name="mini-batch loss", connect="finite")
        self.smooth_curve = plot_item.plot(
            pen=pg.mkPen(TRAIN_COLOUR, width=2), name="smoothed (moving average)", connect="finite")
        self.train_epoch_curve = plot_item.plot(
            pen=pg.mkPen(TRAIN_EPOCH_COLOUR, width=1.5), symbol="o", symbolSize=7,
            symbolPen=pg.mkPen(TRAIN_EPOCH_COLOUR), symbolBrush=pg.mkBrush(TRAIN_EPOCH_COLOUR),
            name="train (mean over each epoch)")
        self.test_epoch_curve = plot_item.plot(
            pen=pg.mkPen(TEST_COLOUR, width=1.5), symbol="s", symbolSize=7,
            symbolPen=pg.mkPen(TEST_COLOUR), symbolBrush=pg.mkBrush(TEST_COLOUR), name="test (after each epoch)")

        for curve in (self.raw_curve, self.smooth_curve):
            # Long runs have many more points than the plot has pixels. Drawing only each
            # pixel column's min and max ("peak") looks the same and paints many times faster.
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        self._build_hover(plot_item)

        self.log_scale_check = QCheckBox("Log scale")
        self.log_scale_check.setObjectName("lossLogScale")
        self.log_scale_check.setToolTip(
            "Show the loss on a logarithmic axis, so late, small improvements stay visible "
            "next to the large early drop.")
        self.log_scale_check.toggled.connect(self._set_log_scale)

        self.smoothing_note = QLabel(f"Smoothed: exponential moving average over ~{smoothing_span} points")
        self.smoothing_note.setEnabled(False)  # dimmed: a footnote, not a control

        options = QHBoxLayout()
        options.setContentsMargins(4, 0, 4, 0)
        options.addWidget(self.log_scale_check)
        options.addStretch(1)
        options.addWidget(self.smoothing_note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(options)

    # ------------------------------------------------------------------ API

    def show_snapshot(self, snapshot) -> None:
        batch_x = np.asarray(snapshot.batch_x, dtype=np.float64)
        batch_loss = np.asarray(snapshot.batch_loss, dtype=np.float64)
        self._batch_x, self._batch_loss = batch_x, batch_loss
        self._smoothed = exponential_moving_average(batch_loss, self.smoothing_alpha)
        self.raw_curve.setData(batch_x, batch_loss)
        self.smooth_curve.setData(batch_x, self._smoothed)

        epochs = snapshot.epochs
        epoch = np.asarray(epochs.get("epoch", ()), dtype=np.float64)
        # The train loss is a mean over the whole epoch, so it belongs at the epoch's middle;
        # the test loss is measured once the epoch has ended.
        self.train_epoch_curve.setData(epoch - 0.5, np.asarray(epochs.get("train_loss", ()), dtype=np.float64))
        self.test_epoch_curve.setData(epoch, np.asarray(epochs.get("test_loss", ()), dtype=np.float64))
        if self._hover_epoch is not None:
            # The pointer has not moved but the points under it have: relabel in place.
            self.hover_epoch(self._hover_epoch)

    @property
    def log_scale(self) -> bool:
        return self.log_scale_check.isChecked()

    def hover_epoch(self, epoch: float) -> int | None:
        """Mark the batch point nearest to `epoch` and label it; returns its index (None if no data)."""
        n = self._batch_x.size
        if n == 0 or not np.isfinite(epoch):
            self._hide_hover()
            return None
        right = int(np.searchsorted(self._batch_x, epoch))
        candidates = [i for i in (right - 1, right) if 0 <= i < n]
        index = min(candidates, key=lambda i: abs(self._batch_x[i] - epoch))
        x, loss, smoothed = self._batch_x[index], self._batch_loss[index], self._smoothed[index]

        self._hover_epoch = epoch
        self._hover_marker.setData([x], [loss])
        self._hover_line.setPos(x)
        self.hover_text = f"epoch {x:.3f}\nloss {loss:.4g}\nsmoothed {smoothed:.4g}"
        self._hover_label.setText(self.hover_text)
        y_position = np.log10(loss) if self.log_scale and loss > 0 else loss
        (left, right_edge), _ = self.plot.getPlotItem().vb.viewRange()
        # Keep the label inside the plot: flip it to the left of the point in the right half.
        on_right_half = x > (left + right_edge) / 2
        self._hover_label.setAnchor((1.0, 1.0) if on_right_half else (0.0, 1.0))
        self._hover_label.setPos(x, y_position if np.isfinite(y_position) else 0.0)
        for item in (self._hover_marker, self._hover_line, self._hover_label):
            item.setVisible(True)
        return index

    # ------------------------------------------------------------- internals

    def _build_hover(self, plot_item: pg.PlotItem) -> None:
        self._hover_epoch: float | None = None
        self.hover_text = ""
        self._hover_line = pg.InfiniteLine(angle=90, movable=False,
                                           pen=pg.mkPen(translucent(text_colour(self), 110), width=1))
        self._hover_marker = pg.PlotDataItem(
            symbol="o", symbolSize=9, pen=None,
            symbolPen=pg.mkPen(text_colour(self), width=1.5), symbolBrush=pg.mkBrush(None))
        self._hover_label = pg.TextItem(color=text_colour(self), anchor=(0.0, 1.0),
                                        fill=pg.mkBrush(translucent(self.palette().window().color(), 220)))
        # ignoreBounds: hovering must never make the axes rescale.
        plot_item.addItem(self._hover_line, ignoreBounds=True)
        plot_item.addItem(self._hover_marker, ignoreBounds=True)
        plot_item.addItem(self._hover_label, ignoreBounds=True)
        for item in (self._hover_line, self._hover_marker, self._hover_label):
            item.setVisible(False)
            item.setZValue(10)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        view_box = self.plot.getPlotItem().vb
        if not view_box.sceneBoundingRect().contains(scene_position):
            self._hide_hover()
            return
        self.hover_epoch(view_box.mapSceneToView(scene_position).x())

    def _hide_hover(self) -> None:
        self._hover_epoch = None
        self.hover_text = ""
        for item in (self._hover_line, self._hover_marker, self._hover_label):
            item.setVisible(False)

    def leaveEvent(self, event) -> None:
        self._hide_hover()
        super().leaveEvent(event)

    def _set_log_scale(self, enabled: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=enabled)
        self._hide_hover()
