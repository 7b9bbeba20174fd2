"""The data the network learns from: browse the images of each digit, see the average digit.

A page of images of one split (training or test), optionally only one digit, and the mean image
of every digit with its count. Double-clicking an image asks for it to be probed.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import digit_counts, per_digit_means

from ..widgets.fields import combo
from ..widgets.image_grid import ImageGrid
from ..widgets.panel_base import StatePanel

PAGE_SIZE = 100
IMAGE_SIDE = 28
N_DIGITS = 10
SPLITS = (("train", "Training images"), ("test", "Test images"))
SPLIT_NAMES = dict(SPLITS)


class DatasetPanel(StatePanel):
    """Pages of images by split and digit, and the mean image and count of each digit."""

    probeRequested = Signal(str, int)
    """(split, index): "train" or "test" and the image's index in that split, on double-click."""

    def __init__(self, dataset=None, page_size: int = PAGE_SIZE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("datasetPanel")
        self.dataset = None
        self.page_size = page_size
        self.page = 0
        self.shown_indices = np.zeros(0, dtype=np.int64)
        """Indices (within the split) of the images on the current page, in grid order."""
        self.means = np.zeros((N_DIGITS, IMAGE_SIDE * IMAGE_SIDE), dtype=np.float32)
        self.counts = np.zeros(N_DIGITS, dtype=np.int64)
        self._matching = np.zeros(0, dtype=np.int64)
        self._summaries: dict[str, tuple[np.ndarray, np.ndarray]] = {}

        self.name_label = QLabel("No dataset loaded.")
        self.name_label.setObjectName("datasetNameLabel")
        font = QFont(self.name_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.name_label.setFont(font)
        self.name_label.setToolTip("The dataset the network trains and is tested on.")
        self.size_label = QLabel()
        self.size_label.setObjectName("datasetSizeLabel")
        self.size_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.split_combo = combo("datasetSplitCombo", [(text, key) for key, text in SPLITS],
                                 "Training images teach the network; test images, never trained on, "
                                 "measure how well it generalises.")
        self.split_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.digit_combo = QComboBox()
        self.digit_combo.setObjectName("datasetDigitCombo")
        self.digit_combo.addItem("All digits", None)
        for digit in range(N_DIGITS):
            self.digit_combo.addItem(f"Digit {digit}", digit)
        self.digit_combo.setToolTip("Show only the images labelled with this digit.")
        self.digit_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.prev_button = QPushButton("\u25c0 Previous")
        self.prev_button.setObjectName("datasetPrevPage")
        self.prev_button.setToolTip("The previous page of images.")
        self.prev_button.clicked.connect(lambda: self.set_page(self.page - 1))
        self.next_button = QPushButton("Next \u25b6")
        self.next_button.setObjectName("datasetNextPage")
        self.next_button.setToolTip("The next page of images.")
        self.next_button.clicked.connect(lambda: self.set_page(self.page + 1))
        self.page_label = QLabel()
        self.page_label.setObjectName("datasetPageLabel")
        self.page_label.setToolTip("Which images of the selection are shown.")

        self.grid = ImageGrid(preferred_size=QSize(600, 330))
        self.grid.setObjectName("datasetImages")
        self.grid.setToolTip("A page of images (black 0 to white 1) in dataset order. "
                             "Double-click one to probe it; scroll to zoom.")
        self.grid.cellHovered.connect(self._on_hovered)
        self.grid.cellDoubleClicked.connect(self.activate_cell)
        self.hover_label = QLabel()
        self.hover_label.setObjectName("datasetHoverLabel")
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.means_title = QLabel("Mean image of each digit, with its number of images")
        self.means_grid = ImageGrid(zoomable=False, preferred_size=QSize(600, 90))
        self.means_grid.setObjectName("datasetMeans")
        self.means_grid.setToolTip("The average of all images of each digit in this split: bright where most "
                                   "writers put ink. The number above is how many images the digit has.")
        self.means_grid.setFixedHeight(112)

        filters = QHBoxLayout()
        filters.addWidget(self.split_combo)
        filters.addWidget(self.digit_combo)
        filters.addWidget(self.prev_button)
        filters.addWidget(self.next_button)
        filters.addWidget(self.page_label, 1)
        heading = QHBoxLayout()
        heading.addWidget(self.name_label)
        heading.addWidget(self.size_label, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(heading)
        layout.addLayout(filters)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.hover_label)
        layout.addWidget(self.means_title)
        layout.addWidget(self.means_grid)

        self.set_dataset(dataset)

    # ------------------------------------------------------------------ API

    @property
    def split(self) -> str:
        return self.split_combo.currentData()

    @property
    def digit(self) -> int | None:
        return self.digit_combo.currentData()

    @property
    def n_pages(self) -> int:
        return max(1, math.ceil(self._matching.size / self.page_size))

    def _connect(self, state) -> None:
        state.datasetChanged.connect(self.request_refresh)

    def _current_key(self):
        return self.state.dataset

    def _draw(self) -> None:
        self.set_dataset(self.state.dataset)

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        self._summaries = {}
        has_data = dataset is not None
        for widget in (self.split_combo, self.digit_combo):
            widget.setEnabled(has_data)
        if not has_data:
            self.name_label.setText("No dataset loaded.")
            self.size_label.setText("")
            self._matching = np.zeros(0, dtype=np.int64)
            self.grid.clear_images()
            self.means_grid.clear_images()
            self._update_paging()
            return
        self.name_label.setText(dataset.name)
        self.size_label.setText(f"   {dataset.n_train:,} training and {dataset.n_test:,} test images of "
                                f"28\u00d728 pixels")
        self._on_filter_changed()

    def set_split(self, split: str) -> None:
        index = self.split_combo.findData(split)
        if index < 0:
            raise ValueError(f"split must be one of {', '.join(SPLIT_NAMES)}, got {split!r}")
        self.split_combo.setCurrentIndex(index)

    def set_digit(self, digit: int | None) -> None:
        """Show only `digit` (None: all digits)."""
        index = self.digit_combo.findData(digit) if digit is not None else 0
        if index < 0:
            raise ValueError(f"digit must be 0 to {N_DIGITS - 1} or None, got {digit!r}")
        self.digit_combo.setCurrentIndex(index)

    def set_page(self, page: int) -> None:
        self.page = int(np.clip(page, 0, self.n_pages - 1))
        self._render_page()

    def activate_cell(self, cell: int) -> None:
        """Probe the image in grid cell `cell` (what a double-click does)."""
        if 0 <= cell < self.shown_indices.size:
            self.probeRequested.emit(self.split, int(self.shown_indices[cell]))
            self.probe(self.split, int(self.shown_indices[cell]))

    # ------------------------------------------------------------- internals

    def _split_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self.split == "train":
            return self.dataset.x_train, self.dataset.y_train
        return self.dataset.x_test, self.dataset.y_test

    def _on_filter_changed(self, _index: int = 0) -> None:
        if self.dataset is None:
            return
        x, y = self._split_arrays()
        digit = self.digit
        self._matching = np.arange(y.size) if digit is None else np.flatnonzero(y == digit)
        self._render_means()
        self.means_grid.select(-1 if digit is None else digit)
        self.set_page(0)

    def _render_page(self) -> None:
        self._update_paging()
        if self.dataset is None:
            return
        start = self.page * self.page_size
        self.shown_indices = self._matching[start:start + self.page_size]
        rows = (self.dataset.train_rows(self.shown_indices) if self.split == "train"
                else self.dataset.x_test[self.shown_indices])
        self.grid.set_images(rows.reshape(-1, IMAGE_SIDE, IMAGE_SIDE), levels=(0.0, 1.0))
        self._on_hovered(-1)

    def _update_paging(self) -> None:
        n = self._matching.size
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.n_pages - 1)
        if n == 0:
            self.page_label.setText("No images.")
            return
        start = self.page * self.page_size
        stop = min(start + self.page_size, n)
        of_what = f"{n:,}" if self.digit is None else f"the {n:,} images of {self.digit}"
        self.page_label.setText(f"  images {start + 1:,}\u2013{stop:,} of {of_what}  "
                                f"(page {self.page + 1} of {self.n_pages})")

    def _render_means(self) -> None:
        split = self.split
        if split not in self._summaries:
            x, y = self._split_arrays()
            self._summaries[split] = (per_digit_means(x, y), digit_counts(y))
        self.means, self.counts = self._summaries[split]
        self.means_grid.set_images(self.means.reshape(-1, IMAGE_SIDE, IMAGE_SIDE), levels=(0.0, 1.0),
                                   captions=[f"{d}: {c:,}" for d, c in enumerate(self.counts)], cols=N_DIGITS)
        self.means_title.setText(f"Mean image of each digit in the {SPLIT_NAMES[split].lower()}, "
                                 f"with its number of images ({int(self.counts.sum()):,} in all)")

    def _on_hovered(self, cell: int) -> None:
        if 0 <= cell < self.shown_indices.size:
            index = int(self.shown_indices[cell])
            _, y = self._split_arrays()
            kind = "Training" if self.split == "train" else "Test"
            self.hover_label.setText(f"{kind} image {index}: labelled {int(y[index])}. Double-click to probe it.")
        else:
            self.hover_label.setText("Hover over an image to see its index and label.")
