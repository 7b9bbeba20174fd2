"""Free-hand digit input: a drawing pad, a preview of the network input, and the prediction.

``DrawingPanel`` is the widget the main window embeds. It owns no model: it emits
``inputChanged`` with the digitized 28x28 image and displays whatever
probabilities it is handed through ``show_prediction``. Likewise for saliency: it says
what it wants through ``saliency_request`` (and ``saliencyRequestChanged``) and overlays
whatever input gradient it is handed through ``show_saliency``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QShortcut,
    QTabletEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.analysis.inspect import input_saliency
from engine.digitize import DIGIT_BOX_SIZE, INK_THRESHOLD, OUTPUT_SIZE, digitize

from ..widgets.colormaps import (
    INDEX_HALF_RANGE,
    INDEX_SEPARATOR,
    INDEX_TRANSPARENT,
    INDEX_ZERO,
    cache_axes,
    diverging_colormap,
    diverging_indices,
    symmetric_scale,
)

PAD_SIZE = 280
"""Side of the square drawing pad in pixels: ten times the 28x28 network input."""

BRUSH_WIDTH = 20.0
"""Nominal stroke width in pad pixels; after digitizing it is about 2 px, like MNIST strokes."""

NO_PREDICTION_TEXT = "\u2013"
"""Shown instead of a digit when nothing is drawn or no model has answered."""

NUMBER_OF_CLASSES = 10

# Soft round brush: concentric passes from a wide dim halo to the opaque core.
# They are combined with the "lighten" (per-pixel maximum) composition mode, so
# overlapping segments of the same stroke never accumulate into brighter joints.
# Roughly a linear ramp from 0 to full ink over the outer 3 px on each side.
_BRUSH_LAYERS: tuple[tuple[float, int], ...] = (
    (1.30, 40),
    (1.24, 80),
    (1.18, 120),
    (1.12, 165),
    (1.06, 210),
    (1.00, 255),
)

# Tablet pressure in [0, 1] maps linearly onto this range of width factors;
# a medium press (about 0.6) gives the nominal width.
_MIN_PRESSURE_WIDTH_FACTOR = 0.55
_MAX_PRESSURE_WIDTH_FACTOR = 1.3

# Pointer jitter smaller than this adds nothing visible but costs a repaint.
_MIN_SEGMENT_LENGTH = 0.5

_BAR_COLOUR = QColor("#8a9bb0")
_HIGHLIGHT_BAR_COLOUR = QColor("#e67e22")

_INVISIBLE_BAR_CHANGE = 1e-3
"""Probability changes below this move a bar by well under a pixel."""
_CONFIDENCE_WIDTH = 112

SALIENCY_PREDICTED_TEXT = "predicted digit"
"""First entry of the saliency target chooser: explain whatever digit the network predicts."""

_SALIENCY_PERCENTILE = 99.0
"""Colour levels are +/- this percentile of |gradient|: a few extreme pixels saturate
instead of washing out everything else."""
_SALIENCY_MAX_ALPHA = 225
"""Opacity (of 255) of the strongest saliency colour, so strokes stay visible beneath it."""
_SALIENCY_ALPHA_GAMMA = 1.5
"""Opacity grows as |value| ** gamma: above 1, the faint speckle every pixel of a raw
gradient has fades out and the pixels that matter stand out."""
_SALIENCY_MIN_HUE = 0.55
"""Weakest position used on each half of the diverging map: its pale middle would look
grey, not red or blue, over the black canvas."""
_RAISE_COLOUR_POSITION, _LOWER_COLOUR_POSITION = 0.85, -0.85

# (x, y, width) of one sampled pointer position.
_StrokePoint = tuple[float, float, float]


class DrawingPad(QWidget):
    """A 280x280 black canvas on which the user draws white strokes with mouse or pen."""

    drawingChanged = Signal()
    """Emitted after every segment drawn during a drag, and after ``clear``/``undo_last_stroke``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawingPad")
        self.setFixedSize(PAD_SIZE, PAD_SIZE)
        self.setCursor(Qt.CursorShape.CrossCursor)
        # Clicking the pad focuses it so panel shortcuts such as Ctrl+Z apply.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip(
            "Draw a single digit here with the mouse or a pen. "
            "The network classifies it while you draw."
        )
        self._image = QImage(PAD_SIZE, PAD_SIZE, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._strokes: list[list[_StrokePoint]] = []
        self._stroke_active = False
        self._overlay: QImage | None = None
        self._overlay_frame = QRectF(self.rect())

    def sizeHint(self) -> QSize:
        return QSize(PAD_SIZE, PAD_SIZE)

    # ----------------------------------------------------------------- queries

    @property
    def strokes(self) -> list[list[tuple[float, float]]]:
        """Copy of the drawn strokes as lists of (x, y) pad coordinates, oldest first."""
        return [[(x, y) for x, y, _ in stroke] for stroke in self._strokes]

    @property
    def stroke_count(self) -> int:
        return len(self._strokes)

    @property
    def is_stroke_active(self) -> bool:
        """True between pressing and releasing the mouse button or pen."""
        return self._stroke_active

    @property
    def overlay(self) -> QImage | None:
        """The translucent image painted over the strokes, or None."""
        return self._overlay

    def canvas_array(self) -> np.ndarray:
        """The canvas as a (280, 280) float32 array, 0 = background, 1 = full ink."""
        height, width = self._image.height(), self._image.width()
        # Rows of a QImage are padded to bytesPerLine, so view the full rows and
        # slice off the padding before copying.
        raw = np.frombuffer(self._image.constBits(), dtype=np.uint8, count=self._image.sizeInBytes())
        rows = raw.reshape(height, self._image.bytesPerLine())[:, :width]
        return rows.astype(np.float32) / np.float32(255.0)

    # ---------------------------------------------------------------- commands

    def clear(self) -> None:
        """Erase everything, including the stroke history."""
        self._strokes.clear()
        self._stroke_active = False
        self._image.fill(0)
        self.update()
        self.drawingChanged.emit()

    def undo_last_stroke(self) -> None:
        """Remove the most recent stroke; does nothing when the pad is empty."""
        if not self._strokes:
            return
        self._strokes.pop()
        self._stroke_active = False
        self._render_all_strokes()
        self.update()
        self.drawingChanged.emit()

    def set_overlay(self, overlay: QImage | None, frame: QRectF | None = None) -> None:
        """Paint `overlay` (premultiplied, translucent) stretched over `frame`, in pad pixels,
        above the strokes; the whole pad when `frame` is None. None removes the overlay.
        The canvas itself, and so the network input, is never touched."""
        if overlay is None and self._overlay is None:
            return
        self._overlay = overlay
        self._overlay_frame = QRectF(frame) if frame is not None else QRectF(self.rect())
        self.update()

    # ------------------------------------------------------------------ events

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawImage(event.rect(), self._image, event.rect())
        if self._overlay is not None:
            # Bilinear magnification of the 28x28 picture: soft blobs rather than hard
            # squares, which would hide the shape of the strokes beneath.
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self._overlay_frame, self._overlay)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin_stroke(event.position(), BRUSH_WIDTH)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._stroke_active and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend_stroke(event.position(), BRUSH_WIDTH)
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._stroke_active:
            self._extend_stroke(event.position(), BRUSH_WIDTH)
            self._stroke_active = False
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def tabletEvent(self, event: QTabletEvent) -> None:
        width = _pressure_to_width(event.pressure())
        event_type = event.type()
        if event_type == QEvent.Type.TabletPress:
            self._begin_stroke(event.position(), width)
        elif event_type == QEvent.Type.TabletMove and self._stroke_active:
            self._extend_stroke(event.position(), width)
        elif event_type == QEvent.Type.TabletRelease and self._stroke_active:
            self._extend_stroke(event.position(), width)
            self._stroke_active = False
        # Accepting stops Qt from also synthesising mouse events for the pen,
        # which would draw every stroke twice.
        event.accept()

    # ---------------------------------------------------------------- drawing

    def _begin_stroke(self, position: QPointF, width: float) -> None:
        point = (position.x(), position.y(), width)
        self._strokes.append([point])
        self._stroke_active = True
        # A tap with no movement should still leave a dot.
        self._draw_and_announce(point, point)

    def _extend_stroke(self, position: QPointF, width: float) -> None:
        stroke = self._strokes[-1]
        previous = stroke[-1]
        point = (position.x(), position.y(), width)
        if math.hypot(point[0] - previous[0], point[1] - previous[1]) < _MIN_SEGMENT_LENGTH:
            return
        stroke.append(point)
        self._draw_and_announce(previous, point)

    def _draw_and_announce(self, start: _StrokePoint, end: _StrokePoint) -> None:
        painter = self._begin_canvas_painter()
        _paint_segment(painter, start, end)
        painter.end()
        self.update(_segment_bounds(start, end))
        self.drawingChanged.emit()

    def _render_all_strokes(self) -> None:
        self._image.fill(0)
        painter = self._begin_canvas_painter()
        for stroke in self._strokes:
            _paint_segment(painter, stroke[0], stroke[0])
            for start, end in zip(stroke, stroke[1:]):
                _paint_segment(painter, start, end)
        painter.end()

    def _begin_canvas_painter(self) -> QPainter:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Lighten)
        return painter


def _pressure_to_width(pressure: float) -> float:
    pressure = min(max(pressure, 0.0), 1.0)
    factor = _MIN_PRESSURE_WIDTH_FACTOR + (_MAX_PRESSURE_WIDTH_FACTOR - _MIN_PRESSURE_WIDTH_FACTOR) * pressure
    return BRUSH_WIDTH * factor


def _paint_segment(painter: QPainter, start: _StrokePoint, end: _StrokePoint) -> None:
    width = 0.5 * (start[2] + end[2])
    start_point, end_point = QPointF(start[0], start[1]), QPointF(end[0], end[1])
    for width_factor, grey_level in _BRUSH_LAYERS:
        pen = QPen(QColor(grey_level, grey_level, grey_level), width * width_factor)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if start_point == end_point:
            painter.drawPoint(start_point)
        else:
            painter.drawLine(start_point, end_point)


def _segment_bounds(start: _StrokePoint, end: _StrokePoint) -> QRect:
    """Widget area touched by a segment, including the soft halo and antialiasing."""
    reach = max(start[2], end[2]) * max(factor for factor, _ in _BRUSH_LAYERS) / 2 + 2
    left, right = sorted((start[0], end[0]))
    top, bottom = sorted((start[1], end[1]))
    return QRectF(left - reach, top - reach, right - left + 2 * reach, bottom - top + 2 * reach).toAlignedRect()


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


@functools.lru_cache(maxsize=2)
def saliency_lut(premultiplied: bool = False) -> np.ndarray:
    """(256, 4) RGBA table for the colour indices of colormaps.diverging_indices.

    Red for positive values, blue for negative, from the studio's diverging map, with an
    opacity that grows with |value|: zero is fully transparent, so only pixels that matter
    tint the drawing. `premultiplied` gives colours already multiplied by their opacity,
    as QImage's premultiplied formats expect (and as smooth scaling needs, so transparent
    pixels do not bleed white into their neighbours)."""
    fraction = np.clip((np.arange(256) - INDEX_ZERO) / INDEX_HALF_RANGE, -1.0, 1.0)
    magnitude = np.abs(fraction)
    position = 0.5 + 0.5 * np.sign(fraction) * (_SALIENCY_MIN_HUE + (1 - _SALIENCY_MIN_HUE) * magnitude)
    lut = diverging_colormap().map(position, mode="byte").astype(np.float64)
    lut[:, 3] = np.round(_SALIENCY_MAX_ALPHA * magnitude ** _SALIENCY_ALPHA_GAMMA)
    lut[[INDEX_TRANSPARENT, INDEX_SEPARATOR]] = 0  # unused cells and non-finite values
    if premultiplied:
        lut[:, :3] *= lut[:, 3:] / 255.0
    lut = np.round(lut).astype(np.uint8)
    lut.setflags(write=False)
    return lut


def saliency_colour(signed_fraction: float) -> QColor:
    """The overlay's colour (with its opacity) for a value of `signed_fraction` x the colour scale."""
    index = int(round(INDEX_ZERO + INDEX_HALF_RANGE * float(np.clip(signed_fraction, -1.0, 1.0))))
    return QColor(*(int(channel) for channel in saliency_lut()[index]))


def _overlay_image(indices: np.ndarray) -> QImage:
    rgba = np.ascontiguousarray(saliency_lut(premultiplied=True)[indices])
    height, width = indices.shape
    # copy(): the QImage must own its pixels, not borrow the temporary array's.
    return QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888_Premultiplied).copy()


def input_frame_on_canvas(canvas: np.ndarray, network_input: np.ndarray | None) -> QRectF | None:
    """Where the 28x28 network input lies on the pad, as a rectangle in canvas pixels.

    `digitize` crops the ink's bounding box, scales it by DIGIT_BOX_SIZE over its larger
    side and shifts it by whole input pixels; undoing that maps each input pixel back onto
    the canvas, so a picture of the input (its saliency) can be laid over the drawing. The
    shift is read off `network_input`, whose first inked row and column are where the
    crop's first row and column went. None for an empty drawing."""
    if network_input is None:
        return None
    ink = np.asarray(canvas) >= INK_THRESHOLD
    ink_rows, ink_cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    input_rows = np.flatnonzero(np.any(network_input > 0, axis=1))
    input_cols = np.flatnonzero(np.any(network_input > 0, axis=0))
    if min(ink_rows.size, input_rows.size) == 0:
        return None
    scale = DIGIT_BOX_SIZE / max(ink_rows[-1] - ink_rows[0] + 1, ink_cols[-1] - ink_cols[0] + 1)
    top = ink_rows[0] - input_rows[0] / scale
    left = ink_cols[0] - input_cols[0] / scale
    side = OUTPUT_SIZE / scale
    return QRectF(float(left), float(top), side, side)


class DrawingPanel(QWidget):
    """Drawing pad, network-input preview, predicted digit, class probabilities and saliency.

    Laid out to fit about 540 x 370 px: the fixed 280 px pad on the left with the saliency
    controls and their colour key under it, and beside it the preview, the predicted digit,
    the probability bars and the buttons. `show_prediction` is called for every
    training snapshot, so its labels have fixed sizes (a label that may change size makes
    the window lay itself out again) and bars that would not visibly move are left alone."""

    inputChanged = Signal(object)
    """Emitted with the digitized (28, 28) float32 input, or None when the pad is empty."""

    predictionShown = Signal()
    """Emitted when `show_prediction` has updated the display (or cleared it)."""

    saliencyRequestChanged = Signal()
    """Emitted when saliency is switched on or off or its target digit changes: whoever
    holds the model should answer `saliency_request` through `show_saliency`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = None
        self.current_probabilities: np.ndarray | None = None
        self.saliency: np.ndarray | None = None
        """The (28, 28) gradient on display, or None when no saliency is shown."""
        self._input_frame: QRectF | None = None  # where the network input lies on the pad

        self.pad = DrawingPad()
        self.preview = DrawingPreview()

        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clearDrawingButton")
        self.clear_button.setToolTip("Erase the whole drawing so you can start a new digit.")
        self.undo_button = QPushButton("Undo stroke")
        self.undo_button.setObjectName("undoStrokeButton")
        self.undo_button.setToolTip("Remove the most recent stroke (Ctrl+Z).")

        self.prediction_label = QLabel(NO_PREDICTION_TEXT)
        self.prediction_label.setObjectName("predictionLabel")
        self.prediction_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        prediction_font = QFont(self.prediction_label.font())
        prediction_font.setPointSize(56)
        prediction_font.setBold(True)
        self.prediction_label.setFont(prediction_font)
        digit_metrics = self.prediction_label.fontMetrics()
        self.prediction_label.setFixedSize(digit_metrics.horizontalAdvance("8") + 24, digit_metrics.height())
        self.prediction_label.setToolTip("The digit the network considers most likely.")

        self.confidence_label = QLabel()
        self.confidence_label.setObjectName("confidenceLabel")
        self.confidence_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.confidence_label.setWordWrap(True)
        self.confidence_label.setFixedSize(_CONFIDENCE_WIDTH, 2 * self.confidence_label.fontMetrics().lineSpacing() + 2)
        self.confidence_label.setToolTip(
            "The probability the network assigns to its predicted digit. "
            "Low values mean it is unsure."
        )

        # A check box rather than a checkable button: its state is plain in every style.
        self.saliency_toggle = QCheckBox("Saliency")
        self.saliency_toggle.setObjectName("saliencyToggle")
        self.saliency_toggle.setToolTip(
            "Colour each pixel by how more ink there would change the answer: red raises the "
            "chosen digit, blue lowers it, clear means no effect. The colours are the gradient "
            "of the network's output with respect to its input, found by backpropagation."
        )
        self.saliency_target_combo = QComboBox()
        self.saliency_target_combo.setObjectName("saliencyTargetCombo")
        self.saliency_target_combo.addItem(SALIENCY_PREDICTED_TEXT, None)
        for digit in range(NUMBER_OF_CLASSES):
            self.saliency_target_combo.addItem(str(digit), digit)
        self.saliency_target_combo.setToolTip(
            "The digit the saliency is about. \u201cpredicted digit\u201d shows which strokes drove "
            "the network's answer (gradient \u00d7 input of its score); a chosen digit shows where "
            "ink would make the drawing more likely to be that digit (the gradient of its "
            "log-probability). Choosing one switches saliency on."
        )
        self._saliency_target_label = QLabel("Make it a")
        self._saliency_target_label.setBuddy(self.saliency_target_combo)
        self.saliency_legend = _SaliencyLegend()
        self.saliency_legend.setObjectName("saliencyLegend")
        self.saliency_legend.setToolTip(
            "How to read the saliency colours. Their strength is relative: the strongest "
            "pixels of each picture get the full colour."
        )

        self._bar_brush, self._highlight_brush = pg.mkBrush(_BAR_COLOUR), pg.mkBrush(_HIGHLIGHT_BAR_COLOUR)
        self.probability_plot = self._create_probability_plot()
        self.probability_bars = pg.BarGraphItem(
            x=np.arange(NUMBER_OF_CLASSES),
            height=np.zeros(NUMBER_OF_CLASSES),
            width=0.7,
            brushes=[pg.mkBrush(_BAR_COLOUR)] * NUMBER_OF_CLASSES,
            pen=pg.mkPen(None),
        )
        self.probability_plot.addItem(self.probability_bars)

        self._build_layout()

        # Digitizing on every mouse move would make drawing lag, so changes are
        # coalesced and processed once the event loop has drained pending input.
        self._input_update_timer = QTimer(self)
        self._input_update_timer.setSingleShot(True)
        self._input_update_timer.setInterval(0)
        self._input_update_timer.timeout.connect(self.update_input_now)

        self.pad.drawingChanged.connect(self._on_drawing_changed)
        self.clear_button.clicked.connect(self.clear)
        self.undo_button.clicked.connect(self.undo_last_stroke)
        undo_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        undo_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo_shortcut.activated.connect(self.undo_last_stroke)
        self.saliency_toggle.toggled.connect(self._on_saliency_toggled)
        self.saliency_target_combo.currentIndexChanged.connect(self._on_saliency_target_chosen)

        self._shown_bars: tuple[np.ndarray, int] | None = None  # (heights, highlighted digit) on screen
        self.show_prediction(None)
        self._update_button_states()
        self._update_saliency_legend()

    # ------------------------------------------------------------------ API

    def bind(self, state) -> None:
        """Put the drawing into `state` as its probe, and answer it with the state's network
        (the Lab's edited copy while edits are active) whenever any of them changes."""
        self.state = state
        self.inputChanged.connect(state.set_probe)
        for changed in (state.snapshotChanged, state.probeChanged, state.editedNetworkChanged,
                        self.saliencyRequestChanged):
            changed.connect(self.answer)

    def answer(self, *_) -> None:
        """Classify the drawing with the state's answering network (and explain it, when asked)."""
        image, network = self.state.probe, self.state.answering_network
        if image is None or network is None:
            self.show_prediction(None)
            return
        probabilities = network.predict_proba(np.asarray(image, dtype=network.dtype).reshape(-1, 1))
        self.show_prediction(probabilities[:, 0])
        request = self.saliency_request
        if request is not None:  # one more forward and backward pass of one image: about 2 ms
            self.show_saliency(input_saliency(network, image, **request))

    def current_input(self) -> np.ndarray | None:
        """Digitize the pad right now: the (28, 28) network input, or None when empty."""
        return digitize(self.pad.canvas_array())

    def update_input_now(self) -> np.ndarray | None:
        """Process any pending drawing change immediately: refresh the preview and emit ``inputChanged``."""
        self._input_update_timer.stop()
        canvas = self.pad.canvas_array()
        network_input = digitize(canvas)
        self._input_frame = input_frame_on_canvas(canvas, network_input)
        self.preview.set_image(network_input)
        # The old saliency belongs to the old drawing; the answer to inputChanged brings the new one.
        self._clear_saliency()
        if network_input is None:
            self.show_prediction(None)
        self.inputChanged.emit(network_input)
        return network_input

    @property
    def saliency_target(self) -> int | None:
        """The digit chosen for saliency, or None for the predicted digit."""
        return self.saliency_target_combo.currentData()

    @property
    def saliency_request(self) -> dict | None:
        """What `show_saliency` wants, as keyword arguments (target, objective) of
        engine.analysis.inspect.input_saliency; None while saliency is off.

        The predicted digit is explained by gradient x input of its score Z[L]: what each
        drawn pixel contributed to the decision, so the strokes that drove it light up. A
        chosen digit gets the raw gradient of its log-probability, blank pixels included:
        where ink would make it that digit, and away from the others (a 3 rather than a 7)."""
        if not self.saliency_toggle.isChecked():
            return None
        target = self.saliency_target
        if target is None:
            return {"target": None, "objective": "score", "times_input": True}
        return {"target": target, "objective": "log_probability"}

    def show_saliency(self, gradient: np.ndarray | None) -> None:
        """Overlay an input gradient (784 values, as `saliency_request` asks for) on the
        preview and, stretched to the digit's place, on the pad: red where more ink raises
        the objective, blue where it lowers it, on levels symmetric about zero. None, or
        saliency switched off, or an empty pad removes the overlay."""
        if gradient is None or not self.saliency_toggle.isChecked() or self._input_frame is None:
            self._clear_saliency()
            return
        values = np.asarray(gradient, dtype=np.float32)
        if values.size != OUTPUT_SIZE * OUTPUT_SIZE:
            raise ValueError(f"expected {OUTPUT_SIZE * OUTPUT_SIZE} gradient values, got shape {values.shape}")
        self.saliency = values.reshape(OUTPUT_SIZE, OUTPUT_SIZE).copy()
        indices = diverging_indices(self.saliency, symmetric_scale(self.saliency, _SALIENCY_PERCENTILE))
        self.preview.set_saliency(indices)
        self.pad.set_overlay(_overlay_image(indices), self._input_frame)
        self._update_saliency_legend()

    def clear(self) -> None:
        """Erase the drawing and the prediction."""
        self.pad.clear()
        self.update_input_now()

    def undo_last_stroke(self) -> None:
        """Remove the most recent stroke and refresh the network input."""
        self.pad.undo_last_stroke()
        self.update_input_now()

    def show_prediction(self, probabilities: np.ndarray | None) -> None:
        """Display class probabilities (10 values); None clears the prediction."""
        if probabilities is None:
            self.current_probabilities = None
            self._clear_saliency()
            self._set_text(self.prediction_label, NO_PREDICTION_TEXT)
            # None also arrives when a drawing exists but no model can answer yet.
            self._set_text(self.confidence_label,
                           "No prediction available" if self.pad.stroke_count else "Nothing drawn yet")
            self._show_bars(np.zeros(NUMBER_OF_CLASSES), None)
            self.predictionShown.emit()
            return

        values = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        if values.size != NUMBER_OF_CLASSES:
            raise ValueError(f"expected {NUMBER_OF_CLASSES} probabilities, got {values.size}")
        values = np.clip(np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
        predicted_digit = int(np.argmax(values))

        self.current_probabilities = values
        self._set_text(self.prediction_label, str(predicted_digit))
        self._set_text(self.confidence_label, f"Confidence: {values[predicted_digit]:.1%}")
        self._show_bars(values, predicted_digit)
        self.predictionShown.emit()

    @property
    def highlighted_digit(self) -> int | None:
        """Digit whose bar is currently highlighted, or None when no prediction is shown."""
        if self.current_probabilities is None:
            return None
        highlight = pg.mkBrush(_HIGHLIGHT_BAR_COLOUR).color()
        for digit, brush in enumerate(self.probability_bars.opts["brushes"]):
            if pg.mkBrush(brush).color() == highlight:
                return digit
        return None

    # ------------------------------------------------------------- internals

    def _clear_saliency(self) -> None:
        if self.saliency is None and self.pad.overlay is None and self.preview.saliency_indices is None:
            return
        self.saliency = None
        self.preview.set_saliency(None)
        self.pad.set_overlay(None)
        self._update_saliency_legend()

    def _on_saliency_toggled(self, checked: bool) -> None:
        if not checked:
            self._clear_saliency()
        self._update_saliency_legend()
        self.saliencyRequestChanged.emit()

    def _on_saliency_target_chosen(self) -> None:
        if self.saliency_target is not None and not self.saliency_toggle.isChecked():
            self.saliency_toggle.setChecked(True)  # announces the request through toggled
            return
        self._update_saliency_legend()
        self.saliencyRequestChanged.emit()

    def _update_saliency_legend(self) -> None:
        if not self.saliency_toggle.isChecked():
            self.saliency_legend.set_message("Saliency shows which pixels sway the answer.")
        elif self.saliency is None:
            self.saliency_legend.set_message("Draw a digit to see which pixels sway the answer.")
        elif self.saliency_target is None:
            predicted = self.current_probabilities
            digit = "the answer" if predicted is None else f"{int(np.argmax(predicted))}"
            self.saliency_legend.set_key(f"the score of {digit}", drawn_ink=True)
        else:
            self.saliency_legend.set_key(f"the chance of a {self.saliency_target}")

    def _show_bars(self, heights: np.ndarray, highlighted: int | None) -> None:
        shown = self._shown_bars
        if (shown is not None and shown[1] == highlighted
                and np.max(np.abs(shown[0] - heights)) < _INVISIBLE_BAR_CHANGE):
            return  # less than a pixel of change: not worth redrawing the plot
        self._shown_bars = (heights, highlighted)
        brushes = [self._bar_brush] * NUMBER_OF_CLASSES
        if highlighted is not None:
            brushes[highlighted] = self._highlight_brush
        self.probability_bars.setOpts(height=heights, brushes=brushes)

    @staticmethod
    def _set_text(label: QLabel, text: str) -> None:
        if label.text() != text:
            label.setText(text)

    def _on_drawing_changed(self) -> None:
        self._update_button_states()
        self._input_update_timer.start()

    def _update_button_states(self) -> None:
        has_strokes = self.pad.stroke_count > 0
        self.undo_button.setEnabled(has_strokes)
        self.clear_button.setEnabled(has_strokes)

    def _create_probability_plot(self) -> pg.PlotWidget:
        # Transparent background and palette-coloured axes so the plot matches
        # the surrounding widgets instead of pyqtgraph's global black theme.
        plot = _ProbabilityPlot(background=None)
        plot.setObjectName("probabilityPlot")
        plot.setToolTip(
            "How likely the network thinks each digit 0\u20139 is. "
            "The highlighted bar is its prediction."
        )
        plot.setMinimumSize(240, 100)
        plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setXRange(-0.6, NUMBER_OF_CLASSES - 0.4, padding=0.0)
        plot.setYRange(0.0, 1.0, padding=0.0)

        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        for axis_name in ("left", "bottom"):
            axis = plot.getAxis(axis_name)
            axis.setPen(pg.mkPen(text_colour))
            axis.setTextPen(pg.mkPen(text_colour))
        plot.getAxis("bottom").setTicks([[(digit, str(digit)) for digit in range(NUMBER_OF_CLASSES)]])
        plot.getAxis("left").setTicks([[(value, f"{value:g}") for value in (0.0, 0.25, 0.5, 0.75, 1.0)]])
        # The "1" tick sits exactly on the top edge; let it draw instead of being culled.
        plot.getAxis("left").setStyle(hideOverlappingLabels=False)
        plot.getPlotItem().setContentsMargins(0, 8, 6, 0)
        cache_axes(plot.getPlotItem())
        return plot

    def _build_layout(self) -> None:
        pad_caption = _caption("Draw a digit")
        preview_caption = _caption("What the network sees (28\u00d728)")
        prediction_caption = _caption("Prediction")
        probability_caption = _caption("Probability of each digit")
        for caption in (pad_caption, preview_caption, probability_caption):
            caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        prediction_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)

        button_row = QHBoxLayout()
        button_row.addWidget(self.undo_button)
        button_row.addWidget(self.clear_button)
        button_row.addStretch(1)

        saliency_row = QHBoxLayout()
        saliency_row.setSpacing(6)
        saliency_row.addWidget(self.saliency_toggle)
        saliency_row.addStretch(1)
        saliency_row.addWidget(self._saliency_target_label)
        saliency_row.addWidget(self.saliency_target_combo)

        pad_column = QVBoxLayout()
        pad_column.setSpacing(2)
        pad_column.addWidget(pad_caption)
        pad_column.addWidget(self.pad)
        pad_column.addSpacing(2)
        pad_column.addLayout(saliency_row)
        pad_column.addWidget(self.saliency_legend)
        pad_column.addStretch(1)

        prediction_box = QVBoxLayout()
        prediction_box.setSpacing(0)
        prediction_box.addWidget(prediction_caption)
        prediction_box.addWidget(self.prediction_label, 0, Qt.AlignmentFlag.AlignHCenter)
        prediction_box.addWidget(self.confidence_label, 0, Qt.AlignmentFlag.AlignHCenter)
        prediction_box.addStretch(1)
        summary_row = QHBoxLayout()
        summary_row.setSpacing(8)
        summary_row.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        summary_row.addLayout(prediction_box)
        summary_row.addStretch(1)

        # Everything but the pad in one column beside it: the panel then fits a dock of
        # about 540 x 320 px, so small screens need no scrolling.
        result_column = QVBoxLayout()
        result_column.setSpacing(2)
        result_column.addWidget(preview_caption)
        result_column.addLayout(summary_row)
        result_column.addSpacing(4)
        result_column.addWidget(probability_caption)
        result_column.addWidget(self.probability_plot, 1)
        result_column.addLayout(button_row)

        main_layout = QHBoxLayout(self)
        main_layout.setContentsMargins(4, 4, 4, 4)
        main_layout.setSpacing(10)
        main_layout.addLayout(pad_column)
        main_layout.addLayout(result_column, 1)


class _SaliencyLegend(QWidget):
    """Two lines under the pad, a swatch of each overlay colour with what it means
    ("more ink here raises the score of 7" / "... lowers it"), or a hint while there is
    nothing to explain. Fixed height, so changing its text never re-lays out the window."""

    _SWATCH = 11

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._objective, self._message, self._drawn_ink = "", "", False
        self.setFixedHeight(2 * self.fontMetrics().lineSpacing() + 4)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    @property
    def text(self) -> str:
        """What the legend says, as plain text."""
        if self._message:
            return self._message
        raises, lowers = self._lines()
        return f"red: {raises}; blue: {lowers}"

    def set_key(self, objective: str, drawn_ink: bool = False) -> None:
        """Explain the colours: red raises `objective` (e.g. "the score of 7"), blue lowers it.
        `drawn_ink`: the overlay is what the ink already drawn contributed (gradient x input),
        not where more ink would help."""
        self._set(objective, "", drawn_ink)

    def set_message(self, message: str) -> None:
        """Show a plain hint instead of the colour key."""
        self._set("", message, False)

    def _lines(self) -> tuple[str, str]:
        if self._drawn_ink:
            return f"this ink raised {self._objective}", "this ink lowered it"
        return f"more ink here raises {self._objective}", "more ink here lowers it"

    def _set(self, objective: str, message: str, drawn_ink: bool) -> None:
        if (objective, message, drawn_ink) != (self._objective, self._message, self._drawn_ink):
            self._objective, self._message, self._drawn_ink = objective, message, drawn_ink
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        left_top = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        if self._message:
            muted = QColor(text_colour)
            muted.setAlphaF(0.65)
            painter.setPen(muted)
            painter.drawText(QRectF(self.rect()), left_top | Qt.TextFlag.TextWordWrap, self._message)
            painter.end()
            return
        line_height = self.fontMetrics().lineSpacing()
        raises, lowers = self._lines()
        lines = ((_RAISE_COLOUR_POSITION, raises), (_LOWER_COLOUR_POSITION, lowers))
        for row, (position, text) in enumerate(lines):
            top = row * (line_height + 2)
            # Shown over black, the way the colour looks on the canvas.
            square = QRectF(1, top + (line_height - self._SWATCH) / 2, self._SWATCH, self._SWATCH)
            painter.fillRect(square, Qt.GlobalColor.black)
            painter.fillRect(square, saliency_colour(position))
            painter.setPen(text_colour)
            text_left = self._SWATCH + 6
            painter.drawText(QRectF(text_left, top, max(self.width() - text_left, 0), line_height), left_top, text)
        painter.end()


class _ProbabilityPlot(pg.PlotWidget):
    def sizeHint(self) -> QSize:
        # pyqtgraph views default to a 600x480 hint, which would bloat any layout.
        return QSize(250, 170)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def draw_strokes(pad: DrawingPad, strokes: Sequence[Sequence[tuple[float, float]]]) -> None:
    """Draw strokes on ``pad`` by sending it real mouse events, exactly as a user would.

    Each stroke becomes a left-button press at its first point, a move (with the
    button held) to every following point, and a release at its last point.
    Empty strokes are skipped.
    """
    for stroke in strokes:
        if not stroke:
            continue
        points = [QPointF(x, y) for x, y in stroke]
        _send_mouse_event(pad, QEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
        for point in points[1:]:
            _send_mouse_event(pad, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton)
        _send_mouse_event(pad, QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.LeftButton)


def _send_mouse_event(pad: DrawingPad, event_type: QEvent.Type, position: QPointF, button: Qt.MouseButton) -> None:
    # Buttons held *after* the event: none once released, the left button otherwise.
    held = Qt.MouseButton.NoButton if event_type == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    event = QMouseEvent(
        event_type,
        position,
        pad.mapToGlobal(position),
        button,
        held,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(pad, event)


def _trace(waypoints: Sequence[tuple[float, float]], spacing: float = 5.0) -> list[tuple[float, float]]:
    """Sample a polyline every ``spacing`` pixels, like a pointer reporting positions during a drag."""
    samples = [waypoints[0]]
    for (x0, y0), (x1, y1) in zip(waypoints, waypoints[1:]):
        steps = max(1, round(math.hypot(x1 - x0, y1 - y0) / spacing))
        samples.extend(
            (round(x0 + (x1 - x0) * step / steps, 1), round(y0 + (y1 - y0) * step / steps, 1))
            for step in range(1, steps + 1)
        )
    return samples


STROKES_ONE: list[list[tuple[float, float]]] = [
    # One downward stroke, leaning slightly right-to-left as it descends.
    _trace([(150.0, 42.0), (147.0, 100.0), (142.0, 165.0), (135.0, 236.0)]),
]
"""A handwritten "1" in pad coordinates."""

STROKES_SEVEN: list[list[tuple[float, float]]] = [
    # Drawn in one go like most people do: the top bar left to right, then
    # without lifting the pen a slightly curved diagonal down to the left.
    _trace(
        [
            (72.0, 66.0),
            (110.0, 62.0),
            (160.0, 58.0),
            (204.0, 56.0),
            (192.0, 92.0),
            (174.0, 140.0),
            (158.0, 190.0),
            (148.0, 236.0),
        ]
    ),
]
"""A handwritten "7" in pad coordinates."""
