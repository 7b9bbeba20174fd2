"""Reading IDX files (the original MNIST distribution), gzip-compressed or raw.

The header is checked against the actual amount of data before anything is allocated, so
a corrupt or hostile file cannot trigger a huge allocation.
"""
from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .data_checks import DataError, _read_file, _require_file

_IDX_UBYTE = 0x08
_IDX_MAX_HEADER = 4 + 4 * 255  # magic + one uint32 for each of at most 255 dimensions
_GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot expand data by more than about 1032:1, so a gzip file whose header
# declares more than this much data is corrupt; rejecting it up front avoids
# decompressing (and buffering) a stream that can never match its header.
_GZIP_MAX_EXPANSION = 1032
_GZIP_CHUNK = 1 << 20


def _describe_amount(shape: tuple[int, ...], n_bytes: int) -> str:
    """Express a byte count in items of ``shape[1:]`` when that is meaningful."""
    item_size = math.prod(shape[1:])
    if not shape or item_size == 0:
        return f"{n_bytes} bytes"
    items, rest = divmod(n_bytes, item_size)
    return f"{items}" if rest == 0 else f"{items} items plus {rest} bytes"


def _size_mismatch(path: Path, shape: tuple[int, ...], actual: int | None) -> DataError:
    """Error for a payload whose size differs from the header; ``actual=None`` means
    "more than declared" when the exact amount was deliberately not read."""
    expected = math.prod(shape)
    declared = f"{shape[0]} items" if shape and math.prod(shape[1:]) else f"{expected} bytes"
    if actual is None:
        return DataError(f"{path}: trailing bytes: data continues past the {declared} "
                         f"the header declares")
    if actual > expected:
        return DataError(f"{path}: trailing bytes: {actual - expected} bytes after the "
                         f"{declared} the header declares")
    return DataError(f"{path}: truncated: header declares {declared} but the file holds "
                     f"{_describe_amount(shape, actual)}")


def _read_idx_header(path: Path, stream: io.BufferedIOBase, ndim: int | None,
                     compressed: bool) -> tuple[tuple[int, ...], int]:
    """Parse the header; returns (shape, header length in bytes)."""
    head = stream.read(4)
    if not head:
        raise DataError(f"{path}: empty file" + (" after decompression" if compressed else ""))
    if len(head) < 4:
        raise DataError(f"{path}: truncated header: {len(head)} of 4 magic bytes")
    if head[0] != 0 or head[1] != 0:
        raise DataError(
            f"{path}: bad magic number 0x{head.hex()}: an IDX file starts with two zero bytes"
        )
    if head[2] != _IDX_UBYTE:
        raise DataError(
            f"{path}: unsupported dtype byte 0x{head[2]:02x} "
            f"(only 0x{_IDX_UBYTE:02x}, unsigned byte, is supported)"
        )
    declared_ndim = head[3]
    if ndim is not None and declared_ndim != ndim:
        raise DataError(
            f"{path}: wrong number of dimensions: expected {ndim}, header declares "
            f"{declared_ndim}"
        )
    dims = stream.read(4 * declared_ndim)
    if len(dims) < 4 * declared_ndim:
        raise DataError(
            f"{path}: truncated header: {declared_ndim} dimensions need "
            f"{4 * declared_ndim} bytes but only {len(dims)} follow the magic number"
        )
    shape = struct.unpack(f">{declared_ndim}I", dims)
    return shape, 4 + 4 * declared_ndim


def _read_gzip_payload(path: Path, stream: io.BufferedIOBase, shape: tuple[int, ...],
                       compressed_size: int) -> tuple[np.ndarray, int]:
    """(the payload as a flat uint8 array, the number of bytes the stream actually held)."""
    expected = math.prod(shape)
    if expected > compressed_size * _GZIP_MAX_EXPANSION:
        raise DataError(
            f"{path}: implausible header: declares shape {shape} ({expected} bytes) but a "
            f"{compressed_size}-byte gzip file cannot expand to that much data"
        )
    # Decompressed straight into the final array, a piece at a time: the data is then held
    # once, not once in a growing buffer and again in the array.
    payload = np.empty(expected, dtype=np.uint8)
    view = memoryview(payload)
    filled = 0
    while filled < expected:
        n_read = stream.readinto(view[filled:filled + _GZIP_CHUNK])
        if not n_read:
            break
        filled += n_read
    # One byte past the declared size detects trailing data without buffering a long stream.
    if filled == expected and stream.read(1):
        raise _size_mismatch(path, shape, None)
    return payload, filled


def read_idx(path: str | os.PathLike[str], *, ndim: int | None = None) -> np.ndarray:
    """Read one IDX file of unsigned bytes, gzip-compressed or raw.

    Compression is detected from the gzip magic bytes (1f 8b), not the file name.
    Returns a writable uint8 array with the shape the header declares. ``ndim``, if
    given, is the required number of dimensions, checked before any data is read.
    Raises DataError for anything that is not a complete, well-formed IDX file.
    """
    path = Path(path)
    if not _is_gzip(path):
        data = _read_file(path)
        stream = io.BytesIO(bytes(data[:_IDX_MAX_HEADER]))
        shape, header_size = _read_idx_header(path, stream, ndim, compressed=False)
        payload_size = len(data) - header_size
        if payload_size != math.prod(shape):
            raise _size_mismatch(path, shape, payload_size)
        return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)

    # Decompressed from the file as it is read, so the compressed bytes are never all in memory.
    try:
        with path.open("rb") as handle, gzip.GzipFile(fileobj=handle, mode="rb") as stream:
            compressed_size = os.fstat(handle.fileno()).st_size
            shape, _ = _read_idx_header(path, stream, ndim, compressed=True)
            payload, n_read = _read_gzip_payload(path, stream, shape, compressed_size)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt gzip data ({exc})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if n_read != payload.size:
        raise _size_mismatch(path, shape, n_read)
    return payload.reshape(shape)


def _is_gzip(path: Path) -> bool:
    """Whether the file starts with the gzip magic bytes (checks that it is a readable file)."""
    _require_file(path)
    try:
        with path.open("rb") as handle:
            return handle.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
    except OSError as exc:
        raise DataError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
