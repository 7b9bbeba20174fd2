"""Distributions of a network's parameters, layer by layer, as histograms."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network import Network

DEFAULT_BINS = 60


@dataclass(frozen=True, eq=False)
class LayerHistogram:
    layer: int                 # l of W[l] and b[l], 1-based
    weight_counts: np.ndarray  # (bins,) int64
    weight_edges: np.ndarray   # (bins + 1,) float64
    bias_counts: np.ndarray
    bias_edges: np.ndarray


def symmetric_range(values: np.ndarray) -> tuple[float, float]:
    """(-s, s) with s the largest |value|: centred on zero so that positive and negative
    parameters are drawn on equal footing; (-1e-3, 1e-3) when every value is zero."""
    values = np.asarray(values)
    top = float(np.max(np.abs(values))) if values.size else 0.0
    if not np.isfinite(top) or top <= 0.0:
        top = 1e-3
    return -top, top


def _histogram(values: np.ndarray, bins: int, value_range) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = symmetric_range(values) if value_range is None else value_range
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    # Clipping keeps every parameter counted when a shared range is narrower than this layer's.
    counts, edges = np.histogram(np.clip(flat, lo, hi), bins=bins, range=(lo, hi))
    return counts.astype(np.int64), edges


def weight_histograms(network: Network, bins: int = DEFAULT_BINS, ranges=None) -> list[LayerHistogram]:
    """One histogram of W[l] and one of b[l] per layer.

    `ranges`, if given, is one ((w_lo, w_hi), (b_lo, b_hi)) pair per layer, so that two networks
    can be compared bin for bin; values outside a given range are counted in the end bins.
    By default each range is symmetric about zero and covers every value. Counts of W[l] always
    sum to its number of weights, and those of b[l] to its number of biases."""
    if ranges is not None and len(ranges) != network.n_layers:
        raise ValueError(f"ranges must give one pair per layer ({network.n_layers}), got {len(ranges)}")
    histograms = []
    for l, (w, b) in enumerate(zip(network.weights, network.biases), start=1):
        w_range, b_range = (None, None) if ranges is None else ranges[l - 1]
        weight_counts, weight_edges = _histogram(w, bins, w_range)
        bias_counts, bias_edges = _histogram(b, bins, b_range)
        histograms.append(LayerHistogram(l, weight_counts, weight_edges, bias_counts, bias_edges))
    return histograms
