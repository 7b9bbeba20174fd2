"""Reading the arrays of a .npz archive (such as Keras' mnist.npz) without pickle.

Each member's header is checked against the amount of data the member can hold before
anything is allocated, so a damaged or hostile archive cannot cause a huge allocation.

A member is read straight into the array it becomes, so loading N images takes their size
once (plus a 4 MB piece). Members are not memory-mapped: a mapped file that is replaced
or truncated while training reads it kills the process (SIGBUS), a compressed member cannot
be mapped, and training touches every page anyway.
"""
from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path

import numpy as np

from .idx_format import _GZIP_MAX_EXPANSION


class _ArchiveProblem(Exception):
    """What is wrong with one member of a .npz archive (turned into the caller's error)."""


# Largest expansion a member may claim over its compressed size: stored members hold their
# data as is; deflate cannot expand by more than about 1032:1 (see _GZIP_MAX_EXPANSION).
_NPZ_MAX_EXPANSION = {zipfile.ZIP_STORED: 1, zipfile.ZIP_DEFLATED: _GZIP_MAX_EXPANSION}
_NPY_MAGIC = b"\x93NUMPY"
_READ_PIECE = 1 << 22
_NPY_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def _read_into(stream, buffer: np.ndarray) -> int:
    """Fill the uint8 array ``buffer`` from ``stream`` a piece at a time; returns the bytes read.

    zipfile's readinto() reads into a temporary bytes object of the requested size and copies
    it, so one call for a whole member would hold it twice; pieces of _READ_PIECE bound that."""
    view = memoryview(buffer)
    filled = 0
    while filled < len(view):
        n_read = stream.readinto(view[filled:filled + _READ_PIECE])
        if not n_read:
            break
        filled += n_read
    return filled


def _read_npy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    expansion = _NPZ_MAX_EXPANSION.get(info.compress_type)
    if expansion is None:
        raise _ArchiveProblem(f"unsupported compression method {info.compress_type} "
                              f"(only stored and deflate members are read)")
    if info.file_size > info.compress_size * expansion + 64:
        raise _ArchiveProblem(f"corrupt archive member: declares {info.file_size} bytes, more than "
                              f"its {info.compress_size} compressed bytes can hold")
    try:
        with archive.open(info) as stream:
            version = np.lib.format.read_magic(stream)
            read_header = _NPY_HEADER_READERS.get(version)
            if read_header is None:
                raise _ArchiveProblem(f"unsupported .npy format version {version[0]}.{version[1]}")
            shape, fortran_order, dtype = read_header(stream)
            if dtype.hasobject:
                raise _ArchiveProblem("object arrays are refused (loading them would need pickle)")
            n_bytes = math.prod(shape) * dtype.itemsize
            # Checked before allocating: the header alone must not decide how much memory is used.
            if n_bytes > info.file_size:
                raise _ArchiveProblem(f"truncated: header declares shape {shape} of {dtype} "
                                      f"({n_bytes} bytes) but the member holds {info.file_size} bytes")
            if n_bytes == 0:
                array = np.zeros(shape, dtype)
            else:
                flat = np.empty(math.prod(shape), dtype)
                n_read = _read_into(stream, flat.view(np.uint8))
                if n_read != n_bytes:
                    raise _ArchiveProblem(f"truncated: header declares {n_bytes} bytes of data but "
                                          f"the member holds {n_read}")
                array = flat.reshape(shape[::-1]).T if fortran_order else flat.reshape(shape)
            if stream.read(1):  # also makes zipfile check the member's CRC
                raise _ArchiveProblem("trailing bytes after the array data")
    except _ArchiveProblem:
        raise
    except Exception as exc:
        # zipfile and numpy.lib.format raise a wide, undocumented range of exception types
        # (ValueError, EOFError, zlib.error, tokenize errors, ...) for damaged bytes; any of
        # them means the same thing here: the member is corrupt.
        raise _ArchiveProblem(f"corrupt archive member ({type(exc).__name__}: {exc})") from exc
    return array


def read_npz_arrays(path: str | os.PathLike[str], fail) -> dict[str, np.ndarray]:
    """Every ``.npy`` array of the ``.npz`` archive at ``path``, as {name without .npy: array}.

    Never unpickles, and checks each member's header against the amount of data the
    member can hold before allocating anything, so a damaged or hostile archive cannot
    cause a huge allocation or an exception from deep inside zipfile or NumPy. Any
    problem raises ``fail(problem)``, an exception the caller builds (``problem`` does not
    name the file). Object arrays are refused; members that are not ``.npy`` are ignored.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(len(_NPY_MAGIC))
    except OSError as exc:
        raise fail(f"cannot read file ({exc.strerror or exc})") from exc
    if size == 0:
        raise fail("empty file")
    if head == _NPY_MAGIC:
        raise fail("not a .npz archive (it holds a single .npy array)")
    try:
        archive = zipfile.ZipFile(path)
    except Exception as exc:  # damaged zip directories fail with many exception types
        raise fail(f"not a valid .npz archive ({exc or type(exc).__name__})") from exc
    arrays = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.endswith(".npy"):
                continue
            key = info.filename[: -len(".npy")]
            try:
                arrays[key] = _read_npy_member(archive, info)
            except _ArchiveProblem as problem:
                raise fail(f"{key}: {problem}") from problem.__cause__
    return arrays
