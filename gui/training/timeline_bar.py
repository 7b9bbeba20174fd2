"""The training timeline: a slider over the moments a run recorded (engine.timeline), to look back.

The slider's positions are the recorded stops, oldest on the left, and one more at the right
end: Live, the network as it is now. While the slider is not at Live the window shows the chosen
stop's network; new stops keep extending the slider without moving it. The bar only reports what
the user picks (`stopSelected`, `liveSelected`, `resumeRequested`); the window does the showing.
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QWidget,
)

from ..widgets.labels import SteadyLabel
from ..widgets.theme import appearance, follow_appearance, themed
from ..widgets.throttle import ThrottledRender

TIMELINE_COLOUR = QColor("#7e57c2")
"""The timeline's accent: its epoch marks and the cursor it puts on the loss and accuracy plots."""
DARK_TIMELINE_COLOUR = QColor("#b39ddb")
"""The accent on a dark theme, where the light theme's purple is too dark to read."""
LIVE_COLOURS = {False: "#c62828", True: "#ff6b6b"}
"""The Live button's "on air" red, on a light and on a dark theme."""
LIVE_INTERVAL_S = 0.5
"""Shortest time between redraws of the bar for stops a running run adds at Live."""


def timeline_colour() -> QColor:
    return DARK_TIMELINE_COLOUR if appearance().dark else TIMELINE_COLOUR


EMPTY_TEXT = "No timeline yet: weights are recorded a few times per epoch while training."
RESUME_TIP = ("Start a new run from the weights of this moment, with the settings of the run it belongs to. "
              "The run in progress, if any, is stopped first. The new run counts its epochs and its "
              "learning-rate schedule from the start again, and momentum and Adam's running averages "
              "restart from zero.")
SLIDER_TIP = ("Drag to look at the network as it was earlier in the run: the weight chunks, activations, "
              "drawing-pad answer and analysis show that moment, and the loss and accuracy plots mark it. "
              "The right end is Live. Marks: the end of each epoch (an evaluation).")
LIVE_TIP = "Show the network as it is now and follow the training again."


class TimelineCursor(pg.InfiniteLine):
    """The vertical line marking the timeline's moment on a plot; hidden until placed."""

    def __init__(self, owner: QWidget) -> None:
        """A cursor for a plot of `owner`, in the colours of its theme."""
        super().__init__(angle=90, movable=False, label="epoch {value:.2f}", labelOpts={"position": 0.93})
        self.setZValue(9)
        self.setVisible(False)
        themed(owner, self, lambda cursor: cursor.set_colours(owner.palette().color(QPalette.ColorRole.Window)))

    def set_colours(self, background: QColor) -> None:
        """The theme's accent, its label on a translucent `background`."""
        colour = timeline_colour()
        self.setPen(pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine))
        self.label.setColor(colour)
        fill = QColor(background)
        fill.setAlpha(210)
        self.label.fill = pg.mkBrush(fill)
        self.label.update()

    def show_at(self, epoch: float | None) -> None:
        """Mark `epoch` (fractional epochs), or hide the mark (None)."""
        if epoch is None:
            self.setVisible(False)
        else:
            self.setVisible(True)  # first: the line's label ignores moves while hidden
            self.setPos(float(epoch))

    @property
    def epoch(self) -> float | None:
        return float(self.value()) if self.isVisible() else None


def stop_description(stop) -> str:
    """E.g. "Epoch 2.38 · step 1,234 · loss 0.0841 · test 97.12 % (epoch 2)", as rich text."""
    parts = [f"<b>Epoch {stop.epoch_progress:.2f}</b>", f"step {stop.step:,}"]
    if math.isfinite(stop.loss):
        parts.append(f"loss {stop.loss:.4g}")
    if math.isfinite(stop.test_accuracy):
        # Within an epoch, the latest evaluation is the one that ended the epoch before.
        when = "evaluated here" if stop.evaluated else f"at epoch {stop.epoch}"
        parts.append(f"test {100 * stop.test_accuracy:.2f} % ({when})")
    elif stop.step == 0:
        parts.append("untrained")
    else:
        parts.append("not evaluated yet")
    return " \u00b7 ".join(parts)


class TimelineSlider(QSlider):
    """A horizontal slider that marks the positions of evaluated stops (the ends of epochs)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.marks: list[int] = []

    def set_marks(self, positions: list[int]) -> None:
        if positions != self.marks:
            self.marks = positions
            self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.marks or self.maximum() <= self.minimum():
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderHandle, self)
        span = groove.width() - handle.width()
        painter = QPainter(self)
        colour = QColor(timeline_colour())
        colour.setAlpha(200 if self.isEnabled() else 80)
        painter.setPen(QPen(colour, 1.5))
        # Just under the groove, clear of the handle's middle.
        top = min(groove.center().y() + 4, self.height() - 6)
        for value in self.marks:
            x = groove.x() + handle.width() / 2 + QStyle.sliderPositionFromValue(
                self.minimum(), self.maximum(), value, span)
            painter.drawLine(round(x), top, round(x), top + 5)
        painter.end()


class TimelineBar(QFrame):
    stopSelected = Signal(object)
    """The user moved to an engine.timeline.TimelineStop: show it."""
    liveSelected = Signal()
    """The user returned to Live: show the latest snapshot again."""
    resumeRequested = Signal(object)
    """Start a new run from this TimelineStop's weights."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineBar")
        self._stops: tuple = ()
        self._selected = None   # the stop shown, or None at Live
        self._throttle = ThrottledRender(self._update, LIVE_INTERVAL_S, parent=self)
        self._resume_available = True

        caption = QLabel("Timeline")
        caption.setObjectName("timelineCaption")
        font = caption.font()
        font.setBold(True)
        caption.setFont(font)
        self.caption = caption

        self.slider = TimelineSlider()
        self.slider.setObjectName("timelineSlider")
        self.slider.setToolTip(SLIDER_TIP)
        self.slider.setMinimumWidth(200)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setFixedHeight(26)
        self.slider.valueChanged.connect(self._on_value_changed)

        # A new text with nearly every snapshot at Live: a steady label is repainted alone.
        self.moment_label = SteadyLabel()
        self.moment_label.setObjectName("timelineMomentLabel")
        self.moment_label.setTextFormat(Qt.TextFormat.RichText)
        self.moment_label.setToolTip("The moment shown: fractional epochs, mini-batch steps, the latest "
                                     "mini-batch loss and the test accuracy of the latest evaluation.")
        # Room for the longest description, so moving the slider never re-lays out the bar.
        self.moment_label.reserve_width(self.fontMetrics().horizontalAdvance(
            "Epoch 100.00 · step 1,000,000 · loss 0.0000 · test 100.00 % (evaluated here)") + 8)

        self.resume_button = QToolButton()
        self.resume_button.setObjectName("timelineResumeButton")
        self.resume_button.setText("Resume from here")
        self.resume_button.setToolTip(RESUME_TIP)
        self.resume_button.clicked.connect(self._on_resume_clicked)

        self.live_button = QToolButton()
        self.live_button.setObjectName("timelineLiveButton")
        self.live_button.setText("\u25cf Live")
        self.live_button.setCheckable(True)
        self.live_button.setToolTip(LIVE_TIP)
        self.live_button.clicked.connect(lambda _=False: self.go_live())

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(10)
        layout.addWidget(caption)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.moment_label)
        layout.addWidget(self.resume_button)
        layout.addWidget(self.live_button)
        self._restyle()
        follow_appearance(self, self._restyle)
        self._update()

    def _restyle(self) -> None:
        self.caption.setStyleSheet(f"color: {timeline_colour().name()};")
        # Lit up like a broadcast's "on air" sign while the window follows the training.
        self.live_button.setStyleSheet("QToolButton#timelineLiveButton:checked "
                                       f"{{ color: {LIVE_COLOURS[appearance().dark]}; font-weight: bold; }}")
        self.slider.update()

    # -- queries -------------------------------------------------------------------------------
    @property
    def stops(self) -> tuple:
        return self._stops

    @property
    def is_live(self) -> bool:
        return self._selected is None

    @property
    def selected_stop(self):
        """The stop on screen, or None at Live."""
        return self._selected

    # -- commands ------------------------------------------------------------------------------
    def set_stops(self, stops: tuple, running: bool = False) -> None:
        """The run's stops so far (`running`: of a snapshot of a running run). At Live the slider
        stays at the (moving) right end; on a stop it stays on that stop, even when the stop has
        since been thinned out of the timeline."""
        stops = tuple(stops)
        if stops is self._stops or stops == self._stops:
            if not running and self._throttle.pending:
                self._update()
            return
        old, self._stops = self._stops, stops
        # Stops a running run added at the end, at Live: the bar shows them at most every
        # LIVE_INTERVAL_S (a run adds several a second, and redrawing the bar for each would cost
        # a good share of each frame); anything else at once.
        grown = 0 < len(old) < len(stops) and stops[0] is old[0] and stops[len(old) - 1] is old[-1]
        self._throttle.request(live=running and grown and self.is_live)

    def select_index(self, index: int) -> None:
        """Show stop `index` (len(stops) means Live), as if the slider had been moved there."""
        self.slider.setValue(index)

    def go_live(self, notify: bool = True) -> None:
        """Back to Live; `notify` False changes only the bar (the caller shows the network)."""
        was_live = self.is_live
        self._selected = None
        self._update()
        if notify and not was_live:
            self.liveSelected.emit()

    def set_resume_available(self, available: bool) -> None:
        """Whether a run can be started at all (there are training images)."""
        self._resume_available = bool(available)
        self._update_buttons()

    # -- internals -----------------------------------------------------------------------------
    def _on_value_changed(self, value: int) -> None:
        if value >= len(self._stops):
            self.go_live()
            return
        stop = self._stops[value]
        if stop is self._selected:
            return
        self._selected = stop
        self._update_texts()
        self._update_buttons()
        self.stopSelected.emit(stop)

    def _on_resume_clicked(self) -> None:
        if self._selected is not None:
            self.resumeRequested.emit(self._selected)

    def _update(self) -> None:
        self._throttle.rendered()
        stops = self._stops
        self.slider.blockSignals(True)
        try:
            self.slider.setRange(0, len(stops))
            self.slider.setPageStep(max(1, len(stops) // 10))
            self.slider.setValue(len(stops) if self._selected is None else self._index_of(self._selected))
        finally:
            self.slider.blockSignals(False)
        self.slider.set_marks([i for i, stop in enumerate(stops) if stop.evaluated])
        self.slider.setEnabled(bool(stops))
        self._update_texts()
        self._update_buttons()

    def _index_of(self, stop) -> int:
        """Where `stop` is on the slider: its own place, or the nearest stop by step once thinned out."""
        for i, candidate in enumerate(self._stops):
            if candidate is stop:
                return i
        if not self._stops:
            return 0
        return min(range(len(self._stops)), key=lambda i: abs(self._stops[i].step - stop.step))

    def _update_texts(self) -> None:
        if self._selected is not None:
            self.moment_label.setText(stop_description(self._selected))
        elif self._stops:
            n = len(self._stops)
            self.moment_label.setText(f"<b>Live</b> \u00b7 {n} moment{'' if n == 1 else 's'} recorded since "
                                      f"step {self._stops[0].step:,}: drag left to look back")
        else:
            self.moment_label.setText(EMPTY_TEXT)

    def _update_buttons(self) -> None:
        live = self._selected is None
        self.live_button.setChecked(live)
        self.live_button.setEnabled(bool(self._stops) or not live)
        self.resume_button.setEnabled(not live and self._resume_available)
