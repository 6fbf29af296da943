"""Small networks in the SPEC section 4 format: drawing them and describing them in words."""

from __future__ import annotations

import random
from collections.abc import Callable

from solutions.weights import output_shape

Layers = list[dict]


def conv(rng: random.Random, kernel_sizes: tuple[int, ...] = (3,), stride: int = 1,
         same: bool | None = None) -> dict:
    """A conv layer dict with drawn filters; ``same=None`` draws whether it pads to keep size."""
    k = rng.choice(kernel_sizes)
    same = rng.random() < 0.5 if same is None else same
    layer = {"type": "conv", "filters": rng.choice([4, 6, 8, 12, 16, 24, 32, 48, 64]),
             "kernel_size": k}
    if stride != 1:
        layer["stride"] = stride
    if same and k > 1:
        layer["padding"] = (k - 1) // 2
    return layer


def describe_layer(layer: dict) -> str:
    """One layer in words, with every setting that matters stated (defaults too)."""
    kind = layer["type"]
    if kind == "conv":
        bias = "with" if layer.get("bias", True) else "without"
        k = layer["kernel_size"]
        return (f"conv: {layer['filters']} kernels of {k}x{k}, stride {layer.get('stride', 1)}, "
                f"padding {layer.get('padding', 0)}, {bias} bias")
    if kind in ("maxpool", "avgpool"):
        size = layer.get("size", 2)
        stride = layer.get("stride", size)
        name = "max-pooling" if kind == "maxpool" else "average pooling"
        return f"{name}: {size}x{size} windows, stride {stride}"
    if kind == "dense":
        bias = "with" if layer.get("bias", True) else "without"
        return f"dense (fully connected): {layer['units']} units, {bias} bias"
    return {"relu": "ReLU", "sigmoid": "sigmoid", "flatten": "flatten"}[kind]


def describe_network(layers: Layers, input_shape: tuple[int, int, int] | None = None) -> str:
    """A numbered list of layers, preceded by the input shape when given."""
    lines = [] if input_shape is None else [
        f"input: {input_shape[0]}x{input_shape[1]}x{input_shape[2]} (height x width x channels)"]
    lines += [f"{i + 1}. {describe_layer(layer)}" for i, layer in enumerate(layers)]
    return "\n".join(lines)


def valid_network(rng: random.Random, draw: Callable[[random.Random], tuple[Layers, tuple]],
                  tries: int = 50) -> tuple[Layers, tuple[int, int, int]]:
    """Draw until ``solutions.weights.output_shape`` accepts the network (all windows fit)."""
    for _ in range(tries):
        layers, input_shape = draw(rng)
        try:
            output_shape(layers, input_shape)
        except ValueError:
            continue
        return layers, input_shape
    raise ValueError(f"no valid network in {tries} draws; the drawing ranges are too wide")


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))
