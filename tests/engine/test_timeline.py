"""The training timeline: float16 stops that restore the weights of their moment, a memory cap that
thins evenly and keeps the whole run, and model files with a timeline (scrubbing in the window:
tests/gui/test_timeline_bar.py)."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
from file_faults import TIMELINE_DAMAGES, damaged_copy
from support import DEFAULT_MODEL

from engine.config import TrainConfig
from engine.modelio import ModelFileError, load_model, load_model_with_timeline, save_model
from engine.network import Network
from engine.timeline import FLOAT16_MAX, MAX_TIMELINE_BYTES, STOPS_PER_EPOCH, Timeline, make_stop
from engine.trainer import BatchEvent, EpochEvent, FinishedEvent, Trainer

SMALL = (2000, 500)  # the training and test images of the `small` fixture (conftest.py)
HALF_EPS = float(np.finfo(np.float16).eps)
HALF_TINY = 2.0 ** -25  # half the smallest float16 subnormal: the rounding error of tiny weights


def small_config(**changes):
    return TrainConfig(hidden=(32, 16), batch_size=100, epochs=3, lr=0.1, optimizer="momentum").with_changes(**changes)


def train_with_timeline(data, config, timeline):
    """Drive a real run the way the worker does; returns {step: float32 copies of (W, b)} of every
    moment a stop was recorded, and the epoch events."""
    trainer = Trainer(config, data)
    originals, evaluations, loss = {}, [], math.nan

    def note(stop):
        if stop is not None:
            originals[stop.step] = ([w.copy() for w in trainer.network.weights],
                                    [b.copy() for b in trainer.network.biases])

    note(timeline.observe(trainer, loss))
    for event in trainer.run():
        if isinstance(event, BatchEvent):
            loss = event.loss
            note(timeline.observe(trainer, loss))
        elif isinstance(event, EpochEvent):
            evaluations.append(event)
            note(timeline.observe(trainer, loss))
        elif isinstance(event, FinishedEvent):
            note(timeline.record_latest(trainer, loss))
    return trainer, originals, evaluations


def assert_within_half_precision(restored, original):
    assert restored.dtype == np.float32
    error = np.abs(restored.astype(np.float64) - original.astype(np.float64))
    assert np.all(error <= HALF_EPS * np.abs(original) + HALF_TINY)


# -- the engine ------------------------------------------------------------------------------------
def test_every_stop_restores_the_weights_of_its_moment(small):
    timeline = Timeline()
    trainer, originals, _ = train_with_timeline(small, small_config(), timeline)
    stops = timeline.stops
    assert [stop.step for stop in stops] == sorted(originals)
    assert stops[0].step == 0 and stops[-1].step == trainer.step
    for stop in stops:
        network = stop.network()
        assert network.dtype == np.float32
        weights, biases = originals[stop.step]
        for restored, stored, original in zip(network.weights + network.biases, stop.weights + stop.biases,
                                              weights + biases):
            assert stored.dtype == np.float16
            assert np.array_equal(restored, stored.astype(np.float32))  # exactly the stored values
            assert_within_half_precision(restored, original)
        assert network.weights[0] is not stop.network().weights[0]  # a fresh network every time


def test_stops_sit_at_every_evaluation_and_evenly_within_epochs(small):
    timeline = Timeline()
    trainer, _, evaluations = train_with_timeline(small, small_config(), timeline)
    evaluated = [stop for stop in timeline.stops if stop.evaluated]
    assert [stop.epoch for stop in evaluated] == [event.epoch for event in evaluations]
    assert [stop.test_accuracy for stop in evaluated] == [event.test_accuracy for event in evaluations]
    assert all(stop.batch == 0 and stop.epoch_progress == stop.epoch for stop in evaluated)
    per_epoch = [sum(1 for stop in timeline.stops if stop.epoch == e and stop.batch) for e in range(3)]
    assert per_epoch == [STOPS_PER_EPOCH - 1] * 3  # 20 batches per epoch: the 7 points within each
    assert all(math.isnan(stop.test_accuracy) for stop in timeline.stops if stop.epoch == 0)
    assert timeline.nbytes == sum(stop.nbytes for stop in timeline.stops)


def test_stops_are_immutable():
    stop = make_stop(Network((784, 8, 10), seed=1), 0, 0, 0, 1)
    for array in stop.weights + stop.biases:
        with pytest.raises(ValueError):
            array[0, 0] = 1.0
    with pytest.raises(AttributeError):
        stop.step = 5


def test_weights_beyond_float16_range_are_clipped_not_infinite():
    network = Network((784, 4, 10), seed=0)
    network.weights[0][0, :3] = (1e6, -1e6, 70000.0)
    stop = make_stop(network, 0, 0, 0, 1)
    assert np.isfinite(stop.weights[0]).all()
    assert tuple(stop.weights[0][0, :3]) == (FLOAT16_MAX, -FLOAT16_MAX, FLOAT16_MAX)


class FakeTrainer(SimpleNamespace):
    """What Timeline reads from a Trainer, moved along by hand (no training needed)."""

    def advance(self, timeline):
        self.step += 1
        self.batch_in_epoch += 1
        timeline.observe(self, 0.5)
        if self.batch_in_epoch == self.batches_per_epoch:
            self.epoch += 1
            self.batch_in_epoch = 0
            self.last_epoch_event = SimpleNamespace(epoch=self.epoch, train_accuracy=0.9, test_accuracy=0.8)
            timeline.observe(self, 0.5)


def test_the_memory_cap_holds_and_thinning_keeps_the_whole_run_evenly():
    network = Network((784, 16, 10), seed=0)
    stop_bytes = make_stop(network, 0, 0, 0, 1).nbytes
    timeline = Timeline(max_bytes=20 * stop_bytes)
    trainer = FakeTrainer(network=network, step=0, epoch=0, batch_in_epoch=0, batches_per_epoch=40,
                          last_epoch_event=None)
    timeline.observe(trainer)
    most = 0
    for _ in range(40 * 30):
        trainer.advance(timeline)
        assert timeline.nbytes <= timeline.max_bytes
        most = max(most, len(timeline))
    timeline.record_latest(trainer)
    stops = timeline.stops
    assert most == 20 and 10 <= len(stops) <= 20
    assert stops[0].step == 0 and stops[-1].step == trainer.step == 1200  # spans the whole run
    gaps = np.diff([stop.step for stop in stops])
    assert gaps.max() == gaps.min()  # evenly spaced (30 epochs thinned to every other epoch's end)
    assert timeline.stride > STOPS_PER_EPOCH and all(stop.evaluated for stop in stops[1:])


def test_thinning_keeps_the_first_and_the_last_stop():
    network = Network((784, 16, 10), seed=0)
    stop_bytes = make_stop(network, 0, 0, 0, 1).nbytes
    timeline = Timeline(max_bytes=5 * stop_bytes)
    trainer = FakeTrainer(network=network, step=0, epoch=0, batch_in_epoch=0, batches_per_epoch=7,
                          last_epoch_event=None)
    timeline.observe(trainer)
    for n in range(7 * 9 + 3):
        trainer.advance(timeline)
        if n % 5 == 0:
            latest = timeline.record_latest(trainer)  # off the grid, as when a run is stopped
            if latest is not None:
                assert timeline.stops[-1] is latest
        assert timeline.stops[0].step == 0
        assert timeline.nbytes <= 5 * stop_bytes


def test_a_network_too_large_for_two_stops_gets_no_timeline():
    network = Network((784, 16, 10), seed=0)
    timeline = Timeline(max_bytes=make_stop(network, 0, 0, 0, 1).nbytes + 10)
    trainer = FakeTrainer(network=network, step=0, epoch=0, batch_in_epoch=0, batches_per_epoch=4,
                          last_epoch_event=None)
    assert timeline.observe(trainer) is None
    assert timeline.too_large and timeline.stops == () and timeline.nbytes == 0


def test_the_default_network_fits_a_long_run_in_the_cap():
    shape_bytes = 2 * (784 * 400 + 400 + 400 * 200 + 200 + 200 * 10 + 10)
    assert MAX_TIMELINE_BYTES // shape_bytes >= 5 * (STOPS_PER_EPOCH + 1)  # the default preset, unthinned


# -- model files -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(small):
    timeline = Timeline()
    trainer, _, _ = train_with_timeline(small, small_config(epochs=2), timeline)
    return trainer.network, timeline.stops


def test_a_model_file_round_trips_its_timeline(tmp_path, trained):
    network, stops = trained
    path = tmp_path / "model.npz"
    save_model(path, network, {"note": "with timeline"}, timeline=stops)
    loaded, metadata, loaded_stops = load_model_with_timeline(path)
    assert metadata == {"note": "with timeline"}
    assert all(np.array_equal(a, b) for a, b in zip(loaded.weights, network.weights))
    assert len(loaded_stops) == len(stops)
    for original, restored in zip(stops, loaded_stops):
        for name in ("step", "epoch", "batch", "batches_per_epoch", "grid_index", "evaluated"):
            assert getattr(restored, name) == getattr(original, name)
        for name in ("loss", "train_accuracy", "test_accuracy"):
            assert np.array_equal(getattr(restored, name), getattr(original, name), equal_nan=True)
        assert restored.shape == original.shape
        for a, b in zip(restored.weights + restored.biases, original.weights + original.biases):
            assert a.dtype == np.float16 and a.shape == b.shape and np.array_equal(a, b)
            assert not a.flags.writeable
        assert all(np.array_equal(a, b) for a, b in zip(restored.network().weights, original.network().weights))
    assert load_model(path)[1] == metadata  # the old function reads it too


def test_a_file_without_a_timeline_loads_with_an_empty_one(tmp_path, trained):
    network, _ = trained
    path = tmp_path / "plain.npz"
    save_model(path, network)
    loaded, _, stops = load_model_with_timeline(path)
    assert stops == ()
    assert all(np.array_equal(a, b) for a, b in zip(loaded.weights, network.weights))


def test_the_shipped_model_still_loads():
    network, _, stops = load_model_with_timeline(DEFAULT_MODEL)
    assert network.layer_sizes[0] == 784 and stops == ()


def test_a_timeline_of_another_network_is_refused_and_nothing_is_written(tmp_path, trained):
    _, stops = trained
    path = tmp_path / "model.npz"
    with pytest.raises(ValueError, match="layer sizes"):
        save_model(path, Network((784, 5, 10)), timeline=stops)
    assert not path.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", sorted(TIMELINE_DAMAGES))
def test_a_damaged_timeline_is_refused_with_a_clear_message(tmp_path, trained, damage):
    network, stops = trained
    good = tmp_path / "good.npz"
    save_model(good, network, timeline=stops)
    change, problem = TIMELINE_DAMAGES[damage]
    bad = damaged_copy(good, tmp_path / "bad.npz", change)
    for load in (load_model, load_model_with_timeline):
        with pytest.raises(ModelFileError, match=problem) as info:
            load(bad)
        assert str(info.value).startswith(str(bad))


