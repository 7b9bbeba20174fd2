"""How each layer arranges the images: activations projected onto their two main directions.

Principal component analysis of the centred activations keeps the two directions along which
the images differ most, so clusters that separate in the plot really are far apart in that
layer (the converse does not hold: a projection can also hide separation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network import Network

ACTIVATION_CHUNK = 10_000


def layer_activations(network: Network, x_rows: np.ndarray, layer: int,
                      chunk: int = ACTIVATION_CHUNK) -> np.ndarray:
    """(n, n_layer) activations A[layer] of rows x (n, n_inputs); layer 0 is the pixels, L the output."""
    if not 0 <= layer <= network.n_layers:
        raise ValueError(f"layer must be between 0 and {network.n_layers}, got {layer}")
    return all_layer_activations(network, x_rows, chunk, layers=(layer,))[0]


def all_layer_activations(network: Network, x_rows: np.ndarray, chunk: int = ACTIVATION_CHUNK,
                          layers=None) -> list[np.ndarray]:
    """[A[0], ..., A[L]] (or only `layers`) as (n, n_l) rows, from one forward pass per chunk."""
    layers = tuple(range(network.n_layers + 1)) if layers is None else tuple(layers)
    n = x_rows.shape[0]
    out = [np.empty((n, network.layer_sizes[l]), dtype=network.dtype) for l in layers]
    for start in range(0, n, chunk):
        block = x_rows[start:start + chunk].astype(network.dtype, copy=False)
        activations = network.forward(block.T).A
        for target, l in zip(out, layers):
            target[start:start + chunk] = activations[l].T
    return out


@dataclass(frozen=True, eq=False)
class Projection:
    coordinates: np.ndarray          # (n, k) float64, column j = scores on component j
    explained_variance_ratio: np.ndarray  # (k,) share of the total variance along each component


def principal_components(activations: np.ndarray, n_components: int = 2) -> Projection:
    """Project the centred rows of `activations` (n, d) onto their first principal components.

    The components are the leading eigenvectors of the smaller of the covariance (d x d) and
    Gram (n x n) matrices, which gives the same result as the SVD of the centred data at a
    fraction of the cost. Column variances are in decreasing order. Each component's sign is
    fixed (its largest loading positive), so the same data always gives the same picture.
    Components beyond the data's rank are returned as zeros."""
    data = np.asarray(activations, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"activations must be (n, d), got shape {data.shape}")
    n, d = data.shape
    coordinates = np.zeros((n, n_components), dtype=np.float64)
    explained = np.zeros(n_components, dtype=np.float64)
    if n < 2:
        return Projection(coordinates, explained)
    centred = data - data.mean(axis=0)
    if d <= n:
        eigenvalues, vectors = np.linalg.eigh(centred.T @ centred)
        order = np.argsort(eigenvalues)[::-1]
        eigenvalues, directions = eigenvalues[order], vectors[:, order]
    else:
        # Through the Gram matrix: with G u = s^2 u, the direction is X^T u / s.
        eigenvalues, vectors = np.linalg.eigh(centred @ centred.T)
        order = np.argsort(eigenvalues)[::-1]
        eigenvalues, vectors = eigenvalues[order], vectors[:, order]
        norms = np.sqrt(np.maximum(eigenvalues, 0.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            directions = (centred.T @ vectors) / np.where(norms > 0, norms, 1.0)
    eigenvalues = np.maximum(eigenvalues, 0.0)
    total = float(eigenvalues.sum())
    tolerance = max(total, 1.0) * 1e-12
    k = min(n_components, directions.shape[1])
    for j in range(k):
        if eigenvalues[j] <= tolerance:
            break
        direction = directions[:, j]
        if direction[np.argmax(np.abs(direction))] < 0:
            direction = -direction
        coordinates[:, j] = centred @ direction
        explained[j] = eigenvalues[j] / total
    return Projection(coordinates, explained)


def pca_2d(activations: np.ndarray) -> np.ndarray:
    """(n, 2): the rows of `activations` (n, d) on their first two principal components."""
    return principal_components(activations, 2).coordinates
