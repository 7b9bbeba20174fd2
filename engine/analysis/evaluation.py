"""A trained network scored on the whole test set: what it answers, how sure it is, where it errs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..losses import one_hot
from ..metrics import confusion_matrix, per_class_accuracy
from ..network import Network
from ..trainer import EVAL_CHUNK

PREDICT_CHUNK = EVAL_CHUNK
"""Examples per forward pass. Equal to the trainer's evaluation chunk, so the predictions
come from the very same matrix products as `python main.py evaluate`."""


def output_distribution(outputs: np.ndarray, output_activation: str) -> np.ndarray:
    """A[L] (n_out, m) as one probability distribution per column.

    A softmax output already is one. Sigmoid and identity outputs are clipped at zero and
    divided by their sum (uniform where nothing is positive): this keeps the order of the
    digits, but such numbers are scores, not calibrated probabilities."""
    if output_activation == "softmax":
        return outputs
    positive = np.maximum(outputs, 0)
    totals = positive.sum(axis=0, keepdims=True)
    uniform = np.full_like(positive, 1.0 / positive.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, positive / np.where(totals > 0, totals, 1), uniform)


def predict_probabilities(network: Network, x_rows: np.ndarray, chunk: int = PREDICT_CHUNK):
    """(probabilities (n, n_out) float32, predictions (n,) int64) for rows x (n, n_inputs).

    Predictions are the argmax of the raw output A[L], as everywhere else in the project."""
    n = x_rows.shape[0]
    n_out = network.layer_sizes[-1]
    probabilities = np.empty((n, n_out), dtype=np.float32)
    predictions = np.empty(n, dtype=np.int64)
    for start in range(0, n, chunk):
        outputs = network.forward(x_rows[start:start + chunk].astype(network.dtype, copy=False).T).A[-1]
        predictions[start:start + chunk] = np.argmax(outputs, axis=0)
        probabilities[start:start + chunk] = output_distribution(outputs, network.output_activation).T
    return probabilities, predictions


@dataclass(frozen=True, eq=False)
class EvaluationReport:
    """Everything the evaluation, mistakes and robustness views need about one network.

    Row i of every per-image array belongs to test image i of the dataset."""
    labels: np.ndarray               # (n_test,) int64 true digits
    predictions: np.ndarray          # (n_test,) int64 argmax of A[L]
    probabilities: np.ndarray        # (n_test, 10) float32, see output_distribution
    confusion: np.ndarray            # (10, 10) int64, confusion[true, predicted]
    per_class_accuracy: np.ndarray   # (10,) float64, NaN for a digit absent from the test set
    test_accuracy: float
    test_loss: float
    mistakes: np.ndarray             # indices of wrong answers, most confident wrong answer first
    dataset_name: str = ""
    network_description: str = ""

    @property
    def n_test(self) -> int:
        return int(self.labels.shape[0])

    @property
    def confidence(self) -> np.ndarray:
        """(n_test,) probability of the predicted digit."""
        return self.probabilities[np.arange(self.n_test), self.predictions]

    def pair_indices(self, true_digit: int, predicted_digit: int) -> np.ndarray:
        """Indices of the test images of `true_digit` that were predicted as `predicted_digit`."""
        return np.flatnonzero((self.labels == true_digit) & (self.predictions == predicted_digit))

    def top_k(self, index: int, k: int = 3) -> list[tuple[int, float]]:
        """The k most probable digits of test image `index` as (digit, probability), best first."""
        row = self.probabilities[index]
        order = np.argsort(-row, kind="stable")[:k]
        return [(int(d), float(row[d])) for d in order]


def evaluation_report(network: Network, dataset) -> EvaluationReport:
    """Score `network` on `dataset`'s test split (one forward pass per 10,000 images)."""
    labels = np.asarray(dataset.y_test, dtype=np.int64)
    n_out = network.layer_sizes[-1]
    n = labels.shape[0]
    probabilities = np.empty((n, n_out), dtype=np.float32)
    predictions = np.empty(n, dtype=np.int64)
    total_loss = 0.0
    for start in range(0, n, PREDICT_CHUNK):
        stop = start + PREDICT_CHUNK
        cache = network.forward(dataset.x_test[start:stop].astype(network.dtype, copy=False).T)
        ys = labels[start:stop]
        total_loss += network.loss(cache, one_hot(ys, n_out, network.dtype)) * len(ys)
        outputs = cache.A[-1]
        predictions[start:stop] = np.argmax(outputs, axis=0)
        probabilities[start:stop] = output_distribution(outputs, network.output_activation).T
    confusion = confusion_matrix(labels, predictions, n_out)
    wrong = np.flatnonzero(predictions != labels)
    wrong_confidence = probabilities[wrong, predictions[wrong]]
    # Stable sort on the negated confidence: ties keep test-set order.
    mistakes = wrong[np.argsort(-wrong_confidence, kind="stable")]
    return EvaluationReport(
        labels=labels, predictions=predictions, probabilities=probabilities, confusion=confusion,
        per_class_accuracy=per_class_accuracy(confusion),
        test_accuracy=float(np.mean(predictions == labels)) if n else 0.0,
        test_loss=total_loss / max(n, 1), mistakes=mistakes,
        dataset_name=getattr(dataset, "name", ""), network_description=network.describe())
