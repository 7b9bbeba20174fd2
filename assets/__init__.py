"""What the app ships: the MNIST files, the icon and the default model. Found through
importlib.resources, so an installed wheel finds them from any folder, not only a clone."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def asset_path(*parts: str) -> Path:
    """The path of a shipped file or folder (the package is installed as plain files)."""
    return Path(str(files(__name__).joinpath(*parts)))


MNIST_DIR = asset_path("mnist")
DEFAULT_MODEL = asset_path("models", "default.npz")
ICON = asset_path("icons", "backprop-studio.svg")
DESKTOP_ENTRY = asset_path("linux", "backprop-studio.desktop")
OTHER_HANDWRITING = asset_path("handwriting", "other-digits.npz")
"""A second test set that is not MNIST (fonts and a stroke model; README: "A second test set")."""
