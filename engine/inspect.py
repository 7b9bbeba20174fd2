"""Read-only questions about a trained network, answered with plain NumPy."""
from __future__ import annotations

import numpy as np

from .network import Network


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
