"""The training loop: epochs of shuffled mini-batches, evaluation, and live control.

`Trainer.run()` is a generator of progress events, so the CLI and the GUI's worker drive
the same loop. Control methods (pause, resume, step, stop, settings changes) may be called
from another thread; the loop reads them between batches.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from .augment import augment_batch
from .config import TrainConfig
from .losses import one_hot
from .network import Network
from .optimizers import make_optimizer
from .schedules import lr_factor

TRAIN_EVAL_SIZE = 10_000  # training examples scored at each evaluation (a fixed subset: cheap, unbiased)
EVAL_CHUNK = 10_000        # examples per forward pass during evaluation, to bound memory


@dataclass(frozen=True)
class BatchEvent:
    epoch: int              # 0-based epoch this batch belongs to
    batch: int              # 1-based index of the batch within the epoch
    batches_per_epoch: int
    step: int               # batches trained since the start
    loss: float
    lr: float
    samples_per_s: float

    @property
    def epoch_progress(self):
        """Fractional epochs completed, the x axis of the loss curve."""
        return self.epoch + self.batch / self.batches_per_epoch


@dataclass(frozen=True)
class EpochEvent:
    epoch: int              # 1-based number of completed epochs
    train_loss: float       # mean batch loss over the epoch
    train_accuracy: float   # on a fixed subset of the training set
    test_loss: float
    test_accuracy: float
    seconds: float          # wall time of the epoch, evaluation included
    lr: float


@dataclass(frozen=True)
class DivergedEvent:
    epoch: int
    step: int
    loss: float
    lr: float

    @property
    def message(self):
        return (f"Training diverged at step {self.step}: the loss became {self.loss} with learning rate "
                f"{self.lr:g}. The last finite weights were kept. Try a lower learning rate.")


@dataclass(frozen=True)
class FinishedEvent:
    epochs: int
    steps: int
    stopped: bool           # True when stop() ended the run early


def evaluate(network, x, labels, chunk=EVAL_CHUNK):
    """(loss, accuracy, predictions) of `network` on rows x (n, 784) with integer labels."""
    total_loss, predictions = 0.0, np.empty(len(labels), dtype=np.int64)
    for start in range(0, len(labels), chunk):
        xs = x[start:start + chunk].T
        ys = labels[start:start + chunk]
        cache = network.forward(xs)
        total_loss += network.loss(cache, one_hot(ys, network.layer_sizes[-1], network.dtype)) * len(ys)
        predictions[start:start + chunk] = np.argmax(cache.A[-1], axis=0)
    n = max(len(labels), 1)
    return total_loss / n, float(np.mean(predictions == labels)) if len(labels) else 0.0, predictions


def build_network(config: TrainConfig, n_inputs=784, n_classes=10):
    return Network(config.layer_sizes(n_inputs, n_classes), config.activation, config.output_activation,
                   config.loss, dtype=np.dtype(config.dtype), seed=config.seed)


class Trainer:
    def __init__(self, config: TrainConfig, data, network: Network | None = None):
        config.validate(data.n_train)
        self.config = config
        self.data = data
        self.network = network or build_network(config, data.n_inputs, data.n_classes)
        if self.network.layer_sizes[0] != data.n_inputs or self.network.layer_sizes[-1] != data.n_classes:
            raise ValueError(f"network {self.network.describe()} does not fit data with "
                             f"{data.n_inputs} inputs and {data.n_classes} classes")
        self.optimizer = make_optimizer(config.optimizer, config.momentum)
        self.base_lr = config.lr
        # One generator for shuffling, dropout and augmentation: a seed replays a run exactly.
        self.rng = np.random.default_rng([config.seed, 1])
        self.epoch = 0
        self.batch_in_epoch = 0
        self.step = 0
        self.order = None
        self.epoch_loss_sum = 0.0
        self.epoch_started = None
        self.last_epoch_event = None
        dtype = self.network.dtype
        self.x_train = data.x_train if data.x_train.dtype == dtype else data.x_train.astype(dtype)
        self.x_test = data.x_test if data.x_test.dtype == dtype else data.x_test.astype(dtype)
        self.y_train_onehot = one_hot(data.y_train, data.n_classes, dtype)
        eval_rng = np.random.default_rng([config.seed, 2])
        self.train_eval_index = np.sort(eval_rng.choice(data.n_train, min(TRAIN_EVAL_SIZE, data.n_train),
                                                        replace=False))
        self._params = self.network.parameters()
        self._backup = [np.empty_like(p) for p in self._params]
        self._cond = threading.Condition()
        self._paused = False
        self._stop = False
        self._step_budget = 0
        self._recent = []  # (time, samples) of recent batches, for throughput

    # -- control (thread-safe) -------------------------------------------------
    def pause(self):
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self):
        with self._cond:
            self._paused = False
            self._step_budget = 0
            self._cond.notify_all()

    def request_step(self):
        """While paused, let exactly one more batch run."""
        with self._cond:
            self._paused = True
            self._step_budget += 1
            self._cond.notify_all()

    def stop(self):
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    @property
    def paused(self):
        return self._paused

    @property
    def stopped(self):
        return self._stop

    def update_settings(self, **changes):
        """Change settings that are safe mid-run: lr, momentum, l2, dropout, schedule,
        augmentation and slow motion. Validated first; raises ValueError and changes nothing."""
        allowed = {"lr", "momentum", "l2", "dropout", "schedule", "step_epochs", "gamma",
                   "augment_shift", "augment_rotate", "augment_noise", "slow_motion_s"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} while training")
        new = self.config.with_changes(**changes)
        new.validate(self.data.n_train)
        self.config = new
        self.base_lr = new.lr
        if hasattr(self.optimizer, "momentum"):
            self.optimizer.momentum = new.momentum

    def _wait_for_permission(self):
        """Block while paused (unless a single step was requested). False means stop."""
        with self._cond:
            while self._paused and self._step_budget == 0 and not self._stop:
                self._cond.wait()
            if self._stop:
                return False
            if self._paused:
                self._step_budget -= 1
            delay = self.config.slow_motion_s
            if delay > 0:
                self._cond.wait(timeout=delay)  # woken early by stop/pause
                if self._stop:
                    return False
            return True

    # -- the loop ----------------------------------------------------------------
    @property
    def batches_per_epoch(self):
        return -(-self.data.n_train // self.config.batch_size)

    def current_lr(self):
        progress = self.epoch + self.batch_in_epoch / self.batches_per_epoch
        c = self.config
        return self.base_lr * lr_factor(c.schedule, progress, c.epochs, c.step_epochs, c.gamma)

    def run(self):
        """Yield BatchEvent after every batch, EpochEvent after every epoch, DivergedEvent
        when the loss stops being finite (the trainer then pauses), and FinishedEvent last.
        Calling run() again after a stop continues where it left off."""
        with self._cond:
            self._stop = False
        while self.epoch < self.config.epochs:
            if self.batch_in_epoch == 0:
                self.order = self.rng.permutation(self.data.n_train)
                self.epoch_loss_sum = 0.0
                self.epoch_started = time.perf_counter()
            while self.batch_in_epoch < self.batches_per_epoch:
                if not self._wait_for_permission():
                    yield FinishedEvent(self.epoch, self.step, stopped=True)
                    return
                yield self.train_batch()
            yield self.finish_epoch()
        yield FinishedEvent(self.epoch, self.step, stopped=False)

    def train_batch(self):
        """One mini-batch: forward, backward, update. Returns a BatchEvent or DivergedEvent."""
        c = self.config
        if self.epoch_started is None:
            self.epoch_started = time.perf_counter()
        if self.order is None:
            self.order = self.rng.permutation(self.data.n_train)
        start = self.batch_in_epoch * c.batch_size
        idx = self.order[start:start + c.batch_size]
        rows = np.take(self.x_train, idx, axis=0)
        if c.augment_shift or c.augment_rotate or c.augment_noise:
            rows = augment_batch(rows, self.rng, c.augment_shift, c.augment_rotate, c.augment_noise)
        X = rows.T                                   # (784, m): one example per column
        Y = np.take(self.y_train_onehot, idx, axis=1)
        lr = self.current_lr()
        net = self.network
        cache = net.forward(X, dropout=c.dropout, rng=self.rng)
        loss = net.loss(cache, Y)
        if not np.isfinite(loss):
            return self._diverged(loss, lr)
        grads = net.backward(cache, Y, l2=c.l2)
        for saved, p in zip(self._backup, self._params):
            np.copyto(saved, p)
        self.optimizer.update(self._params, [g for pair in zip(grads.dW[1:], grads.db[1:]) for g in pair], lr)
        if not all(np.isfinite(p.sum()) for p in self._params):
            for saved, p in zip(self._backup, self._params):
                np.copyto(p, saved)
            return self._diverged(float("inf"), lr)
        self.batch_in_epoch += 1
        self.step += 1
        self.epoch_loss_sum += loss * len(idx)
        return BatchEvent(self.epoch, self.batch_in_epoch, self.batches_per_epoch, self.step, loss, lr,
                          self._throughput(len(idx)))

    def _diverged(self, loss, lr):
        # The weights are the last finite ones; momentum/Adam state may hold the bad step.
        self.optimizer.reset()
        self.pause()
        return DivergedEvent(self.epoch, self.step, float(loss), lr)

    def _throughput(self, samples):
        now = time.perf_counter()
        self._recent.append((now, samples))
        while len(self._recent) > 2 and now - self._recent[0][0] > 1.0:
            self._recent.pop(0)
        span = now - self._recent[0][0]
        counted = sum(s for _, s in self._recent[1:])
        return counted / span if span > 0 else 0.0

    def finish_epoch(self):
        test_loss, test_acc, _ = evaluate(self.network, self.x_test, self.data.y_test)
        idx = self.train_eval_index
        _, train_acc, _ = evaluate(self.network, self.x_train[idx], self.data.y_train[idx])
        lr = self.current_lr()
        seconds = time.perf_counter() - self.epoch_started
        event = EpochEvent(self.epoch + 1, self.epoch_loss_sum / self.data.n_train, train_acc,
                           test_loss, test_acc, seconds, lr)
        self.epoch += 1
        self.batch_in_epoch = 0
        self.epoch_started = None
        self.last_epoch_event = event
        return event
