"""How the weights and biases of every layer are distributed, and how training has moved them.

The filled histogram is the current network; the dashed line is the reference, by default the
first network this panel saw (usually the freshly initialised one), drawn on the same bins.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.analysis import symmetric_range, weight_histograms
from engine.snapshot import RunState

from ..widgets.colormaps import series_colours, style_plot, text_colour, translucent
from ..widgets.panel_base import SnapshotPanel
from ..widgets.theme import follow_window_colour

BINS = 60


def _signed(value: float) -> str:
    return f"{value:+.3g}".replace("-", "\u2212")


def _stats(values: np.ndarray) -> str:
    values = np.asarray(values, dtype=np.float64)
    return f"mean {_signed(values.mean())}, std {values.std():.3g}"


class _HistogramView(pg.GraphicsLayoutWidget):
    def __init__(self) -> None:
        super().__init__()
        follow_window_colour(self).setBackground(None)  # the window's colour, not pyqtgraph's black

    def sizeHint(self) -> QSize:
        return QSize(520, 420)


class HistogramsPanel(SnapshotPanel):
    """One histogram of W[l] and one of b[l] per layer, live, over a faint reference."""

    def __init__(self, bins: int = BINS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._given_reference = None
        self.setObjectName("histogramsPanel")
        self.bins = bins
        self.histograms: list = []
        """engine.analysis.weight_stats.LayerHistogram of the current network, one per layer."""
        self.reference_histograms: list = []
        """The reference network's histograms on the same bins (empty without a reference)."""
        self.reference = None
        self._network = None
        self._weights = None
        self._architecture = None
        self._plots: list[tuple[pg.PlotItem, pg.PlotItem]] = []
        self._current_items: list[tuple[pg.PlotDataItem, pg.PlotDataItem]] = []
        self._reference_items: list[tuple[pg.PlotDataItem, pg.PlotDataItem]] = []

        self.title = QLabel("Distribution of the weights W[l] (left) and biases b[l] (right) of every layer")
        self.title.setObjectName("histogramsTitle")
        self.title.setWordWrap(True)
        self.legend_label = QLabel()
        self.legend_label.setObjectName("histogramsLegend")
        self.legend_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.legend_label.setToolTip("What the filled bars and the dashed line show.")
        self.view = _HistogramView()
        self.view.setObjectName("histogramsView")
        self.view.setToolTip(
            "How many parameters fall in each range of values. Filled: the network now. Dashed: the reference "
            "(the first network shown, usually the initial one), on the same bins.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.legend_label)
        layout.addWidget(self.view, 1)
        self._show_legend()

    # ------------------------------------------------------------------ API

    def set_reference(self, network) -> None:
        """Compare with `network` from now on (None: no reference until the next snapshot's)."""
        self.reference = None if network is None else network.copy()
        self._show_legend()
        if self._network is not None:
            self._render()

    def after_snapshot(self, snapshot) -> None:
        """The dashed histograms show the run's initial weights, even if the panel was hidden when
        the run began; a loaded model is compared with itself. Set after the snapshot is shown,
        when the panel already draws a network of the reference's architecture."""
        start = self.state.run_start_network
        reference = start if snapshot.state != RunState.IDLE and start is not None else snapshot.network
        if self._given_reference is not reference and reference.layer_sizes == snapshot.network.layer_sizes:
            self.set_reference(reference)
            self._given_reference = reference

    def show_snapshot(self, snapshot) -> None:
        network = snapshot.network
        if network.weights[0] is self._weights:
            return
        self._network = network
        self._weights = network.weights[0]
        if network.layer_sizes != self._architecture:
            self._architecture = network.layer_sizes
            self._build_plots(network.n_layers)
        if self.reference is None or self.reference.layer_sizes != network.layer_sizes:
            self.reference = network.copy()
            self._show_legend()
        self._render()

    # ------------------------------------------------------------- internals

    def restyle(self) -> None:
        self._show_legend()
        for current_items, reference_items in zip(self._current_items, self._reference_items):
            for current, reference in zip(current_items, reference_items):
                self._colour_items(current, reference)

    def _colour_items(self, current: pg.PlotDataItem, reference: pg.PlotDataItem) -> None:
        colour = series_colours().train
        current.setBrush(pg.mkBrush(translucent(colour, 150)))
        current.setPen(pg.mkPen(colour, width=1))
        reference.setPen(pg.mkPen(translucent(text_colour(self), 170), width=1.5, style=Qt.PenStyle.DashLine))

    def _show_legend(self) -> None:
        colour = series_colours().train.name()
        reference = ("dashed: the reference (first network shown)" if self.reference is not None
                     else "no reference yet")
        self.legend_label.setText(f'<span style="color:{colour}">\u25a0</span> now   '
                                  f"<b>- -</b> {reference}")

    def _build_plots(self, n_layers: int) -> None:
        self.view.clear()
        self._plots, self._current_items, self._reference_items = [], [], []
        for l in range(n_layers):
            row_plots, row_current, row_reference = [], [], []
            for col in range(2):
                plot_item = self.view.addPlot(row=l, col=col)
                plot_item.setMenuEnabled(False)
                plot_item.hideButtons()
                plot_item.setMouseEnabled(x=False, y=False)
                style_plot(plot_item, self)
                plot_item.getAxis("left").enableAutoSIPrefix(False)
                plot_item.getAxis("left").setWidth(52)  # room for counts such as 25000
                plot_item.getAxis("bottom").enableAutoSIPrefix(False)
                # A title from the start, so the layout keeps room for it (see _render).
                plot_item.setTitle(f"{'Wb'[col]}[{l + 1}]", size="9pt")
                current = plot_item.plot([0.0, 1.0], [0.0], stepMode="center", fillLevel=0)
                reference = plot_item.plot([0.0, 1.0], [0.0], stepMode="center")
                self._colour_items(current, reference)
                row_plots.append(plot_item)
                row_current.append(current)
                row_reference.append(reference)
            self._plots.append(tuple(row_plots))
            self._current_items.append(tuple(row_current))
            self._reference_items.append(tuple(row_reference))

    def _shared_ranges(self) -> list:
        """Per layer, symmetric ranges covering both the current and the reference parameters."""
        ranges = []
        for l, (w, b) in enumerate(zip(self._network.weights, self._network.biases)):
            pair = []
            for values, reference_values in ((w, self.reference.weights[l]), (b, self.reference.biases[l])):
                top = max(symmetric_range(values)[1], symmetric_range(reference_values)[1])
                pair.append((-top, top))
            ranges.append(tuple(pair))
        return ranges

    def _render(self) -> None:
        network = self._network
        ranges = self._shared_ranges()
        self.histograms = weight_histograms(network, self.bins, ranges)
        self.reference_histograms = weight_histograms(self.reference, self.bins, ranges)
        for l, (current, reference) in enumerate(zip(self.histograms, self.reference_histograms)):
            (w_plot, b_plot), (w_item, b_item), (w_ref, b_ref) = (
                self._plots[l], self._current_items[l], self._reference_items[l])
            w_item.setData(current.weight_edges, current.weight_counts)
            b_item.setData(current.bias_edges, current.bias_counts)
            w_ref.setData(reference.weight_edges, reference.weight_counts)
            b_ref.setData(reference.bias_edges, reference.bias_counts)
            weights, biases = network.weights[l], network.biases[l]
            w_plot.setTitle(f"W[{l + 1}]: {weights.size:,} weights, {_stats(weights)}", size="9pt")
            b_plot.setTitle(f"b[{l + 1}]: {biases.size:,} biases, {_stats(biases)}", size="9pt")
            for plot_item, (lo, hi), counts in (
                    (w_plot, ranges[l][0], (current.weight_counts, reference.weight_counts)),
                    (b_plot, ranges[l][1], (current.bias_counts, reference.bias_counts))):
                plot_item.setXRange(lo, hi, padding=0.02)
                plot_item.setYRange(0, max(int(counts[0].max()), int(counts[1].max()), 1) * 1.05, padding=0.0)
