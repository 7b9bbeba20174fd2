"""Headless commands: train, evaluate, bench, export, compare. `python main.py --help` lists them.

Exit codes: 0 success, 1 the run diverged or an exported file failed its check, 2 a user
mistake (bad flag value, missing or corrupt file) reported in one line on stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from assets import OTHER_HANDWRITING

from ..config import DEFAULT_PRESET, FULL_BATCH, PRESETS, preset
from ..data import load_dataset
from ..history import TrainingHistory
from ..metrics import confusion_matrix, per_class_accuracy
from ..modelio import load_model
from ..runs import Run, RunHistory, now_iso, save_run
from ..trainer import BatchEvent, DivergedEvent, EpochEvent, Trainer, evaluate
from .compare import add_compare_parser, cmd_compare
from .export import add_export_parser, cmd_export


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UserError(message)


def _hidden_sizes(text):
    try:
        sizes = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"hidden layer sizes must look like 128,64, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"hidden layer sizes must be positive, got {text!r}")
    return sizes


def _batch_size(text):
    if text.strip().lower() == FULL_BATCH:
        return FULL_BATCH
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"batch size must be a whole number or {FULL_BATCH!r} (the whole training set), got {text!r}") from None


def build_parser():
    parser = _Parser(prog="backprop-studio",
                     description="Backprop Studio: watch a NumPy MLP learn MNIST. Without a command, opens the app: "
                                 "backprop-studio [MODEL.npz] [--data PATH] opens it with that model or dataset. "
                                 "--version prints the version.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    train = commands.add_parser("train", help="train a network headless")
    train.add_argument("--preset", default=DEFAULT_PRESET, choices=list(PRESETS),
                       help=f"starting settings (default: {DEFAULT_PRESET})")
    train.add_argument("--hidden", type=_hidden_sizes, help="hidden layer sizes, e.g. 128,64")
    train.add_argument("--activation", choices=["relu", "leaky_relu", "sigmoid", "tanh"])
    train.add_argument("--output-activation", choices=["softmax", "sigmoid", "identity"])
    train.add_argument("--loss", choices=["ce", "mse"])
    train.add_argument("--optimizer", choices=["gd", "momentum", "adam"])
    train.add_argument("--lr", type=float, help="learning rate alpha")
    train.add_argument("--momentum", type=float)
    train.add_argument("--batch-size", type=_batch_size, metavar="N|full",
                       help="examples per mini-batch; full: the whole training set (full-batch gradient descent)")
    train.add_argument("--epochs", type=int)
    train.add_argument("--seed", type=int)
    train.add_argument("--l2", type=float, help="L2 weight decay")
    train.add_argument("--dropout", type=float, help="dropout probability on hidden layers")
    train.add_argument("--schedule", choices=["constant", "step", "cosine"])
    train.add_argument("--augment-shift", type=int, help="random shifts of up to N pixels")
    train.add_argument("--augment-rotate", type=float, help="random rotations of up to N degrees")
    train.add_argument("--augment-noise", type=float, help="Gaussian pixel noise standard deviation")
    train.add_argument("--augment-affine", type=float, help="random scale (1 +- A) and shear (+-A), A up to 0.5")
    train.add_argument("--augment-elastic", type=float, help="elastic deformation of about N pixels (0 to 4)")
    train.add_argument("--augment-thickness", type=float,
                       help="random stroke width: blend of up to N (0 to 1) towards thicker or thinner")
    train.add_argument("--dtype", choices=["float32", "float64"])
    train.add_argument("--stop-at", type=float, metavar="ACCURACY",
                       help="stop once test accuracy reaches this fraction (e.g. 0.98)")
    train.add_argument("--data", help="folder of IDX files (gz or raw), an .npz or a CSV (default: bundled MNIST)")
    train.add_argument("--save", help="write the trained model, with its curves, to this .npz file (a run file)")
    train.add_argument("--json", action="store_true", help="one JSON object per epoch on stdout, nothing else")

    ev = commands.add_parser("evaluate", help="score a saved model on the test set")
    ev.add_argument("model", help="model .npz file")
    ev.add_argument("--data", help="folder of IDX files, an .npz or a CSV (default: bundled MNIST)")
    ev.add_argument("--json", action="store_true", help="print one JSON object")

    bench = commands.add_parser(
        "bench", help="measure this engine's speed (see benchmarks/ for the comparison with PyTorch)")
    bench.add_argument("--epochs", type=int, default=2)
    bench.add_argument("--data", help="dataset to use (default: bundled MNIST)")
    bench.add_argument("--json", action="store_true")
    add_export_parser(commands)
    add_compare_parser(commands)
    return parser


def _config_from_args(args):
    base = preset(args.preset)
    changes = {name: getattr(args, name) for name in (
        "hidden", "activation", "output_activation", "loss", "optimizer", "lr", "momentum", "batch_size",
        "epochs", "seed", "l2", "dropout", "schedule", "augment_shift", "augment_rotate", "augment_noise",
        "augment_affine", "augment_elastic", "augment_thickness", "dtype")}
    config = base.with_changes(**changes)
    # A non-softmax output with the preset's cross-entropy would be refused; choosing a
    # different output implies the squared error unless the loss was given.
    if args.output_activation and args.output_activation != "softmax" and args.loss is None:
        config = config.with_changes(loss="mse")
    return config


class _ProgressBar:
    """One line on stderr, redrawn at most ten times a second."""

    def __init__(self, stream, enabled):
        self.stream, self.enabled, self.last = stream, enabled, 0.0

    def update(self, event: BatchEvent, total_epochs):
        now = time.perf_counter()
        if not self.enabled or (now - self.last < 0.1 and event.batch != event.batches_per_epoch):
            return
        self.last = now
        done = event.batch / event.batches_per_epoch
        bar = "#" * int(done * 30)
        self.stream.write(f"\repoch {event.epoch + 1}/{total_epochs} [{bar:<30}] {done:4.0%} "
                          f"loss {event.loss:.4f} {event.samples_per_s:,.0f} samples/s ")
        self.stream.flush()

    def clear(self):
        if self.enabled:
            self.stream.write("\r" + " " * 90 + "\r")
            self.stream.flush()


def cmd_train(args, out, err):
    if args.stop_at is not None and not (0 < args.stop_at <= 1):
        raise UserError(f"--stop-at must be a fraction in (0, 1], got {args.stop_at}")
    config = _config_from_args(args)
    data = load_dataset(args.data)
    try:
        config.validate(data.n_train)
    except ValueError as e:
        raise UserError(str(e)) from None
    trainer = Trainer(config, data)
    progress = _ProgressBar(err, enabled=not args.json and err.isatty())
    if not args.json:
        out.write(f"{data.name}: {data.n_train} training and {data.n_test} test images; "
                  f"network {trainer.network.describe()}; optimiser {config.optimizer}, lr {config.lr:g}, "
                  f"batch {_batch_text(config, data.n_train)}, {config.epochs} epochs\n")
        out.write(f"{'epoch':>5}  {'train loss':>10}  {'test loss':>9}  {'test acc':>8}  {'seconds':>7}\n")
        out.flush()
    started = time.perf_counter()
    last = None
    history, elapsed = TrainingHistory(), []  # the curves a saved run keeps (engine/runs.py)
    for event in trainer.run():
        if isinstance(event, BatchEvent):
            history.add_batch(event.epoch_progress, event.loss)
            progress.update(event, config.epochs)
        elif isinstance(event, EpochEvent):
            progress.clear()
            last = event
            history.add_epoch(event)
            elapsed.append(time.perf_counter() - started)
            if args.json:
                out.write(json.dumps({"epoch": event.epoch, "train_loss": event.train_loss,
                                      "test_loss": event.test_loss, "test_accuracy": event.test_accuracy,
                                      "train_accuracy": event.train_accuracy, "seconds": event.seconds,
                                      "elapsed": time.perf_counter() - started, "lr": event.lr}) + "\n")
            else:
                out.write(f"{event.epoch:>5}  {event.train_loss:>10.4f}  {event.test_loss:>9.4f}  "
                          f"{event.test_accuracy:>8.2%}  {event.seconds:>7.2f}\n")
            out.flush()
            if args.stop_at is not None and event.test_accuracy >= args.stop_at:
                trainer.stop()
        elif isinstance(event, DivergedEvent):
            progress.clear()
            err.write(event.message + "\n")
            return 1
    if args.save:
        curves = RunHistory.from_epoch_arrays(history.epoch_arrays(), *history.batch_arrays(), elapsed=elapsed)
        # No name: the run is called after its file wherever the file is moved (engine/runs.py).
        run = Run(name="", network=trainer.network, config=config, history=curves,
                  dataset_name=data.name, created=now_iso(), steps=trainer.step, epochs=trainer.epoch,
                  training_seconds=time.perf_counter() - started,
                  test_accuracy=last.test_accuracy if last else None, test_loss=last.test_loss if last else None)
        try:
            save_run(args.save, run)
        except OSError as e:
            raise UserError(f"{args.save}: cannot write the model ({e.strerror or e})") from None
        if not args.json:
            out.write(f"saved {args.save}\n")
    return 0


def _batch_text(config, n_train):
    return f"{n_train} (full batch)" if config.full_batch else str(config.batch_size)


def cmd_evaluate(args, out, err):
    network, metadata = load_model(args.model)
    data = load_dataset(args.data)
    if network.layer_sizes[0] != data.n_inputs or network.layer_sizes[-1] != data.n_classes:
        raise UserError(f"{args.model}: network {network.describe()} does not fit {data.name}")
    loss, accuracy, predictions = evaluate(network, data.x_test.astype(network.dtype, copy=False), data.y_test)
    confusion = confusion_matrix(data.y_test, predictions, data.n_classes)
    per_class = per_class_accuracy(confusion)
    # On the bundled MNIST, also how well the accuracy carries over to other handwriting.
    other = _other_handwriting_scores(network) if args.data is None else None
    if args.json:
        result = {"test_accuracy": accuracy, "test_loss": loss,
                  "per_class_accuracy": [None if np.isnan(a) else float(a) for a in per_class],
                  "confusion": confusion.tolist(), "model": str(args.model),
                  "network": network.describe(), "dataset": data.name}
        if other is not None:
            result["other_handwriting"] = other
        out.write(json.dumps(result) + "\n")
        return 0
    out.write(f"{args.model}: {network.describe()} on {data.name} ({data.n_test} test images)\n")
    out.write(f"test accuracy {accuracy:.2%}, test loss {loss:.4f}\n\nper-class accuracy:\n")
    for digit, a in enumerate(per_class):
        out.write(f"  {digit}: {a:.2%}\n")
    out.write("\nconfusion matrix (rows: true digit, columns: predicted):\n")
    out.write("      " + "".join(f"{p:>6}" for p in range(data.n_classes)) + "\n")
    for t, row in enumerate(confusion):
        out.write(f"  {t:>2}  " + "".join(f"{c:>6}" for c in row) + "\n")
    if other is not None:
        per_digit = "  ".join(f"{d}: {a:.0%}" for d, a in enumerate(other["per_class_accuracy"]) if a is not None)
        out.write(f"\nother handwriting ({other['dataset']}, {other['n_test']} images): test accuracy "
                  f"{other['test_accuracy']:.2%}\n  {per_digit}\n")
    return 0


def _other_handwriting_scores(network) -> dict | None:
    """Accuracy on the second test set the app ships (digits not from MNIST), or None without it."""
    if not OTHER_HANDWRITING.is_file():
        return None
    other = load_dataset(OTHER_HANDWRITING)
    _, accuracy, predictions = evaluate(network, other.x_test.astype(network.dtype, copy=False), other.y_test)
    per_class = per_class_accuracy(confusion_matrix(other.y_test, predictions, other.n_classes))
    return {"dataset": other.name, "n_test": other.n_test, "test_accuracy": accuracy,
            "per_class_accuracy": [None if np.isnan(a) else float(a) for a in per_class]}


def cmd_bench(args, out, err):
    from .bench import engine_seconds_per_epoch, sgemm_gflops
    data = load_dataset(args.data)
    if args.epochs < 1:
        raise UserError("--epochs must be at least 1")
    seconds, accuracy = engine_seconds_per_epoch(data, epochs=args.epochs)
    peak = sgemm_gflops()
    result = {"engine_s_per_epoch": seconds, "engine_test_accuracy": accuracy, "sgemm_peak_gflops": peak}
    if args.json:
        out.write(json.dumps(result) + "\n")
    else:
        out.write(f"784-128-64-10 ReLU/softmax, gd lr 0.1, batch 128, float32: {seconds:.3f} s per epoch "
                  f"(median of {args.epochs}), test accuracy {accuracy:.2%}\n")
        out.write(f"machine float32 matmul peak: {peak:.1f} GFLOP/s\n")
    return 0


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "bench": cmd_bench, "export": cmd_export,
            "compare": cmd_compare}


def main(argv=None, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(out)
            return 0
        return COMMANDS[args.command](args, out, err)
    except (UserError, ValueError) as e:  # DataError, ModelFileError and bad settings included
        err.write(f"error: {e}\n")
        return 2
    except OSError as e:
        err.write(f"error: {e}\n")
        return 2
    except KeyboardInterrupt:
        err.write("\ninterrupted\n")
        return 130
