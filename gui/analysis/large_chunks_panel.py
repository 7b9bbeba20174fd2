"""What deeper neurons look for, in three pictures.

* Layer-2 fields: rows of W[2] W[1] (the "large chunks" of docs/math.md#notation), the pixel
  pattern a second-layer neuron weighs the input with if every first-layer neuron passed its input on unchanged.
* Maximised inputs: for each neuron, an input found by gradient ascent that drives it high,
  computed on a worker thread with the real network, nonlinearities included.
* Output patterns: rows of W[L] ... W[1], the same linear view for each digit's output score.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import large_chunks, maximize_activations, output_patterns

from ..widgets.colormaps import SEPARATOR_COLOUR, diverging_colormap, diverging_lut, diverging_words, symmetric_scale
from ..widgets.fields import named
from ..widgets.image_grid import ImageGrid
from ..widgets.labels import heading_label, note_label, readout_label
from ..widgets.panel_base import BackgroundPanel
from ..widgets.text_format import signed

MAXIMIZE_COUNT = 40
"""Neurons optimised per request: enough to see variety, few enough to stay quick."""
MAXIMIZE_STEPS = 200
SMOOTHING = 0.5


def _describe_hovered_cell(grid: ImageGrid, object_name: str, tooltip: str, hover_name: str, describe) -> QLabel:
    """Name and explain `grid`; the returned line says `describe(cell)` of the picture under the
    pointer (cell -1: none)."""
    named(grid, object_name, tooltip)
    label = readout_label(hover_name, "The neuron under the pointer.", describe(-1))
    grid.cellHovered.connect(lambda cell: label.setText(describe(cell)))
    return label


class LargeChunksPanel(BackgroundPanel):
    """Linear receptive fields of layer 2, and output-digit patterns, drawn at once; activation
    maximisation, computed in the background (the panel's status line and Recompute button)."""
    status_name = "maximizeStatus"
    status_tooltip = "Which weights the pictures were computed with, and how much the neurons rose."
    recompute_name, recompute_tooltip = "maximizeButton", "Run the gradient ascent again with the current weights."
    failure_text = "Could not compute the pictures: {}"

    maximizationFinished = Signal()
    """Emitted when new maximised images are on screen (with `computed`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("largeChunksPanel")
        self.computed.connect(self.maximizationFinished)
        self.field_images = np.zeros((0, 28, 28), dtype=np.float32)
        self.pattern_images = np.zeros((0, 28, 28), dtype=np.float32)
        self.maximization = None
        """engine.analysis.receptive_fields.MaximizationResult on screen, or None."""

        self.tabs = QTabWidget()
        self.tabs.setObjectName("largeChunksTabs")
        self.tabs.addTab(self._build_fields_tab(), "Layer-2 fields W[2]W[1]")
        self.tabs.addTab(self._build_maximize_tab(), "Maximised inputs")
        self.tabs.addTab(self._build_patterns_tab(), "Output patterns")
        self.tabs.setTabToolTip(
            0, "What each second-layer neuron weighs the pixels with, if the first layer were linear.")
        self.tabs.setTabToolTip(1, "Inputs found by gradient ascent that drive single neurons as high as possible.")
        self.tabs.setTabToolTip(2, "The linear pixel pattern behind each digit's output score.")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._describe_colours()

    def restyle(self) -> None:
        self._describe_colours()
        if self.network is not None:
            self.take_network(self.network)  # the weight pictures in the map in use
        super().restyle()

    def _describe_colours(self) -> None:
        negative, positive = diverging_words()
        self.fields_grid.setToolTip(
            f"Row i of W[2]\u00b7W[1] as a 28\u00d728 picture: {positive} pixels raise second-layer neuron i, "
            f"{negative} ones lower it, as long as the first-layer neurons in between are active. Scroll to zoom.")
        self.patterns_grid.setToolTip(
            f"Row d of W[L]\u00b7\u00b7\u00b7W[1]: ink on {positive} pixels raises the score of digit d, ink on "
            f"{negative} pixels lowers it, if all hidden neurons were active.")

    # ------------------------------------------------------------------ building

    def _build_fields_tab(self) -> QWidget:
        self.fields_title = heading_label("Layer-2 fields")
        self.fields_grid = ImageGrid("weight product  (white = 0)", diverging_colormap())
        self.fields_hover = _describe_hovered_cell(
            self.fields_grid, "largeChunksFields", "", "largeChunksFieldsHover", self._field_text)
        self.fields_note = note_label(
            "This product skips the first layer's activation function and biases: it is exact only where "
            "every first-layer neuron is on. Compare with the maximised inputs, which use the real network.")
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.fields_title)
        layout.addWidget(self.fields_grid, 1)
        layout.addWidget(self.fields_hover)
        layout.addWidget(self.fields_note)
        return tab

    def _build_maximize_tab(self) -> QWidget:
        self.layer_combo = QComboBox()
        # Filled later, when the network is known: grow with the entries.
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.setObjectName("maximizeLayerCombo")
        self.layer_combo.setToolTip("The layer whose neurons are maximised.")
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.start_spin = QSpinBox()
        self.start_spin.setObjectName("maximizeStartSpin")
        self.start_spin.setToolTip(f"The first of the {MAXIMIZE_COUNT} neurons shown; the others follow in order.")
        self.start_spin.setSingleStep(MAXIMIZE_COUNT)
        self.start_spin.setPrefix("neurons from ")
        self.start_spin.setKeyboardTracking(False)  # recompute once typing is done, not per digit
        self.start_spin.valueChanged.connect(lambda _: self.compute())
        self.smooth_check = QCheckBox("Smooth")
        self.smooth_check.setObjectName("maximizeSmooth")
        self.smooth_check.setChecked(True)
        self.smooth_check.setToolTip(
            "Blur the picture a little after every step, so the ascent prefers pen-like strokes. "
            "Without it, it finds pixel noise that excites the neuron just as well.")
        self.smooth_check.toggled.connect(lambda _: self.compute())

        self.maximize_grid = ImageGrid()
        self.maximize_hover = _describe_hovered_cell(
            self.maximize_grid, "maximizeImages",
            "For each neuron, an input (black 0 to white 1) that drives it high: 200 steps of gradient ascent "
            "on the pixels, starting from plain grey. It is one of many such inputs, not the only one.",
            "maximizeHover", self._maximized_text)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Layer"))
        controls.addWidget(self.layer_combo)
        controls.addWidget(self.start_spin)
        controls.addWidget(self.smooth_check)
        controls.addWidget(self.recompute_button)
        controls.addStretch(1)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(controls)
        layout.addWidget(self.status_label)
        layout.addWidget(self.maximize_grid, 1)
        layout.addWidget(self.maximize_hover)
        layout.addWidget(note_label(
            "Each step moves the pixels along the gradient of the neuron's input Z (normalised), pulls "
            "unneeded pixels towards black, optionally blurs a little, and clips to [0, 1]."))
        return tab

    def _build_patterns_tab(self) -> QWidget:
        self.patterns_title = heading_label("Output patterns")
        self.patterns_grid = ImageGrid("weight product  (white = 0)", diverging_colormap(), zoomable=False)
        self.patterns_grid.setObjectName("outputPatterns")
        self.patterns_note = note_label("")
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.patterns_title)
        layout.addWidget(self.patterns_grid, 1)
        layout.addWidget(self.patterns_note)
        return tab

    # ------------------------------------------------------------------ API

    def shows(self, snapshot) -> bool:
        return self.network is not None and snapshot.network.weights[0] is self.network.weights[0]

    def compute_maximization(self) -> None:
        """Start activation maximisation for the selected layer and neurons on the worker thread."""
        self.compute()

    # ------------------------------------------------------------- internals

    def new_architecture(self, network) -> None:
        self.maximization = None
        self.computed_step = None
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for l in range(1, network.n_layers + 1):
            kind = "output " if l == network.n_layers else ""
            self.layer_combo.addItem(f"{kind}A[{l}] ({network.layer_sizes[l]} units)", l)
        # The output layer first: "what input makes the network most sure of each digit?"
        self.layer_combo.setCurrentIndex(self.layer_combo.count() - 1)
        self.layer_combo.blockSignals(False)
        self._update_start_range()

    def _update_start_range(self) -> None:
        n_units = self.network.layer_sizes[self.layer_combo.currentData()]
        self.start_spin.blockSignals(True)
        self.start_spin.setRange(0, max(n_units - 1, 0))
        self.start_spin.setValue(0)
        self.start_spin.setEnabled(n_units > MAXIMIZE_COUNT)
        self.start_spin.blockSignals(False)

    def _on_layer_changed(self, _index: int) -> None:
        if self.network is None:
            return
        self._update_start_range()
        self.compute()

    def take_network(self, network) -> None:
        self._render_fields(network)
        self._render_patterns(network)

    def background_job(self):
        if self.layer_combo.count() == 0:
            return None
        network, layer = self.network, self.layer_combo.currentData()
        n_units = network.layer_sizes[layer]
        start = min(self.start_spin.value(), max(n_units - 1, 0))
        neurons = np.arange(start, min(start + MAXIMIZE_COUNT, n_units))
        smoothing = SMOOTHING if self.smooth_check.isChecked() else 0.0
        return (f"Computing {neurons.size} pictures for layer {layer}\u2026",
                lambda: maximize_activations(network, layer, neurons, steps=MAXIMIZE_STEPS, smoothing=smoothing))

    def _render_fields(self, network) -> None:
        if network.n_layers < 2:
            self.field_images = np.zeros((0, 28, 28), dtype=np.float32)
            self.fields_grid.clear_images()
            self.fields_title.setText("Layer-2 fields need a hidden layer; this network has none.")
            return
        self.field_images = large_chunks(network)
        scale = symmetric_scale(self.field_images)
        self.fields_grid.set_images(self.field_images, levels=(-scale, scale), lut=diverging_lut(),
                                    separator=2, backdrop=SEPARATOR_COLOUR)
        n = self.field_images.shape[0]
        what = "output neurons" if network.n_layers == 2 else "second-layer neurons"
        self.fields_title.setText(f"Row i of W[2]\u00b7W[1] for the {n} {what}, as 28\u00d728 pictures")

    def _render_patterns(self, network) -> None:
        self.pattern_images = output_patterns(network)
        scale = symmetric_scale(self.pattern_images)
        n = self.pattern_images.shape[0]
        self.patterns_grid.set_images(self.pattern_images, levels=(-scale, scale), lut=diverging_lut(),
                                      captions=[str(d) for d in range(n)], cols=5 if n == 10 else None,
                                      backdrop=SEPARATOR_COLOUR)
        L = network.n_layers
        product = "W[1]" if L == 1 else ("W[2]\u00b7W[1]" if L == 2 else f"W[{L}]\u00b7\u00b7\u00b7W[1]")
        self.patterns_title.setText(f"Rows of {product}: the linear pixel pattern behind each digit's score")
        self.patterns_note.setText(
            "For a network without hidden layers these are exactly its weights. With hidden layers the "
            "product skips their activations and biases, so it shows a tendency, not the whole rule.")

    def show_result(self, result) -> None:
        self.maximization = result
        is_output = result.layer == self.network.n_layers
        captions = [str(int(n)) if is_output else f"#{int(n)}" for n in result.neurons]
        self.maximize_grid.set_images(result.images, levels=(0.0, 1.0), captions=captions)

    def show_status(self) -> None:
        result = self.maximization
        if result is None:
            return
        rose = float(np.mean(result.final > result.initial)) if result.neurons.size else 0.0
        self.status_label.setText(
            f"Layer {result.layer}, computed with the {self.computed_weights()}; "
            f"{rose:.0%} of the neurons rose above their grey-image value.{self.stale_note()}")

    def _field_text(self, cell: int) -> str:
        if cell < 0:
            return "Hover over a picture to see its neuron and value range."
        field = self.field_images[cell]
        return f"Neuron {cell} of layer 2:  values from {signed(float(field.min()))} to {signed(float(field.max()))}"

    def _maximized_text(self, cell: int) -> str:
        result = self.maximization
        if cell < 0 or result is None:
            return "Hover over a picture to see how far its neuron rose."
        neuron = int(result.neurons[cell])
        name = f"digit {neuron} (output)" if result.layer == self.network.n_layers else f"neuron {neuron}"
        return (f"A[{result.layer}] {name}: {result.initial[cell]:.3g} for the grey start image, "
                f"{result.final[cell]:.3g} for this picture")

    def sizeHint(self) -> QSize:
        return QSize(640, 480)
