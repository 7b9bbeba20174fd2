"""Immutable pictures of a training run, made between batches for whoever displays them.

A Snapshot holds numbers and copies of arrays only, so a reader on another thread can use
it while training goes on; nothing in it refers to the live network.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from .config import TrainConfig
from .gradient_flow import GradientFlow
from .network import Network


class RunState(str, Enum):
    """What a training run is doing. A str, so a state compares equal to its name and is
    written to files and JSON as that name."""

    IDLE = "idle"            # no run: a loaded model, or nothing
    RUNNING = "running"
    PAUSED = "paused"
    DIVERGED = "diverged"    # paused by the trainer: the loss stopped being finite
    STOPPED = "stopped"      # ended before its last epoch; the results stay
    FINISHED = "finished"    # every epoch trained

    __str__ = str.__str__

    @property
    def is_active(self) -> bool:
        """The run's thread is alive and its trainer takes commands."""
        return self in ACTIVE_STATES


ACTIVE_STATES = frozenset({RunState.RUNNING, RunState.PAUSED, RunState.DIVERGED})
STATES = tuple(RunState)


@dataclass(frozen=True)
class Snapshot:
    network: Network            # a private copy of the weights: read it, never train it
    config: TrainConfig
    state: RunState             # (or its name)
    step: int = 0               # batches trained so far
    epoch: int = 0              # completed epochs
    epoch_progress: float = 0.0  # fractional epochs (x axis of the curves)
    batch: int = 0              # batch within the current epoch
    batches_per_epoch: int = 1
    samples_per_s: float = 0.0
    elapsed_s: float = 0.0
    lr: float = 0.0
    batch_x: np.ndarray = field(default_factory=lambda: np.empty(0))      # epoch progress of each batch point
    batch_loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    epochs: dict = field(default_factory=dict)   # TrainingHistory.epoch_arrays()
    message: str = ""           # e.g. the divergence explanation
    dataset_name: str = ""
    gradient_flow: GradientFlow | None = None  # the last batch's, while the trainer tracks it
    timeline: tuple = ()        # the run's engine.timeline.TimelineStop so far, oldest first (shared, immutable)
    source: str = ""            # where a network that is not training came from, e.g. "default.npz, 2,820 steps"
    prepared: dict = field(default_factory=dict)  # display-ready data made from `network` on the training
    # thread for the views on screen that asked for it, by their names (e.g. the chunk view's picture of W[1])

    @property
    def latest_test_accuracy(self):
        acc = self.epochs.get("test_accuracy")
        return float(acc[-1]) if acc is not None and len(acc) else None


def take_snapshot(trainer, history, state, elapsed_s=0.0, samples_per_s=0.0, lr=None, message="", timeline=(),
                  prepare=None):
    """Copy what the panels need out of a live trainer (call it on the training thread).
    `prepare(network)`, if given, makes the snapshot's `prepared` data from the copied network."""
    batch_x, batch_loss = history.batch_arrays()
    network = trainer.network.copy()
    return Snapshot(
        network=network, config=trainer.config, state=state, step=trainer.step,
        epoch=trainer.epoch, epoch_progress=trainer.epoch + trainer.batch_in_epoch / trainer.batches_per_epoch,
        batch=trainer.batch_in_epoch, batches_per_epoch=trainer.batches_per_epoch,
        samples_per_s=samples_per_s, elapsed_s=elapsed_s,
        lr=trainer.current_lr() if lr is None else lr,
        batch_x=batch_x, batch_loss=batch_loss, epochs=history.epoch_arrays(), message=message,
        dataset_name=trainer.data.name, gradient_flow=_gradient_flow(trainer), timeline=timeline,
        prepared=prepare(network) if prepare is not None else {})


def _gradient_flow(trainer):
    # getattr: a stand-in for a trainer need not track gradient flow.
    stats = getattr(trainer, "gradient_flow", None)
    return stats() if stats is not None else None


def model_snapshot(network, config=None, dataset_name="", message="", source=""):
    """A snapshot of a network that is not training (a loaded or freshly built model); `source`
    says where it came from."""
    return Snapshot(network=network.copy(), config=config or TrainConfig(), state=RunState.IDLE,
                    dataset_name=dataset_name, message=message, source=source)
