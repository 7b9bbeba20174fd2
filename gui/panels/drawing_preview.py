"""The preview beside the drawing pad: the 28x28 image the network receives, magnified, with
the saliency colours laid over it when they are shown."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QFrame, QWidget

from engine.digitize import OUTPUT_SIZE

from ..widgets.theme import follow_appearance
from .saliency_overlay import saliency_lut


class DrawingPreview(pg.GraphicsLayoutWidget):
    """Shows the 28x28 image the network receives, magnified with visible pixels."""

    DISPLAY_SIZE = 112  # 4 screen pixels per input pixel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawingPreview")
        self.setFixedSize(self.DISPLAY_SIZE, self.DISPLAY_SIZE)
        self.setBackground("k")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setToolTip(
            "The drawing after cropping, scaling to 20x20 and centring, exactly as the network "
            "receives it. Each square is one of its 28x28 input pixels."
        )
        self.ci.setContentsMargins(0, 0, 0, 0)
        self.ci.setSpacing(0)
        view = self.addViewBox(row=0, col=0, lockAspect=True, enableMouse=False, invertY=True, enableMenu=False)
        view.setDefaultPadding(0.0)
        view.setRange(xRange=(0, OUTPUT_SIZE), yRange=(0, OUTPUT_SIZE), padding=0.0)
        view.disableAutoRange()
        # Row-major so that array[row, col] appears at (x=col, y=row), like the pad.
        self._image_item = pg.ImageItem(axisOrder="row-major")
        self._image_item.setImage(_blank_input(), autoLevels=False, levels=(0.0, 1.0))
        view.addItem(self._image_item)
        self._saliency_item = pg.ImageItem(axisOrder="row-major")
        self._saliency_item.setZValue(1)
        self._saliency_item.setVisible(False)
        view.addItem(self._saliency_item)
        self.image: np.ndarray | None = None
        """The last image shown (a copy), or None when the drawing is empty."""
        self.saliency_indices: np.ndarray | None = None
        """Colour indices of the saliency overlay shown (see saliency_lut), or None."""
        # The input stays white on black, as the network sees it; the overlay follows the palette choice.
        follow_appearance(self, lambda: self.set_saliency(self.saliency_indices))

    def set_saliency(self, indices: np.ndarray | None) -> None:
        """Lay (28, 28) colour indices of saliency_lut over the image; None removes them."""
        if indices is None:
            self.saliency_indices = None
            self._saliency_item.setVisible(False)
            return
        self.saliency_indices = np.array(indices, dtype=np.uint8, copy=True)
        self._saliency_item.setImage(self.saliency_indices, autoLevels=False, levels=(0, 255), lut=saliency_lut())
        self._saliency_item.setVisible(True)

    def set_image(self, image: np.ndarray | None) -> None:
        """Show a (28, 28) array with values in [0, 1], or a black square for None."""
        if image is None:
            self.image = None
            shown = _blank_input()
        else:
            self.image = np.array(image, dtype=np.float32, copy=True)
            if self.image.shape != (OUTPUT_SIZE, OUTPUT_SIZE):
                raise ValueError(f"preview expects a {OUTPUT_SIZE}x{OUTPUT_SIZE} array, got {self.image.shape}")
            shown = self.image
        # Fixed levels: a faint drawing must look faint, not be stretched to full contrast.
        self._image_item.setImage(shown, autoLevels=False, levels=(0.0, 1.0))

    def sizeHint(self) -> QSize:
        # pyqtgraph views default to a 600x480 hint, which would bloat any layout.
        return QSize(self.DISPLAY_SIZE, self.DISPLAY_SIZE)


def _blank_input() -> np.ndarray:
    return np.zeros((OUTPUT_SIZE, OUTPUT_SIZE), dtype=np.float32)
