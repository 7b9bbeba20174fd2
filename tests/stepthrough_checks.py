"""Checks of engine.analysis.stepthrough's steps against the engine's own passes, for the tests of the
step-through (tests/engine/test_math_stepthrough.py) and of the Math panel (tests/gui/test_math_panel.py)."""
import numpy as np

from engine.activations import HIDDEN, OUTPUT

T = "\u1d40"  # the transpose mark in matrix names
SYMBOLS = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "\u03c3", "tanh": "tanh"}
SEED_001_W1 = [[0.2, -0.1, 0.4], [0.5, 0.3, -0.6], [-0.2, 0.1, 0.3]]


def engine_values(network, X, Y, alpha):
    """Every matrix a step may show, by name, computed here by the engine independently."""
    net = network.copy()
    X = np.asarray(X, dtype=net.dtype)
    Y = np.asarray(Y, dtype=net.dtype)
    cache = net.forward(X)
    grads = net.backward(cache, Y)
    L = net.n_layers
    values = {"X": X, "Y": Y, "X" + T: X.T, "J": np.array([[net.loss(cache, Y)]])}
    for l in range(1, L + 1):
        w, b = net.weights[l - 1], net.biases[l - 1]
        values.update({f"W[{l}]": w, f"W[{l}]{T}": w.T, f"b[{l}]": b, f"Z[{l}]": cache.Z[l], f"A[{l}]": cache.A[l],
                       f"A[{l}]{T}": cache.A[l].T, f"dZ[{l}]": grads.dZ[l], f"dW[{l}]": grads.dW[l],
                       f"db[{l}]": grads.db[l],
                       # the update W := W - alpha dW (docs/math.md#updates)
                       f"W[{l}] (new)": w - net.dtype.type(alpha) * grads.dW[l],
                       f"b[{l}] (new)": b - net.dtype.type(alpha) * grads.db[l]})
        if l < L:
            d_a = net.weights[l].T @ grads.dZ[l + 1]  # dA[l] = W[l+1]^T dZ[l+1]
            slope = HIDDEN[net.hidden_activation][1](cache.Z[l], cache.A[l])
            values[f"dA[{l}]"] = d_a
            values[f"{SYMBOLS[net.hidden_activation]}\u2032(Z[{l}])"] = slope
            # dZ[l] = dA[l] * g'(Z[l]), as backward() computes it
            np.testing.assert_allclose(d_a * slope, grads.dZ[l], rtol=1e-5, atol=1e-7)
    if net.output_activation != "softmax":
        symbol = {"sigmoid": "\u03c3", "identity": "identity"}[net.output_activation]
        values[f"{symbol}\u2032(Z[{L}])"] = OUTPUT[net.output_activation][1](cache.Z[L], cache.A[L])
    return values


def check_every_number(steps, network, X, Y, alpha):
    """Each matrix of each step equals the engine's array of the same name, entry for entry."""
    expected = engine_values(network, X, Y, alpha)
    checked = 0
    for step in steps.steps:
        for matrix in step.matrices:
            assert matrix.name in expected, f"step {step.index} ({step.title}) shows unknown {matrix.name}"
            want = np.asarray(expected[matrix.name])
            assert matrix.shape == want.shape, (step.title, matrix.name)
            np.testing.assert_allclose(matrix.values, want, rtol=1e-6, atol=1e-9,
                                       err_msg=f"step {step.index + 1} {step.title}: {matrix.name}")
            checked += matrix.values.size
    return checked


def expected_equations(L, hidden="ReLU", first_input="X"):
    forward = []
    for l in range(1, L + 1):
        previous = first_input if l == 1 else f"A[{l - 1}]"
        forward += [f"Z[{l}] = W[{l}] {previous} + b[{l}]",
                    f"A[{l}] = softmax(Z[{l}])" if l == L else f"A[{l}] = {hidden}(Z[{l}])"]
    backward = [f"dZ[{L}] = A[{L}] \u2212 Y"]
    for l in range(L, 0, -1):
        if l < L:
            backward += [f"dA[{l}] = W[{l + 1}]{T} dZ[{l + 1}]", f"dZ[{l}] = dA[{l}] \u2299 {hidden}\u2032(Z[{l}])"]
        previous = first_input if l == 1 else f"A[{l - 1}]"
        backward += [f"dW[{l}] = (1/m) dZ[{l}] {previous}{T}", f"db[{l}] = (1/m) \u03a3 dZ[{l}]"]
    update = []
    for l in range(1, L + 1):
        update += [f"W[{l}] := W[{l}] \u2212 \u03b1 dW[{l}]", f"b[{l}] := b[{l}] \u2212 \u03b1 db[{l}]"]
    return forward + ["J = \u2212(1/m) \u03a3 Y \u2299 log A[%d]" % L] + backward + update
