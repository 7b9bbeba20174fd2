"""Where the user's own files go by default: the platform's user data folder (QStandardPaths),
never the folder the app is installed in."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths

from assets import asset_path


def user_models_folder() -> Path:
    """The folder saved models are offered in first (made if missing; the home folder if it cannot be)."""
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "models"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.home()
    return folder


def is_shipped(path: Path) -> bool:
    """True for a file the app ships (the default model, ...): not a place to save into."""
    try:
        return Path(path).resolve().is_relative_to(asset_path().resolve())
    except OSError:
        return False
