"""How accuracy holds up when the test images change, and when the network may say "not sure".

Every perturbation works on a whole batch of (m, 784) rows at once. The accuracy curves use
the first `n` test images, the same ones at every level, and the noise curve reuses a single
noise draw scaled by sigma, so differences between levels come from the level alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..augment import affine_batch
from ..distortions import filter_3x3
from ..network import Network
from .evaluation import predict_probabilities

NOISE_LEVELS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
ROTATION_ANGLES = (-60.0, -45.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0, 45.0, 60.0)
STROKE_CHANGES = (-2, -1, 0, 1, 2, 3)
DEFAULT_SAMPLE = 2000


# ----------------------------------------------------------------------------- perturbations


def add_noise(x: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Rows x (m, 784) plus Gaussian noise of standard deviation `sigma`, clipped to [0, 1]."""
    noise = None if sigma == 0 else _standard_noise(x, rng)  # no draw at sigma 0: rng is left as it was
    return _add_scaled_noise(x, sigma, noise)


def _standard_noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One standard normal draw of x's shape and dtype (drawn in float32 whatever x's dtype)."""
    return rng.standard_normal(x.shape, dtype=np.float32).astype(x.dtype, copy=False)


def _add_scaled_noise(x: np.ndarray, sigma: float, noise: np.ndarray | None) -> np.ndarray:
    """x + sigma * noise clipped to [0, 1]; a copy of x when sigma is 0 (noise is then not used)."""
    if sigma == 0:
        return x.copy()
    return np.clip(x + x.dtype.type(sigma) * noise, 0.0, 1.0)


def rotate(x: np.ndarray, degrees: float) -> np.ndarray:
    """Rows x (m, 784), each image rotated by `degrees` about its centre (engine.augment's convention)."""
    if degrees == 0:
        return x.copy()
    m = x.shape[0]
    return affine_batch(x, np.full(m, degrees, dtype=np.float32), np.zeros((m, 2), dtype=np.float32))


def _repeat_filter_3x3(x: np.ndarray, pixels: int, reduce) -> np.ndarray:
    """`pixels` passes of the 3x3 `reduce` filter over a copy of x (x itself is unchanged)."""
    if pixels < 0:
        raise ValueError(f"pixels must be >= 0, got {pixels}")
    out = x.copy()
    for _ in range(pixels):
        out = filter_3x3(out, reduce)
    return out


def thicken(x: np.ndarray, pixels: int = 1) -> np.ndarray:
    """Grey-scale dilation: each pass takes the brightest pixel of every 3x3 neighbourhood,
    making strokes about one pixel wider on each side."""
    return _repeat_filter_3x3(x, pixels, np.maximum)


def thin(x: np.ndarray, pixels: int = 1) -> np.ndarray:
    """Grey-scale erosion: each pass takes the darkest pixel of every 3x3 neighbourhood,
    making strokes about one pixel narrower on each side (thin strokes disappear)."""
    return _repeat_filter_3x3(x, pixels, np.minimum)


def change_stroke(x: np.ndarray, pixels: int) -> np.ndarray:
    """Thicken by `pixels` passes when positive, thin when negative."""
    return thicken(x, pixels) if pixels >= 0 else thin(x, -pixels)


def ink(x: np.ndarray) -> np.ndarray:
    """(m,) total brightness of each image: a simple measure of how much stroke there is."""
    return np.asarray(x, dtype=np.float64).reshape(x.shape[0], -1).sum(axis=1)


# ----------------------------------------------------------------------------- curves


@dataclass(frozen=True, eq=False)
class RobustnessCurve:
    name: str                # "noise", "rotation" or "stroke"
    title: str
    unit: str                # what the levels measure, for an axis label
    levels: np.ndarray       # (k,) float64
    accuracy: np.ndarray     # (k,) float64 fraction correct at each level
    n_images: int

    def accuracy_at(self, level: float) -> float:
        matches = np.flatnonzero(self.levels == level)
        if matches.size == 0:
            raise KeyError(f"{level} is not one of the levels of the {self.name} curve")
        return float(self.accuracy[matches[0]])


def _accuracy(network: Network, x: np.ndarray, labels: np.ndarray) -> float:
    _, predictions = predict_probabilities(network, x)
    return float(np.mean(predictions == labels)) if labels.size else 0.0


def robustness_curves(network: Network, dataset, n: int = DEFAULT_SAMPLE,
                      noise_levels=NOISE_LEVELS, angles=ROTATION_ANGLES, stroke_changes=STROKE_CHANGES,
                      seed: int = 0,
                      progress: Callable[[int, int], None] | None = None) -> dict[str, RobustnessCurve]:
    """Accuracy on the first `n` test images under noise, rotation and stroke thickness changes.

    Returns {"noise": ..., "rotation": ..., "stroke": ...}. Level 0 of every curve is the
    unchanged images, so it equals the clean accuracy on the same sample. `progress(done, total)`
    is called after each level (from the calling thread)."""
    n = min(int(n), dataset.n_test)
    x = np.ascontiguousarray(dataset.x_test[:n], dtype=network.dtype)
    labels = np.asarray(dataset.y_test[:n])
    noise = _standard_noise(x, np.random.default_rng(seed))
    plans = (
        ("noise", "Gaussian pixel noise", "noise standard deviation \u03c3", noise_levels,
         lambda s: _add_scaled_noise(x, s, noise)),
        ("rotation", "Rotation", "angle (degrees)", angles, lambda a: rotate(x, a)),
        ("stroke", "Stroke thickness", "pixels added (+) or removed (\u2212) per side", stroke_changes,
         lambda p: change_stroke(x, int(p))),
    )
    total = sum(len(levels) for *_, levels, _ in plans)
    done = 0
    curves = {}
    for name, title, unit, levels, perturb in plans:
        accuracy = []
        for level in levels:
            accuracy.append(_accuracy(network, perturb(level), labels))
            done += 1
            if progress is not None:
                progress(done, total)
        curves[name] = RobustnessCurve(name, title, unit, np.asarray(levels, dtype=np.float64),
                                       np.asarray(accuracy, dtype=np.float64), n)
    return curves


@dataclass(frozen=True, eq=False)
class CoverageCurve:
    thresholds: np.ndarray   # (k,)
    coverage: np.ndarray     # (k,) fraction of images answered (top probability >= threshold)
    accuracy: np.ndarray     # (k,) fraction correct among the answered, NaN when none is answered


def confidence_coverage(probabilities: np.ndarray, labels: np.ndarray, thresholds,
                        predictions: np.ndarray | None = None) -> CoverageCurve:
    """Answer only when the top probability reaches the threshold, otherwise say "not sure".

    probabilities: (n, n_classes); predictions default to their argmax. For each threshold,
    coverage is the share answered and accuracy the share of those answers that are right.
    Coverage is 1 at threshold 0 and never grows as the threshold rises."""
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    n = labels.shape[0]
    if predictions is None:
        predictions = np.argmax(probabilities, axis=1)
    confidence = probabilities[np.arange(n), predictions].astype(np.float64)
    correct = (predictions == labels).astype(np.int64)
    order = np.argsort(confidence, kind="stable")
    sorted_confidence = confidence[order]
    # correct_from[i]: right answers among the n - i most confident images.
    correct_from = np.concatenate([np.cumsum(correct[order][::-1])[::-1], [0]])
    first_answered = np.searchsorted(sorted_confidence, thresholds, side="left")
    answered = n - first_answered
    coverage = answered / n if n else np.zeros_like(thresholds)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(answered > 0, correct_from[first_answered] / np.maximum(answered, 1), np.nan)
    return CoverageCurve(thresholds, np.asarray(coverage, dtype=np.float64), accuracy)
