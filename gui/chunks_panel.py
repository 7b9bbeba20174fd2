"""First-layer weights as pictures: row i of W[1], reshaped to 28x28, is what neuron i looks for.

All chunks are drawn into one atlas image (a single ImageItem), which stays cheap and
legible from ten to several hundred neurons. Colours are diverging and centred on zero,
so white always means "this pixel is ignored".
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QFont, QPainterPath
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.inspect import output_influence

from .colormaps import (
    BAR_COLOUR,
    HOVER_FRAME_COLOUR,
    SEPARATOR_COLOUR,
    diverging_colormap,
    diverging_colour,
    diverging_lut,
    make_colour_bar,
    style_plot,
    symmetric_scale,
    text_colour,
)

CHUNK_SIDE = 28
TITLE_TEXT = "First-layer weights W[1]: one 28\u00d728 chunk per neuron"
HOVER_HINT = "Hover over a chunk to see its neuron and weight range; click it for details."
TOP_DIGITS = 3


def grid_shape(n_chunks: int) -> tuple[int, int]:
    """(rows, cols) of a near-square grid holding `n_chunks` cells, cols = ceil(sqrt(n))."""
    cols = max(1, math.ceil(math.sqrt(n_chunks)))
    return math.ceil(n_chunks / cols), cols


def separator_width(cols: int) -> int:
    # Wide grids are drawn with fewer screen pixels per weight, so their gaps need more weights' width.
    return 1 if cols <= 8 else 2


def chunk_atlas(first_layer_weights: np.ndarray) -> tuple[np.ndarray, int, int, int]:
    """All rows of W[1] as 28x28 tiles in one float32 image; gaps and unused cells are NaN.

    Returns (atlas, rows, cols, separator): neuron i occupies rows
    r*(28+sep) .. +28 and columns c*(28+sep) .. +28 of the atlas, with (r, c) = divmod(i, cols)."""
    n_chunks = first_layer_weights.shape[0]
    rows, cols = grid_shape(n_chunks)
    separator = separator_width(cols)
    cell = CHUNK_SIDE + separator
    cells = np.full((rows * cols, cell, cell), np.nan, dtype=np.float32)
    cells[:n_chunks, :CHUNK_SIDE, :CHUNK_SIDE] = first_layer_weights.reshape(n_chunks, CHUNK_SIDE, CHUNK_SIDE)
    atlas = cells.reshape(rows, cols, cell, cell).transpose(0, 2, 1, 3).reshape(rows * cell, cols * cell)
    # No gap after the last row and column.
    return atlas[: rows * cell - separator, : cols * cell - separator], rows, cols, separator


def _signed(value: float) -> str:
    return f"{value:+.3f}".replace("-", "\u2212")


class _ChunkView(pg.GraphicsLayoutWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setBackground(None)  # the window's colour, not pyqtgraph's black

    def sizeHint(self) -> QSize:
        # pyqtgraph's default hint (600x480) would bloat any layout.
        return QSize(420, 360)


class ChunkDetailDialog(QDialog):
    """One neuron's chunk at large size, its bias, and the digits it pushes up and down."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chunkDetailDialog")
        self.setModal(False)
        self.resize(460, 560)
        self.neuron: int | None = None
        self.bias = 0.0
        self.influence = np.zeros(0)
        self.up_digits: list[tuple[int, float]] = []
        self.down_digits: list[tuple[int, float]] = []

        self.heading = QLabel()
        heading_font = QFont(self.heading.font())
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.3)
        heading_font.setBold(True)
        self.heading.setFont(heading_font)

        self.view = _ChunkView()
        self.view.setToolTip(
            "This neuron's weights W[1] for each input pixel, on the same colour scale as the grid. "
            "Ink on red pixels raises the neuron's input Z[1], ink on blue pixels lowers it.")
        self.view.ci.setContentsMargins(0, 8, 0, 8)  # room for the colour bar's end labels
        view_box = self.view.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        view_box.setMouseEnabled(x=False, y=False)
        view_box.setDefaultPadding(0.0)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setImage(np.zeros((CHUNK_SIDE, CHUNK_SIDE), dtype=np.float32), autoLevels=False,
                                 levels=(-1.0, 1.0), lut=diverging_lut())
        view_box.addItem(self.image_item)
        self.color_bar = make_colour_bar(self, diverging_colormap(), self.image_item, "weight")
        self.view.addItem(self.color_bar, row=0, col=1)

        self.bias_label = QLabel()
        self.bias_label.setObjectName("chunkBiasLabel")
        self.bias_label.setToolTip(
            "The bias b[1] of this neuron: added to its weighted sum of pixels before the activation.")

        self.influence_plot = pg.PlotWidget(background=None)
        self.influence_plot.setObjectName("chunkInfluencePlot")
        self.influence_plot.setMinimumHeight(150)
        self.influence_plot.setMenuEnabled(False)
        self.influence_plot.setMouseEnabled(x=False, y=False)
        self.influence_plot.hideButtons()
        influence_item = self.influence_plot.getPlotItem()
        style_plot(influence_item, self)
        influence_item.setLabel("bottom", "digit")
        influence_item.setLabel("left", "push")
        influence_item.getAxis("left").enableAutoSIPrefix(False)
        influence_item.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
        influence_item.addLine(y=0, pen=pg.mkPen(text_colour(self), width=1))
        self.influence_bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, pen=pg.mkPen(None),
                                              brush=pg.mkBrush(BAR_COLOUR))
        influence_item.addItem(self.influence_bars)

        self.influence_label = QLabel()
        self.influence_label.setObjectName("chunkInfluenceLabel")
        self.influence_label.setTextFormat(Qt.TextFormat.PlainText)
        self.influence_note = QLabel()
        self.influence_note.setWordWrap(True)
        self.influence_note.setEnabled(False)  # dimmed: an explanation, not a value

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 3)
        layout.addWidget(self.bias_label)
        layout.addWidget(self.influence_plot, 2)
        layout.addWidget(self.influence_label)
        layout.addWidget(self.influence_note)

    def show_neuron(self, network, neuron: int, scale: float) -> None:
        """Show `neuron` of `network`'s first layer with colour levels (-scale, +scale)."""
        self.neuron = neuron
        self.bias = float(network.biases[0][neuron, 0])
        chunk = network.weights[0][neuron].reshape(CHUNK_SIDE, CHUNK_SIDE)
        self.image_item.setImage(chunk, autoLevels=False, levels=(-scale, scale))
        self.color_bar.setLevels((-scale, scale))
        self.setWindowTitle(f"Neuron {neuron} of the first layer")
        self.heading.setText(f"Neuron {neuron} of the first layer: row {neuron} of W[1]")
        self.bias_label.setText(
            f"Bias b[1]_{neuron} = {_signed(self.bias)}      "
            f"weights from {_signed(float(chunk.min()))} to {_signed(float(chunk.max()))}")

        self.influence = np.asarray(output_influence(network, neuron), dtype=np.float64)
        order = np.argsort(self.influence, kind="stable")
        self.up_digits = [(int(d), float(self.influence[d])) for d in order[::-1][:TOP_DIGITS]]
        self.down_digits = [(int(d), float(self.influence[d])) for d in order[:TOP_DIGITS]]
        positive, negative = pg.mkBrush(diverging_colour(0.75)), pg.mkBrush(diverging_colour(-0.75))
        self.influence_bars.setOpts(
            x=np.arange(self.influence.size), height=self.influence,
            brushes=[positive if v >= 0 else negative for v in self.influence])
        self.influence_label.setText(
            "Pushes up: " + ",  ".join(f"{d} ({_signed(v)})" for d, v in self.up_digits) + "\n"
            "Pushes down: " + ",  ".join(f"{d} ({_signed(v)})" for d, v in self.down_digits))
        if network.n_layers == 1:
            self.influence_note.setText(
                f"This network has no hidden layer: neuron {neuron} is itself the output score of digit {neuron}.")
        elif network.n_layers == 2:
            self.influence_note.setText(
                f"Push = the weight W[2] from this neuron to each digit's output score (W[2][:, {neuron}]).")
        else:
            self.influence_note.setText(
                f"Push = the straight-line path W[{network.n_layers}] \u00b7\u00b7\u00b7 W[2] from this neuron "
                "to each digit's score. It ignores the activations of the later hidden layers, so it is "
                "only a rough guide.")


class ChunksPanel(QWidget):
    """Grid of first-layer weight chunks with hover read-out and a click-through detail view."""

    chunkClicked = Signal(int)
    """Emitted with the neuron index when a chunk is clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chunksPanel")
        self.atlas: np.ndarray | None = None
        self.scale = 1.0
        self.detail_dialog: ChunkDetailDialog | None = None
        self._network = None
        self._weights = None
        self._grid = (0, 0, 0, 1)  # (n_chunks, rows, cols, separator)
        self._hovered: int | None = None

        self.title = QLabel(TITLE_TEXT)
        self.title.setObjectName("chunksTitle")
        title_font = QFont(self.title.font())
        title_font.setBold(True)
        self.title.setFont(title_font)

        self.view = _ChunkView()
        self.view.setObjectName("chunksView")
        self.view.setToolTip(
            "Each square is one first-layer neuron: its weights W[1] for the 784 input pixels, laid out "
            "as the 28\u00d728 image. Red pixels excite the neuron when inked, blue ones inhibit it, "
            "white ones it ignores. Scroll to zoom, click a square for details.")
        # Room above and below for the colour bar's end labels.
        self.view.ci.setContentsMargins(0, 8, 0, 8)
        self.view_box = self.view.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.view_box.setDefaultPadding(0.01)
        # Gaps and empty cells are NaN (transparent); a dark backdrop behind the used cells
        # makes the gaps read as separators, never as near-zero (white) weights.
        self._backdrop = QGraphicsPathItem()
        self._backdrop.setBrush(QBrush(SEPARATOR_COLOUR))
        self._backdrop.setPen(pg.mkPen(None))
        self._backdrop.setZValue(-1)
        self.view_box.addItem(self._backdrop, ignoreBounds=True)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setImage(np.full((CHUNK_SIDE, CHUNK_SIDE), np.nan, dtype=np.float32),
                                 autoLevels=False, levels=(-1.0, 1.0), lut=diverging_lut())
        self.view_box.addItem(self.image_item)
        self.color_bar = make_colour_bar(self, diverging_colormap(), self.image_item, "weight  (white = 0)")
        self.view.addItem(self.color_bar, row=0, col=1)

        self._hover_frame = QGraphicsRectItem()
        pen = pg.mkPen(HOVER_FRAME_COLOUR, width=2)
        pen.setCosmetic(True)  # constant screen width at any zoom
        self._hover_frame.setPen(pen)
        self._hover_frame.setZValue(10)
        self._hover_frame.setVisible(False)
        self.view_box.addItem(self._hover_frame, ignoreBounds=True)

        self.hover_label = QLabel(HOVER_HINT)
        self.hover_label.setObjectName("chunkHoverLabel")
        self.hover_label.setToolTip("The neuron under the pointer and the range of its weights W[1].")
        # Long read-outs must not widen the panel.
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hover_label)

        scene = self.view.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)
        self.chunkClicked.connect(self.open_detail)

    # ------------------------------------------------------------------ API

    def show_snapshot(self, snapshot) -> None:
        weights = snapshot.network.weights[0]
        if weights is self._weights:
            return
        self._network = snapshot.network
        self._weights = weights
        atlas, rows, cols, separator = chunk_atlas(weights)
        self.scale = symmetric_scale(weights)
        architecture_changed = self._grid != (weights.shape[0], rows, cols, separator)
        self._grid = (weights.shape[0], rows, cols, separator)
        self.atlas = atlas
        self.image_item.setImage(atlas, autoLevels=False, levels=(-self.scale, self.scale))
        self.color_bar.setLevels((-self.scale, self.scale))
        if architecture_changed:
            self._backdrop.setPath(self._used_cells_outline(weights.shape[0]))
            self.view_box.enableAutoRange()
            self._hovered = None
            self._hover_frame.setVisible(False)
            self.hover_label.setText(HOVER_HINT)
        elif self._hovered is not None:
            self._show_hover(self._hovered)

        if self.detail_dialog is not None and self.detail_dialog.isVisible():
            neuron = self.detail_dialog.neuron
            if neuron is not None and neuron < weights.shape[0]:
                self.detail_dialog.show_neuron(self._network, neuron, self.scale)
            else:
                self.detail_dialog.hide()

    @property
    def grid(self) -> tuple[int, int]:
        """(rows, cols) of the chunk grid last rendered."""
        return self._grid[1], self._grid[2]

    @property
    def separator(self) -> int:
        """Width in atlas pixels of the gaps between chunks."""
        return self._grid[3]

    def chunk_origin(self, neuron: int) -> tuple[int, int]:
        """(row, col) of the atlas pixel where `neuron`'s chunk starts."""
        _, _, cols, separator = self._grid
        row, col = divmod(neuron, cols)
        cell = CHUNK_SIDE + separator
        return row * cell, col * cell

    def chunk_at(self, x: float, y: float) -> int | None:
        """The neuron whose chunk covers atlas position (x = column, y = row), or None for gaps."""
        n_chunks, rows, cols, separator = self._grid
        if n_chunks == 0 or x < 0 or y < 0:
            return None
        cell = CHUNK_SIDE + separator
        col, x_in_cell = divmod(x, cell)
        row, y_in_cell = divmod(y, cell)
        if x_in_cell >= CHUNK_SIDE or y_in_cell >= CHUNK_SIDE or col >= cols or row >= rows:
            return None
        neuron = int(row) * cols + int(col)
        return neuron if neuron < n_chunks else None

    def open_detail(self, neuron: int) -> ChunkDetailDialog:
        """Show (and raise) the detail window for `neuron`; the window is created once and reused."""
        if self._network is None:
            raise RuntimeError("no network shown yet")
        if not 0 <= neuron < self._grid[0]:
            raise ValueError(f"neuron must be between 0 and {self._grid[0] - 1}, got {neuron}")
        if self.detail_dialog is None:
            self.detail_dialog = ChunkDetailDialog(self)
        self.detail_dialog.show_neuron(self._network, neuron, self.scale)
        self.detail_dialog.show()
        self.detail_dialog.raise_()
        return self.detail_dialog

    # ------------------------------------------------------------- internals

    def _used_cells_outline(self, n_chunks: int) -> QPainterPath:
        _, _, cols, separator = self._grid
        cell = CHUNK_SIDE + separator
        full_rows, last_row_cells = divmod(n_chunks, cols)
        path = QPainterPath()
        path.addRect(QRectF(0, 0, cols * cell - separator, full_rows * cell - separator))
        if last_row_cells:
            path.addRect(QRectF(0, full_rows * cell - separator, last_row_cells * cell - separator, cell))
        return path

    def _neuron_under(self, scene_position: QPointF) -> int | None:
        if not self.view_box.sceneBoundingRect().contains(scene_position):
            return None
        position = self.view_box.mapSceneToView(scene_position)
        return self.chunk_at(position.x(), position.y())

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        neuron = self._neuron_under(scene_position)
        if neuron is None:
            self._hovered = None
            self._hover_frame.setVisible(False)
            self.hover_label.setText(HOVER_HINT)
        else:
            self._show_hover(neuron)

    def _show_hover(self, neuron: int) -> None:
        self._hovered = neuron
        row = self._weights[neuron]
        self.hover_label.setText(
            f"Neuron {neuron}:  weights from {_signed(float(row.min()))} to {_signed(float(row.max()))},  "
            f"bias b[1] = {_signed(float(self._network.biases[0][neuron, 0]))}")
        top, left = self.chunk_origin(neuron)
        self._hover_frame.setRect(QRectF(left, top, CHUNK_SIDE, CHUNK_SIDE))
        self._hover_frame.setVisible(True)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        neuron = self._neuron_under(event.scenePos())
        if neuron is not None:
            self.chunkClicked.emit(neuron)

    def leaveEvent(self, event) -> None:
        self._hovered = None
        self._hover_frame.setVisible(False)
        self.hover_label.setText(HOVER_HINT)
        super().leaveEvent(event)
