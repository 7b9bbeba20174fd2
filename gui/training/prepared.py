"""Display-ready data made on the training thread for the views on screen.

A view that draws every snapshot of a running network can have the costly part of its drawing
(e.g. colouring W[1] into the chunk atlas) done by the training worker when it takes the
snapshot, so that the GUI thread only uploads and paints the result. The view hands the
StudioState a request (`StudioState.request_display`): an immutable object with a `key` and a
`prepare(network)` that uses NumPy only and returns immutable arrays. At every snapshot the
session passes the requests of the views then on screen to the worker, which puts each result
into the next snapshot's `prepared[key]`; a view off screen gets nothing made for it.

A result is for one request and one network: a view uses it only if it still wants that request
(`answers`), and draws for itself otherwise (a timeline moment, a loaded model, the first
snapshot after the view changed what it shows).
"""
from __future__ import annotations

import traceback
from typing import Protocol


class DisplayRequest(Protocol):
    key: str
    """Where the result goes in Snapshot.prepared; one request per key at a time."""

    def prepare(self, network) -> object:
        """The display-ready result for `network` (runs on the training thread: NumPy only, no Qt)."""


def answers(result, request, network) -> bool:
    """True if `result` (from snapshot.prepared, or None) was made for `request` from `network`."""
    return (result is not None and request is not None and getattr(result, "request", None) is request
            and getattr(result, "network", None) is network)


def prepare_all(requests: tuple, network) -> tuple[dict, list]:
    """(results by key, the requests that failed): a failure is printed and that result left
    out, so that a bug in a view's preparation never stops a training run."""
    results, failed = {}, []
    for request in requests:
        try:
            results[request.key] = request.prepare(network)
        except Exception:  # noqa: BLE001 - the view then draws for itself
            traceback.print_exc()
            failed.append(request)
    return results, failed
