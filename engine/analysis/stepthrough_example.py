"""The worked 3-3-3-3-3 example (docs/math.md#worked-example) as an editable problem: its numbers,
one-entry edits, and parsing typed values.

The steps of an Example are built by engine.analysis.stepthrough.example_steps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..network import Network
from .stepthrough_model import MAX_ALPHA, MINUS, MatrixSource, StepThroughError, _short

MAX_ENTRY = 1e6
"""Largest magnitude accepted for an edited entry: beyond it every number on screen is noise."""

# The worked example (its Setup in docs/math.md#worked-example):
# a 3-3-3-3-3 ReLU network with zero biases, X = [1, 4, 7]^T and target Y = [1, 0, 0]^T.
# Its source leaves alpha open, so the app's usual 0.1 is used.
SEED_001_WEIGHTS = (
    ((0.2, -0.1, 0.4), (0.5, 0.3, -0.6), (-0.2, 0.1, 0.3)),
    ((0.1, -0.2, 0.5), (0.4, 0.1, -0.3), (-0.1, 0.3, 0.2)),
    ((0.3, 0.1, -0.4), (0.2, -0.5, 0.6), (-0.3, 0.2, 0.4)),
    ((0.2, -0.1, 0.5), (0.4, 0.1, -0.3), (-0.2, 0.3, 0.2)),
)
SEED_001_BIASES = ((0.0, 0.0, 0.0),) * 4
SEED_001_X = (1.0, 4.0, 7.0)
SEED_001_Y = (1.0, 0.0, 0.0)
SEED_001_ALPHA = 0.1


@dataclass(frozen=True, eq=False)
class Example:
    """An editable small problem: weights, biases, X, Y and alpha (all float64)."""
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    X: np.ndarray
    Y: np.ndarray
    alpha: float
    hidden_activation: str = "relu"

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[1], *(w.shape[0] for w in self.weights))

    def network(self) -> Network:
        return Network(self.layer_sizes, self.hidden_activation, "softmax", "ce", dtype=np.float64,
                       weights=list(self.weights), biases=list(self.biases))

    def array(self, source: MatrixSource) -> np.ndarray:
        if source.kind == "W":
            return self.weights[source.layer - 1]
        if source.kind == "b":
            return self.biases[source.layer - 1]
        if source.kind in ("X", "Y"):
            return getattr(self, source.kind)
        raise StepThroughError(f"unknown input {source.kind!r}")

    def edited(self, source: MatrixSource, row: int, col: int, value: float) -> Example:
        """A copy with one entry of W[l], b[l], X or Y replaced; (row, col) as shown."""
        value = float(value)
        if not math.isfinite(value) or abs(value) > MAX_ENTRY:
            raise StepThroughError(f"{_short(value)} is out of range: entries must lie within \u00b1{MAX_ENTRY:g}")
        r, c = source.entry(row, col)
        array = self.array(source).copy()
        if not (0 <= r < array.shape[0] and 0 <= c < array.shape[1]):
            raise StepThroughError(f"{source.kind} has no entry ({r + 1}, {c + 1})")
        array[r, c] = value
        array.setflags(write=False)
        if source.kind == "W":
            weights = list(self.weights)
            weights[source.layer - 1] = array
            return replace(self, weights=tuple(weights))
        if source.kind == "b":
            biases = list(self.biases)
            biases[source.layer - 1] = array
            return replace(self, biases=tuple(biases))
        return replace(self, **{source.kind: array})

    def with_alpha(self, alpha: float) -> Example:
        alpha = float(alpha)
        if not (math.isfinite(alpha) and 0.0 < alpha <= MAX_ALPHA):
            raise StepThroughError(f"\u03b1 must be a number in (0, {MAX_ALPHA:g}], got {_short(alpha)}")
        return replace(self, alpha=alpha)


def _frozen(values, shape=None) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    if shape is not None:
        array = array.reshape(shape)
    array.setflags(write=False)
    return array


def seed_001_example() -> Example:
    """The worked 3-3-3-3-3 example with its exact numbers (docs/math.md#worked-example)."""
    return Example(weights=tuple(_frozen(w) for w in SEED_001_WEIGHTS),
                   biases=tuple(_frozen(b, (-1, 1)) for b in SEED_001_BIASES),
                   X=_frozen(SEED_001_X, (-1, 1)), Y=_frozen(SEED_001_Y, (-1, 1)), alpha=SEED_001_ALPHA)


def parse_entry(text: str) -> float:
    """A number typed by the user, or StepThroughError saying what is wrong with it."""
    cleaned = str(text).strip().replace(MINUS, "-").replace("\u2013", "-")
    if not cleaned:
        raise StepThroughError("an entry cannot be empty")
    try:
        value = float(cleaned)
    except ValueError:
        raise StepThroughError(f"\u201c{text.strip()}\u201d is not a number") from None
    if not math.isfinite(value):
        raise StepThroughError(f"\u201c{text.strip()}\u201d is not a finite number")
    if abs(value) > MAX_ENTRY:
        raise StepThroughError(f"{text.strip()} is too large: entries must lie within \u00b1{MAX_ENTRY:g}")
    return value


def parse_alpha(text: str) -> float:
    """A learning rate typed by the user, or StepThroughError."""
    cleaned = str(text).strip().replace("\u03b1", "").replace("=", "").strip()
    try:
        value = float(cleaned.replace(MINUS, "-"))
    except ValueError:
        raise StepThroughError(f"\u03b1: \u201c{text.strip()}\u201d is not a number") from None
    if not (math.isfinite(value) and 0.0 < value <= MAX_ALPHA):
        raise StepThroughError(f"\u03b1 must be a number in (0, {MAX_ALPHA:g}], got {text.strip()}")
    return value
