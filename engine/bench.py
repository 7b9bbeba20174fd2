"""Speed measurements shared by `main.py bench` and benchmarks/bench_engine.py."""
from __future__ import annotations

import time

import numpy as np

from .config import TrainConfig, preset
from .trainer import BatchEvent, EpochEvent, Trainer, evaluate

# The reference workload of the benchmarks: seed 000's network and update rule.
REFERENCE = TrainConfig(hidden=(128, 64), activation="relu", loss="ce", optimizer="gd", lr=0.1,
                        batch_size=128, epochs=3, seed=0)


def engine_seconds_per_epoch(data, epochs=3, config=REFERENCE):
    """Median wall seconds of the training batches of one epoch (evaluation excluded),
    and the final test accuracy."""
    trainer = Trainer(config.with_changes(epochs=epochs), data)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for _ in range(trainer.batches_per_epoch):
            trainer.train_batch()
        times.append(time.perf_counter() - start)
        trainer.finish_epoch()
    _, accuracy, _ = evaluate(trainer.network, trainer.x_test, data.y_test)
    return float(np.median(times)), accuracy


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


def seconds_to_accuracy(data, preset_name="default", targets=(0.97, 0.98), max_epochs=None):
    """Wall seconds from the start of training until the test accuracy, evaluated after
    every epoch, first reaches each target (None if it never does)."""
    config = preset(preset_name)
    if max_epochs:
        config = config.with_changes(epochs=max_epochs)
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
