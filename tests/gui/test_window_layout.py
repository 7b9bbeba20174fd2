"""The window's dock layouts at the sizes people use (issue 17): only the current arrangement's
dock tab bars on screen after any resizes and layout switches, the Training layout on a
1024x700 screen with every panel readable, and on a 1920x1080 one the space going to the pictures
rather than to the controls; the drawing pad and its prediction column whole at 1024x700, also at
twice the scale."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from drawing_fit import drawing_panel_geometry, problems
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QScrollArea, QTabBar, QWidget
from qt_support import child

from gui.app.layouts import DEFAULT_SIZE
from gui.app.main_window import ANALYSIS_LAYOUT, TRAINING_LAYOUT

SMALL_SCREEN = (1024, 700)
LARGE_SCREEN = (1920, 1080)
LONG_MESSAGE = "Loaded default.npz: 784-400-200-10 relu/softmax, test accuracy 98.61 %"


def resize(qtbot, win, size):
    win.resize(*size)
    qtbot.waitUntil(lambda: win.size().toTuple() == tuple(size), timeout=3000)
    qtbot.wait(50)  # the docks and the tab bars follow on the next passes of the event loop


def dock_tab_bars(win) -> list[QTabBar]:
    """The main window's own tab bars, the docks' (the analysis tabs have theirs inside their panel)."""
    return [bar for bar in win.findChildren(QTabBar) if bar.parentWidget() is win]


def tab_groups(win) -> set[frozenset[str]]:
    """The current arrangement's groups of tabbed docks, each as the set of its docks' titles."""
    groups = set()
    for dock in win.docks.values():
        if dock.isFloating() or dock.isHidden():
            continue
        group = {dock.windowTitle()} | {other.windowTitle() for other in win.tabifiedDockWidgets(dock)
                                         if not other.isFloating() and not other.isHidden()}
        if len(group) > 1:
            groups.add(frozenset(group))
    return groups


def assert_only_current_tab_bars(win, expected_groups: int):
    shown = [bar for bar in dock_tab_bars(win) if bar.isVisible()]
    shown_groups = [frozenset(bar.tabText(i) for i in range(bar.count())) for bar in shown]
    groups = tab_groups(win)
    assert len(groups) == expected_groups
    assert sorted(map(sorted, shown_groups)) == sorted(map(sorted, groups)), \
        "each tab group of the arrangement on screen shows one tab bar, and no other dock tab bar shows"
    window_rect = win.rect()
    for bar in shown:
        assert window_rect.contains(bar.geometry()), f"tab bar {shown_groups} at {bar.geometry()}"


def scroll_area(win, name) -> QScrollArea:
    return child(win, name, QScrollArea)


def dock_on_screen(win, name) -> bool:
    """The dock shows, or it is a tab of a group one of whose docks shows (a click away)."""
    dock = win.docks[name]
    return dock.isVisible() and not dock.visibleRegion().isEmpty() or any(
        other.isVisible() and not other.visibleRegion().isEmpty() for other in win.tabifiedDockWidgets(dock))


# -- 1. stray dock tab bars -------------------------------------------------------------------------

def test_only_the_current_layouts_tab_bars_show_after_resizes_and_switches(window, qtbot):
    assert_only_current_tab_bars(window, 2)
    switch = window.layout_actions  # what Ctrl+1 and Ctrl+2 trigger
    for size in [(1280, 800), (1920, 1080), (1366, 768), SMALL_SCREEN, (1400, 900)]:
        resize(qtbot, window, size)
        switch[ANALYSIS_LAYOUT].trigger()
        qtbot.wait(50)
        assert_only_current_tab_bars(window, 1)
        switch[TRAINING_LAYOUT].trigger()
        qtbot.wait(50)
        assert_only_current_tab_bars(window, 2)
    window.restore_layout_action.trigger()
    qtbot.wait(50)
    assert_only_current_tab_bars(window, 2)
    window.layouts.switch(ANALYSIS_LAYOUT)
    window.restore_layout_action.trigger()
    qtbot.wait(50)
    assert_only_current_tab_bars(window, 1)


def test_a_window_opened_on_a_saved_layout_shows_only_its_tab_bars(window, qtbot, small, settings):
    from qt_support import open_window

    window.layouts.switch(ANALYSIS_LAYOUT)
    window.layouts.switch(TRAINING_LAYOUT)
    window.close()  # saves both arrangements
    again = open_window(qtbot, small, settings)
    qtbot.wait(50)
    assert_only_current_tab_bars(again, 2)
    again.layouts.switch(ANALYSIS_LAYOUT)
    qtbot.wait(50)
    assert_only_current_tab_bars(again, 1)
    again.close()


RESTART_SCRIPT = """
import json, os, sys, time
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QTabBar
app = QApplication([])
from engine.data import load_mnist
from gui.app.main_window import MainWindow

def settle():
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)

data = load_mnist().subset(1000, 300)
for run in range(2):
    win = MainWindow(dataset=data, settings=QSettings(sys.argv[1], QSettings.Format.IniFormat))
    win.resize(1024, 700)
    win.show()
    settle()
    win.docks["drawing"].raise_()
    settle()
    menu = win.menuBar().geometry()
    print(json.dumps([[bar.tabText(i) for i in range(bar.count())] + [bar.geometry().intersects(menu)]
                      for bar in win.findChildren(QTabBar) if bar.parentWidget() is win and bar.isVisible()]))
    win.close()
"""


def test_a_window_reopened_on_its_saved_layout_shows_no_stray_tab_bar(tmp_path):
    """At start-up the saved arrangement is restored before the window is shown, when no tab bar
    is visible yet: the default arrangement's bars must still be recognised as replaced (one sat
    over the menu bar). In a process of its own, as a user's restart is."""
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-c", RESTART_SCRIPT, str(tmp_path / "layout.ini")], cwd=root,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    first, second = (json.loads(line) for line in run.stdout.strip().splitlines()[-2:])
    expected = [["Loss", "Analysis", False], ["Drawing pad", "Lab", False]]
    assert sorted(first) == sorted(expected)
    assert sorted(second) == sorted(expected), "a tab bar of the replaced arrangement is still on screen"


# -- 2. the Training layout on a 1024x700 screen -----------------------------------------------------

def test_training_layout_fits_1024x700_with_every_panel_readable(window, qtbot):
    assert window.layouts.current == TRAINING_LAYOUT
    resize(qtbot, window, SMALL_SCREEN)
    hint = window.minimumSizeHint()
    assert hint.width() <= SMALL_SCREEN[0] and hint.height() <= SMALL_SCREEN[1]
    assert window.size().toTuple() == SMALL_SCREEN
    for name in window.docks:
        assert dock_on_screen(window, name), f"the {name} dock is neither on screen nor a tab"

    chunks = child(window, "chunksView")
    assert chunks.width() >= 200 and chunks.height() >= 150, "the chunk grid must not be a thin strip"
    title = window.chunks_panel.color_bar.axis.label
    assert title.boundingRect().width() <= chunks.height(), "the colour bar's title is cut"
    pad = scroll_area(window, "drawingScroll").viewport()
    assert pad.width() >= 200 and pad.height() >= 150, "too little of the drawing pad shows"
    for name in ("accuracy", "activations", "loss"):
        panel = window.docks[name].widget()
        assert panel.width() >= 240 and panel.height() >= 140, name


def test_status_message_is_not_cut_at_1024_px(window, qtbot):
    resize(qtbot, window, SMALL_SCREEN)
    bar = window.statusBar()
    assert bar.minimumSizeHint().width() <= SMALL_SCREEN[0]
    bar.showMessage(LONG_MESSAGE)
    qtbot.wait(50)
    permanent = [w for w in bar.findChildren(QWidget) if w.parentWidget() is bar and w.isVisible()
                 and w.objectName().startswith(("status", "currentDataset"))]
    first_permanent = min(w.geometry().left() for w in permanent)
    needed = bar.fontMetrics().horizontalAdvance(LONG_MESSAGE)
    assert first_permanent - 8 >= needed, f"{first_permanent} px left of the labels, the message needs {needed}"
    assert window.size().toTuple() == SMALL_SCREEN


# -- 3. a 1920x1080 screen ---------------------------------------------------------------------------

def controls_natural_width(win) -> int:
    scroll = scroll_area(win, "controlsScroll")
    return win.controls.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 24


@pytest.mark.parametrize("then", ["resized", "restored", "switched"])
def test_space_goes_to_the_pictures_at_1920x1080(window, qtbot, then):
    chunks = child(window, "chunksView")
    small_chunks = chunks.size()
    resize(qtbot, window, LARGE_SCREEN)
    if then == "restored":
        window.restore_layout_action.trigger()
    elif then == "switched":
        window.layouts.switch(ANALYSIS_LAYOUT)
        qtbot.wait(50)
        assert window.docks["controls"].width() > controls_natural_width(window), "tabbed, they share a wide place"
        window.layouts.switch(TRAINING_LAYOUT)
    qtbot.wait(50)
    assert window.docks["controls"].width() <= controls_natural_width(window)
    drawing = scroll_area(window, "drawingScroll")
    assert not drawing.horizontalScrollBar().isVisible(), "the drawing panel needs no horizontal scrolling"
    assert drawing.viewport().width() >= window.drawing_panel.minimumSizeHint().width()
    assert chunks.width() > small_chunks.width() and chunks.height() > small_chunks.height()


def test_drawing_panel_needs_no_horizontal_scrolling_at_the_default_size(window, qtbot):
    drawing = scroll_area(window, "drawingScroll")
    assert not drawing.horizontalScrollBar().isVisible()
    assert window.docks["controls"].width() <= controls_natural_width(window)


# -- 4. the Accuracy plot's top tick --------------------------------------------------------------

def test_accuracy_plots_top_tick_label_is_drawn_whole(window, qtbot):
    plot = window.accuracy_panel.plot
    plot_item = plot.getPlotItem()
    top = plot.mapFromScene(plot_item.vb.mapViewToScene(QPointF(0.0, 100.0))).y()
    axis = plot_item.getAxis("left")
    font = axis.style.get("tickFont") or axis.font()
    assert top - QFontMetrics(font).height() / 2 >= 0, "the '100' label sticks out above the plot"


# -- 5. the loss plot, the main live view of training, gets the room ---------------------------------

def plot_area_height(panel) -> float:
    """The height of a plot's view box: where its curves are drawn, without axes or legend."""
    return panel.plot.getPlotItem().vb.sceneBoundingRect().height()


@pytest.mark.parametrize("then", ["opened", "restored"])
def test_loss_plot_is_the_larger_one_at_the_default_size_and_the_drawing_panel_whole(window, qtbot, then):
    assert window.size().toTuple() == DEFAULT_SIZE
    if then == "restored":
        window.restore_layout_action.trigger()
    qtbot.wait(50)
    loss, accuracy = plot_area_height(window.loss_panel), plot_area_height(window.accuracy_panel)
    assert loss >= 170, f"the loss curve gets {loss:.0f} px"
    assert accuracy >= 80, f"the accuracy curves get {accuracy:.0f} px"
    panel = window.accuracy_panel
    for label in (panel.train_label, panel.test_label):
        assert label.isVisible() and panel.rect().contains(label.geometry()), label.objectName()
    drawing = scroll_area(window, "drawingScroll")
    assert not drawing.verticalScrollBar().isVisible(), "the drawing panel is cut at the bottom"
    assert not drawing.horizontalScrollBar().isVisible()
    assert drawing.viewport().height() >= window.drawing_panel.minimumSizeHint().height()


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768), SMALL_SCREEN])
def test_loss_plot_stays_the_larger_one_on_smaller_screens(window, qtbot, size):
    for then in ("resized", "restored"):
        if then == "resized":
            resize(qtbot, window, size)
        else:
            window.restore_layout_action.trigger()
            qtbot.wait(50)
        loss, accuracy = plot_area_height(window.loss_panel), plot_area_height(window.accuracy_panel)
        assert loss >= accuracy and accuracy >= 70, f"{then} to {size}: loss {loss:.0f} px, accuracy {accuracy:.0f} px"
        legend, plot = window.loss_panel.legend, window.loss_panel.plot
        assert legend.height() >= legend.heightForWidth(legend.width()), f"{then} to {size}: the legend is cut"
        assert legend.geometry().top() > plot.geometry().bottom(), f"{then} to {size}: the legend covers the axis"


# -- 6. the drawing pad and its prediction column whole on a small screen -----------------------------

def save_picture(win, tmp_path, name) -> Path:
    picture = tmp_path / f"{name}.png"
    assert win.grab().save(str(picture))
    return picture


@pytest.mark.parametrize("layout", [TRAINING_LAYOUT, ANALYSIS_LAYOUT])
def test_the_drawing_pad_and_its_prediction_column_show_whole_at_1024x700(window, qtbot, tmp_path, layout):
    from gui.panels.scripted_strokes import STROKES_SEVEN, draw_strokes

    resize(qtbot, window, SMALL_SCREEN)
    window.layouts.switch(layout)
    window.docks["drawing"].raise_()  # a tab in the Analysis layout
    draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
    qtbot.wait(100)

    geometry = drawing_panel_geometry(window)
    save_picture(window, tmp_path, f"drawing-{layout}-1024x700")
    assert geometry["window"] == list(SMALL_SCREEN)
    assert problems(geometry) == []
    widgets = geometry["widgets"]
    pad, plot = widgets["pad"]["rect"], widgets["probability_plot"]["rect"]
    assert plot[0] >= pad[0] + pad[2], "the bars are beside the pad"
    assert plot[3] >= 60 and plot[2] >= 150, f"the bars get {plot[2]}x{plot[3]} px"
    assert window.drawing_panel.current_input() is not None


def test_at_twice_the_scale_the_prediction_column_is_whole_too(tmp_path):
    """A 2048x1400 screen at 200 %: a 1024x700 window of logical pixels, each drawn as 2x2."""
    environment = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen")
    helper = Path(__file__).with_name("drawing_fit.py")
    for layout in (TRAINING_LAYOUT, ANALYSIS_LAYOUT):
        picture = tmp_path / f"drawing-{layout}-scale-2.png"
        run = subprocess.run([sys.executable, str(helper), layout, *map(str, SMALL_SCREEN), str(picture)],
                             env=environment, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        geometry = json.loads(run.stdout.strip().splitlines()[-1])

        assert geometry["device_pixel_ratio"] == 2.0
        assert geometry["window"] == list(SMALL_SCREEN)
        assert geometry["picture"] == [2 * SMALL_SCREEN[0], 2 * SMALL_SCREEN[1]]
        assert problems(geometry) == [], layout
        assert picture.stat().st_size > 0
