"""LO2, computing: how many features an image has and what a dense layer on it would cost."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import WORDS, Draft, count, integer
from question_bank.templates.concepts import Concept, Fact, Statements, Variant, merged
from solutions.weights import conv_layer_params, dense_weights, n_input_features

# (description, channels): images of the course's kind; the channels follow from the kind.
IMAGE_KINDS = (("colour (RGB) dermoscopy photo", 3), ("colour (RGB) fundus photo", 3),
               ("colour (RGB) histology patch", 3), ("grey X-ray", 1), ("grey CT slice", 1),
               ("grey ultrasound frame", 1), ("RGBA microscopy image", 4))


def image_features(rng: random.Random, difficulty: int) -> Draft:
    """H x W x C input features, as the lecture's 24x24x3 -> 1728."""
    kind, channels = rng.choice(IMAGE_KINDS)
    height = rng.randint(8, 512)
    # d1 square images; d2 rectangular; d3 a scan of several slices (slices act as channels).
    width = height if difficulty == 1 else rng.randint(8, 512)
    slices = rng.randint(2, 64) if difficulty == 3 else 1
    answer = integer(n_input_features(height, width, channels * slices))
    if slices == 1:
        stem = (f"A {kind} of {height}x{width} pixels is the input of a neural network. "
                f"How many input features (values) does it have?")
        solution = (f"H * W * C = {height} * {width} * {channels} = {answer} "
                    f"(a {kind} has {count(channels, 'channel')}).")
    else:
        stem = (f"A stack of {slices} slices, each a {kind} of {height}x{width} pixels, is "
                f"the input of a neural network. How many input features (values) is that?")
        solution = (f"H * W * C per slice times the slices: {height} * {width} * {channels} "
                    f"* {slices} = {answer}.")
    params = {"kind": kind, "height": height, "width": width, "channels": channels,
              "slices": slices}
    return Draft(stem, answer, solution, params, tolerance=0.0)


def image_layer_weights(rng: random.Random, difficulty: int) -> Draft:
    """Weights of a fully connected vs a convolutional first layer on the same image."""
    kind, channels = rng.choice(IMAGE_KINDS)
    side = {1: rng.randint(8, 32), 2: rng.randint(32, 128), 3: rng.randint(128, 512)}[difficulty]
    units = rng.choice([8, 10, 16, 20, 32, 50, 64, 100, 128])
    k = rng.choice([3, 5, 7])
    layer = rng.choice(["dense", "conv"])
    features = integer(n_input_features(side, side, channels))
    if layer == "dense":
        answer = integer(dense_weights(features, units))
        question = f"a fully connected layer with {units} units"
        solution = (f"Every one of the {side}*{side}*{channels} = {features} input values is "
                    f"connected to each of the {units} units: {features} * {units} = {answer}. "
                    f"This grows with the image size.")
    else:
        answer = integer(conv_layer_params(k, channels, units, bias=False))
        question = f"a convolutional layer with {units} kernels of {k}x{k}"
        solution = (f"Each kernel spans {count(channels, 'channel')}: {k}*{k}*{channels} weights, "
                    f"and there are {units} kernels: {k}*{k}*{channels}*{units} = {answer}. "
                    f"The image size ({side}x{side}) does not matter: the weights are shared.")
    stem = (f"A {kind} of {side}x{side} pixels is the input of {question}. How many weights "
            f"does this layer have (weights only, no biases)?")
    params = {"kind": kind, "side": side, "channels": channels, "units": units, "k": k,
              "layer": layer}
    return Draft(stem, answer, solution, params, tolerance=0.0)


# ---- understanding questions: multiple choice and true/false ---------------------------------


def _shift_numbers(rng: random.Random) -> dict[str, Any]:
    return {"d": rng.randint(2, 20), "s": rng.choice([2, 3, 4]),
            "organ": rng.choice(["chest CT", "brain MRI", "abdominal CT", "knee MRI"]),
            "finding": rng.choice(["nodule", "lesion", "tumour", "calcification"])}


def _moved_numbers(rng: random.Random) -> dict[str, Any]:
    col, d, s, m = rng.randint(5, 30), rng.randint(2, 6), rng.choice([2, 3, 4]), rng.randint(2, 7)
    return {"col": col, "dm": d, "col_d": col + d, "col_m": col - d, "col_dd": col + 2 * d,
            "sv": s, "mv": m, "ms": m * s, "mss": m * s * s}


TRANSLATION = Concept(
    draw=merged(_shift_numbers, _moved_numbers),
    variants=(
        Variant(
            "A conv layer (stride 1, 'same' padding) responds most strongly to a {finding} at "
            "column {col} of its feature map. The input image is moved {dm} pixels to the "
            "right. Where is the strongest response now?",
            (("At column {col_d}: the map moves along with it",
              "Convolution is translation equivariant: shift the input by {dm}, and the feature "
              "map shifts by {dm}."),),
            (("At column {col}: the map stays put",
              "That would be invariance; a conv layer is equivariant, its map moves along."),
             ("At column {col_m}: it moves back",
              "The kernel is the same everywhere, so the response follows the {finding}: to the "
              "right."),
             ("Nowhere: the kernel learned only the old place",
              "The same kernel is applied at every position, so it finds the {finding} anywhere."),
             ("At column {col_dd}: the map moves twice as far as the input",
              "With stride 1 an input shift of {dm} is an output shift of {dm}."),
             ("At column {col}: a conv layer is invariant to such a shift",
              "A conv layer is equivariant: its response moves with the input, by {dm}."),
             ("At every column: the response spreads over the whole map",
              "Each output sees only its window; the response stays one local peak, moved by "
              "{dm}.")),
            level=1),
        Variant(
            "A conv layer with stride {sv} (and 'same' padding) is applied to a scan; then the "
            "scan is moved {ms} pixels to the right. What happens to the layer's output map?",
            (("It moves {mv} positions to the right, as {ms} / {sv} = {mv}",
              "With stride {sv} one output position covers {sv} input pixels: a shift by a "
              "multiple of {sv} moves the map by whole positions."),),
            (("It moves {ms} positions to the right, as the input does",
              "Each output position is {sv} input pixels apart, so the map moves {ms} / {sv}."),
             ("It stays the same, as strides make the output invariant",
              "Strides do not give invariance: a large enough shift moves the map."),
             ("It moves {mss} positions to the right: {ms} times {sv}",
              "The stride divides the shift, it does not multiply it: {mv} positions."),
             ("It changes its values but does not move at all",
              "That happens for shifts that are not a multiple of the stride; {ms} is.")),
            level=3),
        Variant(
            "Which statement about convolution and translation (shifts) of a {finding} in a "
            "{organ} slice is right?",
            (("Equivariance: a shifted input gives an equally shifted map",
              "Convolution is translation equivariant: shifting the input shifts the feature map "
              "by the same amount. The same kernel is applied at every position, so the "
              "pattern's response moves along with it."),
             ("Conv is shift-equivariant; pooling adds a little invariance",
              "Convolution is equivariant to shifts; max-pooling adds invariance to small shifts "
              "within a window. Equivariance comes from weight sharing; pooling's maximum does "
              "not change when the maximum moves inside its window.")),
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
            (("Its response moves {d} pixels along with it",
              "The {finding}'s response in the feature map also moves {d} pixels to the right. "
              "Convolution is translation equivariant: the same kernel is used everywhere, so a "
              "shifted input gives a shifted output."),
             ("The same response, shifted {d} pixels the same way",
              "The same response appears, shifted by {d} pixels: the layer finds the {finding} "
              "wherever it is. Weight sharing makes the layer equivariant: shift in, same shift "
              "out.")),
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
            (("Equivariant: the output shifts along; invariant: it stays the same",
              "Equivariance: a shifted input gives a shifted feature map (conv layers, from "
              "weight sharing); invariance: the output stays the same, which max-pooling gives "
              "only for small shifts within a window. Conv layers move their output along; "
              "pooling discards small moves."),
             ("Conv shifts its output along; pooling ignores small moves",
              "A conv layer (stride 1) is equivariant; a max-pooled value does not change when "
              "the maximum moves inside its window, a limited invariance. Equivariance and "
              "invariance come from different layers.")),
            (("Convolution is invariant, pooling is equivariant",
              "The other way round: convolution is equivariant, pooling adds some invariance."),
             ("Both come from zero padding",
              "Padding only adds zeros at the border; equivariance comes from weight sharing."),
             ("Equivariance means the output is the same for any shift, invariance that it moves "
              "along",
              "The definitions are swapped."),
             ("A CNN classifier is invariant to any shift because its conv layers are",
              "Conv layers are equivariant, not invariant; pooling gives invariance only to "
              "small shifts."),
             ("A fully connected layer is equivariant because it sees every pixel",
              "Its weights differ per pixel, so a shifted input meets other weights."),
             ("Invariance comes from the conv layers, equivariance from the dense ones",
              "The other way round, and dense layers are neither: conv layers are equivariant, "
              "pooling adds some invariance.")),
            level=3),
        Variant(
            "A conv layer has stride {s}. Its input (a {organ} slice) is shifted by one pixel. "
            "What happens to the feature map (away from the borders)?",
            (("Its values change; only {s}-pixel steps shift it",
              "It does not simply shift: one input pixel is not a whole output position, so the "
              "values change; a shift by {s} pixels would shift it by one position. With stride "
              "{s} equivariance holds only for shifts by multiples of {s}."),
             ("New values: the windows now start at other pixels",
              "The values change, because the windows now start at other input pixels; only "
              "shifts by multiples of {s} pixels move the map by whole positions. Stride {s} "
              "samples every {s}th window; a one-pixel shift samples other ones.")),
            (("It shifts by one output position",
              "One output position is {s} input pixels apart; a one-pixel shift does not line up "
              "with it."),
             ("It shifts by {s} output positions",
              "Stride makes output positions {s} input pixels apart: the map would shift by "
              "1/{s} of a position, which is not a shift at all."),
             ("Nothing changes: the stride makes the layer invariant",
              "Stride does not make the layer invariant; the sampled windows change."),
             ("The feature map gets one position wider",
              "The output size depends on input size, kernel, padding and stride only."),
             ("It shifts by one output position, as a stride only skips pixels",
              "One pixel is less than one output position ({s} pixels): the values change "
              "instead.")),
            level=3),
    ))


def _structure_numbers(rng: random.Random) -> dict[str, Any]:
    return {"n": rng.randint(8, 60), "side": rng.choice([24, 64, 128, 256, 512]),
            "modality": rng.choice(["CT slice", "MRI slice", "X-ray", "histology patch"])}


def _flat_numbers(rng: random.Random) -> dict[str, Any]:
    h = rng.randint(8, 64)
    # the counts in the choices all differ: w is not h, h - 1 or h / 2
    w = rng.choice([v for v in range(8, 65) if v not in (h, h - 1) and 2 * v != h])
    r, c = rng.randint(2, h - 1), rng.randint(2, w - 1)
    p, side = rng.choice([3, 5, 7]), rng.randint(16, 64)
    idx = (r - 1) * w + c
    return {"hf": h, "wf": w, "rf_": r, "cf": c, "r1f": r + 1, "idx": idx, "idx_w": idx + w,
            "idx_h": idx + h, "idx1": idx + 1, "idx_w1": idx + w + 1, "idx_2w": idx + 2 * w,
            "wf1": w + 1, "hf1": h + 1, "pl": p, "ppl": p * p, "sl": side,
            "pos": (side - p + 1) ** 2, "ppos": p * p * (side - p + 1) ** 2,
            "ssl": side * side}


STRUCTURED_INPUTS = Concept(
    draw=merged(_structure_numbers, _flat_numbers),
    variants=(
        Variant(
            "A {pl}x{pl} pattern (say a small lesion) can sit at any of the {pos} positions of "
            "a {sl}x{sl} image. What does a conv layer need to find it wherever it is?",
            (("One kernel of {ppl} weights, slid over all {pos} positions",
              "The same local pattern looks the same everywhere, so one shared kernel finds it "
              "at every position: this is why sharing suits images."),),
            (("{pos} kernels of {ppl} weights, one for every position",
              "That is a locally connected layer: {ppos} weights where one shared kernel "
              "does."),
             ("One kernel of {ssl} weights, one per pixel of the image",
              "That is a dense unit; the pattern only covers {pl}x{pl} pixels."),
             ("{ppos} weights: {ppl} for each of the {pos} positions",
              "Without sharing that is the count; sharing one kernel needs only {ppl}."),
             ("One kernel of {ppl} weights, used only at the image centre",
              "The kernel slides over all positions; the lesion can be anywhere.")),
            level=1),
        Variant(
            "A {hf}x{wf} grey image is flattened row by row into a vector (entry 1 is row 1, "
            "column 1). Pixel (row {rf_}, column {cf}) becomes entry {idx}. Which entry holds "
            "the pixel just below it?",
            (("Entry {idx_w}: a row further, {wf} entries on",
              "Row by row, each row holds {wf} entries, so the neighbour below is {wf} entries "
              "later: neighbours in the image are not neighbours in the vector."),),
            (("Entry {idx1}: the next entry",
              "The next entry is the pixel to the right; below is a whole row ({wf}) later."),
             ("Entry {idx_h}: {hf} entries on, one per row",
              "A row holds {wf} values (the width), not {hf} (the height)."),
             ("Entry {idx_2w}: two rows further down the image",
              "One row down is {wf} entries, not {wf} twice."),
             ("Entry {idx_w1}: one row and one column further on",
              "That is the pixel below and to the right."),
             ("None: flattening scatters neighbours at random over the vector",
              "Row by row is a fixed order: the pixel below is always {wf} entries on.")),
            level=2),
        Variant(
            "A {hf}x{wf} image is flattened row by row into a vector for a fully connected "
            "network. How many entries apart are two pixels that touch vertically, and what "
            "does the dense layer know of it?",
            (("{wf} entries apart; the dense layer does not know it",
              "Vertical neighbours are a row ({wf} entries) apart, and a dense layer treats "
              "every entry on its own: the grid structure is lost, which a CNN keeps."),),
            (("1 entry apart; the dense layer treats them as neighbours",
              "Only horizontal neighbours are 1 apart; and a dense layer has no notion of "
              "neighbours at all."),
             ("{hf} entries apart; the dense layer does not know it",
              "A row holds {wf} entries (the width), not {hf}."),
             ("{wf} entries apart; the dense layer shares their weights",
              "A dense layer shares no weights: each entry has its own."),
             ("{wf1} entries apart; the dense layer does not know it",
              "{wf1} apart is the pixel diagonally below; straight below is {wf}.")),
            level=3),
        Variant(
            "Which property of (medical) images, such as a {side}x{side} {modality}, makes a "
            "convolutional approach suitable?",
            (("Neighbouring pixels are related and patterns recur anywhere",
              "Nearby pixels are strongly related, and the same local pattern (an edge, a "
              "vessel, a lesion) can appear anywhere. Local connectivity exploits the first, "
              "weight sharing the second."),
             ("A grid: local patterns matter and look alike everywhere",
              "Images have a grid structure: local patterns matter and look the same wherever "
              "they occur. That is exactly what small shared kernels model.")),
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
            (("Sharing needs related neighbours and recurring patterns",
              "Sharing assumes the same pattern can occur at any position and that neighbours "
              "are related; in such a vector position and neighbourhood mean nothing. A kernel "
              "sliding over unrelated features would look for a pattern that does not exist."),
             ("Neighbouring entries are unrelated: no local pattern",
              "Neighbouring entries of the vector are not related like neighbouring pixels, so a "
              "sliding kernel finds no meaningful local pattern. Convolution exploits local "
              "structure; an arbitrary feature order has none.")),
            (("Because {n} features are too few for a kernel to fit",
              "A kernel of 3 fits any vector of 3 or more values; the problem is meaning, not "
              "size."),
             ("Because weight sharing only works for colour images with 3 channels",
              "Grey images, 1-D signals and 3-D scans work too; what matters is spatial "
              "structure."),
             ("It does suit it: weight sharing reduces the weights for any input",
              "It reduces the weights, but it forces the same weights on unrelated features, so "
              "the model cannot learn what each feature means."),
             ("Because convolution needs positive inputs, like pixel intensities",
              "Convolution works on any real numbers."),
             ("Because the features would first have to be scaled to [0, 1]",
              "Scaling helps training but is not what weight sharing needs; it needs spatial "
              "structure."),
             ("Because the vector is too short",
              "A kernel can slide over any vector at least as long as itself; what is missing is "
              "structure."),
             ("Because lab values are not integers",
              "Convolution works on any real numbers; the order of the entries carries no "
              "meaning.")),
            level=2),
        Variant(
            "The pixels of every {side}x{side} {modality} in a data set are shuffled with the "
            "same fixed permutation. Which network is hurt by this?",
            (("The CNN: its kernels need related neighbours; a dense net does not",
              "The CNN: its kernels rely on neighbouring pixels being related, which the shuffle "
              "destroys; a fully connected network can learn the permuted weights. A dense layer "
              "has one weight per pixel, so permuting its weights the same way gives exactly the "
              "same outputs."),
             ("Only the CNN; a dense network has a weight per pixel anyway",
              "Only the CNN; for a fully connected network pixel order does not matter, since "
              "every pixel has its own weight anyway. Convolution needs spatial structure; a "
              "dense layer never used it.")),
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


def _unit_numbers(rng: random.Random) -> dict[str, Any]:
    # colour images (RGB, RGBA): with one channel per pixel two of the counts would agree
    side, c, k = rng.randint(12, 40), rng.choice([3, 4]), rng.choice([3, 5])
    return {"su": side, "cu": c, "cu_text": f"{WORDS[c]} channels",
            "mu": rng.choice([10, 20, 30, 50, 100, 200]),
            "ku": k, "du": side * side * c, "d1u": side * side,
            "dku": k * k * c, "kku": k * k, "scu": side * c, "du2": 2 * side * side * c}


WEIGHT_IMAGE = Concept(
    draw=merged(_weight_image_numbers, _unit_numbers),
    variants=(
        Variant(
            "A dense unit sees {su}x{su} images with {cu_text} ({du} weights) and is trained "
            "on {mu} images. Why is its weight image noisy?",
            (("{du} weights from {mu} images: far too few samples",
              "Each weight is fitted on its own, and {mu} images cannot pin down {du} of "
              "them: many fit noise, and nothing ties neighbouring weights together."),),
            (("Too few weights",
              "The unit has {du} weights, one per input value: far more than the data "
              "supports."),
             ("{mu} images are too many",
              "More images would constrain the weights better, not worse."),
             ("{du} weights shared over all pixels cannot fit the data",
              "A dense unit shares nothing: each of its {du} weights belongs to one input."),
             ("{mu} images are plenty for {du} weights; the noise is the data's",
              "{mu} samples are far too few for {du} separately learned weights."),
             ("The images have {cu} channels, and weights only learn from grey ones",
              "Colour channels are inputs like any other; each has its own weights."),
             ("Noise shows overfitting only when {mu} is larger than {du}",
              "The other way round: with fewer samples ({mu}) than weights ({du}) the unit "
              "overfits.")),
            level=2),
        Variant(
            "A dense unit sees {su}x{su} images with {cu_text}. Its weights are "
            "shown as an image (a weight image). How many weights does that image show?",
            (("{du}: one weight per pixel value it multiplies",
              "A dense unit has one weight per input value: {su}*{su}*{cu} = {du}; the "
              "weight image puts each at its pixel."),),
            (("{d1u}: one weight per pixel, whatever the channels",
              "Each channel of a pixel is an input of its own: {su}*{su}*{cu} = {du}."),
             ("{dku}: a {ku}x{ku} kernel over the colour channels",
              "That is a convolution's kernel; a dense unit sees the whole image."),
             ("{scu}: one weight per row of each colour channel",
              "There is a weight for every pixel value, not for every row."),
             ("{du2}: a weight and a bias per pixel value",
              "A unit has one bias in all; {du} weights.")),
            level=1),
        Variant(
            "A dense unit on {su}x{su} images with {cu_text} has a noisy weight image "
            "after training on few samples. It is replaced by a shared {ku}x{ku} kernel. How "
            "many weights must be learned now?",
            (("{dku} instead of {du}, each seen at every position",
              "A {ku}x{ku} kernel over {cu_text} has {dku} weights, and each is learned "
              "from every position of every image: far less noise."),),
            (("{du} as before; only their order changes",
              "Sharing replaces one weight per pixel by one small kernel: {dku} weights."),
             ("{kku} instead of {du}, each seen at every position",
              "The kernel spans {cu_text}: {ku}*{ku}*{cu} = {dku}."),
             ("{d1u} instead of {du}, one for every pixel position",
              "Sharing removes the weight per position; a kernel has {dku}."),
             ("{dku} instead of {du}, each seen at one position",
              "The count is right, but a shared kernel is used at every position.")),
            level=3),
        Variant(
            "A single unit is fully connected to {side}x{side}x{c} images and trained on {m} "
            "of them. What is its 'weight image'?",
            (("Its weights, each shown at the pixel it multiplies",
              "Its {weights_c} weights reshaped to {side}x{side}x{c}: each weight shown at the "
              "pixel (and channel) it multiplies. One weight per input value, so the weights "
              "form an image of the input's shape."),
             ("The unit's weights in the input's shape",
              "A picture of the unit's weights in the input's shape, showing which pixels raise "
              "or lower its output. Positive weights where bright pixels raise the output, "
              "negative where they lower it.")),
            (("The training image that activates the unit most",
              "That is an image from the data set; the weight image shows the weights."),
             ("The unit's {side}x{side} convolution kernel",
              "A fully connected unit has no kernel: one weight per input value."),
             ("The average of the training images",
              "Weights are fitted to the labels, not averaged images."),
             ("An image of the unit's outputs for every pixel",
              "A dense unit has one output; the weight image shows its weights."),
             ("The average of the training images the unit responds to most strongly",
              "Weights are fitted to the labels; the weight image shows the weights themselves."),
             ("The output of the unit for each training image, placed in a grid",
              "A dense unit has one output per image; the weight image shows its weights.")),
            level=1),
        Variant(
            "A single unit is fully connected to {side}x{side}x3 images and trained on only "
            "{m} images. Its {weights} weights, reshaped into a {side}x{side}x3 image, look "
            "like noise. Why?",
            (("Far more weights than images: many weights fit noise",
              "There are far more weights ({weights}) than training images ({m}), so many "
              "weights are fitted to noise and nothing ties neighbouring weights together. Few "
              "samples cannot pin down so many independent weights: overfitting."),
             ("Each pixel's weight is learned alone from few samples",
              "Each weight is learned on its own for one pixel, and {m} samples are too few to "
              "make neighbouring weights similar. Without weight sharing or more data nothing "
              "smooths the weight image.")),
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
            (("Many more training images for the {weights} weights",
              "Many more training images, so the {weights} weights are constrained by the data. "
              "With more samples than free weights, noise no longer fits."),
             ("A small shared kernel instead of the dense unit",
              "A small shared kernel instead of the dense unit: few weights, each learned from "
              "every position of every image. Weight sharing gives each weight far more data.")),
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
    Fact(1, "A {side}x{side} RGB image has {feat3} input features.", True,
         "Each pixel has three values: {side}*{side}*3 = {feat3}."),
    Fact(1, "A {side}x{side} RGB image has {side2} input features.", False,
         "Each pixel has three values (R, G, B): {side}*{side}*3 = {feat3}, not {side2}."),
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
