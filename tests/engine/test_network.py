"""The math of engine.network against docs/math.md's worked example and against finite differences."""
import itertools

import numpy as np
import pytest

from engine.losses import one_hot
from engine.network import Network

HIDDEN = ["relu", "leaky_relu", "sigmoid", "tanh"]
OUTPUT_LOSS = [("softmax", "ce"), ("softmax", "mse"), ("sigmoid", "mse"), ("identity", "mse")]


def _cost(net, X, Y, l2=0.0):
    return net.loss(net.forward(X), Y) + net.l2_penalty(l2)


def _relative_error(analytic, numeric):
    return np.linalg.norm(analytic - numeric) / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12)


def _numeric_gradient(f, array, eps=1e-6):
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        array[idx] = old + eps
        plus = f()
        array[idx] = old - eps
        minus = f()
        array[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def _random_problem(sizes, hidden, output, loss, m=5, seed=0):
    rng = np.random.default_rng(seed)
    net = Network(sizes, hidden, output, loss, dtype=np.float64, seed=seed)
    # Non-zero biases and inputs away from ReLU's kink keep the finite differences honest.
    for b in net.biases:
        b[:] = rng.normal(0, 0.1, b.shape)
    X = rng.normal(0, 1, (sizes[0], m))
    Y = one_hot(rng.integers(0, sizes[-1], m), sizes[-1], dtype=np.float64)
    return net, X, Y


@pytest.mark.parametrize("hidden,output_loss", list(itertools.product(HIDDEN, OUTPUT_LOSS)))
def test_gradients_match_finite_differences(hidden, output_loss):
    output, loss = output_loss
    net, X, Y = _random_problem((6, 5, 4), hidden, output, loss)
    grads = net.backward(net.forward(X), Y)
    for l in range(1, net.n_layers + 1):
        numeric_w = _numeric_gradient(lambda: _cost(net, X, Y), net.weights[l - 1])
        numeric_b = _numeric_gradient(lambda: _cost(net, X, Y), net.biases[l - 1])
        assert _relative_error(grads.dW[l], numeric_w) < 1e-6, f"dW[{l}]"
        assert _relative_error(grads.db[l], numeric_b) < 1e-6, f"db[{l}]"
    # dX is per example: the batch-averaged cost moves by dX/m.
    numeric_x = _numeric_gradient(lambda: _cost(net, X, Y), X)
    assert _relative_error(grads.dX / X.shape[1], numeric_x) < 1e-6


@pytest.mark.parametrize("sizes", [(7, 5, 3), (7, 6, 5, 3), (7, 6, 5, 4, 3), (7, 6, 6, 5, 4, 3)])
@pytest.mark.parametrize("hidden", ["relu", "sigmoid"])
def test_gradients_for_one_to_four_hidden_layers(sizes, hidden):
    net, X, Y = _random_problem(sizes, hidden, "softmax", "ce", seed=len(sizes))
    grads = net.backward(net.forward(X), Y, l2=0.01)
    for l in range(1, net.n_layers + 1):
        numeric = _numeric_gradient(lambda: _cost(net, X, Y, l2=0.01), net.weights[l - 1])
        assert _relative_error(grads.dW[l], numeric) < 1e-6, f"dW[{l}]"
    numeric_x = _numeric_gradient(lambda: _cost(net, X, Y), X)
    assert _relative_error(grads.dX / X.shape[1], numeric_x) < 1e-6


def test_dropout_gradients_match_finite_differences_for_a_fixed_mask():
    net, X, Y = _random_problem((6, 8, 7, 4), "relu", "softmax", "ce")
    cache = net.forward(X, dropout=0.5, rng=np.random.default_rng(3))
    masks = cache.masks

    def cost_with_masks():
        a = X
        for l in range(1, net.n_layers + 1):
            z = net.weights[l - 1] @ a + net.biases[l - 1]
            a = np.maximum(z, 0) if l < net.n_layers else z
            if masks[l] is not None:
                a = a * masks[l]
        e = np.exp(a - a.max(axis=0))
        return float(-np.sum(Y * np.log(e / e.sum(axis=0))) / X.shape[1])

    grads = net.backward(cache, Y)
    for l in range(1, net.n_layers + 1):
        numeric = _numeric_gradient(cost_with_masks, net.weights[l - 1])
        assert _relative_error(grads.dW[l], numeric) < 1e-6


# The worked example (docs/math.md#worked-example): a 3-3-3-3-3 ReLU network with zero biases.
SEED_001_W = [
    [[0.2, -0.1, 0.4], [0.5, 0.3, -0.6], [-0.2, 0.1, 0.3]],
    [[0.1, -0.2, 0.5], [0.4, 0.1, -0.3], [-0.1, 0.3, 0.2]],
    [[0.3, 0.1, -0.4], [0.2, -0.5, 0.6], [-0.3, 0.2, 0.4]],
    [[0.2, -0.1, 0.5], [0.4, 0.1, -0.3], [-0.2, 0.3, 0.2]],
]


def seed_001_network():
    return Network((3, 3, 3, 3, 3), "relu", "softmax", "ce", dtype=np.float64,
                   weights=[np.array(w) for w in SEED_001_W], biases=[np.zeros(3) for _ in range(4)])


def test_seed_001_forward_pass_reproduces_the_document():
    net = seed_001_network()
    cache = net.forward(np.array([[1.0], [4.0], [7.0]]))
    np.testing.assert_allclose(cache.Z[1].ravel(), [2.6, -2.5, 2.3], atol=5e-4)
    np.testing.assert_allclose(cache.A[1].ravel(), [2.6, 0.0, 2.3], atol=5e-4)
    np.testing.assert_allclose(cache.Z[2].ravel(), [1.41, 0.35, 0.20], atol=5e-3)
    np.testing.assert_allclose(cache.Z[3].ravel(), [0.378, 0.227, -0.273], atol=5e-4)
    np.testing.assert_allclose(cache.A[3].ravel(), [0.378, 0.227, 0.0], atol=5e-4)
    np.testing.assert_allclose(cache.Z[4].ravel(), [0.0529, 0.1739, -0.0075], atol=5e-5)
    # The source prints 0.3252, 0.3685, 0.3063: its e^0.1739 (1.1904; it is 1.1899) and, above all,
    # its divisions are off (docs/math.md#slips-in-the-source-write-ups), so the exact softmax
    # agrees with the printed values only to about 1e-3.
    np.testing.assert_allclose(cache.A[4].ravel(), [0.3252, 0.3685, 0.3063], atol=1.5e-3)
    np.testing.assert_allclose(cache.A[4].sum(), 1.0)


def test_seed_001_backward_pass_matches_finite_differences():
    net = seed_001_network()
    X = np.array([[1.0], [4.0], [7.0]])
    Y = np.array([[1.0], [0.0], [0.0]])
    cache = net.forward(X)
    grads = net.backward(cache, Y)
    np.testing.assert_allclose(grads.dZ[4], cache.A[4] - Y)
    for l in range(1, 5):
        numeric = _numeric_gradient(lambda: _cost(net, X, Y), net.weights[l - 1])
        np.testing.assert_allclose(grads.dW[l], numeric, atol=1e-8)
        numeric_b = _numeric_gradient(lambda: _cost(net, X, Y), net.biases[l - 1])
        np.testing.assert_allclose(grads.db[l], numeric_b, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_is_stable_for_huge_logits(dtype):
    net = Network((2, 3), "relu", "softmax", "ce", dtype=dtype,
                  weights=[np.array([[1000.0, 0], [-1000.0, 0], [0, 1000.0]])], biases=[np.zeros(3)])
    X = np.array([[1.0, 0.0, -1.0], [0.0, -1.0, 1.0]])
    Y = one_hot([1, 2, 0], 3, dtype=dtype)
    cache = net.forward(X)
    loss = net.loss(cache, Y)
    grads = net.backward(cache, Y)
    assert np.isfinite(loss) and loss > 100  # confidently wrong answers cost about 1000
    assert np.all(np.isfinite(cache.A[-1]))
    np.testing.assert_allclose(cache.A[-1].sum(axis=0), 1.0, rtol=1e-6)
    for l in range(1, 2):
        assert np.all(np.isfinite(grads.dW[l])) and np.all(np.isfinite(grads.db[l]))
    assert np.all(np.isfinite(grads.dX))


def test_sigmoid_is_finite_for_huge_inputs():
    net = Network((1, 2), "sigmoid", "sigmoid", "mse", dtype=np.float32,
                  weights=[np.array([[1000.0], [-1000.0]])], biases=[np.zeros(2)])
    a = net.forward(np.array([[1.0, -1.0]])).A[-1]
    np.testing.assert_array_equal(a, [[1.0, 0.0], [0.0, 1.0]])


def test_same_seed_gives_bit_identical_weights_and_dtype_only_rounds():
    a = Network((784, 128, 64, 10), seed=7)
    b = Network((784, 128, 64, 10), seed=7)
    c = Network((784, 128, 64, 10), seed=8)
    d = Network((784, 128, 64, 10), seed=7, dtype=np.float64)
    for wa, wb, wc, wd in zip(a.weights, b.weights, c.weights, d.weights):
        assert wa.tobytes() == wb.tobytes()
        assert not np.array_equal(wa, wc)
        np.testing.assert_array_equal(wa, wd.astype(np.float32))


def test_initialisation_scales():
    relu_net = Network((784, 500, 10), "relu", seed=0)
    assert abs(relu_net.weights[0].std() - np.sqrt(2 / 784)) < 0.002  # He
    sig_net = Network((784, 500, 10), "sigmoid", "softmax", seed=0)
    limit = np.sqrt(6 / (784 + 500))
    assert sig_net.weights[0].max() <= limit and sig_net.weights[0].min() >= -limit  # Glorot
    assert abs(sig_net.weights[0].std() - limit / np.sqrt(3)) < 0.002
    assert all(np.all(b == 0) for b in relu_net.biases)


def test_shapes_follow_the_seeds():
    net = Network((784, 128, 64, 10))
    assert [w.shape for w in net.weights] == [(128, 784), (64, 128), (10, 64)]
    assert [b.shape for b in net.biases] == [(128, 1), (64, 1), (10, 1)]
    cache = net.forward(np.zeros((784, 32), np.float32))
    assert [z.shape for z in cache.Z[1:]] == [(128, 32), (64, 32), (10, 32)]
    assert cache.A[0].shape == (784, 32)


@pytest.mark.parametrize("kwargs,message", [
    (dict(layer_sizes=(784,)), "layer sizes"),
    (dict(layer_sizes=(784, 0, 10)), "layer sizes"),
    (dict(layer_sizes=(4, 3), hidden_activation="swish"), "hidden activation"),
    (dict(layer_sizes=(4, 3), output_activation="relu"), "output activation"),
    (dict(layer_sizes=(4, 3), loss="hinge"), "loss"),
    (dict(layer_sizes=(4, 3), output_activation="sigmoid", loss="ce"), "softmax"),
])
def test_impossible_networks_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network(**kwargs)
