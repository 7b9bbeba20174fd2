"""The training-loss plot: every mini-batch loss, a smoothed trend, and the epoch summaries.

The axes are ranged here, not by pyqtgraph's auto-range: it recomputes the data bounds and
repaints the plot twice for every update, about three times the cost of the update itself.
The ranges chosen here change in steps (the x axis grows to the next round number of epochs),
so the axes are redrawn only now and then. A user who zooms or pans keeps that view until
they ask to follow the training again (the Follow button, the plot's "A" button or a
double-click).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.snapshot import RunState

from ..widgets.colormaps import (
    TEST_SYMBOL,
    TRAIN_SYMBOL,
    cache_item,
    nice_ceiling,
    series_colours,
    series_pen,
    text_colour,
    translucent,
)
from ..widgets.compact_views import CompactPlotWidget
from ..widgets.fields import check_box, tool_button
from ..widgets.throttle import ThrottledRender
from .epoch_plot import AXIS_WIDTH, EpochPlotPanel  # noqa: F401  (AXIS_WIDTH: re-exported)

SMOOTHING_SPAN = 50
"""Points averaged (roughly) by the smoothed line: alpha = 2 / (span + 1), as for pandas' ewm(span)."""

# Powers of the decay within one block stay above this, so dividing by them stays exact enough.
_MIN_BLOCK_DECAY = 1e-12

X_HEADROOM = 1.04
MIN_X_END = 0.25
"""The x axis ends a little after the newest point, so the curve's tip is never on the frame."""
LIVE_DELAY_S = 0.01
"""Snapshots of a running network are drawn this much after they arrive (see show_snapshot)."""
TOP_MARGIN = 0.04
LOG_QUANTUM = 0.25
"""Log-scale y ranges end on multiples of a quarter decade, so they change only now and then."""
RAW_ALPHA = 70


def follow_ranges(batch_x: np.ndarray, values: list[np.ndarray], total_epochs: float | None,
                  log_y: bool) -> tuple[tuple[float, float], tuple[float, float]]:
    """(x range, y range) in view coordinates that show all of `values` against epochs.

    x runs from 0 to just past the newest point: a quarter, half or whole epoch during the
    first epoch, a round number of epochs after it, never past the run's last epoch. y runs
    from 0 to a round number above the largest loss, or, on a log axis, over the quarter
    decades holding every positive loss."""
    newest = float(batch_x[-1]) if batch_x.size else 0.0
    reach = newest * X_HEADROOM
    if newest <= 0.0:
        x_end = 1.0
    elif reach <= 1.0:
        # Within the first epoch: a quarter, a half, then the whole epoch. Few steps, so the
        # axes are redrawn rarely, yet the early drop of the loss is not squeezed to the left.
        x_end = max(MIN_X_END, 2.0 ** math.ceil(math.log2(reach)))
    else:
        x_end = nice_ceiling(reach)
    if total_epochs is not None and total_epochs > 0 and newest <= total_epochs:
        x_end = min(x_end, float(total_epochs))
    finite = [v[np.isfinite(v)] for v in values if v.size]
    finite = [v for v in finite if v.size]
    if log_y:
        positive = [v[v > 0] for v in finite]
        positive = [v for v in positive if v.size]
        if not positive:
            return (0.0, x_end), (-1.0, 1.0)
        low = math.log10(min(float(v.min()) for v in positive))
        high = math.log10(max(float(v.max()) for v in positive))
        low = math.floor(low / LOG_QUANTUM) * LOG_QUANTUM
        high = math.ceil(high / LOG_QUANTUM) * LOG_QUANTUM
        if high - low < LOG_QUANTUM:
            high = low + LOG_QUANTUM
        return (0.0, x_end), (low, high)
    top = max((float(v.max()) for v in finite), default=0.0)
    bottom = min((float(v.min()) for v in finite), default=0.0)
    y_top = nice_ceiling(top * 1.02) if top > 0 else 1.0
    y_bottom = 0.0 if bottom >= 0 else -nice_ceiling(-bottom * 1.02)
    return (0.0, x_end), (y_bottom, y_top)


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


class LossPanel(EpochPlotPanel):
    """Per-batch loss (raw and smoothed) and per-epoch train/test loss against fractional epochs."""

    def __init__(self, parent: QWidget | None = None, smoothing_span: int = SMOOTHING_SPAN) -> None:
        super().__init__(parent)
        self.setObjectName("lossPanel")
        self.smoothing_alpha = 2.0 / (smoothing_span + 1.0)
        self._batch_x = np.empty(0)
        self._batch_loss = np.empty(0)
        self._smoothed = np.empty(0)
        self._epoch_losses: tuple[np.ndarray, np.ndarray] = (np.empty(0), np.empty(0))
        self._total_epochs: float | None = None
        self._follow = True
        self._applied_range = None   # the last range set while following
        self._setting_range = False
        self._pending = None           # the snapshot to draw next
        self._throttle = ThrottledRender(self._render, delay_s=LIVE_DELAY_S, parent=self)

        self.plot = CompactPlotWidget((480, 300), background=None)
        self.plot.setObjectName("lossPlot")
        self.plot.setToolTip(
            "Loss of every mini-batch as training goes on (x = epochs, fractional within an epoch). "
            "Lower is better. Dots: the mean training loss of each epoch (at its middle) and the "
            "loss on the test set after each epoch. Scroll or drag to look closer; double-click "
            "to follow the training again."
        )
        # "epoch (x0.001)" early in a run reads as a different unit; plain numbers do not.
        plot_item = self._set_up_epoch_plot("loss", (0.0, 1.0), (240, 120), si_prefix=False)
        view_box = plot_item.vb

        self.raw_curve = plot_item.plot(connect="finite")
        # About one point per pixel column: a 2 px line is stroked point by point, and the
        # moving average has no detail finer than that anyway.
        self.smooth_curve = plot_item.plot(connect="finite", autoDownsampleFactor=1.0)
        # Train and test differ in line and marker too (solid and round, dashed and square).
        self.train_epoch_curve = plot_item.plot(symbol=TRAIN_SYMBOL, symbolSize=7)
        self.test_epoch_curve = plot_item.plot(symbol=TEST_SYMBOL, symbolSize=7)

        for epoch_curve in (self.train_epoch_curve, self.test_epoch_curve):
            # Changed once per epoch, yet under the per-batch curves' repaints every frame.
            cache_item(epoch_curve.curve)
            cache_item(epoch_curve.scatter)
            epoch_curve.setVisible(False)  # until the first epoch ends
        # Long runs have many more points than the plot has pixels. Drawing only each pixel
        # column's min and max ("peak") looks the same and paints many times faster.
        self.raw_curve.setDownsampling(auto=True, method="peak")
        self.smooth_curve.setDownsampling(auto=True, method="subsample")
        for curve in (self.raw_curve, self.smooth_curve):
            curve.setClipToView(True)
        self._build_hover(plot_item)
        self._add_cursor(plot_item)

        # The legend sits under the plot, where it can never hide a curve: one short line,
        # beside the plot's options, so the curves keep the height (the details in its tooltip).
        self.legend = QLabel()
        self.legend.setObjectName("lossLegend")
        self.legend.setToolTip(
            "<b>mini-batch loss</b>: the loss of every mini-batch as it was trained on<br>"
            f"<b>smoothed</b>: their exponential moving average over ~{smoothing_span} batches<br>"
            "<b>train</b>: the mean training loss over each epoch (drawn at its middle)<br>"
            "<b>test</b>: the loss on the test set after each epoch")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        # It wraps (under the options' height) only in a narrow panel.
        self.legend.setWordWrap(True)
        self.legend.setContentsMargins(4, 0, 4, 0)

        self.log_scale_check = check_box(
            "Log scale", "lossLogScale",
            "Show the loss on a logarithmic axis, so late, small improvements stay visible "
            "next to the large early drop.")
        self.log_scale_check.toggled.connect(self._set_log_scale)

        self.follow_button = tool_button(
            "Follow", "lossFollowButton",
            "Keep the whole run in view as training goes on. Zooming or panning turns this off; "
            "click here (or double-click the plot) to follow again.", checked=True)
        self.follow_button.toggled.connect(self.set_follow)

        self._below = QHBoxLayout()
        self._below.setContentsMargins(0, 0, 4, 0)
        self._below.setSpacing(4)
        self._below.addWidget(self.legend, 1)
        self._below.addWidget(self.log_scale_check)
        self._below.addWidget(self.follow_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(self._below)

        view_box.sigRangeChangedManually.connect(self._on_user_range_change)
        view_box.sigRangeChanged.connect(self._update_grid)
        # pyqtgraph's "A" button would switch its own auto-range on; here it means "follow".
        plot_item.autoBtn.clicked.disconnect()
        plot_item.autoBtn.clicked.connect(self._on_auto_button)
        self.plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._update_grid()
        self.restyle()

    def restyle(self) -> None:
        colours = series_colours()
        raw_colour = translucent(colours.train, RAW_ALPHA)
        self.raw_curve.setPen(pg.mkPen(raw_colour, width=1))
        self.smooth_curve.setPen(series_pen(colours.train))
        for curve, colour, test in ((self.train_epoch_curve, colours.train_epoch, False),
                                    (self.test_epoch_curve, colours.test, True)):
            curve.setPen(series_pen(colour, width=1.5, test=test))
            curve.setSymbolPen(pg.mkPen(colour))
            curve.setSymbolBrush(pg.mkBrush(colour))
        window, text = self.palette().window().color(), text_colour(self)
        self.legend.setText(" &nbsp; ".join((
            _legend_entry(_blend(raw_colour, window), "\u2501\u2501", "mini-batch loss"),
            _legend_entry(colours.train, "\u2501\u2501", "smoothed"),
            _legend_entry(colours.train_epoch, "\u2500\u25cf\u2500", "train"),
            _legend_entry(colours.test, "\u254c\u25a0\u254c", "test"),
        )))
        self._hover_line.setPen(pg.mkPen(translucent(text, 110), width=1))
        self._hover_marker.setSymbolPen(pg.mkPen(text, width=1.5))
        self._hover_label.setColor(text)
        self._hover_label.fill = pg.mkBrush(translucent(window, 220))

    # ------------------------------------------------------------------ API

    def show_snapshot(self, snapshot) -> None:
        self._pending = snapshot
        # While running, a moment later, in its own turn of the event loop: the window then paints
        # this plot separately from what the snapshot changes elsewhere (status bar, prediction).
        self._throttle.request(live=snapshot.state == RunState.RUNNING)

    def _render(self) -> None:
        self._throttle.rendered()
        snapshot, self._pending = self._pending, None
        if snapshot is None:
            return
        batch_x = np.asarray(snapshot.batch_x, dtype=np.float64)
        batch_loss = np.asarray(snapshot.batch_loss, dtype=np.float64)
        self._smoothed = self._smooth(batch_x, batch_loss)
        self._batch_x, self._batch_loss = batch_x, batch_loss
        self.raw_curve.setData(batch_x, batch_loss)
        self.smooth_curve.setData(batch_x, self._smoothed)

        epochs = snapshot.epochs
        epoch = np.asarray(epochs.get("epoch", ()), dtype=np.float64)
        train = np.asarray(epochs.get("train_loss", ()), dtype=np.float64)
        test = np.asarray(epochs.get("test_loss", ()), dtype=np.float64)
        previous_train, previous_test = self._epoch_losses
        if not (np.array_equal(train, previous_train) and np.array_equal(test, previous_test)):
            # The train loss is a mean over the whole epoch, so it belongs at the epoch's middle;
            # the test loss is measured once the epoch has ended.
            self.train_epoch_curve.setData(epoch - 0.5, train)
            self.test_epoch_curve.setData(epoch, test)
            self._epoch_losses = (train, test)
            # Hidden while empty: Qt still asks a visible symbol item for its bounds at every
            # repaint, which costs more than drawing the curves of the first epoch.
            self.train_epoch_curve.setVisible(train.size > 0)
            self.test_epoch_curve.setVisible(test.size > 0)
        config = getattr(snapshot, "config", None)
        self._total_epochs = float(config.epochs) if config is not None and config.epochs else None
        if self._follow:
            self._apply_follow_range()
        if self._hover_epoch is not None:
            # The pointer has not moved but the points under it have: relabel in place.
            self.hover_epoch(self._hover_epoch)

    @property
    def log_scale(self) -> bool:
        return self.log_scale_check.isChecked()

    @property
    def following(self) -> bool:
        """True while the axes follow the training (the user has not zoomed or panned)."""
        return self._follow

    def set_follow(self, follow: bool) -> None:
        """Follow the training (show the whole run as it grows), or keep the current view."""
        follow = bool(follow)
        if self.follow_button.isChecked() != follow:
            self.follow_button.setChecked(follow)  # comes back here through `toggled`
            return
        self._follow = follow
        if follow:
            self._applied_range = None
            self._apply_follow_range()

    def follow_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The (x, y) view range that follows the training, in view coordinates (log10 on a log axis)."""
        train, test = self._epoch_losses
        return follow_ranges(self._batch_x, [self._batch_loss, self._smoothed, train, test],
                             self._total_epochs, self.log_scale)

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

    def resizeEvent(self, event) -> None:
        self._fit_legend(event.size().width())
        super().resizeEvent(event)

    def _fit_legend(self, width: int) -> None:
        """Keep room under the plot for the lines the legend wraps to in a panel `width` px wide:
        the panel's minimum height (hence its dock's) comes from minimum sizes, which know
        nothing of wrapping, so the legend would otherwise be drawn over the plot's axis."""
        margins = self._below.contentsMargins()
        beside = sum(widget.sizeHint().width() for widget in (self.log_scale_check, self.follow_button))
        room = width - beside - 2 * self._below.spacing() - margins.left() - margins.right()
        least = self.legend.minimumHeight()
        self.legend.setMinimumHeight(0)  # a QLabel's height for a width is never under its minimum
        height = self.legend.heightForWidth(max(room, 1))
        self.legend.setMinimumHeight(height if height > 0 else least)

    def _smooth(self, batch_x: np.ndarray, batch_loss: np.ndarray) -> np.ndarray:
        """The moving average, computed only for the points added since the last call when
        the history has merely grown (it is thinned out now and then, which starts over)."""
        old_x, old_loss, old_smoothed = self._batch_x, self._batch_loss, self._smoothed
        n_old = old_x.size
        # The same history grown (not a new run, nor thinned out): both ends of the old points match.
        grown = (0 < n_old < batch_x.size and old_x[0] == batch_x[0] and old_x[-1] == batch_x[n_old - 1]
                 and old_loss[0] == batch_loss[0] and old_loss[-1] == batch_loss[n_old - 1])
        if grown and np.isfinite(old_smoothed).any():
            last = old_smoothed[np.isfinite(old_smoothed)][-1]
            tail = exponential_moving_average(np.concatenate(([last], batch_loss[n_old:])), self.smoothing_alpha)
            return np.concatenate((old_smoothed, tail[1:]))
        return exponential_moving_average(batch_loss, self.smoothing_alpha)

    def _apply_follow_range(self) -> None:
        target = self.follow_range()
        if target == self._applied_range:
            return
        self._applied_range = target
        (x0, x1), (y0, y1) = target
        self._setting_range = True
        try:
            # A little room above the top tick, so its label is not cut by the frame.
            self.plot.getPlotItem().vb.setRange(xRange=(x0, x1), yRange=(y0, y1 + TOP_MARGIN * (y1 - y0)),
                                                padding=0.0)
        finally:
            self._setting_range = False

    def _on_user_range_change(self, *_args) -> None:
        if not self._setting_range:
            self.set_follow(False)

    def _on_auto_button(self, *_args) -> None:
        self.plot.getPlotItem().autoBtn.hide()
        self.set_follow(True)

    def _on_mouse_clicked(self, event) -> None:
        view_box = self.plot.getPlotItem().vb
        if event.double() and view_box.sceneBoundingRect().contains(event.scenePos()):
            self.set_follow(True)

    def _build_hover(self, plot_item: pg.PlotItem) -> None:
        self._hover_epoch: float | None = None
        self.hover_text = ""
        self._hover_line = pg.InfiniteLine(angle=90, movable=False)
        self._hover_marker = pg.PlotDataItem(symbol="o", symbolSize=9, pen=None, symbolBrush=pg.mkBrush(None))
        self._hover_label = pg.TextItem(anchor=(0.0, 1.0))  # coloured by restyle
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
        # The old view is in the other axis' units: start following again.
        self._applied_range = None
        if self._follow:
            self._apply_follow_range()
        else:
            self.set_follow(True)


def _blend(colour: QColor, background: QColor) -> QColor:
    """The opaque colour `colour` (with its alpha) looks like over `background`."""
    a = colour.alphaF()
    return QColor.fromRgbF(*(a * c + (1 - a) * b for c, b in zip(colour.getRgbF()[:3], background.getRgbF()[:3])))


def _legend_entry(colour: QColor, sample: str, text: str) -> str:
    return f'<span style="color:{colour.name()}; font-weight:bold">{sample}</span>&nbsp;{text}'
