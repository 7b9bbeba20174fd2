"""A trained network for other tools: an ONNX file, and a PyTorch `state_dict`-shaped .npz.

ONNX (opset 17): the input "pixels" is a batch of rows of 784 floats in [0, 1] (shape
["batch", 784]); each layer is a Gemm with transB=1, so W[l] is stored as the engine holds it,
shape (n_l, n_{l-1}) (docs/math.md#notation), followed by its activation; the output
"probabilities" is A[L] row by row (Softmax over the classes for a softmax output). The `onnx`
package builds the file and is optional (`pip install 'backprop-studio[onnx]'`); `onnxruntime`,
when installed, checks the written file against the engine.

PyTorch: `torch_state_dict` names the arrays as an `nn.Sequential` of Linear layers and
activations names them ("0.weight", "0.bias", "2.weight", ...); the README shows how to load it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .atomic import atomic_write
from .network import Network

ONNX_OPSET = 17
INPUT_NAME, OUTPUT_NAME = "pixels", "probabilities"
INSTALL_ONNX = "ONNX export needs the onnx package: pip install 'backprop-studio[onnx]'"
ONNX_ACTIVATIONS = {"relu": ("Relu", {}), "leaky_relu": ("LeakyRelu", {"alpha": 0.01}),
                    "sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}), "identity": None,
                    "softmax": ("Softmax", {"axis": 1})}
TORCH_ACTIVATIONS = {"relu": "nn.ReLU()", "leaky_relu": "nn.LeakyReLU(0.01)", "sigmoid": "nn.Sigmoid()",
                     "tanh": "nn.Tanh()", "identity": None, "softmax": "nn.Softmax(dim=1)"}


class ExportError(Exception):
    """What the user should be told: a missing optional package, a file that cannot be written."""


@dataclass(frozen=True)
class OnnxCheck:
    """How the written ONNX file answered next to the engine, image by image."""
    images: int
    max_abs_difference: float
    predictions_agree: bool


def onnx_model(network: Network):
    """The network as an onnx.ModelProto (raises ExportError without the onnx package)."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise ExportError(INSTALL_ONNX) from None
    nodes, initializers = [], []
    current = INPUT_NAME
    for l in range(1, network.n_layers + 1):
        w = np.asarray(network.weights[l - 1], dtype=np.float32)
        b = np.asarray(network.biases[l - 1], dtype=np.float32).reshape(-1)
        initializers += [numpy_helper.from_array(w, f"W{l}"), numpy_helper.from_array(b, f"b{l}")]
        z = f"Z{l}"
        nodes.append(helper.make_node("Gemm", [current, f"W{l}", f"b{l}"], [z], transB=1, name=f"layer{l}"))
        activation = ONNX_ACTIVATIONS[network.activation_of(l)]
        last = l == network.n_layers
        if activation is None:
            current = z
            if last:
                nodes.append(helper.make_node("Identity", [z], [OUTPUT_NAME], name="output"))
        else:
            op, attributes = activation
            out = OUTPUT_NAME if last else f"A{l}"
            nodes.append(helper.make_node(op, [z], [out], name=f"{op.lower()}{l}", **attributes))
            current = out
    n_in, n_out = network.layer_sizes[0], network.layer_sizes[-1]
    graph = helper.make_graph(
        nodes, "backprop_studio_mlp",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", n_in])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", n_out])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
                              producer_name="backprop-studio",
                              doc_string=f"{network.describe()}; input: rows of {n_in} pixels in [0, 1]")
    model.ir_version = min(model.ir_version, 9)  # readable by onnxruntime releases of the last years
    onnx.checker.check_model(model)
    return model


def export_onnx(network: Network, path) -> None:
    """Write the network as an ONNX file, atomically."""
    data = onnx_model(network).SerializeToString()
    _write(path, data)


def check_onnx(path, network: Network, x_rows: np.ndarray) -> OnnxCheck | None:
    """Run the ONNX file on `x_rows` (one image per row) with onnxruntime and compare with the
    engine's A[L]; None when onnxruntime is not installed."""
    try:
        import onnxruntime
    except ImportError:
        return None
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.ascontiguousarray(x_rows, dtype=np.float32)
    theirs = session.run([OUTPUT_NAME], {INPUT_NAME: x})[0]
    ours = network.predict_proba(x.T.astype(network.dtype)).T
    return OnnxCheck(images=len(x), max_abs_difference=float(np.max(np.abs(theirs - ours))),
                     predictions_agree=bool(np.array_equal(np.argmax(theirs, axis=1), np.argmax(ours, axis=1))))


def torch_state_dict(network: Network) -> dict[str, np.ndarray]:
    """The weights named as nn.Sequential(Linear, activation, Linear, ...) names them."""
    arrays, index = {}, 0
    for l in range(1, network.n_layers + 1):
        arrays[f"{index}.weight"] = np.asarray(network.weights[l - 1], dtype=np.float32)
        arrays[f"{index}.bias"] = np.asarray(network.biases[l - 1], dtype=np.float32).reshape(-1)
        index += 1 if TORCH_ACTIVATIONS[network.activation_of(l)] is None else 2
    return arrays


def torch_sequential_code(network: Network) -> str:
    """The nn.Sequential that the state dict fits, as Python source."""
    parts = []
    for l in range(1, network.n_layers + 1):
        parts.append(f"nn.Linear({network.layer_sizes[l - 1]}, {network.layer_sizes[l]})")
        activation = TORCH_ACTIVATIONS[network.activation_of(l)]
        if activation is not None:
            parts.append(activation)
    return "nn.Sequential(" + ", ".join(parts) + ")"


def export_torch_state_dict(network: Network, path) -> None:
    """Write the state dict as an .npz (plain arrays, no pickle), atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, **torch_state_dict(network))
    _write(path, buffer.getvalue())


def _write(path, data: bytes) -> None:
    try:
        atomic_write(Path(path), lambda f: f.write(data))
    except OSError as e:
        raise ExportError(f"{path}: cannot write ({e.strerror or e})") from None
