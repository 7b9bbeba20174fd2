"""Where the app keeps what it remembers between runs (window layout)."""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings

SETTINGS_ORGANISATION = "BackpropStudio"
SETTINGS_APPLICATION = "Backprop Studio"
SETTINGS_PATH_ENV = "BACKPROP_STUDIO_SETTINGS"
"""If set, the path of an INI file used instead of the user's settings (tests, screenshots)."""


def open_settings() -> QSettings:
    """The settings store: the user's, or the INI file named by BACKPROP_STUDIO_SETTINGS."""
    path = os.environ.get(SETTINGS_PATH_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(SETTINGS_ORGANISATION, SETTINGS_APPLICATION)
