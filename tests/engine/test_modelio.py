"""Model files round-trip exactly, are written atomically, and bad files change nothing."""
import json
import zipfile

import numpy as np
import pytest

from engine import modelio
from engine.modelio import ModelFileError, load_model, save_model
from engine.network import Network


@pytest.fixture
def network():
    net = Network((784, 32, 16, 10), "tanh", "softmax", "ce", seed=3)
    net.biases[0][:] = 0.25
    return net


def test_round_trip_is_exact(tmp_path, network):
    path = tmp_path / "model.npz"
    save_model(path, network, {"epochs": 4, "test_accuracy": 0.9731})
    loaded, metadata = load_model(path)
    assert loaded.layer_sizes == network.layer_sizes
    assert (loaded.hidden_activation, loaded.output_activation, loaded.loss_name) == ("tanh", "softmax", "ce")
    assert loaded.dtype == np.float32
    for a, b in zip(loaded.parameters(), network.parameters()):
        assert a.tobytes() == b.tobytes()
    assert metadata == {"epochs": 4, "test_accuracy": 0.9731}
    x = np.random.default_rng(0).random((784, 3), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(x), network.predict_proba(x))


def test_float64_and_sigmoid_mse_round_trip(tmp_path):
    net = Network((784, 20, 10, 10), "sigmoid", "sigmoid", "mse", dtype=np.float64, seed=1)
    save_model(tmp_path / "m.npz", net)
    loaded, _ = load_model(tmp_path / "m.npz")
    assert loaded.dtype == np.float64 and loaded.loss_name == "mse"
    np.testing.assert_array_equal(loaded.weights[2], net.weights[2])


def test_save_leaves_no_temporary_files(tmp_path, network):
    save_model(tmp_path / "model.npz", network)
    save_model(tmp_path / "model.npz", network)
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_failed_save_keeps_the_old_file(tmp_path, network, monkeypatch):
    path = tmp_path / "model.npz"
    save_model(path, network, {"version": "old"})
    before = path.read_bytes()

    def failing_savez(f, **arrays):
        f.write(b"PK\x03\x04 partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(modelio.np, "savez", failing_savez)
    with pytest.raises(OSError):
        save_model(path, Network((784, 5, 10)), {"version": "new"})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def _write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def _header(**changes):
    header = {"format": "backprop-studio-model", "version": 1, "layer_sizes": [4, 3, 2],
              "hidden_activation": "relu", "output_activation": "softmax", "loss": "ce", "dtype": "float32",
              "metadata": {}}
    header.update(changes)
    return np.array(json.dumps(header))


GOOD = dict(W1=np.zeros((3, 4), np.float32), b1=np.zeros((3, 1), np.float32),
            W2=np.zeros((2, 3), np.float32), b2=np.zeros((2, 1), np.float32))


@pytest.mark.parametrize("contents,problem", [
    (dict(GOOD), "no header"),
    (dict(GOOD, header=np.array("{not json")), "JSON"),
    (dict(GOOD, header=_header(format="something-else")), "unknown format"),
    (dict(GOOD, header=_header(version=99)), "version"),
    (dict(GOOD, header=_header(layer_sizes=[4, -3, 2])), "layer sizes"),
    (dict(GOOD, header=_header(layer_sizes=[4, 10**9, 2])), "layer sizes"),
    (dict(GOOD, header=_header(hidden_activation="swish")), "activation"),
    (dict(GOOD, header=_header(dtype="int8")), "dtype"),
    (dict(GOOD, header=_header(output_activation="sigmoid")), "softmax"),
    ({**{k: v for k, v in GOOD.items() if k != "W2"}, "header": _header()}, "missing W2"),
    (dict(GOOD, W3=np.zeros((1, 1)), header=_header()), "unexpected W3"),
    (dict(GOOD, W1=np.zeros((4, 3), np.float32), header=_header()), "W1 has shape"),
    (dict(GOOD, b2=np.zeros((5, 1), np.float32), header=_header()), "b2 has shape"),
    (dict(GOOD, W2=np.full((2, 3), np.nan, np.float32), header=_header()), "NaN"),
    (dict(GOOD, W2=np.zeros((2, 3), np.int32), header=_header()), "dtype"),
])
def test_inconsistent_files_are_refused(tmp_path, contents, problem):
    path = _write_npz(tmp_path / "bad.npz", **contents)
    with pytest.raises(ModelFileError, match=problem) as info:
        load_model(path)
    assert "bad.npz" in str(info.value)


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, header=_header(), W1=np.array([object()], dtype=object))
    with pytest.raises(ModelFileError, match="pickled.npz"):
        load_model(path)


@pytest.mark.parametrize("damage", ["truncate", "empty", "random", "missing"])
def test_damaged_files_are_refused(tmp_path, network, damage):
    path = tmp_path / "model.npz"
    save_model(path, network)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "random":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    else:
        path.unlink()
    with pytest.raises(ModelFileError, match="model.npz"):
        load_model(path)


def test_model_file_is_a_plain_zip_of_npy_arrays(tmp_path, network):
    path = tmp_path / "model.npz"
    save_model(path, network)
    names = zipfile.ZipFile(path).namelist()
    assert sorted(names) == sorted(["header.npy"] + [f"{p}{l}.npy" for l in (1, 2, 3) for p in "Wb"])
