"""The training loop: presets learn, control works between batches, divergence is caught."""
import threading
import time

import numpy as np
import pytest

from engine.augment import affine_batch, augment_batch
from engine.config import PRESETS, TrainConfig
from engine.data import Dataset, load_mnist
from engine.optimizers import make_optimizer
from engine.schedules import lr_factor
from engine.trainer import BatchEvent, DivergedEvent, EpochEvent, FinishedEvent, Trainer

SMALL = (3000, 1000)  # the training and test images of the `small` fixture (conftest.py)


def _epochs(trainer):
    return [e for e in trainer.run() if isinstance(e, EpochEvent)]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_learns_on_a_small_slice(small, name):
    config = PRESETS[name]
    if config.full_batch:  # seed-002: one step per epoch over the whole slice
        config = config.with_changes(epochs=30)
    else:
        config = config.with_changes(epochs=2)
    trainer = Trainer(config, small)
    first = trainer.train_batch()
    epochs = _epochs(trainer)
    assert epochs[-1].train_loss < first.loss, "the loss falls"
    assert epochs[-1].test_accuracy > 0.3, "well above the 10% of chance"


def test_default_preset_learns_well_on_a_small_slice(small):
    trainer = Trainer(PRESETS["default"].with_changes(epochs=5), small)
    assert _epochs(trainer)[-1].test_accuracy > 0.87


def test_same_seed_gives_identical_training(small):
    config = PRESETS["seed-000"].with_changes(epochs=1, dropout=0.2, augment_shift=2, augment_rotate=10)
    a, b = Trainer(config, small), Trainer(config, small)
    _epochs(a), _epochs(b)
    for pa, pb in zip(a.network.parameters(), b.network.parameters()):
        assert pa.tobytes() == pb.tobytes()


def test_events_describe_progress(small):
    trainer = Trainer(PRESETS["seed-003"].with_changes(epochs=2, batch_size=500), small)
    events = list(trainer.run())
    batches = [e for e in events if isinstance(e, BatchEvent)]
    assert len(batches) == 12 and batches[0].batches_per_epoch == 6
    assert [e.epoch_progress for e in batches[:6]] == pytest.approx([1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1.0])
    assert [e.epoch for e in events if isinstance(e, EpochEvent)] == [1, 2]
    assert isinstance(events[-1], FinishedEvent) and not events[-1].stopped


def test_pause_step_resume_and_stop_from_another_thread(small):
    trainer = Trainer(PRESETS["seed-003"].with_changes(epochs=50, batch_size=100), small)
    trainer.pause()
    events = []
    runner = threading.Thread(target=lambda: events.extend(trainer.run()))
    runner.start()
    runner.join(0.3)
    assert trainer.step == 0, "paused before the first batch"
    trainer.request_step()
    trainer.request_step()
    runner.join(0.5)
    assert trainer.step == 2, "two single steps, then paused again"
    trainer.resume()
    deadline = time.perf_counter() + 5.0
    while trainer.step <= 2 and time.perf_counter() < deadline:
        time.sleep(0.001)  # stop soon after resuming, long before the 50 epochs end on a fast machine
    assert trainer.step > 2
    trainer.stop()
    runner.join(2)
    assert not runner.is_alive()
    assert isinstance(events[-1], FinishedEvent) and events[-1].stopped
    # A stopped run continues where it left off.
    step = trainer.step
    trainer.resume()
    assert next(trainer.run()).step == step + 1


def test_a_stop_requested_before_the_first_event_is_taken_ends_the_run(small):
    # The window starts the loop on another thread: a Stop clicked before that thread takes its
    # first event must not be lost.
    trainer = Trainer(PRESETS["seed-003"].with_changes(epochs=5, batch_size=100), small)
    events = trainer.run()
    trainer.stop()
    taken = list(events)
    assert len(taken) == 1 and isinstance(taken[0], FinishedEvent) and taken[0].stopped
    assert trainer.step == 0


def test_learning_rate_changes_mid_run(small):
    trainer = Trainer(PRESETS["seed-003"].with_changes(batch_size=100), small)
    run = trainer.run()
    assert next(run).lr == pytest.approx(0.1)
    trainer.update_settings(lr=0.02)
    assert next(run).lr == pytest.approx(0.02)
    with pytest.raises(ValueError, match="learning rate"):
        trainer.update_settings(lr=-1)
    assert trainer.config.lr == pytest.approx(0.02), "a refused change changes nothing"
    with pytest.raises(ValueError, match="cannot change"):
        trainer.update_settings(hidden=(5,))


def test_divergence_is_caught_and_the_last_finite_weights_kept(small):
    config = PRESETS["seed-000"].with_changes(lr=1000.0, epochs=3)
    trainer = Trainer(config, small)
    last_finite = None
    diverged = None
    for event in trainer.run():
        if isinstance(event, DivergedEvent):
            diverged = event
            break
        last_finite = [p.copy() for p in trainer.network.parameters()]
    assert diverged is not None, "lr 1000 must blow up"
    assert trainer.paused, "training pauses on divergence"
    assert "lower learning rate" in diverged.message
    for p, q in zip(trainer.network.parameters(), last_finite):
        assert np.all(np.isfinite(p))
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("bad", [dict(batch_size=0), dict(batch_size=10**6), dict(lr=0), dict(lr=1e9),
                                 dict(hidden=()), dict(hidden=(0,)), dict(epochs=0), dict(dropout=1.0),
                                 dict(activation="swish"), dict(loss="ce", output_activation="sigmoid")])
def test_impossible_settings_are_refused(small, bad):
    with pytest.raises(ValueError):
        Trainer(TrainConfig(**{"hidden": (5,), **bad}), small)


def test_full_batch_gradient_descent_uses_every_example(small):
    trainer = Trainer(PRESETS["seed-002"].with_changes(epochs=2), small)  # batch_size "full"
    assert trainer.batches_per_epoch == 1
    events = list(trainer.run())
    assert sum(isinstance(e, BatchEvent) for e in events) == 2
    assert trainer.step == 2


@pytest.mark.parametrize("name", ["gd", "momentum", "adam"])
def test_optimisers_minimise_a_quadratic(name):
    p = np.array([3.0, -2.0])
    opt = make_optimizer(name)
    for _ in range(500):
        opt.update([p], [2 * p], 0.05)
    assert np.abs(p).max() < 1e-2


def test_schedules():
    assert lr_factor("constant", 3.3, 10) == 1
    assert lr_factor("step", 2.5, 10, step_epochs=1, gamma=0.5) == 0.25
    assert lr_factor("cosine", 0, 10) == 1 and lr_factor("cosine", 5, 10) == pytest.approx(0.5)
    assert lr_factor("cosine", 10, 10) == pytest.approx(0)


def test_rotation_and_shift_move_pixels_correctly():
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 5, 14] = 1.0  # a dot above the centre
    shifted = affine_batch(image.reshape(1, 784), [0.0], [(2, -1)]).reshape(28, 28)
    assert shifted[7, 13] == pytest.approx(1.0) and shifted.sum() == pytest.approx(1.0)
    rotated = affine_batch(image.reshape(1, 784), [90.0], [(0, 0)]).reshape(28, 28)
    r, c = np.unravel_index(np.argmax(rotated), rotated.shape)
    # 90 degrees moves a point 8.5 px above the centre to 8.5 px beside it.
    assert abs(r - 13.5) <= 1 and abs(abs(c - 13.5) - 8.5) <= 1


def test_identity_transform_changes_nothing():
    images = load_mnist().train_rows(slice(0, 8))
    np.testing.assert_allclose(affine_batch(images, np.zeros(8), np.zeros((8, 2))), images, atol=1e-6)


def test_augmentation_is_per_image_and_bounded():
    rng = np.random.default_rng(0)
    images = load_mnist().train_rows(slice(0, 64))
    out = augment_batch(images, rng, shift=2, rotate=12, noise=0.1)
    assert out.shape == images.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    changes = np.abs(out - images).sum(axis=1)
    assert np.all(changes > 0)
    # Geometry alone keeps the amount of ink roughly the same (bilinear resampling).
    geometric = augment_batch(images, rng, shift=1, rotate=5)
    np.testing.assert_allclose(geometric.sum(axis=1), images.sum(axis=1), rtol=0.15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_on_pixel_codes_equals_training_on_values(dtype):
    """8-bit training images stay codes in memory and are scaled per batch; the run must be
    bit for bit the run on the float32 values the loaders used to store."""
    mnist = load_mnist().subset(1200, 300)
    assert mnist.x_train.dtype == np.uint8
    as_values = Dataset("values", np.ascontiguousarray(mnist.train_rows()), mnist.y_train,
                        mnist.x_test, mnist.y_test)
    config = TrainConfig(hidden=(32,), batch_size=50, epochs=1, augment_shift=1, dtype=dtype, seed=4)
    runs = []
    for data in (mnist, as_values):
        trainer = Trainer(config, data)
        events = list(trainer.run())
        runs.append((trainer.network.flat_parameters.copy(), events[-2]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1].test_accuracy == runs[1][1].test_accuracy
    assert runs[0][1].train_accuracy == runs[1][1].train_accuracy
