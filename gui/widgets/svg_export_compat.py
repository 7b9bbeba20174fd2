"""Keeps pyqtgraph's SVG export working on recent Qt, where closed paths end in "Z".

Qt 6.10 and later end closed subpaths with a "Z" token in the SVG it generates. pyqtgraph 0.14
corrects every path token as an "x,y" pair and so fails on the first closed path, which every
plot has (its view box outline): the whole SVG export fails (pyqtgraph issues #3485 and #3495).
`install` wraps that correction: the "Z" tokens are taken out before it and put back after it,
at the same places, so every path stays closed where Qt closed it. With a pyqtgraph that handles
"Z" itself the wrapper changes nothing.
"""
from __future__ import annotations

import importlib

_CLOSE_TOKENS = ("Z", "z")


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


def install() -> None:
    """Wrap pyqtgraph's coordinate correction of SVG paths (once)."""
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
        return result

    correct_coordinates.keeps_closed_paths = True
    module.correctCoordinates = correct_coordinates
