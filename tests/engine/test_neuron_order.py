import numpy as np
import pytest

from engine.analysis.neuron_order import CLASS, FIRING, INDEX, NORM, ORDERS, order_neurons
from engine.network import Network


def test_weight_size_order_puts_the_largest_rows_first(model):
    result = order_neurons(model, NORM)
    norms = np.linalg.norm(model.weights[0].astype(np.float64), axis=1)
    assert sorted(result.order.tolist()) == list(range(model.layer_sizes[1]))
    assert np.all(np.diff(norms[result.order]) <= 1e-12)
    assert result.order[0] == int(np.argmax(norms))
    np.testing.assert_array_equal(result.position[result.order], np.arange(result.order.size))


def test_firing_order_counts_the_images_each_neuron_is_active_on(model, mnist):
    images = mnist.x_test[:256]
    result = order_neurons(model, FIRING, images)
    active = (images @ model.weights[0].T + model.biases[0][:, 0]) > 0
    np.testing.assert_allclose(result.firing, active.mean(axis=0))
    assert np.all(np.diff(result.firing[result.order]) <= 0)
    assert "fires on" in result.describe(int(result.order[0]))
    # Pixel codes (as training sets keep them) are scaled like the loaders scale them.
    codes = mnist.x_train[:256]
    from_codes = order_neurons(model, FIRING, codes)
    np.testing.assert_allclose(from_codes.firing, order_neurons(model, FIRING, codes / np.float32(255)).firing)


def test_class_order_of_one_hidden_layer_is_the_largest_outgoing_weight():
    network = Network((784, 12, 10), seed=3)
    images = np.random.default_rng(0).random((50, 784)).astype(np.float32)
    result = order_neurons(network, CLASS, images)
    # d Z[2]_k / d A[1]_i = W[2][k, i] exactly, whatever the images.
    np.testing.assert_array_equal(result.push_class, np.argmax(network.weights[1], axis=0))
    np.testing.assert_allclose(result.push, network.weights[1].max(axis=0), rtol=1e-6)
    classes = result.push_class[result.order]
    assert np.all(np.diff(classes) >= 0)  # grouped by class, 0 to 9


def test_class_push_of_a_deep_network_matches_finite_differences():
    network = Network((784, 6, 5, 10), hidden_activation="tanh", seed=1, dtype="float64")
    images = np.random.default_rng(2).random((20, 784))
    result = order_neurons(network, CLASS, images)
    X = images.T
    a1 = np.tanh(network.weights[0] @ X + network.biases[0])

    def scores(hidden):
        a2 = np.tanh(network.weights[1] @ hidden + network.biases[1])
        return network.weights[2] @ a2 + network.biases[2]

    eps = 1e-6
    for neuron in range(6):
        bumped = a1.copy()
        bumped[neuron] += eps
        slope = ((scores(bumped) - scores(a1)) / eps).mean(axis=1)  # per class
        assert result.push_class[neuron] == int(np.argmax(slope))
        assert result.push[neuron] == pytest.approx(slope.max(), rel=1e-4, abs=1e-8)


def test_neuron_number_order_and_bad_requests(model):
    assert order_neurons(model, INDEX).order.tolist() == list(range(model.layer_sizes[1]))
    with pytest.raises(ValueError, match="order must be one of"):
        order_neurons(model, "colour")
    with pytest.raises(ValueError, match="needs images"):
        order_neurons(model, FIRING)
    assert set(ORDERS) == {INDEX, NORM, FIRING, CLASS}
