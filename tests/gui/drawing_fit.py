"""Whether the drawing panel shows whole in the main window: the geometry of the pad, its
prediction column and its controls, in window coordinates, against what its dock shows.

Run as a script it opens the window (offscreen, at whatever QT_SCALE_FACTOR says), in the
layout and at the logical size given, draws a 7, prints that geometry as JSON and saves a
picture of the window: tests/gui/test_window_layout.py runs it at a scale factor of 2."""
import json
import os
import sys
from pathlib import Path

PREDICTION_COLUMN = ("preview", "prediction_label", "confidence_label", "probability_plot",
                     "undo_button", "clear_button")
"""The panel's widgets beside the pad: what the network sees, its answer and the buttons."""
CONTROLS = ("pen_width_combo", "saliency_toggle", "saliency_target_combo", "saliency_legend")


def rect_in_window(widget, window) -> list[int]:
    """[left, top, width, height] of `widget` in `window`'s coordinates."""
    from PySide6.QtCore import QPoint, QRect

    return list(QRect(widget.mapTo(window, QPoint(0, 0)), widget.size()).getRect())


def drawing_panel_geometry(window) -> dict:
    """What shows of the drawing panel in `window`, in window (logical) pixels."""
    from PySide6.QtWidgets import QAbstractScrollArea, QScrollArea

    scroll = window.findChild(QScrollArea, "drawingScroll")
    panel = window.drawing_panel
    widgets = {}
    for name in ("pad", *PREDICTION_COLUMN, *CONTROLS):
        widget = getattr(panel, name)
        # A plot draws on its viewport, which covers it: that is what must show.
        surface = widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget
        widgets[name] = {
            "rect": rect_in_window(widget, window),
            "visible": widget.isVisible(),
            # The part not clipped by its parents (the panel, the scroll area's viewport, the dock).
            "shown": list(surface.visibleRegion().boundingRect().getRect()),
            "surface": list(surface.rect().getRect()),
        }
    return {
        "window": list(window.size().toTuple()),
        "device_pixel_ratio": window.devicePixelRatio(),
        "scroll_bars": [scroll.horizontalScrollBar().isVisible(), scroll.verticalScrollBar().isVisible()],
        "viewport": rect_in_window(scroll.viewport(), window),
        "dock_shown": not window.docks["drawing"].visibleRegion().isEmpty(),
        "compact": panel.is_compact,
        "widgets": widgets,
    }


def problems(geometry: dict) -> list[str]:
    """What keeps the panel from showing whole; empty when it does."""
    found = []
    if any(geometry["scroll_bars"]):
        found.append(f"the drawing dock scrolls (horizontal, vertical: {geometry['scroll_bars']})")
    if not geometry["dock_shown"]:
        found.append("the drawing dock does not show")
    left, top, width, height = geometry["viewport"]
    window_width, window_height = geometry["window"]
    for name, widget in geometry["widgets"].items():
        x, y, w, h = widget["rect"]
        if not widget["visible"]:
            found.append(f"{name} is hidden")
        elif not (left <= x and top <= y and x + w <= left + width and y + h <= top + height):
            found.append(f"{name} at {widget['rect']} is outside the dock's viewport {geometry['viewport']}")
        elif not (0 <= x and 0 <= y and x + w <= window_width and y + h <= window_height):
            found.append(f"{name} at {widget['rect']} is outside the window")
        elif widget["shown"] != widget["surface"]:
            found.append(f"{name} shows only {widget['shown']} of {widget['surface']}")
    pad = geometry["widgets"]["pad"]["rect"]
    if pad[2] != pad[3] or pad[2] < 140:
        found.append(f"the pad is {pad[2]}x{pad[3]}, not a square of at least 140 px")
    return found


def main(argv: list[str]) -> int:
    """tests/gui/drawing_fit.py LAYOUT WIDTH HEIGHT PICTURE: the geometry as JSON on stdout."""
    layout, width, height, picture = argv[0], int(argv[1]), int(argv[2]), argv[3]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tests = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(tests.parent), str(tests)]
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from engine.data import load_mnist
    from gui.app.main_window import MainWindow
    from gui.panels.scripted_strokes import STROKES_SEVEN, draw_strokes

    settings = QSettings(str(Path(picture).with_suffix(".ini")), QSettings.Format.IniFormat)
    window = MainWindow(dataset=load_mnist().subset(2000, 300), settings=settings)
    window.resize(width, height)
    window.show()
    settle(app)
    window.layouts.switch(layout)
    window.docks["drawing"].raise_()
    draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
    settle(app)
    geometry = drawing_panel_geometry(window)
    geometry["picture"] = list(window.grab().size().toTuple())
    window.grab().save(picture)
    print(json.dumps(geometry))
    window.close()
    return 0


def settle(app, seconds: float = 0.3) -> None:
    """Let the window lay out its docks: they follow over several passes of the event loop."""
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
