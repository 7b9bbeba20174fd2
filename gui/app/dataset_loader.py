"""Reading a dataset on a background thread, so the window stays responsive while files decode (the
reading itself, Qt-free, is in opening.py)."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ..widgets.background import BackgroundTask
from .opening import FILE_SUFFIXES, dataset_source, read_dataset, studio_dataset_problem  # noqa: F401 (re-exported)


class DatasetLoader(BackgroundTask):
    """Reads one dataset at a time in the background (see gui.widgets.background); `loaded`
    brings (source, dataset or None, error message) to the GUI thread."""

    loaded = Signal(object, object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source: Path | None = None
        self.finished.connect(lambda outcome: self.loaded.emit(self.source, *outcome))
        self.failed.connect(lambda message: self.loaded.emit(self.source, None, message))

    def read(self, source: str | os.PathLike | None = None) -> None:
        self.source = None if source is None else Path(source)
        source = self.source
        self.run(lambda: read_dataset(source))
