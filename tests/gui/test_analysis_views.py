"""What issue 17 found in the analysis views and their exports: confusion-matrix numbers that overlap
and a summary cut by its check box, weights labelled "step 0" for a loaded model, a blurry SVG
heatmap, an empty CSV, a per-digit axis from 0 %, transparent PNGs and pale, cut footnotes."""
import base64
import contextlib
import csv
import xml.dom.minidom

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QByteArray, QRect, QRectF
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsView, QLabel, QWidget
from qt_support import open_window, show_panel
from support import DEFAULT_MODEL

from engine.analysis import evaluation_report
from engine.modelio import load_model
from engine.snapshot import model_snapshot
from gui.analysis.embedding_panel import EmbeddingPanel
from gui.analysis.evaluation_panel import N_DIGITS, EvaluationPanel, accuracy_axis
from gui.app.main_window import ANALYSIS_LAYOUT
from gui.widgets.colormaps import contrast_ratio
from gui.widgets.plot_export import NO_CSV_TIP, has_csv_data, install_export_menus
from gui.widgets.visibility import on_screen

WAIT_MS = 60_000
CSV_FORMAT = "CSV of original plot data"


@pytest.fixture(scope="module")
def report(model, mnist):
    """The shipped model on the whole test set: four-digit counts on the diagonal."""
    return evaluation_report(model, mnist)


@pytest.fixture
def studio(qtbot, mnist, settings):
    """The window at 1280x800 on the whole MNIST, the Evaluation tab shown and evaluated."""
    win = open_window(qtbot, mnist, settings, size=(1280, 800))
    win.layouts.switch(ANALYSIS_LAYOUT)
    panel = win.analysis.evaluation_panel
    win.show_analysis(panel)
    qtbot.waitUntil(lambda: on_screen(panel) and panel.report is not None
                    and not win.live_evaluation.busy, timeout=WAIT_MS)
    qtbot.wait(100)  # the layout settles
    yield win
    win.close()


def evaluation_panel(qtbot, report, mnist, size):
    panel = show_panel(qtbot, EvaluationPanel(), size=size)
    install_export_menus(panel)
    panel.show_report(report, mnist)
    qtbot.wait(50)
    return panel


def global_rect(view: QGraphicsView, item) -> QRect:
    """`item`'s scene bounding rect in screen coordinates, to compare items of different views."""
    polygon = view.mapFromScene(item.sceneBoundingRect())
    rect = polygon.boundingRect()
    return QRect(view.viewport().mapToGlobal(rect.topLeft()), rect.size())


def widget_global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())


def text_fits(label: QLabel) -> bool:
    """The label's whole text is visible: wrapped into its height, or one line within its width."""
    if label.wordWrap():
        return label.heightForWidth(label.width()) <= label.height()
    return label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()


@contextlib.contextmanager
def export_dialog(view: QGraphicsView, item):
    """pyqtgraph's export dialog of `view`, opened as the export menu opens it over `item`; closed
    and deleted afterwards, with the selection box it put into the scene (a parentless window
    left to the garbage collector could outlive its scene)."""
    scene = view.scene()
    scene.contextMenuItem = item
    scene.showExportDialog()
    dialog = scene.exportDialog
    try:
        yield dialog
    finally:
        dialog.close()
        scene.removeItem(dialog.selectBox)
        scene.exportDialog = None
        scene.contextMenuItem = None
        dialog.deleteLater()
        QApplication.processEvents()


def format_entry(dialog, name):
    formats = dialog.ui.formatList
    return next(formats.item(r) for r in range(formats.count()) if formats.item(r).text() == name)


def assert_counts_fit_or_hover(panel, report):
    """Every cell number on screen lies inside its cell; the hidden ones are told by the hover."""
    shown = [(i // N_DIGITS, i % N_DIGITS, text) for i, text in enumerate(panel._cell_texts)
             if text.isVisible() and text.toPlainText()]
    for t, p, text in shown:
        box = text.mapRectToView(text.boundingRect())
        assert QRectF(p, t, 1, 1).contains(box), f"the number of cell ({t}, {p}) runs out of it: {box}"
    shown_cells = {(t, p) for t, p, _ in shown}
    for t in range(N_DIGITS):
        for p in range(N_DIGITS):
            if (t, p) in shown_cells:
                continue
            count = f"{int(report.confusion[t, p]):,}"
            assert count in panel._cell_areas[t * N_DIGITS + p].toolTip()
            panel.hover_cell(t, p)
            assert f": {count} test image" in panel.selection_label.text()
    panel.hover_cell(-1, -1)
    return shown_cells


# ----------------------------------------------------------------------------- 4. confusion matrix


def test_confusion_counts_fit_their_cells_or_hide_with_the_count_in_the_hover(qtbot, studio, report, mnist):
    panel = studio.analysis.evaluation_panel
    assert panel.report.confusion.max() >= 1000  # four-digit diagonal counts
    shown = assert_counts_fit_or_hover(panel, panel.report)
    assert len(shown) >= N_DIGITS * (N_DIGITS - 1), "at 1280 px every mistake count is readable"

    small = evaluation_panel(qtbot, report, mnist, (520, 420))
    shown = assert_counts_fit_or_hover(small, report)
    assert len(shown) < N_DIGITS * N_DIGITS, "in a small matrix the four-digit counts give way"


def test_evaluation_summary_is_not_cut_by_the_normalise_check(qtbot, studio, report, mnist):
    narrow = evaluation_panel(qtbot, report, mnist, (640, 480))
    for panel in (studio.analysis.evaluation_panel, narrow):
        summary, check = panel.summary_label, panel.normalize_check
        assert summary.text() and text_fits(summary), summary.text()
        assert not summary.geometry().intersects(check.geometry())
        assert not summary.geometry().intersects(panel.accuracy_label.geometry())
        assert text_fits(panel.accuracy_label)


# ----------------------------------------------------------------------------- 7. where the weights came from


def test_embedding_and_robustness_name_the_loaded_model(qtbot, window):
    window.layouts.switch(ANALYSIS_LAYOUT)
    for panel in (window.analysis.embedding_panel, window.analysis.robustness_panel):
        window.show_analysis(panel)
        qtbot.waitUntil(lambda p=panel: p.computed_step is not None and not p.busy, timeout=WAIT_MS)
        text = panel.status_label.text()
        steps = load_model(DEFAULT_MODEL)[1]["steps"]
        assert "default.npz" in text and f"{steps:,} steps" in text, text
        assert "step 0" not in text, text


def test_a_runs_weights_are_named_by_their_step(qtbot, model, mnist):
    from dataclasses import replace

    panel = show_panel(qtbot, EmbeddingPanel(mnist, n_points=300))
    run = replace(model_snapshot(model), step=1234)  # a run's snapshot: no source
    with qtbot.waitSignal(panel.computed, timeout=WAIT_MS):
        panel.show_snapshot(run)
    assert "weights of step 1,234" in panel.status_label.text()
    assert "stale" not in panel.status_label.text() and "changed" not in panel.status_label.text()


# ----------------------------------------------------------------------------- 8, 9 and PNG: exports


def test_confusion_svg_export_keeps_the_cells_sharp(qtbot, report, mnist, tmp_path):
    panel = evaluation_panel(qtbot, report, mnist, (900, 600))
    path = tmp_path / "confusion.svg"
    pg.exporters.SVGExporter(panel.matrix_item).export(str(path))
    images = xml.dom.minidom.parse(str(path)).getElementsByTagName("image")
    assert images
    for element in images:
        assert "pixelated" in element.getAttribute("style")
        assert element.getAttribute("image-rendering") == "optimizeSpeed"
        href = element.getAttribute("xlink:href")
        assert href.startswith("data:image/png;base64,")
        picture = QImage.fromData(QByteArray(base64.b64decode(href.split(",", 1)[1])), "PNG")
        # The 10x10 matrix scaled up by a whole factor, each cell one flat block: nothing to blur.
        factor = picture.width() // N_DIGITS
        assert factor >= 20 and picture.width() == picture.height() == N_DIGITS * factor
        converted = picture.convertToFormat(QImage.Format.Format_ARGB32)  # kept: the array is a view of it
        pixels = pg.functions.ndarray_from_qimage(converted).copy()
        blocks = pixels.reshape(N_DIGITS, factor, N_DIGITS, factor, 4)
        assert (blocks == blocks[:, :1, :, :1]).all(), "a cell of the embedded image is not one colour"


def test_confusion_csv_export_writes_the_matrix(qtbot, studio, tmp_path):
    panel = studio.analysis.evaluation_panel
    with export_dialog(panel.confusion_plot, panel.matrix_image) as dialog:
        entry = format_entry(dialog, CSV_FORMAT)
        assert entry.flags() & entry.flags().ItemIsEnabled
        dialog.ui.formatList.setCurrentItem(entry)
        path = tmp_path / "confusion.csv"
        dialog.currentExporter.export(fileName=str(path))
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    assert len(rows) == N_DIGITS + 1 and all(len(row) == N_DIGITS + 1 for row in rows)
    assert rows[0][1:] == [str(d) for d in range(N_DIGITS)]
    assert [row[0] for row in rows[1:]] == [str(d) for d in range(N_DIGITS)]
    counts = np.array([[int(v) for v in row[1:]] for row in rows[1:]])
    np.testing.assert_array_equal(counts, panel.report.confusion)


def test_csv_export_is_disabled_for_a_plot_without_data(qtbot, report, mnist):
    panel = evaluation_panel(qtbot, report, mnist, (900, 600))
    # The colour bar is a plot of its own with nothing but a gradient image.
    with export_dialog(panel.confusion_plot, panel.colour_bar) as dialog:
        entry = format_entry(dialog, CSV_FORMAT)
        assert not entry.flags() & entry.flags().ItemIsEnabled
        assert entry.toolTip() == NO_CSV_TIP
        assert dialog.ui.formatList.currentItem() is not entry
    assert has_csv_data(panel.matrix_item) and has_csv_data(panel.class_plot.getPlotItem())
    empty = pg.PlotItem()
    assert not has_csv_data(empty) and not has_csv_data(panel.colour_bar) and not has_csv_data(None)
    empty.plot([0.0, 1.0], [2.0, 3.0])
    assert has_csv_data(empty)


def test_exported_png_has_the_window_background(qtbot, studio, tmp_path):
    panel = studio.analysis.evaluation_panel
    window_colour = panel.palette().color(QPalette.ColorRole.Window)
    for item in (panel.matrix_item, panel.class_plot.getPlotItem()):
        path = tmp_path / "plot.png"
        pg.exporters.ImageExporter(item).export(str(path))
        picture = QImage(str(path))
        corner = picture.pixelColor(0, 0)
        assert corner.alpha() == 255
        assert corner.rgb() == window_colour.rgb()


# ----------------------------------------------------------------------------- per-digit accuracy


def test_per_digit_accuracy_axis_starts_near_the_lowest_bar(qtbot, studio):
    panel = studio.analysis.evaluation_panel
    accuracy = np.asarray(panel.report.per_class_accuracy)
    assert accuracy.min() > 0.9
    (low, high), view = panel.class_plot.getPlotItem().vb.viewRange()[1], panel.class_plot.getPlotItem().vb
    assert 0.0 < low <= accuracy.min() and high >= 1.0
    # 98.0 % and 99.6 % must look different: their bars' heights on screen differ by a fifth at least.
    heights = [view.mapViewToScene(pg.Point(0, low)).y() - view.mapViewToScene(pg.Point(0, a)).y()
               for a in (accuracy.min(), accuracy.max())]
    assert heights[1] > 1.2 * heights[0] > 0

    assert accuracy_axis([0.98, 0.996])[0] == pytest.approx(0.975)
    assert accuracy_axis([0.1, 0.5])[0] == 0.0
    lower, ticks = accuracy_axis([np.nan, 0.93])
    assert 0.8 <= lower < 0.93 and ticks[-1] == pytest.approx(1.0) and len(ticks) <= 6


def test_per_digit_titles_stay_clear_of_the_colour_bar_title(qtbot, studio, report, mnist):
    for panel in (studio.analysis.evaluation_panel, evaluation_panel(qtbot, report, mnist, (640, 480))):
        bar_title = global_rect(panel.confusion_plot, panel.colour_bar.axis.label)
        class_item = panel.class_plot.getPlotItem()
        others = [class_item.titleLabel, class_item.getAxis("left")]
        if class_item.getAxis("left").label.isVisible():
            others.append(class_item.getAxis("left").label)
        for item in others:
            rect = global_rect(panel.class_plot, item)
            assert not bar_title.intersects(rect.adjusted(-6, 0, 6, 0)), (bar_title, rect)


# ----------------------------------------------------------------------------- footnotes


def test_footnotes_are_readable_and_whole(qtbot, studio):
    embedding = studio.analysis.embedding_panel
    studio.show_analysis(embedding)
    qtbot.waitUntil(lambda: embedding.computed_step is not None and not embedding.busy, timeout=WAIT_MS)
    qtbot.wait(50)
    notes = [embedding.variance_label]
    chunks = studio.analysis.large_chunks_panel
    notes += [chunks.fields_note, chunks.patterns_note]
    for note in notes:
        palette = note.palette()
        group = QPalette.ColorGroup.Active if note.isEnabled() else QPalette.ColorGroup.Disabled
        ratio = contrast_ratio(palette.color(group, QPalette.ColorRole.WindowText),
                               palette.color(group, QPalette.ColorRole.Window))
        assert ratio >= 4.5, f"{note.objectName() or note.text()[:30]}: contrast {ratio:.2f}"
    label = embedding.variance_label
    assert label.text() and text_fits(label), label.text()
    assert widget_global_rect(label).right() <= widget_global_rect(embedding).right()
