"""Starts the desktop app: `python main.py` (without a command) ends up in `main`."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from .app_settings import SETTINGS_APPLICATION, SETTINGS_ORGANISATION
from .main_window import WINDOW_TITLE, MainWindow

ICON_PATH = Path(__file__).resolve().parent.parent / "assets" / "icons" / "backprop-studio.svg"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the app's names and icon (reuses one that already exists)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0], *(argv or [])])
    app.setOrganizationName(SETTINGS_ORGANISATION)
    app.setApplicationName(SETTINGS_APPLICATION)
    app.setApplicationDisplayName(WINDOW_TITLE)
    app.setWindowIcon(QIcon(str(ICON_PATH)))
    return app


def main(argv: list[str] | None = None) -> int:
    app = create_application(sys.argv[1:] if argv is None else argv)
    window = MainWindow()
    window.show()
    status = app.exec()
    # Widgets must go before the QApplication; left to interpreter shutdown, the order is arbitrary.
    del window
    return status


if __name__ == "__main__":
    sys.exit(main())
