"""The key under the drawing pad to the saliency colours: what red (or orange) and blue mean for
the digit being explained, or a hint while there is nothing to explain."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..widgets.colormaps import diverging_words
from ..widgets.theme import follow_appearance
from .saliency_overlay import saliency_colour

_RAISE_COLOUR_POSITION, _LOWER_COLOUR_POSITION = 0.85, -0.85


class SaliencyLegend(QWidget):
    """Two lines under the pad, a swatch of each overlay colour with what it means
    ("more ink here raises the score of 7" / "... lowers it"), or a hint while there is
    nothing to explain. Fixed height, so changing its text never re-lays out the window."""

    _SWATCH = 11

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._objective, self._message, self._drawn_ink = "", "", False
        self.setFixedHeight(2 * self.fontMetrics().lineSpacing() + 4)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        follow_appearance(self, self.update)  # the swatches take the palette choice's colours

    @property
    def text(self) -> str:
        """What the legend says, as plain text."""
        if self._message:
            return self._message
        raises, lowers = self._lines()
        negative, positive = diverging_words()
        return f"{positive}: {raises}; {negative}: {lowers}"

    def set_key(self, objective: str, drawn_ink: bool = False) -> None:
        """Explain the colours: red raises `objective` (e.g. "the score of 7"), blue lowers it.
        `drawn_ink`: the overlay is what the ink already drawn contributed (gradient x input),
        not where more ink would help."""
        self._set(objective, "", drawn_ink)

    def set_message(self, message: str) -> None:
        """Show a plain hint instead of the colour key."""
        self._set("", message, False)

    def _lines(self) -> tuple[str, str]:
        if self._drawn_ink:
            return f"this ink raised {self._objective}", "this ink lowered it"
        return f"more ink here raises {self._objective}", "more ink here lowers it"

    def _set(self, objective: str, message: str, drawn_ink: bool) -> None:
        if (objective, message, drawn_ink) != (self._objective, self._message, self._drawn_ink):
            self._objective, self._message, self._drawn_ink = objective, message, drawn_ink
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        left_top = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        if self._message:
            muted = QColor(text_colour)
            muted.setAlphaF(0.65)
            painter.setPen(muted)
            painter.drawText(QRectF(self.rect()), left_top | Qt.TextFlag.TextWordWrap, self._message)
            painter.end()
            return
        line_height = self.fontMetrics().lineSpacing()
        raises, lowers = self._lines()
        lines = ((_RAISE_COLOUR_POSITION, raises), (_LOWER_COLOUR_POSITION, lowers))
        for row, (position, text) in enumerate(lines):
            top = row * (line_height + 2)
            # Shown over black, the way the colour looks on the canvas.
            square = QRectF(1, top + (line_height - self._SWATCH) / 2, self._SWATCH, self._SWATCH)
            painter.fillRect(square, Qt.GlobalColor.black)
            painter.fillRect(square, saliency_colour(position))
            painter.setPen(text_colour)
            text_left = self._SWATCH + 6
            painter.drawText(QRectF(text_left, top, max(self.width() - text_left, 0), line_height), left_top, text)
        painter.end()

