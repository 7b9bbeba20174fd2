"""benchmarks/bench_scale.py's parts that decide its figures: the generated sets, their cache check,
the points measured, the slopes and the plot."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from engine.analysis.png import png_size
from engine.data import load_dataset

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "benchmarks" / "bench_scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiled_sets_start_with_mnist_and_are_nested(bench, mnist):
    small_x, small_y = bench.tiled_images(61_000)
    large_x, large_y = bench.tiled_images(72_000)
    assert small_x.dtype == np.uint8 and small_x.shape == (61_000, 28, 28)
    np.testing.assert_array_equal(small_x.reshape(-1, 784)[:60_000], mnist.x_train)
    np.testing.assert_array_equal(small_x, large_x[:61_000])
    np.testing.assert_array_equal(small_y, large_y[:61_000])
    np.testing.assert_array_equal(large_y[60_000:], mnist.y_train[:12_000])
    copies = large_x.reshape(-1, 784)[60_000:].astype(np.int16)
    originals = mnist.x_train[:12_000].astype(np.int16)
    changed = np.mean(np.any(copies != originals, axis=1))
    assert changed > 0.99  # every copy after the first is distorted
    # ... and still a digit: about as much ink as the original.
    ink_ratio = copies.sum(axis=1) / np.maximum(originals.sum(axis=1), 1)
    assert 0.5 < np.median(ink_ratio) < 2.0


def test_cached_sets_are_made_once_and_checked(bench, tmp_path, mnist):
    messages = []
    paths = bench.prepare_sets(tmp_path, [1_000, 3_000], log=messages.append)
    assert any("made" in m for m in messages)
    data = load_dataset(paths[3_000])
    assert data.n_train == 3_000 and data.x_train.dtype == np.uint8 and data.n_test == mnist.n_test
    np.testing.assert_array_equal(data.x_test, mnist.x_test)
    stamp = paths[1_000].stat().st_mtime_ns
    messages.clear()
    assert bench.prepare_sets(tmp_path, [1_000, 3_000], log=messages.append) == paths
    assert messages == [] and paths[1_000].stat().st_mtime_ns == stamp
    # A changed byte, or a record of another recipe, makes the set again.
    content = bytearray(paths[1_000].read_bytes())
    content[-100] ^= 0xFF
    paths[1_000].write_bytes(bytes(content))
    assert not bench.is_valid(paths[1_000], 1_000)
    record = json.loads(paths[3_000].with_suffix(".json").read_text())
    record["recipe"]["seed"] += 1
    paths[3_000].with_suffix(".json").write_text(json.dumps(record))
    assert not bench.is_valid(paths[3_000], 3_000)
    bench.prepare_sets(tmp_path, [1_000, 3_000], log=messages.append)
    assert all(bench.is_valid(paths[n], n) for n in (1_000, 3_000))


def test_plan_sweeps_sizes_at_the_smallest_width_and_widths_at_the_smallest_size(bench):
    points = bench.plan([1_000_000, 60_000, 240_000], [2048, 128, 512], corner=True)
    assert points == [(60_000, 128), (240_000, 128), (1_000_000, 128), (60_000, 512), (60_000, 2048),
                      (1_000_000, 2048)]
    assert (1_000_000, 2048) not in bench.plan([60_000, 1_000_000], [128, 2048], corner=False)


def test_slopes_and_memory_fit(bench):
    images = [60_000, 240_000, 1_000_000]
    assert bench.log_slope(images, [0.5 * n / 60_000 for n in images]) == pytest.approx(1.0)
    assert bench.log_slope(images, [0.5 * (n / 60_000) ** 2 for n in images]) == pytest.approx(2.0)
    assert bench.log_slope(images, [1.0, None, 2.0]) is None
    fit = bench.line_fit([45.0, 180.0, 748.0], [100.0 + x for x in (45.0, 180.0, 748.0)])
    assert fit["per_uint8_mb"] == pytest.approx(1.0) and fit["constant_mb"] == pytest.approx(100.0)


def _point(bench, images, width, engine_s, torch_s):
    return {"images": images, "width": width, "layers": f"784-{width}-64-10", "uint8_mb": images * 784 / bench.MB,
            "engine_s_per_epoch": engine_s, "torch_s_per_epoch": torch_s,
            "engine_peak_rss_mb": 100 + images * 784 / bench.MB,
            "torch_peak_rss_mb": None if torch_s is None else 400 + images * 784 / bench.MB}


@pytest.mark.parametrize("with_torch", [True, False])
def test_plot_draws_both_libraries(bench, with_torch):
    points = [_point(bench, n, 128, 0.45 * n / 60_000, 0.7 * n / 60_000 if with_torch else None)
              for n in (60_000, 240_000, 1_000_000)]
    points += [_point(bench, 60_000, w, 0.45 * w / 128, 0.7 * w / 128 if with_torch else None) for w in (512, 2048)]
    image = bench.render_plot(points, [128, 512, 2048])
    assert png_size(bench.encode_png(image)) == (image.shape[1], image.shape[0])
    colours = {tuple(c) for c in image.reshape(-1, 3)}
    assert bench.ENGINE_STYLE["colour"] in colours
    assert (bench.TORCH_STYLE["colour"] in colours) == with_torch
    assert bench.GUIDE in colours and bench.BLACK in colours
    summary = bench.summarise(points, [128, 512, 2048])
    assert summary["engine_linearity"] == pytest.approx(1.0)
    assert summary["engine_rss_over_uint8_mb"] == pytest.approx(100.0)
    assert (summary["torch_linearity"] is None) != with_torch


def test_text_is_drawn_from_the_font(bench):
    mask = bench.text_mask("1M", scale=1)
    assert mask.shape == (7, 12)
    np.testing.assert_array_equal(mask[:, 2], [1, 1, 1, 1, 1, 1, 1])  # the stem of the 1
    assert bench.text_mask("é", scale=1).any()  # unknown characters show as "?"


def test_a_small_sweep_end_to_end(bench, tmp_path, capsys):
    assert bench.main(["--json", "--no-torch", "--no-corner", "--sizes", "2000,4000", "--widths", "8,16",
                       "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [(p["images"], p["width"]) for p in result["points"]] == [(2000, 8), (4000, 8), (2000, 16)]
    for point in result["points"]:
        assert point["engine_s_per_epoch"] > 0 and point["torch_s_per_epoch"] is None
        assert point["engine_peak_rss_mb"] > point["uint8_mb"]
        assert 0.1 < point["engine_test_accuracy"] <= 1.0
    assert result["torch_linearity"] is None and result["engine_linearity"] is not None
    assert result["app_images"] == 4000 and result["app_layers"] == "784-400-200-10"
    assert result["app_1m_peak_rss_mb"] is None and result["app_within_limit"]
    assert png_size(Path(result["plot"]).read_bytes())[0] > 1000
