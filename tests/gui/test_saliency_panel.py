"""Saliency on screen: its overlay on the drawing pad and the preview of what the network sees, and the
window that recomputes it (the gradient itself: tests/engine/test_inspect.py)."""
import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QCheckBox, QComboBox, QWidget

import gui.panels.drawing_panel as drawing_panel_module
from engine.analysis.inspect import input_saliency
from gui.panels.drawing_panel import SALIENCY_PREDICTED_TEXT, DrawingPanel
from gui.panels.saliency_overlay import input_frame_on_canvas
from gui.panels.scripted_strokes import STROKES_ONE, STROKES_SEVEN, draw_strokes

SMALL = (2000, 500)  # the training and test images of the `small` fixture (conftest.py)


# ---------------------------------------------------- saliency of drawn digits

def drawn_input(qtbot, strokes):
    panel = DrawingPanel()
    qtbot.addWidget(panel)
    draw_strokes(panel.pad, strokes)
    return panel.current_input()


def within(mask, distance):
    grown = mask.copy()
    padded = np.pad(mask, distance)
    for dr in range(2 * distance + 1):
        for dc in range(2 * distance + 1):
            grown |= padded[dr:dr + 28, dc:dc + 28]
    return grown


def test_a_drawn_one_lights_up_along_its_stroke(qtbot, model):
    """The raw gradient of this MLP is not confined to the stroke: first-layer weights of pixels
    that are blank in (almost) every MNIST digit keep their random initial values, so every pixel
    of the frame carries some gradient. What the stroke does have is the strongest and most
    coherent part of it: red (more ink raises the score of 1) along the stroke, the strongest
    pixels close to it, and blue on the stroke when asked what would make it a 3. A network trained
    on thicker and thinner strokes (the shipped one) cares less about how much ink a stroke has, so
    the stroke's gradient is positive but weaker than the frame's typical magnitude."""
    image = drawn_input(qtbot, STROKES_ONE)
    assert int(model.predict(image.reshape(-1, 1))[0]) == 1
    ink = image > 0.5
    near_ink = within(image > 0.1, 2)

    gradient = input_saliency(model, image)  # the score of the predicted 1
    typical = np.abs(gradient).mean()

    assert gradient[ink].mean() > 0.2 * typical
    assert (gradient[ink] > 0).mean() > 0.55
    strongest = np.argsort(np.abs(gradient).ravel())[::-1][:40]
    assert near_ink.ravel()[strongest].mean() > 2 * near_ink.mean()

    towards_three = input_saliency(model, image, target=3, objective="log_probability")
    assert towards_three[ink].mean() < -0.15 * np.abs(towards_three).mean()


def test_the_decision_view_of_a_drawn_one_is_concentrated_on_its_stroke(qtbot, model):
    """What the pad shows for the predicted digit: gradient x input of its score. Its mass lies
    on the stroke, mostly red (the ink of a 1 raises the score of 1), and, the network being
    piecewise linear in x for ReLU, it adds up to the score's change along the ray t*x
    (the ReLU pattern is fixed near t = 1, so a small step checks the sum)."""
    image = drawn_input(qtbot, STROKES_ONE)
    request = {"target": None, "objective": "score", "times_input": True}
    contributions = input_saliency(model, image, **request)
    magnitude = np.abs(contributions)
    near_stroke = within(image > 0.1, 1)
    assert magnitude[near_stroke].sum() > 0.99 * magnitude.sum()
    assert near_stroke.mean() < 0.15, "the stroke covers a small part of the frame"
    assert contributions[contributions > 0].sum() > 1.5 * -contributions[contributions < 0].sum()

    def score(t):
        network64 = model.copy(np.float64)
        return network64.forward((t * image.astype(np.float64)).reshape(-1, 1)).Z[-1][1, 0]
    h = 1e-4
    slope = (score(1 + h) - score(1 - h)) / (2 * h)
    assert contributions.sum(dtype=np.float64) == pytest.approx(slope, rel=1e-3)


# ------------------------------------------------------------------ the panel

@pytest.fixture
def panel(qtbot, model):
    """A drawing panel answered by the shipped model the way the main window answers it."""
    widget = DrawingPanel()
    qtbot.addWidget(widget)

    def answer(image):
        if image is None:
            widget.show_prediction(None)
            return
        widget.show_prediction(model.predict_proba(image.reshape(-1, 1))[:, 0])
        request = widget.saliency_request
        if request is not None:
            widget.show_saliency(input_saliency(model, image, **request))

    widget.inputChanged.connect(answer)
    widget.saliencyRequestChanged.connect(lambda: answer(widget.current_input()))
    widget.resize(widget.sizeHint())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def pixels(widget: QWidget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return raw.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, :image.width(), 2::-1].astype(int)


def test_controls_exist_and_explain_themselves(panel):
    toggle = panel.findChild(QCheckBox, "saliencyToggle")
    combo = panel.findChild(QComboBox, "saliencyTargetCombo")
    legend = panel.findChild(QWidget, "saliencyLegend")

    assert toggle is not None and toggle.isCheckable() and not toggle.isChecked()
    assert [combo.itemText(i) for i in range(combo.count())] == [SALIENCY_PREDICTED_TEXT] + [str(d) for d in range(10)]
    assert all(widget.toolTip() for widget in (toggle, combo, legend))
    assert panel.saliency_request is None
    assert panel.minimumSizeHint().width() <= 560 and panel.minimumSizeHint().height() <= 400


def test_toggling_on_overlays_the_gradient_and_toggling_off_removes_it(panel, model):
    draw_strokes(panel.pad, STROKES_ONE)
    panel.update_input_now()
    pad_before, preview_before = pixels(panel.pad), pixels(panel.preview)
    assert panel.saliency is None and panel.pad.overlay is None

    panel.saliency_toggle.setChecked(True)

    np.testing.assert_array_equal(panel.saliency, input_saliency(model, panel.current_input(), times_input=True))
    pad_on, preview_on = pixels(panel.pad), pixels(panel.preview)
    # The decision view colours the stroke and its edges only.
    assert np.abs(pad_on - pad_before).sum(axis=2).astype(bool).mean() > 0.03
    assert np.abs(preview_on - preview_before).sum(axis=2).astype(bool).mean() > 0.03
    # Translucent: the stroke still shows through, tinted red (its ink raised the 1).
    stroke_x, stroke_y = (round(v) for v in STROKES_ONE[0][len(STROKES_ONE[0]) // 2])
    red, green, blue = pad_on[stroke_y, stroke_x]
    assert red > green + 50 and red > blue + 50
    assert pad_on[stroke_y, stroke_x].tolist() != pad_before[stroke_y, stroke_x].tolist()
    assert "ink raised the score of 1" in panel.saliency_legend.text

    panel.saliency_toggle.setChecked(False)

    assert panel.saliency is None and panel.pad.overlay is None
    np.testing.assert_array_equal(pixels(panel.pad), pad_before)
    np.testing.assert_array_equal(pixels(panel.preview), preview_before)


def test_choosing_a_target_changes_the_overlay_and_switches_saliency_on(panel, model):
    draw_strokes(panel.pad, STROKES_ONE)
    panel.update_input_now()

    panel.saliency_target_combo.setCurrentIndex(panel.saliency_target_combo.findData(3))

    assert panel.saliency_toggle.isChecked()
    assert panel.saliency_request == {"target": 3, "objective": "log_probability"}
    np.testing.assert_array_equal(
        panel.saliency, input_saliency(model, panel.current_input(), 3, "log_probability"))
    towards_three = pixels(panel.pad)
    assert "chance of a 3" in panel.saliency_legend.text

    panel.saliency_target_combo.setCurrentIndex(0)

    assert panel.saliency_request == {"target": None, "objective": "score", "times_input": True}
    assert np.abs(pixels(panel.pad) - towards_three).sum(axis=2).astype(bool).mean() > 0.2


def test_red_means_more_ink_raises_and_blue_lowers(panel):
    draw_strokes(panel.pad, STROKES_ONE)
    panel.update_input_now()
    panel.saliency_toggle.setChecked(True)
    # Positive on the left half of the input, negative on the right: levels are symmetric.
    gradient = np.ones((28, 28), dtype=np.float32)
    gradient[:, 14:] = -1

    panel.show_saliency(gradient)

    preview = pixels(panel.preview)
    scale = preview.shape[0] / 28
    left, right = preview[round(1.5 * scale), round(3.5 * scale)], preview[round(1.5 * scale), round(24.5 * scale)]
    assert left[0] > left[2] + 60, left
    assert right[2] > right[0] + 60, right
    assert abs(int(left.sum()) - int(right.sum())) < 120  # equally strong
    # A zero gradient leaves the picture untouched: zero is fully transparent.
    panel.saliency_toggle.setChecked(False)
    plain = pixels(panel.preview)
    panel.saliency_toggle.setChecked(True)
    panel.show_saliency(np.zeros(784))
    np.testing.assert_array_equal(pixels(panel.preview), plain)


def test_the_overlay_lies_on_the_digit_where_the_network_sees_it(panel):
    draw_strokes(panel.pad, STROKES_SEVEN)
    canvas = panel.pad.canvas_array()
    image = panel.update_input_now()

    frame = input_frame_on_canvas(canvas, image)

    pixel = frame.width() / 28
    for row, col in zip(*np.nonzero(image > 0.6)):
        x, y = frame.left() + (col + 0.5) * pixel, frame.top() + (row + 0.5) * pixel
        around = canvas[max(round(y) - 4, 0):round(y) + 5, max(round(x) - 4, 0):round(x) + 5]
        assert around.max() > 0.5, (row, col)
    assert input_frame_on_canvas(np.zeros((280, 280)), None) is None


def test_a_new_stroke_replaces_the_saliency_and_clear_removes_it(panel, model):
    draw_strokes(panel.pad, STROKES_ONE)
    panel.update_input_now()
    panel.saliency_toggle.setChecked(True)
    first = panel.saliency.copy()

    draw_strokes(panel.pad, [[(60.0, 60.0), (200.0, 60.0)]])
    panel.update_input_now()

    np.testing.assert_array_equal(panel.saliency, input_saliency(model, panel.current_input(), times_input=True))
    assert not np.array_equal(panel.saliency, first)

    panel.clear()

    assert panel.saliency is None and panel.pad.overlay is None and panel.preview.saliency_indices is None
    paper = panel.pad.palette().color(QPalette.ColorRole.Base)
    assert np.all(pixels(panel.pad) == [paper.red(), paper.green(), paper.blue()]), "a blank page"


def test_without_a_drawing_nothing_is_shown_and_nothing_breaks(panel):
    blank_pad, blank_preview = pixels(panel.pad), pixels(panel.preview)

    panel.saliency_toggle.setChecked(True)
    panel.show_saliency(np.ones(784))
    panel.show_saliency(None)
    panel.saliency_target_combo.setCurrentIndex(5)
    panel.undo_last_stroke()
    panel.clear()

    assert panel.saliency is None and panel.pad.overlay is None
    np.testing.assert_array_equal(pixels(panel.pad), blank_pad)
    np.testing.assert_array_equal(pixels(panel.preview), blank_preview)
    assert "Draw a digit" in panel.saliency_legend.text

    draw_strokes(panel.pad, STROKES_ONE)
    panel.update_input_now()
    with pytest.raises(ValueError):
        panel.show_saliency(np.ones(783))


def test_saliency_panel_renders_for_a_screenshot(panel, tmp_path):
    draw_strokes(panel.pad, STROKES_SEVEN)
    panel.update_input_now()
    panel.saliency_toggle.setChecked(True)

    screenshot = tmp_path / "saliency.png"
    assert panel.grab().save(str(screenshot))
    legend = pixels(panel.saliency_legend)
    red_swatch, blue_swatch = QColor(*legend[legend.shape[0] // 4, 6]), QColor(*legend[3 * legend.shape[0] // 4, 6])
    assert red_swatch.red() > red_swatch.blue() and blue_swatch.blue() > blue_swatch.red()


# ------------------------------------------------------------ the main window


def test_window_recomputes_saliency_with_every_prediction_only_while_it_is_on(window, monkeypatch):
    calls = []

    def counting_saliency(network, image, **request):
        calls.append(request)
        return input_saliency(network, image, **request)

    monkeypatch.setattr(drawing_panel_module, "input_saliency", counting_saliency)
    panel = window.drawing_panel
    draw_strokes(panel.pad, STROKES_ONE)
    panel.update_input_now()
    assert calls == [] and panel.saliency is None

    panel.saliency_toggle.setChecked(True)
    assert len(calls) == 1 and panel.saliency is not None

    draw_strokes(panel.pad, [[(150.0, 40.0), (120.0, 60.0)]])  # a stroke
    panel.update_input_now()
    window.show_snapshot(window.displayed_snapshot)  # a new snapshot
    assert len(calls) == 3
    expected = input_saliency(window.displayed_snapshot.network, panel.current_input(), times_input=True)
    np.testing.assert_allclose(panel.saliency, expected, rtol=1e-5, atol=1e-7)

    panel.saliency_target_combo.setCurrentIndex(panel.saliency_target_combo.findData(3))
    assert calls[-1] == {"target": 3, "objective": "log_probability"}

    panel.saliency_toggle.setChecked(False)
    count = len(calls)
    panel.update_input_now()
    window.show_snapshot(window.displayed_snapshot)
    assert len(calls) == count and panel.saliency is None and panel.pad.overlay is None
