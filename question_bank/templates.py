"""Numeric templates: each draws parameters from a seeded RNG and computes with solutions/."""

import random
from collections.abc import Callable

from question_bank.model import Item


def conv_output(rng: random.Random) -> Item:
    n, k, p, s = rng.randint(8, 256), rng.choice([1, 3, 5, 7]), rng.randint(0, 3), rng.randint(1, 3)
    from solutions.padding import conv_output_size
    answer = int(conv_output_size(n, k, p, s))
    params = {"n": n, "k": k, "p": p, "s": s}
    return Item(
        id="", template="conv_output", learning_outcome="LO1", type="numeric",
        stem=f"An input of width {n} is convolved with a kernel of size {k}, padding {p} "
             f"and stride {s}. What is the output width?",
        answer=answer, tolerance=0.0, params=params,
        solution=f"floor(({n} + 2*{p} - {k}) / {s}) + 1 = {answer}")


def conv_params(rng: random.Random) -> Item:
    k, c_in, c_out = rng.choice([1, 3, 5, 7]), rng.randint(1, 64), rng.randint(1, 128)
    from solutions.weights import conv_layer_params
    answer = int(conv_layer_params(k, c_in, c_out))
    return Item(
        id="", template="conv_params", learning_outcome="LO3", type="numeric",
        stem=f"How many trainable parameters (weights and biases) has a conv layer with "
             f"{c_out} kernels of size {k}x{k} on an input with {c_in} channels?",
        answer=answer, tolerance=0.0, params={"k": k, "c_in": c_in, "c_out": c_out},
        solution=f"{k}*{k}*{c_in}*{c_out} + {c_out} = {answer}")


def pool_output(rng: random.Random) -> Item:
    n, size = rng.randint(4, 512), rng.choice([2, 3])
    stride = rng.choice([None, 1, 2])
    from solutions.pooling import pool_output_size
    answer = int(pool_output_size(n, size, stride))
    s = size if stride is None else stride
    return Item(
        id="", template="pool_output", learning_outcome="LO4", type="numeric",
        stem=f"A feature map of width {n} is max-pooled with window {size} and stride {s}. "
             f"What is the output width?",
        answer=answer, tolerance=0.0, params={"n": n, "size": size, "stride": s},
        solution=f"floor(({n} - {size}) / {s}) + 1 = {answer}")


TEMPLATES: dict[str, Callable[[random.Random], Item]] = {
    "conv_output": conv_output, "conv_params": conv_params, "pool_output": pool_output}
