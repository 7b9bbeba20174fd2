"""Scores of a set of predictions against the true labels."""
from __future__ import annotations

import numpy as np


def confusion_matrix(labels, predictions, n_classes=10):
    """C[t, p] counts the examples of true class t predicted as p."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    return np.bincount(labels * n_classes + predictions, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def per_class_accuracy(confusion):
    """Fraction of each true class predicted correctly (NaN for a class with no examples)."""
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diag(confusion) / totals
