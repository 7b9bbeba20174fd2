"""Failures injected into engine.atomic's file writes: a full disk, refused calls."""
from __future__ import annotations

import errno
import os
import types

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
