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
import shiboken6
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QLayout, QSizePolicy, QVBoxLayout, QWidget

from engine.analysis.inspect import input_saliency
from engine.digitize import OUTPUT_SIZE, digitize, digitize_with_frame

from ..widgets.colormaps import (
    cache_axes,
    diverging_indices,
    diverging_words,
    series_colours,
    style_plot,
    symmetric_scale,
)
from ..widgets.compact_views import CompactPlotWidget
from ..widgets.compare_readout import CompareReadout
from ..widgets.fields import button, check_box, combo
from ..widgets.theme import follow_appearance
from ..widgets.throttle import ThrottledRender
from .drawing_pad import BRUSH_WIDTH, MIN_DISPLAY_SIZE, PAD_SIZE, PEN_WIDTHS, DrawingPad
from .drawing_preview import DrawingPreview
from .saliency_legend import SaliencyLegend
from .saliency_overlay import (  # noqa: F401  (saliency_lut, saliency_colour, input_frame_on_canvas: re-exported)
    SALIENCY_PERCENTILE,
    input_frame_on_canvas,
    overlay_image,
    saliency_colour,
    saliency_lut,
)

NO_PREDICTION_TEXT = "\u2013"
"""Shown instead of a digit when nothing is drawn or no model has answered."""

NUMBER_OF_CLASSES = 10


_INVISIBLE_BAR_CHANGE = 1e-3
"""Probability changes below this move a bar by well under a pixel."""
_CONFIDENCE_WIDTH = 112
_PREDICTION_POINT_SIZE, _COMPACT_PREDICTION_POINT_SIZE = 56, 26
_COMPACT_PREVIEW_SIZE = 2 * OUTPUT_SIZE  # 2 screen pixels per input pixel
_COMPACT_CONFIDENCE_LINES = ("Confidence:", "No prediction", "Nothing drawn", "available")
"""The longest words of what the confidence label says, each to fit one line of its compact form."""

SALIENCY_PREDICTED_TEXT = "predicted digit"
"""First entry of the saliency target chooser: explain whatever digit the network predicts."""


class DrawingPanel(QWidget):
    """Drawing pad, network-input preview, predicted digit, class probabilities and saliency.

    Given about 550 x 380 px (its sizeHint) it shows the 280 px pad on the left with the
    saliency controls and their colour key under it, and beside it the preview, the predicted
    digit, the probability bars and the buttons. In less room (a small window's dock, down to
    its minimumSizeHint, about 335 x 200 px) it lays itself out compactly: the pad shrinks
    (square, never below MIN_DISPLAY_SIZE) beside a smaller preview, digit and bars, with the
    pen, saliency controls and colour key in rows across the bottom, so that everything still
    shows without scrolling. `show_prediction` is called for every training snapshot, so its
    labels have fixed sizes (a label that may change size makes the window lay itself out
    again) and bars that would not visibly move are left alone."""

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
        self.pen_width_combo = combo(
            "penWidth", [(f"{name}", width) for name, width in PEN_WIDTHS.items()],
            "How wide the pen draws the next strokes: "
            + ", ".join(f"{name} {width:g}" for name, width in PEN_WIDTHS.items())
            + " pad pixels (the pad is 280 px across). The network input is always scaled to a "
            "20 px box, so a thicker pen or a smaller digit gives bolder strokes; strokes bolder "
            "than MNIST's are thinned.")
        self.pen_width_combo.setCurrentIndex(self.pen_width_combo.findData(BRUSH_WIDTH))
        self._pen_label = QLabel("Pen")
        self._pen_label.setBuddy(self.pen_width_combo)

        self.prediction_label = QLabel(NO_PREDICTION_TEXT)
        self.prediction_label.setObjectName("predictionLabel")
        self.prediction_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prediction_label.setToolTip("The digit the network considers most likely.")

        self.confidence_label = QLabel()
        self.confidence_label.setObjectName("confidenceLabel")
        self.confidence_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.confidence_label.setWordWrap(True)
        self.confidence_label.setToolTip(
            "The probability the network assigns to its predicted digit. "
            "Low values mean it is unsure."
        )

        # A check box rather than a checkable button: its state is plain in every style.
        self.saliency_toggle = check_box("Saliency", "saliencyToggle", "")
        self._set_saliency_tooltip()
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

        self._bar_brush, self._highlight_brush = self._bar_brushes()
        self.probability_plot = self._create_probability_plot()
        self.probability_bars = pg.BarGraphItem(
            x=np.arange(NUMBER_OF_CLASSES),
            height=np.zeros(NUMBER_OF_CLASSES),
            width=0.7,
            brushes=[self._bar_brush] * NUMBER_OF_CLASSES,
            pen=pg.mkPen(None),
        )
        self.probability_plot.addItem(self.probability_bars)

        self._pad_caption = _caption("Draw a digit")
        self._preview_caption = _caption("What the network sees (28\u00d728)")
        self._prediction_caption = _caption("Prediction")
        self._probability_caption = _caption("Probability of each digit")
        self._compact: bool | None = None
        self.compare_readout = CompareReadout("drawingCompareReadout", on_shown=self._measure_arrangements)
        # The layout of either arrangement hangs from this one, which stays.
        self._root = _FixedHeightLayout(self)
        self._root.setContentsMargins(0, 0, 0, 0)
        # Its size is the panel's to choose (see _fit); a window of its own may shrink it too.
        self._root.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._measure_arrangements()

        # Digitizing on every mouse move would make drawing lag, so changes are
        # coalesced and processed once the event loop has drained pending input.
        self._input_update = ThrottledRender(self.update_input_now, parent=self)

        self.pad.drawingChanged.connect(self._on_drawing_changed)
        self.pen_width_combo.currentIndexChanged.connect(
            lambda: self.pad.set_pen_width(self.pen_width_combo.currentData()))
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
        follow_appearance(self, self._restyle)

    # ------------------------------------------------------------------ API

    def bind(self, state) -> None:
        """Put the drawing into `state` as its probe, and answer it with the state's network
        (the Lab's edited copy while edits are active) whenever any of them changes."""
        self.state = state
        self.inputChanged.connect(state.set_probe)
        for changed in (state.snapshotChanged, state.probeChanged, state.editedNetworkChanged,
                        self.saliencyRequestChanged):
            changed.connect(self.answer)
        self.compare_readout.bind(state)  # both compared runs' answers, while the Compare view has two chosen

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
        placed = digitize_with_frame(self.pad.canvas_array())
        network_input, frame = placed if placed is not None else (None, None)
        self._input_frame = None if frame is None else QRectF(frame[1], frame[0], frame[2], frame[2])
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
        highlight = self._highlight_brush.color()
        for digit, brush in enumerate(self.probability_bars.opts["brushes"]):
            if pg.mkBrush(brush).color() == highlight:
                return digit
        return None

    # ------------------------------------------------------------- internals

    @staticmethod
    def _bar_brushes() -> tuple:
        colours = series_colours()
        return pg.mkBrush(colours.bar), pg.mkBrush(colours.highlight)

    def _set_saliency_tooltip(self) -> None:
        negative, positive = diverging_words()
        self.saliency_toggle.setToolTip(
            f"Colour each pixel by how more ink there would change the answer: {positive} raises the "
            f"chosen digit, {negative} lowers it, clear means no effect. The colours are the gradient "
            "of the network's output with respect to its input, found by backpropagation.")

    def _restyle(self) -> None:
        """The theme or the palette choice changed: bars, saliency and their words in the new colours."""
        self._bar_brush, self._highlight_brush = self._bar_brushes()
        self._shown_bars = None
        self.show_prediction(self.current_probabilities)
        if self.saliency is not None:
            self.show_saliency(self.saliency.ravel())
        self._set_saliency_tooltip()

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

        style_plot(plot.getPlotItem(), self)  # palette-coloured axes, again after a theme change
        plot.getAxis("bottom").setTicks([[(digit, str(digit)) for digit in range(NUMBER_OF_CLASSES)]])
        plot.getAxis("left").setTicks([[(value, f"{value:g}") for value in (0.0, 0.25, 0.5, 0.75, 1.0)]])
        # The "1" tick sits exactly on the top edge; let it draw instead of being culled.
        plot.getAxis("left").setStyle(hideOverlappingLabels=False)
        plot.getPlotItem().setContentsMargins(0, 8, 6, 0)
        cache_axes(plot.getPlotItem())
        return plot

    # ---------------------------------------------------------------- layout

    @property
    def is_compact(self) -> bool:
        """True while the panel is laid out compactly, for want of room for its full layout."""
        return bool(self._compact)

    def sizeHint(self) -> QSize:
        return QSize(self._full_hint)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._compact_minimum)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit(event.size())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and self._compact is not None:
            self._measure_arrangements()

    def _measure_arrangements(self) -> None:
        """Find the smallest size of each arrangement (the compact one with the smallest pad),
        then take the one that the panel's present size allows."""
        compact = self._compact
        self._arrange(True, MIN_DISPLAY_SIZE)
        self._compact_minimum = self._root.totalMinimumSize()
        self._arrange(False, PAD_SIZE)
        self._full_minimum, self._full_hint = self._root.totalMinimumSize(), self._root.totalSizeHint()
        self._compact = None
        self._fit(self.size() if compact is not None else self._full_minimum)
        self.updateGeometry()

    def _fit(self, size: QSize) -> None:
        """The arrangement and pad size for a panel of `size`: the full layout wherever it fits,
        else the compact one with the largest pad that leaves the rest its room."""
        compact = size.width() < self._full_minimum.width() or size.height() < self._full_minimum.height()
        if compact:
            spare = min(size.width() - self._compact_minimum.width(), size.height() - self._compact_minimum.height())
            side = MIN_DISPLAY_SIZE + max(spare, 0)
        else:
            side = PAD_SIZE
        side = min(side, PAD_SIZE)
        if compact != self._compact:
            self._arrange(compact, side)
        elif side != self.pad.width():
            self.pad.set_display_size(side)

    def _arrange(self, compact: bool, side: int) -> None:
        self._compact = compact
        self.pad.set_display_size(side)
        self._style_result_widgets(compact)
        previous = self._root.takeAt(0)
        if previous is not None:
            _discard_layout(previous.layout())
        arrangement = self._compact_layout() if compact else self._full_layout()
        self._root.addLayout(arrangement)
        # The compact layout leaves out the target chooser's label: its first item says enough.
        for label in (self._pad_caption, self._preview_caption, self._prediction_caption,
                      self._probability_caption, self._saliency_target_label):
            label.setVisible(not compact)
        self._root.activate()

    def _style_result_widgets(self, compact: bool) -> None:
        """The sizes of the preview, digit, confidence and bars for an arrangement; fixed within
        each, so that new predictions never change them."""
        preview = _COMPACT_PREVIEW_SIZE if compact else DrawingPreview.DISPLAY_SIZE
        self.preview.setFixedSize(preview, preview)
        font = QFont(self.font())
        font.setPointSize(_COMPACT_PREDICTION_POINT_SIZE if compact else _PREDICTION_POINT_SIZE)
        font.setBold(True)
        self.prediction_label.setFont(font)
        digit_metrics = self.prediction_label.fontMetrics()
        self.prediction_label.setFixedSize(digit_metrics.horizontalAdvance("8") + (4 if compact else 24),
                                           digit_metrics.height())
        text_metrics = self.confidence_label.fontMetrics()
        width = (max(text_metrics.horizontalAdvance(line) for line in _COMPACT_CONFIDENCE_LINES) + 2 if compact
                 else _CONFIDENCE_WIDTH)
        self.confidence_label.setFixedSize(width, 2 * text_metrics.lineSpacing() + 2)
        self.confidence_label.setAlignment((Qt.AlignmentFlag.AlignLeft if compact else Qt.AlignmentFlag.AlignHCenter)
                                           | Qt.AlignmentFlag.AlignVCenter)
        plot = self.probability_plot
        plot.setMinimumSize(*((150, 56) if compact else (240, 100)))
        ticks = (0.0, 0.5, 1.0) if compact else (0.0, 0.25, 0.5, 0.75, 1.0)
        plot.getAxis("left").setTicks([[(value, f"{value:g}") for value in ticks]])

    def _full_layout(self) -> QBoxLayout:
        for caption in (self._pad_caption, self._preview_caption, self._probability_caption):
            caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        self._prediction_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
        centred, top = Qt.AlignmentFlag.AlignHCenter, Qt.AlignmentFlag.AlignTop
        pad_column = _box(QVBoxLayout, 2,
                          _box(QHBoxLayout, 4, (self._pad_caption, 1), self._pen_label, self.pen_width_combo),
                          self.pad, 2,
                          _box(QHBoxLayout, 6, self.saliency_toggle, None, self._saliency_target_label,
                               self.saliency_target_combo),
                          self.saliency_legend, None)
        prediction_box = _box(QVBoxLayout, 0, self._prediction_caption, (self.prediction_label, 0, centred),
                              (self.confidence_label, 0, centred), None)
        # Everything but the pad in one column beside it: the panel then fits a dock of
        # about 550 x 380 px.
        result_column = _box(QVBoxLayout, 2,
                             self._preview_caption,
                             _box(QHBoxLayout, 8, (self.preview, 0, top), prediction_box, None),
                             self.compare_readout, 4, self._probability_caption, (self.probability_plot, 1),
                             _box(QHBoxLayout, -1, self.undo_button, self.clear_button, None))
        main_layout = _box(QHBoxLayout, 10, pad_column, (result_column, 1))
        main_layout.setContentsMargins(4, 4, 4, 4)
        return main_layout

    def _compact_layout(self) -> QBoxLayout:
        # The pad and, beside it, the prediction column: preview, digit and confidence in a
        # row, the bars under them, the buttons at the bottom.
        result_column = _box(QVBoxLayout, 2,
                             _box(QHBoxLayout, 4, self.preview, self.prediction_label, self.confidence_label, None),
                             self.compare_readout, (self.probability_plot, 1),
                             _box(QHBoxLayout, 4, self.undo_button, self.clear_button, None))
        top_row = _box(QHBoxLayout, 8, (self.pad, 0, Qt.AlignmentFlag.AlignTop), (result_column, 1))
        # The pen and saliency controls in a row under both, and the colour key, whose lines
        # need more width than the prediction column has, across the whole panel.
        control_row = _box(QHBoxLayout, 4, self._pen_label, self.pen_width_combo, 8, self.saliency_toggle, None,
                           self.saliency_target_combo)
        main_layout = _box(QVBoxLayout, 2, (top_row, 1), control_row, self.saliency_legend)
        main_layout.setContentsMargins(2, 0, 2, 0)
        return main_layout


def _box(kind: type[QBoxLayout], spacing: int, *items) -> QBoxLayout:
    """A `kind` box layout of `items` in order: widgets and layouts, (item, stretch[, alignment])
    tuples, whole numbers for fixed spacing and None for a stretch. A negative `spacing` keeps
    the style's."""
    box = kind()
    if spacing >= 0:
        box.setSpacing(spacing)
    for item in items:
        if item is None:
            box.addStretch(1)
        elif isinstance(item, int):
            box.addSpacing(item)
        else:
            thing, *options = item if isinstance(item, tuple) else (item,)
            if isinstance(thing, QLayout):
                box.addLayout(thing, *options)
            else:
                box.addWidget(thing, *options)
    return box


class _FixedHeightLayout(QVBoxLayout):
    """The confidence label wraps its words, which makes a layout's height depend on its width;
    a scroll area would then size the panel by that (its preferred height) rather than fit it
    to what shows. The panel's height is chosen by `_fit` instead."""

    def hasHeightForWidth(self) -> bool:
        return False


def _discard_layout(layout: QLayout | None) -> None:
    """Delete `layout` and the layouts in it, leaving their widgets to the panel."""
    if layout is None:
        return
    while (item := layout.takeAt(0)) is not None:
        _discard_layout(item.layout())
    shiboken6.delete(layout)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label
