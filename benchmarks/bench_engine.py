"""Engine speed against PyTorch on the same workload, measured in the same run.

    python benchmarks/bench_engine.py [--data DIR] [--epochs 7] [--json] [--speed-only] [--settle S]

Trains 784-128-64-10 (ReLU, softmax/cross-entropy, plain gradient descent lr 0.1,
batch 128, float32) with this engine and with PyTorch on the CPU, one epoch of each in
turn so that both see the same load of the machine, and reports medians. Then it times the
`default` preset to 97% and 98% test accuracy and the `default-long` preset to 98.5%.
PyTorch is optional (`pip install torch==2.13.0`); without it only the engine's figures are
printed. With --json the last line is one JSON object.

Both libraries get the training images as float32 values. (The app keeps 8-bit pixel codes
instead, a quarter of the memory, and scales each batch as it goes: about 3% more per epoch.)

Timings on a shared machine are noisy: compare the ratios of one run, and repeat runs.
OpenBLAS threads are set by OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) before start-up.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # torch_reference beside this file

import numpy as np  # noqa: E402
from torch_reference import reference_network  # noqa: E402

from engine.cli.bench import REFERENCE, EngineEpochs, flops_per_epoch, seconds_to_accuracy, sgemm_gflops  # noqa: E402
from engine.data import Dataset, load_dataset  # noqa: E402


class TorchEpochs:
    """The same network, initialisation scheme, update rule and batch order policy in PyTorch,
    one epoch per call of run_epoch() (returns its wall seconds)."""

    def __init__(self, data, config=REFERENCE):
        import torch

        self.torch = torch
        self.config = config
        self.x_train = torch.from_numpy(np.array(data.train_rows()))  # writable float32 values, as torch wants
        self.y_train = torch.from_numpy(np.array(data.y_train))
        self.x_test = torch.from_numpy(np.array(data.x_test))
        self.y_test = torch.from_numpy(np.array(data.y_test))
        self.model, self.optimizer, self.loss_fn, self.generator = reference_network(
            torch, config, data.n_inputs, data.n_classes)

    def run_epoch(self):
        torch, model, optimizer = self.torch, self.model, self.optimizer
        start = time.perf_counter()
        order = torch.randperm(len(self.y_train), generator=self.generator)
        for begin in range(0, len(order), self.config.batch_size):
            idx = order[begin:begin + self.config.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = self.loss_fn(model(self.x_train[idx]), self.y_train[idx])
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    def test_accuracy(self):
        with self.torch.no_grad():
            return float((self.model(self.x_test).argmax(dim=1) == self.y_test).float().mean())


def interleaved_epochs(runners, epochs, settle_s=0.0):
    """Epoch times of each runner, taking turns (and alternating who goes first). `settle_s`
    of idle time before each epoch lets the other library's worker threads stop spinning."""
    times = {name: [] for name in runners}
    names = list(runners)
    for round_ in range(epochs):
        for name in names if round_ % 2 == 0 else names[::-1]:
            time.sleep(settle_s)
            times[name].append(runners[name].run_epoch())
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="dataset (default: bundled MNIST)")
    parser.add_argument("--epochs", type=int, default=7, help="timed epochs of each implementation (>= 3)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--speed-only", action="store_true", help="skip the time-to-accuracy runs")
    parser.add_argument("--settle", type=float, default=0.0, help="idle seconds before each timed epoch")
    args = parser.parse_args()
    epochs = max(args.epochs, 3)
    data = load_dataset(args.data)
    if data.x_train.dtype != np.float32:  # like for like with the float32 tensors PyTorch trains on
        data = Dataset(data.name, data.train_rows(), data.y_train, data.x_test, data.y_test)
    result = {"epochs_timed": epochs,
              "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")}

    runners = {"engine": EngineEpochs(data, epochs)}
    try:
        runners["torch"] = TorchEpochs(data)
    except ImportError:
        print("torch  : not installed (pip install torch==2.13.0); skipping the reference")
    times = interleaved_epochs(runners, epochs, args.settle)

    engine_s = statistics.median(times["engine"])
    engine_acc = runners["engine"].test_accuracy()
    result.update(engine_s_per_epoch=engine_s, engine_epoch_seconds=times["engine"], engine_test_accuracy=engine_acc)
    print(f"engine : {engine_s:.3f} s/epoch (median of {epochs}), test accuracy {engine_acc:.2%}")
    if "torch" in runners:
        torch = runners["torch"].torch
        torch_s = statistics.median(times["torch"])
        torch_acc = runners["torch"].test_accuracy()
        per_round = statistics.median(t / e for t, e in zip(times["torch"], times["engine"]))
        result.update(torch_s_per_epoch=torch_s, torch_epoch_seconds=times["torch"], torch_test_accuracy=torch_acc,
                      torch_version=torch.__version__, torch_threads=torch.get_num_threads(),
                      speedup_vs_torch=torch_s / engine_s, speedup_median_of_rounds=per_round)
        print(f"torch  : {torch_s:.3f} s/epoch (median of {epochs}), test accuracy {torch_acc:.2%} "
              f"(PyTorch {torch.__version__}, {torch.get_num_threads()} threads)")
        print(f"speedup_vs_torch = torch_s_per_epoch / engine_s_per_epoch = {torch_s / engine_s:.2f} "
              f"(median of the per-epoch ratios: {per_round:.2f})")
    else:
        result.update(torch_s_per_epoch=None, speedup_vs_torch=None)

    peak = sgemm_gflops()
    flops = flops_per_epoch(REFERENCE, data.n_train, data.n_inputs, data.n_classes)
    result.update(sgemm_peak_gflops=peak, engine_gflops=flops / engine_s / 1e9,
                  engine_fraction_of_peak=flops / engine_s / 1e9 / peak)
    print(f"float32 matmul peak: {peak:.1f} GFLOP/s; the engine's epoch does {flops / 1e9:.1f} GFLOP of "
          f"matrix products at {flops / engine_s / 1e9:.1f} GFLOP/s, "
          f"{result['engine_fraction_of_peak']:.1%} of the peak")

    if not args.speed_only:
        reached, last = seconds_to_accuracy(data, "default", targets=(0.97, 0.98))
        result.update(default_seconds_to_97=reached[0.97], default_seconds_to_98=reached[0.98],
                      default_final_test_accuracy=last.test_accuracy if last else None)
        for target, seconds in reached.items():
            shown = f"{seconds:.1f} s" if seconds is not None else "not reached"
            print(f"default preset to {target:.0%} test accuracy: {shown}")
        reached, last = seconds_to_accuracy(data, "default-long", targets=(0.985,))
        result.update(default_seconds_to_985=reached[0.985], default_985_preset="default-long",
                      default_long_final_test_accuracy=last.test_accuracy if last else None)
        shown = f"{reached[0.985]:.1f} s" if reached[0.985] is not None else "not reached"
        print(f"default-long preset to 98.5% test accuracy: {shown}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
