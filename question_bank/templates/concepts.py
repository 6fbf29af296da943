"""Understanding questions: multiple-choice and true/false items built from pools of text.

A multiple-choice concept has variants (a stem with its own right answers and distractors),
each written for one difficulty: 1 asks for a definition, 2 applies the idea to numbers the
concept draws, 3 asks for a subtle distinction (equivariance of convolution vs invariance
from pooling, stride vs pooling, 1x1 convolutions, ...). An item draws a variant of its
difficulty, one right answer and three distractors, fills in the drawn numbers and shuffles
the four choices. Every distractor is a misconception a student really has, and its feedback
says why it is wrong; the right answer's feedback says why it is right.

True/false families hold ``Fact``s, each with a difficulty; an item draws one statement of
its difficulty, true or false with equal chance, and fills in drawn numbers. Numbers follow
the lecture: convolution is the cross-correlation (kernel not flipped), windows that do not
fit are dropped (floor), images are channels last (H, W, C).
"""

from __future__ import annotations

import functools
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from question_bank.model import Choice
from question_bank.templates.base import DIFFICULTIES, WORDS, Draft, mc_choices, number
from solutions.padding import conv_output_size
from solutions.pooling import pool_output_size
from solutions.weights import conv_layer_params, dense_weights, sparse_weights

Option = tuple[str, str]  # (text, feedback)
N_WRONG = 3  # four choices per item


def _fields(*texts: str) -> set[str]:
    """The placeholder names used in these format strings."""
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def _no_numbers(rng: random.Random) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Variant:
    """One multiple-choice stem with its right answers and distractors, for one difficulty."""

    stem: str
    correct: tuple[Option, ...]
    wrong: tuple[Option, ...]
    level: int


@dataclass(frozen=True)
class Concept:
    """A multiple-choice question family; ``draw`` gives the numbers the texts refer to."""

    variants: tuple[Variant, ...]
    draw: Callable[[random.Random], dict[str, Any]] = _no_numbers

    def __post_init__(self) -> None:
        for variant in self.variants:
            if len(variant.wrong) < N_WRONG:
                raise ValueError(f"variant {variant.stem[:40]!r}: needs at least {N_WRONG} "
                                 f"distractors, has {len(variant.wrong)}")
            if variant.level not in DIFFICULTIES:
                raise ValueError(f"variant {variant.stem[:40]!r}: level {variant.level}")
        missing = set(DIFFICULTIES) - {variant.level for variant in self.variants}
        if missing:
            raise ValueError(f"concept {self.variants[0].stem[:40]!r}: no variant for "
                             f"difficulty {sorted(missing)}")

    def __call__(self, rng: random.Random, difficulty: int) -> Draft:
        values = self.draw(rng)
        v = rng.choice([i for i, var in enumerate(self.variants) if var.level == difficulty])
        variant = self.variants[v]
        c = rng.randrange(len(variant.correct))
        w = sorted(rng.sample(range(len(variant.wrong)), N_WRONG))

        def fill(option: Option) -> Option:
            return option[0].format(**values), option[1].format(**values)
        correct = fill(variant.correct[c])
        wrong = [fill(variant.wrong[i]) for i in w]
        choices, answer = mc_choices(rng, correct, wrong)
        solution = (f"Right: {correct[0]}. {correct[1]}\nThe others:\n"
                    + "\n".join(f"- {text}: {feedback}" for text, feedback in wrong))
        used = _variant_fields(variant)
        params = {"variant": v, "correct": c, "wrong": w,
                  **{key: value for key, value in values.items() if key in used}}
        return Draft(variant.stem.format(**values), answer, solution, params, choices=choices)


@dataclass(frozen=True)
class Fact:
    """One true/false statement for one difficulty; ``why`` explains it either way."""

    level: int
    text: str
    true: bool
    why: str


@dataclass(frozen=True)
class Statements:
    """A true/false family; ``draw`` gives the numbers the statements refer to."""

    facts: tuple[Fact, ...]
    draw: Callable[[random.Random], dict[str, Any]] = _no_numbers

    def __post_init__(self) -> None:
        for level in DIFFICULTIES:
            for truth in (True, False):
                if not any(f.level == level and f.true == truth for f in self.facts):
                    raise ValueError(f"statements {self.facts[0].text[:40]!r}: no {truth} "
                                     f"statement for difficulty {level}")

    def __call__(self, rng: random.Random, difficulty: int) -> Draft:
        values = self.draw(rng)
        truth = rng.random() < 0.5  # half true, half false, whatever the pool's mix
        pool = [i for i, f in enumerate(self.facts) if f.true == truth and f.level == difficulty]
        index = rng.choice(pool)
        fact = self.facts[index]
        text, why = fact.text.format(**values), fact.why.format(**values)
        verdict = "true" if fact.true else "false"
        choices = (
            Choice("True", fact.true, f"{'Right' if fact.true else 'No'}: the statement is "
                                      f"{verdict}. {why}"),
            Choice("False", not fact.true, f"{'Right' if not fact.true else 'No'}: the "
                                           f"statement is {verdict}. {why}"))
        solution = f"{verdict.capitalize()}. {why}"
        used = _fact_fields(fact)
        params = {"statement": index, "is_true": fact.true,
                  **{key: value for key, value in values.items() if key in used}}
        return Draft(f"True or false? {text}", 0 if fact.true else 1, solution, params,
                     choices=choices)


@functools.cache
def _variant_fields(variant: Variant) -> frozenset[str]:
    """The placeholders of a variant's stem and options (parsed once per variant)."""
    return frozenset(_fields(variant.stem, *(text for option in variant.correct + variant.wrong
                                             for text in option)))


@functools.cache
def _fact_fields(fact: Fact) -> frozenset[str]:
    """The placeholders of a statement and its explanation (parsed once per fact)."""
    return frozenset(_fields(fact.text, fact.why))


# ---- LO1: the concept of convolution ----------------------------------------------------


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


CONV_COMPUTES = Concept(
    draw=_conv_numbers,
    variants=(
        Variant(
            "In a convolutional layer, how is one value of a feature map computed from a grey "
            "image with a {k}x{k} kernel?",
            (("The kernel's {k}x{k} weights are multiplied with the pixels under the kernel "
              "and the products are summed (plus a bias)",
              "That is the convolution of CNNs: a weighted sum over one window, with the same "
              "kernel at every position (the kernel is not flipped)."),
             ("A weighted sum of the {k}x{k} pixels in one window, using the same weights at "
              "every position",
              "Right: local (one window) and shared (same weights everywhere).")),
            (("A weighted sum of all pixels of the image, with its own weights per output",
              "That is a fully connected unit; a convolutional unit only sees its window."),
             ("The largest pixel value in the {k}x{k} window",
              "That is max-pooling, which has no weights at all."),
             ("The mean of the {k}x{k} window",
              "That is average pooling: fixed weights 1/({k}*{k}), nothing learned."),
             ("A weighted sum over the window, with weights learned separately for every "
              "position in the image",
              "That is a sparsely (locally) connected layer; a convolution shares one kernel "
              "over all positions."),
             ("The element-wise products of window and kernel, kept as a {k}x{k} block",
              "The products are summed into one number per position."),
             ("The matrix product of the image matrix with the kernel matrix",
              "A matrix product combines rows with columns; convolution multiplies each "
              "window element with the matching kernel element and sums.")),
            level=1),
        Variant(
            "A 1-D convolution computes a1 = x1 w1 + x2 w2 + x3 w3 from inputs x1 ... x5. "
            "Which formula gives a2?",
            (("a2 = x2 w1 + x3 w2 + x4 w3",
              "The window moves one input on (stride 1); the weights stay w1, w2, w3."),),
            (("a2 = x2 w4 + x3 w5 + x4 w6",
              "That would give every output its own weights (sparse, not shared); a "
              "convolution reuses w1, w2, w3."),
             ("a2 = x4 w1 + x5 w2 + x6 w3",
              "That jumps three inputs (stride 3), and there is no x6; at stride 1 the window "
              "moves by one."),
             ("a2 = x1 w2 + x2 w3 + x3 w1",
              "The window moves over the input; the weights are not rotated."),
             ("a2 = x2 w3 + x3 w2 + x4 w1",
              "That flips the kernel (the mathematical convolution); CNNs compute the "
              "cross-correlation, not flipped."),
             ("a2 = x1 w1 + x2 w2 + x3 w3 + x4 w4",
              "The kernel keeps its 3 weights; each output uses exactly 3 inputs.")),
            level=1),
        Variant(
            "A {h}x{h}x{c} input is convolved with one {k}x{k} kernel, stride 1, no padding. "
            "Which input values does the output at row {r}, column {q} (counting from 1) "
            "combine, and how?",
            (("Rows {r} to {r_end} and columns {q} to {q_end}, all {c} channels: each value "
              "times its kernel weight, summed, plus one bias",
              "Output (r, q) starts its window at input (r, q) without padding; the kernel "
              "spans all channels and gives one number."),
             ("The {k}x{k}x{c} block starting at row {r}, column {q}, multiplied element-wise "
              "with the kernel (not flipped) and summed into one value plus a bias",
              "Cross-correlation: top-left weight with top-left value of the window.")),
            (("Rows {r} to {r_end} and columns {q} to {q_end}, each channel separately, "
              "giving {c} output values",
              "The kernel spans all {c} channels and sums over them: one value per position "
              "and kernel."),
             ("The block starting at row {r}, column {q}, with the kernel flipped: the "
              "bottom-right weight multiplies the top-left value",
              "CNNs do not flip the kernel; they compute the cross-correlation."),
             ("Rows {r} to {r_end} and columns {q} to {q_end}, but only the first channel",
              "A kernel has {k}*{k}*{c} weights and uses every input channel."),
             ("The {k}x{k} block centred on input row {r}, column {q}",
              "That is the window when padding keeps the size; without padding output (r, q) "
              "sees rows {r} to {r_end}."),
             ("All {h}x{h}x{c} input values, each with its own weight",
              "That is a fully connected unit; a conv unit sees one {k}x{k}x{c} window.")),
            level=2),
        Variant(
            "A 1-D convolution with kernel (w1, w2, w3) and stride 2, no padding, runs over "
            "inputs x1 ... x{n}. Which formula gives a{i}?",
            (("a{i} = x{j} w1 + x{j1} w2 + x{j2} w3",
              "With stride 2, output i starts at input 2(i - 1) + 1 = {j}; the weights are "
              "the same for every output and not flipped."),),
            (("a{i} = x{i} w1 + x{i1} w2 + x{i2} w3",
              "That is stride 1; with stride 2 the window moves two inputs per output."),
             ("a{i} = x{j2} w1 + x{j1} w2 + x{j} w3",
              "That flips the kernel; CNNs compute the cross-correlation."),
             ("a{i} = x{j} w{w1} + x{j1} w{w2} + x{j2} w{w3}",
              "That gives every output its own weights (sparse, not shared)."),
             ("a{i} = x{t} w1 + x{t1} w2 + x{t2} w3",
              "That moves three inputs per output (stride 3), not two."),
             ("a{i} = x{j} w2 + x{j1} w3 + x{j2} w1",
              "The window moves over the input; the weights keep their order w1, w2, w3.")),
            level=2),
        Variant(
            "Deep-learning frameworks compute a conv layer as a cross-correlation (kernel not "
            "flipped), the mathematical convolution flips the kernel. Which is right?",
            (("Since the kernel is learned, the network simply learns the flipped weights; "
              "nothing is lost by not flipping",
              "Flipping is a fixed re-ordering of the weights, which training can absorb."),
             ("For a kernel that is the same after a 180 degree rotation both give the same "
              "output; for other kernels they differ, but a learned kernel makes up for it",
              "Only the order of the weights differs.")),
            (("Frameworks flip the kernel, just like the mathematical definition",
              "PyTorch and Keras compute a_i = x_i w_1 + x_(i+1) w_2 + ...: not flipped."),
             ("Only a flipped kernel can detect edges",
              "Any pattern a flipped kernel detects, the unflipped mirror kernel detects too."),
             ("Flipping the kernel changes the size of the output",
              "The output size depends on input size, kernel size, padding and stride only."),
             ("Cross-correlation is not linear, convolution is",
              "Both are weighted sums of the input: both are linear."),
             ("The two give the same output for every kernel",
              "Only for kernels that equal their 180 degree rotation; otherwise the weights "
              "meet other inputs.")),
            level=3),
        Variant(
            "A conv layer with {c_out} kernels of 1x1 (stride 1) is applied to a {h}x{h}x{c_in} "
            "feature map. What does it do?",
            (("It gives a {h}x{h}x{c_out} map: at every pixel a learned weighted sum of the "
              "{c_in} channels ({w11} weights plus {c_out} biases)",
              "A 1x1 kernel spans all input channels at one position."),
             ("It mixes the channels at each pixel without looking at neighbours, and changes "
              "the number of channels from {c_in} to {c_out}",
              "Its receptive field is one pixel; it only combines channels.")),
            (("Nothing: a 1x1 kernel copies its input",
              "Its {w11} weights are learned; it computes weighted sums over the channels."),
             ("It has no weights, like pooling",
              "Each of the {c_out} kernels has {c_in} weights (and a bias)."),
             ("It halves the width and height",
              "At stride 1 a 1x1 kernel fits at every pixel: width and height stay {h}."),
             ("It works on each channel separately, so the output keeps {c_in} channels",
              "Each kernel sums over all {c_in} channels; {c_out} kernels give {c_out} "
              "channels."),
             ("It enlarges the receptive field by one pixel",
              "A kernel of 1 adds 1 - 1 = 0 pixels to the receptive field.")),
            level=3),
    ))


def _kernel_count_numbers(rng: random.Random) -> dict[str, Any]:
    c, k, c_in = rng.choice([4, 8, 16, 32, 64]), rng.choice([3, 5]), rng.choice([3, 16, 32])
    c2 = rng.choice([8, 16, 32, 64, 128])
    per = int(conv_layer_params(k, c_in, 1))
    return {"c": c, "k": k, "c_in": c_in, "c1": c + 1, "c2": c2,
            "after": (c + 1) * per, "no_chan": (c + 1) * (k * k + 1),
            "before": c * per, "one_bias": (c + 1) * k * k * c_in + 1,
            "extra": k * k * c2}


ADDED_KERNEL = Concept(
    draw=_kernel_count_numbers,
    variants=(
        Variant(
            "A conv layer has {c} kernels. What is the difference between adding one more "
            "kernel to it and adding another conv layer after it?",
            (("An added kernel gives the same layer one more output channel; an added layer "
              "works on the previous layer's output and makes the network deeper",
              "Kernels of one layer work side by side on the same input; layers are applied "
              "one after the other."),
             ("Kernels of one layer all read the same input side by side; a new layer reads "
              "the output of the layer before it",
              "Width (channels) versus depth (layers).")),
            (("There is none: each kernel is a layer of its own",
              "A layer holds all kernels that read the same input; depth counts layers in "
              "sequence."),
             ("An added kernel makes the network deeper, an added layer makes it wider",
              "The other way round: a kernel adds a channel, a layer adds depth."),
             ("An added kernel enlarges the receptive field, an added layer does not",
              "The other way round: stacking a layer grows the receptive field; another "
              "kernel in the same layer sees the same window."),
             ("Kernels in one layer are applied one after the other, each to the output of the "
              "kernel before",
              "They are applied side by side to the same input."),
             ("An added layer adds no weights, only an added kernel does",
              "Both add weights: a new layer brings its own kernels.")),
            level=1),
        Variant(
            "A convolutional layer has {c} kernels of {k}x{k} on an input with {c_in} "
            "channels. What does adding one more kernel to this layer do?",
            (("It adds one more feature map (output channel) to the same layer; the network "
              "does not get deeper",
              "Kernels of one layer work side by side on the same input; depth counts layers "
              "applied one after the other."),
             ("The layer outputs {c1} channels instead of {c}; the number of layers stays "
              "the same",
              "Each kernel makes one feature map, so one more kernel is one more channel.")),
            (("It adds a new layer, so the network gets deeper",
              "A layer's kernels all read the same input; a new layer would read this layer's "
              "output."),
             ("It enlarges the receptive field of the layer's units",
              "The receptive field depends on kernel sizes, strides and the number of stacked "
              "layers, not on how many kernels a layer has."),
             ("It changes the width and height of the output feature maps",
              "Width and height depend on input size, kernel size, padding and stride only."),
             ("It adds only {k}*{k} weights, whatever the number of input channels",
              "A kernel spans all {c_in} input channels: {k}*{k}*{c_in} weights plus 1 bias."),
             ("It makes the existing {c} kernels share their weights with the new one",
              "Every kernel has its own weights; weights are shared over positions, not "
              "between kernels.")),
            level=2),
        Variant(
            "A conv layer has {c} kernels of {k}x{k} on an input with {c_in} channels. One "
            "kernel is added. How many parameters (weights and biases) and output channels "
            "does the layer have now?",
            (("{after} parameters, {c1} output channels",
              "({c} + 1) kernels of {k}*{k}*{c_in} weights plus one bias each: "
              "{c1} * ({k}*{k}*{c_in} + 1) = {after}."),),
            (("{no_chan} parameters, {c1} output channels",
              "That forgets that each kernel spans all {c_in} input channels."),
             ("{before} parameters, {c1} output channels",
              "That is the count before the kernel was added; the new kernel brings "
              "{k}*{k}*{c_in} + 1 parameters."),
             ("{one_bias} parameters, {c1} output channels",
              "There is one bias per kernel (output channel), not one per layer: {c1} biases."),
             ("{after} parameters in two layers: the new kernel forms a layer of its own",
              "The new kernel is part of the same layer; the network does not get deeper.")),
            level=2),
        Variant(
            "Layer 1 of a CNN has {c} kernels; layer 2 has {c2} kernels of {k}x{k} and reads "
            "layer 1's output. One kernel is added to layer 1. What changes in layer 2?",
            (("Each of its {c2} kernels gets {k}*{k} more weights, because its input now has "
              "{c1} channels: {extra} more weights, still {c2} output channels",
              "A kernel spans all input channels, so one more input channel adds a {k}x{k} "
              "slice to every kernel."),
             ("Its kernels must now span {c1} input channels instead of {c}; its number of "
              "output channels stays {c2}",
              "Layer 2's kernels are k*k*C_in; C_in grew by one.")),
            (("Nothing: layer 2 is not affected by layer 1's kernels",
              "Layer 2's kernels span all channels of its input, which now has one more."),
             ("Layer 2 also gets one more kernel",
              "Layer 2 keeps its {c2} kernels; only their depth (input channels) grows."),
             ("Layer 2's output gets one more channel",
              "Its output channels are its own kernels, still {c2}."),
             ("The network gets one layer deeper",
              "A kernel adds a channel to layer 1; the number of layers stays."),
             ("Layer 2's kernels grow to {k}+1 by {k}+1",
              "Kernel width and height are chosen by the designer; only the channel depth "
              "follows the input.")),
            level=3),
    ))


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
            "n_pk": int(conv_output_size(n, k, k)), "side": side, "ks": ks, "o2": o2,
            "o2_up": o2 + 1, "os2": os2, "ps": (ks - 1) // 2,
            "i": i, "i1": i + 1, "i2": i + 2, "c_in": c_in, "c_out": c_out,
            "kkc": ks * ks * c_in, "kk": ks * ks, "cc": c_in * c_out}


CONV_FACTS = Statements(draw=_conv_fact_numbers, facts=(
    Fact(1, "CNNs compute convolution without flipping the kernel (a cross-correlation), as "
         "PyTorch and Keras do.", True,
         "a_i = x_i w_1 + x_(i+1) w_2 + ...; since the kernel is learned, flipping would not "
         "add anything."),
    Fact(1, "A convolutional layer uses a different set of kernel weights at every position.",
         False, "The same kernel is used at every position: weight sharing."),
    Fact(1, "Each output of a convolution depends only on the inputs inside its window.", True,
         "That is sparse (local) connectivity."),
    Fact(1, "Zero padding adds trainable weights around the image.", False,
         "Padding adds zeros to the input; it has no weights."),
    Fact(1, "One kernel of a conv layer on an RGB image spans all three colour channels.", True,
         "A kernel has k*k*C_in weights and sums over all input channels."),
    Fact(1, "Each kernel of a conv layer gives one output feature map (channel).", True,
         "C_out kernels give C_out feature maps."),
    Fact(1, "In a2 = x2 w1 + x3 w2 + x4 w3 the weights differ from those in a1 = x1 w1 + "
         "x2 w2 + x3 w3.", False, "Both use w1, w2, w3: the weights are shared."),
    Fact(1, "The kernels of a conv layer are fixed filters chosen by the designer, like an "
         "edge filter; they are not learned.", False,
         "The kernel weights are learned from data by backpropagation, like any weights."),
    Fact(1, "One bias per kernel is added to the weighted sum at every position.", True,
         "A conv layer has C_out biases, one per kernel (output channel)."),
    Fact(1, "One output value of a convolution is the weighted sum of all pixels of the "
         "image.", False, "Only of the pixels in its k x k window; all pixels is a fully "
         "connected unit."),
    Fact(1, "With stride 1 a {ks}x{ks} kernel moves one position between neighbouring "
         "outputs.", True, "The stride is the step of the window; windows overlap by {ks} - 1."),
    Fact(1, "With stride 1 the kernel jumps a whole kernel width between neighbouring "
         "outputs.", False, "Stride 1 moves the window by one position; windows overlap."),
    Fact(2, "With {n} inputs and a kernel of {k} (no padding, stride 1), a 1-D convolution has "
         "{out} outputs.", True, "n - k + 1 = {n} - {k} + 1 = {out}."),
    Fact(2, "With {n} inputs and a kernel of {k} (no padding, stride 1), a 1-D convolution has "
         "{n} outputs.", False, "It has {n} - {k} + 1 = {out}: the kernel must fit completely. "
         "Padding {p} on each side would keep {n}."),
    Fact(2, "Padding {p} zero(s) on each side keeps {n} inputs at {n} outputs for a kernel of "
         "{k} (stride 1).", True, "{n} + 2*{p} - {k} + 1 = {n}: padding (k - 1) / 2."),
    Fact(2, "Padding {k} zeros on each side keeps {n} inputs at {n} outputs for a kernel of "
         "{k} (stride 1).", False, "{n} + 2*{k} - {k} + 1 = {n_pk}; 'same' padding is "
         "(k - 1) / 2 = {p}."),
    Fact(2, "A {side}x{side} image convolved with a {ks}x{ks} kernel, stride 2, no padding, "
         "gives a {o2}x{o2} output.", True,
         "floor(({side} - {ks}) / 2) + 1 = {o2}; the last window that does not fit is "
         "dropped."),
    Fact(2, "A {side}x{side} image convolved with a {ks}x{ks} kernel, stride 2, no padding, "
         "gives a {o2_up}x{o2_up} output.", False,
         "A window that does not fit completely is dropped: floor(({side} - {ks}) / 2) + 1 = "
         "{o2}."),
    Fact(2, "In a 1-D convolution with kernel (w1, w2, w3) and stride 1, output a{i} is "
         "x{i} w1 + x{i1} w2 + x{i2} w3.", True,
         "Output i starts its window at input i; the kernel is not flipped."),
    Fact(2, "In a 1-D convolution with kernel (w1, w2, w3) and stride 1, output a{i} is "
         "x{i2} w1 + x{i1} w2 + x{i} w3.", False,
         "That flips the kernel; CNNs compute a{i} = x{i} w1 + x{i1} w2 + x{i2} w3."),
    Fact(2, "One {ks}x{ks} kernel on a {c_in}-channel input has {kkc} weights plus one bias.",
         True, "{ks}*{ks}*{c_in} = {kkc}: the kernel spans all channels."),
    Fact(2, "One {ks}x{ks} kernel on a {c_in}-channel input has {kk} weights plus one bias.",
         False, "The kernel spans all {c_in} channels: {ks}*{ks}*{c_in} = {kkc} weights."),
    Fact(2, "A conv layer with {c_out} kernels on a {c_in}-channel input gives {c_out} output "
         "channels.", True, "One feature map per kernel; each kernel sums over all input "
         "channels."),
    Fact(2, "A conv layer with {c_out} kernels on a {c_in}-channel input gives {cc} output "
         "channels.", False, "Each kernel sums over all {c_in} input channels into one map: "
         "{c_out} channels."),
    Fact(3, "Flipping the learned kernels would not make a CNN more powerful: it would simply "
         "learn the flipped weights.", True,
         "Convolution and cross-correlation differ only in the order of the weights."),
    Fact(3, "Cross-correlation and (flipped) convolution give the same output for every "
         "kernel.", False,
         "Only for kernels that equal their 180 degree rotation."),
    Fact(3, "A 1x1 convolution mixes the channels at each pixel but never combines "
         "neighbouring pixels.", True, "Its window is one pixel over all channels."),
    Fact(3, "A 1x1 convolution leaves its input unchanged.", False,
         "It computes learned weighted sums over the channels and can change their number."),
    Fact(3, "A stride-2 convolution gives the same values as a stride-1 convolution of which "
         "only every second output (the 1st, 3rd, ...) is kept.", True,
         "Stride 2 computes exactly the windows starting at positions 1, 3, 5, ...; the counts "
         "agree too: ceil((n - k + 1) / 2) = floor((n - k) / 2) + 1."),
    Fact(3, "A stride-2 convolution gives the same values as a stride-1 convolution followed "
         "by 2x2 max-pooling.", False,
         "Pooling keeps the largest of neighbouring outputs; stride 2 keeps every second "
         "output whatever its value."),
    Fact(3, "Without an activation in between, two stacked conv layers (stride 1, no padding) "
         "equal one conv layer with a larger kernel.", True,
         "Both are linear; kernels of k1 and k2 combine into one of k1 + k2 - 1."),
    Fact(3, "With padding {ps} (= (k - 1) / 2), a stride-2 convolution of a {side}x{side} "
         "image with a {ks}x{ks} kernel keeps the output at {side}x{side}.", False,
         "'Same' padding keeps the size only at stride 1; here floor(({side} + 2*{ps} - {ks}) "
         "/ 2) + 1 = {os2}."),
    Fact(3, "The bias of a conv layer is added once per input channel.", False,
         "Once per kernel (output channel) at every position."),
    Fact(3, "Two kernels of the same conv layer read exactly the same input values.", True,
         "They work side by side on the same input; each gives its own feature map."),
))

# ---- LO2: why convolution suits (medical) images ----------------------------------------


def _shift_numbers(rng: random.Random) -> dict[str, Any]:
    return {"d": rng.randint(2, 20), "s": rng.choice([2, 3, 4]),
            "organ": rng.choice(["chest CT", "brain MRI", "abdominal CT", "knee MRI"]),
            "finding": rng.choice(["nodule", "lesion", "tumour", "calcification"])}


TRANSLATION = Concept(
    draw=_shift_numbers,
    variants=(
        Variant(
            "Which statement about convolution and translation (shifts) of a {finding} in a "
            "{organ} slice is right?",
            (("Convolution is translation equivariant: shifting the input shifts the feature "
              "map by the same amount",
              "The same kernel is applied at every position, so the pattern's response moves "
              "along with it."),
             ("Convolution is equivariant to shifts; max-pooling adds invariance to small "
              "shifts within a window",
              "Equivariance comes from weight sharing; pooling's maximum does not change when "
              "the maximum moves inside its window.")),
            (("Convolution is translation invariant: the feature map does not change when "
              "the input shifts",
              "The feature map does change: it moves with the input (equivariance)."),
             ("A fully connected layer is translation equivariant too",
              "A dense layer has its own weight per pixel, so a shifted input meets other "
              "weights; it is neither equivariant nor invariant."),
             ("Equivariance means a CNN's class output is the same for any shift of the object",
              "That is invariance of the output; equivariance means the feature map moves with "
              "the input."),
             ("Equivariance holds only for symmetric kernels",
              "Any kernel gives equivariance, because it is the same at every position."),
             ("Max-pooling makes the feature map invariant to shifts of any size",
              "Only shifts within one window leave the maximum in place; larger shifts still "
              "move the pooled map.")),
            level=1),
        Variant(
            "In a {organ} slice, a {finding} lies {d} pixels further to the right than in "
            "another slice. What happens to the feature map of a convolutional layer (stride "
            "1, no pooling)?",
            (("The {finding}'s response in the feature map also moves {d} pixels to the right",
              "Convolution is translation equivariant: the same kernel is used everywhere, so "
              "a shifted input gives a shifted output."),
             ("The same response appears, shifted by {d} pixels: the layer finds the "
              "{finding} wherever it is",
              "Weight sharing makes the layer equivariant: shift in, same shift out.")),
            (("The feature map stays exactly the same",
              "That would be invariance; a conv layer is equivariant, its output moves with "
              "the input. Some invariance to small shifts only comes from pooling."),
             ("The layer no longer responds to the {finding}, since its weights were learned "
              "for the old position",
              "The weights are shared over all positions, so the {finding} is found anywhere."),
             ("The response values change, because every position has its own kernel",
              "Every position uses the same kernel (weight sharing)."),
             ("The response moves {d} pixels to the left",
              "A shift of the input to the right moves the output to the right."),
             ("The feature map becomes {d} pixels smaller",
              "The output size depends on input size, kernel, padding and stride, not on where "
              "the {finding} is.")),
            level=2),
        Variant(
            "What is the difference between translation equivariance and translation "
            "invariance in a CNN?",
            (("Equivariance: a shifted input gives a shifted feature map (conv layers, from "
              "weight sharing); invariance: the output stays the same, which max-pooling gives "
              "only for small shifts within a window",
              "Conv layers move their output along; pooling discards small moves."),
             ("A conv layer (stride 1) is equivariant; a max-pooled value does not change when "
              "the maximum moves inside its window, a limited invariance",
              "Equivariance and invariance come from different layers.")),
            (("Convolution is invariant, pooling is equivariant",
              "The other way round: convolution is equivariant, pooling adds some invariance."),
             ("Both come from zero padding",
              "Padding only adds zeros at the border; equivariance comes from weight sharing."),
             ("Equivariance means the output is the same for any shift, invariance that it "
              "moves along",
              "The definitions are swapped."),
             ("A CNN classifier is invariant to any shift because its conv layers are",
              "Conv layers are equivariant, not invariant; pooling gives invariance only to "
              "small shifts."),
             ("A fully connected layer is equivariant because it sees every pixel",
              "Its weights differ per pixel, so a shifted input meets other weights.")),
            level=3),
        Variant(
            "A conv layer has stride {s}. Its input (a {organ} slice) is shifted by one pixel. "
            "What happens to the feature map (away from the borders)?",
            (("It does not simply shift: one input pixel is not a whole output position, so "
              "the values change; a shift by {s} pixels would shift it by one position",
              "With stride {s} equivariance holds only for shifts by multiples of {s}."),
             ("The values change, because the windows now start at other input pixels; only "
              "shifts by multiples of {s} pixels move the map by whole positions",
              "Stride {s} samples every {s}th window; a one-pixel shift samples other ones.")),
            (("It shifts by one output position",
              "One output position is {s} input pixels apart; a one-pixel shift does not line "
              "up with it."),
             ("It shifts by {s} output positions",
              "Stride makes output positions {s} input pixels apart: the map would shift by "
              "1/{s} of a position, which is not a shift at all."),
             ("Nothing changes: the stride makes the layer invariant",
              "Stride does not make the layer invariant; the sampled windows change."),
             ("The feature map gets one position wider",
              "The output size depends on input size, kernel, padding and stride only.")),
            level=3),
    ))


def _structure_numbers(rng: random.Random) -> dict[str, Any]:
    return {"n": rng.randint(8, 60), "side": rng.choice([24, 64, 128, 256, 512]),
            "modality": rng.choice(["CT slice", "MRI slice", "X-ray", "histology patch"])}


STRUCTURED_INPUTS = Concept(
    draw=_structure_numbers,
    variants=(
        Variant(
            "Which property of (medical) images, such as a {side}x{side} {modality}, makes a "
            "convolutional approach suitable?",
            (("Nearby pixels are strongly related, and the same local pattern (an edge, a "
              "vessel, a lesion) can appear anywhere",
              "Local connectivity exploits the first, weight sharing the second."),
             ("Images have a grid structure: local patterns matter and look the same wherever "
              "they occur",
              "That is exactly what small shared kernels model.")),
            (("Images have so few pixels that a fully connected network would be too small",
              "The opposite: a {side}x{side} image has {side}*{side} values, so dense layers "
              "need far too many weights."),
             ("Every pixel is independent of its neighbours",
              "Neighbouring pixels are strongly correlated; kernels exploit that."),
             ("Medical images are always aligned, so each position can have its own weights",
              "Anatomy and lesions vary in position between patients; shared weights find a "
              "pattern wherever it is."),
             ("Convolution is needed because images are stored as integers",
              "The data type does not matter; convolution works on any numbers."),
             ("Images have no channels, so kernels can stay small",
              "Colour images and feature maps have channels; kernels span all of them.")),
            level=1),
        Variant(
            "Weight sharing works well for images. Why does it not suit a vector of {n} "
            "unrelated patient features (age, blood pressure, lab values, ...)?",
            (("Sharing assumes the same pattern can occur at any position and that neighbours "
              "are related; in such a vector position and neighbourhood mean nothing",
              "A kernel sliding over unrelated features would look for a pattern that does "
              "not exist."),
             ("Neighbouring entries of the vector are not related like neighbouring pixels, "
              "so a sliding kernel finds no meaningful local pattern",
              "Convolution exploits local structure; an arbitrary feature order has none.")),
            (("Because {n} features are too few for a kernel to fit",
              "A kernel of 3 fits any vector of 3 or more values; the problem is meaning, not "
              "size."),
             ("Because weight sharing only works for colour images with 3 channels",
              "Grey images, 1-D signals and 3-D scans work too; what matters is spatial "
              "structure."),
             ("It does suit it: weight sharing reduces the weights for any input",
              "It reduces the weights, but it forces the same weights on unrelated features, "
              "so the model cannot learn what each feature means."),
             ("Because convolution needs positive inputs, like pixel intensities",
              "Convolution works on any real numbers."),
             ("Because the features would first have to be scaled to [0, 1]",
              "Scaling helps training but is not what weight sharing needs; it needs spatial "
              "structure.")),
            level=2),
        Variant(
            "The pixels of every {side}x{side} {modality} in a data set are shuffled with the "
            "same fixed permutation. Which network is hurt by this?",
            (("The CNN: its kernels rely on neighbouring pixels being related, which the "
              "shuffle destroys; a fully connected network can learn the permuted weights",
              "A dense layer has one weight per pixel, so permuting its weights the same way "
              "gives exactly the same outputs."),
             ("Only the CNN; for a fully connected network pixel order does not matter, since "
              "every pixel has its own weight anyway",
              "Convolution needs spatial structure; a dense layer never used it.")),
            (("The fully connected network, because it depends on the pixel order",
              "Its weights can be permuted along with the pixels: it loses nothing."),
             ("Neither: convolution does not depend on the order of the pixels",
              "A kernel combines neighbours; after shuffling, neighbours are unrelated pixels."),
             ("Both equally, because the pixel values change",
              "A permutation moves pixels, it does not change their values."),
             ("The CNN only for colour images; grey images have no structure to lose",
              "Grey images have the same spatial structure; the shuffle destroys it.")),
            level=3),
    ))


def _weight_image_numbers(rng: random.Random) -> dict[str, Any]:
    side, c = rng.choice([16, 24, 28, 32]), rng.choice([1, 3])
    return {"side": side, "m": rng.choice([10, 20, 30, 50, 100]), "c": c,
            "weights": int(dense_weights(side * side * 3, 1)),
            "weights_c": int(dense_weights(side * side * c, 1))}


WEIGHT_IMAGE = Concept(
    draw=_weight_image_numbers,
    variants=(
        Variant(
            "A single unit is fully connected to {side}x{side}x{c} images and trained on {m} "
            "of them. What is its 'weight image'?",
            (("Its {weights_c} weights reshaped to {side}x{side}x{c}: each weight shown at the "
              "pixel (and channel) it multiplies",
              "One weight per input value, so the weights form an image of the input's "
              "shape."),
             ("A picture of the unit's weights in the input's shape, showing which pixels "
              "raise or lower its output",
              "Positive weights where bright pixels raise the output, negative where they "
              "lower it.")),
            (("The training image that activates the unit most",
              "That is an image from the data set; the weight image shows the weights."),
             ("The unit's {side}x{side} convolution kernel",
              "A fully connected unit has no kernel: one weight per input value."),
             ("The average of the training images",
              "Weights are fitted to the labels, not averaged images."),
             ("An image of the unit's outputs for every pixel",
              "A dense unit has one output; the weight image shows its weights.")),
            level=1),
        Variant(
            "A single unit is fully connected to {side}x{side}x3 images and trained on only "
            "{m} images. Its {weights} weights, reshaped into a {side}x{side}x3 image, look "
            "like noise. Why?",
            (("There are far more weights ({weights}) than training images ({m}), so many "
              "weights are fitted to noise and nothing ties neighbouring weights together",
              "Few samples cannot pin down so many independent weights: overfitting."),
             ("Each weight is learned on its own for one pixel, and {m} samples are too few to "
              "make neighbouring weights similar",
              "Without weight sharing or more data nothing smooths the weight image.")),
            (("Because the weight image was not min-max scaled to [0, 1]",
              "Scaling changes the contrast, not the pattern; the noise is in the weights."),
             ("Because the weights are shared over all pixels",
              "A fully connected unit has its own weight per pixel; nothing is shared."),
             ("Because the weights were reshaped in the wrong order; learned weights are "
              "always smooth",
              "Learned dense weights are not smooth by themselves; with few samples they are "
              "noisy whatever the order."),
             ("Because more training images would make the weights even noisier",
              "More samples constrain the weights better; the weight image gets smoother."),
             ("Because a unit can only learn when all its weights are positive",
              "Weights may have any sign; the sign is not the reason for the noise.")),
            level=2),
        Variant(
            "A unit fully connected to {side}x{side}x3 images ({weights} weights) was trained "
            "on {m} images and its weight image is noisy. What would make it less noisy?",
            (("Many more training images, so the {weights} weights are constrained by the data",
              "With more samples than free weights, noise no longer fits."),
             ("A small shared kernel instead of the dense unit: few weights, each learned "
              "from every position of every image",
              "Weight sharing gives each weight far more data.")),
            (("Training longer on the same {m} images",
              "More epochs fit the same few images more closely; the weights stay "
              "under-determined."),
             ("Rescaling the weight image to [0, 1] before showing it",
              "That changes the display, not the weights."),
             ("Adding more units to the layer",
              "Each unit has its own {weights} weights; more units add more free weights."),
             ("Using larger images",
              "Larger images give each unit more weights to fit from the same {m} samples.")),
            level=3),
    ))


def _image_fact_numbers(rng: random.Random) -> dict[str, Any]:
    side, c = rng.choice([24, 28, 32, 48, 64, 96, 128]), rng.choice([1, 3])
    ct, units, k = rng.choice([256, 512]), rng.choice([10, 50, 100, 500, 1000]), rng.choice([3, 5])
    f, slices, d, s = rng.choice([8, 16, 32, 64]), rng.randint(40, 300), rng.randint(2, 30), \
        rng.choice([2, 3, 4])
    return {"side": side, "c": c, "feat": side * side * c, "feat3": side * side * 3,
            "side2": side * side, "ct": ct, "units": units, "dense": int(dense_weights(
                ct * ct, units)), "k": k, "f": f, "convw": k * k * f, "slices": slices,
            "plane": ct * ct, "vol": ct * ct * slices, "d": d, "s": s}


IMAGE_FACTS = Statements(draw=_image_fact_numbers, facts=(
    Fact(1, "Neighbouring pixels of an image are strongly related, which small kernels "
         "exploit.", True, "Edges, vessels and textures are formed by neighbouring pixels."),
    Fact(1, "Weight sharing lets one kernel detect the same pattern (e.g. an edge) anywhere in "
         "the image.", True, "The same kernel is applied at every position."),
    Fact(1, "A CNN needs the lesion at the same position in every training image.", False,
         "Shared weights detect the lesion wherever it is."),
    Fact(1, "Sparse connectivity suits images because a pixel is mostly related to the pixels "
         "near it.", True, "Local patterns (edges, textures) are formed by neighbouring pixels."),
    Fact(1, "Weight sharing makes sense for any input, also for a vector of unrelated lab "
         "values.", False, "Sharing assumes the same pattern can occur at any position; "
         "unrelated features have no positions in that sense."),
    Fact(1, "A fully connected unit trained on a few images learns a smooth weight image.",
         False, "With many more weights than samples its weight image is noisy."),
    Fact(1, "The number of weights of a conv layer does not depend on the image size.", True,
         "It is k*k*C_in*C_out (+ C_out), whatever H and W."),
    Fact(1, "The number of weights of a fully connected layer does not depend on the image "
         "size.", False, "It is H*W*C times the number of units."),
    Fact(1, "A grey {ct}x{ct} CT slice has three channels, one per colour.", False,
         "A grey image has one channel: ({ct}, {ct}) or ({ct}, {ct}, 1)."),
    Fact(1, "A grey {ct}x{ct} CT slice has one channel.", True,
         "Grey images have one value per pixel: ({ct}, {ct}) or ({ct}, {ct}, 1)."),
    Fact(1, "Convolution is translation invariant: a shifted lesion gives exactly the same "
         "feature map.", False, "Convolution is equivariant: the feature map shifts with the "
         "lesion."),
    Fact(2, "A {side}x{side}x{c} image has {feat} input features.", True,
         "{side} * {side} * {c} = {feat}."),
    Fact(2, "A {side}x{side} colour (RGB) image has {side2} input features.", False,
         "Each pixel has 3 values: {side} * {side} * 3 = {feat3}."),
    Fact(2, "A fully connected layer from a {ct}x{ct} grey CT slice to {units} units has "
         "{dense} weights (no biases).", True, "{ct} * {ct} * {units} = {dense}."),
    Fact(2, "A conv layer with {f} kernels of {k}x{k} has more weights on a {ct}x{ct} grey "
         "slice than on a {side}x{side} one.", False,
         "It has {k}*{k}*1*{f} = {convw} weights on either: the kernel does not grow with "
         "the image."),
    Fact(2, "A conv layer with {f} kernels of {k}x{k} on a {ct}x{ct} grey slice has {convw} "
         "weights (no biases), as on any other image size.", True, "{k}*{k}*1*{f} = {convw}."),
    Fact(2, "A CT scan of {slices} slices of {ct}x{ct} pixels holds {vol} values.", True,
         "{ct} * {ct} * {slices} = {vol}."),
    Fact(2, "A CT scan of {slices} slices of {ct}x{ct} pixels holds {plane} values.", False,
         "That is one slice; the scan holds {ct} * {ct} * {slices} = {vol}."),
    Fact(2, "Shifting a {ct}x{ct} slice {d} pixels to the right shifts a conv layer's feature "
         "map (stride 1) {d} pixels to the right, away from the borders.", True,
         "Translation equivariance: the same kernel is used everywhere."),
    Fact(2, "Shifting a {ct}x{ct} slice {d} pixels to the right leaves a conv layer's feature "
         "map (stride 1) unchanged.", False,
         "Convolution is equivariant, not invariant: the map shifts {d} pixels as well."),
    Fact(2, "Channels last, as in the lecture: a {side}x{side} colour image is an array of "
         "shape ({side}, {side}, 3).", True, "(H, W, C) with C = 3."),
    Fact(2, "Channels last, as in the lecture: a {side}x{side} colour image is an array of "
         "shape (3, {side}, {side}).", False,
         "That is channels first; channels last is ({side}, {side}, 3)."),
    Fact(3, "A conv layer is translation equivariant, not invariant; some invariance to small "
         "shifts comes from pooling.", True,
         "Shifted input, shifted feature map; a max moving inside its window stays."),
    Fact(3, "A fully connected layer is translation equivariant as long as it sees the whole "
         "image.", False, "It has its own weight per pixel, so a shifted image meets other "
         "weights."),
    Fact(3, "Shuffling the pixels of every image with the same fixed permutation hurts a CNN "
         "but not a fully connected network.", True,
         "A dense layer can learn the permuted weights; a CNN loses the neighbourhoods its "
         "kernels rely on."),
    Fact(3, "Shuffling the pixels of every image with the same fixed permutation hurts a fully "
         "connected network but not a CNN.", False,
         "The other way round: kernels need neighbouring pixels to be related."),
    Fact(3, "With stride {s}, shifting the input by {s} pixels shifts a conv layer's feature "
         "map by one position (away from the borders).", True,
         "Output positions are {s} input pixels apart."),
    Fact(3, "With stride {s}, shifting the input by 1 pixel shifts a conv layer's feature map "
         "by one position.", False,
         "Output positions are {s} input pixels apart; a one-pixel shift changes the values "
         "instead."),
    Fact(3, "The conv layers of a network trained on {ct}x{ct} slices can be applied to "
         "{side}x{side} slices: their weights do not depend on the image size.", True,
         "Only the feature-map sizes change; a dense layer after flatten would not fit."),
    Fact(3, "A conv layer trained on {ct}x{ct} slices cannot be applied to {side}x{side} "
         "slices, because its number of weights depends on the image size.", False,
         "Its k*k*C_in*C_out weights are the same for any image size."),
))

# ---- LO3: why convolutions enable deep networks -----------------------------------------


def _dense_numbers(rng: random.Random) -> dict[str, Any]:
    side, c = rng.choice([24, 32, 64, 128]), rng.choice([1, 3])
    depth = rng.choice([2, 3, 4])
    return {"side": side, "c": c, "dense": int(dense_weights(side * side * c, side * side * c)),
            "depth": depth, "Words": WORDS[depth].capitalize(), "rf": 2 * depth + 1}


WHY_DEEP = Concept(
    draw=_dense_numbers,
    variants=(
        Variant(
            "Which two ideas give a conv layer far fewer weights than a fully connected layer "
            "on the same {side}x{side}x{c} image?",
            (("Sparse connectivity (each output sees a small window) and weight sharing (the "
              "same kernel at every position)",
              "Local windows cut the connections; sharing reuses one kernel everywhere."),
             ("Local windows instead of all inputs, and one kernel reused over all positions",
              "That is sparse connectivity plus weight sharing.")),
            (("Pooling and padding",
              "Pooling has no weights and padding adds none; the saving is in the conv layer "
              "itself."),
             ("Only positive weights and ReLU activations",
              "Signs and activations do not change the number of weights."),
             ("Smaller images and fewer channels",
              "That shrinks any network; a conv layer's weights do not depend on the image "
              "size at all."),
             ("Each kernel is learned from a single training image",
              "Kernels are learned from all images; the saving is locality and sharing."),
             ("Dropping the biases",
              "Biases are a tiny part of the count; the saving is locality and sharing.")),
            level=1),
        Variant(
            "A fully connected layer from a {side}x{side}x{c} image to as many units would "
            "need {dense} weights. What lets a CNN stack many layers on such images?",
            (("Sparse connectivity and weight sharing: a conv layer has k*k*C_in*C_out "
              "weights, independent of the image size",
              "Few weights per layer make many layers affordable in memory, data and "
              "computation."),
             ("A conv layer's weights do not grow with the image size, so many layers fit "
              "and can be trained with the data available",
              "That is the effect of local, shared kernels.")),
            (("Conv layers have no weights, so layers come for free",
              "A conv layer has k*k*C_in*C_out weights plus biases; pooling has none."),
             ("Each conv layer has more weights than a dense one, which makes deep networks "
              "more powerful",
              "The opposite: conv layers have far fewer weights."),
             ("Convolution is non-linear, so no activation functions are needed between layers",
              "Convolution is linear; without activations stacked convs collapse into one "
              "linear map."),
             ("Each conv unit sees the whole image at once",
              "A conv unit sees one k x k window; the receptive field grows with depth."),
             ("Deep CNNs need no training data because the kernels are fixed filters",
              "The kernels are learned from data like any other weights.")),
            level=2),
        Variant(
            "{Words} 3x3 conv layers (stride 1, no padding) are stacked without activation "
            "functions. What is right?",
            (("Together they are one linear convolution with a {rf}x{rf} kernel: without "
              "non-linearities depth adds nothing",
              "A convolution of convolutions is a convolution; ReLUs between the layers are "
              "what make depth pay off."),
             ("The stack computes a linear map, the same as a single {rf}x{rf} conv layer "
              "could; activations such as ReLU are needed between the layers",
              "Each layer is linear, so their composition is linear too.")),
            (("The stack can learn any non-linear function because it is deep",
              "Every layer is linear; a composition of linear maps is linear."),
             ("The stack sees only 3x3 input pixels",
              "Each layer adds 2: receptive field 1 + 2*{depth} = {rf}."),
             ("The stack sees {rf}x{rf} pixels and can compute more than one {rf}x{rf} layer",
              "Without activations it computes nothing that one {rf}x{rf} layer cannot."),
             ("Convolution is non-linear, so no activations are needed",
              "Convolution is a weighted sum: linear.")),
            level=3),
        Variant(
            "Each kernel in a deep CNN is only 3x3. How can units high up in the network "
            "respond to a whole organ in a {side}x{side} slice?",
            (("The receptive field grows with every layer (by (k - 1) times the jump), and "
              "pooling or strides make it grow faster",
              "Depth gives large receptive fields while each layer keeps few weights."),
             ("Stacked layers combine windows of windows: after {depth} 3x3 layers (stride 1) a "
              "unit sees {rf}x{rf} pixels, and strides or pooling enlarge this further",
              "1 + 2*{depth} = {rf}; downsampling multiplies later growth.")),
            (("The kernels grow during training",
              "The kernel size is fixed by the design; only the weights are learned."),
             ("Zero padding enlarges the receptive field",
              "Padding adds zeros at the border; a unit still sees the same number of pixels."),
             ("More kernels per layer enlarge the receptive field",
              "More kernels give more channels; the window stays the same."),
             ("They cannot: a stack of 3x3 layers only ever sees 3x3 pixels",
              "Each stacked layer widens the field; {depth} layers see {rf}x{rf}.")),
            level=3),
    ))


def _parallel_numbers(rng: random.Random) -> dict[str, Any]:
    side, c = rng.choice([32, 64, 128, 256]), rng.choice([16, 32, 64])
    return {"side": side, "c": c, "layers": rng.randint(3, 20), "count": side * side * c}


PARALLEL = Concept(
    draw=_parallel_numbers,
    variants=(
        Variant(
            "Which property of a convolutional layer with {c} kernels on a {side}x{side} image "
            "makes it easy to compute in parallel?",
            (("Its output values do not depend on each other: each is one window times one "
              "kernel",
              "Independent computations can all run at the same time."),
             ("Every position applies the same small multiply-and-add, independently of the "
              "other positions",
              "Identical independent work suits GPUs.")),
            (("Each output needs the output next to it",
              "Outputs of one layer do not depend on each other."),
             ("It needs no multiplications, only comparisons",
              "That is max-pooling; convolution multiplies and adds."),
             ("Weight sharing means only one output value is computed",
              "Every position gets its own output; the weights are shared, the computations "
              "are not."),
             ("It always has fewer outputs than inputs",
              "With padding the output is as large as the input; speed comes from independent "
              "positions.")),
            level=1),
        Variant(
            "A conv layer with {c} kernels computes a {side}x{side}x{c} output. Why can this "
            "be computed efficiently in parallel (e.g. on a GPU)?",
            (("Every output value is computed independently with the same small "
              "multiply-and-add, so all positions and kernels can be done at once",
              "The outputs of one layer do not depend on each other."),
             ("The {count} outputs do not depend on each other; each is one window "
              "times one kernel",
              "Independent, identical small computations parallelise well.")),
            (("Each output depends on the previous output, which the GPU keeps in memory",
              "Outputs of one layer do not depend on each other; that independence is what "
              "makes it parallel."),
             ("Convolution needs no multiplications, only comparisons",
              "That is max-pooling; convolution multiplies and adds."),
             ("The kernel must be flipped, which GPUs do in hardware",
              "CNNs do not flip kernels, and flipping is not what makes them fast."),
             ("Weight sharing means only one output value has to be computed",
              "Every position gets its own output; the weights are shared, the computations "
              "are not."),
             ("A conv layer has fewer outputs than inputs",
              "With padding the output is as large as the input; speed comes from independent "
              "positions.")),
            level=2),
        Variant(
            "A CNN has {layers} conv layers; each computes a {side}x{side}x{c} output. What can "
            "run in parallel?",
            (("Within a layer all {count} outputs at once; the {layers} layers run one after "
              "the other, as each needs the previous layer's output",
              "Independence holds inside a layer, not between layers."),
             ("All positions and kernels of one layer together, but layer by layer",
              "Layer l + 1 reads layer l's feature maps, so it must wait for them.")),
            (("All {layers} layers at the same time, since conv outputs are independent",
              "Outputs within a layer are independent; a layer still needs its input first."),
             ("Only one output at a time, from left to right, because windows overlap",
              "Overlapping windows only read the same inputs; no output depends on another."),
             ("Only the {c} kernels, while the positions are done one by one",
              "Positions are independent too: window times kernel, nothing more."),
             ("Nothing: weight sharing forces all positions to wait for one shared kernel",
              "Reading the same weights is no dependency; all positions can use them at "
              "once.")),
            level=3),
    ))


def _sparse_numbers(rng: random.Random) -> dict[str, Any]:
    n = rng.randint(5, 12)
    k = rng.choice([3, 5])
    n3 = rng.randint(2 * k, 16)  # at least 2k inputs: the counts below are all different
    m3 = int(conv_output_size(n3, k))
    return {"n": n, "m": int(conv_output_size(n, 3)), "dense": int(dense_weights(n, n - 2)),
            "sparse": int(sparse_weights(n, 3)), "k": k, "n3": n3, "m3": m3,
            "sparse3": int(sparse_weights(n3, k)), "dense3": int(dense_weights(n3, m3)),
            "nk3": n3 * k}


SPARSE_SHARED = Concept(
    draw=_sparse_numbers,
    variants=(
        Variant(
            "What does sparse connectivity mean in a convolutional layer with {k}x{k} "
            "kernels?",
            (("Each output is connected only to the inputs in its window, not to all inputs",
              "Connections outside the window do not exist by design."),
             ("A unit sees a small neighbourhood of inputs instead of the whole input",
              "That is the 'local' in local connectivity.")),
            (("Many weights become zero during training",
              "Sparse here means connections that do not exist by design, not learned zeros."),
             ("All outputs use the same weights",
              "That is weight sharing, the other idea."),
             ("A layer has only a few kernels",
              "The number of kernels sets the channels; sparsity is about windows."),
             ("Each output uses a random subset of the inputs",
              "The window is a fixed neighbourhood, not random.")),
            level=1),
        Variant(
            "As in the lecture, {n} inputs are connected to {m} outputs by windows of 3. What "
            "is the difference between sparse connectivity and weight sharing?",
            (("Sparse: each output sees only 3 neighbouring inputs; shared: all outputs use "
              "the same 3 weights",
              "Sparse connectivity cuts {dense} weights to {sparse}; sharing then cuts them to "
              "3."),
             ("Sparse connectivity removes connections ({sparse} weights instead of {dense}); "
              "weight sharing ties them to one kernel of 3 weights",
              "Both reduce weights, in two different ways.")),
            (("There is none: both mean that each output has 3 weights",
              "Sparse: each output has its own 3 weights ({sparse} in all); shared: one set of "
              "3 weights for all outputs."),
             ("Weight sharing connects each output to all inputs with one common weight",
              "Shared kernels are still local; sharing is over positions."),
             ("Sparse connectivity means that many weights become zero during training",
              "Sparse here means connections that do not exist by design, not learned zeros."),
             ("A sparsely connected layer needs more weights than a fully connected one",
              "Fewer: {sparse} instead of {dense}."),
             ("Weight sharing means that consecutive layers use the same kernel",
              "Sharing is over positions within one layer; each layer has its own kernels.")),
            level=2),
        Variant(
            "A layer maps {n3} inputs to {m3} outputs with windows of {k} (stride 1). How many "
            "weights does a sparsely connected layer WITHOUT weight sharing need?",
            (("{sparse3}: {m3} outputs with {k} weights of their own; sharing one kernel would "
              "cut this to {k}",
              "Sparse but not shared: (n - k + 1) * k = {m3} * {k}."),),
            (("{k}, since each output sees only {k} inputs",
              "{k} is the shared kernel; without sharing each output has its own {k} weights."),
             ("{dense3}, since sparse layers keep all connections",
              "{dense3} = {n3} * {m3} is the fully connected layer; sparse keeps only the "
              "windows."),
             ("{nk3}, one window of {k} per input",
              "There is one window per output ({m3}), not per input ({n3})."),
             ("{m3}, one weight per output",
              "Each output has {k} weights, one per input in its window.")),
            level=3),
    ))


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


DEPTH_FACTS = Statements(draw=_depth_fact_numbers, facts=(
    Fact(1, "The number of weights of a conv layer does not depend on the height and width of "
         "its input.", True, "It is k*k*C_in*C_out (+ C_out)."),
    Fact(1, "A network gets deeper when a layer gets more kernels.", False,
         "More kernels give more channels in the same layer; depth counts stacked layers."),
    Fact(1, "Stacking conv layers makes the receptive field of the top units grow.", True,
         "Each k x k layer adds k - 1 (times the jump) input pixels."),
    Fact(1, "All output positions of a conv layer can be computed in parallel.", True,
         "They do not depend on each other."),
    Fact(1, "Weight sharing means that all layers of a CNN use the same kernels.", False,
         "Sharing is over positions within a layer; every layer learns its own kernels."),
    Fact(1, "Sparse connectivity means that most weights of a conv layer are zero.", False,
         "It means each output is connected to a small window only; the kernel's weights are "
         "ordinary learned weights."),
    Fact(1, "Sparse connectivity and weight sharing keep the weights per layer few, so many "
         "layers fit in memory and can be trained.", True,
         "That is why convolutions enable deep networks."),
    Fact(1, "Conv layers have no trainable weights; only the dense layers learn.", False,
         "Each kernel's k*k*C_in weights and bias are learned."),
    Fact(1, "A conv layer with {c_out} kernels of {k}x{k} has the same number of weights on a "
         "{side}x{side} image as on a {side2}x{side2} one.", True,
         "k*k*C_in*C_out does not involve the image size."),
    Fact(1, "A conv layer with {c_out} kernels of {k}x{k} has 4 times the weights on a "
         "{side2}x{side2} image as on a {side}x{side} one.", False,
         "Its weights do not depend on the image size; only the computation grows."),
    Fact(2, "A {k}x{k} conv layer from {c_in} to {c_out} channels has {params} parameters "
         "(weights and biases).", True, "{k}*{k}*{c_in}*{c_out} + {c_out} = {params}."),
    Fact(2, "A {k}x{k} conv layer from {c_in} to {c_out} channels has {no_chan} parameters "
         "(weights and biases).", False, "Each kernel spans all {c_in} input channels: "
         "{k}*{k}*{c_in}*{c_out} + {c_out} = {params}."),
    Fact(2, "{n} inputs and windows of {kk} ({m} outputs) need {dense} weights fully "
         "connected, {sparse} sparsely connected and {kk} shared.", True,
         "{n}*{m} = {dense}; {m}*{kk} = {sparse}; one kernel of {kk}."),
    Fact(2, "{n} inputs and windows of {kk} ({m} outputs): a sparsely connected layer "
         "without weight sharing needs {kk} weights.", False,
         "Each of the {m} outputs has its own {kk} weights: {sparse}; {kk} is the shared "
         "kernel."),
    Fact(2, "With 'same' padding and stride 1, a conv layer on a {side2}x{side2} image needs 4 "
         "times the multiply-adds it needs on a {side}x{side} image, with the same weights.",
         True, "4 times the output positions, each with the same k*k*C_in*C_out work."),
    Fact(2, "With 'same' padding and stride 1, a conv layer on a {side2}x{side2} image has 4 "
         "times the weights it has on a {side}x{side} image.", False,
         "The weights do not depend on the image size; only the computation grows 4 times."),
    Fact(3, "Without activation functions, a stack of conv layers computes nothing a single "
         "conv layer cannot.", True,
         "Convolutions are linear; a stack of them is again one linear convolution."),
    Fact(3, "Without activation functions, a stack of conv layers can compute more than a "
         "single conv layer.", False, "Convolutions are linear; a stack of them is again one "
         "linear convolution."),
    Fact(3, "{Words} stacked 3x3 conv layers (stride 1) see {rf}x{rf} input pixels with "
         "{w3} weights per channel pair, against {big} for one {rf}x{rf} layer.", True,
         "Field 1 + 2*{depth} = {rf}; weights {depth}*9 = {w3} vs {rf}*{rf} = {big}."),
    Fact(3, "All layers of a CNN can be computed at the same time, because conv outputs are "
         "independent.", False,
         "Outputs within a layer are independent; each layer needs the previous one's "
         "output."),
    Fact(3, "A sparsely connected layer without weight sharing still has a number of weights "
         "that grows with the input size.", True,
         "(n - k + 1) * k: one set of k weights per output."),
    Fact(3, "A sparsely connected (local but not shared) layer has as few weights as a "
         "convolution.", False, "Sparse: (n - k + 1) * k; shared: k."),
    Fact(3, "Adding kernels to a layer makes the next layer's kernels larger in the channel "
         "direction.", True, "The next layer's kernels span all channels of its input: "
         "k*k*C_in grows with C_in."),
    Fact(3, "Adding kernels to a layer leaves the number of weights of the next layer "
         "unchanged.", False, "The next layer's kernels have k*k*C_in weights, and C_in just "
         "grew."),
))

# ---- LO4: max-pooling --------------------------------------------------------------------


def _pool_numbers(rng: random.Random) -> dict[str, Any]:
    s = rng.choice([2, 3, 4])
    n, c = s * rng.randint(4, 16), rng.choice([8, 16, 32, 64])
    return {"s": s, "n": n, "c": c, "m": int(pool_output_size(n, s)),
            "m1": int(pool_output_size(n, s, 1)), "w": s * s * c,
            "convw": int(conv_layer_params(s, c, c, bias=False))}


MAXPOOL_DOES = Concept(
    draw=_pool_numbers,
    variants=(
        Variant(
            "Which statement about a {s}x{s} max-pooling layer with stride {s} is right?",
            (("It keeps the largest value of each {s}x{s} window and has no weights",
              "Max-pooling only takes a maximum; there is nothing to learn."),
             ("It has no trainable parameters and makes the output insensitive to small "
              "shifts within a window",
              "The maximum stays the same when it moves inside its window.")),
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
            (("A {m}x{m}x{c} map holding the maximum of each window, computed without weights",
              "floor(({n} - {s}) / {s}) + 1 = {m}; each channel is pooled on its own."),
             ("{c} channels of {m}x{m}, each holding its channel's window maxima",
              "Pooling shrinks width and height, keeps the channels and has no weights.")),
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
            (("Both give {m}x{m}x{c}; the conv layer learns {convw} weights (plus {c} biases) "
              "and mixes the channels, the pooling learns nothing and keeps each channel apart",
              "Same windows, same output size; only the conv layer has weights."),
             ("The pooling keeps each window's maximum per channel without weights; the "
              "strided conv computes a learned weighted sum over the window and all {c} "
              "channels",
              "Both downsample by {s}; they differ in what they compute.")),
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
            (("When the value stays inside the same {s}x{s} window; if it crosses into the "
              "next window the output changes",
              "The window's maximum is the same wherever it sits inside the window."),
             ("Only if the move keeps it within its pooling window",
              "That is the limited shift invariance max-pooling gives.")),
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


AVG_VS_MAX = Concept(
    draw=_avg_numbers,
    variants=(
        Variant(
            "How does {s}x{s} average pooling differ from {s}x{s} max-pooling?",
            (("Average pooling keeps the mean of each window, max-pooling the largest value; "
              "neither has trainable weights",
              "Both are fixed operations."),
             ("Average pooling is a convolution with a fixed kernel of 1/({s}*{s}) (stride "
              "{s}, per channel); max-pooling takes the maximum; neither learns weights",
              "The averaging kernel is fixed, not learned.")),
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
            (("A fixed {s}x{s} kernel with all weights 1/{ss}, stride {s}, applied to each "
              "channel separately",
              "The mean is a weighted sum with equal fixed weights; pooling never mixes "
              "channels."),),
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
            (("When one strong response sits among weak ones: the mean dilutes it by about a "
              "factor {ss}, the maximum keeps it",
              "A small bright structure survives max-pooling but fades in the average."),
             ("A small bright spot (e.g. a micro-calcification) in a dark window: max-pooling "
              "keeps its value, average pooling divides it among {ss} pixels",
              "Max-pooling keeps the strongest detection of a window.")),
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

# ---- LO5: choice of kernel size ----------------------------------------------------------


def _kernel_numbers(rng: random.Random) -> dict[str, Any]:
    k, c = rng.choice([5, 7, 9, 11]), rng.choice([16, 32, 64, 128])
    c_in, c_out = rng.choice([3, 8, 16, 32]), rng.choice([64, 128, 256])
    return {"k": k, "c": c, "big": int(conv_layer_params(k, c, c, bias=False)),
            "small": int(conv_layer_params(3, c, c, bias=False)),
            "two": int(2 * conv_layer_params(3, c, c, bias=False)),
            "one": int(conv_layer_params(5, c, c, bias=False)),
            "c_in": c_in, "c_out": c_out, "w11": int(conv_layer_params(1, c_in, c_out, False))}


KERNEL_TRADEOFF = Concept(
    draw=_kernel_numbers,
    variants=(
        Variant(
            "A designer chooses {k}x{k} kernels for a conv layer with {c} input channels. "
            "Which three things does this kernel size determine?",
            (("The number of weights, the computation (multiply-adds) and the receptive field "
              "of each unit",
              "Weights and work grow with k*k, the receptive field with k."),
             ("How many weights a kernel has (k*k*C_in), how much work each output costs, and "
              "how much of the input each unit sees",
              "Those are the three sides of the trade-off.")),
            (("The number of output channels, the number of layers and the batch size",
              "Channels are set by the number of kernels, depth by the number of layers."),
             ("Only the receptive field; the weights depend on the image size",
              "A conv layer's weights depend on the kernel size and channels, never on the "
              "image size."),
             ("The stride and the padding, which always follow from it",
              "Stride and padding are chosen separately (only 'same' padding follows from k)."),
             ("Which input channels the kernel may read",
              "A kernel always spans all input channels, whatever its size."),
             ("Only the speed of training, not what the layer can see",
              "A larger kernel also sees a larger window.")),
            level=1),
        Variant(
            "What do you trade off when a conv layer with {c} input and {c} output channels "
            "uses {k}x{k} kernels instead of 3x3?",
            (("A larger receptive field per layer against more weights ({big} instead of "
              "{small}) and more multiply-adds",
              "Weights and computation grow with k*k; the field grows with k."),
             ("Each unit sees more context, but the layer needs ({k}*{k})/(3*3) times the "
              "weights and computation of the 3x3 layer",
              "{big} / {small} = ({k}*{k})/(3*3).")),
            (("A larger kernel has fewer weights, because fewer positions fit",
              "Weights grow with k*k and do not depend on the number of positions (shared)."),
             ("A larger kernel makes the output larger",
              "Without padding the output gets smaller: n - k + 1."),
             ("Only the speed changes",
              "Kernel size changes weights, computation and receptive field."),
             ("A larger kernel is always better because it sees more",
              "More weights need more data and computation; a stack of small kernels reaches "
              "the same field with fewer weights."),
             ("A larger kernel needs less computation because it covers the image in fewer "
              "steps",
              "At stride 1 the number of positions barely changes, and each costs k*k*C_in "
              "multiply-adds: more work.")),
            level=2),
        Variant(
            "Two stacked 3x3 conv layers (stride 1) versus one 5x5 layer, all with {c} input "
            "and output channels: which is right?",
            (("Both see 5x5 input pixels, but the stack has {two} weights instead of {one} and "
              "an extra non-linearity",
              "Receptive field 1 + 2 + 2 = 5; weights 2*9*C*C < 25*C*C."),
             ("The stack sees the same 5x5 window with fewer weights (18*C*C vs 25*C*C) and "
              "can learn a more complex function",
              "A ReLU between the two layers adds non-linearity.")),
            (("The 5x5 layer has fewer weights",
              "{one} > {two}: 25 weights per channel pair against 2*9 = 18."),
             ("The stack sees only 3x3 input pixels, as each kernel is 3x3",
              "Each layer adds k - 1 = 2: 1 + 2 + 2 = 5."),
             ("The stack sees 6x6 input pixels (3 + 3)",
              "Receptive fields grow by k - 1 per layer, not by k."),
             ("They compute exactly the same function",
              "With a ReLU between them the stack is non-linear; the 5x5 layer is linear."),
             ("The stack needs twice the weights of the 5x5 layer, because it has two layers",
              "2*9 = 18 < 25 weights per channel pair.")),
            level=3),
        Variant(
            "Why would a network use a 1x1 conv layer with {c_out} kernels on a "
            "{c_in}-channel feature map?",
            (("To change the number of channels from {c_in} to {c_out} with only {w11} "
              "weights, mixing channels at each pixel without spatial context",
              "A 1x1 kernel spans all channels at one position: cheap channel mixing."),
             ("To combine the {c_in} channels per pixel into {c_out} new ones, at the cost of "
              "{c_in}*{c_out} weights and no growth of the receptive field",
              "1 - 1 = 0: the receptive field does not grow.")),
            (("To enlarge the receptive field cheaply",
              "A 1x1 kernel adds 1 - 1 = 0 pixels to the receptive field."),
             ("Because a 1x1 conv has no weights",
              "It has {c_in}*{c_out} = {w11} weights (plus biases)."),
             ("To halve the width and height",
              "At stride 1 width and height stay; only a stride would shrink them."),
             ("Because it is the same as max-pooling over the channels",
              "It computes learned weighted sums, not maxima.")),
            level=3),
    ))


def _kernel_fact_numbers(rng: random.Random) -> dict[str, Any]:
    k, c = rng.choice([5, 7, 9]), rng.choice([3, 16, 32, 64])
    depth, side, f = rng.choice([2, 3, 4]), rng.choice([16, 32, 64, 128]), rng.choice([8, 16, 32])
    s, kk = rng.choice([2, 3, 4]), rng.choice([3, 5])
    rf = 2 * depth + 1
    return {"k": k, "c": c, "kkcc": int(conv_layer_params(k, c, c, bias=False)),
            "kk2": k * k, "depth": depth, "words": WORDS[depth],
            "Words": WORDS[depth].capitalize(), "rf": rf, "kk2_rf": rf * rf, "three_d": 3 * depth,
            "relus": depth - 1, "side": side, "f": f,
            "madds": side * side * k * k * c * f, "madds_no_c": side * side * k * k * f,
            "s": s, "kk": kk, "add": (kk - 1) * s, "kk1": kk - 1}


KERNEL_FACTS = Statements(draw=_kernel_fact_numbers, facts=(
    Fact(1, "The weights of a conv layer grow with the square of the kernel size.", True,
         "k*k*C_in*C_out."),
    Fact(1, "A {k}x{k} kernel on a {c}-channel input has {k}*{k}*{c} weights.", True,
         "A kernel spans all input channels."),
    Fact(1, "A {k}x{k} kernel on a {c}-channel input has {k}*{k} weights, whatever the number "
         "of channels.", False, "A kernel spans all {c} input channels: {k}*{k}*{c}."),
    Fact(1, "Doubling the kernel size doubles the weights of a conv layer.", False,
         "It quadruples them: (2k)^2 = 4 k^2."),
    Fact(1, "A larger kernel gives a smaller receptive field.", False,
         "The receptive field grows by k - 1 per layer."),
    Fact(1, "A 1x1 convolution has no weights.", False,
         "It has C_in*C_out weights (+ C_out biases)."),
    Fact(1, "A larger kernel lets each unit see more of the input, at the cost of more "
         "weights and computation.", True, "The trade-off of the kernel size."),
    Fact(1, "Zero padding enlarges the receptive field of a unit.", False,
         "Padding adds zeros at the border; the number of input pixels a unit sees stays."),
    Fact(1, "A unit of a single {k}x{k} conv layer sees {k}x{k} input pixels.", True,
         "Its receptive field is its window."),
    Fact(1, "A larger kernel is always better, because each unit sees more.", False,
         "It costs k*k weights and work per channel pair; stacks of small kernels see as "
         "much for less."),
    Fact(2, "{Words} stacked 3x3 conv layers (stride 1) have the same receptive field as one "
         "{rf}x{rf} layer.", True, "1 + 2*{depth} = {rf}."),
    Fact(2, "{Words} stacked 3x3 conv layers (stride 1) have a receptive field of "
         "{three_d}x{three_d}.", False,
         "Each layer adds k - 1 = 2, not 3: 1 + 2*{depth} = {rf}."),
    Fact(2, "A {k}x{k} conv layer from {c} to {c} channels has {kkcc} weights (no biases).",
         True, "{k}*{k}*{c}*{c} = {kkcc}."),
    Fact(2, "One {rf}x{rf} conv layer has fewer weights than {words} stacked 3x3 layers with "
         "the same {c} channels.", False,
         "{rf}*{rf} = {kk2_rf} against {depth}*9 weights per channel pair."),
    Fact(2, "Going from 3x3 to {k}x{k} kernels (same channels and output size) multiplies "
         "both the weights and the multiply-adds by {kk2}/9.", True,
         "Both grow with k*k: {k}*{k} / (3*3)."),
    Fact(2, "Going from 3x3 to {k}x{k} kernels (same channels) multiplies the weights by "
         "{k}/3.", False, "Weights grow with k*k: by {kk2}/9."),
    Fact(2, "{f} kernels of {k}x{k} with 'same' padding and stride 1 on a {side}x{side}x{c} "
         "input need {madds} multiply-adds.", True,
         "{side}*{side} positions * {k}*{k}*{c} per kernel * {f} kernels = {madds}."),
    Fact(2, "{f} kernels of {k}x{k} with 'same' padding and stride 1 on a {side}x{side}x{c} "
         "input need {madds_no_c} multiply-adds.", False,
         "Each kernel spans all {c} channels: {side}*{side}*{k}*{k}*{c}*{f} = {madds}."),
    Fact(3, "A 1x1 convolution can change the number of channels but sees one pixel "
         "position.", True, "It mixes channels at each position; its receptive field adds "
         "nothing."),
    Fact(3, "A 1x1 conv layer adds one pixel to the receptive field of the units above it.",
         False, "A kernel of k adds (k - 1) * jump = 0 for k = 1."),
    Fact(3, "A stride of 2 in an early layer makes the receptive field of later layers grow "
         "faster.", True, "It doubles the jump, so every later (k - 1) counts twice."),
    Fact(3, "The receptive field of a unit depends on the number of kernels per layer.", False,
         "Only kernel sizes and strides (pooling included) set it; kernels add channels."),
    Fact(3, "With ReLUs in between, {words} stacked 3x3 layers see as much as one {rf}x{rf} "
         "layer, with fewer weights and {relus} more non-linearities.", True,
         "Field 1 + 2*{depth} = {rf}; {depth}*9 < {rf}*{rf} weights per channel pair."),
    Fact(3, "Without activations, {words} stacked 3x3 layers can compute functions that one "
         "{rf}x{rf} layer cannot.", False,
         "Linear layers compose into one linear convolution of {rf}x{rf}."),
    Fact(3, "After a layer with stride {s}, a {kk}x{kk} conv layer adds ({kk} - 1) * {s} = "
         "{add} input pixels to the receptive field.", True,
         "Neighbouring units are now {s} input pixels apart."),
    Fact(3, "After a layer with stride {s}, a {kk}x{kk} conv layer adds {kk1} input pixels to "
         "the receptive field, as it would at stride 1.", False,
         "Neighbouring units are {s} input pixels apart: ({kk} - 1) * {s} = {add}."),
))
