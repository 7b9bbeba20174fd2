"""Distortions that make MNIST digits look more like other people's handwriting, vectorised over
the batch (no Python runs per image):

* a random affine map per image: scale, shear, rotation and shift;
* an elastic deformation (Simard, Steinkraus and Platt, 2003): a random displacement field,
  smoothed by a Gaussian so that neighbouring pixels move together, as a hand's wobble does;
* stroke thickness: grey-scale dilation or erosion (a 3x3 maximum or minimum), blended in by a
  random amount, for pens thicker and thinner than MNIST's.

The affine map and the displacement field are composed into one source coordinate per output
pixel, so an image is resampled (bilinearly) once, whatever is switched on.
"""
from __future__ import annotations

import numpy as np

from .augment import _CENTRE, _CHUNK, _COL_OFFSETS, _ROW_OFFSETS, SIDE, bilinear

ELASTIC_SIGMA = 4.0
"""Width (pixels) of the Gaussian that smooths the displacement field, as in Simard et al."""
ELASTIC_NODES = 7
"""The random field is drawn on a 7x7 lattice of nodes (4.5 px apart) and spread over the image
by the Gaussian: the same smooth fields as smoothing a random value at every pixel, at a
sixteenth of the random numbers."""
_NODES = np.linspace(0.0, SIDE - 1.0, ELASTIC_NODES, dtype=np.float32)
_PIXELS = np.arange(SIDE, dtype=np.float32)
_SPREAD = np.exp(-0.5 * ((_PIXELS[:, None] - _NODES[None, :]) / ELASTIC_SIGMA) ** 2).astype(np.float32)
# Scaled so that a field of unit-variance node values moves pixels by 1 px RMS on average.
_SPREAD /= np.sqrt(np.mean(np.sum(_SPREAD ** 2, axis=1)))


def elastic_fields(rng: np.random.Generator, m: int, scale_px: float) -> tuple[np.ndarray, np.ndarray]:
    """(dy, dx), each (m, 28, 28) float32: smooth random displacements of about `scale_px` pixels RMS."""
    nodes = rng.standard_normal((2, m, ELASTIC_NODES, ELASTIC_NODES), dtype=np.float32)
    nodes *= np.float32(scale_px)
    # fields = _SPREAD @ nodes @ _SPREAD.T for every image: the node values spread by the Gaussian,
    # as two single matrix products over the whole batch (a stack of 7x7 products is much slower).
    columns = nodes.reshape(-1, ELASTIC_NODES) @ _SPREAD.T                      # (2m*7, 28)
    columns = columns.reshape(2 * m, ELASTIC_NODES, SIDE).transpose(1, 0, 2)    # (7, 2m, 28)
    fields = (_SPREAD @ columns.reshape(ELASTIC_NODES, -1)).reshape(SIDE, 2, m, SIDE)
    fields = fields.transpose(1, 2, 0, 3)                                        # (2, m, 28, 28)
    return fields[0], fields[1]


def affine_parameters(rng: np.random.Generator, m: int, shift: float = 0.0, rotate: float = 0.0,
                      affine: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Per image a 2x2 matrix (m, 2, 2) mapping output offsets from the centre to source offsets,
    and a shift (m, 2) in pixels: rotation uniform in +-`rotate` degrees, shift uniform in
    +-`shift` pixels, and with `affine` = a > 0 a scale in [1 - a, 1 + a] (separately for rows
    and columns, so the slant and width of a digit change too) and a shear in [-a, a]."""
    angles = np.deg2rad(rng.uniform(-rotate, rotate, m)) if rotate else np.zeros(m)
    shifts = rng.uniform(-shift, shift, (m, 2)) if shift else np.zeros((m, 2))
    scales = rng.uniform(1 - affine, 1 + affine, (m, 2)) if affine else np.ones((m, 2))
    shears = rng.uniform(-affine, affine, m) if affine else np.zeros(m)
    cos, sin = np.cos(angles), np.sin(angles)
    # Forward, the digit is scaled, then sheared (column offsets gain `shear` x row offset) ...
    shape = np.zeros((m, 2, 2))
    shape[:, 0, 0] = scales[:, 0]
    shape[:, 1, 0] = shears * scales[:, 0]
    shape[:, 1, 1] = scales[:, 1]
    # ... and rotated as affine_batch rotates (its inverse map is this matrix for the angle).
    rotation = np.empty((m, 2, 2))
    rotation[:, 0, 0], rotation[:, 0, 1], rotation[:, 1, 0], rotation[:, 1, 1] = cos, -sin, sin, cos
    inverse = rotation @ np.linalg.inv(shape)
    return inverse.astype(np.float32), shifts.astype(np.float32)


def distort_batch(images: np.ndarray, rng: np.random.Generator, shift: float = 0.0, rotate: float = 0.0,
                  affine: float = 0.0, elastic: float = 0.0, thickness: float = 0.0) -> np.ndarray:
    """New (m, 784) rows: each image thickened or thinned by a random amount up to `thickness`
    (0 to 1: a blend towards one 3x3 dilation or erosion), then moved by its own affine map and
    elastic field (see affine_parameters and elastic_fields); background is 0."""
    images = np.asarray(images)
    m = images.shape[0]
    out = images
    if thickness:
        out = stroke_thickness(out, rng.uniform(-thickness, thickness, m))
    if not (shift or rotate or affine or elastic):
        return out
    inverse, shifts = affine_parameters(rng, m, shift, rotate, affine)
    fields = elastic_fields(rng, m, elastic) if elastic else None
    result = np.empty((m, SIDE * SIDE), dtype=np.result_type(images.dtype, np.float32))
    for start in range(0, m, _CHUNK):
        part = slice(start, start + _CHUNK)
        a = inverse[part]
        r = _ROW_OFFSETS - shifts[part, 0, None, None]   # (k, 28, 1)
        c = _COL_OFFSETS - shifts[part, 1, None, None]   # (k, 1, 28)
        src_r = a[:, 0, 0, None, None] * r + a[:, 0, 1, None, None] * c
        src_c = a[:, 1, 0, None, None] * r + a[:, 1, 1, None, None] * c
        src_r += _CENTRE
        src_c += _CENTRE
        if fields is not None:
            src_r += fields[0][part]
            src_c += fields[1][part]
        result[part] = bilinear(out[part], src_r, src_c)
    return result.astype(images.dtype, copy=False)


def filter_3x3(x: np.ndarray, reduce) -> np.ndarray:
    """One pass of a 3x3 `reduce` (np.maximum: dilation, np.minimum: erosion) over every 28x28
    image in x (rows of 784, or images), as two 1-D passes of shifted views. Outside the image
    counts as background (0), so erosion also clears the border pixels."""
    images = x.reshape(-1, SIDE, SIDE)
    padded = np.zeros((images.shape[0], SIDE + 2, SIDE + 2), dtype=x.dtype)
    padded[:, 1:-1, 1:-1] = images
    rows = reduce(reduce(padded[:, :-2, :], padded[:, 1:-1, :]), padded[:, 2:, :])
    out = reduce(reduce(rows[:, :, :-2], rows[:, :, 1:-1]), rows[:, :, 2:])
    return out.reshape(x.shape)


def stroke_thickness(images: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """Per image a blend towards its dilation (amount > 0, a thicker pen) or its erosion
    (amount < 0, a thinner one); `amounts` in [-1, 1], 0 leaves the image as it is."""
    amounts = np.asarray(amounts, dtype=np.float32).reshape(-1, 1)
    thicker = amounts[:, 0] > 0
    target = np.empty(images.shape, dtype=np.result_type(images.dtype, np.float32))
    target[thicker] = filter_3x3(images[thicker], np.maximum)  # each image filtered one way only
    target[~thicker] = filter_3x3(images[~thicker], np.minimum)
    target -= images
    target *= np.abs(amounts)
    target += images
    return target.astype(images.dtype, copy=False)
