"""Reading a dataset on a background thread, so the window stays responsive while files decode."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QThread

from engine.data import IMAGE_SIDE, N_INPUTS, Dataset, load_dataset

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


class DatasetLoader(QThread):
    """Reads `source` with engine.data.load_dataset (None: the bundled MNIST) once started.

    The result is left in `dataset` or, as a message for the user, in `error`; connect to
    `finished` to collect it (a signal without arguments, so nothing of Python's is left in
    Qt's queue if the app quits first)."""

    def __init__(self, source: str | os.PathLike | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = None if source is None else Path(source)
        self.dataset: Dataset | None = None
        self.error = ""

    def run(self) -> None:
        try:
            dataset = load_dataset(self.source)
        except (ValueError, OSError) as e:  # engine.data.DataError is a ValueError
            self.error = str(e)
            return
        except MemoryError:
            self.error = f"{self.source}: not enough memory to read this dataset."
            return
        self.error = studio_dataset_problem(dataset)
        if not self.error:
            self.dataset = dataset
