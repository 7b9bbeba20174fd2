"""Loading the digit datasets the network trains on: from a folder, a file, or the bundled MNIST.

Every loader returns a :class:`Dataset` (engine.dataset) with pixels as float32 rows in [0, 1]
(raw value / 255) and int64 labels 0..9; 8-bit training images are kept as their pixel codes
(see :class:`Dataset`). Three on-disk layouts are understood, each read by its own module:

* IDX (the original MNIST distribution), gzip-compressed or raw: engine.idx_format;
* the Keras ``mnist.npz`` archive: engine.npz_format;
* the "mnist-in-csv" layout (label followed by 784 pixel values per row): engine.csv_format.

This module finds the files of a dataset, checks that its splits fit together and builds the
Dataset. Anything unusable raises :class:`DataError` (engine.data_checks) whose message starts
with the offending file's path and names the problem, so the GUI can show it to the user
verbatim. Headers are checked against the actual amount of data before anything is
allocated, so a corrupt or hostile file cannot trigger a huge allocation.

Everything listed in ``__all__`` is importable from here, wherever it is defined.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from assets import MNIST_DIR

from .csv_format import _read_csv_split
from .data_checks import DataError, _check_counts, _check_labels, _check_not_empty, _first_bad, _require_file
from .dataset import (
    _MAX_PIXEL,
    IMAGE_SIDE,
    N_CLASSES,
    N_INPUTS,
    PIXEL_CODES,
    Dataset,
    _build_dataset,
    _pixels_to_unit,
    _train_pixels,
    pixels_to_unit,
)
from .idx_format import read_idx
from .npz_format import read_npz_arrays

__all__ = [
    "BUNDLED_MNIST_DIR",
    "DataError",
    "Dataset",
    "IDX_FILES",
    "IMAGE_SIDE",
    "N_CLASSES",
    "N_INPUTS",
    "PIXEL_CODES",
    "load_csv",
    "load_dataset",
    "load_idx_dir",
    "load_mnist",
    "load_npz",
    "pixels_to_unit",
    "read_idx",
    "read_npz_arrays",
]

BUNDLED_MNIST_DIR = MNIST_DIR  # shipped with the package (assets/)

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

CSV_TRAIN_FILE = "mnist_train.csv"
CSV_TEST_FILE = "mnist_test.csv"


# --------------------------------------------------------------------------- IDX


def _find_idx_file(directory: Path, stem: str) -> Path:
    """The file for ``stem`` in ``directory``: gzip or raw, hyphenated or with the
    common dotted spelling (``t10k-images.idx3-ubyte``)."""
    dotted = stem.replace("-idx", ".idx")
    candidates = [directory / f"{name}{suffix}" for name in (stem, dotted)
                  for suffix in (".gz", "")]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(c.name for c in candidates[1:])
    raise DataError(f"{candidates[0]}: missing file (also looked for {tried})")


def _load_idx_split(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, ndim=3)
    if images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(
            f"{images_path}: wrong image size {images.shape[1]}x{images.shape[2]}, "
            f"expected {IMAGE_SIDE}x{IMAGE_SIDE}"
        )
    _check_not_empty(images_path, images.shape[0], "images")
    labels = read_idx(labels_path, ndim=1)
    _check_counts(labels_path, labels.shape[0], images_path, images.shape[0])
    return images, _check_labels(labels_path, labels)


def _load_idx_dir(directory: Path, name: str) -> Dataset:
    if not directory.is_dir():
        raise DataError(f"{directory}: " + ("not a folder" if directory.exists()
                                             else "missing folder"))
    paths = {key: _find_idx_file(directory, stem) for key, stem in IDX_FILES.items()}
    train_images, y_train = _load_idx_split(paths["x_train"], paths["y_train"])
    test_images, y_test = _load_idx_split(paths["x_test"], paths["y_test"])
    return _build_dataset(name, _train_pixels(train_images), y_train, _pixels_to_unit(test_images), y_test)



def load_idx_dir(directory: str | os.PathLike[str]) -> Dataset:
    """Load the four MNIST IDX files (see IDX_FILES) from ``directory``.

    Each file may be ``<name>.gz`` or raw ``<name>``, and the dotted spelling
    ``<...>-images.idx3-ubyte`` is accepted too. The dataset is named after the folder.
    """
    directory = Path(directory)
    return _load_idx_dir(directory, directory.name)


@functools.lru_cache(maxsize=1)
def load_mnist() -> Dataset:
    """The bundled MNIST copy, decoded once per process (arrays are read-only)."""
    return _load_idx_dir(BUNDLED_MNIST_DIR, "MNIST")


# --------------------------------------------------------------------------- npz


_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _npz_images(path: Path, key: str, images: np.ndarray) -> np.ndarray:
    """Validate one image array and return it unchanged (scaling happens later,
    once the value range of both splits is known)."""
    if images.dtype.kind not in "uif":
        raise DataError(f"{path}: {key}: non-numeric dtype {images.dtype}")
    valid_shape = ((images.ndim == 3 and images.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE))
                   or (images.ndim == 2 and images.shape[1] == N_INPUTS))
    if not valid_shape:
        raise DataError(
            f"{path}: {key}: wrong shape {images.shape}, expected "
            f"(n, {IMAGE_SIDE}, {IMAGE_SIDE}) or (n, {N_INPUTS})"
        )
    _check_not_empty(path, images.shape[0], key)
    if images.dtype.kind == "f" and _first_bad(images, lambda block: ~np.isfinite(block)) is not None:
        raise DataError(f"{path}: {key}: contains NaN or infinite values")
    low, high = images.min(), images.max()
    if low < 0 or high > _MAX_PIXEL:
        raise DataError(
            f"{path}: {key}: pixel values out of range: found {low}..{high}, "
            f"expected 0..{_MAX_PIXEL} (or 0..1 for floats)"
        )
    return images


def _npz_values(images: np.ndarray, scale: float) -> np.ndarray:
    """float32 rows of images / scale. A float32 array read from the file belongs to this load
    alone, so it is scaled in place (the same float32 division) instead of copied."""
    rows = images.reshape(images.shape[0], -1)
    if rows.dtype == np.float32 and rows.flags.c_contiguous and rows.flags.writeable:
        if scale != 1:
            np.divide(rows, np.float32(scale), out=rows)
        return rows
    return _pixels_to_unit(images, scale)


def _npz_labels(path: Path, key: str, labels: np.ndarray) -> np.ndarray:
    if labels.dtype.kind not in "uif":
        raise DataError(f"{path}: {key}: non-numeric dtype {labels.dtype}")
    if labels.ndim != 1:
        raise DataError(f"{path}: {key}: wrong shape {labels.shape}, expected (n,)")
    return _check_labels(path, labels, key)


def _read_npz_arrays(path: Path) -> dict[str, np.ndarray]:
    _require_file(path)
    arrays = read_npz_arrays(path, lambda problem: DataError(f"{path}: {problem}"))
    missing = [key for key in _NPZ_KEYS if key not in arrays]
    if missing:
        raise DataError(
            f"{path}: missing arrays {', '.join(missing)} "
            f"(found: {', '.join(arrays) or 'none'})"
        )
    return {key: arrays[key] for key in _NPZ_KEYS}


def load_npz(path: str | os.PathLike[str]) -> Dataset:
    """Load a Keras-style ``mnist.npz`` (arrays x_train, y_train, x_test, y_test).

    Images may be (n, 28, 28) or (n, 784). Integer pixels are taken as 0..255;
    float pixels are taken as already scaled to [0, 1] when no value in either split
    exceeds 1, and as 0..255 otherwise. Labels may be any integer dtype, or floats
    holding whole numbers.
    """
    path = Path(path)
    arrays = _read_npz_arrays(path)
    images = {key: _npz_images(path, key, arrays[key]) for key in ("x_train", "x_test")}
    labels = {key: _npz_labels(path, key, arrays[key]) for key in ("y_train", "y_test")}
    for split in ("train", "test"):
        n_images = images[f"x_{split}"].shape[0]
        n_labels = labels[f"y_{split}"].shape[0]
        if n_images != n_labels:
            raise DataError(
                f"{path}: count mismatch: y_{split} has {n_labels} labels but "
                f"x_{split} has {n_images} images"
            )
    float_maxima = [float(x.max()) for x in images.values() if x.dtype.kind == "f"]
    float_scale = 1.0 if float_maxima and max(float_maxima) <= 1.0 else float(_MAX_PIXEL)
    x = {key: _npz_values(value, float_scale if value.dtype.kind == "f" else _MAX_PIXEL)
         for key, value in images.items() if key != "x_train" or value.dtype != PIXEL_CODES}
    if "x_train" not in x:
        x["x_train"] = _train_pixels(images["x_train"])
    return _build_dataset(path.name, x["x_train"], labels["y_train"],
                          x["x_test"], labels["y_test"])


# --------------------------------------------------------------------------- csv


def _csv_pair(path: Path) -> tuple[Path, Path]:
    """(train, test) paths: a folder holding the standard pair, or one file of a pair
    whose names differ only in "train" <-> "test" (last occurrence, case-sensitive)."""
    if path.is_dir():
        return path / CSV_TRAIN_FILE, path / CSV_TEST_FILE
    name = path.name
    for own, other in (("train", "test"), ("test", "train")):
        at = name.rfind(own)
        if at >= 0:
            partner = path.with_name(name[:at] + other + name[at + len(own):])
            return (path, partner) if own == "train" else (partner, path)
    raise DataError(
        f"{path}: cannot find the matching train/test file: the name must contain "
        f"'train' or 'test'"
    )


def load_csv(path_or_dir: str | os.PathLike[str]) -> Dataset:
    """Load the "mnist-in-csv" layout: one row per image, label then 784 pixels 0..255.

    Accepts a folder holding ``mnist_train.csv`` and ``mnist_test.csv``, or either
    file of a pair named alike apart from "train"/"test" (``digits_train.csv`` finds
    ``digits_test.csv``). A header row is optional: a first row with any non-numeric
    cell is skipped. The dataset is named after the given folder or file.
    """
    source = Path(path_or_dir)
    if not source.exists():
        raise DataError(f"{source}: missing file or folder")
    train_path, test_path = _csv_pair(source)
    _require_file(train_path)
    _require_file(test_path)
    x_train, y_train = _read_csv_split(train_path)
    x_test, y_test = _read_csv_split(test_path)
    return _build_dataset(source.name, x_train, y_train, x_test, y_test)


# --------------------------------------------------------------------------- dispatch


def load_dataset(source: str | os.PathLike[str] | None = None) -> Dataset:
    """Load whatever ``source`` points at.

    ``None`` gives the bundled MNIST (cached); a folder is read as the CSV pair if it
    holds ``mnist_train.csv`` and ``mnist_test.csv``, otherwise as IDX files; a
    ``.npz`` file goes to load_npz and a ``.csv`` file to load_csv.
    """
    if source is None:
        return load_mnist()
    path = Path(source).expanduser()
    if path.is_dir():
        if (path / CSV_TRAIN_FILE).is_file() and (path / CSV_TEST_FILE).is_file():
            return load_csv(path)
        return load_idx_dir(path)
    if not path.exists():
        raise DataError(f"{path}: missing file or folder")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_npz(path)
    if suffix == ".csv":
        return load_csv(path)
    raise DataError(
        f"{path}: unsupported data source: expected a folder of IDX or CSV files, "
        f"a .npz file or a .csv file"
    )
