"""Free-hand digit input: a drawing pad, a preview of the network input, and the prediction.

``DrawingPanel`` is the widget the main window embeds (the canvas itself is
gui.panels.drawing_pad.DrawingPad). It owns no model: it emits ``inputChanged`` with the
digitized 28x28 image and displays the probabilities handed to ``show_prediction``; bound
to a StudioState (``bind``), it answers its drawing with the state's network itself. Likewise
for saliency: it says what it wants through ``saliency_request`` (and
``saliencyRequestChanged``) and overlays the input gradient handed to ``show_saliency``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.analysis.inspect import input_saliency
from engine.digitize import OUTPUT_SIZE, digitize

from ..widgets.colormaps import cache_axes, diverging_indices, symmetric_scale
from ..widgets.compact_views import CompactPlotWidget
from ..widgets.fields import button, check_box, combo
from ..widgets.throttle import ThrottledRender
from .drawing_pad import DrawingPad
from .drawing_preview import DrawingPreview
from .saliency_legend import SaliencyLegend
from .saliency_overlay import (  # noqa: F401  (saliency_lut, saliency_colour: re-exported)
    SALIENCY_PERCENTILE,
    input_frame_on_canvas,
    overlay_image,
    saliency_colour,
    saliency_lut,
)

NO_PREDICTION_TEXT = "\u2013"
"""Shown instead of a digit when nothing is drawn or no model has answered."""

NUMBER_OF_CLASSES = 10

_BAR_COLOUR = QColor("#8a9bb0")
_HIGHLIGHT_BAR_COLOUR = QColor("#e67e22")

_INVISIBLE_BAR_CHANGE = 1e-3
"""Probability changes below this move a bar by well under a pixel."""
_CONFIDENCE_WIDTH = 112

SALIENCY_PREDICTED_TEXT = "predicted digit"
"""First entry of the saliency target chooser: explain whatever digit the network predicts."""


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

        self.clear_button = button("Clear", "clearDrawingButton",
                                   "Erase the whole drawing so you can start a new digit.")
        self.undo_button = button("Undo stroke", "undoStrokeButton", "Remove the most recent stroke (Ctrl+Z).")

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
        self.saliency_toggle = check_box(
            "Saliency", "saliencyToggle",
            "Colour each pixel by how more ink there would change the answer: red raises the "
            "chosen digit, blue lowers it, clear means no effect. The colours are the gradient "
            "of the network's output with respect to its input, found by backpropagation.")
        self.saliency_target_combo = combo(
            "saliencyTargetCombo",
            [(SALIENCY_PREDICTED_TEXT, None), *((str(digit), digit) for digit in range(NUMBER_OF_CLASSES))],
            "The digit the saliency is about. \u201cpredicted digit\u201d shows which strokes drove "
            "the network's answer (gradient \u00d7 input of its score); a chosen digit shows where "
            "ink would make the drawing more likely to be that digit (the gradient of its "
            "log-probability). Choosing one switches saliency on.")
        self._saliency_target_label = QLabel("Make it a")
        self._saliency_target_label.setBuddy(self.saliency_target_combo)
        self.saliency_legend = SaliencyLegend()
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
        self._input_update = ThrottledRender(self.update_input_now, parent=self)

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
        self._input_update.rendered()
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
        indices = diverging_indices(self.saliency, symmetric_scale(self.saliency, SALIENCY_PERCENTILE))
        self.preview.set_saliency(indices)
        self.pad.set_overlay(overlay_image(indices), self._input_frame)
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
        self._input_update.request(live=True)

    def _update_button_states(self) -> None:
        has_strokes = self.pad.stroke_count > 0
        self.undo_button.setEnabled(has_strokes)
        self.clear_button.setEnabled(has_strokes)

    def _create_probability_plot(self) -> pg.PlotWidget:
        # Transparent background and palette-coloured axes so the plot matches
        # the surrounding widgets instead of pyqtgraph's global black theme.
        # pyqtgraph views default to a 600x480 hint, which would bloat any layout.
        plot = CompactPlotWidget((250, 170), background=None)
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



def _caption(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label
