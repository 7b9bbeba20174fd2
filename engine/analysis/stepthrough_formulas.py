"""Cell formulas of engine.analysis.stepthrough: how one result cell is computed, with the actual numbers.

Each builder takes a step's matrices and returns a function (row, col) -> text such as
"Z[1][1,1] = 0.2×1 − 0.1×4 + 0.4×7 + 0 = 2.6", which Step.explain calls.
"""
from __future__ import annotations

import numpy as np

from .stepthrough_model import ACTIVATION_SYMBOLS, MINUS, NEW_SUFFIX, StepMatrix, _factor, _short, _signed_term

EXPANDED_TERMS = 8
"""A cell's formula lists its terms one by one up to this many; longer sums are summarised."""


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
