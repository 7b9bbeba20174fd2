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
    fr = (src_r - r0).astype(np.float32)
    fc = (src_c - c0).astype(np.float32)
    r0 = r0.astype(np.int64)
    c0 = c0.astype(np.int64)
    # Pad by one pixel of background on each side so every neighbour index is valid.
    padded = np.zeros((m, SIDE + 2, SIDE + 2), dtype=images.dtype)
    padded[:, 1:-1, 1:-1] = images.reshape(m, SIDE, SIDE)
    flat = padded.reshape(m, -1)
    width = SIDE + 2
    rr = np.clip(r0 + 1, 0, SIDE + 1)
    cc = np.clip(c0 + 1, 0, SIDE + 1)
    rr1 = np.clip(r0 + 2, 0, SIDE + 1)
    cc1 = np.clip(c0 + 2, 0, SIDE + 1)
    # Outside the padded frame counts as background too.
    inside = ((r0 >= -1) & (r0 <= SIDE - 1) & (c0 >= -1) & (c0 <= SIDE - 1)).astype(np.float32)
    rows = np.arange(m)[:, None, None]
    top = flat[rows, rr * width + cc] * (1 - fc) + flat[rows, rr * width + cc1] * fc
    bottom = flat[rows, rr1 * width + cc] * (1 - fc) + flat[rows, rr1 * width + cc1] * fc
    out = (top * (1 - fr) + bottom * fr) * inside
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
        out = out + rng.normal(0.0, noise, out.shape).astype(images.dtype)
        np.clip(out, 0.0, 1.0, out=out)
    return out
