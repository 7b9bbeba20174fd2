"""Turn a free-hand drawing into an MNIST-style 28x28 network input.

The network is trained on MNIST, so a drawing only classifies well when it is
normalised the way MNIST digits were:

1. crop to the bounding box of the ink,
2. scale (keeping the aspect ratio) so that the larger side is 20 pixels,
   using area averaging so that stroke edges become grey, anti-aliased values,
3. paste into a 28x28 frame, translated by a whole number of pixels so that
   the centre of mass lands on pixel index (14, 14).

About the centre convention: MNIST centres the centre of mass at index 14
(row and column), half a pixel right of and below the geometric centre 13.5.
Measured on the training set the centre of mass is 14.00 +/- 0.29 px on both
axes (the spread is the rounding of an integer shift). We reproduce exactly
that, because the network has only ever seen digits placed this way.

Pure NumPy; this module must stay free of any GUI dependency.
"""

from __future__ import annotations

import numpy as np

OUTPUT_SIZE = 28
"""Side length of the network input, in pixels."""

DIGIT_BOX_SIZE = 20
"""The digit is scaled so that its larger side spans this many pixels."""

CENTRE_OF_MASS_TARGET = 14.0
"""Pixel index (row and column) where MNIST puts the centre of mass."""

INK_THRESHOLD = 0.05
"""Values below this are background: a canvas whose brightest pixel is below it
counts as empty, and fainter pixels never widen the bounding box."""

# Guards ``ceil`` against round-off such as 20 * (7 / 7) == 20.000000000000004.
_EXTENT_TOLERANCE = 1e-6


def digitize(canvas: np.ndarray) -> np.ndarray | None:
    """Convert a drawing into a 28x28 MNIST-like image.

    Args:
        canvas: 2-D array of shape (H, W) of any size; 0 is background and 1 is
            full ink. Values outside [0, 1] are clipped, non-finite values
            (NaN, +/-inf) are treated as background.

    Returns:
        A (28, 28) float32 array with values in [0, 1] whose ink fits in a
        20x20 box (larger side 20 px, aspect ratio preserved) and whose centre
        of mass lies within half a pixel of index (14, 14) unless that would
        push ink off the frame; or None when nothing is drawn (the brightest
        pixel is below ``INK_THRESHOLD``).

    Raises:
        ValueError: if ``canvas`` is not two-dimensional.
    """
    image = np.asarray(canvas, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"canvas must be a 2-D array, got shape {image.shape}")
    if image.size == 0:
        return None

    # np.clip keeps NaN, so replace non-finite values first.
    image = np.clip(np.where(np.isfinite(image), image, 0.0), 0.0, 1.0)
    image[image < INK_THRESHOLD] = 0.0

    ink_rows = np.flatnonzero(image.any(axis=1))
    if ink_rows.size == 0:
        return None
    ink_cols = np.flatnonzero(image.any(axis=0))
    crop = image[ink_rows[0] : ink_rows[-1] + 1, ink_cols[0] : ink_cols[-1] + 1]

    crop_height, crop_width = crop.shape
    scale = DIGIT_BOX_SIZE / max(crop_height, crop_width)
    resize_rows = _area_resampling_matrix(crop_height, scale)
    resize_cols = _area_resampling_matrix(crop_width, scale)
    digit = resize_rows @ crop @ resize_cols.T

    total_ink = digit.sum()
    if not total_ink > 0.0:
        # Only reachable through underflow of extremely faint-but-valid ink.
        return None
    row_shift = _centring_shift(digit.sum(axis=1), total_ink)
    col_shift = _centring_shift(digit.sum(axis=0), total_ink)

    result = np.zeros((OUTPUT_SIZE, OUTPUT_SIZE), dtype=np.float32)
    digit_height, digit_width = digit.shape
    result[row_shift : row_shift + digit_height, col_shift : col_shift + digit_width] = digit
    # Area averaging of values in [0, 1] stays in range up to round-off.
    np.clip(result, 0.0, 1.0, out=result)
    return result


def _area_resampling_matrix(source_length: int, scale: float) -> np.ndarray:
    """Matrix that area-averages a 1-D signal of ``source_length`` pixels scaled by ``scale``.

    Source pixel i covers [i * scale, (i + 1) * scale) in output coordinates and
    output pixel j covers [j, j + 1); the weight is the length of their overlap.
    Integrating a piecewise-constant image over each output pixel this way is
    exact box-filter resampling, for shrinking and enlarging alike, and applying
    the matrix along both axes (R_rows @ image @ R_cols.T) resamples in 2-D.
    """
    output_length = max(1, int(np.ceil(source_length * scale - _EXTENT_TOLERANCE)))
    output_start = np.arange(output_length, dtype=np.float64)[:, np.newaxis]
    source_start = np.arange(source_length, dtype=np.float64)[np.newaxis, :] * scale
    overlap = np.minimum(output_start + 1.0, source_start + scale) - np.maximum(output_start, source_start)
    return np.maximum(overlap, 0.0)


def _centring_shift(profile: np.ndarray, total_ink: float) -> int:
    """Whole-pixel offset that puts the centre of mass of ``profile`` at the MNIST centre.

    The offset is clipped so that the whole digit stays inside the frame: a
    lopsided digit is better slightly off-centre than cut.
    """
    centre_of_mass = float(profile @ np.arange(profile.size)) / total_ink
    ideal_shift = int(np.round(CENTRE_OF_MASS_TARGET - centre_of_mass))
    return int(np.clip(ideal_shift, 0, OUTPUT_SIZE - profile.size))
