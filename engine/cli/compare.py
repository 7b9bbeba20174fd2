"""`compare A B [--json] [--html OUT] [--data PATH]`: two runs side by side (engine/analysis/compare.py).

A and B are run files or model files (what `train --save` writes, or the window's File -> Save run…),
or the word `default` for the shipped model. Both are read before anything is written; a missing or
corrupt file exits 2 with one line, "error: PATH: problem", as `evaluate` does.

--json prints one object:

    {"a": {"path", "name", "test_accuracy", "test_loss", "epochs", "steps", "training_seconds",
           "layer_sizes"},
     "b": {...the same...},
     "settings_differ": [{"key", "a", "b"}, ...],
     "per_class_accuracy": {"a": [10], "b": [10], "difference": [10]},
     "matched_correlation": {"mean", "median"}}

test_accuracy and test_loss are the file's own last evaluation (for a file that records none, the
score on the --data test set); per_class_accuracy is measured on the --data test set (default: the
bundled MNIST), difference = b - a, null for a digit absent from it. matched_correlation: the Pearson
correlations of the first-layer neurons paired one to one (docs/math.md#comparing-networks).
Settings a file does not record are left out of settings_differ.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from assets import DEFAULT_MODEL

from ..data import load_dataset
from ..runs import load_run, load_shipped_run

SHIPPED_MODEL_WORD = "default"


def add_compare_parser(commands) -> None:
    """The `compare` subcommand's flags, on the subparsers of engine.cli.build_parser."""
    compare = commands.add_parser("compare", help="compare two runs or models: settings, curves, chunks")
    compare.add_argument("a", metavar="A", help=f"run or model .npz file ({SHIPPED_MODEL_WORD!r}: the shipped model)")
    compare.add_argument("b", metavar="B", help="run or model .npz file")
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    compare.add_argument("--html", metavar="OUT", help="write a self-contained HTML report with curves and chunks")
    compare.add_argument("--data", help="test set for the per-digit accuracy: a folder of IDX files, an .npz or a "
                                        "CSV (default: bundled MNIST)")


def _read(word: str):
    """(path, run) of what `word` names: the shipped model for SHIPPED_MODEL_WORD unless a file has that name."""
    if word == SHIPPED_MODEL_WORD and not Path(word).exists():
        return DEFAULT_MODEL, load_shipped_run()
    return Path(word), load_run(word)


def _number(value):
    return None if value is None or not math.isfinite(value) else float(value)


def comparison_json(comparison, path_a: str, path_b: str) -> dict:
    """The --json object (see the module docstring)."""
    per_class = comparison.per_class

    def side(run, path, measured_accuracy, measured_loss):
        own = run.test_accuracy is not None
        return {"path": path, "name": run.name,
                "test_accuracy": _number(run.test_accuracy if own else measured_accuracy),
                "test_loss": _number(run.test_loss if own else measured_loss),
                "epochs": run.epochs, "steps": run.steps, "training_seconds": run.training_seconds,
                "layer_sizes": list(run.layer_sizes)}

    return {
        "a": side(comparison.run_a, path_a, per_class.test_accuracy_a, per_class.test_loss_a),
        "b": side(comparison.run_b, path_b, per_class.test_accuracy_b, per_class.test_loss_b),
        "settings_differ": [{"key": key, "a": a, "b": b} for key, a, b in comparison.differences],
        "per_class_accuracy": {name: [_number(v) for v in values] for name, values in
                               (("a", per_class.a), ("b", per_class.b), ("difference", per_class.difference))},
        "matched_correlation": {"mean": comparison.match.mean, "median": comparison.match.median},
    }


def _percent(value) -> str:
    return "\u2013" if value is None else f"{value:.2%}"


def summary_text(result: dict, comparison) -> str:
    """The readable summary printed without --json."""
    lines = []
    dataset = comparison.per_class.dataset_name
    for key, run in (("a", comparison.run_a), ("b", comparison.run_b)):
        side = result[key]
        measured = f" (measured on {dataset})" if run.test_accuracy is None else ""
        lines.append(f"{key.upper()}: {side['name']} ({side['path']}): {'-'.join(map(str, side['layer_sizes']))}, "
                     f"{side['epochs']} epochs, {side['steps']:,} steps, {side['training_seconds']:.1f} s; "
                     f"test accuracy {_percent(side['test_accuracy'])}{measured}")
    differ = result["settings_differ"]
    unknown = [key.upper() for key, run in (("a", comparison.run_a), ("b", comparison.run_b)) if not run.config_known]
    note = f" ({' and '.join(unknown)} record{'s' if len(unknown) == 1 else ''} only the network's shape)"
    lines.append(("settings that differ (A -> B)" if differ else "settings: none differ")
                 + (note if unknown else "") + (":" if differ else ""))
    lines += [f"  {d['key']}: {d['a']} -> {d['b']}" for d in differ]
    per_class = result["per_class_accuracy"]
    lines.append(f"accuracy per digit on {comparison.per_class.dataset_name} (A, B, B - A):")
    for digit, (a, b, d) in enumerate(zip(per_class["a"], per_class["b"], per_class["difference"])):
        lines.append(f"  {digit}: {_percent(a):>8}  {_percent(b):>8}  "
                     + ("\u2013" if d is None else f"{100 * d:+6.2f} points"))
    match = comparison.match
    extra = ""
    if len(match.unmatched_a) or len(match.unmatched_b):
        extra = f"; unmatched: {len(match.unmatched_a)} of A's, {len(match.unmatched_b)} of B's"
    lines.append(f"first-layer neurons matched one to one: correlation mean {match.mean:.3f}, "
                 f"median {match.median:.3f}{extra}")
    return "\n".join(lines) + "\n"


def cmd_compare(args, out, err):
    # Imported here, not at the top: main.py imports engine.cli at every start, the window's too.
    from ..analysis.compare import compare_runs
    from ..analysis.compare_report import write_compare_html
    from . import UserError  # engine.cli defines it and imports this module

    (path_a, run_a), (path_b, run_b) = _read(args.a), _read(args.b)  # both read before anything is written
    data = load_dataset(args.data)
    for path, run in ((path_a, run_a), (path_b, run_b)):
        if run.layer_sizes[0] != data.n_inputs or run.layer_sizes[-1] != data.n_classes:
            raise UserError(f"{path}: network {run.network.describe()} does not fit {data.name}")
    try:
        comparison = compare_runs(run_a, run_b, data)
    except ValueError as e:
        raise UserError(f"{path_a}, {path_b}: {e}") from None
    result = comparison_json(comparison, str(path_a), str(path_b))
    if args.html:
        try:
            write_compare_html(args.html, comparison, str(path_a), str(path_b))
        except OSError as e:
            raise UserError(f"{args.html}: cannot write the report ({e.strerror or e})") from None
    if args.json:
        out.write(json.dumps(result) + "\n")
    else:
        out.write(summary_text(result, comparison))
        if args.html:
            out.write(f"wrote {args.html}\n")
    return 0
