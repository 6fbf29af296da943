"""LO3, computing: why convolution keeps deep networks small, in weights and parameters."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import WORDS, Draft, count, integer
from question_bank.templates.concepts import Concept, Fact, Statements, Variant, merged
from question_bank.templates.networks import (
    Layers,
    conv,
    describe_network,
    shape_text,
    valid_network,
)
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

CONNECTIONS = {
    "dense": "fully connected (every input to every output, each connection its own weight)",
    "sparse": "sparsely connected (each output sees only its {k} neighbouring inputs, with its "
              "own {k} weights; nothing shared)",
    "shared": "shared-weight, a convolution (one kernel of {k} weights used at every position)",
}


def connection(kind: str, k: int, kernels: int) -> str:
    """How a layer is connected; with several feature maps, the shared kernel is per map (so
    the stem never reads as {k} weights in all)."""
    if kind == "shared" and kernels > 1:
        return (f"shared-weight, a convolution (one kernel of {k} weights per feature map, "
                f"used at every position of that map)")
    return CONNECTIONS[kind].format(k=k)


def layer_weights(rng: random.Random, difficulty: int) -> Draft:
    """The lecture's dense vs sparse vs shared 1-D layer (5 inputs, kernel 3: 15, 9, 3)."""
    n, k, kernels = {1: (rng.randint(5, 40), rng.choice([2, 3, 4, 5]), 1),
                     2: (rng.randint(16, 256), rng.choice([3, 5, 7]), 1),
                     3: (rng.randint(64, 2048), rng.choice([3, 5, 7, 9]), rng.randint(2, 16)),
                     }[difficulty]
    kind = rng.choice(list(CONNECTIONS))
    positions = n - k + 1
    outputs = positions * kernels
    if kind == "dense":
        answer = integer(dense_weights(n, outputs))
        steps = f"every input to every output: {n} * {outputs} = {answer}"
    elif kind == "sparse":
        answer = integer(sparse_weights(n, k)) * kernels
        steps = (f"{positions} positions * {k} weights each"
                 + (f" * {kernels} kernels" if kernels > 1 else "") + f" = {answer}")
    else:
        answer = integer(shared_weights(k, kernels))
        steps = (f"one kernel of {k} weights" + (f" per feature map, {kernels} feature maps: "
                 f"{k} * {kernels}" if kernels > 1 else ", whatever n") + f" = {answer}")
    maps = f" for each of {kernels} feature maps ({outputs} in all)" if kernels > 1 else ""
    stem = (f"A 1-D layer has {n} inputs and, as a convolution with a kernel of {k} without "
            f"padding would, {count(positions, 'output')}{maps}. How many "
            f"weights (no biases) does it have if it is "
            f"{connection(kind, k, kernels)}?")
    solution = (f"{kind.capitalize()}: {steps}. For comparison the three kinds need "
                f"{n * outputs} (dense), {positions * k * kernels} (sparse) and {k * kernels} "
                f"(shared) weights.")
    params = {"n": n, "k": k, "kernels": kernels, "kind": kind}
    return Draft(stem, answer, solution, params, tolerance=0.0)


def conv_params(rng: random.Random, difficulty: int) -> Draft:
    """Trainable parameters of one conv layer: k*k*C_in*C_out (+ C_out biases)."""
    k = 3 if difficulty == 1 else rng.choice([1, 3, 5, 7])
    c_in = rng.choice([1, 3]) if difficulty == 1 else rng.randint(1, 256)
    c_out = rng.randint(1, 64 if difficulty == 1 else 512)
    bias = True if difficulty < 3 else rng.random() < 0.5
    answer = integer(conv_layer_params(k, c_in, c_out, bias))
    source = (f"an image with {count(c_in, 'channel')}" if difficulty < 3 else
              f"the output of a conv layer with {count(c_in, 'kernel')}")
    counted = "weights and biases" if bias else "the layer has no biases"
    stem = (f"A convolutional layer has {count(c_out, 'kernel')} of {k}x{k} and takes "
            f"{source}. How many trainable parameters does it have ({counted})?")
    solution = (f"Each kernel spans all {c_in} input channels: {k}*{k}*{c_in} = {k * k * c_in} "
                f"weights; {count(c_out, 'kernel')} give {k * k * c_in * c_out}"
                + (f", plus {c_out} biases (one per kernel)" if bias else ", no biases")
                + f": {answer}.")
    params = {"k": k, "c_in": c_in, "c_out": c_out, "bias": bias}
    return Draft(stem, answer, solution, params, tolerance=0.0)


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
    shape_out = check_input_shape(input_shape)  # what the first layer gets
    for index, layer in enumerate(layers):
        settings = layer_settings(layer, index)
        shape_in, shape_out = shape_out, output_shape(layers[:index + 1], input_shape)
        if settings["type"] == "conv":
            k, filters = settings["kernel_size"], settings["filters"]
            n = integer(conv_layer_params(k, shape_in[2], filters, settings["bias"]))
            note = f"{k}*{k}*{shape_in[2]}*{filters} + {filters} = {n} parameters"
        elif settings["type"] == "dense":
            n = integer(dense_layer_params(shape_in[0], settings["units"], settings["bias"]))
            note = f"{shape_in[0]}*{settings['units']} + {settings['units']} = {n} parameters"
        else:
            note = "0 parameters"
        steps.append(f"layer {index + 1} -> {shape_text(shape_out)}, {note}")
    return steps


def architecture_params(rng: random.Random, difficulty: int) -> Draft:
    """All trainable parameters of a small CNN, via solutions.weights.count_parameters."""
    layers, input_shape = draw_network(rng, difficulty)
    answer = integer(count_parameters(layers, input_shape))
    stem = (f"How many trainable parameters (weights and biases) does this network have?\n\n"
            f"{describe_network(layers, input_shape)}")
    solution = ("Walk through the layers, keeping track of the shape (conv: k*k*C_in*filters "
                "+ filters; dense: n_in*units + units; the rest: 0):\n"
                + "\n".join(network_steps(layers, input_shape)) + f"\nTotal: {answer}.")
    params = {"layers": layers, "input_shape": list(input_shape)}
    return Draft(stem, answer, solution, params, tolerance=0.0)


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
            "rf_d": 1 + d * (kd - 1), "dk_d": d * kd, "rf_1": kd + d - 1}


WHY_DEEP = Concept(
    draw=merged(_dense_numbers, _stack_numbers),
    variants=(
        Variant(
            "A layer maps a {hd}x{hd} grey image to a {hd}x{hd} map. How many weights does "
            "it have fully connected, and as a convolution with one {kd0}x{kd0} kernel?",
            (("{dense_d} fully connected, {kk_d} as a convolution",
              "Dense: every one of the {hh_d} inputs to every one of the {hh_d} outputs. "
              "Convolution: one shared {kd0}x{kd0} kernel. This is what makes depth "
              "affordable."),),
            (("{dense_d} fully connected, {hhkk_d} as a convolution",
              "{hhkk_d} is a locally connected layer without sharing; a convolution reuses "
              "one kernel of {kk_d} weights."),
             ("{hh_d} fully connected, {kk_d} as a convolution",
              "Fully connected links every input to every output: {hh_d}*{hh_d}."),
             ("{kk_d} fully connected, {dense_d} as a convolution",
              "The other way round: the convolution is the small one."),
             ("{dense_d} fully connected, {hh_d} as a convolution",
              "A convolution's weights do not depend on the image size: {kk_d}.")),
            level=1),
        Variant(
            "A network stacks {ld} layers on {hd}x{hd}x{cd} maps, each keeping that shape. "
            "How many weights (no biases) do the layers have in all as {kd0}x{kd0} "
            "convolutions, and fully connected?",
            (("{conv_l} as convolutions, {dense_l} fully connected",
              "Per conv layer {kd0}*{kd0}*{cd}*{cd} = {one_l}, independent of the image size; "
              "per dense layer ({hd}*{hd}*{cd})^2 = {dense_1}. Times {ld} layers."),),
            (("{one_l} and {dense_1}: one layer of each",
              "That is one layer of each; the network has {ld}."),
             ("{one_l}: the layers share one kernel",
              "Weights are shared within a layer, not across layers: {ld} * {one_l} = {conv_l}."),
             ("{dense_l} as convolutions, {conv_l} fully connected",
              "The other way round: convolutions are the small ones."),
             ("{conv_l} as convolutions, only {one_l} for the fully connected layers",
              "A dense layer on {hd}x{hd}x{cd} maps has ({hd}*{hd}*{cd})^2 weights."),
             ("The same number, {conv_l}, for convolutional and fully connected layers",
              "A dense layer connects every value to every value: far more weights.")),
            level=2),
        Variant(
            "{dd} convolutional layers with {kdd}x{kdd} kernels (stride 1, no pooling) are "
            "stacked. How many input pixels wide is the receptive field of one unit of the "
            "last layer?",
            (("{rf_d} pixels: 1 + {dd}*({kdd} - 1)",
              "Each layer widens the field by k - 1 = {kdd} - 1: 1 + {dd}*({kdd} - 1) = "
              "{rf_d}. Depth lets small kernels see a large part of the image."),),
            (("{kdd} pixels: each layer sees only {kdd}",
              "The last layer sees {kdd} values of the layer before, which each see more."),
             ("{dk_d} pixels: {dd} layers times {kdd} pixels",
              "Neighbouring windows overlap: each layer adds {kdd} - 1, not {kdd}."),
             ("{rf_1} pixels: {kdd} + {dd} - 1",
              "Each layer adds k - 1 = {kdd} - 1 pixels, not one."),
             ("The whole image, from the second layer on",
              "The field grows by {kdd} - 1 per layer; it is not the whole image.")),
            level=3),
        Variant(
            "Which two ideas give a conv layer far fewer weights than a fully connected layer "
            "on the same {side}x{side}x{c} image?",
            (("Sparse connectivity and weight sharing",
              "Sparse connectivity (each output sees a small window) and weight sharing (the "
              "same kernel at every position). Local windows cut the connections; sharing reuses "
              "one kernel everywhere."),
             ("Local windows and one kernel reused everywhere",
              "Local windows instead of all inputs, and one kernel reused over all positions. "
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
            (("Its k*k*C_in*C_out weights do not grow with the image",
              "Sparse connectivity and weight sharing: a conv layer has k*k*C_in*C_out weights, "
              "independent of the image size. Few weights per layer make many layers affordable "
              "in memory, data and computation."),
             ("Weights independent of image size, so deep stacks fit",
              "A conv layer's weights do not grow with the image size, so many layers fit and "
              "can be trained with the data available. That is the effect of local, shared "
              "kernels.")),
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
            (("They equal one linear {rf}x{rf} convolution",
              "Together they are one linear convolution with a {rf}x{rf} kernel: without "
              "non-linearities depth adds nothing. A convolution of convolutions is a "
              "convolution; ReLUs between the layers are what make depth pay off."),
             ("A linear map, as one {rf}x{rf} layer; ReLUs are needed",
              "The stack computes a linear map, the same as a single {rf}x{rf} conv layer could; "
              "activations such as ReLU are needed between the layers. Each layer is linear, so "
              "their composition is linear too.")),
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
            (("The receptive field grows with every layer",
              "The receptive field grows with every layer (by (k - 1) times the jump), and "
              "pooling or strides make it grow faster. Depth gives large receptive fields while "
              "each layer keeps few weights."),
             ("Windows of windows: {depth} 3x3 layers see {rf}x{rf} pixels",
              "Stacked layers combine windows of windows: after {depth} 3x3 layers (stride 1) a "
              "unit sees {rf}x{rf} pixels, and strides or pooling enlarge this further. 1 + "
              "2*{depth} = {rf}; downsampling multiplies later growth.")),
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


def _step_numbers(rng: random.Random) -> dict[str, Any]:
    h, c, layers = rng.randint(8, 64), rng.choice([4, 8, 16, 32, 64]), rng.randint(2, 12)
    return {"hp": h, "cp": c, "hhc": h * h * c, "hhp": h * h, "lp": layers,
            "lhhc": layers * h * h * c, "hcp": h * c}


PARALLEL = Concept(
    draw=merged(_parallel_numbers, _step_numbers),
    variants=(
        Variant(
            "A conv layer with {cp} kernels gives a {hp}x{hp}x{cp} output. On hardware with "
            "enough cores, how many of its output values can be computed at the same time?",
            (("All {hhc}: no value needs another's result",
              "Each value is one window times one kernel, independent of the others: all "
              "{hp}*{hp}*{cp} at once."),),
            (("{cp}: one per kernel",
              "The positions are independent too: all {hhp} of each kernel run together."),
             ("{hcp}: one row at a time",
              "The rows are independent too: nothing waits."),
             ("{hhp}: one kernel at a time, all of its positions together",
              "The kernels are independent too: all {cp} run together."),
             ("1: each value waits for the one computed before it",
              "No output of a layer depends on another output of the same layer."),
             ("{hp}: one column of one feature map at a time",
              "Columns, rows and kernels are all independent: all {hhc} at once.")),
            level=1),
        Variant(
            "A CNN has {lp} conv layers, each giving a {hp}x{hp}x{cp} output. With enough "
            "cores, how many steps must run one after the other, at least?",
            (("{lp} steps: the {hhc} values of a layer at once",
              "Within a layer all values are independent; a layer needs the previous layer's "
              "output, so the {lp} layers run in turn."),),
            (("{lhhc} steps: one per value",
              "The values of one layer do not depend on each other: they run at once."),
             ("1 step: all layers at once",
              "A layer needs the output of the one before it."),
             ("{hhc} steps: one per output value of a single layer",
              "Those values are independent; only the layers run in turn."),
             ("{cp} steps: one for each kernel of a layer, all layers together",
              "The kernels are independent, and the layers are not: the {lp} layers are the "
              "steps."),
             ("{lhhc} steps: every value of every layer waits for the one before",
              "Within a layer nothing waits; only the {lp} layers run in turn.")),
            level=2),
        Variant(
            "Which property of a convolutional layer with {c} kernels on a {side}x{side} image "
            "makes it easy to compute in parallel?",
            (("Its outputs do not depend on each other",
              "Its output values do not depend on each other: each is one window times one "
              "kernel. Independent computations can all run at the same time."),
             ("Each position is an independent multiply-add",
              "Every position applies the same small multiply-and-add, independently of the "
              "other positions. Identical independent work suits GPUs.")),
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
            (("Every output is an independent window times kernel",
              "Every output value is computed independently with the same small "
              "multiply-and-add, so all positions and kernels can be done at once. The outputs "
              "of one layer do not depend on each other."),
             ("The outputs do not depend on each other",
              "The {count} outputs do not depend on each other; each is one window times one "
              "kernel. Independent, identical small computations parallelise well.")),
            (("Each output depends on the previous output, which the GPU keeps in memory",
              "Outputs of one layer do not depend on each other; that independence is what makes "
              "it parallel."),
             ("Convolution needs no multiplications, only comparisons",
              "That is max-pooling; convolution multiplies and adds."),
             ("The kernel must be flipped, which GPUs do in hardware",
              "CNNs do not flip kernels, and flipping is not what makes them fast."),
             ("Weight sharing means only one output value has to be computed",
              "Every position gets its own output; the weights are shared, the computations are "
              "not."),
             ("A conv layer has fewer outputs than inputs",
              "With padding the output is as large as the input; speed comes from independent "
              "positions."),
             ("GPUs skip the zeros",
              "Speed comes from independence: every output is its own window times kernel."),
             ("Strides make it parallel",
              "Any stride works in parallel: no output of a layer needs another one.")),
            level=2),
        Variant(
            "A CNN has {layers} conv layers; each computes a {side}x{side}x{c} output. What can "
            "run in parallel?",
            (("All {count} outputs of a layer at once; the {layers} layers in turn",
              "Within a layer all {count} outputs at once; the {layers} layers run one after the "
              "other, as each needs the previous layer's output. Independence holds inside a "
              "layer, not between layers."),
             ("A whole layer at once, but the layers in turn",
              "All positions and kernels of one layer together, but layer by layer. Layer l + 1 "
              "reads layer l's feature maps, so it must wait for them.")),
            (("All {layers} layers at the same time, since conv outputs are independent",
              "Outputs within a layer are independent; a layer still needs its input first."),
             ("Only one output at a time, from left to right, because windows overlap",
              "Overlapping windows only read the same inputs; no output depends on another."),
             ("Only the {c} kernels, while the positions are done one by one",
              "Positions are independent too: window times kernel, nothing more."),
             ("Nothing: weight sharing forces all positions to wait for one shared kernel",
              "Reading the same weights is no dependency; all positions can use them at once."),
             ("Nothing: every output waits",
              "No output of a layer depends on another; only the layers wait for each other."),
             ("Only one kernel at a time",
              "The kernels of a layer are independent: they run together.")),
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


def _link_numbers(rng: random.Random) -> dict[str, Any]:
    k = rng.choice([3, 5, 7])
    n = rng.choice([v for v in range(k + 4, 41) if v not in (2 * k - 1, 2 * k)])  # m: not k, k + 1
    m = n - k + 1
    return {"ks": k, "ns": n, "ms": m, "mk": m * k, "nm": n * m, "nk": n * k,
            "mk_k": m * k - k, "nm_mk": n * m - m * k, "ks1": k + 1}


SPARSE_SHARED = Concept(
    draw=merged(_sparse_numbers, _link_numbers),
    variants=(
        Variant(
            "A 1-D layer has {ns} inputs and {ms} outputs; each output is connected only to "
            "{ks} neighbouring inputs, with weights of its own. How many weights has it?",
            (("{mk}: {ks} for each of the {ms} outputs",
              "Sparse connectivity: {ms} outputs * {ks} weights = {mk}; nothing is shared."),),
            (("{ns}: one per input",
              "Each output has {ks} weights of its own: {ms}*{ks} = {mk}."),
             ("{nm}: every input to every output",
              "That is the fully connected layer; each output sees only {ks} inputs."),
             ("{nk}: {ks} weights for every one of the {ns} inputs",
              "Count per output: {ms} outputs, {ks} weights each."),
             ("{ms}: a single weight for every one of the outputs",
              "Each output has {ks} weights, one per input it sees."),
             ("{ks}: one kernel of {ks} weights, shared by all {ms} outputs",
              "That is a shared (convolutional) layer; here each output has its own weights.")),
            level=1),
        Variant(
            "A 1-D layer has {ns} inputs and {ms} outputs, each output seeing {ks} "
            "neighbouring inputs. How many weights does sharing one kernel save, compared to "
            "the same sparse layer without sharing?",
            (("{mk_k}: from {mk} weights down to {ks}",
              "Without sharing: {ms}*{ks} = {mk}; with one shared kernel: {ks}. Saved: {mk_k}."),),
            (("{nm_mk}: what sparsity saves over the dense {nm}",
              "That is what sparse connectivity saves over the dense layer; sharing comes on "
              "top."),
             ("{mk}: all of them",
              "The shared kernel still has {ks} weights."),
             ("{ms}: one per output",
              "Each output had {ks} weights of its own; {ks} are left in all: {mk_k} saved."),
             ("{ks}: one weight saved per kernel position",
              "Sharing ties all {ms} outputs to one kernel: {ks} weights are left of {mk}."),
             ("None: sharing keeps all {mk} weights, only reused",
              "Sharing means the outputs use the same {ks} weights: {ks} in all.")),
            level=2),
        Variant(
            "A 1-D layer from {ns} inputs to {ms} outputs is fully connected ({nm} weights). "
            "It is made sparse ({ks} inputs per output) and then shared. Which counts are "
            "right?",
            (("Sparse {mk} weights, then shared {ks} weights",
              "Sparse: {ms}*{ks} = {mk}; shared: one kernel of {ks}. Each step cuts the "
              "count; the outputs stay {ms}."),),
            (("Sparse {nk} weights, then shared {ks} weights",
              "Sparse counts per output: {ms}*{ks} = {mk}."),
             ("Sparse {mk} weights, then shared {ms} weights",
              "Shared means one kernel of {ks} weights, not one per output."),
             ("Sparse {ks} weights, then shared {mk} weights",
              "The other way round: sharing is the smaller one."),
             ("Sparse {mk} weights, then shared {ks1} weights",
              "Without biases a shared kernel has {ks} weights.")),
            level=3),
        Variant(
            "What does sparse connectivity mean in a convolutional layer with {k}x{k} "
            "kernels?",
            (("Each output sees only the inputs in its window",
              "Each output is connected only to the inputs in its window, not to all inputs. "
              "Connections outside the window do not exist by design."),
             ("A unit sees a neighbourhood, not all inputs",
              "A unit sees a small neighbourhood of inputs instead of the whole input. That is "
              "the 'local' in local connectivity.")),
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
            (("Sparse: few inputs per output; shared: the same weights",
              "Sparse: each output sees only 3 neighbouring inputs; shared: all outputs use the "
              "same 3 weights. Sparse connectivity cuts {dense} weights to {sparse}; sharing "
              "then cuts them to 3."),
             ("Sparsity removes connections; sharing reuses one kernel",
              "Sparse connectivity removes connections ({sparse} weights instead of {dense}); "
              "weight sharing ties them to one kernel of 3 weights. Both reduce weights, in two "
              "different ways.")),
            (("There is none: both mean that each output has 3 weights",
              "Sparse: each output has its own 3 weights ({sparse} in all); shared: one set of 3 "
              "weights for all outputs."),
             ("Weight sharing connects each output to all inputs with one common weight",
              "Shared kernels are still local; sharing is over positions."),
             ("Sparse connectivity means that many weights become zero during training",
              "Sparse here means connections that do not exist by design, not learned zeros."),
             ("A sparsely connected layer needs more weights than a fully connected one",
              "Fewer: {sparse} instead of {dense}."),
             ("Weight sharing means that consecutive layers use the same kernel",
              "Sharing is over positions within one layer; each layer has its own kernels."),
             ("Sharing adds weights",
              "Sharing ties weights together: fewer, not more."),
             ("Sparse means fewer layers",
              "Sparse connectivity is about connections within a layer, not the number of "
              "layers.")),
            level=2),
        Variant(
            "A layer maps {n3} inputs to {m3} outputs with windows of {k} (stride 1). How many "
            "weights does a sparsely connected layer WITHOUT weight sharing need?",
            (("{sparse3}, since {m3} outputs each have {k} weights",
              "{sparse3}: {m3} outputs with {k} weights of their own; sharing one kernel would "
              "cut this to {k}. Sparse but not shared: (n - k + 1) * k = {m3} * {k}."),),
            (("{k}, since each output sees only {k} inputs",
              "{k} is the shared kernel; without sharing each output has its own {k} weights."),
             ("{m3}, one weight per output",
              "Each output has {k} weights, one per input in its window."),
             ("{dense3}, since a sparse layer still keeps all of its connections",
              "{dense3} = {n3} * {m3} is the fully connected layer; sparse keeps only the "
              "windows."),
             ("{nk3}: a window of {k} weights for each of the {n3} inputs",
              "There is one window per output ({m3}), not per input ({n3})."),
             ("{n3}, one per input",
              "Each of the {m3} outputs has {k} weights of its own: {sparse3}.")),
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
    Fact(3, "A {k}x{k} conv layer from {c_in} to {c_out} channels has {params} parameters, "
         "biases included.", True, "k*k*C_in*C_out + C_out = {k}*{k}*{c_in}*{c_out} + "
         "{c_out} = {params}."),
    Fact(3, "A {k}x{k} conv layer from {c_in} to {c_out} channels has {no_chan} parameters, "
         "biases included.", False, "{no_chan} forgets that every kernel spans the {c_in} "
         "input channels: k*k*C_in*C_out + C_out = {params}."),
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
