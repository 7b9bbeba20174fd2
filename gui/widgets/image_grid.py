"""A grid of small pictures (28x28 digits, weight patterns) drawn as one atlas image.

One ImageItem holds every picture, separated by transparent (NaN) gaps, so hundreds of
pictures cost one texture upload. Optional captions sit in a band above each picture.
Hover, click and double-click report the picture under the pointer by its index.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem

from .colormaps import HOVER_FRAME_COLOUR, make_colour_bar, series_colours, text_colour
from .theme import follow_appearance, follow_window_colour

CAPTION_HEIGHT = 11
"""Height of the caption band above each picture, in picture pixels (a digit is 28)."""


def tile_images(images: np.ndarray, cols: int, separator: int = 1, caption_height: int = 0) -> np.ndarray:
    """(n, h, w) pictures as one float32 atlas, row by row, `cols` per row.

    Each cell is a caption band of `caption_height` rows above the picture; cells are
    `separator` pixels apart; bands, gaps and unused cells are NaN (drawn transparent)."""
    n, h, w = images.shape
    cols = max(1, int(cols))
    rows = max(1, math.ceil(n / cols))
    cell_h, cell_w = caption_height + h + separator, w + separator
    cells = np.full((rows * cols, cell_h, cell_w), np.nan, dtype=np.float32)
    cells[:n, caption_height:caption_height + h, :w] = images
    atlas = cells.reshape(rows, cols, cell_h, cell_w).transpose(0, 2, 1, 3).reshape(rows * cell_h, cols * cell_w)
    return atlas[: rows * cell_h - separator, : cols * cell_w - separator]


def best_columns(n: int, cell_w: float, cell_h: float, width: float, height: float) -> int:
    """Columns that make `n` cells of cell_w x cell_h as large as possible in a width x height area."""
    if n <= 1 or width <= 0 or height <= 0:
        return 1
    best, best_scale = 1, -1.0
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        scale = min(width / (cols * cell_w), height / (rows * cell_h))
        if scale > best_scale + 1e-9:
            best, best_scale = cols, scale
    return best


class ImageGrid(pg.GraphicsLayoutWidget):
    """Pictures in a grid; `set_images` replaces them in place (same items, new data)."""

    cellHovered = Signal(int)
    """Index of the picture under the pointer, or -1 when there is none."""
    cellClicked = Signal(int)
    cellDoubleClicked = Signal(int)

    def __init__(self, colour_bar_label: str | None = None, colormap: pg.ColorMap | None = None,
                 zoomable: bool = True, preferred_size: QSize | None = None, parent=None) -> None:
        super().__init__(parent=parent)
        follow_window_colour(self).setBackground(None)  # the window's colour, not pyqtgraph's black
        self._preferred_size = preferred_size or QSize(420, 320)
        self.ci.setContentsMargins(2, 8, 2, 8)
        self.view_box = self.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.view_box.setDefaultPadding(0.01)
        self.view_box.setMouseEnabled(x=zoomable, y=zoomable)
        self._backdrop = QGraphicsPathItem()
        self._backdrop.setPen(pg.mkPen(None))
        self._backdrop.setZValue(-1)
        self.view_box.addItem(self._backdrop, ignoreBounds=True)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setImage(np.full((28, 28), np.nan, dtype=np.float32), autoLevels=False, levels=(0.0, 1.0))
        self.view_box.addItem(self.image_item)
        self.colour_bar = None
        if colour_bar_label is not None and colormap is not None:
            self.colour_bar = make_colour_bar(self, colormap, self.image_item, colour_bar_label)
            self.addItem(self.colour_bar, row=0, col=1)

        self._hover_frame = self._frame(HOVER_FRAME_COLOUR, 10)
        self._selection_frame = self._frame(series_colours().highlight, 9)
        self._captions: list[pg.TextItem] = []
        follow_appearance(self, self._restyle)

        self.images = np.zeros((0, 28, 28), dtype=np.float32)
        self.levels = (0.0, 1.0)
        self.captions: list[str] = []
        self._lut = None
        self._fixed_cols: int | None = None
        self.cols = 1
        self.rows = 1
        self.separator = 1
        self.caption_height = 0
        self.hovered = -1
        self.selected = -1

        scene = self.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)

    def sizeHint(self) -> QSize:
        # pyqtgraph's default hint (600x480) would bloat any layout.
        return self._preferred_size

    # ------------------------------------------------------------------ API

    @property
    def n_images(self) -> int:
        return int(self.images.shape[0])

    def set_images(self, images: np.ndarray, levels: tuple[float, float] = (0.0, 1.0), lut=None,
                   captions: list[str] | None = None, cols: int | None = None, separator: int = 1,
                   backdrop: QColor | None = None) -> None:
        """Show (n, h, w) `images` with colour `levels` and lookup table `lut` (None: grey).

        cols None picks the number of columns that makes the pictures largest in the current
        widget size (and again when the widget is resized). `backdrop` fills the area under
        the pictures so gaps read as separators on maps whose middle is white."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 3:
            raise ValueError(f"images must be (n, h, w), got shape {images.shape}")
        self.images = images
        self.levels = (float(levels[0]), float(levels[1]))
        self.captions = list(captions) if captions else []
        self._lut = lut
        self._fixed_cols = cols
        self.separator = int(separator)
        self.caption_height = CAPTION_HEIGHT if self.captions else 0
        self._backdrop.setBrush(QBrush(backdrop) if backdrop is not None else QBrush(Qt.BrushStyle.NoBrush))
        self.selected = -1
        self._selection_frame.setVisible(False)
        self._set_hovered(-1)
        self._layout(force=True)

    def clear_images(self) -> None:
        self.set_images(np.zeros((0, 28, 28), dtype=np.float32), self.levels, self._lut)

    def cell_origin(self, index: int) -> tuple[int, int]:
        """(top, left) atlas pixel of picture `index`."""
        row, col = divmod(index, self.cols)
        h, w = self.images.shape[1:] if self.n_images else (28, 28)
        return row * (self.caption_height + h + self.separator) + self.caption_height, col * (w + self.separator)

    def cell_rect(self, index: int) -> QRectF:
        top, left = self.cell_origin(index)
        h, w = self.images.shape[1:]
        return QRectF(left, top, w, h)

    def cell_at(self, x: float, y: float) -> int:
        """Picture covering atlas position (x = column, y = row), or -1 for gaps and captions."""
        if self.n_images == 0 or x < 0 or y < 0:
            return -1
        h, w = self.images.shape[1:]
        col, x_in = divmod(x, w + self.separator)
        row, y_in = divmod(y, self.caption_height + h + self.separator)
        y_in -= self.caption_height
        if x_in >= w or y_in < 0 or y_in >= h or col >= self.cols:
            return -1
        index = int(row) * self.cols + int(col)
        return index if index < self.n_images else -1

    def select(self, index: int) -> None:
        """Frame picture `index` (-1: no frame)."""
        self.selected = index if 0 <= index < self.n_images else -1
        if self.selected >= 0:
            self._selection_frame.setRect(self.cell_rect(self.selected))
        self._selection_frame.setVisible(self.selected >= 0)

    # ------------------------------------------------------------- internals

    def _restyle(self) -> None:
        pen = pg.mkPen(series_colours().highlight, width=2)
        pen.setCosmetic(True)
        self._selection_frame.setPen(pen)
        for item in self._captions:
            item.setColor(text_colour(self))

    def _frame(self, colour: QColor, z: float) -> QGraphicsRectItem:
        frame = QGraphicsRectItem()
        pen = pg.mkPen(colour, width=2)
        pen.setCosmetic(True)  # constant screen width at any zoom
        frame.setPen(pen)
        frame.setZValue(z)
        frame.setVisible(False)
        self.view_box.addItem(frame, ignoreBounds=True)
        return frame

    def _auto_columns(self) -> int:
        n = self.n_images
        if n == 0:
            return 1
        h, w = self.images.shape[1:]
        # Before the first show the widget has Qt's default size, not the one the layout will give it.
        size = self.size() if self.isVisible() else self.sizeHint()
        bar = 90 if self.colour_bar is not None else 0
        return best_columns(n, w + self.separator, h + self.caption_height + self.separator,
                            max(size.width() - bar - 8, 1), max(size.height() - 20, 1))

    def _layout(self, force: bool = False) -> None:
        cols = self._fixed_cols or self._auto_columns()
        if not force and cols == self.cols:
            return
        self.cols = cols
        n = self.n_images
        self.rows = max(1, math.ceil(n / cols))
        if n:
            atlas = tile_images(self.images, cols, self.separator, self.caption_height)
        else:
            atlas = np.full((28, 28), np.nan, dtype=np.float32)
        self.image_item.setImage(atlas, autoLevels=False, levels=self.levels, lut=self._lut)
        if self.colour_bar is not None:
            self.colour_bar.setLevels(self.levels)
        self._backdrop.setPath(self._used_cells_outline())
        self._place_captions()
        if self.selected >= 0:
            self._selection_frame.setRect(self.cell_rect(self.selected))
        self._set_hovered(-1)
        self.view_box.setRange(QRectF(0, 0, atlas.shape[1], atlas.shape[0]), padding=0.01)

    def _used_cells_outline(self) -> QPainterPath:
        """One band per row of pictures, covering the gaps between them but not the captions."""
        path = QPainterPath()
        n = self.n_images
        if n == 0:
            return path
        h, w = self.images.shape[1:]
        for row in range(self.rows):
            in_row = min(self.cols, n - row * self.cols)
            top, _ = self.cell_origin(row * self.cols)
            joins_next_row = not self.caption_height and row < self.rows - 1
            height = h + (self.separator if joins_next_row else 0)
            path.addRect(QRectF(0, top, in_row * (w + self.separator) - self.separator, height))
        return path

    def _place_captions(self) -> None:
        while len(self._captions) < len(self.captions):
            item = pg.TextItem(anchor=(0.5, 1.0), color=text_colour(self))
            self.view_box.addItem(item, ignoreBounds=True)
            self._captions.append(item)
        for index, item in enumerate(self._captions):
            if index < len(self.captions) and index < self.n_images:
                rect = self.cell_rect(index)
                item.setText(self.captions[index])
                item.setPos(rect.center().x(), rect.top())
                item.setVisible(True)
            else:
                item.setVisible(False)

    def _set_hovered(self, index: int) -> None:
        if index == self.hovered:
            return
        self.hovered = index
        if index >= 0:
            self._hover_frame.setRect(self.cell_rect(index))
        self._hover_frame.setVisible(index >= 0)
        self.cellHovered.emit(index)

    def _cell_under(self, scene_position: QPointF) -> int:
        if not self.view_box.sceneBoundingRect().contains(scene_position):
            return -1
        position = self.view_box.mapSceneToView(scene_position)
        return self.cell_at(position.x(), position.y())

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        self._set_hovered(self._cell_under(scene_position))

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = self._cell_under(event.scenePos())
        if index < 0:
            return
        if event.double():
            self.cellDoubleClicked.emit(index)
        else:
            self.cellClicked.emit(index)

    def leaveEvent(self, event) -> None:
        self._set_hovered(-1)
        super().leaveEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # pyqtgraph resizes once inside its own constructor, before this class is set up.
        if getattr(self, "_fixed_cols", 0) is None and self.n_images:
            self._layout()
