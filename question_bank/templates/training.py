"""Training a CNN (the ``backprop`` exercises and the notebook's experiment): what a max-pool
passes back, the kernels' gradient ``d_kernels``, how many weights one step updates, and why
the CNN of the experiment generalises from fewer samples than a linear model."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from question_bank.templates.base import integer, markdown_table
from question_bank.templates.concepts import load_concept, merged
from question_bank.templates.depth import draw_network, network_steps
from question_bank.templates.networks import describe_network
from question_bank.templates.texts import Drawn, Line, Lines, numeric_template
from solutions.backprop import max_pool_backward
from solutions.padding import conv_output_size
from solutions.pooling import pool_output_size
from solutions.weights import conv_layer_params, count_parameters, dense_layer_params

# ---- LO4: what a max-pool passes back --------------------------------------------------------

def max_pool_gradient(rng: random.Random, difficulty: int) -> Drawn:
    """The gradient one input element receives from max-pooling's backward pass: the
    window's gradient if it is that window's maximum, else 0; summed over overlapping windows."""
    side, size, stride = {1: (4, 2, 2),
                          2: rng.choice([(4, 2, 1), (5, 2, 1), (5, 3, 2)]),
                          3: rng.choice([(6, 3, 1), (7, 3, 2), (5, 3, 1)])}[difficulty]
    low = -30 if difficulty == 3 else 0  # negative values: the maximum is not the largest |x|
    values = rng.sample(range(low, low + 60), side * side)  # all different: no ties
    x = [values[r * side:(r + 1) * side] for r in range(side)]
    n_out = integer(pool_output_size(side, size, stride))
    d_out = [[rng.randint(1, 9) for _ in range(n_out)] for _ in range(n_out)]
    d_x = max_pool_backward(np.array(d_out, dtype=float), np.array(x), size, stride)
    # Half of the questions ask for an element that gets a gradient, half for one that may not.
    cells = [(r, c) for r in range(side) for c in range(side)]
    passed = [cell for cell in cells if d_x[cell] != 0]
    row, col = rng.choice(passed if rng.random() < 0.5 else cells)
    answer = integer(d_x[row, col])
    windows = [(i, j) for i in range(n_out) for j in range(n_out)
               if i * stride <= row < i * stride + size and j * stride <= col < j * stride + size]
    steps = []
    for i, j in windows:
        top, left = i * stride, j * stride
        window = [v for r in x[top:top + size] for v in r[left:left + size]]
        won = max(window) == x[row][col]
        steps.append(Line("won" if won else "lost", {"i": i + 1, "j": j + 1,
                                                     "maximum": max(window),
                                                     "gradient": d_out[i][j]}))
    shown = {"side": side, "n_out": n_out,
             "overlap": "overlapping" if stride < size else "apart",
             "x_table": markdown_table(x), "d_out_table": markdown_table(d_out),
             "value": x[row][col], "n_windows": len(windows), "steps": Lines(tuple(steps), "; ")}
    params = {"x": x, "d_out": d_out, "size": size, "stride": stride, "row": row + 1,
              "col": col + 1}
    return Drawn(answer, params, shown)


# ---- LO3: the kernels' gradient and the weights one step updates -----------------------------

def d_kernels_size(rng: random.Random, difficulty: int) -> Drawn:
    """d1: how many values d_kernels holds (the kernels' shape, whatever the image size);
    d2, d3: how many terms add up in one entry of d_kernels (one per output position)."""
    k, c_in, c_out = rng.choice([1, 3, 5, 7]), rng.choice([1, 3, 8, 16]), rng.randint(2, 64)
    height, width = rng.randint(8, 256), rng.randint(8, 256)
    padding = 0 if difficulty == 1 else rng.randint(0, (k - 1) // 2)
    stride = rng.randint(2, 3) if difficulty == 3 else 1
    asked = "values" if difficulty == 1 else "terms"
    params = {"k": k, "c_in": c_in, "c_out": c_out, "height": height, "width": width,
              "padding": padding, "stride": stride, "asked": asked}
    shown = {"stem": asked, "solution": asked}
    if difficulty == 1:
        return Drawn(integer(conv_layer_params(k, c_in, c_out, bias=False)), params, shown)
    h_out = integer(conv_output_size(height, k, padding, stride))
    w_out = integer(conv_output_size(width, k, padding, stride))
    return Drawn(h_out * w_out, params, {**shown, "h_out": h_out, "w_out": w_out})


def updated_weights(rng: random.Random, difficulty: int) -> Drawn:
    """How many parameters one gradient-descent step changes: all trainable ones, also where
    max-pooling passed the gradient to one value per window; at d3 the first conv layer is
    frozen (kept as it is)."""
    layers, input_shape = draw_network(rng, difficulty)
    total = integer(count_parameters(layers, input_shape))
    frozen = 0
    if difficulty == 3:
        first = layers[0]
        frozen = integer(conv_layer_params(first["kernel_size"], input_shape[2],
                                           first["filters"], first.get("bias", True)))
    frozen_text = "first" if frozen else "none"
    shown = {"freeze": frozen_text, "total_end": frozen_text, "total": total, "frozen": frozen,
             "network": describe_network(layers, input_shape),
             "steps": "\n".join(network_steps(layers, input_shape))}
    params = {"layers": layers, "input_shape": list(input_shape), "frozen_first": bool(frozen)}
    return Drawn(total - frozen, params, shown)


MAX_POOL_GRADIENT = numeric_template("max_pool_gradient", max_pool_gradient)
D_KERNELS_SIZE = numeric_template("d_kernels_size", d_kernels_size)
UPDATED_WEIGHTS = numeric_template("updated_weights", updated_weights)


# ---- LO2: the experiment's conclusion (multiple choice) --------------------------------------

def _experiment_numbers(rng: random.Random) -> dict[str, Any]:
    """A linear model and a tiny CNN (conv, ReLU, 2x2 max-pool, flatten, dense 1) on s x s x 3
    patches, trained on m samples: their parameter counts, from solutions/."""
    side, k, f = rng.choice([16, 20, 24, 28, 32]), rng.choice([3, 5]), rng.choice([2, 4, 6, 8])
    m = rng.choice([50, 100, 150, 200, 250, 300])
    cnn: list[dict] = [{"type": "conv", "filters": f, "kernel_size": k}, {"type": "relu"},
           {"type": "maxpool"}, {"type": "flatten"}, {"type": "dense", "units": 1}]
    linear = integer(dense_layer_params(side * side * 3, 1))
    conv_weights = integer(conv_layer_params(k, 3, f, bias=False))
    return {"s": side, "k": k, "f": f, "m": m, "lin": linear, "linw": linear - 1,
            "cnn": integer(count_parameters(cnn, (side, side, 3))), "kw": conv_weights,
            "kw1": k * k * 3, "pos": integer(conv_output_size(side, k)) ** 2,
            "mpos": m * integer(conv_output_size(side, k)) ** 2, "m4": m // 4}


def _accuracy_numbers(rng: random.Random) -> dict[str, Any]:
    lin_val = rng.randint(62, 76)
    return {"lv": lin_val, "cv": lin_val + rng.randint(8, 18), "d": rng.randint(2, 6),
            "pct": rng.choice([10, 20, 25])}


EXPERIMENT_CONCLUSION = load_concept("experiment_conclusion",
                                     draw=merged(_experiment_numbers, _accuracy_numbers))
