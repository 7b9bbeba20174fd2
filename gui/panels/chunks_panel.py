"""First-layer weights as pictures: row i of W[1], reshaped to 28x28, is what neuron i looks for.

All chunks are drawn into one atlas image (a single ImageItem), which stays cheap and
legible from ten to several hundred neurons. Colours are diverging and centred on zero,
so white always means "this pixel is ignored".

Two views: the weights themselves, and their change since the run started. He-initialised
weights are random noise of the same size as what training adds, and pixels that are blank
in every MNIST image never change, so mid-training the weights still look like noise; the
change since the start shows exactly what has been learned so far.

The atlas is coloured by index: each weight becomes one byte, looked up in a 256-colour table
when Qt draws the image, so a frame costs two passes over W[1] and no per-pixel colour work.
While a run goes on, the training thread makes that picture with each snapshot for the view
on screen (a ChunkAtlasRequest, see gui.training.prepared); this view then only shows it.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QGraphicsRectItem, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.analysis.neuron_order import INDEX, NEEDS_IMAGES, ORDER_NAMES, ORDERS, PROBE_IMAGES, order_neurons
from engine.snapshot import RunState

from ..training.prepared import answers
from ..widgets.colormaps import (
    HOVER_FRAME_COLOUR,
    diverging_colormap,
    diverging_index_lut,
    diverging_words,
    make_colour_bar,
    nice_ceiling,
    symmetric_scale,
    text_colour,
)
from ..widgets.compact_views import CompactLayoutWidget
from ..widgets.fields import tool_button
from ..widgets.indexed_image import IndexedImageItem, colour_table
from ..widgets.labels import ElidedLabel
from ..widgets.panel_base import SnapshotPanel
from ..widgets.text_format import signed
from ..widgets.throttle import ThrottledRender
from .chunk_atlas import (  # noqa: F401  (grid_shape, separator_width: re-exported)
    CHUNK_SIDE,
    ChunkAtlasRequest,
    chunk_atlas,
    chunk_frame,
    grid_shape,
    separator_width,
)
from .chunk_detail_dialog import CHUNK_VIEW_SIZE, TOP_DIGITS, ChunkDetailDialog  # noqa: F401  (TOP_DIGITS: re-exported)

WEIGHTS, CHANGE = "weights", "change"
VIEW_NAMES = {WEIGHTS: "Weights W[1]", CHANGE: "Change since start  W[1] \u2212 W[1](0)"}
TITLES = {
    WEIGHTS: "First-layer weights W[1]: one 28\u00d728 chunk per neuron",
    CHANGE: "Change since start W[1] \u2212 W[1](0): what has been learned",
}
NO_REFERENCE_TITLE = ("Change since start unavailable: this run began while the panel was hidden. "
                      "Showing the weights W[1].")
COLOUR_BAR_LABELS = {WEIGHTS: "weight  (white = 0)", CHANGE: "change  (white = 0)"}
TITLE_TEXT = TITLES[WEIGHTS]
HOVER_HINT = "Hover over a chunk to see its neuron and weight range; click it for details."
NAVIGATION_HINT = "{n} neurons \u00b7 wheel to zoom, drag to pan. " + HOVER_HINT
MAGNIFY_BELOW_PX = 20
"""Chunks drawn smaller than this on screen are shown enlarged beside the hover read-out."""
MAGNIFIER_SIDE = 56
COMBO_MIN_WIDTH = 90
"""The view and order selectors shrink to this (eliding their text) in a narrow panel."""
LIVE_INTERVAL_S = 0.1
"""Shortest time between redraws for snapshots of a running network: weights change slowly,
and ten pictures a second look as live as twenty at half the cost."""
LIVE_DELAY_S = 0.025
"""A running snapshot is drawn this much later than it arrives, so that this panel is painted
in another turn of the event loop than the loss curve: the window never stops for both."""


class ChunksPanel(SnapshotPanel):
    """Grid of first-layer weight chunks (or their change since the start) with zoom, hover
    read-out and magnifier, and a click-through detail view."""

    chunkClicked = Signal(int)
    """Emitted with the neuron index when a chunk is clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._given_start = None  # the start network the state gave, when bound to one
        self.setObjectName("chunksPanel")
        self.scale = 1.0
        """The colour levels are (-scale, +scale) of the values shown."""
        self.detail_dialog: ChunkDetailDialog | None = None
        self._mode = WEIGHTS
        self._network = None
        self._weights = None
        self._frame = None           # the ChunkFrame on screen
        self._prepared = None        # the ChunkFrame the training thread made for the latest snapshot
        self._request = None         # the ChunkAtlasRequest for what is on screen
        self._scratch: dict = {}     # work arrays for the frames made here
        self._atlas = None           # float atlas of the values drawn, built when asked for
        self._reference = None       # W[1] at the start of the run on screen
        self._last_step: int | None = None
        self._weights_scale: tuple[object, float] | None = None
        self._grid = (0, 0, 0, 1)  # (n_chunks, rows, cols, separator)
        self._hovered: int | None = None
        self._throttle = ThrottledRender(self._render, LIVE_INTERVAL_S, LIVE_DELAY_S, self)
        self._bar_label = COLOUR_BAR_LABELS[WEIGHTS]
        self._hint = HOVER_HINT
        self._order_by = INDEX
        self._order = None           # engine NeuronOrder of the neurons on screen
        self._order_source = None    # (network, images) it was computed for
        self._running = False

        # The title changes with the view; it must never widen the panel, and ends in "…" when cut.
        self.title = ElidedLabel(TITLES[WEIGHTS])
        self.title.setObjectName("chunksTitle")
        title_font = QFont(self.title.font())
        title_font.setBold(True)
        self.title.setFont(title_font)

        self.view_combo = QComboBox()
        self.view_combo.setObjectName("chunksViewCombo")
        for mode in (WEIGHTS, CHANGE):
            self.view_combo.addItem(VIEW_NAMES[mode], mode)
        self.view_combo.setToolTip(
            "Weights: W[1] itself. Change since start: W[1] minus the weights this run started "
            "from, which shows what training has added so far (the random starting weights hide it).")
        self.view_combo.currentIndexChanged.connect(self._on_view_changed)

        self.order_combo = QComboBox()
        self.order_combo.setObjectName("chunksOrderCombo")
        for by in ORDERS:
            self.order_combo.addItem(f"Order: {ORDER_NAMES[by]}", by)
        self.order_combo.setToolTip(
            "The order of the chunks. Neuron number: as the network stores them. Weight size: largest "
            "rows of W[1] first. How often it fires: the share of test images that switch it on, most "
            "first. Class it pushes most: grouped by the digit whose score its output raises most. "
            "While training runs the order is kept; it is sorted again when the run pauses or ends.")
        self.order_combo.currentIndexChanged.connect(self._on_order_changed)
        for combo in (self.view_combo, self.order_combo):
            # Shown whole when there is room; on a small screen the two share what there is.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumWidth(COMBO_MIN_WIDTH)
            combo.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.fit_button = tool_button("Fit all", "chunksFitButton", "Zoom out to show every neuron's chunk.")
        self.fit_button.clicked.connect(self.fit_all)

        self.view = CompactLayoutWidget(CHUNK_VIEW_SIZE)
        self.view.setObjectName("chunksView")
        self._set_view_tooltip()
        # Room above and below for the colour bar's end labels.
        self.view.ci.setContentsMargins(0, 8, 0, 8)
        self.view_box = self.view.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.view_box.setDefaultPadding(0.01)
        self.view_box.disableAutoRange()  # the range is set by fit_all and the user, never by new data
        # Redrawn with every frame while training: its colour table is made once (see IndexedImageItem).
        self.image_item = IndexedImageItem(axisOrder="row-major")
        self.image_item.setImage(np.zeros((CHUNK_SIDE, CHUNK_SIDE), dtype=np.uint8), autoLevels=False, levels=None,
                                 lut=diverging_index_lut())
        self.view_box.addItem(self.image_item)
        # The bar shows the scale only: the image is coloured by index (see colormaps).
        self.color_bar = make_colour_bar(self, diverging_colormap(), None, COLOUR_BAR_LABELS[WEIGHTS])
        self.view.addItem(self.color_bar, row=0, col=1)

        self._hover_frame = QGraphicsRectItem()
        pen = pg.mkPen(HOVER_FRAME_COLOUR, width=2)
        pen.setCosmetic(True)  # constant screen width at any zoom
        self._hover_frame.setPen(pen)
        self._hover_frame.setZValue(10)
        self._hover_frame.setVisible(False)
        self.view_box.addItem(self._hover_frame, ignoreBounds=True)

        self.magnifier = QLabel()
        self.magnifier.setObjectName("chunkMagnifier")
        self.magnifier.setFixedSize(MAGNIFIER_SIDE, MAGNIFIER_SIDE)
        self.magnifier.setToolTip("The chunk under the pointer, enlarged (shown when chunks are drawn small).")
        keep_space = self.magnifier.sizePolicy()
        keep_space.setRetainSizeWhenHidden(True)  # showing it must not move the read-out
        self.magnifier.setSizePolicy(keep_space)
        self.magnifier.setVisible(False)

        self.hover_label = QLabel(HOVER_HINT)
        self.hover_label.setObjectName("chunkHoverLabel")
        self.hover_label.setToolTip("The neuron under the pointer and the range of its weights W[1].")
        self.hover_label.setWordWrap(True)
        # Long read-outs must not widen the panel.
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.view_combo)
        header.addWidget(self.order_combo)
        header.addStretch(1)
        header.addWidget(self.fit_button)
        hover_row = QHBoxLayout()
        hover_row.setContentsMargins(0, 0, 0, 0)
        hover_row.addWidget(self.magnifier)
        hover_row.addWidget(self.hover_label, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)
        layout.addLayout(hover_row)

        scene = self.view.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)
        self.chunkClicked.connect(self.open_detail)

    # ------------------------------------------------------------------ API

    def show_snapshot(self, snapshot) -> None:
        weights = snapshot.network.weights[0]
        if self.state is None:  # on its own; bound to a state, the state says (after_snapshot)
            self._note_reference(snapshot, weights)
        if weights is self._weights:
            return
        self._network = snapshot.network
        self._weights = weights
        self._prepared = getattr(snapshot, "prepared", {}).get(ChunkAtlasRequest.key)
        self._running = snapshot.state == RunState.RUNNING
        same_grid = self._frame is not None and self._frame.indices.shape == weights.shape
        # While running, the newest weights a moment later (and no sooner than the interval allows).
        self._throttle.request(live=snapshot.state == RunState.RUNNING and same_grid)

    def after_snapshot(self, snapshot) -> None:
        # The start of the run for the change view comes from the one place that remembers it:
        # the run's first weights (or a loaded timeline's), or the loaded model itself.
        start = self.state.start_network()
        if start is None and snapshot.state == RunState.IDLE:
            start = snapshot.network
        if start is not None and start is not self._given_start:
            self._given_start = start
            self.set_reference(start)

    def set_reference(self, network) -> None:
        """Use `network`'s W[1] as the start of the run for the change view (None: forget it).

        Bound to a StudioState, the panel takes the start from it; on its own, snapshots of step 0
        set the reference, and this is for a caller that knows the start of a run it did not see."""
        self._reference = None if network is None else network.weights[0]
        if self._reference is not None and self._weights is not None and self._reference.shape != self._weights.shape:
            self._reference = None
        if self._mode == CHANGE and self._weights is not None:
            self._render()

    @property
    def mode(self) -> str:
        """"weights" or "change" (since the start of the run)."""
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in VIEW_NAMES:
            raise ValueError(f"mode must be one of {', '.join(VIEW_NAMES)}, got {mode!r}")
        self.view_combo.setCurrentIndex(self.view_combo.findData(mode))

    @property
    def order_by(self) -> str:
        """How the chunks are ordered: one of engine.analysis.neuron_order.ORDERS."""
        return self._order_by

    def set_order(self, by: str) -> None:
        if by not in ORDER_NAMES:
            raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {by!r}")
        self.order_combo.setCurrentIndex(self.order_combo.findData(by))

    @property
    def order(self) -> np.ndarray | None:
        """order[k]: the neuron drawn in the k-th cell (row by row), or None before any drawing."""
        return None if self._order is None else self._order.order

    @property
    def showing_change(self) -> bool:
        """True when the picture is W[1] - W[1](0) (the change view with a known start)."""
        return self._frame is not None and self._frame.showing_change

    @property
    def values(self) -> np.ndarray | None:
        """The (n, 784) values drawn: W[1], or its change since the start."""
        return None if self._frame is None else self._frame.values

    @property
    def frame(self):
        """The chunk_atlas.ChunkFrame on screen (None before the first drawing)."""
        return self._frame

    @property
    def request(self) -> ChunkAtlasRequest | None:
        """What the training thread is asked to make for this view (None before the first drawing)."""
        return self._request

    @property
    def levels(self) -> tuple[float, float]:
        return -self.scale, self.scale

    @property
    def atlas(self) -> np.ndarray | None:
        """The values drawn as a float atlas (see chunk_atlas): NaN in gaps and unused cells."""
        if self._atlas is None and self._frame is not None:
            self._atlas = chunk_atlas(self._frame.values[self._order.order])[0]
        return self._atlas

    @property
    def grid(self) -> tuple[int, int]:
        """(rows, cols) of the chunk grid last rendered."""
        return self._grid[1], self._grid[2]

    @property
    def separator(self) -> int:
        """Width in atlas pixels of the gaps between chunks."""
        return self._grid[3]

    def atlas_rect(self) -> QRectF:
        """The area of the view holding every chunk."""
        _, rows, cols, separator = self._grid
        cell = CHUNK_SIDE + separator
        return QRectF(0, 0, max(cols * cell - separator, 1), max(rows * cell - separator, 1))

    def fit_all(self) -> None:
        """Zoom out to show every chunk."""
        self.view_box.setRange(self.atlas_rect(), padding=0.01)

    def chunk_screen_size(self) -> float:
        """Side of one chunk on screen, in pixels, at the current zoom."""
        pixel = self.view_box.viewPixelSize()[0]
        return CHUNK_SIDE / pixel if pixel > 0 else 0.0

    def chunk_origin(self, neuron: int) -> tuple[int, int]:
        """(row, col) of the atlas pixel where `neuron`'s chunk starts."""
        _, _, cols, separator = self._grid
        row, col = divmod(int(self._order.position[neuron]) if self._order is not None else neuron, cols)
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
        cell_index = int(row) * cols + int(col)
        if cell_index >= n_chunks:
            return None
        return int(self._order.order[cell_index]) if self._order is not None else cell_index

    def open_detail(self, neuron: int) -> ChunkDetailDialog:
        """Show (and raise) the detail window for `neuron`; the window is created once and reused."""
        if self._network is None:
            raise RuntimeError("no network shown yet")
        if not 0 <= neuron < self._grid[0]:
            raise ValueError(f"neuron must be between 0 and {self._grid[0] - 1}, got {neuron}")
        if self.detail_dialog is None:
            self.detail_dialog = ChunkDetailDialog(self)
        self.detail_dialog.show_neuron(self._network, neuron, self._scale_of_weights())
        self.detail_dialog.show()
        self.detail_dialog.raise_()
        return self.detail_dialog

    def restyle(self) -> None:
        # The atlas holds colour indices: a new table recolours it without drawing it again.
        self.image_item.setLookupTable(diverging_index_lut())
        self._set_view_tooltip()
        if self._hovered is not None:
            self._show_hover(self._hovered)  # the magnifier in the new colours

    # ------------------------------------------------------------- internals

    def _set_view_tooltip(self) -> None:
        negative, positive = diverging_words()
        self.view.setToolTip(
            "Each square is one first-layer neuron: its weights W[1] for the 784 input pixels, laid out "
            f"as the 28\u00d728 image. {positive.capitalize()} pixels excite the neuron when inked, {negative} "
            "ones inhibit it, white ones it ignores. Scroll to zoom, drag to pan, click a square for details.")

    def _note_reference(self, snapshot, weights: np.ndarray) -> None:
        """Keep W[1] of the start of the run (step 0, or a loaded model) for the change view."""
        step = snapshot.step
        if step == 0:
            self._reference = weights
        elif self._last_step is not None and step < self._last_step:
            self._reference = None  # a new run whose first weights this panel never saw
        self._last_step = step
        if self._reference is not None and self._reference.shape != weights.shape:
            self._reference = None

    def _render(self) -> None:
        self._throttle.rendered()
        weights = self._weights
        if weights is None:
            return
        n_chunks = weights.shape[0]
        rows, cols = grid_shape(n_chunks)
        grid = (n_chunks, rows, cols, separator_width(cols))
        architecture_changed = self._grid != grid
        self._grid = grid
        self._update_order(architecture_changed)
        self._update_request()
        frame = self._prepared
        if not answers(frame, self._request, self._network):
            frame = chunk_frame(self._network, self._request.reference, self._request.order, scratch=self._scratch)
        self._frame = frame
        self._atlas = None
        self.scale = frame.scale
        self.image_item.setImage(frame.display, autoLevels=False, levels=None)
        if self.color_bar.levels() != self.levels:
            self.color_bar.setLevels(self.levels)
        self._update_texts()

        if architecture_changed:
            self._hint = NAVIGATION_HINT.format(n=n_chunks)
            # Panning and zooming can never lose the grid, yet a viewport of any shape can
            # still show all of it (the aspect is locked, so one side shows beyond the grid).
            width, height = self.atlas_rect().width(), self.atlas_rect().height()
            self.view_box.setLimits(xMin=-width, xMax=2 * width, yMin=-height, yMax=2 * height,
                                    minXRange=CHUNK_SIDE / 2, minYRange=CHUNK_SIDE / 2)
            self.fit_all()
            self._hide_hover()
        elif self._hovered is not None:
            self._show_hover(self._hovered)

        if self.detail_dialog is not None and self.detail_dialog.isVisible():
            neuron = self.detail_dialog.neuron
            if neuron is not None and neuron < n_chunks:
                self.detail_dialog.show_neuron(self._network, neuron, self._scale_of_weights())
            else:
                self.detail_dialog.hide()

    def _update_request(self) -> None:
        """The ChunkAtlasRequest for what this view shows now, handed to the state (so that the
        training thread makes the next frames) when it changes."""
        change = self._mode == CHANGE and self._reference is not None and self._reference.shape == self._weights.shape
        reference = self._reference if change else None
        order = None if self._order.by == INDEX else self._order.order
        request = self._request
        if request is None or request.reference is not reference or request.order is not order:
            self._request = ChunkAtlasRequest(reference, order)
            if self.state is not None:
                self.state.request_display(self, self._request)

    def _probe_images(self):
        dataset = self.state.dataset if self.state is not None else None
        return None if dataset is None else dataset.x_test[:PROBE_IMAGES]

    def _update_order(self, architecture_changed: bool) -> None:
        """Sort the neurons again for new weights, except while a run goes on: chunks that
        swapped places every frame could not be followed."""
        images = self._probe_images()
        by = self._order_by if (self._order_by not in NEEDS_IMAGES or images is not None) else INDEX
        source = (self._network, None if by not in NEEDS_IMAGES else images)
        stale = self._order is None or self._order.by != by or architecture_changed
        if stale or (not self._running and self._order_source != source):
            self._order = order_neurons(self._network, by, source[1])
            self._order_source = source
        for row, key in enumerate(ORDERS):  # orders that need images wait for a dataset
            item = self.order_combo.model().item(row)
            item.setEnabled(key not in NEEDS_IMAGES or images is not None)

    def _on_order_changed(self, _index: int) -> None:
        self._order_by = self.order_combo.currentData()
        if self._weights is not None:
            self._render()

    def _scale_of_weights(self) -> float:
        """The colour scale of W[1] itself (the detail view always shows weights)."""
        if self._mode == WEIGHTS or not self.showing_change:
            return self.scale
        if self._weights_scale is None or self._weights_scale[0] is not self._weights:
            self._weights_scale = (self._weights, nice_ceiling(symmetric_scale(self._weights)))
        return self._weights_scale[1]

    def _update_texts(self) -> None:
        if self.showing_change:
            title, bar = TITLES[CHANGE], COLOUR_BAR_LABELS[CHANGE]
        elif self._mode == CHANGE:
            title, bar = NO_REFERENCE_TITLE, COLOUR_BAR_LABELS[WEIGHTS]
        else:
            title, bar = TITLES[WEIGHTS], COLOUR_BAR_LABELS[WEIGHTS]
        if self.title.text() != title:
            self.title.setText(title)
        if self._bar_label != bar:
            self._bar_label = bar
            self.color_bar.axis.setLabel(bar, color=text_colour(self).name())

    def _on_view_changed(self, _index: int) -> None:
        self._mode = self.view_combo.currentData()
        self._render()
        if self._weights is None:
            self._update_texts()

    def _neuron_under(self, scene_position: QPointF) -> int | None:
        if not self.view_box.sceneBoundingRect().contains(scene_position):
            return None
        position = self.view_box.mapSceneToView(scene_position)
        return self.chunk_at(position.x(), position.y())

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        neuron = self._neuron_under(scene_position)
        if neuron is None:
            self._hide_hover()
        else:
            self._show_hover(neuron)

    def _show_hover(self, neuron: int) -> None:
        self._hovered = neuron
        row = self._frame.values[neuron]
        what = "change since start" if self.showing_change else "weights"
        order_note = self._order.describe(neuron) if self._order is not None else ""
        self.hover_label.setText(
            f"Neuron {neuron}:  {what} from {signed(float(row.min()))} to {signed(float(row.max()))},  "
            f"bias b[1] = {signed(float(self._network.biases[0][neuron, 0]))}"
            + (f",  {order_note}" if order_note else ""))
        top, left = self.chunk_origin(neuron)
        self._hover_frame.setRect(QRectF(left, top, CHUNK_SIDE, CHUNK_SIDE))
        self._hover_frame.setVisible(True)
        if self.chunk_screen_size() < MAGNIFY_BELOW_PX:
            self._show_magnified(neuron)
        else:
            self.magnifier.setVisible(False)

    def _show_magnified(self, neuron: int) -> None:
        cell_index = int(self._order.position[neuron]) if self._order is not None else neuron
        pixels = np.ascontiguousarray(self._frame.indices[cell_index].reshape(CHUNK_SIDE, CHUNK_SIDE))
        image = QImage(pixels.data, CHUNK_SIDE, CHUNK_SIDE, CHUNK_SIDE, QImage.Format.Format_Indexed8)
        image.setColorTable(colour_table(diverging_index_lut()))
        enlarged = image.scaled(MAGNIFIER_SIDE, MAGNIFIER_SIDE, Qt.AspectRatioMode.IgnoreAspectRatio,
                                Qt.TransformationMode.FastTransformation)  # crisp, square weights
        self.magnifier.setPixmap(QPixmap.fromImage(enlarged))
        self.magnifier.setVisible(True)

    def _hide_hover(self) -> None:
        self._hovered = None
        self._hover_frame.setVisible(False)
        self.magnifier.setVisible(False)
        self.hover_label.setText(self._hint)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        neuron = self._neuron_under(event.scenePos())
        if neuron is not None:
            self.chunkClicked.emit(neuron)

    def leaveEvent(self, event) -> None:
        self._hide_hover()
        super().leaveEvent(event)
