"""The labels every view builds the same way: one-line read-outs, headings and dimmed notes."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QPalette, QResizeEvent
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QWidget

from .colormaps import muted_text_colour
from .fields import named
from .theme import follow_appearance


def readout_label(object_name: str, tooltip: str = "", text: str = "") -> QLabel:
    """A one-line read-out whose long texts are cut off instead of widening the view."""
    label = named(QLabel(text), object_name, tooltip)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


class SteadyLabel(QLabel):
    """A label whose text changes often (with every snapshot). Its size is fixed and only grows,
    to fit the longest text so far: Qt then repaints the label alone for a new text, where a label
    free to change size has its parent's whole layout redone and repainted for it (a status bar
    or a tool bar repaints every widget in it)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._fit()

    def setText(self, text: str) -> None:
        if text != self.text():
            super().setText(text)
            self._fit()

    def reserve_width(self, width: int) -> None:
        """Never be narrower than `width` pixels."""
        self.setFixedWidth(max(width, self.width() if self._fixed() else 0, self.sizeHint().width()))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            self.setFixedHeight(self.sizeHint().height())  # a new font's line height

    def _fixed(self) -> bool:
        return self.minimumSize() == self.maximumSize()

    def _fit(self) -> None:
        hint = self.sizeHint()
        fixed = self._fixed()
        width = max(hint.width(), self.minimumWidth()) if fixed else hint.width()
        height = max(hint.height(), self.minimumHeight()) if fixed else hint.height()
        if not fixed or width != self.minimumWidth() or height != self.minimumHeight():
            self.setFixedSize(width, height)


class ElidedLabel(QLabel):
    """A one-line plain-text label that ends in "…" when narrower than its text, with the whole
    text as its tooltip then; it never widens the view. `text()` is the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def text(self) -> str:  # noqa: D401 - QLabel's name
        return self._full_text

    def setText(self, text: str) -> None:
        self._full_text = text
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._elide()

    def _elide(self) -> None:
        shown = QFontMetrics(self.font()).elidedText(self._full_text, Qt.TextElideMode.ElideRight, self.width())
        if self.width() <= 0:
            shown = self._full_text
        if QLabel.text(self) != shown:
            super().setText(shown)
        self.setToolTip(self._full_text if shown != self._full_text else "")


def heading_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def mute(widget: QWidget) -> QWidget:
    """Draw `widget`'s text in the muted grey of explanations (colormaps.muted_text_colour), which
    keeps a readable contrast with the window; a disabled widget's grey would not. The grey is
    worked out again for each theme."""
    _mute(widget)
    follow_appearance(widget, lambda: _mute(widget))
    return widget


def _mute(widget: QWidget) -> None:
    # From the surroundings' palette: the widget's own text colour is the grey set last time.
    parent = widget.parentWidget()
    palette = QPalette(widget.palette())
    source = parent.palette() if parent is not None else QApplication.palette()
    palette.setColor(QPalette.ColorRole.WindowText, muted_text_colour(source))
    if palette != widget.palette():
        widget.setPalette(palette)


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
