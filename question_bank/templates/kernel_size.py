"""LO5, computing: receptive field, stacks of small kernels vs one large, multiply-adds."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import WORDS, count, integer
from question_bank.templates.concepts import load_concept, load_statements, merged
from question_bank.templates.networks import Layers, conv, describe_network
from question_bank.templates.texts import Drawn, Line, Lines, numeric_template
from solutions.padding import conv_output_size, same_padding
from solutions.receptive_field import effective_stride, receptive_field
from solutions.weights import conv_layer_params


def _draw_stack(rng: random.Random, difficulty: int) -> Layers:
    """d1: 2-3 convs at stride 1; d2: conv, pool, conv(s); d3: strided convs and pools."""
    def maybe_relu() -> Layers:
        return [{"type": "relu"}] if rng.random() < 0.5 else []
    if difficulty == 1:
        layers: Layers = []
        for _ in range(rng.randint(2, 3)):
            layers += [conv(rng, (3, 5, 7)), *maybe_relu()]
        return layers
    if difficulty == 2:
        return [conv(rng, (3, 5)), *maybe_relu(), {"type": "maxpool"}, conv(rng, (3, 5)),
                *maybe_relu(), *([conv(rng, (3,))] if rng.random() < 0.5 else [])]
    return [conv(rng, (3, 5), stride=rng.choice([1, 2])), *maybe_relu(),
            {"type": "maxpool", "size": rng.choice([2, 3]), "stride": 2}, conv(rng, (3,)),
            *maybe_relu(), {"type": "maxpool"}, conv(rng, (1, 3))]


def receptive_field_stack(rng: random.Random, difficulty: int) -> Drawn:
    """The receptive field of one top unit of a stack of conv and pooling layers."""
    layers = _draw_stack(rng, difficulty)
    answer = integer(receptive_field(layers))
    steps, field, jump = [], 1, 1
    for index, layer in enumerate(layers):
        if layer["type"] == "relu":
            steps.append(Line("relu", {"i": index + 1, "r": field}))
            continue
        k = layer.get("kernel_size", layer.get("size", 2))
        stride = layer.get("stride", 1 if layer["type"] == "conv" else k)
        field = integer(receptive_field(layers[:index + 1]))
        steps.append(Line("window", {"i": index + 1, "k": k, "jump": jump, "r": field}))
        jump = integer(effective_stride(layers[:index + 1]))
        if stride != 1:
            steps.append(Line("stride", {"stride": stride, "jump": jump}))
    shown = {"network": describe_network(layers), "steps": Lines(tuple(steps))}
    return Drawn(answer, {"layers": layers}, shown)


# (single kernel size, number of stacked 3x3 layers with the same receptive field)
STACKS = {1: ((5, 2), (7, 3)), 2: ((5, 2), (7, 3)), 3: ((5, 2), (7, 3), (9, 4))}


def small_vs_large_kernels(rng: random.Random, difficulty: int) -> Drawn:
    """One 5x5 vs two 3x3 (or 7x7 vs three 3x3): weights of either, or the saving."""
    big, depth = rng.choice(STACKS[difficulty])
    channels = rng.randint(1, 512)
    # At d3 the input has more channels than the layers (never fewer: with a thin input the
    # stack's first layer is cheap but the rest are not, and "saved" could turn negative).
    c_in = channels if difficulty < 3 else rng.randint(channels, 2 * channels)
    bias = difficulty >= 2
    asked = rng.choice(["single", "stack", "saved"])
    single = integer(conv_layer_params(big, c_in, channels, bias))
    first = integer(conv_layer_params(3, c_in, channels, bias))
    rest = integer(conv_layer_params(3, channels, channels, bias))
    stack = first + (depth - 1) * rest
    answer = {"single": single, "stack": stack, "saved": single - stack}[asked]
    biases = "bias" if bias else "no_bias"
    shown = {"depth_word": WORDS[depth], "channels_in": count(c_in, "channel"),
             "counted": biases, "plus": biases, "question": asked, "single": single,
             "first": first, "rest": rest, "stack": stack, "saved": single - stack,
             "rest_layers": count(depth - 1, "layer")}
    params = {"big": big, "depth": depth, "c_in": c_in, "channels": channels, "bias": bias,
              "asked": asked}
    return Drawn(answer, params, shown)


def conv_multiply_adds(rng: random.Random, difficulty: int) -> Drawn:
    """Multiply-adds of a conv layer: Ho * Wo * k * k * C_in * C_out."""
    side = rng.randint(8, 64 if difficulty == 1 else 256)
    k = rng.choice([1, 3, 5, 7])
    padding = 0 if difficulty == 1 else integer(same_padding(k))
    stride = 2 if difficulty == 3 else 1
    c_in = rng.choice([1, 3]) if difficulty == 1 else rng.choice([3, 8, 16, 32, 64, 128])
    c_out = rng.choice([4, 8, 16, 32, 64, 128])
    out = integer(conv_output_size(side, k, padding, stride))
    answer = out * out * integer(conv_layer_params(k, c_in, c_out, bias=False))
    params = {"side": side, "k": k, "padding": padding, "stride": stride, "c_in": c_in,
              "c_out": c_out}
    return Drawn(answer, params, {"out": out})


RECEPTIVE_FIELD_STACK = numeric_template("receptive_field_stack", receptive_field_stack)
SMALL_VS_LARGE_KERNELS = numeric_template("small_vs_large_kernels", small_vs_large_kernels)
CONV_MULTIPLY_ADDS = numeric_template("conv_multiply_adds", conv_multiply_adds)


# ---- understanding questions: multiple choice and true/false ---------------------------------


def _kernel_numbers(rng: random.Random) -> dict[str, Any]:
    k, c = rng.choice([5, 7, 9, 11]), rng.choice([16, 32, 64, 128])
    c_in, c_out = rng.choice([3, 8, 16, 32]), rng.choice([64, 128, 256])
    return {"k": k, "c": c, "big": int(conv_layer_params(k, c, c, bias=False)),
            "small": int(conv_layer_params(3, c, c, bias=False)),
            "two": int(2 * conv_layer_params(3, c, c, bias=False)),
            "one": int(conv_layer_params(5, c, c, bias=False)),
            "c_in": c_in, "c_out": c_out, "w11": int(conv_layer_params(1, c_in, c_out, False))}


def _growth_numbers(rng: random.Random) -> dict[str, Any]:
    k1, k2 = sorted(rng.sample([1, 3, 5, 7, 9, 11], 2))
    c = rng.choice([3, 8, 16, 32])  # never 1 weight: a 1x1 kernel on one channel
    return {"k1": k1, "k2": k2, "cg": c,
            "cg_text": f"{c} input channels",
            "w1g": k1 * k1 * c, "w2g": k2 * k2 * c,
            "grow": k2 - k1, "w2g_k": k2 * c, "w1g_k": k1 * c}


def _bottleneck_numbers(rng: random.Random) -> dict[str, Any]:
    c_in, c_r, c_out = rng.choice([64, 128, 256, 512]), rng.choice([16, 32, 64]), \
        rng.choice([64, 128, 256])
    direct, reduced = 9 * c_in * c_out, c_in * c_r + 9 * c_r * c_out
    return {"cb_in": c_in, "cb_r": c_r, "cb_out": c_out, "direct": direct, "reduced": reduced,
            "no_1x1": 9 * c_r * c_out, "two_3x3": 9 * c_in * c_r + 9 * c_r * c_out,
            "sum_c": c_in * c_r + c_r * c_out, "flat": c_in * c_out}


KERNEL_TRADEOFF = load_concept(
    "kernel_tradeoff", draw=merged(_kernel_numbers, _growth_numbers, _bottleneck_numbers))


def _kernel_fact_numbers(rng: random.Random) -> dict[str, Any]:
    k, c = rng.choice([5, 7, 9]), rng.choice([3, 16, 32, 64])
    depth, side, f = rng.choice([2, 3, 4]), rng.choice([16, 32, 64, 128]), rng.choice([8, 16, 32])
    s, kk = rng.choice([2, 3, 4]), rng.choice([3, 5])
    rf = 2 * depth + 1
    return {"k": k, "c": c, "kkcc": int(conv_layer_params(k, c, c, bias=False)),
            "kk2": k * k, "depth": depth, "words": WORDS[depth],
            "Words": WORDS[depth].capitalize(), "rf": rf, "kk2_rf": rf * rf, "three_d": 3 * depth,
            "relus": count(depth - 1, "more non-linearity", "more non-linearities"),
            "side": side, "f": f,
            "madds": side * side * k * k * c * f, "madds_no_c": side * side * k * k * f,
            "s": s, "kk": kk, "add": (kk - 1) * s, "kk1": kk - 1}


KERNEL_FACTS = load_statements("kernel_facts", draw=_kernel_fact_numbers)
