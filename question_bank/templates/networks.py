"""Small networks in the SPEC section 4 format: drawing them and describing them in words."""

from __future__ import annotations

import random
from collections.abc import Callable

from question_bank.templates.texts import shared_text
from solutions.weights import output_shape

Layers = list[dict]
WORDS = shared_text("networks")  # text/networks.toml


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
    values: dict = {"bias": "yes" if layer.get("bias", True) else "no"}
    if kind == "conv":
        values |= {"filters": layer["filters"], "k": layer["kernel_size"],
                   "stride": layer.get("stride", 1), "padding": layer.get("padding", 0)}
    elif kind in ("maxpool", "avgpool"):
        size = layer.get("size", 2)
        values |= {"size": size, "stride": layer.get("stride", size)}
    elif kind == "dense":
        values["units"] = layer["units"]
    return WORDS.fill(f"layer.{kind}", values)


def describe_network(layers: Layers, input_shape: tuple[int, int, int] | None = None) -> str:
    """A numbered list of layers, preceded by the input shape when given."""
    lines = [] if input_shape is None else [WORDS.fill("input", dict(
        zip(("height", "width", "channels"), input_shape, strict=True)))]
    lines += [WORDS.fill("numbered", {"i": i + 1, "description": describe_layer(layer)})
              for i, layer in enumerate(layers)]
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
