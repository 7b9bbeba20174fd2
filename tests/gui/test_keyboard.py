"""The window's keyboard: a focused button takes Space and Return, the run buttons have shortcuts
shown in their tooltips and in Help -> Keyboard shortcuts, and every menu shortcut triggers its action."""
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from qt_support import child

from gui.app.menus import ANALYSIS_LAYOUT
from gui.panels.controls import RUN_SHORTCUTS

WAIT_MS = 20_000
SMALL = (2000, 300)


def small_run(win, epochs=3):
    win.controls.hidden_edit.setText("16")
    child(win, "batchSizeSpin").setValue(20)
    child(win, "epochsSpin").setValue(epochs)
    assert win.controls.is_valid, win.controls.error_text


def focus(qtbot, win, widget):
    win.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=WAIT_MS)


def test_space_on_a_focused_step_button_steps_once_instead_of_resuming(qtbot, window):
    small_run(window)
    assert window.start_training(paused=True)
    qtbot.waitUntil(lambda: window.displayed_snapshot is not None and window.displayed_snapshot.state == "paused",
                    timeout=WAIT_MS)
    step = window.controls.step_button
    focus(qtbot, window, step)
    before = window.session.trainer.step
    qtbot.keyClick(step, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.session.trainer.step == before + 1, timeout=WAIT_MS)
    qtbot.wait(300)
    assert window.session.state == "paused" and window.session.trainer.step == before + 1
    qtbot.keyClick(step, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session.trainer.step == before + 2, timeout=WAIT_MS)
    qtbot.wait(300)
    assert window.session.state == "paused" and window.session.trainer.step == before + 2


def test_space_and_return_on_a_focused_stop_button_stop_the_run(qtbot, window):
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Return):
        small_run(window, epochs=50)
        assert window.start_training()
        qtbot.waitUntil(lambda: window.session.state == "running" and window.controls.stop_button.isEnabled(),
                        timeout=WAIT_MS)
        stop = window.controls.stop_button
        focus(qtbot, window, stop)
        qtbot.keyClick(stop, key)
        qtbot.waitUntil(lambda: window.session.state == "stopped", timeout=WAIT_MS)
        window.reset_training()


def test_space_still_starts_and_pauses_when_no_button_has_the_focus(qtbot, window):
    small_run(window, epochs=50)
    focus(qtbot, window, window.chunks_panel)
    qtbot.keyClick(window.chunks_panel, Qt.Key.Key_Space)
    assert window.session.state == "running"
    qtbot.keyClick(window.chunks_panel, Qt.Key.Key_Space)
    assert window.session.state == "paused"


def test_step_stop_and_reset_have_shortcuts_in_their_tooltips_and_the_list(qtbot, window):
    small_run(window, epochs=50)
    focus(qtbot, window, window.chunks_panel)
    qtbot.keyClick(window.chunks_panel, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)  # Step
    qtbot.waitUntil(lambda: window.session.trainer is not None and window.session.trainer.step == 1,
                    timeout=WAIT_MS)
    assert window.session.state == "paused"
    qtbot.keyClick(window.chunks_panel, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)  # Stop
    qtbot.waitUntil(lambda: window.session.state == "stopped", timeout=WAIT_MS)
    qtbot.keyClick(window.chunks_panel, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Reset
    assert window.session.state == "idle"

    for name in ("start", "pause", "step", "stop", "reset"):
        assert RUN_SHORTCUTS[name] in getattr(window.controls, f"{name}_button").toolTip()
    dialog = window.show_shortcuts()
    table = child(dialog, "keyboardShortcutsTable", QTableWidget)
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    keys = set(rows.values())
    assert {"Space", "Ctrl+Right", "Ctrl+.", "Ctrl+R", "Ctrl+1", "Ctrl+2", "F5", "Ctrl+S", "Ctrl+Z"} <= keys, rows
    assert rows["Step one mini-batch"] == "Ctrl+Right"
    dialog.close()


def test_the_status_bar_shows_the_edited_accuracy_while_lab_edits_are_active(qtbot, window):
    lab = window.lab_panel
    assert window.state.network is not None
    with qtbot.waitSignal(lab.accuracyShown, timeout=WAIT_MS):
        assert lab.set_prune_percent(80)
    edited = lab.shown_result[4]
    text = window.accuracy_label.text()
    assert f"Lab edits {100 * edited:.2f} %" in text, text
    lab.undo_all()
    assert "Lab edits" not in window.accuracy_label.text()


def menu_actions(menu):
    """Every action of `menu` (a QMenu or the menu bar) and of its submenus, in menu order."""
    for made in menu.actions():
        if made.menu() is not None:
            yield from menu_actions(made.menu())
        elif not made.isSeparator():
            yield made


def test_every_menu_shortcut_triggers_its_action(qtbot, window, monkeypatch):
    # The file dialogs answer "cancel": those keys' actions then run without waiting for anyone.
    for hook in ("ask_open_path", "ask_save_path", "ask_dataset_path"):
        monkeypatch.setattr(window, hook, lambda *_: "")
    small_run(window, epochs=50)
    with_keys = [made for made in menu_actions(window.menu_bar) if not made.shortcut().isEmpty()]
    keys = {made.shortcut().toString() for made in with_keys}
    assert {"Ctrl+Shift+O", "Ctrl+S", "Ctrl+Shift+S", "Ctrl+O", "Ctrl+Q", "Ctrl+1", "Ctrl+2", "Space",
            "Ctrl+Right", "Ctrl+.", "Ctrl+R", "F5", "F1"} <= keys, keys
    assert len(keys) == len(with_keys), "two actions share a key"
    counts = {id(made): 0 for made in with_keys}
    for made in with_keys:
        made.triggered.connect(lambda _=False, m=made: counts.__setitem__(id(m), counts[id(m)] + 1))
    # A run is stepped, resumed, stopped and reset in that order; Help opens a dialog, which would
    # take the keys; Quit closes the window.
    last = [window.run_actions[name] for name in ("step", "start", "stop", "reset")]
    last += [window.shortcuts_action, window.quit_action]
    ordered = [made for made in with_keys if made not in last] + last

    for made in ordered:
        focus(qtbot, window, window.chunks_panel)
        combination = made.shortcut()[0]
        expected = {id(m): counts[id(m)] + (m is made) for m in with_keys}
        qtbot.keyClick(window.chunks_panel, combination.key(), combination.keyboardModifiers())
        assert counts == expected, f"{made.text()!r} ({made.shortcut().toString()})"
        if made is window.run_actions["step"]:
            qtbot.waitUntil(lambda: window.session.state == "paused", timeout=WAIT_MS)
        elif made is window.run_actions["start"]:
            assert window.session.state == "running"
        elif made is window.run_actions["stop"]:
            qtbot.waitUntil(lambda: window.session.state == "stopped", timeout=WAIT_MS)
        elif made is window.run_actions["reset"]:
            assert window.session.state == "idle"
        elif made is window.layout_actions[ANALYSIS_LAYOUT]:
            assert made.isChecked() and window.docks["analysis"].isVisible()
        elif made is window.shortcuts_action:
            dialog = window.shortcuts_dialog
            assert dialog.isVisible()
            dialog.close()
        box = window.message_box
        if box is not None and shiboken6.isValid(box) and box.isVisible():
            box.close()  # e.g. "No timeline" to save yet: it would take the next keys
    assert not window.isVisible()  # Ctrl+Q closed it
