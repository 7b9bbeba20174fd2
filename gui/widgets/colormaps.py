"""Colours shared by the panels, kept in one place so every picture uses the same code.

Weights and other signed quantities use one diverging map: blue for negative, white for
zero, red for positive (orange with the colour-blind palette), always with levels symmetric
about zero so that white means exactly zero and equal distances from zero look equally strong.
Series colours (train, test, highlight) are shared so "train" and "test" look the same in every
plot; they differ in line style and marker too, so that colour is never the only clue. Maps and
series colours follow gui.widgets.theme.appearance() (dark theme, colour-blind palette), and
plots styled here restyle themselves when it changes.

Also the drawing helpers every live plot uses to stay cheap: an indexed colour table for
images, rounded colour levels, a grid that costs nothing to repaint, and item caching.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QWidget

from .theme import appearance, themed

DIVERGING_COLORMAP_NAME = "CET-D1"
"""Perceptually uniform blue-white-red map (Kovesi's CET-D1), bundled with pyqtgraph."""

COLOUR_BLIND_DIVERGING_NAME = "blue-white-orange"
COLOUR_BLIND_DIVERGING = (
    "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7", "#ffffff",
    "#fde5cd", "#fdd0a2", "#ffb26f", "#f88938", "#e86107", "#b34d00", "#8c3a06")
"""A blue-white-orange map that protanopes, deuteranopes and tritanopes all read as two hues:
ColorBrewer's Blues and Oranges (the oranges' lightness matched to the blues', within 1 L*, so
equal distances from zero look equally strong) around exactly white."""

SEQUENTIAL_COLORMAP_NAME = "inferno"
"""Black-to-yellow map for quantities that are never negative (e.g. ReLU activations)."""

ROBUST_PERCENTILE = 99.0
"""Percentile of |values| used as the colour scale, so a few outliers cannot wash out the rest."""

SEPARATOR_COLOUR = QColor("#3a3a3a")
HOVER_FRAME_COLOUR = QColor("#ffd400")  # yellow: distinct from every colour of both diverging maps

TRAIN_LINE, TEST_LINE = Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine
TRAIN_SYMBOL, TEST_SYMBOL = "o", "s"
"""Train curves are solid with round markers, test curves dashed with square ones, in every palette."""


@dataclass(frozen=True)
class SeriesColours:
    """The colours of one palette (shared QColors: copy before changing one)."""
    train: QColor
    train_epoch: QColor
    test: QColor
    bar: QColor
    highlight: QColor
    true_label: QColor
    layers: tuple[QColor, ...]
    """One per layer (gradient flow), in order."""
    digits: tuple[QColor, ...]
    """One per digit 0..9 (the embedding)."""


def _colours(*names: str) -> tuple[QColor, ...]:
    return tuple(QColor(name) for name in names)


_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_TAB10_DARK = ("#4aa3df", "#ff9f40", "#55c455", "#ff6b6b", "#b39ddb", "#c49c94", "#f7a8d8", "#b0b0b0", "#dbdb4f",
               "#4fd6e6")
# Okabe & Ito's colours (grey for their black, which is the text colour), told apart by most
# colour-blind readers, then two more for the ten digits.
_OKABE_ITO = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#7f7f7f", "#5d3a9b",
              "#a6761d")
_OKABE_ITO_DARK = ("#56b4e9", "#e69f00", "#00c08b", "#ff7f2a", "#e08fc0", "#9fd4f5", "#f0e442", "#b0b0b0",
                   "#b08fe0", "#d9a441")

SERIES = {
    # (dark, colour_blind)
    (False, False): SeriesColours(
        *_colours("#1f77b4", "#0b3d6b", "#d95f02", "#8a9bb0", "#e67e22", "#2ca02c"),
        layers=_colours("#1f77b4", "#d95f02", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"),
        digits=_colours(*_TAB10)),
    (True, False): SeriesColours(
        *_colours("#4aa3df", "#a8d4f2", "#f28e2b", "#7d8ea3", "#f39c12", "#4cbb4c"),
        layers=_colours("#4aa3df", "#f28e2b", "#55c455", "#b39ddb", "#c49c94", "#f7a8d8", "#4fd6e6", "#dbdb4f"),
        digits=_colours(*_TAB10_DARK)),
    (False, True): SeriesColours(
        *_colours("#0072b2", "#003d5f", "#d55e00", "#8a9bb0", "#e69f00", "#009e73"),
        layers=_colours(*_OKABE_ITO[:8]),
        digits=_colours(*_OKABE_ITO)),
    (True, True): SeriesColours(
        *_colours("#56b4e9", "#c3e4f7", "#e69f00", "#7d8ea3", "#f0e442", "#00c08b"),
        layers=_colours(*_OKABE_ITO_DARK[:8]),
        digits=_colours(*_OKABE_ITO_DARK)),
}


def series_colours() -> SeriesColours:
    """The series colours of the theme and palette in use."""
    current = appearance()
    return SERIES[(current.dark, current.colour_blind)]


def series_pen(colour: QColor, width: float = 2.0, test: bool = False) -> QPen:
    """A curve's pen: solid for train, dashed for test."""
    return pg.mkPen(colour, width=width, style=TEST_LINE if test else TRAIN_LINE)


RUN_LINES, RUN_SYMBOLS = (TRAIN_LINE, TEST_LINE), (TRAIN_SYMBOL, TEST_SYMBOL)
"""Runs A and B of a comparison: A solid with round markers, B dashed with square ones."""


def run_colours() -> tuple[QColor, QColor]:
    """The colours of runs A and B of a comparison: the palette's first two series colours, as the
    engine's HTML comparison report has them (blue A, orange B)."""
    colours = series_colours()
    return colours.train, colours.test


def run_pen(which: int, width: float = 2.0, alpha: int = 255) -> QPen:
    """The pen of run A (`which` 0) or B (1): its colour (at `alpha`) and its line style."""
    colour = QColor(run_colours()[which])
    colour.setAlpha(alpha)
    return pg.mkPen(colour, width=width, style=RUN_LINES[which])


_MAX_SCALE_SAMPLES = 20_000

INDEX_TRANSPARENT = 0
INDEX_SEPARATOR = 1
INDEX_ZERO = 128
INDEX_HALF_RANGE = 126
"""Indexed images (see diverging_index_lut): index 0 is transparent, 1 the separator colour,
and 2..254 the diverging map with zero at 128, so white is exactly zero."""


def diverging_colormap_name() -> str:
    """The name of the diverging map in use."""
    return COLOUR_BLIND_DIVERGING_NAME if appearance().colour_blind else DIVERGING_COLORMAP_NAME


def diverging_words() -> tuple[str, str]:
    """(negative, positive) colour names of the diverging map in use, e.g. ("blue", "red")."""
    return ("blue", "orange") if appearance().colour_blind else ("blue", "red")


def diverging_colormap() -> pg.ColorMap:
    """The diverging map of the palette in use (the same object while the choice stays)."""
    return _diverging_colormap(appearance().colour_blind)


@functools.lru_cache(maxsize=2)
def _diverging_colormap(colour_blind: bool) -> pg.ColorMap:
    if not colour_blind:
        return pg.colormap.get(DIVERGING_COLORMAP_NAME)
    colours = [QColor(name) for name in COLOUR_BLIND_DIVERGING]
    return pg.ColorMap(np.linspace(0.0, 1.0, len(colours)), colours, name=COLOUR_BLIND_DIVERGING_NAME)


@functools.lru_cache(maxsize=8)
def _diverging_lut(n_colours: int, colour_blind: bool) -> np.ndarray:
    lut = _diverging_colormap(colour_blind).getLookupTable(nPts=n_colours, alpha=False)
    lut.setflags(write=False)
    return lut


def diverging_lut(n_colours: int = 256) -> np.ndarray:
    """(n_colours, 3) uint8 lookup table of the diverging map in use (read-only, shared)."""
    return _diverging_lut(int(n_colours), appearance().colour_blind)


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

    Large arrays are estimated from a fixed random sample of their entries (the same
    positions every call, so the scale does not flicker between frames), which keeps
    the cost bounded. Never returns 0 or a non-finite number, so the levels always
    form a valid range."""
    flat = np.asarray(values).reshape(-1)
    if flat.size > _MAX_SCALE_SAMPLES:
        # A random sample, not a stride: a stride that divides 784 would read the same
        # few pixels of every neuron.
        flat = flat[_sample_positions(flat.size)]
    magnitudes = np.abs(flat[np.isfinite(flat)])
    if magnitudes.size == 0:
        return 1.0
    scale = float(np.percentile(magnitudes, percentile))
    if not scale > 0.0:
        scale = float(magnitudes.max())
    return scale if scale > 0.0 else 1.0


@functools.lru_cache(maxsize=8)
def _sample_positions(size: int) -> np.ndarray:
    positions = np.sort(np.random.default_rng(0).choice(size, _MAX_SCALE_SAMPLES, replace=False))
    positions.setflags(write=False)
    return positions


NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) >= value.

    Live pictures round their colour levels and axis ranges up with it: the colours of
    unchanged values then stay put from frame to frame, and a colour bar or axis changes
    (and is redrawn) only now and then."""
    if not (value > 0.0 and math.isfinite(value)):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in NICE_STEPS:
        if step * power >= value * (1 - 1e-12):
            return float(f"{step * power:.3g}")
    return 10.0 * power


def diverging_index_lut() -> np.ndarray:
    """(256, 4) RGBA lookup table for indexed images made by `diverging_indices`, of the diverging
    map in use (read-only, shared; another array after the palette choice changes).

    Index 0 is transparent (unused cells), 1 the separator colour, 2..254 the diverging map
    (an odd number of colours, so zero, at 128, is its exact white middle)."""
    return _diverging_index_lut(appearance().colour_blind)


@functools.lru_cache(maxsize=2)
def _diverging_index_lut(colour_blind: bool) -> np.ndarray:
    colours = _diverging_colormap(colour_blind).getLookupTable(nPts=2 * INDEX_HALF_RANGE + 1, alpha=True)
    lut = np.zeros((256, 4), dtype=np.uint8)
    lut[INDEX_SEPARATOR] = SEPARATOR_COLOUR.getRgb()
    lut[INDEX_ZERO - INDEX_HALF_RANGE: INDEX_ZERO + INDEX_HALF_RANGE + 1] = colours
    lut[INDEX_ZERO + INDEX_HALF_RANGE + 1:] = colours[-1]
    lut.setflags(write=False)
    return lut


def diverging_indices(values: np.ndarray, scale: float, out: np.ndarray | None = None,
                      work: np.ndarray | None = None) -> np.ndarray:
    """Colour indices (uint8) of `values` on the levels (-scale, +scale) of diverging_index_lut.

    Values beyond the scale get the end colours; non-finite values the separator colour.
    `out` (uint8) and `work` (float32), of the shape of `values`, avoid allocations."""
    values = np.asarray(values)
    if work is None:
        work = np.empty(values.shape, dtype=np.float32)
    np.multiply(values, INDEX_HALF_RANGE / float(scale), out=work, casting="unsafe")
    np.add(work, INDEX_ZERO + 0.5, out=work)  # + 0.5: round to the nearest colour when truncated
    np.clip(work, INDEX_ZERO - INDEX_HALF_RANGE, INDEX_ZERO + INDEX_HALF_RANGE, out=work)
    if not np.isfinite(work.sum(dtype=np.float64)):  # a sum is much cheaper than a NaN scan
        np.nan_to_num(work, copy=False, nan=INDEX_SEPARATOR)
    if out is None:
        out = np.empty(values.shape, dtype=np.uint8)
    np.copyto(out, work, casting="unsafe")
    return out


def text_colour(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.WindowText)


def text_accent(colour) -> QColor:
    """`colour` (a QColor or a name) as text on the theme's background: lighter on a dark theme,
    where the accents chosen for a light one would not read (about 2.5:1 against 4.5:1 and more)."""
    colour = QColor(colour)
    return colour.lighter(165) if appearance().dark else colour


def relative_luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance of `colour` (0 black to 1 white)."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG 2 contrast ratio of two colours, 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


NOTE_CONTRAST = 4.6
"""Contrast of muted (grey) text with the window background: WCAG AA asks 4.5 for body text."""


def muted_text_colour(palette: QPalette, contrast: float = NOTE_CONTRAST) -> QColor:
    """A grey for footnotes and other explanations: the text colour moved toward the window
    colour as far as it can go while keeping `contrast` against the window (for any theme).
    Qt's disabled-text grey is far paler (about 1.6:1) and hard to read."""
    text = palette.color(QPalette.ColorRole.WindowText)
    window = palette.color(QPalette.ColorRole.Window)

    def mix(fraction: float) -> QColor:
        return QColor.fromRgbF(*(a + fraction * (b - a) for a, b in zip(
            (text.redF(), text.greenF(), text.blueF()), (window.redF(), window.greenF(), window.blueF()))))

    if contrast_ratio(text, window) <= contrast:
        return QColor(text)
    low, high = 0.0, 1.0  # contrast falls as the fraction grows: bisect for the last one that keeps it
    for _ in range(20):
        middle = 0.5 * (low + high)
        if contrast_ratio(mix(middle), window) >= contrast:
            low = middle
        else:
            high = middle
    muted = mix(low)
    return QColor(muted.red(), muted.green(), muted.blue())


def style_plot(plot_item: pg.PlotItem, widget: QWidget) -> None:
    """Palette-coloured axes and title, so plots on a transparent background match the window
    theme; they are coloured again whenever `widget`'s theme changes."""
    themed(widget, plot_item, functools.partial(_colour_plot, widget=widget))


def _colour_plot(plot_item: pg.PlotItem, widget: QWidget) -> None:
    colour = text_colour(widget)
    for name in ("left", "bottom", "right", "top"):
        axis = plot_item.getAxis(name)
        axis.setPen(pg.mkPen(colour))
        axis.setTextPen(pg.mkPen(colour))  # also the axis' label
    title = plot_item.titleLabel
    title.setAttr("color", colour)
    if title.text:
        title.setText(title.text)


def make_colour_bar(widget: QWidget, colormap, image_item: pg.ImageItem | None,
                    label: str = "", width: int = 14) -> pg.ColorBarItem:
    """A read-only colour bar that drives `image_item`'s colours and levels.

    Set levels through the bar (bar.setLevels), which passes them on to the image:
    levels set on the image alone would leave the bar's scale showing stale numbers.
    `image_item` None makes a bar that only shows a scale (for images coloured by index).
    `colormap` is a pg.ColorMap or a function that returns one; with a function, or the diverging
    or sequential map in use, the bar (and its image) take the map in use again after the palette
    choice changes, as its text takes the new theme's colour."""
    source = colormap if not isinstance(colormap, pg.ColorMap) else (
        diverging_colormap if colormap is diverging_colormap() else
        sequential_colormap if colormap is sequential_colormap() else None)
    bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=source() if source else colormap, interactive=False,
                          colorMapMenu=False, width=width)
    if label:
        bar.axis.setLabel(label)
        bar.axis.setWidth(62)  # the default 45 px clips tick values such as "-0.05" next to a label
    bar.axis.enableAutoSIPrefix(False)
    cache_axes(bar)  # the bar is a PlotItem: its value axis and the frame lines around it
    if image_item is not None:
        bar.setImageItem(image_item)
    themed(widget, bar, functools.partial(_colour_bar, widget=widget, source=source))
    return bar


def _colour_bar(bar: pg.ColorBarItem, widget: QWidget, source) -> None:
    bar.axis.setTextPen(pg.mkPen(text_colour(widget)))  # also the bar's label
    if source is not None and bar.colorMap() is not source():
        bar.setColorMap(source())  # and the image's, when the bar drives one


def translucent(colour: QColor, alpha: int) -> QColor:
    faded = QColor(colour)
    faded.setAlpha(alpha)
    return faded


class HorizontalGrid(QGraphicsPathItem):
    """Faint horizontal lines at given heights across a plot.

    pyqtgraph's own grid is drawn by the axis and costs about 10 ms on every repaint of
    the plot; this path with a one-pixel cosmetic pen costs almost nothing."""

    def __init__(self, widget: QWidget, alpha: int = 38) -> None:
        """Lines in `widget`'s text colour (at `alpha`), following its theme."""
        super().__init__()
        self.alpha = alpha
        self.setZValue(-100)  # under every curve
        self._key = None
        themed(widget, self, functools.partial(_colour_grid, widget=widget))

    def set_colour(self, colour: QColor) -> None:
        pen = QPen(translucent(colour, self.alpha))
        pen.setCosmetic(True)
        pen.setWidth(1)
        self.setPen(pen)

    def set_lines(self, heights, x_range: tuple[float, float]) -> None:
        """Lines at `heights` (view coordinates) spanning `x_range`; no work if unchanged."""
        key = (tuple(float(h) for h in heights), float(x_range[0]), float(x_range[1]))
        if key == self._key:
            return
        self._key = key
        path = QPainterPath()
        left, right = key[1], key[2]
        for height in key[0]:
            path.moveTo(left, height)
            path.lineTo(right, height)
        self.setPath(path)


def _colour_grid(grid: HorizontalGrid, widget: QWidget) -> None:
    grid.set_colour(text_colour(widget))


def major_ticks(axis: pg.AxisItem, low: float, high: float) -> list[float]:
    """The values `axis` labels between low and high (its major tick level)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return []
    length = axis.geometry().height() if axis.orientation in ("left", "right") else axis.geometry().width()
    levels = axis.tickValues(low, high, max(float(length), 100.0))
    if not levels:
        return []
    return [v for v in levels[0][1] if low <= v <= high]


def cache_item(item) -> None:
    """Keep `item` as a pixmap that Qt blits while the item is unchanged (see cache_axes).
    For items that change now and then, never for those that change with every frame."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def cache_axes(plot_item: pg.PlotItem) -> None:
    """Keep each axis of `plot_item` as a pixmap that is redrawn only when the axis changes.

    A curve's update region usually overlaps its axes, and pyqtgraph axes repaint in Python
    (holding the GIL, so training waits); a cached axis is blitted by Qt instead."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot_item.getAxis(name)
        if axis is not None:
            cache_item(axis)
