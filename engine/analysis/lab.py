"""The Lab: edit a trained network by hand and see what each part of it is worth.

`LabEdits` is an immutable description of the edits; `apply_edits(network, edits)` returns an
edited copy and never touches the network it is given. Layers are numbered as in
docs/math.md#notation (l = 1..L, W[l] of shape (n_l, n_{l-1})), neurons from 0 like the chunk
grid. The edits are applied in this order, so that every combination means one thing:

1. Pruning: in every layer separately, the `prune_percent` % of W[l]'s entries smallest in
   magnitude *in the network given* are set to 0 (round(n · p / 100) of its n weights; biases
   are never pruned). Per layer rather than globally because the layers' weights live on very
   different scales (W[1] has 784 inputs per neuron, the output layer a few hundred): one global
   threshold would empty the layers with small weights long before touching the others.
2. Weight scale: row i of W[l] (the weights neuron i gives its inputs) is multiplied by the
   scale. The bias b[l]_i is *not* scaled; shift it separately.
3. Bias shift: the shift is added to b[l]_i.
4. Switching off hidden neuron i of layer l: column i of W[l+1] is zeroed, so the next layer
   receives nothing from the neuron, exactly as if A[l]_i were 0 for every input, whatever the
   activation. Zeroing only row i of W[l] and b[l]_i would not do: the neuron would then output
   g(0), which is 0 for ReLU and tanh but 0.5 for the sigmoid. Row i and b[l]_i are zeroed as
   well, so that views of A[l] show the neuron as constant (g(0)) instead of still responding.
   Only hidden neurons can be switched off; an output neuron is a digit's score.
5. Temperature T: W[L] and b[L] are multiplied by 1/T, so the edited network's output is
   g(Z[L] / T): exactly softmax(Z[L] / T) for a softmax output. Dividing every logit by the same
   positive T keeps their order, so the predicted digit (and the accuracy) never changes; only
   how sure the network is: T > 1 flattens the probabilities, T < 1 sharpens them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..network import Network
from ..trainer import EVAL_CHUNK

PRUNE_SCOPE = "per layer"
EVALUATION_CHUNK = EVAL_CHUNK  # the trainer's: bounded activations, full-speed products
"""Test images per forward pass in `network_accuracy`: bounded memory for any test set size."""


def _key(layer, neuron) -> tuple[int, int]:
    if isinstance(layer, bool) or isinstance(neuron, bool) or layer != int(layer) or neuron != int(neuron):
        raise ValueError(f"layer and neuron must be whole numbers, got layer {layer!r}, neuron {neuron!r}")
    layer, neuron = int(layer), int(neuron)
    if layer < 1:
        raise ValueError(f"layers are numbered from 1, got layer {layer}")
    if neuron < 0:
        raise ValueError(f"neurons are numbered from 0, got neuron {neuron}")
    return layer, neuron


def _finite(value, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value}")
    return value


@dataclass(frozen=True)
class LabEdits:
    """Edits to a trained network; the default (no edits) leaves it as it is.

    `switched_off` holds (layer, neuron) pairs; `weight_scales` and `bias_shifts` hold
    (layer, neuron, value) triples, only for values that change something (scale ≠ 1, shift ≠ 0).
    Construction sorts and checks them; the `with_…` methods return changed copies."""

    switched_off: tuple[tuple[int, int], ...] = ()
    weight_scales: tuple[tuple[int, int, float], ...] = ()
    bias_shifts: tuple[tuple[int, int, float], ...] = ()
    prune_percent: float = 0.0
    temperature: float = 1.0

    def __post_init__(self) -> None:
        off = sorted({_key(layer, neuron) for layer, neuron in self.switched_off})
        scales = _per_neuron(self.weight_scales, "weight scale", neutral=1.0)
        shifts = _per_neuron(self.bias_shifts, "bias shift", neutral=0.0)
        prune = _finite(self.prune_percent, "the prune percentage")
        if not 0.0 <= prune <= 100.0:
            raise ValueError(f"the prune percentage must be between 0 and 100, got {prune:g}")
        temperature = _finite(self.temperature, "the temperature")
        if temperature <= 0.0:
            raise ValueError(f"the temperature must be positive, got {temperature:g}")
        object.__setattr__(self, "switched_off", tuple(off))
        object.__setattr__(self, "weight_scales", scales)
        object.__setattr__(self, "bias_shifts", shifts)
        object.__setattr__(self, "prune_percent", prune)
        object.__setattr__(self, "temperature", temperature)

    # -- reading ------------------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        """True if the edits change nothing (applying them gives an identical network)."""
        return self == LabEdits()

    def neuron_off(self, layer: int, neuron: int) -> bool:
        return (layer, neuron) in self.switched_off

    def weight_scale(self, layer: int, neuron: int) -> float:
        return next((s for l, i, s in self.weight_scales if (l, i) == (layer, neuron)), 1.0)

    def bias_shift(self, layer: int, neuron: int) -> float:
        return next((s for l, i, s in self.bias_shifts if (l, i) == (layer, neuron)), 0.0)

    def summary(self) -> list[str]:
        """One line per edit, for a list on screen."""
        lines = [f"Layer {l}, neuron {i}: off" for l, i in self.switched_off]
        lines += [f"Layer {l}, neuron {i}: weights \u00d7 {s:g}" for l, i, s in self.weight_scales]
        lines += [f"Layer {l}, neuron {i}: bias {s:+g}" for l, i, s in self.bias_shifts]
        if self.prune_percent:
            lines.append(f"Pruned: smallest {self.prune_percent:g} % {PRUNE_SCOPE}")
        if self.temperature != 1.0:
            lines.append(f"Temperature T = {self.temperature:g}")
        return lines

    def to_dict(self) -> dict:
        """A JSON-serialisable description (stored in the metadata of a saved edited network)."""
        return {
            "switched_off": [list(pair) for pair in self.switched_off],
            "weight_scales": [list(triple) for triple in self.weight_scales],
            "bias_shifts": [list(triple) for triple in self.bias_shifts],
            "prune_percent": self.prune_percent,
            "prune_scope": PRUNE_SCOPE,
            "temperature": self.temperature,
            "weight_scale_includes_bias": False,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LabEdits:
        try:
            return cls(switched_off=tuple(tuple(p) for p in data.get("switched_off", ())),
                       weight_scales=tuple(tuple(t) for t in data.get("weight_scales", ())),
                       bias_shifts=tuple(tuple(t) for t in data.get("bias_shifts", ())),
                       prune_percent=data.get("prune_percent", 0.0), temperature=data.get("temperature", 1.0))
        except (TypeError, AttributeError) as e:
            raise ValueError(f"not a description of lab edits: {e}") from None

    # -- changing (each returns a new LabEdits) -------------------------------------------------
    def with_neuron_off(self, layer: int, neuron: int, off: bool = True) -> LabEdits:
        key = _key(layer, neuron)
        others = tuple(pair for pair in self.switched_off if pair != key)
        return self._replace(switched_off=others + ((key,) if off else ()))

    def with_weight_scale(self, layer: int, neuron: int, scale: float) -> LabEdits:
        key = _key(layer, neuron)
        others = tuple(t for t in self.weight_scales if t[:2] != key)
        return self._replace(weight_scales=others + ((*key, scale),))

    def with_bias_shift(self, layer: int, neuron: int, shift: float) -> LabEdits:
        key = _key(layer, neuron)
        others = tuple(t for t in self.bias_shifts if t[:2] != key)
        return self._replace(bias_shifts=others + ((*key, shift),))

    def with_prune_percent(self, percent: float) -> LabEdits:
        return self._replace(prune_percent=percent)

    def with_temperature(self, temperature: float) -> LabEdits:
        return self._replace(temperature=temperature)

    def without_neuron(self, layer: int, neuron: int) -> LabEdits:
        """These edits with every edit of one neuron removed."""
        key = (layer, neuron)
        return self._replace(switched_off=tuple(p for p in self.switched_off if p != key),
                             weight_scales=tuple(t for t in self.weight_scales if t[:2] != key),
                             bias_shifts=tuple(t for t in self.bias_shifts if t[:2] != key))

    def _replace(self, **changes) -> LabEdits:
        fields = {"switched_off": self.switched_off, "weight_scales": self.weight_scales,
                  "bias_shifts": self.bias_shifts, "prune_percent": self.prune_percent,
                  "temperature": self.temperature}
        fields.update(changes)
        return LabEdits(**fields)

    # -- fitting a network ------------------------------------------------------------------------
    def problems(self, layer_sizes) -> list[str]:
        """Why these edits do not fit a network of `layer_sizes` (empty if they do)."""
        n_layers = len(layer_sizes) - 1
        found = []
        for layer, neuron in self.switched_off:
            if not 1 <= layer < n_layers:
                found.append(f"layer {layer} is not a hidden layer (hidden layers are 1 to {n_layers - 1}); "
                             "only hidden neurons can be switched off")
            elif neuron >= layer_sizes[layer]:
                found.append(_no_such_neuron(layer, neuron, layer_sizes))
        for layer, neuron, _ in self.weight_scales + self.bias_shifts:
            if not 1 <= layer <= n_layers:
                found.append(f"there is no layer {layer}; the network has layers 1 to {n_layers}")
            elif neuron >= layer_sizes[layer]:
                found.append(_no_such_neuron(layer, neuron, layer_sizes))
        return list(dict.fromkeys(found))

    def fitting(self, layer_sizes) -> LabEdits:
        """These edits without the ones that do not fit a network of `layer_sizes`."""
        def fits(layer, neuron, hidden_only=False):
            last = len(layer_sizes) - 1 if hidden_only else len(layer_sizes)
            return 1 <= layer < last and neuron < layer_sizes[layer]
        return self._replace(switched_off=tuple(p for p in self.switched_off if fits(*p, hidden_only=True)),
                             weight_scales=tuple(t for t in self.weight_scales if fits(*t[:2])),
                             bias_shifts=tuple(t for t in self.bias_shifts if fits(*t[:2])))


def _no_such_neuron(layer, neuron, layer_sizes) -> str:
    return f"layer {layer} has neurons 0 to {layer_sizes[layer] - 1}; there is no neuron {neuron}"


def _per_neuron(entries, what: str, neutral: float) -> tuple[tuple[int, int, float], ...]:
    values = {}
    for entry in entries:
        layer, neuron, value = entry
        values[_key(layer, neuron)] = _finite(value, f"the {what} of layer {layer}, neuron {neuron}")
    return tuple((l, i, v) for (l, i), v in sorted(values.items()) if v != neutral)


def pruned_count(n_weights: int, percent: float) -> int:
    """How many of a layer's `n_weights` weights pruning `percent` % zeroes: round(n · p / 100),
    halves rounded up."""
    return min(n_weights, int(math.floor(n_weights * percent / 100.0 + 0.5)))


def apply_edits(network: Network, edits: LabEdits) -> Network:
    """An edited copy of `network` (see the module docstring); `network` itself is never changed.

    Raises ValueError, naming the problem, if an edit refers to a layer or neuron the network
    does not have."""
    problems = edits.problems(network.layer_sizes)
    if problems:
        raise ValueError("; ".join(problems))
    edited = network.copy()
    weights, biases = edited.weights, edited.biases  # views into the copy's own parameters
    if edits.prune_percent:
        for w in weights:
            flat = w.reshape(-1)
            k = pruned_count(flat.size, edits.prune_percent)
            if k == flat.size:
                flat[:] = 0
            elif k:
                # The magnitudes are those of the network given, so other edits never change
                # which weights are pruned. argpartition finds the k smallest in linear time.
                flat[np.argpartition(np.abs(flat), k - 1)[:k]] = 0
    dtype = edited.dtype.type
    for layer, neuron, scale in edits.weight_scales:
        weights[layer - 1][neuron] *= dtype(scale)
    for layer, neuron, shift in edits.bias_shifts:
        biases[layer - 1][neuron] += dtype(shift)
    for layer, neuron in edits.switched_off:
        weights[layer][:, neuron] = 0      # column i of W[l+1]: nothing reaches the next layer
        weights[layer - 1][neuron] = 0     # row i of W[l] and b[l]_i: the neuron itself stays constant
        biases[layer - 1][neuron] = 0
    if edits.temperature != 1.0:
        inverse = dtype(1.0 / edits.temperature)
        weights[-1] *= inverse
        biases[-1] *= inverse
    return edited


class EditedCopy:
    """The edited copy of a network, made once per network and set of edits (the answer to every
    stroke on the drawing pad must not copy the weights again)."""

    def __init__(self) -> None:
        self._cached: tuple[Network, LabEdits, Network] | None = None

    def of(self, network: Network, edits: LabEdits | None) -> Network:
        """`network` itself without edits, otherwise its copy with `edits` (those that fit it) applied."""
        if edits is None or edits.is_empty:
            return network
        cached = self._cached
        if cached is not None and cached[0] is network and cached[1] == edits:
            return cached[2]
        edited = apply_edits(network, edits.fitting(network.layer_sizes))
        self._cached = (network, edits, edited)
        return edited


def network_accuracy(network: Network, x_test: np.ndarray, y_test: np.ndarray, chunk: int = EVALUATION_CHUNK) -> float:
    """The fraction of rows of `x_test` (n, n_inputs) whose argmax output is `y_test`, computed
    `chunk` images at a time in the network's dtype (float32 for every network the app trains)."""
    labels = np.asarray(y_test).reshape(-1)
    n = labels.shape[0]
    if x_test.shape[0] != n:
        raise ValueError(f"{x_test.shape[0]} test images but {n} labels")
    if n == 0:
        return 0.0
    correct = 0
    for start in range(0, n, chunk):
        rows = np.asarray(x_test[start:start + chunk], dtype=network.dtype)
        predictions = np.argmax(network.forward(rows.T).A[-1], axis=0)
        correct += int(np.count_nonzero(predictions == labels[start:start + chunk]))
    return correct / n


def evaluate_edited(network: Network, edits: LabEdits, x_test: np.ndarray, y_test: np.ndarray,
                    chunk: int = EVALUATION_CHUNK) -> float:
    """Test accuracy of the edited copy of `network` (which stays unchanged)."""
    return network_accuracy(apply_edits(network, edits), x_test, y_test, chunk)
