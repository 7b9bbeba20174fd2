"""What the handwriting distortions cost an epoch, measured in the same run:

    python benchmarks/bench_distortions.py [--preset best] [--epochs 3] [--json]

Trains a preset's network (by default `best`, 784-800-800-10 with batch 128, the preset that uses
the distortions) on the bundled MNIST for one epoch at a time, alternating: no augmentation, and
every distortion on (shift, rotation, scale and shear, elastic deformation, stroke width and
noise, at the controls' magnitudes). Reports the median seconds per epoch of each and their
ratio; the target is at most 1.4.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.config import preset  # noqa: E402
from engine.data import load_mnist  # noqa: E402
from engine.trainer import BatchEvent, EpochEvent, Trainer  # noqa: E402

EVERY_DISTORTION = dict(augment_shift=2, augment_rotate=12.0, augment_affine=0.15, augment_elastic=1.5,
                        augment_thickness=0.5, augment_noise=0.1)


def epoch_seconds(trainer: Trainer) -> float:
    """Seconds of one epoch's batches (the evaluation at its end excluded)."""
    started, events = time.perf_counter(), trainer.run()
    for event in events:
        if isinstance(event, EpochEvent):
            return time.perf_counter() - started
        if not isinstance(event, BatchEvent):
            break
    raise RuntimeError("the epoch did not finish")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="best", help="whose network and batch size to time")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs of each (>= 3 for a median)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = load_mnist()
    base = preset(args.preset).with_changes(epochs=args.epochs + 1, augment_shift=0, augment_rotate=0.0,
                                            augment_affine=0.0, augment_elastic=0.0, augment_thickness=0.0,
                                            augment_noise=0.0)
    plain = Trainer(base, data)
    distorted = Trainer(base.with_changes(**EVERY_DISTORTION), data)
    plain_s, distorted_s = [], []
    for _ in range(args.epochs):
        plain_s.append(epoch_seconds(plain))
        distorted_s.append(epoch_seconds(distorted))
    result = {"preset": args.preset, "plain_s_per_epoch": statistics.median(plain_s),
              "distorted_s_per_epoch": statistics.median(distorted_s)}
    result["distortion_cost_ratio"] = result["distorted_s_per_epoch"] / result["plain_s_per_epoch"]
    print(f"plain {result['plain_s_per_epoch']:.3f} s/epoch, every distortion {result['distorted_s_per_epoch']:.3f} "
          f"s/epoch: {result['distortion_cost_ratio']:.2f}x (target at most 1.4x)")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
