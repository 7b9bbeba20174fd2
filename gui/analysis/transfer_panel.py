"""How well the network's MNIST accuracy carries over to other handwriting.

The network on screen is scored on MNIST's test set and on a second set of digits from another
source: the one the app ships (assets/handwriting/other-digits.npz: digits rendered from fonts
and written by a stroke model, see README) or one the user opens. The summary compares them, a
bar chart compares every digit, and the thumbnails are the other set's most confident mistakes:
the digits that transfer worst. Both reports are computed on a worker thread.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from assets import OTHER_HANDWRITING
from engine.analysis import evaluation_report
from engine.data import load_dataset

from ..widgets.background import BackgroundTask
from ..widgets.colormaps import series_colours
from ..widgets.fields import button
from ..widgets.image_grid import ImageGrid
from ..widgets.labels import heading_label, note_label
from ..widgets.panel_base import BackgroundPanel
from ..widgets.plot_widgets import plot_widget

BUILT_IN_SET = OTHER_HANDWRITING
WORST_SHOWN = 24
OTHER_SET_FILTER = "Digit datasets (*.npz *.csv *ubyte *ubyte.gz *.idx *.gz);;All files (*)"


def transfer_summary(mnist_report, other_report) -> str:
    gap = 100 * (other_report.test_accuracy - mnist_report.test_accuracy)
    return (f"MNIST test set {100 * mnist_report.test_accuracy:.2f} %  \u00b7  "
            f"{other_report.dataset_name} {100 * other_report.test_accuracy:.2f} %  "
            f"({gap:+.1f} points on {other_report.n_test:,} digits from another source)")


class TransferPanel(BackgroundPanel):
    """MNIST against another source of handwriting, digit by digit."""

    takes_dataset = True
    status_name, recompute_name = "transferStatus", "transferRecomputeButton"
    status_tooltip = "Which weights the scores are of."
    recompute_tooltip = "Score the network on screen on both test sets again."
    failure_text = "Could not score the test sets: {}"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transferPanel")
        self.other = None
        """The engine.data.Dataset of other handwriting (its test split is scored)."""
        self.reports = None
        """(MNIST report, other report) on screen."""
        self.summary_label = heading_label("Not scored yet.")
        self.summary_label.setObjectName("transferSummary")
        self.source_label = note_label("", "transferSource")
        self.open_button = button("Open other set\u2026", "transferOpenButton",
                                  "Score the network on another set of digit images (.npz, CSV or IDX files) "
                                  "instead of the built-in one.")
        self.open_button.clicked.connect(self._open_dialog)
        self.plot = plot_widget(self, "transferPlot", "Accuracy per digit on each test set.", (420, 220))
        plot_item = self.plot.getPlotItem()
        plot_item.setLabel("bottom", "digit")
        plot_item.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
        self.mnist_bars = pg.BarGraphItem(x=np.arange(10) - 0.2, height=np.zeros(10), width=0.38)
        self.other_bars = pg.BarGraphItem(x=np.arange(10) + 0.2, height=np.zeros(10), width=0.38)
        self._colour_bars()
        plot_item.addItem(self.mnist_bars)
        plot_item.addItem(self.other_bars)
        self.worst = ImageGrid(zoomable=False)
        self.worst.setObjectName("transferWorstGrid")
        self.worst.setToolTip("The other set's most confident mistakes: true digit \u2192 the network's answer.")
        self._loader = BackgroundTask(self)
        self._loader.finished.connect(self._on_other_loaded)
        self._loader.failed.connect(lambda message: self.source_label.setText(f"Could not read the set: {message}"))

        top = QHBoxLayout()
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.recompute_button)
        source = QHBoxLayout()
        source.addWidget(self.source_label, 1)
        source.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(source)
        layout.addWidget(self.status_label)
        layout.addWidget(self.plot, 2)
        layout.addWidget(QLabel("Worst transferring: the other set's most confident mistakes"))
        layout.addWidget(self.worst, 3)
        self.open_other(BUILT_IN_SET if BUILT_IN_SET.is_file() else None)

    def restyle(self) -> None:
        self._colour_bars()
        super().restyle()

    def _colour_bars(self) -> None:
        colours = series_colours()
        # The other set's bars are hatched as well as coloured: colour is not the only clue.
        self.mnist_bars.setOpts(brush=pg.mkBrush(colours.train), pen=pg.mkPen(colours.train))
        self.other_bars.setOpts(brush=QBrush(colours.test, Qt.BrushStyle.BDiagPattern),
                                pen=pg.mkPen(colours.test, width=1.5))
        # The legend in the title: inside the plot it would cover the bars that reach 100 %.
        self.plot.getPlotItem().setTitle(
            f'Accuracy per digit (%): <span style="color:{colours.train.name()}">\u25a0 MNIST</span>'
            f'  <span style="color:{colours.test.name()}">\u25a8 other handwriting</span>')

    # -- the second set ---------------------------------------------------------------------------
    def open_other(self, path) -> None:
        """Read the second test set at `path` (in the background); None: there is none."""
        if path is None:
            self.source_label.setText("No second test set: open one to compare.")
            return
        self.source_label.setText(f"Reading {Path(path).name}\u2026")
        self._loader.run(lambda: load_dataset(Path(path)))

    def set_other(self, dataset) -> None:
        self._loader.cancel()  # a set given now wins over one still being read (the built-in one at start)
        self.other = dataset
        self.source_label.setText(f"Second test set: {dataset.name}, {dataset.n_test:,} digits.")
        self.computed_step = None
        self._enable_recompute()
        if self.network is not None and self.dataset is not None:
            self.compute()

    def _on_other_loaded(self, dataset) -> None:
        self.set_other(dataset)

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open another test set", str(Path.home()), OTHER_SET_FILTER)
        if path:
            self.open_other(path)

    # -- the background panel's parts -----------------------------------------------------------------
    def background_job(self):
        if self.other is None:
            return None
        network, mnist, other = self.network, self.dataset, self.other
        return ("Scoring MNIST and the other set\u2026",
                lambda: (evaluation_report(network, mnist), evaluation_report(network, other), other))

    def show_result(self, result) -> None:
        mnist_report, other_report, other = result
        self.reports = (mnist_report, other_report)
        self.summary_label.setText(transfer_summary(mnist_report, other_report))
        self.mnist_bars.setOpts(height=100 * np.nan_to_num(mnist_report.per_class_accuracy))
        self.other_bars.setOpts(height=100 * np.nan_to_num(other_report.per_class_accuracy))
        self.plot.getPlotItem().setYRange(0, 104, padding=0)
        self.plot.getPlotItem().getAxis("left").setTicks([[(v, str(v)) for v in range(0, 101, 20)]])
        worst = np.asarray(other_report.mistakes[:WORST_SHOWN])
        images = np.asarray(other.x_test[worst], dtype=np.float32).reshape(-1, 28, 28)
        if images.size and images.max() > 1:
            images /= 255.0
        captions = [f"{other_report.labels[i]}\u2192{other_report.predictions[i]}" for i in worst]
        self.worst.set_images(images, captions=captions)

    def show_status(self) -> None:
        self.status_label.setText(f"Scores of the {self.computed_weights()}.{self.stale_note()}")

    def _enable_recompute(self) -> None:
        super()._enable_recompute()
        if self.other is None:
            self.recompute_button.setEnabled(False)
