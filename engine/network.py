"""A fully connected network in the seeds' notation.

For layers l = 1..L:   Z[l] = W[l] A[l-1] + b[l],   A[l] = g[l](Z[l]),   A[0] = X
with W[l] of shape (n_l, n_{l-1}), b[l] of shape (n_l, 1) and one example per column,
so X has shape (n_x, m). Row i of W[1] holds the weights neuron i gives each input pixel:
reshaped to 28x28 it is that neuron's "chunk" (seed 004).

Backward, for a cost averaged over the batch (seed 001):
    dZ[L] = A[L] - Y                                   (softmax + cross-entropy)
    dW[l] = (1/m) dZ[l] A[l-1]^T,   db[l] = (1/m) sum_j dZ[l]
    dA[l-1] = W[l]^T dZ[l],         dZ[l-1] = dA[l-1] * g'(Z[l-1])
dZ[l] and dX = W[1]^T dZ[1] are per-example gradients (not divided by m), as in the seeds.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import HIDDEN, OUTPUT, softmax_backward
from .losses import LOSSES, cross_entropy, squared_error

RELU_FAMILY = ("relu", "leaky_relu")


@dataclass
class ForwardCache:
    """Z[l] and A[l] of every layer, indexed like the seeds: Z[0] is None, A[0] is X.

    A[l] is the activation before dropout (what a layer computed); `inputs[l]` is
    what layer l+1 actually received (A[l] times the dropout mask when training)."""
    Z: list
    A: list
    inputs: list
    masks: list = field(default_factory=list)


@dataclass
class Gradients:
    """dZ[l], dW[l], db[l] for l = 1..L (index 0 is None) and dX = dA[0]."""
    dZ: list
    dW: list
    db: list
    dX: np.ndarray


class Network:
    def __init__(self, layer_sizes, hidden_activation="relu", output_activation="softmax",
                 loss="ce", dtype=np.float32, seed=0, weights=None, biases=None):
        layer_sizes = tuple(int(n) for n in layer_sizes)
        if len(layer_sizes) < 2 or min(layer_sizes) < 1:
            raise ValueError(f"layer sizes must be at least two positive numbers, got {layer_sizes}")
        if hidden_activation not in HIDDEN:
            raise ValueError(f"unknown hidden activation {hidden_activation!r}; choose from {', '.join(HIDDEN)}")
        if output_activation not in OUTPUT:
            raise ValueError(f"unknown output activation {output_activation!r}; choose from {', '.join(OUTPUT)}")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose from {', '.join(LOSSES)}")
        if loss == "ce" and output_activation != "softmax":
            raise ValueError("cross-entropy needs a softmax output layer (use the squared-error loss otherwise)")
        self.layer_sizes = layer_sizes
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.loss_name = loss
        self.dtype = np.dtype(dtype)
        if weights is None:
            weights, biases = self._initial_parameters(seed)
        self.weights = [np.ascontiguousarray(w, dtype=self.dtype) for w in weights]
        self.biases = [np.ascontiguousarray(b, dtype=self.dtype).reshape(-1, 1) for b in biases]
        self._check_shapes()

    # -- construction ---------------------------------------------------------
    def _initial_parameters(self, seed):
        """He (normal, std sqrt(2/n_in)) for ReLU-family layers, Glorot (uniform) for the rest.
        Drawn in float64 from one seeded generator, so a seed gives the same numbers at any dtype."""
        rng = np.random.default_rng(seed)
        weights, biases = [], []
        for l in range(1, len(self.layer_sizes)):
            n_in, n_out = self.layer_sizes[l - 1], self.layer_sizes[l]
            is_hidden = l < len(self.layer_sizes) - 1
            if is_hidden and self.hidden_activation in RELU_FAMILY:
                w = rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
            else:
                limit = np.sqrt(6.0 / (n_in + n_out))
                w = rng.uniform(-limit, limit, (n_out, n_in))
            weights.append(w)
            biases.append(np.zeros((n_out, 1)))
        return weights, biases

    def _check_shapes(self):
        if len(self.weights) != len(self.layer_sizes) - 1 or len(self.biases) != len(self.weights):
            raise ValueError("number of weight matrices does not match the layer sizes")
        for l, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
            expected = (self.layer_sizes[l], self.layer_sizes[l - 1])
            if w.shape != expected:
                raise ValueError(f"W[{l}] has shape {w.shape}, expected {expected}")
            if b.shape != (expected[0], 1):
                raise ValueError(f"b[{l}] has shape {b.shape}, expected {(expected[0], 1)}")

    @property
    def n_layers(self):
        """L, the number of weight layers (hidden layers + output)."""
        return len(self.weights)

    def activation_of(self, l):
        return self.output_activation if l == self.n_layers else self.hidden_activation

    def copy(self, dtype=None):
        return Network(self.layer_sizes, self.hidden_activation, self.output_activation,
                       self.loss_name, dtype=dtype or self.dtype,
                       weights=[w.copy() for w in self.weights], biases=[b.copy() for b in self.biases])

    def parameters(self):
        """[W[1], b[1], ..., W[L], b[L]]: the arrays an optimiser updates in place."""
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    def describe(self):
        return (f"{'-'.join(map(str, self.layer_sizes))} {self.hidden_activation}/"
                f"{self.output_activation}, loss {self.loss_name}")

    # -- forward --------------------------------------------------------------
    def forward(self, X, dropout=0.0, rng=None):
        """X: (n_x, m). With dropout > 0 (training), hidden activations are zeroed with that
        probability and the survivors scaled by 1/(1 - dropout) so expectations match at test time."""
        X = np.asarray(X, dtype=self.dtype)
        Z, A, inputs, masks = [None], [X], [X], [None]
        a_in = X
        for l in range(1, self.n_layers + 1):
            z = self.weights[l - 1] @ a_in
            z += self.biases[l - 1]
            g = HIDDEN[self.hidden_activation][0] if l < self.n_layers else OUTPUT[self.output_activation][0]
            a = g(z)
            Z.append(z)
            A.append(a)
            mask = None
            if dropout > 0 and l < self.n_layers:
                keep = 1.0 - dropout
                mask = (rng.random(a.shape, dtype=self.dtype) < keep).astype(self.dtype) / self.dtype.type(keep)
                a = a * mask
            inputs.append(a)
            masks.append(mask)
            a_in = a
        return ForwardCache(Z, A, inputs, masks)

    def predict_proba(self, X):
        return self.forward(X).A[-1]

    def predict(self, X):
        return np.argmax(self.predict_proba(X), axis=0)

    # -- cost -----------------------------------------------------------------
    def loss(self, cache, Y):
        if self.loss_name == "ce":
            return cross_entropy(cache.Z[-1], Y)
        return squared_error(cache.A[-1], Y)

    def l2_penalty(self, l2):
        """(l2/2) sum ||W[l]||^2, the term weight decay adds to the cost (biases are not decayed)."""
        return 0.5 * l2 * sum(float(np.sum(w.astype(np.float64) ** 2)) for w in self.weights)

    # -- backward -------------------------------------------------------------
    def output_delta(self, cache, Y):
        """dZ[L], the per-example gradient of the cost with respect to the output logits."""
        a_out = cache.A[-1]
        if self.loss_name == "ce":
            return a_out - Y
        d_a = a_out - Y
        if self.output_activation == "softmax":
            return softmax_backward(a_out, d_a)
        return d_a * OUTPUT[self.output_activation][1](cache.Z[-1], a_out)

    def backward(self, cache, Y, l2=0.0, d_out=None):
        """Gradients of the batch-averaged cost (plus (l2/2)||W||^2) by the seeds' equations.
        `d_out` overrides dZ[L] (used to backpropagate other objectives, e.g. a class score)."""
        L = self.n_layers
        m = cache.A[0].shape[1]
        inv_m = self.dtype.type(1.0 / m)
        dZ, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
        dz = self.output_delta(cache, Y) if d_out is None else np.asarray(d_out, dtype=self.dtype)
        d_x = None
        for l in range(L, 0, -1):
            dZ[l] = dz
            w = self.weights[l - 1]
            grad_w = dz @ cache.inputs[l - 1].T
            grad_w *= inv_m
            if l2:
                grad_w += self.dtype.type(l2) * w
            dW[l] = grad_w
            db[l] = dz.sum(axis=1, keepdims=True) * inv_m
            d_a = w.T @ dz
            if l == 1:
                d_x = d_a
                break
            if cache.masks[l - 1] is not None:
                d_a *= cache.masks[l - 1]
            g_prime = HIDDEN[self.hidden_activation][1]
            dz = d_a * g_prime(cache.Z[l - 1], cache.A[l - 1])
        return Gradients(dZ, dW, db, d_x)
