"""How the trained network does on the test set: accuracy, per digit, and who is taken for whom.

The confusion matrix counts test images by (true digit, predicted digit). Its diagonal holds
the correct answers and is drawn apart (green) so that the colour scale is left to the
mistakes, which are otherwise invisible next to a thousand correct answers. Click a cell to
see its images below.

The cell numbers follow the cells' size: their font shrinks with the matrix, and where even the
smallest readable font would not fit a cell they are hidden; the pointer over a cell (the line
below the matrix and the cell's tooltip) then still tells its count.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontInfo, QFontMetricsF, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..widgets.colormaps import (
    HOVER_FRAME_COLOUR,
    diverging_colormap,
    diverging_words,
    make_colour_bar,
    relative_luminance,
    series_colours,
    style_plot,
    text_colour,
    translucent,
)
from ..widgets.compact_views import CompactLayoutWidget
from ..widgets.image_grid import ImageGrid
from ..widgets.panel_base import ReportPanel
from ..widgets.plot_export import set_csv_table
from ..widgets.plot_widgets import plot_widget
from ..widgets.theme import appearance

N_DIGITS = 10
IMAGE_SIDE = 28
SELECTION_HINT = "Click a cell of the confusion matrix to see its test images here."
CLASS_TOOLTIP = ("Accuracy on the test images of each digit; the weakest digit is orange and outlined. "
                 "The numbers above the bars give the exact values.")
MIN_CELL_FONT_PX = 7
"""Smallest pixel size of the cell numbers; a number that does not fit at it is hidden (the
hover still tells it)."""
CELL_PADDING_PX = 2
"""Room kept free between a cell number and its cell's edges, on every side."""
ACCURACY_STEPS = (0.001, 0.002, 0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25)
"""Tick spacings of the per-digit accuracy axis."""
MAX_ACCURACY_TICKS = 6
DARK_CELL_TEXT, LIGHT_CELL_TEXT = QColor("#1a1a1a"), QColor("white")
"""Numbers on the coloured cells: dark on pale cells, white on strong ones, whatever the theme."""


def positive_half_colormap() -> pg.ColorMap:
    """White (0) to red or orange (most): the positive half of the diverging map in use, for counts."""
    return _positive_half(appearance().colour_blind)


@functools.lru_cache(maxsize=2)
def _positive_half(_colour_blind: bool) -> pg.ColorMap:
    # _colour_blind: the cache key of the map diverging_colormap() returns.
    colours = diverging_colormap().getLookupTable(0.5, 1.0, 256, alpha=False)
    return pg.ColorMap(np.linspace(0.0, 1.0, len(colours)), colours)


def cell_text_colour(fraction: float) -> QColor:
    """The number's colour on a mistakes cell coloured at `fraction` (0..1) of the map."""
    background = positive_half_colormap().map(float(np.clip(fraction, 0.0, 1.0)), mode="qcolor")
    # 0.18: where white and near-black text have about equal contrast with the cell.
    return LIGHT_CELL_TEXT if relative_luminance(background) < 0.18 else DARK_CELL_TEXT


def cell_values(confusion: np.ndarray, normalised: bool) -> np.ndarray:
    """What the matrix shows: counts, or each row as percentages of its total (of the true digit)."""
    confusion = np.asarray(confusion, dtype=np.float64)
    if not normalised:
        return confusion
    totals = confusion.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, 100.0 * confusion / np.where(totals > 0, totals, 1.0), 0.0)


def accuracy_axis(accuracies) -> tuple[float, list[float]]:
    """(lower end, tick values) of the per-digit accuracy axis, which ends at 100 %.

    It starts a round step below the lowest bar, not at 0: bars of 98.0 % and 99.6 % would
    otherwise look the same. The space below the lowest bar is about a fifth of the bar's
    distance to 100 %, so the lowest bar stays visible; at most MAX_ACCURACY_TICKS ticks."""
    values = np.asarray(accuracies, dtype=np.float64)
    values = values[np.isfinite(values)]
    low = float(np.clip(values.min(), 0.0, 1.0)) if values.size else 0.0
    wanted = low - max(0.2 * (1.0 - low), 0.002)
    for step in ACCURACY_STEPS:
        lower = max(0.0, math.floor(wanted / step + 1e-9) * step)
        n_ticks = int(round((1.0 - lower) / step)) + 1
        if n_ticks <= MAX_ACCURACY_TICKS:
            break
    ticks = [round(lower + i * step, 6) for i in range(n_ticks)]
    return ticks[0], ticks


def accuracy_tick_text(value: float) -> str:
    """A tick label of the accuracy axis: "97.5%", "98%", "100%"."""
    return f"{100 * value:.1f}".rstrip("0").rstrip(".") + "%"


def cell_text(value: float, normalised: bool) -> str:
    if not normalised:
        return f"{int(round(value))}"
    if value == 0:
        return "0"
    if value >= 99.95:
        return "100"
    return f"{value:.1f}" if value >= 0.05 else "<.1"


class EvaluationPanel(ReportPanel):
    """Test accuracy, per-digit accuracy and the confusion matrix of one EvaluationReport."""

    cellSelected = Signal(int, int)
    """(true digit, predicted digit) of the confusion cell just selected."""
    probeRequested = Signal(int)
    """Test image index, when an image of the selected cell is double-clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationPanel")
        self.report = None
        self.dataset = None
        self.selected_cell: tuple[int, int] | None = None
        self.selected_indices = np.zeros(0, dtype=np.int64)
        """Test indices of the images of the selected cell, in test-set order."""
        self.values = np.zeros((N_DIGITS, N_DIGITS))
        """What the matrix cells currently show (counts or row fractions)."""

        self.accuracy_label = QLabel("No network evaluated yet.")
        self.accuracy_label.setObjectName("evaluationAccuracyLabel")
        font = QFont(self.accuracy_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.accuracy_label.setFont(font)
        self.accuracy_label.setToolTip("Share of the test images whose largest output is the true digit.")
        self.summary_label = QLabel()
        self.summary_label.setObjectName("evaluationSummaryLabel")
        # Wrapped, not cut: in a narrow dock the line continues below instead of under the check box.
        self.summary_label.setWordWrap(True)
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.normalize_check = QCheckBox("Row-normalised")
        self.normalize_check.setObjectName("confusionNormalize")
        self.normalize_check.setToolTip(
            "Show each row as shares of its true digit instead of counts. "
            "Digits with more test images then no longer look worse just for being more common.")
        self.normalize_check.toggled.connect(self._render_matrix)

        # --- confusion matrix
        self.confusion_plot = CompactLayoutWidget((400, 340))
        self.confusion_plot.setObjectName("confusionPlot")
        matrix_item = self.confusion_plot.addPlot(row=0, col=0)
        self.matrix_item = matrix_item
        matrix_item.setMenuEnabled(False)
        matrix_item.setMouseEnabled(x=False, y=False)
        matrix_item.hideButtons()
        style_plot(matrix_item, self)
        matrix_item.invertY(True)
        matrix_item.setLabel("left", "true digit")
        matrix_item.setLabel("bottom", "predicted digit")
        ticks = [[(d + 0.5, str(d)) for d in range(N_DIGITS)]]
        for axis in ("left", "bottom"):
            matrix_item.getAxis(axis).setTicks(ticks)
            # Tick marks would touch the first cells' numbers and read as minus signs.
            matrix_item.getAxis(axis).setStyle(tickLength=0)
        matrix_item.setRange(xRange=(0, N_DIGITS), yRange=(0, N_DIGITS), padding=0.0)
        self.matrix_image = pg.ImageItem(axisOrder="row-major")
        self.matrix_image.setImage(np.full((N_DIGITS, N_DIGITS), np.nan, dtype=np.float32),
                                   autoLevels=False, levels=(0.0, 1.0))
        self.matrix_image.setRect(QRectF(0, 0, N_DIGITS, N_DIGITS))
        matrix_item.addItem(self.matrix_image)
        self.colour_bar = make_colour_bar(self, positive_half_colormap, self.matrix_image, "mistakes")
        self.confusion_plot.addItem(self.colour_bar, row=0, col=1)
        self._diagonal_cells = []
        for d in range(N_DIGITS):
            cell = QGraphicsRectItem(QRectF(d, d, 1, 1))
            cell.setPen(pg.mkPen(None))
            matrix_item.addItem(cell)
            self._diagonal_cells.append(cell)
        self._cell_texts = []
        self._cell_areas = []
        """Invisible cell-sized items that carry each cell's tooltip (its count), also while the
        numbers are hidden."""
        cell_font = QFont(self.font())
        cell_font.setPointSizeF(max(cell_font.pointSizeF() * 0.85, 6.0))
        self._full_cell_font_px = max(QFontInfo(cell_font).pixelSize(), MIN_CELL_FONT_PX)
        self._cell_font_key = None
        self.cell_font_px = self._full_cell_font_px
        """Pixel size of the mistakes' numbers now (see _fit_cell_texts)."""
        for t in range(N_DIGITS):
            for p in range(N_DIGITS):
                text = pg.TextItem("", anchor=(0.5, 0.5), color=text_colour(self))
                text.textItem.document().setDocumentMargin(0)  # its box is then the text's own
                text.setFont(cell_font)
                text.setPos(p + 0.5, t + 0.5)
                matrix_item.addItem(text)
                self._cell_texts.append(text)
                area = QGraphicsRectItem(QRectF(p, t, 1, 1))
                area.setPen(QPen(Qt.PenStyle.NoPen))
                area.setBrush(QBrush(Qt.BrushStyle.NoBrush))
                matrix_item.addItem(area)
                self._cell_areas.append(area)
        self.hovered_cell: tuple[int, int] | None = None
        matrix_item.vb.sigResized.connect(self._fit_cell_texts)
        set_csv_table(matrix_item, self._confusion_table)
        self._selection_frame = QGraphicsRectItem()
        pen = pg.mkPen(HOVER_FRAME_COLOUR.darker(130), width=3)
        pen.setCosmetic(True)
        self._selection_frame.setPen(pen)
        self._selection_frame.setZValue(20)
        self._selection_frame.setVisible(False)
        matrix_item.addItem(self._selection_frame)
        self.confusion_plot.scene().sigMouseClicked.connect(self._on_matrix_clicked)
        self.confusion_plot.scene().sigMouseMoved.connect(self._on_matrix_hovered)

        # --- per-class accuracy
        self.class_plot = plot_widget(self, "perClassAccuracyPlot", size_hint=(400, 240))
        self.class_plot.setToolTip(CLASS_TOOLTIP)
        class_item = self.class_plot.getPlotItem()
        class_item.setTitle("Accuracy per digit (%)", size="9pt")
        class_item.setLabel("bottom", "true digit")
        # No "accuracy" label on the left axis: the title says it, and beside the matrix's colour-bar
        # title ("count (mistakes)") two vertical titles read as one. A margin keeps the two plots apart.
        class_item.layout.setContentsMargins(12, 1, 1, 1)
        class_item.getAxis("bottom").setTicks([[(d, str(d)) for d in range(N_DIGITS)]])
        self.accuracy_floor = 0.0
        """The lower end of the accuracy axis (it ends at 100 %): see accuracy_axis."""
        self._set_accuracy_axis(*accuracy_axis([0.0]))
        set_csv_table(class_item, self._class_table)
        self.class_bars = pg.BarGraphItem(x=np.arange(N_DIGITS), height=np.zeros(N_DIGITS), width=0.7,
                                          pen=pg.mkPen(None), brush=pg.mkBrush(series_colours().bar))
        class_item.addItem(self.class_bars)
        self._class_texts = []
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() * 0.8, 6.0))
        for d in range(N_DIGITS):
            text = pg.TextItem("", anchor=(0.5, 1.0), color=text_colour(self))
            text.setFont(small)
            text.setPos(d, 0.0)
            class_item.addItem(text)
            self._class_texts.append(text)
        self._full_class_font_px = max(QFontInfo(small).pixelSize(), MIN_CELL_FONT_PX)
        self._class_font_key = None
        class_item.vb.sigResized.connect(self._fit_class_texts)

        # --- images of the selected cell
        self.selection_label = QLabel(SELECTION_HINT)
        self.selection_label.setObjectName("confusionSelectionLabel")
        self.selection_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.selection_grid = ImageGrid(preferred_size=QSize(600, 180))
        self.selection_grid.setObjectName("confusionImages")
        self.selection_grid.setToolTip(
            "The test images of the selected cell, in test-set order. Double-click one to feed it "
            "through the network in the activations view; scroll to zoom.")
        self.selection_grid.setMinimumHeight(90)
        self.selection_grid.cellDoubleClicked.connect(self._on_image_double_clicked)
        self.selection_grid.cellHovered.connect(self._on_image_hovered)

        header = QHBoxLayout()
        header.setSpacing(16)
        header.addWidget(self.accuracy_label)
        header.addWidget(self.summary_label, 1)
        header.addWidget(self.normalize_check)

        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.confusion_plot)
        plots.addWidget(self.class_plot)
        plots.setStretchFactor(0, 3)
        plots.setStretchFactor(1, 2)

        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.selection_label)
        bottom_layout.addWidget(self.selection_grid, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(plots)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)
        self.restyle()

    def restyle(self) -> None:
        negative, positive = diverging_words()
        self.confusion_plot.setToolTip(
            "Rows: the true digit. Columns: the digit the network answered. The green diagonal holds the "
            f"correct answers; {positive} cells are mistakes, darker for more. Click a cell to see its images.")
        diagonal_brush = QBrush(translucent(series_colours().true_label, 90))
        for cell in self._diagonal_cells:
            cell.setBrush(diagonal_brush)
        for text in self._class_texts:
            text.setColor(text_colour(self))
        if self.report is not None:
            self._render_matrix()
            self._render_class_accuracy()

    # ------------------------------------------------------------------ API

    @property
    def normalised(self) -> bool:
        return self.normalize_check.isChecked()

    def show_report(self, report, dataset) -> None:
        """Show an engine.analysis.evaluation.EvaluationReport of `dataset`'s test split."""
        self.report = report
        self.dataset = dataset
        n_wrong = len(report.mistakes)
        self.accuracy_label.setText(f"Test accuracy {100.0 * report.test_accuracy:.2f} %")
        self.summary_label.setText(
            f"{report.n_test - n_wrong:,} of {report.n_test:,} test images right, {n_wrong:,} wrong"
            f"   \u00b7   test loss {report.test_loss:.4f}")
        self.summary_label.setToolTip(f"Network {report.network_description}, evaluated on the "
                                      f"{report.n_test:,} test images of {report.dataset_name or 'the dataset'}.")
        self._render_matrix()
        self._render_class_accuracy()
        if self.selected_cell is not None:
            self.select_cell(*self.selected_cell)
        else:
            self._show_selection_hint()

    def select_cell(self, true_digit: int, predicted_digit: int) -> np.ndarray:
        """Show the test images of (true_digit, predicted_digit); returns their indices."""
        if self.report is None:
            raise RuntimeError("no evaluation shown yet")
        if not (0 <= true_digit < N_DIGITS and 0 <= predicted_digit < N_DIGITS):
            raise ValueError(f"digits must be 0 to {N_DIGITS - 1}, got ({true_digit}, {predicted_digit})")
        self.selected_cell = (int(true_digit), int(predicted_digit))
        self.selected_indices = self.report.pair_indices(true_digit, predicted_digit)
        self._selection_frame.setRect(QRectF(predicted_digit, true_digit, 1, 1))
        self._selection_frame.setVisible(True)
        images = self.dataset.x_test[self.selected_indices].reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
        self.selection_grid.set_images(images, levels=(0.0, 1.0))
        self.selection_label.setText(self._selection_text())
        self.cellSelected.emit(*self.selected_cell)
        return self.selected_indices

    def cell_description(self, true_digit: int, predicted_digit: int) -> str:
        """What the pointer over cell (true_digit, predicted_digit) tells: its count (and share)."""
        count = int(self.report.confusion[true_digit, predicted_digit])
        total = int(self.report.confusion[true_digit].sum())
        what = (f"{true_digit} recognised correctly" if true_digit == predicted_digit
                else f"true {true_digit} answered as {predicted_digit}")
        share = f" ({count / total:.1%} of the {total:,} test images of {true_digit})" if total else ""
        return f"{what}: {count:,} test image{'s' if count != 1 else ''}{share}. Click to see them."

    def hover_cell(self, true_digit: int, predicted_digit: int) -> None:
        """Tell about cell (true_digit, predicted_digit) below the matrix, as the pointer over it
        does; (-1, -1) goes back to the selection's text."""
        inside = 0 <= true_digit < N_DIGITS and 0 <= predicted_digit < N_DIGITS and self.report is not None
        cell = (int(true_digit), int(predicted_digit)) if inside else None
        if cell == self.hovered_cell:
            return
        self.hovered_cell = cell
        if cell is not None:
            self.selection_label.setText(self.cell_description(*cell))
        elif self.selected_cell is not None and self.report is not None:
            self.selection_label.setText(self._selection_text())
        else:
            self.selection_label.setText(SELECTION_HINT)

    # ------------------------------------------------------------- internals

    def _confusion_table(self) -> list[list]:
        """The CSV of the matrix: counts, a row per true digit, a column per predicted digit."""
        if self.report is None:
            return []
        confusion = np.asarray(self.report.confusion)
        header = ["true \\ predicted"] + [str(d) for d in range(N_DIGITS)]
        return [header] + [[str(t)] + [int(v) for v in confusion[t]] for t in range(N_DIGITS)]

    def _class_table(self) -> list[list]:
        """The CSV of the bars: per digit, its test images, right answers and accuracy."""
        if self.report is None:
            return []
        confusion = np.asarray(self.report.confusion)
        rows = [["true digit", "test images", "right", "accuracy"]]
        for d in range(N_DIGITS):
            accuracy = self.report.per_class_accuracy[d]
            rows.append([d, int(confusion[d].sum()), int(confusion[d, d]),
                         "" if not np.isfinite(accuracy) else f"{float(accuracy):.6f}"])
        return rows

    def _fit_cell_texts(self, *_args) -> None:
        """Size the cell numbers to the cells, keeping CELL_PADDING_PX free on every side.

        The mistakes (the off-diagonal numbers, which the matrix is for) get the largest font up
        to the normal size at which all of them fit, the diagonal's longer counts the largest
        at which they fit, no larger than the mistakes'. Neither goes below MIN_CELL_FONT_PX: a
        number that does not fit even then is hidden, and the pointer over its cell still tells
        it (`hover_cell`, the cell's tooltip)."""
        view_box = self.matrix_item.vb
        pixel_w, pixel_h = view_box.viewPixelSize()
        if not (pixel_w > 0 and pixel_h > 0 and math.isfinite(pixel_w) and math.isfinite(pixel_h)):
            return
        cell_w, cell_h = 1.0 / pixel_w, 1.0 / pixel_h
        texts = [text.toPlainText() for text in self._cell_texts]
        key = (round(cell_w, 1), round(cell_h, 1), tuple(texts))
        if key == self._cell_font_key:
            return
        self._cell_font_key = key
        font = QFont(self._cell_texts[0].textItem.font())

        def fonts(size: int) -> tuple[QFont, QFontMetricsF]:
            sized = QFont(font)
            sized.setPixelSize(size)
            return sized, QFontMetricsF(sized)

        def fits(metrics: QFontMetricsF, text: str) -> bool:
            return (metrics.horizontalAdvance(text) + 2 * CELL_PADDING_PX <= cell_w
                    and math.ceil(metrics.height()) + 2 * CELL_PADDING_PX <= cell_h)

        def largest(strings, up_to: int) -> int:
            for size in range(up_to, MIN_CELL_FONT_PX, -1):
                if all(fits(fonts(size)[1], t) for t in strings):
                    return size
            return MIN_CELL_FONT_PX

        diagonal = [i * N_DIGITS + i for i in range(N_DIGITS)]
        mistakes = [i for i in range(len(texts)) if i not in diagonal]
        mistake_size = largest([texts[i] for i in mistakes], self._full_cell_font_px)
        diagonal_size = largest([texts[i] for i in diagonal], mistake_size)
        self.cell_font_px = mistake_size
        for indices, size in ((mistakes, mistake_size), (diagonal, diagonal_size)):
            sized, metrics = fonts(size)
            for i in indices:
                self._cell_texts[i].setFont(sized)
                self._cell_texts[i].setVisible(fits(metrics, texts[i]))

    def _fit_class_texts(self, *_args) -> None:
        """The numbers over the bars in the largest font up to the normal one at which they
        keep apart, at least MIN_CELL_FONT_PX; hidden below that (the tooltip then lists them)."""
        pixel_w = self.class_plot.getPlotItem().vb.viewPixelSize()[0]
        if not (pixel_w > 0 and math.isfinite(pixel_w)):
            return
        room = 1.0 / pixel_w - CELL_PADDING_PX  # a bar's share of the width, less a gap
        texts = [text.toPlainText() for text in self._class_texts]
        key = (round(room, 1), tuple(texts))
        if key == self._class_font_key:
            return
        self._class_font_key = key
        font = QFont(self._class_texts[0].textItem.font())
        size = 0
        for candidate in range(self._full_class_font_px, MIN_CELL_FONT_PX - 1, -1):
            font.setPixelSize(candidate)
            metrics = QFontMetricsF(font)
            if max(metrics.horizontalAdvance(t) for t in texts) <= room:
                size = candidate
                break
        if size:
            font.setPixelSize(size)
        for text in self._class_texts:
            text.setVisible(bool(size))
            if size:
                text.setFont(font)
        values = "" if size or self.report is None else ", ".join(f"{d}: {t} %" for d, t in enumerate(texts))
        self.class_plot.setToolTip(CLASS_TOOLTIP + (f"\n{values}" if values else ""))

    def _selection_text(self) -> str:
        t, p = self.selected_cell
        n = self.selected_indices.size
        total = int(self.report.confusion[t].sum())
        share = f" ({n / total:.1%} of the {total:,} test images of {t})" if total else ""
        what = f"{t} recognised correctly" if t == p else f"true {t} answered as {p}"
        if n == 0:
            return f"{what}: no test images{share}."
        zoom = " Scroll over them to zoom." if n > 200 else ""
        return f"{what}: {n:,} image{'s' if n != 1 else ''}{share}. Double-click one to probe it.{zoom}"

    def _show_selection_hint(self) -> None:
        self.selected_indices = np.zeros(0, dtype=np.int64)
        self._selection_frame.setVisible(False)
        self.selection_grid.clear_images()
        self.selection_label.setText(SELECTION_HINT)

    def _render_matrix(self) -> None:
        if self.report is None:
            return
        confusion = np.asarray(self.report.confusion)
        self.values = cell_values(confusion, self.normalised)
        mistakes = self.values.astype(np.float32)
        np.fill_diagonal(mistakes, np.nan)  # the diagonal is drawn green on top
        worst = float(np.nanmax(mistakes)) if np.isfinite(mistakes).any() else 0.0
        top = worst if worst > 0 else 1.0
        levels = (0.0, top)
        self.matrix_image.setImage(mistakes, autoLevels=False, levels=levels)
        self.colour_bar.setLevels(levels)
        self.colour_bar.axis.setLabel("% of the true digit (mistakes)" if self.normalised else "count (mistakes)",
                                      color=text_colour(self).name())
        diagonal_text = text_colour(self)  # on the translucent green over the window
        for t in range(N_DIGITS):
            for p in range(N_DIGITS):
                value = self.values[t, p]
                text = self._cell_texts[t * N_DIGITS + p]
                text.setText(cell_text(value, self.normalised))
                text.setColor(diagonal_text if t == p else cell_text_colour(value / top if top > 0 else 0.0))
                self._cell_areas[t * N_DIGITS + p].setToolTip(self.cell_description(t, p))
        self._fit_cell_texts()

    def _set_accuracy_axis(self, lower: float, ticks: list[float]) -> None:
        self.accuracy_floor = lower
        class_item = self.class_plot.getPlotItem()
        class_item.getAxis("left").setTicks([[(v, accuracy_tick_text(v)) for v in ticks]])
        # Room above 100 % for the numbers over the bars: an eighth of the axis.
        class_item.setRange(xRange=(-0.6, N_DIGITS - 0.4), yRange=(lower, 1.0 + 0.12 * (1.0 - lower)),
                            padding=0.0)

    def _render_class_accuracy(self) -> None:
        measured = np.asarray(self.report.per_class_accuracy, dtype=np.float64)
        accuracy = np.nan_to_num(measured, nan=0.0)
        weakest = int(np.argmin(accuracy))
        lower, ticks = accuracy_axis(measured)
        self._set_accuracy_axis(lower, ticks)
        colours = series_colours()
        plain, highlight = pg.mkBrush(colours.bar), pg.mkBrush(colours.highlight)
        # Outlined as well as coloured, so colour is not the weakest digit's only mark.
        outline = pg.mkPen(text_colour(self), width=1.5)
        # The bars rise from 0 as ever; the view cuts them at the axis' lower end.
        self.class_bars.setOpts(height=accuracy,
                                brushes=[highlight if d == weakest else plain for d in range(N_DIGITS)],
                                pens=[outline if d == weakest else None for d in range(N_DIGITS)])
        for d, text in enumerate(self._class_texts):
            value = measured[d]
            text.setText("\u2013" if not np.isfinite(value) else f"{100 * value:.1f}")
            text.setPos(d, max(accuracy[d], lower) + 0.01 * (1.0 - lower))
        self._fit_class_texts()

    def _on_matrix_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.report is None:
            return
        view_box = self.matrix_item.vb
        if not view_box.sceneBoundingRect().contains(event.scenePos()):
            return
        position = view_box.mapSceneToView(event.scenePos())
        predicted, true_digit = int(np.floor(position.x())), int(np.floor(position.y()))
        if 0 <= true_digit < N_DIGITS and 0 <= predicted < N_DIGITS:
            self.select_cell(true_digit, predicted)

    def _on_matrix_hovered(self, scene_position: QPointF) -> None:
        view_box = self.matrix_item.vb
        if self.report is None or not view_box.sceneBoundingRect().contains(scene_position):
            self.hover_cell(-1, -1)
            return
        position = view_box.mapSceneToView(scene_position)
        self.hover_cell(int(np.floor(position.y())), int(np.floor(position.x())))

    def _on_image_double_clicked(self, cell: int) -> None:
        if 0 <= cell < self.selected_indices.size:
            self.probeRequested.emit(int(self.selected_indices[cell]))
            self.probe("test", int(self.selected_indices[cell]))

    def _on_image_hovered(self, cell: int) -> None:
        if self.selected_cell is None:
            return
        if 0 <= cell < self.selected_indices.size:
            index = int(self.selected_indices[cell])
            top = ", ".join(f"{d}: {100 * p:.1f}%" for d, p in self.report.top_k(index))
            self.selection_label.setText(f"Test image {index}: true {self.report.labels[index]}, "
                                         f"answered {self.report.predictions[index]}   ({top})")
        else:
            self.selection_label.setText(self._selection_text())
