import itertools

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton, QWidget

from engine.digitize import CENTRE_OF_MASS_TARGET, digitize, stroke_width
from gui.panels.drawing_pad import BRUSH_WIDTH, MIN_DISPLAY_SIZE, PAD_SIZE, PEN_WIDTHS, DrawingPad
from gui.panels.drawing_panel import NO_PREDICTION_TEXT, DrawingPanel
from gui.panels.drawing_preview import DrawingPreview
from gui.panels.scripted_strokes import STROKES_ONE, STROKES_SEVEN, draw_strokes

HORIZONTAL_BAR = [[(40.0 + 5 * step, 250.0) for step in range(30)]]


@pytest.fixture
def pad(qtbot) -> DrawingPad:
    widget = DrawingPad()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def panel(qtbot) -> DrawingPanel:
    widget = DrawingPanel()
    qtbot.addWidget(widget)
    return widget


def ink_bounding_box(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_pad_is_a_black_280_square(pad):
    canvas = pad.canvas_array()

    assert pad.objectName() == "drawingPad"
    assert (pad.width(), pad.height()) == (PAD_SIZE, PAD_SIZE)
    assert canvas.shape == (PAD_SIZE, PAD_SIZE) and canvas.dtype == np.float32
    assert not canvas.any()
    assert pad.cursor().shape() == Qt.CursorShape.CrossCursor


def test_drawing_inks_the_stroke_and_updates_during_the_drag(pad):
    emissions_while_dragging = []
    pad.drawingChanged.connect(lambda: emissions_while_dragging.append(pad.is_stroke_active))

    draw_strokes(pad, STROKES_ONE)
    canvas = pad.canvas_array()

    assert pad.stroke_count == 1 and not pad.is_stroke_active
    assert sum(emissions_while_dragging) > 1
    for x, y in STROKES_ONE[0]:
        assert canvas[round(y), round(x)] > 0.9
    assert canvas[:, :60].max() == 0.0 and canvas[:, 220:].max() == 0.0
    # The brush is soft: grey values between the core and the background.
    assert np.any((canvas > 0.1) & (canvas < 0.9))


def test_overlapping_segments_do_not_brighten_the_soft_edge(pad):
    draw_strokes(pad, HORIZONTAL_BAR)
    canvas = pad.canvas_array()

    # Along the bar, one edge profile repeats; accumulation would make it vary.
    edge_rows = canvas[250 - 14 : 250 - 8, 80:160]
    assert np.ptp(edge_rows, axis=1).max() < 0.05


def test_stroke_history_is_kept(pad):
    draw_strokes(pad, STROKES_ONE + HORIZONTAL_BAR)

    assert pad.strokes == STROKES_ONE + HORIZONTAL_BAR


def test_undoing_the_only_stroke_leaves_a_blank_canvas(pad, qtbot):
    draw_strokes(pad, STROKES_ONE)

    with qtbot.waitSignal(pad.drawingChanged, timeout=1000):
        pad.undo_last_stroke()

    assert pad.stroke_count == 0
    assert not pad.canvas_array().any()


def test_undo_keeps_the_earlier_strokes(pad):
    draw_strokes(pad, STROKES_ONE)
    only_the_one = pad.canvas_array()
    draw_strokes(pad, HORIZONTAL_BAR)

    pad.undo_last_stroke()

    assert pad.stroke_count == 1
    np.testing.assert_allclose(pad.canvas_array(), only_the_one, atol=1 / 255)


def test_undo_on_an_empty_pad_is_harmless(pad, qtbot):
    with qtbot.assertNotEmitted(pad.drawingChanged):
        pad.undo_last_stroke()


def test_clear_erases_everything(pad, qtbot):
    draw_strokes(pad, STROKES_SEVEN)

    with qtbot.waitSignal(pad.drawingChanged, timeout=1000):
        pad.clear()

    assert pad.stroke_count == 0
    assert not pad.canvas_array().any()


def test_other_mouse_buttons_do_not_draw(pad, qtbot):
    qtbot.mouseClick(pad, Qt.MouseButton.RightButton, pos=pad.rect().center())

    assert pad.stroke_count == 0
    assert not pad.canvas_array().any()


def test_tablet_pen_draws_with_pressure(pad):
    stylus = QPointingDevice(
        "Test stylus",
        4242,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        2,
    )

    def send(event_type, x, y, pressure, button, buttons) -> bool:
        position = QPointF(x, y)
        event = QTabletEvent(
            event_type, stylus, position, pad.mapToGlobal(position), pressure,
            0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier, button, buttons,
        )
        event.setAccepted(False)
        QApplication.sendEvent(pad, event)
        return event.isAccepted()

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    assert send(QEvent.Type.TabletPress, 60, 140, 0.1, left, left)
    for step in range(1, 30):
        assert send(QEvent.Type.TabletMove, 60 + 5 * step, 140, 0.1 + 0.03 * step, none, left)
    assert send(QEvent.Type.TabletRelease, 205, 140, 1.0, left, none)
    # Hovering after lifting the pen must not draw.
    send(QEvent.Type.TabletMove, 100, 40, 0.0, none, none)

    canvas = pad.canvas_array()
    assert pad.stroke_count == 1
    assert canvas[140, 60:206].min() > 0.9
    assert not canvas[:60].any()
    # Harder pressure, wider line.
    light, firm = (canvas[:, 70] > 0.5).sum(), (canvas[:, 200] > 0.5).sum()
    assert firm > light + 4


def test_preview_shows_an_array_with_visible_pixels(qtbot):
    preview = DrawingPreview()
    qtbot.addWidget(preview)
    image = np.zeros((28, 28), dtype=np.float32)
    image[4:24, 13:15] = 1.0

    preview.set_image(image)
    image[:] = 0.5  # the preview must keep its own copy

    assert preview.objectName() == "drawingPreview"
    assert preview.image[10, 13] == 1.0 and preview.image[10, 0] == 0.0
    preview.set_image(None)
    assert preview.image is None


def test_panel_digitizes_once_per_event_loop_turn(panel, qtbot):
    network_inputs = []
    panel.inputChanged.connect(network_inputs.append)
    drawing_changes = []
    panel.pad.drawingChanged.connect(lambda: drawing_changes.append(True))

    draw_strokes(panel.pad, STROKES_ONE)
    assert network_inputs == []  # coalesced until control returns to the event loop
    qtbot.waitUntil(lambda: len(network_inputs) == 1, timeout=1000)
    qtbot.wait(20)

    assert len(drawing_changes) > 1
    assert len(network_inputs) == 1
    np.testing.assert_array_equal(network_inputs[0], panel.current_input())


def test_preview_shows_the_one_centred_and_tall(panel, qtbot):
    draw_strokes(panel.pad, STROKES_ONE)
    qtbot.waitUntil(lambda: panel.preview.image is not None, timeout=1000)

    image = panel.preview.image
    total = image.sum()
    centre_row = float(image.sum(axis=1) @ np.arange(28)) / total
    centre_col = float(image.sum(axis=0) @ np.arange(28)) / total
    height, width = ink_bounding_box(image)

    assert abs(centre_row - CENTRE_OF_MASS_TARGET) <= 1.5
    assert abs(centre_col - CENTRE_OF_MASS_TARGET) <= 1.5
    assert height > 2 * width
    np.testing.assert_array_equal(image, digitize(panel.pad.canvas_array()))


def test_clear_button_resets_drawing_preview_and_prediction(panel, qtbot):
    draw_strokes(panel.pad, STROKES_SEVEN)
    panel.update_input_now()
    panel.show_prediction(np.eye(10)[7])

    with qtbot.waitSignal(panel.inputChanged, timeout=1000) as blocker:
        qtbot.mouseClick(panel.findChild(QPushButton, "clearDrawingButton"), Qt.MouseButton.LeftButton)

    assert blocker.args == [None]
    assert not panel.pad.canvas_array().any()
    assert panel.preview.image is None
    assert panel.findChild(QLabel, "predictionLabel").text() == NO_PREDICTION_TEXT
    assert panel.current_probabilities is None
    assert not panel.clear_button.isEnabled() and not panel.undo_button.isEnabled()


def test_undo_button_removes_the_last_stroke(panel, qtbot):
    draw_strokes(panel.pad, STROKES_ONE + HORIZONTAL_BAR)

    qtbot.mouseClick(panel.findChild(QPushButton, "undoStrokeButton"), Qt.MouseButton.LeftButton)

    assert panel.pad.strokes == STROKES_ONE
    np.testing.assert_array_equal(panel.preview.image, digitize(panel.pad.canvas_array()))


def test_ctrl_z_undoes_while_the_panel_has_focus(panel, qtbot):
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    draw_strokes(panel.pad, STROKES_ONE + HORIZONTAL_BAR)
    panel.pad.setFocus()
    qtbot.waitUntil(panel.pad.hasFocus, timeout=1000)

    qtbot.keyClick(panel.pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    assert panel.pad.strokes == STROKES_ONE


def test_show_prediction_displays_digit_confidence_and_highlight(panel):
    probabilities = np.array([0.01, 0.02, 0.05, 0.80, 0.02, 0.04, 0.01, 0.02, 0.02, 0.01])
    bars = panel.probability_bars

    panel.show_prediction(probabilities)

    assert panel.findChild(QLabel, "predictionLabel").text() == "3"
    assert "80.0%" in panel.confidence_label.text()
    assert panel.highlighted_digit == 3
    np.testing.assert_allclose(bars.opts["height"], probabilities)
    np.testing.assert_array_equal(panel.current_probabilities, probabilities)

    panel.show_prediction(np.roll(probabilities, 5))

    assert panel.findChild(QLabel, "predictionLabel").text() == "8"
    assert panel.highlighted_digit == 8
    # Updated in place: still the one bar item in the plot.
    plot = panel.findChild(pg.PlotWidget, "probabilityPlot")
    bar_items = [item for item in plot.getPlotItem().items if isinstance(item, pg.BarGraphItem)]
    assert bar_items == [bars]


def test_show_prediction_none_clears(panel):
    panel.show_prediction(np.eye(10)[4])

    panel.show_prediction(None)

    assert panel.prediction_label.text() == NO_PREDICTION_TEXT
    assert panel.current_probabilities is None
    assert panel.highlighted_digit is None
    assert not np.any(panel.probability_bars.opts["height"])


def test_show_prediction_rejects_the_wrong_number_of_classes(panel):
    with pytest.raises(ValueError):
        panel.show_prediction(np.ones(9) / 9)


def test_probability_plot_axes(panel):
    plot = panel.findChild(pg.PlotWidget, "probabilityPlot")
    (major_ticks,) = plot.getAxis("bottom")._tickLevels

    assert [label for _, label in major_ticks] == [str(digit) for digit in range(10)]
    assert plot.viewRange()[1] == pytest.approx([0.0, 1.0])


def test_every_control_explains_itself(panel):
    controls = [
        panel.findChild(QWidget, name)
        for name in (
            "drawingPad",
            "drawingPreview",
            "clearDrawingButton",
            "undoStrokeButton",
            "predictionLabel",
            "confidenceLabel",
            "probabilityPlot",
            "penWidth",
        )
    ]

    assert all(control is not None and control.toolTip() for control in controls)


def test_panel_renders_a_drawn_seven(panel, qtbot, tmp_path):
    panel.resize(panel.sizeHint())
    panel.show()
    qtbot.waitExposed(panel)
    draw_strokes(panel.pad, STROKES_SEVEN)
    panel.update_input_now()
    panel.show_prediction(np.eye(10)[7])

    screenshot = tmp_path / "drawing_panel.png"
    assert panel.grab().save(str(screenshot))
    assert screenshot.stat().st_size > 0


def test_panel_fits_a_narrow_dock_without_scrolling(panel):
    """At 1280x800 the drawing dock gets about 560 px; the panel's full layout must fit in that."""
    hint = panel.sizeHint()
    assert hint.width() <= 560
    assert hint.height() <= 400
    panel.resize(560, hint.height())
    panel.show()
    assert not panel.is_compact
    assert panel.pad.size().width() == PAD_SIZE
    assert panel.preview.geometry().left() > panel.pad.geometry().right(), "the preview sits beside the pad"


WHOLE_IN_A_SMALL_DOCK = ("pad", "preview", "prediction_label", "confidence_label", "probability_plot",
                         "undo_button", "clear_button", "pen_width_combo", "saliency_toggle",
                         "saliency_target_combo", "saliency_legend")


@pytest.mark.parametrize("size", ["minimum", (374, 209), (386, 296)])
def test_in_a_small_dock_the_panel_shrinks_its_pad_and_shows_everything_whole(panel, qtbot, size):
    """A 1024x700 window's drawing dock (Training or Analysis layout) or less: a compact layout."""
    size = panel.minimumSizeHint().toTuple() if size == "minimum" else size
    assert panel.minimumSizeHint().width() <= 340 and panel.minimumSizeHint().height() <= 200
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)

    assert panel.is_compact
    assert panel.pad.width() == panel.pad.height() >= MIN_DISPLAY_SIZE
    boxes = {}
    for name in WHOLE_IN_A_SMALL_DOCK:
        widget = getattr(panel, name)
        assert widget.isVisible(), name
        boxes[name] = widget.geometry()
        assert panel.rect().contains(boxes[name]), f"{name} at {boxes[name]} is cut in a {size} panel"
    for first, second in itertools.combinations(WHOLE_IN_A_SMALL_DOCK, 2):
        assert not boxes[first].intersects(boxes[second]), f"{first} overlaps {second}"
    plot = panel.probability_plot
    assert plot.height() >= 55 and plot.width() >= 150, "the bars must stay readable"
    assert plot.geometry().left() > panel.pad.geometry().right(), "the prediction column is beside the pad"


def test_a_shrunk_pad_draws_the_same_drawing(qtbot):
    full, shrunk = DrawingPad(), DrawingPad()
    for pad in (full, shrunk):
        qtbot.addWidget(pad)
    shrunk.set_display_size(150)
    assert shrunk.size().toTuple() == (150, 150) and shrunk.display_scale == pytest.approx(150 / PAD_SIZE)

    for pad in (full, shrunk):
        draw_strokes(pad, STROKES_SEVEN)

    assert shrunk.canvas_array().shape == (PAD_SIZE, PAD_SIZE)
    np.testing.assert_allclose(shrunk.strokes[0], full.strokes[0], atol=0.01)
    assert np.abs(shrunk.canvas_array() - full.canvas_array()).max() < 0.05
    np.testing.assert_allclose(digitize(shrunk.canvas_array()), digitize(full.canvas_array()), atol=0.02)


def test_panel_grows_its_pad_back_to_full_size(panel, qtbot):
    panel.resize(374, 209)
    panel.show()
    qtbot.waitExposed(panel)
    small_pad = panel.pad.width()

    panel.resize(panel.sizeHint())
    qtbot.waitUntil(lambda: not panel.is_compact, timeout=1000)

    assert small_pad < PAD_SIZE == panel.pad.width()
    assert panel.preview.width() == DrawingPreview.DISPLAY_SIZE


# -- the pen width ------------------------------------------------------------------------------------

def stroke_thickness(canvas: np.ndarray, column: int) -> int:
    """Rows of `column` with at least half ink: a horizontal stroke's thickness there."""
    return int((canvas[:, column] > 0.5).sum())


def test_pen_width_sets_the_thickness_of_the_next_strokes(pad):
    assert pad.pen_width() == BRUSH_WIDTH
    thickness = {}
    for name, width in PEN_WIDTHS.items():
        pad.clear()
        pad.set_pen_width(width)
        draw_strokes(pad, HORIZONTAL_BAR)
        thickness[name] = stroke_thickness(pad.canvas_array(), 140)
        # The soft brush's half-ink edge lies a little outside the nominal width.
        assert width <= thickness[name] <= 1.3 * width, (name, thickness[name])
    assert thickness["thin"] < thickness["medium"] < thickness["thick"]

    pad.set_pen_width(PEN_WIDTHS["thin"])
    draw_strokes(pad, [[(140.0, 20.0), (140.0, 200.0)]])
    canvas = pad.canvas_array()
    assert stroke_thickness(canvas, 140) > 20, "the thick bar drawn before keeps its width"
    assert int((canvas[100, :] > 0.5).sum()) == thickness["thin"]


def test_pen_width_is_kept_within_its_range(pad):
    pad.set_pen_width(0.0)
    assert pad.pen_width() > 0.0
    pad.set_pen_width(1e6)
    assert pad.pen_width() < PAD_SIZE / 4


def test_the_pen_control_changes_the_strokes_and_the_network_input(panel, qtbot):
    control = panel.findChild(QComboBox, "penWidth")
    assert control.toolTip() and control.currentData() == BRUSH_WIDTH
    assert [control.itemText(i) for i in range(control.count())] == list(PEN_WIDTHS)
    drawn = {}
    for name in ("thin", "thick"):
        control.setCurrentIndex(control.findText(name))
        assert panel.pad.pen_width() == PEN_WIDTHS[name]
        panel.clear()
        draw_strokes(panel.pad, STROKES_SEVEN)
        drawn[name] = (panel.pad.canvas_array(), panel.update_input_now())

    (thin_canvas, thin_input), (thick_canvas, thick_input) = drawn["thin"], drawn["thick"]
    assert stroke_thickness(thick_canvas, 140) >= 2 * stroke_thickness(thin_canvas, 140)
    assert stroke_width(thick_input) > 1.4 * stroke_width(thin_input)
    assert thick_input.sum() > 1.6 * thin_input.sum()
    np.testing.assert_array_equal(panel.preview.image, thick_input)


def test_draw_stroke_draws_like_the_mouse_at_the_width_asked(qtbot):
    scripted, dragged = DrawingPad(), DrawingPad()
    for pad in (scripted, dragged):
        qtbot.addWidget(pad)
    changes = []
    scripted.drawingChanged.connect(lambda: changes.append(scripted.is_stroke_active))

    scripted.draw_stroke(STROKES_SEVEN[0], width=PEN_WIDTHS["thick"])
    dragged.set_pen_width(PEN_WIDTHS["thick"])
    draw_strokes(dragged, STROKES_SEVEN)

    assert scripted.stroke_count == 1 and not scripted.is_stroke_active and len(changes) > 1
    assert scripted.pen_width() == BRUSH_WIDTH, "a scripted width leaves the pen as it was"
    np.testing.assert_array_equal(scripted.canvas_array(), dragged.canvas_array())
    scripted.draw_stroke([])
    assert scripted.stroke_count == 1


def test_prediction_labels_never_change_size(panel):
    """Their text changes with every training snapshot; a size change would re-lay out the window."""
    sizes = (panel.prediction_label.size(), panel.confidence_label.size())
    for probabilities in (np.eye(10)[1], np.full(10, 0.1), None, np.eye(10)[8] * 0.999 + 0.0001):
        panel.show_prediction(probabilities)
        assert (panel.prediction_label.size(), panel.confidence_label.size()) == sizes
    assert panel.prediction_label.minimumSize() == panel.prediction_label.maximumSize()


def test_prediction_shown_is_signalled_and_invisible_changes_skip_the_bars(panel, qtbot):
    probabilities = np.array([0.01, 0.02, 0.05, 0.80, 0.02, 0.04, 0.01, 0.02, 0.02, 0.01])
    with qtbot.waitSignal(panel.predictionShown, timeout=1000):
        panel.show_prediction(probabilities)
    heights = panel.probability_bars.opts["height"]
    nudged = probabilities + np.r_[1e-5, -1e-5, np.zeros(8)]
    with qtbot.waitSignal(panel.predictionShown, timeout=1000):
        panel.show_prediction(nudged)
    assert panel.probability_bars.opts["height"] is heights, "a sub-pixel change is not redrawn"
    np.testing.assert_array_equal(panel.current_probabilities, nudged)  # yet the exact values are kept
