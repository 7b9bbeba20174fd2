"""The training controls: settings, presets, and the Start/Pause/Step/Stop/Reset buttons.

`ControlsPanel` turns its fields into an engine TrainConfig and refuses impossible
values visibly (a red border on the field and a message) before anything starts, using
TrainConfig.validate so the rules are the engine's own. It knows nothing about threads:
it emits requests, and the owner tells it the run state with `set_run_state`.
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.config import DEFAULT_PRESET, PRESETS, TrainConfig
from engine.snapshot import RunState
from engine.trainer import LIVE_SETTINGS

PRESET_ORDER = ("seed-000", "seed-002", "seed-003", "seed-004", "default")

AUGMENT_SHIFT_PX = 2
AUGMENT_ROTATE_DEG = 12.0
AUGMENT_NOISE_STD = 0.1
MAX_SLOW_MOTION_S = 2.0
SLOW_MOTION_SLIDER_STEPS_PER_S = 100  # the slider moves in 10 ms steps


INVALID_STYLE = "border: 2px solid #d9534f; border-radius: 3px;"

PRESET_TOOLTIP = (
    "Starting settings taken from the seeds. seed-000: 784-128-64-10 ReLU network, mini-batch gradient "
    "descent. seed-002: 784-10-10 trained by full-batch gradient descent (one step per epoch). "
    "seed-003: the same 784-10-10 with mini-batches. seed-004: 784-20-10-10 sigmoid network with a "
    "squared-error cost. default: the quickest route to about 98% test accuracy."
)


class LadderSpinBox(QDoubleSpinBox):
    """A spin box for rates that span orders of magnitude (1e-5 to 10 and beyond).

    The arrows walk the 1-2-5 ladder (0.01, 0.02, 0.05, 0.1, ...) instead of adding a fixed
    step, and the text drops trailing zeros, so 0.05 reads "0.05" rather than "0.05000"."""

    def __init__(self, minimum: float, maximum: float, decimals: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(decimals)
        self.setRange(minimum, maximum)
        self._smallest_step = 10.0 ** -decimals

    def textFromValue(self, value: float) -> str:
        text = f"{value:.{self.decimals()}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = self._ladder_neighbour(value, up=steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))

    def _ladder_neighbour(self, value: float, up: bool) -> float:
        if value < self._smallest_step:
            return self._smallest_step if up else 0.0
        exponent = math.floor(math.log10(value))
        candidates = sorted(m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5))
        tolerance = value * 1e-9
        if up:
            return next(c for c in candidates if c > value + tolerance)
        below = [c for c in candidates if c < value - tolerance]
        return below[-1] if below[-1] >= self._smallest_step else 0.0


class ControlsPanel(QWidget):
    startRequested = Signal()
    pauseRequested = Signal()
    resumeRequested = Signal()
    stepRequested = Signal()
    stopRequested = Signal()
    resetRequested = Signal()
    liveSettingsChanged = Signal(dict)
    """Valid values of LIVE_SETTINGS the user changed while a run exists, as {field: value}."""
    validityChanged = Signal(bool)

    def __init__(self, n_train: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controlsPanel")
        self._n_train = n_train
        self._run_state = RunState.IDLE
        self._data_ready = True
        self._valid = True
        self._updating = False   # filling fields from a preset: validate once at the end
        self._live_values = {}   # live settings the running trainer has, to send only changes
        self._base_config = PRESETS[DEFAULT_PRESET]  # supplies what the form has no field for
        self._build_fields()
        self._build_buttons()
        self._build_layout()
        self._connect()
        self.apply_preset(DEFAULT_PRESET)

    # -- building --------------------------------------------------------------------
    def _build_fields(self) -> None:
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        for name in PRESET_ORDER:
            self.preset_combo.addItem(name, name)
        self.preset_combo.setToolTip(PRESET_TOOLTIP)

        self.hidden_edit = QLineEdit()
        self.hidden_edit.setObjectName("hiddenLayersEdit")
        self.hidden_edit.setPlaceholderText("e.g. 256,128")
        self.hidden_edit.setToolTip(
            "Sizes of the hidden layers, separated by commas. 256,128 builds a 784-256-128-10 network: "
            "W[1] is 256×784, W[2] is 128×256 and W[3] is 10×128.")

        self.activation_combo = _combo("activationCombo", [
            ("ReLU", "relu"), ("Leaky ReLU", "leaky_relu"), ("Sigmoid", "sigmoid"), ("tanh", "tanh")])
        self.activation_combo.setToolTip(
            "The function g applied by every hidden layer: A[l] = g(Z[l]) with Z[l] = W[l] A[l-1] + b[l].")

        self.loss_combo = _combo("lossCombo", [("Cross-entropy", "ce"), ("Squared error", "mse")])
        self.loss_combo.setToolTip(
            "The cost J that training minimises, averaged over the mini-batch. Cross-entropy with a "
            "softmax output is the usual choice; squared error is ||A[L] − Y||² / 2 (seed 004).")

        self.output_combo = _combo("outputActivationCombo", [
            ("Softmax", "softmax"), ("Sigmoid", "sigmoid"), ("Identity", "identity")])
        self.output_combo.setToolTip(
            "The activation of the output layer A[L]. Cross-entropy needs softmax; with squared error "
            "the output may also be sigmoid (as in seed 004) or identity.")

        self.optimizer_combo = _combo("optimizerCombo", [
            ("Gradient descent", "gd"), ("Momentum", "momentum"), ("Adam", "adam")])
        self.optimizer_combo.setToolTip(
            "How a gradient changes the weights. Gradient descent: W[l] := W[l] − α dW[l]. Momentum "
            "follows a running average of past gradients; Adam also scales each weight's step.")

        self.lr_spin = LadderSpinBox(0.0, 1000.0)
        self.lr_spin.setObjectName("learningRateSpin")
        self.lr_spin.setToolTip(
            "The learning rate α: how far each update moves W[l] and b[l] against the gradient. "
            "Too small learns slowly, too large makes the loss blow up. Changes apply immediately.")

        self.momentum_spin = QDoubleSpinBox()
        self.momentum_spin.setObjectName("momentumSpin")
        self.momentum_spin.setRange(0.0, 0.999)
        self.momentum_spin.setDecimals(3)
        self.momentum_spin.setSingleStep(0.05)
        self.momentum_spin.setToolTip(
            "For the momentum optimiser: the share μ of the previous step kept in each update, "
            "v := μ v + dW[l], W[l] := W[l] − α v. Higher values smooth out noisy mini-batches.")

        self.l2_spin = LadderSpinBox(0.0, 0.99, decimals=6)
        self.l2_spin.setObjectName("l2Spin")
        self.l2_spin.setToolTip(
            "L2 weight decay λ: adds (λ/2)·||W[l]||² to the cost, which pulls every weight towards zero "
            "and keeps the network from memorising the training images. 0 turns it off.")

        self.dropout_spin = QDoubleSpinBox()
        self.dropout_spin.setObjectName("dropoutSpin")
        self.dropout_spin.setRange(0.0, 0.95)
        self.dropout_spin.setDecimals(2)
        self.dropout_spin.setSingleStep(0.05)
        self.dropout_spin.setToolTip(
            "The probability that each hidden neuron is switched off for a mini-batch during training, "
            "so the network cannot rely on any single neuron. 0 turns it off.")

        self.schedule_combo = _combo("scheduleCombo", [
            ("Constant", "constant"), ("Step decay", "step"), ("Cosine", "cosine")])
        self.schedule_combo.setToolTip(
            "How α changes during the run: constant; step decay (halved after every epoch); or cosine "
            "(smoothly down to 0 by the last epoch).")

        self.batch_spin = QSpinBox()
        self.batch_spin.setObjectName("batchSizeSpin")
        self.batch_spin.setRange(0, 1_000_000)
        self.batch_spin.setToolTip(
            "The mini-batch size m: how many images are averaged for each gradient step. "
            "The whole training set (60000) gives full-batch gradient descent, one step per epoch.")

        self.epochs_spin = QSpinBox()
        self.epochs_spin.setObjectName("epochsSpin")
        self.epochs_spin.setRange(0, 100_000)
        self.epochs_spin.setToolTip("How many epochs to train: one epoch is one pass over every training image.")

        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setRange(0, 2_147_483_647)
        self.seed_spin.setToolTip(
            "Random seed for the initial W[l], the shuffling of mini-batches and dropout. "
            "The same seed replays a run exactly.")

        for spin in (self.lr_spin, self.momentum_spin, self.l2_spin, self.dropout_spin,
                     self.batch_spin, self.epochs_spin, self.seed_spin):
            # Apply a typed value when it is complete (Enter or leaving the field), not at
            # every keystroke: typing 0.01 must not pass through an invalid 0 mid-run.
            spin.setKeyboardTracking(False)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)

        self.shift_check = QCheckBox(f"Shift ±{AUGMENT_SHIFT_PX} px")
        self.shift_check.setObjectName("augmentShiftCheck")
        self.shift_check.setToolTip(
            f"Data augmentation: move each training image by up to {AUGMENT_SHIFT_PX} pixels in each "
            "direction, so the network learns that a digit's position does not matter.")
        self.rotate_check = QCheckBox(f"Rotate ±{AUGMENT_ROTATE_DEG:g}°")
        self.rotate_check.setObjectName("augmentRotateCheck")
        self.rotate_check.setToolTip(
            f"Data augmentation: turn each training image by a random angle within ±{AUGMENT_ROTATE_DEG:g}°, "
            "like a slanted handwriting.")
        self.noise_check = QCheckBox("Noise")
        self.noise_check.setObjectName("augmentNoiseCheck")
        self.noise_check.setToolTip(
            f"Data augmentation: add random pixel noise (standard deviation {AUGMENT_NOISE_STD:g}) to "
            "each training image, so the network ignores speckles.")

        self.slow_motion_spin = QDoubleSpinBox()
        self.slow_motion_spin.setObjectName("slowMotionSpin")
        self.slow_motion_spin.setRange(0.0, MAX_SLOW_MOTION_S)
        self.slow_motion_spin.setDecimals(2)
        self.slow_motion_spin.setSingleStep(0.1)
        self.slow_motion_spin.setSuffix(" s")
        self.slow_motion_spin.setKeyboardTracking(False)
        self.slow_motion_slider = QSlider(Qt.Orientation.Horizontal)
        self.slow_motion_slider.setObjectName("slowMotionSlider")
        self.slow_motion_slider.setRange(0, int(MAX_SLOW_MOTION_S * SLOW_MOTION_SLIDER_STEPS_PER_S))
        slow_tip = ("Pause between mini-batches, to watch each update of W[l] and b[l] happen. "
                    "0 trains at full speed. Changes apply immediately.")
        self.slow_motion_spin.setToolTip(slow_tip)
        self.slow_motion_slider.setToolTip(slow_tip)

        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c9302c;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()

        # Field name -> widget, for validation messages and locking.
        self._field_widgets = {
            "hidden": self.hidden_edit, "activation": self.activation_combo, "loss": self.loss_combo,
            "output_activation": self.output_combo, "optimizer": self.optimizer_combo,
            "lr": self.lr_spin, "momentum": self.momentum_spin, "l2": self.l2_spin,
            "dropout": self.dropout_spin, "schedule": self.schedule_combo, "batch_size": self.batch_spin,
            "epochs": self.epochs_spin, "seed": self.seed_spin, "augment_shift": self.shift_check,
            "augment_rotate": self.rotate_check, "augment_noise": self.noise_check,
            "slow_motion_s": self.slow_motion_spin,
        }
        self._field_labels = {
            "hidden": "Hidden layers", "activation": "Activation", "loss": "Loss",
            "output_activation": "Output activation", "optimizer": "Optimiser", "lr": "Learning rate α",
            "momentum": "Momentum μ", "l2": "L2 decay λ", "dropout": "Dropout", "schedule": "α schedule",
            "batch_size": "Mini-batch size", "epochs": "Epochs", "seed": "Seed",
            "augment_shift": "Shift", "augment_rotate": "Rotate", "augment_noise": "Noise",
            "slow_motion_s": "Slow motion",
        }

    def _build_buttons(self) -> None:
        self.start_button = _button("Start", "startButton", "Train a new network with these settings (Space).")
        self.pause_button = _button("Pause", "pauseButton",
                                    "Pause after the current mini-batch (Space); press again to resume.")
        self.step_button = _button("Step", "stepButton",
                                   "Train exactly one mini-batch, then pause, to watch a single update.")
        self.stop_button = _button("Stop", "stopButton",
                                   "End the run. The trained network stays, to save it or to try it on the drawing "
                                   "pad.")
        self.reset_button = _button("Reset", "resetButton",
                                    "Forget the run and unlock the settings that shape the network.")

    def _build_layout(self) -> None:
        network_box = QGroupBox("Network")
        network_form = _form()
        network_form.addRow("Preset", self.preset_combo)
        network_form.addRow("Hidden layers", self.hidden_edit)
        network_form.addRow("Activation g", self.activation_combo)
        network_form.addRow("Loss J", self.loss_combo)
        network_form.addRow("Output A[L]", self.output_combo)
        network_box.setLayout(network_form)

        training_box = QGroupBox("Training")
        training_form = _form()
        training_form.addRow("Optimiser", self.optimizer_combo)
        training_form.addRow("Learning rate α", self.lr_spin)
        training_form.addRow("Momentum μ", self.momentum_spin)
        training_form.addRow("α schedule", self.schedule_combo)
        training_form.addRow("L2 decay λ", self.l2_spin)
        training_form.addRow("Dropout", self.dropout_spin)
        training_form.addRow("Mini-batch m", self.batch_spin)
        training_form.addRow("Epochs", self.epochs_spin)
        training_form.addRow("Seed", self.seed_spin)
        training_box.setLayout(training_form)

        augment_box = QGroupBox("Augmentation")
        augment_layout = QGridLayout()
        augment_layout.addWidget(self.shift_check, 0, 0)
        augment_layout.addWidget(self.rotate_check, 0, 1)
        augment_layout.addWidget(self.noise_check, 1, 0)
        augment_box.setLayout(augment_layout)

        slow_box = QGroupBox("Pause between mini-batches")
        slow_layout = QHBoxLayout()
        slow_layout.addWidget(self.slow_motion_slider, 1)
        slow_layout.addWidget(self.slow_motion_spin)
        slow_box.setLayout(slow_layout)

        buttons = QGridLayout()
        buttons.addWidget(self.start_button, 0, 0)
        buttons.addWidget(self.pause_button, 0, 1)
        buttons.addWidget(self.step_button, 0, 2)
        buttons.addWidget(self.stop_button, 1, 0)
        buttons.addWidget(self.reset_button, 1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(buttons)
        layout.addWidget(self.error_label)
        layout.addWidget(network_box)
        layout.addWidget(training_box)
        layout.addWidget(augment_box)
        layout.addWidget(slow_box)
        layout.addStretch(1)

    def _connect(self) -> None:
        self.preset_combo.activated.connect(lambda index: self.apply_preset(self.preset_combo.itemData(index)))
        self.hidden_edit.textChanged.connect(self._on_field_changed)
        for combo in (self.activation_combo, self.loss_combo, self.output_combo, self.optimizer_combo,
                      self.schedule_combo):
            combo.currentIndexChanged.connect(self._on_field_changed)
        for spin in (self.lr_spin, self.momentum_spin, self.l2_spin, self.dropout_spin, self.batch_spin,
                     self.epochs_spin, self.seed_spin, self.slow_motion_spin):
            spin.valueChanged.connect(self._on_field_changed)
        for check in (self.shift_check, self.rotate_check, self.noise_check):
            check.toggled.connect(self._on_field_changed)
        self.slow_motion_slider.valueChanged.connect(
            lambda v: self.slow_motion_spin.setValue(v / SLOW_MOTION_SLIDER_STEPS_PER_S))
        self.slow_motion_spin.valueChanged.connect(self._sync_slider)

        self.start_button.clicked.connect(self.startRequested)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.step_button.clicked.connect(self.stepRequested)
        self.stop_button.clicked.connect(self.stopRequested)
        self.reset_button.clicked.connect(self.resetRequested)

    # -- settings ------------------------------------------------------------------------
    @property
    def is_valid(self) -> bool:
        return self._valid

    @property
    def error_text(self) -> str:
        return self.error_label.text() if self.error_label.isVisibleTo(self) else ""

    def set_training_set_size(self, n_train: int | None) -> None:
        """The mini-batch size is checked against this many training examples."""
        self._n_train = n_train
        self._validate()
        self._update_enabled()

    def set_data_ready(self, ready: bool) -> None:
        """Start and Step wait for the training images (e.g. while they load)."""
        self._data_ready = ready
        self._update_enabled()

    def apply_preset(self, name: str) -> None:
        self.preset_combo.setCurrentIndex(self.preset_combo.findData(name))
        self.set_config(PRESETS[name])

    def set_config(self, config: TrainConfig) -> None:
        """Fill every field from `config`."""
        self._updating = True
        try:
            self.hidden_edit.setText(",".join(str(n) for n in config.hidden))
            _select(self.activation_combo, config.activation)
            _select(self.loss_combo, config.loss)
            _select(self.output_combo, config.output_activation)
            _select(self.optimizer_combo, config.optimizer)
            _select(self.schedule_combo, config.schedule)
            self.lr_spin.setValue(config.lr)
            self.momentum_spin.setValue(config.momentum)
            self.l2_spin.setValue(config.l2)
            self.dropout_spin.setValue(config.dropout)
            self.batch_spin.setValue(config.batch_size)
            self.epochs_spin.setValue(config.epochs)
            self.seed_spin.setValue(config.seed)
            self.shift_check.setChecked(config.augment_shift > 0)
            self.rotate_check.setChecked(config.augment_rotate > 0)
            self.noise_check.setChecked(config.augment_noise > 0)
            self.slow_motion_spin.setValue(config.slow_motion_s)
            self._base_config = config
        finally:
            self._updating = False
        self._on_field_changed()

    @property
    def preset(self) -> str:
        """The preset the fields were last filled from (they may have been edited since)."""
        return self.preset_combo.currentData()

    def restore_settings(self, preset: str, config: TrainConfig) -> bool:
        """Fill the fields with remembered settings and show the preset they started from.

        Remembered settings come back exactly or not at all: anything the form cannot hold
        as it is (an unknown activation, a value outside a field's range, a damaged value)
        leaves the default preset in place and returns False."""
        restored = False
        if self._fits_number_fields(config):
            try:
                self.set_config(config)
                restored = self.config() == config
            except (TypeError, ValueError):
                restored = False
        if not restored:
            self.apply_preset(DEFAULT_PRESET)
            return False
        index = self.preset_combo.findData(preset)
        if index >= 0:
            self.preset_combo.setCurrentIndex(index)
        return True

    def _fits_number_fields(self, config: TrainConfig) -> bool:
        """True if every number of `config` is one its field can hold. Checked before the fields
        are touched: Qt reports an integer too large for a spin box as an error of its own."""
        fields = {"lr": self.lr_spin, "momentum": self.momentum_spin, "l2": self.l2_spin,
                  "dropout": self.dropout_spin, "batch_size": self.batch_spin, "epochs": self.epochs_spin,
                  "seed": self.seed_spin, "slow_motion_s": self.slow_motion_spin}
        for name, spin in fields.items():
            value = getattr(config, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                return False
            if isinstance(spin, QSpinBox) and not isinstance(value, int):
                return False
            if not spin.minimum() <= value <= spin.maximum():
                return False
        return True

    def config(self) -> TrainConfig | None:
        """The validated settings, or None when a field is invalid (the panel then shows why)."""
        return self._validate()

    def field_values(self) -> dict:
        """The raw values of every field; `hidden` is None when the text does not parse."""
        return {
            "hidden": _parse_hidden(self.hidden_edit.text()),
            "activation": self.activation_combo.currentData(),
            "loss": self.loss_combo.currentData(),
            "output_activation": self.output_combo.currentData(),
            "optimizer": self.optimizer_combo.currentData(),
            "lr": self.lr_spin.value(),
            "momentum": self.momentum_spin.value(),
            "l2": self.l2_spin.value(),
            "dropout": self.dropout_spin.value(),
            "schedule": self.schedule_combo.currentData(),
            "batch_size": self.batch_spin.value(),
            "epochs": self.epochs_spin.value(),
            "seed": self.seed_spin.value(),
            "augment_shift": AUGMENT_SHIFT_PX if self.shift_check.isChecked() else 0,
            "augment_rotate": AUGMENT_ROTATE_DEG if self.rotate_check.isChecked() else 0.0,
            "augment_noise": AUGMENT_NOISE_STD if self.noise_check.isChecked() else 0.0,
            "slow_motion_s": self.slow_motion_spin.value(),
        }

    def show_error(self, text: str) -> None:
        """Show a problem found outside the form (e.g. the trainer refused a value)."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- run state -----------------------------------------------------------------------
    def set_run_state(self, state: RunState | str) -> None:
        """Raises ValueError for a name that is no RunState."""
        self._run_state = RunState(state)
        self._update_enabled()

    @property
    def run_state(self) -> RunState:
        return self._run_state

    def _update_enabled(self) -> None:
        state, valid = self._run_state, self._valid and self._data_ready
        has_run = state != RunState.IDLE
        active = state.is_active
        self.start_button.setEnabled(valid and not active)
        self.pause_button.setEnabled(active)
        self.pause_button.setText("Resume" if state in (RunState.PAUSED, RunState.DIVERGED) else "Pause")
        self.step_button.setEnabled(valid and state in (RunState.IDLE, RunState.PAUSED, RunState.DIVERGED))
        self.stop_button.setEnabled(active)
        self.reset_button.setEnabled(has_run)
        for name, widget in self._field_widgets.items():
            widget.setEnabled(name in LIVE_SETTINGS or not has_run)
        self.preset_combo.setEnabled(not has_run)
        self.slow_motion_slider.setEnabled(True)
        # Only meaningful in some combinations; the value is kept either way.
        if not has_run:
            self.output_combo.setEnabled(self.loss_combo.currentData() != "ce")
        self.momentum_spin.setEnabled(self.optimizer_combo.currentData() == "momentum")

    def _on_pause_clicked(self) -> None:
        if self._run_state in (RunState.PAUSED, RunState.DIVERGED):
            self.resumeRequested.emit()
        else:
            self.pauseRequested.emit()

    # -- validation ---------------------------------------------------------------------
    def _on_field_changed(self, *_) -> None:
        if self._updating:
            return
        if self.loss_combo.currentData() == "ce" and self.output_combo.currentData() != "softmax":
            # Cross-entropy is only defined here on a softmax output.
            _select(self.output_combo, "softmax")
            return  # the combo change re-enters this method
        config = self._validate()
        self._update_enabled()
        if config is not None and self._run_state.is_active:
            changes = {name: getattr(config, name) for name in LIVE_SETTINGS
                       if self._live_values.get(name) != getattr(config, name)}
            if changes:
                self._live_values.update(changes)
                self.liveSettingsChanged.emit(changes)

    def mark_started(self, config: TrainConfig) -> None:
        """Record the settings a run started with, so that only later changes are sent live."""
        self._live_values = {name: getattr(config, name) for name in LIVE_SETTINGS}

    def _validate(self) -> TrainConfig | None:
        values = self.field_values()
        problems = {}
        if values["hidden"] is None:
            problems["hidden"] = (f"write positive whole numbers separated by commas, e.g. 256,128 "
                                  f"(got {self.hidden_edit.text()!r})")
        # Each field is checked alone against known-good settings, so a message always
        # points at the field that causes it (batch size 1 fits any training set).
        reference = PRESETS[DEFAULT_PRESET].with_changes(batch_size=1)
        for name, value in values.items():
            if name in problems or name in ("loss", "output_activation"):
                continue
            problem = _problem(reference.with_changes(**{name: value}), self._n_train)
            if problem:
                problems[name] = problem
        pair = {"loss": values["loss"], "output_activation": values["output_activation"]}
        problem = _problem(reference.with_changes(**pair), self._n_train)
        if problem:
            problems["output_activation"] = problem

        config = None
        if not problems:
            candidate = self._base_config.with_changes(**values)
            problem = _problem(candidate, self._n_train)
            if problem:
                problems["_form"] = problem
            else:
                config = candidate

        for name, widget in self._field_widgets.items():
            widget.setStyleSheet(_invalid_style(widget) if name in problems else "")
        message = "\n".join(f"{self._field_labels.get(name, 'Settings')}: {text}" for name, text in problems.items())
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        valid = config is not None
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)
        self._valid = valid
        return config

    def _sync_slider(self, seconds: float) -> None:
        self.slow_motion_slider.blockSignals(True)
        self.slow_motion_slider.setValue(round(seconds * SLOW_MOTION_SLIDER_STEPS_PER_S))
        self.slow_motion_slider.blockSignals(False)


# -- helpers -------------------------------------------------------------------------------
def _parse_hidden(text: str) -> tuple | None:
    parts = [part.strip() for part in text.split(",")]
    if not parts or not all(part.isdigit() for part in parts):
        return None
    sizes = tuple(int(part) for part in parts)
    return sizes if all(n >= 1 for n in sizes) else None


def _problem(config: TrainConfig, n_train: int | None) -> str:
    try:
        config.validate(n_train)
    except ValueError as e:
        return str(e)
    return ""


def _invalid_style(widget: QWidget) -> str:
    if isinstance(widget, QCheckBox):
        return "QCheckBox { color: #c9302c; }"
    for widget_type in (QAbstractSpinBox, QLineEdit, QComboBox):
        if isinstance(widget, widget_type):
            return f"{widget_type.__name__} {{ {INVALID_STYLE} }}"
    return ""


def _combo(object_name: str, items) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(object_name)
    for text, key in items:
        combo.addItem(text, key)
    return combo


def _select(combo: QComboBox, key) -> None:
    index = combo.findData(key)
    if index < 0:
        raise ValueError(f"{combo.objectName()} has no option {key!r}")
    combo.setCurrentIndex(index)


def _button(text: str, object_name: str, tooltip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(object_name)
    button.setToolTip(tooltip)
    return button


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    return form
