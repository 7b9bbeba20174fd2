"""The training loop: epochs of shuffled mini-batches, evaluation, and live control.

`Trainer.run()` is a generator of progress events, so the CLI and the GUI's worker drive
the same loop. Control methods (pause, resume, step, stop, settings changes) may be called
from another thread; the loop reads them between batches.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from .augment import augment_batch
from .config import TrainConfig
from .data import PIXEL_CODES, pixels_to_unit
from .distortions import distort_batch
from .gradient_flow import GradientFlowRecorder
from .losses import one_hot
from .network import Buffers, Network
from .optimizers import make_optimizer
from .schedules import lr_factor

TRAIN_EVAL_SIZE = 10_000  # training examples scored at each evaluation (a fixed subset: cheap, unbiased)
EVAL_CHUNK = 5_000
LIVE_SETTINGS = frozenset({"lr", "momentum", "l2", "dropout", "schedule", "step_epochs", "gamma",
                           "augment_shift", "augment_rotate", "augment_noise", "augment_affine",
                           "augment_elastic", "augment_thickness", "slow_motion_s"})
"""Settings that may change while a run trains (Trainer.update_settings); the others shape the
network or the run and stay as the run started."""
"""Examples per forward pass during evaluation: large enough for full-speed matrix products,
small enough that the activations of a chunk (24 MB for 784-400-200-10) stay a small part
of the app's memory."""
# Weights that stay below this in size cannot overflow float32 (max 3.4e38) in one more step.
_SAFE_BOUND = 1e38


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


def _max_abs(a):
    """max |a| as a Python float (nan or inf when a has such an entry)."""
    return float(max(a.max(), -a.min())) if a.size else 0.0


def evaluate(network, x, labels, chunk=EVAL_CHUNK, buffers=None):
    """(loss, accuracy, predictions) of `network` on rows x (n, 784) with integer labels.
    `buffers`, a dict kept by the caller, lets repeated evaluations reuse their arrays."""
    total_loss, predictions = 0.0, np.empty(len(labels), dtype=np.int64)
    for start in range(0, len(labels), chunk):
        xs = x[start:start + chunk]
        if xs.dtype == PIXEL_CODES:
            xs = pixels_to_unit(xs).astype(network.dtype, copy=False)
        xs = xs.T
        ys = labels[start:start + chunk]
        reused = None
        if buffers is not None:
            reused = buffers.get(len(ys))
            if reused is None or not reused.fits_forward(network, len(ys)):
                reused = buffers[len(ys)] = Buffers(network, len(ys), backward=False)
        cache = network.forward(xs, buffers=reused)
        total_loss += network.loss(cache, one_hot(ys, network.layer_sizes[-1], network.dtype)) * len(ys)
        predictions[start:start + chunk] = np.argmax(cache.A[-1], axis=0)
    n = max(len(labels), 1)
    return total_loss / n, float(np.mean(predictions == labels)) if len(labels) else 0.0, predictions


def _scale_codes(codes, rows):
    """rows[...] = codes / 255 exactly as the loaders scale pixels (float32, then rows' dtype)."""
    if rows.dtype == np.float32:
        pixels_to_unit(codes, out=rows)
    else:
        rows[...] = pixels_to_unit(codes)


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
        # Pixel codes stay codes (a quarter of the memory) and are scaled one batch at a time.
        compact = data.x_train.dtype == PIXEL_CODES
        self.x_train = data.x_train if compact or data.x_train.dtype == dtype else data.x_train.astype(dtype)
        self.x_test = data.x_test if data.x_test.dtype == dtype else data.x_test.astype(dtype)
        eval_rng = np.random.default_rng([config.seed, 2])
        self.train_eval_index = np.sort(eval_rng.choice(data.n_train, min(TRAIN_EVAL_SIZE, data.n_train),
                                                        replace=False))
        self.x_train_eval = self.x_train[self.train_eval_index]  # gathered once, scored every epoch
        self._batch_buffers = {}  # batch size -> (Buffers, rows, Y, codes, columns), reused from batch to batch
        self._eval_buffers = {}   # chunk size -> Buffers, reused from epoch to epoch
        self._backup = np.empty_like(self.network.flat_parameters)  # used only when a step looks unsafe
        self._measure_weights()
        self._cond = threading.Condition()
        self._paused = False
        self._stop = False
        self._step_budget = 0
        self._recent = deque()  # (time, samples) of recent batches, for throughput
        self._recent_samples = 0  # sum of the samples in _recent
        # Gradient-flow statistics cost a few norms per batch, so they are kept only while
        # someone watches. A plain bool: set from any thread, read once per batch.
        self.track_gradient_flow = False
        self._gradient_flow = GradientFlowRecorder(self.network, self.x_train, config.seed)

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
        unknown = set(changes) - LIVE_SETTINGS
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
        return -(-self.data.n_train // self.config.batch_for(self.data.n_train))

    def current_lr(self):
        progress = self.epoch + self.batch_in_epoch / self.batches_per_epoch
        c = self.config
        return self.base_lr * lr_factor(c.schedule, progress, c.epochs, c.step_epochs, c.gamma)

    def run(self):
        """An iterator of BatchEvent after every batch, EpochEvent after every epoch, DivergedEvent
        when the loss stops being finite (the trainer then pauses), and FinishedEvent last.
        Calling run() again after a stop continues where it left off; a stop requested after the
        call ends the run, even one that comes before the first event is taken."""
        with self._cond:
            self._stop = False
        return self._events()

    def _events(self):
        self._measure_weights()
        while self.epoch < self.config.epochs:
            if self.batch_in_epoch == 0:
                self.order = self.rng.permutation(self.data.n_train)
                self.epoch_loss_sum = 0.0
                self.epoch_started = time.perf_counter()
            while self.batch_in_epoch < self.batches_per_epoch:
                was_paused = self._paused
                if not self._wait_for_permission():
                    yield FinishedEvent(self.epoch, self.step, stopped=True)
                    return
                if was_paused:
                    self._measure_weights()  # they may have been edited meanwhile
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
        size = c.batch_for(self.data.n_train)
        start = self.batch_in_epoch * size
        idx = self.order[start:start + size]
        buffers, rows, Y, codes, columns = self._buffers_for(len(idx), c.dropout > 0)
        # mode="clip": with out= and the default mode NumPy copies through an extra buffer.
        if codes is None:
            self.x_train.take(idx, axis=0, out=rows, mode="clip")
        else:
            self.x_train.take(idx, axis=0, out=codes, mode="clip")
            _scale_codes(codes, rows)
        if c.augment_affine or c.augment_elastic or c.augment_thickness:
            # One resampling for every geometric change (engine/distortions.py), then the noise.
            rows = distort_batch(rows, self.rng, c.augment_shift, c.augment_rotate, c.augment_affine,
                                 c.augment_elastic, c.augment_thickness)
            if c.augment_noise:
                rows = augment_batch(rows, self.rng, noise=c.augment_noise)
        elif c.augment_shift or c.augment_rotate or c.augment_noise:
            rows = augment_batch(rows, self.rng, c.augment_shift, c.augment_rotate, c.augment_noise)
        X = rows.T                                   # (784, m): one example per column
        # Targets are built per batch from the labels: a one-hot copy of every label would add
        # 40 bytes per image (in float32), more than 5% of the 784 bytes of its pixels.
        Y[...] = 0
        Y[self.data.y_train[idx], columns] = 1
        lr = self.current_lr()
        net = self.network
        cache = net.forward(X, dropout=c.dropout, rng=self.rng, buffers=buffers)
        loss = net.loss(cache, Y)
        if not math.isfinite(loss):
            return self._diverged(loss, lr)
        net.backward(cache, Y, l2=c.l2, buffers=buffers)
        flow = self._gradient_flow if self.track_gradient_flow else None
        if flow is not None:
            flow.record_gradients(buffers.dW[1:])  # now: the update overwrites them with the step
        applied = self._apply_update(buffers.flat_grad, lr)
        if flow is not None:
            flow.record_update(buffers.dW[1:], applied, self.step + applied, lr / self.base_lr)
        if not applied:
            return self._diverged(float("inf"), lr)
        self.batch_in_epoch += 1
        self.step += 1
        self.epoch_loss_sum += loss * len(idx)
        return BatchEvent(self.epoch, self.batch_in_epoch, self.batches_per_epoch, self.step, loss, lr,
                          self._throughput(len(idx)))

    def set_track_gradient_flow(self, on):
        """Thread-safe: keep gradient-flow statistics from the next batch on (or stop)."""
        self.track_gradient_flow = bool(on)

    def gradient_flow(self):
        """engine.gradient_flow.GradientFlow of the last batch, or None when it was not tracked.
        Call it on the training thread, between batches."""
        return self._gradient_flow.stats(self.step) if self.track_gradient_flow else None

    def _buffers_for(self, m, dropout):
        entry = self._batch_buffers.get(m)
        if entry is None or not entry[0].fits(self.network, m, dropout):
            dtype = self.network.dtype
            codes = np.empty((m, self.data.n_inputs), PIXEL_CODES) if self.x_train.dtype == PIXEL_CODES else None
            entry = (Buffers(self.network, m, dropout), np.empty((m, self.data.n_inputs), dtype),
                     np.empty((self.data.n_classes, m), dtype), codes, np.arange(m))
            self._batch_buffers[m] = entry
        return entry

    def _apply_update(self, grad, lr):
        """W := W - step for every parameter at once, unless that would make a weight
        non-finite: then the weights stay as they were and False is returned.

        Checking after the fact needs a copy of every weight per batch. Instead a bound on
        max|W| is carried along: if bound + |step| stays far below the float maximum, the
        new weights are finite for sure, and |step| >= max|step| costs one dot product
        (inf or nan in the step make it non-finite too). Only otherwise are the weights
        backed up, updated and checked one by one. The bound is measured afresh at the start
        of run(), after a pause and after every epoch: only the trainer writes the weights
        while it runs."""
        flat = self.network.flat_parameters
        step = self.optimizer.steps([flat], [grad], lr, out=[grad])[0]  # the gradient is not needed after
        step_size = math.sqrt(abs(float(np.dot(step, step))))
        if self._param_bound + step_size < _SAFE_BOUND:   # false for inf and nan too
            flat -= step
            self._param_bound += step_size
            return True
        np.copyto(self._backup, flat)
        flat -= step
        if np.isfinite(flat).all():
            self._param_bound = _max_abs(flat)
            return True
        np.copyto(flat, self._backup)
        return False

    def _measure_weights(self):
        self._param_bound = _max_abs(self.network.flat_parameters)

    def _diverged(self, loss, lr):
        # The weights are the last finite ones; momentum/Adam state may hold the bad step.
        self.optimizer.reset()
        self.pause()
        return DivergedEvent(self.epoch, self.step, float(loss), lr)

    def _throughput(self, samples):
        now = time.perf_counter()
        recent = self._recent
        recent.append((now, samples))
        self._recent_samples += samples
        while len(recent) > 2 and now - recent[0][0] > 1.0:
            self._recent_samples -= recent.popleft()[1]
        span = now - recent[0][0]
        counted = self._recent_samples - recent[0][1]  # samples of the batches after the first
        return counted / span if span > 0 else 0.0

    def finish_epoch(self):
        test_loss, test_acc, _ = evaluate(self.network, self.x_test, self.data.y_test, buffers=self._eval_buffers)
        _, train_acc, _ = evaluate(self.network, self.x_train_eval, self.data.y_train[self.train_eval_index],
                                   buffers=self._eval_buffers)
        self._measure_weights()  # re-tighten the bound on max|W|, which only grows between batches
        lr = self.current_lr()
        seconds = time.perf_counter() - self.epoch_started
        event = EpochEvent(self.epoch + 1, self.epoch_loss_sum / self.data.n_train, train_acc,
                           test_loss, test_acc, seconds, lr)
        self.epoch += 1
        self.batch_in_epoch = 0
        self.epoch_started = None
        self.last_epoch_event = event
        return event
