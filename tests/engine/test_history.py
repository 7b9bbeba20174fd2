"""Training history stays bounded; snapshots are independent of the live network."""
import numpy as np

from engine.config import PRESETS
from engine.data import load_mnist
from engine.history import TrainingHistory
from engine.snapshot import model_snapshot, take_snapshot
from engine.trainer import EpochEvent, Trainer, build_network


def test_batch_history_is_bounded_and_spans_the_whole_run():
    history = TrainingHistory(max_points=1000)
    n = 1000 * 469  # a 1000-epoch run at 469 batches per epoch
    for i in range(n):
        history.add_batch(i / 469, float(i))
    x, loss = history.batch_arrays()
    assert 500 <= len(x) <= 1000
    assert x[0] == 0 and x[-1] > 0.99 * (n - 1) / 469
    steps = np.diff(loss)
    assert np.all(steps == steps[0]), "kept points stay evenly spaced"


def test_history_keeps_every_point_below_the_cap():
    history = TrainingHistory(max_points=100)
    for i in range(60):
        history.add_batch(i, i * 2.0)
    x, loss = history.batch_arrays()
    np.testing.assert_array_equal(x, np.arange(60))
    np.testing.assert_array_equal(loss, np.arange(60) * 2.0)


def test_snapshot_is_a_copy_that_training_does_not_touch():
    data = load_mnist().subset(1000, 200)
    trainer = Trainer(PRESETS["seed-003"].with_changes(epochs=1, batch_size=100), data)
    history = TrainingHistory()
    for event in trainer.run():
        if isinstance(event, EpochEvent):
            history.add_epoch(event)
        elif hasattr(event, "loss"):
            history.add_batch(event.epoch_progress, event.loss)
        if trainer.step == 5:
            snapshot = take_snapshot(trainer, history, "running")
            frozen = snapshot.network.weights[0].copy()
    assert not np.array_equal(trainer.network.weights[0], frozen), "training went on"
    np.testing.assert_array_equal(snapshot.network.weights[0], frozen)
    assert snapshot.step == 5 and len(snapshot.batch_loss) == 5
    assert snapshot.epoch_progress == 0.5


def test_model_snapshot_of_an_idle_network():
    network = build_network(PRESETS["default"])
    snapshot = model_snapshot(network, dataset_name="MNIST")
    assert snapshot.state == "idle" and snapshot.latest_test_accuracy is None
    assert snapshot.network is not network
