"""Loading the bundled MNIST on a background thread, so the window appears at once."""
from __future__ import annotations

from PySide6.QtCore import QObject, QThread

from engine.data import DataError, Dataset, load_mnist


class DatasetLoader(QThread):
    """Decodes the bundled MNIST (engine.data.load_mnist) once started. The result is left in `dataset` or `error`; connect to `finished` to collect it (a signal
    without arguments, so nothing of Python's is left in Qt's queue if the app quits first)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dataset: Dataset | None = None
        self.error = ""

    def run(self) -> None:
        try:
            self.dataset = load_mnist()
        except (DataError, OSError) as e:
            self.error = str(e)
