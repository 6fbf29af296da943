"""LO1, computing: 1-D and 2-D convolution by hand and the size of a convolution's output."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import (
    Draft,
    count,
    integer,
    markdown_table,
    random_grid,
)
from question_bank.templates.concepts import Concept, Fact, Statements, Variant, merged
from solutions.convolution import conv1d, conv2d
from solutions.padding import conv_output_size, zero_pad
from solutions.weights import conv_layer_params


def _sum_of_products(values: list[int], weights: list[int]) -> str:
    """'x*w + x*w + ...' with negative numbers in brackets, as worked on paper."""
    def show(v: int) -> str:
        return f"({v})" if v < 0 else str(v)
    return " + ".join(f"{show(v)}*{show(w)}" for v, w in zip(values, weights, strict=True))


def conv1d_entry(rng: random.Random, difficulty: int) -> Draft:
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

    x_names = ", ".join(f"x{i + 1}" for i in range(n))
    w_names = ", ".join(f"w{j + 1}" for j in range(k))
    setting = "no padding, stride 1" if (padding, stride) == (0, 1) else \
        f"padding {padding} (zeros on both sides), stride {stride}"
    stem = (f"A shared-weight (convolutional) layer slides the kernel w = ({w_names}) = "
            f"({', '.join(map(str, w))}) over the input x = ({x_names}) = "
            f"({', '.join(map(str, x))}), {setting}, without flipping the kernel: "
            f"a1 = x1 w1 + x2 w2 + ..., the next output starts {count(stride, 'input')} further. "
            f"There are {n_out} outputs a1 ... a{n_out}. What is a{index}?")
    solution = (f"Padded input: ({', '.join(map(str, padded))}). Output a{index} starts at "
                f"padded position {start + 1} = ({index} - 1) * {stride} + 1 and uses "
                f"({', '.join(map(str, window))}). a{index} = {_sum_of_products(window, w)} "
                f"= {answer}.")
    params = {"x": x, "w": w, "padding": padding, "stride": stride, "index": index}
    return Draft(stem, answer, solution, params, tolerance=0.0)


def conv2d_entry(rng: random.Random, difficulty: int) -> Draft:
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

    stem = (f"A {size}x{size} grey image is convolved (kernel not flipped, as in CNNs) with "
            f"a {k}x{k} kernel, padding {padding} and stride {stride}; the output is "
            f"{n_out}x{n_out}. What is the output value in row {row}, column {col} "
            f"(counting from 1)?\n\nImage:\n\n{markdown_table(image)}\n\n"
            f"Kernel:\n\n{markdown_table(kernel)}")
    solution = (f"With padding {padding} the image becomes {size + 2 * padding}x"
                f"{size + 2 * padding}. Output ({row}, {col}) uses the window whose top-left "
                f"corner is padded row {top + 1}, column {left + 1} (= (index - 1) * {stride} "
                f"+ 1): rows {window.tolist()}. Multiply element-wise with the kernel and add: "
                f"{_sum_of_products(window.ravel().tolist(), weights)} = {answer}.")
    params = {"image": image, "kernel": kernel, "padding": padding, "stride": stride,
              "row": row, "col": col}
    return Draft(stem, answer, solution, params, tolerance=0.0)


def conv_output(rng: random.Random, difficulty: int) -> Draft:
    """The output width of a convolution: floor((n + 2p - k) / s) + 1."""
    n = rng.randint(12, 512)  # at least the largest kernel
    k = rng.choice([1, 3, 5, 7, 9, 11])
    padding = 0 if difficulty == 1 else rng.randint(0, 3)
    stride = 1 if difficulty < 3 else rng.randint(2, 4)
    answer = integer(conv_output_size(n, k, padding, stride))
    what = rng.choice(["An image", "A feature map", "A CT slice"])
    stem = (f"{what} of width {n} pixels is convolved with a kernel of {k}x{k}, padding {padding} "
            f"and stride {stride}. How wide is the output? Windows that do not fit "
            f"completely are dropped.")
    solution = (f"n_out = floor((n + 2p - k) / s) + 1 = floor(({n} + 2*{padding} - {k}) / "
                f"{stride}) + 1 = floor({n + 2 * padding - k} / {stride}) + 1 = {answer}.")
    params = {"n": n, "k": k, "padding": padding, "stride": stride, "what": what}
    return Draft(stem, answer, solution, params, tolerance=0.0)


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


CONV_COMPUTES = Concept(
    draw=merged(_conv_numbers, _product_numbers),
    variants=(
        Variant(
            "A convolutional layer has {kp}x{kp} kernels; its input is a {side_p}x{side_p} "
            "image with {ch} channels. How many products are summed for one value of one "
            "feature map (before the bias is added)?",
            (("{kkc_p} products: {kp}*{kp} for each of the {ch} channels",
              "A kernel spans all input channels: {kp}*{kp}*{ch} = {kkc_p} weights, each "
              "multiplied with the input value under it."),),
            (("{kk_p} products: {kp}*{kp}, for one channel at a time",
              "The kernel covers all {ch} channels at once: {kp}*{kp}*{ch} weights, summed "
              "into one value."),
             ("{kc_p} products: {kp} for each of the {ch} channels",
              "A {kp}x{kp} kernel has {kp}*{kp} weights per channel, not {kp}."),
             ("{kkc1_p} products: {kp}*{kp}*{ch}, and one for the bias",
              "The bias is added, not multiplied: {kkc_p} products, then + bias."),
             ("{ssc_p} products: one for each pixel of all {ch} channels",
              "That is a fully connected unit; a convolution only sees its {kp}x{kp} window.")),
            level=1),
        Variant(
            "In a convolutional layer, how is one value of a feature map computed from a grey "
            "image with a {k}x{k} kernel?",
            (("The {k}x{k} pixels under the kernel times its weights, summed, plus a bias",
              "The kernel's {k}x{k} weights are multiplied with the pixels under the kernel and "
              "the products are summed (plus a bias). That is the convolution of CNNs: a "
              "weighted sum over one window, with the same kernel at every position (the kernel "
              "is not flipped)."),
             ("A weighted sum of one {k}x{k} window, with the same weights everywhere",
              "A weighted sum of the {k}x{k} pixels in one window, using the same weights at "
              "every position. Local (one window) and shared (same weights everywhere).")),
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
            (("Rows {r}-{r_end}, columns {q}-{q_end}, all {c} channels: times the weights, "
              "summed, plus a bias",
              "Rows {r} to {r_end} and columns {q} to {q_end}, all {c} channels: each value "
              "times its kernel weight, summed, plus one bias. Output (r, q) starts its window "
              "at input (r, q) without padding; the kernel spans all channels and gives one "
              "number."),
             ("The {k}x{k}x{c} block from row {r}, column {q}, times the unflipped kernel, "
              "summed, plus a bias",
              "The {k}x{k}x{c} block starting at row {r}, column {q}, multiplied element-wise "
              "with the kernel (not flipped) and summed into one value plus a bias. "
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
            (("Nothing is lost: the network simply learns the flipped kernel",
              "Since the kernel is learned, the network simply learns the flipped weights; "
              "nothing is lost by not flipping. Flipping is a fixed re-ordering of the weights, "
              "which training can absorb."),
             ("They differ unless the kernel is symmetric; learning adapts",
              "For a kernel that is the same after a 180 degree rotation both give the same "
              "output; for other kernels they differ, but a learned kernel makes up for it. Only "
              "the order of the weights differs.")),
            (("Frameworks flip the kernel, just like the mathematical definition",
              "PyTorch and Keras compute a_i = x_i w_1 + x_(i+1) w_2 + ...: not flipped."),
             ("Cross-correlation is not linear, convolution is",
              "Both are weighted sums of the input: both are linear."),
             ("The two give the same output for every kernel",
              "Only for kernels that equal their 180 degree rotation; otherwise the weights meet "
              "other inputs."),
             ("Only a flipped kernel can detect edges, so frameworks must flip it",
              "Any pattern a flipped kernel detects, the unflipped mirror kernel detects too."),
             ("Flipping the kernel changes the size of the output feature map",
              "The output size depends on input size, kernel size, padding and stride only.")),
            level=3),
        Variant(
            "A conv layer with {c_out} kernels of 1x1 (stride 1) is applied to a {h}x{h}x{c_in} "
            "feature map. What does it do?",
            (("A {h}x{h}x{c_out} map: per pixel, learned sums of the {c_in} channels",
              "It gives a {h}x{h}x{c_out} map: at every pixel a learned weighted sum of the "
              "{c_in} channels ({w11} weights plus {c_out} biases). A 1x1 kernel spans all input "
              "channels at one position."),
             ("It mixes {c_in} channels into {c_out} at each pixel, ignoring neighbours",
              "It mixes the channels at each pixel without looking at neighbours, and changes "
              "the number of channels from {c_in} to {c_out}. Its receptive field is one pixel; "
              "it only combines channels.")),
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


ADDED_KERNEL = Concept(
    draw=merged(_kernel_count_numbers, _added_numbers),
    variants=(
        Variant(
            "A network has {la} convolutional layers; its first layer has {ca} kernels. One "
            "kernel is added to that first layer. What does the network have now?",
            (("{ca1} output channels in layer 1, and still {la} layers",
              "An added kernel is one more output channel (feature map) of the same layer; depth "
              "only grows when a layer is added."),),
            (("{ca} output channels, and {la1} layers",
              "A kernel does not make a new layer: the kernels of a layer read the same input "
              "side by side, and this one adds a channel."),
             ("{ca1} output channels, and {la1} layers",
              "The channel count is right, but the number of layers stays {la}."),
             ("{ca1} input channels, {la} layers",
              "The first layer's input is the image, unchanged; its output gets one more "
              "channel."),
             ("The same {ca} output channels in layer 1, and still {la} layers",
              "The added kernel produces one more feature map: {ca1} channels."),
             ("{ca1} output channels in each of its {la} layers, and still {la} layers",
              "Only the first layer got a kernel; the other layers keep their own kernel counts."),
             ("{ca1} input channels for layer 1 and a new layer, so {la1} layers",
              "A kernel is one more output channel of its layer, not a new layer.")),
            level=1),
        Variant(
            "A conv layer has {c} kernels. What is the difference between adding one more "
            "kernel to it and adding another conv layer after it?",
            (("A kernel adds an output channel to its layer; a layer adds depth",
              "An added kernel gives the same layer one more output channel; an added layer "
              "works on the previous layer's output and makes the network deeper. Kernels of one "
              "layer work side by side on the same input; layers are applied one after the "
              "other."),
             ("Kernels of a layer read one input side by side; layers read in turn",
              "Kernels of one layer all read the same input side by side; a new layer reads the "
              "output of the layer before it. Width (channels) versus depth (layers).")),
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
            (("One more feature map in the same layer; no extra depth",
              "It adds one more feature map (output channel) to the same layer; the network does "
              "not get deeper. Kernels of one layer work side by side on the same input; depth "
              "counts layers applied one after the other."),
             ("{c1} output channels instead of {c}; still as many layers",
              "The layer outputs {c1} channels instead of {c}; the number of layers stays the "
              "same. Each kernel makes one feature map, so one more kernel is one more channel.")),
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
            (("{extra} more weights; still {c2} output channels",
              "Each of its {c2} kernels gets {k}*{k} more weights, because its input now has "
              "{c1} channels: {extra} more weights, still {c2} output channels. A kernel spans "
              "all input channels, so one more input channel adds a {k}x{k} slice to every "
              "kernel."),
             ("Its kernels span {c1} channels, not {c}",
              "Its kernels must now span {c1} input channels instead of {c}; its number of "
              "output channels stays {c2}. Layer 2's kernels are k*k*C_in; C_in grew by one.")),
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
              "follows the input."),
             ("Layer 2 gets one more kernel, and so one more output channel",
              "Layer 2 keeps its {c2} kernels; each of them gets one more input channel."),
             ("Layer 2's kernels keep their size and weights; only layer 1 grows",
              "Layer 2's kernels span all channels of its input, which now has {c1}: {extra} "
              "more weights.")),
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
            "n_pk": int(conv_output_size(n, k, k)), "p_zeros": count((k - 1) // 2, "zero"),
            "side": side, "ks": ks, "o2": o2,
            "o2_up": o2 + 1, "os2": os2, "ps": (ks - 1) // 2,
            "i": i, "i1": i + 1, "i2": i + 2, "c_in": c_in, "c_out": c_out,
            "kkc": ks * ks * c_in, "kk": ks * ks, "cc": c_in * c_out}


CONV_FACTS = Statements(draw=_conv_fact_numbers, facts=(
    Fact(1, "One {ks}x{ks} kernel on an input with {c_in} channels has {kkc} weights (without "
         "the bias).", True, "A kernel spans all input channels: {ks}*{ks}*{c_in} = {kkc}."),
    Fact(1, "One {ks}x{ks} kernel on an input with {c_in} channels has {kk} weights (without "
         "the bias).", False, "A kernel spans all {c_in} input channels: {ks}*{ks}*{c_in} = "
         "{kkc} weights, not {kk}."),
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
    Fact(2, "Padding {p_zeros} on each side keeps {n} inputs at {n} outputs for a kernel of "
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
