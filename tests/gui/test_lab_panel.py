"""The Lab panel (gui.panels.lab_panel) that edits a trained network (the edits: tests/engine/test_lab.py)."""
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from qt_support import open_window, settings_file, settings_without_dock

from engine.analysis.lab import LabEdits, apply_edits, evaluate_edited, network_accuracy
from engine.modelio import load_model
from gui.app.main_window import ANALYSIS_LAYOUT, TRAINING_LAYOUT, MainWindow
from gui.panels import lab_panel as lab_panel_module
from gui.panels.scripted_strokes import STROKES_SEVEN, draw_strokes

WAIT_MS = 15_000
SMALL = (2000, 1000)  # the training and test images of the `small` fixture (conftest.py)


def parameters(net):
    return [p.copy() for p in net.parameters()]


# ----------------------------------------------------------------------------- the panel


@pytest.fixture
def window(qtbot, small, settings):
    win = open_window(qtbot, small, settings)
    yield win
    win.lab_panel.wait()
    win.close()


def drawn_probabilities(win):
    return np.array(win.drawing_panel.current_probabilities, copy=True)


def draw_seven(win):
    draw_strokes(win.drawing_panel.pad, STROKES_SEVEN)
    win.drawing_panel.update_input_now()
    assert win.drawing_panel.current_probabilities is not None


def wait_for_accuracy(qtbot, lab):
    qtbot.waitUntil(lambda: not lab.busy and lab.shown_result is not None and lab.shown_result[2] == lab.edits
                    and lab.shown_result[0] is lab.network, timeout=WAIT_MS)


def test_the_lab_dock_shares_the_drawing_pads_place_in_both_layouts(qtbot, window):
    lab_dock, drawing_dock = window.docks["lab"], window.docks["drawing"]
    assert lab_dock.objectName() == "labDock" and lab_dock.windowTitle() == "Lab"
    assert window.findChild(type(window.lab_panel), "labPanel") is window.lab_panel
    for layout in (TRAINING_LAYOUT, ANALYSIS_LAYOUT):
        window.layouts.switch(layout)
        assert lab_dock in window.tabifiedDockWidgets(drawing_dock)
        assert lab_dock.toggleViewAction().isChecked() and not lab_dock.isFloating()
    for name in ("labNeuronOff", "labWeightScale", "labBiasShift", "labPrunePercent", "labTemperature",
                 "labUndoAllButton", "labSaveButton", "labAccuracyLabel"):
        widget = window.lab_panel.findChild(object, name)
        assert widget is not None, name
        assert len(widget.toolTip()) > 20, f"{name} explains itself"


def test_switching_neurons_off_changes_the_prediction_and_undo_restores_it(qtbot, window):
    draw_seven(window)
    lab = window.lab_panel
    original = drawn_probabilities(window)
    displayed = window.displayed_snapshot.network
    before = parameters(displayed)
    assert "No edits" in lab.active_banner.text()

    for neuron in range(0, 400, 2):
        assert lab.set_neuron_off(1, neuron)
    edited = drawn_probabilities(window)
    assert lab.network_for(displayed) is lab.network_for(displayed), "made once per network and edits"
    assert not np.allclose(edited, original)
    expected = apply_edits(displayed, lab.edits).predict_proba(
        window.drawing_panel.current_input().reshape(-1, 1).astype(np.float32))[:, 0]
    np.testing.assert_allclose(edited, expected, rtol=1e-6)
    assert "Lab edits active" in lab.active_banner.text()
    # The network on screen (and so the one any training continues from) is untouched.
    for got, want in zip(displayed.parameters(), before):
        np.testing.assert_array_equal(got, want)

    window.docks["lab"].raise_()
    qtbot.mouseClick(lab.undo_button, Qt.MouseButton.LeftButton)
    assert lab.edits.is_empty
    np.testing.assert_array_equal(drawn_probabilities(window), original)
    assert "No edits" in lab.active_banner.text()


def test_the_controls_edit_the_selected_neuron(qtbot, window):
    lab = window.lab_panel
    window.docks["lab"].raise_()
    window.chunks_panel.chunkClicked.emit(17)  # a click on chunk 17 selects first-layer neuron 17
    if window.chunks_panel.detail_dialog is not None:
        window.chunks_panel.detail_dialog.close()
    assert (lab.layer_spin.value(), lab.neuron_spin.value()) == (1, 17)
    lab.off_check.setChecked(True)
    lab.scale_spin.setValue(0.5)
    lab.shift_spin.setValue(-1.0)
    lab.prune_slider.setValue(30)
    lab.temperature_spin.setValue(2.0)
    assert lab.edits == LabEdits(switched_off=((1, 17),), weight_scales=((1, 17, 0.5),),
                                 bias_shifts=((1, 17, -1.0),), prune_percent=30, temperature=2.0)
    assert lab.edits_list.count() == 5
    # Another neuron shows its own (absent) edits; coming back shows them again.
    assert lab.select_neuron(2, 3)
    assert not lab.off_check.isChecked() and lab.scale_spin.value() == 1.0
    assert lab.select_neuron(1, 17)
    assert lab.off_check.isChecked() and lab.shift_spin.value() == -1.0
    lab.reset_neuron_button.click()
    assert lab.edits == LabEdits(prune_percent=30, temperature=2.0)
    # The output layer's neurons are digits' scores: they cannot be switched off.
    assert lab.select_neuron(3, 7)
    assert not lab.off_check.isEnabled()


def test_the_accuracy_readout_follows_the_edits_in_the_background(qtbot, window, small, monkeypatch):
    lab = window.lab_panel
    threads = []

    def recording_accuracy(*args, **kwargs):
        threads.append(threading.current_thread())
        return network_accuracy(*args, **kwargs)

    monkeypatch.setattr(lab_panel_module, "network_accuracy", recording_accuracy)
    window.docks["lab"].raise_()
    base = window.displayed_snapshot.network
    wait_for_accuracy(qtbot, lab)
    original = network_accuracy(base, small.x_test, small.y_test)
    assert f"{100 * original:.2f} %" in lab.accuracy_label.text()

    shown = []
    lab.accuracyShown.connect(lambda: shown.append(lab.shown_result))
    for percent in range(5, 96, 5):  # a slider dragged: many requests, one answer that counts
        assert lab.set_prune_percent(percent)
    assert lab.busy
    wait_for_accuracy(qtbot, lab)
    expected = evaluate_edited(base, lab.edits, small.x_test, small.y_test)
    assert lab.edits.prune_percent == 95
    assert lab.shown_result[4] == expected and lab.shown_result[3] == original
    text = lab.accuracy_label.text()
    assert f"{100 * expected:.2f} %" in text and f"{100 * original:.2f} %" in text
    assert len(shown) < 19, "superseded requests are dropped, not shown one after another"
    assert all(result[2] == lab.edits for result in shown), "only the latest request's result is shown"
    assert threads and threading.main_thread() not in threads, "never evaluated on the GUI thread"


def test_saving_writes_the_edited_network(qtbot, window, tmp_path):
    lab = window.lab_panel
    edits = LabEdits(switched_off=((1, 3), (2, 9)), weight_scales=((2, 4, 1.5),), bias_shifts=((3, 2, 0.75),),
                     prune_percent=25, temperature=1.5)
    assert lab.set_edits(edits)
    wait_for_accuracy(qtbot, lab)
    path = tmp_path / "edited.npz"
    assert lab.save_edited(path)
    loaded, metadata = load_model(path)
    expected = apply_edits(window.displayed_snapshot.network, edits)
    assert loaded.layer_sizes == expected.layer_sizes and loaded.dtype == expected.dtype
    for got, want in zip(loaded.parameters(), expected.parameters()):
        np.testing.assert_array_equal(got, want)
    assert LabEdits.from_dict(metadata["lab_edits"]) == edits
    assert metadata["test_accuracy"] == lab.shown_result[4]
    assert list(tmp_path.iterdir()) == [path], "written atomically: no temporary file left"

    assert not lab.save_edited(tmp_path / "missing-folder" / "edited.npz")
    assert lab.message_box is not None and "Nothing was written" in lab.message_box.text()
    lab.message_box.close()


def test_bad_input_is_refused_clearly(qtbot, window):
    lab = window.lab_panel
    window.docks["lab"].raise_()
    assert lab.set_neuron_off(1, 5)
    edits = lab.edits
    refusals = [
        (lambda: lab.select_neuron(1, 400), "Layer 1 has neurons 0 to 399; there is no neuron 400"),
        (lambda: lab.select_neuron(4, 0), "There is no layer 4"),
        (lambda: lab.set_neuron_off(2, 1000), "there is no neuron 1000"),
        (lambda: lab.set_neuron_off(3, 1), "only hidden neurons can be switched off"),
        (lambda: lab.set_weight_scale(1, -2, 2.0), "neurons are numbered from 0"),
        (lambda: lab.set_temperature(0.0), "the temperature must be positive"),
        (lambda: lab.set_prune_percent(150), "between 0 and 100"),
        (lambda: lab.set_bias_shift(1, 0, float("nan")), "finite"),
    ]
    for attempt, reason in refusals:
        assert attempt() is False
        assert reason in lab.message, lab.message
        assert lab.message_label.isVisible()
        assert lab.edits == edits, "a refused edit changes nothing"
    assert lab.set_neuron_off(1, 6)
    assert lab.message == "", "an accepted edit clears the refusal"


def test_edits_a_new_network_lacks_are_dropped(qtbot, window):
    lab = window.lab_panel
    assert lab.set_neuron_off(1, 300) and lab.set_neuron_off(1, 2) and lab.select_neuron(1, 300)
    window.controls.hidden_edit.setText("16")
    assert window.start_training(paused=True)
    qtbot.waitUntil(lambda: window.displayed_snapshot.state != "idle", timeout=WAIT_MS)
    assert lab.network is window.displayed_snapshot.network
    assert lab.edits == LabEdits(switched_off=((1, 2),))
    assert "dropped" in lab.message
    assert (lab.layer_spin.value(), lab.neuron_spin.maximum(), lab.neuron_spin.value()) == (1, 15, 15)
    window.reset_training()


def test_a_layout_saved_before_the_lab_existed_does_not_hide_it(qtbot, small, tmp_path):
    scratch = MainWindow(dataset=small, model_path=None, settings=settings_file(tmp_path, "scratch.ini"))
    qtbot.addWidget(scratch)
    # Without a model there is nothing to edit, and the panel says so.
    assert not scratch.lab_panel.save_button.isEnabled()
    assert scratch.lab_panel.set_neuron_off(1, 0) is False
    assert "no network to edit" in scratch.lab_panel.message
    old = settings_without_dock(scratch, "lab", tmp_path)
    win = MainWindow(dataset=small, model_path=None, settings=old)
    qtbot.addWidget(win)
    win.show()
    lab_dock = win.docks["lab"]
    assert lab_dock.toggleViewAction().isChecked() and not lab_dock.isFloating()
    assert lab_dock in win.tabifiedDockWidgets(win.docks["drawing"])
    win.close()
