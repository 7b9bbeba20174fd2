"""Gradient flow: per-layer gradient norms, update/weight ratios and dead ReLU units, computed
by the trainer only while someone watches (the panel that shows them: tests/gui/test_gradient_flow_panel.py)."""
import math

import numpy as np
import pytest
from support import tracked_trainer

from engine.config import TrainConfig
from engine.gradient_flow import (
    EXPLODING,
    OK,
    VANISHING,
    VANISHING_RATIO,
    GradientFlowRecorder,
    choose_probe,
    classify,
    update_ratios,
)
from engine.history import TrainingHistory
from engine.losses import one_hot
from engine.snapshot import model_snapshot, take_snapshot
from engine.trainer import BatchEvent, Trainer

WAIT_MS = 15_000


def frobenius(a):
    return float(np.sqrt(np.sum(np.asarray(a, dtype=np.float64) ** 2)))


# -- engine ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("l2", [0.0, 1e-3])
def test_gradient_norms_are_those_of_backward_on_the_same_batch(small, l2):
    trainer = tracked_trainer(small, dtype="float64", l2=l2)
    trainer.train_batch()  # the order of the epoch is drawn now
    before = trainer.network.copy()
    trainer.train_batch()
    idx = trainer.order[64:128]
    X = small.train_rows(idx).astype(np.float64).T
    Y = one_hot(small.y_train[idx], 10, np.float64)
    grads = before.backward(before.forward(X), Y, l2=l2)
    flow = trainer.gradient_flow()
    expected = [frobenius(dw) for dw in grads.dW[1:]]
    np.testing.assert_allclose(flow.grad_norms, expected, rtol=1e-10)
    assert flow.step == trainer.step == 2


@pytest.mark.parametrize("optimizer, lr", [("gd", 0.1), ("momentum", 0.05), ("adam", 0.002)])
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-9), ("float32", 2e-3)])
def test_update_ratio_is_the_weight_change_over_the_weights(small, optimizer, lr, dtype, rtol):
    trainer = tracked_trainer(small, optimizer=optimizer, lr=lr, dtype=dtype)
    for _ in range(3):  # momentum and Adam have state by now: the step is not just alpha dW
        trainer.train_batch()
    before = [w.astype(np.float64) for w in trainer.network.weights]
    trainer.train_batch()
    after = [w.astype(np.float64) for w in trainer.network.weights]
    flow = trainer.gradient_flow()
    expected_steps = [frobenius(a - b) for a, b in zip(after, before)]
    expected = [s / frobenius(b) for s, b in zip(expected_steps, before)]
    np.testing.assert_allclose(flow.weight_norms, [frobenius(b) for b in before], rtol=1e-6)
    np.testing.assert_allclose(flow.update_norms, expected_steps, rtol=rtol)
    np.testing.assert_allclose(flow.update_ratios, expected, rtol=rtol)
    assert flow.statuses == (OK,) * 3


def test_dead_fraction_is_a_count_of_units_never_active_on_the_probe(small):
    trainer = tracked_trainer(small)
    b1 = trainer.network.biases[0]
    b1[:8] = -1e3  # eight first-layer units that can never fire again
    trainer.train_batch()
    flow = trainer.gradient_flow()

    probe = small.train_rows(choose_probe(small.n_train, trainer.config.seed)).T
    assert probe.shape == (784, 512)
    cache = trainer.network.forward(probe)
    for l in (1, 2):
        dead = int(np.sum(np.all(cache.A[l] == 0, axis=1)))
        assert flow.dead_fractions[l - 1] == dead / trainer.network.layer_sizes[l]
    assert flow.dead_fractions[0] >= 8 / 32
    assert math.isnan(flow.dead_fractions[2]), "the output layer is not counted"
    assert flow.dead_step == 1 and flow.probe_size == 512


def test_dead_units_are_counted_for_relu_family_only(small):
    for activation, counted in (("leaky_relu", True), ("sigmoid", False), ("tanh", False)):
        trainer = tracked_trainer(small, activation=activation)
        trainer.train_batch()
        fractions = trainer.gradient_flow().dead_fractions
        assert np.isfinite(fractions[:2]).all() == counted
        assert math.isnan(fractions[2])


def test_classification_thresholds():
    assert classify(0.5, 1e-3) == OK
    assert classify(0.5, 2e-5) == OK
    assert classify(0.5, 5e-2) == OK
    assert classify(0.5, 1e-6) == VANISHING
    assert classify(0.0, 0.0) == VANISHING
    assert classify(1e-10, 1e-3) == VANISHING, "Adam moves weights even when the gradient is gone"
    assert classify(0.5, 0.5) == EXPLODING
    assert classify(math.inf, 1e-3) == EXPLODING
    assert classify(math.nan, math.nan) == EXPLODING
    np.testing.assert_array_equal(update_ratios([1.0, 0.0, 2.0, math.inf], [2.0, 0.0, 0.0, 1.0]),
                                  [0.5, 0.0, math.inf, math.inf])


def test_a_huge_learning_rate_explodes_and_a_tiny_one_vanishes(small):
    trainer = tracked_trainer(small, lr=50.0)
    trainer.train_batch()
    flow = trainer.gradient_flow()
    assert EXPLODING in flow.statuses
    assert max(flow.update_ratios) > 0.1

    trainer = tracked_trainer(small, lr=1e-7)
    trainer.train_batch()
    flow = trainer.gradient_flow()
    assert flow.statuses == (VANISHING,) * 3
    assert flow.troubled_layers == (1, 2, 3)


def test_a_schedule_that_anneals_the_learning_rate_is_not_taken_for_vanishing_gradients(small):
    trainer = tracked_trainer(small, schedule="cosine", epochs=1, lr=0.01)
    for _ in trainer.run():
        pass  # the cosine ends near 0: the last updates are tiny on purpose
    flow = trainer.gradient_flow()
    assert flow.lr_scale < 0.01 and max(flow.update_ratios) < VANISHING_RATIO
    assert flow.statuses == (OK,) * 3
    assert classify(0.5, 1e-7, lr_scale=0.001) == OK and classify(0.5, 1e-7, lr_scale=0.5) == VANISHING
    assert classify(0.5, 0.0, lr_scale=0.0) == OK, "at a learning rate of 0 nothing should move"


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_a_rejected_update_is_reported_as_exploding(small):
    trainer = tracked_trainer(small)
    trainer.network.weights[1][0, 0] = 3e38  # the next step overflows float32: the update is refused
    trainer.network.weights[1][0, 1] = 3e38
    trainer._measure_weights()
    kept = trainer.network.flat_parameters.copy()
    trainer.train_batch()
    np.testing.assert_array_equal(trainer.network.flat_parameters, kept)
    flow = trainer.gradient_flow()
    assert flow is not None and flow.step == trainer.step == 0
    assert EXPLODING in flow.statuses


def test_tracking_off_keeps_nothing_and_changes_no_result(small, monkeypatch):
    calls = []
    for name in ("record_gradients", "record_update", "stats", "dead_fractions_now"):
        original = getattr(GradientFlowRecorder, name)
        monkeypatch.setattr(GradientFlowRecorder, name,
                            lambda self, *a, _o=original, _n=name, **k: (calls.append(_n), _o(self, *a, **k))[1])
    history = TrainingHistory()
    untracked = Trainer(TrainConfig(hidden=(32, 16), batch_size=64, epochs=1, optimizer="adam", lr=0.01), small)
    for event in untracked.run():
        if isinstance(event, BatchEvent):
            history.add_batch(event.epoch_progress, event.loss)
    snapshot = take_snapshot(untracked, history, "finished")
    assert snapshot.gradient_flow is None
    assert untracked.gradient_flow() is None
    assert calls == [], "no gradient-flow work while nobody watches"
    assert untracked._gradient_flow._probe_x is None, "the probe is never gathered"

    tracked = Trainer(untracked.config, small)
    tracked.set_track_gradient_flow(True)
    for _ in tracked.run():
        tracked.gradient_flow()
    assert calls, "tracked this time"
    np.testing.assert_array_equal(tracked.network.flat_parameters, untracked.network.flat_parameters)


def test_statistics_are_only_given_for_a_batch_that_was_tracked(small):
    trainer = tracked_trainer(small)
    assert trainer.gradient_flow() is None, "no batch yet"
    trainer.train_batch()
    assert trainer.gradient_flow().step == 1
    trainer.set_track_gradient_flow(False)
    trainer.train_batch()
    trainer.set_track_gradient_flow(True)
    assert trainer.gradient_flow() is None, "the last batch was not recorded"
    trainer.train_batch()
    assert trainer.gradient_flow().step == 3


def test_snapshots_carry_immutable_statistics(small):
    trainer = tracked_trainer(small)
    history = TrainingHistory()
    event = trainer.train_batch()
    history.add_batch(event.epoch_progress, event.loss)
    snapshot = take_snapshot(trainer, history, "running")
    flow = snapshot.gradient_flow
    assert flow.step == snapshot.step == 1 and flow.n_layers == 3
    for array in (flow.grad_norms, flow.update_norms, flow.weight_norms, flow.dead_fractions):
        assert not array.flags.writeable
    grad_norms = flow.grad_norms.copy()
    trainer.train_batch()
    np.testing.assert_array_equal(flow.grad_norms, grad_norms)
    assert model_snapshot(trainer.network).gradient_flow is None


def test_dead_units_are_recounted_at_most_every_so_often(small):
    trainer = tracked_trainer(small)
    trainer._gradient_flow.dead_refresh_s = 3600.0
    trainer.train_batch()
    assert trainer.gradient_flow().dead_step == 1
    trainer.train_batch()
    assert trainer.gradient_flow().dead_step == 1, "the earlier count is reused"
    trainer._gradient_flow.dead_refresh_s = 0.0
    trainer.train_batch()
    assert trainer.gradient_flow().dead_step == 3

