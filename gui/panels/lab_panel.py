"""The Lab: switch neurons off, scale their weights, shift their biases, prune, change the
softmax temperature, and see at once what the network loses.

The panel edits nothing in place. It holds an immutable engine.analysis.lab.LabEdits and derives the
edited network from the network of the snapshot on screen (`network_for`), once per snapshot
network and set of edits; the drawing pad is answered with it while edits are active. The
network being trained is never edited. The test accuracy of the edited network beside the
original's is computed on a worker thread (gui/training/background.py); a burst of edits (a slider
dragged) costs one evaluation, and only the latest edits' result is shown.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.analysis.lab import EditedCopy, LabEdits, apply_edits, network_accuracy
from engine.modelio import save_model
from engine.network import Network
from engine.snapshot import RunState, Snapshot

from ..widgets.background import BackgroundTask
from ..widgets.colormaps import text_accent
from ..widgets.fields import button, check_box, double_spin, named, set_quietly
from ..widgets.user_folders import user_models_folder
from ..widgets.visibility import on_screen
from .lab_controls import (
    ACTIVE_STYLE,
    ACTIVE_TEXT,
    BIAS_SHIFT_RANGE,
    ERROR_COLOUR,
    INACTIVE_STYLE,
    INACTIVE_TEXT,
    INFO_COLOUR,
    MAX_PRUNE_PERCENT,
    OUTPUT_SWITCH_OFF_TIP,
    SWITCH_OFF_TIP,
    TEMPERATURE_RANGE,
    TOOLTIPS,
    WEIGHT_SCALE_RANGE,
    EditsList,
    caption,
)
from .lab_readouts import accuracy_note, accuracy_text, drawing_text, network_answer


class LabPanel(QWidget):
    editsChanged = Signal(object)
    """The new engine.analysis.lab.LabEdits, after every accepted change (including Undo all)."""

    accuracyShown = Signal()
    """The accuracy readout shows a new result of the background evaluation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labPanel")
        self.state = None
        self.edits = LabEdits()
        self.message_box: QMessageBox | None = None
        self._snapshot: Snapshot | None = None
        self._base: Network | None = None
        self._hidden_snapshot: Snapshot | None = None  # shown while the panel was hidden
        self._dataset = None
        self._edited = EditedCopy()
        self._original_accuracy: tuple[Network, object, float] | None = None
        # The readout on screen: (base network, dataset, edits, original accuracy, edited accuracy).
        self.shown_result: tuple | None = None
        self._evaluated_snapshot: Snapshot | None = None
        self._accuracy_due = False
        self._drawing_input: np.ndarray | None = None
        self._drawing_readout_stale = True
        self._evaluation = BackgroundTask(self)
        self._evaluation.finished.connect(self._on_evaluated)
        self._evaluation.failed.connect(self._on_evaluation_failed)
        self._evaluation.busyChanged.connect(lambda _: self._update_accuracy_note())
        self._build_widgets()
        self._build_layout()
        self._connect()
        self._set_network_controls(None)
        self._refresh_edits_view()

    # -- widgets ------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.active_banner = QLabel()
        self.active_banner.setObjectName("labActiveBanner")
        self.active_banner.setWordWrap(True)

        self.layer_spin = named(QSpinBox(), "labLayerSpin", TOOLTIPS["layer"])
        self.layer_spin.setPrefix("layer ")
        self.neuron_spin = named(QSpinBox(), "labNeuronSpin", TOOLTIPS["neuron"])
        self.neuron_spin.setPrefix("neuron ")
        self.neuron_info = named(caption(""), "labNeuronInfo")

        self.off_check = check_box("Switch off", "labNeuronOff", SWITCH_OFF_TIP)
        self.scale_spin = _edit_spin("labWeightScale", WEIGHT_SCALE_RANGE, 1.0, "\u00d7 ", TOOLTIPS["scale"])
        self.shift_spin = _edit_spin("labBiasShift", BIAS_SHIFT_RANGE, 0.0, "+ ", TOOLTIPS["shift"])
        self.reset_neuron_button = button("Reset neuron", "labResetNeuronButton", TOOLTIPS["reset"])

        self.prune_slider = named(QSlider(Qt.Orientation.Horizontal), "labPrunePercent", TOOLTIPS["prune"])
        self.prune_slider.setRange(0, MAX_PRUNE_PERCENT)
        self.prune_slider.setPageStep(10)
        self.prune_value = QLabel()
        self.prune_value.setObjectName("labPruneValue")
        self.prune_value.setMinimumWidth(self.prune_value.fontMetrics().horizontalAdvance("100 %") + 4)
        self.prune_value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.temperature_spin = _edit_spin("labTemperature", TEMPERATURE_RANGE, 1.0, "T = ", TOOLTIPS["temperature"])

        self.accuracy_label = QLabel()
        self.accuracy_label.setObjectName("labAccuracyLabel")
        self.accuracy_label.setTextFormat(Qt.TextFormat.RichText)
        self.accuracy_label.setToolTip(TOOLTIPS["accuracy"])
        font = QFont(self.accuracy_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.accuracy_label.setFont(font)
        self.accuracy_note = named(caption(""), "labAccuracyNote")
        self.accuracy_note.setWordWrap(True)

        self.drawing_readout = QLabel()
        self.drawing_readout.setObjectName("labDrawingReadout")
        self.drawing_readout.setTextFormat(Qt.TextFormat.RichText)
        self.drawing_readout.setToolTip(TOOLTIPS["drawing"])

        self.edits_list = named(EditsList(), "labEditsList", TOOLTIPS["edits"])
        self.edits_list.setMinimumHeight(60)
        self.edits_list.setWordWrap(True)
        self.edits_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.message_label = QLabel()
        self.message_label.setObjectName("labMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()

        self.undo_button = button("Undo all", "labUndoAllButton", TOOLTIPS["undo"])
        self.save_button = button("Save edited network\u2026", "labSaveButton", TOOLTIPS["save"])

    def _build_layout(self) -> None:
        neuron_box = QGroupBox("One neuron")
        neuron_grid = QGridLayout(neuron_box)
        neuron_grid.setContentsMargins(8, 6, 8, 6)
        neuron_grid.setVerticalSpacing(4)
        neuron_grid.addWidget(self.layer_spin, 0, 0)
        neuron_grid.addWidget(self.neuron_spin, 0, 1)
        neuron_grid.addWidget(self.neuron_info, 1, 0, 1, 2)
        neuron_grid.addWidget(self.off_check, 2, 0)
        neuron_grid.addWidget(self.reset_neuron_button, 2, 1)
        neuron_grid.addWidget(caption("Weights"), 3, 0)
        neuron_grid.addWidget(self.scale_spin, 3, 1)
        neuron_grid.addWidget(caption("Bias"), 4, 0)
        neuron_grid.addWidget(self.shift_spin, 4, 1)

        network_box = QGroupBox("Whole network")
        network_form = QFormLayout(network_box)
        network_form.setContentsMargins(8, 6, 8, 6)
        network_form.setVerticalSpacing(6)
        prune_row = QHBoxLayout()
        prune_row.addWidget(self.prune_slider, 1)
        prune_row.addWidget(self.prune_value)
        network_form.addRow("Prune", prune_row)
        network_form.addRow("Temperature", self.temperature_spin)

        effect_box = QGroupBox("Effect")
        effect = QVBoxLayout(effect_box)
        effect.setContentsMargins(8, 6, 8, 6)
        effect.setSpacing(1)
        effect.addWidget(caption("Test accuracy"))
        effect.addWidget(self.accuracy_label)
        effect.addWidget(self.accuracy_note)
        effect.addSpacing(4)
        effect.addWidget(caption("Your drawing"))
        effect.addWidget(self.drawing_readout)

        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        # Two columns, to fit the drawing pad's place (about 540 x 330 px): what to edit on the
        # left, what it does and the list of edits on the right.
        edit_column = QVBoxLayout()
        edit_column.setSpacing(6)
        edit_column.addWidget(neuron_box)
        edit_column.addWidget(network_box)
        edit_column.addStretch(1)
        result_column = QVBoxLayout()
        result_column.setSpacing(4)
        result_column.addWidget(effect_box)
        result_column.addWidget(caption("Active edits"))
        result_column.addWidget(self.edits_list, 1)
        result_column.addLayout(buttons)
        columns = QHBoxLayout()
        columns.setSpacing(8)
        columns.addLayout(edit_column, 1)
        columns.addLayout(result_column, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(6)
        layout.addWidget(self.active_banner)
        layout.addWidget(self.message_label)
        layout.addLayout(columns, 1)

    def _connect(self) -> None:
        self.layer_spin.valueChanged.connect(self._on_layer_chosen)
        self.neuron_spin.valueChanged.connect(lambda _: self._show_selected_neuron())
        self.off_check.toggled.connect(
            lambda off: self.set_neuron_off(self.layer_spin.value(), self.neuron_spin.value(), off))
        self.scale_spin.valueChanged.connect(
            lambda scale: self.set_weight_scale(self.layer_spin.value(), self.neuron_spin.value(), scale))
        self.shift_spin.valueChanged.connect(
            lambda shift: self.set_bias_shift(self.layer_spin.value(), self.neuron_spin.value(), shift))
        self.reset_neuron_button.clicked.connect(self._reset_selected_neuron)
        self.prune_slider.valueChanged.connect(self.set_prune_percent)
        self.temperature_spin.valueChanged.connect(self.set_temperature)
        self.edits_list.itemDoubleClicked.connect(self._on_edit_double_clicked)
        self.undo_button.clicked.connect(self.undo_all)
        self.save_button.clicked.connect(self._save_dialog)

    # -- what the window tells the panel ----------------------------------------------------------
    def bind(self, state) -> None:
        """Follow the network on screen, the drawing and the dataset of `state`, and keep the edits
        there (the state gives the edited network to whoever answers with it)."""
        self.state = state
        state.snapshotChanged.connect(self.show_snapshot)
        state.probeChanged.connect(self.set_drawing_input)
        state.datasetChanged.connect(self.set_dataset)
        self.editsChanged.connect(state.set_lab_edits)

    def show_snapshot(self, snapshot: Snapshot | None) -> None:
        """The window shows `snapshot` (None: no network); edits apply to its network from now on."""
        if (snapshot is not None and not on_screen(self) and self._base is not None
                and snapshot.network.layer_sizes == self._base.layer_sizes):
            # Hidden or behind another tab during training: catch up when shown instead of refreshing
            # labels nobody sees at every frame (network_for needs none of this).
            self._hidden_snapshot = snapshot
            return
        self._hidden_snapshot = None
        self._snapshot = snapshot
        network = snapshot.network if snapshot is not None else None
        if network is self._base:
            return
        previous = self._base
        self._base = network
        if network is None:
            self._set_network_controls(None)
            self._update_accuracy_label()
            self._update_drawing_readout()
            return
        if previous is None or previous.layer_sizes != network.layer_sizes:
            self._set_network_controls(network)
            fitting = self.edits.fitting(network.layer_sizes)
            if fitting != self.edits:
                self._set_edits(fitting)
                self._show_message("Edits of neurons this network does not have were dropped.", ERROR_COLOUR)
        self._show_selected_neuron()
        self._update_drawing_readout()
        if self._is_accuracy_due(snapshot):
            self._accuracy_due = True
            self.refresh()
        self._update_accuracy_note()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._hidden_snapshot is not None:
            self.show_snapshot(self._hidden_snapshot)

    def set_dataset(self, dataset) -> None:
        """The test images the accuracy is measured on."""
        self._dataset = dataset
        self._accuracy_due = True
        self.refresh()

    @Slot(object)
    def set_drawing_input(self, image: np.ndarray | None) -> None:
        """The drawing pad's (28, 28) input, or None when it is empty."""
        self._drawing_input = image
        self._update_drawing_readout()

    @Slot()
    def refresh(self, force: bool = False) -> None:
        """Bring the panel up to date if it is on screen (or `force`): the drawing's answers,
        and a due evaluation. The window calls this when the Lab appears."""
        if self._hidden_snapshot is not None and on_screen(self):
            self.show_snapshot(self._hidden_snapshot)
        if self._drawing_readout_stale:
            self._update_drawing_readout()
        if not self._accuracy_due or self._base is None or self._dataset is None:
            return
        if not (force or on_screen(self)):
            return
        self._accuracy_due = False
        self._evaluated_snapshot = self._snapshot
        base, dataset, edits = self._base, self._dataset, self.edits
        original = self._original_accuracy
        known = original[2] if original is not None and original[0] is base and original[1] is dataset else None

        def evaluate():
            # Worker thread: reads the snapshot's network (never changed) and the test images.
            original_accuracy = known if known is not None else network_accuracy(base, dataset.x_test, dataset.y_test)
            edited_accuracy = original_accuracy if edits.is_empty else network_accuracy(
                apply_edits(base, edits), dataset.x_test, dataset.y_test)
            return base, dataset, edits, original_accuracy, edited_accuracy

        self._evaluation.run(evaluate)
        self._update_accuracy_note()

    def network_for(self, network: Network) -> Network:
        """The network to answer with in place of `network`: itself without edits, otherwise its
        edited copy (made once per network and set of edits)."""
        return self._edited.of(network, self.edits)

    @property
    def network(self) -> Network | None:
        """The network the edits apply to: that of the snapshot on screen."""
        return self._base

    @property
    def edits_active(self) -> bool:
        return not self.edits.is_empty

    @property
    def busy(self) -> bool:
        return self._evaluation.busy

    def wait(self, msecs: int = -1) -> bool:
        return self._evaluation.wait(msecs)

    # -- edits (the controls call these; each refuses what does not fit the network) --------------
    def select_neuron(self, layer: int, neuron: int) -> bool:
        """Show `neuron` of `layer` in the neuron controls."""
        if self._base is None:
            return self._refuse("There is no network to edit yet: load a model or train one.")
        sizes = self._base.layer_sizes
        if not 1 <= layer < len(sizes):
            return self._refuse(f"There is no layer {layer}: this network has layers 1 to {len(sizes) - 1}.")
        if not 0 <= neuron < sizes[layer]:
            return self._refuse(f"Layer {layer} has neurons 0 to {sizes[layer] - 1}; there is no neuron {neuron}.")
        set_quietly(self.layer_spin, layer)
        self.neuron_spin.setRange(0, sizes[layer] - 1)
        set_quietly(self.neuron_spin, neuron)
        self._show_selected_neuron()
        self._hide_message()
        return True

    @Slot(int)
    def select_first_layer_neuron(self, neuron: int) -> None:
        """A chunk was clicked: its neuron of the first layer becomes the one to edit."""
        self.select_neuron(1, neuron)

    def set_neuron_off(self, layer: int, neuron: int, off: bool = True) -> bool:
        return self._change(lambda e: e.with_neuron_off(layer, neuron, off))

    def set_weight_scale(self, layer: int, neuron: int, scale: float) -> bool:
        return self._change(lambda e: e.with_weight_scale(layer, neuron, scale))

    def set_bias_shift(self, layer: int, neuron: int, shift: float) -> bool:
        return self._change(lambda e: e.with_bias_shift(layer, neuron, shift))

    def set_prune_percent(self, percent: float) -> bool:
        return self._change(lambda e: e.with_prune_percent(percent))

    def set_temperature(self, temperature: float) -> bool:
        return self._change(lambda e: e.with_temperature(temperature))

    def set_edits(self, edits: LabEdits) -> bool:
        """Replace every edit at once (refused if they do not fit the network)."""
        return self._change(lambda _: edits)

    @Slot()
    def undo_all(self) -> None:
        self._hide_message()
        if not self.edits.is_empty:
            self._set_edits(LabEdits())

    def _change(self, make) -> bool:
        if self._base is None:
            return self._refuse("There is no network to edit yet: load a model or train one.")
        try:
            edits = make(self.edits)
        except (TypeError, ValueError) as e:
            return self._refuse(f"Refused: {e}.")
        problems = edits.problems(self._base.layer_sizes)
        if problems:
            return self._refuse(f"Refused: {'; '.join(problems)}.")
        self._hide_message()
        if edits != self.edits:
            self._set_edits(edits)
        return True

    def _set_edits(self, edits: LabEdits) -> None:
        self.edits = edits
        self._refresh_edits_view()
        self.editsChanged.emit(edits)
        self._accuracy_due = True
        self.refresh(force=True)  # the user is looking: an edit is always answered

    def _reset_selected_neuron(self) -> None:
        self._change(lambda e: e.without_neuron(self.layer_spin.value(), self.neuron_spin.value()))

    # -- saving -----------------------------------------------------------------------------------
    def save_edited(self, path) -> bool:
        """Write the edited network on screen to `path` (atomically, like every model file), its
        metadata naming the edits. Problems are reported in a message box."""
        if self._base is None:
            return self._refuse("There is no network to save yet: load a model or train one.")
        network = self.network_for(self._base)
        metadata = {"lab_edits": self.edits.to_dict(), "edited_from": self._base.describe()}
        snapshot = self._snapshot
        if snapshot is not None and snapshot.dataset_name:
            metadata["dataset"] = snapshot.dataset_name
        result = self.shown_result
        if result is not None and result[0] is self._base and result[2] == self.edits:
            metadata["original_test_accuracy"] = result[3]
            metadata["test_accuracy"] = result[4]
        try:
            save_model(path, network, metadata)
        except OSError as e:
            self.message_box = box = QMessageBox(
                QMessageBox.Icon.Warning, "Could not save the edited network",
                f"{path}: {e.strerror or e}\n\nNothing was written; any earlier file of that name is unchanged.",
                QMessageBox.StandardButton.Ok, self)
            box.setObjectName("labSaveErrorBox")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return False
        self._show_message(f"Saved the edited network to {Path(path).name}.", INFO_COLOUR)
        return True

    def ask_save_path(self) -> str:
        suggested = user_models_folder() / "edited-model.npz"
        path, _ = QFileDialog.getSaveFileName(self, "Save edited network", str(suggested), "Models (*.npz)")
        return path

    def _save_dialog(self) -> None:
        path = self.ask_save_path()
        if path:
            self.save_edited(path)

    # -- display ----------------------------------------------------------------------------------
    def _set_network_controls(self, network: Network | None) -> None:
        """Fit the neuron controls to `network`'s layers (disabled without a network)."""
        for widget in (self.layer_spin, self.neuron_spin, self.off_check, self.scale_spin, self.shift_spin,
                       self.reset_neuron_button, self.prune_slider, self.temperature_spin):
            widget.setEnabled(network is not None)
        self._update_buttons()
        if network is None:
            self.neuron_info.setText("No network to edit yet.")
            return
        set_quietly(self.layer_spin, min(self.layer_spin.value(), network.n_layers), (1, network.n_layers))
        self._on_layer_chosen(self.layer_spin.value())

    def _on_layer_chosen(self, layer: int) -> None:
        if self._base is None:
            return
        size = self._base.layer_sizes[layer]
        set_quietly(self.neuron_spin, min(self.neuron_spin.value(), size - 1), (0, size - 1))
        self._show_selected_neuron()

    def _show_selected_neuron(self) -> None:
        """Show the selected neuron's edits in its controls, without treating that as an edit."""
        network = self._base
        if network is None:
            return
        layer, neuron = self.layer_spin.value(), self.neuron_spin.value()
        is_output = layer == network.n_layers
        kind = f"output neuron (digit {neuron})" if is_output else f"{network.hidden_activation} neuron"
        bias = float(network.biases[layer - 1][neuron, 0])
        self.neuron_info.setText(f"{kind} of {network.layer_sizes[layer]}, bias b = {bias:+.3f}")
        self.off_check.setEnabled(not is_output)
        self.off_check.setToolTip(OUTPUT_SWITCH_OFF_TIP if is_output else SWITCH_OFF_TIP)
        set_quietly(self.off_check, self.edits.neuron_off(layer, neuron))
        set_quietly(self.scale_spin, self.edits.weight_scale(layer, neuron))
        set_quietly(self.shift_spin, self.edits.bias_shift(layer, neuron))

    def _refresh_edits_view(self) -> None:
        edits = self.edits
        active = not edits.is_empty
        self.active_banner.setText(ACTIVE_TEXT if active else INACTIVE_TEXT)
        self.active_banner.setStyleSheet(ACTIVE_STYLE if active else INACTIVE_STYLE)
        self.edits_list.clear()
        self.edits_list.addItems(edits.summary() or ["(none)"])
        self.edits_list.setEnabled(active)
        self._update_buttons()
        set_quietly(self.prune_slider, round(edits.prune_percent))
        self.prune_value.setText(f"{edits.prune_percent:g} %")
        set_quietly(self.temperature_spin, edits.temperature)
        self._show_selected_neuron()
        self._update_accuracy_label()
        self._update_drawing_readout()

    def _update_buttons(self) -> None:
        active = not self.edits.is_empty
        self.undo_button.setEnabled(active)
        # Without edits there is nothing but the network itself to save (File, Save model does that).
        self.save_button.setEnabled(active and self._base is not None)

    def _on_edit_double_clicked(self, item) -> None:
        neuron = EditsList.neuron_of(item.text())
        if neuron is not None:
            self.select_neuron(*neuron)

    @Slot(object)
    def _on_evaluated(self, result) -> None:
        base, dataset, edits, original, _edited = result
        if dataset is not self._dataset or edits != self.edits:
            return  # a newer request is on its way
        self._original_accuracy = (base, dataset, original)
        self.shown_result = result
        self._update_accuracy_label()
        self._update_accuracy_note()
        self.accuracyShown.emit()

    @Slot(str)
    def _on_evaluation_failed(self, message: str) -> None:
        self._show_message(f"The test accuracy could not be computed: {message}", ERROR_COLOUR)

    def _update_accuracy_label(self) -> None:
        result = self.shown_result
        if self._base is None or result is None or result[1] is not self._dataset or result[2] != self.edits:
            waiting = self._base is not None and self._dataset is not None
            self.accuracy_label.setText("computing\u2026" if waiting else "\u2013")
            return
        self.accuracy_label.setText(accuracy_text(result[3], result[4], not self.edits.is_empty))

    def _update_drawing_readout(self) -> None:
        """The digit the edited network and the network as trained see in the drawing (only while
        the panel is on screen: a hidden readout catches up in `refresh`)."""
        if not on_screen(self):
            self._drawing_readout_stale = True
            return
        self._drawing_readout_stale = False
        image, base = self._drawing_input, self._base
        if base is None:
            self.drawing_readout.setText("\u2013")
            return
        if image is None:
            self.drawing_readout.setText("Draw a digit on the pad to compare the answers.")
            return
        edited = None if self.edits.is_empty else network_answer(self.network_for(base), image)
        self.drawing_readout.setText(drawing_text(network_answer(base, image), edited))

    def _update_accuracy_note(self) -> None:
        of_earlier = self.shown_result is not None and self.shown_result[0] is not self._base
        self.accuracy_note.setText(accuracy_note(self._dataset, self._base is not None, self._evaluation.busy,
                                                 of_earlier))

    def _is_accuracy_due(self, snapshot: Snapshot) -> bool:
        # While a run trains, one evaluation per epoch is enough to follow it; any other new
        # network (a loaded model, a pause, a finished run) is evaluated at once.
        last = self._evaluated_snapshot
        if snapshot.state != RunState.RUNNING or last is None or last.state != RunState.RUNNING:
            return True
        return snapshot.epoch != last.epoch or snapshot.step < last.step

    def _refuse(self, message: str) -> bool:
        self._show_message(message, ERROR_COLOUR)
        self._show_selected_neuron()  # put the controls back to what is in effect
        return False

    def _show_message(self, text: str, colour: str) -> None:
        self.message_label.setStyleSheet(f"color: {text_accent(colour).name()};")
        self.message_label.setText(text)
        self.message_label.show()

    def _hide_message(self) -> None:
        self.message_label.hide()
        self.message_label.clear()

    @property
    def message(self) -> str:
        """The refusal or confirmation on screen ("" if none)."""
        return self.message_label.text() if not self.message_label.isHidden() else ""


def _edit_spin(object_name: str, value_range: tuple[float, float], value: float, prefix: str,
               tooltip: str) -> QDoubleSpinBox:
    spin = double_spin(object_name, value_range, decimals=2, step=0.1, adaptive=True, prefix=prefix, value=value,
                       tooltip=tooltip)
    # Typed numbers count once they are complete, not digit by digit.
    spin.setKeyboardTracking(False)
    return spin
