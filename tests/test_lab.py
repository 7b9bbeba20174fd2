"""The Lab: edits of a trained network (engine.analysis.lab) and the panel that makes them (gui.panels.lab_panel)."""
import json
import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402

from engine.activations import HIDDEN  # noqa: E402
from engine.analysis.lab import LabEdits, apply_edits, evaluate_edited, network_accuracy, pruned_count  # noqa: E402
from engine.data import load_mnist  # noqa: E402
from engine.modelio import load_model  # noqa: E402
from engine.network import Network  # noqa: E402
from gui.app.main_window import ANALYSIS_LAYOUT, LAYOUT_VERSION, TRAINING_LAYOUT, MainWindow  # noqa: E402
from gui.panels import lab_panel as lab_panel_module  # noqa: E402
from gui.panels.drawing_pad import STROKES_SEVEN, draw_strokes  # noqa: E402

WAIT_MS = 15_000
SIZES = (12, 7, 5, 4)


def network_of(activation="relu", seed=1, dtype=np.float64, sizes=SIZES):
    net = Network(sizes, hidden_activation=activation, dtype=dtype, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for b in net.biases:  # nonzero biases, so that forgetting one would show
        b[...] = rng.normal(0, 0.5, b.shape)
    return net


def inputs(n=50, n_in=SIZES[0], seed=2):
    return np.random.default_rng(seed).uniform(0, 1, (n_in, n))


def without_unit(net, layer, neuron):
    """The network with hidden neuron `neuron` of `layer` removed outright."""
    weights = [w.copy() for w in net.weights]
    biases = [b.copy() for b in net.biases]
    weights[layer - 1] = np.delete(weights[layer - 1], neuron, axis=0)
    biases[layer - 1] = np.delete(biases[layer - 1], neuron, axis=0)
    weights[layer] = np.delete(weights[layer], neuron, axis=1)
    sizes = list(net.layer_sizes)
    sizes[layer] -= 1
    return Network(sizes, net.hidden_activation, net.output_activation, net.loss_name, dtype=net.dtype,
                   weights=weights, biases=biases)


def parameters(net):
    return [p.copy() for p in net.parameters()]


def softmax(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


# ----------------------------------------------------------------------------- the engine


@pytest.mark.parametrize("activation", sorted(HIDDEN))
@pytest.mark.parametrize("layer, neuron", [(1, 0), (1, 4), (2, 2)])
def test_switching_a_neuron_off_is_removing_it(activation, layer, neuron):
    net = network_of(activation)
    edited = apply_edits(net, LabEdits(switched_off=((layer, neuron),)))
    x = inputs()
    np.testing.assert_allclose(edited.forward(x).A[-1], without_unit(net, layer, neuron).forward(x).A[-1],
                               rtol=1e-12, atol=1e-14)
    # The neuron itself is constant at g(0) (0 for ReLU and tanh, 0.5 for the sigmoid)...
    a = edited.forward(x).A[layer][neuron]
    assert np.all(a == a[0])
    # ...and with it removed, the output really changed.
    assert not np.allclose(edited.forward(x).A[-1], net.forward(x).A[-1])


def test_switching_off_several_neurons_in_two_layers_of_a_sigmoid_network():
    net = network_of("sigmoid")
    edited = apply_edits(net, LabEdits(switched_off=((1, 1), (1, 5), (2, 3))))
    manual = without_unit(without_unit(without_unit(net, 2, 3), 1, 5), 1, 1)
    x = inputs()
    np.testing.assert_allclose(edited.forward(x).A[-1], manual.forward(x).A[-1], rtol=1e-12, atol=1e-14)


def test_weight_scale_multiplies_one_row_and_leaves_the_bias():
    net = network_of()
    edited = apply_edits(net, LabEdits(weight_scales=((2, 3, 0.25),)))
    expected_w = [w.copy() for w in net.weights]
    expected_w[1][3] *= 0.25
    for got, want in zip(edited.weights, expected_w):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(edited.biases, net.biases):
        np.testing.assert_array_equal(got, want)


def test_bias_shift_adds_to_one_bias_only():
    net = network_of()
    edited = apply_edits(net, LabEdits(bias_shifts=((1, 6, -1.5), (3, 0, 2.0))))
    expected_b = [b.copy() for b in net.biases]
    expected_b[0][6, 0] += -1.5
    expected_b[2][0, 0] += 2.0
    for got, want in zip(edited.biases, expected_b):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(edited.weights, net.weights):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("percent", [0, 10, 33.3, 50, 90, 100])
def test_pruning_zeroes_the_smallest_weights_of_each_layer(percent):
    net = network_of(dtype=np.float32, sizes=(784, 40, 20, 10))
    edited = apply_edits(net, LabEdits(prune_percent=percent))
    for before, after in zip(net.weights, edited.weights):
        n = before.size
        k = pruned_count(n, percent)
        assert k == int(np.floor(n * percent / 100 + 0.5))
        pruned = after == 0
        assert np.count_nonzero(pruned) == k
        np.testing.assert_array_equal(after[~pruned], before[~pruned])  # the rest untouched
        if 0 < k < n:
            assert np.abs(before[pruned]).max() <= np.abs(before[~pruned]).min()
    for before, after in zip(net.biases, edited.biases):
        np.testing.assert_array_equal(before, after)


def test_temperature_keeps_the_answers_and_rescales_the_logits():
    net = network_of()
    x = inputs(200)
    cache = net.forward(x)
    for temperature in (0.3, 1.0, 2.5, 10.0):
        edited = apply_edits(net, LabEdits(temperature=temperature))
        probabilities = edited.predict_proba(x)
        np.testing.assert_allclose(probabilities, softmax(cache.Z[-1] / temperature), rtol=1e-10)
        np.testing.assert_array_equal(edited.predict(x), net.predict(x))
    flatter = apply_edits(net, LabEdits(temperature=4.0)).predict_proba(x)
    assert np.all(flatter.max(axis=0) < cache.A[-1].max(axis=0))


def test_apply_edits_never_changes_its_input():
    net = network_of("sigmoid")
    before = parameters(net)
    edits = LabEdits(switched_off=((1, 2),), weight_scales=((1, 0, 3.0),), bias_shifts=((2, 1, 1.0),),
                     prune_percent=40, temperature=3.0)
    edited = apply_edits(net, edits)
    for got, want in zip(net.parameters(), before):
        np.testing.assert_array_equal(got, want)
    assert not np.shares_memory(edited.flat_parameters, net.flat_parameters)


def test_no_edits_give_an_identical_copy():
    net = network_of(dtype=np.float32)
    edited = apply_edits(net, LabEdits())
    assert edited is not net and LabEdits().is_empty
    assert (edited.layer_sizes, edited.hidden_activation, edited.dtype) == (net.layer_sizes, net.hidden_activation,
                                                                            net.dtype)
    for got, want in zip(edited.parameters(), net.parameters()):
        np.testing.assert_array_equal(got, want)
    # Undoing every edit is the same as never having made one.
    undone = LabEdits(prune_percent=30).with_neuron_off(1, 2).with_neuron_off(1, 2, False).with_prune_percent(0)
    assert undone == LabEdits() and undone.is_empty


def test_evaluate_edited_is_the_accuracy_of_the_edited_network():
    data = load_mnist().subset(100, 2500)
    net, _ = load_model(os.path.join(os.path.dirname(__file__), "..", "assets", "models", "default.npz"))
    edits = LabEdits(switched_off=tuple((1, i) for i in range(0, 400, 3)), prune_percent=70)
    edited = apply_edits(net, edits)
    direct = float(np.mean(np.argmax(edited.forward(data.x_test.T).A[-1], axis=0) == data.y_test))
    assert evaluate_edited(net, edits, data.x_test, data.y_test) == direct
    assert evaluate_edited(net, edits, data.x_test, data.y_test, chunk=333) == direct
    assert direct < network_accuracy(net, data.x_test, data.y_test)


def test_edits_that_do_not_fit_are_refused_with_a_reason():
    net = network_of()
    with pytest.raises(ValueError, match="layer 1 has neurons 0 to 6; there is no neuron 7"):
        apply_edits(net, LabEdits(switched_off=((1, 7),)))
    with pytest.raises(ValueError, match="only hidden neurons"):
        apply_edits(net, LabEdits(switched_off=((3, 0),)))
    with pytest.raises(ValueError, match="no layer 4"):
        apply_edits(net, LabEdits(bias_shifts=((4, 0, 1.0),)))
    for bad in (dict(temperature=0), dict(temperature=float("nan")), dict(prune_percent=101),
                dict(prune_percent=-1), dict(switched_off=((0, 1),)), dict(switched_off=((1, -1),)),
                dict(weight_scales=((1, 0, float("inf")),))):
        with pytest.raises(ValueError):
            LabEdits(**bad)
    assert LabEdits(switched_off=((1, 7), (1, 2))).fitting(net.layer_sizes) == LabEdits(switched_off=((1, 2),))


def test_edits_describe_themselves_and_survive_json():
    edits = LabEdits(switched_off=((2, 1), (1, 4)), weight_scales=((1, 0, 0.5), (1, 1, 1.0)),
                     bias_shifts=((2, 0, -0.25),), prune_percent=12.5, temperature=2.0)
    assert edits.switched_off == ((1, 4), (2, 1)) and edits.weight_scales == ((1, 0, 0.5),)
    assert LabEdits.from_dict(json.loads(json.dumps(edits.to_dict()))) == edits
    assert len(edits.summary()) == 6
    assert edits.to_dict()["prune_scope"] == "per layer"


# ----------------------------------------------------------------------------- the panel


@pytest.fixture(scope="module")
def small():
    return load_mnist().subset(2000, 1000)


@pytest.fixture
def window(qtbot, small, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(dataset=small, settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
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
    scratch = MainWindow(dataset=small, model_path=None,
                         settings=QSettings(str(tmp_path / "scratch.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(scratch)
    # Without a model there is nothing to edit, and the panel says so.
    assert not scratch.lab_panel.save_button.isEnabled()
    assert scratch.lab_panel.set_neuron_off(1, 0) is False
    assert "no network to edit" in scratch.lab_panel.message
    scratch.removeDockWidget(scratch.docks["lab"])
    old_state = scratch.saveState(LAYOUT_VERSION - 1)
    scratch.close()
    old = QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat)
    old.setValue("window/state", old_state)
    old.sync()
    win = MainWindow(dataset=small, model_path=None, settings=old)
    qtbot.addWidget(win)
    win.show()
    lab_dock = win.docks["lab"]
    assert lab_dock.toggleViewAction().isChecked() and not lab_dock.isFloating()
    assert lab_dock in win.tabifiedDockWidgets(win.docks["drawing"])
    win.close()
