"""Model files: one .npz holding a JSON header and the arrays W1..WL, b1..bL.

The header names the format and version, the layer sizes, activations, loss and dtype,
and free-form training metadata (settings, epochs, test accuracy). Everything is read
without pickle (engine.data.read_npz_arrays), and every field is checked before a Network
is built, so a truncated, foreign or inconsistent file fails with a message and changes nothing.

A file may also hold a training timeline (engine.timeline), saved on request: the stops' float16
weights stacked as "timeline/W1".."timeline/WL" (n_stops, n_l, n_{l-1}) and "timeline/b1".. (n_stops,
n_l), and one array per stop field ("timeline/step", "timeline/test_accuracy", ...). Files without
one are exactly as before; a damaged timeline makes the whole file fail to load.

A run file (engine.runs) is a model file with more: "history/..." arrays (the run's curves) and a
"run" entry in the metadata. The model loaders here skip those arrays, so any model reader opens a
run file as its final network; `read_model_file` hands them, unchecked, to the run loader.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .activations import HIDDEN, OUTPUT
from .atomic import atomic_write
from .data import read_npz_arrays
from .losses import LOSSES
from .network import Network
from .timeline import NetworkShape, TimelineStop, stops_fit

FORMAT = "backprop-studio-model"
VERSION = 1
MAX_LAYER_SIZE = 100_000
TIMELINE_PREFIX = "timeline/"
TIMELINE_INT_FIELDS = ("step", "epoch", "batch", "batches_per_epoch", "grid_index")
TIMELINE_FLOAT_FIELDS = ("loss", "train_accuracy", "test_accuracy")
TIMELINE_BOOL_FIELDS = ("evaluated",)
HISTORY_PREFIX = "history/"
"""Arrays a run file adds (engine.runs); model loaders skip them."""


class ModelFileError(ValueError):
    """A model file that cannot be loaded; the message names the file and the problem."""


class ModelContents(NamedTuple):
    """Everything a model file holds; `history` maps the "history/..." names to their arrays, unchecked."""
    network: Network
    metadata: dict
    timeline: tuple
    history: dict


def save_model(path, network: Network, metadata=None, timeline=None, history=None):
    """Write `network` (and JSON-serialisable `metadata`) to `path` atomically; `timeline`, a
    sequence of engine.timeline.TimelineStop of the same architecture, is saved with it, and so
    are the arrays of `history`, a {name: array} mapping whose names start with HISTORY_PREFIX."""
    if timeline and not stops_fit(timeline, network):
        raise ValueError("the timeline's stops do not have the network's layer sizes")
    history = dict(history or {})
    misnamed = sorted(name for name in history if not name.startswith(HISTORY_PREFIX))
    if misnamed:
        raise ValueError(f"history array names must start with {HISTORY_PREFIX!r}, got {', '.join(misnamed)}")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "layer_sizes": list(network.layer_sizes),
        "hidden_activation": network.hidden_activation,
        "output_activation": network.output_activation,
        "loss": network.loss_name,
        "dtype": network.dtype.name,
        "metadata": metadata or {},
    }
    arrays = {"header": np.array(json.dumps(header))}
    for l, (w, b) in enumerate(zip(network.weights, network.biases), start=1):
        arrays[f"W{l}"] = w
        arrays[f"b{l}"] = b
    if timeline:
        arrays.update(_timeline_arrays(timeline, network.n_layers))
    arrays.update(history)
    atomic_write(path, lambda f: np.savez(f, **arrays))


def _timeline_arrays(stops, n_layers):
    arrays = {}
    for l in range(n_layers):
        arrays[f"{TIMELINE_PREFIX}W{l + 1}"] = np.stack([stop.weights[l] for stop in stops])
        arrays[f"{TIMELINE_PREFIX}b{l + 1}"] = np.stack([stop.biases[l][:, 0] for stop in stops])
    for name in TIMELINE_INT_FIELDS:
        arrays[TIMELINE_PREFIX + name] = np.array([getattr(stop, name) for stop in stops], dtype=np.int64)
    for name in TIMELINE_FLOAT_FIELDS:
        arrays[TIMELINE_PREFIX + name] = np.array([getattr(stop, name) for stop in stops], dtype=np.float64)
    for name in TIMELINE_BOOL_FIELDS:
        arrays[TIMELINE_PREFIX + name] = np.array([getattr(stop, name) for stop in stops], dtype=bool)
    return arrays


def _is_int(value):
    return type(value) is int  # bool is an int subclass, but true is not a layer size


def load_model(path):
    """Return (network, metadata) or raise ModelFileError.

    Loading is all-or-nothing: the file is read and checked completely before the Network is
    built, so a failure leaves whatever the caller had loaded before untouched."""
    network, metadata, _ = load_model_with_timeline(path)
    return network, metadata


def load_model_with_timeline(path):
    """Return (network, metadata, timeline stops) or raise ModelFileError; the stops are a tuple of
    engine.timeline.TimelineStop, empty for a file saved without a timeline. All-or-nothing too."""
    network, metadata, timeline, _ = read_model_file(path)
    return network, metadata, timeline


def read_model_file(path) -> ModelContents:
    """The whole file as a ModelContents, or ModelFileError. The network, metadata and timeline are
    checked as load_model_with_timeline checks them; the history arrays are left to engine.runs."""
    path = Path(path)

    def fail(problem):
        return ModelFileError(f"{path}: {problem}")

    if not path.exists():
        raise fail("no such file")
    if not path.is_file():
        raise fail("not a regular file")
    contents = read_npz_arrays(path, fail)
    if "header" not in contents:
        raise fail("not a Backprop Studio model (no header)")
    header_array = contents.pop("header")
    if header_array.dtype.kind != "U" or header_array.ndim != 0:
        raise fail("header is not a text field")
    try:
        header = json.loads(str(header_array))
    except (ValueError, RecursionError) as e:  # RecursionError: absurdly deep nesting
        raise fail(f"header is not valid JSON ({type(e).__name__}: {e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise fail("not a Backprop Studio model (unknown format)")
    version = header.get("version")
    if not (_is_int(version) and version == VERSION):
        raise fail(f"model format version {version!r} is not supported (expected {VERSION})")
    sizes = header.get("layer_sizes")
    if (not isinstance(sizes, list) or len(sizes) < 2
            or not all(_is_int(n) and 1 <= n <= MAX_LAYER_SIZE for n in sizes)):
        raise fail(f"invalid layer sizes {sizes!r}")
    hidden, output, loss = header.get("hidden_activation"), header.get("output_activation"), header.get("loss")
    if not (isinstance(hidden, str) and hidden in HIDDEN and isinstance(output, str) and output in OUTPUT
            and isinstance(loss, str) and loss in LOSSES):
        raise fail(f"unknown activation or loss ({hidden!r}, {output!r}, {loss!r})")
    dtype = header.get("dtype")
    if not (isinstance(dtype, str) and dtype in ("float32", "float64")):
        raise fail(f"unsupported dtype {dtype!r}")
    dtype = np.dtype(dtype)
    metadata = header.get("metadata", {})
    if not isinstance(metadata, dict):
        raise fail("metadata is not a JSON object")
    n_layers = len(sizes) - 1
    timeline_contents = {key: contents.pop(key) for key in list(contents) if key.startswith(TIMELINE_PREFIX)}
    history = {key: contents.pop(key) for key in list(contents) if key.startswith(HISTORY_PREFIX)}
    expected_keys = {f"{p}{l}" for l in range(1, n_layers + 1) for p in "Wb"}
    if set(contents) != expected_keys:
        missing, extra = expected_keys - set(contents), set(contents) - expected_keys
        raise fail("arrays do not match the header"
                   + (f"; missing {', '.join(sorted(missing))}" if missing else "")
                   + (f"; unexpected {', '.join(sorted(extra))}" if extra else ""))
    weights, biases = [], []
    for l in range(1, n_layers + 1):
        w, b = contents[f"W{l}"], contents[f"b{l}"]
        if w.shape != (sizes[l], sizes[l - 1]):
            raise fail(f"W{l} has shape {w.shape}, the header implies {(sizes[l], sizes[l - 1])}")
        if b.shape not in ((sizes[l], 1), (sizes[l],)):
            raise fail(f"b{l} has shape {b.shape}, the header implies {(sizes[l], 1)}")
        for name, a in ((f"W{l}", w), (f"b{l}", b)):
            if a.dtype.kind != "f":
                raise fail(f"{name} has dtype {a.dtype}, expected floating point")
            # Checked in the header's dtype: float64 values beyond float32's range turn into inf.
            with np.errstate(over="ignore"):
                converted = a.astype(dtype, copy=False)
            if not np.all(np.isfinite(a)):
                raise fail(f"{name} contains NaN or infinite values")
            if not np.all(np.isfinite(converted)):
                raise fail(f"{name} holds values too large for {dtype.name}")
            if name[0] == "W":
                weights.append(converted)
            else:
                biases.append(converted)
    try:
        network = Network(sizes, hidden, output, loss, dtype=dtype, weights=weights, biases=biases)
    except ValueError as e:
        raise fail(str(e)) from None
    shape = NetworkShape(tuple(sizes), hidden, output, loss, dtype.name)
    timeline = _timeline_stops(timeline_contents, shape, fail) if timeline_contents else ()
    return ModelContents(network, metadata, timeline, history)


def _timeline_stops(contents, shape, fail):
    """The stops stored in `contents` ("timeline/..." arrays), every array checked first."""
    sizes, n_layers = shape.layer_sizes, len(shape.layer_sizes) - 1
    fields = TIMELINE_INT_FIELDS + TIMELINE_FLOAT_FIELDS + TIMELINE_BOOL_FIELDS
    expected = ({f"{TIMELINE_PREFIX}{p}{l}" for l in range(1, n_layers + 1) for p in "Wb"}
                | {TIMELINE_PREFIX + name for name in fields})
    if set(contents) != expected:
        missing, extra = expected - set(contents), set(contents) - expected
        raise fail("timeline arrays are incomplete"
                   + (f"; missing {', '.join(sorted(missing))}" if missing else "")
                   + (f"; unexpected {', '.join(sorted(extra))}" if extra else ""))
    n = len(contents[TIMELINE_PREFIX + "step"]) if contents[TIMELINE_PREFIX + "step"].ndim == 1 else -1
    if n < 1:
        raise fail("timeline/step is not a list of steps")
    columns = {}
    for name in fields:
        a = contents[TIMELINE_PREFIX + name]
        kind = "iu" if name in TIMELINE_INT_FIELDS else ("f" if name in TIMELINE_FLOAT_FIELDS else "b")
        if a.shape != (n,) or a.dtype.kind not in kind:
            raise fail(f"timeline/{name} has shape {a.shape} and dtype {a.dtype}, expected ({n},) "
                       f"of {'integers' if kind == 'iu' else 'floats' if kind == 'f' else 'booleans'}")
        columns[name] = a.tolist()
    if any(v < 0 for name in TIMELINE_INT_FIELDS for v in columns[name]):
        raise fail("timeline holds negative steps or epochs")
    if any(v < 1 for v in columns["batches_per_epoch"]):
        raise fail("timeline holds an epoch of no batches")
    if any(b2 < b1 for b1, b2 in zip(columns["step"], columns["step"][1:])):
        raise fail("timeline steps are not in order")
    layers = []
    for l in range(1, n_layers + 1):
        w, b = contents[f"{TIMELINE_PREFIX}W{l}"], contents[f"{TIMELINE_PREFIX}b{l}"]
        checked = []
        for name, a, shape_expected in ((f"W{l}", w, (n, sizes[l], sizes[l - 1])), (f"b{l}", b, (n, sizes[l]))):
            if a.shape != shape_expected or a.dtype.kind != "f" or a.dtype.itemsize != 2:
                raise fail(f"timeline/{name} has shape {a.shape} and dtype {a.dtype}, "
                           f"expected {shape_expected} of float16")
            if not np.all(np.isfinite(a)):
                raise fail(f"timeline/{name} contains NaN or infinite values")
            a = a.astype(np.float16, copy=False)  # native byte order, whichever machine wrote the file
            a.setflags(write=False)  # the stops share these arrays: nobody may change them
            checked.append(a)
        layers.append((checked[0], checked[1].reshape(n, sizes[l], 1)))
    return tuple(
        TimelineStop(shape, tuple(w[i] for w, _ in layers), tuple(b[i] for _, b in layers),
                     **{name: columns[name][i] for name in fields})
        for i in range(n))
