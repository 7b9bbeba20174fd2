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
