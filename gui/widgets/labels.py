"""The labels every view builds the same way: one-line read-outs, headings and dimmed notes."""
from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy

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


def note_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setEnabled(False)  # dimmed: an explanation, not a value
    return label
