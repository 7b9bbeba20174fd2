"""Failures injected into engine.atomic's file writes (a full disk, refused calls), and damaged model files."""
from __future__ import annotations

import errno
import os
import types

import numpy as np

from engine import atomic


def patch_atomic_os(monkeypatch, **replacements) -> None:
    """Replace functions of the os module as engine.atomic sees it, and only there."""
    fake = types.SimpleNamespace(**{name: getattr(os, name) for name in dir(os) if not name.startswith("__")})
    for name, function in replacements.items():
        setattr(fake, name, function)
    monkeypatch.setattr(atomic, "os", fake)


class DiskFullAfter:
    """A file object that accepts `budget` bytes, then fails like a full disk."""

    def __init__(self, real, budget: int):
        self._real, self._budget = real, budget

    def write(self, data) -> int:
        data = bytes(data)
        if len(data) > self._budget:
            self._real.write(data[: self._budget])
            self._budget = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._budget -= len(data)
        return self._real.write(data)

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._real.__exit__(*exc)


def refuse(error_number: int):
    """A stand-in for an os function that always fails with `error_number`."""
    def refused(*args, **kwargs):
        raise OSError(error_number, os.strerror(error_number))
    return refused


def writes_are_blocked(folder) -> bool:
    """Whether the OS refuses writes into `folder`: False when running as root, which ignores folder permissions."""
    try:
        (folder / ".probe").write_bytes(b"")
    except PermissionError:
        return True
    (folder / ".probe").unlink()
    return False


def damaged_copy(source, target, change):
    """A copy of the model file `source` at `target`, its arrays changed by `change`."""
    with np.load(source, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    np.savez(target, **arrays)
    return target


def _set(name, value):
    return lambda arrays: arrays.__setitem__(name, value(arrays[name]))


# Damages to a model file's timeline: (change for damaged_copy, the message that refuses it).
TIMELINE_DAMAGES = {
    "missing": (lambda arrays: arrays.pop("timeline/b2"), "missing timeline/b2"),
    "unexpected": (lambda arrays: arrays.__setitem__("timeline/extra", np.zeros(3)), "unexpected timeline/extra"),
    "float32": (_set("timeline/W1", lambda a: a.astype(np.float32)), "timeline/W1 has shape .* dtype float32"),
    "shape": (_set("timeline/W2", lambda a: a[:, :, :-1]), "timeline/W2 has shape"),
    "count": (_set("timeline/b1", lambda a: a[:-1]), "timeline/b1 has shape"),
    "nan": (_set("timeline/W2", lambda a: np.where(np.arange(a.size).reshape(a.shape) == 7, np.nan, a)
                 .astype(np.float16)), "timeline/W2 contains NaN"),
    "negative": (_set("timeline/step", lambda a: a - 5), "negative"),
    "order": (_set("timeline/step", lambda a: a[::-1].copy()), "not in order"),
    "text": (_set("timeline/test_accuracy", lambda a: a.astype(str)), "timeline/test_accuracy"),
    "no epochs": (_set("timeline/batches_per_epoch", lambda a: a * 0), "no batches"),
    "empty": (lambda arrays: arrays.update({k: v[:0] for k, v in arrays.items() if k.startswith("timeline/")}),
              "not a list of steps"),
}
