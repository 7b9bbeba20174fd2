"""`main.py compare A B [--json] [--html OUT] [--data PATH]`: the documented JSON keys and values for two files
written by `train --save`, an HTML report whose curves and chunk pictures are drawn from the data, and a bad
file that exits 2 with one line and writes nothing."""
import base64
import io
import json
import re
import shutil
import struct
import zlib

import numpy as np
import pytest
from support import DEFAULT_MODEL

from engine.analysis.compare import match_networks
from engine.cli import main
from engine.data import load_npz
from engine.modelio import load_model
from engine.runs import load_run

SIDE_KEYS = {"path", "name", "test_accuracy", "test_loss", "epochs", "steps", "training_seconds", "layer_sizes"}
TOP_KEYS = {"a", "b", "settings_differ", "per_class_accuracy", "matched_correlation"}


def run(*argv):
    """The CLI in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory, mnist):
    """A Keras-style .npz of 600 training and 300 test images, and two models `train --save` wrote on it:
    784-16-10 (seed 0) and 784-24-10 (seed 1), two epochs of batches of 50, with their per-epoch JSON lines."""
    folder = tmp_path_factory.mktemp("compare")
    data = folder / "small.npz"

    def pixels(x):
        return np.round(x * 255).astype(np.uint8).reshape(-1, 28, 28)

    np.savez(data, x_train=pixels(mnist.train_rows(slice(0, 600))), y_train=mnist.y_train[:600],
             x_test=pixels(mnist.x_test[:300]), y_test=mnist.y_test[:300])
    trained = {}
    for name, hidden, seed in (("a", "16", "0"), ("b", "24", "1")):
        path = folder / f"{name}.npz"
        code, out, err = run("train", "--preset", "seed-003", "--hidden", hidden, "--seed", seed, "--epochs", "2",
                             "--batch-size", "50", "--data", data, "--save", path, "--json")
        assert code == 0, err
        trained[name] = (path, [json.loads(line) for line in out.splitlines()])
    return data, trained


def test_train_save_keeps_the_curves(files, tmp_path):
    _, trained = files
    path, epochs = trained["a"]
    saved = load_run(path)
    assert saved.name == "a" and saved.epochs == 2 and saved.steps == 24
    np.testing.assert_array_equal(saved.history.epoch, [1, 2])
    np.testing.assert_array_equal(saved.history.test_accuracy, [e["test_accuracy"] for e in epochs])
    np.testing.assert_array_equal(saved.history.train_loss, [e["train_loss"] for e in epochs])
    np.testing.assert_array_equal(saved.history.seconds, [e["seconds"] for e in epochs])
    assert len(saved.history.batch_x) == 24 and saved.history.batch_x[-1] == 2.0
    assert np.all(np.diff(saved.history.elapsed) > 0) and saved.training_seconds >= saved.history.elapsed[-1]
    moved = tmp_path / "moved.npz"
    shutil.copyfile(path, moved)
    assert load_run(moved).name == "moved", "a file train --save wrote is called after itself"


def test_compare_json_has_the_documented_keys_and_values(files):
    data_path, trained = files
    (path_a, epochs_a), (path_b, epochs_b) = trained["a"], trained["b"]
    code, out, err = run("compare", path_a, path_b, "--json", "--data", data_path)
    assert code == 0, err
    assert len(out.splitlines()) == 1
    result = json.loads(out)
    assert set(result) == TOP_KEYS and set(result["a"]) == set(result["b"]) == SIDE_KEYS
    for side, path, epochs, sizes in (("a", path_a, epochs_a, [784, 16, 10]), ("b", path_b, epochs_b, [784, 24, 10])):
        assert result[side]["path"] == str(path) and result[side]["name"] == side
        assert result[side]["test_accuracy"] == epochs[-1]["test_accuracy"]
        assert result[side]["test_loss"] == epochs[-1]["test_loss"]
        assert (result[side]["epochs"], result[side]["steps"], result[side]["layer_sizes"]) == (2, 24, sizes)
        assert result[side]["training_seconds"] == load_run(path).training_seconds
    assert result["settings_differ"] == [{"key": "hidden", "a": [16], "b": [24]}, {"key": "seed", "a": 0, "b": 1}]

    data = load_npz(data_path)
    per_class = result["per_class_accuracy"]
    for side, path in (("a", path_a), ("b", path_b)):
        network = load_run(path).network
        predicted = network.predict(data.x_test.T)
        hand = [float(np.mean(predicted[data.y_test == d] == d)) for d in range(10)]
        np.testing.assert_allclose(per_class[side], hand, rtol=0, atol=1e-15)
    np.testing.assert_allclose(per_class["difference"], np.subtract(per_class["b"], per_class["a"]), atol=1e-15)
    match = match_networks(load_run(path_a).network, load_run(path_b).network)
    assert result["matched_correlation"] == {"mean": match.mean, "median": match.median}


def test_compare_prints_a_readable_summary_and_takes_the_shipped_model(files):
    data_path, trained = files
    code, out, err = run("compare", "default", trained["b"][0], "--data", data_path)
    assert code == 0, err
    _, metadata = load_model(DEFAULT_MODEL)
    assert out.startswith(f"A: default ({DEFAULT_MODEL}): 784-400-200-10, {metadata['epochs']} epochs")
    assert "settings that differ (A -> B):\n  hidden: [400, 200] -> [24]" in out
    assert "unmatched: 376 of A's, 0 of B's" in out


def png_chunks(data: bytes):
    """[(type, body)] of a PNG, every CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + body)
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def test_compare_html_draws_the_curves_and_the_chunks(files, tmp_path):
    data_path, trained = files
    (path_a, _), (path_b, _) = trained["a"], trained["b"]
    report = tmp_path / "report.html"
    code, out, err = run("compare", path_a, path_b, "--html", report, "--data", data_path)
    assert code == 0, err
    assert out.endswith(f"wrote {report}\n") and [p.name for p in tmp_path.iterdir()] == ["report.html"]
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg ") == 5  # 2 charts x 2 axes + per digit

    def points(run_key, metric, axis):
        found = re.findall(rf'<polyline data-run="{run_key}" data-metric="{metric}" data-axis="{axis}" '
                           r'points="([^"]*)"', page)
        assert len(found) == 1
        return [tuple(map(float, p.split(","))) for p in found[0].split()]

    for key, path in (("a", path_a), ("b", path_b)):
        history = load_run(path).history
        for axis in ("epoch", "seconds"):
            assert len(points(key, "test_accuracy", axis)) == 2
            assert len(points(key, "train_accuracy", axis)) == 2
            assert len(points(key, "batch_loss", axis)) == len(history.batch_x) == 24
        xs = [x for x, _ in points(key, "batch_loss", "epoch")]
        assert xs == sorted(xs) and len(set(xs)) == 24, "one point per batch, left to right"
    assert 'stroke="#1f77b4"' in page and 'stroke="#d95f02" stroke-width="2.4" stroke-opacity="1.0" ' \
                                           'stroke-dasharray="7 4"' in page, "two colours and two dash styles"
    assert page.count("<tr class=differs>") == 2 and "<td class=text>seed</td>" in page
    assert len(re.findall(r'<rect data-digit="\d"', page)) == 10

    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(uris) == 2
    for uri in uris:
        chunks = png_chunks(base64.b64decode(uri))
        assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
        width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
        # 24 slots (the wider layer) in 5 columns and 5 rows of 28 + 1 pixels, plus the outer line,
        # upscaled 3 times to stay within 480 pixels.
        assert (width, height, depth, colour) == (438, 438, 8, 2)
        pixels = np.frombuffer(zlib.decompress(chunks[1][1]), np.uint8).reshape(height, 1 + 3 * width)
        assert np.all(pixels[:, 0] == 0), "filter type 0 on every row"


@pytest.mark.parametrize("bad_content", [b"not a zip file at all", b""])
def test_a_bad_file_exits_2_with_one_line_and_writes_nothing(files, tmp_path, bad_content):
    _, trained = files
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bad_content)
    report = tmp_path / "report.html"
    for argv in ((trained["a"][0], bad), (bad, trained["a"][0]), (tmp_path / "missing.npz", trained["a"][0])):
        code, out, err = run("compare", *argv, "--html", report, "--json")
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        culprit = argv[0] if argv[0] != trained["a"][0] else argv[1]
        assert err.startswith(f"error: {culprit}: "), err
        assert not report.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz"]


def test_a_network_that_does_not_fit_the_data_exits_2(files, tmp_path):
    from engine.modelio import save_model
    from engine.network import Network

    odd = tmp_path / "odd.npz"
    save_model(odd, Network((100, 8, 10)))
    data_path, trained = files
    code, _, err = run("compare", trained["a"][0], odd, "--data", data_path)
    assert code == 2 and err == f"error: {odd}: network 100-8-10 relu/softmax, loss ce does not fit small.npz\n"
