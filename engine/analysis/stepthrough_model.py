"""The step model of engine.analysis.stepthrough: matrices, cell blocks, steps, and which cells feed which.

A Step is one equation of a training step (Z[l] = W[l] A[l-1] + b[l], dZ[L] = A[L] - Y, ...):
its result and operand matrices (StepMatrix), how to lay it out, and its kind (KINDS), from
which Step.sources and Step.dependents work out which operand cells produce each result cell
(row i of W and column j of A for a product, the same cell for an element-wise operation, the
whole column for a softmax, the row of dZ for db), so a view can highlight them. Also here:
how numbers are written on screen and inside formulas.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..network import Network

PHASES = ("forward", "loss", "backward", "update")
MAX_ALPHA = 1e4  # the same bound TrainConfig puts on the learning rate

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
    """One matrix of a step: its name in the notation of docs/math.md#notation, its values (read-only), and the
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
