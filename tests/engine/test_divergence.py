"""Divergence in the engine's trainer: whatever the settings that blow a run up, the weights kept are
exactly the last finite ones (the window's side of it: tests/gui/test_reliability_gui.py)."""
import numpy as np
import pytest

from engine.config import TrainConfig
from engine.network import Network
from engine.trainer import BatchEvent, DivergedEvent, Trainer


def parameters(network: Network) -> bytes:
    return network.flat_parameters.tobytes()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow being caught
@pytest.mark.parametrize("config", [
    TrainConfig(hidden=(20, 10), activation="tanh", output_activation="identity", loss="mse", optimizer="gd",
                lr=50.0, batch_size=16, epochs=2),
    TrainConfig(hidden=(32,), activation="leaky_relu", output_activation="identity", loss="mse",
                optimizer="momentum", lr=10.0, batch_size=8, epochs=2),
    TrainConfig(hidden=(20, 10), activation="tanh", output_activation="identity", loss="mse", optimizer="gd",
                lr=1e4, batch_size=16, epochs=2, dtype="float64"),
], ids=["gd-tanh", "momentum-leaky-relu", "gd-float64"])
def test_divergence_keeps_exactly_the_last_finite_weights(small, config):
    trainer = Trainer(config, small)
    last_finite = parameters(trainer.network)
    diverged = 0
    for event in trainer.run():
        if isinstance(event, BatchEvent):
            assert np.isfinite(event.loss)
            last_finite = parameters(trainer.network)
        elif isinstance(event, DivergedEvent):
            diverged += 1
            assert trainer.paused
            assert parameters(trainer.network) == last_finite, "the weights are those before the bad step"
            assert "diverged" in event.message
            trainer.stop()
    assert diverged == 1
    assert np.isfinite(trainer.network.flat_parameters).all()
