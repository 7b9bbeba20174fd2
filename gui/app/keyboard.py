"""The window's keyboard: a focused button takes Space and Return, the run shortcuts press the
run buttons, and Help -> Keyboard shortcuts lists every key the window answers."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

BUTTON_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)
OTHER_KEYS = (("Undo the last stroke on the drawing pad", "Ctrl+Z"),
              ("Rename the run selected in Analysis \u2192 Compare", "F2"),
              ("Delete the run selected in Analysis \u2192 Compare", "Del"))
"""Keys that belong to a panel rather than to a window action."""


def _focused_button() -> QAbstractButton | None:
    widget = QApplication.focusWidget()
    return widget if isinstance(widget, QAbstractButton) else None


def _plain(event) -> bool:
    return event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


class FocusedButtonKeys(QObject):
    """An event filter on the window: a focused button takes Space and Return for itself, so the
    window's Space (start, pause, resume) applies only when no button has the focus (text fields
    claim Space themselves).

    A filter rather than an override of the window's event(): Qt paints the whole window from
    inside that method, which, written in Python, would hold the GIL for all of the painting,
    and the training thread would wait for it."""

    def eventFilter(self, watched, event) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and event.key() in BUTTON_KEYS and _plain(event)
                and _focused_button() is not None):
            event.accept()
            return True
        return False


class KeyboardHandling:
    """A mixin of MainWindow; call `_install_keyboard_handling` once the window is made."""

    def _install_keyboard_handling(self) -> None:
        self._focused_button_keys = FocusedButtonKeys(self)
        self.installEventFilter(self._focused_button_keys)

    def keyPressEvent(self, event) -> None:
        button = _focused_button()
        if button is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and _plain(event):
            button.animateClick()  # push buttons outside dialogs ignore Return by themselves
            return
        super().keyPressEvent(event)

    def _press(self, button: QAbstractButton) -> None:
        """A run shortcut: what clicking `button` does, when it can be clicked."""
        if button.isEnabled():
            button.click()

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(what, keys) of every shortcut of the window, in menu order."""
        rows = []
        for made in self.menu_bar.actions():
            menu = made.menu()
            for item in (menu.actions() if menu is not None else ()):
                keys = item.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                if keys:
                    rows.append((item.text().replace("&", "").rstrip("\u2026"), keys))
        return rows + list(OTHER_KEYS)

    def show_shortcuts(self) -> QDialog:
        dialog = ShortcutsDialog(self.shortcut_rows(), self)
        dialog.open()
        self.shortcuts_dialog = dialog
        return dialog


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboardShortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.table = QTableWidget(len(rows), 2)
        self.table.setObjectName("keyboardShortcutsTable")
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(close)
        self.resize(460, 520)
