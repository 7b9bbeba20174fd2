"""The test images the network gets wrong, the most confidently wrong first.

A confident mistake is more instructive than a hesitant one: it is either a badly written (or
mislabelled) digit, or a real blind spot of the network. Each entry shows the image, its true
label, the answer, and the three most probable digits. Clicking one asks for it to be probed.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QSizePolicy, QVBoxLayout, QWidget

from ..widgets.panel_base import ReportPanel

MAX_SHOWN = 200
IMAGE_SIDE = 28
ICON_SIDE = 56
CELL_SIZE = QSize(132, ICON_SIDE + 52)
INDEX_ROLE = Qt.ItemDataRole.UserRole


def digit_pixmap(pixels: np.ndarray, side: int = ICON_SIDE) -> QPixmap:
    """A 28x28 image in [0, 1] as a grey pixmap, enlarged without smoothing so pixels stay crisp."""
    grey = np.ascontiguousarray(np.clip(np.round(pixels.reshape(IMAGE_SIDE, IMAGE_SIDE) * 255), 0, 255),
                                dtype=np.uint8)
    image = QImage(grey.data, IMAGE_SIDE, IMAGE_SIDE, IMAGE_SIDE, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(image).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation)


def percent(probability: float) -> str:
    if probability > 0.9995:
        return ">99.9%"
    return f"{100.0 * probability:.1f}%"


def mistake_text(rank: int, true_label: int, predicted: int, top: list[tuple[int, float]]) -> str:
    ranked = "  ".join(f"{digit}: {percent(p)}" for digit, p in top[:2])
    rest = "  ".join(f"{digit}: {percent(p)}" for digit, p in top[2:])
    return f"#{rank + 1}  true {true_label} \u2192 {predicted}\n{ranked}\n{rest}"


class MistakesPanel(ReportPanel):
    """Misclassified test images as a scrollable grid of icons with their probabilities."""

    probeRequested = Signal(int)
    """Test image index of the clicked mistake."""

    def __init__(self, max_shown: int = MAX_SHOWN, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mistakesPanel")
        self.max_shown = max_shown
        self.report = None
        self.dataset = None
        self.shown_indices = np.zeros(0, dtype=np.int64)
        """Test indices of the listed mistakes, in list order (most confident first)."""

        self.summary_label = QLabel("No network evaluated yet.")
        self.summary_label.setObjectName("mistakesSummaryLabel")
        self.summary_label.setWordWrap(True)
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.list = QListWidget()
        self.list.setObjectName("mistakesList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.list.setGridSize(CELL_SIZE)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setToolTip(
            "Each entry: the test image, its true label, the network's answer, and the three digits the "
            "network found most probable. Click one to probe it in the activations view.")
        self.list.itemClicked.connect(self._on_item_clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.list, 1)

    # ------------------------------------------------------------------ API

    def show_report(self, report, dataset) -> None:
        """List the mistakes of an engine.analysis.evaluation.EvaluationReport of `dataset`'s test split."""
        self.report = report
        self.dataset = dataset
        mistakes = np.asarray(report.mistakes)
        self.shown_indices = mistakes[: self.max_shown]
        n = self.shown_indices.size
        while self.list.count() > n:
            self.list.takeItem(self.list.count() - 1)
        while self.list.count() < n:
            item = QListWidgetItem()
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.list.addItem(item)
        for rank, index in enumerate(self.shown_indices):
            index = int(index)
            item = self.list.item(rank)
            true_label, predicted = int(report.labels[index]), int(report.predictions[index])
            item.setIcon(QIcon(digit_pixmap(dataset.x_test[index])))
            item.setText(mistake_text(rank, true_label, predicted, report.top_k(index, 3)))
            item.setData(INDEX_ROLE, index)
            item.setToolTip(f"Test image {index}: true label {true_label}, answered {predicted} with "
                            f"probability {percent(float(report.probabilities[index, predicted]))}. "
                            "Click to probe it.")
        self.list.setCurrentRow(-1)  # nothing looks chosen before the user chooses
        self.summary_label.setText(self._summary(len(mistakes), report.n_test))

    def click_mistake(self, rank: int) -> int:
        """Act as if the mistake at list position `rank` was clicked; returns its test index."""
        item = self.list.item(rank)
        if item is None:
            raise IndexError(f"rank must be between 0 and {self.list.count() - 1}, got {rank}")
        self.list.setCurrentItem(item)
        self._on_item_clicked(item)
        return int(item.data(INDEX_ROLE))

    # ------------------------------------------------------------- internals

    def _summary(self, n_mistakes: int, n_test: int) -> str:
        if n_mistakes == 0:
            return f"No mistakes: all {n_test:,} test images are classified correctly."
        shown = (f" Showing the first {self.max_shown}." if n_mistakes > self.max_shown else "")
        return (f"{n_mistakes:,} of {n_test:,} test images are misclassified, listed from the most confident "
                f"wrong answer down.{shown} Click one to probe it.")

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        self.probeRequested.emit(int(item.data(INDEX_ROLE)))
        self.probe("test", int(item.data(INDEX_ROLE)))
