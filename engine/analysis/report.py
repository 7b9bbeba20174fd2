"""Exports of a run: its metrics as CSV and a self-contained HTML report.

CSV layout (one file, one row per record, a `kind` column telling the records apart):

    kind,epoch,loss,train_loss,test_loss,train_accuracy,test_accuracy,seconds
    batch,0.0043,2.2871,,,,,
    ...
    epoch,1,,0.3120,0.1804,0.9452,0.9467,9.81

* kind "batch": `epoch` is the fractional epoch reached after that mini-batch (the x axis of
  the loss curve) and `loss` the batch's loss. Long runs keep a thinned subset of batches
  (see engine.history), so consecutive rows may be more than one batch apart.
* kind "epoch": `epoch` is the number of completed epochs and the other columns are that
  epoch's evaluation; `loss` is empty.
Empty fields are missing values; numbers are written with full float precision.

The HTML report embeds its pictures as base64 PNG data, so the one file can be mailed or
archived. Pictures of plots are rendered by whoever draws them and passed in as PNG bytes;
the confusion matrix and the tables are plain HTML.
"""
from __future__ import annotations

import base64
import csv
import datetime
import html
import io
import math
from collections.abc import Mapping

import numpy as np

from ..atomic import atomic_write

CSV_COLUMNS = ("kind", "epoch", "loss", "train_loss", "test_loss", "train_accuracy", "test_accuracy", "seconds")
EPOCH_COLUMNS = CSV_COLUMNS[3:]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _history_arrays(history) -> tuple[np.ndarray, np.ndarray, dict]:
    """(batch x, batch loss, epoch arrays) from a Snapshot, a TrainingHistory or a mapping
    with the keys "batch_x", "batch_loss" and "epochs"."""
    if isinstance(history, Mapping):
        return (np.asarray(history["batch_x"]), np.asarray(history["batch_loss"]),
                dict(history.get("epochs", {})))
    if hasattr(history, "batch_arrays"):
        batch_x, batch_loss = history.batch_arrays()
        return batch_x, batch_loss, history.epoch_arrays()
    return np.asarray(history.batch_x), np.asarray(history.batch_loss), dict(history.epochs)


def _number(value) -> str:
    value = float(value)
    if value.is_integer() and math.isfinite(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def history_csv_text(history) -> str:
    """The CSV described in the module docstring, as text."""
    batch_x, batch_loss, epochs = _history_arrays(history)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    empty_epoch_fields = [""] * len(EPOCH_COLUMNS)
    for x, loss in zip(batch_x, batch_loss):
        writer.writerow(["batch", repr(float(x)), repr(float(loss)), *empty_epoch_fields])
    epoch_numbers = np.asarray(epochs.get("epoch", []))
    for i, epoch in enumerate(epoch_numbers):
        fields = []
        for name in EPOCH_COLUMNS:
            values = epochs.get(name)
            fields.append(repr(float(values[i])) if values is not None and i < len(values) else "")
        writer.writerow(["epoch", _number(epoch), "", *fields])
    return buffer.getvalue()


def history_to_csv(history, path) -> None:
    """Write the per-batch and per-epoch metrics of `history` (a Snapshot, a TrainingHistory
    or a mapping, see _history_arrays) to `path` atomically."""
    data = history_csv_text(history).encode("utf-8")
    atomic_write(path, lambda f: f.write(data))


# ----------------------------------------------------------------------------- HTML

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f2f2f2; } td.text { text-align: left; }
table.confusion td { min-width: 2.8em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9em; }
.note { color: #555; font-size: 0.9em; }
"""


def _png_data_uri(png: bytes) -> str:
    if not isinstance(png, (bytes, bytearray, memoryview)) or not bytes(png[:8]) == PNG_SIGNATURE:
        raise ValueError("figures must be PNG images (bytes starting with the PNG signature)")
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")


def _percent(value) -> str:
    return "\u2013" if value is None or not np.isfinite(value) else f"{100.0 * float(value):.2f} %"


def _table(rows, header=None) -> str:
    parts = ["<table>"]
    if header:
        parts.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>")
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            css = ' class="text"' if i == 0 or isinstance(cell, str) else ""
            cells.append(f"<td{css}>{html.escape(str(cell))}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table>")
    return "\n".join(parts)


def _confusion_table(evaluation) -> str:
    confusion = np.asarray(evaluation.confusion)
    n = confusion.shape[0]
    totals = np.maximum(confusion.sum(axis=1), 1)
    off_diagonal = confusion - np.diag(np.diag(confusion))
    worst = max(int(off_diagonal.max()), 1)
    rows = ['<table class="confusion">',
            "<tr><th>true \u2193 / predicted \u2192</th>"
            + "".join(f"<th>{p}</th>" for p in range(n)) + "<th>accuracy</th></tr>"]
    for t in range(n):
        cells = []
        for p in range(n):
            count = int(confusion[t, p])
            if t == p:
                style = "background: #dff0d8; font-weight: bold"
            elif count:
                # White to red by the count, on the scale of the largest confusion.
                strength = count / worst
                shade = int(round(255 * (1.0 - 0.75 * strength)))
                style = f"background: rgb(255, {shade}, {shade})"
            else:
                style = "color: #bbb"
            cells.append(f'<td style="{style}" title="{count / totals[t]:.2%} of true {t}">{count}</td>')
        rows.append(f"<tr><th>{t}</th>{''.join(cells)}<td>{_percent(evaluation.per_class_accuracy[t])}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _figures(figures) -> list[tuple[str, bytes]]:
    if figures is None:
        return []
    items = figures.items() if isinstance(figures, Mapping) else figures
    return [(str(caption), png) for caption, png in items]


def html_report_text(snapshot, evaluation=None, figures=None, title: str = "Backprop Studio report") -> str:
    """The report as HTML text; see html_report."""
    network, config = snapshot.network, snapshot.config
    created = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    summary = [
        ("Network", network.describe()),
        ("Dataset", snapshot.dataset_name or (evaluation.dataset_name if evaluation is not None else "") or "\u2013"),
        ("State", snapshot.state),
        ("Epochs completed", f"{snapshot.epoch:,}"),
        ("Batches trained", f"{snapshot.step:,}"),
        ("Training time", f"{snapshot.elapsed_s:.1f} s"),
    ]
    if evaluation is not None:
        summary += [("Test accuracy", _percent(evaluation.test_accuracy)),
                    ("Test loss", f"{evaluation.test_loss:.4f}"),
                    ("Test images", f"{evaluation.n_test:,}"),
                    ("Mistakes", f"{len(evaluation.mistakes):,}")]
    elif snapshot.latest_test_accuracy is not None:
        summary.append(("Test accuracy (last epoch)", _percent(snapshot.latest_test_accuracy)))

    body = [f"<h1>{html.escape(title)}</h1>",
            f'<p class="note">Created {html.escape(created)}.</p>',
            "<h2>Summary</h2>", _table(summary)]
    for caption, png in _figures(figures):
        body.append(f'<figure><img src="{_png_data_uri(png)}" alt="{html.escape(caption, quote=True)}">'
                    f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    if evaluation is not None:
        body += ["<h2>Confusion matrix</h2>",
                 '<p class="note">Rows are the true digits, columns the predicted ones; the diagonal '
                 "holds the correct answers. Hover a cell for its share of the true digit.</p>",
                 _confusion_table(evaluation)]
    epochs = snapshot.epochs or {}
    epoch_numbers = np.asarray(epochs.get("epoch", []))
    if epoch_numbers.size:
        rows = []
        for i, epoch in enumerate(epoch_numbers):
            def value(name, fmt, i=i):
                values = epochs.get(name)
                return fmt(values[i]) if values is not None and i < len(values) else "\u2013"
            rows.append((int(epoch), value("train_loss", lambda v: f"{v:.4f}"),
                         value("test_loss", lambda v: f"{v:.4f}"), value("train_accuracy", _percent),
                         value("test_accuracy", _percent), value("seconds", lambda v: f"{v:.1f}")))
        body += ["<h2>Epochs</h2>",
                 _table(rows, ("epoch", "train loss", "test loss", "train accuracy", "test accuracy", "seconds"))]
    settings = [(name, ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value)
                for name, value in config.to_dict().items()]
    body += ["<h2>Settings</h2>", _table(settings, ("setting", "value"))]
    if snapshot.message:
        body.append(f'<p class="note">{html.escape(snapshot.message)}</p>')
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def html_report(path, snapshot, evaluation=None, figures=None, title: str = "Backprop Studio report") -> None:
    """Write a self-contained HTML report to `path` atomically.

    snapshot: the run (network, settings, per-epoch metrics); evaluation: an
    engine.analysis.evaluation.EvaluationReport for the summary and confusion matrix, or None;
    figures: {caption: PNG bytes} or [(caption, PNG bytes), ...] (curves, the chunk grid, ...),
    embedded in order as data URIs."""
    data = html_report_text(snapshot, evaluation, figures, title).encode("utf-8")
    atomic_write(path, lambda f: f.write(data))
