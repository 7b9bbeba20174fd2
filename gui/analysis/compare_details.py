"""Two parts of the Compare view: the settings of both runs, differences marked, and the accuracy
difference per digit.

A differing setting is marked three ways, so colour is never the only clue: a "\u2260" in its first
column, bold text and a tinted background (the palette's highlight, faint, in either theme). The
per-digit chart shows B \u2212 A in percentage points: digits B reads better rise in B's colour and
hatched, digits A reads better fall in A's colour and solid, as runs A and B are drawn everywhere
(A solid, B dashed).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..widgets.colormaps import run_colours, text_accent, text_colour, translucent
from ..widgets.plot_widgets import plot_widget
from ..widgets.theme import follow_appearance

DIFFERS_MARK = "\u2260"
UNKNOWN_TEXT = "not recorded"
DIFFERENCE_TINT_ALPHA = 70


def setting_text(value) -> str:
    """How a setting's value reads in the table: lists joined with commas, None as not recorded."""
    if value is None:
        return UNKNOWN_TEXT
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class SettingsTable(QTableWidget):
    """One row per setting (engine.analysis.compare.SettingRow): mark, name, A's value, B's value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.setObjectName("compareSettings")
        self.setToolTip(f"Both runs' settings; {DIFFERS_MARK}, bold and tinted where they differ. "
                        f"\u201c{UNKNOWN_TEXT}\u201d: a model file that does not say.")
        self.setHorizontalHeaderLabels(("", "Setting", "A", "B"))
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.rows: tuple = ()
        follow_appearance(self, self._tint)

    def set_rows(self, rows) -> None:
        """Show SettingRows (an empty sequence clears the table)."""
        self.rows = tuple(rows)
        self.setRowCount(len(self.rows))
        bold = QFont(self.font())
        bold.setBold(True)
        for index, row in enumerate(self.rows):
            cells = (DIFFERS_MARK if row.differs else "", row.key, setting_text(row.a), setting_text(row.b))
            # The whole row in the tooltip: a narrow table elides its values.
            tip = f"{row.key}\nA: {cells[2]}\nB: {cells[3]}" + ("\n(they differ)" if row.differs else "")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if row.differs:
                    item.setFont(bold)
                if column == 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(index, column, item)
        self._tint()

    def differing_keys(self) -> list[str]:
        """The settings the table marks as differing, read back from its cells."""
        return [self.item(i, 1).text() for i in range(self.rowCount()) if self.item(i, 0).text() == DIFFERS_MARK]

    def _tint(self) -> None:
        tint = QBrush(translucent(self.palette().color(QPalette.ColorRole.Highlight), DIFFERENCE_TINT_ALPHA))
        for index, row in enumerate(self.rows):
            for column in range(self.columnCount()):
                item = self.item(index, column)
                if item is not None:
                    item.setBackground(tint if row.differs else QBrush())


class DigitDifferenceChart(QWidget):
    """Accuracy per digit, B \u2212 A, in percentage points."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.difference: np.ndarray | None = None
        """The (10,) B \u2212 A accuracies on screen, in points (NaN for a digit absent from the test set)."""
        self.plot = plot_widget(self, "compareDigitsPlot",
                                "Accuracy on each digit of the test set, run B minus run A, in percentage points: "
                                "up where B reads that digit better, down where A does.", (300, 170))
        self.plot.setMinimumSize(180, 150)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "digit")
        item.setLabel("left", "B \u2212 A (points)")
        item.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
        item.setXRange(-0.6, 9.6, padding=0)
        self.better_b = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7)
        self.better_a = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7)
        self.zero_line = pg.InfiniteLine(pos=0, angle=0, movable=False)
        # The key above the plot, wrapped to the width there is: as a plot title it would be cut.
        self.key_label = QLabel()
        self.key_label.setObjectName("compareDigitsKey")
        self.key_label.setWordWrap(True)
        for made in (self.better_b, self.better_a, self.zero_line):
            item.addItem(made)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.key_label)
        layout.addWidget(self.plot, 1)
        self.restyle()
        follow_appearance(self, self.restyle)

    def show_difference(self, per_class) -> None:
        """Draw an engine PerClassDifference (None: clear the chart)."""
        if per_class is None:
            self.difference = None
            heights = np.zeros(10)
        else:
            self.difference = 100.0 * np.asarray(per_class.difference, dtype=np.float64)
            heights = np.nan_to_num(self.difference)
        self.better_b.setOpts(x=np.arange(len(heights)), height=np.where(heights > 0, heights, 0.0))
        self.better_a.setOpts(x=np.arange(len(heights)), height=np.where(heights < 0, heights, 0.0))
        reach = max(float(np.max(np.abs(heights))) if heights.size else 0.0, 0.5) * 1.15
        self.plot.getPlotItem().setYRange(-reach, reach, padding=0)

    def restyle(self) -> None:
        colour_a, colour_b = run_colours()
        self.better_b.setOpts(brush=QBrush(colour_b, Qt.BrushStyle.BDiagPattern), pen=pg.mkPen(colour_b, width=1.5))
        self.better_a.setOpts(brush=pg.mkBrush(colour_a), pen=pg.mkPen(colour_a))
        self.zero_line.setPen(pg.mkPen(text_colour(self), width=1))
        self.key_label.setText(f'<span style="color:{text_accent(colour_b).name()}">\u25a8 B better</span>'
                               f' &nbsp; <span style="color:{text_accent(colour_a).name()}">\u25a0 A better</span>')
