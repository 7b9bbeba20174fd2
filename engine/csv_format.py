"""Reading one file of the "mnist-in-csv" layout: a label followed by 784 pixel values per row."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .data_checks import DataError, _check_labels, _first_bad, _require_file
from .dataset import _MAX_PIXEL, N_INPUTS, _pixels_to_unit

_CSV_SNIFF_BYTES = 1 << 16


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _check_is_text(path: Path) -> None:
    """Binary files would otherwise pass as one long header line and be reported as having
    no data rows; NUL bytes never occur in CSV text."""
    try:
        with path.open("rb") as handle:
            start = handle.read(_CSV_SNIFF_BYTES)
    except OSError as exc:
        raise DataError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if b"\x00" in start:
        raise DataError(f"{path}: malformed CSV: not a text file (it contains NUL bytes)")


def _has_header(path: Path) -> bool:
    """A first row with any non-numeric cell is a header (e.g. "label,1x1,1x2,...")."""
    try:
        with path.open("r", encoding="utf-8-sig") as handle:
            first_line = handle.readline()
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: malformed CSV: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    cells = first_line.strip().split(",")
    return bool(first_line.strip()) and not all(_is_number(cell) for cell in cells)


def _read_csv_split(path: Path) -> tuple[np.ndarray, np.ndarray]:
    _require_file(path)
    if path.stat().st_size == 0:
        raise DataError(f"{path}: empty file")
    _check_is_text(path)
    header_rows = int(_has_header(path))
    try:
        with warnings.catch_warnings():
            # An input without data rows is reported below as a DataError instead.
            warnings.filterwarnings("ignore", message="loadtxt: input contained no data")
            table = np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2,
                               skiprows=header_rows, comments=None, encoding="utf-8-sig")
    except ValueError as exc:  # includes UnicodeDecodeError
        raise DataError(f"{path}: malformed CSV: {exc}") from exc
    if table.size == 0:
        raise DataError(f"{path}: no data rows")
    if table.shape[1] != 1 + N_INPUTS:
        raise DataError(
            f"{path}: wrong column count: expected {1 + N_INPUTS} (label then "
            f"{N_INPUTS} pixels), found {table.shape[1]}"
        )
    non_finite = _first_bad(table, lambda block: ~np.isfinite(block))
    if non_finite is not None:
        row, column = non_finite
        raise DataError(f"{path}: non-finite value at line {row + 1 + header_rows}, "
                        f"column {column + 1}")
    pixels = table[:, 1:]
    out_of_range = _first_bad(pixels, lambda block: (block < 0) | (block > _MAX_PIXEL))
    if out_of_range is not None:
        row, column = out_of_range
        raise DataError(
            f"{path}: pixel value out of range: {pixels[row, column]} at line "
            f"{row + 1 + header_rows}, column {column + 2} (expected 0..{_MAX_PIXEL})"
        )
    labels = _check_labels(path, table[:, 0], first_line=1 + header_rows)
    return _pixels_to_unit(pixels), labels
