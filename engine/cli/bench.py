"""Speed measurements shared by `main.py bench` and benchmarks/bench_engine.py."""
from __future__ import annotations

import time

import numpy as np

from ..config import TrainConfig, preset
from ..trainer import BatchEvent, EpochEvent, Trainer, evaluate

# The reference workload of the benchmarks: the seed-000 preset's network and update rule
# (docs/math.md#networks).
REFERENCE = TrainConfig(hidden=(128, 64), activation="relu", loss="ce", optimizer="gd", lr=0.1,
                        batch_size=128, epochs=3, seed=0)


class EngineEpochs:
    """Trains `config` one epoch per call of run_epoch(), which returns the wall seconds of
    that epoch's training batches (evaluation excluded), so that a benchmark can interleave
    epochs of two implementations and expose both to the same load of the machine."""

    def __init__(self, data, epochs, config=REFERENCE):
        self.data = data
        self.trainer = Trainer(config.with_changes(epochs=epochs), data)

    def run_epoch(self):
        trainer = self.trainer
        start = time.perf_counter()
        for _ in range(trainer.batches_per_epoch):
            trainer.train_batch()
        seconds = time.perf_counter() - start
        trainer.finish_epoch()
        return seconds

    def test_accuracy(self):
        return evaluate(self.trainer.network, self.trainer.x_test, self.data.y_test)[1]


def engine_seconds_per_epoch(data, epochs=3, config=REFERENCE):
    """Median wall seconds of the training batches of one epoch (evaluation excluded),
    and the final test accuracy."""
    run = EngineEpochs(data, epochs, config)
    times = [run.run_epoch() for _ in range(epochs)]
    return float(np.median(times)), run.test_accuracy()


def flops_per_epoch(config, n_examples, n_inputs=784, n_classes=10):
    """Multiply-adds x 2 of the matrix products in one epoch of backpropagation: the forward
    product and dW for every layer, and dA[l-1] = W[l]^T dZ[l] for every layer but the first
    (nothing needs dX when training). Element-wise work is not counted."""
    sizes = config.layer_sizes(n_inputs, n_classes)
    products = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 2 * n_examples * (2 * sum(products) + sum(products[1:]))


def sgemm_gflops(n=2048, repeats=5):
    """The machine's float32 matrix-multiply rate, best of `repeats`, in GFLOP/s."""
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b  # warm up the BLAS threads
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def seconds_to_accuracy(data, preset_name="default", targets=(0.97, 0.98), max_epochs=None, seed=None):
    """Wall seconds from the start of training until the test accuracy, evaluated after
    every epoch, first reaches each target (None if it never does)."""
    config = preset(preset_name)
    if max_epochs:
        config = config.with_changes(epochs=max_epochs)
    if seed is not None:
        config = config.with_changes(seed=seed)
    trainer = Trainer(config, data)
    reached = {t: None for t in targets}
    start = time.perf_counter()
    for event in trainer.run():
        if isinstance(event, EpochEvent):
            elapsed = time.perf_counter() - start
            for t in targets:
                if reached[t] is None and event.test_accuracy >= t:
                    reached[t] = elapsed
            if all(v is not None for v in reached.values()):
                break
        elif not isinstance(event, BatchEvent):
            break
    return reached, trainer.last_epoch_event
