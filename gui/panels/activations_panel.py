"""What every layer computes for one input: A[0] (the probe image), A[1] ... A[L].

The probe is a test image (browsed with Previous / Next / Random) or the user's drawing.
Activations come from the snapshot's own network copy, so they always match the weights
the other panels show.

Layout: the probe and its prediction on the left; on the right one row per layer, each with
a minimum height, so that even a small dock shows every layer and the ten output bars legibly.
While training runs, snapshots are drawn at most LIVE_INTERVAL_S apart: one forward pass is
cheap, but redrawing every layer for every snapshot would cost more than all other panels.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.snapshot import RunState

from ..widgets.colormaps import (
    cache_axes,
    cache_item,
    diverging_colormap,
    make_colour_bar,
    nice_ceiling,
    sequential_colormap,
    series_colours,
    style_plot,
    text_colour,
)
from ..widgets.compact_views import CompactLayoutWidget
from ..widgets.digit_image import DigitImage
from ..widgets.panel_base import SnapshotPanel
from ..widgets.throttle import ThrottledRender

IMAGE_SIDE = 28
PROBE_IMAGE_SIDE = 100
MAX_BAR_UNITS = 64
"""Layers up to this width are drawn as bars (one per unit); wider ones as a heatmap."""

HEATMAP_ASPECT = 8.0
"""Target columns-to-rows ratio of a heatmap, so wide layers form a strip, not a block."""

LIVE_INTERVAL_S = 1.0
"""Shortest time between redraws for snapshots of a running network: a probe's activations
change slowly while training, and this view costs a quarter of a frame."""
LIVE_DELAY_S = 0.05
"""A running snapshot is drawn this much later than it arrives, after the other panels have
been painted, so that the window never stops for all of them in one turn of its event loop."""

MIN_HIDDEN_ROW_HEIGHT = 44
MIN_OUTPUT_ROW_HEIGHT = 114
"""Output row: about 80 px of bars plus the title and the digit axis."""
TITLE_SIZE = "8pt"
TITLE_HEIGHT = 15
PROBE_COLUMN_WIDTH = 124

ACTIVATION_NAMES = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "identity": "identity",
}
NOTHING_DRAWN_TEXT = "Your drawing: nothing drawn yet"


def heatmap_shape(n_units: int) -> tuple[int, int]:
    """(rows, cols) for a wide strip; cols is a power of two (128 units -> 4 x 32) so rows line up."""
    cols = 2 ** round(math.log2(math.sqrt(n_units * HEATMAP_ASPECT)))
    cols = max(1, min(n_units, cols))
    return math.ceil(n_units / cols), cols


def layer_title(l: int, n_units: int, activation: str, is_output: bool) -> str:
    name = ACTIVATION_NAMES.get(activation, activation)
    if is_output:
        meaning = "probabilities" if activation == "softmax" else "outputs"
        return f"A[{l}] output: {n_units} {meaning} ({name})"
    return f"A[{l}] ({n_units} units, {name})"


def probability_text(probability: float) -> str:
    """Percent with one decimal, never rounding a near-certainty up to a flat "100.0 %"."""
    if probability > 0.9995:
        return "> 99.9 %"
    return f"{100.0 * probability:.1f} %"


def _architecture(network) -> tuple:
    return network.layer_sizes, network.hidden_activation, network.output_activation


class _LayerBars:
    """A hidden layer of at most MAX_BAR_UNITS units: one bar per unit."""

    def __init__(self, plot_item: pg.PlotItem, n_units: int, activation: str) -> None:
        self.plot_item = plot_item
        self.title = ""
        bar_colour = series_colours().bar
        plot_item.addLine(y=0, pen=pg.mkPen(bar_colour, width=1))
        plot_item.setXRange(-0.6, n_units - 0.4, padding=0.0)
        self.bars = pg.BarGraphItem(x=np.arange(n_units), height=np.zeros(n_units), width=0.8,
                                    pen=pg.mkPen(None), brush=pg.mkBrush(bar_colour))
        plot_item.addItem(self.bars)
        # Bounded activations get their whole range, so bar heights compare across probes.
        fixed_ticks = {"sigmoid": (0.0, 0.5, 1.0), "tanh": (-1.0, 0.0, 1.0)}.get(activation)
        if fixed_ticks:
            plot_item.setYRange(fixed_ticks[0], fixed_ticks[-1], padding=0.02)
            plot_item.getAxis("left").setTicks([[(v, f"{v:g}") for v in fixed_ticks]])

    def update(self, values: np.ndarray, title: str) -> None:
        self.bars.setOpts(height=values)
        _set_title(self, title)


class _LayerHeatmap:
    """A wide hidden layer: one cell per unit, numbered left to right, top to bottom."""

    def __init__(self, plot_item: pg.PlotItem, n_units: int, activation: str, owner: QWidget) -> None:
        self.plot_item = plot_item
        self.title = ""
        self.rows, self.cols = heatmap_shape(n_units)
        self.n_units = n_units
        self.activation = activation
        for axis in ("left", "bottom"):
            plot_item.hideAxis(axis)
        plot_item.invertY(True)
        self.signed = activation in ("tanh", "leaky_relu")
        self.image = pg.ImageItem(axisOrder="row-major")
        plot_item.addItem(self.image)
        plot_item.setRange(xRange=(0, self.cols), yRange=(0, self.rows), padding=0.0)
        colormap = diverging_colormap if self.signed else sequential_colormap
        self.colour_bar = make_colour_bar(owner, colormap, self.image, width=10)
        # A strip a few dozen pixels tall has no room for tick labels; the title gives the range.
        self.colour_bar.axis.setStyle(showValues=False, tickLength=0)
        self.colour_bar.axis.setWidth(2)
        self.levels = (-1.0, 1.0) if self.signed else (0.0, 1.0)
        self.colour_bar.setLevels(self.levels)

    def update(self, values: np.ndarray, title: str) -> None:
        grid = np.full(self.rows * self.cols, np.nan, dtype=np.float32)  # unused cells stay blank
        grid[: self.n_units] = values
        if self.activation == "sigmoid":
            levels = (0.0, 1.0)
        elif self.activation == "tanh":
            levels = (-1.0, 1.0)
        else:
            top = float(np.abs(values).max() if self.signed else values.max()) if values.size else 0.0
            scale = self.levels[1]
            # A round top that changes only when the values outgrow it or use less than half
            # of it: colours then stay comparable from one snapshot to the next.
            if top > scale or top < 0.5 * scale:
                scale = nice_ceiling(top) if top > 0.0 else 1.0
            levels = (-scale, scale) if self.signed else (0.0, scale)
        self.image.setImage(grid.reshape(self.rows, self.cols), autoLevels=False, levels=levels)
        if levels != self.levels:
            self.colour_bar.setLevels(levels)
            self.levels = levels
        _set_title(self, f"{title} \u00b7 colour {_number(levels[0])} to {_number(levels[1])}")


class _OutputBars:
    """The output layer: one labelled bar per digit, the predicted digit highlighted,
    the true label (for test images) marked with a triangle above its bar."""

    MARKER_GAP = 0.08

    def __init__(self, plot_item: pg.PlotItem, n_outputs: int, activation: str, text_colour) -> None:
        self.plot_item = plot_item
        self.title = ""
        self.n_outputs = n_outputs
        self.predicted: int | None = None
        plot_item.getAxis("bottom").setTicks([[(d, str(d)) for d in range(n_outputs)]])
        plot_item.setXRange(-0.6, n_outputs - 0.4, padding=0.0)
        self.bounded = activation in ("softmax", "sigmoid")
        if self.bounded:
            # Headroom above 1 for the true-label marker.
            plot_item.setYRange(0.0, 1.0 + 2 * self.MARKER_GAP, padding=0.0)
            plot_item.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0.0, 0.5, 1.0)]])
        colours = series_colours()
        self.bars = pg.BarGraphItem(x=np.arange(n_outputs), height=np.zeros(n_outputs), width=0.7,
                                    pen=pg.mkPen(None), brush=pg.mkBrush(colours.bar))
        plot_item.addItem(self.bars)
        self.true_marker = pg.ScatterPlotItem(symbol="t", size=11, pen=pg.mkPen(None),
                                              brush=pg.mkBrush(colours.true_label))
        plot_item.addItem(self.true_marker)
        self._plain, self._highlight = pg.mkBrush(colours.bar), pg.mkBrush(colours.highlight)
        # The prediction is outlined as well as coloured, so colour is not its only mark.
        self._plain_pen, self._highlight_pen = pg.mkPen(None), pg.mkPen(text_colour, width=1.5)
        self._marker = None

    def update(self, values: np.ndarray | None, title: str, true_label: int | None) -> None:
        """values None: no probe, so no bars and no prediction."""
        self.predicted = None if values is None else int(np.argmax(values))
        if values is None:
            values = np.zeros(self.n_outputs)
        brushes = [self._highlight if d == self.predicted else self._plain for d in range(self.n_outputs)]
        pens = [self._highlight_pen if d == self.predicted else self._plain_pen for d in range(self.n_outputs)]
        self.bars.setOpts(height=values, brushes=brushes, pens=pens)
        marker = None if true_label is None else (true_label, max(float(values[true_label]), 0.0) + self.MARKER_GAP)
        if marker != self._marker:
            self._marker = marker
            if marker is None:
                self.true_marker.setData([], [])
            else:
                self.true_marker.setData([marker[0]], [marker[1]])
        _set_title(self, title)


def _number(value: float) -> str:
    return f"{value:g}".replace("-", "\u2212")


def _set_title(view, title: str) -> None:
    """Show `title` over the view's plot, shortened with "…" when the plot is narrower than it
    (the whole title is then the plot's tooltip), and again whenever the plot is resized."""
    plot_item = view.plot_item
    if not getattr(view, "follows_width", False):
        view.follows_width = True
        plot_item.geometryChanged.connect(lambda: _set_title(view, view.full_title))
        # A title label asks for its text's width whenever its text is set (here, or when a theme
        # recolours it), which would widen the plot past the panel: it takes the plot's width
        # instead, and the text is shortened to fit.
        label_min = plot_item.titleLabel.updateMin

        def update_min() -> None:
            label_min()
            plot_item.titleLabel.setMinimumWidth(0)
        plot_item.titleLabel.updateMin = update_min
    view.full_title = title
    label = plot_item.titleLabel
    width = int(plot_item.width()) - 8
    shown = title
    if width > 40:
        font = label.item.font()
        font.setPointSizeF(float(TITLE_SIZE.removesuffix("pt")))
        shown = QFontMetrics(font).elidedText(title, Qt.TextElideMode.ElideRight, width)
    # Setting a title re-lays out its text (about 1 ms), so only do it when it changes.
    if view.title != shown:
        view.title = shown
        plot_item.setTitle(shown)
        plot_item.setToolTip(title if shown != title else "")
        label.setMinimumWidth(0)
        # pyqtgraph reserves 30 px for a title; one line of small text needs half that.
        label.setMaximumHeight(TITLE_HEIGHT)
        plot_item.layout.setRowFixedHeight(0, TITLE_HEIGHT)


class ActivationsPanel(SnapshotPanel):
    """A[l] of every layer for one probe input, computed with the snapshot's network."""

    def __init__(self, dataset=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activationsPanel")
        self.last_activations: list[np.ndarray] = []
        """[A[0], A[1], ..., A[L]] of the last render as 1-D arrays (A[0] is the probe); empty if none."""
        self.layer_views: list = []
        self._dataset = None
        self._probe_index = 0
        self._probe_split = "test"
        self._drawing: np.ndarray | None = None
        self._snapshot = None
        self._architecture = None
        self._shown_probe = None   # what identifies the probe on screen
        self._last_render = float("-inf")
        self._rng = np.random.default_rng()
        self._throttle = ThrottledRender(self._render, LIVE_INTERVAL_S, LIVE_DELAY_S, self)

        self.prev_button = self._button("\u25c0 Previous", "probePrevButton", "Probe with the previous test image.")
        self.next_button = self._button("Next \u25b6", "probeNextButton", "Probe with the next test image.")
        self.random_button = self._button("Random", "probeRandomButton", "Probe with a randomly chosen test image.")
        self.prev_button.clicked.connect(lambda: self._step_probe(-1))
        self.next_button.clicked.connect(lambda: self._step_probe(+1))
        self.random_button.clicked.connect(self._random_probe)

        self.use_drawing_check = QCheckBox("Use my drawing")
        self.use_drawing_check.setObjectName("probeUseDrawing")
        self.use_drawing_check.setToolTip(
            "Feed your own drawing from the drawing pad through the network instead of a test image.")
        self.use_drawing_check.toggled.connect(self._render)

        self.probe_image = DigitImage(PROBE_IMAGE_SIDE)
        self.probe_image.setObjectName("probeImage")
        self.probe_image.setToolTip("The probe input A[0]: 784 pixel values between 0 (black) and 1 (white).")
        probe_caption = QLabel("Input A[0]")
        caption_font = QFont(probe_caption.font())
        caption_font.setBold(True)
        probe_caption.setFont(caption_font)
        self.index_label = QLabel()
        self.index_label.setObjectName("probeIndexLabel")
        self.index_label.setWordWrap(True)
        self.index_label.setToolTip("Which input is being fed through the network.")
        self.prediction_label = QLabel()
        self.prediction_label.setObjectName("probePredictionLabel")
        self.prediction_label.setToolTip(
            "The digit with the largest output A[L] (orange bar) and, for test images, the true label "
            "(triangle above its bar).")
        self.prediction_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Fixed size: its text changes with every snapshot, and a label that can change size
        # makes the whole window lay itself out again each time.
        line = self.prediction_label.fontMetrics().lineSpacing()
        self.prediction_label.setFixedSize(PROBE_COLUMN_WIDTH - 8, 3 * line + 2)

        self.layers_view = CompactLayoutWidget((480, 360))
        self.layers_view.setObjectName("activationsView")
        self.layers_view.setToolTip(
            "What each layer outputs for this input: A[l] = g(W[l] A[l-1] + b[l]). Narrow layers are "
            "drawn as bars, wide ones as a grid of cells (unit 0 top left, numbered along rows).")
        self.layers_view.setMinimumSize(200, MIN_HIDDEN_ROW_HEIGHT + MIN_OUTPUT_ROW_HEIGHT)
        self.layers_view.ci.setContentsMargins(0, 0, 0, 0)
        self.layers_view.ci.setSpacing(0)

        navigation = QHBoxLayout()
        navigation.setContentsMargins(0, 0, 0, 0)
        for button in (self.prev_button, self.next_button, self.random_button):
            # The style's 80 px minimum for a push button would set the panel's (and the
            # window's) minimum width; the text is what must fit.
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 16)
            navigation.addWidget(button)
        navigation.addStretch(1)
        navigation.addWidget(self.use_drawing_check)

        probe_column = QVBoxLayout()
        probe_column.setContentsMargins(4, 0, 4, 0)
        probe_column.setSpacing(2)
        probe_column.addWidget(probe_caption)
        probe_column.addWidget(self.probe_image)
        probe_column.addWidget(self.index_label)
        probe_column.addWidget(self.prediction_label)
        probe_column.addStretch(1)
        probe_box = QWidget()
        probe_box.setLayout(probe_column)
        probe_box.setFixedWidth(PROBE_COLUMN_WIDTH)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(4)
        body.addWidget(probe_box)
        body.addWidget(self.layers_view, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(navigation)
        layout.addLayout(body, 1)

        self.set_dataset(dataset)

    # ------------------------------------------------------------------ API

    def bind(self, state) -> None:
        super().bind(state)
        state.probeChanged.connect(self.set_drawing_input)
        state.datasetChanged.connect(self.set_dataset)

    def set_dataset(self, dataset) -> None:
        """Browse the test images of `dataset` (None: only the drawing can be probed)."""
        self._dataset = dataset
        self._probe_index = 0
        self._probe_split = "test"
        has_images = dataset is not None and dataset.n_test > 0
        for button in (self.prev_button, self.next_button, self.random_button):
            button.setEnabled(has_images)
        self._render()

    @property
    def probe_index(self) -> int:
        """Index of the test image used as probe (kept while the drawing is probed)."""
        return self._probe_index

    @property
    def using_drawing(self) -> bool:
        return self.use_drawing_check.isChecked()

    @property
    def probe_split(self) -> str:
        """"test" or "train": the split the probe image comes from."""
        return self._probe_split

    def set_probe_index(self, index: int, split: str = "test") -> None:
        """Probe with image `index` of the test (or training) split, and stop probing with the drawing.
        Previous/Next/Random always browse the test images."""
        if self._dataset is None:
            raise RuntimeError("no dataset to take images from")
        if split not in ("test", "train"):
            raise ValueError(f"split must be 'test' or 'train', got {split!r}")
        n = self._dataset.n_test if split == "test" else self._dataset.n_train
        if not 0 <= index < n:
            raise ValueError(f"{split} image index must be between 0 and {n - 1}, got {index}")
        self._probe_index = int(index)
        self._probe_split = split
        if self.using_drawing:
            self.use_drawing_check.setChecked(False)  # re-renders through the toggled signal
        else:
            self._render()

    def set_drawing_input(self, image: np.ndarray | None) -> None:
        """The current drawing as a (28, 28) array in [0, 1], or None when the pad is empty."""
        self._drawing = None if image is None else np.asarray(image, dtype=np.float32).reshape(IMAGE_SIDE, IMAGE_SIDE)
        if not self.using_drawing:
            return
        if self._snapshot is not None and self._snapshot.state == RunState.RUNNING:
            # While training shares the CPU, a stroke's prediction comes first: this view
            # follows on a later pass of the event loop, once for a burst of stroke segments.
            self._throttle.request(live=True, interval=False)
            return
        self._render()

    def show_snapshot(self, snapshot) -> None:
        self._snapshot = snapshot
        drawn_before = self._architecture is not None and _architecture(snapshot.network) == self._architecture
        # While running, the newest snapshot a moment later (and no sooner than the interval allows).
        self._throttle.request(live=snapshot.state == RunState.RUNNING and drawn_before)

    def restyle(self) -> None:
        # The layer views take their colours when they are built: build them again.
        self._architecture = None
        self._render()

    # ------------------------------------------------------------- internals

    def _button(self, text: str, object_name: str, tooltip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(object_name)
        button.setToolTip(tooltip)
        return button

    def _step_probe(self, step: int) -> None:
        self.set_probe_index((self._probe_index + step) % self._dataset.n_test)

    def _random_probe(self) -> None:
        n = self._dataset.n_test
        # Never "randomly" stay on the same image: the click must visibly do something.
        offset = int(self._rng.integers(1, n)) if n > 1 else 0
        self.set_probe_index((self._probe_index + offset) % n)

    def _probe(self) -> tuple[np.ndarray | None, int | None, str]:
        """(784-vector or None, true label or None, description) of the current probe."""
        if self.using_drawing:
            if self._drawing is None:
                return None, None, NOTHING_DRAWN_TEXT
            return self._drawing.reshape(-1), None, "Your drawing"
        if self._dataset is None:
            return None, None, "No test images loaded."
        index = self._probe_index
        if self._probe_split == "train":
            label = int(self._dataset.y_train[index])
            return self._dataset.train_rows(index), label, f"Training image {index} of {self._dataset.n_train:,}"
        label = int(self._dataset.y_test[index])
        return self._dataset.x_test[index], label, f"Test image {index} of {self._dataset.n_test:,}"

    def _render(self) -> None:
        self._throttle.rendered()
        x, true_label, description = self._probe()
        probe_key = (description, id(self._drawing) if self.using_drawing else (self._probe_split, self._probe_index),
                     id(self._dataset))
        if probe_key != self._shown_probe:
            # A new probe: the picture and its description change only now.
            self._shown_probe = probe_key
            self.index_label.setText(description)
            self.probe_image.set_image(
                np.zeros((IMAGE_SIDE, IMAGE_SIDE), np.float32) if x is None else x.reshape(IMAGE_SIDE, IMAGE_SIDE))
        snapshot = self._snapshot
        if snapshot is None:
            self.last_activations = []
            self._set_prediction_text("" if true_label is None else f"True label {true_label}")
            return
        network = snapshot.network
        if _architecture(network) != self._architecture:
            self._build_layer_views(network)
        if x is None:
            self.last_activations = []
            self._clear_layer_views(network)
            self._set_prediction_text("")
            return

        cache = network.forward(x.reshape(-1, 1))
        self.last_activations = [a[:, 0] for a in cache.A]
        n_layers = network.n_layers
        for l in range(1, n_layers + 1):
            values = self.last_activations[l]
            title = layer_title(l, values.size, network.activation_of(l), l == n_layers)
            if l == n_layers:
                self.layer_views[l - 1].update(values, title, true_label)
            else:
                self.layer_views[l - 1].update(values, title)
        output = self.last_activations[-1]
        predicted = int(np.argmax(output))
        lines = [f"Predicted {predicted}"]
        if network.output_activation == "softmax":
            lines.append(probability_text(float(output[predicted])))
        if true_label is not None:
            lines.append(f"True label {true_label}" + ("" if true_label == predicted else "  \u2717"))
        self._set_prediction_text("\n".join(lines))

    def _set_prediction_text(self, text: str) -> None:
        if self.prediction_label.text() != text:
            self.prediction_label.setText(text)

    def _clear_layer_views(self, network) -> None:
        n_layers = network.n_layers
        for l in range(1, n_layers + 1):
            n_units = network.layer_sizes[l]
            title = layer_title(l, n_units, network.activation_of(l), l == n_layers)
            if l == n_layers:
                self.layer_views[l - 1].update(None, title, None)
            else:
                self.layer_views[l - 1].update(np.zeros(n_units, dtype=np.float32), title)

    def _build_layer_views(self, network) -> None:
        self.layers_view.clear()
        self.layer_views = []
        colour = text_colour(self)
        n_layers = network.n_layers
        grid = self.layers_view.ci.layout
        for l in range(1, n_layers + 1):
            plot_item = self.layers_view.addPlot(row=l - 1, col=0)
            plot_item.setMenuEnabled(False)
            plot_item.hideButtons()
            plot_item.setMouseEnabled(x=False, y=False)
            style_plot(plot_item, self)
            cache_axes(plot_item)
            cache_item(plot_item.titleLabel)
            plot_item.titleLabel.setAttr("color", colour)
            plot_item.titleLabel.setAttr("size", TITLE_SIZE)
            plot_item.layout.setContentsMargins(2, 0, 2, 2)
            plot_item.layout.setVerticalSpacing(0)
            n_units, activation = network.layer_sizes[l], network.activation_of(l)
            is_output = l == n_layers
            if is_output:
                view = _OutputBars(plot_item, n_units, activation, colour)
            elif n_units <= MAX_BAR_UNITS:
                view = _LayerBars(plot_item, n_units, activation)
            else:
                view = _LayerHeatmap(plot_item, n_units, activation, self)
                self.layers_view.addItem(view.colour_bar, row=l - 1, col=1)
            # Every layer keeps a legible height; the output bars get the most.
            plot_item.setMinimumHeight(MIN_OUTPUT_ROW_HEIGHT if is_output else MIN_HIDDEN_ROW_HEIGHT)
            grid.setRowStretchFactor(l - 1, 3 if is_output else 2)
            self.layer_views.append(view)
        self.layers_view.setMinimumHeight(MIN_OUTPUT_ROW_HEIGHT + (n_layers - 1) * MIN_HIDDEN_ROW_HEIGHT)
        self._architecture = _architecture(network)
