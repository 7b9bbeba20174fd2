"""The "understand the trained network" engine: evaluation, receptive fields, embeddings,
robustness, dataset and weight statistics, and the exports. Headless (no Qt)."""
import base64
import csv
import io
import json
import re
import struct
import zlib

import numpy as np
import pytest

from engine.analysis import (
    activation_input_gradient,
    add_noise,
    all_layer_activations,
    confidence_coverage,
    digit_counts,
    evaluation_report,
    history_csv_text,
    history_to_csv,
    html_report,
    ink,
    large_chunks,
    layer_activations,
    linear_receptive_fields,
    maximize_activation,
    maximize_activations,
    output_patterns,
    pca_2d,
    per_digit_means,
    principal_components,
    robustness_curves,
    rotate,
    thicken,
    thin,
    weight_histograms,
)
from engine.cli import main as cli_main
from engine.config import TrainConfig
from engine.history import TrainingHistory
from engine.network import Network
from engine.snapshot import Snapshot
from engine.trainer import EpochEvent, evaluate

MODEL_PATH = "assets/models/default.npz"


@pytest.fixture(scope="module")
def report(model, mnist):
    return evaluation_report(model, mnist)


def tiny_png(width=3, height=2):
    """A valid grey-scale PNG written by hand, so the exports can be tested without Qt."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(range(width)) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def history_snapshot(network):
    history = TrainingHistory()
    for step in range(1, 31):
        history.add_batch(step / 10.0, 2.0 / step)
    for epoch in (1, 2, 3):
        history.add_epoch(EpochEvent(epoch=epoch, train_loss=0.5 / epoch, train_accuracy=0.9 + 0.02 * epoch,
                                     test_loss=0.6 / epoch, test_accuracy=0.89 + 0.02 * epoch,
                                     seconds=1.5 * epoch, lr=0.1))
    batch_x, batch_loss = history.batch_arrays()
    snapshot = Snapshot(network=network.copy(), config=TrainConfig(hidden=(400, 200)), state="finished", step=30,
                        epoch=3, epoch_progress=3.0, batch_x=batch_x, batch_loss=batch_loss,
                        epochs=history.epoch_arrays(), dataset_name="MNIST")
    return snapshot, history


# ----------------------------------------------------------------------------- evaluation


def test_confusion_counts_sum_to_the_test_set_and_agree_with_the_cli(report, mnist):
    assert report.confusion.sum() == mnist.n_test == report.n_test
    out, err = io.StringIO(), io.StringIO()
    assert cli_main(["evaluate", MODEL_PATH, "--json"], out=out, err=err) == 0, err.getvalue()
    cli = json.loads(out.getvalue())
    np.testing.assert_array_equal(report.confusion, np.array(cli["confusion"]))
    assert report.test_accuracy == pytest.approx(cli["test_accuracy"], abs=0)
    assert report.test_loss == pytest.approx(cli["test_loss"], rel=1e-9)
    np.testing.assert_allclose(report.per_class_accuracy, cli["per_class_accuracy"], rtol=1e-12)


def test_report_arrays_are_consistent(report, mnist):
    assert report.probabilities.shape == (mnist.n_test, 10) and report.probabilities.dtype == np.float32
    np.testing.assert_allclose(report.probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(report.predictions, np.argmax(report.probabilities, axis=1))
    np.testing.assert_array_equal(np.sort(report.mistakes), np.flatnonzero(report.predictions != mnist.y_test))
    confidence = report.probabilities[report.mistakes, report.predictions[report.mistakes]]
    assert np.all(np.diff(confidence) <= 0), "mistakes must be sorted by wrong-answer confidence, descending"
    assert report.test_accuracy == pytest.approx(1 - len(report.mistakes) / mnist.n_test)


@pytest.mark.parametrize("true_digit,predicted", [(4, 9), (7, 2), (3, 3), (0, 1)])
def test_pair_indices_lists_exactly_the_matching_images(report, mnist, true_digit, predicted):
    expected = np.flatnonzero((mnist.y_test == true_digit) & (report.predictions == predicted))
    np.testing.assert_array_equal(report.pair_indices(true_digit, predicted), expected)
    assert expected.size == report.confusion[true_digit, predicted]


def test_top_k_is_sorted_and_starts_with_the_prediction(report):
    index = int(report.mistakes[0])
    top = report.top_k(index, 3)
    assert top[0][0] == report.predictions[index]
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)


# ----------------------------------------------------------------------------- receptive fields


def test_large_chunks_are_the_rows_of_w2_times_w1(model):
    chunks = large_chunks(model)
    assert chunks.shape == (model.layer_sizes[2], 28, 28)
    expected = model.weights[1].astype(np.float64) @ model.weights[0].astype(np.float64)
    np.testing.assert_allclose(chunks.reshape(chunks.shape[0], -1), expected, rtol=1e-5, atol=1e-6)


def test_output_patterns_are_the_product_of_all_weights(model):
    patterns = output_patterns(model)
    w = [m.astype(np.float64) for m in model.weights]
    np.testing.assert_allclose(patterns.reshape(10, -1), w[2] @ w[1] @ w[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(linear_receptive_fields(model, 1).reshape(model.layer_sizes[1], -1),
                                  model.weights[0])


def test_output_patterns_of_a_network_without_hidden_layers_are_its_weights():
    network = Network((784, 10), seed=3)
    np.testing.assert_array_equal(output_patterns(network).reshape(10, 784), network.weights[0])
    with pytest.raises(ValueError, match="hidden layer"):
        large_chunks(network)


def _finite_difference_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + eps
        plus = f()
        x.flat[i] = old - eps
        minus = f()
        x.flat[i] = old
        grad.flat[i] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize("hidden", ["relu", "leaky_relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "identity"])
@pytest.mark.parametrize("objective", ["activation", "preactivation"])
def test_input_gradient_matches_finite_differences(hidden, output, objective):
    rng = np.random.default_rng(7)
    loss = "ce" if output == "softmax" else "mse"
    network = Network((6, 5, 4, 3), hidden, output, loss, dtype=np.float64, seed=2)
    for b in network.biases:
        b[:] = rng.normal(0, 0.3, b.shape)
    X = rng.normal(0, 1, (6, 3))
    for layer in (1, 2, 3):
        neurons = rng.integers(0, network.layer_sizes[layer], 3)
        _, gradient = activation_input_gradient(network, X, layer, neurons, objective)
        for j in range(3):
            column = X[:, j:j + 1].copy()

            def value(column=column, layer=layer, j=j, neurons=neurons):
                return activation_input_gradient(network, column, layer, neurons[j], objective)[0][0]
            numeric = _finite_difference_gradient(value, column)[:, 0]
            np.testing.assert_allclose(gradient[:, j], numeric, rtol=1e-5, atol=1e-8,
                                       err_msg=f"layer {layer}, neuron {neurons[j]}")


def test_input_gradient_of_the_shipped_model_matches_finite_differences(model, mnist):
    network = model.copy(dtype=np.float64)
    x = mnist.x_test[:1].T.astype(np.float64)
    rng = np.random.default_rng(0)
    pixels = rng.choice(784, 25, replace=False)
    for layer, neuron in ((1, 3), (2, 11), (3, 7)):
        value, gradient = activation_input_gradient(network, x, layer, neuron)
        numeric = np.empty(pixels.size)
        for k, pixel in enumerate(pixels):
            plus, minus = x.copy(), x.copy()
            plus[pixel] += 1e-6
            minus[pixel] -= 1e-6
            numeric[k] = (activation_input_gradient(network, plus, layer, neuron)[0][0]
                          - activation_input_gradient(network, minus, layer, neuron)[0][0]) / 2e-6
        np.testing.assert_allclose(gradient[pixels, 0], numeric, rtol=1e-4, atol=1e-9)
        assert value[0] == pytest.approx(network.forward(x).A[layer][neuron, 0])


@pytest.mark.parametrize("layer,neuron,margin", [(1, 4, 1.0), (2, 1, 1.0), (3, 1, 0.5)])
def test_activation_maximisation_raises_the_neuron(model, layer, neuron, margin):
    image, trace = maximize_activation(model, layer, neuron, steps=100)
    assert image.shape == (28, 28) and image.min() >= 0.0 and image.max() <= 1.0
    assert trace.shape == (101,)
    assert trace[-1] > trace[0] + margin
    # The trace is the real activation of the returned image.
    actual = model.forward(image.reshape(784, 1)).A[layer][neuron, 0]
    assert actual == pytest.approx(trace[-1], rel=1e-4, abs=1e-6)


def test_maximising_many_neurons_at_once_raises_every_one(model):
    result = maximize_activations(model, 2, np.arange(8), steps=60, smoothing=0.0)
    assert result.images.shape == (8, 28, 28)
    assert np.all(result.final > result.initial)


# ----------------------------------------------------------------------------- embedding


def test_layer_activations_cover_pixels_to_output(model, mnist):
    x = mnist.x_test[:50]
    np.testing.assert_array_equal(layer_activations(model, x, 0), x)
    np.testing.assert_allclose(layer_activations(model, x, model.n_layers), model.predict_proba(x.T).T, rtol=1e-6)
    assert [a.shape for a in all_layer_activations(model, x)] == [(50, n) for n in model.layer_sizes]
    with pytest.raises(ValueError):
        layer_activations(model, x, model.n_layers + 1)


@pytest.mark.parametrize("n,d", [(300, 20), (15, 40)])
def test_pca_orders_components_by_variance_and_matches_the_svd(n, d):
    rng = np.random.default_rng(1)
    data = rng.normal(size=(n, d)) * np.linspace(3.0, 0.5, d) + 4.0
    projection = pca_2d(data)
    assert projection.shape == (n, 2)
    variances = projection.var(axis=0)
    assert variances[0] >= variances[1] > 0
    np.testing.assert_allclose(projection.mean(axis=0), 0.0, atol=1e-9)
    centred = data - data.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    reference = centred @ vt[:2].T
    np.testing.assert_allclose(np.abs(projection), np.abs(reference), rtol=1e-6, atol=1e-8)
    ratio = principal_components(data).explained_variance_ratio
    np.testing.assert_allclose(ratio, s[:2] ** 2 / np.sum(s ** 2), rtol=1e-8)


def test_pca_of_degenerate_data_gives_zeros():
    assert np.all(pca_2d(np.ones((5, 3))) == 0)
    assert pca_2d(np.ones((1, 3))).shape == (1, 2)
    single_direction = pca_2d(np.arange(10.0).reshape(-1, 1) * [1.0, 2.0])
    assert np.all(single_direction[:, 1] == 0) and single_direction[:, 0].var() > 0


# ----------------------------------------------------------------------------- robustness


def _max_filter_reference(image):
    padded = np.pad(image, 1)
    return np.array([[padded[r:r + 3, c:c + 3].max() for c in range(28)] for r in range(28)])


def test_thicken_increases_ink_and_thin_decreases_it(mnist):
    x = mnist.x_test[:200]
    thick, thinner = thicken(x, 1), thin(x, 1)
    assert np.all(ink(thick) > ink(x)) and np.all(ink(thinner) < ink(x))
    assert np.all(ink(thicken(x, 2)) > ink(thick))
    for out in (thick, thinner):
        assert out.shape == x.shape and out.dtype == x.dtype and out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(thick[3].reshape(28, 28), _max_filter_reference(x[3].reshape(28, 28)))
    np.testing.assert_array_equal(thicken(x, 0), x)


def test_noise_and_rotation_of_level_zero_change_nothing(mnist):
    x = mnist.x_test[:20]
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(add_noise(x, 0.0, rng), x)
    np.testing.assert_array_equal(rotate(x, 0.0), x)
    noisy = add_noise(x, 0.3, rng)
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.array_equal(noisy, x)
    turned = rotate(x, 30.0)
    assert turned.shape == x.shape and not np.array_equal(turned, x)


def test_robustness_at_level_zero_equals_clean_accuracy(model, mnist):
    n = 600
    curves = robustness_curves(model, mnist, n=n, noise_levels=(0.0, 0.5), angles=(-30.0, 0.0, 30.0),
                               stroke_changes=(-1, 0, 2))
    assert set(curves) == {"noise", "rotation", "stroke"}
    _, clean, _ = evaluate(model, mnist.x_test[:n], mnist.y_test[:n])
    for curve in curves.values():
        assert curve.accuracy_at(0.0) == pytest.approx(clean, abs=0)
        assert curve.levels.shape == curve.accuracy.shape and curve.n_images == n
    assert curves["noise"].accuracy_at(0.5) < clean
    assert curves["stroke"].accuracy_at(-1) < clean


def test_confidence_coverage_is_full_at_zero_and_monotone(report, mnist):
    thresholds = np.linspace(0.0, 1.0, 51)
    result = confidence_coverage(report.probabilities, mnist.y_test, thresholds)
    assert result.coverage[0] == 1.0
    assert result.accuracy[0] == pytest.approx(report.test_accuracy)
    assert np.all(np.diff(result.coverage) <= 0)
    confidence = report.probabilities.max(axis=1).astype(np.float64)
    correct = report.predictions == mnist.y_test
    for t in (0.5, 0.9, 0.99):
        answered = confidence >= t
        single = confidence_coverage(report.probabilities, mnist.y_test, [t])
        assert single.coverage[0] == pytest.approx(answered.mean(), abs=0)
        assert single.accuracy[0] == pytest.approx(correct[answered].mean())


def test_confidence_coverage_without_answers_has_no_accuracy():
    probabilities = np.array([[0.6, 0.4], [0.3, 0.7]])
    result = confidence_coverage(probabilities, np.array([0, 0]), [0.0, 0.65, 0.8])
    np.testing.assert_allclose(result.coverage, [1.0, 0.5, 0.0])
    assert result.accuracy[0] == 0.5 and result.accuracy[1] == 0.0 and np.isnan(result.accuracy[2])


# ----------------------------------------------------------------------------- statistics


def test_per_digit_means_and_counts(mnist):
    x, y = mnist.x_test, mnist.y_test
    means, counts = per_digit_means(x, y), digit_counts(y)
    assert means.shape == (10, 784) and counts.sum() == y.size
    for digit in (0, 7):
        np.testing.assert_allclose(means[digit], x[y == digit].mean(axis=0, dtype=np.float64), rtol=1e-6)
        assert counts[digit] == np.sum(y == digit)
    assert np.all(per_digit_means(x[:5], np.zeros(5, dtype=np.int64))[1:] == 0)


def test_weight_histogram_counts_sum_to_the_number_of_parameters(model):
    for histogram, w, b in zip(weight_histograms(model, bins=40), model.weights, model.biases):
        assert histogram.weight_counts.sum() == w.size and histogram.bias_counts.sum() == b.size
        assert histogram.weight_edges.size == 41
        assert histogram.weight_edges[0] == -histogram.weight_edges[-1]
    narrow = [((-0.01, 0.01), (-0.01, 0.01))] * model.n_layers
    for histogram, w in zip(weight_histograms(model, bins=10, ranges=narrow), model.weights):
        assert histogram.weight_counts.sum() == w.size


def test_histogram_of_all_zero_biases_is_a_single_bin():
    network = Network((784, 16, 10), seed=0)
    histogram = weight_histograms(network, bins=9)[0]
    assert histogram.bias_counts.sum() == 16 and histogram.bias_counts.max() == 16


# ----------------------------------------------------------------------------- exports


def test_history_csv_round_trips(model, tmp_path):
    snapshot, history = history_snapshot(model)
    path = tmp_path / "history.csv"
    history_to_csv(snapshot, path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    batches = [r for r in rows if r["kind"] == "batch"]
    epochs = [r for r in rows if r["kind"] == "epoch"]
    assert len(batches) == snapshot.batch_x.size and len(epochs) == 3
    np.testing.assert_array_equal([float(r["epoch"]) for r in batches], snapshot.batch_x)
    np.testing.assert_array_equal([float(r["loss"]) for r in batches], snapshot.batch_loss)
    assert [int(r["epoch"]) for r in epochs] == [1, 2, 3]
    np.testing.assert_array_equal([float(r["test_accuracy"]) for r in epochs], snapshot.epochs["test_accuracy"])
    assert all(r["loss"] == "" for r in epochs) and all(r["train_loss"] == "" for r in batches)
    table = np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8")
    assert table.shape == (len(rows),)
    # A TrainingHistory gives the same file as the snapshot made from it.
    assert history_csv_text(history) == path.read_text()


def test_html_report_embeds_the_figures_and_the_results(model, report, tmp_path):
    snapshot, _ = history_snapshot(model)
    png = tiny_png()
    path = tmp_path / "report.html"
    html_report(path, snapshot, report, {"Loss curve": png, "Chunks <W[1]>": png})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == 2 and all(base64.b64decode(i) == png for i in images)
    assert "Chunks &lt;W[1]&gt;" in text
    assert f"{100 * report.test_accuracy:.2f} %" in text
    assert model.describe() in text and "Confusion matrix" in text and "Settings" in text
    assert str(report.confusion[4, 4]) in text
    with pytest.raises(ValueError, match="PNG"):
        html_report(tmp_path / "bad.html", snapshot, report, {"not a picture": b"GIF89a"})
    assert not (tmp_path / "bad.html").exists()
