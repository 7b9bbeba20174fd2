"""Colours shared by the panels, kept in one place so every picture uses the same code.

Weights and other signed quantities use one diverging map: blue for negative, white for
zero, red for positive, always with levels symmetric about zero so that white means
exactly zero and equal distances from zero look equally strong. Series colours
(train, test, highlight) are shared so "train" and "test" look the same in every plot.
"""
from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

DIVERGING_COLORMAP_NAME = "CET-D1"
"""Perceptually uniform blue-white-red map (Kovesi's CET-D1), bundled with pyqtgraph."""

SEQUENTIAL_COLORMAP_NAME = "inferno"
"""Black-to-yellow map for quantities that are never negative (e.g. ReLU activations)."""

ROBUST_PERCENTILE = 99.0
"""Percentile of |values| used as the colour scale, so a few outliers cannot wash out the rest."""

TRAIN_COLOUR = QColor("#1f77b4")
TRAIN_EPOCH_COLOUR = QColor("#0b3d6b")
TEST_COLOUR = QColor("#d95f02")
BAR_COLOUR = QColor("#8a9bb0")
HIGHLIGHT_COLOUR = QColor("#e67e22")
TRUE_LABEL_COLOUR = QColor("#2ca02c")
SEPARATOR_COLOUR = QColor("#3a3a3a")
HOVER_FRAME_COLOUR = QColor("#ffd400")  # yellow: distinct from every colour of the diverging map

_MAX_SCALE_SAMPLES = 100_000


@functools.lru_cache(maxsize=1)
def diverging_colormap() -> pg.ColorMap:
    return pg.colormap.get(DIVERGING_COLORMAP_NAME)


@functools.lru_cache(maxsize=4)
def _diverging_lut(n_colours: int) -> np.ndarray:
    lut = diverging_colormap().getLookupTable(nPts=n_colours, alpha=False)
    lut.setflags(write=False)
    return lut


def diverging_lut(n_colours: int = 256) -> np.ndarray:
    """(n_colours, 3) uint8 lookup table of the diverging map (read-only, shared)."""
    return _diverging_lut(int(n_colours))


def diverging_colour(signed_fraction: float) -> QColor:
    """The diverging map's colour at `signed_fraction` in [-1, 1] (-1 darkest blue, +1 darkest red)."""
    return diverging_colormap().map(0.5 + 0.5 * float(np.clip(signed_fraction, -1.0, 1.0)), mode="qcolor")


@functools.lru_cache(maxsize=1)
def sequential_colormap() -> pg.ColorMap:
    return pg.colormap.get(SEQUENTIAL_COLORMAP_NAME)


@functools.lru_cache(maxsize=1)
def sequential_lut() -> np.ndarray:
    """(256, 3) uint8 lookup table of the sequential map (read-only, shared)."""
    lut = sequential_colormap().getLookupTable(nPts=256, alpha=False)
    lut.setflags(write=False)
    return lut


def symmetric_scale(values: np.ndarray, percentile: float = ROBUST_PERCENTILE) -> float:
    """A robust max |value|: the colour levels are then (-scale, +scale).

    Large arrays are subsampled with a fixed stride, which estimates a percentile
    well and keeps the cost bounded. Never returns 0 or a non-finite number, so the
    levels always form a valid range."""
    flat = np.asarray(values).reshape(-1)
    if flat.size > _MAX_SCALE_SAMPLES:
        flat = flat[:: flat.size // _MAX_SCALE_SAMPLES + 1]
    magnitudes = np.abs(flat[np.isfinite(flat)])
    if magnitudes.size == 0:
        return 1.0
    scale = float(np.percentile(magnitudes, percentile))
    if not scale > 0.0:
        scale = float(magnitudes.max())
    return scale if scale > 0.0 else 1.0


def text_colour(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.WindowText)


def style_plot(plot_item: pg.PlotItem, widget: QWidget) -> None:
    """Palette-coloured axes, so plots on a transparent background match the window theme."""
    colour = text_colour(widget)
    for name in ("left", "bottom", "right", "top"):
        axis = plot_item.getAxis(name)
        axis.setPen(pg.mkPen(colour))
        axis.setTextPen(pg.mkPen(colour))


def make_colour_bar(widget: QWidget, colormap: pg.ColorMap, image_item: pg.ImageItem,
                    label: str = "", width: int = 14) -> pg.ColorBarItem:
    """A read-only colour bar that drives `image_item`'s colours and levels.

    Set levels through the bar (bar.setLevels), which passes them on to the image:
    levels set on the image alone would leave the bar's scale showing stale numbers."""
    colour = text_colour(widget)
    bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=colormap, interactive=False,
                          colorMapMenu=False, width=width, pen=colour)
    bar.axis.setTextPen(pg.mkPen(colour))
    if label:
        bar.axis.setLabel(label, color=colour.name())
        bar.axis.setWidth(62)  # the default 45 px clips tick values such as "-0.05" next to a label
    bar.axis.enableAutoSIPrefix(False)
    bar.setImageItem(image_item)
    return bar


def translucent(colour: QColor, alpha: int) -> QColor:
    faded = QColor(colour)
    faded.setAlpha(alpha)
    return faded
