"""Helpers for the tests of gui/ (pytest-qt)."""
import os

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from gui.app.main_window import LAYOUT_VERSION, MainWindow


def settings_file(tmp_path, name="settings.ini"):
    return QSettings(str(tmp_path / name), QSettings.Format.IniFormat)


def open_window(qtbot, dataset, settings, size=None, **kwargs) -> MainWindow:
    """A main window, shown and exposed (resized to `size` first, if given)."""
    win = MainWindow(dataset=dataset, settings=settings, **kwargs)
    qtbot.addWidget(win)
    if size is not None:
        win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    return win


def child(win, object_name, kind=QWidget):
    found = win.findChild(kind, object_name)
    assert found is not None, f"no {kind.__name__} named {object_name!r}"
    return found


def os_thread_count(qtbot) -> int:
    """Threads of this process, once threads that were just joined have also left the OS."""
    def count():
        return len(os.listdir("/proc/self/task"))
    previous = count()
    for _ in range(40):
        qtbot.wait(25)
        current = count()
        if current == previous:
            return current
        previous = current
    return previous


def added_widget(qtbot, widget):
    """`widget`, closed by qtbot at the end of the test."""
    qtbot.addWidget(widget)
    return widget


def show_panel(qtbot, panel, size=(900, 600)):
    """`panel` on screen at `size`, closed by qtbot at the end of the test."""
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def settings_without_dock(win, dock, tmp_path, name="old.ini"):
    """Settings that remember `win`'s layout without `dock`, saved as a version before the current one, as a
    layout saved before that dock existed would be. Closes `win`."""
    win.removeDockWidget(win.docks[dock])
    old_state = win.saveState(LAYOUT_VERSION - 1)
    win.close()
    old = settings_file(tmp_path, name)
    old.setValue("window/state", old_state)
    old.sync()
    return old
