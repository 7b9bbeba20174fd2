"""The session's runs in the window: a run is kept when it ends, the runs list renames and deletes them
(refusing a taken or empty name), File -> Save run… and Open run… round-trip a run exactly, and a bad
file changes nothing and says why."""
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox
from qt_support import show_panel
from support import recorded_run

from engine.config import TrainConfig
from engine.network import Network
from engine.runs import Run, RunsList
from gui.analysis.compare_panel import ComparePanel
from gui.analysis.runs_panel import RunsPanel, memory_text
from gui.studio_state import StudioState

SMALL = (1000, 200)
WAIT_MS = 30_000
CONFIG = TrainConfig(hidden=(16,), batch_size=50, epochs=1, lr=0.1, seed=0)


@pytest.fixture(scope="module")
def trained(small):
    return recorded_run(small, CONFIG, "trained")


def plain_run(seed: int, name: str = "") -> Run:
    """A run of an untrained 784-8-10 network: no curves, no timeline."""
    return Run(name=name, network=Network((784, 8, 10), seed=seed), config=CONFIG.with_changes(hidden=(8,)))


def bound_panel(qtbot, state):
    panel = show_panel(qtbot, RunsPanel(), (360, 320))
    panel.bind(state)
    panel.refresh(force=True)
    return panel


def names_in_list(panel):
    return [panel.table.item(row, 0).text() for row in range(panel.table.rowCount())]


def action(window, object_name):
    found = window.findChild(QAction, object_name)
    assert found is not None, object_name
    return found


def wait_for_message(qtbot, window):
    qtbot.waitUntil(lambda: isinstance(window.message_box, QMessageBox) and window.message_box.isVisible(),
                    timeout=WAIT_MS)
    return window.message_box


def test_a_run_is_kept_when_it_finishes_and_again_only_if_it_changed(qtbot, window):
    window.controls.hidden_edit.setText("16")
    window.controls.batch_spin.setValue(100)
    window.controls.epochs_spin.setValue(1)
    assert window.controls.is_valid, window.controls.error_text
    with qtbot.waitSignal(window.session.finished, timeout=WAIT_MS):
        assert window.start_training()
    final = window.session.latest_snapshot
    runs = window.state.runs
    assert runs.names() == ["Run 1"]
    run = runs.get("Run 1")
    assert run.steps == final.step > 0 and run.epochs == 1 and run.layer_sizes == (784, 16, 10)
    np.testing.assert_array_equal(run.history.test_accuracy, final.epochs["test_accuracy"])
    np.testing.assert_array_equal(run.network.weights[0], final.network.weights[0])
    assert run.network is not final.network, "the kept run holds its own copy"
    assert run.timeline and "Run 1" in window.statusBar().currentMessage()
    # Reset after the end keeps nothing more: the run is already there as it ended.
    window.reset_training()
    assert runs.names() == ["Run 1"]
    # A run that is reset part way is kept as it was.
    assert window.start_training(paused=True)
    window.session.step()
    qtbot.waitUntil(lambda: window.session.latest_snapshot is not None and window.session.latest_snapshot.step >= 1,
                    timeout=WAIT_MS)
    window.reset_training()
    assert runs.names() == ["Run 1", "Run 2"] and runs.get("Run 2").steps >= 1


def test_renaming_and_deleting_in_the_list_change_the_runs_and_refuse_a_taken_name(qtbot):
    state = StudioState()
    for seed in range(4):
        state.add_run(plain_run(seed))
    panel = bound_panel(qtbot, state)
    assert names_in_list(panel) == ["Run 1", "Run 2", "Run 3", "Run 4"]
    assert panel.memory_label.text() == memory_text(state.runs)
    assert re.fullmatch(r"4 runs, \d+ kB of 256 MB", panel.memory_label.text())

    # In place, as a double-click or F2 edit commits it.
    panel.table.item(1, 0).setText("fast lr")
    assert state.runs.names() == ["Run 1", "fast lr", "Run 3", "Run 4"]
    assert names_in_list(panel)[1] == "fast lr" and panel.selected_name() == "fast lr"
    network = state.runs.get("fast lr").network
    for refused, why in (("fast lr", "already a run named"), ("   ", "cannot be empty")):
        panel.table.item(2, 0).setText(refused)
        assert state.runs.names() == ["Run 1", "fast lr", "Run 3", "Run 4"], "nothing changed"
        assert names_in_list(panel)[2] == "Run 3", "the list shows the old name again"
        assert panel.message_label.isVisible() and why in panel.message_label.text()
    assert state.runs.get("fast lr").network is network

    # Delete the selected run with the Delete key: the run now in its row is selected.
    panel.select("fast lr")
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert state.runs.names() == ["Run 1", "Run 3", "Run 4"] and names_in_list(panel) == state.runs.names()
    assert panel.selected_name() == "Run 3"
    panel.select("Run 4")
    panel.delete_button.click()
    assert state.runs.names() == ["Run 1", "Run 3"] and panel.selected_name() == "Run 3", "the new last row"
    assert panel.memory_label.text().startswith("2 runs, ")


def test_the_list_says_what_the_memory_budget_made_room_for(qtbot, trained):
    state = StudioState()
    state.runs = RunsList(max_bytes=trained.nbytes() + trained.network.weights[0].nbytes)
    panel = bound_panel(qtbot, state)
    state.add_run(trained)
    panel.refresh()
    assert not panel.message_label.isVisible()
    state.add_run(trained.renamed("again"))
    panel.refresh()
    assert state.runs.last_trim and panel.message_label.isVisible()
    assert panel.message_label.text() == "Made room: " + "; ".join(state.runs.last_trim) + "."
    assert "trained: timeline dropped" in panel.message_label.text()


def test_save_run_then_open_run_gives_back_the_same_run(qtbot, window, trained, tmp_path, monkeypatch):
    window.state.add_run(trained)
    path = tmp_path / "kept.npz"
    asked = []
    monkeypatch.setattr(window, "ask_run_save_path", lambda name: asked.append(name) or str(path))
    monkeypatch.setattr(window, "ask_run_open_path", lambda: str(path))
    action(window, "saveRunAction").trigger()
    assert asked == ["trained"] and path.is_file()
    assert window.state.runs.path("trained") == path and str(path) in window.statusBar().currentMessage()

    action(window, "openRunAction").trigger()
    assert window.state.runs.names() == ["trained", "trained (2)"]
    opened = window.state.runs.get("trained (2)")
    for a, b in zip(trained.network.weights + trained.network.biases, opened.network.weights + opened.network.biases):
        np.testing.assert_array_equal(a, b)
    assert opened.history.same_as(trained.history) and opened.config == trained.config
    assert len(opened.timeline) == len(trained.timeline) > 1
    for a, b in zip(trained.timeline, opened.timeline):
        assert a.step == b.step
        for x, y in zip(a.weights + a.biases, b.weights + b.biases):
            np.testing.assert_array_equal(x, y)
    assert (opened.steps, opened.epochs, opened.test_accuracy, opened.created) == (
        trained.steps, trained.epochs, trained.test_accuracy, trained.created)
    # The Compare tab comes forward with the opened run selected in its list.
    panel = window.analysis.current_panel()
    assert isinstance(panel, ComparePanel) and panel.runs_panel.selected_name() == "trained (2)"
    assert str(path) in panel.runs_panel.table.item(1, 0).toolTip()


@pytest.mark.parametrize("content", [b"not a zip archive at all", "truncated"])
def test_a_bad_run_file_leaves_the_runs_as_they_were_and_says_why(qtbot, window, trained, tmp_path, monkeypatch,
                                                                  content):
    window.state.add_run(trained)
    path = tmp_path / "bad.npz"
    if content == "truncated":
        good = tmp_path / "good.npz"
        window.save_run_file("trained", good)
        content = good.read_bytes()[: len(good.read_bytes()) // 2]
    path.write_bytes(content)
    revision = window.state.runs_revision
    monkeypatch.setattr(window, "ask_run_open_path", lambda: str(path))
    action(window, "openRunAction").trigger()
    box = wait_for_message(qtbot, window)
    assert window.state.runs.names() == ["trained"] and window.state.runs_revision == revision
    assert box.icon() == QMessageBox.Icon.Warning and box.windowTitle() == "Could not open run"
    assert f"{path}: " in box.text() and "runs are as they were" in box.text()
    assert window.statusBar().currentMessage().startswith(f"{path}: ")


def test_saving_without_runs_says_there_is_none(qtbot, window, monkeypatch):
    monkeypatch.setattr(window, "ask_run_save_path", lambda name: pytest.fail("no dialog without a run"))
    action(window, "saveRunAction").trigger()
    box = wait_for_message(qtbot, window)
    assert box.windowTitle() == "No runs yet" and "kept when it finishes" in box.text()
