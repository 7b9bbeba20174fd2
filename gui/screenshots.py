"""Render the documentation screenshots offscreen: `python -m gui.screenshots [--out docs]`.

studio-training.png  the default preset training on the full MNIST, every panel live
studio-drawing.png   the shipped model classifying a scripted hand-drawn 7

The window uses a throw-away settings file, so a saved layout never changes the pictures.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from .app import create_application  # noqa: E402
from .drawing_pad import STROKES_SEVEN, draw_strokes  # noqa: E402
from .app_settings import SETTINGS_PATH_ENV  # noqa: E402
from .main_window import MainWindow  # noqa: E402

SIZE = (1400, 900)
ZOOMED_CHUNK_COLUMNS = 8
"""Hundreds of 28x28 chunks in one panel are too small to read, so the pictures show a zoomed-in
corner of the grid, as a user would by scrolling over it."""
TRAINING_SECONDS_AFTER_FIRST_EPOCH = 2.0
TIMEOUT_S = 120.0


def wait(seconds: float) -> None:
    """Let the event loop run for `seconds` (snapshots arrive and are drawn meanwhile)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        wait(0.05)


def new_window() -> MainWindow:
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    wait_for(lambda: window.dataset is not None, "MNIST to load")
    return window


def zoom_chunks(window: MainWindow, columns: int = ZOOMED_CHUNK_COLUMNS) -> None:
    """Show the top-left `columns` x `columns` chunks of the weight grid."""
    panel = window.chunks_panel
    rows, cols = panel.grid
    if cols <= columns:
        return
    cell = panel.chunk_origin(1)[1] - panel.chunk_origin(0)[1]
    extent = columns * cell
    panel.view_box.setRange(xRange=(0, extent), yRange=(0, extent), padding=0.01)


def render_training(path: Path) -> None:
    window = new_window()
    try:
        zoom_chunks(window)
        draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
        if not window.start_training():
            raise RuntimeError(f"training did not start: {window.controls.error_text}")
        # Mid-training with at least one evaluation, so the accuracy panel has points.
        wait_for(lambda: window.displayed_snapshot is not None and window.displayed_snapshot.epoch >= 1,
                 "the first epoch")
        wait(TRAINING_SECONDS_AFTER_FIRST_EPOCH)
        window.grab().save(str(path))
    finally:
        window.close()


def render_drawing(path: Path) -> None:
    window = new_window()
    try:
        zoom_chunks(window)
        draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
        window.drawing_panel.update_input_now()
        window.activations_panel.use_drawing_check.setChecked(True)
        wait(0.3)
        window.grab().save(str(path))
    finally:
        window.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gui.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="folder for the PNG files (default: docs)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as settings_dir:
        os.environ[SETTINGS_PATH_ENV] = str(Path(settings_dir) / "settings.ini")
        create_application([])
        render_training(out / "studio-training.png")
        render_drawing(out / "studio-drawing.png")
    for name in ("studio-training.png", "studio-drawing.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
