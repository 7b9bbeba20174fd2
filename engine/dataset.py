"""The Dataset type the network trains on, its size constants and its pixel scaling.

A Dataset holds float32 rows in [0, 1] (raw value / 255) and int64 labels 0..9; 8-bit
training images may instead be kept as their pixel codes (PIXEL_CODES). The loaders that
build Datasets from files are in engine.data.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np

IMAGE_SIDE = 28
N_INPUTS = IMAGE_SIDE * IMAGE_SIDE
N_CLASSES = 10
_MAX_PIXEL = 255
PIXEL_CODES = np.dtype(np.uint8)
"""Training images read from 8-bit files are stored as their codes 0..255 (a quarter of
the memory of float32: 47 MB instead of 188 MB for MNIST) and scaled a batch at a time."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test splits ready for the network.

    ``x_*`` are C-contiguous float32 arrays of shape (n, n_inputs) with values in
    [0, 1]; ``y_*`` are int64 label vectors with values 0..9. ``x_train`` may instead
    hold uint8 pixel codes (PIXEL_CODES), which stand for code / 255: read training rows
    as values with :meth:`train_rows`. Construction checks shapes, dtypes and label
    range (cheap); pixel ranges are guaranteed by the loaders.
    Arrays returned by the loaders are read-only because the bundled copy is shared
    through an in-process cache.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            x = getattr(self, f"x_{split}")
            y = getattr(self, f"y_{split}")
            where = f"dataset {self.name!r}, {split} split"
            allowed = (np.float32, PIXEL_CODES) if split == "train" else (np.float32,)
            if not isinstance(x, np.ndarray) or x.dtype not in allowed or x.ndim != 2:
                kinds = " or ".join(np.dtype(kind).name for kind in allowed)
                raise ValueError(f"{where}: x must be a 2-D {kinds} array")
            if not x.flags.c_contiguous:
                raise ValueError(f"{where}: x must be C-contiguous")
            if not isinstance(y, np.ndarray) or y.dtype != np.int64 or y.shape != (x.shape[0],):
                raise ValueError(
                    f"{where}: y must be an int64 vector with one label per row of x "
                    f"({x.shape[0]})"
                )
            if y.size and (y.min() < 0 or y.max() >= N_CLASSES):
                raise ValueError(f"{where}: labels must lie in 0..{N_CLASSES - 1}")
        if self.x_train.shape[1] != self.x_test.shape[1]:
            raise ValueError(
                f"dataset {self.name!r}: train rows have {self.x_train.shape[1]} inputs "
                f"but test rows have {self.x_test.shape[1]}"
            )

    @property
    def n_train(self) -> int:
        return self.x_train.shape[0]

    @property
    def n_test(self) -> int:
        return self.x_test.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_classes(self) -> int:
        return N_CLASSES

    def train_rows(self, index=slice(None)) -> np.ndarray:
        """Training rows ``x_train[index]`` as float32 values in [0, 1], whether the split is
        stored as values or as pixel codes (then a new array, scaled exactly as the loaders
        scale: code / 255 in float32)."""
        rows = self.x_train[index]
        return pixels_to_unit(rows) if rows.dtype == PIXEL_CODES else rows

    def subset(self, n_train: int, n_test: int) -> Dataset:
        """The first ``n_train`` / ``n_test`` rows of each split (views, no copy)."""
        n_train = operator.index(n_train)
        n_test = operator.index(n_test)
        for label, n, available in (("n_train", n_train, self.n_train),
                                    ("n_test", n_test, self.n_test)):
            if not 1 <= n <= available:
                raise ValueError(f"{label} must be between 1 and {available}, got {n}")
        return Dataset(
            name=f"{self.name} (first {n_train}/{n_test})",
            x_train=self.x_train[:n_train],
            y_train=self.y_train[:n_train],
            x_test=self.x_test[:n_test],
            y_test=self.y_test[:n_test],
        )


def _build_dataset(name: str, x_train: np.ndarray, y_train: np.ndarray,
                   x_test: np.ndarray, y_test: np.ndarray) -> Dataset:
    arrays = (x_train, y_train, x_test, y_test)
    for array in arrays:
        array.setflags(write=False)
    return Dataset(name, *arrays)


def pixels_to_unit(codes: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 pixel codes -> float32 code / 255, the values the loaders give (into `out` if given)."""
    return np.divide(codes, np.float32(_MAX_PIXEL), out=out, dtype=np.float32)


def _pixels_to_unit(pixels: np.ndarray, scale: float = _MAX_PIXEL) -> np.ndarray:
    """(n, ...) pixel values -> C-contiguous float32 (n, N_INPUTS) rows of pixels / scale."""
    rows = pixels.reshape(pixels.shape[0], -1)
    return np.ascontiguousarray(np.divide(rows, np.float32(scale), dtype=np.float32))


def _train_pixels(images: np.ndarray) -> np.ndarray:
    """Training images as stored in a Dataset: 8-bit images keep their codes, others become values."""
    if images.dtype == PIXEL_CODES:
        return np.ascontiguousarray(images.reshape(images.shape[0], -1))
    return _pixels_to_unit(images)
