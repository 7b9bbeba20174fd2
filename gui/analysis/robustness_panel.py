"""How well the network copes with images unlike its training data, and when it should abstain.

Three curves of test accuracy against the strength of a change (pixel noise, rotation, stroke
thickness), each with one example digit under every level, and a confidence threshold below
which the network answers "not sure": raising it trades coverage for accuracy.
The curves take seconds, so they are computed on a worker thread.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import (
    add_noise,
    change_stroke,
    confidence_coverage,
    predict_probabilities,
    robustness_curves,
    rotate,
)

from ..widgets.colormaps import TEST_SYMBOL, series_colours, series_pen, text_colour
from ..widgets.image_grid import ImageGrid
from ..widgets.panel_base import BackgroundPanel
from ..widgets.plot_widgets import plot_widget

DEFAULT_IMAGES = 2000
SLIDER_STEPS = 1000
COVERAGE_POINTS = 201
EXAMPLE_INDEX = 0
"""The test image shown under every level of each change."""
CURVE_ORDER = ("noise", "rotation", "stroke")
CURVE_TITLES = {"noise": "Gaussian pixel noise", "rotation": "Rotation", "stroke": "Stroke thickness"}


def perturbed_examples(image_row: np.ndarray, curves) -> dict[str, np.ndarray]:
    """For each curve, `image_row` (784,) under every level, as (k, 28, 28) pictures."""
    row = image_row.reshape(1, -1).astype(np.float32)
    perturb = {
        "noise": lambda s: add_noise(row, s, np.random.default_rng(0)),
        "rotation": lambda a: rotate(row, a),
        "stroke": lambda p: change_stroke(row, int(p)),
    }
    return {name: np.concatenate([perturb[name](level) for level in curve.levels]).reshape(-1, 28, 28)
            for name, curve in curves.items()}


def level_text(name: str, level: float) -> str:
    if name == "noise":
        return f"{level:g}"
    if name == "rotation":
        return f"{level:+.0f}\u00b0" if level else "0\u00b0"
    return f"{int(level):+d}" if level else "0"


def labelled_levels(name: str, levels: np.ndarray) -> np.ndarray:
    """The levels that get a tick label: round angles for rotation, every other level of long curves."""
    if name == "rotation":
        round_angles = levels[np.mod(levels, 30) == 0]
        if round_angles.size >= 3:
            return round_angles
    return levels[::2] if len(levels) > 7 else levels


def _analyse(network, dataset, n_images: int):
    """Everything the panel shows; runs on the worker thread."""
    curves = robustness_curves(network, dataset, n=n_images)
    probabilities, predictions = predict_probabilities(network, dataset.x_test)
    confidence = probabilities[np.arange(len(predictions)), predictions]
    # Thresholds at quantiles of the confidence: evenly spread along the coverage axis.
    thresholds = np.unique(np.quantile(confidence, np.linspace(0.0, 1.0, COVERAGE_POINTS)))
    coverage = confidence_coverage(probabilities, dataset.y_test, np.concatenate([[0.0], thresholds]), predictions)
    examples = perturbed_examples(dataset.x_test[EXAMPLE_INDEX], curves)
    return curves, probabilities, predictions, dataset.y_test, coverage, examples


class RobustnessPanel(BackgroundPanel):
    """Accuracy under noise, rotation and stroke changes, and a confidence threshold.

    `computed` is emitted when new curves are on screen."""
    takes_dataset = True
    status_name, status_tooltip = "robustnessStatus", "Which weights and test images the curves were computed with."
    recompute_name = "robustnessRecompute"
    recompute_tooltip = "Compute the curves again with the current weights (takes a few seconds)."
    failure_text = "Could not compute the curves: {}"

    def __init__(self, dataset=None, n_images: int = DEFAULT_IMAGES, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("robustnessPanel")
        self.dataset = dataset
        self.n_images = n_images
        self.curves: dict = {}
        """name -> engine.analysis.robustness.RobustnessCurve on screen ("noise", "rotation", "stroke")."""
        self.coverage = None
        """engine.analysis.robustness.CoverageCurve of the whole test set, or None."""
        self.threshold_coverage = float("nan")
        self.threshold_accuracy = float("nan")
        self._probabilities = None
        self._predictions = None
        self._labels = None

        tooltips = {
            "noise": "Accuracy when Gaussian noise of standard deviation \u03c3 is added to every pixel "
                     "(then clipped to [0, 1]). The dotted line is the accuracy on the unchanged images.",
            "rotation": "Accuracy when every image is turned by the same angle about its centre. "
                        "The dotted line is the accuracy on the unchanged images.",
            "stroke": "Accuracy when strokes are made thicker (+) or thinner (\u2212) by whole pixels on each side "
                      "(3\u00d73 grey-scale dilation or erosion). The dotted line is the unchanged accuracy.",
        }
        self.curve_plots: dict[str, pg.PlotWidget] = {}
        self._curve_items: dict[str, pg.PlotDataItem] = {}
        self._clean_lines: dict[str, pg.InfiniteLine] = {}
        self.example_grids: dict[str, ImageGrid] = {}
        for name in CURVE_ORDER:
            plot = self._plot(f"robustness{name.capitalize()}Plot", tooltips[name])
            item = plot.getPlotItem()
            # Room above 100 %: pyqtgraph drops a tick label that would stick out of the axis.
            item.setYRange(0.0, 1.06, padding=0.0)
            item.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]])
            item.setLabel("left", "accuracy")
            # Title and axis label exist from the start: added to a shown plot later, pyqtgraph
            # would draw them over the axes instead of making room.
            item.setTitle(CURVE_TITLES[name], size="9pt")
            item.setLabel("bottom", " ")
            # Test-set accuracy: the test colour, dashed, square markers, as everywhere.
            self._curve_items[name] = item.plot([], [], symbol=TEST_SYMBOL, symbolSize=6, symbolPen=pg.mkPen(None))
            line = pg.InfiniteLine(angle=0, movable=False)  # the unchanged accuracy, dotted
            item.addItem(line)
            self._clean_lines[name] = line
            self.curve_plots[name] = plot
            grid = ImageGrid(zoomable=False, preferred_size=QSize(300, 48))
            grid.setObjectName(f"robustness{name.capitalize()}Examples")
            grid.setToolTip("Test image 0 under each level of the change, in the order of the curve's points.")
            grid.setFixedHeight(52)
            grid.ci.setContentsMargins(0, 0, 0, 0)
            self.example_grids[name] = grid

        self.coverage_plot = self._plot(
            "confidenceCoveragePlot",
            "Each point of the line is one threshold: how many test images the network still answers "
            "(x) and how many of those answers are right (y). The orange dot is the slider's threshold.")
        coverage_item = self.coverage_plot.getPlotItem()
        coverage_item.setTitle("Answering only when sure", size="9pt")
        coverage_item.setLabel("bottom", "share of test images answered")
        coverage_item.setLabel("left", "accuracy of answers")
        coverage_item.getAxis("left").setWidth(62)  # room for ticks such as 0.995 beside the label
        coverage_item.setXRange(-0.06, 1.06, padding=0.0)
        coverage_item.getAxis("bottom").setTicks([[(v, f"{v:.0%}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]])
        self._coverage_curve = coverage_item.plot([], [])
        self._threshold_marker = pg.ScatterPlotItem(size=11)
        coverage_item.addItem(self._threshold_marker)

        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setObjectName("confidenceThreshold")
        self.threshold_slider.setRange(0, SLIDER_STEPS)
        self.threshold_slider.setValue(int(0.9 * SLIDER_STEPS))
        self.threshold_slider.setToolTip(
            "The network answers only when its top probability reaches this value, and says "
            "\u201cnot sure\u201d otherwise.")
        self.threshold_slider.valueChanged.connect(self._on_threshold_changed)
        self.threshold_label = QLabel()
        self.threshold_label.setObjectName("confidenceThresholdLabel")
        self.threshold_label.setWordWrap(True)
        # Word-wrapped labels get one line's height in grid layouts unless told otherwise.
        self.threshold_label.setMinimumHeight(2 * self.threshold_label.fontMetrics().lineSpacing() + 4)
        self.threshold_label.setToolTip("What the network does at the chosen threshold, over the whole test set.")

        header = QHBoxLayout()
        header.addWidget(self.status_label, 1)
        header.addWidget(self.recompute_button)

        grid = QGridLayout()
        cells = [(0, 0, "noise"), (0, 1, "rotation"), (2, 0, "stroke")]
        for row, col, name in cells:
            grid.addWidget(self.curve_plots[name], row, col)
            grid.addWidget(self.example_grids[name], row + 1, col)
        coverage_box = QVBoxLayout()
        coverage_box.addWidget(self.coverage_plot, 1)
        slider_row = QHBoxLayout()
        slider_row.addWidget(QLabel("Threshold"))
        slider_row.addWidget(self.threshold_slider, 1)
        coverage_box.addLayout(slider_row)
        coverage_box.addWidget(self.threshold_label)
        grid.addLayout(coverage_box, 2, 1, 2, 1)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(2, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addLayout(grid, 1)
        self._colour_items()
        self._show_threshold()

    def restyle(self) -> None:
        self._colour_items()
        super().restyle()

    def _colour_items(self) -> None:
        colours, text = series_colours(), text_colour(self)
        for name in CURVE_ORDER:
            self._curve_items[name].setPen(series_pen(colours.test, test=True))
            self._curve_items[name].setSymbolBrush(pg.mkBrush(colours.test))
            self._clean_lines[name].setPen(pg.mkPen(text, width=1, style=Qt.PenStyle.DotLine))
        self._coverage_curve.setPen(series_pen(colours.train))  # not the threshold dot's orange
        self._threshold_marker.setPen(pg.mkPen(text, width=1))
        self._threshold_marker.setBrush(pg.mkBrush(colours.highlight))

    def _plot(self, object_name: str, tooltip: str) -> pg.PlotWidget:
        plot = plot_widget(self, object_name, tooltip, size_hint=(300, 160))
        plot.getPlotItem().showGrid(y=True, alpha=0.2)
        return plot

    # ------------------------------------------------------------------ API

    @property
    def threshold(self) -> float:
        return self.threshold_slider.value() / SLIDER_STEPS

    def set_threshold(self, threshold: float) -> None:
        self.threshold_slider.setValue(int(round(SLIDER_STEPS * threshold)))

    # ------------------------------------------------------------- internals

    def background_job(self):
        network, dataset, n_images = self.network, self.dataset, self.n_images
        return (f"Computing accuracy under {len(CURVE_ORDER)} kinds of change "
                f"on {min(n_images, dataset.n_test):,} test images\u2026",
                lambda: _analyse(network, dataset, n_images))

    def show_result(self, result) -> None:
        curves, probabilities, predictions, labels, coverage, examples = result
        self.curves = curves
        self._probabilities, self._predictions, self._labels = probabilities, predictions, labels
        self.coverage = coverage
        colour = text_colour(self).name()
        for name in CURVE_ORDER:
            curve = curves[name]
            item = self.curve_plots[name].getPlotItem()
            self._curve_items[name].setData(curve.levels, curve.accuracy)
            clean = curve.accuracy[np.flatnonzero(curve.levels == 0)]
            self._clean_lines[name].setValue(float(clean[0]) if clean.size else np.nan)
            self._clean_lines[name].setVisible(bool(clean.size))
            item.setTitle(curve.title, color=colour, size="9pt")
            item.setLabel("bottom", curve.unit)
            item.getAxis("bottom").resizeEvent()  # re-centre: pyqtgraph places labels only on resize
            labelled = labelled_levels(name, curve.levels)
            # Every level gets a tick; only every other one a label, so labels never collide.
            item.getAxis("bottom").setTicks([[(v, level_text(name, v)) for v in labelled],
                                              [(v, "") for v in curve.levels]])
            span = float(curve.levels.max() - curve.levels.min()) or 1.0
            # Room beyond the end points, or pyqtgraph drops the end labels as out of bounds.
            item.setXRange(float(curve.levels.min()) - 0.07 * span, float(curve.levels.max()) + 0.07 * span,
                           padding=0.0)
            self.example_grids[name].set_images(examples[name], levels=(0.0, 1.0), cols=len(curve.levels))
        self._coverage_curve.setData(coverage.coverage, coverage.accuracy, connect="finite")
        low = float(np.nanmin(coverage.accuracy))
        self.coverage_plot.getPlotItem().setYRange(low - 0.1 * (1.0 - low) - 1e-3, 1.0 + 0.05 * (1.0 - low) + 1e-4,
                                                   padding=0.0)
        self.coverage_plot.getPlotItem().getAxis("left").setTicks(None)
        self._show_threshold()

    def show_status(self) -> None:
        if self.computed_step is None:
            return
        n = next(iter(self.curves.values())).n_images if self.curves else 0
        self.status_label.setText(f"Curves: first {n:,} test images, {self.computed_weights()}. "
                                  f"Threshold: all {len(self._predictions):,} test images.{self.stale_note()}")

    def _on_threshold_changed(self, _value: int) -> None:
        self._show_threshold()

    def _show_threshold(self) -> None:
        threshold = self.threshold
        if self._probabilities is None:
            self.threshold_label.setText(f"Threshold {threshold:.3f}: no network evaluated yet.")
            return
        result = confidence_coverage(self._probabilities, self._labels, [threshold], self._predictions)
        self.threshold_coverage = float(result.coverage[0])
        self.threshold_accuracy = float(result.accuracy[0])
        if np.isfinite(self.threshold_accuracy):
            self._threshold_marker.setData([self.threshold_coverage], [self.threshold_accuracy])
        else:
            self._threshold_marker.setData([], [])
        accuracy = ("no answers" if not np.isfinite(self.threshold_accuracy)
                    else f"{100 * self.threshold_accuracy:.2f} % of them right")
        self.threshold_label.setText(
            f"Top probability \u2265 {threshold:.3f}: answers {100 * self.threshold_coverage:.1f} % of the "
            f"test images ({accuracy}), \u201cnot sure\u201d for {100 * (1 - self.threshold_coverage):.1f} %.")
