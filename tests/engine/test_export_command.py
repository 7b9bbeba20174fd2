"""`main.py export MODEL --onnx OUT.onnx --torch OUT.npz` (issue 14, "Export the trained network to the
ecosystem"): the files, the ONNX file's check with onnxruntime on 1,000 test images, --json, and the
one-line mistakes (exit 2) of a bad model, no output flag and a missing onnx package."""
import io
import json
import re
import subprocess
import sys

import numpy as np
import onnx
import pytest
from support import DEFAULT_MODEL, ROOT

from engine.cli import main
from engine.exports import INSTALL_ONNX, OnnxCheck
from engine.modelio import load_model

TORCH_KEYS = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
SEQUENTIAL = ("nn.Sequential(nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 200), nn.ReLU(), "
              "nn.Linear(200, 10), nn.Softmax(dim=1))")
JSON_KEYS = {"onnx", "torch", "checked_images", "max_abs_difference", "predictions_agree"}


def run(*argv):
    """The CLI in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def small_npz(tmp_path_factory, mnist):
    """A Keras-style .npz of 500 training and 300 test images."""
    path = tmp_path_factory.mktemp("data") / "small.npz"

    def pixels(x):
        return np.round(x * 255).astype(np.uint8).reshape(-1, 28, 28)

    np.savez(path, x_train=pixels(mnist.train_rows(slice(0, 500))), y_train=mnist.y_train[:500],
             x_test=pixels(mnist.x_test[:300]), y_test=mnist.y_test[:300])
    return path


def test_export_writes_onnx_and_torch_and_checks_the_onnx_file(tmp_path):
    onnx_path, torch_path = tmp_path / "model.onnx", tmp_path / "model-torch.npz"
    code, out, err = run("export", DEFAULT_MODEL, "--onnx", onnx_path, "--torch", torch_path)
    assert code == 0, err
    assert err == ""
    line = re.search(r"checked on 1,000 test images: largest difference (\S+), every predicted digit agrees", out)
    assert line, out
    assert float(line.group(1)) < 1e-5
    assert SEQUENTIAL in out and "Exports for other tools" in out, "the nn.Sequential line and the README recipe"

    loaded = onnx.load(str(onnx_path))
    onnx.checker.check_model(loaded)
    assert [node.op_type for node in loaded.graph.node] == ["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"]
    network, _ = load_model(DEFAULT_MODEL)
    with np.load(torch_path, allow_pickle=False) as arrays:
        assert arrays.files == TORCH_KEYS
        np.testing.assert_array_equal(arrays["0.weight"], network.weights[0].astype(np.float32))
        np.testing.assert_array_equal(arrays["4.bias"], network.biases[2].reshape(-1).astype(np.float32))


def test_export_json_prints_one_object_with_the_check(tmp_path):
    onnx_path = tmp_path / "model.onnx"
    code, out, err = run("export", DEFAULT_MODEL, "--onnx", onnx_path, "--json")
    assert code == 0, err
    assert len(out.splitlines()) == 1
    result = json.loads(out)
    assert set(result) == JSON_KEYS
    assert result["onnx"] == str(onnx_path) and result["torch"] is None
    assert result["checked_images"] == 1000 and result["predictions_agree"] is True
    assert 0 <= result["max_abs_difference"] < 1e-5

    torch_path = tmp_path / "weights.npz"
    code, out, _ = run("export", DEFAULT_MODEL, "--torch", torch_path, "--json")
    assert code == 0
    assert json.loads(out) == {"onnx": None, "torch": str(torch_path), "checked_images": None,
                               "max_abs_difference": None, "predictions_agree": None}
    assert torch_path.exists()


def test_the_check_runs_on_the_test_images_of_data(tmp_path, small_npz):
    code, out, err = run("export", DEFAULT_MODEL, "--onnx", tmp_path / "m.onnx", "--data", small_npz)
    assert code == 0, err
    assert "checked on 300 test images: largest difference" in out and "every predicted digit agrees" in out


def test_a_file_that_answers_differently_exits_1(tmp_path, monkeypatch):
    monkeypatch.setattr("engine.cli.export.check_onnx",
                        lambda path, network, x: OnnxCheck(len(x), 3.2e-3, predictions_agree=False))
    code, out, err = run("export", DEFAULT_MODEL, "--onnx", tmp_path / "m.onnx")
    assert code == 1
    assert "checked on 1,000 test images: largest difference 3.2e-03, some predicted digits differ" in out
    assert err.startswith("error: ") and len(err.splitlines()) == 1

    monkeypatch.setattr("engine.cli.export.check_onnx",
                        lambda path, network, x: OnnxCheck(len(x), 2e-5, predictions_agree=True))
    code, _, err = run("export", DEFAULT_MODEL, "--onnx", tmp_path / "m.onnx", "--json")
    assert code == 1, "the difference must be below 1e-5"


def test_a_bad_model_file_exits_2_with_evaluates_message(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    code, out, err = run("export", bad, "--onnx", tmp_path / "m.onnx", "--torch", tmp_path / "t.npz")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "bad.npz" in err and "Traceback" not in err
    assert err == run("evaluate", bad)[2], "the same reader, the same message"
    assert not (tmp_path / "m.onnx").exists() and not (tmp_path / "t.npz").exists()

    code, _, err = run("export", tmp_path / "missing.npz", "--torch", tmp_path / "t.npz")
    assert code == 2 and "missing.npz" in err and len(err.splitlines()) == 1


def test_export_without_an_output_flag_exits_2(tmp_path):
    code, out, err = run("export", DEFAULT_MODEL)
    assert code == 2 and out == ""
    assert err == "error: export needs --onnx OUT.onnx or --torch OUT.npz (or both)\n"


def test_without_the_onnx_package_onnx_exits_2_with_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` raises ImportError
    onnx_path, torch_path = tmp_path / "m.onnx", tmp_path / "t.npz"
    code, out, err = run("export", DEFAULT_MODEL, "--onnx", onnx_path, "--torch", torch_path)
    assert code == 2 and out == ""
    assert err == f"error: {INSTALL_ONNX}\n"
    assert not onnx_path.exists() and not torch_path.exists(), "nothing is written"
    code, out, _ = run("export", DEFAULT_MODEL, "--torch", torch_path)
    assert code == 0 and torch_path.exists(), "the PyTorch weights need no onnx"


def test_without_onnxruntime_the_check_is_skipped_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    code, out, err = run("export", DEFAULT_MODEL, "--onnx", tmp_path / "m.onnx")
    assert code == 0, err
    assert "check skipped" in out and "pip install onnxruntime" in out
    assert (tmp_path / "m.onnx").exists()
    code, out, _ = run("export", DEFAULT_MODEL, "--onnx", tmp_path / "m.onnx", "--json")
    result = json.loads(out)
    assert code == 0 and result["checked_images"] is None and result["predictions_agree"] is None


def test_an_unwritable_output_exits_2_with_one_line(tmp_path):
    target = tmp_path / "no such folder" / "t.npz"
    code, _, err = run("export", DEFAULT_MODEL, "--torch", target)
    assert code == 2 and "no such folder" in err and len(err.splitlines()) == 1
    assert not target.parent.exists()


def test_main_py_dispatches_export(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "export", str(DEFAULT_MODEL),
                             "--torch", str(tmp_path / "t.npz")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert SEQUENTIAL in result.stdout and (tmp_path / "t.npz").exists()
