"""The window's named dock arrangements, switchable and remembered between runs.

Each arrangement is remembered as the user leaves it (QMainWindow.saveState), so switching
back restores whatever was moved, floated or resized there. A saved state carries a layout
version: bump it when the set of docks changes, so an old state is ignored rather than
misapplied (restoreState refuses a state of another version and the default arrangement is used).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal
from PySide6.QtWidgets import QMainWindow

CURRENT_STATE_KEY = "window/state"
CURRENT_LAYOUT_KEY = "window/layout"
LAYOUT_STATE_KEY = "window/layouts/{}"


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
