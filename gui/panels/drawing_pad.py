"""The drawing pad's canvas: a 280x280 black square on which the user draws white strokes with
the mouse or a pen, painted with a soft round brush of a chosen width (pen pressure scales it).

The canvas is always 280x280; the widget may show it smaller (down to MIN_DISPLAY_SIZE, to fit a
small window), and pointer positions are mapped onto the canvas, so a drawing and the network
input made from it do not depend on how large the pad is on screen."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen, QTabletEvent
from PySide6.QtWidgets import QWidget

PAD_SIZE = 280
"""Side of the square drawing pad in pixels: ten times the 28x28 network input."""

MIN_DISPLAY_SIZE = 140
"""The smallest side the pad is shown at on screen: still room to write a digit."""

BRUSH_WIDTH = 20.0
"""Nominal stroke width in pad pixels; after digitizing it is about 2 px, like MNIST strokes."""

PEN_WIDTHS: dict[str, float] = {"thin": 12.0, "medium": BRUSH_WIDTH, "thick": 32.0}
"""The pen widths offered by name, in pad pixels: on a digit 200 px tall, which the digitizer
scales to 20 px, about 1.2, 2 and 3.2 input pixels, MNIST's thin to bold strokes."""

MIN_PEN_WIDTH, MAX_PEN_WIDTH = 2.0, 60.0
"""The range `DrawingPad.set_pen_width` accepts, in pad pixels."""

# Soft round brush: concentric passes from a wide dim halo to the opaque core.
# They are combined with the "lighten" (per-pixel maximum) composition mode, so
# overlapping segments of the same stroke never accumulate into brighter joints.
# Roughly a linear ramp from 0 to full ink over the outer 3 px on each side.
_BRUSH_LAYERS: tuple[tuple[float, int], ...] = (
    (1.30, 40),
    (1.24, 80),
    (1.18, 120),
    (1.12, 165),
    (1.06, 210),
    (1.00, 255),
)

# Tablet pressure in [0, 1] maps linearly onto this range of width factors;
# a medium press (about 0.6) gives the nominal width.
_MIN_PRESSURE_WIDTH_FACTOR = 0.55
_MAX_PRESSURE_WIDTH_FACTOR = 1.3

# Pointer jitter smaller than this adds nothing visible but costs a repaint.
_MIN_SEGMENT_LENGTH = 0.5


# (x, y, width) of one sampled pointer position.
_StrokePoint = tuple[float, float, float]


class DrawingPad(QWidget):
    """A 280x280 black canvas on which the user draws white strokes with mouse or pen."""

    drawingChanged = Signal()
    """Emitted after every segment drawn during a drag, and after ``clear``/``undo_last_stroke``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawingPad")
        self.setFixedSize(PAD_SIZE, PAD_SIZE)
        self._pen_width = BRUSH_WIDTH
        self.setCursor(Qt.CursorShape.CrossCursor)
        # Clicking the pad focuses it so panel shortcuts such as Ctrl+Z apply.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip(
            "Draw a single digit here with the mouse or a pen. "
            "The network classifies it while you draw."
        )
        self._image = QImage(PAD_SIZE, PAD_SIZE, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._strokes: list[list[_StrokePoint]] = []
        self._stroke_active = False
        self._overlay: QImage | None = None
        self._overlay_frame = QRectF(self.rect())
        self._ink_colours = _ink_ramps(self.palette())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._ink_colours = _ink_ramps(self.palette())
            self.update()
        super().changeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(PAD_SIZE, PAD_SIZE)

    # ----------------------------------------------------------------- queries

    @property
    def strokes(self) -> list[list[tuple[float, float]]]:
        """Copy of the drawn strokes as lists of (x, y) pad coordinates, oldest first."""
        return [[(x, y) for x, y, _ in stroke] for stroke in self._strokes]

    @property
    def stroke_count(self) -> int:
        return len(self._strokes)

    @property
    def is_stroke_active(self) -> bool:
        """True between pressing and releasing the mouse button or pen."""
        return self._stroke_active

    def pen_width(self) -> float:
        """The width strokes are drawn at, in pad (canvas) pixels; tablet pressure scales it."""
        return self._pen_width

    @property
    def display_scale(self) -> float:
        """Screen pixels per canvas pixel: 1 at the full 280 px, less on a shrunk pad."""
        return self.width() / PAD_SIZE

    def to_widget(self, x: float, y: float) -> QPointF:
        """Where canvas point (x, y) lies on the widget."""
        scale = self.display_scale
        return QPointF(x * scale, y * scale)

    @property
    def overlay(self) -> QImage | None:
        """The translucent image painted over the strokes, or None."""
        return self._overlay

    def canvas_array(self) -> np.ndarray:
        """The canvas as a (280, 280) float32 array, 0 = background, 1 = full ink."""
        height, width = self._image.height(), self._image.width()
        # Rows of a QImage are padded to bytesPerLine, so view the full rows and
        # slice off the padding before copying.
        raw = np.frombuffer(self._image.constBits(), dtype=np.uint8, count=self._image.sizeInBytes())
        rows = raw.reshape(height, self._image.bytesPerLine())[:, :width]
        return rows.astype(np.float32) / np.float32(255.0)

    # ---------------------------------------------------------------- commands

    def set_pen_width(self, width: float) -> None:
        """Draw the strokes that follow `width` pad pixels wide (clipped to MIN_PEN_WIDTH to
        MAX_PEN_WIDTH); strokes already drawn keep their width."""
        self._pen_width = float(min(max(width, MIN_PEN_WIDTH), MAX_PEN_WIDTH))

    def set_display_size(self, side: int) -> None:
        """Show the pad as a square of `side` screen pixels (MIN_DISPLAY_SIZE to PAD_SIZE); the
        canvas, and so the drawing, stays 280x280."""
        side = int(min(max(side, MIN_DISPLAY_SIZE), PAD_SIZE))
        if side != self.width() or side != self.height():
            self.setFixedSize(side, side)

    def draw_stroke(self, points: Sequence[tuple[float, float]], width: float | None = None) -> None:
        """Draw one stroke through `points` (canvas coordinates), `width` pad pixels wide (the
        pen width when None), as a pen pressed at the first point and lifted at the last would:
        for scripts that need no mouse events. Emits drawingChanged like a drawn stroke."""
        if not points:
            return
        width = self._pen_width if width is None else float(width)
        self._begin_stroke(QPointF(*points[0]), width)
        for x, y in points[1:]:
            self._extend_stroke(QPointF(x, y), width)
        self._stroke_active = False

    def clear(self) -> None:
        """Erase everything, including the stroke history."""
        self._strokes.clear()
        self._stroke_active = False
        self._image.fill(0)
        self.update()
        self.drawingChanged.emit()

    def undo_last_stroke(self) -> None:
        """Remove the most recent stroke; does nothing when the pad is empty."""
        if not self._strokes:
            return
        self._strokes.pop()
        self._stroke_active = False
        self._render_all_strokes()
        self.update()
        self.drawingChanged.emit()

    def set_overlay(self, overlay: QImage | None, frame: QRectF | None = None) -> None:
        """Paint `overlay` (premultiplied, translucent) stretched over `frame`, in pad pixels,
        above the strokes; the whole pad when `frame` is None. None removes the overlay.
        The canvas itself, and so the network input, is never touched."""
        if overlay is None and self._overlay is None:
            return
        self._overlay = overlay
        self._overlay_frame = QRectF(frame) if frame is not None else QRectF(self.rect())
        self.update()

    # ------------------------------------------------------------------ events

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        scale = self.display_scale
        # The canvas holds the network's white-on-black ink; it is shown as the theme's text
        # colour on its paper colour, through a colour table over the same pixels (no copy).
        shown = QImage(self._image.constBits(), PAD_SIZE, PAD_SIZE, self._image.bytesPerLine(),
                       QImage.Format.Format_Indexed8)
        shown.setColorTable(self._ink_colours[self._overlay is not None])
        if scale == 1.0:
            painter.drawImage(event.rect(), shown, event.rect())
        else:
            # A shrunk pad shows the whole canvas smoothly scaled: thin strokes stay visible.
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(self.rect()), shown)
        if self._overlay is not None:
            # Bilinear magnification of the 28x28 picture: soft blobs rather than hard
            # squares, which would hide the shape of the strokes beneath.
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            frame = self._overlay_frame
            painter.drawImage(QRectF(frame.x() * scale, frame.y() * scale, frame.width() * scale,
                                     frame.height() * scale), self._overlay)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin_stroke(self._to_canvas(event.position()), self._pen_width)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._stroke_active and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend_stroke(self._to_canvas(event.position()), self._pen_width)
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._stroke_active:
            self._extend_stroke(self._to_canvas(event.position()), self._pen_width)
            self._stroke_active = False
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def tabletEvent(self, event: QTabletEvent) -> None:
        width = _pressure_to_width(event.pressure(), self._pen_width)
        position = self._to_canvas(event.position())
        event_type = event.type()
        if event_type == QEvent.Type.TabletPress:
            self._begin_stroke(position, width)
        elif event_type == QEvent.Type.TabletMove and self._stroke_active:
            self._extend_stroke(position, width)
        elif event_type == QEvent.Type.TabletRelease and self._stroke_active:
            self._extend_stroke(position, width)
            self._stroke_active = False
        # Accepting stops Qt from also synthesising mouse events for the pen,
        # which would draw every stroke twice.
        event.accept()

    # ---------------------------------------------------------------- drawing

    def _to_canvas(self, position: QPointF) -> QPointF:
        scale = self.display_scale
        return position if scale == 1.0 else QPointF(position.x() / scale, position.y() / scale)

    def _begin_stroke(self, position: QPointF, width: float) -> None:
        """Start a stroke at `position` in canvas coordinates."""
        point = (position.x(), position.y(), width)
        self._strokes.append([point])
        self._stroke_active = True
        # A tap with no movement should still leave a dot.
        self._draw_and_announce(point, point)

    def _extend_stroke(self, position: QPointF, width: float) -> None:
        stroke = self._strokes[-1]
        previous = stroke[-1]
        point = (position.x(), position.y(), width)
        if math.hypot(point[0] - previous[0], point[1] - previous[1]) < _MIN_SEGMENT_LENGTH:
            return
        stroke.append(point)
        self._draw_and_announce(previous, point)

    def _draw_and_announce(self, start: _StrokePoint, end: _StrokePoint) -> None:
        painter = self._begin_canvas_painter()
        _paint_segment(painter, start, end)
        painter.end()
        self.update(_segment_bounds(start, end, self.display_scale))
        self.drawingChanged.emit()

    def _render_all_strokes(self) -> None:
        self._image.fill(0)
        painter = self._begin_canvas_painter()
        for stroke in self._strokes:
            _paint_segment(painter, stroke[0], stroke[0])
            for start, end in zip(stroke, stroke[1:]):
                _paint_segment(painter, start, end)
        painter.end()

    def _begin_canvas_painter(self) -> QPainter:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Lighten)
        return painter


def _ink_ramps(palette: QPalette) -> tuple[list[int], list[int]]:
    """Colour tables (ARGB) from the palette's Base (no ink) to its Text colour (full ink): as
    drawn, and for under a saliency overlay. Dark ink on light paper is faded to a mid grey
    there, as the overlay's translucent colours would not show on black."""
    paper, ink = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
    under_overlay = 0.5 if paper.lightness() > ink.lightness() else 1.0

    def ramp(reach: float) -> list[int]:
        colours = []
        for level in range(256):
            t = reach * level / 255.0
            colours.append(QColor.fromRgbF(paper.redF() + t * (ink.redF() - paper.redF()),
                                           paper.greenF() + t * (ink.greenF() - paper.greenF()),
                                           paper.blueF() + t * (ink.blueF() - paper.blueF())).rgba())
        return colours
    return ramp(1.0), ramp(under_overlay)


def _pressure_to_width(pressure: float, pen_width: float = BRUSH_WIDTH) -> float:
    pressure = min(max(pressure, 0.0), 1.0)
    factor = _MIN_PRESSURE_WIDTH_FACTOR + (_MAX_PRESSURE_WIDTH_FACTOR - _MIN_PRESSURE_WIDTH_FACTOR) * pressure
    return pen_width * factor


def _paint_segment(painter: QPainter, start: _StrokePoint, end: _StrokePoint) -> None:
    width = 0.5 * (start[2] + end[2])
    start_point, end_point = QPointF(start[0], start[1]), QPointF(end[0], end[1])
    for width_factor, grey_level in _BRUSH_LAYERS:
        pen = QPen(QColor(grey_level, grey_level, grey_level), width * width_factor)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if start_point == end_point:
            painter.drawPoint(start_point)
        else:
            painter.drawLine(start_point, end_point)


def _segment_bounds(start: _StrokePoint, end: _StrokePoint, scale: float = 1.0) -> QRect:
    """Widget area touched by a segment, including the soft halo and antialiasing, on a pad
    shown at `scale` screen pixels per canvas pixel."""
    reach = max(start[2], end[2]) * max(factor for factor, _ in _BRUSH_LAYERS) / 2 + 2
    left, right = sorted((start[0], end[0]))
    top, bottom = sorted((start[1], end[1]))
    return QRectF((left - reach) * scale, (top - reach) * scale, (right - left + 2 * reach) * scale,
                  (bottom - top + 2 * reach) * scale).toAlignedRect().adjusted(-1, -1, 1, 1)

