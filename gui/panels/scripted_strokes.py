"""Scripted drawing for tests, benchmarks and screenshots: strokes sent to a DrawingPad as real
mouse events, and a handwritten "1" and "7" in pad coordinates."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from .drawing_pad import DrawingPad


def draw_strokes(pad: DrawingPad, strokes: Sequence[Sequence[tuple[float, float]]]) -> None:
    """Draw strokes on ``pad`` by sending it real mouse events, exactly as a user would.

    Each stroke becomes a left-button press at its first point, a move (with the
    button held) to every following point, and a release at its last point.
    Empty strokes are skipped.
    """
    for stroke in strokes:
        if not stroke:
            continue
        points = [QPointF(x, y) for x, y in stroke]
        _send_mouse_event(pad, QEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
        for point in points[1:]:
            _send_mouse_event(pad, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton)
        _send_mouse_event(pad, QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.LeftButton)


def _send_mouse_event(pad: DrawingPad, event_type: QEvent.Type, position: QPointF, button: Qt.MouseButton) -> None:
    # Buttons held *after* the event: none once released, the left button otherwise.
    held = Qt.MouseButton.NoButton if event_type == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    event = QMouseEvent(
        event_type,
        position,
        pad.mapToGlobal(position),
        button,
        held,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(pad, event)


def _trace(waypoints: Sequence[tuple[float, float]], spacing: float = 5.0) -> list[tuple[float, float]]:
    """Sample a polyline every ``spacing`` pixels, like a pointer reporting positions during a drag."""
    samples = [waypoints[0]]
    for (x0, y0), (x1, y1) in zip(waypoints, waypoints[1:]):
        steps = max(1, round(math.hypot(x1 - x0, y1 - y0) / spacing))
        samples.extend(
            (round(x0 + (x1 - x0) * step / steps, 1), round(y0 + (y1 - y0) * step / steps, 1))
            for step in range(1, steps + 1)
        )
    return samples


STROKES_ONE: list[list[tuple[float, float]]] = [
    # One downward stroke, leaning slightly right-to-left as it descends.
    _trace([(150.0, 42.0), (147.0, 100.0), (142.0, 165.0), (135.0, 236.0)]),
]
"""A handwritten "1" in pad coordinates."""

STROKES_SEVEN: list[list[tuple[float, float]]] = [
    # Drawn in one go like most people do: the top bar left to right, then
    # without lifting the pen a slightly curved diagonal down to the left.
    _trace(
        [
            (72.0, 66.0),
            (110.0, 62.0),
            (160.0, 58.0),
            (204.0, 56.0),
            (192.0, 92.0),
            (174.0, 140.0),
            (158.0, 190.0),
            (148.0, 236.0),
        ]
    ),
]
"""A handwritten "7" in pad coordinates."""
