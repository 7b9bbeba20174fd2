"""What input pattern a neuron responds to, seen two ways.

Linear receptive fields: ignoring biases and activations, Z[l] = W[l] ... W[1] X, so row i of
that product, reshaped to 28x28, is the picture neuron i of layer l weighs the pixels with.
For l = 2 these are the "large chunks" of docs/math.md#notation: combinations of first-layer
chunks. The activations in between are skipped, so for a ReLU network this is what a neuron would see if
every earlier unit were on; it is exact only for the first layer.

Activation maximisation: the input (pixels in [0, 1]) that drives one neuron highest, found by
gradient ascent on the input from a plain grey image. It uses the real network, nonlinearities
included, but shows one of many possible inputs: a local optimum that depends on the start.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import HIDDEN, OUTPUT, softmax_backward
from ..network import Network

IMAGE_SIDE = 28
OBJECTIVES = ("activation", "preactivation")


def _check_image_network(network: Network) -> None:
    if network.layer_sizes[0] != IMAGE_SIDE * IMAGE_SIDE:
        raise ValueError(f"receptive fields need {IMAGE_SIDE * IMAGE_SIDE} inputs (28x28 images), "
                         f"this network has {network.layer_sizes[0]}")


def _check_layer(network: Network, layer: int) -> None:
    if not 1 <= layer <= network.n_layers:
        raise ValueError(f"layer must be between 1 and {network.n_layers}, got {layer}")


def linear_receptive_fields(network: Network, layer: int) -> np.ndarray:
    """(n_layer, 28, 28): row i of W[layer] @ ... @ W[1] as an image, in the network's dtype.

    The product is formed in float64 from the output side inwards, so only
    (n_layer x n_{l-1}) matrices are ever multiplied into the 784 columns once."""
    _check_image_network(network)
    _check_layer(network, layer)
    product = network.weights[layer - 1].astype(np.float64)
    for w in reversed(network.weights[: layer - 1]):
        product = product @ w.astype(np.float64)
    return product.astype(network.dtype).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)


def large_chunks(network: Network) -> np.ndarray:
    """(n_2, 28, 28): rows of W[2] @ W[1], the linear receptive fields of the second layer."""
    if network.n_layers < 2:
        raise ValueError("large chunks need a hidden layer (the network has only W[1])")
    return linear_receptive_fields(network, 2)


def output_patterns(network: Network) -> np.ndarray:
    """(n_out, 28, 28): rows of W[L] @ ... @ W[1]; for a 784-10 network simply W[1]."""
    return linear_receptive_fields(network, network.n_layers)


# ----------------------------------------------------------------------------- gradients


def _activation_function(network: Network, l: int):
    table = OUTPUT if l == network.n_layers else HIDDEN
    return table[network.activation_of(l)]


def _forward_to(network: Network, X: np.ndarray, layer: int) -> tuple[list, list]:
    """Z[1..layer] and A[0..layer] (index 0 of Z is None), stopping at `layer`."""
    Z, A = [None], [X]
    for l in range(1, layer + 1):
        z = network.weights[l - 1] @ A[-1] + network.biases[l - 1]
        Z.append(z)
        A.append(_activation_function(network, l)[0](z))
    return Z, A


def _input_gradient(network: Network, Z: list, A: list, layer: int, neurons: np.ndarray,
                    objective: str) -> np.ndarray:
    """d(objective of column j's neuron neurons[j]) / dX for every column j, shape like A[0]."""
    m = A[0].shape[1]
    columns = np.arange(m)
    seed = np.zeros_like(A[layer])
    seed[neurons, columns] = 1
    if objective == "preactivation":
        dz = seed
    elif layer == network.n_layers and network.output_activation == "softmax":
        # Softmax couples the outputs: A_k depends on every Z, not only on Z_k.
        dz = softmax_backward(A[layer], seed)
    else:
        dz = seed * _activation_function(network, layer)[1](Z[layer], A[layer])
    g_prime = HIDDEN[network.hidden_activation][1]
    for l in range(layer, 0, -1):
        d_a = network.weights[l - 1].T @ dz
        if l == 1:
            return d_a
        dz = d_a * g_prime(Z[l - 1], A[l - 1])
    raise AssertionError("unreachable: layer >= 1")


def _neuron_columns(network: Network, layer: int, neurons, m: int) -> np.ndarray:
    neurons = np.broadcast_to(np.asarray(neurons, dtype=np.int64), (m,))
    n_units = network.layer_sizes[layer]
    if neurons.size and (neurons.min() < 0 or neurons.max() >= n_units):
        raise ValueError(f"neurons of layer {layer} are numbered 0 to {n_units - 1}, got {neurons.tolist()}")
    return neurons


def activation_input_gradient(network: Network, X: np.ndarray, layer: int, neurons,
                              objective: str = "activation") -> tuple[np.ndarray, np.ndarray]:
    """Backpropagate from one neuron of `layer` to the input, for every column of X.

    X: (n_inputs, m); neurons: one index, or one per column. Returns (values (m,), gradient
    (n_inputs, m)) where values[j] is A[layer][neurons[j], j] (or Z[...] when objective is
    "preactivation") and gradient[:, j] is its derivative with respect to X[:, j]. The chain
    rule is the network's own: dA[l-1] = W[l]^T dZ[l], dZ[l-1] = dA[l-1] * g'(Z[l-1])."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    _check_layer(network, layer)
    X = np.asarray(X, dtype=network.dtype)
    if X.ndim != 2 or X.shape[0] != network.layer_sizes[0]:
        raise ValueError(f"X must have shape ({network.layer_sizes[0]}, m), got {X.shape}")
    neurons = _neuron_columns(network, layer, neurons, X.shape[1])
    Z, A = _forward_to(network, X, layer)
    target = Z if objective == "preactivation" else A
    values = target[layer][neurons, np.arange(X.shape[1])]
    return values, _input_gradient(network, Z, A, layer, neurons, objective)


# ----------------------------------------------------------------------------- maximisation


@dataclass(frozen=True, eq=False)
class MaximizationResult:
    layer: int
    neurons: np.ndarray      # (k,) the neurons, in the order of the images
    images: np.ndarray       # (k, 28, 28) float32 inputs in [0, 1]
    trace: np.ndarray        # (steps + 1, k) A[layer][neuron] before each step and at the end

    @property
    def initial(self) -> np.ndarray:
        return self.trace[0]

    @property
    def final(self) -> np.ndarray:
        return self.trace[-1]


def smooth(X: np.ndarray, amount: float) -> np.ndarray:
    """Columns of X (784, m) as images, mixed with `amount` of their 3x3 binomial blur
    ([1 2 1]/4 along rows and columns; outside the image counts as black)."""
    images = X.T.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    padded = np.zeros((images.shape[0], IMAGE_SIDE + 2, IMAGE_SIDE + 2), dtype=X.dtype)
    padded[:, 1:-1, 1:-1] = images
    rows = 0.25 * padded[:, :-2, :] + 0.5 * padded[:, 1:-1, :] + 0.25 * padded[:, 2:, :]
    blurred = 0.25 * rows[:, :, :-2] + 0.5 * rows[:, :, 1:-1] + 0.25 * rows[:, :, 2:]
    mixed = (1.0 - amount) * images + amount * blurred
    return np.ascontiguousarray(mixed.reshape(images.shape[0], -1).T, dtype=X.dtype)


def maximize_activations(network: Network, layer: int, neurons, steps: int = 200, lr: float = 0.05,
                         l2: float = 0.3, smoothing: float = 0.5, start: float = 0.5,
                         objective: str = "preactivation") -> MaximizationResult:
    """The input that drives each of `neurons` of `layer` highest, all optimised at once.

    Regularised, projected gradient ascent from a uniform grey image of value `start`:
        x := clip(smooth(x + lr * (g / rms(g) - l2 * x), smoothing), 0, 1)
    where g is the gradient of the objective. Normalising g to unit RMS makes one `lr` suit
    every layer (gradients of deep units are orders of magnitude apart); the l2 term pulls
    pixels the neuron does not care about towards the black background, as in real digits.
    Many inputs excite a neuron; without smoothing (smoothing=0) the ascent finds pixel noise
    that does, with it the ascent prefers smooth strokes like a pen's. The neuron rises either way.

    The default objective is the pre-activation Z: every hidden activation is increasing, so
    raising Z raises A, and Z still has a gradient where a ReLU is off (A would have none).
    For a softmax output Z is the digit's logit, which also avoids the probability saturating
    at 1. `trace` always records the activation A."""
    _check_image_network(network)
    _check_layer(network, layer)
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"smoothing must be between 0 and 1, got {smoothing}")
    neurons = np.atleast_1d(np.asarray(neurons, dtype=np.int64))
    k = neurons.size
    neurons = _neuron_columns(network, layer, neurons, k)
    dtype = network.dtype
    columns = np.arange(k)
    x = np.full((network.layer_sizes[0], k), start, dtype=dtype)
    trace = np.empty((steps + 1, k), dtype=np.float64)
    step_size, decay = dtype.type(lr), dtype.type(l2)
    for step in range(steps + 1):
        Z, A = _forward_to(network, x, layer)
        trace[step] = A[layer][neurons, columns]
        if step == steps:
            break
        gradient = _input_gradient(network, Z, A, layer, neurons, objective)
        rms = np.sqrt(np.mean(gradient * gradient, axis=0, keepdims=True))
        direction = gradient / np.maximum(rms, np.finfo(dtype).tiny) - decay * x
        x += step_size * direction
        if smoothing:
            x = smooth(x, smoothing)
        np.clip(x, 0.0, 1.0, out=x)
    images = np.ascontiguousarray(x.T, dtype=np.float32).reshape(k, IMAGE_SIDE, IMAGE_SIDE)
    return MaximizationResult(layer=layer, neurons=neurons.copy(), images=images, trace=trace)


def maximize_activation(network: Network, layer: int, neuron: int, steps: int = 200, lr: float = 0.05,
                        l2: float = 0.3, smoothing: float = 0.5, start: float = 0.5,
                        objective: str = "preactivation") -> tuple[np.ndarray, np.ndarray]:
    """(image (28, 28) in [0, 1], activation trace (steps + 1,)) for one neuron;
    see maximize_activations for the method."""
    result = maximize_activations(network, layer, [neuron], steps=steps, lr=lr, l2=l2, smoothing=smoothing,
                                  start=start, objective=objective)
    return result.images[0], result.trace[:, 0]
