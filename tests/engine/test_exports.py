"""Exports for other tools: ONNX checked with onnxruntime against the engine, and the PyTorch
state dict checked against the engine's own forward pass."""
import numpy as np
import onnx
import pytest

from engine.exports import (
    INPUT_NAME,
    ONNX_OPSET,
    OUTPUT_NAME,
    check_onnx,
    export_onnx,
    export_torch_state_dict,
    torch_sequential_code,
)
from engine.network import Network


def test_the_shipped_model_exports_to_onnx_and_answers_like_the_engine(model, mnist, tmp_path):
    path = tmp_path / "model.onnx"
    export_onnx(model, path)
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded)
    assert loaded.opset_import[0].version == ONNX_OPSET >= 17
    (graph_input,) = loaded.graph.input
    dims = [d.dim_param or d.dim_value for d in graph_input.type.tensor_type.shape.dim]
    assert graph_input.name == INPUT_NAME and dims == ["batch", 784]
    assert loaded.graph.output[0].name == OUTPUT_NAME
    assert [node.op_type for node in loaded.graph.node] == ["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"]
    check = check_onnx(path, model, mnist.x_test[:1000])
    assert check.images == 1000 and check.max_abs_difference < 1e-5 and check.predictions_agree


@pytest.mark.parametrize("hidden, output, loss", [("sigmoid", "sigmoid", "mse"), ("tanh", "identity", "mse"),
                                                  ("leaky_relu", "softmax", "ce")])
def test_every_activation_exports_faithfully(hidden, output, loss, mnist, tmp_path):
    network = Network((784, 20, 10, 10), hidden, output, loss, seed=3)
    path = tmp_path / f"{hidden}.onnx"
    export_onnx(network, path)
    check = check_onnx(path, network, mnist.x_test[:200])
    assert check.max_abs_difference < 1e-5 and check.predictions_agree


def test_the_torch_state_dict_fits_the_sequential_and_computes_the_same(model, mnist, tmp_path):
    path = tmp_path / "state_dict.npz"
    export_torch_state_dict(model, path)
    with np.load(path, allow_pickle=False) as arrays:
        state = dict(arrays)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert torch_sequential_code(model) == ("nn.Sequential(nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 200), "
                                           "nn.ReLU(), nn.Linear(200, 10), nn.Softmax(dim=1))")
    # What nn.Linear computes, x W^T + b, layer by layer, against the engine.
    x = mnist.x_test[:500].astype(np.float32)
    for index in (0, 2):
        x = np.maximum(x @ state[f"{index}.weight"].T + state[f"{index}.bias"], 0)
    z = x @ state["4.weight"].T + state["4.bias"]
    probabilities = np.exp(z - z.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities, model.predict_proba(mnist.x_test[:500].T).T, atol=1e-5)
