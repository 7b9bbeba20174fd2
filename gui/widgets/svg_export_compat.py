"""Keeps pyqtgraph's SVG export working on recent Qt, where closed paths end in "Z".

Qt 6.10 and later end closed subpaths with a "Z" token in the SVG it generates. pyqtgraph 0.14
corrects every path token as an "x,y" pair and so fails on the first closed path, which every
plot has (its view box outline): the whole SVG export fails (pyqtgraph issues #3485 and #3495).
`install` wraps that correction: the "Z" tokens are taken out before it and put back after it,
at the same places, so every path stays closed where Qt closed it. With a pyqtgraph that handles
"Z" itself the wrapper changes nothing.

The same wrapper keeps images (heatmaps such as the confusion matrix) a grid of sharp cells. An
image item is embedded at its own size (a 10x10 PNG for the confusion matrix) and scaled up by
the viewer, and many viewers (Qt's own SVG renderer, librsvg, Inkscape) smooth it into soft blobs
whatever `image-rendering` says. So every embedded image is first scaled up by a whole factor with
nearest-neighbour sampling (`sharpen_images`), which leaves a smoothing viewer nothing to blur
but the last pixel of each cell, and marked `image-rendering: pixelated` for the viewers that honour it.
"""
from __future__ import annotations

import base64
import importlib
import math

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage

_CLOSE_TOKENS = ("Z", "z")
SHARP_IMAGE_SIDE = 1000
"""Embedded images are scaled up (by a whole factor) until their longer side reaches this."""
MAX_SHARP_PIXELS = 16_000_000
"""... unless that would make them larger than this many pixels."""
PIXELATED_STYLE = "image-rendering:optimizeSpeed;image-rendering:crisp-edges;image-rendering:pixelated"
_PNG_PREFIX = "data:image/png;base64,"


def split_closes(d: str) -> tuple[str, list[int]]:
    """(`d` without its close tokens, the number of other tokens before each close token)."""
    kept: list[str] = []
    closes: list[int] = []
    for token in d.split():
        if token in _CLOSE_TOKENS:
            closes.append(len(kept))
        else:
            kept.append(token)
    return " ".join(kept), closes


def restore_closes(d: str, closes: list[int]) -> str:
    """Put "Z" back into `d` after the token counts recorded by split_closes."""
    tokens = d.split()
    for position in reversed(closes):
        tokens.insert(position, "Z")
    return " ".join(tokens)


def upscale_factor(width: int, height: int) -> int:
    """The whole factor that `sharpen_images` scales a width x height image by."""
    longest = max(width, height, 1)
    factor = max(1, math.ceil(SHARP_IMAGE_SIDE / longest))
    while factor > 1 and width * height * factor * factor > MAX_SHARP_PIXELS:
        factor -= 1
    return factor


def _href_attribute(element) -> str | None:
    for name in ("xlink:href", "href"):
        if element.hasAttribute(name):
            return name
    return None


def sharpen_images(node) -> None:
    """Scale every PNG embedded in an <image> under `node` (an xml.dom element) up by a whole
    factor with nearest-neighbour sampling, and mark it to be drawn pixelated. Its placement
    (x, y, width, height) stays, so the picture keeps its size and position."""
    for element in node.getElementsByTagName("image"):
        element.setAttribute("image-rendering", "optimizeSpeed")
        element.setAttribute("style", PIXELATED_STYLE)
        attribute = _href_attribute(element)
        href = element.getAttribute(attribute) if attribute else ""
        if not href.startswith(_PNG_PREFIX):
            continue
        image = QImage.fromData(QByteArray(base64.b64decode(href[len(_PNG_PREFIX):])), "PNG")
        if image.isNull():
            continue
        factor = upscale_factor(image.width(), image.height())
        if factor == 1:
            continue
        scaled = image.scaled(image.width() * factor, image.height() * factor,
                              Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        scaled.save(buffer, "PNG")
        buffer.close()
        element.setAttribute(attribute, _PNG_PREFIX + base64.b64encode(bytes(data)).decode("ascii"))


def install() -> None:
    """Wrap pyqtgraph's coordinate correction of SVG paths (once); it sees every item's SVG."""
    module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = getattr(module, "correctCoordinates", None)
    if original is None or getattr(original, "keeps_closed_paths", False):
        return

    def correct_coordinates(node, defs, item, options):
        closed = []
        for path in node.getElementsByTagName("path"):
            d, closes = split_closes(path.getAttribute("d"))
            if closes:
                path.setAttribute("d", d)
                closed.append((path, closes))
        result = original(node, defs, item, options)
        for path, closes in closed:  # the same elements: the correction edits them in place
            path.setAttribute("d", restore_closes(path.getAttribute("d"), closes))
        sharpen_images(node)
        return result

    correct_coordinates.keeps_closed_paths = True
    module.correctCoordinates = correct_coordinates
