"""The Lab's edits of a trained network (engine.analysis.lab); the panel: tests/gui/test_lab_panel.py."""
import json

import numpy as np
import pytest
from support import DEFAULT_MODEL

from engine.activations import HIDDEN
from engine.analysis.lab import LabEdits, apply_edits, evaluate_edited, network_accuracy, pruned_count
from engine.data import load_mnist
from engine.modelio import load_model
from engine.network import Network

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
    net, _ = load_model(DEFAULT_MODEL)
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


