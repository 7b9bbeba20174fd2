"""The first-layer chunks of two compared runs side by side, B's neurons placed at their matched A partners.

One atlas image per run, each tile a row of W[1] as 28x28: slot k holds A's neuron `slots_a[k]` and
B's neuron `slots_b[k]` (engine.analysis.compare.NeuronMatch.slots: the matched pairs in A's order,
then the neurons without a partner), so a chunk and its partner sit at the same place in both.
Both atlases are coloured by index (colormaps.diverging_indices) on one symmetric scale, so a colour
means the same weight in both; a slot without a neuron is left empty. The two views are linked:
zooming or panning one moves the other.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QWidget

from ..widgets.colormaps import (
    INDEX_SEPARATOR,
    INDEX_TRANSPARENT,
    diverging_colormap,
    diverging_index_lut,
    diverging_indices,
    diverging_words,
    make_colour_bar,
    nice_ceiling,
    symmetric_scale,
    text_colour,
)
from ..widgets.compact_views import CompactLayoutWidget
from ..widgets.theme import follow_appearance

CHUNK_SIDE = 28


def grid_shape(n: int) -> tuple[int, int, int]:
    """(rows, cols, separator) of the near-square grid the chunks view uses for `n` chunks: wide
    grids are drawn with fewer screen pixels per weight, so their gaps are two weights wide."""
    cols = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / cols), cols, 1 if cols <= 8 else 2


def index_atlas(tiles: np.ndarray, scale: float) -> tuple[np.ndarray, int, int]:
    """(atlas of colour indices, cols, separator) of (n, 28, 28) `tiles` on the levels (-scale, scale):
    tiles on a near-square grid with separator-coloured gaps; a NaN tile (an empty slot) and the
    cells after the last tile transparent."""
    n = len(tiles)
    rows, cols, separator = grid_shape(n)
    cell = CHUNK_SIDE + separator
    present = np.isfinite(tiles).all(axis=(1, 2))
    cells = np.full((rows * cols, cell, cell), INDEX_TRANSPARENT, dtype=np.uint8)
    cells[:n][present] = INDEX_SEPARATOR
    cells[:n, :CHUNK_SIDE, :CHUNK_SIDE] = diverging_indices(np.nan_to_num(tiles), scale)
    cells[:n][~present] = INDEX_TRANSPARENT
    atlas = cells.reshape(rows, cols, cell, cell).transpose(0, 2, 1, 3).reshape(rows * cell, cols * cell)
    return np.ascontiguousarray(atlas[: rows * cell - separator, : cols * cell - separator]), cols, separator


class MatchedChunks(CompactLayoutWidget):
    hovered = Signal(int)
    """The slot under the pointer, or -1 when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((560, 300), parent)
        self.setObjectName("compareChunks")
        self.ci.setContentsMargins(0, 4, 0, 8)
        self.tiles: tuple = (None, None)
        """The (n, 28, 28) tiles of A and of B on screen (NaN in an empty slot)."""
        self.indices: tuple = (None, None)
        """The colour-index atlases of A and of B on screen."""
        self.scale = 1.0
        self.cols, self.separator = 1, 1
        self._slot = -1
        self.titles = tuple(self.addLabel("", row=0, col=col) for col in (0, 1))
        self.boxes, self.images = [], []
        for col in (0, 1):
            box = self.addViewBox(row=1, col=col, lockAspect=True, invertY=True, enableMenu=False)
            box.setDefaultPadding(0.01)
            image = pg.ImageItem(axisOrder="row-major")
            image.setImage(np.zeros((CHUNK_SIDE, CHUNK_SIDE), dtype=np.uint8), autoLevels=False, levels=None,
                           lut=diverging_index_lut())
            box.addItem(image)
            self.boxes.append(box)
            self.images.append(image)
        self.boxes[1].setXLink(self.boxes[0])
        self.boxes[1].setYLink(self.boxes[0])
        # The bar shows the scale only: the images are coloured by index.
        self.colour_bar = make_colour_bar(self, diverging_colormap(), None, "weight  (white = 0)")
        self.addItem(self.colour_bar, row=1, col=2)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._titles = ("A", "B")
        self._restyle()
        follow_appearance(self, self._restyle)

    def set_tiles(self, tiles_a: np.ndarray, tiles_b: np.ndarray, titles: tuple[str, str]) -> None:
        """Show both runs' tiles, slot by slot, on one colour scale, under `titles`."""
        tiles = (np.asarray(tiles_a, dtype=np.float64), np.asarray(tiles_b, dtype=np.float64))
        self.scale = nice_ceiling(symmetric_scale(np.concatenate([t.ravel() for t in tiles])))
        shape = self.indices[0].shape if self.indices[0] is not None else None
        made = [index_atlas(t, self.scale) for t in tiles]
        self.tiles, self.indices = tiles, tuple(atlas for atlas, _cols, _sep in made)
        self.cols, self.separator = made[0][1], made[0][2]
        for image, atlas in zip(self.images, self.indices):
            image.setImage(atlas, autoLevels=False, levels=None)
        self.colour_bar.setLevels((-self.scale, self.scale))
        self._titles = tuple(titles)
        self._set_titles()
        if self.indices[0].shape != shape:
            height, width = self.indices[0].shape
            self.boxes[0].setRange(QRectF(0, 0, width, height), padding=0.01)

    def clear(self) -> None:
        self.tiles, self.indices = (None, None), (None, None)
        for image in self.images:
            image.setImage(np.full((CHUNK_SIDE, CHUNK_SIDE), INDEX_TRANSPARENT, dtype=np.uint8), autoLevels=False,
                           levels=None)
        self._titles = ("A", "B")
        self._set_titles()

    def slot_at(self, which: int, x: float, y: float) -> int:
        """The slot whose tile covers position (x, y) of run `which`'s atlas, or -1."""
        if self.tiles[which] is None or x < 0 or y < 0:
            return -1
        cell = CHUNK_SIDE + self.separator
        col, x_in = divmod(int(x), cell)
        row, y_in = divmod(int(y), cell)
        slot = row * self.cols + col
        inside = x_in < CHUNK_SIDE and y_in < CHUNK_SIDE and col < self.cols and slot < len(self.tiles[which])
        return slot if inside and np.isfinite(self.tiles[which][slot]).all() else -1

    def _on_mouse_moved(self, position) -> None:
        slot = -1
        for which, box in enumerate(self.boxes):
            if box.sceneBoundingRect().contains(position):
                point = box.mapSceneToView(position)
                slot = self.slot_at(which, point.x(), point.y())
        if slot != self._slot:
            self._slot = slot
            self.hovered.emit(slot)

    def leaveEvent(self, event) -> None:
        if self._slot != -1:
            self._slot = -1
            self.hovered.emit(-1)
        super().leaveEvent(event)

    def _set_titles(self) -> None:
        for label, text in zip(self.titles, self._titles):
            label.setText(text, color=text_colour(self))

    def _restyle(self) -> None:
        for image in self.images:
            image.setLookupTable(diverging_index_lut())
        self._set_titles()
        negative, positive = diverging_words()
        self.setToolTip(f"Row i of W[1] of each run as a 28\u00d728 chunk: {positive} pixels excite the neuron, "
                        f"{negative} ones inhibit it, white is zero, on one scale for both runs. B's neurons sit "
                        "beside their matched partners in A; wheel or drag to zoom and pan both together.")
