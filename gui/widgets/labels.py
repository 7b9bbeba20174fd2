"""The labels every view builds the same way: one-line read-outs, headings and dimmed notes."""
from __future__ import annotations

from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QWidget

from .colormaps import muted_text_colour
from .fields import named


def readout_label(object_name: str, tooltip: str = "", text: str = "") -> QLabel:
    """A one-line read-out whose long texts are cut off instead of widening the view."""
    label = named(QLabel(text), object_name, tooltip)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def heading_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def mute(widget: QWidget) -> QWidget:
    """Draw `widget`'s text in the muted grey of explanations (colormaps.muted_text_colour), which
    keeps a readable contrast with the window; a disabled widget's grey would not."""
    palette = QPalette(widget.palette())
    palette.setColor(QPalette.ColorRole.WindowText, muted_text_colour(palette))
    widget.setPalette(palette)
    return widget


def muted_colour_name(widget: QWidget | None = None) -> str:
    """The muted grey of `mute` as "#rrggbb", for rich text (of the application's palette if
    `widget` is None)."""
    palette = widget.palette() if widget is not None else QApplication.palette()
    return muted_text_colour(palette).name()


def note_label(text: str, object_name: str = "") -> QLabel:
    """A dimmed explanation, not a value: muted grey, wrapped to the width it gets."""
    label = mute(QLabel(text))
    label.setWordWrap(True)
    if object_name:
        label.setObjectName(object_name)
    return label
