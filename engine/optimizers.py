"""Update rules that change the parameters in place, given their gradients.

"gd" is plain gradient descent W := W - alpha dW (docs/math.md#updates). Momentum keeps a
running velocity of past gradients; Adam also scales each parameter's step by its gradients' recent magnitude.

Every optimiser splits an update in two: `steps()` advances its state and returns the
amount each parameter moves (W := W - step), and `update()` applies it. The trainer uses
the split to check a step before the weights change (see Trainer._apply_update). `out`
may be the gradient arrays themselves: each gradient is read before its step is written.
"""
from __future__ import annotations

import numpy as np

OPTIMIZERS = ("gd", "momentum", "adam")


def _outputs(out, params):
    return out if out is not None else [np.empty_like(p) for p in params]


class Optimizer:
    name = ""

    def update(self, params, grads, lr):
        for p, step in zip(params, self.steps(params, grads, lr)):
            p -= step

    def steps(self, params, grads, lr, out=None):
        raise NotImplementedError

    def reset(self):
        pass


class GradientDescent(Optimizer):
    name = "gd"

    def steps(self, params, grads, lr, out=None):
        out = _outputs(out, params)
        for p, g, s in zip(params, grads, out):
            np.multiply(g, p.dtype.type(lr), out=s)   # alpha dW
        return out


class Momentum(Optimizer):
    """v := mu v + dW;  W := W - alpha v  (heavy-ball momentum)."""
    name = "momentum"

    def __init__(self, momentum=0.9):
        self.momentum = momentum
        self.velocity = None

    def steps(self, params, grads, lr, out=None):
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        out = _outputs(out, params)
        mu = self.momentum
        for p, g, v, s in zip(params, grads, self.velocity, out):
            v *= p.dtype.type(mu)
            v += g
            np.multiply(v, p.dtype.type(lr), out=s)   # alpha v
        return out

    def reset(self):
        self.velocity = None


class Adam(Optimizer):
    """Kingma & Ba's Adam with bias correction."""
    name = "adam"

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.reset()

    def reset(self):
        self.m = self.v = None
        self.t = 0

    def steps(self, params, grads, lr, out=None):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        out = _outputs(out, params)
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # Fold both bias corrections into one step size.
        step = lr * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for p, g, m, v, s in zip(params, grads, self.m, self.v, out):
            t = p.dtype.type
            # v := b2 v + (1 - b2) g^2;  m := b1 m + (1 - b1) g  (s, which may be g, as scratch)
            g_squared = np.multiply(g, g)
            g_squared *= t(1 - b2)
            v *= t(b2)
            v += g_squared
            m *= t(b1)
            m += np.multiply(g, t(1 - b1), out=s)
            # step m / (sqrt(v) + eps)
            np.sqrt(v, out=g_squared)
            g_squared += t(self.eps)
            np.multiply(m, t(step), out=s)
            s /= g_squared
        return out


def make_optimizer(name, momentum=0.9):
    if name == "gd":
        return GradientDescent()
    if name == "momentum":
        return Momentum(momentum)
    if name == "adam":
        return Adam()
    raise ValueError(f"unknown optimiser {name!r}; choose from {', '.join(OPTIMIZERS)}")
