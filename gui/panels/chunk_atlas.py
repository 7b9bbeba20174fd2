"""The chunk atlas: the rows of W[1] (or of any (n, 784) array) as 28x28 tiles on a near-square
grid, with gaps between the tiles."""
from __future__ import annotations

import math

import numpy as np

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
