"""Where the app keeps what it remembers between runs: window layout, training settings, folders,
the theme and the palette choice."""
from __future__ import annotations

import json
import os

from PySide6.QtCore import QSettings

from engine.config import TrainConfig

from ..widgets.theme import SYSTEM, THEMES

SETTINGS_ORGANISATION = "BackpropStudio"
SETTINGS_APPLICATION = "Backprop Studio"
SETTINGS_PATH_ENV = "BACKPROP_STUDIO_SETTINGS"
"""If set, the path of an INI file used instead of the user's settings (tests, screenshots)."""

TRAINING_CONFIG_KEY = "training/config"
TRAINING_PRESET_KEY = "training/preset"
FOLDER_KEY = "folders/{}"
THEME_KEY = "appearance/theme"
COLOUR_BLIND_KEY = "appearance/colourBlind"


def open_settings() -> QSettings:
    """The settings store: the user's, or the INI file named by BACKPROP_STUDIO_SETTINGS."""
    path = os.environ.get(SETTINGS_PATH_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(SETTINGS_ORGANISATION, SETTINGS_APPLICATION)


def save_training_settings(settings: QSettings, preset: str, config: TrainConfig) -> None:
    """Remember the training controls' values and the preset they started from."""
    # JSON keeps types exact (int vs float, lists) in every QSettings backend.
    settings.setValue(TRAINING_CONFIG_KEY, json.dumps(config.to_dict(), sort_keys=True))
    settings.setValue(TRAINING_PRESET_KEY, preset)


def load_training_settings(settings: QSettings) -> tuple[str, TrainConfig] | None:
    """(preset, config) as last saved, or None if nothing usable was saved. The config is not
    validated here: the controls check it like any other input."""
    text = settings.value(TRAINING_CONFIG_KEY)
    if not isinstance(text, str) or not text:
        return None
    try:
        values = json.loads(text)
        if not isinstance(values, dict):
            return None
        config = TrainConfig.from_dict(values)
    except (ValueError, TypeError):
        return None
    preset = settings.value(TRAINING_PRESET_KEY)
    return (preset if isinstance(preset, str) else ""), config


def remembered_folder(settings: QSettings, purpose: str, default: str) -> str:
    """The folder last used for `purpose` ("models", "datasets", "exports"), if it still exists."""
    folder = settings.value(FOLDER_KEY.format(purpose))
    return folder if isinstance(folder, str) and os.path.isdir(folder) else default


def remember_folder(settings: QSettings, purpose: str, path: str | os.PathLike) -> None:
    folder = os.path.dirname(os.fspath(path)) if not os.path.isdir(path) else os.fspath(path)
    settings.setValue(FOLDER_KEY.format(purpose), folder)


def save_appearance(settings: QSettings, theme: str, colour_blind: bool) -> None:
    """Remember the theme ("system", "light" or "dark") and whether the colour-blind palette is on."""
    settings.setValue(THEME_KEY, theme)
    settings.setValue(COLOUR_BLIND_KEY, "true" if colour_blind else "false")
    settings.sync()


def load_appearance(settings: QSettings) -> tuple[str, bool]:
    """(theme, colour_blind) as last saved; ("system", False) where nothing usable was saved."""
    theme = settings.value(THEME_KEY)
    colour_blind = settings.value(COLOUR_BLIND_KEY)
    # An INI file gives back "true"/"false"; other backends may give a bool.
    return (theme if theme in THEMES else SYSTEM,
            colour_blind is True or (isinstance(colour_blind, str) and colour_blind.lower() == "true"))
