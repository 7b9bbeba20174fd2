"""What the Lab's read-outs say: the test accuracy of the edited network beside the network as
trained, and the digit each of them sees in the drawing (rich text)."""
from __future__ import annotations

import numpy as np

from engine.network import Network

from ..widgets.colormaps import text_accent

LOSS_COLOUR, GAIN_COLOUR = "#c9302c", "#2e7d32"


def network_answer(network: Network, image: np.ndarray) -> tuple[int, float]:
    """The digit `network` sees in the (28, 28) `image`, and its probability."""
    outputs = network.predict_proba(np.asarray(image, dtype=network.dtype).reshape(-1, 1))[:, 0]
    digit = int(np.argmax(outputs))
    return digit, float(outputs[digit])


def accuracy_text(original: float, edited: float, edits_active: bool) -> str:
    """The test accuracies as trained and (when `edits_active`) edited, with the change."""
    if not edits_active:
        return f"<b>{100 * original:.2f} %</b> as trained"
    change = 100 * (edited - original)
    colour = text_accent(LOSS_COLOUR).name() if change < 0 else text_accent(GAIN_COLOUR).name() if change > 0 \
        else "palette(text)"
    return (f"<b>{100 * edited:.2f} %</b> edited <span style='color:{colour}'>({change:+.2f})</span>"
            f"<br><small>{100 * original:.2f} % as trained</small>")


def drawing_text(trained: tuple[int, float], edited: tuple[int, float] | None) -> str:
    """The answers (digit, probability) of the network as trained and, unless None, edited."""
    digit, confidence = trained
    if edited is None:
        return f"<b>{digit}</b> at {confidence:.1%}"
    edited_digit, edited_confidence = edited
    colour = "palette(text)" if edited_digit == digit else text_accent(LOSS_COLOUR).name()
    return (f"<b style='color:{colour}'>{edited_digit}</b> at {edited_confidence:.1%} edited"
            f"<br><span style='color:palette(placeholder-text)'>{digit} at {confidence:.1%} as trained</span>")


def accuracy_note(dataset, has_network: bool, busy: bool, of_earlier: bool) -> str:
    """What the accuracy read-out is of: the test images of `dataset`, an evaluation under way
    (`busy`), or a result `of_earlier` snapshot than the one on screen."""
    if dataset is None:
        return "Waiting for the test images."
    if not has_network:
        return "No network to evaluate."
    if busy:
        return "Evaluating in the background\u2026"
    if of_earlier:
        return "Of an earlier snapshot; refreshed each epoch while training."
    return f"On all {dataset.n_test:,} test images."
