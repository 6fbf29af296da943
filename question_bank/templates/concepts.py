"""Understanding questions: multiple-choice and true/false items built from pools of text.

A multiple-choice concept has variants (a stem with its own right answers and distractors).
An item draws a variant, one right answer and three distractors, fills in numbers drawn by
the concept, and shuffles the four choices. Every distractor is a misconception a student
really has, and its feedback says why it is wrong; the right answer's feedback says why it
is right. True/false concepts draw one statement, true or false with equal chance.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from question_bank.model import Choice
from question_bank.templates.base import Draft, mc_choices
from solutions.padding import conv_output_size
from solutions.pooling import pool_output_size
from solutions.weights import conv_layer_params, dense_weights, sparse_weights

Option = tuple[str, str]  # (text, feedback)
N_WRONG = 3  # four choices per item


@dataclass(frozen=True)
class Variant:
    stem: str
    correct: tuple[Option, ...]
    wrong: tuple[Option, ...]


def _no_numbers(rng: random.Random) -> dict[str, Any]:
    return {}


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

    def __call__(self, rng: random.Random, difficulty: int) -> Draft:
        values = self.draw(rng)
        v = rng.randrange(len(self.variants))
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
        params = {"variant": v, "correct": c, "wrong": w, **values}
        return Draft(variant.stem.format(**values), answer, solution, params, choices=choices)


@dataclass(frozen=True)
class Statements:
    """A true/false family: ``(statement, is_true, why)``; ``why`` explains either way."""

    statements: tuple[tuple[str, bool, str], ...]

    def __call__(self, rng: random.Random, difficulty: int) -> Draft:
        truth = rng.random() < 0.5  # half true, half false, whatever the pool's mix
        pool = [i for i, s in enumerate(self.statements) if s[1] == truth]
        index = rng.choice(pool)
        text, is_true, why = self.statements[index]
        verdict = "true" if is_true else "false"
        choices = (
            Choice("True", is_true, f"{'Right' if is_true else 'No'}: the statement is "
                                    f"{verdict}. {why}"),
            Choice("False", not is_true, f"{'Right' if not is_true else 'No'}: the statement "
                                         f"is {verdict}. {why}"))
        solution = f"{verdict.capitalize()}. {why}"
        return Draft(f"True or false? {text}", 0 if is_true else 1, solution,
                     {"statement": index, "is_true": is_true}, choices=choices)


# ---- LO1: the concept of convolution ----------------------------------------------------

CONV_COMPUTES = Concept(
    draw=lambda rng: {"k": rng.choice([3, 5, 7])},
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
              "window element with the matching kernel element and sums."))),
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
              "The kernel keeps its 3 weights; each output uses exactly 3 inputs."))),
    ))

ADDED_KERNEL = Concept(
    draw=lambda rng: {"c": rng.choice([4, 8, 16, 32, 64]), "k": rng.choice([3, 5]),
                      "c_in": rng.choice([3, 16, 32])},
    variants=(
        Variant(
            "A convolutional layer has {c} kernels of {k}x{k} on an input with {c_in} "
            "channels. What does adding one more kernel to this layer do?",
            (("It adds one more feature map (output channel) to the same layer; the network "
              "does not get deeper",
              "Kernels of one layer work side by side on the same input; depth counts layers "
              "applied one after the other."),
             ("The layer outputs {c} + 1 channels instead of {c}; the number of layers stays "
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
              "between kernels."))),
    ))

CONV_FACTS = Statements((
    ("CNNs compute convolution without flipping the kernel (a cross-correlation), as "
     "PyTorch and Keras do.", True,
     "a_i = x_i w_1 + x_(i+1) w_2 + ...; since the kernel is learned, flipping would not add "
     "anything."),
    ("A convolutional layer uses a different set of kernel weights at every position.", False,
     "The same kernel is used at every position: weight sharing."),
    ("With 5 inputs and a kernel of 3 (no padding, stride 1) a 1-D convolution has 3 "
     "outputs.", True, "5 - 3 + 1 = 3: a1, a2 and a3."),
    ("Zero padding adds trainable weights around the image.", False,
     "Padding adds zeros to the input; it has no weights."),
    ("With stride 2 the kernel moves two positions at a time, so the output is about half "
     "as wide.", True, "n_out = floor((n + 2p - k) / 2) + 1, about n / 2."),
    ("In a2 = x2 w1 + x3 w2 + x4 w3 the weights differ from those in a1 = x1 w1 + x2 w2 + "
     "x3 w3.", False, "Both use w1, w2, w3: the weights are shared."),
    ("Padding of (k - 1) / 2 zeros on each side keeps the output as large as the input at "
     "stride 1 (k odd).", True, "n + 2 (k - 1) / 2 - k + 1 = n."),
    ("Without padding, a convolution (stride 1) gives an output as large as its input.", False,
     "It gives n - k + 1 values: the kernel must fit completely."),
    ("Each output of a convolution depends only on the inputs inside its window.", True,
     "That is sparse (local) connectivity."),
    ("A 1-D convolution of 5 inputs with a kernel of 3 has 15 weights.", False,
     "It has 3 shared weights; 15 is the fully connected layer from 5 inputs to 3 outputs."),
    ("One kernel of a conv layer on an RGB image spans all three colour channels.", True,
     "A kernel has k*k*C_in weights and sums over all input channels."),
    ("Each kernel of a conv layer gives one output feature map (channel).", True,
     "C_out kernels give C_out feature maps."),
))

# ---- LO2: why convolution suits (medical) images ----------------------------------------

TRANSLATION = Concept(
    draw=lambda rng: {"d": rng.randint(2, 20)},
    variants=(
        Variant(
            "In a chest CT slice, a nodule lies {d} pixels further to the right than in "
            "another slice. What happens to the feature map of a convolutional layer (stride "
            "1, no pooling)?",
            (("The nodule's response in the feature map also moves {d} pixels to the right",
              "Convolution is translation equivariant: the same kernel is used everywhere, so "
              "a shifted input gives a shifted output."),
             ("The same response appears, shifted by {d} pixels: the layer finds the nodule "
              "wherever it is",
              "Weight sharing makes the layer equivariant: shift in, same shift out.")),
            (("The feature map stays exactly the same",
              "That would be invariance; a conv layer is equivariant, its output moves with "
              "the input. Some invariance to small shifts only comes from pooling."),
             ("The layer no longer responds to the nodule, since its weights were learned for "
              "the old position",
              "The weights are shared over all positions, so the nodule is found anywhere."),
             ("The response values change, because every position has its own kernel",
              "Every position uses the same kernel (weight sharing)."),
             ("The response moves {d} pixels to the left",
              "A shift of the input to the right moves the output to the right."),
             ("The feature map becomes {d} pixels smaller",
              "The output size depends on input size, kernel, padding and stride, not on where "
              "the nodule is."))),
        Variant(
            "Which statement about convolution and translation (shifts) is right?",
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
              "move the pooled map."))),
    ))

STRUCTURED_INPUTS = Concept(
    draw=lambda rng: {"n": rng.randint(8, 60), "side": rng.choice([24, 64, 128, 256, 512])},
    variants=(
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
              "structure."))),
        Variant(
            "Which property of (medical) images, such as a {side}x{side} CT slice, makes a "
            "convolutional approach suitable?",
            (("Nearby pixels are strongly related, and the same local pattern (an edge, a "
              "vessel, a lesion) can appear anywhere",
              "Local connectivity exploits the first, weight sharing the second."),
             ("Images have a grid structure: local patterns matter and look the same wherever "
              "they occur",
              "That is exactly what small shared kernels model.")),
            (("Images have so few pixels that a fully connected network would be too small",
              "The opposite: a {side}x{side} slice has {side}*{side} values, so dense layers "
              "need far too many weights."),
             ("Every pixel is independent of its neighbours",
              "Neighbouring pixels are strongly correlated; kernels exploit that."),
             ("Medical images are always aligned, so each position can have its own weights",
              "Anatomy and lesions vary in position between patients; shared weights find a "
              "pattern wherever it is."),
             ("Convolution is needed because images are stored as integers",
              "The data type does not matter; convolution works on any numbers."),
             ("Images have no channels, so kernels can stay small",
              "Colour images and feature maps have channels; kernels span all of them."))),
    ))


def _weight_image_numbers(rng: random.Random) -> dict[str, Any]:
    side = rng.choice([16, 24, 28, 32])
    return {"side": side, "m": rng.choice([10, 20, 30, 50, 100]),
            "weights": int(dense_weights(side * side * 3, 1))}


WEIGHT_IMAGE = Concept(
    draw=_weight_image_numbers,
    variants=(
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
              "Weights may have any sign; the sign is not the reason for the noise."))),
    ))

IMAGE_FACTS = Statements((
    ("A 24x24 colour (RGB) image has 1728 input features.", True, "24 * 24 * 3 = 1728."),
    ("A fully connected layer from a 512x512 grey CT slice to 100 units has more than 26 "
     "million weights.", True, "512 * 512 * 100 = 26,214,400."),
    ("Convolution is translation invariant: a shifted lesion gives exactly the same feature "
     "map.", False, "Convolution is equivariant: the feature map shifts with the lesion."),
    ("Weight sharing lets one kernel detect the same pattern (e.g. an edge) anywhere in the "
     "image.", True, "The same kernel is applied at every position."),
    ("A CNN needs the lesion at the same position in every training image.", False,
     "Shared weights detect the lesion wherever it is."),
    ("Sparse connectivity suits images because a pixel is mostly related to the pixels near "
     "it.", True, "Local patterns (edges, textures) are formed by neighbouring pixels."),
    ("Weight sharing makes sense for any input, also for a vector of unrelated lab values.",
     False, "Sharing assumes the same pattern can occur at any position; unrelated features "
     "have no positions in that sense."),
    ("A fully connected unit trained on a few images learns a smooth weight image.", False,
     "With many more weights than samples its weight image is noisy."),
    ("The number of weights of a conv layer does not depend on the image size.", True,
     "It is k*k*C_in*C_out (+ C_out), whatever H and W."),
    ("The number of weights of a fully connected layer does not depend on the image size.",
     False, "It is H*W*C times the number of units."),
    ("Shifting an image shifts the feature map of a conv layer (stride 1) by the same amount.",
     True, "That is translation equivariance."),
))

# ---- LO3: why convolutions enable deep networks -----------------------------------------


def _dense_numbers(rng: random.Random) -> dict[str, Any]:
    side, c = rng.choice([24, 32, 64, 128]), rng.choice([1, 3])
    return {"side": side, "c": c, "dense": int(dense_weights(side * side * c, side * side * c))}


WHY_DEEP = Concept(
    draw=_dense_numbers,
    variants=(
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
              "The kernels are learned from data like any other weights."))),
    ))

PARALLEL = Concept(
    draw=lambda rng: {"side": rng.choice([32, 64, 128, 256]), "c": rng.choice([16, 32, 64])},
    variants=(
        Variant(
            "A conv layer with {c} kernels computes a {side}x{side}x{c} output. Why can this "
            "be computed efficiently in parallel (e.g. on a GPU)?",
            (("Every output value is computed independently with the same small "
              "multiply-and-add, so all positions and kernels can be done at once",
              "The outputs of one layer do not depend on each other."),
             ("The {side}*{side}*{c} outputs do not depend on each other; each is one window "
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
              "positions."))),
    ))


def _sparse_numbers(rng: random.Random) -> dict[str, Any]:
    n = rng.randint(5, 12)
    return {"n": n, "m": int(conv_output_size(n, 3)), "dense": int(dense_weights(n, n - 2)),
            "sparse": int(sparse_weights(n, 3))}


SPARSE_SHARED = Concept(
    draw=_sparse_numbers,
    variants=(
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
              "Sharing is over positions within one layer; each layer has its own kernels."))),
    ))

DEPTH_FACTS = Statements((
    ("The number of weights of a conv layer does not depend on the height and width of its "
     "input.", True, "It is k*k*C_in*C_out (+ C_out)."),
    ("A network gets deeper when a layer gets more kernels.", False,
     "More kernels give more channels in the same layer; depth counts stacked layers."),
    ("Stacking conv layers makes the receptive field of the top units grow.", True,
     "Each k x k layer adds k - 1 (times the jump) input pixels."),
    ("Without activation functions, a stack of conv layers can compute more than a single "
     "conv layer.", False, "Convolutions are linear; a stack of them is again one linear "
     "convolution."),
    ("A 3x3 conv layer from 64 to 64 channels has 36928 parameters (weights and biases).",
     True, "3*3*64*64 + 64 = 36928."),
    ("A fully connected layer on an image has fewer weights than a conv layer on it.", False,
     "Dense: H*W*C per unit; conv: k*k*C_in per kernel, far fewer."),
    ("All output positions of a conv layer can be computed in parallel.", True,
     "They do not depend on each other."),
    ("Weight sharing means that all layers of a CNN use the same kernels.", False,
     "Sharing is over positions within a layer; every layer learns its own kernels."),
    ("In the lecture's example, 5 inputs and 3 outputs need 15 weights dense, 9 sparse and 3 "
     "shared.", True, "5*3 = 15, 3 outputs * 3 = 9, one kernel of 3."),
    ("A sparsely connected (local but not shared) layer has as few weights as a convolution.",
     False, "Sparse: (n - k + 1) * k; shared: k."),
))

# ---- LO4: max-pooling --------------------------------------------------------------------


def _pool_numbers(rng: random.Random) -> dict[str, Any]:
    s = rng.choice([2, 3, 4])
    n, c = s * rng.randint(4, 16), rng.choice([8, 16, 32, 64])
    return {"s": s, "n": n, "c": c, "m": int(pool_output_size(n, s)),
            "m1": int(pool_output_size(n, s, 1)), "w": s * s * c}


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
              "That is average pooling."))),
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
              "That is average pooling."))),
    ))

AVG_VS_MAX = Concept(
    draw=lambda rng: {"s": rng.choice([2, 3])},
    variants=(
        Variant(
            "How does {s}x{s} average pooling differ from {s}x{s} max-pooling?",
            (("Average pooling keeps the mean of each window, max-pooling the largest value; "
              "neither has trainable weights",
              "Both are fixed operations."),
             ("Average pooling is a convolution with a fixed kernel of 1/({s}*{s}) (stride "
              "{s}); max-pooling takes the maximum; neither learns weights",
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
              "They agree only when all values in the window are equal."))),
    ))

POOLING_FACTS = Statements((
    ("A max-pooling layer has no trainable parameters.", True, "It only takes a maximum."),
    ("A 2x2 max-pooling layer on 64 channels has 256 weights.", False,
     "Max-pooling has no weights at all."),
    ("2x2 max-pooling with stride 2 turns a 24x24 feature map into 12x12.", True,
     "floor((24 - 2) / 2) + 1 = 12."),
    ("Max-pooling reduces the number of channels.", False,
     "Each channel is pooled on its own; the number of channels stays."),
    ("Moving the largest value within its pooling window does not change the max-pooled "
     "output.", True, "The maximum of the window is the same: invariance to small shifts."),
    ("Max-pooling makes a CNN invariant to shifts of any size.", False,
     "Only shifts within a window; larger shifts move the output."),
    ("Average pooling is a convolution with a fixed kernel whose weights are all "
     "1/(size*size).", True, "Averaging is a weighted sum with equal, fixed weights."),
    ("Backpropagation updates the weights of a max-pooling window.", False,
     "There are none; the gradient only flows to the input that was the maximum."),
    ("Pooling between conv layers makes the receptive field of later units grow faster.",
     True, "Its stride multiplies the jump, so later kernels span more input pixels."),
    ("Average pooling keeps the largest value of each window.", False,
     "It keeps the mean; max-pooling keeps the largest."),
    ("Max-pooling an (H, W, C) feature map takes the maximum over the channels.", False,
     "It takes the maximum over each spatial window, per channel."),
))

# ---- LO5: choice of kernel size ----------------------------------------------------------


def _kernel_numbers(rng: random.Random) -> dict[str, Any]:
    k, c = rng.choice([5, 7, 9, 11]), rng.choice([16, 32, 64, 128])
    return {"k": k, "c": c, "big": int(conv_layer_params(k, c, c, bias=False)),
            "small": int(conv_layer_params(3, c, c, bias=False)),
            "two": int(2 * conv_layer_params(3, c, c, bias=False)),
            "one": int(conv_layer_params(5, c, c, bias=False))}


KERNEL_TRADEOFF = Concept(
    draw=_kernel_numbers,
    variants=(
        Variant(
            "What do you trade off when a conv layer with {c} input and {c} output channels "
            "uses {k}x{k} kernels instead of 3x3?",
            (("A larger receptive field per layer against more weights ({big} instead of "
              "{small}) and more multiply-adds",
              "Weights and computation grow with k*k; the field grows with k."),
             ("Each unit sees more context, but the layer needs {k}*{k}/9 times the weights "
              "and computation of the 3x3 layer",
              "{big} / {small} = {k}*{k}/9.")),
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
              "multiply-adds: more work."))),
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
              "2*9 = 18 < 25 weights per channel pair."))),
    ))

KERNEL_FACTS = Statements((
    ("Three stacked 3x3 conv layers (stride 1) have the same receptive field as one 7x7 "
     "layer.", True, "1 + 2 + 2 + 2 = 7."),
    ("One 7x7 conv layer has fewer weights than three stacked 3x3 layers with the same "
     "channels.", False, "49*C*C against 3*9*C*C = 27*C*C."),
    ("The weights of a conv layer grow with the square of the kernel size.", True,
     "k*k*C_in*C_out."),
    ("A 1x1 convolution has no weights.", False, "It has C_in*C_out weights (+ C_out biases)."),
    ("A 1x1 convolution can change the number of channels but sees one pixel position.", True,
     "It mixes channels at each position; its receptive field adds nothing."),
    ("Doubling the kernel size doubles the weights of a conv layer.", False,
     "It quadruples them: (2k)^2 = 4 k^2."),
    ("At a fixed output size, the multiply-adds of a conv layer grow with the square of the "
     "kernel size.", True, "Ho*Wo*k*k*C_in*C_out."),
    ("A larger kernel gives a smaller receptive field.", False,
     "The receptive field grows by k - 1 per layer."),
    ("A stride of 2 in an early layer makes the receptive field of later layers grow faster.",
     True, "It doubles the jump, so every later (k - 1) counts twice."),
    ("Zero padding enlarges the receptive field of a unit.", False,
     "Padding adds zeros at the border; the number of input pixels a unit sees stays."),
))
