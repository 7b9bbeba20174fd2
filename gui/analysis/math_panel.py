"""The "Math" tab: one training step, equation by equation, with every number on screen.

Two examples: the worked 3-3-3-3-3 network of docs/math.md#worked-example (every cell shown,
and X, Y, W[l], b[l] and alpha editable), and one test image through the network on screen
(each matrix summarised by its shape, norm and range, with a window of its numbers). Hovering a
result cell lights up the operand cells that produced it; hovering an operand cell lights up the results it feeds.

The numbers come from engine.analysis.stepthrough, which reads them from the engine's own forward and
backward passes; this panel only lays them out. It reads snapshot.network (a private copy).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.analysis.stepthrough import (
    StepThroughError,
    example_steps,
    format_value,
    image_steps,
    parse_alpha,
    parse_entry,
    seed_001_example,
)

from ..widgets.colormaps import diverging_words, text_accent
from ..widgets.fields import combo
from ..widgets.flow_layout import FlowLayout
from ..widgets.labels import muted_colour_name
from ..widgets.panel_base import SnapshotPanel
from .matrix_grid import (
    DEPENDENT,
    HIGHLIGHT_FILL,
    HIGHLIGHT_FRAME,
    HOVERED,
    SOURCE,
    MatrixGrid,
    monospace,
)

__all__ = ["DEPENDENT", "HOVERED", "MODE_EXAMPLE", "MODE_IMAGE", "SOURCE", "MathPanel", "MatrixGrid"]

MODE_EXAMPLE = "example"
MODE_IMAGE = "image"
MODES = ((MODE_EXAMPLE, "Seed 001 example"), (MODE_IMAGE, "One test image through the network on screen"))
PHASE_COLOURS = {"forward": QColor("#1f77b4"), "loss": QColor("#8e44ad"),
                 "backward": QColor("#c0392b"), "update": QColor("#2b8a3e")}
PHASE_NAMES = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Update"}
HOVER_HINT = "Hover a number to see how it is computed and which numbers it comes from."
ERROR_COLOUR = "#c0392b"


class MathPanel(SnapshotPanel):
    """Step through forward, loss, backward and update, one equation at a time."""
    takes_dataset = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mathPanel")
        self.dataset = None
        self.network = None
        self.example = seed_001_example()
        self.alpha = self.example.alpha
        self.mode = MODE_EXAMPLE
        self.step_through = None
        self.current_index = 0
        self.grids: list[MatrixGrid] = []
        self._hover: tuple[int, int, int] | None = None
        self._image_key = None

        # -- the example
        self.mode_combo = combo("mathModeCombo", [(text, key) for key, text in MODES],
                                "Seed 001's small network with every number (editable), or one MNIST "
                                "test image through the network on screen, each matrix summarised.")
        self.image_spin = QSpinBox()
        self.image_spin.setObjectName("mathImageSpin")
        self.image_spin.setPrefix("test image ")
        self.image_spin.setRange(0, 0)
        self.image_spin.setToolTip("Which test image to send through the network.")
        self.image_label = QLabel()
        self.image_label.setObjectName("mathImageThumbnail")
        self.image_label.setFixedSize(32, 32)
        self.image_caption = QLabel()
        self.image_caption.setObjectName("mathImageCaption")
        self.alpha_edit = QLineEdit(f"{self.alpha:g}")
        self.alpha_edit.setObjectName("mathAlphaEdit")
        self.alpha_edit.setFixedWidth(70)
        self.alpha_edit.setToolTip("Learning rate \u03b1 of the update W := W \u2212 \u03b1 dW (press Enter).")
        self.reset_button = QPushButton("Reset to seed 001")
        self.reset_button.setObjectName("mathResetButton")
        self.reset_button.setToolTip("Put back the document's W, b, X, Y and \u03b1 = 0.1.")
        source_row = QHBoxLayout()
        source_row.addWidget(self.mode_combo)
        source_row.addWidget(self.image_spin)
        source_row.addWidget(self.image_label)
        source_row.addWidget(self.image_caption)
        source_row.addStretch(1)
        source_row.addWidget(QLabel("\u03b1 ="))
        source_row.addWidget(self.alpha_edit)
        source_row.addWidget(self.reset_button)

        # -- navigation
        self.previous_button = QPushButton("\u25c0 Previous")
        self.previous_button.setObjectName("mathPreviousButton")
        self.previous_button.setToolTip("The step before this one.")
        self.next_button = QPushButton("Next \u25b6")
        self.next_button.setObjectName("mathNextButton")
        self.next_button.setToolTip("The next step.")
        self.step_label = QLabel()
        self.step_label.setObjectName("mathStepLabel")
        self.step_label.setMinimumWidth(100)
        self.step_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phase_label = QLabel()
        self.phase_label.setObjectName("mathPhaseLabel")
        self.step_combo = QComboBox()
        self.step_combo.setObjectName("mathStepList")
        self.step_combo.setToolTip("Jump to any step.")
        self.step_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        nav_row = QHBoxLayout()
        nav_row.addWidget(self.previous_button)
        nav_row.addWidget(self.step_label)
        nav_row.addWidget(self.next_button)
        nav_row.addSpacing(12)
        nav_row.addWidget(self.phase_label)
        nav_row.addStretch(1)
        nav_row.addWidget(self.step_combo)

        # -- the step
        self.title_label = QLabel()
        self.title_label.setObjectName("mathStepTitle")
        title_font = QFont(self.title_label.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.1)
        self.title_label.setFont(title_font)
        self.equation_label = QLabel()
        self.equation_label.setObjectName("mathEquation")
        self.equation_label.setFont(monospace(15, bold=True))
        self.equation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.equation_label.setToolTip("The equation of this step, in the seed documents' notation.")
        self.note_label = QLabel()
        self.note_label.setObjectName("mathStepNote")
        self.note_label.setWordWrap(True)

        self.grids_widget = QWidget()
        self.grids_widget.setObjectName("mathGrids")
        self.grids_layout = FlowLayout(self.grids_widget, spacing=8)
        self.grids_layout.setContentsMargins(6, 6, 6, 6)
        self.grids_scroll = QScrollArea()
        self.grids_scroll.setObjectName("mathGridsScroll")
        self.grids_scroll.setWidgetResizable(True)
        self.grids_scroll.setFrameShape(QFrame.Shape.StyledPanel)
        self.grids_scroll.setWidget(self.grids_widget)
        self.grids_scroll.setMinimumHeight(160)

        self.formula_label = QLabel(HOVER_HINT)
        self.formula_label.setObjectName("mathCellFormula")
        self.formula_label.setFont(monospace(9.5))
        self.formula_label.setWordWrap(True)
        self.formula_label.setMinimumHeight(34)
        self.formula_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label = QLabel()
        self.message_label.setObjectName("mathMessage")
        self.message_label.setWordWrap(True)
        self.legend_label = QLabel()
        self.legend_label.setObjectName("mathLegend")
        self.legend_label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(source_row)
        layout.addLayout(nav_row)
        layout.addWidget(self.title_label)
        layout.addWidget(self.equation_label)
        layout.addWidget(self.note_label)
        layout.addWidget(self.grids_scroll, 1)
        layout.addWidget(self.formula_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.legend_label)
        layout.addStretch(0)  # takes what the grids do not need (see _fit_grids_height)

        self.mode_combo.currentIndexChanged.connect(self._on_mode_changed)
        self.image_spin.valueChanged.connect(self._on_image_chosen)
        self.alpha_edit.editingFinished.connect(self._on_alpha_entered)
        self.reset_button.clicked.connect(self.reset_example)
        self.previous_button.clicked.connect(self.previous_step)
        self.next_button.clicked.connect(self.next_step)
        self.step_combo.activated.connect(self.go_to)
        self._show_mode_controls()
        self._recompute()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(880, 580)

    # ------------------------------------------------------------------ data from the window
    def show_snapshot(self, snapshot) -> None:
        """Take the snapshot's network (a private copy); redraw if the image example is shown."""
        if snapshot.network is self.network:
            return
        self.network = snapshot.network
        if self.mode == MODE_IMAGE:
            self._recompute()

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        self.image_spin.setRange(0, max(dataset.n_test - 1, 0) if dataset is not None else 0)
        if self.mode == MODE_IMAGE:
            self._recompute()

    # ------------------------------------------------------------------ navigation
    @property
    def current_step(self):
        return None if self.step_through is None else self.step_through[self.current_index]

    def next_step(self) -> None:
        self.go_to(self.current_index + 1)

    def previous_step(self) -> None:
        self.go_to(self.current_index - 1)

    def go_to(self, index: int) -> None:
        if self.step_through is None:
            return
        index = max(0, min(int(index), len(self.step_through) - 1))
        if index != self.current_index or not self.grids:
            self.current_index = index
            self._hover = None
            self._show_step()

    def set_mode(self, mode: str) -> None:
        self.mode_combo.setCurrentIndex([key for key, _ in MODES].index(mode))

    # ------------------------------------------------------------------ hover
    def hover(self, matrix: int, row: int, col: int) -> None:
        """Highlight cell (row, col) of matrix `matrix` of the current step (0 the result) and
        the cells it comes from (a result) or feeds (an operand)."""
        step = self.current_step
        if step is None:
            return
        self._hover = (matrix, row, col)
        cells: list[dict] = [{} for _ in step.matrices]
        if matrix == 0:
            blocks, state = step.sources(row, col), SOURCE
            self.formula_label.setText(step.explain(row, col))
        else:
            blocks, state = step.dependents(matrix, row, col), DEPENDENT
            fed = ", ".join(self._describe_block(step, block) for block in blocks)
            self.formula_label.setText(f"{step.matrices[matrix].name}[{row + 1},{col + 1}] = "
                                       f"{format_value(step.matrices[matrix].values[row, col])} feeds {fed}.")
        for block in blocks:
            for cell in block.cells():
                cells[block.matrix][cell] = state
        cells[matrix][(row, col)] = HOVERED
        for grid, highlights in zip(self.grids, cells):
            grid.set_highlights(highlights)

    def clear_hover(self) -> None:
        self._hover = None
        self.formula_label.setText(HOVER_HINT)
        for grid in self.grids:
            grid.set_highlights({})

    def highlighted_cells(self) -> list[dict[tuple[int, int], str]]:
        """Per matrix of the current step (0 the result), the highlighted cells on screen."""
        return [grid.highlighted for grid in self.grids]

    @staticmethod
    def _describe_block(step, block) -> str:
        name = step.matrices[block.matrix].name
        if len(block.rows) == 1 and len(block.cols) == 1:
            return f"{name}[{block.rows.start + 1},{block.cols.start + 1}]"
        if len(block.cols) == 1:
            return f"column {block.cols.start + 1} of {name}"
        if len(block.rows) == 1:
            return f"row {block.rows.start + 1} of {name}"
        return f"every entry of {name}"

    # ------------------------------------------------------------------ editing
    def edit_cell(self, matrix: int, row: int, col: int, text: str) -> bool:
        """Set an input entry (W, b, X or Y shown in matrix `matrix` of the current step) from text
        typed by the user. Refused input changes nothing and says why; True if accepted."""
        step = self.current_step
        target = step.matrices[matrix] if step is not None and 0 <= matrix < len(step.matrices) else None
        if self.mode != MODE_EXAMPLE or target is None or target.source is None:
            self._show_error("Only X, Y, W[l] and b[l] of the seed 001 example can be edited.")
            return False
        try:
            value = parse_entry(text)
            example = self.example.edited(target.source, row, col, value)
            steps = example_steps(example)
        except StepThroughError as error:
            self._show_error(f"{target.name}[{row + 1},{col + 1}]: {error}. Nothing was changed.")
            if matrix < len(self.grids) and self.grids[matrix].shown(row, col):
                self.grids[matrix].restore(row, col)
            return False
        self.example = example
        self._set_step_through(steps)
        r, c = target.source.entry(row, col)
        self._show_info(f"{target.source.kind}{'' if target.source.kind in 'XY' else f'[{target.source.layer}]'}"
                        f"[{r + 1},{c + 1}] set to {format_value(value)}: every step was recomputed.")
        return True

    def set_alpha_text(self, text: str) -> bool:
        """Set \u03b1 from text typed by the user (refused text changes nothing); True if accepted."""
        try:
            alpha = parse_alpha(text)
        except StepThroughError as error:
            self._show_error(f"{error}. \u03b1 stays {self.alpha:g}.")
            self.alpha_edit.setText(f"{self.alpha:g}")
            return False
        self.alpha_edit.setText(f"{alpha:g}")
        if alpha == self.alpha:
            return True
        self.alpha = alpha
        self.example = self.example.with_alpha(alpha)
        self._recompute()
        self._show_info(f"\u03b1 set to {alpha:g}: the update steps were recomputed.")
        return True

    def reset_example(self) -> None:
        self.example = seed_001_example()
        self.alpha = self.example.alpha
        self.alpha_edit.setText(f"{self.alpha:g}")
        self._recompute()
        self._show_info("Back to seed 001's numbers.")

    # ------------------------------------------------------------------ internals
    def _on_alpha_entered(self) -> None:
        if self.alpha_edit.text().strip() != f"{self.alpha:g}":
            self.set_alpha_text(self.alpha_edit.text())

    def _on_image_chosen(self, _index: int) -> None:
        if self.mode == MODE_IMAGE:
            self._recompute()

    def _on_mode_changed(self, _index: int) -> None:
        self.mode = self.mode_combo.currentData()
        self._show_mode_controls()
        self.current_index = 0
        self._recompute()

    def restyle(self) -> None:
        # The legend, the equation's colour and the matrices' tints, in the new colours.
        self._show_mode_controls()
        self._show_step()

    def _show_mode_controls(self) -> None:
        image_mode = self.mode == MODE_IMAGE
        for widget in (self.image_spin, self.image_label, self.image_caption):
            widget.setVisible(image_mode)
        self.reset_button.setVisible(not image_mode)
        self.legend_label.setText(self._legend_html(image_mode))

    def _recompute(self) -> None:
        """Build the steps of the current example and show the current step."""
        self.message_label.clear()
        if self.mode == MODE_EXAMPLE:
            self._set_step_through(example_steps(self.example))
            return
        if self.network is None or self.dataset is None:
            missing = "network" if self.network is None else "dataset"
            self._set_step_through(None, f"No {missing} on screen yet: load or train a model to send a test "
                                         "image through it.")
            return
        index = self.image_spin.value()
        image, label = self.dataset.x_test[index], int(self.dataset.y_test[index])
        try:
            steps = image_steps(self.network, image, label, self.alpha)
        except StepThroughError as error:
            self._set_step_through(None, f"This network cannot take the dataset's images: {error}.")
            return
        self._show_image(image, label, steps)
        self._set_step_through(steps)

    def _show_image(self, image: np.ndarray, label: int, steps) -> None:
        side = int(round(np.sqrt(image.size)))
        if side * side == image.size:
            pixels = np.ascontiguousarray((255 - np.clip(image.reshape(side, side), 0, 1) * 255).astype(np.uint8))
            picture = QImage(pixels.data, side, side, side, QImage.Format.Format_Grayscale8).copy()
            self.image_label.setPixmap(QPixmap.fromImage(picture).scaled(
                32, 32, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
        probabilities = steps.cache.A[-1][:, 0]
        guess = int(np.argmax(probabilities))
        verdict = "right" if guess == label else "wrong"
        self.image_caption.setText(f"a {label}; the network says {guess} ({probabilities[guess]:.1%}, {verdict})")

    def _set_step_through(self, steps, message: str = "") -> None:
        self.step_through = steps
        self.step_combo.blockSignals(True)
        self.step_combo.clear()
        if steps is not None:
            for step in steps.steps:
                self.step_combo.addItem(f"{step.index + 1}. {step.title}")
            self.current_index = min(self.current_index, len(steps) - 1)
        self.step_combo.blockSignals(False)
        if message:
            self._show_error(message)
        self._show_step()

    def _show_step(self) -> None:
        hover = self._hover
        self._clear_grids()
        step = self.current_step
        total = 0 if self.step_through is None else len(self.step_through)
        self.previous_button.setEnabled(step is not None and self.current_index > 0)
        self.next_button.setEnabled(step is not None and self.current_index < total - 1)
        self.step_combo.setEnabled(step is not None)
        if step is None:
            self.step_label.setText("Step \u2013 of \u2013")
            for label in (self.phase_label, self.title_label, self.equation_label, self.note_label):
                label.clear()
            self.formula_label.setText("")
            return
        self.step_label.setText(f"Step {self.current_index + 1} of {total}")
        colour = PHASE_COLOURS[step.phase].name()
        self.phase_label.setText(f"<span style='background:{colour}; color:white; padding:2px 6px;'>"
                                 f"&nbsp;{PHASE_NAMES[step.phase]}&nbsp;</span>")
        self.step_combo.setCurrentIndex(self.current_index)
        self.title_label.setText(step.title)
        self.equation_label.setText(step.equation)
        self.equation_label.setStyleSheet(f"color: {text_accent(PHASE_COLOURS[step.phase]).name()};")
        self.note_label.setText(step.note)
        summary = self.step_through.summary
        editable = self.mode == MODE_EXAMPLE
        grids = [MatrixGrid(k, matrix, k == 0, editable and matrix.source is not None, summary)
                 for k, matrix in enumerate(step.matrices)]
        for unit in self._units(step.arrangement, grids):
            self.grids_layout.addWidget(unit)
            unit.show()  # now, not at the next pass of the event loop: a grab right after sees it
        for grid in grids:
            grid.cellHovered.connect(self.hover)
            grid.hoverLeft.connect(self.clear_hover)
            grid.cellEdited.connect(self.edit_cell)
        self.grids = grids
        self._fit_grids_height()
        if hover is not None and hover[0] < len(grids) and self._in_step(step, *hover):
            self.hover(*hover)
        else:
            self._hover = None
            self.formula_label.setText(HOVER_HINT)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_grids_height()

    def _fit_grids_height(self) -> None:
        """Let the grid area grow only as tall as its matrices at the current width, so small
        examples keep the hover line right under them; large ones scroll."""
        frame = 2 * self.grids_scroll.frameWidth()
        width = max(self.grids_scroll.width() - frame - self.grids_scroll.verticalScrollBar().sizeHint().width(), 100)
        needed = self.grids_layout.heightForWidth(width) + frame + 2
        self.grids_scroll.setMaximumHeight(max(needed, self.grids_scroll.minimumHeight()))

    def _units(self, arrangement, grids) -> list[QWidget]:
        """The step laid out as units of operator text and the matrix it applies to ("= W[1]",
        "· X", ...), so that a line break never leaves an operator apart from its matrix."""
        operator_font = monospace(15 if not self.step_through.summary else 13, bold=True)
        units, pending = [], []
        for token in arrangement:
            if isinstance(token, str):
                pending.append(token)
                continue
            units.append(([*pending], grids[token], []))
            pending = []
        if pending and units:
            units[-1][2].extend(pending)
        widgets = []
        for before, grid, after in units:
            unit = QWidget()
            unit.setObjectName("mathTerm")
            row = QHBoxLayout(unit)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(6)
            for texts, place in ((before, "before"), ([grid], "grid"), (after, "after")):
                for item in texts:
                    if place == "grid":
                        row.addWidget(item)
                        continue
                    label = QLabel(item)
                    label.setObjectName("mathOperator")
                    label.setFont(operator_font)
                    row.addWidget(label)
            widgets.append(unit)
        return widgets

    @staticmethod
    def _in_step(step, matrix: int, row: int, col: int) -> bool:
        shape = step.matrices[matrix].shape
        return 0 <= row < shape[0] and 0 <= col < shape[1]

    def _clear_grids(self) -> None:
        while self.grids_layout.count():
            widget = self.grids_layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.grids = []

    def _show_error(self, text: str) -> None:
        self.message_label.setStyleSheet(f"color: {text_accent(QColor(ERROR_COLOUR)).name()};")
        self.message_label.setText(text)

    def _show_info(self, text: str) -> None:
        self.message_label.setStyleSheet("")
        self.message_label.setText(text)

    @staticmethod
    def _legend_html(image_mode: bool = False) -> str:
        def chip(state, text):
            return (f"<span style='background:{HIGHLIGHT_FILL[state].name()}; color:#1a1a1a; "
                    f"border:1px solid {HIGHLIGHT_FRAME[state].name()};'>&nbsp;{text}&nbsp;</span>")
        grey = muted_colour_name()
        negative, positive = diverging_words()
        return (f"{chip(HOVERED, 'under the mouse')}&nbsp;&nbsp;{chip(SOURCE, 'the numbers it is computed from')}"
                f"&nbsp;&nbsp;{chip(DEPENDENT, 'the results it feeds')}&nbsp;&nbsp;"
                f"<span style='color:{grey}'>cell tint: {negative} negative, {positive} positive</span>"
                + (f"<br><span style='color:{grey}'>Rows and columns are numbered from 1 as in the seeds: output row "
                   "k + 1 is digit k; an input row is a pixel, numbered row by row across the 28\u00d728 image."
                   "</span>" if image_mode else ""))
