"""A fully connected network in the notation of docs/math.md#notation.

For layers l = 1..L:   Z[l] = W[l] A[l-1] + b[l],   A[l] = g[l](Z[l]),   A[0] = X
with W[l] of shape (n_l, n_{l-1}), b[l] of shape (n_l, 1) and one example per column,
so X has shape (n_x, m). Row i of W[1] holds the weights neuron i gives each input pixel:
reshaped to 28x28 it is that neuron's "chunk" (docs/math.md#notation).

Backward, for a cost averaged over the batch (docs/math.md#backward-pass):
    dZ[L] = A[L] - Y                                   (softmax + cross-entropy)
    dW[l] = (1/m) dZ[l] A[l-1]^T,   db[l] = (1/m) sum_j dZ[l]
    dA[l-1] = W[l]^T dZ[l],         dZ[l-1] = dA[l-1] * g'(Z[l-1])
dZ[l] and dX = W[1]^T dZ[1] are per-example gradients (not divided by m; docs/math.md#notation).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import HIDDEN, HIDDEN_BACKWARD, OUTPUT, softmax_backward, softmax_with_log_norm
from .losses import LOSSES, cross_entropy, squared_error

RELU_FAMILY = ("relu", "leaky_relu")
_ALIGN = 16  # parameter blocks start on 64-byte boundaries (float32), which BLAS kernels like


@dataclass
class ForwardCache:
    """Z[l] and A[l] of every layer, indexed as in docs/math.md#notation: Z[0] is None, A[0] is X.

    A[l] is the activation before dropout (what a layer computed); `inputs[l]` is
    what layer l+1 actually received (A[l] times the dropout mask when training).
    `log_norm` (softmax outputs only) is log sum_k exp(Z[L]_k) per column, so that
    log A[L] = Z[L] - log_norm without another exp()."""
    Z: list
    A: list
    inputs: list
    masks: list = field(default_factory=list)
    log_norm: np.ndarray | None = None


@dataclass
class Gradients:
    """dZ[l], dW[l], db[l] for l = 1..L (index 0 is None) and dX = dA[0]."""
    dZ: list
    dW: list
    db: list
    dX: np.ndarray


def _parameter_layout(layer_sizes):
    """Offsets of W[l] and b[l] in one flat block holding every parameter."""
    offsets, end = [], 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        w_at = end
        b_at = -(-(w_at + n_out * n_in) // _ALIGN) * _ALIGN
        end = -(-(b_at + n_out) // _ALIGN) * _ALIGN
        offsets.append((w_at, b_at))
    return offsets, end


def _views(flat, layer_sizes, offsets):
    """W[l] (n_l, n_{l-1}) and b[l] (n_l, 1) as views into the flat block."""
    weights, biases = [], []
    for (w_at, b_at), n_in, n_out in zip(offsets, layer_sizes[:-1], layer_sizes[1:]):
        weights.append(flat[w_at:w_at + n_out * n_in].reshape(n_out, n_in))
        biases.append(flat[b_at:b_at + n_out].reshape(n_out, 1))
    return weights, biases


class Buffers:
    """Every array a training step writes for batches of m columns, allocated once and
    reused batch after batch, so that forward + backward allocate (almost) nothing.

    The arrays have the shapes of ForwardCache and Gradients; dW[l] and db[l] are views
    into `flat_grad`, laid out like the network's `flat_parameters`, so an optimiser can
    update every parameter in one call. dX is only computed when `input_gradient` is set
    (training never needs it, and it costs as much as the forward product of layer 1)."""

    def __init__(self, network, m, dropout=False, input_gradient=False, backward=True):
        sizes, dt, L = network.layer_sizes, network.dtype, network.n_layers
        hidden = range(1, L)
        self.m, self.dropout = m, bool(dropout)
        self.Z = [None] + [np.empty((n, m), dt) for n in sizes[1:]]
        self.A = [None] + [np.empty((n, m), dt) for n in sizes[1:]]
        self.inputs = list(self.A)   # what layer l+1 receives: A[l], or A[l] * mask[l]
        self.masks = [None] * (L + 1)
        self.uniform = [None] * (L + 1)
        if dropout:
            for l in hidden:
                self.inputs[l], self.masks[l], self.uniform[l] = (np.empty_like(self.A[l]) for _ in range(3))
        if not backward:
            return
        self.dZ = [None] + [np.empty((n, m), dt) for n in sizes[1:]]
        self.flat_grad = np.zeros_like(network.flat_parameters)
        dW, db = _views(self.flat_grad, sizes, network._offsets)
        self.dW, self.db = [None] + dW, [None] + db
        self.dX = np.empty((sizes[0], m), dt) if input_gradient else None
        self.active = np.empty((max(sizes[1:]), m), dtype=bool)  # ReLU's "Z > 0", reused
        self.mean_weights = np.full(m, 1.0 / max(m, 1), dtype=dt)  # db = dZ @ (1/m, ..., 1/m)

    def fits_forward(self, network, m):
        return self.m == m and [z.shape[0] for z in self.Z[1:]] == list(network.layer_sizes[1:])

    def fits(self, network, m, dropout):
        return (self.fits_forward(network, m) and self.dropout == bool(dropout)
                and self.flat_grad.shape == network.flat_parameters.shape)


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
        weights = [np.asarray(w, dtype=self.dtype) for w in weights]
        biases = [np.asarray(b, dtype=self.dtype).reshape(-1, 1) for b in biases]
        self._check_shapes(weights, biases)
        # All parameters live in one contiguous block (W[l] and b[l] are views of it), so an
        # optimiser step, a copy or a finiteness check is one NumPy call, not one per array.
        self._offsets, size = _parameter_layout(layer_sizes)
        self.flat_parameters = np.zeros(size, dtype=self.dtype)
        self.weights, self.biases = _views(self.flat_parameters, layer_sizes, self._offsets)
        for dst, src in zip(self.weights + self.biases, weights + biases):
            dst[...] = src

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

    def _check_shapes(self, weights, biases):
        if len(weights) != len(self.layer_sizes) - 1 or len(biases) != len(weights):
            raise ValueError("number of weight matrices does not match the layer sizes")
        for l, (w, b) in enumerate(zip(weights, biases), start=1):
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
                       self.loss_name, dtype=dtype or self.dtype, weights=self.weights, biases=self.biases)

    def parameters(self):
        """[W[1], b[1], ..., W[L], b[L]]: the arrays an optimiser updates in place."""
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    def describe(self):
        return (f"{'-'.join(map(str, self.layer_sizes))} {self.hidden_activation}/"
                f"{self.output_activation}, loss {self.loss_name}")

    # -- forward --------------------------------------------------------------
    def forward(self, X, dropout=0.0, rng=None, buffers=None):
        """X: (n_x, m). With dropout > 0 (training), hidden activations are zeroed with that
        probability and the survivors scaled by 1/(1 - dropout) so expectations match at test time.
        With `buffers` (a Buffers for this m, reused by the trainer) the cache holds those arrays,
        overwritten by the next call; without, every array is new."""
        X = np.asarray(X, dtype=self.dtype)
        L = self.n_layers
        if buffers is None:
            buffers = Buffers(self, X.shape[1], dropout > 0, backward=False)
        elif dropout > 0 and not buffers.dropout:
            raise ValueError("these buffers were made without room for dropout masks")
        Z, A, masks = buffers.Z, buffers.A, buffers.masks
        inputs = buffers.inputs if dropout > 0 else A
        A[0] = inputs[0] = X
        g = HIDDEN[self.hidden_activation][0]
        log_norm = None
        for l in range(1, L + 1):
            # Z[l] = W[l] A[l-1] + b[l]
            z = np.matmul(self.weights[l - 1], inputs[l - 1], out=Z[l])
            z += self.biases[l - 1]
            if l < L:
                g(z, out=A[l])
            elif self.output_activation == "softmax":
                log_norm = softmax_with_log_norm(z, out=A[l])[1]
            else:
                OUTPUT[self.output_activation][0](z, out=A[l])
            if dropout > 0 and l < L:
                keep = self.dtype.type(1.0 - dropout)
                # mask = (uniform < keep) / keep, drawn in place
                np.less(rng.random(out=buffers.uniform[l], dtype=self.dtype), keep, out=masks[l])
                masks[l] /= keep
                np.multiply(A[l], masks[l], out=inputs[l])
        return ForwardCache(list(Z), list(A), list(inputs), list(masks) if dropout > 0 else [None] * (L + 1),
                            log_norm)

    def predict_proba(self, X):
        return self.forward(X).A[-1]

    def predict(self, X):
        return np.argmax(self.predict_proba(X), axis=0)

    # -- cost -----------------------------------------------------------------
    def loss(self, cache, Y):
        if self.loss_name == "ce":
            if cache.log_norm is None:
                return cross_entropy(cache.Z[-1], Y)
            # J = -(1/m) sum Y log A, with log A = Z - log_norm from the forward pass.
            log_probs = cache.Z[-1] - cache.log_norm
            log_probs *= Y
            return float(-np.add.reduce(log_probs, axis=None, dtype=np.float64) / log_probs.shape[1])
        return squared_error(cache.A[-1], Y)

    def l2_penalty(self, l2):
        """(l2/2) sum ||W[l]||^2, the term weight decay adds to the cost (biases are not decayed)."""
        return 0.5 * l2 * sum(float(np.sum(w.astype(np.float64) ** 2)) for w in self.weights)

    # -- backward -------------------------------------------------------------
    def output_delta(self, cache, Y, out=None):
        """dZ[L], the per-example gradient of the cost with respect to the output logits."""
        a_out = cache.A[-1]
        if self.loss_name == "ce":
            return np.subtract(a_out, Y, out=out)
        d_a = a_out - Y
        if self.output_activation == "softmax":
            d_z = softmax_backward(a_out, d_a)
        else:
            d_z = d_a * OUTPUT[self.output_activation][1](cache.Z[-1], a_out)
        if out is None:
            return d_z
        out[...] = d_z
        return out

    def backward(self, cache, Y, l2=0.0, d_out=None, buffers=None):
        """Gradients of the batch-averaged cost (plus (l2/2)||W||^2), docs/math.md#backward-pass.
        `d_out` overrides dZ[L] (used to backpropagate other objectives, e.g. a class score).
        With `buffers` the results are written into them, and dX is only computed if they
        have room for it; without, every array is new."""
        L = self.n_layers
        m = cache.A[0].shape[1]
        inv_m = self.dtype.type(1.0 / m)
        if buffers is None:
            buffers = Buffers(self, m, input_gradient=True)
        dZ, dW, db = [None] * (L + 1), buffers.dW, buffers.db
        if d_out is None:
            dz = self.output_delta(cache, Y, out=buffers.dZ[L])
        else:
            dz = np.asarray(d_out, dtype=self.dtype)
        backward_g = HIDDEN_BACKWARD[self.hidden_activation]
        for l in range(L, 0, -1):
            dZ[l] = dz
            w = self.weights[l - 1]
            # dW[l] = (1/m) dZ[l] A[l-1]^T
            np.matmul(dz, cache.inputs[l - 1].T, out=dW[l])
            dW[l] *= inv_m
            if l2:
                dW[l] += self.dtype.type(l2) * w
            # db[l] = (1/m) sum_j dZ[l], as one BLAS matrix-vector product
            np.matmul(dz, buffers.mean_weights, out=db[l][:, 0])
            if l == 1:
                break
            # dA[l-1] = W[l]^T dZ[l]
            d_a = np.matmul(w.T, dz, out=buffers.dZ[l - 1])
            if cache.masks[l - 1] is not None:
                d_a *= cache.masks[l - 1]
            # dZ[l-1] = dA[l-1] * g'(Z[l-1])
            z_prev = cache.Z[l - 1]
            dz = backward_g(d_a, z_prev, cache.A[l - 1], buffers.active[:z_prev.shape[0]])
        # dX = W[1]^T dZ[1]: skipped in training, where nothing reads it.
        d_x = None if buffers.dX is None else np.matmul(self.weights[0].T, dz, out=buffers.dX)
        return Gradients(dZ, list(dW), list(db), d_x)
