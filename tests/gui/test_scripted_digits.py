"""Handwritten digits drawn on the pad through the panel's own digitiser (issue: "check it against
thick and thin pen widths, off-centre and small digits"): every digit 0-9, drawn with real mouse
events at the three pen widths and three sizes, most of them off-centre, is classified right by
the shipped model. The strokes are ordinary handwriting (gui/panels/scripted_strokes.py), not
fitted to the model's weights."""
from collections import Counter

import numpy as np
import pytest

from engine.digitize import MAX_STROKE_WIDTH, stroke_width
from gui.panels.drawing_pad import PAD_SIZE, PEN_WIDTHS
from gui.panels.drawing_panel import DrawingPanel
from gui.panels.scripted_strokes import DIGIT_STROKES, draw_strokes, fitted

SIZES = {
    # name: (height of the digit as a share of the pad, centre of its bounding box)
    "full": (0.8, (140.0, 140.0)),
    "60%": (0.6, (100.0, 170.0)),   # low on the left
    "35%": (0.35, (200.0, 70.0)),   # small, in the top right corner
}


def placed_digit(digit: int, size: str):
    share, centre = SIZES[size]
    return fitted(DIGIT_STROKES[digit], share * PAD_SIZE, centre)


@pytest.fixture(scope="module")
def drawings(qapp, model):
    """{(pen, size, digit): (network input, predicted digit)} for the 90 drawings."""
    panel = DrawingPanel()
    pen = panel.pen_width_combo
    results = {}
    for pen_name in PEN_WIDTHS:
        pen.setCurrentIndex(pen.findText(pen_name))
        for size in SIZES:
            for digit in range(10):
                panel.clear()
                draw_strokes(panel.pad, placed_digit(digit, size))
                image = panel.update_input_now()  # what the panel hands the network
                predicted = int(model.predict(image.reshape(-1, 1).astype(model.dtype))[0])
                results[pen_name, size, digit] = (image, predicted)
    panel.deleteLater()
    return results


def test_every_digit_is_one_or_two_strokes_that_stay_on_the_pad():
    assert sorted(DIGIT_STROKES) == list(range(10))
    for digit, strokes in DIGIT_STROKES.items():
        assert 1 <= len(strokes) <= 2, digit
        for size, (share, _) in SIZES.items():
            points = np.array([point for stroke in placed_digit(digit, size) for point in stroke])
            reach = max(PEN_WIDTHS.values()) * 0.65  # the brush's soft edge included
            assert points.min() - reach >= 0 and points.max() + reach <= PAD_SIZE, (digit, size)
            assert np.ptp(points[:, 1]) == pytest.approx(share * PAD_SIZE, abs=0.5)


def test_ninety_drawn_digits_are_classified_right(drawings):
    right = {key: predicted == key[2] for key, (_, predicted) in drawings.items()}
    by_pen, by_size = Counter(), Counter()
    for (pen, size, _), correct in right.items():
        by_pen[pen] += correct
        by_size[size] += correct
    wrong = sorted((key, drawings[key][1]) for key, correct in right.items() if not correct)
    report = f"{sum(right.values())}/90 right; by pen {dict(by_pen)}; by size {dict(by_size)}; wrong {wrong}"

    assert len(right) == 90
    assert sum(right.values()) >= 0.95 * 90, report
    for pen in PEN_WIDTHS:
        for size in SIZES:
            group = sum(right[pen, size, digit] for digit in range(10))
            assert group >= 8, f"{pen} pen, {size}: {report}"


def test_the_network_sees_mnist_bold_strokes_whatever_the_pen_and_size(drawings):
    widths = {key: stroke_width(image) for key, (image, _) in drawings.items()}
    # A thick pen on a small digit would be about 5 px wide in the 20 px box; the digitiser thins it.
    assert max(widths.values()) <= MAX_STROKE_WIDTH + 0.6
    thin = np.median([w for (pen, size, _), w in widths.items() if (pen, size) == ("thin", "full")])
    thick = np.median([w for (pen, size, _), w in widths.items() if (pen, size) == ("thick", "full")])
    assert thick > 1.4 * thin, "at full size the pen width shows in the network input"
