"""Engine speed against PyTorch on the same workload, measured in the same run.

    python benchmarks/bench_engine.py [--data DIR] [--epochs 3] [--json]

Trains 784-128-64-10 (ReLU, softmax/cross-entropy, plain gradient descent lr 0.1,
batch 128, float32) with this engine and with PyTorch on the CPU, then times the
`default` preset to 97% and 98% test accuracy. PyTorch is optional
(`pip install torch==2.13.0`); without it only the engine's figures are printed.
With --json the last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from engine.bench import REFERENCE, engine_seconds_per_epoch, seconds_to_accuracy, sgemm_gflops  # noqa: E402
from engine.data import load_dataset  # noqa: E402


def torch_seconds_per_epoch(data, epochs, config=REFERENCE):
    """The same network, initialisation scheme, update rule and batch order policy in PyTorch."""
    import torch

    torch.manual_seed(config.seed)
    x_train = torch.from_numpy(np.ascontiguousarray(data.x_train))
    y_train = torch.from_numpy(data.y_train)
    x_test = torch.from_numpy(np.ascontiguousarray(data.x_test))
    y_test = torch.from_numpy(data.y_test)
    sizes = config.layer_sizes(data.n_inputs, data.n_classes)
    layers = []
    for i in range(1, len(sizes)):
        linear = torch.nn.Linear(sizes[i - 1], sizes[i])
        torch.nn.init.zeros_(linear.bias)
        if i < len(sizes) - 1:
            torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            layers += [linear, torch.nn.ReLU()]
        else:
            torch.nn.init.xavier_uniform_(linear.weight)
            layers.append(linear)
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(config.seed)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(y_train), generator=generator)
        for begin in range(0, len(order), config.batch_size):
            idx = order[begin:begin + config.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    with torch.no_grad():
        accuracy = float((model(x_test).argmax(dim=1) == y_test).float().mean())
    return statistics.median(times), accuracy, torch.__version__, torch.get_num_threads()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="dataset (default: bundled MNIST)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = load_dataset(args.data)
    result = {}

    engine_s, engine_acc = engine_seconds_per_epoch(data, epochs=args.epochs)
    result.update(engine_s_per_epoch=engine_s, engine_test_accuracy=engine_acc)
    print(f"engine : {engine_s:.3f} s/epoch (median of {args.epochs}), test accuracy {engine_acc:.2%}")
    try:
        torch_s, torch_acc, version, threads = torch_seconds_per_epoch(data, args.epochs)
    except ImportError:
        print("torch  : not installed (pip install torch==2.13.0); skipping the reference")
        result.update(torch_s_per_epoch=None, speedup_vs_torch=None)
    else:
        result.update(torch_s_per_epoch=torch_s, torch_test_accuracy=torch_acc, torch_version=version,
                      speedup_vs_torch=torch_s / engine_s)
        print(f"torch  : {torch_s:.3f} s/epoch (median of {args.epochs}), test accuracy {torch_acc:.2%} "
              f"(PyTorch {version}, {threads} threads)")
        print(f"speedup_vs_torch = torch_s_per_epoch / engine_s_per_epoch = {torch_s / engine_s:.2f}")

    peak = sgemm_gflops()
    flops_per_epoch = 6 * data.n_train * sum(a * b for a, b in zip(REFERENCE.layer_sizes()[:-1],
                                                                  REFERENCE.layer_sizes()[1:]))
    result.update(sgemm_peak_gflops=peak, engine_fraction_of_peak=flops_per_epoch / engine_s / 1e9 / peak)
    print(f"float32 matmul peak: {peak:.1f} GFLOP/s; the engine's epoch runs at "
          f"{result['engine_fraction_of_peak']:.1%} of it")

    reached, last = seconds_to_accuracy(data, "default", targets=(0.97, 0.98))
    result.update(default_seconds_to_97=reached[0.97], default_seconds_to_98=reached[0.98],
                  default_final_test_accuracy=last.test_accuracy if last else None)
    for target, seconds in reached.items():
        shown = f"{seconds:.1f} s" if seconds is not None else "not reached"
        print(f"default preset to {target:.0%} test accuracy: {shown}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
