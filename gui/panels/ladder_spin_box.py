"""A spin box for rates that span orders of magnitude, stepping along the 1-2-5 ladder."""
from __future__ import annotations

import math

from PySide6.QtWidgets import QDoubleSpinBox, QWidget


class LadderSpinBox(QDoubleSpinBox):
    """A spin box for rates that span orders of magnitude (1e-5 to 10 and beyond).

    The arrows walk the 1-2-5 ladder (0.01, 0.02, 0.05, 0.1, ...) instead of adding a fixed
    step, and the text drops trailing zeros, so 0.05 reads "0.05" rather than "0.05000"."""

    def __init__(self, minimum: float, maximum: float, decimals: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(decimals)
        self.setRange(minimum, maximum)
        self._smallest_step = 10.0 ** -decimals

    def textFromValue(self, value: float) -> str:
        text = f"{value:.{self.decimals()}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = self._ladder_neighbour(value, up=steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))

    def _ladder_neighbour(self, value: float, up: bool) -> float:
        if value < self._smallest_step:
            return self._smallest_step if up else 0.0
        exponent = math.floor(math.log10(value))
        candidates = sorted(m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5))
        tolerance = value * 1e-9
        if up:
            return next(c for c in candidates if c > value + tolerance)
        below = [c for c in candidates if c < value - tolerance]
        return below[-1] if below[-1] >= self._smallest_step else 0.0
