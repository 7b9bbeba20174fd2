"""Large training sets cost their 8-bit pixels and little more: loading holds the images once, and
training keeps them as codes (no float32 copy, nothing per image beyond the batch order).

tracemalloc sees NumPy's array allocations, so its peak is the memory the arrays needed."""
import gzip
import tracemalloc
from contextlib import contextmanager

import numpy as np
import pytest

from engine.config import TrainConfig
from engine.data import load_idx_dir, load_npz
from engine.data_checks import CHECK_CHUNK_BYTES, _first_bad
from engine.trainer import Trainer

N_BIG = 200_000
TILE = 1_000
ALLOWANCE = 24e6
"""What loading may allocate besides the training images, whatever their number: a piece of
the file being read, the labels and the 1,000 test images as float32."""


@contextmanager
def traced():
    """Yields a dict whose "peak" is, on exit, the most memory allocated above the level at entry."""
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    box = {}
    try:
        yield box
    finally:
        box["peak"] = tracemalloc.get_traced_memory()[1] - base
        if started_here:
            tracemalloc.stop()


def big_splits(n=N_BIG):
    """`n` training images (random tiles, so every byte is data) and 1,000 test images."""
    rng = np.random.default_rng(0)
    x_train = np.tile(rng.integers(0, 256, (TILE, 28, 28), dtype=np.uint8), (n // TILE, 1, 1))
    y_train = np.tile(rng.integers(0, 10, TILE, dtype=np.uint8), n // TILE)
    return {"x_train": x_train, "y_train": y_train,
            "x_test": x_train[:TILE].copy(), "y_test": y_train[:TILE].copy()}


@pytest.fixture(scope="module")
def big_npz(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.npz"
    np.savez(path, **big_splits())
    return path


@pytest.fixture(scope="module")
def big_dataset(big_npz):
    return load_npz(big_npz)


def test_npz_images_are_read_once(big_npz):
    with traced() as memory:
        dataset = load_npz(big_npz)
    images = dataset.x_train.nbytes
    assert images == N_BIG * 784 and dataset.x_train.dtype == np.uint8
    # Before reading straight into the array, the member was held three times over (3.0x).
    assert memory["peak"] < images + ALLOWANCE < 1.2 * images
    expected = big_splits()
    np.testing.assert_array_equal(dataset.x_train[-TILE:], expected["x_train"][-TILE:].reshape(TILE, 784))
    np.testing.assert_array_equal(dataset.y_train, expected["y_train"])


def test_compressed_npz_images_are_read_once(tmp_path):
    n = 50_000  # deflating random pixels is slow: a smaller set, the same allowance
    splits = big_splits(n)
    path = tmp_path / "small.npz"
    np.savez_compressed(path, **splits)
    with traced() as memory:
        dataset = load_npz(path)
    assert memory["peak"] < dataset.x_train.nbytes + ALLOWANCE
    np.testing.assert_array_equal(dataset.x_train, splits["x_train"].reshape(n, 784))


def _idx_bytes(array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_idx_images_are_read_once(tmp_path, compress):
    splits = big_splits(50_000 if compress else N_BIG)
    names = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
             "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
    for key, name in names.items():
        content = _idx_bytes(splits[key])
        if compress:
            (tmp_path / f"{name}.gz").write_bytes(gzip.compress(content, compresslevel=1))
        else:
            (tmp_path / name).write_bytes(content)
    with traced() as memory:
        dataset = load_idx_dir(tmp_path)
    # The gzip reader used to hold the compressed file and a growing buffer besides the images.
    assert memory["peak"] < dataset.x_train.nbytes + ALLOWANCE
    np.testing.assert_array_equal(dataset.x_train[:TILE], splits["x_train"][:TILE].reshape(TILE, 784))


def _epoch_peak(data):
    """Memory allocated at most while a Trainer is built and trains one epoch, evaluation included."""
    config = TrainConfig(hidden=(8,), activation="relu", loss="ce", optimizer="gd", lr=0.1,
                         batch_size=2000, epochs=1, seed=0)
    with traced() as memory:
        trainer = Trainer(config, data)
        events = list(trainer.run())
    assert trainer.epoch == 1 and events[-1].stopped is False
    return memory["peak"]


def test_an_epoch_keeps_the_images_as_codes(big_dataset):
    quarter, whole = _epoch_peak(big_dataset.subset(N_BIG // 4, TILE)), _epoch_peak(big_dataset)
    # A float32 copy of the images would be four times their size; batches and evaluation chunks
    # take about 50 MB here, whatever the number of images.
    assert whole < 0.5 * big_dataset.x_train.nbytes
    # What grows with the set is the epoch's batch order (8 bytes per image), not pixels (784)
    # nor one-hot targets (40).
    per_image = (whole - quarter) / (N_BIG - N_BIG // 4)
    assert per_image < 12


def test_checks_scan_large_arrays_in_chunks():
    values = np.zeros((4 * CHECK_CHUNK_BYTES // (784 * 4), 784), dtype=np.float32)
    values[-1, 700] = np.nan
    with traced() as memory:
        first = _first_bad(values, lambda block: ~np.isfinite(block))
    assert first == (values.shape[0] - 1, 700)
    # Masks of the whole array (isfinite's and its negation) would take half its size.
    assert memory["peak"] < 0.25 * values.nbytes
    assert _first_bad(values[:-1], lambda block: ~np.isfinite(block)) is None
