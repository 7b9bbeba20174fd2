"""Check the PyTorch export with PyTorch itself (the `bench` extra installs it):

    python benchmarks/check_torch_export.py [MODEL.npz]

Builds the nn.Sequential that engine.exports.torch_sequential_code names, loads the exported
state dict into it, and compares its output on the 10,000 test images with the engine's.
Prints one JSON object; exits 1 if they differ by 1e-5 or more or a prediction differs.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402, F401  (used by the evaluated nn.Sequential source)

from assets import DEFAULT_MODEL  # noqa: E402
from engine.data import load_mnist  # noqa: E402
from engine.exports import export_torch_state_dict, torch_sequential_code  # noqa: E402
from engine.modelio import load_model  # noqa: E402


def main() -> int:
    network, _ = load_model(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_MODEL)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "state_dict.npz")
        export_torch_state_dict(network, path)
        # The README's recipe, step by step.
        model = eval(torch_sequential_code(network))  # noqa: S307 - the engine's own source text
        with np.load(path, allow_pickle=False) as arrays:
            model.load_state_dict({name: torch.from_numpy(arrays[name]) for name in arrays.files})
    x = load_mnist().x_test.astype(np.float32)
    with torch.no_grad():
        theirs = model(torch.from_numpy(x)).numpy()
    ours = network.predict_proba(x.T).T
    difference = float(np.max(np.abs(theirs - ours)))
    agree = bool(np.array_equal(theirs.argmax(axis=1), ours.argmax(axis=1)))
    print(json.dumps({"images": len(x), "max_abs_difference": difference, "predictions_agree": agree}))
    return 0 if difference < 1e-5 and agree else 1


if __name__ == "__main__":
    sys.exit(main())
