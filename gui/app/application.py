"""Starts the desktop app: `python main.py` (without a command) ends up in `main`."""
from __future__ import annotations

import ctypes
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from assets import ICON

from .main_window import WINDOW_TITLE, MainWindow
from .opening import Launch, LaunchError, parse_arguments
from .settings import SETTINGS_APPLICATION, SETTINGS_ORGANISATION

ICON_PATH = ICON

STARTUP_PROBE_ENV = "BACKPROP_STUDIO_STARTUP_PROBE"
"""When set, the app prints "shown <unix time>" when the main window is first painted and then
closes: benchmarks/bench_gui.py times a real `python main.py` launch this way."""


MALLOC_ARENAS = 2
MALLOC_MMAP_THRESHOLD = 512 * 1024
_M_ARENA_MAX, _M_MMAP_THRESHOLD = -8, -3  # glibc's mallopt parameter numbers (malloc.h)


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS, mmap_threshold: int = MALLOC_MMAP_THRESHOLD) -> bool:
    """Keep glibc's malloc from holding on to freed memory (call before threads start).

    By default each thread that allocates may get an arena of its own (up to 8 per core), and
    memory freed into one arena is never reused by another; and once a large block has been
    freed, glibc raises the size from which blocks get their own mapping (up to 32 MB), so later
    large arrays come from the arenas and stay there when freed. The training thread, the GUI
    thread and the background evaluations all make large temporary arrays, and the app grew by
    about 90 MB of idle arena space over a 20-epoch soak. Two arenas and a fixed 512 KB
    threshold (large arrays are mapped, and returned when freed) keep that growth small.
    Returns False where this is not glibc (nothing changes there)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_ARENA_MAX, arenas)) and bool(libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold))
    except (OSError, AttributeError):
        return False


class FirstPaintProbe(QObject):
    """Reports the first paint of the watched window on stdout, then closes the window."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"shown {time.time():.6f}", flush=True)
            if isinstance(watched, QWidget):
                QTimer.singleShot(0, watched.close)
        return False


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the app's names and icon (reuses one that already exists)."""
    app = QApplication.instance()
    if app is None:
        limit_malloc_arenas()
        app = QApplication([sys.argv[0], *(argv or [])])
    app.setOrganizationName(SETTINGS_ORGANISATION)
    app.setApplicationName(SETTINGS_APPLICATION)
    app.setApplicationDisplayName(WINDOW_TITLE)
    app.setWindowIcon(QIcon(str(ICON_PATH)))
    return app


def window_arguments(launch: Launch) -> dict:
    """MainWindow's keyword arguments for what the command line opens (the shipped model by default;
    the bundled MNIST, read in the background, unless a dataset was given)."""
    arguments = {"dataset": launch.dataset}
    if launch.model_path is not None:
        arguments["model_path"] = launch.model_path
    return arguments


def main(argv: list[str] | None = None, launch: Launch | None = None) -> int:
    """The window, opened on what `argv` names (see opening.parse_arguments), or on `launch` when
    main.py has read it already. A command line it cannot open: one line on stderr, exit code 2."""
    if launch is None:
        try:
            launch = parse_arguments(sys.argv[1:] if argv is None else argv)
        except LaunchError as e:
            sys.stderr.write(f"error: {e}\n")
            return 2
    app = create_application(list(launch.qt_args))
    window = MainWindow(**window_arguments(launch))
    if os.environ.get(STARTUP_PROBE_ENV):
        probe = FirstPaintProbe(window)
        window.installEventFilter(probe)
    window.show()
    status = app.exec()
    # Widgets must go before the QApplication; left to interpreter shutdown, the order is arbitrary.
    del window
    return status


if __name__ == "__main__":
    sys.exit(main())
