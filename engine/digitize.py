"""Turn a free-hand drawing into an MNIST-style 28x28 network input.

The network is trained on MNIST, so a drawing only classifies well when it is
normalised the way MNIST digits were:

1. crop to the bounding box of the ink,
2. scale (keeping the aspect ratio) so that the larger side is 20 pixels,
   using area averaging so that stroke edges become grey, anti-aliased values,
3. paste into a 28x28 frame, translated by a whole number of pixels so that
   the centre of mass lands on pixel index (14, 14).

One step comes before the scaling: strokes that would end up bolder than MNIST's
boldest are thinned first. The pen's width is fixed in canvas pixels while the
digit is scaled to the box, so a small digit drawn with a thick pen would become
far bolder than anything the network was trained on (MNIST's strokes measure
about 2 to 3.9 px across, 5th to 95th percentile); eroding the ink until its
strokes are MAX_STROKE_WIDTH wide keeps the shape the writer drew.
Strokes within MNIST's range, and blobs that are not strokes, are left alone.

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

MAX_STROKE_WIDTH = 3.9
"""Boldest stroke, in input pixels (as `stroke_width` measures them), left as drawn: MNIST's
95th percentile (its median is 2.6)."""

_STROKE_SHARE_LIMIT = 0.4
"""Ink whose estimated stroke width is this share of its larger side or more is a blob
(a dot, a filled shape), not strokes: it is never thinned."""

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
    placed = _place(canvas)
    return None if placed is None else placed[0]


def digitize_with_frame(canvas: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float]] | None:
    """``digitize``'s input together with where it lies on ``canvas``: (top, left, side) in
    canvas pixels of the square whose 28x28 cells are the input's pixels, so that a picture
    of the input can be laid over the drawing. None when nothing is drawn."""
    return _place(canvas)


def _place(canvas: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float]] | None:
    image = np.asarray(canvas, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"canvas must be a 2-D array, got shape {image.shape}")
    if image.size == 0:
        return None

    # np.clip keeps NaN, so replace non-finite values first.
    image = np.clip(np.where(np.isfinite(image), image, 0.0), 0.0, 1.0)
    image[image < INK_THRESHOLD] = 0.0

    box = _ink_box(image)
    if box is None:
        return None
    top, left, crop = box
    digit, scale = _scaled_to_box(crop)
    # Measured on the scaled digit, as MNIST's strokes are measured: a thin stroke looks wider
    # at 28x28 than it is (its edges blur into each other), for both alike.
    width = stroke_width(digit)
    if MAX_STROKE_WIDTH < width < _STROKE_SHARE_LIMIT * DIGIT_BOX_SIZE:
        # Eroding by r canvas pixels takes 2r off the strokes' width and off the extent e, so
        # the scaled width (w / scale - 2r) * box / (e - 2r) is the limit m for this r.
        extent = max(crop.shape)
        radius = extent * (width - MAX_STROKE_WIDTH) / (2.0 * (DIGIT_BOX_SIZE - MAX_STROKE_WIDTH))
        thinned = _erode(np.pad(crop, 1), radius)
        thinned[thinned < INK_THRESHOLD] = 0.0
        thinned_box = _ink_box(thinned)
        if thinned_box is not None:  # else too little was left to be worth more than the ink as drawn
            top, left, crop = top + thinned_box[0] - 1, left + thinned_box[1] - 1, thinned_box[2]
            digit, scale = _scaled_to_box(crop)

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
    return result, (top - row_shift / scale, left - col_shift / scale, OUTPUT_SIZE / scale)


def _ink_box(image: np.ndarray) -> tuple[int, int, np.ndarray] | None:
    """(top, left, crop) of the bounding box of the non-zero pixels, or None if there are none."""
    ink_rows = np.flatnonzero(image.any(axis=1))
    if ink_rows.size == 0:
        return None
    ink_cols = np.flatnonzero(image.any(axis=0))
    return int(ink_rows[0]), int(ink_cols[0]), image[ink_rows[0] : ink_rows[-1] + 1, ink_cols[0] : ink_cols[-1] + 1]


def stroke_width(image: np.ndarray) -> float:
    """Estimated width of the strokes in ``image`` (0 = background, 1 = full ink), in its pixels.

    A stroke of width w and length L holds about w * L of ink, and its outline is about 2 * L
    long: the total variation of the image (the sum of its gradient's length), which by the
    coarea formula is the mean length of its contours, measures that whatever the strokes'
    direction and however soft their edges. 0 for a blank image."""
    image = np.asarray(image, dtype=np.float64)
    rows, cols = np.gradient(np.pad(image, 2))  # two: the differences at the border are one-sided
    outline = float(np.hypot(rows, cols).sum())
    return 2.0 * float(image.sum()) / outline if outline > 0.0 else 0.0


def _scaled_to_box(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """``crop`` area-averaged to DIGIT_BOX_SIZE on its larger side, and the scale factor."""
    crop_height, crop_width = crop.shape
    scale = DIGIT_BOX_SIZE / max(crop_height, crop_width)
    return _area_resampling_matrix(crop_height, scale) @ crop @ _area_resampling_matrix(crop_width, scale).T, scale


def _erode(image: np.ndarray, radius: float) -> np.ndarray:
    """Grey-level erosion (minimum filter) by about ``radius`` pixels in every direction.

    Alternating 3x3 cross and square minima grow an octagon, close to the round footprint
    of a pen, at the cost of nine array minima a pixel of radius; the fraction of a
    pixel left over blends in one more step."""
    steps, fraction = int(radius), radius - int(radius)
    for step in range(steps):
        image = _erode_one_pixel(image, square=step % 2 == 1)
    if fraction > 0.0:
        image = (1.0 - fraction) * image + fraction * _erode_one_pixel(image, square=steps % 2 == 1)
    return image


def _erode_one_pixel(image: np.ndarray, square: bool) -> np.ndarray:
    """Minimum over each pixel's 4 neighbours (``square``: 8 neighbours) and itself; outside is background."""
    padded = np.pad(image, 1)
    neighbours = [padded[1:-1, 1:-1], padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]]
    if square:
        neighbours += [padded[:-2, :-2], padded[:-2, 2:], padded[2:, :-2], padded[2:, 2:]]
    return np.minimum.reduce(neighbours)


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
