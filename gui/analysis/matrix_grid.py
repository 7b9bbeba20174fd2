"""One matrix of a step of the "Math" tab as a grid of numbers, and the highlights that show
where a number comes from (SOURCE) or what it feeds (DEPENDENT) when one (HOVERED) is under the mouse.

Cells are tinted by sign and size with the app's diverging map; a highlighted cell is filled and
framed in its state's colours instead.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QSizePolicy,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.analysis.stepthrough import format_value

from ..widgets.colormaps import HOVER_FRAME_COLOUR, diverging_colour
from ..widgets.labels import mute, muted_colour_name
from ..widgets.theme import appearance

HOVERED, SOURCE, DEPENDENT = "hovered", "source", "dependent"
HIGHLIGHT_FILL = {HOVERED: HOVER_FRAME_COLOUR, SOURCE: QColor("#ffd8a8"), DEPENDENT: QColor("#c8ecc9")}
HIGHLIGHT_FRAME = {HOVERED: QColor("#b38f00"), SOURCE: QColor("#e8590c"), DEPENDENT: QColor("#2b8a3e")}
HIGHLIGHT_TEXT = QColor("#1a1a1a")  # highlights are light on any palette, so their text is dark
RESULT_COLOURS = {False: "#2b8a3e", True: "#69c77a"}
"""The result's name, in green on a light and on a dark theme."""
VALUE_ROLE = Qt.ItemDataRole.UserRole
HIGHLIGHT_ROLE = Qt.ItemDataRole.UserRole + 1
TINT_ALPHA = 70


def monospace(point_size: float | None = None, bold: bool = False) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if point_size:
        font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def _span(first: int, stop: int) -> str:
    """1-based "3" or "267\u2013272" for the 0-based range [first, stop)."""
    return f"{first + 1}" if stop - first == 1 else f"{first + 1}\u2013{stop}"


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
        colour = RESULT_COLOURS[appearance().dark] if is_result else "palette(text)"
        pencil = " <span style='color:#e8590c'>\u270e editable</span>" if editable else ""
        caption.setText(f"<b style='color:{colour}'>{matrix.name}</b>&nbsp;&nbsp;"
                        f"<span style='color:{muted_colour_name(caption)}'>{matrix.shape_text()}</span>{pencil}")
        caption.setToolTip(f"{matrix.name}: {matrix.shape[0]} rows \u00d7 {matrix.shape[1]} columns"
                           + (". Double-click a number to change it; every step is recomputed." if editable else ""))
        self.caption = caption

        self.table = QTableWidget(len(rows), len(cols))
        self.table.setObjectName("mathMatrixTable")
        self.table.setFont(monospace(9.5 if show_summary else 12.5))
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
        header_font = monospace(8 if show_summary else 9.5)
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
            stats.setFont(monospace(8))
            stats.setToolTip("Frobenius norm (square root of the sum of squares), smallest, largest and mean entry, "
                             "over the whole matrix.")
            shown = [f"{what} {_span(window.start, window.stop)} of {n}"
                     for what, window, n in (("rows", rows, matrix.shape[0]), ("columns", cols, matrix.shape[1]))
                     if len(window) < n]
            window = QLabel("\n".join(shown) or "all entries")
            window.setToolTip("The rows and columns drawn above; the statistics cover the whole matrix.")
            window.setObjectName("mathMatrixWindow")
            mute(window)
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
        # A faint tint of the diverging map in use: blue negative, red (orange) positive, none at zero.
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
