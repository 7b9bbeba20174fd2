"""Two runs compared (engine/analysis/compare.py): neuron matching finds known permutations of hidden units,
the per-digit difference agrees with a hand count, settings and curves line up, and both timelines move
in step."""
import numpy as np
import pytest
from support import recorded_run

from engine.analysis.compare import (
    CURVE_METRICS,
    EPOCH_AXIS,
    TIME_AXIS,
    compare_runs,
    correlation_matrix,
    curves_by_epoch,
    curves_by_time,
    epoch_span,
    match_networks,
    match_neurons,
    network_at_epoch,
    per_class_accuracy_difference,
    predict_both,
    run_curve,
    runs_at_epoch,
    settings_differences,
    settings_table,
)
from engine.config import TrainConfig
from engine.network import Network
from engine.runs import Run, RunHistory, config_of_network
from engine.timeline import make_stop

SMALL = (1000, 300)
CONFIG_A = TrainConfig(hidden=(16,), batch_size=50, epochs=2, lr=0.1, seed=0)
CONFIG_B = CONFIG_A.with_changes(hidden=(24,), lr=0.2, seed=1)


@pytest.fixture(scope="module")
def runs(small):
    return recorded_run(small, CONFIG_A, "A"), recorded_run(small, CONFIG_B, "B")


def permuted(network: Network, order: np.ndarray) -> Network:
    """`network` with its first hidden layer's units in `order`: rows of W[1] and b[1], columns of W[2]."""
    weights = [w.copy() for w in network.weights]
    biases = [b.copy() for b in network.biases]
    weights[0], biases[0], weights[1] = weights[0][order], biases[0][order], weights[1][:, order]
    return Network(network.layer_sizes, network.hidden_activation, network.output_activation, network.loss_name,
                   dtype=network.dtype, weights=weights, biases=biases)


def test_matching_finds_a_known_permutation_of_a_trained_network(model, mnist):
    order = np.random.default_rng(7).permutation(model.layer_sizes[1])
    shuffled = permuted(model, order)
    x = mnist.x_test[:200].T
    np.testing.assert_allclose(shuffled.predict_proba(x), model.predict_proba(x), rtol=1e-5, atol=1e-6)  # one function
    match = match_networks(model, shuffled)
    np.testing.assert_array_equal(match.b_for_a, np.argsort(order))
    np.testing.assert_allclose(match.correlation, 1.0, atol=1e-9)
    assert match.mean == pytest.approx(1.0) and match.median == pytest.approx(1.0)
    assert match.unmatched_a.size == 0 and match.unmatched_b.size == 0
    a, b = match.pairs
    np.testing.assert_array_equal(shuffled.weights[0][b], model.weights[0][a])


def test_matching_survives_small_noise(model):
    W = model.weights[0].astype(np.float64)
    rng = np.random.default_rng(3)
    order = rng.permutation(len(W))
    noisy = W[order] + rng.normal(0.0, 0.2 * W.std(), W.shape)
    match = match_neurons(W, noisy)
    np.testing.assert_array_equal(match.b_for_a, np.argsort(order))
    assert 0.9 < match.median < 1.0 and match.correlation.min() > 0.5


def test_matching_layers_of_different_widths():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(12, 784))
    order = rng.permutation(12)
    narrower = W[order][:8]  # B keeps 8 of A's 12 neurons, shuffled
    match = match_neurons(W, narrower)
    kept = order[:8]
    np.testing.assert_array_equal(match.b_for_a[kept], np.arange(8))
    np.testing.assert_array_equal(match.unmatched_a, np.sort(order[8:]))
    assert match.unmatched_b.size == 0 and np.all(match.b_for_a[order[8:]] == -1)
    assert np.all(np.isnan(match.correlation[order[8:]])) and np.allclose(match.matched_correlation, 1.0)
    slots_a, slots_b = match.slots()
    assert len(slots_a) == len(slots_b) == 12 and list(slots_b[8:]) == [-1] * 4
    reverse = match_neurons(narrower, W)
    np.testing.assert_array_equal(reverse.b_for_a, kept)
    np.testing.assert_array_equal(reverse.unmatched_b, np.sort(order[8:]))
    slots_a, slots_b = reverse.slots()
    assert list(slots_a[8:]) == [-1] * 4 and sorted(slots_b) == list(range(12))


def test_the_correlation_is_pearsons_and_zero_for_a_flat_row():
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(5, 784)), rng.normal(size=(4, 784))
    B[1] = 3.0 * A[2] + 0.5  # same pattern, scaled and shifted
    expected = np.corrcoef(A, B)[:5, 5:]
    np.testing.assert_allclose(correlation_matrix(A, B), expected, atol=1e-12)
    assert correlation_matrix(A, B)[2, 1] == pytest.approx(1.0)
    A[3], B[2] = 0.0, 0.7  # no spread: no pattern
    r = correlation_matrix(A, B)
    assert np.all(np.isfinite(r)) and np.all(r[3] == 0) and np.all(r[:, 2] == 0)
    assert match_neurons(A, B).b_for_a[2] == 1
    with pytest.raises(ValueError, match="different inputs"):
        match_neurons(A, rng.normal(size=(4, 100)))
    with pytest.raises(ValueError, match="NaN"):
        match_neurons(np.full((2, 784), np.nan), B)


def test_per_class_difference_against_a_hand_count(runs, small):
    a, b = runs
    diff = per_class_accuracy_difference(a.network, b.network, small)
    labels = small.y_test
    for network, per_class, accuracy in ((a.network, diff.a, diff.test_accuracy_a),
                                         (b.network, diff.b, diff.test_accuracy_b)):
        predicted = np.argmax(network.forward(small.x_test.T).A[-1], axis=0)
        hand = [np.sum((labels == d) & (predicted == d)) / np.sum(labels == d) for d in range(10)]
        np.testing.assert_array_equal(per_class, hand)
        assert accuracy == np.mean(predicted == labels)
    np.testing.assert_array_equal(diff.difference, diff.b - diff.a)
    assert diff.dataset_name == small.name and diff.test_loss_a > 0
    with pytest.raises(ValueError, match="does not fit"):
        per_class_accuracy_difference(Network((100, 10)), b.network, small)


def test_settings_that_differ_in_the_configs_order():
    assert settings_differences(CONFIG_A, CONFIG_B) == [("hidden", [16], [24]), ("lr", 0.1, 0.2), ("seed", 0, 1)]
    assert settings_differences(CONFIG_A, CONFIG_A) == []
    rows = settings_table(CONFIG_A, CONFIG_B, known_b=False)
    by_key = {row.key: row for row in rows}
    assert [row.key for row in rows] == list(CONFIG_A.to_dict())
    assert by_key["hidden"].differs and by_key["hidden"].b == [24]
    assert by_key["lr"].b is None and not by_key["lr"].differs, "an unknown setting is not a difference"


def history_run(name, epochs, seconds, batch_x, batch_loss, **metrics):
    network = Network((784, 4, 10))
    n = len(epochs)
    values = {m: metrics.get(m, np.linspace(0.5, 0.9, n)) for m in ("train_loss", "test_loss", "train_accuracy",
                                                                     "test_accuracy")}
    history = RunHistory(epoch=epochs, seconds=seconds, elapsed=np.cumsum(seconds), batch_x=batch_x,
                         batch_loss=batch_loss, **values)
    return Run(name=name, network=network, config=config_of_network(network), history=history,
               epochs=n, training_seconds=float(np.sum(seconds)))


def test_curves_share_an_axis_by_epoch_and_by_time():
    a = history_run("a", [1, 2, 3], [10.0, 10.0, 20.0], [0.5, 1.0, 2.0, 2.5, 3.0, 3.5], [2, 1.5, 1, 0.8, 0.7, 0.6],
                    test_accuracy=np.array([0.8, 0.85, 0.9]))
    b = history_run("b", [1, 2], [4.0, 6.0], [1.0, 2.0], [1.0, 0.5], test_accuracy=np.array([0.7, 0.95]))
    pair = curves_by_epoch(a, b, "test_accuracy")
    assert pair.axis == EPOCH_AXIS
    np.testing.assert_array_equal(pair.x_a, [1, 2, 3])
    np.testing.assert_array_equal(pair.y_a, [0.8, 0.85, 0.9])
    np.testing.assert_array_equal(pair.x_b, [1, 2])
    np.testing.assert_array_equal(pair.y_b, [0.7, 0.95])
    assert pair.x_range == (1.0, 3.0) and pair.y_range == (0.7, 0.95)
    by_time = curves_by_time(a, b, "test_accuracy")
    np.testing.assert_array_equal(by_time.x_a, [10, 20, 40])
    np.testing.assert_array_equal(by_time.x_b, [4, 10])
    # Batches: epoch 0.5 is half-way through the first epoch's 10 s, 2.5 half-way through the third's 20 s,
    # and 3.5 is past the last evaluation, at the last epoch's pace.
    x, _ = run_curve(a, "batch_loss", TIME_AXIS)
    np.testing.assert_allclose(x, [5, 10, 20, 30, 40, 50])
    np.testing.assert_array_equal(curves_by_epoch(a, b, "batch_loss").x_b, [1.0, 2.0])
    with pytest.raises(ValueError, match="unknown metric"):
        run_curve(a, "speed")


def test_timelines_move_in_step():
    network = Network((784, 4, 10))
    stops = tuple(make_stop(network, step=s, epoch=s // 4, batch=s % 4, batches_per_epoch=4) for s in range(0, 9))
    run = Run(name="t", network=network, config=config_of_network(network), timeline=stops, epochs=2, steps=8)
    assert runs_at_epoch(run, 1.0).step == 4
    assert runs_at_epoch(run, 1.3).step == 5  # 1.25 is nearest
    assert runs_at_epoch(run, 0.125).step == 0, "halfway: the earlier stop"
    assert runs_at_epoch(run, 99).step == 8 and runs_at_epoch(run, -1).step == 0
    bare = Run(name="b", network=network, config=config_of_network(network))
    assert runs_at_epoch(bare, 1.0) is None and network_at_epoch(bare, 1.0) is network
    assert network_at_epoch(run, None) is network
    restored = network_at_epoch(run, 1.0)
    np.testing.assert_array_equal(restored.weights[0], stops[4].weights[0].astype(np.float32))
    assert epoch_span(run, bare) == (0.0, 2.0)


def test_compare_runs_gathers_everything(runs, small):
    a, b = runs
    comparison = compare_runs(a, b, small)
    assert comparison.differences == settings_differences(CONFIG_A, CONFIG_B)
    assert set(comparison.by_epoch) == set(comparison.by_time) == set(CURVE_METRICS)
    np.testing.assert_array_equal(comparison.by_epoch["test_loss"].y_b, b.history.test_loss)
    assert comparison.match.b_for_a.shape == (16,) and comparison.match.unmatched_b.size == 8
    tiles_a, tiles_b = comparison.chunk_slots()
    assert tiles_a.shape == tiles_b.shape == (24, 28, 28)
    assert np.isnan(tiles_a[16:]).all() and not np.isnan(tiles_b).any()
    pair_a, pair_b = comparison.match.pairs
    np.testing.assert_array_equal(tiles_b[:16].reshape(16, -1), b.network.weights[0][pair_b].astype(np.float64))
    np.testing.assert_array_equal(tiles_a[:16].reshape(16, -1), a.network.weights[0][pair_a].astype(np.float64))
    (probs_a, predicted_a), (probs_b, predicted_b) = predict_both(a, b, small.x_test[:5])
    assert probs_a.shape == probs_b.shape == (5, 10)
    np.testing.assert_array_equal(predicted_a, a.network.predict(small.x_test[:5].T))
    (early, _), _ = predict_both(a, b, small.x_test[:5], epoch=0.0)  # the initial weights
    np.testing.assert_allclose(early, runs_at_epoch(a, 0.0).network().predict_proba(small.x_test[:5].T).T, rtol=1e-6)
    assert compare_runs(a, b).per_class is None
