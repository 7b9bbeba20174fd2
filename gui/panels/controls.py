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
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.config import DEFAULT_PRESET, FULL_BATCH, PRESETS, TrainConfig
from engine.snapshot import RunState
from engine.trainer import LIVE_SETTINGS

from ..widgets.colormaps import text_accent
from ..widgets.fields import button, check_box, combo, double_spin, int_spin, named, select, set_quietly
from ..widgets.theme import follow_appearance
from .ladder_spin_box import LadderSpinBox
from .training_fields import (  # noqa: F401  (INVALID_STYLE, PRESET_TOOLTIP, SLOW_MOTION_...: re-exported)
    AUGMENT_AFFINE,
    AUGMENT_ELASTIC_PX,
    AUGMENT_NOISE_STD,
    AUGMENT_ROTATE_DEG,
    AUGMENT_SHIFT_PX,
    AUGMENT_THICKNESS,
    ERROR_TEXT_COLOUR,
    FIELD_LABELS,
    INVALID_STYLE,
    MAX_SLOW_MOTION_S,
    OPTIONS,
    PRESET_ORDER,
    PRESET_TOOLTIP,
    SLOW_MOTION_SLIDER_STEPS_PER_S,
    TOOLTIPS,
    config_problem,
    invalid_style,
    parse_hidden,
)

RUN_SHORTCUTS = {"start": "Space", "pause": "Space", "step": "Ctrl+Right", "stop": "Ctrl+.", "reset": "Ctrl+R"}
"""The keys of the run buttons, shown in their tooltips and in Help -> Keyboard shortcuts. Space
starts, pauses and resumes; it presses a button instead while one has the keyboard focus."""


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
        self._data_wait_reason = ""
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
        self.preset_combo = combo("presetCombo", [(name, name) for name in PRESET_ORDER], PRESET_TOOLTIP)
        self.hidden_edit = named(QLineEdit(), "hiddenLayersEdit", TOOLTIPS["hidden"])
        self.hidden_edit.setPlaceholderText("e.g. 256,128")
        self.activation_combo = combo("activationCombo", OPTIONS["activation"], TOOLTIPS["activation"])
        self.loss_combo = combo("lossCombo", OPTIONS["loss"], TOOLTIPS["loss"])
        self.output_combo = combo("outputActivationCombo", OPTIONS["output_activation"],
                                  TOOLTIPS["output_activation"])
        self.optimizer_combo = combo("optimizerCombo", OPTIONS["optimizer"], TOOLTIPS["optimizer"])
        self.lr_spin = named(LadderSpinBox(0.0, 1000.0), "learningRateSpin", TOOLTIPS["lr"])
        self.momentum_spin = double_spin("momentumSpin", (0.0, 0.999), decimals=3, step=0.05,
                                         tooltip=TOOLTIPS["momentum"])
        self.l2_spin = named(LadderSpinBox(0.0, 0.99, decimals=6), "l2Spin", TOOLTIPS["l2"])
        self.dropout_spin = double_spin("dropoutSpin", (0.0, 0.95), decimals=2, step=0.05,
                                        tooltip=TOOLTIPS["dropout"])
        self.schedule_combo = combo("scheduleCombo", OPTIONS["schedule"], TOOLTIPS["schedule"])
        self.batch_spin = int_spin("batchSizeSpin", (0, 1_000_000), TOOLTIPS["batch_size"])
        self.full_batch_check = check_box("Full batch", "fullBatchCheck", TOOLTIPS["full_batch"])
        self.epochs_spin = int_spin("epochsSpin", (0, 100_000), TOOLTIPS["epochs"])
        self.seed_spin = int_spin("seedSpin", (0, 2_147_483_647), TOOLTIPS["seed"])

        for spin in (self.lr_spin, self.momentum_spin, self.l2_spin, self.dropout_spin,
                     self.batch_spin, self.epochs_spin, self.seed_spin):
            # Apply a typed value when it is complete (Enter or leaving the field), not at
            # every keystroke: typing 0.01 must not pass through an invalid 0 mid-run.
            spin.setKeyboardTracking(False)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)

        self.shift_check = check_box(f"Shift ±{AUGMENT_SHIFT_PX} px", "augmentShiftCheck", TOOLTIPS["augment_shift"])
        self.rotate_check = check_box(f"Rotate ±{AUGMENT_ROTATE_DEG:g}°", "augmentRotateCheck",
                                      TOOLTIPS["augment_rotate"])
        self.noise_check = check_box("Noise", "augmentNoiseCheck", TOOLTIPS["augment_noise"])
        self.affine_check = check_box(f"Scale, shear ±{AUGMENT_AFFINE:.0%}", "augmentAffineCheck",
                                      TOOLTIPS["augment_affine"])
        self.elastic_check = check_box("Elastic", "augmentElasticCheck", TOOLTIPS["augment_elastic"])
        self.thickness_check = check_box("Stroke width", "augmentThicknessCheck", TOOLTIPS["augment_thickness"])

        self.slow_motion_spin = double_spin("slowMotionSpin", (0.0, MAX_SLOW_MOTION_S), decimals=2, step=0.1,
                                            suffix=" s", tooltip=TOOLTIPS["slow_motion_s"])
        self.slow_motion_spin.setKeyboardTracking(False)
        self.slow_motion_slider = named(QSlider(Qt.Orientation.Horizontal), "slowMotionSlider",
                                        TOOLTIPS["slow_motion_s"])
        self.slow_motion_slider.setRange(0, int(MAX_SLOW_MOTION_S * SLOW_MOTION_SLIDER_STEPS_PER_S))

        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)
        follow_appearance(self, self._colour_error_label)
        self._colour_error_label()
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
            "augment_affine": self.affine_check, "augment_elastic": self.elastic_check,
            "augment_thickness": self.thickness_check,
            "slow_motion_s": self.slow_motion_spin,
        }

    def _colour_error_label(self) -> None:
        self.error_label.setStyleSheet(f"color: {text_accent(ERROR_TEXT_COLOUR).name()};")

    def _build_buttons(self) -> None:
        tips = {
            "start": "Train a new network with these settings.",
            "pause": "Pause after the current mini-batch; press again to resume.",
            "step": "Train exactly one mini-batch, then pause, to watch a single update.",
            "stop": "End the run. The trained network stays, to save it or to try it on the drawing pad.",
            "reset": "Forget the run and unlock the settings that shape the network.",
        }
        for name, text in (("start", "Start"), ("pause", "Pause"), ("step", "Step"), ("stop", "Stop"),
                           ("reset", "Reset")):
            tip = f"{tips[name]} ({RUN_SHORTCUTS[name]})"
            setattr(self, f"{name}_button", button(text, f"{name}Button", tip))
        self._run_tooltips = {b: b.toolTip() for b in (self.start_button, self.step_button)}

    def _build_layout(self) -> None:
        network_box = _form_box("Network", [
            ("Preset", self.preset_combo), ("Hidden layers", self.hidden_edit),
            ("Activation g", self.activation_combo), ("Loss J", self.loss_combo), ("Output A[L]", self.output_combo)])
        training_box = _form_box("Training", [
            ("Optimiser", self.optimizer_combo), ("Learning rate α", self.lr_spin), ("Momentum μ", self.momentum_spin),
            ("α schedule", self.schedule_combo), ("L2 decay λ", self.l2_spin), ("Dropout", self.dropout_spin),
            ("Mini-batch m", self.batch_spin), ("", self.full_batch_check), ("Epochs", self.epochs_spin),
            ("Seed", self.seed_spin)])

        augment_box = QGroupBox("Augmentation")
        augment_layout = QGridLayout()
        augment_layout.addWidget(self.shift_check, 0, 0)
        augment_layout.addWidget(self.rotate_check, 0, 1)
        augment_layout.addWidget(self.noise_check, 1, 0)
        augment_layout.addWidget(self.affine_check, 1, 1)
        augment_layout.addWidget(self.elastic_check, 2, 0)
        augment_layout.addWidget(self.thickness_check, 2, 1)
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
        for box in (self.activation_combo, self.loss_combo, self.output_combo, self.optimizer_combo,
                    self.schedule_combo):
            box.currentIndexChanged.connect(self._on_field_changed)
        for spin in (self.lr_spin, self.momentum_spin, self.l2_spin, self.dropout_spin, self.batch_spin,
                     self.epochs_spin, self.seed_spin, self.slow_motion_spin):
            spin.valueChanged.connect(self._on_field_changed)
        for check in (self.shift_check, self.rotate_check, self.noise_check, self.affine_check, self.elastic_check,
                      self.thickness_check, self.full_batch_check):
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

    def set_data_ready(self, ready: bool, reason: str = "") -> None:
        """Start and Step wait for the training images (e.g. while they load); `reason`, shown in
        their tooltips meanwhile, says what they wait for."""
        self._data_ready = ready
        self._data_wait_reason = "" if ready else reason
        self._update_enabled()

    @property
    def data_ready(self) -> bool:
        return self._data_ready

    def apply_preset(self, name: str) -> None:
        self.preset_combo.setCurrentIndex(self.preset_combo.findData(name))
        self.set_config(PRESETS[name])

    def set_config(self, config: TrainConfig) -> None:
        """Fill every field from `config`."""
        self._updating = True
        try:
            self.hidden_edit.setText(",".join(str(n) for n in config.hidden))
            select(self.activation_combo, config.activation)
            select(self.loss_combo, config.loss)
            select(self.output_combo, config.output_activation)
            select(self.optimizer_combo, config.optimizer)
            select(self.schedule_combo, config.schedule)
            self.lr_spin.setValue(config.lr)
            self.momentum_spin.setValue(config.momentum)
            self.l2_spin.setValue(config.l2)
            self.dropout_spin.setValue(config.dropout)
            self.full_batch_check.setChecked(config.full_batch)
            if not config.full_batch:  # otherwise the number stays, for when full batch is unticked
                self.batch_spin.setValue(config.batch_size)
            self.epochs_spin.setValue(config.epochs)
            self.seed_spin.setValue(config.seed)
            self.shift_check.setChecked(config.augment_shift > 0)
            self.rotate_check.setChecked(config.augment_rotate > 0)
            self.noise_check.setChecked(config.augment_noise > 0)
            self.affine_check.setChecked(config.augment_affine > 0)
            self.elastic_check.setChecked(config.augment_elastic > 0)
            self.thickness_check.setChecked(config.augment_thickness > 0)
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
            if name == "batch_size" and value == FULL_BATCH:
                continue
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
            "hidden": parse_hidden(self.hidden_edit.text()),
            "activation": self.activation_combo.currentData(),
            "loss": self.loss_combo.currentData(),
            "output_activation": self.output_combo.currentData(),
            "optimizer": self.optimizer_combo.currentData(),
            "lr": self.lr_spin.value(),
            "momentum": self.momentum_spin.value(),
            "l2": self.l2_spin.value(),
            "dropout": self.dropout_spin.value(),
            "schedule": self.schedule_combo.currentData(),
            "batch_size": FULL_BATCH if self.full_batch_check.isChecked() else self.batch_spin.value(),
            "epochs": self.epochs_spin.value(),
            "seed": self.seed_spin.value(),
            "augment_shift": AUGMENT_SHIFT_PX if self.shift_check.isChecked() else 0,
            "augment_rotate": AUGMENT_ROTATE_DEG if self.rotate_check.isChecked() else 0.0,
            "augment_noise": AUGMENT_NOISE_STD if self.noise_check.isChecked() else 0.0,
            "augment_affine": AUGMENT_AFFINE if self.affine_check.isChecked() else 0.0,
            "augment_elastic": AUGMENT_ELASTIC_PX if self.elastic_check.isChecked() else 0.0,
            "augment_thickness": AUGMENT_THICKNESS if self.thickness_check.isChecked() else 0.0,
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
        for run_button, tip in self._run_tooltips.items():
            waiting = not self._data_ready and self._data_wait_reason
            run_button.setToolTip(f"{self._data_wait_reason}\n{tip}" if waiting else tip)
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
        self.full_batch_check.setEnabled(not has_run)
        self.batch_spin.setEnabled(not has_run and not self.full_batch_check.isChecked())

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
            select(self.output_combo, "softmax")
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
            problem = config_problem(reference.with_changes(**{name: value}), self._n_train)
            if problem:
                problems[name] = problem
        pair = {"loss": values["loss"], "output_activation": values["output_activation"]}
        problem = config_problem(reference.with_changes(**pair), self._n_train)
        if problem:
            problems["output_activation"] = problem

        config = None
        if not problems:
            candidate = self._base_config.with_changes(**values)
            problem = config_problem(candidate, self._n_train)
            if problem:
                problems["_form"] = problem
            else:
                config = candidate

        for name, widget in self._field_widgets.items():
            widget.setStyleSheet(invalid_style(widget) if name in problems else "")
        message = "\n".join(f"{FIELD_LABELS.get(name, 'Settings')}: {text}" for name, text in problems.items())
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        valid = config is not None
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)
        self._valid = valid
        return config

    def _sync_slider(self, seconds: float) -> None:
        set_quietly(self.slow_motion_slider, round(seconds * SLOW_MOTION_SLIDER_STEPS_PER_S))


def _form_box(title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
    """A group box holding a form of (label, field) rows, labels right-aligned."""
    box = QGroupBox(title)
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    for label, field in rows:
        form.addRow(label, field)
    box.setLayout(form)
    return box
