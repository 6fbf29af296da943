"""LO2, computing: how many features an image has and what a dense layer on it would cost."""

from __future__ import annotations

import random

from question_bank.templates.base import Draft, integer
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
                    f"(a {kind} has {channels} channel(s)).")
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
        solution = (f"Each kernel spans all {channels} channel(s): {k}*{k}*{channels} weights, "
                    f"and there are {units} kernels: {k}*{k}*{channels}*{units} = {answer}. "
                    f"The image size ({side}x{side}) does not matter: the weights are shared.")
    stem = (f"A {kind} of {side}x{side} pixels is the input of {question}. How many weights "
            f"does this layer have (weights only, no biases)?")
    params = {"kind": kind, "side": side, "channels": channels, "units": units, "k": k,
              "layer": layer}
    return Draft(stem, answer, solution, params, tolerance=0.0)
