"""One training step of a network, broken into its equations (docs/math.md#forward-pass,
#backward-pass and #updates), one at a time.

For a small network every matrix is shown whole; for a real one (784-400-200-10 on one MNIST
image) each matrix is described by its shape, Frobenius norm, min/max/mean and a 6x6 window.
The steps are, in the notation of docs/math.md#notation:

    forward    Z[l] = W[l] A[l-1] + b[l],  A[l] = g(Z[l])  for l = 1..L,  then the loss J
    backward   dZ[L] = A[L] - Y, dW[L], db[L], then dA[l-1] = W[l]^T dZ[l], dZ[l-1], dW[l-1], db[l-1]
    update     W[l] := W[l] - alpha dW[l],  b[l] := b[l] - alpha db[l]  for l = 1..L

Every number comes from the engine itself: Network.forward, Network.loss, Network.backward and
GradientDescent. The only products computed here are the ones backward() overwrites in place
(dA[l-1] = W[l]^T dZ[l] and g'(Z[l-1])), and they are checked against the engine's dZ[l-1].

Each step also says which operand cells produced each result cell (row i of W and column j
of A for a product, the same cell for an element-wise operation, the whole column for a
softmax, the row of dZ for db), so a view can highlight them.

This module builds the steps (step_through, and its two modes: example_steps for the
editable worked example of docs/math.md#worked-example, image_steps for one image through a
real network). The pieces it builds from live beside it, and every public name is importable from here too:

    stepthrough_model      Step, StepMatrix, CellBlock, MatrixSource, StepThrough; which cells feed which
    stepthrough_example    the worked example's numbers, Example and its edits, parse_entry / parse_alpha
    stepthrough_formulas   the text of each result cell's formula
"""
from __future__ import annotations

import math

import numpy as np

from ..activations import HIDDEN, OUTPUT
from ..losses import one_hot
from ..network import Network
from ..optimizers import GradientDescent
from .stepthrough_example import (
    MAX_ENTRY,
    SEED_001_ALPHA,
    SEED_001_BIASES,
    SEED_001_WEIGHTS,
    SEED_001_X,
    SEED_001_Y,
    Example,
    parse_alpha,
    parse_entry,
    seed_001_example,
)
from .stepthrough_formulas import (
    EXPANDED_TERMS,
    _activation_formula,
    _cross_entropy_formula,
    _difference_formula,
    _hadamard_formula,
    _product_formula,
    _row_mean_formula,
    _softmax_formula,
    _update_formula,
)
from .stepthrough_model import (
    ACTIVATION_SYMBOLS,
    KINDS,
    MAX_ALPHA,
    MINUS,
    NEW_SUFFIX,
    PHASES,
    TRANSPOSE,
    CellBlock,
    MatrixSource,
    Step,
    StepMatrix,
    StepThrough,
    StepThroughError,
    _factor,
    _short,
    format_value,
)

__all__ = [
    "ACTIVATION_SYMBOLS",
    "EXPANDED_TERMS",
    "KINDS",
    "MAX_ALPHA",
    "MAX_ENTRY",
    "MINUS",
    "NEW_SUFFIX",
    "PHASES",
    "PREVIEW",
    "SEED_001_ALPHA",
    "SEED_001_BIASES",
    "SEED_001_WEIGHTS",
    "SEED_001_X",
    "SEED_001_Y",
    "TRANSPOSE",
    "WHOLE_UP_TO",
    "CellBlock",
    "Example",
    "MatrixSource",
    "Step",
    "StepMatrix",
    "StepThrough",
    "StepThroughError",
    "example_steps",
    "format_value",
    "image_steps",
    "parse_alpha",
    "parse_entry",
    "seed_001_example",
    "step_through",
]

PREVIEW = 6
"""Rows and columns of each matrix shown in summary mode..."""
WHOLE_UP_TO = 10
"""...except that dimensions this small are shown whole (all ten output digits, for one)."""


# --------------------------------------------------------------------------- building the steps

def example_steps(example: Example | None = None) -> StepThrough:
    """Every step of one gradient-descent step on `example` (by default the worked example,
    docs/math.md#worked-example)."""
    example = example or seed_001_example()
    return step_through(example.network(), example.X, example.Y, example.alpha, summary=False, editable=True)


def image_steps(network: Network, image: np.ndarray, label: int, alpha: float) -> StepThrough:
    """Summary steps of one image (n_x values) with its label, through `network` (not changed)."""
    image = np.asarray(image)
    n_inputs, n_outputs = network.layer_sizes[0], network.layer_sizes[-1]
    if image.size != n_inputs:
        raise StepThroughError(f"the image has {image.size} values but the network takes {n_inputs} inputs")
    if not 0 <= int(label) < n_outputs:
        raise StepThroughError(f"label {label} is not one of the network's {n_outputs} outputs")
    X = image.reshape(-1, 1).astype(network.dtype)
    Y = one_hot(np.array([int(label)]), n_outputs, dtype=network.dtype)
    return step_through(network, X, Y, alpha, summary=True)


def _input_window(X: np.ndarray) -> range:
    """The PREVIEW consecutive inputs with the most signal in the first example: for an MNIST
    image, a run of pixels across the stroke instead of the blank top-left corner."""
    n = X.shape[0]
    if n <= WHOLE_UP_TO:
        return range(n)
    magnitude = np.abs(X[:, 0].astype(np.float64))
    window_sums = np.convolve(magnitude, np.ones(PREVIEW), mode="valid")
    start = int(np.argmax(window_sums)) if window_sums.max() > 0 else 0
    return range(start, start + PREVIEW)


def step_through(network: Network, X, Y, alpha: float, summary: bool = False,
                 editable: bool = False) -> StepThrough:
    """Forward, loss, backward and update of `network` (a copy is used) on X (n_x, m), Y (n_y, m).

    With `editable` (small examples), every shown X, Y, W[l] and b[l] carries its MatrixSource,
    so a view knows which cells are inputs the user may change."""
    alpha = float(alpha)
    if not (math.isfinite(alpha) and 0.0 < alpha <= MAX_ALPHA):
        raise StepThroughError(f"\u03b1 must be a number in (0, {MAX_ALPHA:g}], got {alpha}")
    network = network.copy()
    X = np.array(X, dtype=network.dtype, ndmin=2)
    Y = np.array(Y, dtype=network.dtype, ndmin=2)
    L, sizes = network.n_layers, network.layer_sizes
    if X.shape[0] != sizes[0]:
        raise StepThroughError(f"X has {X.shape[0]} rows but the network takes {sizes[0]} inputs")
    if Y.shape != (sizes[-1], X.shape[1]):
        raise StepThroughError(f"Y has shape {Y.shape}, expected {(sizes[-1], X.shape[1])}")
    m = X.shape[1]

    # The engine's own passes: everything shown below is read from these.
    cache = network.forward(X)
    loss = network.loss(cache, Y)
    grads = network.backward(cache, Y)
    updated = network.copy()
    GradientDescent().update(updated.parameters(),
                             [g for pair in zip(grads.dW[1:], grads.db[1:]) for g in pair], alpha)

    # Windows per dimension: inputs (n_0), each layer's neurons (n_l), examples (m), and 1.
    def window(n):
        return range(n) if not summary or n <= WHOLE_UP_TO else range(PREVIEW)
    dim_windows = [(_input_window(X) if summary else range(sizes[0]))] + [window(n) for n in sizes[1:]]
    example_window, one_window = window(m), range(1)

    def matrix(name, values, rows, cols, source=None):
        values = np.array(values, copy=True)
        values.setflags(write=False)
        return StepMatrix(name, values, rows, cols, source if editable else None)

    def a_name(l):
        return "X" if l == 0 else f"A[{l}]"

    def a_matrix(l, transposed=False):
        source = MatrixSource("X", transposed=transposed) if l == 0 else None
        if transposed:
            return matrix(a_name(l) + TRANSPOSE, cache.A[l].T, example_window, dim_windows[l], source)
        return matrix(a_name(l), cache.A[l], dim_windows[l], example_window, source)

    def w_matrix(l, values=None, name=None, transposed=False):
        values = network.weights[l - 1] if values is None else values
        rows, cols = dim_windows[l], dim_windows[l - 1]
        if transposed:
            values, rows, cols = values.T, cols, rows
        return matrix(name or f"W[{l}]" + (TRANSPOSE if transposed else ""), values, rows, cols,
                      MatrixSource("W", l, transposed) if name is None else None)

    def b_matrix(l, values=None, name=None):
        values = network.biases[l - 1] if values is None else values
        return matrix(name or f"b[{l}]", values, dim_windows[l], one_window,
                      MatrixSource("b", l) if name is None else None)

    def layer_matrix(name, values, l):
        return matrix(name, values, dim_windows[l], example_window)

    y_matrix = matrix("Y", Y, dim_windows[L], example_window, MatrixSource("Y"))
    steps: list[Step] = []

    def add(phase, title, equation, note, kind, result, operands, arrangement, formula):
        steps.append(Step(len(steps), phase, title, equation, note, kind, result, tuple(operands),
                          tuple(arrangement), formula))

    # ---- forward
    for l in range(1, L + 1):
        w, a_prev, b = w_matrix(l), a_matrix(l - 1), b_matrix(l)
        z = layer_matrix(f"Z[{l}]", cache.Z[l], l)
        where = "output layer" if l == L else f"hidden layer {l}"
        add("forward", f"Forward \u00b7 layer {l}: weighted sum",
            f"Z[{l}] = W[{l}] {a_name(l - 1)} + b[{l}]",
            f"Each neuron of the {where} adds up its inputs weighted by its row of W[{l}], plus its bias: "
            f"entry (i, j) is row i of W[{l}] times column j of {a_name(l - 1)}, plus entry i of b[{l}].",
            "matmul", z, (w, a_prev, b), (0, "=", 1, "\u00b7", 2, "+", 3),
            _product_formula(z, w, a_prev, b))
        name = network.activation_of(l)
        symbol = ACTIVATION_SYMBOLS[name]
        a = layer_matrix(f"A[{l}]", cache.A[l], l)
        if l == L and name == "softmax":
            add("forward", f"Forward \u00b7 layer {l}: softmax",
                f"A[{l}] = softmax(Z[{l}])",
                "Softmax turns each column of scores into probabilities: e^z\u1d62 divided by the sum of e^z "
                "over the column, so every output depends on the whole column.",
                "column", a, (z,), (0, "= softmax(", 1, ")"), _softmax_formula(a, z))
        else:
            add("forward", f"Forward \u00b7 layer {l}: {symbol}",
                f"A[{l}] = {symbol}(Z[{l}])",
                f"The activation {symbol} is applied to every entry on its own.",
                "elementwise", a, (z,), (0, f"= {symbol}(", 1, ")"), _activation_formula(a, z, name))

    a_out = layer_matrix(f"A[{L}]", cache.A[L], L)
    j = matrix("J", np.array([[loss]]), one_window, one_window)
    if network.loss_name == "ce":
        add("loss", "Loss: cross-entropy", f"J = {MINUS}(1/m) \u03a3 Y \u2299 log A[{L}]",
            f"How wrong the network is: minus the log of the probability it gives the right answer, averaged "
            f"over the m = {m} example{'s' if m > 1 else ''}.",
            "all", j, (a_out, y_matrix), (0, f"= {MINUS}(1/m) \u03a3", 2, "\u2299 log", 1),
            _cross_entropy_formula(loss, cache.A[L], Y))
    else:
        add("loss", "Loss: squared error", f"J = (1/m) \u03a3 \u00bd \u2016A[{L}] {MINUS} Y\u2016\u00b2",
            f"Half the squared distance between output and target, averaged over the m = {m} "
            f"example{'s' if m > 1 else ''}.",
            "all", j, (a_out, y_matrix), (0, "= (1/m) \u03a3 \u00bd \u2016", 1, MINUS, 2, "\u2016\u00b2"),
            lambda row, col: f"J = {_short(loss)}")

    # ---- backward
    dz = layer_matrix(f"dZ[{L}]", grads.dZ[L], L)
    out_name = network.output_activation
    if network.loss_name == "ce":
        add("backward", "Backward \u00b7 output error", f"dZ[{L}] = A[{L}] {MINUS} Y",
            "Softmax with cross-entropy gives the simplest gradient of all: probability minus target.",
            "elementwise", dz, (a_out, y_matrix), (0, "=", 1, MINUS, 2),
            _difference_formula(dz, a_out, y_matrix))
    elif out_name == "softmax":
        add("backward", "Backward \u00b7 output error", f"dZ[{L}] = softmax\u2032(Z[{L}])\u1d40 (A[{L}] {MINUS} Y)",
            "The squared error's gradient A \u2212 Y passes back through the softmax's Jacobian, which "
            "mixes the whole column.",
            "column", dz, (a_out, y_matrix), (0, "= softmax\u2032\u1d40 \u00b7 (", 1, MINUS, 2, ")"),
            lambda row, col: f"{dz.name}[{row + 1},{col + 1}] = {_short(dz.values[row, col])}")
    else:
        symbol = ACTIVATION_SYMBOLS[out_name]
        z_out = cache.Z[L]
        derivative = layer_matrix(f"{symbol}\u2032(Z[{L}])", OUTPUT[out_name][1](z_out, cache.A[L]), L)
        add("backward", "Backward \u00b7 output error",
            f"dZ[{L}] = (A[{L}] {MINUS} Y) \u2299 {symbol}\u2032(Z[{L}])",
            f"The squared error's gradient A \u2212 Y, scaled entry by entry by the slope of {symbol}.",
            "elementwise", dz, (a_out, y_matrix, derivative), (0, "= (", 1, MINUS, 2, ") \u2299", 3),
            lambda row, col: (f"{dz.name}[{row + 1},{col + 1}] = ({_short(a_out.values[row, col])} {MINUS} "
                              f"{_short(y_matrix.values[row, col])}) \u00d7 {_factor(derivative.values[row, col])} "
                              f"= {_short(dz.values[row, col])}"))

    hidden = network.hidden_activation
    hidden_symbol = ACTIVATION_SYMBOLS[hidden]
    for l in range(L, 0, -1):
        if l < L:
            # dA[l] = W[l+1]^T dZ[l+1]: backward() computes it in place of dZ[l], so it is formed
            # here by the same product and checked against the engine's dZ[l] just after.
            d_a_values = np.matmul(network.weights[l].T, grads.dZ[l + 1])
            d_a = layer_matrix(f"dA[{l}]", d_a_values, l)
            w_t = w_matrix(l + 1, transposed=True)
            add("backward", f"Backward \u00b7 layer {l}: error reaching A[{l}]",
                f"dA[{l}] = W[{l + 1}]{TRANSPOSE} dZ[{l + 1}]",
                f"Each neuron of layer {l} collects the errors of the neurons it feeds, weighted by the "
                f"weights that connect them: row i of W[{l + 1}]{TRANSPOSE} (column i of W[{l + 1}]) times "
                f"dZ[{l + 1}].",
                "matmul", d_a, (w_t, dz), (0, "=", 1, "\u00b7", 2), _product_formula(d_a, w_t, dz, None))
            slope_values = HIDDEN[hidden][1](cache.Z[l], cache.A[l])
            engine_dz = grads.dZ[l]
            expected = d_a_values * slope_values
            if not np.allclose(expected, engine_dz, rtol=1e-4, atol=1e-6 * (1.0 + float(np.abs(expected).max()))):
                raise StepThroughError(f"dA[{l}] \u2299 g\u2032(Z[{l}]) does not match the engine's dZ[{l}]")
            slope = layer_matrix(f"{hidden_symbol}\u2032(Z[{l}])", slope_values, l)
            dz = layer_matrix(f"dZ[{l}]", engine_dz, l)
            add("backward", f"Backward \u00b7 layer {l}: through {hidden_symbol}",
                f"dZ[{l}] = dA[{l}] \u2299 {hidden_symbol}\u2032(Z[{l}])",
                f"The error passes back through the activation entry by entry, scaled by its slope "
                f"{hidden_symbol}\u2032(Z[{l}])" + (": 1 where the neuron was active, 0 where it was not."
                                                 if hidden == "relu" else "."),
                "elementwise", dz, (d_a, slope), (0, "=", 1, "\u2299", 2),
                _hadamard_formula(dz, d_a, slope))
        a_t = a_matrix(l - 1, transposed=True)
        dw = matrix(f"dW[{l}]", grads.dW[l], dim_windows[l], dim_windows[l - 1])
        add("backward", f"Backward \u00b7 layer {l}: weight gradient",
            f"dW[{l}] = (1/m) dZ[{l}] {a_name(l - 1)}{TRANSPOSE}",
            f"How much each weight is to blame: entry (i, k) is neuron i's error times input k, averaged "
            f"over the m = {m} example{'s' if m > 1 else ''}.",
            "matmul", dw, (dz, a_t), (0, "= (1/m)", 1, "\u00b7", 2), _product_formula(dw, dz, a_t, None, m))
        db = matrix(f"db[{l}]", grads.db[l], dim_windows[l], one_window)
        add("backward", f"Backward \u00b7 layer {l}: bias gradient",
            f"db[{l}] = (1/m) \u03a3 dZ[{l}]",
            f"Each bias gradient is its neuron's error averaged over the m = {m} example{'s' if m > 1 else ''} "
            f"(the row of dZ[{l}]).",
            "row_mean", db, (dz,), (0, "= (1/m) \u03a3\u2c7c", 1), _row_mean_formula(db, dz, m))

    # ---- update, layer 1 first as in docs/math.md#worked-example
    for l in range(1, L + 1):
        old_w, new_w = w_matrix(l), w_matrix(l, updated.weights[l - 1], name=f"W[{l}]{NEW_SUFFIX}")
        dw = matrix(f"dW[{l}]", grads.dW[l], dim_windows[l], dim_windows[l - 1])
        add("update", f"Update \u00b7 W[{l}]", f"W[{l}] := W[{l}] {MINUS} \u03b1 dW[{l}]",
            f"Gradient descent moves every weight a step of size \u03b1 = {_short(alpha)} against its gradient.",
            "elementwise", new_w, (old_w, dw), (0, "=", 1, f"{MINUS} {_short(alpha)} \u00b7", 2),
            _update_formula(new_w, old_w, dw, alpha))
        old_b, new_b = b_matrix(l), b_matrix(l, updated.biases[l - 1], name=f"b[{l}]{NEW_SUFFIX}")
        db = matrix(f"db[{l}]", grads.db[l], dim_windows[l], one_window)
        add("update", f"Update \u00b7 b[{l}]", f"b[{l}] := b[{l}] {MINUS} \u03b1 db[{l}]",
            f"The biases move the same way, by \u03b1 = {_short(alpha)} times their gradient.",
            "elementwise", new_b, (old_b, db), (0, "=", 1, f"{MINUS} {_short(alpha)} \u00b7", 2),
            _update_formula(new_b, old_b, db, alpha))

    return StepThrough(tuple(steps), network, updated, X, Y, alpha, cache, grads, loss, summary)
