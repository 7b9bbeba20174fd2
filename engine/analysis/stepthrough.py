"""One training step of a network, broken into the equations of the seeds, one at a time.

For a small network every matrix is shown whole; for a real one (784-400-200-10 on one MNIST
image) each matrix is described by its shape, Frobenius norm, min/max/mean and a 6x6 window.
The steps are, in the seeds' notation:

    forward    Z[l] = W[l] A[l-1] + b[l],  A[l] = g(Z[l])  for l = 1..L,  then the loss J
    backward   dZ[L] = A[L] - Y, dW[L], db[L], then dA[l-1] = W[l]^T dZ[l], dZ[l-1], dW[l-1], db[l-1]
    update     W[l] := W[l] - alpha dW[l],  b[l] := b[l] - alpha db[l]  for l = 1..L

Every number comes from the engine itself: Network.forward, Network.loss, Network.backward and
GradientDescent. The only products computed here are the ones backward() overwrites in place
(dA[l-1] = W[l]^T dZ[l] and g'(Z[l-1])), and they are checked against the engine's dZ[l-1].

Each step also says which operand cells produced each result cell (row i of W and column j
of A for a product, the same cell for an element-wise operation, the whole column for a
softmax, the row of dZ for db), so a view can highlight them.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from ..activations import HIDDEN, OUTPUT
from ..losses import one_hot
from ..network import Network
from ..optimizers import GradientDescent

PHASES = ("forward", "loss", "backward", "update")
PREVIEW = 6
"""Rows and columns of each matrix shown in summary mode..."""
WHOLE_UP_TO = 10
"""...except that dimensions this small are shown whole (all ten output digits, for one)."""
MAX_ENTRY = 1e6
"""Largest magnitude accepted for an edited entry: beyond it every number on screen is noise."""
MAX_ALPHA = 1e4  # the same bound TrainConfig puts on the learning rate
EXPANDED_TERMS = 8
"""A cell's formula lists its terms one by one up to this many; longer sums are summarised."""

# Seed 001's worked example (the "Initial Setup" section of 001_d784944db806b226.txt):
# a 3-3-3-3-3 ReLU network with zero biases, X = [1, 4, 7]^T and target Y = [1, 0, 0]^T.
# The document leaves alpha open, so the app's usual 0.1 is used.
SEED_001_WEIGHTS = (
    ((0.2, -0.1, 0.4), (0.5, 0.3, -0.6), (-0.2, 0.1, 0.3)),
    ((0.1, -0.2, 0.5), (0.4, 0.1, -0.3), (-0.1, 0.3, 0.2)),
    ((0.3, 0.1, -0.4), (0.2, -0.5, 0.6), (-0.3, 0.2, 0.4)),
    ((0.2, -0.1, 0.5), (0.4, 0.1, -0.3), (-0.2, 0.3, 0.2)),
)
SEED_001_BIASES = ((0.0, 0.0, 0.0),) * 4
SEED_001_X = (1.0, 4.0, 7.0)
SEED_001_Y = (1.0, 0.0, 0.0)
SEED_001_ALPHA = 0.1

ACTIVATION_SYMBOLS = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "\u03c3", "tanh": "tanh",
                      "softmax": "softmax", "identity": "identity"}
MINUS = "\u2212"
NEW_SUFFIX = " (new)"
TRANSPOSE = "\u1d40"


class StepThroughError(ValueError):
    """An example or an edit that cannot be stepped through; the message says why."""


def format_value(value: float) -> str:
    """A number as the grids show it: four decimals, or scientific notation when that would
    hide it (tiny gradients) or be too wide; a true minus sign."""
    value = float(value)
    if value == 0.0:
        text = "0.0000"
    elif not math.isfinite(value):
        text = str(value)
    elif 1e-3 <= abs(value) < 1e5:
        text = f"{value:.4f}"
    else:
        text = f"{value:.2e}"
    return text.replace("-", MINUS)


def _short(value: float, digits: int = 5) -> str:
    """A number inside a formula: up to `digits` significant digits, no trailing zeros."""
    value = float(value) + 0.0  # -0.0 + 0.0 is 0.0: no "minus zero" on screen
    return f"{value:.{digits}g}".replace("-", MINUS)


def _factor(value: float) -> str:
    """A number multiplied by another: negative ones in parentheses, "0.2×(−0.67)"."""
    text = _short(value)
    return f"({text})" if text.startswith(MINUS) else text


def _signed_term(text: str, first: bool) -> str:
    if first:
        return text
    return f"{MINUS} {text[1:]}" if text.startswith(MINUS) else f"+ {text}"


# --------------------------------------------------------------------------- matrices and cells

@dataclass(frozen=True)
class MatrixSource:
    """Which input of the example a shown matrix is (so an edit of its cell can be applied):
    kind "W", "b" (with its layer), "X" or "Y"; `transposed` when shown as its transpose."""
    kind: str
    layer: int = 0
    transposed: bool = False

    def entry(self, row: int, col: int) -> tuple[int, int]:
        """The (row, col) in the example's own array of cell (row, col) as shown."""
        return (col, row) if self.transposed else (row, col)


@dataclass(frozen=True, eq=False)
class StepMatrix:
    """One matrix of a step: its name in the seeds' notation, its values (read-only), and the
    window of rows and columns a summary shows."""
    name: str
    values: np.ndarray
    row_window: range
    col_window: range
    source: MatrixSource | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @functools.cached_property
    def _wide(self) -> np.ndarray:
        return self.values.astype(np.float64, copy=False)

    @functools.cached_property
    def norm(self) -> float:
        """Frobenius norm: sqrt of the sum of the squares of every entry."""
        return float(np.sqrt(np.sum(self._wide * self._wide)))

    @functools.cached_property
    def minimum(self) -> float:
        return float(self._wide.min())

    @functools.cached_property
    def maximum(self) -> float:
        return float(self._wide.max())

    @functools.cached_property
    def mean(self) -> float:
        return float(self._wide.mean())

    @property
    def is_whole(self) -> bool:
        """True when the window covers every entry (small matrices)."""
        return len(self.row_window) == self.shape[0] and len(self.col_window) == self.shape[1]

    def preview(self) -> np.ndarray:
        """The entries inside the window, as float64."""
        return self._wide[self.row_window.start:self.row_window.stop, self.col_window.start:self.col_window.stop]

    def shape_text(self) -> str:
        return f"{self.shape[0]}\u00d7{self.shape[1]}"

    def summary_lines(self) -> tuple[str, str, str, str]:
        """Frobenius norm, min, max and mean, one short line each (they sit under narrow grids)."""
        return (f"\u2016\u00b7\u2016F = {_short(self.norm, 4)}", f"min  {_short(self.minimum, 4)}",
                f"max  {_short(self.maximum, 4)}", f"mean {_short(self.mean, 4)}")

    def summary_text(self) -> str:
        return "   ".join(self.summary_lines())


@dataclass(frozen=True)
class CellBlock:
    """A rectangle of cells of matrix `matrix` of a step (0 is the result, 1.. the operands)."""
    matrix: int
    rows: range
    cols: range

    def __contains__(self, cell) -> bool:
        row, col = cell
        return row in self.rows and col in self.cols

    def cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r in self.rows for c in self.cols]


KINDS = ("matmul", "elementwise", "column", "row_mean", "all")
"""How a step's result cells depend on its operands:
matmul       result (i, j) <- row i of operand 1, column j of operand 2, row i of an operand 3 (bias)
elementwise  result (i, j) <- cell (i, j) of every operand
column       result (i, j) <- column j of every operand (softmax couples a whole column)
row_mean     result (i, 0) <- row i of operand 1 (db is the mean of dZ's row)
all          result (0, 0) <- every cell of every operand (the loss)"""


@dataclass(frozen=True, eq=False)
class Step:
    index: int
    phase: str
    title: str
    equation: str
    note: str
    kind: str
    result: StepMatrix
    operands: tuple[StepMatrix, ...]
    arrangement: tuple
    """How to lay the step out: matrix indices (0 the result, 1.. the operands) and operator
    text in reading order, e.g. (0, "=", 1, "\u00b7", 2, "+", 3) for Z = W A + b."""
    cell_formula: Callable[[int, int], str] = field(repr=False, default=None)

    @property
    def matrices(self) -> tuple[StepMatrix, ...]:
        """The result first, then the operands; CellBlock.matrix indexes this tuple."""
        return (self.result, *self.operands)

    def sources(self, row: int, col: int) -> tuple[CellBlock, ...]:
        """The operand cells that produce result cell (row, col)."""
        n_rows, n_cols = self.result.shape
        if not (0 <= row < n_rows and 0 <= col < n_cols):
            raise IndexError(f"{self.result.name} has no cell ({row}, {col})")
        blocks = []
        for k, operand in enumerate(self.operands, start=1):
            rows, cols = range(operand.shape[0]), range(operand.shape[1])
            if self.kind == "matmul":
                if k == 2:
                    cols = range(col, col + 1)      # column j of the right factor
                else:
                    rows = range(row, row + 1)      # row i of the left factor, and b_i
            elif self.kind == "elementwise":
                rows, cols = range(row, row + 1), range(col, col + 1)
            elif self.kind == "column":
                cols = range(col, col + 1)
            elif self.kind == "row_mean":
                rows = range(row, row + 1)
            blocks.append(CellBlock(k, rows, cols))
        return tuple(blocks)

    def dependents(self, matrix: int, row: int, col: int) -> tuple[CellBlock, ...]:
        """The result cells that operand `matrix` (1..) cell (row, col) feeds."""
        if not 1 <= matrix <= len(self.operands):
            raise IndexError(f"step {self.title!r} has no operand {matrix}")
        n_rows, n_cols = self.result.shape
        every_row, every_col = range(n_rows), range(n_cols)
        if self.kind == "matmul":
            if matrix == 2:
                return (CellBlock(0, every_row, range(col, col + 1)),)
            return (CellBlock(0, range(row, row + 1), every_col),)
        if self.kind == "elementwise":
            return (CellBlock(0, range(row, row + 1), range(col, col + 1)),)
        if self.kind == "column":
            return (CellBlock(0, every_row, range(col, col + 1)),)
        if self.kind == "row_mean":
            return (CellBlock(0, range(row, row + 1), range(1)),)
        return (CellBlock(0, every_row, every_col),)

    def explain(self, row: int, col: int) -> str:
        """How result cell (row, col) is computed, with the actual numbers."""
        return self.cell_formula(row, col) if self.cell_formula else ""


@dataclass(frozen=True, eq=False)
class StepThrough:
    """Every step of one training step, and the engine objects the numbers came from."""
    steps: tuple[Step, ...]
    network: Network        # the network stepped through (a private copy)
    updated: Network        # the same after W := W - alpha dW, b := b - alpha db
    X: np.ndarray
    Y: np.ndarray
    alpha: float
    cache: object           # engine.network.ForwardCache
    gradients: object       # engine.network.Gradients
    loss: float
    summary: bool

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> Step:
        return self.steps[index]


# --------------------------------------------------------------------------- the example

@dataclass(frozen=True, eq=False)
class Example:
    """An editable small problem: weights, biases, X, Y and alpha (all float64)."""
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    X: np.ndarray
    Y: np.ndarray
    alpha: float
    hidden_activation: str = "relu"

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[1], *(w.shape[0] for w in self.weights))

    def network(self) -> Network:
        return Network(self.layer_sizes, self.hidden_activation, "softmax", "ce", dtype=np.float64,
                       weights=list(self.weights), biases=list(self.biases))

    def array(self, source: MatrixSource) -> np.ndarray:
        if source.kind == "W":
            return self.weights[source.layer - 1]
        if source.kind == "b":
            return self.biases[source.layer - 1]
        if source.kind in ("X", "Y"):
            return getattr(self, source.kind)
        raise StepThroughError(f"unknown input {source.kind!r}")

    def edited(self, source: MatrixSource, row: int, col: int, value: float) -> Example:
        """A copy with one entry of W[l], b[l], X or Y replaced; (row, col) as shown."""
        value = float(value)
        if not math.isfinite(value) or abs(value) > MAX_ENTRY:
            raise StepThroughError(f"{_short(value)} is out of range: entries must lie within \u00b1{MAX_ENTRY:g}")
        r, c = source.entry(row, col)
        array = self.array(source).copy()
        if not (0 <= r < array.shape[0] and 0 <= c < array.shape[1]):
            raise StepThroughError(f"{source.kind} has no entry ({r + 1}, {c + 1})")
        array[r, c] = value
        array.setflags(write=False)
        if source.kind == "W":
            weights = list(self.weights)
            weights[source.layer - 1] = array
            return replace(self, weights=tuple(weights))
        if source.kind == "b":
            biases = list(self.biases)
            biases[source.layer - 1] = array
            return replace(self, biases=tuple(biases))
        return replace(self, **{source.kind: array})

    def with_alpha(self, alpha: float) -> Example:
        alpha = float(alpha)
        if not (math.isfinite(alpha) and 0.0 < alpha <= MAX_ALPHA):
            raise StepThroughError(f"\u03b1 must be a number in (0, {MAX_ALPHA:g}], got {_short(alpha)}")
        return replace(self, alpha=alpha)


def _frozen(values, shape=None) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    if shape is not None:
        array = array.reshape(shape)
    array.setflags(write=False)
    return array


def seed_001_example() -> Example:
    """Seed 001's worked example, with the exact numbers of the document."""
    return Example(weights=tuple(_frozen(w) for w in SEED_001_WEIGHTS),
                   biases=tuple(_frozen(b, (-1, 1)) for b in SEED_001_BIASES),
                   X=_frozen(SEED_001_X, (-1, 1)), Y=_frozen(SEED_001_Y, (-1, 1)), alpha=SEED_001_ALPHA)


def parse_entry(text: str) -> float:
    """A number typed by the user, or StepThroughError saying what is wrong with it."""
    cleaned = str(text).strip().replace(MINUS, "-").replace("\u2013", "-")
    if not cleaned:
        raise StepThroughError("an entry cannot be empty")
    try:
        value = float(cleaned)
    except ValueError:
        raise StepThroughError(f"\u201c{text.strip()}\u201d is not a number") from None
    if not math.isfinite(value):
        raise StepThroughError(f"\u201c{text.strip()}\u201d is not a finite number")
    if abs(value) > MAX_ENTRY:
        raise StepThroughError(f"{text.strip()} is too large: entries must lie within \u00b1{MAX_ENTRY:g}")
    return value


def parse_alpha(text: str) -> float:
    """A learning rate typed by the user, or StepThroughError."""
    cleaned = str(text).strip().replace("\u03b1", "").replace("=", "").strip()
    try:
        value = float(cleaned.replace(MINUS, "-"))
    except ValueError:
        raise StepThroughError(f"\u03b1: \u201c{text.strip()}\u201d is not a number") from None
    if not (math.isfinite(value) and 0.0 < value <= MAX_ALPHA):
        raise StepThroughError(f"\u03b1 must be a number in (0, {MAX_ALPHA:g}], got {text.strip()}")
    return value


# --------------------------------------------------------------------------- building the steps

def example_steps(example: Example | None = None) -> StepThrough:
    """Every step of one gradient-descent step on `example` (seed 001's by default)."""
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

    # ---- update, layer 1 first as in seed 001
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


# --------------------------------------------------------------------------- cell formulas

def _cell(matrix: StepMatrix, row: int, col: int) -> str:
    """"W[1][2,3]" (1-based, as the grids number them); "W[1][2,3] (new)" after an update."""
    name, new = matrix.name, ""
    if name.endswith(NEW_SUFFIX):
        name, new = name[:-len(NEW_SUFFIX)], NEW_SUFFIX
    return f"{name}[{row + 1},{col + 1}]{new}"


def _product_formula(result, left, right, bias, m=1):
    """(row, col) -> "Z[1][1,1] = 0.2×1 − 0.1×4 + 0.4×7 + 0 = 2.6"."""
    def formula(row, col):
        a, b = left.values[row, :], right.values[:, col]
        scale = "(1/m)(" if m != 1 else ""
        if a.size <= EXPANDED_TERMS:
            terms = " ".join(_signed_term(f"{_short(x)}\u00d7{_factor(y)}", k == 0)
                             for k, (x, y) in enumerate(zip(a, b)))
        else:
            total = float(np.dot(a.astype(np.float64), b.astype(np.float64)))
            terms = (f"\u03a3 of {a.size} products {left.name}[{row + 1},k]\u00b7{right.name}[k,{col + 1}] "
                     f"({_short(total)})")
        text = f"{_cell(result, row, col)} = {scale}{terms}{')' if scale else ''}"
        if bias is not None:
            text += " " + _signed_term(_short(bias.values[row, 0]), False)
        return f"{text} = {_short(result.values[row, col])}"
    return formula


def _activation_formula(result, z, name):
    symbol = ACTIVATION_SYMBOLS[name]

    def formula(row, col):
        value = _short(z.values[row, col])
        inner = f"max(0, {value})" if name == "relu" else f"{symbol}({value})"
        return f"{_cell(result, row, col)} = {inner} = {_short(result.values[row, col])}"
    return formula


def _softmax_formula(result, z):
    def formula(row, col):
        column = z.values[:, col].astype(np.float64)
        # Large scores are shown shifted by the column's maximum, as the engine computes them
        # (the ratio is the same, and e^z itself would overflow).
        top = column.max() if np.abs(column).max() > 30 else 0.0
        exps = np.exp(column - top)
        total = exps.sum()
        shift = f" (both shifted by e^{MINUS}{_short(top)}, the column's largest)" if top else ""
        return (f"{_cell(result, row, col)} = e^{_short(column[row])} / \u03a3\u2096 e^Z[k,{col + 1}] "
                f"= {_short(exps[row])} / {_short(total)}{shift} = {_short(result.values[row, col])}")
    return formula


def _cross_entropy_formula(loss, a_out, Y):
    def formula(row, col):
        m = Y.shape[1]
        picked = [(k, j) for j in range(m) for k in range(Y.shape[0]) if Y[k, j] != 0]
        if len(picked) <= EXPANDED_TERMS:
            terms = " ".join(_signed_term(f"{_short(Y[k, j])}\u00d7log {_short(a_out[k, j])}", n == 0)
                             for n, (k, j) in enumerate(picked))
            return f"J = {MINUS}(1/{m}) ({terms or '0'}) = {_short(loss)}"
        return f"J = {MINUS}(1/{m}) \u03a3 Y log A over {len(picked)} nonzero targets = {_short(loss)}"
    return formula


def _difference_formula(result, left, right):
    def formula(row, col):
        return (f"{_cell(result, row, col)} = {_short(left.values[row, col])} {MINUS} "
                f"{_short(right.values[row, col])} = {_short(result.values[row, col])}")
    return formula


def _hadamard_formula(result, left, right):
    def formula(row, col):
        return (f"{_cell(result, row, col)} = {_short(left.values[row, col])} \u00d7 "
                f"{_factor(right.values[row, col])} = {_short(result.values[row, col])}")
    return formula


def _row_mean_formula(result, dz, m):
    def formula(row, col):
        values = dz.values[row, :]
        if values.size <= EXPANDED_TERMS:
            terms = " ".join(_signed_term(_short(v), k == 0) for k, v in enumerate(values))
        else:
            terms = f"\u03a3 of {values.size} entries"
        return f"{_cell(result, row, col)} = (1/{m})({terms}) = {_short(result.values[row, col])}"
    return formula


def _update_formula(result, old, grad, alpha):
    def formula(row, col):
        return (f"{_cell(result, row, col)} = {_short(old.values[row, col])} {MINUS} {_short(alpha)} \u00d7 "
                f"{_factor(grad.values[row, col])} = {_short(result.values[row, col])}")
    return formula
