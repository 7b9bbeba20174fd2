"""The chunk grid, the drawing pad and its probability bars follow a theme or palette switch made
while they are on screen (the other views: tests/gui/test_themes.py)."""
import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPalette
from qt_support import show_panel
from test_themes import (
    default_appearance,  # noqa: F401  (autouse: every test starts and ends on System)
    hue_degrees,
    orangeish,
    pixels,
    reddish,
    settle,
)

from engine.network import Network
from engine.snapshot import model_snapshot
from gui.panels.chunks_panel import CHUNK_SIDE, ChunksPanel
from gui.panels.drawing_panel import DrawingPanel
from gui.panels.scripted_strokes import STROKES_SEVEN, draw_strokes
from gui.studio_state import StudioState
from gui.widgets.colormaps import series_colours
from gui.widgets.theme import DARK, LIGHT, appearance


def test_the_chunk_grid_turns_orange_for_positive_weights_with_colour_blind_colours(qtbot):
    panel = show_panel(qtbot, ChunksPanel(), (400, 400))
    state = StudioState()
    panel.bind(state)
    network = Network((784, 4, 10), seed=0)
    network.weights[0][0] = 1.0  # neuron 0: every weight strongly positive
    state.set_snapshot(model_snapshot(network))
    settle(qtbot)
    top, left = panel.chunk_origin(0)
    scene = panel.view_box.mapViewToScene(QPointF(left + CHUNK_SIDE / 2, top + CHUNK_SIDE / 2))
    point = panel.view.mapTo(panel, panel.view.mapFromScene(scene))
    x, y = point.x(), point.y()

    before = pixels(panel)[y, x]
    assert reddish(hue_degrees(before)), before
    appearance().set(colour_blind=True)
    settle(qtbot)
    after = pixels(panel)[y, x]
    assert orangeish(hue_degrees(after)), after
    assert "Orange pixels excite" in panel.view.toolTip()


def test_the_pad_is_ink_on_the_theme_paper_and_the_network_input_stays_white_on_black(qtbot):
    panel = show_panel(qtbot, DrawingPanel(), (560, 380))
    draw_strokes(panel.pad, STROKES_SEVEN)
    image = panel.update_input_now()
    canvas = panel.pad.canvas_array().copy()
    appearance().set(theme=LIGHT)
    settle(qtbot)
    light = pixels(panel.pad)
    appearance().set(theme=DARK)
    settle(qtbot)
    dark = pixels(panel.pad)

    # The blank corner is the palette's paper colour in each theme ...
    assert light[2, 2].mean() > 200 and dark[2, 2].mean() < 80
    paper = panel.pad.palette().color(QPalette.ColorRole.Base)
    assert dark[2, 2].tolist() == [paper.red(), paper.green(), paper.blue()]
    # ... the ink its text colour, dark on light and light on dark ...
    stroke_x, stroke_y = (round(v) for v in STROKES_SEVEN[0][2])
    assert light[stroke_y, stroke_x].mean() < 60 and dark[stroke_y, stroke_x].mean() > 190
    # ... and what the network reads does not change with the look.
    np.testing.assert_array_equal(panel.pad.canvas_array(), canvas)
    np.testing.assert_array_equal(panel.current_input(), image)


def test_the_probability_bars_take_the_palette_highlight(qtbot):
    panel = show_panel(qtbot, DrawingPanel(), (560, 380))
    probabilities = np.full(10, 0.02)
    probabilities[7] = 0.82
    panel.show_prediction(probabilities)
    assert panel.highlighted_digit == 7
    brushes = panel.probability_bars.opts["brushes"]
    assert brushes[7].color() == series_colours().highlight
    appearance().set(theme=DARK, colour_blind=True)
    settle(qtbot)
    brushes = panel.probability_bars.opts["brushes"]
    assert brushes[7].color() == series_colours().highlight and brushes[3].color() == series_colours().bar
    assert panel.highlighted_digit == 7
    assert "orange raises" in panel.saliency_toggle.toolTip()
