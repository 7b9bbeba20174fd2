"""Costs averaged over the m columns of a batch, and the gradient they send back.

- "ce": cross-entropy on a softmax output, J = -(1/m) sum Y * log(A). Computed from the
  logits Z[L] through log-softmax so that logits of any size give a finite loss; its
  gradient is the fused dZ[L] = A - Y (docs/math.md#backward-pass).
- "mse": squared error J = (1/m) sum 1/2 ||a - y||^2 (the seed-004 preset's cost), valid with any
  output activation; it sends dA[L] = A - Y back through g'.
"""
from __future__ import annotations

import numpy as np

LOSSES = ("ce", "mse")


def cross_entropy(z_out, y):
    shifted = z_out - z_out.max(axis=0, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    m = z_out.shape[1]
    return float(-np.sum(y * log_probs, dtype=np.float64) / m)


def squared_error(a_out, y):
    m = a_out.shape[1]
    diff = a_out - y
    return float(0.5 * np.sum(diff * diff, dtype=np.float64) / m)


def one_hot(labels, n_classes=10, dtype=np.float32):
    """Y with one column per example: Y[k, j] = 1 when example j has label k."""
    labels = np.asarray(labels)
    y = np.zeros((n_classes, labels.shape[0]), dtype=dtype)
    y[labels, np.arange(labels.shape[0])] = 1
    return y
