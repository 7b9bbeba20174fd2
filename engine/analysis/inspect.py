"""Read-only questions about a trained network, answered with plain NumPy."""
from __future__ import annotations

import numpy as np

from ..network import Network


def output_influence(network: Network, neuron: int) -> np.ndarray:
    """How strongly first-layer neuron `neuron` pushes each output logit, shape (n_out,).

    This is the linear path from A[1]_neuron to Z[L]: column `neuron` of
    W[L] @ ... @ W[2] (for one hidden layer, simply W[2][:, neuron]). It ignores the
    nonlinearities g[2..L-1] in between, so it is a rough guide for deeper networks:
    a ReLU unit that is off for a given input passes nothing on, whatever this says.
    Positive entries mean the neuron raises that digit's score, negative entries lower it.
    For a network without hidden layers the neuron is itself an output, so the result
    is the unit vector of that output.
    """
    n_first = network.layer_sizes[1]
    if not 0 <= neuron < n_first:
        raise ValueError(f"neuron must be between 0 and {n_first - 1}, got {neuron}")
    if network.n_layers == 1:
        influence = np.zeros(n_first, dtype=network.dtype)
        influence[neuron] = 1
        return influence
    # Vector-matrix products from the first layer outwards: never forms the full product.
    influence = network.weights[1][:, neuron].copy()
    for w in network.weights[2:]:
        influence = w @ influence
    return influence


SALIENCY_OBJECTIVES = ("score", "log_probability", "loss")


def input_saliency(network: Network, x: np.ndarray, target: int | None = None,
                   objective: str = "score", times_input: bool = False) -> np.ndarray:
    """Gradient of one objective with respect to the input pixels of one example.

    `x` is one input (784 values, shaped (784,), (784, 1) or (28, 28)); the result has
    the same shape and the network's dtype. `target` is the output class the objective is
    about; None means the class the network predicts for `x`. The objectives:

    - "score": d Z[L][target] / dx, how each pixel moves the target's logit.
    - "log_probability": d log A[L][target] / dx, how each pixel moves the target's
      (log) probability; for softmax + cross-entropy this is exactly minus "loss". For
      an identity output, which need not be positive, it is the gradient of A[L][target]
      itself: the same direction wherever the log exists.
    - "loss": dJ / dx, the gradient of the network's own loss J with Y = one-hot(target).

    Sign conventions: for "score" and "log_probability" a positive entry means that more
    ink on that pixel raises the target (red in the studio), so they answer "what would
    make it a 3?". "loss" is the raw loss gradient: a positive entry means more ink there
    *lowers* the target's probability (it raises the loss), so use -loss, or
    "log_probability", to see the way towards the target.

    `times_input` multiplies the gradient by the input, pixel by pixel: each pixel's term in
    the first-order expansion of the objective, zero where there is no ink. The raw gradient
    also lights up blank pixels (their first-layer weights never learn from MNIST, whose
    borders are always empty, and keep their random start), so it says where ink *would*
    matter; gradient x input says what the ink that is there contributed.

    The gradient comes from the engine's own backpropagation: one forward pass, then
    Network.backward with d_out set to dObjective/dZ[L], whose dX is the answer.
    """
    if objective not in SALIENCY_OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose from {', '.join(SALIENCY_OBJECTIVES)}")
    x = np.asarray(x)
    n_inputs, n_outputs = network.layer_sizes[0], network.layer_sizes[-1]
    if x.size != n_inputs:
        raise ValueError(f"expected one input of {n_inputs} values, got shape {x.shape}")
    cache = network.forward(x.reshape(n_inputs, 1))
    probabilities = cache.A[-1][:, 0]
    if target is None:
        target = int(np.argmax(probabilities))
    elif not 0 <= int(target) < n_outputs:
        raise ValueError(f"target must be between 0 and {n_outputs - 1}, got {target}")
    target = int(target)

    if objective == "loss":
        y = np.zeros((n_outputs, 1), dtype=network.dtype)
        y[target] = 1
        gradients = network.backward(cache, y)
    else:
        d_out = np.zeros((n_outputs, 1), dtype=network.dtype)
        if objective == "score":
            d_out[target] = 1
        elif network.output_activation == "softmax":
            # d log softmax_t / dZ = onehot(t) - A. The target's entry is written as the
            # sum of the other probabilities: 1 - A_t rounds to 0 for a confident network.
            d_out[:, 0] = -probabilities
            d_out[target] = 0
            d_out[target] = -d_out.sum(dtype=np.float64)
        elif network.output_activation == "sigmoid":
            # d log sigmoid(z) / dz = 1 - sigmoid(z) = exp(-log(1 + e^z)), and each output depends
            # on its own logit only. Not 1 - A: that rounds to 0 for a confident output.
            d_out[target] = np.exp(-np.logaddexp(0.0, cache.Z[-1][target, 0]))
        else:
            # An identity output may be zero or negative, where its log does not exist. Where
            # it does, d log a / dx = (da / dx) / a points the same way as da / dx, so the
            # gradient of a = z itself is used.
            d_out[target] = 1
        gradients = network.backward(cache, None, d_out=d_out)
    saliency = gradients.dX[:, 0].reshape(x.shape).copy()
    if times_input:
        saliency *= x.astype(saliency.dtype, copy=False)
    return saliency
