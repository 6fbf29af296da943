"""LO5, computing: receptive field, stacks of small kernels vs one large, multiply-adds."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import WORDS, Draft, count, integer
from question_bank.templates.concepts import Concept, Fact, Statements, Variant, merged
from question_bank.templates.networks import Layers, conv, describe_network
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


def receptive_field_stack(rng: random.Random, difficulty: int) -> Draft:
    """The receptive field of one top unit of a stack of conv and pooling layers."""
    layers = _draw_stack(rng, difficulty)
    answer = integer(receptive_field(layers))
    stem = ("How many input pixels (along one axis: width or height) does one unit of the "
            "last layer of this stack see, i.e. what is its receptive field?\n\n"
            + describe_network(layers))
    steps, field, jump = [], 1, 1
    for index, layer in enumerate(layers):
        if layer["type"] == "relu":
            steps.append(f"layer {index + 1} (ReLU): no change, r = {field}")
            continue
        k = layer.get("kernel_size", layer.get("size", 2))
        stride = layer.get("stride", 1 if layer["type"] == "conv" else k)
        field = integer(receptive_field(layers[:index + 1]))
        steps.append(f"layer {index + 1}: r = r + ({k} - 1) * {jump} = {field}")
        jump = integer(effective_stride(layers[:index + 1]))
        if stride != 1:
            steps.append(f"  stride {stride}: neighbouring units are now {jump} input "
                         f"pixels apart")
    solution = ("Start with r = 1 and jump = 1 (distance in input pixels between neighbouring "
                "units). Each conv or pooling layer adds (k - 1) * jump to r and multiplies "
                "jump by its stride; padding, the number of kernels and activations change "
                "nothing.\n" + "\n".join(steps) + f"\nReceptive field: {answer}.")
    params = {"layers": layers}
    return Draft(stem, answer, solution, params, tolerance=0.0)


# (single kernel size, number of stacked 3x3 layers with the same receptive field)
STACKS = {1: ((5, 2), (7, 3)), 2: ((5, 2), (7, 3)), 3: ((5, 2), (7, 3), (9, 4))}


def small_vs_large_kernels(rng: random.Random, difficulty: int) -> Draft:
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
    counted = "weights and biases" if bias else "weights only, no biases"
    question = {"single": f"does the single {big}x{big} layer have",
                "stack": f"does the stack of {WORDS[depth]} 3x3 layers have in all",
                "saved": f"does the stack need fewer than the single {big}x{big} layer"}
    stem = (f"One {big}x{big} conv layer and a stack of {WORDS[depth]} 3x3 conv layers "
            f"(stride 1) have the same receptive field ({big}). The input has "
            f"{count(c_in, 'channel')} and every layer has {channels} kernels. How many parameters "
            f"({counted}) {question[asked]}?")
    plus = f" + {channels}" if bias else ""
    solution = (f"Single: {big}*{big}*{c_in}*{channels}{plus} = {single}. Stack: first layer "
                f"3*3*{c_in}*{channels}{plus} = {first}, then {count(depth - 1, 'layer')} of "
                f"3*3*{channels}*{channels}{plus} = {rest} each: {stack}. "
                f"Saved: {single} - {stack} = {single - stack}. The answer: {answer}.")
    params = {"big": big, "depth": depth, "c_in": c_in, "channels": channels, "bias": bias,
              "asked": asked}
    return Draft(stem, answer, solution, params, tolerance=0.0)


def conv_multiply_adds(rng: random.Random, difficulty: int) -> Draft:
    """Multiply-adds of a conv layer: Ho * Wo * k * k * C_in * C_out."""
    side = rng.randint(8, 64 if difficulty == 1 else 256)
    k = rng.choice([1, 3, 5, 7])
    padding = 0 if difficulty == 1 else integer(same_padding(k))
    stride = 2 if difficulty == 3 else 1
    c_in = rng.choice([1, 3]) if difficulty == 1 else rng.choice([3, 8, 16, 32, 64, 128])
    c_out = rng.choice([4, 8, 16, 32, 64, 128])
    out = integer(conv_output_size(side, k, padding, stride))
    answer = out * out * integer(conv_layer_params(k, c_in, c_out, bias=False))
    stem = (f"A conv layer with {c_out} kernels of {k}x{k}, padding {padding} and stride "
            f"{stride} is applied to a {side}x{side}x{c_in} input. How many multiply-adds "
            f"does it need (one per kernel weight per output value; ignore biases)?")
    solution = (f"Output size: floor(({side} + 2*{padding} - {k}) / {stride}) + 1 = {out}, so "
                f"{out}x{out}x{c_out} outputs. Each needs {k}*{k}*{c_in} multiply-adds: "
                f"{out}*{out}*{k}*{k}*{c_in}*{c_out} = {answer}.")
    params = {"side": side, "k": k, "padding": padding, "stride": stride, "c_in": c_in,
              "c_out": c_out}
    return Draft(stem, answer, solution, params, tolerance=0.0)


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
            "sum_c": c_in * c_r + c_r * c_out}


KERNEL_TRADEOFF = Concept(
    draw=merged(_kernel_numbers, _growth_numbers, _bottleneck_numbers),
    variants=(
        Variant(
            "A 3x3 conv layer maps {cb_in} channels to {cb_out}. A 1x1 layer that first reduces "
            "the {cb_in} channels to {cb_r} is put before it (a bottleneck). How many weights "
            "(no biases) do the two versions have?",
            (("{direct} direct, {reduced} with the bottleneck",
              "Direct: 3*3*{cb_in}*{cb_out} = {direct}. Bottleneck: 1*1*{cb_in}*{cb_r} + "
              "3*3*{cb_r}*{cb_out} = {reduced}: a 1x1 kernel mixes channels cheaply."),),
            (("{direct} direct, {no_1x1} with it",
              "The 1x1 layer has weights too: {cb_in}*{cb_r} of them, {reduced} in all."),
             ("{direct} either way",
              "The 3x3 layer now reads {cb_r} channels, not {cb_in}: far fewer weights."),
             ("{direct} direct, {two_3x3} with the bottleneck",
              "The reducing layer is 1x1: {cb_in}*{cb_r} weights, not 3*3*{cb_in}*{cb_r}."),
             ("{direct} direct, {sum_c} with the bottleneck, both 1x1",
              "The second layer is still 3x3: 3*3*{cb_r}*{cb_out} weights."),
             ("{reduced} direct, {direct} with the 1x1 bottleneck layer added",
              "The other way round: the bottleneck is the cheaper one.")),
            level=3),
        Variant(
            "A layer's {k1}x{k1} kernels (on {cg_text}) are replaced by "
            "{k2}x{k2} kernels. What happens to each kernel's weights and to the receptive "
            "field of the layer?",
            (("{w1g} to {w2g} weights; the field grows by {grow}",
              "Weights per kernel: k*k*C_in, from {k1}*{k1}*{cg} to {k2}*{k2}*{cg}; the "
              "receptive field grows by k2 - k1 = {grow}: the kernel size trade-off."),),
            (("{w1g_k} to {w2g_k} weights; the field grows by {grow}",
              "A kernel has k*k weights per channel, not k."),
             ("{w1g} to {w2g} weights; the field stays the same",
              "A wider kernel sees {grow} more input pixels per side."),
             ("{w1g} weights, as before; the field grows by {grow}",
              "A larger kernel has more weights: {w2g}."),
             ("{w2g} to {w1g} weights; the field shrinks by {grow}",
              "The other way round: larger kernels, more weights and a wider view.")),
            level=1),
        Variant(
            "A designer chooses {k}x{k} kernels for a conv layer with {c} input channels. "
            "Which three things does this kernel size determine?",
            (("Weights, computation and receptive field",
              "The number of weights, the computation (multiply-adds) and the receptive field of "
              "each unit. Weights and work grow with k*k, the receptive field with k."),
             ("Weights, work per output and what a unit sees",
              "How many weights a kernel has (k*k*C_in), how much work each output costs, and "
              "how much of the input each unit sees. Those are the three sides of the trade-off.")),
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
            (("More context, but {big} weights instead of {small}",
              "A larger receptive field per layer against more weights ({big} instead of "
              "{small}) and more multiply-adds. Weights and computation grow with k*k; the field "
              "grows with k."),
             ("More context at ({k}*{k})/(3*3) times the weights and work",
              "Each unit sees more context, but the layer needs ({k}*{k})/(3*3) times the "
              "weights and computation of the 3x3 layer. {big} / {small} = ({k}*{k})/(3*3).")),
            (("{small} weights instead of {big}: fewer positions fit",
              "Weights grow with k*k and do not depend on the number of positions (shared)."),
             ("The output grows by {k} - 3 pixels, at equal cost",
              "Without padding the output gets smaller: n - k + 1."),
             ("Only the speed changes",
              "Kernel size changes weights, computation and receptive field."),
             ("A larger kernel is always better because it sees more",
              "More weights need more data and computation; a stack of small kernels reaches "
              "the same field with fewer weights."),
             ("({k}*{k})/(3*3) times less work: fewer steps",
              "At stride 1 the number of positions barely changes, and each costs k*k*C_in "
              "multiply-adds: more work.")),
            level=2),
        Variant(
            "Two stacked 3x3 conv layers (stride 1) versus one 5x5 layer, all with {c} input "
            "and output channels: which is right?",
            (("Both see 5x5; the stack: {two} weights, not {one}",
              "Both see 5x5 input pixels, but the stack has {two} weights instead of {one} and "
              "an extra non-linearity. Receptive field 1 + 2 + 2 = 5; weights 2*9*C*C < 25*C*C."),
             ("Same 5x5 view, fewer weights (18*C*C vs 25*C*C)",
              "The stack sees the same 5x5 window with fewer weights (18*C*C vs 25*C*C) and can "
              "learn a more complex function. A ReLU between the two layers adds non-linearity.")),
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
            (("To go from {c_in} to {c_out} channels with {w11} weights",
              "To change the number of channels from {c_in} to {c_out} with only {w11} weights, "
              "mixing channels at each pixel without spatial context. A 1x1 kernel spans all "
              "channels at one position: cheap channel mixing."),
             ("To mix {c_in} channels per pixel into {c_out}",
              "To combine the {c_in} channels per pixel into {c_out} new ones, at the cost of "
              "{c_in}*{c_out} weights and no growth of the receptive field. 1 - 1 = 0: the "
              "receptive field does not grow.")),
            (("To enlarge the receptive field of the {c_out} units cheaply",
              "A 1x1 kernel adds 1 - 1 = 0 pixels to the receptive field."),
             ("Because a 1x1 conv has no weights",
              "It has {c_in}*{c_out} = {w11} weights (plus biases)."),
             ("To halve the width and height of the {c_in} maps",
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
            "relus": count(depth - 1, "more non-linearity", "more non-linearities"),
            "side": side, "f": f,
            "madds": side * side * k * k * c * f, "madds_no_c": side * side * k * k * f,
            "s": s, "kk": kk, "add": (kk - 1) * s, "kk1": kk - 1}


KERNEL_FACTS = Statements(draw=_kernel_fact_numbers, facts=(
    Fact(3, "A {k}x{k} conv layer from {c} to {f} channels, with a {side}x{side} output, "
         "needs {madds} multiply-adds.", True,
         "Ho*Wo*k*k*C_in*C_out = {side}*{side}*{k}*{k}*{c}*{f} = {madds}."),
    Fact(3, "A {k}x{k} conv layer from {c} to {f} channels, with a {side}x{side} output, "
         "needs {madds_no_c} multiply-adds.", False,
         "Each output value sums over all {c} input channels too: {side}*{side}*{k}*{k}*{c}*{f}"
         " = {madds}."),
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
         "layer, with fewer weights and {relus}.", True,
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
