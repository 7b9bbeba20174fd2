"""A bounded record of the weights as a run goes on, so any earlier moment can be looked at again.

A `Timeline` keeps *stops*: float16 copies of every W[l] and b[l] with the step, the position in
the run and the latest loss and accuracies at that moment. Stops are taken

- at the start of the run (the initial weights),
- at every evaluation (each epoch's end), with that evaluation's accuracies,
- at `STOPS_PER_EPOCH` - 1 evenly spaced points within each epoch (counted in batches),
- and at the end of the run (finished or stopped), whatever its position.

Memory is capped: the float16 arrays of all stops together never exceed `MAX_TIMELINE_BYTES`
(48 MB, about 60 stops of the `default` 784-400-200-10 network, 3,000 of a 784-10-10 one). Stops
sit on a grid of 1/STOPS_PER_EPOCH epoch; only every `stride`-th grid point is recorded. When the
next stop would not fit, every other stop is dropped (the first and the last always stay) and
the stride doubles, so the timeline always spans the whole run with evenly spaced stops, only
fewer of them as the run grows: first the points within epochs thin out, then every other
epoch's end, and so on. A network so large that two stops exceed the cap gets no timeline.

float16 keeps 11 significant bits: a restored weight w' differs from the float32 original w by
at most |w| * 2**-11 (plus 2**-25 for the tiny weights float16 holds as subnormals); weights
beyond float16's range (±65504) are clipped to it. A stop restores to a Network whose weights are
exactly the stored float16 values.

Stops are immutable (their arrays are read-only), so the tuple `Timeline.stops` can be handed
to another thread while training appends to the Timeline on its own.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import Network

MAX_TIMELINE_BYTES = 48 * 2**20
STOPS_PER_EPOCH = 8
"""Grid points per epoch: the epoch's end (an evaluation) and 7 points within it."""

FLOAT16_MAX = float(np.finfo(np.float16).max)


@dataclass(frozen=True)
class NetworkShape:
    """What a Network is besides its weights: enough to rebuild one from stored arrays."""
    layer_sizes: tuple
    hidden_activation: str
    output_activation: str
    loss: str
    dtype: str = "float32"

    @classmethod
    def of(cls, network: Network) -> "NetworkShape":
        return cls(tuple(network.layer_sizes), network.hidden_activation, network.output_activation,
                   network.loss_name, network.dtype.name)

    @property
    def n_parameters(self) -> int:
        sizes = self.layer_sizes
        return sum(n_out * n_in + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


@dataclass(frozen=True, eq=False)
class TimelineStop:
    """One moment of a run: float16 W[l] (n_l, n_{l-1}) and b[l] (n_l, 1), read-only."""
    shape: NetworkShape
    weights: tuple
    biases: tuple
    step: int                  # batches trained so far
    epoch: int                 # completed epochs
    batch: int                 # batches trained in the epoch in progress
    batches_per_epoch: int
    loss: float = math.nan     # the latest mini-batch loss (NaN before the first batch)
    train_accuracy: float = math.nan  # of the latest evaluation (NaN before the first)
    test_accuracy: float = math.nan
    evaluated: bool = False    # the accuracies were measured at this very moment (an epoch's end)
    grid_index: int = 0        # position on the 1/STOPS_PER_EPOCH-epoch grid (see Timeline)

    @property
    def epoch_progress(self) -> float:
        """Fractional epochs, the x axis of the loss and accuracy curves."""
        return self.epoch + self.batch / max(self.batches_per_epoch, 1)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.weights) + sum(a.nbytes for a in self.biases)

    def network(self, dtype=None) -> Network:
        """A new Network (of the run's dtype, float32 normally) holding exactly the stored values.
        A new one at every call: the caller may change it without changing the stop."""
        dtype = np.dtype(dtype or self.shape.dtype)
        s = self.shape
        return Network(s.layer_sizes, s.hidden_activation, s.output_activation, s.loss, dtype=dtype,
                       weights=[w.astype(dtype) for w in self.weights],
                       biases=[b.astype(dtype) for b in self.biases])


def half_precision_copy(array: np.ndarray) -> np.ndarray:
    """A read-only float16 copy, values beyond float16's range clipped to it (not made infinite)."""
    if array.size and max(float(array.max()), -float(array.min())) > FLOAT16_MAX:
        array = np.clip(array, -FLOAT16_MAX, FLOAT16_MAX)
    half = array.astype(np.float16)
    half.setflags(write=False)
    return half


def make_stop(network: Network, step: int, epoch: int, batch: int, batches_per_epoch: int, **values) -> TimelineStop:
    """A stop holding float16 copies of `network`'s weights (values: loss, accuracies, ...)."""
    return TimelineStop(NetworkShape.of(network), tuple(half_precision_copy(w) for w in network.weights),
                        tuple(half_precision_copy(b) for b in network.biases), int(step), int(epoch), int(batch),
                        int(batches_per_epoch), **values)


class Timeline:
    """The stops of one run, appended on the training thread (see the module docstring).

    `observe(trainer, loss)` after every batch and every evaluation records a stop when the
    trainer has reached the next grid point; `record_latest` records the final moment."""

    def __init__(self, max_bytes: int = MAX_TIMELINE_BYTES, stops_per_epoch: int = STOPS_PER_EPOCH) -> None:
        if stops_per_epoch < 1:
            raise ValueError(f"stops_per_epoch must be at least 1, got {stops_per_epoch}")
        self.max_bytes = int(max_bytes)
        self.stops_per_epoch = int(stops_per_epoch)
        self.stride = 1            # record one grid point in `stride`; doubles at each thinning
        self.too_large = False     # two stops of this network exceed the cap: nothing is recorded
        self._stops: list[TimelineStop] = []
        self._tuple: tuple = ()
        self._nbytes = 0
        self._last_grid_index = -1

    @property
    def stops(self) -> tuple:
        """The stops so far, oldest first: an immutable tuple, safe to hand to another thread."""
        return self._tuple

    @property
    def nbytes(self) -> int:
        """Bytes held by the stops' arrays (never more than `max_bytes`)."""
        return self._nbytes

    def __len__(self) -> int:
        return len(self._stops)

    def grid_index(self, epoch: int, batch: int, batches_per_epoch: int) -> int:
        """The grid point reached after `batch` batches of epoch `epoch` (0-based)."""
        return epoch * self.stops_per_epoch + (batch * self.stops_per_epoch) // max(batches_per_epoch, 1)

    def observe(self, trainer, loss: float = math.nan) -> TimelineStop | None:
        """Record a stop if `trainer` (between batches, or just after an evaluation) stands on
        a grid point not recorded yet. Returns the new stop, if any."""
        batches_per_epoch = trainer.batches_per_epoch
        batch = trainer.batch_in_epoch
        if batch >= batches_per_epoch:
            return None  # the epoch's end: recorded once it has been evaluated
        index = self.grid_index(trainer.epoch, batch, batches_per_epoch)
        if index <= self._last_grid_index or index % self.stride:
            return None
        return self._record(trainer, loss, index, force=False)

    def record_latest(self, trainer, loss: float = math.nan) -> TimelineStop | None:
        """Record where `trainer` stands now (the end of a run), unless the last stop is there already."""
        if self._stops and self._stops[-1].step == trainer.step:
            return None
        batch = min(trainer.batch_in_epoch, trainer.batches_per_epoch)
        index = self.grid_index(trainer.epoch, batch, trainer.batches_per_epoch)
        return self._record(trainer, loss, max(index, self._last_grid_index), force=True)

    # -- internals -------------------------------------------------------------------------
    def _record(self, trainer, loss: float, index: int, force: bool) -> TimelineStop | None:
        network = trainer.network
        stop_bytes = 2 * NetworkShape.of(network).n_parameters  # float16: 2 bytes a parameter
        if 2 * stop_bytes > self.max_bytes:
            self.too_large = True
            return None
        self._make_room(stop_bytes)
        if not force and index % self.stride:
            return None  # thinning coarsened the grid past this point
        evaluation = trainer.last_epoch_event
        values = {"loss": float(loss)}
        if evaluation is not None:
            values.update(train_accuracy=float(evaluation.train_accuracy),
                          test_accuracy=float(evaluation.test_accuracy),
                          evaluated=trainer.batch_in_epoch == 0 and evaluation.epoch == trainer.epoch)
        stop = make_stop(network, trainer.step, trainer.epoch, trainer.batch_in_epoch, trainer.batches_per_epoch,
                         grid_index=index, **values)
        self._stops.append(stop)
        self._nbytes += stop.nbytes
        self._last_grid_index = index
        self._tuple = tuple(self._stops)
        return stop

    def _make_room(self, stop_bytes: int) -> None:
        while self._stops and self._nbytes + stop_bytes > self.max_bytes:
            if len(self._stops) > 2:
                self._thin()
            else:
                self._drop_last()  # room for two only: the newest replaces the last

    def _thin(self) -> None:
        """Keep every other grid point recorded so far (and the first and last stop)."""
        self.stride *= 2
        last = len(self._stops) - 1
        kept = [stop for i, stop in enumerate(self._stops)
                if i == 0 or i == last or stop.grid_index % self.stride == 0]
        self._set(kept)

    def _drop_last(self) -> None:
        self._set(self._stops[:-1])

    def _set(self, stops: list) -> None:
        self._stops = stops
        self._nbytes = sum(stop.nbytes for stop in stops)
        self._tuple = tuple(stops)


def stops_fit(stops, network: Network) -> bool:
    """True if every stop has `network`'s layer sizes (so it can stand in for it)."""
    sizes = tuple(network.layer_sizes)
    return all(stop.shape.layer_sizes == sizes for stop in stops)
