"""How each layer arranges the test images: their activations projected to two dimensions.

Every point is one test image, placed by the first two principal components of the chosen
layer's activations and coloured by its true digit; misclassified images carry a cross (in the
text colour).
In the pixels the digits overlap; layer by layer they should pull apart into clusters.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import all_layer_activations, principal_components

from ..widgets.colormaps import series_colours, text_colour
from ..widgets.digit_image import DigitImage
from ..widgets.labels import note_label
from ..widgets.panel_base import BackgroundPanel
from ..widgets.plot_widgets import plot_widget

DEFAULT_POINTS = 2000
IMAGE_SIDE = 28
HOVER_IMAGE_SIDE = 112
HOVER_RADIUS_PX = 8.0
HOVER_HINT = "Hover over a point to see its image; click it to probe it."


def layer_name(network, layer: int) -> str:
    if layer == 0:
        return f"pixels A[0] ({network.layer_sizes[0]} values)"
    if layer == network.n_layers:
        return f"output A[{layer}] ({network.layer_sizes[layer]} units)"
    return f"A[{layer}] ({network.layer_sizes[layer]} units)"


def legend_html() -> str:
    """Two columns of coloured dots with their digits (series_colours().digits), then the mistake cross."""
    colours = series_colours().digits
    rows = []
    for digit in range(5):
        cells = []
        for d in (digit, digit + 5):
            cells.append(f'<td><span style="color:{colours[d].name()}; font-size:large">\u25cf</span>'
                         f"&nbsp;{d}&nbsp;&nbsp;</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ("<table cellspacing=0 cellpadding=0>" + "".join(rows) + "</table>"
            "<div><b>\u00d7</b>&nbsp;misclassified</div>")


def _embed(network, x_rows: np.ndarray):
    """Projections of every layer and the predictions; runs on the worker thread."""
    activations = all_layer_activations(network, x_rows)
    predictions = np.argmax(activations[-1], axis=1)
    return [principal_components(a, 2) for a in activations], predictions


class EmbeddingPanel(BackgroundPanel):
    """A 2-D map of ~2000 test images per layer, coloured by digit, with mistakes marked.

    `computed` is emitted when new projections are on screen."""
    takes_dataset = True
    status_name, status_tooltip = "embeddingStatus", "Which test images and weights the map shows."
    recompute_name, recompute_tooltip = "embeddingRecompute", "Project the activations of the current weights again."
    failure_text = "Could not project: {}"

    probeRequested = Signal(int)
    """Test image index of a clicked point."""

    def __init__(self, dataset=None, n_points: int = DEFAULT_POINTS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("embeddingPanel")
        self.dataset = dataset
        self.n_points = n_points
        self.projections: list = []
        """engine.analysis.embedding.Projection of every layer 0..L, for the first n_points test images."""
        self.labels = np.zeros(0, dtype=np.int64)
        self.predictions = np.zeros(0, dtype=np.int64)
        self.coordinates = np.zeros((0, 2))
        """(n, 2) positions currently plotted; row i is test image i."""
        self.hovered_index = -1

        self.layer_combo = QComboBox()
        # Filled later, when the network is known: grow with the entries.
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.setObjectName("embeddingLayerCombo")
        self.layer_combo.setToolTip("The layer whose activations are projected: the raw pixels, a hidden layer, "
                                    "or the output.")
        self.layer_combo.currentIndexChanged.connect(self._render)

        self.plot = plot_widget(
            self, "embeddingPlot",
            "Each point is a test image, placed by the two directions along which this layer's activations "
            "vary most (principal components), coloured by the true digit. Crosses mark misclassified images.",
            size_hint=(520, 420), zoomable=True)
        plot_item = self.plot.getPlotItem()
        # Axis labels exist from the start, so the layout has room when they change.
        plot_item.setLabel("bottom", "principal component 1")
        plot_item.setLabel("left", "principal component 2")
        self._digit_scatters = []
        for _digit in range(10):
            scatter = pg.ScatterPlotItem(size=5, pen=pg.mkPen(None))
            plot_item.addItem(scatter)
            self._digit_scatters.append(scatter)
        self._mistake_scatter = pg.ScatterPlotItem(size=9, symbol="x", pen=pg.mkPen(None))
        plot_item.addItem(self._mistake_scatter)
        self._hover_marker = pg.ScatterPlotItem(size=14, brush=pg.mkBrush(None))
        self._hover_marker.setZValue(10)
        plot_item.addItem(self._hover_marker, ignoreBounds=True)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)

        self.hover_image = DigitImage(HOVER_IMAGE_SIDE)
        self.hover_image.setObjectName("embeddingHoverImage")
        self.hover_image.setToolTip("The test image under the pointer.")
        self.hover_label = QLabel(HOVER_HINT)
        self.hover_label.setObjectName("embeddingHoverLabel")
        self.hover_label.setWordWrap(True)
        self.hover_label.setToolTip("The true label and the network's answer for the image under the pointer.")
        # The legend lives beside the plot, where it can never hide points.
        self.legend_label = QLabel()
        self.legend_label.setObjectName("embeddingLegend")
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.setToolTip("Point colour: the true digit. A cross: the network answered wrongly.")
        self._colour_items()
        # A wrapped note: one line would be cut at the right in a narrow dock.
        self.variance_label = note_label("", "embeddingVarianceLabel")

        side = QVBoxLayout()
        side.addWidget(self.hover_image)
        side.addWidget(self.hover_label)
        side.addSpacing(8)
        side.addWidget(self.legend_label)
        side.addStretch(1)
        side_box = QWidget()
        side_box.setLayout(side)
        side_box.setFixedWidth(HOVER_IMAGE_SIDE + 40)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Layer"))
        controls.addWidget(self.layer_combo)
        controls.addWidget(self.recompute_button)
        controls.addWidget(self.status_label, 1)
        body = QHBoxLayout()
        body.addWidget(self.plot, 1)
        body.addWidget(side_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addLayout(body, 1)
        layout.addWidget(self.variance_label)

    # ------------------------------------------------------------------ API

    @property
    def layer(self) -> int:
        data = self.layer_combo.currentData()
        return 0 if data is None else int(data)

    def set_layer(self, layer: int) -> None:
        index = self.layer_combo.findData(layer)
        if index < 0:
            raise ValueError(f"no layer {layer} in this network")
        self.layer_combo.setCurrentIndex(index)

    def hover_point(self, index: int) -> None:
        """Show test image `index` (one of the plotted points) as if the pointer were on it; -1 clears."""
        self.hovered_index = index if 0 <= index < len(self.labels) else -1
        if self.hovered_index < 0:
            self._hover_marker.setData([], [])
            self.hover_label.setText(HOVER_HINT)
            return
        x, y = self.coordinates[index]
        self._hover_marker.setData([x], [y])
        self.hover_image.set_image(self.dataset.x_test[index].reshape(IMAGE_SIDE, IMAGE_SIDE))
        true_label, predicted = int(self.labels[index]), int(self.predictions[index])
        verdict = "right" if true_label == predicted else "wrong \u2717"
        self.hover_label.setText(f"Test image {index}\ntrue label {true_label}\nanswered {predicted} ({verdict})")

    def point_near(self, x: float, y: float, radius_px: float = HOVER_RADIUS_PX) -> int:
        """Index of the plotted point nearest to view position (x, y) within `radius_px` screen pixels, or -1."""
        if self.coordinates.shape[0] == 0:
            return -1
        pixel_w, pixel_h = self.plot.getPlotItem().vb.viewPixelSize()
        dx = (self.coordinates[:, 0] - x) / max(pixel_w, 1e-30)
        dy = (self.coordinates[:, 1] - y) / max(pixel_h, 1e-30)
        distance = dx * dx + dy * dy
        nearest = int(np.argmin(distance))
        return nearest if distance[nearest] <= radius_px * radius_px else -1

    # ------------------------------------------------------------- internals

    def restyle(self) -> None:
        self._colour_items()
        super().restyle()

    def _colour_items(self) -> None:
        for colour, scatter in zip(series_colours().digits, self._digit_scatters):
            scatter.setBrush(pg.mkBrush(colour))
        self._mistake_scatter.setBrush(pg.mkBrush(text_colour(self)))
        self._hover_marker.setPen(pg.mkPen(text_colour(self), width=2))
        self.legend_label.setText(legend_html())

    def new_architecture(self, network) -> None:
        previous = self.layer
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for l in range(network.n_layers + 1):
            self.layer_combo.addItem(layer_name(network, l), l)
        # The last hidden layer is where the classes separate most visibly before the output.
        default = max(network.n_layers - 1, 0)
        index = self.layer_combo.findData(previous if 0 < previous <= network.n_layers else default)
        self.layer_combo.setCurrentIndex(index)
        self.layer_combo.blockSignals(False)

    def background_job(self):
        network, x_rows = self.network, self.dataset.x_test[: self.n_points]
        labels = np.asarray(self.dataset.y_test[: self.n_points])
        return f"Projecting {len(labels):,} test images\u2026", lambda: (labels, _embed(network, x_rows))

    def show_result(self, result) -> None:
        self.labels, (self.projections, self.predictions) = result
        self._render()

    def show_status(self) -> None:
        if self.computed_step is None:
            return
        n_wrong = int(np.sum(self.labels != self.predictions))
        self.status_label.setText(f"First {len(self.labels):,} test images ({n_wrong} misclassified), "
                                  f"{self.computed_weights()}.{self.stale_note()}")

    def _render(self) -> None:
        if not self.projections or self.layer >= len(self.projections):
            return
        projection = self.projections[self.layer]
        self.coordinates = projection.coordinates
        for digit, scatter in enumerate(self._digit_scatters):
            points = self.coordinates[self.labels == digit]
            scatter.setData(points[:, 0], points[:, 1])
        wrong = self.coordinates[self.labels != self.predictions]
        self._mistake_scatter.setData(wrong[:, 0], wrong[:, 1])
        ratio = projection.explained_variance_ratio
        plot_item = self.plot.getPlotItem()
        plot_item.setLabel("bottom", f"principal component 1 ({ratio[0]:.1%} of the variance)")
        plot_item.setLabel("left", f"principal component 2 ({ratio[1]:.1%})")
        for side in ("bottom", "left"):
            plot_item.getAxis(side).resizeEvent()  # re-centre: pyqtgraph places labels only on resize
        plot_item.enableAutoRange()
        self.variance_label.setText(
            f"The two axes keep {ratio[0] + ratio[1]:.0%} of the spread of {self.layer_combo.currentText()}: "
            "points far apart here are far apart in the layer, but close points may not be close there.")
        self.hover_point(self.hovered_index)

    def _view_position(self, scene_position: QPointF) -> QPointF | None:
        view_box = self.plot.getPlotItem().vb
        if not view_box.sceneBoundingRect().contains(scene_position):
            return None
        return view_box.mapSceneToView(scene_position)

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        position = self._view_position(scene_position)
        index = -1 if position is None else self.point_near(position.x(), position.y())
        if index != self.hovered_index:
            self.hover_point(index)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        position = self._view_position(event.scenePos())
        if position is None:
            return
        index = self.point_near(position.x(), position.y())
        if index >= 0:
            self.probeRequested.emit(index)
            self.probe("test", index)
