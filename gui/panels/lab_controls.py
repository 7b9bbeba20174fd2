"""What the Lab's controls offer: the ranges of its edits, their tooltips, the banner that says
whether edits are active, and the list of active edits."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QListWidget

from engine.analysis.lab import PRUNE_SCOPE

WEIGHT_SCALE_RANGE = (-4.0, 4.0)
BIAS_SHIFT_RANGE = (-10.0, 10.0)
TEMPERATURE_RANGE = (0.05, 20.0)
MAX_PRUNE_PERCENT = 100

ACTIVE_TEXT = "Lab edits active: predictions use the edited network"
INACTIVE_TEXT = "No edits: the drawing pad uses the network as trained"
ACTIVE_STYLE = ("QLabel#labActiveBanner { background: #fff3cd; border: 1px solid #e0b252; color: #5c4400;"
                " padding: 4px 8px; font-weight: bold; }")
INACTIVE_STYLE = ("QLabel#labActiveBanner { background: palette(window); border: 1px solid palette(mid);"
                  " color: palette(placeholder-text); padding: 4px 8px; }")
ERROR_COLOUR, INFO_COLOUR = "#c9302c", "#4a6b8a"

SWITCH_OFF_TIP = ("Silence this hidden neuron: column i of W[l+1] is zeroed, so the next "
                  "layer receives nothing from it, whatever the activation.")
OUTPUT_SWITCH_OFF_TIP = ("Output neurons are the digits' scores and cannot be switched off; "
                         "scale their weights instead.")

TOOLTIPS = {
    "layer": ("The layer l of the neuron to edit: 1 is the first hidden layer, "
              "the last is the output layer (one neuron per digit)."),
    "neuron": ("The neuron i of that layer, counted from 0 (as in the chunk grid; "
               "clicking a chunk selects its first-layer neuron)."),
    "scale": ("Multiply this neuron's incoming weights (row i of W[l]) by this factor. "
              "The bias is not scaled; 0 cuts the neuron off from its inputs."),
    "shift": ("Add this to the neuron's bias b[l]_i: positive values make it fire more "
              "easily, negative ones less."),
    "reset": "Remove every edit of this neuron.",
    "prune": (f"Prune: set the smallest (in magnitude) x % of the weights of each layer "
              f"to zero ({PRUNE_SCOPE}; biases are kept). Most trained networks "
              "survive losing half their weights."),
    "temperature": ("Softmax temperature: the output is softmax(Z[L] / T). T > 1 makes the "
                    "network less sure, T < 1 surer; the predicted digit never changes."),
    "accuracy": ("Test accuracy of the edited network beside the network as trained, "
                 "computed in the background after every change."),
    "drawing": ("What the edited network and the network as trained answer for the "
                "digit on the drawing pad."),
    "edits": "Every active edit. Double-click a neuron's edit to select that neuron.",
    "undo": "Remove every edit: the network as trained answers again.",
    "save": "Save the edited network as a model file; its metadata lists the edits.",
}
"""The tooltip of each of the Lab's controls and read-outs."""


class EditsList(QListWidget):
    """The list of active edits, which takes whatever height is left to it."""

    def sizeHint(self) -> QSize:
        # Qt's default asks for 192 px, more than the drawing pad's place can spare: the list
        # takes whatever height is left instead.
        return QSize(200, 80)

    @staticmethod
    def neuron_of(text: str) -> tuple[int, int] | None:
        """(layer, neuron) of an edit of one neuron ("Layer 1, neuron 17: ..."), or None."""
        words = text.replace(",", "").replace(":", "").split()
        if len(words) >= 4 and words[0] == "Layer" and words[2] == "neuron":
            return int(words[1]), int(words[3])
        return None


def caption(text: str) -> QLabel:
    """A muted label over a group of the Lab's controls or read-outs."""
    label = QLabel(text)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label
