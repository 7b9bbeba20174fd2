"""The metrics of a run, kept bounded so that a run of any length uses bounded memory.

Per-batch losses live in a buffer of at most `max_points` points: when it fills, every
other point is dropped and from then on only every second (fourth, ...) batch is kept.
A 1000-epoch run therefore still draws its whole curve from at most `max_points` points.
Per-epoch metrics are few and kept in full.
"""
from __future__ import annotations

import numpy as np

MAX_BATCH_POINTS = 20_000
EPOCH_FIELDS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy", "seconds")


class TrainingHistory:
    def __init__(self, max_points=MAX_BATCH_POINTS):
        self.max_points = max_points
        self._batch = np.empty((max_points, 2), dtype=np.float64)  # (epoch progress, loss)
        self._n = 0
        self._stride = 1      # keep one batch in `stride`
        self._seen = 0
        self._epochs = {name: [] for name in EPOCH_FIELDS}

    def add_batch(self, epoch_progress, loss):
        self._seen += 1
        if (self._seen - 1) % self._stride:
            return
        if self._n == self.max_points:
            kept = self._batch[: self._n : 2]
            self._n = len(kept)
            self._batch[: self._n] = kept
            self._stride *= 2
        self._batch[self._n] = (epoch_progress, loss)
        self._n += 1

    def add_epoch(self, event):
        for name in EPOCH_FIELDS:
            self._epochs[name].append(getattr(event, name))

    def batch_arrays(self):
        """Copies of (epoch progress, loss) of the kept batches."""
        return self._batch[: self._n, 0].copy(), self._batch[: self._n, 1].copy()

    def epoch_arrays(self):
        return {name: np.array(values, dtype=np.float64) for name, values in self._epochs.items()}

    @property
    def n_batch_points(self):
        return self._n
