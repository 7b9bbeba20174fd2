"""The status bar: the dataset, what the run is doing, how far it is, and the test accuracy.

A temporary message (showMessage) is drawn left of the permanent labels; while one shows, the
longest labels (the dataset, the model) give up room for it, ending in "…" (their whole text
returns with the message's end), so neither the message is cut nor the window forced wider."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from engine.snapshot import RunState

from ..widgets.labels import SteadyLabel

STATE_TEXT = {
    RunState.IDLE: "Ready", RunState.RUNNING: "Training", RunState.PAUSED: "Paused",
    RunState.DIVERGED: "Diverged (paused)", RunState.STOPPED: "Stopped", RunState.FINISHED: "Finished",
}


QWIDGETSIZE_MAX = (1 << 24) - 1
SHORTEST_LABEL = 60
"""Pixels an eliding label keeps however little room there is."""
MESSAGE_ROOM = 24
"""Pixels beside a temporary message's text: its margins and the gap to the first label."""


class ElidingLabel(QLabel):
    """A one-line label that, given less room than its text needs, shows the text's start and "…".
    It asks for its whole text's width but can do with SHORTEST_LABEL pixels."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), SHORTEST_LABEL), hint.height())

    def paintEvent(self, event) -> None:
        rect = self.contentsRect()
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(self.text()) <= rect.width():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
                         metrics.elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width()))


class ProgressBar(QProgressBar):
    """A QProgressBar whose `show_progress` is painted with the rest of the window. Its setValue
    repaints at once: a paint, and a flush to the screen, of its own for every snapshot."""

    def show_progress(self, value: int, text: str) -> None:
        if value == self.value() and text == self.format():
            return
        self.setUpdatesEnabled(False)  # repaint() does nothing now; enabling them again asks for an update()
        try:
            self.setValue(value)
            self.setFormat(text)
        finally:
            self.setUpdatesEnabled(True)


class StudioStatusBar(QStatusBar):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.dataset_label = _label("currentDatasetLabel", "", eliding=True)
        self.state_label = _label("statusState", "What the training run is doing.")
        self.epoch_label = _label("statusEpoch", "The epoch in progress: one epoch is one pass over "
                                                 "every training image.", eliding=True)
        # New texts with every snapshot: steady labels, repainted alone (gui.widgets.labels).
        self.step_label = _label("statusStep", "Mini-batch updates of W[l] and b[l] so far.", steady=True)
        self.speed_label = _label("statusSpeed", "Training images processed per second.", steady=True)
        self.elapsed_label = _label("statusElapsed", "Training time, pauses excluded.", steady=True)
        self.accuracy_label = _label("statusAccuracy", "Test accuracy at the last evaluation (after each epoch).")
        self.progress = ProgressBar()
        self.progress.setObjectName("statusProgress")
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(True)
        self.progress.setToolTip("Progress through the current epoch.")
        for label in (self.dataset_label, self.state_label, self.epoch_label, self.step_label, self.speed_label,
                      self.elapsed_label, self.accuracy_label):
            self.addPermanentWidget(label)
        self.addPermanentWidget(self.progress)
        self.messageChanged.connect(self._make_room)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._make_room()

    def _make_room(self, *_args) -> None:
        """Narrow the eliding labels as far as a temporary message needs (or let them be whole)."""
        eliding = [label for label in (self.dataset_label, self.epoch_label) if label.isVisibleTo(self)]
        message = self.currentMessage()
        wanted = [label.sizeHint().width() for label in eliding]
        spacing = max(self.layout().spacing(), 0)
        others = sum(max(widget.sizeHint().width(), widget.minimumWidth()) + spacing
                     for widget in self._permanent_widgets() if widget not in eliding and widget.isVisibleTo(self))
        room = (self.width() - self.fontMetrics().horizontalAdvance(message) - MESSAGE_ROOM - others
                - spacing * len(eliding) - 16) if message else None  # 16: the size grip
        for label, width in zip(eliding, wanted):
            if room is None or sum(wanted) <= room:
                label.setMaximumWidth(QWIDGETSIZE_MAX)
            else:
                label.setMaximumWidth(max(SHORTEST_LABEL, room * width // max(sum(wanted), 1)))

    def _permanent_widgets(self):
        return (self.dataset_label, self.state_label, self.epoch_label, self.step_label, self.speed_label,
                self.elapsed_label, self.accuracy_label, self.progress)

    def show_dataset(self, dataset, loading_bundled: bool, opening_name: str | None) -> None:
        if dataset is not None:
            text = f"Dataset: {dataset.name}"
            tip = (f"{dataset.name}: {dataset.n_train:,} training and {dataset.n_test:,} test images. "
                   "File \u2192 Open dataset\u2026 uses another.")
        elif loading_bundled:
            text, tip = "Dataset: loading MNIST\u2026", "The bundled MNIST images are being read."
        else:
            text, tip = "No dataset", "No images are loaded: File \u2192 Open dataset\u2026 reads some."
        if opening_name is not None:
            text += f"  (reading {opening_name}\u2026)"
        self.dataset_label.setText(text)
        self.dataset_label.setToolTip(tip)

    def show_run(self, state: RunState, snapshot, loading_bundled: bool, model_network, model_metadata,
                 edited_accuracy: float | None = None) -> None:
        """`snapshot`: the run's latest (also while the timeline shows an earlier moment), None without a run;
        `edited_accuracy`: while Lab edits are active, the edited network's (NaN while it is computed)."""
        self.state_label.setText("Loading MNIST\u2026" if loading_bundled else STATE_TEXT[RunState(state)])
        if snapshot is None:
            model = f"Model: {model_network.describe()}" if model_network is not None else "No model loaded"
            accuracy = model_metadata.get("test_accuracy") if model_network is not None else None
            self.epoch_label.setText(model)
            self.step_label.setText("")
            self.speed_label.setText("")
            self.elapsed_label.setText("")
            self.accuracy_label.setText(accuracy_text(accuracy, edited_accuracy))
            self.progress.show_progress(0, "Epoch progress")
            self._hide_empty_labels()
            return
        epochs = snapshot.config.epochs
        finished = snapshot.state == RunState.FINISHED
        current = min(snapshot.epoch + (0 if finished else 1), epochs)
        self.epoch_label.setText(f"Epoch {current}/{epochs}")
        self.step_label.setText(f"Step {snapshot.step:,}")
        running = state == RunState.RUNNING
        self.speed_label.setText(f"{snapshot.samples_per_s:,.0f} samples/s" if running else "\u2013 samples/s")
        self.elapsed_label.setText(f"Elapsed {duration_text(snapshot.elapsed_s)}")
        self.accuracy_label.setText(accuracy_text(snapshot.latest_test_accuracy, edited_accuracy))
        fraction = 1.0 if finished else snapshot.batch / max(snapshot.batches_per_epoch, 1)
        self.progress.show_progress(round(fraction * 1000), f"Epoch {current}: {fraction:.0%}")
        self._hide_empty_labels()

    def _hide_empty_labels(self) -> None:
        """An empty label would still take its margins from the message's room."""
        for label in (self.step_label, self.speed_label, self.elapsed_label):
            label.setVisible(bool(label.text()))


def _label(object_name: str, tooltip: str, eliding: bool = False, steady: bool = False) -> QLabel:
    label = ElidingLabel() if eliding else SteadyLabel() if steady else QLabel()
    label.setObjectName(object_name)
    label.setToolTip(tooltip)
    label.setContentsMargins(6, 0, 6, 0)
    return label


def accuracy_text(accuracy, edited_accuracy: float | None = None) -> str:
    """The test accuracy, and while Lab edits are active the edited network's beside it."""
    text = "Test accuracy \u2013" if accuracy is None or not np.isfinite(accuracy) else \
        f"Test accuracy {100 * accuracy:.2f} %"
    if edited_accuracy is not None:
        edited = "\u2026" if not np.isfinite(edited_accuracy) else f"{100 * edited_accuracy:.2f} %"
        text += f" \u00b7 Lab edits {edited}"
    return text


def duration_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
