"""Reliability of everything that reads or writes files, and of the drawing input.

Every reader is fed damaged input (truncated, empty, wrong magic, wrong shape, wrong dtype,
NaN, huge headers, random bytes, and hypothesis-made variants of each) and must answer with
its own error naming the file and the problem, or with a valid result; never another
exception, a huge allocation or a half-built object. Saves that fail part-way leave the old
file and the in-memory network as they were. The CLI turns all of it into exit code 2 and one
line on stderr. tests/engine/test_data.py and test_modelio.py hold the basic cases; this module
adds what they do not cover.
"""
from __future__ import annotations

import errno
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from file_faults import DiskFullAfter, patch_atomic_os, writes_are_blocked
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import DEFAULT_MODEL, ROOT

from engine.analysis.report import history_to_csv
from engine.cli import main as cli_main
from engine.data import IDX_FILES, DataError, Dataset, load_csv, load_dataset, load_idx_dir, load_npz, read_idx
from engine.digitize import DIGIT_BOX_SIZE, OUTPUT_SIZE, digitize
from engine.modelio import ModelFileError, load_model, save_model
from engine.network import Network

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOLERATED_ALLOCATION = 64 * 2**20
"""Peak memory a reader may allocate for a small but hostile file (the files here are < 1 MB)."""


# --------------------------------------------------------------------------- valid files


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def small_splits(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"x_train": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
            "y_train": rng.integers(0, 10, 4).astype(np.uint8),
            "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
            "y_test": rng.integers(0, 10, 2).astype(np.uint8)}


SPLITS = small_splits()


def npz_bytes(compressed: bool, **arrays) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **(arrays or SPLITS))
    return buffer.getvalue()


def csv_text(images: np.ndarray, labels: np.ndarray) -> str:
    table = np.column_stack([labels, images.reshape(len(images), -1)]).astype(int)
    return "".join(",".join(map(str, row)) + "\n" for row in table)


CSV_TRAIN = csv_text(SPLITS["x_train"], SPLITS["y_train"]).encode()
CSV_TEST = csv_text(SPLITS["x_test"], SPLITS["y_test"]).encode()
IDX_RAW = {key: idx_bytes(array) for key, array in SPLITS.items()}
IDX_GZ = {key: gzip.compress(content, mtime=0) for key, content in IDX_RAW.items()}


def model_network() -> Network:
    return Network((784, 6, 10), "relu", "softmax", "ce", seed=5)


def model_bytes() -> bytes:
    buffer = io.BytesIO()
    network = model_network()
    arrays = {"header": np.array(json.dumps(valid_header()))}
    for l, (w, b) in enumerate(zip(network.weights, network.biases), start=1):
        arrays[f"W{l}"], arrays[f"b{l}"] = w, b
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def valid_header(**changes) -> dict:
    header = {"format": "backprop-studio-model", "version": 1, "layer_sizes": [784, 6, 10],
              "hidden_activation": "relu", "output_activation": "softmax", "loss": "ce",
              "dtype": "float32", "metadata": {"epochs": 1}}
    header.update(changes)
    return header


MODEL = model_bytes()
NPZ_STORED = npz_bytes(False)
NPZ_DEFLATED = npz_bytes(True)


def npy_header_only(shape, descr="|u1", payload=b"") -> bytes:
    """A .npy member whose header declares `shape` but holds only `payload`."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + payload


def zip_members(members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


# --------------------------------------------------------------------------- checking answers


def assert_names_file_and_problem(error: Exception, path: Path) -> None:
    message = str(error)
    assert message.startswith(f"{path}: "), message
    assert len(message) > len(str(path)) + 6, f"no problem named: {message!r}"


def assert_valid_dataset(dataset: Dataset) -> None:
    for x, y in ((dataset.train_rows(), dataset.y_train), (dataset.x_test, dataset.y_test)):
        assert x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 784 and len(x) >= 1
        assert np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1
        assert y.dtype == np.int64 and y.shape == (len(x),) and y.min() >= 0 and y.max() <= 9


def assert_valid_model(network: Network, metadata) -> None:
    assert isinstance(metadata, dict)
    assert len(network.layer_sizes) >= 2 and min(network.layer_sizes) >= 1
    assert np.isfinite(network.flat_parameters).all()


def read_or_error(reader, path: Path, error_type, check=None):
    """reader(path) must return a valid result (checked by `check`) or raise `error_type` naming
    `path`; any other exception fails the test. Returns the result or None."""
    try:
        result = reader(path)
    except error_type as error:
        assert_names_file_and_problem(error, path)
        return None
    if check is not None:
        check(*result) if isinstance(result, tuple) else check(result)
    return result


def load_model_or_error(path: Path):
    return read_or_error(load_model, path, ModelFileError, assert_valid_model)


def load_npz_or_error(path: Path):
    return read_or_error(load_npz, path, DataError, assert_valid_dataset)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reliability-fuzz")


# --------------------------------------------------------------------------- fault table

# Each entry: (reader, file name, content) -> the reader's own error naming the file.
# Only faults that tests/engine/test_data.py and test_modelio.py do not already cover.


def _deep_json_model() -> bytes:
    return zip_members({"header.npy": npy_bytes(np.array("[" * 50_000 + "]" * 50_000))})


def _huge_member_model() -> bytes:
    return zip_members({"header.npy": npy_bytes(np.array(json.dumps(valid_header()))),
                        "W1.npy": npy_header_only((2**40,), "<f4"),
                        "b1.npy": npy_header_only((2**31, 2**31), "<f8", b"\0" * 64)})


def _float64_beyond_float32_model() -> bytes:
    network = model_network()
    w1 = network.weights[0].astype(np.float64)
    w1[0, 0] = 1e300  # finite in float64, inf once stored as the header's float32
    return zip_members({"header.npy": npy_bytes(np.array(json.dumps(valid_header()))),
                        "W1.npy": npy_bytes(w1), "b1.npy": npy_bytes(network.biases[0]),
                        "W2.npy": npy_bytes(network.weights[1]), "b2.npy": npy_bytes(network.biases[1])})


def _model_with_header(**changes) -> bytes:
    network = model_network()
    return zip_members({"header.npy": npy_bytes(np.array(json.dumps(valid_header(**changes)))),
                        "W1.npy": npy_bytes(network.weights[0]), "b1.npy": npy_bytes(network.biases[0]),
                        "W2.npy": npy_bytes(network.weights[1]), "b2.npy": npy_bytes(network.biases[1])})


def _npz_with(**changes: bytes) -> bytes:
    """The small dataset as an archive, with some members replaced by raw .npy bytes."""
    members = {key: npy_bytes(value) for key, value in SPLITS.items()}
    members.update(changes)
    return zip_members({f"{key}.npy": content for key, content in members.items()})


def _model_claiming_a_huge_member() -> bytes:
    """A valid model whose central directory claims that member W1 holds about 4 GB."""
    content = bytearray(MODEL)
    entry = content.find(b"PK\x01\x02")
    while entry >= 0:
        name_length = struct.unpack_from("<H", content, entry + 28)[0]
        if content[entry + 46:entry + 46 + name_length] == b"W1.npy":
            struct.pack_into("<I", content, entry + 24, 0xFFFF_FFF0)  # its uncompressed size
            return bytes(content)
        entry = content.find(b"PK\x01\x02", entry + 4)
    raise AssertionError("no W1.npy entry in the model archive")


MODEL_FAULTS = {
    "truncated-in-directory": (MODEL[:-10], "not a valid .npz"),
    "truncated-in-member": (MODEL[: len(MODEL) // 3], "npz"),
    "a-single-npy-array": (npy_bytes(np.zeros(3)), "single"),
    "gzip-magic": (gzip.compress(b"not a model"), "npz"),
    "png-magic": (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "npz"),
    "idx-file": (IDX_RAW["x_train"], "npz"),
    "dataset-npz-as-model": (NPZ_STORED, "no header"),
    "deeply-nested-json-header": (_deep_json_model(), "JSON"),
    "huge-member-header": (_huge_member_model(), "truncated"),
    "float64-overflowing-float32": (_float64_beyond_float32_model(), "too large for float32"),
    "header-activation-is-a-list": (_model_with_header(hidden_activation=["relu"]), "activation"),
    "header-loss-is-an-object": (_model_with_header(loss={"ce": 1}), "activation or loss"),
    "header-layer-size-true": (_model_with_header(layer_sizes=[784, True, 10]), "layer sizes"),
    "header-version-true": (_model_with_header(version=True), "version"),
    "header-dtype-a-list": (_model_with_header(dtype=["float32"]), "dtype"),
    "header-not-text": (zip_members({"header.npy": npy_bytes(np.arange(3))}), "text"),
    "bzip2-member": (zip_members({"header.npy": npy_bytes(np.array("{}"))}, zipfile.ZIP_BZIP2), "compression"),
    "member-claims-huge-size": (_model_claiming_a_huge_member(), "declares"),
}

NPZ_FAULTS = {
    "truncated-stored": (NPZ_STORED[: len(NPZ_STORED) // 2], "npz"),
    "truncated-deflated": (NPZ_DEFLATED[:-40], "npz"),
    "gzip-magic": (gzip.compress(NPZ_STORED), "npz"),
    "model-file-as-dataset": (MODEL, "missing arrays"),
    "huge-member-header": (_npz_with(x_train=npy_header_only((2**40, 28, 28))), "truncated"),
    "absurd-member-header": (_npz_with(x_train=npy_header_only((2**62, 2**62))), "x_train"),
    "short-member": (_npz_with(x_test=npy_header_only((2, 28, 28), payload=b"\0" * 100)), "truncated"),
    "trailing-bytes-in-member": (_npz_with(y_test=npy_bytes(SPLITS["y_test"]) + b"\0\0"), "trailing"),
    "bool-images": (_npz_with(x_train=npy_bytes(SPLITS["x_train"] > 128)), "dtype"),
    "complex-images": (_npz_with(x_test=npy_bytes(SPLITS["x_test"].astype(np.complex64))), "dtype"),
    "nan-labels": (_npz_with(y_train=npy_bytes(np.array([1.0, np.nan, 2.0, 3.0]))), "non-finite"),
    "images-28x27": (_npz_with(x_train=npy_bytes(np.zeros((4, 28, 27), np.uint8))), "shape"),
    "0-d-labels": (_npz_with(y_test=npy_bytes(np.array(3))), "shape"),
    "unknown-npy-version": (_npz_with(x_train=b"\x93NUMPY\x07\x00" + b"\0" * 64), "version"),
    "garbage-npy-header": (_npz_with(x_train=b"\x93NUMPY\x01\x00\x10\x00{'descr': (((( }\n"), "corrupt"),
}

def _csv_with_first_pixel(value: bytes) -> bytes:
    first, rest = CSV_TRAIN.split(b"\n", 1)
    cells = first.split(b",")
    cells[1] = value
    return b",".join(cells) + b"\n" + rest


CSV_FAULTS = {
    "truncated-mid-row": (CSV_TRAIN[: len(CSV_TRAIN) // 2 + 7], "malformed"),
    "utf16": (CSV_TRAIN.decode().encode("utf-16"), "malformed"),
    "huge-header-line": (b"label," + b"px," * 400_000 + b"\n", "no data rows"),
    "huge-single-row": (b"1," * 200_000 + b"1\n", "column count"),
    "float32-overflow": (_csv_with_first_pixel(b"1e39"), "non-finite"),
    "only-newlines": (b"\n\n\n\n", "no data"),
    "semicolons": (CSV_TRAIN.replace(b",", b";"), "malformed"),
    "nul-bytes": (b"\0" * 4000, "malformed"),
    "fractional-label": (b"1.5" + CSV_TRAIN[CSV_TRAIN.index(b","):], "non-integer"),
}


@pytest.mark.parametrize("case", list(MODEL_FAULTS))
def test_damaged_model_files_are_refused_by_name(tmp_path, case):
    content, keyword = MODEL_FAULTS[case]
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as info:
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_names_file_and_problem(info.value, path)
    assert keyword.lower() in str(info.value).lower(), str(info.value)
    assert peak < TOLERATED_ALLOCATION, f"{peak / 2**20:.0f} MB allocated for a {path.stat().st_size}-byte file"


@pytest.mark.parametrize("case", list(NPZ_FAULTS))
def test_damaged_npz_datasets_are_refused_by_name(tmp_path, case):
    content, keyword = NPZ_FAULTS[case]
    path = tmp_path / "digits.npz"
    path.write_bytes(content)
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as info:
            load_dataset(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_names_file_and_problem(info.value, path)
    assert keyword.lower() in str(info.value).lower(), str(info.value)
    assert peak < TOLERATED_ALLOCATION, f"{peak / 2**20:.0f} MB allocated for a {len(content)}-byte file"


@pytest.mark.parametrize("case", list(CSV_FAULTS))
def test_damaged_csv_files_are_refused_by_name(tmp_path, case):
    content, keyword = CSV_FAULTS[case]
    train, test = tmp_path / "mnist_train.csv", tmp_path / "mnist_test.csv"
    train.write_bytes(content)
    test.write_bytes(CSV_TEST)
    with pytest.raises(DataError) as info:
        load_csv(test)  # the partner is found and read first
    assert_names_file_and_problem(info.value, train)
    assert keyword.lower() in str(info.value).lower(), str(info.value)


def test_every_reader_refuses_an_empty_file_and_a_folder_by_name(tmp_path):
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    for call, error in ((load_model, ModelFileError), (load_npz, DataError), (read_idx, DataError)):
        for path in (empty, tmp_path):
            with pytest.raises(error) as info:
                call(path)
            assert_names_file_and_problem(info.value, path)


def test_a_good_model_file_still_loads_with_the_new_checks(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(MODEL)
    network, metadata = load_model(path)
    assert network.flat_parameters.tobytes() == model_network().flat_parameters.tobytes()
    assert metadata == {"epochs": 1}
    network, _ = load_model(DEFAULT_MODEL)
    assert network.layer_sizes == (784, 400, 200, 10)


def test_fortran_order_and_big_endian_members_load_exactly(tmp_path):
    arrays = {key: np.asfortranarray(value) for key, value in SPLITS.items()}
    arrays["x_test"] = arrays["x_test"].astype(">u2")
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    dataset = load_npz(path)
    np.testing.assert_array_equal(dataset.x_test, SPLITS["x_test"].reshape(2, -1) / np.float32(255))
    np.testing.assert_array_equal(dataset.train_rows(), SPLITS["x_train"].reshape(4, -1) / np.float32(255))


# --------------------------------------------------------------------------- fuzzing


def _mutations(source: bytes):
    """Random truncation, byte flips, or random bytes with a plausible start."""
    return st.one_of(
        st.integers(0, len(source) - 1).map(lambda cut: source[:cut]),
        st.lists(st.tuples(st.integers(0, len(source) - 1), st.integers(1, 255)), min_size=1, max_size=6)
        .map(lambda flips: _flip(source, flips)),
        st.binary(max_size=1024).map(lambda tail: source[:4] + tail),
        st.binary(max_size=1024),
    )


def _flip(source: bytes, flips) -> bytes:
    content = bytearray(source)
    for position, mask in flips:
        content[position] ^= mask
    return bytes(content)


@FUZZ
@given(content=_mutations(MODEL))
def test_fuzzed_model_files_load_or_fail_cleanly(fuzz_dir, content):
    path = fuzz_dir / "fuzzed-model.npz"
    path.write_bytes(content)
    load_model_or_error(path)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12)
_HEADER_CHOICES = {
    "format": st.just("backprop-studio-model"),
    "version": st.sampled_from([1, 1.0, 2, "1"]),
    "layer_sizes": st.sampled_from([[784, 6, 10], [784, 10], [784, 6, 6, 10], [784, 0, 10], [784, 6, 10.0]]),
    "hidden_activation": st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu", "swish"]),
    "output_activation": st.sampled_from(["softmax", "sigmoid", "identity"]),
    "loss": st.sampled_from(["ce", "mse"]),
    "dtype": st.sampled_from(["float32", "float64", "float16", "int8"]),
    "metadata": st.dictionaries(st.text(max_size=5), _JSON, max_size=3),
}
_ARRAY_DTYPES = [np.float32, np.float64, np.float16, np.int32, np.bool_, np.complex64, "U3"]


@st.composite
def model_contents(draw):
    """A header of valid and random JSON values, and arrays of random shapes and dtypes."""
    header = {key: draw(st.one_of(choice, _JSON)) if draw(st.booleans()) else draw(choice)
              for key, choice in _HEADER_CHOICES.items() if draw(st.integers(0, 9))}
    if draw(st.integers(0, 9)) == 0:
        header = draw(_JSON)
    arrays = {"header": np.array(json.dumps(header))}
    network = model_network()
    for l in (1, 2, 3):
        for prefix in "Wb":
            if draw(st.integers(0, 5)) == 0:
                continue
            if l <= 2 and draw(st.booleans()):
                value = (network.weights if prefix == "W" else network.biases)[l - 1]
            else:
                shape = draw(st.sampled_from([(6, 784), (10, 6), (6, 1), (10, 1), (6,), (3, 3), (0,), ()]))
                value = np.zeros(shape)
            dtype = draw(st.sampled_from(_ARRAY_DTYPES))
            value = value.astype(dtype)
            if value.dtype.kind == "f" and value.size and draw(st.integers(0, 4)) == 0:
                with np.errstate(over="ignore"):  # 1e300 in float32 is meant to become inf
                    value.flat[draw(st.integers(0, value.size - 1))] = draw(st.sampled_from([np.nan, np.inf, 1e300]))
            arrays[f"{prefix}{l}"] = value
    return arrays


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrays=model_contents())
def test_models_with_random_headers_and_arrays_load_or_fail_cleanly(fuzz_dir, arrays):
    path = fuzz_dir / "random-header.npz"
    with np.errstate(over="ignore", invalid="ignore"):
        np.savez(path, **arrays)
    result = load_model_or_error(path)
    if result is not None:
        network, _ = result
        header = json.loads(str(arrays["header"]))
        assert list(network.layer_sizes) == header["layer_sizes"]


@FUZZ
@given(source=st.sampled_from([NPZ_STORED, NPZ_DEFLATED]), data=st.data())
def test_fuzzed_npz_datasets_load_or_fail_cleanly(fuzz_dir, source, data):
    path = fuzz_dir / "fuzzed.npz"
    path.write_bytes(data.draw(_mutations(source)))
    load_npz_or_error(path)


_CSV_BYTES = st.sampled_from(list(b"0123456789,\n\r -.e+naif\t\"#\xef\xbb\xbf\x00\xff"))


@FUZZ
@given(data=st.data())
def test_fuzzed_csv_files_load_or_fail_cleanly(fuzz_dir, data):
    folder = fuzz_dir / "csv"
    folder.mkdir(exist_ok=True)
    train, test = folder / "mnist_train.csv", folder / "mnist_test.csv"
    test.write_bytes(CSV_TEST)
    kind = data.draw(st.sampled_from(["mutation", "edits"]))
    if kind == "mutation":
        content = data.draw(_mutations(CSV_TRAIN))
    else:
        content = bytearray(CSV_TRAIN)
        for position, value in data.draw(st.lists(st.tuples(st.integers(0, len(CSV_TRAIN) - 1), _CSV_BYTES),
                                                  min_size=1, max_size=8)):
            content[position] = value
        content = bytes(content)
    train.write_bytes(content)
    try:
        dataset = load_csv(folder)
    except DataError as error:
        assert str(error).startswith((f"{train}: ", f"{test}: ")), str(error)
        return
    assert_valid_dataset(dataset)


@FUZZ
@given(data=st.data(), compress=st.booleans())
def test_fuzzed_idx_folders_load_or_fail_cleanly(fuzz_dir, data, compress):
    """One of the four files damaged; the folder loads (still valid) or the error names that file."""
    folder = fuzz_dir / ("idx-gz" if compress else "idx-raw")
    folder.mkdir(exist_ok=True)
    files = IDX_GZ if compress else IDX_RAW
    for key, stem in IDX_FILES.items():
        (folder / (stem + (".gz" if compress else ""))).write_bytes(files[key])
    victim = data.draw(st.sampled_from(list(IDX_FILES)))
    path = folder / (IDX_FILES[victim] + (".gz" if compress else ""))
    path.write_bytes(data.draw(_mutations(files[victim])))
    try:
        dataset = load_idx_dir(folder)
    except DataError as error:
        message = str(error)
        named = [p for p in folder.iterdir() if message.startswith(f"{p}: ")]
        assert named, message
        return
    assert_valid_dataset(dataset)


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(IDX_RAW["x_test"]) - 1), st.integers(1, 255)),
                      min_size=1, max_size=4))
def test_raw_idx_byte_flips_read_or_fail_cleanly(fuzz_dir, flips):
    path = fuzz_dir / "flipped.idx"
    content = _flip(IDX_RAW["x_test"], flips)
    path.write_bytes(content)
    array = read_or_error(read_idx, path, DataError)
    if array is not None:
        assert array.dtype == np.uint8 and array.size == len(content) - 4 - 4 * array.ndim


# --------------------------------------------------------------------------- previous state


def test_a_failed_load_changes_nothing_loaded_before(tmp_path):
    good = tmp_path / "good.npz"
    save_model(good, model_network(), {"run": "kept"})
    network, metadata = load_model(good)
    before = network.flat_parameters.tobytes()
    dataset = load_npz(_write(tmp_path / "digits.npz", NPZ_STORED))
    dataset_before = dataset.x_train.tobytes()
    for name, (content, _) in MODEL_FAULTS.items():
        bad = _write(tmp_path / f"{name}.npz", content)
        with pytest.raises(ModelFileError):
            load_model(bad)
        assert bad.read_bytes() == content, "reading never writes"
    for name, (content, _) in NPZ_FAULTS.items():
        with pytest.raises(DataError):
            load_dataset(_write(tmp_path / f"{name}.npz", content))
    assert network.flat_parameters.tobytes() == before and metadata == {"run": "kept"}
    assert dataset.x_train.tobytes() == dataset_before
    assert load_model(good)[0].flat_parameters.tobytes() == before


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


# --------------------------------------------------------------------------- the CLI


def run_cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, err: str, path: Path) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert str(path) in lines[0] and "Traceback" not in err


@pytest.mark.parametrize("case", list(MODEL_FAULTS))
def test_cli_evaluate_reports_a_damaged_model_in_one_line(tmp_path, case):
    path = _write(tmp_path / "model.npz", MODEL_FAULTS[case][0])
    code, out, err = run_cli("evaluate", path)
    assert_one_line_error(code, err, path)
    assert out == ""


@pytest.mark.parametrize("case", list(NPZ_FAULTS)[:8])
def test_cli_train_reports_a_damaged_dataset_in_one_line(tmp_path, case):
    path = _write(tmp_path / "digits.npz", NPZ_FAULTS[case][0])
    code, _, err = run_cli("train", "--data", path, "--batch-size", "2", "--epochs", "1")
    assert_one_line_error(code, err, path)


@FUZZ
@given(content=_mutations(MODEL))
def test_cli_never_shows_a_traceback_for_a_fuzzed_model(fuzz_dir, content):
    path = _write(fuzz_dir / "cli-model.npz", content)
    code, _, err = run_cli("evaluate", path, "--data", fuzz_dir / "absent")
    # A mutation that leaves the model loadable fails on the absent data folder instead.
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_main_py_reports_a_damaged_dataset_in_one_line_without_traceback(tmp_path):
    path = _write(tmp_path / "digits.npz", NPZ_FAULTS["huge-member-header"][0])
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--data", str(path)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert_one_line_error(result.returncode, result.stderr, path)


# --------------------------------------------------------------------------- saving


def _writers(tmp_path):
    """{what: (target path, save function)} for each kind of saved file."""
    history = {"batch_x": np.linspace(0, 1, 500), "batch_loss": np.linspace(2, 0.1, 500),
               "epochs": {"epoch": np.array([1.0]), "train_loss": np.array([0.3])}}
    return {
        "model": (tmp_path / "model.npz", lambda p: save_model(p, model_network(), {"epochs": 2})),
        "history-csv": (tmp_path / "history.csv", lambda p: history_to_csv(history, p)),
    }


@pytest.fixture
def saved(tmp_path):
    """Each writer's target holding an old version, and that version's bytes."""
    network = Network((784, 5, 10), seed=1)
    targets = {}
    for what, (path, save) in _writers(tmp_path).items():
        if what == "model":
            save_model(path, network, {"version": "old"})
        else:
            path.write_text("old history\n")
        targets[what] = (path, save, path.read_bytes())
    return targets


def _assert_old_file_intact(path: Path, old: bytes) -> None:
    assert path.read_bytes() == old
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == [], "temporary file left"


@pytest.mark.parametrize("what", ["model", "history-csv"])
@pytest.mark.parametrize("budget", [0, 1, 100, 1000, 5000])
def test_a_save_interrupted_mid_write_keeps_the_old_file(monkeypatch, saved, what, budget):
    path, save, old = saved[what]
    real_fdopen = os.fdopen
    patch_atomic_os(monkeypatch, fdopen=lambda fd, mode="r", *a, **k: DiskFullAfter(real_fdopen(fd, mode, *a, **k),
                                                                                       budget))
    network = model_network()
    before = network.flat_parameters.tobytes()
    with pytest.raises(OSError) as info:
        save(path)
    assert info.value.errno == errno.ENOSPC
    _assert_old_file_intact(path, old)
    assert network.flat_parameters.tobytes() == before


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_full_disk_at_fsync_or_rename_keeps_the_old_file(monkeypatch, saved, failing):
    path, save, old = saved["model"]

    def fail(*args, **kwargs):
        raise OSError(errno.ENOSPC if failing == "fsync" else errno.EACCES, "simulated")

    patch_atomic_os(monkeypatch, **{failing: fail})
    with pytest.raises(OSError):
        save(path)
    _assert_old_file_intact(path, old)


def test_saving_into_a_read_only_folder_fails_clearly_and_keeps_the_old_file(monkeypatch, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    path = folder / "model.npz"
    save_model(path, model_network(), {"version": "old"})
    old = path.read_bytes()
    folder.chmod(0o500)
    try:
        if not writes_are_blocked(folder):
            # Running as root: permissions do not stop writes, so refuse them the way the OS would.
            def refuse(*args, **kwargs):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))

            patch_atomic_os(monkeypatch, open=refuse)
        network = Network((784, 5, 10), seed=9)
        before = network.flat_parameters.tobytes()
        with pytest.raises(PermissionError):
            save_model(path, network)
        assert network.flat_parameters.tobytes() == before
        assert load_model(path)[1] == {"version": "old"}
    finally:
        folder.chmod(0o700)
    _assert_old_file_intact(path, old)


def test_cli_reports_a_failed_save_in_one_line_and_keeps_the_old_file(monkeypatch, tmp_path):
    data = _write(tmp_path / "digits.npz", NPZ_STORED)
    path = tmp_path / "out.npz"
    save_model(path, model_network(), {"version": "old"})
    old = path.read_bytes()
    real_fdopen = os.fdopen
    patch_atomic_os(monkeypatch, fdopen=lambda fd, mode="r", *a, **k: DiskFullAfter(real_fdopen(fd, mode, *a, **k),
                                                                                      200))
    code, _, err = run_cli("train", "--data", data, "--preset", "seed-003", "--batch-size", "4", "--epochs", "1",
                           "--save", path, "--json")
    assert_one_line_error(code, err, path)
    assert "No space left on device" in err
    _assert_old_file_intact(path, old)


def test_saved_files_get_ordinary_permissions_and_replacing_keeps_them(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "model.npz"
    save_model(path, model_network())
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o640)
    save_model(path, model_network())
    assert path.stat().st_mode & 0o777 == 0o640


# --------------------------------------------------------------------------- drawing input


def assert_network_input(image) -> None:
    assert isinstance(image, np.ndarray) and image.shape == (OUTPUT_SIZE, OUTPUT_SIZE)
    assert image.dtype == np.float32 and np.isfinite(image).all()
    assert image.min() >= 0.0 and image.max() <= 1.0 and image.max() > 0.0


def paint_stroke(canvas: np.ndarray, start, end, radius: float, value: float = 1.0) -> None:
    """A round-capped stroke; its ends and width may lie far outside the canvas."""
    rows, cols = np.mgrid[: canvas.shape[0], : canvas.shape[1]]
    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = end - start
    length = float(direction @ direction)
    t = np.clip(((rows - start[0]) * direction[0] + (cols - start[1]) * direction[1]) / length, 0, 1) \
        if length else np.zeros(canvas.shape)
    distance = np.hypot(rows - (start[0] + t * direction[0]), cols - (start[1] + t * direction[1]))
    canvas[distance <= radius] = value


@settings(max_examples=120, deadline=None)
@given(height=st.integers(1, 200), width=st.integers(1, 200),
       strokes=st.lists(st.tuples(st.floats(-500, 700), st.floats(-500, 700), st.floats(-500, 700),
                                  st.floats(-500, 700), st.floats(0, 600)), min_size=1, max_size=4))
def test_huge_and_off_canvas_strokes_give_a_valid_input_or_none(height, width, strokes):
    canvas = np.zeros((height, width), np.float32)
    for r0, c0, r1, c1, radius in strokes:
        paint_stroke(canvas, (r0, c0), (r1, c1), radius)
    image = digitize(canvas)
    if canvas.max() == 0:
        assert image is None
    else:
        assert_network_input(image)


@settings(max_examples=60, deadline=None)
@given(length=st.integers(1, 20_000), other=st.integers(1, 20_000), transpose=st.booleans())
def test_extreme_aspect_ratios_fit_the_box(length, other, transpose):
    """Ink only at two opposite corners: the crop is the whole (possibly 1 x 20000) canvas."""
    other = min(other, max(1, 100_000 // length))  # keep the canvas small in memory
    canvas = np.zeros((other, length) if not transpose else (length, other), np.float32)
    canvas[0, 0] = canvas[-1, -1] = 1.0
    image = digitize(canvas)
    assert_network_input(image)
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    assert rows[-1] - rows[0] < DIGIT_BOX_SIZE and cols[-1] - cols[0] < DIGIT_BOX_SIZE


@pytest.mark.parametrize("convert", [
    lambda c: (c * 255).astype(np.uint8),
    lambda c: c > 0.5,
    lambda c: (c * 255).astype(np.int64),
    lambda c: c.astype(np.float16),
    lambda c: c.astype(np.float32),
    lambda c: np.asfortranarray(c),
    lambda c: c[::-1, ::-1],
    lambda c: np.repeat(c, 2, axis=1)[:, ::2],
    lambda c: c.tolist(),
], ids=["uint8-0..255", "bool", "int64", "float16", "float32", "fortran", "reversed-view", "strided-view", "lists"])
def test_any_numeric_canvas_type_is_accepted(convert):
    canvas = np.zeros((60, 80))
    paint_stroke(canvas, (10, 20), (50, 40), 3)
    image = digitize(convert(canvas))
    assert_network_input(image)


def test_digitize_never_modifies_the_canvas_and_is_repeatable():
    canvas = np.zeros((120, 90))
    paint_stroke(canvas, (5, 5), (110, 80), 6, value=0.7)
    canvas[0, 0] = np.nan
    canvas.setflags(write=False)
    kept = canvas.copy()
    first, second = digitize(canvas), digitize(canvas)
    np.testing.assert_array_equal(canvas, kept)
    np.testing.assert_array_equal(first, second)
    assert first is not second


def test_large_canvases_stay_valid():
    canvas = np.zeros((3000, 3000), np.float32)
    paint_stroke(canvas[::10, ::10], (0, 0), (299, 299), 4)
    assert_network_input(digitize(canvas))
    assert digitize(np.zeros((3000, 3000), np.float32)) is None
