"""Activation functions g and their derivatives g', with A = g(Z) (docs/math.md#activations).

Every function works column-wise on Z of shape (n_l, m) and returns a new array or
writes into `out`. Derivatives are expressed through Z (and A where that is cheaper),
because backpropagation has both in the forward cache.
"""
from __future__ import annotations

import numpy as np

LEAKY_SLOPE = 0.01


def relu(z, out=None):
    return np.maximum(z, 0, out=out)


def relu_grad(z, a):
    return (z > 0).astype(z.dtype)


def leaky_relu(z, out=None):
    # max(z, s*z) equals the leaky ReLU for any slope s < 1.
    return np.maximum(z, LEAKY_SLOPE * z, out=out)


def leaky_relu_grad(z, a):
    return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)


def sigmoid(z, out=None):
    # exp of a negative argument only, so large |z| never overflows.
    e = np.exp(-np.abs(z))
    pos = 1.0 / (1.0 + e)
    result = np.where(z >= 0, pos, e * pos)
    if out is None:
        return result.astype(z.dtype, copy=False)
    out[...] = result
    return out


def sigmoid_grad(z, a):
    return a * (1.0 - a)


def tanh(z, out=None):
    return np.tanh(z, out=out)


def tanh_grad(z, a):
    return 1.0 - a * a


def identity(z, out=None):
    if out is None:
        return z.copy()
    out[...] = z
    return out


def identity_grad(z, a):
    return np.ones_like(z)


def softmax(z, out=None):
    """Column-wise softmax. Subtracting each column's maximum keeps exp() finite
    for logits of any size (exp of a value <= 0 is at most 1)."""
    return softmax_with_log_norm(z, out)[0]


def softmax_with_log_norm(z, out=None):
    """Softmax and, per column, log sum_k exp(z_k) (shape (1, m)): log A = Z - log_norm,
    so the cross-entropy needs no second pass of exp()."""
    col_max = np.maximum.reduce(z, axis=0, keepdims=True)
    shifted = np.subtract(z, col_max, out=out)
    np.exp(shifted, out=shifted)
    total = np.add.reduce(shifted, axis=0, keepdims=True)
    shifted /= total
    np.log(total, out=total)
    total += col_max
    return shifted, total


def relu_backward(d_a, z, a, scratch=None):
    """dZ = dA * g'(Z) for ReLU, in place in dA: zero where Z <= 0 (no float mask is built)."""
    active = np.greater(z, 0, out=scratch)
    return np.multiply(d_a, active, out=d_a)


def _generic_backward(grad):
    def backward(d_a, z, a, scratch=None):
        d_a *= grad(z, a)
        return d_a
    return backward


HIDDEN = {
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
}

# dA -> dZ in place, the step of backpropagation through a hidden layer.
HIDDEN_BACKWARD = {name: _generic_backward(grad) for name, (_, grad) in HIDDEN.items()}
HIDDEN_BACKWARD["relu"] = relu_backward

# Softmax is absent from the derivative table on purpose: its Jacobian is not
# element-wise; losses apply it through softmax_backward.
OUTPUT = {
    "softmax": (softmax, None),
    "sigmoid": (sigmoid, sigmoid_grad),
    "identity": (identity, identity_grad),
}


def softmax_backward(a, da):
    """dZ = J_softmax^T dA for every column: a * (da - sum(da * a))."""
    return a * (da - np.sum(da * a, axis=0, keepdims=True))
