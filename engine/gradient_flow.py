"""How well the gradient reaches every layer while a network trains.

Per weight layer l = 1..L (weights W[l] only; biases are few and say little here):

- ||dW[l]||, the Frobenius norm of the last batch's gradient (weight decay included);
- ||ΔW[l]|| / ||W[l]||, the size of the last update actually applied (after momentum or
  Adam) relative to the weights it changed. A common rule of thumb wants about 1e-3:
  much smaller and the layer barely learns, much larger and it is being thrown around;
- for ReLU-family hidden layers, the fraction of dead units: units whose pre-activation
  Z is <= 0 for every image of a fixed probe batch (for ReLU their output is 0 for all of
  them, so no gradient passes through them and they cannot recover by themselves). The probe
  is PROBE_SIZE training images drawn once per run from the run's seed.

Each layer is then classified (see `classify`):

- "exploding" when the update ratio exceeds EXPLODING_RATIO (0.1: one step changes the
  weights by a tenth of their size) or a norm is not finite;
- "vanishing" when the update ratio is below VANISHING_RATIO (1e-5: a hundred times under the
  healthy band, so the layer needs ~100,000 steps to change noticeably) or the gradient norm is
  below VANISHING_GRADIENT_NORM (effectively zero in float32). A learning-rate schedule shrinks
  every update on purpose (a cosine ends at 0), so this ratio is taken at the run's base
  learning rate: the measured ratio divided by the schedule's factor α_t / α;
- "ok" otherwise.

`GradientFlowRecorder` is what a Trainer keeps while someone watches: a few dot products
per batch, and the rest computed only when a snapshot asks for it.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .data import PIXEL_CODES, pixels_to_unit
from .network import RELU_FAMILY, Buffers

PROBE_SIZE = 512
"""Training images in the fixed probe batch on which dead units are counted."""
VANISHING_RATIO = 1e-5
EXPLODING_RATIO = 1e-1
VANISHING_GRADIENT_NORM = 1e-8
HEALTHY_RATIO = 1e-3
HEALTHY_BAND = (1e-4, 1e-2)
"""The rule-of-thumb update/weight ratio and the band around it that is usually fine."""
DEAD_UNITS_REFRESH_S = 1.0
"""Dead units are recounted at most this often: a probe forward pass costs about as much as
a training batch, and units die or revive slowly."""

OK, VANISHING, EXPLODING = "ok", "vanishing", "exploding"


def classify(grad_norm: float, update_ratio: float, lr_scale: float = 1.0) -> str:
    """"exploding", "vanishing" or "ok" for one layer (thresholds in the module docstring).
    `lr_scale` is the schedule's factor α_t / α at that step."""
    if not (math.isfinite(grad_norm) and math.isfinite(update_ratio)) or update_ratio > EXPLODING_RATIO:
        return EXPLODING
    if grad_norm < VANISHING_GRADIENT_NORM:
        return VANISHING
    if lr_scale > 0 and update_ratio < VANISHING_RATIO * lr_scale:  # at α_t = 0 nothing is expected to move
        return VANISHING
    return OK


def layer_norms(arrays) -> np.ndarray:
    """Frobenius norm of each array, as float64 (inf when an entry is inf or nan, or on overflow)."""
    norms = np.empty(len(arrays))
    for i, a in enumerate(arrays):
        flat = a.reshape(-1)
        with np.errstate(over="ignore"):  # an overflow is reported as an infinite norm
            squared = abs(float(np.dot(flat, flat)))  # one BLAS call, no temporary array
        norms[i] = math.sqrt(squared) if math.isfinite(squared) else math.inf
    return norms


def update_ratios(update_norms: np.ndarray, weight_norms: np.ndarray) -> np.ndarray:
    """||ΔW|| / ||W||; a move of all-zero weights is infinitely large, no move of them 0."""
    update_norms = np.asarray(update_norms, dtype=np.float64)
    weight_norms = np.asarray(weight_norms, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = update_norms / weight_norms
    zero_weights = weight_norms == 0
    ratios[zero_weights] = np.where(update_norms[zero_weights] == 0, 0.0, np.inf)
    ratios[~np.isfinite(update_norms)] = np.inf
    return ratios


def choose_probe(n_train: int, seed: int, size: int = PROBE_SIZE) -> np.ndarray:
    """Sorted indices of the probe images: the same for every run of a seed. Its own
    generator, so choosing the probe never changes the training's random numbers."""
    rng = np.random.default_rng([seed, 3])
    return np.sort(rng.choice(n_train, min(size, n_train), replace=False))


def dead_unit_fractions(network, probe_x: np.ndarray, buffers: Buffers | None = None) -> np.ndarray:
    """Per layer, the fraction of units whose Z is <= 0 for every column of `probe_x`
    (shape (n_inputs, m)); nan for layers that are not ReLU-family hidden layers."""
    fractions = np.full(network.n_layers, np.nan)
    if network.hidden_activation not in RELU_FAMILY or network.n_layers < 2:
        return fractions
    cache = network.forward(probe_x, buffers=buffers)
    for l in range(1, network.n_layers):
        never_positive = ~(cache.Z[l] > 0).any(axis=1)  # "not > 0": a nan unit counts as dead too
        fractions[l - 1] = float(never_positive.mean())
    return fractions


def _frozen(values) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class GradientFlow:
    """The gradient-flow statistics of one training step, one entry per weight layer."""
    step: int                    # the trainer's step count after the batch they describe
    grad_norms: np.ndarray       # ||dW[l]|| of that batch
    update_norms: np.ndarray     # ||ΔW[l]|| of the update it made
    weight_norms: np.ndarray     # ||W[l]|| before that update
    dead_fractions: np.ndarray   # dead units on the probe batch; nan where not counted
    dead_step: int = -1          # the step at which the dead units were counted (-1: never)
    probe_size: int = 0
    lr_scale: float = 1.0        # the schedule's factor α_t / α at that step

    @classmethod
    def build(cls, step, grad_norms, update_norms, weight_norms, dead_fractions, dead_step=-1, probe_size=0,
              lr_scale=1.0):
        return cls(int(step), _frozen(grad_norms), _frozen(update_norms), _frozen(weight_norms),
                   _frozen(dead_fractions), int(dead_step), int(probe_size), float(lr_scale))

    @property
    def n_layers(self) -> int:
        return len(self.grad_norms)

    @property
    def update_ratios(self) -> np.ndarray:
        return update_ratios(self.update_norms, self.weight_norms)

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(classify(g, r, self.lr_scale) for g, r in zip(self.grad_norms, self.update_ratios))

    @property
    def troubled_layers(self) -> tuple[int, ...]:
        """1-based numbers of the layers whose gradients vanish or explode."""
        return tuple(l + 1 for l, status in enumerate(self.statuses) if status != OK)


class GradientFlowRecorder:
    """Keeps what a trainer needs for GradientFlow, at a few dot products per batch.

    The trainer calls `record_gradients` between backward and update (the update overwrites
    the gradient buffers with the step) and `record_update` after it, with the same arrays:
    they then hold the step itself, which is read only when `stats` is asked for, on the
    training thread before the next batch overwrites it."""

    def __init__(self, network, x_train: np.ndarray, seed: int, probe_size: int = PROBE_SIZE,
                 dead_refresh_s: float = DEAD_UNITS_REFRESH_S) -> None:
        self.network = network
        self._x_train = x_train
        self._seed = seed
        self.probe_size = min(probe_size, len(x_train))
        self.dead_refresh_s = dead_refresh_s
        self.step = None               # trainer step after the recorded batch; None: nothing recorded
        self._grad_norms = None
        self._steps = None             # views holding the step applied to each W[l]
        self._applied = False
        self._lr_scale = 1.0
        self._probe_x = None           # (n_inputs, probe_size), gathered on first use
        self._probe_buffers = None
        self._dead = np.full(network.n_layers, np.nan)
        self._dead_step = -1
        self._dead_time = -math.inf

    def record_gradients(self, weight_gradients) -> None:
        """dW[1..L] of the batch just back-propagated."""
        self._grad_norms = layer_norms(weight_gradients)

    def record_update(self, weight_steps, applied: bool, step: int, lr_scale: float = 1.0) -> None:
        """The arrays now holding ΔW[1..L] (W := W - ΔW), whether it was applied (False: the
        weights were kept because it made them non-finite), the trainer's step count after it
        and the schedule's factor α_t / α it was made with."""
        self._steps = list(weight_steps)
        self._applied = bool(applied)
        self._lr_scale = lr_scale
        self.step = step

    def stats(self, current_step: int) -> GradientFlow | None:
        """The statistics of the last batch, or None when the last batch was not recorded."""
        if self.step != current_step or self._steps is None:
            return None
        weights = self.network.weights
        update_norms = layer_norms(self._steps)
        if self._applied:
            weight_norms = layer_norms([w + s for w, s in zip(weights, self._steps)])  # W before the step
        else:
            weight_norms = layer_norms(weights)
        self._refresh_dead_units(current_step)
        return GradientFlow.build(current_step, self._grad_norms, update_norms, weight_norms,
                                  self._dead, self._dead_step, self.probe_size, self._lr_scale)

    def dead_fractions_now(self) -> np.ndarray:
        """Count the dead units on the probe batch now."""
        if self._probe_x is None:
            index = choose_probe(len(self._x_train), self._seed, self.probe_size)
            rows = self._x_train[index]
            if rows.dtype == PIXEL_CODES:  # training images kept as 8-bit codes
                rows = pixels_to_unit(rows)
            self._probe_x = rows.astype(self.network.dtype, copy=False).T
            self._probe_buffers = Buffers(self.network, len(index), backward=False)
        return dead_unit_fractions(self.network, self._probe_x, self._probe_buffers)

    def _refresh_dead_units(self, step: int) -> None:
        now = time.monotonic()
        if step != self._dead_step and now - self._dead_time >= self.dead_refresh_s:
            self._dead = self.dead_fractions_now()
            self._dead_step, self._dead_time = step, now
