"""Summaries of a split of the dataset for browsing: how many of each digit, and the average digit."""
from __future__ import annotations

import numpy as np

N_CLASSES = 10


def digit_counts(labels: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """(n_classes,) int64 number of images of each digit."""
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)[:n_classes]


def per_digit_means(x_rows: np.ndarray, labels: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """(n_classes, n_inputs) float32 mean image of each digit (zeros for a digit with no images).

    One masked column sum per digit, accumulated in float64 so that averaging thousands of
    float32 images loses no precision. uint8 rows are pixel codes, code / 255 (see engine.data)."""
    labels = np.asarray(labels, dtype=np.int64)
    x_rows = np.asarray(x_rows)
    scale = 255.0 if x_rows.dtype == np.uint8 else 1.0
    means = np.zeros((n_classes, x_rows.shape[1]), dtype=np.float32)
    for digit, count in enumerate(digit_counts(labels, n_classes)):
        if count:
            means[digit] = x_rows[labels == digit].sum(axis=0, dtype=np.float64) / (count * scale)
    return means
