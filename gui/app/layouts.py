"""The window's named dock arrangements, switchable and remembered between runs.

Each arrangement is remembered as the user leaves it (QMainWindow.saveState), so switching
back restores whatever was moved, floated or resized there. A saved state carries a layout
version: bump it when the set of docks changes, so an old state is ignored rather than
misapplied (restoreState refuses a state of another version and the default arrangement is used).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QByteArray, QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QTabWidget, QToolBar, QWidget

from .menus import ANALYSIS_LAYOUT, TRAINING_LAYOUT

CURRENT_STATE_KEY = "window/state"
CURRENT_LAYOUT_KEY = "window/layout"
LAYOUT_STATE_KEY = "window/layouts/{}"
LAYOUT_VERSION = 3
"""Bump when the set of docks changes, so an old saved layout is ignored rather than misapplied."""
DEFAULT_SIZE = (1400, 900)


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
        if not self._restore(self._states.get(name)):
            self.arrangements[name]()
        self.changed.emit(name)

    def reset(self) -> None:
        """Rebuild the current arrangement's default."""
        self.arrangements[self._current]()
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
        self.arrangements[self._current]()
        self._restore(settings.value(CURRENT_STATE_KEY))
        self.changed.emit(self._current)

    def save(self, settings: QSettings) -> None:
        self._states[self._current] = self.window.saveState(self.version)
        settings.setValue(CURRENT_STATE_KEY, self._states[self._current])
        settings.setValue(CURRENT_LAYOUT_KEY, self._current)
        for name, state in self._states.items():
            settings.setValue(LAYOUT_STATE_KEY.format(name), state)

    def _restore(self, state) -> bool:
        return isinstance(state, QByteArray) and not state.isEmpty() and self.window.restoreState(state, self.version)


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
    controls_scroll.setMinimumWidth(w.controls.minimumSizeHint().width())
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
    for made in window.docks.values():
        made.setFloating(False)
        window.removeDockWidget(made)


def arrange_training(window) -> None:
    """Controls on the left; weight chunks, accuracy and activations in the middle; the loss
    (sharing its place with the analysis tabs, the widest place free) above the drawing pad
    on the right (the pad has a fixed size)."""
    w, d = window, window.docks
    _place_all_docks(w)
    w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["controls"])
    w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["chunks"])
    w.splitDockWidget(d["chunks"], d["loss"], Qt.Orientation.Horizontal)
    w.splitDockWidget(d["chunks"], d["accuracy"], Qt.Orientation.Vertical)
    w.splitDockWidget(d["accuracy"], d["activations"], Qt.Orientation.Vertical)
    w.splitDockWidget(d["loss"], d["drawing"], Qt.Orientation.Vertical)
    w.tabifyDockWidget(d["loss"], d["analysis"])
    w.tabifyDockWidget(d["drawing"], d["lab"])
    for made in d.values():
        made.show()
    d["loss"].raise_()
    d["drawing"].raise_()
    # The pad needs a little more than its empty minimum once a prediction is shown;
    # the middle column gets the rest, which at 1400 px fits the chunk panel's captions.
    pad = w.drawing_panel.minimumSizeHint()
    w.resizeDocks([d["controls"], d["chunks"], d["loss"]],
                  [w.controls.minimumSizeHint().width(), 445, pad.width() + 14], Qt.Orientation.Horizontal)
    w.resizeDocks([d["chunks"], d["accuracy"], d["activations"]], [420, 190, 250], Qt.Orientation.Vertical)
    w.resizeDocks([d["loss"], d["drawing"]], [340, pad.height() + 60], Qt.Orientation.Vertical)


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
    width = max(w.width(), DEFAULT_SIZE[0])
    side = max(w.activations_panel.minimumSizeHint().width() + 20, int(0.38 * width))
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
