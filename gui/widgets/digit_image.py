"""A 28x28 digit image drawn as it is, on black, at a fixed size."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QFrame

IMAGE_SIDE = 28


class DigitImage(pg.GraphicsLayoutWidget):
    def __init__(self, side: int) -> None:
        """`side`: the width and height on screen, in pixels."""
        super().__init__()
        self.side = side
        self.setBackground("k")
        self.setFixedSize(side, side)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.ci.setContentsMargins(0, 0, 0, 0)
        view = self.addViewBox(row=0, col=0, lockAspect=True, enableMouse=False, invertY=True, enableMenu=False)
        view.setRange(xRange=(0, IMAGE_SIDE), yRange=(0, IMAGE_SIDE), padding=0.0)
        view.disableAutoRange()
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.set_image(np.zeros((IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32))
        view.addItem(self.image_item)

    def set_image(self, image: np.ndarray) -> None:
        # Fixed levels: a faint input must look faint, not be stretched to full contrast.
        self.image_item.setImage(image, autoLevels=False, levels=(0.0, 1.0))

    def sizeHint(self) -> QSize:
        return QSize(self.side, self.side)
