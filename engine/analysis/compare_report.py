"""A self-contained HTML page comparing two runs (`main.py compare A B --html OUT`).

Everything is drawn here from the numbers, so the one file can be mailed or archived: the curves and
the per-digit chart are inline SVG, the first-layer chunks PNG data URIs (engine/analysis/png.py).
Run A is blue and solid, run B orange and dashed, in every chart, so colour is never the only clue.
Each curve is one <polyline> whose data-run, data-metric and data-axis attributes say what it shows;
points that are not finite are left out.
"""
from __future__ import annotations

import base64
import html
import math

import numpy as np

from ..atomic import atomic_write
from .compare import EPOCH_AXIS, TIME_AXIS, Comparison
from .png import NEGATIVE, POSITIVE, symmetric_scale, tile_grid_png

RUN_STYLES = {"a": ("#1f77b4", ""), "b": ("#d95f02", "7 4")}
"""Colour and SVG dash pattern of each run's lines."""
MAX_MARKERS = 60
"""Curves with more points than this are drawn without point markers."""
CHART_WIDTH, CHART_HEIGHT = 560, 300
MARGIN = {"left": 64, "right": 16, "top": 28, "bottom": 46}
LEGEND_ROW = 16
CHARTS = (("Loss", "loss", (("batch_loss", "batch loss", 1.2, 0.45), ("test_loss", "test loss", 2.4, 1.0))),
          ("Accuracy", "accuracy", (("train_accuracy", "train accuracy", 1.2, 0.55),
                                    ("test_accuracy", "test accuracy", 2.4, 1.0))))
"""(title, y label, ((metric, label, line width, opacity), ...)) of each curve chart."""
AXIS_LABELS = {EPOCH_AXIS: "epoch", TIME_AXIS: "wall-clock seconds"}

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f2f2f2; } td.text, th.text { text-align: left; }
tr.differs td { background: #fff1b8; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
.chunks { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
figure { margin: 0.5em 0; } figcaption { color: #555; font-size: 0.9em; }
figure img { image-rendering: pixelated; border: 1px solid #ddd; }
svg text { font-size: 11px; fill: #333; } svg .title { font-size: 13px; font-weight: bold; }
.note { color: #555; font-size: 0.9em; }
"""


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    step = 10 ** math.floor(math.log10((high - low) / count))
    for multiple in (1, 2, 2.5, 5, 10):
        if (high - low) / (step * multiple) <= count:
            step *= multiple
            break
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def _tick_text(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.1e}"


class _Frame:
    """Maps data to pixel coordinates inside a chart's margins."""

    def __init__(self, x_range, y_range, width=CHART_WIDTH, height=CHART_HEIGHT, legend_rows=0):
        self.width, self.height = width, height + LEGEND_ROW * legend_rows
        (x0, x1), (y0, y1) = x_range, y_range
        if y1 - y0 <= 0:
            y0, y1 = y0 - 0.5, y1 + 0.5
        if x1 - x0 <= 0:
            x0, x1 = x0 - 0.5, x1 + 0.5
        self.x_range, self.y_range = (x0, x1), (y0, y1)
        self.left, self.right = MARGIN["left"], width - MARGIN["right"]
        self.top, self.bottom = MARGIN["top"], height - MARGIN["bottom"]
        self.legend_top = height

    def x(self, value):
        x0, x1 = self.x_range
        return self.left + (np.asarray(value, dtype=np.float64) - x0) / (x1 - x0) * (self.right - self.left)

    def y(self, value):
        y0, y1 = self.y_range
        return self.bottom - (np.asarray(value, dtype=np.float64) - y0) / (y1 - y0) * (self.bottom - self.top)

    def axes(self, title: str, x_label: str, y_label: str, x_ticks: bool = True) -> list[str]:
        parts = [f'<text class="title" x="{self.left}" y="{self.top - 10}">{html.escape(title)}</text>',
                 f'<line x1="{self.left}" y1="{self.bottom}" x2="{self.right}" y2="{self.bottom}" stroke="#444"/>',
                 f'<line x1="{self.left}" y1="{self.top}" x2="{self.left}" y2="{self.bottom}" stroke="#444"/>']
        for value in _nice_ticks(*self.x_range) if x_ticks else ():
            x = float(self.x(value))
            parts.append(f'<line x1="{x:.1f}" y1="{self.bottom}" x2="{x:.1f}" y2="{self.bottom + 4}" stroke="#444"/>'
                         f'<text x="{x:.1f}" y="{self.bottom + 16}" text-anchor="middle">{_tick_text(value)}</text>')
        for value in _nice_ticks(*self.y_range):
            y = float(self.y(value))
            parts.append(f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.right}" y2="{y:.1f}" stroke="#eee"/>'
                         f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end">{_tick_text(value)}</text>')
        parts.append(f'<text x="{(self.left + self.right) / 2:.1f}" y="{self.bottom + MARGIN["bottom"] - 8}" '
                     f'text-anchor="middle">{html.escape(x_label)}</text>')
        parts.append(f'<text transform="translate(14 {(self.top + self.bottom) / 2:.1f}) rotate(-90)" '
                     f'text-anchor="middle">{html.escape(y_label)}</text>')
        return parts


def _svg(frame: _Frame, parts: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{frame.width}" height="{frame.height}" '
            f'viewBox="0 0 {frame.width} {frame.height}" role="img" aria-label="{html.escape(label, quote=True)}">'
            + "".join(parts) + "</svg>")


def _legend(entries, frame: _Frame) -> list[str]:
    """entries: (text, colour, dash, width) drawn as line samples under the chart, two to a row."""
    parts = []
    column_width = (frame.right - frame.left) / 2
    for i, (text, colour, dash, width) in enumerate(entries):
        y = frame.legend_top + LEGEND_ROW * (i // 2) + 6
        x = frame.left + column_width * (i % 2)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{x}" y1="{y}" x2="{x + 26}" y2="{y}" stroke="{colour}" stroke-width="{width}"'
                     f'{dash_attr}/><text x="{x + 32}" y="{y + 4}">{html.escape(text)}</text>')
    return parts


def curve_chart_svg(comparison: Comparison, axis: str, title: str, y_label: str, series) -> str:
    """One SVG chart of `series` ((metric, label, width, opacity), ...) of both runs against `axis`."""
    pairs = [comparison.by_epoch[m] if axis == EPOCH_AXIS else comparison.by_time[m] for m, *_ in series]
    x_ranges = [p.x_range for p in pairs if len(p.x_a) or len(p.x_b)] or [(0.0, 1.0)]
    y_ranges = [p.y_range for p in pairs if len(p.y_a) or len(p.y_b)] or [(0.0, 1.0)]
    x_low = min(0.0, min(r[0] for r in x_ranges))
    frame = _Frame((x_low, max(r[1] for r in x_ranges)),
                   (min(r[0] for r in y_ranges), max(r[1] for r in y_ranges)), legend_rows=len(series))
    parts = frame.axes(title, AXIS_LABELS[axis], y_label)
    legend = []
    names = {"a": comparison.run_a.name, "b": comparison.run_b.name}
    for pair, (metric, label, width, opacity) in zip(pairs, series):
        for run, (x, y) in (("a", (pair.x_a, pair.y_a)), ("b", (pair.x_b, pair.y_b))):
            colour, dash = RUN_STYLES[run]
            text = f"{run.upper()} {names[run][:24]}: {label}" + ("" if len(x) else " (not recorded)")
            legend.append((text, colour, dash, width))
            finite = np.isfinite(x) & np.isfinite(y)
            xs, ys = frame.x(x[finite]), frame.y(y[finite])
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in zip(xs, ys))
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<polyline data-run="{run}" data-metric="{metric}" data-axis="{axis}" points="{points}" '
                         f'fill="none" stroke="{colour}" stroke-width="{width}" stroke-opacity="{opacity}"'
                         f'{dash_attr}/>')
            if width > 2 and 0 < len(xs) <= MAX_MARKERS:  # markers: a one-epoch run is still seen
                for px, py in zip(xs, ys):
                    parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"/>' if run == "a" else
                                 f'<rect x="{px - 3.5:.1f}" y="{py - 3.5:.1f}" width="7" height="7" fill="{colour}"/>')
    return _svg(frame, parts + _legend(legend, frame), f"{title} by {AXIS_LABELS[axis]}")


def per_class_chart_svg(difference: np.ndarray, labels=None) -> str:
    """Bars of B's accuracy minus A's per digit, in percentage points (up: B better, in B's colour)."""
    values = 100.0 * np.asarray(difference, dtype=np.float64)
    labels = labels or [str(i) for i in range(len(values))]
    top = 1.1 * max(1.0, float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0)
    frame = _Frame((0.0, float(len(values))), (-top, top))
    parts = frame.axes("Accuracy per digit: B minus A", "digit", "percentage points", x_ticks=False)
    zero = float(frame.y(0.0))
    parts.append(f'<line x1="{frame.left}" y1="{zero:.1f}" x2="{frame.right}" y2="{zero:.1f}" stroke="#444"/>')
    slot = (frame.right - frame.left) / max(len(values), 1)
    for i, value in enumerate(values):
        x = frame.left + slot * (i + 0.15)
        if np.isfinite(value):
            y = float(frame.y(value))
            colour = RUN_STYLES["b" if value >= 0 else "a"][0]
            parts.append(f'<rect data-digit="{i}" data-value="{value:.4f}" x="{x:.1f}" y="{min(y, zero):.1f}" '
                         f'width="{slot * 0.7:.1f}" height="{abs(zero - y):.1f}" fill="{colour}"/>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{frame.bottom + 16}" text-anchor="middle">'
                     f'{html.escape(labels[i])}</text>')
    return _svg(frame, parts, "accuracy per digit, B minus A")


def chunk_pngs(comparison: Comparison) -> tuple[bytes, bytes]:
    """PNG bytes of A's first-layer chunks and of B's beside them (matched slot for slot), one colour scale."""
    tiles_a, tiles_b = comparison.chunk_slots()
    scale = symmetric_scale(comparison.run_a.network.weights[0], comparison.run_b.network.weights[0])
    return tile_grid_png(tiles_a, scale), tile_grid_png(tiles_b, scale)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _percent(value) -> str:
    return "\u2013" if value is None or not np.isfinite(value) else f"{100.0 * float(value):.2f} %"


def _setting_text(value) -> str:
    if value is None:
        return "unknown"
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _cell(value, text=False) -> str:
    return f'<td{" class=text" if text else ""}>{html.escape(str(value))}</td>'


def compare_html_text(comparison: Comparison, source_a: str = "", source_b: str = "",
                      title: str = "Backprop Studio: two runs compared") -> str:
    """The report as HTML text; see write_compare_html."""
    a, b, per_class, match = comparison.run_a, comparison.run_b, comparison.per_class, comparison.match
    summary = [("Name", a.name, b.name), ("File", source_a or "\u2013", source_b or "\u2013"),
               ("Network", a.network.describe(), b.network.describe()),
               ("Dataset", a.dataset_name or "\u2013", b.dataset_name or "\u2013"),
               ("Created", a.created or "\u2013", b.created or "\u2013"),
               ("Epochs", f"{a.epochs:,}", f"{b.epochs:,}"), ("Steps", f"{a.steps:,}", f"{b.steps:,}"),
               ("Training time", f"{a.training_seconds:.1f} s", f"{b.training_seconds:.1f} s"),
               ("Test accuracy (own)", _percent(a.test_accuracy), _percent(b.test_accuracy))]
    if per_class is not None:
        summary.append((f"Test accuracy on {per_class.dataset_name}", _percent(per_class.test_accuracy_a),
                        _percent(per_class.test_accuracy_b)))
    style_a, style_b = RUN_STYLES["a"][0], RUN_STYLES["b"][0]
    body = [f"<h1>{html.escape(title)}</h1>",
            f'<p class="note">A (<span style="color:{style_a}">blue, solid</span>) and B '
            f'(<span style="color:{style_b}">orange, dashed</span>).</p>',
            "<h2>Summary</h2><table><tr><th></th><th>A</th><th>B</th></tr>"]
    body += ["<tr>" + _cell(k, True) + _cell(va, True) + _cell(vb, True) + "</tr>" for k, va, vb in summary]
    body.append("</table><h2>Curves</h2>")
    for axis in (EPOCH_AXIS, TIME_AXIS):
        body.append('<div class="charts">' + "".join(
            curve_chart_svg(comparison, axis, f"{chart_title} by {AXIS_LABELS[axis]}", y_label, series)
            for chart_title, y_label, series in CHARTS) + "</div>")
    body.append('<p class="note">Times of single batches are interpolated from the epochs\' times.</p>')
    n_differ = sum(row.differs for row in comparison.settings)
    body += [f"<h2>Settings</h2><p class=\"note\">{n_differ} setting{'s' if n_differ != 1 else ''} differ "
             "(highlighted).</p><table><tr><th class=text>setting</th><th>A</th><th>B</th></tr>"]
    for row in comparison.settings:
        body.append(f'<tr{" class=differs" if row.differs else ""}>' + _cell(row.key, True)
                    + _cell(_setting_text(row.a), True) + _cell(_setting_text(row.b), True) + "</tr>")
    body.append("</table>")
    if per_class is not None:
        body += [f"<h2>Accuracy per digit</h2><p class=\"note\">On {html.escape(per_class.dataset_name)}'s test "
                 "images. Bars above zero: B does better on that digit.</p>", per_class_chart_svg(per_class.difference),
                 "<table><tr><th>digit</th><th>A</th><th>B</th><th>B \u2212 A</th></tr>"]
        for digit, (pa, pb, d) in enumerate(zip(per_class.a, per_class.b, per_class.difference)):
            change = "\u2013" if not np.isfinite(d) else f"{100 * d:+.2f}"
            body.append(f"<tr><td>{digit}</td><td>{_percent(pa)}</td><td>{_percent(pb)}</td><td>{change}</td></tr>")
        body.append("</table>")
    try:
        png_a, png_b = chunk_pngs(comparison)
    except ValueError as e:
        body += ["<h2>First-layer chunks</h2>", f'<p class="note">Not drawn: {html.escape(str(e))}.</p>']
    else:
        unmatched = [f"{len(match.unmatched_a)} of A's neurons" if len(match.unmatched_a) else "",
                     f"{len(match.unmatched_b)} of B's neurons" if len(match.unmatched_b) else ""]
        unmatched_text = " and ".join(u for u in unmatched if u)
        negative, positive = (f"rgb({int(c[0])}, {int(c[1])}, {int(c[2])})" for c in (NEGATIVE, POSITIVE))
        body += ["<h2>First-layer chunks, neuron matched to neuron</h2>",
                 f'<p class="note">Each tile is one row of W[1] as a 28x28 picture: <span style="color:{negative}">'
                 f'blue</span> negative, white zero, <span style="color:{positive}">red</span> positive, one scale '
                 "for both. B's neurons stand where their A partners stand (the pairing of largest total "
                 f"correlation); matched correlation: mean {match.mean:.3f}, median {match.median:.3f}"
                 + (f"; without a partner: {unmatched_text} (grey slots)" if unmatched_text else "") + ".</p>",
                 '<div class="chunks">',
                 f'<figure><img src="{_data_uri(png_a)}" alt="first-layer chunks of A">'
                 f"<figcaption>A: {html.escape(a.name)}</figcaption></figure>",
                 f'<figure><img src="{_data_uri(png_b)}" alt="first-layer chunks of B, matched to A">'
                 f"<figcaption>B: {html.escape(b.name)}, matched to A</figcaption></figure>", "</div>"]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def write_compare_html(path, comparison: Comparison, source_a: str = "", source_b: str = "",
                       title: str = "Backprop Studio: two runs compared") -> None:
    """Write the comparison report to `path` atomically: both runs' loss and accuracy curves by epoch
    and by wall-clock time, the settings with the differences highlighted, accuracy per digit (when
    the comparison has it) and the first-layer chunks of A and matched B. `source_*`: where each run
    came from, shown in the summary."""
    data = compare_html_text(comparison, source_a, source_b, title).encode("utf-8")
    atomic_write(path, lambda f: f.write(data))
