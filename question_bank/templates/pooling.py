"""LO4, computing: pooling's output size, one entry of max- or average-pooling, flatten size."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import (
    Draft,
    integer,
    markdown_table,
    number,
    random_grid,
)
from question_bank.templates.concepts import Concept, Fact, Statements, Variant, merged
from question_bank.templates.networks import (
    Layers,
    conv,
    describe_network,
    shape_text,
    valid_network,
)
from solutions.padding import conv_output_size
from solutions.pooling import avg_pool, max_pool, pool_output_size
from solutions.weights import conv_layer_params, output_shape


def pool_output(rng: random.Random, difficulty: int) -> Draft:
    """Pooled width: floor((n - size) / stride) + 1; at d3 after a convolution."""
    n = rng.randint(24, 512)  # room for a 7x7 conv at stride 2 and a 4x4 window after it
    size = rng.choice([2, 3, 4])
    stride = size if difficulty == 1 else rng.randint(1, size)
    if difficulty < 3:
        answer = integer(pool_output_size(n, size, stride))
        stem = (f"A feature map of width {n} is max-pooled with {size}x{size} windows and "
                f"stride {stride}. How wide is the output? Windows that do not fit are dropped.")
        solution = (f"floor((n - size) / stride) + 1 = floor(({n} - {size}) / {stride}) + 1 "
                    f"= {answer}.")
        params = {"n": n, "size": size, "stride": stride}
        return Draft(stem, answer, solution, params, tolerance=0.0)
    k, padding, conv_stride = rng.choice([3, 5, 7]), rng.randint(0, 3), rng.randint(1, 2)
    width = integer(conv_output_size(n, k, padding, conv_stride))
    answer = integer(pool_output_size(width, size, stride))
    stem = (f"An image of width {n} goes through a conv layer ({k}x{k} kernels, padding "
            f"{padding}, stride {conv_stride}) and then {size}x{size} max-pooling with stride "
            f"{stride}. How wide is the output? Windows that do not fit are dropped.")
    solution = (f"Conv: floor(({n} + 2*{padding} - {k}) / {conv_stride}) + 1 = {width}. "
                f"Pooling: floor(({width} - {size}) / {stride}) + 1 = {answer}.")
    params = {"n": n, "size": size, "stride": stride, "k": k, "padding": padding,
              "conv_stride": conv_stride}
    return Draft(stem, answer, solution, params, tolerance=0.0)


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


def _pool_entry(rng: random.Random, difficulty: int, mode: str) -> Draft:
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
    name = "max-pooled" if mode == "max" else "average-pooled"
    stem = (f"This {side}x{side} feature map is {name} with {size}x{size} windows and stride "
            f"{stride} (output {n_out}x{n_out}). What is the output value in row {row}, "
            f"column {col} (counting from 1)?"
            + (" Give the exact value (or round it to two decimals)." if mode == "avg" else "")
            + f"\n\n{markdown_table(x)}")
    how = (f"max({', '.join(map(str, flat))}) = {answer}" if mode == "max" else
           f"({' + '.join(map(str, flat))}) / {size * size} = {sum(flat)} / {size * size} "
           f"= {number(answer)}")
    solution = (f"Output ({row}, {col}) pools the window starting at row {top + 1}, column "
                f"{left + 1} (= (index - 1) * {stride} + 1): {window}. {how}.")
    params = {"x": x, "size": size, "stride": stride, "row": row, "col": col, "mode": mode}
    tolerance = 0.0 if mode == "max" else 0.01
    return Draft(stem, answer, solution, params, tolerance=tolerance)


def max_pool_entry(rng: random.Random, difficulty: int) -> Draft:
    """One entry of max-pooling a small feature map shown as a table."""
    return _pool_entry(rng, difficulty, "max")


def avg_pool_entry(rng: random.Random, difficulty: int) -> Draft:
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


def flatten_size(rng: random.Random, difficulty: int) -> Draft:
    """How many values reach the dense part after conv and pooling layers."""
    layers, input_shape = _feature_stack(rng, difficulty)
    answer = integer(output_shape(layers, input_shape)[0])
    shapes = [shape_text(output_shape(layers[:i + 1], input_shape)) for i in range(len(layers))]
    stem = ("How many values does the flatten layer of this network output (the number of "
            f"inputs of a dense layer that would follow)?\n\n"
            f"{describe_network(layers, input_shape)}")
    solution = ("Follow the shape (conv: floor((n + 2p - k) / s) + 1 and C = kernels; pooling: "
                "floor((n - size) / stride) + 1, channels unchanged; ReLU: unchanged):\n"
                + "\n".join(f"layer {i + 1} -> {s}" for i, s in enumerate(shapes))
                + f"\nflatten: H * W * C = {answer}.")
    params = {"layers": layers, "input_shape": list(input_shape)}
    return Draft(stem, answer, solution, params, tolerance=0.0)


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


MAXPOOL_DOES = Concept(
    draw=merged(_pool_numbers, _shape_numbers),
    variants=(
        Variant(
            "A {hp}x{hp}x{cp} feature map is max-pooled with {sp}x{sp} windows and stride "
            "{sp}. What comes out?",
            (("A {mp}x{mp}x{cp} map of each window's largest value",
              "Each channel is pooled on its own: {hp} / {sp} = {mp} per side, {cp} channels, "
              "no weights."),),
            (("A {mp}x{mp}x1 map: the maxima over all channels",
              "Max-pooling works per channel; the {cp} channels stay."),
             ("A {hp}x{hp}x{cp} map: the same size, each value kept",
              "Windows of {sp}x{sp} with stride {sp} shrink each side by a factor {sp}."),
             ("A {hp1}x{hp1}x{cp} map of each window's largest value",
              "{hp1} would be stride 1; with stride {sp} the side is {hp} / {sp} = {mp}."),
             ("A {mp}x{mp}x{cp} map, each the window's learned sum",
              "Max-pooling learns nothing: it keeps each window's largest value.")),
            level=1),
        Variant(
            "Which statement about a {s}x{s} max-pooling layer with stride {s} is right?",
            (("Keeps each {s}x{s} window's largest value; no weights",
              "It keeps the largest value of each {s}x{s} window and has no weights. Max-pooling "
              "only takes a maximum; there is nothing to learn."),
             ("No weights, and small shifts in a window do not matter",
              "It has no trainable parameters and makes the output insensitive to small shifts "
              "within a window. The maximum stays the same when it moves inside its window.")),
            (("It learns {s}x{s} weights per channel",
              "Max-pooling only takes a maximum; a {s}x{s} conv kernel would have weights."),
             ("It combines all channels into one",
              "Pooling works on each channel on its own; the channels stay."),
             ("It makes the network invariant to shifts of any size",
              "Only shifts within a window leave the maximum unchanged."),
             ("It keeps the size of the map and only sets small values to zero",
              "It shrinks the map; setting negatives to zero is what ReLU does."),
             ("It keeps the average of each window",
              "That is average pooling.")),
            level=1),
        Variant(
            "A {n}x{n}x{c} feature map goes through {s}x{s} max-pooling with stride {s}. What "
            "comes out?",
            (("A {m}x{m}x{c} map of window maxima, without weights",
              "A {m}x{m}x{c} map holding the maximum of each window, computed without weights. "
              "Floor(({n} - {s}) / {s}) + 1 = {m}; each channel is pooled on its own."),
             ("{c} channels of {m}x{m}: each channel's window maxima",
              "{c} channels of {m}x{m}, each holding its channel's window maxima. Pooling "
              "shrinks width and height, keeps the channels and has no weights.")),
            (("A {m}x{m}x1 map, because pooling merges the channels",
              "Each channel is pooled on its own; there are still {c}."),
             ("A {n}x{n}x{c} map with its small values set to zero",
              "That would be ReLU-like thresholding; pooling shrinks the map."),
             ("A {m}x{m}x{c} map computed with {w} learned weights",
              "Max-pooling has no weights at all."),
             ("A {m1}x{m1}x{c} map of window maxima",
              "That is the size for stride 1; with stride {s} the windows do not overlap."),
             ("A {m}x{m}x{c} map holding the mean of each window",
              "That is average pooling.")),
            level=2),
        Variant(
            "A {n}x{n}x{c} feature map is downsampled either by {s}x{s} max-pooling (stride "
            "{s}) or by a conv layer with {c} kernels of {s}x{s}, stride {s}. Which is right?",
            (("Both give {m}x{m}x{c}; only the conv learns ({convw} weights)",
              "Both give {m}x{m}x{c}; the conv layer learns {convw} weights (plus {c} biases) "
              "and mixes the channels, the pooling learns nothing and keeps each channel apart. "
              "Same windows, same output size; only the conv layer has weights."),
             ("Pooling: maxima per channel; conv: learned sums over all {c}",
              "The pooling keeps each window's maximum per channel without weights; the strided "
              "conv computes a learned weighted sum over the window and all {c} channels. Both "
              "downsample by {s}; they differ in what they compute.")),
            (("Neither has weights, since a stride has no weights",
              "The stride has none, but the conv layer's {c} kernels have {s}*{s}*{c} weights "
              "each."),
             ("Both compute the same output, since both use {s}x{s} windows with stride {s}",
              "Pooling takes a maximum, the conv layer a learned weighted sum."),
             ("The pooling gives {m}x{m}x1 because it merges the channels",
              "Pooling keeps all {c} channels."),
             ("The strided conv keeps the map at {n}x{n}; only pooling shrinks it",
              "Stride {s} shrinks the conv output too: floor(({n} - {s}) / {s}) + 1 = {m}.")),
            level=3),
        Variant(
            "In a feature map, one large value (all other values small) moves by one pixel. "
            "When does the output of {s}x{s} max-pooling with stride {s} stay the same?",
            (("When it stays inside the same {s}x{s} window",
              "When the value stays inside the same {s}x{s} window; if it crosses into the next "
              "window the output changes. The window's maximum is the same wherever it sits "
              "inside the window."),
             ("Only if it stays within its pooling window",
              "Only if the move keeps it within its pooling window. That is the limited shift "
              "invariance max-pooling gives.")),
            (("Always: max-pooling is invariant to shifts",
              "Only to shifts within a window; crossing a border moves the maximum to another "
              "output."),
             ("Never: any shift changes the pooled output",
              "Inside its window the large value stays the window's maximum."),
             ("Only if the move is exactly {s} pixels",
              "A move of {s} pixels always crosses into the next window, which changes the "
              "output."),
             ("Only if the pooling layer has learned to ignore the shift",
              "Max-pooling learns nothing; it has no weights.")),
            level=3),
    ))


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


AVG_VS_MAX = Concept(
    draw=merged(_avg_numbers, _peak_numbers),
    variants=(
        Variant(
            "A 2x2 window of a feature map holds {pv}. What does max-pooling output for it?",
            (("{pmx}, the largest of the four values",
              "Max-pooling keeps the window's maximum: {pmx}."),),
            (("{pavg}, the mean",
              "That is average pooling; max-pooling keeps the largest value."),
             ("{psum}, the sum of all four",
              "Pooling does not add the values up; max-pooling keeps the largest."),
             ("All four values: {pv}",
              "Pooling replaces the window by one value: the largest."),
             ("{pmn}, the smallest of the four values in the window",
              "That would be min-pooling; max-pooling keeps the largest."),
             ("The mean and the maximum, {pavg} and {pmx}, side by side",
              "Max-pooling gives one value for the window: the largest.")),
            level=1),
        Variant(
            "A {sq}x{sq} window holds one strong response of {peak} and {pk1} zeros. What do "
            "max-pooling and average pooling give for it?",
            (("Max {peak}, average {pdiv}: the mean dilutes it",
              "The mean divides the one response among {sqq} values: {peak} / {sqq} = {pdiv}; "
              "max-pooling keeps {peak}. Max-pooling suits small bright findings."),),
            (("Max {peak}, average {peak}: both keep the peak",
              "The mean counts the {pk1} zeros too: {peak} / {sqq} = {pdiv}."),
             ("Max {pdiv}, average {peak}: the mean keeps it",
              "The other way round: the maximum keeps the peak."),
             ("Max {peak}, average {ppk}: the mean grows it",
              "The mean divides by {sqq}, it does not multiply."),
             ("Max {peak}, average 0: zeros win the vote",
              "The mean is {peak} / {sqq} = {pdiv}, not 0.")),
            level=3),
        Variant(
            "How does {s}x{s} average pooling differ from {s}x{s} max-pooling?",
            (("Mean versus largest value per window; no weights",
              "Average pooling keeps the mean of each window, max-pooling the largest value; "
              "neither has trainable weights. Both are fixed operations."),
             ("Average: a fixed averaging kernel; max: the maximum",
              "Average pooling is a convolution with a fixed kernel of 1/({s}*{s}) (stride {s}, "
              "per channel); max-pooling takes the maximum; neither learns weights. The "
              "averaging kernel is fixed, not learned.")),
            (("Average pooling has trainable weights, max-pooling does not",
              "Its weights are fixed at 1/({s}*{s}); nothing is learned."),
             ("Average pooling keeps a single strong response better than max-pooling",
              "Averaging dilutes one strong response; the maximum keeps it."),
             ("Average pooling changes the number of channels",
              "Neither pooling changes the channels."),
             ("Max-pooling gives a smoother output than average pooling",
              "Averaging smooths; the maximum picks extremes."),
             ("The two give the same output whenever the window's values differ",
              "They agree only when all values in the window are equal.")),
            level=1),
        Variant(
            "A 2x2 pooling window holds the values {vals}. What do max-pooling and average "
            "pooling give for it?",
            (("max-pooling {mx}, average pooling {avg}",
              "The largest of {vals} is {mx}; their mean is {sum} / 4 = {avg}."),),
            (("max-pooling {avg}, average pooling {mx}",
              "Swapped: max-pooling keeps the largest value, {mx}."),
             ("max-pooling {mx}, average pooling {sum}",
              "{sum} is the sum; average pooling divides it by the 4 values: {avg}."),
             ("max-pooling {mx}, average pooling {mid}",
              "{mid} is halfway between the smallest and largest value; the mean uses all "
              "four: {avg}."),
             ("max-pooling {sum}, average pooling {avg}",
              "Max-pooling keeps the largest value, {mx}, not the sum.")),
            level=2),
        Variant(
            "{s}x{s} average pooling with stride {s} is the same as a convolution with which "
            "kernel?",
            (("A fixed {s}x{s} kernel of 1/{ss}, stride {s}, per channel",
              "A fixed {s}x{s} kernel with all weights 1/{ss}, stride {s}, applied to each "
              "channel separately. The mean is a weighted sum with equal fixed weights; pooling "
              "never mixes channels."),),
            (("A learned {s}x{s} kernel, stride {s}",
              "Average pooling has nothing to learn: its weights are fixed."),
             ("A {s}x{s} kernel of ones, stride {s}, per channel",
              "Weights of 1 give the sum of the window, {ss} times the mean."),
             ("A {s}x{s} kernel with weights 1/{ss} that spans all channels",
              "That would average over the channels too; pooling keeps each channel apart."),
             ("A {s}x{s} kernel with weights 1/{ss}, stride 1, per channel",
              "Stride 1 makes overlapping windows; this pooling moves {s} pixels.")),
            level=2),
        Variant(
            "When does {s}x{s} average pooling lose information that {s}x{s} max-pooling "
            "keeps?",
            (("One strong response among weak ones: the mean dilutes it",
              "When one strong response sits among weak ones: the mean dilutes it by about a "
              "factor {ss}, the maximum keeps it. A small bright structure survives max-pooling "
              "but fades in the average."),
             ("A small bright spot in a dark window: max keeps it",
              "A small bright spot (e.g. a micro-calcification) in a dark window: max-pooling "
              "keeps its value, average pooling divides it among {ss} pixels. Max-pooling keeps "
              "the strongest detection of a window.")),
            (("Never: the average uses all values, so it always keeps more",
              "One number cannot keep all values; the mean hides a single strong one."),
             ("When all values in the window are equal",
              "Then the mean and the maximum are the same value."),
             ("When the feature map has many channels, because averaging merges them",
              "Neither pooling merges channels."),
             ("When the window is small, because averages need many values",
              "The mean of any window is defined; the issue is dilution of a strong value.")),
            level=3),
    ))


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


POOLING_FACTS = Statements(draw=_pool_fact_numbers, facts=(
    Fact(1, "Max-pooling a map of width {n2} with 2x2 windows and stride 2 gives width "
         "{half}.", True, "(n - size) / stride + 1 = ({n2} - 2) / 2 + 1 = {half}."),
    Fact(1, "Max-pooling a map of width {n2} with 2x2 windows and stride 2 gives width "
         "{n2m1}.", False, "{n2m1} is stride 1; with stride 2: ({n2} - 2) / 2 + 1 = {half}."),
    Fact(3, "With {s}x{s} windows and stride {s}, a map of width {n} is pooled to width {m}: "
         "the last incomplete window is dropped.", True,
         "floor(({n} - {s}) / {s}) + 1 = {m}; a window that does not fit is dropped."),
    Fact(3, "With {s}x{s} windows and stride {s}, a map of width {n} is pooled to width "
         "{m_up}: the last incomplete window is kept.", False,
         "A window that does not fit is dropped: floor(({n} - {s}) / {s}) + 1 = {m}."),
    Fact(1, "A {s}x{s} max-pooling layer on {c} channels has no trainable parameters.", True,
         "It only takes a maximum per window and channel."),
    Fact(1, "Max-pooling a feature map with {c} channels reduces the number of channels.",
         False, "Each channel is pooled on its own; the {c} channels stay."),
    Fact(1, "Moving the largest value within its pooling window does not change the "
         "max-pooled output.", True,
         "The maximum of the window is the same: invariance to small shifts."),
    Fact(1, "Max-pooling makes a CNN invariant to shifts of any size.", False,
         "Only shifts within a window; larger shifts move the output."),
    Fact(1, "Average pooling is a convolution with a fixed kernel whose weights are all "
         "1/(size*size), per channel.", True,
         "Averaging is a weighted sum with equal, fixed weights."),
    Fact(1, "Backpropagation updates the weights of a max-pooling window.", False,
         "There are none; the gradient only flows to the input that was the maximum."),
    Fact(1, "Average pooling keeps the largest value of each window.", False,
         "It keeps the mean; max-pooling keeps the largest."),
    Fact(1, "Max-pooling downsamples a feature map: the next layers get fewer values.", True,
         "With stride 2, a 2x2 window leaves a quarter of the values."),
    Fact(1, "Max-pooling an (H, W, C) feature map takes the maximum over the channels.",
         False, "It takes the maximum over each spatial window, per channel."),
    Fact(2, "{s}x{s} max-pooling with stride {s} turns a "
         "{n}x{n}x{c} feature map into {m}x{m}x{c}.", True,
         "floor(({n} - {s}) / {s}) + 1 = {m}: the incomplete window at the border is dropped."),
    Fact(2, "{s}x{s} max-pooling with stride {s} turns a "
         "{n}x{n}x{c} feature map into {m_up}x{m_up}x{c}.", False,
         "A window that does not fit is dropped: floor(({n} - {s}) / {s}) + 1 = {m}."),
    Fact(2, "{s}x{s} max-pooling on a map with {c} channels has no weights at all.", True,
         "It only takes maxima."),
    Fact(2, "{s}x{s} max-pooling on a map with {c} channels has {w} weights.", False,
         "{s}*{s}*{c} would be the weights of a learned kernel; max-pooling has none."),
    Fact(2, "2x2 max-pooling with stride 1 turns {n2}x{n2} values into {n2m1}x{n2m1}.",
         True, "Overlapping windows: floor(({n2} - 2) / 1) + 1 = {n2m1}."),
    Fact(2, "2x2 max-pooling with stride 1 turns {n2}x{n2} values into {half}x{half}.",
         False, "Halving needs stride 2; with stride 1: {n2} - 2 + 1 = {n2m1}."),
    Fact(2, "Max-pooling the row ({row}) with windows of 2 and stride 2 gives ({pooled}).",
         True, "The maxima of values 1-2, 3-4 and 5-6 of the row."),
    Fact(2, "Max-pooling the row ({row}) with windows of 2 and stride 2 gives ({stride1}).",
         False, "That uses stride 1 (overlapping windows); with stride 2: ({pooled})."),
    Fact(3, "Max-pooling and a conv layer with stride 2 both downsample, but only the conv "
         "layer has weights.", True, "Pooling takes a fixed maximum; the conv layer learns "
         "a weighted sum."),
    Fact(3, "2x2 max-pooling with stride 2 gives the same result as a 2x2 conv layer with "
         "stride 2.", False,
         "Pooling takes each window's maximum per channel; the conv layer a learned weighted "
         "sum over the window and all channels."),
    Fact(3, "In backpropagation through max-pooling, the gradient flows only to the input "
         "that was the maximum of its window.", True,
         "The other inputs did not affect the output."),
    Fact(3, "Shifting the input of {s}x{s} max-pooling (stride {s}) by 1 pixel shifts the "
         "pooled map by one position.", False,
         "Pooled positions are {s} pixels apart; a shift of {s} pixels moves it by one."),
    Fact(3, "Shifting the input of {s}x{s} max-pooling (stride {s}) by {s} pixels shifts the "
         "pooled map by one position (away from the borders).", True,
         "Pooled positions are {s} input pixels apart."),
    Fact(3, "Pooling between conv layers makes the receptive field of later units grow "
         "faster.", True,
         "Its stride multiplies the jump, so later kernels span more input pixels."),
    Fact(3, "Pooling between conv layers shrinks the receptive field of later units, because "
         "it throws values away.", False,
         "Every pooled value summarises a window, so later units see more input pixels."),
    Fact(3, "ReLU and max-pooling do the same thing: both keep only large values.", False,
         "ReLU works per value and keeps the size; max-pooling picks one value per window "
         "and downsamples."),
))
