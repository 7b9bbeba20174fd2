"""`export MODEL --onnx OUT.onnx --torch OUT.npz`: the network for other tools (engine/exports.py).

After writing the ONNX file the command checks it: with onnxruntime installed, the file runs on the
first 1,000 test images and must answer like the engine (largest difference in the probabilities
below 1e-5, every predicted digit the same), else the exit code is 1. Without the onnx package,
`--onnx` exits 2 with what to install and writes nothing.
"""
from __future__ import annotations

import json

from ..data import load_dataset
from ..exports import ExportError, check_onnx, export_onnx, export_torch_state_dict, torch_sequential_code
from ..modelio import load_model

CHECK_IMAGES = 1000
TOLERANCE = 1e-5
INSTALL_ONNXRUNTIME = "pip install onnxruntime (or pip install 'backprop-studio[onnx]')"
TORCH_RECIPE = "README.md, \"Exports for other tools\""


def add_export_parser(commands) -> None:
    """The `export` subcommand's flags, on the subparsers of engine.cli.build_parser."""
    export = commands.add_parser("export", help="write a saved model as ONNX or as PyTorch weights")
    export.add_argument("model", help="model .npz file")
    export.add_argument("--onnx", metavar="OUT.onnx", help="write the network as an ONNX file (opset 17)")
    export.add_argument("--torch", metavar="OUT.npz",
                        help="write the weights as a PyTorch state_dict-shaped .npz (plain arrays)")
    export.add_argument("--data", help="test images the ONNX file is checked on: a folder of IDX files, "
                                       "an .npz or a CSV (default: bundled MNIST)")
    export.add_argument("--json", action="store_true", help="print one JSON object")


def onnx_check_line(check) -> str:
    """'checked on 1,000 test images: largest difference 1.2e-07, every predicted digit agrees'."""
    agreement = "every predicted digit agrees" if check.predictions_agree else "some predicted digits differ"
    return (f"checked on {check.images:,} test images: largest difference {check.max_abs_difference:.1e}, "
            f"{agreement}")


def check_passed(check) -> bool:
    return check.max_abs_difference < TOLERANCE and check.predictions_agree


def _onnxruntime_installed() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def cmd_export(args, out, err):
    from . import UserError  # engine.cli defines it and imports this module

    if not args.onnx and not args.torch:
        raise UserError("export needs --onnx OUT.onnx or --torch OUT.npz (or both)")
    network, _ = load_model(args.model)  # evaluate's reader: a bad file is one line, exit 2
    data = None
    if args.onnx and _onnxruntime_installed():
        data = load_dataset(args.data)
        if network.layer_sizes[0] != data.n_inputs or network.layer_sizes[-1] != data.n_classes:
            raise UserError(f"{args.model}: network {network.describe()} does not fit {data.name}")
    result = {"onnx": None, "torch": None, "checked_images": None, "max_abs_difference": None,
              "predictions_agree": None}
    lines = []
    check = None
    try:
        if args.onnx:  # first: without the onnx package nothing is written
            export_onnx(network, args.onnx)
            result["onnx"] = str(args.onnx)
            lines.append(f"wrote {args.onnx}: {network.describe()} as ONNX (opset 17)")
            if data is not None:
                check = check_onnx(args.onnx, network, data.x_test[:CHECK_IMAGES])
            if check is None:
                lines.append(f"ONNX check skipped: onnxruntime is not installed ({INSTALL_ONNXRUNTIME})")
            else:
                result.update(checked_images=check.images, max_abs_difference=check.max_abs_difference,
                              predictions_agree=check.predictions_agree)
                lines.append(onnx_check_line(check))
        if args.torch:
            export_torch_state_dict(network, args.torch)
            result["torch"] = str(args.torch)
            lines.append(f"wrote {args.torch}: PyTorch state_dict for\n  {torch_sequential_code(network)}\n"
                         f"  (how to load it: {TORCH_RECIPE})")
    except ExportError as e:
        raise UserError(str(e)) from None
    if args.json:
        out.write(json.dumps(result) + "\n")
    else:
        out.write("\n".join(lines) + "\n")
    if check is not None and not check_passed(check):
        err.write(f"error: the ONNX file does not answer like the engine (the largest difference must be "
                  f"below {TOLERANCE:g} and every predicted digit agree)\n")
        return 1
    return 0
