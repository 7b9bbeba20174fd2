"""Pictures of weights as PNG bytes, without Qt, Pillow or matplotlib: a minimal PNG encoder (8-bit RGB,
zlib and struct only), the blue-white-red diverging map and a grid of chunk tiles.

The map is symmetric about zero (white is exactly zero, equal distances from zero look equally
strong), as in the window's chunk views. Upscaling repeats pixels (nearest neighbour), so each weight
stays one crisp square.
"""
from __future__ import annotations

import math
import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NEGATIVE = np.array((33, 102, 172), dtype=np.float64)    # blue, -scale and below
ZERO = np.array((255, 255, 255), dtype=np.float64)       # white
POSITIVE = np.array((178, 24, 43), dtype=np.float64)     # red, +scale and above
SEPARATOR = (70, 70, 70)
EMPTY = (215, 215, 215)                                  # a slot with no neuron (NaN)
ROBUST_PERCENTILE = 99.0
"""Percentile of |w| used as the colour scale, so that a few outliers cannot wash out the rest."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an (height, width, 3) uint8 image: colour type 2 (RGB), bit depth 8, no
    interlacing, filter type 0 on every row."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or 0 in rgb.shape[:2]:
        raise ValueError(f"expected a non-empty (height, width, 3) uint8 image, got {rgb.shape} {rgb.dtype}")
    height, width = rgb.shape[:2]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, width * 3)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
            + _chunk(b"IEND", b""))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; ValueError for bytes that are not a PNG."""
    if bytes(data[:8]) != PNG_SIGNATURE or bytes(data[12:16]) != b"IHDR":
        raise ValueError("not a PNG image")
    return struct.unpack(">II", bytes(data[16:24]))


def symmetric_scale(*arrays: np.ndarray) -> float:
    """The ROBUST_PERCENTILE of |values| over all `arrays` (NaN ignored); 1e-3 if that is zero."""
    values = np.abs(np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]))
    values = values[np.isfinite(values)]
    scale = float(np.percentile(values, ROBUST_PERCENTILE)) if values.size else 0.0
    return scale if scale > 0 else 1e-3


def diverging_rgb(values: np.ndarray, scale: float) -> np.ndarray:
    """uint8 (..., 3): blue for -scale, white for 0, red for +scale, linear in between and clipped
    beyond; NaN gives EMPTY."""
    values = np.asarray(values, dtype=np.float64)
    t = np.clip(np.nan_to_num(values / scale), -1.0, 1.0)[..., None]
    rgb = np.where(t < 0, ZERO + (NEGATIVE - ZERO) * -t, ZERO + (POSITIVE - ZERO) * t)
    rgb = np.round(rgb).astype(np.uint8)
    rgb[np.isnan(values)] = EMPTY
    return rgb


def upscale(rgb: np.ndarray, factor: int) -> np.ndarray:
    """Each pixel repeated `factor` x `factor` times (nearest neighbour)."""
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def tile_grid_rgb(tiles: np.ndarray, scale: float, columns: int | None = None) -> np.ndarray:
    """uint8 (H, W, 3): tiles (n, h, w) in rows of `columns` (default ceil(sqrt(n))), each coloured with
    diverging_rgb and framed by one-pixel SEPARATOR lines; slots past n are EMPTY."""
    tiles = np.asarray(tiles, dtype=np.float64)
    n, h, w = tiles.shape
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / columns))
    image = np.empty((rows * (h + 1) + 1, columns * (w + 1) + 1, 3), dtype=np.uint8)
    image[...] = SEPARATOR
    coloured = diverging_rgb(tiles, scale)
    for slot in range(rows * columns):
        top, left = 1 + (slot // columns) * (h + 1), 1 + (slot % columns) * (w + 1)
        image[top:top + h, left:left + w] = coloured[slot] if slot < n else EMPTY
    return image


def tile_grid_png(tiles: np.ndarray, scale: float, columns: int | None = None, target_width: int = 480) -> bytes:
    """tile_grid_rgb as PNG bytes, upscaled by the largest whole factor (up to 8) that keeps it within
    `target_width` pixels."""
    image = tile_grid_rgb(tiles, scale, columns)
    factor = max(1, min(8, target_width // image.shape[1]))
    return encode_png(upscale(image, factor))
