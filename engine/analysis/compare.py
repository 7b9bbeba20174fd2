"""Two runs side by side: settings, curves, per-digit accuracy, and first-layer chunks matched neuron to neuron.

Hidden units have no fixed order: permuting the rows of W[1] and b[1] together with the columns of
W[2] leaves the network's function unchanged (docs/math.md#comparing-networks), so two trainings that
learnt alike chunks hold them in unrelated rows. `match_neurons` pairs them up: the Pearson
correlation of every row of A's W[1] with every row of B's, across the input pixels, then the
one-to-one pairing with the largest total correlation (the Hungarian method, SciPy's
linear_sum_assignment).

`compare_runs(run_a, run_b, dataset)` gathers everything a compare view or report shows in one
Comparison; the functions it is made of are public too, for views that need one part at a time:
the curves on a shared axis (`curves_by_epoch`, `curves_by_time`), the stop of each timeline nearest an
epoch (`runs_at_epoch`, for scrubbing both runs in step) and both runs' answers for one drawing
(`predict_both`). Runs are engine.runs.Run records; nothing here changes them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import TrainConfig
from ..metrics import confusion_matrix, per_class_accuracy
from ..network import Network
from ..runs import ARCHITECTURE_KEYS, Run
from ..timeline import TimelineStop
from ..trainer import evaluate
from .evaluation import predict_probabilities

EPOCH_METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
CURVE_METRICS = (*EPOCH_METRICS, "batch_loss")
EPOCH_AXIS, TIME_AXIS = "epoch", "seconds"


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SettingRow:
    """One setting of both runs; a value is None where that run's file does not say (Run.config_known)."""
    key: str
    a: object
    b: object
    differs: bool     # both known and unequal


def _settings(config: TrainConfig, known: bool = True) -> dict:
    values = config.to_dict()
    return values if known else {key: (value if key in ARCHITECTURE_KEYS else None) for key, value in values.items()}


def settings_table(config_a: TrainConfig, config_b: TrainConfig, known_a: bool = True,
                   known_b: bool = True) -> tuple[SettingRow, ...]:
    """Every setting (TrainConfig's order) of both configs; `known_*` False: only the network's shape is known."""
    a, b = _settings(config_a, known_a), _settings(config_b, known_b)
    return tuple(SettingRow(key, a[key], b[key], a[key] is not None and b[key] is not None and a[key] != b[key])
                 for key in a)


def settings_differences(config_a: TrainConfig, config_b: TrainConfig) -> list[tuple[str, object, object]]:
    """[(key, value in a, value in b)] for the settings that differ, in TrainConfig's order (hidden as a list)."""
    return [(row.key, row.a, row.b) for row in settings_table(config_a, config_b) if row.differs]


# ----------------------------------------------------------------------------- neuron matching


def correlation_matrix(W_a: np.ndarray, W_b: np.ndarray) -> np.ndarray:
    """(n_a, n_b) float64: the Pearson correlation of row i of W_a with row j of W_b across the columns
    (docs/math.md#comparing-networks). A constant row (all zero, say) correlates 0 with everything."""
    W_a, W_b = _rows(W_a, "W_a"), _rows(W_b, "W_b")
    if W_a.shape[1] != W_b.shape[1]:
        raise ValueError(f"the networks have different inputs ({W_a.shape[1]} and {W_b.shape[1]}): "
                         f"their neurons cannot be matched")
    return _unit_rows(W_a) @ _unit_rows(W_b).T


def _rows(W, name) -> np.ndarray:
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or 0 in W.shape:
        raise ValueError(f"{name} must be a non-empty matrix of one row per neuron, got shape {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return W


def _unit_rows(W: np.ndarray) -> np.ndarray:
    """Rows centred and scaled to length 1; rows of no spread stay zero (so their correlations are 0)."""
    centred = W - W.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    scale = np.max(np.abs(W), axis=1, keepdims=True)
    # Spread below rounding error of the row's own size counts as none: such a row has no pattern.
    flat = norms <= 1e-12 * np.maximum(scale, 1e-300) * np.sqrt(W.shape[1])
    return np.where(flat, 0.0, centred / np.where(flat, 1.0, norms))


@dataclass(frozen=True, eq=False)
class NeuronMatch:
    """The pairing of A's neurons with B's. With different widths, min(n_a, n_b) pairs are made and
    the rest of the wider layer is listed as unmatched."""
    b_for_a: np.ndarray       # (n_a,) int64: the B neuron paired with each A neuron, -1 if none
    correlation: np.ndarray   # (n_a,) float64: each pair's correlation, NaN if none
    unmatched_a: np.ndarray   # A neurons without a partner (A wider than B), ascending
    unmatched_b: np.ndarray   # B neurons without a partner (B wider than A), ascending

    @property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(A indices, B indices) of the matched pairs, in A's order."""
        a = np.flatnonzero(self.b_for_a >= 0)
        return a, self.b_for_a[a]

    @property
    def matched_correlation(self) -> np.ndarray:
        return self.correlation[self.b_for_a >= 0]

    @property
    def mean(self) -> float:
        return float(np.mean(self.matched_correlation))

    @property
    def median(self) -> float:
        return float(np.median(self.matched_correlation))

    def slots(self) -> tuple[np.ndarray, np.ndarray]:
        """(A index, B index) per display slot, -1 for an empty one: the matched pairs in A's order,
        then A's unmatched neurons, then B's. Both arrays have max(n_a, n_b) entries."""
        pairs_a, pairs_b = self.pairs
        empty_a, empty_b = np.full(len(self.unmatched_b), -1), np.full(len(self.unmatched_a), -1)
        return (np.concatenate([pairs_a, self.unmatched_a, empty_a]).astype(np.int64),
                np.concatenate([pairs_b, empty_b, self.unmatched_b]).astype(np.int64))


def match_neurons(W_a: np.ndarray, W_b: np.ndarray) -> NeuronMatch:
    """Pair the rows (neurons) of W_a (n_a, n_in) with those of W_b (n_b, n_in) one to one, maximising
    the total Pearson correlation (correlation_matrix; the sign counts: a negated chunk is another
    feature). Exact for a permutation: W_b = W_a[p] gives b_for_a = argsort(p) with correlation 1."""
    # Imported here: scipy.optimize takes about a third of a second to load, which every start of the
    # app and every command would pay otherwise.
    from scipy.optimize import linear_sum_assignment

    r = correlation_matrix(W_a, W_b)
    rows, cols = linear_sum_assignment(-r)
    n_a, n_b = r.shape
    b_for_a = np.full(n_a, -1, dtype=np.int64)
    b_for_a[rows] = cols
    correlation = np.full(n_a, np.nan)
    correlation[rows] = r[rows, cols]
    return NeuronMatch(b_for_a, correlation, np.setdiff1d(np.arange(n_a), rows),
                       np.setdiff1d(np.arange(n_b), cols))


def match_networks(network_a: Network, network_b: Network) -> NeuronMatch:
    """match_neurons on the first layers, W[1] of each network."""
    return match_neurons(network_a.weights[0], network_b.weights[0])


# ----------------------------------------------------------------------------- accuracy per digit


@dataclass(frozen=True, eq=False)
class PerClassDifference:
    """Both networks scored on one test set; per-class arrays are NaN for a digit absent from it."""
    a: np.ndarray             # (n_classes,) accuracy of A on each true digit
    b: np.ndarray
    test_accuracy_a: float
    test_accuracy_b: float
    test_loss_a: float
    test_loss_b: float
    dataset_name: str = ""

    @property
    def difference(self) -> np.ndarray:
        """b - a: positive where B does better."""
        return self.b - self.a


def _check_fits(network: Network, dataset, label: str) -> None:
    if network.layer_sizes[0] != dataset.n_inputs or network.layer_sizes[-1] != dataset.n_classes:
        raise ValueError(f"{label}: network {network.describe()} does not fit {dataset.name} "
                         f"({dataset.n_inputs} inputs, {dataset.n_classes} classes)")


def _score(network: Network, dataset):
    loss, accuracy, predictions = evaluate(network, dataset.x_test.astype(network.dtype, copy=False), dataset.y_test)
    per_class = per_class_accuracy(confusion_matrix(dataset.y_test, predictions, dataset.n_classes))
    return per_class.astype(np.float64), float(accuracy), float(loss)


def per_class_accuracy_difference(network_a: Network, network_b: Network, dataset) -> PerClassDifference:
    """Accuracy of each network on each digit of `dataset`'s test split (engine.dataset.Dataset), and
    the difference b - a. ValueError if a network does not fit the dataset."""
    _check_fits(network_a, dataset, "A")
    _check_fits(network_b, dataset, "B")
    per_a, accuracy_a, loss_a = _score(network_a, dataset)
    per_b, accuracy_b, loss_b = _score(network_b, dataset)
    return PerClassDifference(per_a, per_b, accuracy_a, accuracy_b, loss_a, loss_b, getattr(dataset, "name", ""))


# ----------------------------------------------------------------------------- curves and timelines


@dataclass(frozen=True, eq=False)
class CurvePair:
    """One metric of both runs on one x axis: EPOCH_AXIS (fractional epochs) or TIME_AXIS (wall-clock
    seconds since each run's start). Points in each run's order; arrays may be empty."""
    metric: str
    axis: str
    x_a: np.ndarray
    y_a: np.ndarray
    x_b: np.ndarray
    y_b: np.ndarray

    @property
    def x_range(self) -> tuple[float, float]:
        """(low, high) over both runs' finite x values; (0, 1) when there are none."""
        return _span(self.x_a, self.x_b)

    @property
    def y_range(self) -> tuple[float, float]:
        return _span(self.y_a, self.y_b)


def _span(*arrays) -> tuple[float, float]:
    values = np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays])
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)


def _batch_seconds(run: Run) -> np.ndarray:
    """Wall-clock seconds of each kept batch, interpolated from the epochs' times (batch times are
    not recorded); beyond the last epoch at its pace, and with no epoch at all, spread evenly over
    the training time."""
    h = run.history
    x = h.batch_x
    if h.n_epochs:
        knots_x = np.concatenate([[h.epoch[0] - 1], h.epoch])
        knots_t = np.concatenate([[h.elapsed[0] - h.seconds[0]], h.elapsed])
        t = np.interp(x, knots_x, knots_t)
        beyond = x > knots_x[-1]
        t[beyond] = knots_t[-1] + (x[beyond] - knots_x[-1]) * h.seconds[-1]
        return t
    if len(x) and x[-1] > 0 and run.training_seconds > 0:
        return x / x[-1] * run.training_seconds
    return np.empty(0)


def run_curve(run: Run, metric: str, axis: str = EPOCH_AXIS) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of one run's `metric` (CURVE_METRICS) on `axis` (EPOCH_AXIS or TIME_AXIS)."""
    if metric not in CURVE_METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(CURVE_METRICS)}")
    if axis not in (EPOCH_AXIS, TIME_AXIS):
        raise ValueError(f"unknown axis {axis!r}; choose {EPOCH_AXIS!r} or {TIME_AXIS!r}")
    h = run.history
    if metric == "batch_loss":
        if axis == EPOCH_AXIS:
            return h.batch_x, h.batch_loss
        t = _batch_seconds(run)
        return t, h.batch_loss[: len(t)]
    return (h.epoch if axis == EPOCH_AXIS else h.elapsed), getattr(h, metric)


def curves_by_epoch(run_a: Run, run_b: Run, metric: str) -> CurvePair:
    """Both runs' `metric` against epochs."""
    return CurvePair(metric, EPOCH_AXIS, *run_curve(run_a, metric, EPOCH_AXIS), *run_curve(run_b, metric, EPOCH_AXIS))


def curves_by_time(run_a: Run, run_b: Run, metric: str) -> CurvePair:
    """Both runs' `metric` against wall-clock seconds since each run's start."""
    return CurvePair(metric, TIME_AXIS, *run_curve(run_a, metric, TIME_AXIS), *run_curve(run_b, metric, TIME_AXIS))


def epoch_span(run_a: Run, run_b: Run) -> tuple[float, float]:
    """(0, the furthest either run got in fractional epochs): the range of a shared timeline slider."""
    ends = [0.0]
    for run in (run_a, run_b):
        ends.append(float(run.epochs))
        ends += [stop.epoch_progress for stop in run.timeline[-1:]]
        ends += [float(x) for x in run.history.batch_x[-1:]]
    return 0.0, max(ends)


def runs_at_epoch(run: Run, epoch: float) -> TimelineStop | None:
    """The stop of `run`'s timeline nearest `epoch` (fractional epochs; the earlier of two equally near),
    or None for a run without a timeline. Called with one epoch for both runs, it keeps them in step."""
    if not run.timeline:
        return None
    positions = np.array([stop.epoch_progress for stop in run.timeline])
    return run.timeline[int(np.argmin(np.abs(positions - float(epoch))))]


def network_at_epoch(run: Run, epoch: float | None) -> Network:
    """The network of `run` at the stop nearest `epoch` (runs_at_epoch); its final network when
    `epoch` is None or the run has no timeline. A stop's network is new at every call."""
    stop = None if epoch is None else runs_at_epoch(run, epoch)
    return run.network if stop is None else stop.network()


def predict_both(run_a: Run, run_b: Run, x_rows: np.ndarray, epoch: float | None = None):
    """((probabilities, predictions) of A, the same of B) for pixel rows x (n, n_inputs) in [0, 1],
    each run at `epoch` (network_at_epoch). Probabilities as engine.analysis.predict_probabilities."""
    x_rows = np.atleast_2d(np.asarray(x_rows, dtype=np.float32))
    return (predict_probabilities(network_at_epoch(run_a, epoch), x_rows),
            predict_probabilities(network_at_epoch(run_b, epoch), x_rows))


# ----------------------------------------------------------------------------- everything at once


@dataclass(frozen=True, eq=False)
class Comparison:
    """What compare_runs found; see the functions above for each part."""
    run_a: Run
    run_b: Run
    settings: tuple          # SettingRow per setting
    match: NeuronMatch       # first-layer neurons
    per_class: PerClassDifference | None   # None when no dataset was given
    by_epoch: dict           # metric -> CurvePair, for CURVE_METRICS
    by_time: dict

    @property
    def differences(self) -> list[tuple[str, object, object]]:
        return [(row.key, row.a, row.b) for row in self.settings if row.differs]

    def chunk_slots(self) -> tuple[np.ndarray, np.ndarray]:
        """(tiles of A, tiles of B) float64 (max(n_a, n_b), side, side): W[1] rows as images, B's beside
        their A partners (NeuronMatch.slots), NaN in empty slots. ValueError if the inputs are not a
        square image."""
        side = int(round(np.sqrt(self.run_a.layer_sizes[0])))
        if side * side != self.run_a.layer_sizes[0]:
            raise ValueError(f"{self.run_a.layer_sizes[0]} inputs are not a square image")
        slots_a, slots_b = self.match.slots()
        return (_tiles(self.run_a.network.weights[0], slots_a, side),
                _tiles(self.run_b.network.weights[0], slots_b, side))


def _tiles(W: np.ndarray, slots: np.ndarray, side: int) -> np.ndarray:
    tiles = np.full((len(slots), side, side), np.nan)
    used = slots >= 0
    tiles[used] = np.asarray(W, dtype=np.float64)[slots[used]].reshape(-1, side, side)
    return tiles


def compare_runs(run_a: Run, run_b: Run, dataset=None) -> Comparison:
    """Everything a compare view shows of two runs: settings side by side, the curves on shared axes,
    first-layer neurons matched and, on `dataset`'s test split, accuracy per digit. ValueError if the
    networks take different inputs or do not fit the dataset."""
    match = match_networks(run_a.network, run_b.network)
    per_class = None if dataset is None else per_class_accuracy_difference(run_a.network, run_b.network, dataset)
    return Comparison(
        run_a, run_b, settings_table(run_a.config, run_b.config, run_a.config_known, run_b.config_known),
        match, per_class, {metric: curves_by_epoch(run_a, run_b, metric) for metric in CURVE_METRICS},
        {metric: curves_by_time(run_a, run_b, metric) for metric in CURVE_METRICS})
