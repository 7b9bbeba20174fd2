"""Both compared runs' answers to the drawing, on one line: "A: 7 (98%)  B: 1 (60%)".

Bound to a StudioState, it answers the drawing (`probe`) with the two networks of the pair of runs
the Compare view has chosen (`comparison`), each at the epoch of that view's slider. Under the
drawing pad's prediction it shows only while a pair is chosen; in the Compare view it always shows.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from engine.analysis.evaluation import predict_probabilities

NO_PAIR_TEXT = "A: \u2013  B: \u2013  (choose two runs to compare)"
NO_DRAWING_TEXT = "A: \u2013  B: \u2013  (draw a digit on the pad)"


def readout_text(answers) -> str:
    """"A: 7 (98%)  B: 1 (60%)" for ((digit, probability) of A, the same of B)."""
    (digit_a, p_a), (digit_b, p_b) = answers
    return f"A: {digit_a} ({p_a:.0%})  B: {digit_b} ({p_b:.0%})"


class CompareReadout(QLabel):
    def __init__(self, object_name: str, hide_without_pair: bool = True,
                 on_shown: Callable[[], None] | None = None, parent: QWidget | None = None) -> None:
        """`hide_without_pair`: hidden while no pair is chosen, and `on_shown()` is called after it
        appears or disappears (its owner may lay itself out again)."""
        super().__init__(NO_PAIR_TEXT, parent)
        self.setObjectName(object_name)
        self.state = None
        self.answers: tuple | None = None
        """((digit, probability) of A, the same of B) on screen, or None."""
        self._hide_without_pair = hide_without_pair
        self._on_shown = on_shown
        # A long text is cut, never widens what holds it (the drawing panel sizes itself).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setToolTip("Both compared runs' answers to the drawing (Analysis \u2192 Compare chooses the runs).")
        if hide_without_pair:
            self.setVisible(False)

    def bind(self, state) -> None:
        self.state = state
        state.probeChanged.connect(self.answer)
        state.comparisonChanged.connect(self.answer)
        self.answer()

    def answer(self, *_) -> None:
        pair, image = self.state.comparison, self.state.probe
        self.answers = None
        if pair is None:
            self.setText(NO_PAIR_TEXT)
            self.setToolTip("Choose two runs in Analysis \u2192 Compare to see both answer the drawing.")
        else:
            when = "final weights" if pair.epoch is None else f"epoch {pair.epoch:.2f}"
            self.setToolTip(f"The drawing as each run reads it ({when}):\nA: {pair.run_a.name}\nB: {pair.run_b.name}")
            if image is None:
                self.setText(NO_DRAWING_TEXT)
            else:
                x = np.asarray(image, dtype=np.float32).reshape(1, -1)
                answers = []
                for network in (pair.network_a, pair.network_b):
                    probabilities, predictions = predict_probabilities(network, x)
                    answers.append((int(predictions[0]), float(probabilities[0, predictions[0]])))
                self.answers = tuple(answers)
                self.setText(readout_text(self.answers))
        if self._hide_without_pair and self.isHidden() != (pair is None):
            self.setVisible(pair is not None)
            if self._on_shown is not None:
                self._on_shown()
