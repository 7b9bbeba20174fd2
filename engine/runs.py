"""Training runs kept side by side: the `Run` record, its file, and the session's `RunsList`.

A Run is one training as it ended: its name, settings (TrainConfig), history (per-epoch metrics,
the cumulative wall-clock time and a thinned mini-batch loss curve), timeline stops, final network,
dataset name, creation time and step and epoch counts. Build one from the last Snapshot of a
training (`Run.from_snapshot`) or from a file (`load_run`, also `Run.from_model_file`).

Run files
---------
A run file is a model file (engine.modelio) with more in it, so every model loader opens a run
file (as its final network) and the run loader opens a plain model file:

* the header's metadata holds the keys `main.py train --save` has always written ("config",
  "epochs", "steps", "dataset", "test_accuracy", "test_loss", "training_seconds") and
  "run": {"name", "created"} (created: ISO 8601 local time with its UTC offset; an empty name, as
  `train --save` writes, means the run is called after its file);
* "W1".."WL", "b1".."bL": the final network; "timeline/...": the stops, as engine.modelio saves them;
* "history/epoch", "history/train_loss", "history/test_loss", "history/train_accuracy",
  "history/test_accuracy", "history/seconds" (of each epoch) and "history/elapsed" (seconds since
  the start, at each epoch's end): float64 (n_epochs,); "history/batch_x" (fractional epochs) and
  "history/batch_loss": float64 (n_points,), n_points at most MAX_RUN_BATCH_POINTS.

Files are written atomically and read without pickle, every array checked first. The .npy headers
name their byte order and nothing in a file depends on the machine or folder it was written in,
so a run saved on one machine opens on another. A plain model file becomes a run with what it
knows: its settings and final metrics from the metadata (settings it lacks are unknown, see
`Run.config_known`), no curves, named after the file.

Memory
------
A RunsList keeps at most `max_bytes` (RUNS_MAX_BYTES, 256 MB, by default) of runs, counted by
`Run.nbytes()`: the final weights and biases, the timeline's float16 stops and the history arrays.
Timelines dominate: up to 48 MB each (engine.timeline), against 1.6 MB for the weights of the
784-400-200-10 network and a few kB for the curves (the batch curve is thinned to
MAX_RUN_BATCH_POINTS points when a run is recorded). When an added run takes the total over the
budget, room is made oldest run first: first the timelines of the older runs are dropped (their
curves, settings and final network stay, so they can still be compared, no longer scrubbed);
if that is not enough, older runs are removed, those saved to a file first (they can be opened
again); last, the new run's own timeline goes. `RunsList.last_trim` says what was dropped. Stops
shared with a live training timeline are counted in full, so the real cost is never higher.
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from assets import DEFAULT_MODEL

from .config import TrainConfig
from .history import EPOCH_FIELDS
from .modelio import HISTORY_PREFIX, ModelFileError, read_model_file, save_model
from .network import Network
from .timeline import stops_fit

MAX_RUN_BATCH_POINTS = 2_000
RUNS_MAX_BYTES = 256 * 2**20
MAX_NAME_LENGTH = 200
SHIPPED_RUN_NAME = "default"
HISTORY_EPOCH_FIELDS = (*EPOCH_FIELDS, "elapsed")
HISTORY_BATCH_FIELDS = ("batch_x", "batch_loss")
HISTORY_FIELDS = HISTORY_EPOCH_FIELDS + HISTORY_BATCH_FIELDS
AXIS_FIELDS = ("epoch", "seconds", "elapsed", "batch_x")
"""History arrays that are positions on an axis: finite and never negative in a valid file."""
ARCHITECTURE_KEYS = ("hidden", "activation", "output_activation", "loss", "dtype")
"""Settings a network's shape tells by itself, known even for a model file without settings."""


def now_iso() -> str:
    """The current local time as ISO 8601 with its UTC offset, to the second."""
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def thin_curve(x, y, max_points: int = MAX_RUN_BATCH_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most `max_points` evenly spaced points of the curve (x, y), the first and last kept."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) <= max_points:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(np.int64))
    return x[keep], y[keep]


def _read_only(values) -> np.ndarray:
    a = np.array(values, dtype=np.float64).reshape(-1)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class RunHistory:
    """The curves of a run, read-only float64 arrays: one entry per evaluated epoch in the first seven,
    one per kept mini-batch in batch_x (fractional epochs) and batch_loss. ValueError if the lengths
    disagree."""
    epoch: np.ndarray = ()
    train_loss: np.ndarray = ()
    test_loss: np.ndarray = ()
    train_accuracy: np.ndarray = ()
    test_accuracy: np.ndarray = ()
    seconds: np.ndarray = ()            # wall time of each epoch, its evaluation included
    elapsed: np.ndarray = ()            # cumulative wall-clock seconds at each epoch's end
    batch_x: np.ndarray = ()
    batch_loss: np.ndarray = ()

    def __post_init__(self):
        for name in HISTORY_FIELDS:
            object.__setattr__(self, name, _read_only(getattr(self, name)))
        n = len(self.epoch)
        uneven = [name for name in HISTORY_EPOCH_FIELDS if len(getattr(self, name)) != n]
        if uneven:
            raise ValueError(f"history has {n} epochs but {', '.join(uneven)} "
                             f"{'has' if len(uneven) == 1 else 'have'} another length")
        if len(self.batch_x) != len(self.batch_loss):
            raise ValueError(f"history has {len(self.batch_x)} batch positions but {len(self.batch_loss)} losses")

    @classmethod
    def from_epoch_arrays(cls, epochs, batch_x=(), batch_loss=(), elapsed=None) -> RunHistory:
        """From TrainingHistory.epoch_arrays() (or Snapshot.epochs; an empty mapping gives no epochs)
        and the batch curve, thinned to MAX_RUN_BATCH_POINTS. `elapsed` defaults to the running sum
        of the epochs' seconds."""
        epochs = dict(epochs or {})
        n = len(epochs.get("epoch", ()))
        values = {name: epochs.get(name, np.full(n, np.nan)) for name in EPOCH_FIELDS}
        values["elapsed"] = np.cumsum(np.asarray(values["seconds"], dtype=np.float64)) if elapsed is None else elapsed
        values["batch_x"], values["batch_loss"] = thin_curve(batch_x, batch_loss)
        return cls(**values)

    @property
    def n_epochs(self) -> int:
        return len(self.epoch)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in HISTORY_FIELDS)

    def epoch_arrays(self) -> dict:
        """{name: array} of the per-epoch fields, as TrainingHistory.epoch_arrays() gives them (plus "elapsed")."""
        return {name: getattr(self, name) for name in HISTORY_EPOCH_FIELDS}

    def file_arrays(self) -> dict:
        """The "history/..." arrays of a run file."""
        return {HISTORY_PREFIX + name: getattr(self, name) for name in HISTORY_FIELDS}

    def same_as(self, other: RunHistory) -> bool:
        """Every array bit for bit the same (NaN equal to NaN)."""
        return all(np.array_equal(getattr(self, name), getattr(other, name), equal_nan=True)
                   for name in HISTORY_FIELDS)


def _architecture_matches(config: TrainConfig, network: Network) -> bool:
    return (tuple(config.hidden) == tuple(network.layer_sizes[1:-1]) and config.activation == network.hidden_activation
            and config.output_activation == network.output_activation and config.loss == network.loss_name
            and config.dtype == network.dtype.name)


def config_of_network(network: Network, config: TrainConfig | None = None) -> TrainConfig:
    """`config` (default settings if None) with the settings the network's shape tells (ARCHITECTURE_KEYS)."""
    return (config or TrainConfig()).with_changes(
        hidden=tuple(network.layer_sizes[1:-1]), activation=network.hidden_activation,
        output_activation=network.output_activation, loss=network.loss_name, dtype=network.dtype.name)


def _finite_or_none(value):
    return float(value) if value is not None and math.isfinite(value) else None


@dataclass(frozen=True, eq=False)
class Run:
    """One training as it ended (see the module docstring). Immutable: rename with `renamed`.
    The network is the run's own copy: read it, never train it."""
    name: str
    network: Network
    config: TrainConfig
    history: RunHistory = field(default_factory=RunHistory)
    timeline: tuple = ()                 # engine.timeline.TimelineStop, oldest first
    dataset_name: str = ""
    created: str = ""                    # ISO 8601 (now_iso)
    steps: int = 0                       # batches trained
    epochs: int = 0                      # completed epochs
    training_seconds: float = 0.0
    test_accuracy: float | None = None   # of the last evaluation (None if never evaluated)
    test_loss: float | None = None
    config_known: bool = True            # False: only ARCHITECTURE_KEYS of `config` are known

    @classmethod
    def from_snapshot(cls, snapshot, name: str = "") -> Run:
        """The run a (final) engine.snapshot.Snapshot shows; an empty name lets RunsList.add choose one."""
        network = snapshot.network.copy()
        config, known = snapshot.config, _architecture_matches(snapshot.config, network)
        epochs = snapshot.epochs or {}

        def last(key):
            values = epochs.get(key)
            return _finite_or_none(float(values[-1])) if values is not None and len(values) else None

        timeline = tuple(snapshot.timeline) if stops_fit(snapshot.timeline, network) else ()
        return cls(name=name, network=network, config=config if known else config_of_network(network, config),
                   history=RunHistory.from_epoch_arrays(epochs, snapshot.batch_x, snapshot.batch_loss),
                   timeline=timeline, dataset_name=snapshot.dataset_name, created=now_iso(),
                   steps=int(snapshot.step), epochs=int(snapshot.epoch), training_seconds=float(snapshot.elapsed_s),
                   test_accuracy=last("test_accuracy"), test_loss=last("test_loss"), config_known=known)

    @classmethod
    def from_model_file(cls, path) -> Run:
        """The run a run file or plain model file holds (load_run)."""
        return load_run(path)

    @property
    def layer_sizes(self) -> tuple:
        return tuple(self.network.layer_sizes)

    def nbytes(self) -> int:
        """Bytes of the arrays this run holds: weights, biases, timeline stops and history."""
        network = sum(a.nbytes for a in self.network.weights) + sum(a.nbytes for a in self.network.biases)
        return network + sum(stop.nbytes for stop in self.timeline) + self.history.nbytes

    def renamed(self, name: str) -> Run:
        return replace(self, name=name)

    def without_timeline(self) -> Run:
        return replace(self, timeline=())

    def metadata(self) -> dict:
        """The JSON metadata of its file (see the module docstring)."""
        metadata = {"epochs": int(self.epochs), "steps": int(self.steps), "dataset": str(self.dataset_name),
                    "test_accuracy": _finite_or_none(self.test_accuracy), "test_loss": _finite_or_none(self.test_loss),
                    "training_seconds": float(self.training_seconds),
                    "run": {"name": str(self.name), "created": str(self.created)}}
        if self.config_known:
            metadata = {"config": self.config.to_dict(), **metadata}
        return metadata


def save_run(path, run: Run) -> None:
    """Write `run` to `path` atomically (see the module docstring); OSError if it cannot be written."""
    save_model(path, run.network, run.metadata(), timeline=run.timeline, history=run.history.file_arrays())


def load_run(path) -> Run:
    """The run of a run file or of a plain model file. Raises ModelFileError ("PATH: problem") for a
    missing, corrupt, truncated or foreign file; everything is checked before the Run is built."""
    path = Path(path)

    def fail(problem):
        return ModelFileError(f"{path}: {problem}")

    network, metadata, timeline, arrays = read_model_file(path)
    info = metadata.get("run")
    strict = info is not None  # a run file must be whole; a model file gives what it has
    if strict and not isinstance(info, dict):
        raise fail("the run entry of the metadata is not a JSON object")
    info = info or {}
    history = _history(arrays, fail)
    config, known = _config(metadata.get("config"), network, strict, fail)

    def value(source, key, kinds, default, check=lambda v: True):
        found = source.get(key)
        if found is None:
            return default
        if isinstance(found, bool) or not isinstance(found, kinds) or not check(found):
            if strict:
                raise fail(f"{key} in the metadata is {found!r}, not a valid value")
            return default
        return found

    def number(key, default):
        found = value(metadata, key, (int, float), default, lambda v: math.isfinite(v) and v >= 0)
        return None if found is None else float(found)

    def last(values):
        return _finite_or_none(float(values[-1])) if len(values) else None

    name = value(info, "name", str, "").strip()[:MAX_NAME_LENGTH] or path.stem
    created = value(info, "created", str, "") or _modified(path)
    return Run(name=name, network=network, config=config, history=history, timeline=timeline,
               dataset_name=value(metadata, "dataset", str, ""), created=created,
               steps=value(metadata, "steps", int, 0, lambda v: v >= 0),
               epochs=value(metadata, "epochs", int, history.n_epochs, lambda v: v >= 0),
               training_seconds=number("training_seconds", float(history.elapsed[-1]) if history.n_epochs else 0.0),
               test_accuracy=number("test_accuracy", last(history.test_accuracy)),
               test_loss=number("test_loss", last(history.test_loss)), config_known=known)


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.0f} MB" if n_bytes >= 2**20 else f"{n_bytes / 2**10:.0f} kB"


def load_shipped_run() -> Run:
    """The model the app ships (assets/models/default.npz) as a run named SHIPPED_RUN_NAME, whatever
    name the file was saved under."""
    return load_run(DEFAULT_MODEL).renamed(SHIPPED_RUN_NAME)


def _modified(path: Path) -> str:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return ""
    return datetime.datetime.fromtimestamp(stamp).astimezone().isoformat(timespec="seconds")


def _config(settings, network, strict, fail) -> tuple[TrainConfig, bool]:
    """(config, known) from the metadata's settings; see Run.config_known."""
    if settings is None:
        return config_of_network(network), False
    try:
        config = TrainConfig.from_dict(settings)
        if strict:
            config.validate()
    except (TypeError, ValueError) as e:
        if strict:
            raise fail(f"invalid settings ({e})") from None
        return config_of_network(network), False
    if not _architecture_matches(config, network):
        if strict:
            sizes = "-".join(map(str, config.layer_sizes(network.layer_sizes[0], network.layer_sizes[-1])))
            raise fail(f"the settings describe a {sizes} {config.activation}/{config.output_activation} network, "
                       f"the file holds {network.describe()}")
        config = config_of_network(network, config)  # the weights are what was kept; trust their shape
    return config, True


def _history(arrays, fail) -> RunHistory:
    """The RunHistory of a file's "history/..." arrays, each checked; an empty one if there are none."""
    if not arrays:
        return RunHistory()
    expected = {HISTORY_PREFIX + name for name in HISTORY_FIELDS}
    if set(arrays) != expected:
        missing, extra = expected - set(arrays), set(arrays) - expected
        raise fail("history arrays are incomplete"
                   + (f"; missing {', '.join(sorted(missing))}" if missing else "")
                   + (f"; unexpected {', '.join(sorted(extra))}" if extra else ""))
    values = {}
    for name in HISTORY_FIELDS:
        a = arrays[HISTORY_PREFIX + name]
        if a.ndim != 1 or a.dtype.kind not in "fiu":
            raise fail(f"history/{name} has shape {a.shape} and dtype {a.dtype}, expected a list of numbers")
        if name in AXIS_FIELDS and not (np.all(np.isfinite(a)) and np.all(a >= 0)):
            raise fail(f"history/{name} holds negative, NaN or infinite values")
        values[name] = a
    if np.any(np.diff(values["epoch"]) < 0) or np.any(np.diff(values["elapsed"]) < 0):
        raise fail("history epochs are not in order")
    values["batch_x"], values["batch_loss"] = thin_curve(values["batch_x"], values["batch_loss"])
    try:
        return RunHistory(**values)
    except ValueError as e:
        raise fail(str(e)) from None


class RunsList:
    """The runs of a session, in the order they were added, each under a unique name.

    Qt-free: the window shows it and calls these methods. Names are unique and never empty;
    added runs without a name become "Run 1", "Run 2", ... Memory is bounded by `max_bytes`
    (see the module docstring). Every method either does what it says or raises and changes nothing."""

    def __init__(self, max_bytes: int = RUNS_MAX_BYTES) -> None:
        self.max_bytes = int(max_bytes)
        self._runs: list[Run] = []
        self._paths: dict[str, Path | None] = {}
        self._next_number = 1
        self.last_trim: tuple[str, ...] = ()
        """What the last add() dropped to stay within max_bytes, one sentence per run touched."""

    def __len__(self) -> int:
        return len(self._runs)

    def __iter__(self):
        return iter(tuple(self._runs))

    def __contains__(self, name) -> bool:
        return name in self._paths

    def names(self) -> list[str]:
        return [run.name for run in self._runs]

    def get(self, name: str) -> Run:
        """The run called `name`; KeyError if there is none."""
        for run in self._runs:
            if run.name == name:
                return run
        raise KeyError(f"no run named {name!r}")

    def path(self, name: str) -> Path | None:
        """The file the run was last saved to or opened from, None if it has never been in one."""
        self.get(name)
        return self._paths[name]

    def nbytes(self) -> int:
        """Bytes held by all runs (Run.nbytes); at most max_bytes, unless one run alone is larger."""
        return sum(run.nbytes() for run in self._runs)

    def next_name(self) -> str:
        """The name the next unnamed run gets: "Run N", N one more than the last given."""
        number = self._next_number
        while f"Run {number}" in self:
            number += 1
        return f"Run {number}"

    def add(self, run: Run, path=None) -> Run:
        """Keep `run` (last in order) and return it as kept: renamed if its name is empty or taken
        ("name (2)"), its own timeline dropped only if it alone exceeds the budget. Older runs may be
        trimmed to stay within max_bytes; last_trim says which. `path`: the file it came from."""
        name = run.name.strip()[:MAX_NAME_LENGTH]
        if not name:
            name = self.next_name()
            self._next_number = int(name.split()[-1]) + 1
        elif name in self:
            copy = 2
            while f"{name} ({copy})" in self:
                copy += 1
            name = f"{name} ({copy})"
        run = run if name == run.name else run.renamed(name)
        self._runs.append(run)
        self._paths[name] = Path(path) if path is not None else None
        self.last_trim = self._trim(run)
        return self.get(name)

    def open(self, path) -> Run:
        """Load a run file or model file and add it. ModelFileError ("PATH: problem") for a bad
        file, and then the list is unchanged."""
        run = load_run(path)
        return self.add(run, path=path)

    def save(self, name: str, path) -> Run:
        """Write the run called `name` to `path` atomically (save_run) and remember the file.
        KeyError for an unknown name; OSError if the file cannot be written (nothing changes)."""
        run = self.get(name)
        save_run(path, run)
        self._paths[name] = Path(path)
        return run

    def rename(self, name: str, new_name: str) -> Run:
        """Give the run called `name` the name `new_name` (surrounding spaces removed). ValueError for
        an empty, over-long or taken name, KeyError for an unknown run; nothing changes then."""
        run = self.get(name)
        new_name = str(new_name).strip()
        if not new_name:
            raise ValueError("a run's name cannot be empty")
        if len(new_name) > MAX_NAME_LENGTH:
            raise ValueError(f"a run's name is limited to {MAX_NAME_LENGTH} characters")
        if new_name != name and new_name in self:
            raise ValueError(f"there is already a run named {new_name!r}")
        renamed = run.renamed(new_name)
        self._runs[self._runs.index(run)] = renamed
        self._paths[new_name] = self._paths.pop(name)
        return renamed

    def delete(self, name: str) -> Run:
        """Remove the run called `name` and return it; KeyError if there is none."""
        run = self.get(name)
        self._runs.remove(run)
        del self._paths[name]
        return run

    def _trim(self, newest: Run) -> tuple[str, ...]:
        """Make room, oldest first, as the module docstring says; the sentences saying what went."""
        notes, budget = [], _size_text(self.max_bytes)

        def over():
            return self.nbytes() > self.max_bytes

        for i, run in enumerate(self._runs):
            if not over():
                break
            if run is not newest and run.timeline:
                self._runs[i] = run.without_timeline()
                notes.append(f"{run.name}: timeline dropped to keep the runs within {budget}")
        for saved in (True, False):
            for run in list(self._runs):
                if not over():
                    break
                path = self._paths[run.name]
                if run is not newest and (path is not None) == saved:
                    self.delete(run.name)
                    notes.append(f"{run.name}: removed to keep the runs within {budget}"
                                 + (f" (it is saved in {path})" if saved else ""))
        if over() and newest.timeline:
            self._runs[self._runs.index(newest)] = newest.without_timeline()
            notes.append(f"{newest.name}: timeline dropped, the run alone exceeds {budget}")
        return tuple(notes)
