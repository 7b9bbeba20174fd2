"""What the training form asks for: the presets offered, each field's label, options and
tooltip, and how a field's text and the engine's verdict on its value are read."""
from __future__ import annotations

from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QLineEdit, QWidget

from engine.config import TrainConfig

from ..widgets.colormaps import text_accent

PRESET_ORDER = ("seed-000", "seed-002", "seed-003", "seed-004", "default", "best")

AUGMENT_SHIFT_PX = 2
AUGMENT_ROTATE_DEG = 12.0
AUGMENT_NOISE_STD = 0.1
AUGMENT_AFFINE = 0.15
AUGMENT_ELASTIC_PX = 1.5
AUGMENT_THICKNESS = 0.5
MAX_SLOW_MOTION_S = 2.0
SLOW_MOTION_SLIDER_STEPS_PER_S = 100  # the slider moves in 10 ms steps


INVALID_STYLE = "border: 2px solid #d9534f; border-radius: 3px;"
ERROR_TEXT_COLOUR = "#c9302c"
"""Messages about impossible settings (lighter on a dark theme, see colormaps.text_accent)."""

PRESET_TOOLTIP = (
    "Starting settings taken from the seeds. seed-000: 784-128-64-10 ReLU network, mini-batch gradient "
    "descent. seed-002: 784-10-10 trained by full-batch gradient descent (one step per epoch). "
    "seed-003: the same 784-10-10 with mini-batches. seed-004: 784-20-10-10 sigmoid network with a "
    "squared-error cost. default: the quickest route to about 98% test accuracy. best: 784-800-800-10 "
    "with every distortion towards real handwriting: over 99% in a few minutes."
)

OPTIONS = {
    "activation": [("ReLU", "relu"), ("Leaky ReLU", "leaky_relu"), ("Sigmoid", "sigmoid"), ("tanh", "tanh")],
    "loss": [("Cross-entropy", "ce"), ("Squared error", "mse")],
    "output_activation": [("Softmax", "softmax"), ("Sigmoid", "sigmoid"), ("Identity", "identity")],
    "optimizer": [("Gradient descent", "gd"), ("Momentum", "momentum"), ("Adam", "adam")],
    "schedule": [("Constant", "constant"), ("Step decay", "step"), ("Cosine", "cosine")],
}
"""(text, TrainConfig value) of each choice of the fields that are combo boxes."""

FIELD_LABELS = {
    "hidden": "Hidden layers", "activation": "Activation", "loss": "Loss",
    "output_activation": "Output activation", "optimizer": "Optimiser", "lr": "Learning rate α",
    "momentum": "Momentum μ", "l2": "L2 decay λ", "dropout": "Dropout", "schedule": "α schedule",
    "batch_size": "Mini-batch size", "epochs": "Epochs", "seed": "Seed",
    "augment_shift": "Shift", "augment_rotate": "Rotate", "augment_noise": "Noise",
    "augment_affine": "Scale and shear", "augment_elastic": "Elastic", "augment_thickness": "Stroke width",
    "slow_motion_s": "Slow motion",
}
"""How validation messages name each field of TrainConfig."""

TOOLTIPS = {
    "hidden": (
        "Sizes of the hidden layers, separated by commas. 256,128 builds a 784-256-128-10 network: "
        "W[1] is 256×784, W[2] is 128×256 and W[3] is 10×128."),
    "activation": (
        "The function g applied by every hidden layer: A[l] = g(Z[l]) with Z[l] = W[l] A[l-1] + b[l]."),
    "loss": (
        "The cost J that training minimises, averaged over the mini-batch. Cross-entropy with a "
        "softmax output is the usual choice; squared error is ||A[L] − Y||² / 2 (seed 004)."),
    "output_activation": (
        "The activation of the output layer A[L]. Cross-entropy needs softmax; with squared error "
        "the output may also be sigmoid (as in seed 004) or identity."),
    "optimizer": (
        "How a gradient changes the weights. Gradient descent: W[l] := W[l] − α dW[l]. Momentum "
        "follows a running average of past gradients; Adam also scales each weight's step."),
    "lr": (
        "The learning rate α: how far each update moves W[l] and b[l] against the gradient. "
        "Too small learns slowly, too large makes the loss blow up. Changes apply immediately."),
    "momentum": (
        "For the momentum optimiser: the share μ of the previous step kept in each update, "
        "v := μ v + dW[l], W[l] := W[l] − α v. Higher values smooth out noisy mini-batches."),
    "l2": (
        "L2 weight decay λ: adds (λ/2)·||W[l]||² to the cost, which pulls every weight towards zero "
        "and keeps the network from memorising the training images. 0 turns it off."),
    "dropout": (
        "The probability that each hidden neuron is switched off for a mini-batch during training, "
        "so the network cannot rely on any single neuron. 0 turns it off."),
    "schedule": (
        "How α changes during the run: constant; step decay (halved after every epoch); or cosine "
        "(smoothly down to 0 by the last epoch)."),
    "batch_size": (
        "The mini-batch size m: how many images are averaged for each gradient step. "
        "Full batch uses the whole training set instead, whatever its size."),
    "full_batch": (
        "Full-batch gradient descent: every step averages the gradient over the whole training set "
        "(60,000 images for MNIST, or all of an opened dataset), one step per epoch, as in seed 002."),
    "epochs": "How many epochs to train: one epoch is one pass over every training image.",
    "seed": (
        "Random seed for the initial W[l], the shuffling of mini-batches and dropout. "
        "The same seed replays a run exactly."),
    "augment_shift": (
        f"Data augmentation: move each training image by up to {AUGMENT_SHIFT_PX} pixels in each "
        "direction, so the network learns that a digit's position does not matter."),
    "augment_rotate": (
        f"Data augmentation: turn each training image by a random angle within ±{AUGMENT_ROTATE_DEG:g}°, "
        "like a slanted handwriting."),
    "augment_noise": (
        f"Data augmentation: add random pixel noise (standard deviation {AUGMENT_NOISE_STD:g}) to "
        "each training image, so the network ignores speckles."),
    "augment_affine": (
        f"Data augmentation: stretch or squeeze each training image by up to ±{AUGMENT_AFFINE:.0%} in height "
        "and width and slant it (shear), like digits written wider, narrower or in italics."),
    "augment_elastic": (
        f"Data augmentation: bend each training image by a smooth random displacement of about "
        f"{AUGMENT_ELASTIC_PX:g} px (elastic deformation, Simard et al. 2003), like the wobble of a hand."),
    "augment_thickness": (
        "Data augmentation: draw each training image with a thicker or thinner pen (a random blend "
        f"of up to {AUGMENT_THICKNESS:g} towards one pixel wider or narrower strokes)."),
    "slow_motion_s": (
        "Pause between mini-batches, to watch each update of W[l] and b[l] happen. "
        "0 trains at full speed. Changes apply immediately."),
}
"""The tooltip of each field of the form, by TrainConfig field."""


def parse_hidden(text: str) -> tuple | None:
    """The hidden layer sizes written as "256,128", or None unless they are positive whole numbers."""
    parts = [part.strip() for part in text.split(",")]
    if not parts or not all(part.isdigit() for part in parts):
        return None
    sizes = tuple(int(part) for part in parts)
    return sizes if all(n >= 1 for n in sizes) else None


def config_problem(config: TrainConfig, n_train: int | None) -> str:
    """What TrainConfig.validate finds wrong with `config` for `n_train` training images ("" if nothing)."""
    try:
        config.validate(n_train)
    except ValueError as e:
        return str(e)
    return ""


def invalid_style(widget: QWidget) -> str:
    """The style sheet that marks `widget` as holding an impossible value."""
    if isinstance(widget, QCheckBox):
        return f"QCheckBox {{ color: {text_accent(ERROR_TEXT_COLOUR).name()}; }}"
    for widget_type in (QAbstractSpinBox, QLineEdit, QComboBox):
        if isinstance(widget, widget_type):
            return f"{widget_type.__name__} {{ {INVALID_STYLE} }}"
    return ""
