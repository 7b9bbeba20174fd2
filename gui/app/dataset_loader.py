"""Reading a dataset on a background thread, so the window stays responsive while files decode."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.data import IMAGE_SIDE, N_INPUTS, Dataset, load_dataset

from ..widgets.background import BackgroundTask

FILE_SUFFIXES = (".npz", ".csv")
"""Files read on their own; any other chosen file is taken to be one of a folder of IDX files."""


def dataset_source(chosen: str | os.PathLike) -> Path:
    """What to read for a path picked in a file dialog: an .npz or .csv file itself, the folder
    of any other file (one of the IDX files), or a folder as it is."""
    path = Path(chosen)
    if path.is_dir() or path.suffix.lower() in FILE_SUFFIXES:
        return path
    return path.parent


def studio_dataset_problem(dataset: Dataset) -> str:
    """Why the studio cannot use `dataset`, or "". Its networks read 784 pixels and answer one of
    10 digits; a Dataset's labels are always digits 0 to 9, its image size is checked here."""
    if dataset.n_inputs != N_INPUTS:
        return (f"{dataset.name}: its images have {dataset.n_inputs} pixels, but Backprop Studio's networks "
                f"read {IMAGE_SIDE}\u00d7{IMAGE_SIDE} = {N_INPUTS}-pixel digit images.")
    if dataset.n_train == 0 or dataset.n_test == 0:
        return f"{dataset.name}: it needs at least one training image and one test image."
    return ""


def read_dataset(source: Path | None) -> tuple[Dataset | None, str]:
    """(dataset, "") or (None, a message for the user): `source` read with engine.data.load_dataset
    (None: the bundled MNIST) and checked for the studio. Pure: runs on a background thread."""
    try:
        dataset = load_dataset(source)
    except (ValueError, OSError) as e:  # engine.data.DataError is a ValueError
        return None, str(e)
    except MemoryError:
        return None, f"{source}: not enough memory to read this dataset."
    problem = studio_dataset_problem(dataset)
    return (None, problem) if problem else (dataset, "")


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
