"""The chunk atlas: the rows of W[1] (or of any (n, 784) array) as 28x28 tiles on a near-square
grid, with gaps between the tiles.

`chunk_frame` makes the chunk view's picture (a ChunkFrame): for a running network on the
training thread (a ChunkAtlasRequest, see gui.training.prepared), otherwise in the view itself.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from ..widgets.colormaps import (
    INDEX_SEPARATOR,
    INDEX_TRANSPARENT,
    diverging_indices,
    nice_ceiling,
    symmetric_scale,
)

CHUNK_SIDE = 28


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


@dataclass(frozen=True, eq=False)
class ChunkFrame:
    """One picture of the chunk grid, ready to show: `display` is the index image (see
    gui.widgets.colormaps.diverging_indices) with the gaps and unused cells coloured, made from
    `network`'s W[1] (minus `reference`, W[1] at the start, for the change view) in the order
    asked for. Read-only."""
    network: object
    reference: np.ndarray | None  # W[1](0) when `showing_change`
    scale: float             # the colour levels are (-scale, +scale)
    indices: np.ndarray      # (n, 784) uint8 colour indices, in cell order
    display: np.ndarray      # (height, width) uint8, the whole grid
    grid: tuple              # (n_chunks, rows, cols, separator)
    request: object = None   # the ChunkAtlasRequest it answers, if made for one

    @property
    def showing_change(self) -> bool:
        return self.reference is not None

    @functools.cached_property
    def values(self) -> np.ndarray:
        """(n, 784): W[1], or W[1] - W[1](0), in neuron order (the difference is made when first
        asked for: a frame that is only shown never needs it)."""
        weights = self.network.weights[0]
        if self.reference is None:
            return weights
        values = _difference(weights, self.reference, np.empty(weights.shape, np.float32))
        values.setflags(write=False)
        return values


@dataclass(frozen=True, eq=False)
class ChunkAtlasRequest:
    """What the chunk grid on screen shows, for the training thread to make each snapshot's
    ChunkFrame (see gui.training.prepared): the change since `reference` (W[1] at the start) or
    the weights themselves (None), in `order` (cell k shows neuron order[k]; None: by number)."""
    reference: np.ndarray | None = None
    order: np.ndarray | None = None
    scratch: dict = field(default_factory=dict, repr=False)
    """Work arrays of `prepare`, which only the training thread calls: reused, since a fresh
    array of W[1]'s size is a fresh memory mapping (see gui.app.application), whose page faults
    would cost more than the work."""
    key = "chunks"

    def prepare(self, network) -> ChunkFrame:
        return chunk_frame(network, self.reference, self.order, self, self.scratch)


def chunk_frame(network, reference: np.ndarray | None = None, order: np.ndarray | None = None,
                request: ChunkAtlasRequest | None = None, scratch: dict | None = None) -> ChunkFrame:
    """The chunk grid of `network`'s W[1] (see ChunkFrame); NumPy only, so any thread may make it.
    `scratch` keeps work arrays from one call to the next (one caller at a time)."""
    weights = network.weights[0]
    n_chunks = weights.shape[0]
    rows, cols = grid_shape(n_chunks)
    separator = separator_width(cols)
    change = reference is not None and reference.shape == weights.shape
    values = _difference(weights, reference, _work(scratch, "change", weights.shape)) if change else weights
    scale = nice_ceiling(symmetric_scale(values))
    if order is not None:
        # mode="clip": the order is a permutation, and the default mode would copy through a buffer.
        values = np.take(values, order, axis=0, out=_work(scratch, "sorted", weights.shape), mode="clip")
    indices = diverging_indices(values, scale, work=_work(scratch, "work", weights.shape))
    display = index_display(indices, rows, cols, separator)
    indices.setflags(write=False)
    display.setflags(write=False)
    return ChunkFrame(network, reference if change else None, scale, indices, display,
                      (n_chunks, rows, cols, separator), request)


def _difference(weights: np.ndarray, reference: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.subtract(weights, reference, out=out)


def _work(scratch: dict | None, name: str, shape: tuple) -> np.ndarray:
    """A float32 work array of `shape`, kept in `scratch` (a new one without it)."""
    if scratch is None:
        return np.empty(shape, np.float32)
    array = scratch.get(name)
    if array is None or array.shape != shape:
        array = scratch[name] = np.empty(shape, np.float32)
    return array


def index_display(indices: np.ndarray, rows: int, cols: int, separator: int) -> np.ndarray:
    """The (n, 784) colour indices laid out as the grid: each row a 28x28 cell, row by row, with
    the separator colour between used cells and transparent unused cells (no gap after the last
    row and column). Copied into place with strided views, no loop."""
    n_chunks = indices.shape[0]
    cell = CHUNK_SIDE + separator
    full = _empty_display(n_chunks, rows, cols, separator).copy()
    cells = full.reshape(rows, cell, cols, cell)
    full_rows, last = divmod(n_chunks, cols)
    if full_rows:
        cells[:full_rows, :CHUNK_SIDE, :, :CHUNK_SIDE] = (
            indices[: full_rows * cols].reshape(full_rows, cols, CHUNK_SIDE, CHUNK_SIDE).transpose(0, 2, 1, 3))
    if last:
        cells[full_rows, :CHUNK_SIDE, :last, :CHUNK_SIDE] = (
            indices[full_rows * cols:].reshape(last, CHUNK_SIDE, CHUNK_SIDE).transpose(1, 0, 2))
    return np.ascontiguousarray(full[: rows * cell - separator, : cols * cell - separator])


@functools.lru_cache(maxsize=4)
def _empty_display(n_chunks: int, rows: int, cols: int, separator: int) -> np.ndarray:
    """The grid before any chunk is drawn: separator colour in the gaps between used cells,
    transparent cells after the last neuron (read-only, shared)."""
    cell = CHUNK_SIDE + separator
    display = np.full((rows * cell, cols * cell), INDEX_TRANSPARENT, dtype=np.uint8)
    full_rows, last = divmod(n_chunks, cols)
    display[: full_rows * cell, : cols * cell - separator] = INDEX_SEPARATOR
    if last:
        display[full_rows * cell: full_rows * cell + CHUNK_SIDE, : last * cell - separator] = INDEX_SEPARATOR
    display.setflags(write=False)
    return display
