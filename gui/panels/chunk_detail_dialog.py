"""The window a click on a chunk opens: one first-layer neuron's chunk at large size, its bias,
and the digits it pushes up and down."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from engine.analysis.inspect import output_influence

from ..widgets.colormaps import (
    diverging_colormap,
    diverging_colour,
    diverging_lut,
    diverging_words,
    make_colour_bar,
    series_colours,
    style_plot,
    text_colour,
)
from ..widgets.compact_views import CompactLayoutWidget
from ..widgets.labels import mute
from ..widgets.text_format import signed
from ..widgets.theme import follow_appearance, follow_window_colour
from .chunk_atlas import CHUNK_SIDE

TOP_DIGITS = 3
CHUNK_VIEW_SIZE = (420, 360)
"""Size hint of the pictures of chunks (the grid's and the detail window's)."""


class ChunkDetailDialog(QDialog):
    """One neuron's chunk at large size, its bias, and the digits it pushes up and down."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chunkDetailDialog")
        self.setModal(False)
        self.resize(460, 560)
        self.neuron: int | None = None
        self.bias = 0.0
        self.influence = np.zeros(0)
        self.up_digits: list[tuple[int, float]] = []
        self.down_digits: list[tuple[int, float]] = []

        self.heading = QLabel()
        heading_font = QFont(self.heading.font())
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.3)
        heading_font.setBold(True)
        self.heading.setFont(heading_font)

        self.view = CompactLayoutWidget(CHUNK_VIEW_SIZE)
        self.view.ci.setContentsMargins(0, 8, 0, 8)  # room for the colour bar's end labels
        view_box = self.view.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        view_box.setMouseEnabled(x=False, y=False)
        view_box.setDefaultPadding(0.0)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setImage(np.zeros((CHUNK_SIDE, CHUNK_SIDE), dtype=np.float32), autoLevels=False,
                                 levels=(-1.0, 1.0), lut=diverging_lut())
        view_box.addItem(self.image_item)
        self.color_bar = make_colour_bar(self, diverging_colormap(), self.image_item, "weight")
        self.view.addItem(self.color_bar, row=0, col=1)

        self.bias_label = QLabel()
        self.bias_label.setObjectName("chunkBiasLabel")
        self.bias_label.setToolTip(
            "The bias b[1] of this neuron: added to its weighted sum of pixels before the activation.")

        self.influence_plot = follow_window_colour(pg.PlotWidget(background=None))
        self.influence_plot.setObjectName("chunkInfluencePlot")
        self.influence_plot.setMinimumHeight(150)
        self.influence_plot.setMenuEnabled(False)
        self.influence_plot.setMouseEnabled(x=False, y=False)
        self.influence_plot.hideButtons()
        influence_item = self.influence_plot.getPlotItem()
        style_plot(influence_item, self)
        influence_item.setLabel("bottom", "digit")
        influence_item.setLabel("left", "push")
        influence_item.getAxis("left").enableAutoSIPrefix(False)
        influence_item.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
        self.zero_line = influence_item.addLine(y=0)
        self.influence_bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, pen=pg.mkPen(None),
                                              brush=pg.mkBrush(series_colours().bar))
        influence_item.addItem(self.influence_bars)

        self.influence_label = QLabel()
        self.influence_label.setObjectName("chunkInfluenceLabel")
        self.influence_label.setTextFormat(Qt.TextFormat.PlainText)
        self.influence_note = QLabel()
        self.influence_note.setWordWrap(True)
        mute(self.influence_note)  # an explanation, not a value

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 3)
        layout.addWidget(self.bias_label)
        layout.addWidget(self.influence_plot, 2)
        layout.addWidget(self.influence_label)
        layout.addWidget(self.influence_note)
        self._network = None
        self._scale = 1.0
        self.restyle()
        follow_appearance(self, self.restyle)

    def restyle(self) -> None:
        negative, positive = diverging_words()
        self.view.setToolTip(
            "This neuron's weights W[1] for each input pixel, on the same colour scale as the grid. "
            f"Ink on {positive} pixels raises the neuron's input Z[1], ink on {negative} pixels lowers it.")
        self.zero_line.setPen(pg.mkPen(text_colour(self), width=1))
        if self._network is not None:
            self.show_neuron(self._network, self.neuron, self._scale)

    def show_neuron(self, network, neuron: int, scale: float) -> None:
        """Show `neuron` of `network`'s first layer with colour levels (-scale, +scale)."""
        self._network, self._scale = network, scale
        self.neuron = neuron
        self.bias = float(network.biases[0][neuron, 0])
        chunk = network.weights[0][neuron].reshape(CHUNK_SIDE, CHUNK_SIDE)
        self.image_item.setImage(chunk, autoLevels=False, levels=(-scale, scale))
        self.color_bar.setLevels((-scale, scale))
        self.setWindowTitle(f"Neuron {neuron} of the first layer")
        self.heading.setText(f"Neuron {neuron} of the first layer: row {neuron} of W[1]")
        self.bias_label.setText(
            f"Bias b[1]_{neuron} = {signed(self.bias)}      "
            f"weights from {signed(float(chunk.min()))} to {signed(float(chunk.max()))}")

        self.influence = np.asarray(output_influence(network, neuron), dtype=np.float64)
        order = np.argsort(self.influence, kind="stable")
        self.up_digits = [(int(d), float(self.influence[d])) for d in order[::-1][:TOP_DIGITS]]
        self.down_digits = [(int(d), float(self.influence[d])) for d in order[:TOP_DIGITS]]
        positive, negative = pg.mkBrush(diverging_colour(0.75)), pg.mkBrush(diverging_colour(-0.75))
        self.influence_bars.setOpts(
            x=np.arange(self.influence.size), height=self.influence,
            brushes=[positive if v >= 0 else negative for v in self.influence])
        self.influence_label.setText(
            "Pushes up: " + ",  ".join(f"{d} ({signed(v)})" for d, v in self.up_digits) + "\n"
            "Pushes down: " + ",  ".join(f"{d} ({signed(v)})" for d, v in self.down_digits))
        if network.n_layers == 1:
            self.influence_note.setText(
                f"This network has no hidden layer: neuron {neuron} is itself the output score of digit {neuron}.")
        elif network.n_layers == 2:
            self.influence_note.setText(
                f"Push = the weight W[2] from this neuron to each digit's output score (W[2][:, {neuron}]).")
        else:
            self.influence_note.setText(
                f"Push = the straight-line path W[{network.n_layers}] \u00b7\u00b7\u00b7 W[2] from this neuron "
                "to each digit's score. It ignores the activations of the later hidden layers, so it is "
                "only a rough guide.")
