"""The PyTorch counterpart of the engine that the benchmarks time it against: the same layers,
initialisation scheme (He for ReLU layers, Glorot for the output, zero biases), plain gradient
descent and cross-entropy, seeded from the config."""
from __future__ import annotations


def reference_network(torch, config, n_inputs: int, n_classes: int):
    """(model, optimizer, loss_fn, generator) for `config`'s network on n_inputs -> n_classes."""
    torch.manual_seed(config.seed)
    sizes = config.layer_sizes(n_inputs, n_classes)
    layers = []
    for i in range(1, len(sizes)):
        linear = torch.nn.Linear(sizes[i - 1], sizes[i])
        torch.nn.init.zeros_(linear.bias)
        if i < len(sizes) - 1:
            torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            layers += [linear, torch.nn.ReLU()]
        else:
            torch.nn.init.xavier_uniform_(linear.weight)
            layers.append(linear)
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    return model, optimizer, torch.nn.CrossEntropyLoss(), torch.Generator().manual_seed(config.seed)
