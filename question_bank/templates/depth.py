"""LO3, computing: why convolution keeps deep networks small, in weights and parameters."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import WORDS, count, integer
from question_bank.templates.concepts import load_concept, load_statements, merged
from question_bank.templates.networks import WORDS as NETWORK_WORDS
from question_bank.templates.networks import (
    Layers,
    conv,
    describe_network,
    shape_text,
    valid_network,
)
from question_bank.templates.texts import Drawn, numeric_template
from solutions.architecture import check_input_shape, layer_settings
from solutions.padding import conv_output_size
from solutions.weights import (
    conv_layer_params,
    count_parameters,
    dense_layer_params,
    dense_weights,
    output_shape,
    shared_weights,
    sparse_weights,
)


def layer_weights(rng: random.Random, difficulty: int) -> Drawn:
    """The lecture's dense vs sparse vs shared 1-D layer (5 inputs, kernel 3: 15, 9, 3)."""
    n, k, kernels = {1: (rng.randint(5, 40), rng.choice([2, 3, 4, 5]), 1),
                     2: (rng.randint(16, 256), rng.choice([3, 5, 7]), 1),
                     3: (rng.randint(64, 2048), rng.choice([3, 5, 7, 9]), rng.randint(2, 16)),
                     }[difficulty]
    kind = rng.choice(["dense", "sparse", "shared"])
    if kind == "shared" and kernels == 1:  # one kernel of k has k weights: k is in the stem
        kernels = rng.randint(2, 4)
    positions = n - k + 1
    outputs = positions * kernels
    if kind == "dense":
        answer = integer(dense_weights(n, outputs))
    elif kind == "sparse":
        answer = integer(sparse_weights(n, k)) * kernels
    else:
        answer = integer(shared_weights(k, kernels))
    several = kernels > 1
    shown = {"outputs_text": count(positions, "output"), "outputs": outputs,
             "positions": positions, "maps": "several" if several else "one",
             "connection": kind,
             "steps": kind + ("_maps" if kind == "sparse" and several else ""),
             "dense": n * outputs, "sparse": positions * k * kernels, "shared": k * kernels}
    params = {"n": n, "k": k, "kernels": kernels, "kind": kind}
    return Drawn(answer, params, shown)


def conv_params(rng: random.Random, difficulty: int) -> Drawn:
    """Trainable parameters of one conv layer: k*k*C_in*C_out (+ C_out biases)."""
    k = 3 if difficulty == 1 else rng.choice([1, 3, 5, 7])
    c_in = rng.choice([1, 3]) if difficulty == 1 else rng.randint(1, 256)
    c_out = rng.randint(1, 64 if difficulty == 1 else 512)
    bias = True if difficulty < 3 else rng.random() < 0.5
    answer = integer(conv_layer_params(k, c_in, c_out, bias))
    biases = "bias" if bias else "no_bias"
    shown = {"kernels": count(c_out, "kernel"), "source": "image" if difficulty < 3 else "layer",
             "channels": count(c_in, "channel"), "in_kernels": count(c_in, "kernel"),
             "counted": biases, "biases": biases, "per_kernel": k * k * c_in,
             "weights": k * k * c_in * c_out}
    params = {"k": k, "c_in": c_in, "c_out": c_out, "bias": bias}
    return Drawn(answer, params, shown)


def draw_network(rng: random.Random, difficulty: int) -> tuple[Layers, tuple[int, int, int]]:
    """A small CNN ending in dense layers; bigger and deeper with the difficulty."""
    def draw(rng: random.Random) -> tuple[Layers, tuple[int, int, int]]:
        if difficulty == 1:
            side = rng.randint(8, 32)
            layers = [conv(rng, (3, 5)), {"type": "relu"}]
        elif difficulty == 2:
            side = rng.randint(16, 64)
            layers = [conv(rng, (3,)), {"type": "relu"}, {"type": "maxpool"},
                      conv(rng, (3,)), {"type": "relu"}, {"type": "maxpool"}]
        else:
            side = rng.randint(32, 128)
            layers = [conv(rng, (5, 7), stride=2, same=True), {"type": "relu"},
                      {"type": "maxpool"}, conv(rng, (3,)), {"type": "relu"},
                      {"type": "maxpool"}, conv(rng, (1, 3)), {"type": "relu"}]
        layers += [{"type": "flatten"}, {"type": "dense", "units": rng.choice([2, 5, 10, 64])}]
        if difficulty == 3:
            layers[-1:-1] = [{"type": "dense", "units": rng.choice([32, 64, 128])},
                             {"type": "relu"}]
        return layers, (side, side, rng.choice([1, 3]))
    return valid_network(rng, draw)


def network_steps(layers: Layers, input_shape: tuple[int, int, int]) -> list[str]:
    """Per layer: its output shape and its parameters, computed with solutions/."""
    steps = []
    shape_out: tuple[int, ...] = check_input_shape(input_shape)  # what the first layer gets
    for index, layer in enumerate(layers):
        settings = layer_settings(layer, index)
        shape_in, shape_out = shape_out, output_shape(layers[:index + 1], input_shape)
        values = {"i": index + 1, "shape": shape_text(shape_out)}
        if settings["type"] == "conv":
            k, filters = settings["kernel_size"], settings["filters"]
            n = integer(conv_layer_params(k, shape_in[2], filters, settings["bias"]))
            values |= {"k": k, "c_in": shape_in[2], "filters": filters, "n": n}
            kind = "conv"
        elif settings["type"] == "dense":
            n = integer(dense_layer_params(shape_in[0], settings["units"], settings["bias"]))
            values |= {"n_in": shape_in[0], "units": settings["units"], "n": n}
            kind = "dense"
        else:
            kind = "other"
        steps.append(NETWORK_WORDS.fill(f"params.{kind}", values))
    return steps


def architecture_params(rng: random.Random, difficulty: int) -> Drawn:
    """All trainable parameters of a small CNN, via solutions.weights.count_parameters."""
    layers, input_shape = draw_network(rng, difficulty)
    answer = integer(count_parameters(layers, input_shape))
    shown = {"network": describe_network(layers, input_shape),
             "steps": "\n".join(network_steps(layers, input_shape))}
    params = {"layers": layers, "input_shape": list(input_shape)}
    return Drawn(answer, params, shown)


LAYER_WEIGHTS = numeric_template("layer_weights", layer_weights)
CONV_PARAMS = numeric_template("conv_params", conv_params)
ARCHITECTURE_PARAMS = numeric_template("architecture_params", architecture_params)


# ---- understanding questions: multiple choice and true/false ---------------------------------


def _dense_numbers(rng: random.Random) -> dict[str, Any]:
    side, c = rng.choice([24, 32, 64, 128]), rng.choice([1, 3])
    depth = rng.choice([2, 3, 4])
    return {"side": side, "c": c, "dense": int(dense_weights(side * side * c, side * side * c)),
            "depth": depth, "Words": WORDS[depth].capitalize(), "rf": 2 * depth + 1}


def _stack_numbers(rng: random.Random) -> dict[str, Any]:
    h, k, layers, c = rng.choice([12, 16, 20, 24, 28, 32, 48, 64]), rng.choice([3, 5, 7]), \
        rng.randint(2, 8), rng.choice([8, 16, 32])
    d = rng.randint(2, 8)
    kd = rng.choice([3, 5, 7])
    return {"hd": h, "kd0": k, "dense_d": (h * h) ** 2, "kk_d": k * k, "hhkk_d": h * h * k * k,
            "hh_d": h * h, "ld": layers, "cd": c, "conv_l": layers * k * k * c * c,
            "dense_l": layers * (h * h * c) ** 2, "one_l": k * k * c * c,
            "dense_1": (h * h * c) ** 2, "dd": d, "kdd": kd,
            "rf_d": 1 + d * (kd - 1), "dk_d": d * kd, "rf_1": kd + d - 1, "kk2_d": kd * kd,
            "rf_less": 1 + (d - 1) * (kd - 1)}


WHY_DEEP = load_concept("why_deep", draw=merged(_dense_numbers, _stack_numbers))


def _parallel_numbers(rng: random.Random) -> dict[str, Any]:
    side, c = rng.choice([32, 64, 128, 256]), rng.choice([16, 32, 64])
    return {"side": side, "c": c, "layers": rng.randint(3, 20), "count": side * side * c}


def _step_numbers(rng: random.Random) -> dict[str, Any]:
    h, c, layers = rng.randint(8, 64), rng.choice([4, 8, 16, 32, 64]), rng.randint(2, 12)
    return {"hp": h, "cp": c, "hhc": h * h * c, "hhp": h * h, "lp": layers,
            "lhhc": layers * h * h * c, "hcp": h * c}


PARALLEL = load_concept("parallel", draw=merged(_parallel_numbers, _step_numbers))


def _sparse_numbers(rng: random.Random) -> dict[str, Any]:
    n = rng.randint(5, 12)
    k = rng.choice([3, 5])
    n3 = rng.randint(2 * k, 16)  # at least 2k inputs: the counts below are all different
    m3 = int(conv_output_size(n3, k))
    return {"n": n, "m": int(conv_output_size(n, 3)), "dense": int(dense_weights(n, n - 2)),
            "sparse": int(sparse_weights(n, 3)), "k": k, "n3": n3, "m3": m3,
            "sparse3": int(sparse_weights(n3, k)), "dense3": int(dense_weights(n3, m3)),
            "nk3": n3 * k}


def _link_numbers(rng: random.Random) -> dict[str, Any]:
    k = rng.choice([3, 5, 7])
    n = rng.choice([v for v in range(k + 4, 41) if v not in (2 * k - 1, 2 * k)])  # m: not k, k + 1
    m = n - k + 1
    return {"ks": k, "ns": n, "ms": m, "mk": m * k, "nm": n * m, "nk": n * k,
            "mk_k": m * k - k, "nm_mk": n * m - m * k, "ks1": k + 1}


SPARSE_SHARED = load_concept("sparse_shared", draw=merged(_sparse_numbers, _link_numbers))


def _depth_fact_numbers(rng: random.Random) -> dict[str, Any]:
    k, c_in, c_out = rng.choice([3, 5, 7]), rng.choice([3, 8, 16, 32, 64]), \
        rng.choice([8, 16, 32, 64, 128])
    n, kk = rng.randint(6, 14), rng.choice([3, 5])
    n = max(n, kk + 2)
    depth, side = rng.choice([2, 3, 4]), rng.choice([16, 32, 64, 128, 256])
    rf = 2 * depth + 1
    return {"k": k, "c_in": c_in, "c_out": c_out,
            "params": int(conv_layer_params(k, c_in, c_out)),
            "no_chan": int(conv_layer_params(k, 1, c_out)), "n": n, "kk": kk,
            "m": int(conv_output_size(n, kk)), "dense": int(dense_weights(n, n - kk + 1)),
            "sparse": int(sparse_weights(n, kk)), "depth": depth,
            "Words": WORDS[depth].capitalize(),
            "rf": rf, "w3": 9 * depth, "big": rf * rf, "side": side, "side2": 2 * side}


DEPTH_FACTS = load_statements("depth_facts", draw=_depth_fact_numbers)
