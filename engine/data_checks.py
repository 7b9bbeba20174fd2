"""The error every data loader raises, and the checks the file readers share.

Every problem is a DataError whose message starts with the offending file's path and names
the problem, so the GUI can show it to the user verbatim.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .dataset import N_CLASSES


class DataError(ValueError):
    """A data file that cannot be used; the message names the file and the problem."""


def _require_file(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: missing file")
    if not path.is_file():
        raise DataError(f"{path}: not a regular file")


def _read_file(path: Path) -> bytearray:
    """Whole file as a writable buffer, so arrays built on it need no extra copy."""
    _require_file(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = bytearray(size)
            n_read = handle.readinto(data)
    except OSError as exc:
        raise DataError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    del data[n_read:]
    if not data:
        raise DataError(f"{path}: empty file")
    return data


def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


CHECK_CHUNK_BYTES = 1 << 24
"""Bytes of an array checked at a time: the boolean masks of a check are then bounded by this,
not by the size of the file (a million images would otherwise need 784 MB per mask)."""


def _first_bad(array: np.ndarray, is_bad) -> tuple[int, ...] | None:
    """The index of the first element of ``array`` for which the vectorised test ``is_bad`` is
    true, or None; the test runs on blocks of leading-axis rows, about CHECK_CHUNK_BYTES each."""
    if array.size == 0:
        return None
    if array.ndim == 0:
        return () if is_bad(array) else None
    rows = max(1, CHECK_CHUNK_BYTES // array[:1].nbytes)
    for start in range(0, array.shape[0], rows):
        mask = is_bad(array[start:start + rows])
        if mask.any():
            first = _first_index(mask)
            return (first[0] + start, *first[1:])
    return None


def _check_labels(path: Path, labels: np.ndarray, key: str | None = None,
                  first_line: int | None = None) -> np.ndarray:
    """Validate a label vector of any numeric dtype and return it as int64.

    ``key`` names the array inside the file; ``first_line`` turns indices into text
    line numbers (CSV) in messages.
    """
    prefix = f"{path}: {key}: " if key else f"{path}: "

    def fail(problem: str, mask: np.ndarray) -> DataError:
        index = _first_index(mask)[0]
        where = f"line {index + first_line}" if first_line is not None else f"index {index}"
        return DataError(f"{prefix}{problem}: {labels[index]} at {where}")

    if labels.dtype.kind == "f":
        finite = np.isfinite(labels)
        if not finite.all():
            raise fail("non-finite label", ~finite)
        fractional = labels != np.round(labels)
        if fractional.any():
            raise fail("non-integer label", fractional)
    out_of_range = (labels < 0) | (labels >= N_CLASSES)
    if out_of_range.any():
        raise fail(f"label out of range 0..{N_CLASSES - 1}", out_of_range)
    return labels.astype(np.int64)


def _check_not_empty(path: Path, n: int, what: str) -> None:
    if n == 0:
        raise DataError(f"{path}: {what}: no samples")


def _check_counts(labels_path: Path, n_labels: int, images_path: Path, n_images: int) -> None:
    if n_labels != n_images:
        raise DataError(
            f"{labels_path}: count mismatch: {n_labels} labels but {images_path} "
            f"holds {n_images} images"
        )
