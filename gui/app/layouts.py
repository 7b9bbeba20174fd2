"""The window's named dock arrangements, switchable and remembered between runs.

Each arrangement is remembered as the user leaves it (QMainWindow.saveState), so switching
back restores whatever was moved, floated or resized there. A saved state carries a layout
version: bump it when the set of docks changes, so an old state is ignored rather than
misapplied (restoreState refuses a state of another version and the default arrangement is used).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QMainWindow,
    QScrollArea,
    QStyle,
    QTabBar,
    QTabWidget,
    QToolBar,
    QWidget,
)

from .menus import ANALYSIS_LAYOUT, TRAINING_LAYOUT

QWIDGETSIZE_MAX = (1 << 24) - 1
"""Qt's "no maximum" for a widget's size."""
CURRENT_STATE_KEY = "window/state"
CURRENT_LAYOUT_KEY = "window/layout"
LAYOUT_STATE_KEY = "window/layouts/{}"
LAYOUT_VERSION = 4
"""Bump when the set of docks changes, so an old saved layout is ignored rather than misapplied."""
DEFAULT_SIZE = (1400, 900)
SMALLEST_SIZE = (1024, 700)
"""The smallest screen the Training layout is made for: every panel still readable there."""
CONTROLS_SLACK = 8
"""Pixels the controls' dock may grow beyond the controls' natural width (their size hint)."""
WINDOW_CHROME_HEIGHT = 90
"""About what the menu bar, the timeline and the status bar take from the window's height."""
ANALYSIS_MIN_WIDTH = 340
"""The analysis tabs' minimum width, whatever their corner says."""
ACCURACY_SHARE = 0.36
"""The accuracy dock's share of the loss's and accuracy's height beside a whole drawing panel:
the loss, the main live view of training, gets the rest."""
PLOTS_WITH_COMPACT_DRAWING = 325
"""The loss and accuracy docks' height together when the drawing panel has too little room for its
full layout anyway (in a window less than about 800 px tall) and lays itself out compactly: at
1280x800 its pad is then still some 220 px."""


class DockLayouts(QObject):
    changed = Signal(str)
    """The name of the arrangement now in place."""

    def __init__(self, window: QMainWindow, arrangements: dict[str, Callable[[], None]], version: int,
                 parent: QObject | None = None) -> None:
        """`arrangements` maps each layout name to a function that builds its default arrangement;
        the first is the one used when nothing was saved."""
        super().__init__(parent)
        self.window = window
        self.arrangements = dict(arrangements)
        self.version = version
        self._current = next(iter(self.arrangements))
        self._states: dict[str, QByteArray] = {}
        self._sweep_pending = False

    @property
    def current(self) -> str:
        return self._current

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.arrangements)

    def switch(self, name: str) -> None:
        """Leave the current arrangement (remembering it) for `name`'s last state or default."""
        if name not in self.arrangements:
            raise ValueError(f"no layout named {name!r}; known: {', '.join(self.arrangements)}")
        if name == self._current:
            return
        self._states[self._current] = self.window.saveState(self.version)
        self._current = name
        before = tab_bar_contents(self.window)
        release_controls(self.window)  # the arrangement coming may have them share a wide place
        if not self._restore(self._states.get(name)):
            self.arrangements[name]()
        self._settle(before)
        self.changed.emit(name)

    def reset(self) -> None:
        """Rebuild the current arrangement's default."""
        before = tab_bar_contents(self.window)
        self.arrangements[self._current]()
        self._settle(before)
        self.changed.emit(self._current)

    def restore(self, settings: QSettings) -> None:
        """Take up the arrangements saved by `save` (defaults for any missing or outdated)."""
        for name in self.arrangements:
            state = settings.value(LAYOUT_STATE_KEY.format(name))
            if isinstance(state, QByteArray) and not state.isEmpty():
                self._states[name] = state
        name = settings.value(CURRENT_LAYOUT_KEY)
        self._current = name if name in self.arrangements else next(iter(self.arrangements))
        # The default first: it places every dock, so a saved state that misses one still shows it.
        before = tab_bar_contents(self.window)
        self.arrangements[self._current]()
        arranged = tab_bar_contents(self.window)
        release_controls(self.window)
        if self._restore(settings.value(CURRENT_STATE_KEY)):
            before.update(arranged)
        self._settle(before)
        self.changed.emit(self._current)

    def save(self, settings: QSettings) -> None:
        self._states[self._current] = self.window.saveState(self.version)
        settings.setValue(CURRENT_STATE_KEY, self._states[self._current])
        settings.setValue(CURRENT_LAYOUT_KEY, self._current)
        for name, state in self._states.items():
            settings.setValue(LAYOUT_STATE_KEY.format(name), state)

    def _restore(self, state) -> bool:
        return isinstance(state, QByteArray) and not state.isEmpty() and self.window.restoreState(state, self.version)

    def _settle(self, before: dict[QTabBar, tuple[str, ...]]) -> None:
        """After an arrangement or a restored state: the controls at their natural width where
        they have a column of their own, and only the arrangement's own dock tab bars on screen
        (`before`: the tab bars there were before it, see hide_stale_tab_bars)."""
        fit_controls(self.window)
        hide_stale_tab_bars(self.window, before)
        if not self._sweep_pending:
            self._sweep_pending = True
            QTimer.singleShot(0, self, self._sweep)

    def _sweep(self) -> None:
        """Once the window has laid out its docks: hide the dock tab bars left without tabs."""
        if not self.window.isVisible():  # the window lays its docks out when shown: sweep then
            self.window.installEventFilter(self)
            return
        self._sweep_pending = False
        for bar in dock_tab_bars(self.window):
            if bar.count() == 0:
                bar.hide()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Show:
            self.window.removeEventFilter(self)
            QTimer.singleShot(0, self, self._sweep)
        return False


def dock_tab_bars(window: QMainWindow) -> list[QTabBar]:
    """The tab bars QMainWindow made for groups of tabbed docks (children of the window itself;
    a QTabWidget's bar is a child of its QTabWidget)."""
    return window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)


def tab_bar_contents(window: QMainWindow) -> dict[QTabBar, tuple[str, ...]]:
    """Each dock tab bar on screen (or to be, once a window not shown yet is), with the titles
    of its tabs."""
    return {bar: tuple(bar.tabText(i) for i in range(bar.count()))
            for bar in dock_tab_bars(window) if not bar.isHidden()}


def hide_stale_tab_bars(window: QMainWindow, before: dict[QTabBar, tuple[str, ...]]) -> None:
    """Hide the tab bars of the arrangement that restoreState or a new arrangement replaced.

    QMainWindow (Qt 6.11, offscreen and on X11 alike) leaves them on screen with their old tabs
    and place, over the new arrangement's docks: one more set at every layout switch. It no
    longer tracks them (it makes new bars for the new arrangement and never reuses these), so
    it never hides them. A tab bar that was on screen before (`before`, from tab_bar_contents)
    and that the change left with the same tabs, or emptied, is such a bar."""
    for bar, titles in before.items():
        if bar.count() == 0 or tuple(bar.tabText(i) for i in range(bar.count())) == titles:
            bar.hide()


def controls_width(window) -> int:
    """The controls' natural width in their scroll area, with room for its vertical scroll bar."""
    scroll_bar = window.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, window)
    return window.controls.sizeHint().width() + scroll_bar


def release_controls(window) -> None:
    """Let the controls' dock take any width (until fit_controls), e.g. before a restored state sizes it."""
    window.docks["controls"].widget().setMaximumWidth(QWIDGETSIZE_MAX)


def fit_controls(window) -> None:
    """In a column of their own the controls keep their natural width (a wider dock would only
    stretch the fields); tabbed with other docks they take the group's width."""
    scroll = window.docks["controls"].widget()
    natural = controls_width(window)
    scroll.setMinimumWidth(window.controls.minimumSizeHint().width() + natural - window.controls.sizeHint().width())
    alone = not window.tabifiedDockWidgets(window.docks["controls"])
    scroll.setMaximumWidth(natural + CONTROLS_SLACK if alone else QWIDGETSIZE_MAX)


def build_docks(window) -> None:
    """Put the window's panels in docks (`window.docks`, by name), add their View menu entries,
    the timeline bar along the bottom, and the two named arrangements (`window.layouts`)."""
    w = window
    w.setDockNestingEnabled(True)
    w.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
                     | QMainWindow.DockOption.AllowTabbedDocks)
    # Tabs above their panels, where they read as "pick a view" rather than as a footer.
    w.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
    controls_scroll = scrollable(w.controls, "controlsScroll")
    controls_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # The analysis tabs would ask for their corner's width (where the weights came from, and
    # Evaluate) beside their tab bar, which grows with a model's name; sharing the loss's place
    # in the Training layout, that would widen the whole window past a 1024 px screen. Below it
    # the tab bar scrolls instead.
    w.analysis.setMinimumWidth(ANALYSIS_MIN_WIDTH)
    w.docks = {
        "controls": dock("Training controls", "controlsDock", controls_scroll),
        "chunks": dock("First-layer weights", "chunksDock", w.chunks_panel),
        "loss": dock("Loss", "lossDock", w.loss_panel),
        "accuracy": dock("Accuracy", "accuracyDock", w.accuracy_panel),
        "activations": dock("Activations", "activationsDock", w.activations_panel),
        # Scrollable: the pad has a fixed size, and on a small screen scrolling it beats
        # forcing the whole window wider than the screen.
        "drawing": dock("Drawing pad", "drawingDock", scrollable(w.drawing_panel, "drawingScroll")),
        "lab": dock("Lab", "labDock", scrollable(w.lab_panel, "labScroll")),
        "analysis": dock("Analysis", "analysisDock", w.analysis),
    }
    for made in w.docks.values():
        w.view_menu.addAction(made.toggleViewAction())

    # The timeline runs along the bottom of the window, under every dock, like a video's scrubber.
    toolbar = QToolBar("Timeline")
    toolbar.setObjectName("timelineToolBar")
    toolbar.setMovable(False)
    toolbar.setFloatable(False)
    toolbar.addWidget(w.timeline_bar)
    w.addToolBar(Qt.ToolBarArea.BottomToolBarArea, toolbar)
    w.timeline_toolbar = toolbar
    w.view_menu.addAction(toolbar.toggleViewAction())
    w.layouts = DockLayouts(w, {TRAINING_LAYOUT: lambda: arrange_training(w),
                                ANALYSIS_LAYOUT: lambda: arrange_analysis(w)}, LAYOUT_VERSION, w)


def _place_all_docks(window) -> None:
    release_controls(window)
    for made in window.docks.values():
        made.setFloating(False)
        window.removeDockWidget(made)


def arrange_training(window) -> None:
    """Controls on the left at their natural width; the weight chunks above the activations in
    the middle; on the right the loss (sharing its place with the analysis tabs), the accuracy
    and the drawing pad (sharing its place with the Lab). The middle and right columns share
    what the controls leave, the right one at least as wide as the drawing panel where the
    window allows, so the pictures get the space. Fits a 1024x700 screen (SMALLEST_SIZE)."""
    w, d = window, window.docks
    _place_all_docks(w)
    w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["controls"])
    w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["chunks"])
    w.splitDockWidget(d["chunks"], d["loss"], Qt.Orientation.Horizontal)
    w.splitDockWidget(d["chunks"], d["activations"], Qt.Orientation.Vertical)
    w.splitDockWidget(d["loss"], d["accuracy"], Qt.Orientation.Vertical)
    w.splitDockWidget(d["accuracy"], d["drawing"], Qt.Orientation.Vertical)
    w.tabifyDockWidget(d["loss"], d["analysis"])
    w.tabifyDockWidget(d["drawing"], d["lab"])
    for made in d.values():
        made.show()
    d["loss"].raise_()
    d["drawing"].raise_()
    fit_controls(w)

    width, height = max(w.width(), SMALLEST_SIZE[0]), max(w.height(), SMALLEST_SIZE[1])
    controls = controls_width(w)
    # The drawing panel's full layout (its size hint) where the window is wide enough; in a
    # narrower one it lays itself out compactly in what the activations leave.
    drawing_full = w.drawing_panel.sizeHint()
    scroll_bar = w.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, w)
    rest = width - controls - 12
    right = min(max(rest // 2, drawing_full.width() + scroll_bar + 6),
                rest - w.activations_panel.minimumSizeHint().width())
    w.resizeDocks([d["controls"], d["chunks"], d["loss"]], [controls, rest - right, right], Qt.Orientation.Horizontal)
    docks_height = height - WINDOW_CHROME_HEIGHT
    activations = max(w.activations_panel.minimumSizeHint().height() + 16, int(0.38 * docks_height))
    w.resizeDocks([d["chunks"], d["activations"]], [docks_height - activations, activations],
                  Qt.Orientation.Vertical)
    # The loss's and the drawing pad's places also hold their tab bars, which resizeDocks counts in.
    tab_bar = dock_tab_bar_height(w)
    separator = w.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, w)
    column = docks_height - 2 * tab_bar - 2 * separator
    title = d["loss"].minimumSizeHint().height() - w.loss_panel.minimumSizeHint().height()
    w.accuracy_panel.fit_readout(right)  # its minimum height depends on where its readout goes
    d["accuracy"].layout().activate()  # its dock's minimum size too, before resizeDocks
    loss, accuracy, drawing = right_column_heights(w, right, column, title)
    w.resizeDocks([d["loss"], d["accuracy"], d["drawing"]], [loss + tab_bar, accuracy, drawing + tab_bar],
                  Qt.Orientation.Vertical)


def dock_tab_bar_height(window) -> int:
    """The height of the tab bar of a group of tabbed docks."""
    bar = QTabBar()
    bar.setFont(window.font())
    bar.addTab("Loss")
    height = bar.sizeHint().height()
    bar.deleteLater()
    return height


def right_column_heights(window, width: int, column: int, title: int) -> tuple[int, int, int]:
    """The heights of the loss, accuracy and drawing docks in the Training layout's right
    column (`width` px wide, `column` px tall without its tab bars and separators; `title`:
    a dock's title bar).

    Where there is room (a window some 800 px tall or more), the drawing panel in its full
    layout, and the loss and the accuracy share the rest, the loss (the main live view of
    training) the larger. On a smaller screen the drawing panel gets what the plots leave, at
    least the least its compact layout needs, so that all three stay whole."""
    w, d = window, window.docks
    panel = w.drawing_panel
    loss_least, accuracy_least = (d[name].minimumSizeHint().height() for name in ("loss", "accuracy"))
    plots = column - panel.sizeHint().height() - title
    if plots < loss_least + accuracy_least:
        drawing_least = panel.minimumSizeHint().height() + title
        plots = max(min(PLOTS_WITH_COMPACT_DRAWING, column - drawing_least), loss_least + accuracy_least, 0)
    accuracy = max(accuracy_least, round(ACCURACY_SHARE * plots))
    loss = max(loss_least, plots - accuracy)
    return loss, accuracy, max(column - loss - accuracy, 0)


def arrange_analysis(window) -> None:
    """The analysis tabs large on the left; on the right the activations view, where probed
    images appear, above the training panels as tabs (the weight chunks, which any network
    has, in front)."""
    w, d = window, window.docks
    _place_all_docks(w)
    w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["analysis"])
    w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["activations"])
    w.splitDockWidget(d["activations"], d["chunks"], Qt.Orientation.Vertical)
    for name in ("accuracy", "loss", "drawing", "lab", "controls"):
        w.tabifyDockWidget(d["chunks"], d[name])
    for made in d.values():
        made.show()
    d["chunks"].raise_()
    fit_controls(w)
    # Shares of the window's own width: those of a wider window, cut down to fit, would leave
    # the right side too narrow for the drawing panel (one of its tabs) at 1024 px.
    width = max(w.width(), SMALLEST_SIZE[0])
    side = max(w.activations_panel.minimumSizeHint().width() + 20, int(0.38 * width),
               w.drawing_panel.minimumSizeHint().width() + 8)
    w.resizeDocks([d["analysis"], d["activations"]], [width - side, side], Qt.Orientation.Horizontal)
    w.resizeDocks([d["activations"], d["chunks"]], [330, 420], Qt.Orientation.Vertical)


def dock(title: str, object_name: str, widget: QWidget) -> QDockWidget:
    made = QDockWidget(title)
    made.setObjectName(object_name)
    made.setWidget(widget)
    made.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    return made


def scrollable(widget: QWidget, object_name: str) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setObjectName(object_name)
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    return scroll
