"""Orders for the first-layer neurons, so that a grid of their chunks can be read by kind.

Hidden units have no natural order: neuron 0 is not "first" in any sense. Sorting them shows
what a trained layer holds:

* by weight size, ||row i of W[1]||, largest first: the neurons that learned most stand out from
  those that stayed near their small random start;
* by how often they fire, the fraction of images with Z[1]_i > 0 (the unit is active, for ReLU;
  above its midpoint for sigmoid and tanh), most often first: always-on blobs, then strokes that
  only some digits have, then dead units;
* by the class they push most: the class k whose score Z[L]_k grows most with the neuron's
  output, averaged over images (for one hidden layer that is simply the largest entry of
  column i of W[2]); neurons grouped by class 0 to 9, strongest first within each.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dataset import PIXEL_CODES, pixels_to_unit
from ..network import Network
from .receptive_fields import _activation_function

INDEX, NORM, FIRING, CLASS = "index", "norm", "firing", "class"
ORDERS = (INDEX, NORM, FIRING, CLASS)
ORDER_NAMES = {INDEX: "Neuron number", NORM: "Weight size", FIRING: "How often it fires",
               CLASS: "Class it pushes most"}
NEEDS_IMAGES = frozenset({FIRING, CLASS})
PROBE_IMAGES = 256
"""Images a caller should pass for FIRING and CLASS: enough for fractions to 0.4%, cheap to
push through a wide network."""


@dataclass(frozen=True)
class NeuronOrder:
    """`order[k]` is the neuron shown k-th. Per neuron (indexed by neuron, not by position):
    `norm` its weight size; `firing` the fraction of images it fires on and `push_class` /
    `push` the class it pushes most and by how much (d score / d output), when images were given."""

    by: str
    order: np.ndarray
    norm: np.ndarray
    firing: np.ndarray | None = None
    push_class: np.ndarray | None = None
    push: np.ndarray | None = None

    @property
    def position(self) -> np.ndarray:
        """position[i]: where neuron i is shown (the inverse of `order`)."""
        inverse = np.empty_like(self.order)
        inverse[self.order] = np.arange(self.order.size)
        return inverse

    def describe(self, neuron: int) -> str:
        """What this order knows about `neuron`, in a few words (empty for INDEX)."""
        if self.by == NORM:
            return f"weight size {self.norm[neuron]:.3g}"
        if self.by == FIRING and self.firing is not None:
            return f"fires on {self.firing[neuron]:.0%} of images"
        if self.by == CLASS and self.push_class is not None:
            return f"pushes {int(self.push_class[neuron])} most (+{self.push[neuron]:.3g} per unit)"
        return ""


def order_neurons(network: Network, by: str, images: np.ndarray | None = None) -> NeuronOrder:
    """The first-layer neurons of `network` sorted `by` one of ORDERS. `images`: rows (m, 784)
    of pixels in [0, 1] (uint8 codes are scaled), needed for FIRING and CLASS. Ties keep the
    neuron numbers' order, so the result is the same every time."""
    if by not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {by!r}")
    weights = network.weights[0]
    norm = np.sqrt(np.einsum("ij,ij->i", weights, weights, dtype=np.float64))
    n = weights.shape[0]
    if by == INDEX:
        return NeuronOrder(by, np.arange(n), norm)
    if by == NORM:
        return NeuronOrder(by, np.argsort(-norm, kind="stable"), norm)
    if images is None or len(images) == 0:
        raise ValueError(f"ordering by {ORDER_NAMES[by].lower()} needs images")
    X = np.asarray(images)
    X = (pixels_to_unit(X) if X.dtype == PIXEL_CODES else X).astype(network.dtype, copy=False).T
    Z, A = _forward(network, X)
    firing = np.mean(Z[1] > 0, axis=1)
    if by == FIRING:
        return NeuronOrder(by, np.argsort(-firing, kind="stable"), norm, firing)
    pushes = class_pushes(network, Z, A)                      # (n_classes, n)
    push_class = np.argmax(pushes, axis=0)
    push = pushes[push_class, np.arange(n)]
    order = np.lexsort((-push, push_class))                   # by class, then strongest first
    return NeuronOrder(by, order, norm, firing, push_class, push)


def _forward(network: Network, X: np.ndarray) -> tuple[list, list]:
    """Z[1..L] and A[0..L] of the network on columns X (index 0 of Z is None)."""
    Z, A = [None], [X]
    for l in range(1, network.n_layers + 1):
        z = network.weights[l - 1] @ A[-1] + network.biases[l - 1]
        Z.append(z)
        A.append(_activation_function(network, l)[0](z))
    return Z, A


def class_pushes(network: Network, Z: list, A: list) -> np.ndarray:
    """(n_classes, n_1): mean over the images of d Z[L]_k / d A[1]_i, the chain rule of
    docs/math.md#backward-pass from each class score down to the first hidden layer."""
    L, m = network.n_layers, A[0].shape[1]
    n_classes = network.layer_sizes[-1]
    # One backward pass for every class at once: column block k seeds class k.
    dz = np.zeros((n_classes, n_classes * m), dtype=network.dtype)
    for k in range(n_classes):
        dz[k, k * m:(k + 1) * m] = 1
    for l in range(L, 1, -1):
        d_a = network.weights[l - 1].T @ dz                   # dA[l-1]
        if l == 2:
            return d_a.reshape(-1, n_classes, m).mean(axis=2).T
        g_prime = _activation_function(network, l - 1)[1]
        dz = d_a * np.tile(g_prime(Z[l - 1], A[l - 1]), n_classes)
    # A network without hidden layers has no first-layer neurons to push anything.
    raise ValueError("the network has no hidden layer")
