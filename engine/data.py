"""Loading and validating the digit datasets the network trains on.

Every loader returns a :class:`Dataset` with pixels as float32 rows in [0, 1]
(raw value / 255) and int64 labels 0..9; 8-bit training images are kept as their
pixel codes (see :class:`Dataset`). Three on-disk layouts are understood:

* IDX (the original MNIST distribution), gzip-compressed or raw;
* the Keras ``mnist.npz`` archive;
* the "mnist-in-csv" layout (label followed by 784 pixel values per row).

Anything unusable raises :class:`DataError` whose message starts with the offending
file's path and names the problem, so the GUI can show it to the user verbatim.
Headers are checked against the actual amount of data before anything is
allocated, so a corrupt or hostile file cannot trigger a huge allocation.
"""
from __future__ import annotations

import functools
import gzip
import io
import math
import operator
import os
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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

IMAGE_SIDE = 28
N_INPUTS = IMAGE_SIDE * IMAGE_SIDE
N_CLASSES = 10
_MAX_PIXEL = 255
PIXEL_CODES = np.dtype(np.uint8)
"""Training images read from 8-bit files are stored as their codes 0..255 (a quarter of
the memory of float32: 47 MB instead of 188 MB for MNIST) and scaled a batch at a time."""

BUNDLED_MNIST_DIR = Path(__file__).resolve().parent.parent / "assets" / "mnist"

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

CSV_TRAIN_FILE = "mnist_train.csv"
CSV_TEST_FILE = "mnist_test.csv"

_IDX_UBYTE = 0x08
_IDX_MAX_HEADER = 4 + 4 * 255  # magic + one uint32 for each of at most 255 dimensions
_GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot expand data by more than about 1032:1, so a gzip file whose header
# declares more than this much data is corrupt; rejecting it up front avoids
# decompressing (and buffering) a stream that can never match its header.
_GZIP_MAX_EXPANSION = 1032
_GZIP_CHUNK = 1 << 20
_CSV_SNIFF_BYTES = 1 << 16


class DataError(ValueError):
    """A data file that cannot be used; the message names the file and the problem."""


# --------------------------------------------------------------------------- dataset


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


# --------------------------------------------------------------------------- helpers


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


def pixels_to_unit(codes: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 pixel codes -> float32 code / 255, the values the loaders give (into `out` if given)."""
    return np.divide(codes, np.float32(_MAX_PIXEL), out=out, dtype=np.float32)


def _pixels_to_unit(pixels: np.ndarray, scale: float = _MAX_PIXEL) -> np.ndarray:
    """(n, ...) pixel values -> C-contiguous float32 (n, N_INPUTS) rows of pixels / scale."""
    rows = pixels.reshape(pixels.shape[0], -1)
    return np.ascontiguousarray(np.divide(rows, np.float32(scale), dtype=np.float32))


def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


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


# --------------------------------------------------------------------------- IDX


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
                       compressed_size: int) -> bytearray:
    expected = math.prod(shape)
    if expected > compressed_size * _GZIP_MAX_EXPANSION:
        raise DataError(
            f"{path}: implausible header: declares shape {shape} ({expected} bytes) but a "
            f"{compressed_size}-byte gzip file cannot expand to that much data"
        )
    # Read at most one byte past the declared size: enough to detect trailing data
    # without buffering an arbitrarily long stream.
    limit = expected + 1
    payload = bytearray()
    while len(payload) < limit:
        chunk = stream.read(min(_GZIP_CHUNK, limit - len(payload)))
        if not chunk:
            break
        payload += chunk
    if len(payload) > expected:
        raise _size_mismatch(path, shape, None)
    return payload


def read_idx(path: str | os.PathLike[str], *, ndim: int | None = None) -> np.ndarray:
    """Read one IDX file of unsigned bytes, gzip-compressed or raw.

    Compression is detected from the gzip magic bytes (1f 8b), not the file name.
    Returns a writable uint8 array with the shape the header declares. ``ndim``, if
    given, is the required number of dimensions, checked before any data is read.
    Raises DataError for anything that is not a complete, well-formed IDX file.
    """
    path = Path(path)
    data = _read_file(path)
    if data[:2] != _GZIP_MAGIC:
        stream = io.BytesIO(bytes(data[:_IDX_MAX_HEADER]))
        shape, header_size = _read_idx_header(path, stream, ndim, compressed=False)
        payload_size = len(data) - header_size
        if payload_size != math.prod(shape):
            raise _size_mismatch(path, shape, payload_size)
        return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)

    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb") as stream:
            shape, _ = _read_idx_header(path, stream, ndim, compressed=True)
            payload = _read_gzip_payload(path, stream, shape, len(data))
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt gzip data ({exc})") from exc
    if len(payload) != math.prod(shape):
        raise _size_mismatch(path, shape, len(payload))
    return np.frombuffer(payload, dtype=np.uint8).reshape(shape)


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


def _train_pixels(images: np.ndarray) -> np.ndarray:
    """Training images as stored in a Dataset: 8-bit images keep their codes, others become values."""
    if images.dtype == PIXEL_CODES:
        return np.ascontiguousarray(images.reshape(images.shape[0], -1))
    return _pixels_to_unit(images)


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
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        raise DataError(f"{path}: {key}: contains NaN or infinite values")
    low, high = images.min(), images.max()
    if low < 0 or high > _MAX_PIXEL:
        raise DataError(
            f"{path}: {key}: pixel values out of range: found {low}..{high}, "
            f"expected 0..{_MAX_PIXEL} (or 0..1 for floats)"
        )
    return images


def _npz_labels(path: Path, key: str, labels: np.ndarray) -> np.ndarray:
    if labels.dtype.kind not in "uif":
        raise DataError(f"{path}: {key}: non-numeric dtype {labels.dtype}")
    if labels.ndim != 1:
        raise DataError(f"{path}: {key}: wrong shape {labels.shape}, expected (n,)")
    return _check_labels(path, labels, key)


class _ArchiveProblem(Exception):
    """What is wrong with one member of a .npz archive (turned into the caller's error)."""


# Largest expansion a member may claim over its compressed size: stored members hold their
# data as is; deflate cannot expand by more than about 1032:1 (see _GZIP_MAX_EXPANSION).
_NPZ_MAX_EXPANSION = {zipfile.ZIP_STORED: 1, zipfile.ZIP_DEFLATED: _GZIP_MAX_EXPANSION}
_NPY_MAGIC = b"\x93NUMPY"
_NPY_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


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
                payload = bytearray(n_bytes)
                n_read = stream.readinto(payload)
                if n_read != n_bytes:
                    raise _ArchiveProblem(f"truncated: header declares {n_bytes} bytes of data but "
                                          f"the member holds {n_read}")
                flat = np.frombuffer(payload, dtype=dtype)
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
    x = {key: _pixels_to_unit(value, float_scale if value.dtype.kind == "f" else _MAX_PIXEL)
         for key, value in images.items() if key != "x_train" or value.dtype != PIXEL_CODES}
    if "x_train" not in x:
        x["x_train"] = _train_pixels(images["x_train"])
    return _build_dataset(path.name, x["x_train"], labels["y_train"],
                          x["x_test"], labels["y_test"])


# --------------------------------------------------------------------------- csv


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
    finite = np.isfinite(table)
    if not finite.all():
        row, column = _first_index(~finite)
        raise DataError(f"{path}: non-finite value at line {row + 1 + header_rows}, "
                        f"column {column + 1}")
    pixels = table[:, 1:]
    bad = (pixels < 0) | (pixels > _MAX_PIXEL)
    if bad.any():
        row, column = _first_index(bad)
        raise DataError(
            f"{path}: pixel value out of range: {pixels[row, column]} at line "
            f"{row + 1 + header_rows}, column {column + 2} (expected 0..{_MAX_PIXEL})"
        )
    labels = _check_labels(path, table[:, 0], first_line=1 + header_rows)
    return _pixels_to_unit(pixels), labels


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
