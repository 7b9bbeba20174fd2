"""Helpers for tests of any folder, without Qt."""
from pathlib import Path

from engine.config import TrainConfig
from engine.trainer import Trainer

ROOT = Path(__file__).resolve().parent.parent  # the repository
DEFAULT_MODEL = ROOT / "assets" / "models" / "default.npz"


def tracked_trainer(data, **changes):
    """A small trainer with gradient flow tracked."""
    config = TrainConfig(hidden=(32, 16), batch_size=64, epochs=2, lr=0.1).with_changes(**changes)
    trainer = Trainer(config, data)
    trainer.set_track_gradient_flow(True)
    return trainer


def recorded_run(data, config, name=""):
    """Train `config` on `data` the way the window's worker does (a history and a timeline beside the
    trainer) and return the engine.runs.Run of its final snapshot."""
    import math

    from engine.history import TrainingHistory
    from engine.runs import Run
    from engine.snapshot import RunState, take_snapshot
    from engine.timeline import Timeline
    from engine.trainer import BatchEvent, EpochEvent, FinishedEvent

    trainer, history, timeline, loss = Trainer(config, data), TrainingHistory(), Timeline(), math.nan
    timeline.observe(trainer, loss)
    for event in trainer.run():
        if isinstance(event, BatchEvent):
            loss = event.loss
            history.add_batch(event.epoch_progress, loss)
            timeline.observe(trainer, loss)
        elif isinstance(event, EpochEvent):
            history.add_epoch(event)
            timeline.observe(trainer, loss)
        elif isinstance(event, FinishedEvent):
            timeline.record_latest(trainer, loss)
    elapsed = float(sum(history.epoch_arrays()["seconds"]))
    snapshot = take_snapshot(trainer, history, RunState.FINISHED, elapsed_s=elapsed, timeline=timeline.stops)
    return Run.from_snapshot(snapshot, name)
