"""The window's keyboard: a focused button takes Space and Return, the run buttons have shortcuts
shown in their tooltips and in Help -> Keyboard shortcuts."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from qt_support import child

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
