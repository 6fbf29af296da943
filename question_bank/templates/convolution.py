"""LO1, computing: 1-D and 2-D convolution by hand and the size of a convolution's output."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import count, integer, listed, markdown_table, names, random_grid
from question_bank.templates.concepts import load_concept, load_statements, merged
from question_bank.templates.texts import Drawn, numeric_template
from solutions.convolution import conv1d, conv2d
from solutions.padding import conv_output_size, zero_pad
from solutions.weights import conv_layer_params


def _sum_of_products(values: list[int], weights: list[int]) -> str:
    """'x*w + x*w + ...' with negative numbers in brackets, as worked on paper."""
    def show(v: int) -> str:
        return f"({v})" if v < 0 else str(v)
    return " + ".join(f"{show(v)}*{show(w)}" for v, w in zip(values, weights, strict=True))


def conv1d_entry(rng: random.Random, difficulty: int) -> Drawn:
    """The lecture's shared-weight layer: a1 = x1 w1 + x2 w2 + x3 w3, a2, a3, ..."""
    # d1 is the lecture's example (5 inputs, kernel 3); d2 adds padding; d3 stride and size.
    n, k, padding, stride = {1: (5, 3, 0, 1),
                             2: (rng.randint(5, 7), 3, 1, 1),
                             3: (rng.randint(7, 9), rng.choice([3, 5]), rng.randint(0, 2), 2),
                             }[difficulty]
    x = [rng.randint(-3, 6) for _ in range(n)]
    w = [rng.randint(-2, 3) for _ in range(k)]
    n_out = integer(conv_output_size(n, k, padding, stride))
    index = rng.randint(1, n_out)
    answer = integer(conv1d(x, w, padding, stride)[index - 1])
    padded = [int(v) for v in zero_pad(x, padding)]
    start = (index - 1) * stride
    window = padded[start:start + k]
    shown = {"x_names": names("x", n), "w_names": names("w", k), "x": listed(x),
             "w": listed(w), "setting": "plain" if (padding, stride) == (0, 1) else "padded",
             "stride_inputs": count(stride, "input"), "n_out": n_out, "padded": listed(padded),
             "start": start + 1, "window": listed(window),
             "products": _sum_of_products(window, w)}
    params = {"x": x, "w": w, "padding": padding, "stride": stride, "index": index}
    return Drawn(answer, params, shown)


def conv2d_entry(rng: random.Random, difficulty: int) -> Drawn:
    """One entry of a 2-D convolution with padding and stride; input and kernel as tables."""
    size, k, padding, stride = {1: (rng.randint(3, 5), rng.choice([2, 3]), 0, 1),
                                2: (rng.randint(4, 5), 3, 1, 1),
                                3: (rng.randint(5, 7), 3, 1, 2),
                                }[difficulty]
    image = random_grid(rng, size, size, 0, 9)
    kernel = random_grid(rng, k, k, -1, 2)
    n_out = integer(conv_output_size(size, k, padding, stride))
    row, col = rng.randint(1, n_out), rng.randint(1, n_out)
    answer = integer(conv2d(image, kernel, padding, stride)[row - 1, col - 1])
    padded = zero_pad(image, padding)
    top, left = (row - 1) * stride, (col - 1) * stride
    window = padded[top:top + k, left:left + k]
    weights = [v for kernel_row in kernel for v in kernel_row]
    shown = {"size": size, "k": k, "n_out": n_out, "image": markdown_table(image),
             "kernel": markdown_table(kernel), "padded_size": size + 2 * padding,
             "top": top + 1, "left": left + 1, "window": window.tolist(),
             "products": _sum_of_products(window.ravel().tolist(), weights)}
    params = {"image": image, "kernel": kernel, "padding": padding, "stride": stride,
              "row": row, "col": col}
    return Drawn(answer, params, shown)


def conv_output(rng: random.Random, difficulty: int) -> Drawn:
    """The output width of a convolution: floor((n + 2p - k) / s) + 1."""
    n = rng.randint(12, 512)  # at least the largest kernel
    k = rng.choice([1, 3, 5, 7, 9, 11])
    padding = 0 if difficulty == 1 else rng.randint(0, 3)
    stride = 1 if difficulty < 3 else rng.randint(2, 4)
    answer = integer(conv_output_size(n, k, padding, stride))
    what = rng.choice(["An image", "A feature map", "A CT slice"])
    params = {"n": n, "k": k, "padding": padding, "stride": stride, "what": what}
    return Drawn(answer, params, {"inside": n + 2 * padding - k})


CONV1D_ENTRY = numeric_template("conv1d_entry", conv1d_entry)
CONV2D_ENTRY = numeric_template("conv2d_entry", conv2d_entry)
CONV_OUTPUT = numeric_template("conv_output", conv_output)


# ---- understanding questions: multiple choice and true/false ---------------------------------


def _conv_numbers(rng: random.Random) -> dict[str, Any]:
    k, c = rng.choice([3, 5, 7]), rng.choice([3, 8, 16, 32])
    h = rng.randint(12, 64)
    r, q = rng.randint(1, h - k + 1), rng.randint(1, h - k + 1)
    n = rng.randint(9, 20)  # 1-D, kernel of 3, stride 2: a_i for i >= 2 fits
    i = rng.randint(2, (n - 3) // 2 + 1)
    j = 2 * (i - 1) + 1
    c_out = rng.choice([4, 64, 128, 256])  # never equal to c
    return {"k": k, "c": c, "h": h, "r": r, "q": q, "r_end": r + k - 1, "q_end": q + k - 1,
            "n": n, "i": i, "j": j, "j1": j + 1, "j2": j + 2,
            "i1": i + 1, "i2": i + 2, "t": 3 * (i - 1) + 1, "t1": 3 * (i - 1) + 2,
            "t2": 3 * (i - 1) + 3, "w1": 3 * i - 2, "w2": 3 * i - 1, "w3": 3 * i,
            "c_out": c_out, "c_in": c, "w11": c * c_out}


def _product_numbers(rng: random.Random) -> dict[str, Any]:
    k, ch = rng.choice([3, 5, 7]), rng.choice([2, 4, 6, 8, 12, 16, 24, 32])
    side = rng.randint(16, 64)
    return {"kp": k, "ch": ch, "side_p": side, "kk_p": k * k, "kc_p": k * ch,
            "kkc_p": k * k * ch, "kkc1_p": k * k * ch + 1, "ssc_p": side * side * ch}


CONV_COMPUTES = load_concept("conv_computes", draw=merged(_conv_numbers, _product_numbers))


def _kernel_count_numbers(rng: random.Random) -> dict[str, Any]:
    while True:  # the parameter counts in the choices must all differ
        c, k, c_in = rng.randint(3, 64), rng.choice([3, 5]), rng.choice([3, 16, 32])
        per = int(conv_layer_params(k, c_in, 1))
        counts = {"after": (c + 1) * per, "no_chan": (c + 1) * (k * k + 1),
                  "before": c * per, "one_bias": (c + 1) * k * k * c_in + 1}
        if len(set(counts.values())) == len(counts):
            break
    c2 = rng.choice([8, 16, 32, 64, 128])
    return {"c": c, "k": k, "c_in": c_in, "c1": c + 1, "c2": c2, **counts,
            "extra": k * k * c2}


def _added_numbers(rng: random.Random) -> dict[str, Any]:
    c, layers = rng.randint(2, 40), rng.randint(2, 6)
    return {"ca": c, "ca1": c + 1, "la": layers, "la1": layers + 1}


ADDED_KERNEL = load_concept("added_kernel", draw=merged(_kernel_count_numbers, _added_numbers))


def _conv_fact_numbers(rng: random.Random) -> dict[str, Any]:
    k = rng.choice([3, 5])
    n = rng.randint(k + 3, 16)
    side = rng.choice([24, 28, 32, 48, 64, 100, 128, 256, 512])
    ks = rng.choice([3, 5, 7])  # an odd kernel on an even side: side - ks is odd
    c_in, c_out = rng.choice([3, 8, 16]), rng.choice([8, 16, 32, 64])
    i = rng.randint(2, n - 3)
    o2 = int(conv_output_size(side, ks, 0, 2))
    os2 = int(conv_output_size(side, ks, (ks - 1) // 2, 2))
    return {"k": k, "n": n, "out": int(conv_output_size(n, k)), "p": (k - 1) // 2,
            "n_pk": int(conv_output_size(n, k, k)), "p_zeros": count((k - 1) // 2, "zero"),
            "side": side, "ks": ks, "o2": o2,
            "o2_up": o2 + 1, "os2": os2, "ps": (ks - 1) // 2,
            "i": i, "i1": i + 1, "i2": i + 2, "c_in": c_in, "c_out": c_out,
            "kkc": ks * ks * c_in, "kk": ks * ks, "cc": c_in * c_out}


CONV_FACTS = load_statements("conv_facts", draw=_conv_fact_numbers)
