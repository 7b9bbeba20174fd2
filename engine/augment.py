"""Data augmentation for a batch of 28x28 images, vectorised over the whole batch.

Every image gets its own random affine transform (rotation about the centre plus a
shift) applied by inverse mapping with bilinear interpolation in one gather over the
batch, so no Python code runs per image.
"""
from __future__ import annotations

import numpy as np

SIDE = 28
_CENTRE = (SIDE - 1) / 2.0
# Output pixel grid, relative to the centre; shared by every call.
_ROWS, _COLS = np.meshgrid(np.arange(SIDE, dtype=np.float32) - _CENTRE,
                           np.arange(SIDE, dtype=np.float32) - _CENTRE, indexing="ij")


def affine_batch(images, angles_deg, shifts):
    """images: (m, 784) rows; angles_deg: (m,); shifts: (m, 2) as (dy, dx) pixels.
    Returns new (m, 784) rows: each image rotated by its angle and moved by its shift;
    pixels from outside the image are 0 (background)."""
    m = images.shape[0]
    theta = np.deg2rad(np.asarray(angles_deg, dtype=np.float32))[:, None, None]
    cos, sin = np.cos(theta), np.sin(theta)
    dy = np.asarray(shifts, dtype=np.float32)[:, 0, None, None]
    dx = np.asarray(shifts, dtype=np.float32)[:, 1, None, None]
    # Inverse map: where in the source does each output pixel come from?
    r = _ROWS[None] - dy
    c = _COLS[None] - dx
    src_r = cos * r - sin * c + _CENTRE
    src_c = sin * r + cos * c + _CENTRE
    r0 = np.floor(src_r)
    c0 = np.floor(src_c)
    fr = src_r - r0
    fc = src_c - c0
    # Sources further than one pixel outside the image read background: their indices are
    # parked at 0 (any valid index) and their results zeroed afterwards.
    width = SIDE + 2
    outside = (r0 < -1) | (r0 > SIDE - 1) | (c0 < -1) | (c0 > SIDE - 1)
    top_left = (r0.astype(np.int32) + 1) * width + (c0.astype(np.int32) + 1)
    top_left[outside] = 0
    top_left += (np.arange(m, dtype=np.int32) * width * width)[:, None, None]
    # Pad by one pixel of background on each side so every neighbour index is valid.
    padded = np.zeros((m, width, width), dtype=images.dtype)
    padded[:, 1:-1, 1:-1] = images.reshape(m, SIDE, SIDE)
    flat = padded.ravel()
    p00 = flat.take(top_left)
    p01 = flat.take(top_left + 1)
    p10 = flat.take(top_left + width)
    p11 = flat.take(top_left + width + 1)
    top = p00 + (p01 - p00) * fc
    bottom = p10 + (p11 - p10) * fc
    out = top + (bottom - top) * fr
    out[outside] = 0
    return out.reshape(m, SIDE * SIDE).astype(images.dtype, copy=False)


def augment_batch(images, rng, shift=0, rotate=0.0, noise=0.0):
    """Random shifts of up to `shift` whole pixels, rotations uniform in +-`rotate` degrees,
    and Gaussian pixel noise of standard deviation `noise`; results clipped to [0, 1]."""
    m = images.shape[0]
    out = images
    if shift or rotate:
        angles = rng.uniform(-rotate, rotate, m) if rotate else np.zeros(m)
        shifts = rng.integers(-shift, shift + 1, (m, 2)) if shift else np.zeros((m, 2))
        out = affine_batch(images, angles, shifts)
    if noise:
        out = out + rng.standard_normal(out.shape, dtype=np.float32).astype(images.dtype, copy=False) * images.dtype.type(noise)
        np.clip(out, 0.0, 1.0, out=out)
    return out
