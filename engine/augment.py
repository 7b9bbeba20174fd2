"""Data augmentation for a batch of 28x28 images, vectorised over the whole batch.

Every image gets its own random affine transform (rotation about the centre plus a
shift) applied by inverse mapping with bilinear interpolation in one gather over the
batch, so no Python code runs per image. Whole-pixel shifts without rotation (the
bilinear weights are then exactly 0) skip the interpolation and copy shifted windows.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SIDE = 28
_CENTRE = (SIDE - 1) / 2.0
# Output pixel rows / columns relative to the centre; broadcast against per-image terms
# so that only the final source coordinates are full (m, 28, 28) arrays.
_ROW_OFFSETS = (np.arange(SIDE, dtype=np.float32) - _CENTRE)[None, :, None]
_COL_OFFSETS = (np.arange(SIDE, dtype=np.float32) - _CENTRE)[None, None, :]
# Two pixels of background around each image: a source pixel clipped to the border then
# reads only zeros, which replaces an explicit "outside the image" mask.
_PAD = 2
_WIDTH = SIDE + 2 * _PAD
_CHUNK = 2048  # images per pass: bounds the temporaries and keeps float32 indices exact


def affine_batch(images, angles_deg, shifts):
    """images: (m, 784) rows; angles_deg: (m,); shifts: (m, 2) as (dy, dx) pixels.
    Returns new (m, 784) rows: each image rotated by its angle and moved by its shift;
    pixels from outside the image are 0 (background)."""
    images = np.asarray(images)
    m = images.shape[0]
    angles = np.asarray(angles_deg, dtype=np.float32).reshape(m)
    shifts = np.asarray(shifts, dtype=np.float32).reshape(m, 2)
    if not angles.any() and np.array_equal(shifts, np.round(shifts)):
        return _shift_batch(images, shifts.astype(np.intp))
    out = np.empty((m, SIDE * SIDE), dtype=np.result_type(images.dtype, np.float32))
    for start in range(0, m, _CHUNK):
        part = slice(start, start + _CHUNK)
        out[part] = _rotate_and_shift(images[part], angles[part], shifts[part])
    return out.astype(images.dtype, copy=False)


def _shift_batch(images, shifts):
    """Whole-pixel shifts: out[y, x] = image[y - dy, x - dx], 0 where that is outside."""
    m = images.shape[0]
    shifts = np.clip(shifts, -SIDE, SIDE)  # further than that only background remains
    pad = int(np.abs(shifts).max()) if m else 0
    padded = np.zeros((m, SIDE + 2 * pad, SIDE + 2 * pad), dtype=images.dtype)
    padded[:, pad:pad + SIDE, pad:pad + SIDE] = images.reshape(m, SIDE, SIDE)
    windows = sliding_window_view(padded, (SIDE, SIDE), axis=(1, 2))  # (m, 2p+1, 2p+1, 28, 28), no copy
    return windows[np.arange(m), pad - shifts[:, 0], pad - shifts[:, 1]].reshape(m, SIDE * SIDE)


def _rotate_and_shift(images, angles, shifts):
    theta = np.deg2rad(angles)[:, None, None]
    cos, sin = np.cos(theta), np.sin(theta)
    r = _ROW_OFFSETS - shifts[:, 0, None, None]   # (m, 28, 1)
    c = _COL_OFFSETS - shifts[:, 1, None, None]   # (m, 1, 28)
    # Inverse map: where in the source does each output pixel come from?
    src_r = cos * r - sin * c
    src_r += _CENTRE
    src_c = sin * r + cos * c
    src_c += _CENTRE
    return bilinear(images, src_r, src_c)


def bilinear(images, src_r, src_c):
    """images: (m, 784) rows; src_r, src_c: (m, 28, 28) float32 source coordinates of every output
    pixel (row, column; overwritten). Returns (m, 784) rows sampled with bilinear interpolation,
    0 (background) outside the image. At most _CHUNK images per call."""
    m = images.shape[0]
    r0 = np.floor(src_r)
    c0 = np.floor(src_c)
    fr = np.subtract(src_r, r0, out=src_r)
    fc = np.subtract(src_c, c0, out=src_c)
    np.clip(r0, -_PAD, SIDE, out=r0)
    np.clip(c0, -_PAD, SIDE, out=c0)
    # Flat index of the top-left neighbour in the padded batch (exact in float32 below 2^24).
    r0 *= _WIDTH
    r0 += c0
    r0 += (np.arange(m, dtype=np.float32) * (_WIDTH * _WIDTH) + (_PAD * _WIDTH + _PAD))[:, None, None]
    top_left = r0.astype(np.intp)
    dtype = np.result_type(images.dtype, np.float32)
    padded = np.zeros((m, _WIDTH, _WIDTH), dtype=dtype)
    padded[:, _PAD:_PAD + SIDE, _PAD:_PAD + SIDE] = images.reshape(m, SIDE, SIDE)
    flat = padded.ravel()
    # The four neighbours, gathered through views shifted by one column / one row.
    p00 = flat.take(top_left, mode="clip")
    p01 = flat[1:].take(top_left, mode="clip")
    p10 = flat[_WIDTH:].take(top_left, mode="clip")
    p11 = flat[_WIDTH + 1:].take(top_left, mode="clip")
    # top = p00 + (p01 - p00) fc;  bottom = p10 + (p11 - p10) fc;  out = top + (bottom - top) fr
    top = _lerp(p00, p01, fc)
    bottom = _lerp(p10, p11, fc)
    return _lerp(top, bottom, fr).reshape(m, SIDE * SIDE)


def _lerp(a, b, t):
    """a + (b - a) t, in place in b."""
    b -= a
    b *= t
    b += a
    return b


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
        noisy = gaussian_noise(rng, m, out.shape[1], images.dtype)
        noisy *= images.dtype.type(noise)
        out = np.add(out, noisy, out=noisy)
        np.clip(out, 0.0, 1.0, out=out)
    return out


_NOISE_BANK_SIZE = 1 << 18
_noise_bank: np.ndarray | None = None


def gaussian_noise(rng, m, n, dtype=np.float32):
    """(m, n) standard normal noise: for each row, n consecutive values of a fixed bank of 2^18
    normal numbers from a random offset, with a random sign. Drawing m * n fresh normal numbers
    costs more than the rest of the augmentation together; rows overlap in the bank only at
    random, which noise for augmentation does not mind. The offsets come from `rng`, so a seed
    still replays a run exactly."""
    global _noise_bank
    if _noise_bank is None:
        bank = np.random.default_rng(20031).standard_normal(_NOISE_BANK_SIZE, dtype=np.float32)
        bank.setflags(write=False)
        _noise_bank = bank
    windows = sliding_window_view(_noise_bank, n)  # (bank - n + 1, n), no copy
    offsets = rng.integers(0, windows.shape[0], m)
    noisy = windows[offsets].astype(dtype, copy=True)
    noisy[rng.random(m) < 0.5] *= -1
    return noisy
