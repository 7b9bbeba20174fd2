"""Update rules that change the parameters in place, given their gradients.

"gd" is the seeds' rule W := W - alpha dW. Momentum keeps a running velocity of past
gradients; Adam also scales each parameter's step by its gradients' recent magnitude.
"""
from __future__ import annotations

import numpy as np

OPTIMIZERS = ("gd", "momentum", "adam")


class GradientDescent:
    name = "gd"

    def update(self, params, grads, lr):
        for p, g in zip(params, grads):
            p -= p.dtype.type(lr) * g

    def reset(self):
        pass


class Momentum:
    """v := mu v + dW;  W := W - alpha v  (heavy-ball momentum)."""
    name = "momentum"

    def __init__(self, momentum=0.9):
        self.momentum = momentum
        self.velocity = None

    def update(self, params, grads, lr):
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        mu = self.momentum
        for p, g, v in zip(params, grads, self.velocity):
            v *= p.dtype.type(mu)
            v += g
            p -= p.dtype.type(lr) * v

    def reset(self):
        self.velocity = None


class Adam:
    """Kingma & Ba's Adam with bias correction."""
    name = "adam"

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.reset()

    def reset(self):
        self.m = self.v = None
        self.t = 0

    def update(self, params, grads, lr):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # Fold both bias corrections into one step size.
        step = lr * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            t = p.dtype.type
            m *= t(b1)
            m += t(1 - b1) * g
            v *= t(b2)
            v += t(1 - b2) * (g * g)
            p -= t(step) * m / (np.sqrt(v) + t(self.eps))


def make_optimizer(name, momentum=0.9):
    if name == "gd":
        return GradientDescent()
    if name == "momentum":
        return Momentum(momentum)
    if name == "adam":
        return Adam()
    raise ValueError(f"unknown optimiser {name!r}; choose from {', '.join(OPTIMIZERS)}")
