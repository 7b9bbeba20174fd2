"""Tests for engine.data: the bundled MNIST, round trips through every supported
format, and a DataError (naming the file and the problem) for every kind of bad input."""
from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data import (
    BUNDLED_MNIST_DIR,
    IDX_FILES,
    DataError,
    Dataset,
    load_csv,
    load_dataset,
    load_idx_dir,
    load_mnist,
    load_npz,
    read_idx,
)

MNIST_TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


# --------------------------------------------------------------------------- helpers


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def make_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[0, 0, :2] = (0, 255)  # make sure both ends of the range occur
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    return images, labels


@pytest.fixture
def splits() -> dict[str, np.ndarray]:
    x_train, y_train = make_split(12, seed=1)
    x_test, y_test = make_split(5, seed=2)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def write_idx_dir(directory: Path, splits: dict[str, np.ndarray], compress: bool = True,
                  dotted: bool = False) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, stem in IDX_FILES.items():
        name = stem.replace("-idx", ".idx") if dotted else stem
        content = idx_bytes(splits[key])
        if compress:
            name += ".gz"
            content = gzip.compress(content)
        paths[key] = directory / name
        paths[key].write_bytes(content)
    return paths


def assert_matches(dataset: Dataset, splits: dict[str, np.ndarray]) -> None:
    for split in ("train", "test"):
        assert getattr(dataset, f"x_{split}").flags.c_contiguous
        x = dataset.train_rows() if split == "train" else dataset.x_test
        y = getattr(dataset, f"y_{split}")
        expected = splits[f"x_{split}"].reshape(len(splits[f"x_{split}"]), -1)
        assert x.dtype == np.float32
        assert y.dtype == np.int64
        np.testing.assert_array_equal(x, expected.astype(np.float32) / np.float32(255))
        np.testing.assert_array_equal(y, splits[f"y_{split}"])


def csv_text(images: np.ndarray, labels: np.ndarray, header: bool) -> str:
    table = np.column_stack([labels, images.reshape(len(images), -1)]).astype(int)
    lines = [",".join(map(str, row)) for row in table]
    if header:
        lines.insert(0, ",".join(["label"] + [f"{r}x{c}" for r in range(1, 29)
                                              for c in range(1, 29)]))
    return "\n".join(lines) + "\n"


def write_csv_pair(directory: Path, splits: dict[str, np.ndarray], header: bool,
                   prefix: str = "mnist") -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    train = directory / f"{prefix}_train.csv"
    test = directory / f"{prefix}_test.csv"
    train.write_text(csv_text(splits["x_train"], splits["y_train"], header))
    test.write_text(csv_text(splits["x_test"], splits["y_test"], header))
    return train, test


def assert_data_error(excinfo: pytest.ExceptionInfo, path: Path, keyword: str) -> None:
    message = str(excinfo.value)
    assert str(path) in message, message
    assert keyword.lower() in message.lower(), message


# --------------------------------------------------------------------------- bundled MNIST


def test_bundled_files_match_checksums():
    sums = (BUNDLED_MNIST_DIR / "SHA256SUMS").read_text().split("\n")
    entries = [line.split() for line in sums if line.strip()]
    assert {name for _, name in entries} == {f"{stem}.gz" for stem in IDX_FILES.values()}
    for digest, name in entries:
        actual = hashlib.sha256((BUNDLED_MNIST_DIR / name).read_bytes()).hexdigest()
        assert actual == digest, name


def test_bundled_mnist_loads():
    mnist = load_mnist()
    assert mnist.name == "MNIST"
    assert mnist.x_train.shape == (60000, 784) and mnist.x_test.shape == (10000, 784)
    assert mnist.y_train.shape == (60000,) and mnist.y_test.shape == (10000,)
    assert (mnist.n_train, mnist.n_test, mnist.n_inputs, mnist.n_classes) == (60000, 10000, 784, 10)
    # 8-bit training images are kept as codes: 47 MB instead of 188 MB of float32.
    assert mnist.x_train.dtype == np.uint8 and mnist.x_train.flags.c_contiguous
    assert mnist.x_train.nbytes == 60000 * 784
    for x in (mnist.train_rows(slice(0, 5000)), mnist.x_test):
        assert x.dtype == np.float32
        assert x.min() == 0.0 and x.max() == 1.0
    assert mnist.y_train.dtype == np.int64 and mnist.y_test.dtype == np.int64
    assert np.bincount(mnist.y_train).tolist() == MNIST_TRAIN_LABEL_COUNTS
    assert np.bincount(mnist.y_test, minlength=10).sum() == 10000
    assert mnist.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_bundled_mnist_is_cached_and_read_only():
    mnist = load_mnist()
    assert load_mnist() is mnist
    assert load_dataset() is mnist
    assert load_dataset(None) is mnist
    with pytest.raises(ValueError):
        mnist.x_train[0, 0] = 0.5


def test_pixels_are_raw_values_over_255():
    raw = read_idx(BUNDLED_MNIST_DIR / "t10k-images-idx3-ubyte.gz")
    assert raw.shape == (10000, 28, 28) and raw.dtype == np.uint8
    expected = raw.reshape(10000, 784).astype(np.float32) / 255
    np.testing.assert_array_equal(load_mnist().x_test, expected)


# --------------------------------------------------------------------------- Dataset


@pytest.fixture
def small_dataset(tmp_path, splits) -> Dataset:
    write_idx_dir(tmp_path / "small", splits)
    return load_idx_dir(tmp_path / "small")


def test_subset_takes_leading_rows(small_dataset):
    small = small_dataset.subset(3, 2)
    assert (small.n_train, small.n_test) == (3, 2)
    assert small.name != small_dataset.name and small.name.startswith(small_dataset.name)
    np.testing.assert_array_equal(small.x_train, small_dataset.x_train[:3])
    np.testing.assert_array_equal(small.y_test, small_dataset.y_test[:2])
    assert small.x_train.flags.c_contiguous


@pytest.mark.parametrize("n_train, n_test", [(0, 1), (1, 0), (13, 1), (1, 6), (-1, 1)])
def test_subset_rejects_out_of_range_sizes(small_dataset, n_train, n_test):
    with pytest.raises(ValueError):
        small_dataset.subset(n_train, n_test)


def test_dataset_rejects_inconsistent_arrays():
    x = np.zeros((4, 784), np.float32)
    y = np.zeros(4, np.int64)
    Dataset("ok", x, y, x, y)
    with pytest.raises(ValueError):
        Dataset("float64", x.astype(np.float64), y, x, y)
    with pytest.raises(ValueError):
        Dataset("short labels", x, y[:3], x, y)
    with pytest.raises(ValueError):
        Dataset("bad label", x, np.full(4, 10, np.int64), x, y)
    with pytest.raises(ValueError):
        Dataset("widths differ", x, y, np.zeros((4, 10), np.float32), y)


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("compress", [True, False], ids=["gz", "raw"])
@pytest.mark.parametrize("dotted", [False, True], ids=["hyphen", "dotted"])
def test_idx_dir_round_trip(tmp_path, splits, compress, dotted):
    write_idx_dir(tmp_path / "digits", splits, compress=compress, dotted=dotted)
    dataset = load_idx_dir(tmp_path / "digits")
    assert dataset.name == "digits"
    assert_matches(dataset, splits)
    assert load_dataset(tmp_path / "digits").n_train == 12
    assert load_dataset(str(tmp_path / "digits")).n_test == 5


def test_read_idx_detects_gzip_by_content_not_suffix(tmp_path, splits):
    path = tmp_path / "images-without-suffix"
    path.write_bytes(gzip.compress(idx_bytes(splits["x_train"])))
    array = read_idx(path)
    assert array.dtype == np.uint8
    np.testing.assert_array_equal(array, splits["x_train"])


def test_read_idx_any_shape(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.idx").write_bytes(idx_bytes(array))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), array)
    (tmp_path / "empty-dim.idx").write_bytes(idx_bytes(np.zeros((0, 5), np.uint8)))
    assert read_idx(tmp_path / "empty-dim.idx").shape == (0, 5)


@pytest.mark.parametrize("layout", ["3d_uint8", "flat_uint8", "float_unit", "float_255"])
def test_npz_round_trip(tmp_path, splits, layout):
    def images(key):
        x = splits[key]
        if layout == "flat_uint8":
            return x.reshape(len(x), -1)
        if layout == "float_unit":
            return x.astype(np.float64) / 255
        if layout == "float_255":
            return x.astype(np.float32)
        return x

    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, x_train=images("x_train"), y_train=splits["y_train"],
                        x_test=images("x_test"), y_test=splits["y_test"])
    dataset = load_npz(path)
    assert dataset.name == "mnist.npz"
    if layout == "float_unit":
        np.testing.assert_allclose(dataset.x_train, splits["x_train"].reshape(12, -1) / 255,
                                   rtol=0, atol=1e-7)
        np.testing.assert_array_equal(dataset.y_train, splits["y_train"])
    else:
        assert_matches(dataset, splits)
    assert load_dataset(path).n_train == 12


@pytest.mark.parametrize("header", [False, True], ids=["no-header", "header"])
def test_csv_round_trip(tmp_path, splits, header):
    train, test = write_csv_pair(tmp_path / "csv", splits, header)
    assert_matches(load_csv(tmp_path / "csv"), splits)
    assert_matches(load_csv(train), splits)
    assert_matches(load_csv(test), splits)
    assert_matches(load_dataset(tmp_path / "csv"), splits)
    assert_matches(load_dataset(train), splits)


def test_csv_pair_is_found_from_either_custom_name(tmp_path, splits):
    train, test = write_csv_pair(tmp_path, splits, header=False, prefix="digits")
    assert_matches(load_csv(train), splits)
    assert_matches(load_csv(test), splits)


# --------------------------------------------------------------------------- IDX corruption


def _truncate(path: Path, n: int) -> None:
    content = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(content[:-n]))


def _replace_content(path: Path, content: bytes) -> None:
    path.write_bytes(gzip.compress(content))


def _patch_header_byte(path: Path, index: int, value: int) -> None:
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[index] = value
    _replace_content(path, bytes(content))


def _flip_compressed_bytes(path: Path) -> None:
    content = bytearray(path.read_bytes())
    middle = len(content) // 2
    content[middle:middle + 8] = bytes(b ^ 0x5A for b in content[middle:middle + 8])
    path.write_bytes(bytes(content))


HUGE_HEADER = bytes([0, 0, 8, 3]) + struct.pack(">3I", 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)

IDX_CORRUPTIONS = {
    # name: (file key, corruption, keyword expected in the message)
    "missing": ("y_train", lambda p: p.unlink(), "missing"),
    "empty": ("x_test", lambda p: p.write_bytes(b""), "empty"),
    "empty-after-gunzip": ("x_test", lambda p: p.write_bytes(gzip.compress(b"")), "empty"),
    "truncated-labels": ("y_train", lambda p: _truncate(p, 3), "truncated"),
    "truncated-images": ("x_train", lambda p: _truncate(p, 784 * 2), "truncated"),
    "truncated-header": ("x_train", lambda p: _replace_content(p, bytes([0, 0, 8, 3, 0, 0])),
                         "truncated header"),
    "trailing-bytes": ("y_test", lambda p: _replace_content(
        p, gzip.decompress(p.read_bytes()) + b"\x00\x01"), "trailing bytes"),
    "bad-magic": ("x_train", lambda p: _patch_header_byte(p, 0, 0x12), "magic"),
    "unsupported-dtype": ("y_train", lambda p: _patch_header_byte(p, 2, 0x0D), "dtype"),
    "labels-with-3-dims": ("y_train", lambda p: _patch_header_byte(p, 3, 3), "dimensions"),
    "images-with-1-dim": ("x_test", lambda p: _replace_content(
        p, idx_bytes(np.zeros(5, np.uint8))), "dimensions"),
    "wrong-image-size": ("x_train", lambda p: _replace_content(
        p, idx_bytes(np.zeros((12, 32, 32), np.uint8))), "28x28"),
    "huge-header-gz": ("x_train", lambda p: _replace_content(p, HUGE_HEADER + b"\x00" * 64),
                       "declares"),
    "huge-header-raw": ("x_train", lambda p: p.write_bytes(HUGE_HEADER + b"\x00" * 64),
                        "declares"),
    "random-bytes": ("y_test", lambda p: p.write_bytes(
        np.random.default_rng(0).integers(1, 256, 500, dtype=np.uint8).tobytes()), "magic"),
    "corrupt-gzip": ("x_train", _flip_compressed_bytes, "gzip"),
    "cut-gzip-stream": ("x_train", lambda p: p.write_bytes(p.read_bytes()[:2000]), "gzip"),
    "gzip-magic-only": ("y_train", lambda p: p.write_bytes(b"\x1f\x8b\x08"), "gzip"),
    "label-out-of-range": ("y_train", lambda p: _replace_content(
        p, idx_bytes(np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0], np.uint8))),
        "out of range"),
    "count-mismatch": ("y_test", lambda p: _replace_content(
        p, idx_bytes(np.zeros(4, np.uint8))), "mismatch"),
}


@pytest.mark.parametrize("case", list(IDX_CORRUPTIONS))
def test_idx_corruption_raises_data_error(tmp_path, splits, case):
    key, corrupt, keyword = IDX_CORRUPTIONS[case]
    paths = write_idx_dir(tmp_path / "idx", splits)
    corrupt(paths[key])
    with pytest.raises(DataError) as excinfo:
        load_idx_dir(tmp_path / "idx")
    assert_data_error(excinfo, paths[key], keyword)


def test_truncation_message_counts_items(tmp_path, splits):
    path = tmp_path / "labels.idx"
    path.write_bytes(idx_bytes(splits["y_train"])[:-3])
    with pytest.raises(DataError, match=r"truncated: header declares 12 items but the file "
                                        r"holds 9$"):
        read_idx(path)


def test_read_idx_missing_and_directory(tmp_path):
    with pytest.raises(DataError, match="missing file"):
        read_idx(tmp_path / "nope")
    with pytest.raises(DataError, match="not a regular file"):
        read_idx(tmp_path)


def test_missing_idx_folder(tmp_path):
    with pytest.raises(DataError) as excinfo:
        load_idx_dir(tmp_path / "absent")
    assert_data_error(excinfo, tmp_path / "absent", "missing")


# --------------------------------------------------------------------------- npz corruption


def _with(splits, **changes):
    arrays = dict(splits)
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


def _nan_images(splits):
    x = splits["x_train"].astype(np.float32)
    x[3, 4, 5] = np.nan
    return x


NPZ_CORRUPTIONS = {
    "missing-key": (lambda s: _with(s, y_test=None), "missing"),
    "nan": (lambda s: _with(s, x_train=_nan_images(s)), "nan"),
    "inf": (lambda s: _with(s, x_test=np.full((5, 784), np.inf)), "infinite"),
    "object-array": (lambda s: _with(s, y_train=np.array(list(range(12)), dtype=object)),
                     "object"),
    "wrong-image-shape": (lambda s: _with(s, x_train=np.zeros((12, 27, 28), np.uint8)), "shape"),
    "wrong-label-shape": (lambda s: _with(s, y_test=np.zeros((5, 10), np.uint8)), "shape"),
    "string-dtype": (lambda s: _with(s, x_test=np.full((5, 784), "a")), "dtype"),
    "pixel-out-of-range": (lambda s: _with(s, x_train=np.full((12, 784), 300, np.int16)),
                           "out of range"),
    "negative-pixels": (lambda s: _with(s, x_train=np.full((12, 784), -1.0)), "out of range"),
    "label-out-of-range": (lambda s: _with(s, y_train=np.full(12, 10, np.int64)),
                           "out of range"),
    "fractional-label": (lambda s: _with(s, y_train=np.full(12, 1.5)), "non-integer"),
    "count-mismatch": (lambda s: _with(s, y_train=s["y_train"][:-1]), "mismatch"),
    "no-samples": (lambda s: _with(s, x_test=np.zeros((0, 784), np.uint8),
                                   y_test=np.zeros(0, np.uint8)), "no samples"),
}


@pytest.mark.parametrize("case", list(NPZ_CORRUPTIONS))
def test_npz_corruption_raises_data_error(tmp_path, splits, case):
    make_arrays, keyword = NPZ_CORRUPTIONS[case]
    path = tmp_path / "bad.npz"
    np.savez(path, **make_arrays(splits))
    with pytest.raises(DataError) as excinfo:
        load_npz(path)
    assert_data_error(excinfo, path, keyword)


@pytest.mark.parametrize("content, keyword", [
    (b"", "empty"),
    (b"this is not a zip archive at all", "npz"),
    (b"PK\x03\x04 broken zip", "npz"),
], ids=["empty", "text", "broken-zip"])
def test_npz_unreadable_file_raises_data_error(tmp_path, content, keyword):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(DataError) as excinfo:
        load_npz(path)
    assert_data_error(excinfo, path, keyword)


def test_npz_single_array_file_is_rejected(tmp_path):
    path = tmp_path / "single.npz"
    with path.open("wb") as handle:
        np.save(handle, np.zeros(3))
    with pytest.raises(DataError) as excinfo:
        load_npz(path)
    assert_data_error(excinfo, path, "npz")


# --------------------------------------------------------------------------- csv corruption


def _csv_rows(splits, key="train"):
    return csv_text(splits[f"x_{key}"], splits[f"y_{key}"], header=False).splitlines()


def _edit_row(splits, row: int, cell: int, value: str) -> str:
    rows = _csv_rows(splits)
    cells = rows[row].split(",")
    cells[cell] = value
    rows[row] = ",".join(cells)
    return "\n".join(rows) + "\n"


CSV_CORRUPTIONS = {
    "empty": (lambda s: "", "empty"),
    "header-only": (lambda s: "label,1x1,1x2\n", "no data"),
    "wrong-column-count": (lambda s: "\n".join(",".join(["1"] * 10) for _ in range(3)) + "\n",
                           "column count"),
    "ragged-rows": (lambda s: "\n".join(r if i != 4 else r.rsplit(",", 1)[0]
                                        for i, r in enumerate(_csv_rows(s))) + "\n",
                    "malformed"),
    "non-numeric-cell": (lambda s: _edit_row(s, 3, 100, "abc"), "malformed"),
    "pixel-out-of-range": (lambda s: _edit_row(s, 2, 5, "256"), "out of range"),
    "negative-pixel": (lambda s: _edit_row(s, 2, 5, "-1"), "out of range"),
    "label-out-of-range": (lambda s: _edit_row(s, 6, 0, "10"), "out of range"),
    "nan-cell": (lambda s: _edit_row(s, 1, 7, "nan"), "non-finite"),
}


@pytest.mark.parametrize("case", list(CSV_CORRUPTIONS))
def test_csv_corruption_raises_data_error(tmp_path, splits, case):
    make_text, keyword = CSV_CORRUPTIONS[case]
    train, _ = write_csv_pair(tmp_path, splits, header=False)
    train.write_text(make_text(splits))
    with pytest.raises(DataError) as excinfo:
        load_csv(tmp_path)
    assert_data_error(excinfo, train, keyword)


def test_csv_binary_garbage_raises_data_error(tmp_path, splits):
    train, _ = write_csv_pair(tmp_path, splits, header=False)
    train.write_bytes(b"\xff\xfe\x00garbage\x81\n")
    with pytest.raises(DataError) as excinfo:
        load_csv(train)
    assert_data_error(excinfo, train, "malformed")


def test_csv_missing_partner_and_unpairable_name(tmp_path, splits):
    train, test = write_csv_pair(tmp_path, splits, header=False)
    test.unlink()
    with pytest.raises(DataError) as excinfo:
        load_csv(train)
    assert_data_error(excinfo, test, "missing")
    odd = tmp_path / "digits.csv"
    odd.write_text("1,2\n")
    with pytest.raises(DataError) as excinfo:
        load_csv(odd)
    assert_data_error(excinfo, odd, "train")


# --------------------------------------------------------------------------- dispatch


def test_load_dataset_rejects_unknown_sources(tmp_path):
    with pytest.raises(DataError) as excinfo:
        load_dataset(tmp_path / "absent.npz")
    assert_data_error(excinfo, tmp_path / "absent.npz", "missing")
    other = tmp_path / "data.json"
    other.write_text("{}")
    with pytest.raises(DataError) as excinfo:
        load_dataset(other)
    assert_data_error(excinfo, other, "unsupported")


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


# --------------------------------------------------------------------------- fuzzing


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


_VALID_ARRAY = np.random.default_rng(3).integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
_VALID_RAW = idx_bytes(_VALID_ARRAY)
_VALID_GZ = gzip.compress(_VALID_RAW, mtime=0)
_FUZZ_SETTINGS = settings(max_examples=200, deadline=None)


def read_idx_or_data_error(directory: Path, content: bytes) -> np.ndarray | None:
    """read_idx on ``content``: a DataError naming the file is fine (returns None), any
    other exception fails the test; otherwise returns the uint8 array read."""
    path = directory / "fuzz.idx"
    path.write_bytes(content)
    try:
        array = read_idx(path)
    except DataError as exc:
        assert str(path) in str(exc)
        return None
    assert isinstance(array, np.ndarray) and array.dtype == np.uint8
    return array


@_FUZZ_SETTINGS
@given(content=st.binary(max_size=2048))
def test_read_idx_random_bytes(fuzz_dir, content):
    read_idx_or_data_error(fuzz_dir, content)


@_FUZZ_SETTINGS
@given(ndim=st.integers(0, 255), rest=st.binary(max_size=256), compress=st.booleans())
def test_read_idx_random_body_after_valid_magic(fuzz_dir, ndim, rest, compress):
    content = bytes([0, 0, 8, ndim]) + rest
    array = read_idx_or_data_error(fuzz_dir, gzip.compress(content) if compress else content)
    if array is not None:
        assert array.ndim == ndim and array.size == len(content) - 4 - 4 * ndim


@_FUZZ_SETTINGS
@given(cut=st.integers(0, len(_VALID_RAW)), compress=st.booleans())
def test_read_idx_prefixes_of_valid_file(fuzz_dir, cut, compress):
    source = _VALID_GZ if compress else _VALID_RAW
    cut = min(cut, len(source))
    array = read_idx_or_data_error(fuzz_dir, source[:cut])
    if cut == len(source):
        np.testing.assert_array_equal(array, _VALID_ARRAY)
    elif not compress:
        assert array is None


@_FUZZ_SETTINGS
@given(position=st.integers(0, len(_VALID_GZ) - 1), mask=st.integers(1, 255))
def test_read_idx_bit_flips_in_gzip(fuzz_dir, position, mask):
    content = bytearray(_VALID_GZ)
    content[position] ^= mask
    array = read_idx_or_data_error(fuzz_dir, bytes(content))
    if array is not None:
        assert array.size == np.prod(array.shape)
