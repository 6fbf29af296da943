"""LO4, computing: pooling's output size, one entry of max- or average-pooling, flatten size."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import integer, listed, markdown_table, number, random_grid
from question_bank.templates.concepts import load_concept, load_statements, merged
from question_bank.templates.networks import (
    Layers,
    conv,
    describe_network,
    shape_text,
    valid_network,
)
from question_bank.templates.texts import Drawn, Line, Lines, numeric_template
from solutions.padding import conv_output_size
from solutions.pooling import avg_pool, max_pool, pool_output_size
from solutions.weights import conv_layer_params, output_shape


def pool_output(rng: random.Random, difficulty: int) -> Drawn:
    """Pooled width: floor((n - size) / stride) + 1; at d3 after a convolution."""
    n = rng.randint(24, 512)  # room for a 7x7 conv at stride 2 and a 4x4 window after it
    size = rng.choice([2, 3, 4])
    stride = size if difficulty == 1 else rng.randint(1, size)
    if difficulty < 3:
        answer = integer(pool_output_size(n, size, stride))
        params = {"n": n, "size": size, "stride": stride}
        return Drawn(answer, params, {"stem": "pool", "solution": "pool"})
    k, padding, conv_stride = rng.choice([3, 5, 7]), rng.randint(0, 3), rng.randint(1, 2)
    width = integer(conv_output_size(n, k, padding, conv_stride))
    answer = integer(pool_output_size(width, size, stride))
    params = {"n": n, "size": size, "stride": stride, "k": k, "padding": padding,
              "conv_stride": conv_stride}
    return Drawn(answer, params, {"stem": "conv_pool", "solution": "conv_pool", "width": width})


def _pool_grid(rng: random.Random, difficulty: int) -> tuple[int, int, int]:
    """(side, window size, stride): d1 2x2/2 on 4x4; d2 overlapping windows; d3 larger."""
    return {1: (4, 2, 2),
            2: rng.choice([(5, 2, 1), (6, 3, 3), (6, 2, 2), (5, 3, 1)]),
            3: rng.choice([(7, 3, 2), (8, 3, 2), (8, 4, 4), (7, 2, 1)])}[difficulty]


def _place_maximum(rng: random.Random, x: list[list[int]], window: tuple[int, int, int],
                   in_window: bool) -> None:
    """Make 9 the map's one maximum, inside the window or in a cell outside it."""
    top, left, size = window
    cells = [(r, c) for r in range(len(x)) for c in range(len(x[0]))]
    inside = [(r, c) for r, c in cells if top <= r < top + size and left <= c < left + size]
    outside = [cell for cell in cells if cell not in inside]
    for r, c in cells:
        x[r][c] = min(x[r][c], 8)
    r, c = rng.choice(inside if in_window else outside)
    x[r][c] = 9


def _pool_entry(rng: random.Random, difficulty: int, mode: str) -> Drawn:
    side, size, stride = _pool_grid(rng, difficulty)
    low = -5 if difficulty == 3 else 0  # negative values: max is not "the biggest magnitude"
    x = random_grid(rng, side, side, low, 9)
    n_out = integer(pool_output_size(side, size, stride))
    row, col = rng.randint(1, n_out), rng.randint(1, n_out)
    top, left = (row - 1) * stride, (col - 1) * stride
    if mode == "avg" and size % 2:
        # An odd window (9 values) would give a repeating decimal; set the window's last cell
        # so that the sum is a multiple of 9 and the average a whole number.
        total = sum(sum(r[left:left + size]) for r in x[top:top + size])
        last = x[top + size - 1][left + size - 1]
        options = [v for v in range(low, 10) if (total - last + v) % (size * size) == 0]
        x[top + size - 1][left + size - 1] = rng.choice(options)
    if mode == "max":
        # The asked window holds the map's maximum no more often than a window at random.
        _place_maximum(rng, x, (top, left, size), in_window=rng.random() < 1 / n_out ** 2)
    pool = max_pool if mode == "max" else avg_pool
    value = pool(x, size, stride)[row - 1, col - 1]
    # The mean is a multiple of 1/16 by construction; rounding removes float noise (2.99..96).
    answer = integer(value) if mode == "max" else round(float(value), 4)
    window = [r[left:left + size] for r in x[top:top + size]]
    flat = [v for r in window for v in r]
    shown = {"side": side, "n_out": n_out, "table": markdown_table(x), "top": top + 1,
             "left": left + 1, "window": window, "values": listed(flat),
             "terms": " + ".join(map(str, flat)), "n_window": size * size, "total": sum(flat),
             "answer": number(answer)}
    params = {"x": x, "size": size, "stride": stride, "row": row, "col": col, "mode": mode}
    tolerance = 0.0 if mode == "max" else 0.01
    return Drawn(answer, params, shown, tolerance=tolerance)


def max_pool_entry(rng: random.Random, difficulty: int) -> Drawn:
    """One entry of max-pooling a small feature map shown as a table."""
    return _pool_entry(rng, difficulty, "max")


def avg_pool_entry(rng: random.Random, difficulty: int) -> Drawn:
    """One entry of average pooling; drawn so the answer is whole or a multiple of 1/4 or 1/16."""
    return _pool_entry(rng, difficulty, "avg")


def _feature_stack(rng: random.Random, difficulty: int) -> tuple[Layers, tuple[int, int, int]]:
    """Conv and pooling layers (no dense part), ending in flatten."""
    def draw(rng: random.Random) -> tuple[Layers, tuple[int, int, int]]:
        side = {1: rng.randint(8, 64), 2: rng.randint(16, 128), 3: rng.randint(32, 256)}[
            difficulty]
        layers = [conv(rng, (3, 5)), {"type": "relu"}, {"type": "maxpool"}]
        if difficulty >= 2:
            layers += [conv(rng, (3,)), {"type": "relu"},
                       {"type": "maxpool", "size": rng.choice([2, 3]), "stride": 2}]
        if difficulty == 3:
            layers[0]["stride"] = 2
            layers += [conv(rng, (3,)), {"type": "relu"}, {"type": "maxpool"}]
        return [*layers, {"type": "flatten"}], (side, side, rng.choice([1, 3]))
    return valid_network(rng, draw)


def flatten_size(rng: random.Random, difficulty: int) -> Drawn:
    """How many values reach the dense part after conv and pooling layers."""
    layers, input_shape = _feature_stack(rng, difficulty)
    answer = integer(output_shape(layers, input_shape)[0])
    shapes = [Line("layer", {"i": i + 1,
                             "shape": shape_text(output_shape(layers[:i + 1], input_shape))})
              for i in range(len(layers))]
    params = {"layers": layers, "input_shape": list(input_shape)}
    return Drawn(answer, params, {"network": describe_network(layers, input_shape),
                                  "shapes": Lines(tuple(shapes))})


POOL_OUTPUT = numeric_template("pool_output", pool_output)
MAX_POOL_ENTRY = numeric_template("max_pool_entry", max_pool_entry)
AVG_POOL_ENTRY = numeric_template("avg_pool_entry", avg_pool_entry)
FLATTEN_SIZE = numeric_template("flatten_size", flatten_size)


# ---- understanding questions: multiple choice and true/false ---------------------------------


def _pool_numbers(rng: random.Random) -> dict[str, Any]:
    s = rng.choice([2, 3, 4])
    n, c = s * rng.randint(4, 16), rng.choice([8, 16, 32, 64])
    return {"s": s, "n": n, "c": c, "m": int(pool_output_size(n, s)),
            "m1": int(pool_output_size(n, s, 1)), "w": s * s * c,
            "convw": int(conv_layer_params(s, c, c, bias=False))}


def _shape_numbers(rng: random.Random) -> dict[str, Any]:
    s = rng.choice([2, 3, 4])
    m, c = rng.randint(4, 32), rng.choice([3, 8, 16, 32, 64])
    return {"sp": s, "hp": m * s, "mp": m, "cp": c, "hp1": m * s - s + 1}


MAXPOOL_DOES = load_concept("maxpool_does", draw=merged(_pool_numbers, _shape_numbers))


def _avg_numbers(rng: random.Random) -> dict[str, Any]:
    s = rng.choice([2, 3])
    while True:  # four window values whose max, mean, sum and mid-range all differ
        vals = rng.sample(range(0, 10), 4)
        mx, total = max(vals), sum(vals)
        avg, mid = total / 4, (min(vals) + max(vals)) / 2
        if len({mx, avg, total, mid}) == 4:
            break
    return {"s": s, "ss": s * s,
            "vals": ", ".join(map(str, vals)), "mx": mx, "avg": number(avg),
            "sum": total, "mid": number(mid)}


def _peak_numbers(rng: random.Random) -> dict[str, Any]:
    while True:  # four different window values: max, min, sum and mean differ
        vals = rng.sample(range(0, 40), 4)
        mean = sum(vals) / 4
        if len({max(vals), min(vals), sum(vals), mean}) == 4:
            break
    s = rng.choice([2, 3, 4])
    t = rng.randint(1, 9)
    return {"pv": ", ".join(map(str, vals)), "pmx": max(vals), "pmn": min(vals),
            "psum": sum(vals), "pavg": number(mean), "sq": s, "sqq": s * s,
            "peak": t * s * s, "pdiv": t, "ppk": t * s * s * s * s, "pk1": s * s - 1}


AVG_VS_MAX = load_concept("avg_vs_max", draw=merged(_avg_numbers, _peak_numbers))


def _pool_fact_numbers(rng: random.Random) -> dict[str, Any]:
    s, c = rng.choice([2, 3]), rng.choice([8, 16, 32, 64])
    n = s * rng.randint(4, 30) + rng.randint(1, s - 1)  # not a multiple of s: floor matters
    m = int(pool_output_size(n, s))
    n2 = 2 * rng.randint(6, 64)
    row = rng.sample(range(0, 20), 6)
    pooled = [max(row[i:i + 2]) for i in range(0, 6, 2)]
    stride1 = [max(row[i:i + 2]) for i in range(5)]
    return {"s": s, "c": c, "n": n, "m": m, "m_up": m + 1, "w": s * s * c, "n2": n2,
            "n2m1": int(pool_output_size(n2, 2, 1)), "half": n2 // 2,
            "row": ", ".join(map(str, row)), "pooled": ", ".join(map(str, pooled)),
            "stride1": ", ".join(map(str, stride1))}


POOLING_FACTS = load_statements("pooling_facts", draw=_pool_fact_numbers)
