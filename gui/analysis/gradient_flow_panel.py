"""Whether the gradient reaches every layer: gradient norms, update sizes and dead ReLU units, live.

Three plots against (fractional) epochs, one line per weight layer in the same colour and dash
pattern throughout: ||dW[l]|| (log scale), the update-to-weight ratio ||ΔW[l]|| / ||W[l]|| (log scale,
over the rule-of-thumb band around 1e-3) and the fraction of dead ReLU units on a fixed probe
batch. Above them, one row per layer with its latest numbers and a warning badge when its
gradients vanish or explode (thresholds in engine.gradient_flow).

The statistics come in the snapshots only while this panel is on screen (the trainer keeps them
only then). Curve items are made once per architecture and updated with setData; each keeps at
most HISTORY_POINTS points, halving its resolution when full so the whole run stays in view.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from engine.gradient_flow import (
    EXPLODING,
    EXPLODING_RATIO,
    HEALTHY_BAND,
    HEALTHY_RATIO,
    OK,
    VANISHING,
    VANISHING_GRADIENT_NORM,
    VANISHING_RATIO,
)
from engine.snapshot import RunState

from ..widgets.colormaps import (
    HorizontalGrid,
    cache_axes,
    cache_item,
    major_ticks,
    nice_ceiling,
    series_colours,
    style_plot,
    translucent,
)
from ..widgets.panel_base import SnapshotPanel
from ..widgets.theme import appearance, follow_window_colour

HISTORY_POINTS = 2000
LOG_FLOOR, LOG_CEILING = 1e-12, 1e12
"""Values are clamped into this range on the log plots: 0 has no logarithm, and an infinite
update is drawn at the top instead of vanishing from the plot."""
X_HEADROOM = 1.04
MIN_DEAD_RANGE = 0.1
"""The dead-unit axis shows at least 0..10 %, more when more units are dead."""
AXIS_WIDTH = 52
MAX_GRID_LINES = 8
LAYER_DASHES = ((Qt.PenStyle.SolidLine, "\u2501\u2501\u2501"), (Qt.PenStyle.DashLine, "\u2505\u2505"),
                (Qt.PenStyle.DotLine, "\u2509\u2509\u2509"), (Qt.PenStyle.DashDotLine, "\u2501\u2509\u2501"))
"""Each layer's line style and its sample in the row's name: layers differ in more than colour."""
BAND_COLOUR = QColor("#2ca02c")
WARNING_COLOURS = {EXPLODING: "#c0392b", VANISHING: "#4a6fa5"}

IDLE_TEXT = ("This is a loaded model, not a training run: it has no gradients yet.\n\n"
             "Start training (Space) to watch the gradient flow through every layer: how large each "
             "layer's gradient is, how much each update moves its weights, and how many ReLU units have died.")
WAITING_TEXT = ("Waiting for the next batch: gradients are recorded while this tab is on screen, "
                "so they appear as soon as training takes a step.")
NO_RELU_TEXT = "no ReLU layers: dead units are counted for ReLU and leaky ReLU hidden layers"


def layer_colour(l: int) -> QColor:
    """Colour of layer l (0-based) in every plot and row, in the theme and palette in use."""
    colours = series_colours().layers
    return QColor(colours[l % len(colours)])


def layer_pen(l: int) -> pg.QtGui.QPen:
    return pg.mkPen(layer_colour(l), width=1.6, style=LAYER_DASHES[l % len(LAYER_DASHES)][0])


def warning_colour(status: str) -> QColor:
    """A warning's colour as text or a line on the plot's background (lighter on a dark theme)."""
    colour = QColor(WARNING_COLOURS[status])
    return colour.lighter(160) if appearance().dark else colour


def warning_tooltip(layer: int, status: str, grad_norm: float, ratio: float, lr_scale: float = 1.0) -> str:
    """Why layer `layer` (1-based) is flagged, and what usually helps."""
    numbers = f"||dW[{layer}]|| = {grad_norm:.3g}, ||\u0394W[{layer}]|| / ||W[{layer}]|| = {ratio:.3g}."
    if status == EXPLODING:
        return (f"Layer {layer}'s gradients explode: {numbers}\n"
                f"The last update changed its weights by more than {EXPLODING_RATIO:g} of their size (or by "
                f"an infinite amount), where about {HEALTHY_RATIO:g} is healthy. Such steps throw the "
                "weights around and usually end in divergence.\nTry a lower learning rate.")
    scheduled = (f" (judged at the base learning rate: the schedule now uses {lr_scale:.3g} of it)"
                 if lr_scale < 1 else "")
    return (f"Layer {layer}'s gradients vanish: {numbers}\n"
            f"The update is under {VANISHING_RATIO:g} of the weights' size{scheduled}, or the gradient is below "
            f"{VANISHING_GRADIENT_NORM:g}: the layer has all but stopped learning. Saturated sigmoid or tanh "
            "units and dead ReLU units pass almost no gradient back.\nTry ReLU, a higher learning rate or Adam.")


class _History:
    """(x, one value per layer) points in preallocated arrays. A repeated key (the same step
    shown again) replaces the last point; when full, every other point is dropped."""

    def __init__(self, n_layers: int, capacity: int) -> None:
        self.keys = np.empty(capacity, dtype=np.int64)  # training steps, increasing
        self.x = np.empty(capacity)
        self.values = np.empty((n_layers, capacity))
        self.size = 0

    @property
    def last_key(self) -> int | None:
        return int(self.keys[self.size - 1]) if self.size else None

    def add(self, key: int, x: float, values: np.ndarray) -> None:
        if self.size == 0 or key != self.last_key:
            if self.size == len(self.x):
                kept = (self.size + 1) // 2
                for array in (self.keys, self.x):
                    array[:kept] = array[0:self.size:2]
                self.values[:, :kept] = self.values[:, 0:self.size:2]
                self.size = kept
            self.size += 1
        self.keys[self.size - 1] = key
        self.x[self.size - 1] = x
        self.values[:, self.size - 1] = values

    def drop_from(self, key: int) -> None:
        """Forget the points of step `key` and later."""
        self.size = int(np.searchsorted(self.keys[:self.size], key, side="left"))

    def series(self, l: int) -> tuple[np.ndarray, np.ndarray]:
        return self.x[:self.size], self.values[l, :self.size]


class _PercentAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):
        return [f"{100 * v:.3g} %" for v in values]


_SUPERSCRIPTS = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def decade_text(power: int) -> str:
    """10**power as 0.001 ... 1000, or as 10 with a superscript beyond that."""
    return f"{10.0 ** power:g}" if abs(power) <= 3 else "10" + str(power).translate(_SUPERSCRIPTS)


def _number(value: float) -> str:
    power = math.log10(value)
    return decade_text(round(power)) if abs(power - round(power)) < 1e-9 else f"{value:g}"


class _DecadeAxis(pg.AxisItem):
    """A log axis labelled at whole decades only: pyqtgraph also labels 2, 3, ... 9 times a
    decade when the range is short, which crowds the axis."""

    def logTickStrings(self, values, scale, spacing):
        return [decade_text(round(v)) if abs(v - round(v)) < 1e-6 else "" for v in values]


class _FlowView(pg.GraphicsLayoutWidget):
    def sizeHint(self) -> QSize:
        return QSize(560, 560)


class GradientFlowPanel(SnapshotPanel):
    """Per-layer gradient norms, update/weight ratios and dead ReLU units over the run."""

    def __init__(self, history_points: int = HISTORY_POINTS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gradientFlowPanel")
        self.history_points = history_points
        self.flow = None               # the latest engine.gradient_flow.GradientFlow shown
        self._run_key = None           # what identifies the run the curves belong to
        self._layer_sizes = None
        self._history: _History | None = None       # gradient norms, one point per snapshot
        self._ratio_history: _History | None = None  # update/weight ratios, likewise
        self._dead_history: _History | None = None  # dead fractions, per count
        self.grad_curves: list[pg.PlotDataItem] = []
        self.ratio_curves: list[pg.PlotDataItem] = []
        self.dead_curves: list[pg.PlotDataItem] = []
        self.rows: list[tuple[QLabel, QLabel, QLabel]] = []  # (name, numbers, badge) per layer
        self._ranges: dict = {}

        self.placeholder = QLabel(IDLE_TEXT)
        self.placeholder.setObjectName("gradientFlowPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setContentsMargins(40, 20, 40, 20)
        placeholder_font = QFont(self.placeholder.font())
        placeholder_font.setPointSizeF(placeholder_font.pointSizeF() * 1.15)
        self.placeholder.setFont(placeholder_font)

        self.status_label = QLabel()
        self.status_label.setObjectName("gradientFlowStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setContentsMargins(4, 4, 4, 2)
        self.rows_layout = QGridLayout()
        self.rows_layout.setContentsMargins(4, 0, 4, 0)
        self.rows_layout.setHorizontalSpacing(14)
        self.rows_layout.setVerticalSpacing(2)
        self.view = _FlowView()
        self.view.setObjectName("gradientFlowView")
        follow_window_colour(self.view).setBackground(None)  # the window's colour, not pyqtgraph's black
        self.view.ci.layout.setVerticalSpacing(6)
        self._build_plots()

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(4)
        content_layout.addWidget(self.status_label)
        content_layout.addLayout(self.rows_layout)
        content_layout.addWidget(self.view, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    # ------------------------------------------------------------------ API

    @property
    def warning_badges(self) -> list[QLabel]:
        return [badge for _, _, badge in self.rows]

    def show_snapshot(self, snapshot) -> None:
        if snapshot.state == RunState.IDLE:
            self._forget_run()
            self._show_placeholder(IDLE_TEXT)
            return
        network = snapshot.network
        run_key = _run_key(snapshot)
        if run_key != self._run_key:
            self._start_run(run_key, network)
        flow = snapshot.gradient_flow
        if flow is None or flow.n_layers != network.n_layers:
            self._show_without_statistics(snapshot)
            return
        if self._history.size and flow.step < self._history.last_key:
            # A new run with the same settings, or training resumed from an earlier moment.
            for history in (self._history, self._ratio_history, self._dead_history):
                history.drop_from(flow.step)
        self.flow = flow
        x = float(snapshot.epoch_progress)
        ratios = flow.update_ratios
        self._history.add(flow.step, x, flow.grad_norms)
        self._ratio_history.add(flow.step, x, ratios)
        if flow.dead_step >= 0 and flow.dead_step != self._dead_history.last_key:
            self._dead_history.add(flow.dead_step, x, flow.dead_fractions)  # counted now and then
        self._render(snapshot, flow, ratios)
        self.pages.setCurrentIndex(1)

    # ------------------------------------------------------------- building

    def _build_plots(self) -> None:
        self.grad_plot = self._add_plot(0, "\u2016dW[l]\u2016: size of each layer's gradient (log scale)", "norm",
                                        axis=_DecadeAxis("left"))
        self.ratio_plot = self._add_plot(1, "\u2016\u0394W[l]\u2016 / \u2016W[l]\u2016: how far each update moves "
                                            "the weights (log scale)", "ratio", axis=_DecadeAxis("left"))
        self.dead_plot = self._add_plot(2, "Dead ReLU units (never active on the probe images)", "dead",
                                        axis=_PercentAxis("left"))
        for plot_item in (self.grad_plot, self.ratio_plot):
            plot_item.setLogMode(x=False, y=True)
        self.ratio_plot.setXLink(self.grad_plot)
        self.dead_plot.setXLink(self.grad_plot)
        self.dead_plot.setLabel("bottom", "epoch")
        self.dead_plot.getAxis("bottom").enableAutoSIPrefix(False)

        # The rule-of-thumb band and line, in the log plot's view coordinates (log10 of the ratio).
        low, high = (math.log10(v) for v in HEALTHY_BAND)
        self.band = pg.LinearRegionItem(values=(low, high), orientation="horizontal", movable=False,
                                        brush=pg.mkBrush(translucent(BAND_COLOUR, 40)),
                                        pen=pg.mkPen(translucent(BAND_COLOUR, 90)))
        self.band.setZValue(-50)
        self.ratio_plot.addItem(self.band, ignoreBounds=True)
        self.rule_line = pg.InfiniteLine(
            pos=math.log10(HEALTHY_RATIO), angle=0, movable=False,
            pen=pg.mkPen(BAND_COLOUR, width=1.5, style=Qt.PenStyle.DashLine),
            label=(f"rule of thumb {_number(HEALTHY_RATIO)} "
                   f"(band {_number(HEALTHY_BAND[0])}\u2013{_number(HEALTHY_BAND[1])})"),
            labelOpts={"position": 0.02, "anchors": [(0, 1.25), (0, 1.25)]})
        self.ratio_plot.addItem(self.rule_line, ignoreBounds=True)
        self.threshold_lines = []
        # Labels on the inner side of their lines, which lie on the edges of the smallest range.
        for value, text, anchor in ((EXPLODING_RATIO, f"exploding above {_number(EXPLODING_RATIO)}", (1, 0)),
                                    (VANISHING_RATIO, f"vanishing below {_number(VANISHING_RATIO)}", (1, 1))):
            line = pg.InfiniteLine(pos=math.log10(value), angle=0, movable=False,
                                   label=text, labelOpts={"position": 0.98, "anchors": [anchor, anchor]})
            line.status = EXPLODING if value == EXPLODING_RATIO else VANISHING
            self.ratio_plot.addItem(line, ignoreBounds=True)
            self.threshold_lines.append(line)
        self._colour_lines()
        for item in [self.band, self.rule_line, *self.threshold_lines]:
            cache_item(item)
        self.dead_plot.setYRange(0.0, MIN_DEAD_RANGE, padding=0.02)
        # The dead-unit plot changes slowly and says less: it gets less height.
        for row, stretch in enumerate((3, 3, 2)):
            self.view.ci.layout.setRowStretchFactor(row, stretch)

        self.view.setToolTip(
            "Top: the norm of each layer's weight gradient dW[l] for the last mini-batch. Middle: the size of "
            "the update actually applied (after momentum or Adam) relative to the weights; about 1e-3 per step "
            "is a common rule of thumb (green band 1e-4 to 1e-2). Bottom: the share of each ReLU layer's units "
            "that never fire on a fixed set of training images; they pass no gradient back.")

    def restyle(self) -> None:
        self._colour_lines()
        for l, curves in enumerate(zip(self.grad_curves, self.ratio_curves, self.dead_curves)):
            for curve in curves:
                curve.setPen(layer_pen(l))
            self.rows[l][0].setText(self._layer_name(l))

    def _colour_lines(self) -> None:
        """The rule-of-thumb band's and the thresholds' labels, readable on the theme's background."""
        dark, window = appearance().dark, self.palette().window().color()
        self.rule_line.label.setColor(BAND_COLOUR.lighter(140) if dark else BAND_COLOUR.darker(140))
        self.rule_line.label.fill = pg.mkBrush(translucent(window, 190))
        for line in self.threshold_lines:
            colour = warning_colour(line.status)
            line.setPen(pg.mkPen(translucent(colour, 150), width=1, style=Qt.PenStyle.DotLine))
            line.label.setColor(colour)
        for item in [self.rule_line, *self.threshold_lines]:
            item.label.update()
            item.update()

    def _layer_name(self, l: int) -> str:
        sizes, n_layers = self._layer_sizes, len(self._layer_sizes) - 1
        role = "output" if l == n_layers - 1 else "hidden"
        return (f'<span style="color:{layer_colour(l).name()}; font-weight:bold">'
                f"{LAYER_DASHES[l % len(LAYER_DASHES)][1]}</span>&nbsp;"
                f"<b>W[{l + 1}]</b> {sizes[l]}\u2192{sizes[l + 1]} <i>{role}</i>")

    def _add_plot(self, row: int, title: str, name: str, axis: pg.AxisItem | None = None) -> pg.PlotItem:
        plot_item = self.view.addPlot(row=row, col=0, axisItems={"left": axis} if axis is not None else None)
        plot_item.setObjectName(f"gradientFlow{name.capitalize()}Plot")
        plot_item.setMenuEnabled(False)
        plot_item.hideButtons()
        plot_item.setMouseEnabled(x=False, y=False)
        style_plot(plot_item, self)
        plot_item.setTitle(title, size="9pt")
        left = plot_item.getAxis("left")
        left.setWidth(AXIS_WIDTH)
        left.enableAutoSIPrefix(False)
        cache_axes(plot_item)
        plot_item.vb.disableAutoRange()
        grid = HorizontalGrid(self)
        plot_item.addItem(grid, ignoreBounds=True)
        plot_item.grid_lines = grid
        return plot_item

    def _start_run(self, run_key, network) -> None:
        """Empty curves for a new run; new items only when the architecture changed."""
        self._run_key = run_key
        n_layers = network.n_layers
        self._history = _History(n_layers, self.history_points)
        self._ratio_history = _History(n_layers, self.history_points)
        self._dead_history = _History(n_layers, self.history_points)
        self._ranges = {}
        if network.layer_sizes != self._layer_sizes:
            self._layer_sizes = network.layer_sizes
            self._build_layer_items(network)
        for curve in self.grad_curves + self.ratio_curves + self.dead_curves:
            curve.setData([], [])
        counts_dead = network.hidden_activation in ("relu", "leaky_relu")
        self.dead_plot.setTitle("Dead ReLU units: never active on a fixed probe of training images" if counts_dead
                                else f"Dead units: {NO_RELU_TEXT}", size="9pt")

    def _build_layer_items(self, network) -> None:
        for curve in self.grad_curves + self.ratio_curves + self.dead_curves:
            curve.getViewBox().removeItem(curve)
        while self.rows_layout.count():
            widget = self.rows_layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.grad_curves, self.ratio_curves, self.dead_curves, self.rows = [], [], [], []
        for l in range(network.n_layers):
            pen = layer_pen(l)
            for plot_item, curves in ((self.grad_plot, self.grad_curves), (self.ratio_plot, self.ratio_curves)):
                curve = plot_item.plot(pen=pen, connect="finite", autoDownsample=True, downsampleMethod="peak",
                                       clipToView=True)
                curves.append(curve)
            dead = self.dead_plot.plot(pen=pen, connect="finite")
            self.dead_curves.append(dead)
            if l == network.n_layers - 1:
                dead.setVisible(False)  # the output layer is never counted

            name = QLabel(self._layer_name(l))
            name.setObjectName("gradientFlowLayerName")
            name.setTextFormat(Qt.TextFormat.RichText)
            numbers = QLabel()
            numbers.setObjectName("gradientFlowNumbers")
            numbers.setToolTip("The latest values: gradient norm, update/weight ratio and dead units.")
            badge = QLabel()
            badge.setObjectName("gradientFlowWarning")
            badge.hide()
            self.rows_layout.addWidget(name, l, 0)
            self.rows_layout.addWidget(numbers, l, 1)
            self.rows_layout.addWidget(badge, l, 2, Qt.AlignmentFlag.AlignLeft)
            self.rows.append((name, numbers, badge))
        self.rows_layout.setColumnStretch(3, 1)

    # ------------------------------------------------------------- drawing

    def _render(self, snapshot, flow, ratios) -> None:
        history, ratio_history, dead_history = self._history, self._ratio_history, self._dead_history
        for l in range(flow.n_layers):
            x, grads = history.series(l)
            self.grad_curves[l].setData(x, np.clip(np.nan_to_num(grads, nan=LOG_CEILING), LOG_FLOOR, LOG_CEILING))
            x, layer_ratios = ratio_history.series(l)
            self.ratio_curves[l].setData(x, np.clip(np.nan_to_num(layer_ratios, nan=LOG_CEILING),
                                                    LOG_FLOOR, LOG_CEILING))
            if not np.isnan(flow.dead_fractions[l]):
                self.dead_curves[l].setData(*dead_history.series(l))
        self._update_ranges(history, ratio_history, float(snapshot.config.epochs or 0))
        self._update_rows(flow, ratios)
        statuses = flow.statuses
        troubled = [f"{l + 1}" for l, s in enumerate(statuses) if s != OK]
        where = f"step {flow.step:,}, epoch {snapshot.epoch_progress:.2f}"
        if troubled:
            verdict = (f"layer{'s' if len(troubled) > 1 else ''} {', '.join(troubled)}: gradients "
                       f"{' and '.join(sorted({s for s in statuses if s != OK}))} (hover the badge)")
        else:
            verdict = "every layer's gradients flow normally"
        probe = (f"; dead units counted at step {flow.dead_step:,} on {flow.probe_size} probe images"
                 if flow.dead_step >= 0 and not np.all(np.isnan(flow.dead_fractions)) else "")
        self._set_text(self.status_label, f"<b>{where}</b>: {verdict}{probe}.")

    def _update_rows(self, flow, ratios) -> None:
        for l, ((_, numbers, badge), status) in enumerate(zip(self.rows, flow.statuses)):
            dead = flow.dead_fractions[l]
            dead_text = "" if np.isnan(dead) else f"   dead {100 * dead:.1f} %"
            self._set_text(numbers, f"\u2016dW\u2016 {flow.grad_norms[l]:.3g}   "
                                    f"\u2016\u0394W\u2016/\u2016W\u2016 {ratios[l]:.2e}{dead_text}")
            if status == OK:
                badge.hide()
                continue
            if badge.property("status") != status:
                badge.setProperty("status", status)
                badge.setText(f"\u26a0 {status}")
                badge.setStyleSheet(f"QLabel {{ background: {WARNING_COLOURS[status]}; color: white; "
                                    "border-radius: 7px; padding: 1px 8px; font-weight: bold; }")
            badge.setToolTip(warning_tooltip(l + 1, status, float(flow.grad_norms[l]), float(ratios[l]),
                                             flow.lr_scale))
            badge.show()

    def _update_ranges(self, history: _History, ratio_history: _History, total_epochs: float) -> None:
        newest = float(history.x[history.size - 1])
        x_end = nice_ceiling(max(newest * X_HEADROOM, 0.01))
        if newest <= total_epochs < x_end:
            x_end = total_epochs  # never past the run's last epoch
        x_range = (0.0, x_end)
        self._set_range("x", self.grad_plot, x=x_range)
        for key, plot_item, values, must_show in (
                ("grad", self.grad_plot, history.values[:, :history.size], ()),
                ("ratio", self.ratio_plot, ratio_history.values[:, :ratio_history.size],
                 (math.log10(VANISHING_RATIO), math.log10(EXPLODING_RATIO)))):
            logs = np.log10(np.clip(np.nan_to_num(values, nan=LOG_CEILING), LOG_FLOOR, LOG_CEILING))
            low, high = float(logs.min()), float(logs.max())
            # Whole decades: the range changes now and then, not with every point.
            low, high = min([math.floor(low), *must_show]), max([math.ceil(high), *must_show])
            if high - low < 2:
                low, high = low - 1, high + 1
            self._set_range(key, plot_item, y=(low, high))
            every = max(1, math.ceil((high - low) / MAX_GRID_LINES))  # a long range gets every few decades
            plot_item.grid_lines.set_lines(range(int(low), int(high) + 1, every), x_range)
        dead = self._dead_history
        top = MIN_DEAD_RANGE
        if dead.size:
            counted = dead.values[:, :dead.size]
            counted = counted[np.isfinite(counted)]
            if counted.size:
                top = min(1.0, max(MIN_DEAD_RANGE, nice_ceiling(float(counted.max()) * 1.15)))
        self._set_range("dead", self.dead_plot, y=(0.0, top))
        self.dead_plot.grid_lines.set_lines(major_ticks(self.dead_plot.getAxis("left"), 1e-9, top), x_range)

    def _set_range(self, key: str, plot_item: pg.PlotItem, x=None, y=None) -> None:
        wanted = (x, y)
        if self._ranges.get(key) == wanted:
            return
        self._ranges[key] = wanted
        if x is not None:
            plot_item.setXRange(*x, padding=0.0)
        if y is not None:
            plot_item.setYRange(*y, padding=0.02)

    # ------------------------------------------------------------- helpers

    def _show_without_statistics(self, snapshot) -> None:
        history = self._history
        if history is None or history.size == 0:
            self._show_placeholder(WAITING_TEXT)
            return
        if snapshot.step < history.last_key:
            text = (f"<b>step {snapshot.step:,}</b>: an earlier moment of the run. Gradients are recorded only "
                    f"while training, so the curves show the run up to step {history.last_key:,}.")
        else:
            text = (f"<b>step {snapshot.step:,}</b>: no gradients recorded for this batch; they are recorded "
                    "while this tab is on screen and appear with the next batch.")
        self._set_text(self.status_label, text)
        self.pages.setCurrentIndex(1)

    def _show_placeholder(self, text: str) -> None:
        self._set_text(self.placeholder, text)
        self.pages.setCurrentIndex(0)

    def _forget_run(self) -> None:
        self._run_key = None
        self.flow = None
        if self._history is not None:
            self._history = self._ratio_history = self._dead_history = None
            for curve in self.grad_curves + self.ratio_curves + self.dead_curves:
                curve.setData([], [])
            for badge in self.warning_badges:
                badge.hide()

    @staticmethod
    def _set_text(label: QLabel, text: str) -> None:
        if label.text() != text:  # an unchanged label is not laid out again
            label.setText(text)


def _run_key(snapshot):
    """What stays the same for the whole of a run (live settings such as α may change)."""
    c = snapshot.config
    return (snapshot.network.layer_sizes, snapshot.network.hidden_activation, c.optimizer, c.batch_size,
            c.seed, c.epochs, c.dtype, snapshot.dataset_name)
