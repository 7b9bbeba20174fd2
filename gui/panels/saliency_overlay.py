"""Saliency on the drawing: the colours of an input gradient (red, or orange with the colour-blind
palette, where more ink raises the objective, blue where it lowers it, clear where it does not
matter) and where the 28x28 network input lies on the pad, so that the picture can be laid over
the strokes."""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage

from engine.digitize import digitize_with_frame

from ..widgets.colormaps import INDEX_HALF_RANGE, INDEX_SEPARATOR, INDEX_TRANSPARENT, INDEX_ZERO, diverging_colormap
from ..widgets.theme import appearance

SALIENCY_PERCENTILE = 99.0
"""Colour levels are +/- this percentile of |gradient|: a few extreme pixels saturate
instead of washing out everything else."""
_SALIENCY_MAX_ALPHA = 225
"""Opacity (of 255) of the strongest saliency colour, so strokes stay visible beneath it."""
_SALIENCY_ALPHA_GAMMA = 1.5
"""Opacity grows as |value| ** gamma: above 1, the faint speckle every pixel of a raw
gradient has fades out and the pixels that matter stand out."""
_SALIENCY_MIN_HUE = 0.55
"""Weakest position used on each half of the diverging map: its pale middle would look
grey, not red or blue, over the black canvas."""


def saliency_lut(premultiplied: bool = False) -> np.ndarray:
    """(256, 4) RGBA table for the colour indices of colormaps.diverging_indices.

    Red (or orange) for positive values, blue for negative, from the diverging map in use, with
    an opacity that grows with |value|: zero is fully transparent, so only pixels that matter
    tint the drawing. `premultiplied` gives colours already multiplied by their opacity,
    as QImage's premultiplied formats expect (and as smooth scaling needs, so transparent
    pixels do not bleed white into their neighbours). Read-only and shared; another array
    after the palette choice changes."""
    return _saliency_lut(bool(premultiplied), appearance().colour_blind)


@functools.lru_cache(maxsize=4)
def _saliency_lut(premultiplied: bool, _colour_blind: bool) -> np.ndarray:
    # _colour_blind: the cache key of the map diverging_colormap() returns.
    fraction = np.clip((np.arange(256) - INDEX_ZERO) / INDEX_HALF_RANGE, -1.0, 1.0)
    magnitude = np.abs(fraction)
    position = 0.5 + 0.5 * np.sign(fraction) * (_SALIENCY_MIN_HUE + (1 - _SALIENCY_MIN_HUE) * magnitude)
    lut = diverging_colormap().map(position, mode="byte").astype(np.float64)
    lut[:, 3] = np.round(_SALIENCY_MAX_ALPHA * magnitude ** _SALIENCY_ALPHA_GAMMA)
    lut[[INDEX_TRANSPARENT, INDEX_SEPARATOR]] = 0  # unused cells and non-finite values
    if premultiplied:
        lut[:, :3] *= lut[:, 3:] / 255.0
    lut = np.round(lut).astype(np.uint8)
    lut.setflags(write=False)
    return lut


def saliency_colour(signed_fraction: float) -> QColor:
    """The overlay's colour (with its opacity) for a value of `signed_fraction` x the colour scale."""
    index = int(round(INDEX_ZERO + INDEX_HALF_RANGE * float(np.clip(signed_fraction, -1.0, 1.0))))
    return QColor(*(int(channel) for channel in saliency_lut()[index]))


def overlay_image(indices: np.ndarray) -> QImage:
    rgba = np.ascontiguousarray(saliency_lut(premultiplied=True)[indices])
    height, width = indices.shape
    # copy(): the QImage must own its pixels, not borrow the temporary array's.
    return QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888_Premultiplied).copy()


def input_frame_on_canvas(canvas: np.ndarray, network_input: np.ndarray | None) -> QRectF | None:
    """Where the 28x28 network input lies on the pad, as a rectangle in canvas pixels.

    `digitize` crops the ink's bounding box (after thinning strokes too bold for MNIST),
    scales it by DIGIT_BOX_SIZE over its larger side and shifts it by whole input pixels;
    engine.digitize.digitize_with_frame undoes that, so a picture of the input (its
    saliency) can be laid over the drawing. None for an empty drawing (`network_input` None)."""
    if network_input is None:
        return None
    placed = digitize_with_frame(canvas)
    if placed is None:
        return None
    top, left, side = placed[1]
    return QRectF(float(left), float(top), float(side), float(side))
