"""Pictures the studio writes to files: the chunk grid as a PNG, and the figures of HTML reports.

Report figures are drawn by fresh panels of a fixed size off screen, not grabbed from the window,
so they look the same whatever the layout and whether or not those panels are on screen.
Files are written atomically (engine.atomic), so a failed export leaves any earlier file of
the same name untouched.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QWidget

from engine.atomic import atomic_write

from ..analysis.evaluation_panel import EvaluationPanel
from ..panels.accuracy_panel import AccuracyPanel
from ..panels.chunks_panel import ChunksPanel
from ..panels.loss_panel import LossPanel
from ..widgets.colormaps import diverging_colormap_name, diverging_words

REPORT_CHUNK_PIXELS = 2
"""Pixels per weight of the chunk grid in reports, which stay a few hundred KB."""
LOSS_FIGURE = QSize(900, 460)
ACCURACY_FIGURE = QSize(900, 360)
EVALUATION_FIGURE = QSize(1000, 720)

PIXELS_PER_WEIGHT = 4
"""Each weight becomes a square of this many pixels: a 28x28 chunk is 112 px, big enough to
see its strokes, and whole-pixel scaling keeps every weight a crisp, single-coloured square."""


def chunk_grid_image(chunks: ChunksPanel, pixels_per_weight: int = PIXELS_PER_WEIGHT) -> QImage:
    """The chunks panel's grid as one picture, coloured exactly as the panel colours it (its own
    image item and lookup table), whatever it shows: W[1] or its change since the start of the run.

    Gaps between tiles are dark grey and cells after the last neuron transparent; what the
    colours mean is recorded in the PNG's "Title" and "Description" texts."""
    if chunks.values is None:
        raise ValueError("the chunks panel shows no weights yet")
    item = chunks.image_item
    item.render()  # the lookup-table-coloured picture of the item's current data
    n_chunks = chunks.values.shape[0]
    rows, cols = chunks.grid
    low, high = chunks.levels
    k = max(1, int(pixels_per_weight))
    picture = item.qimage.convertToFormat(QImage.Format.Format_ARGB32)
    image = picture.scaled(picture.width() * k, picture.height() * k, Qt.AspectRatioMode.IgnoreAspectRatio,
                           Qt.TransformationMode.FastTransformation)
    what = "W[1] \u2212 W[1](0), the change since the start of the run," if chunks.showing_change else "W[1]"
    negative, positive = diverging_words()
    image.setText("Title", "First-layer weights" + (": change since the start" if chunks.showing_change else ""))
    image.setText("Description", (
        f"Row i of {what} as a 28x28 tile for each of the {n_chunks} first-layer neurons, {rows} rows of "
        f"{cols}, neuron 0 top left, numbered along rows. Colours ({diverging_colormap_name()}): {negative} {low:.6g}, "
        f"white 0, {positive} +{high:.6g}; values beyond that have the end colours. Each weight is {k}x{k} pixels."))
    return image


def png_bytes(picture: QImage | QPixmap) -> bytes:
    """`picture` encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not picture.save(buffer, "PNG"):
        raise OSError("the picture could not be encoded as PNG")
    buffer.close()
    return bytes(data.data())


def widget_png(widget: QWidget) -> bytes:
    """What `widget` shows, as PNG bytes."""
    return png_bytes(widget.grab())


def write_file(path, data: bytes) -> None:
    """Write `data` to `path` atomically; raises OSError on failure, leaving `path` as it was."""
    atomic_write(path, lambda f: f.write(data))


def offscreen_png(widget: QWidget, size: QSize) -> bytes:
    """Lay `widget` out at `size` without showing it on screen and return it as PNG bytes;
    `widget` is deleted afterwards."""
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    widget.resize(size)
    widget.show()
    QCoreApplication.sendPostedEvents()  # layouts, and pyqtgraph's reaction to the new size
    try:
        return widget_png(widget)
    finally:
        widget.close()
        widget.deleteLater()


def most_common_confusion(confusion) -> tuple[int, int] | None:
    """(true digit, answer) of the largest off-diagonal count, or None when there are no mistakes."""
    mistakes = np.array(confusion, dtype=np.int64)
    np.fill_diagonal(mistakes, 0)
    if mistakes.max() <= 0:
        return None
    true_digit, answer = np.unravel_index(int(np.argmax(mistakes)), mistakes.shape)
    return int(true_digit), int(answer)


def report_figures(snapshot, evaluation=None, dataset=None) -> dict[str, bytes]:
    """{caption: PNG bytes} for engine.analysis.report.html_report: the loss and accuracy curves (when the
    snapshot has a history), the evaluation with the images of its most common confusion (when
    given `evaluation` of `dataset`), and the chunk grid."""
    figures = {}
    if len(snapshot.batch_x) or len(snapshot.epochs.get("epoch", ())):
        loss = LossPanel()
        loss.show_snapshot(snapshot)
        figures["Loss: every mini-batch (faint), smoothed, and each epoch's train and test loss"] = \
            offscreen_png(loss, LOSS_FIGURE)  # the whole panel: its legend sits below the plot
    if len(snapshot.epochs.get("epoch", ())):
        accuracy = AccuracyPanel()
        accuracy.show_snapshot(snapshot)
        figures["Train and test accuracy after each epoch"] = offscreen_png(accuracy, ACCURACY_FIGURE)
    if evaluation is not None and dataset is not None:
        panel = EvaluationPanel()
        panel.show_report(evaluation, dataset)
        caption = ("Test accuracy, accuracy per digit and the confusion matrix (rows: true digit, columns: the "
                   "network's answer; colours count the mistakes)")
        confusion = most_common_confusion(evaluation.confusion)
        if confusion is not None:
            panel.select_cell(*confusion)
            caption += f", with the test images of the most common confusion, {confusion[0]} taken for {confusion[1]}"
        figures[caption] = offscreen_png(panel, EVALUATION_FIGURE)
    chunks = ChunksPanel()
    chunks.show_snapshot(snapshot)
    low, high = chunks.levels
    negative, positive = diverging_words()
    figures[f"First-layer weights W[1], one 28\u00d728 tile per neuron: {negative} \u2212{-low:.3g}, white 0, "
            f"{positive} +{high:.3g}"] = png_bytes(chunk_grid_image(chunks, REPORT_CHUNK_PIXELS))
    chunks.deleteLater()
    return figures
