"""Scripted drawing for tests, benchmarks and screenshots: strokes sent to a DrawingPad as real
mouse events, and handwritten digits 0 to 9 in pad coordinates, drawn the way people draw them
(one or two strokes each), which `placed` and `fitted` scale and move about the pad."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from .drawing_pad import PAD_SIZE, DrawingPad

Stroke = list[tuple[float, float]]


def draw_strokes(pad: DrawingPad, strokes: Sequence[Sequence[tuple[float, float]]]) -> None:
    """Draw strokes on ``pad`` by sending it real mouse events, exactly as a user would.

    Each stroke becomes a left-button press at its first point, a move (with the
    button held) to every following point, and a release at its last point.
    Points are canvas (pad) coordinates, mapped onto the widget however large it is shown.
    Empty strokes are skipped.
    """
    for stroke in strokes:
        if not stroke:
            continue
        points = [pad.to_widget(x, y) for x, y in stroke]
        _send_mouse_event(pad, QEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
        for point in points[1:]:
            _send_mouse_event(pad, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton)
        _send_mouse_event(pad, QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.LeftButton)


def placed(strokes: Sequence[Sequence[tuple[float, float]]], scale: float = 1.0,
           offset: tuple[float, float] = (0.0, 0.0)) -> list[Stroke]:
    """``strokes`` scaled by ``scale`` about the centre of the pad, then moved by ``offset``
    (pad pixels): a smaller digit, or one written off-centre."""
    centre = PAD_SIZE / 2
    dx, dy = offset
    return [[(round(centre + (x - centre) * scale + dx, 1), round(centre + (y - centre) * scale + dy, 1))
             for x, y in stroke] for stroke in strokes]


def fitted(strokes: Sequence[Sequence[tuple[float, float]]], height: float,
           centre: tuple[float, float] = (PAD_SIZE / 2, PAD_SIZE / 2)) -> list[Stroke]:
    """``strokes`` scaled to ``height`` pad pixels from their top to their bottom, with the middle
    of their bounding box at ``centre``."""
    xs = [x for stroke in strokes for x, _ in stroke]
    ys = [y for stroke in strokes for _, y in stroke]
    middle = PAD_SIZE / 2
    scale = height / (max(ys) - min(ys))
    offset = (centre[0] - middle - ((max(xs) + min(xs)) / 2 - middle) * scale,
              centre[1] - middle - ((max(ys) + min(ys)) / 2 - middle) * scale)
    return placed(strokes, scale, offset)


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


def _trace(waypoints: Sequence[tuple[float, float]], spacing: float = 5.0) -> Stroke:
    """Sample a polyline every ``spacing`` pixels, like a pointer reporting positions during a drag."""
    samples = [waypoints[0]]
    for (x0, y0), (x1, y1) in zip(waypoints, waypoints[1:]):
        steps = max(1, round(math.hypot(x1 - x0, y1 - y0) / spacing))
        samples.extend(
            (round(x0 + (x1 - x0) * step / steps, 1), round(y0 + (y1 - y0) * step / steps, 1))
            for step in range(1, steps + 1)
        )
    return samples


def _smooth(waypoints: Sequence[tuple[float, float]], points: int = 6) -> list[tuple[float, float]]:
    """A Catmull-Rom curve through ``waypoints``, ``points`` samples per span: a hand's path is
    round where a polyline would have corners."""
    ends = [waypoints[0], *waypoints, waypoints[-1]]
    result = [waypoints[0]]
    for (x0, y0), (x1, y1), (x2, y2), (x3, y3) in zip(ends, ends[1:], ends[2:], ends[3:]):
        for step in range(1, points + 1):
            t = step / points
            t2, t3 = t * t, t * t * t
            result.append(tuple(
                0.5 * (2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (3 * b - a - 3 * c + d) * t3)
                for a, b, c, d in ((x0, x1, x2, x3), (y0, y1, y2, y3))))
    return result


def _arc(centre: tuple[float, float], radii: tuple[float, float], start: float, end: float,
         slant: float = 0.0, points: int = 16) -> list[tuple[float, float]]:
    """Waypoints along an elliptic arc from angle ``start`` to ``end`` (degrees, 0 = right, 90 = down,
    the direction of travel given by their order), sheared by ``slant`` (x shift per pixel upwards),
    as handwriting leans."""
    (cx, cy), (rx, ry) = centre, radii
    result = []
    for step in range(points + 1):
        angle = math.radians(start + (end - start) * step / points)
        y = ry * math.sin(angle)
        result.append((cx + rx * math.cos(angle) - slant * y, cy + y))
    return result


STROKES_ONE: list[Stroke] = [
    # One downward stroke, leaning slightly right-to-left as it descends.
    _trace([(150.0, 42.0), (147.0, 100.0), (142.0, 165.0), (135.0, 236.0)]),
]
"""A handwritten "1" in pad coordinates."""

STROKES_SEVEN: list[Stroke] = [
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

DIGIT_STROKES: dict[int, list[Stroke]] = {
    # Anticlockwise from the top, a little past the start so that the loop closes.
    0: [_trace(_arc((140.0, 140.0), (62.0, 96.0), -80.0, -440.0, slant=0.15, points=36))],
    1: STROKES_ONE,
    # Over the top, down the diagonal to the bottom left, then the base to the right.
    2: [_trace(_arc((138.0, 96.0), (52.0, 50.0), -165.0, 20.0, points=14)
               + _smooth([(186.0, 116.0), (162.0, 160.0), (120.0, 200.0), (90.0, 232.0), (140.0, 230.0),
                          (206.0, 228.0)])[1:])],
    # Two bumps to the right, the lower one larger, without lifting the pen.
    3: [_trace(_arc((136.0, 92.0), (48.0, 44.0), -150.0, 90.0, points=16)
               + _arc((134.0, 184.0), (58.0, 52.0), -90.0, 150.0, points=18)[1:])],
    # Down and across in one stroke, then the upright crossing it from the top.
    4: [_trace([(118.0, 42.0), (104.0, 94.0), (88.0, 146.0), (86.0, 158.0), (130.0, 158.0), (172.0, 156.0),
                (208.0, 154.0)]),
        _trace([(178.0, 62.0), (176.0, 120.0), (172.0, 180.0), (168.0, 240.0)])],
    # The stem and the belly, then the flag along the top.
    5: [_trace([(104.0, 50.0), (100.0, 90.0), (96.0, 126.0)]
               + _arc((138.0, 176.0), (58.0, 54.0), -130.0, 145.0, points=20)[1:]),
        _trace([(104.0, 50.0), (140.0, 48.0), (184.0, 46.0)])],
    # From the top right down the left side, round the loop at the bottom and back into it.
    6: [_trace(_smooth([(180.0, 46.0), (146.0, 64.0), (116.0, 100.0), (98.0, 146.0), (98.0, 192.0),
                        (120.0, 230.0), (156.0, 234.0), (182.0, 206.0), (178.0, 164.0), (146.0, 146.0),
                        (112.0, 160.0), (100.0, 180.0)]))],
    7: STROKES_SEVEN,
    # One stroke: the top loop anticlockwise from its right, across the middle, round the
    # larger bottom loop and back up to the start.
    8: [_trace(_smooth([(174.0, 68.0), (150.0, 46.0), (118.0, 48.0), (102.0, 76.0), (118.0, 106.0),
                        (146.0, 126.0), (174.0, 150.0), (184.0, 186.0), (168.0, 220.0), (136.0, 234.0),
                        (104.0, 220.0), (96.0, 186.0), (112.0, 154.0), (142.0, 128.0), (166.0, 104.0),
                        (176.0, 78.0), (168.0, 60.0)]))],
    # The head anticlockwise from its top right, then the stem straight down.
    9: [_trace(_arc((130.0, 92.0), (46.0, 44.0), -20.0, -380.0, points=28)
               + _smooth([(174.0, 108.0), (172.0, 150.0), (166.0, 200.0), (160.0, 240.0)])[1:])],
}
"""Handwritten digits in pad coordinates, each about 190 px tall about the centre of the pad."""
