"""The headless CLI: output formats, saved models, exit codes."""
import gzip
import json
import struct
import subprocess
import sys

import numpy as np
import pytest
from support import ROOT

from engine.cli import main
from engine.data import load_mnist
from engine.modelio import load_model


def _write_idx(path, array):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory):
    """A 2000/500 slice of MNIST written as the four IDX files."""
    folder = tmp_path_factory.mktemp("mnist-small")
    data = load_mnist()

    def to_pixels(x):
        return np.round(x * 255).reshape(-1, 28, 28)

    _write_idx(folder / "train-images-idx3-ubyte.gz", to_pixels(data.train_rows(slice(0, 2000))))
    _write_idx(folder / "train-labels-idx1-ubyte.gz", data.y_train[:2000])
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", to_pixels(data.x_test[:500]))
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", data.y_test[:500])
    return folder


def run(*argv):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    import io
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_train_json_prints_one_object_per_epoch_and_nothing_else(small_dir, tmp_path):
    model = tmp_path / "m.npz"
    code, out, err = run("train", "--preset", "seed-003", "--epochs", "3", "--data", small_dir,
                         "--save", model, "--json")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    for i, record in enumerate(records, start=1):
        assert record["epoch"] == i
        assert {"train_loss", "test_loss", "test_accuracy", "seconds"} <= set(record)
        assert 0 <= record["test_accuracy"] <= 1 and record["seconds"] > 0
    assert records[-1]["train_loss"] < records[0]["train_loss"]
    network, metadata = load_model(model)
    assert network.layer_sizes == (784, 10, 10)
    assert metadata["epochs"] == 3 and metadata["test_accuracy"] == records[-1]["test_accuracy"]


def test_train_human_output_has_a_row_per_epoch(small_dir):
    code, out, _ = run("train", "--preset", "seed-000", "--epochs", "2", "--hidden", "32", "--data", small_dir)
    assert code == 0
    assert "784-32-10" in out
    rows = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 2 and rows[1].split()[0] == "2" and "%" in rows[1]


def test_evaluate_agrees_with_training_and_sums_to_the_test_set(small_dir, tmp_path):
    model = tmp_path / "m.npz"
    code, out, _ = run("train", "--preset", "seed-003", "--epochs", "2", "--data", small_dir, "--save", model, "--json")
    trained = json.loads(out.strip().splitlines()[-1])
    code, out, err = run("evaluate", model, "--data", small_dir, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["test_accuracy"] == pytest.approx(trained["test_accuracy"])
    confusion = np.array(report["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 500
    assert np.trace(confusion) / 500 == pytest.approx(report["test_accuracy"])
    per_class = np.diag(confusion) / confusion.sum(axis=1)
    np.testing.assert_allclose(report["per_class_accuracy"], per_class)


def test_stop_at_ends_training_once_the_target_is_reached(small_dir):
    code, out, _ = run("train", "--preset", "seed-003", "--epochs", "50", "--data", small_dir,
                       "--stop-at", "0.5", "--json")
    assert code == 0 and len(out.strip().splitlines()) < 50


@pytest.mark.parametrize("argv,message", [
    (["train", "--batch-size", "0"], "batch size"),
    (["train", "--lr", "0"], "learning rate"),
    (["train", "--lr", "abc"], "--lr"),
    (["train", "--hidden", "12,,x"], "hidden"),
    (["train", "--preset", "nope"], "preset"),
    (["train", "--batch-size", "999999"], "larger than"),
    (["train", "--data", "/no/such/folder"], "/no/such/folder"),
    (["evaluate", "/no/such/model.npz"], "model.npz"),
    (["train", "--stop-at", "7"], "stop-at"),
])
def test_user_mistakes_exit_2_with_one_line(argv, message, small_dir):
    if "--data" not in argv and argv[0] == "train":
        argv = argv + ["--data", str(small_dir)]
    code, out, err = run(*argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_corrupt_model_file_exits_2(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    code, _, err = run("evaluate", bad)
    assert code == 2 and "bad.npz" in err


def test_diverging_run_reports_and_exits_1(small_dir):
    code, _, err = run("train", "--preset", "seed-000", "--lr", "1000", "--epochs", "3", "--data", small_dir)
    assert code == 1 and "diverged" in err and "lower learning rate" in err


def test_main_py_and_entry_point_dispatch_to_the_cli(small_dir):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--preset", "seed-003", "--epochs", "1",
                             "--data", str(small_dir), "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["epoch"] == 1
    bad = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--epochs", "-3"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "epochs" in bad.stderr


def test_evaluate_on_mnist_also_reports_the_other_handwriting_set(tmp_path, monkeypatch, capsys):
    import engine.cli as cli
    from engine.analysis import thicken

    data = load_mnist().subset(100, 400)
    codes = np.round(thicken(np.asarray(data.x_test, dtype=np.float32), 2) * 255).astype(np.uint8)
    other = tmp_path / "other.npz"
    np.savez(other, x_train=codes[:20].reshape(-1, 28, 28), y_train=data.y_test[:20],
             x_test=codes.reshape(-1, 28, 28), y_test=data.y_test)
    monkeypatch.setattr(cli, "OTHER_HANDWRITING", other)
    model = ROOT / "assets" / "models" / "default.npz"
    assert main(["evaluate", str(model), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    network, _ = load_model(model)
    expected = float(np.mean(network.predict(codes.astype(np.float32).T / 255) == data.y_test))
    assert result["other_handwriting"]["n_test"] == 400
    assert abs(result["other_handwriting"]["test_accuracy"] - expected) < 1e-9
    assert result["test_accuracy"] > result["other_handwriting"]["test_accuracy"]
    assert main(["evaluate", str(model)]) == 0
    assert "other handwriting" in capsys.readouterr().out
    monkeypatch.setattr(cli, "OTHER_HANDWRITING", tmp_path / "missing.npz")
    assert main(["evaluate", str(model), "--json"]) == 0
    assert "other_handwriting" not in json.loads(capsys.readouterr().out)
