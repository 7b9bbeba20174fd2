"""Model files: one .npz holding a JSON header and the arrays W1..WL, b1..bL.

The header names the format and version, the layer sizes, activations, loss and dtype,
and free-form training metadata (settings, epochs, test accuracy). Everything is read
without pickle (engine.data.read_npz_arrays), and every field is checked before a Network
is built, so a truncated, foreign or inconsistent file fails with a message and changes nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .activations import HIDDEN, OUTPUT
from .atomic import atomic_write
from .data import read_npz_arrays
from .losses import LOSSES
from .network import Network

FORMAT = "backprop-studio-model"
VERSION = 1
MAX_LAYER_SIZE = 100_000


class ModelFileError(ValueError):
    """A model file that cannot be loaded; the message names the file and the problem."""


def save_model(path, network: Network, metadata=None):
    """Write `network` (and JSON-serialisable `metadata`) to `path` atomically."""
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
    atomic_write(path, lambda f: np.savez(f, **arrays))


def _is_int(value):
    return type(value) is int  # bool is an int subclass, but true is not a layer size


def load_model(path):
    """Return (network, metadata) or raise ModelFileError.

    Loading is all-or-nothing: the file is read and checked completely before the Network is
    built, so a failure leaves whatever the caller had loaded before untouched."""
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
    return network, metadata
