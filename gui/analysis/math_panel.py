"""The "Math" tab: one training step, equation by equation, with every number on screen.

Two examples: seed 001's 3-3-3-3-3 network (every cell shown, and X, Y, W[l], b[l] and alpha
editable), and one test image through the network on screen (each matrix summarised by its
shape, norm and range, with a window of its numbers). Hovering a result cell lights up the
operand cells that produced it; hovering an operand cell lights up the results it feeds.

The numbers come from engine.analysis.stepthrough, which reads them from the engine's own forward and
backward passes; this panel only lays them out. It reads snapshot.network (a private copy).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
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

from ..widgets.colormaps import HOVER_FRAME_COLOUR, diverging_colour
from ..widgets.panel_base import SnapshotPanel

MODE_EXAMPLE = "example"
MODE_IMAGE = "image"
MODES = ((MODE_EXAMPLE, "Seed 001 example"), (MODE_IMAGE, "One test image through the network on screen"))

HOVERED, SOURCE, DEPENDENT = "hovered", "source", "dependent"
HIGHLIGHT_FILL = {HOVERED: HOVER_FRAME_COLOUR, SOURCE: QColor("#ffd8a8"), DEPENDENT: QColor("#c8ecc9")}
HIGHLIGHT_FRAME = {HOVERED: QColor("#b38f00"), SOURCE: QColor("#e8590c"), DEPENDENT: QColor("#2b8a3e")}
HIGHLIGHT_TEXT = QColor("#1a1a1a")  # highlights are light on any palette, so their text is dark
PHASE_COLOURS = {"forward": QColor("#1f77b4"), "loss": QColor("#8e44ad"),
                 "backward": QColor("#c0392b"), "update": QColor("#2b8a3e")}
PHASE_NAMES = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Update"}
VALUE_ROLE = Qt.ItemDataRole.UserRole
HIGHLIGHT_ROLE = Qt.ItemDataRole.UserRole + 1
TINT_ALPHA = 70
HOVER_HINT = "Hover a number to see how it is computed and which numbers it comes from."
ERROR_COLOUR = "#c0392b"


def _monospace(point_size: float | None = None, bold: bool = False) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if point_size:
        font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def _span(first: int, stop: int) -> str:
    """1-based "3" or "267\u2013272" for the 0-based range [first, stop)."""
    return f"{first + 1}" if stop - first == 1 else f"{first + 1}\u2013{stop}"


# --------------------------------------------------------------------------- layout


class FlowLayout(QLayout):
    """Lays its items out left to right and wraps to a new row when the width runs out; each
    row's items are centred vertically, so operators sit beside the middle of their matrices."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 10) -> None:
        super().__init__(parent)
        self._items = []
        self._spacing = spacing

    def addItem(self, item) -> None:  # noqa: N802 (Qt's name)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        rows, row, row_width = [], [], 0
        for item in self._items:
            width = item.sizeHint().width()
            if row and row_width + self._spacing + width > area.width():
                rows.append(row)
                row, row_width = [], 0
            row_width += (self._spacing if row else 0) + width
            row.append(item)
        if row:
            rows.append(row)
        y = area.y()
        for row in rows:
            height = max(item.sizeHint().height() for item in row)
            x = area.x()
            for item in row:
                hint = item.sizeHint()
                if move:
                    item.setGeometry(QRect(QPoint(x, y + (height - hint.height()) // 2), hint))
                x += hint.width() + self._spacing
            y += height + self._spacing
        return y - self._spacing - rect.y() + margins.bottom() if rows else margins.top() + margins.bottom()


# --------------------------------------------------------------------------- one matrix


class _CellDelegate(QStyledItemDelegate):
    """Draws a highlighted cell's frame over the usual cell (fill and text come from the item)."""

    def paint(self, painter: QPainter, option, index) -> None:
        super().paint(painter, option, index)
        state = index.data(HIGHLIGHT_ROLE)
        if state:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(QPen(HIGHLIGHT_FRAME[state], 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
            painter.restore()


class MatrixGrid(QFrame):
    """One matrix of a step as a grid of numbers, under a caption with its name and shape.

    Cells are addressed in the matrix's own (0-based) rows and columns; in a summary only the
    matrix's window is drawn, with the real row and column numbers in the headers."""

    cellHovered = Signal(int, int, int)       # matrix index, row, column
    hoverLeft = Signal()
    cellEdited = Signal(int, int, int, str)   # matrix index, row, column, the text typed

    def __init__(self, index: int, matrix, is_result: bool, editable: bool, show_summary: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index, self.matrix, self.editable = index, matrix, editable
        self.setObjectName(f"mathMatrix{index}")
        self._filling = False
        self._highlighted: dict[tuple[int, int], str] = {}
        rows, cols = matrix.row_window, matrix.col_window
        self.row_offset, self.col_offset = rows.start, cols.start

        caption = QLabel()
        caption.setObjectName("mathMatrixCaption")
        caption.setTextFormat(Qt.TextFormat.RichText)
        colour = "#2b8a3e" if is_result else "palette(text)"
        pencil = " <span style='color:#e8590c'>\u270e editable</span>" if editable else ""
        caption.setText(f"<b style='color:{colour}'>{matrix.name}</b>&nbsp;&nbsp;"
                        f"<span style='color:gray'>{matrix.shape_text()}</span>{pencil}")
        caption.setToolTip(f"{matrix.name}: {matrix.shape[0]} rows \u00d7 {matrix.shape[1]} columns"
                           + (". Double-click a number to change it; every step is recomputed." if editable else ""))
        self.caption = caption

        self.table = QTableWidget(len(rows), len(cols))
        self.table.setObjectName("mathMatrixTable")
        self.table.setFont(_monospace(9.5 if show_summary else 12.5))
        self.table.setItemDelegate(_CellDelegate(self.table))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.ClickFocus if editable else Qt.FocusPolicy.NoFocus)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed
                                   if editable else QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMouseTracking(True)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setShowGrid(True)
        self.table.setWordWrap(False)
        header_font = _monospace(8 if show_summary else 9.5)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setFont(header_font)
            header.setHighlightSections(False)
            header.setSectionsClickable(False)
        self.table.setHorizontalHeaderLabels([str(c + 1) for c in cols])
        self.table.setVerticalHeaderLabels([str(r + 1) for r in rows])
        self._fill()
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        self._fix_table_size()
        self.table.cellEntered.connect(self._on_cell_entered)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.viewport().installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(caption)
        layout.addWidget(self.table)
        if show_summary:
            stats = QLabel("\n".join(matrix.summary_lines()))
            stats.setObjectName("mathMatrixStats")
            stats.setFont(_monospace(8))
            stats.setToolTip("Frobenius norm (square root of the sum of squares), smallest, largest and mean entry, "
                             "over the whole matrix.")
            shown = [f"{what} {_span(window.start, window.stop)} of {n}"
                     for what, window, n in (("rows", rows, matrix.shape[0]), ("columns", cols, matrix.shape[1]))
                     if len(window) < n]
            window = QLabel("\n".join(shown) or "all entries")
            window.setToolTip("The rows and columns drawn above; the statistics cover the whole matrix.")
            window.setObjectName("mathMatrixWindow")
            window.setStyleSheet("color: gray;")
            font = window.font()
            font.setPointSizeF(font.pointSizeF() * 0.9)
            window.setFont(font)
            self.stats_label, self.window_label = stats, window
            layout.addWidget(stats)
            layout.addWidget(window)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    # -- contents ----------------------------------------------------------------------------
    def _fill(self) -> None:
        preview = self.matrix.preview()
        scale = float(np.abs(preview).max()) if preview.size else 0.0
        self._filling = True
        for r in range(preview.shape[0]):
            for c in range(preview.shape[1]):
                value = float(preview[r, c])
                item = QTableWidgetItem(format_value(value))
                item.setData(VALUE_ROLE, value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                flags = Qt.ItemFlag.ItemIsEnabled
                if self.editable:
                    flags |= Qt.ItemFlag.ItemIsEditable
                item.setFlags(flags)
                self._paint_item(item, value, scale, None)
                self.table.setItem(r, c, item)
        self._scale = scale
        self._filling = False

    def _paint_item(self, item: QTableWidgetItem, value: float, scale: float, state: str | None) -> None:
        item.setData(HIGHLIGHT_ROLE, state)
        if state:
            item.setBackground(HIGHLIGHT_FILL[state])
            item.setForeground(HIGHLIGHT_TEXT)
            return
        # A faint tint of the app's diverging map: blue negative, red positive, none at zero.
        tint = diverging_colour(value / scale if scale > 0 else 0.0)
        tint.setAlpha(TINT_ALPHA if value != 0 else 0)
        item.setBackground(tint)
        item.setData(Qt.ItemDataRole.ForegroundRole, None)

    def _fix_table_size(self) -> None:
        table = self.table
        table.horizontalHeader().setMinimumSectionSize(24)
        for c in range(table.columnCount()):
            table.setColumnWidth(c, table.columnWidth(c) + 6)
        width = (table.verticalHeader().sizeHint().width()
                 + sum(table.columnWidth(c) for c in range(table.columnCount()))
                 + 2 * table.frameWidth())
        height = (table.horizontalHeader().sizeHint().height()
                  + sum(table.rowHeight(r) for r in range(table.rowCount())) + 2 * table.frameWidth())
        table.setFixedSize(width, height)

    def value_at(self, row: int, col: int) -> float:
        """The value drawn in cell (row, col) of the matrix (which must be inside the window)."""
        return self.table.item(row - self.row_offset, col - self.col_offset).data(VALUE_ROLE)

    def text_at(self, row: int, col: int) -> str:
        return self.table.item(row - self.row_offset, col - self.col_offset).text()

    def shown(self, row: int, col: int) -> bool:
        return row in self.matrix.row_window and col in self.matrix.col_window

    def restore(self, row: int, col: int) -> None:
        """Put the value back in a cell after a refused edit."""
        item = self.table.item(row - self.row_offset, col - self.col_offset)
        self._filling = True
        item.setText(format_value(item.data(VALUE_ROLE)))
        self._filling = False

    # -- highlights --------------------------------------------------------------------------
    def set_highlights(self, cells: dict[tuple[int, int], str]) -> None:
        """Highlight {(row, col): state} (cells outside the window are skipped); clear the rest."""
        visible = {cell: state for cell, state in cells.items() if self.shown(*cell)}
        if visible == self._highlighted:
            return
        self._filling = True
        for cell in set(self._highlighted) | set(visible):
            item = self.table.item(cell[0] - self.row_offset, cell[1] - self.col_offset)
            self._paint_item(item, item.data(VALUE_ROLE), self._scale, visible.get(cell))
        self._filling = False
        self._highlighted = visible

    @property
    def highlighted(self) -> dict[tuple[int, int], str]:
        return dict(self._highlighted)

    # -- events ------------------------------------------------------------------------------
    def _on_cell_entered(self, table_row: int, table_col: int) -> None:
        self.cellHovered.emit(self.index, table_row + self.row_offset, table_col + self.col_offset)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        self.cellEdited.emit(self.index, item.row() + self.row_offset, item.column() + self.col_offset, item.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Leave:
            self.hoverLeft.emit()
        return False


# --------------------------------------------------------------------------- the panel


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
        self.mode_combo = QComboBox()
        self.mode_combo.setObjectName("mathModeCombo")
        for key, text in MODES:
            self.mode_combo.addItem(text, key)
        self.mode_combo.setToolTip("Seed 001's small network with every number (editable), or one MNIST test image "
                                   "through the network on screen, each matrix summarised.")
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
        self.equation_label.setFont(_monospace(15, bold=True))
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
        self.formula_label.setFont(_monospace(9.5))
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
        self.equation_label.setStyleSheet(f"color: {colour};")
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
        operator_font = _monospace(15 if not self.step_through.summary else 13, bold=True)
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
        self.message_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.message_label.setText(text)

    def _show_info(self, text: str) -> None:
        self.message_label.setStyleSheet("")
        self.message_label.setText(text)

    @staticmethod
    def _legend_html(image_mode: bool = False) -> str:
        def chip(state, text):
            return (f"<span style='background:{HIGHLIGHT_FILL[state].name()}; color:#1a1a1a; "
                    f"border:1px solid {HIGHLIGHT_FRAME[state].name()};'>&nbsp;{text}&nbsp;</span>")
        return (f"{chip(HOVERED, 'under the mouse')}&nbsp;&nbsp;{chip(SOURCE, 'the numbers it is computed from')}"
                f"&nbsp;&nbsp;{chip(DEPENDENT, 'the results it feeds')}&nbsp;&nbsp;"
                "<span style='color:gray'>cell tint: blue negative, red positive</span>"
                + ("<br><span style='color:gray'>Rows and columns are numbered from 1 as in the seeds: output row "
                   "k + 1 is digit k; an input row is a pixel, numbered row by row across the 28\u00d728 image."
                   "</span>" if image_mode else ""))
