"""LO2, computing: how many features an image has and what a dense layer on it would cost."""

from __future__ import annotations

import random
from typing import Any

from question_bank.templates.base import WORDS, count, integer
from question_bank.templates.concepts import load_concept, load_statements, merged
from question_bank.templates.texts import Drawn, numeric_template
from solutions.weights import conv_layer_params, dense_weights, n_input_features

# (description, channels): images of the course's kind; the channels follow from the kind.
IMAGE_KINDS = (("colour (RGB) dermoscopy photo", 3), ("colour (RGB) fundus photo", 3),
               ("colour (RGB) histology patch", 3), ("grey X-ray", 1), ("grey CT slice", 1),
               ("grey ultrasound frame", 1), ("RGBA microscopy image", 4))


def image_features(rng: random.Random, difficulty: int) -> Drawn:
    """H x W x C input features, as the lecture's 24x24x3 -> 1728."""
    kind, channels = rng.choice(IMAGE_KINDS)
    height = rng.randint(8, 512)
    # d1 square images; d2 rectangular; d3 a scan of several slices (slices act as channels).
    width = height if difficulty == 1 else rng.randint(8, 512)
    slices = rng.randint(2, 64) if difficulty == 3 else 1
    answer = integer(n_input_features(height, width, channels * slices))
    case = "image" if slices == 1 else "stack"
    params = {"kind": kind, "height": height, "width": width, "channels": channels,
              "slices": slices}
    return Drawn(answer, params, {"stem": case, "solution": case,
                                  "channels_text": count(channels, "channel")})


def image_layer_weights(rng: random.Random, difficulty: int) -> Drawn:
    """Weights of a fully connected vs a convolutional first layer on the same image."""
    kind, channels = rng.choice(IMAGE_KINDS)
    side = {1: rng.randint(8, 32), 2: rng.randint(32, 128), 3: rng.randint(128, 512)}[difficulty]
    units = rng.choice([8, 10, 16, 20, 32, 50, 64, 100, 128])
    k = rng.choice([3, 5, 7])
    layer = rng.choice(["dense", "conv"])
    features = integer(n_input_features(side, side, channels))
    if layer == "dense":
        answer = integer(dense_weights(features, units))
    else:
        answer = integer(conv_layer_params(k, channels, units, bias=False))
    params = {"kind": kind, "side": side, "channels": channels, "units": units, "k": k,
              "layer": layer}
    return Drawn(answer, params, {"question": layer, "solution": layer, "features": features,
                                  "channels_text": count(channels, "channel")})


IMAGE_FEATURES = numeric_template("image_features", image_features)
IMAGE_LAYER_WEIGHTS = numeric_template("image_layer_weights", image_layer_weights)


# ---- understanding questions: multiple choice and true/false ---------------------------------


def _shift_numbers(rng: random.Random) -> dict[str, Any]:
    return {"d": rng.randint(2, 20), "s": rng.choice([2, 3, 4]),
            "organ": rng.choice(["chest CT", "brain MRI", "abdominal CT", "knee MRI"]),
            "finding": rng.choice(["nodule", "lesion", "tumour", "calcification"])}


def _moved_numbers(rng: random.Random) -> dict[str, Any]:
    col, d, s, m = rng.randint(5, 30), rng.randint(2, 6), rng.choice([2, 3, 4]), rng.randint(2, 7)
    return {"col": col, "dm": d, "col_d": col + d, "col_m": col - d, "col_dd": col + 2 * d,
            "sv": s, "mv": m, "ms": m * s, "mss": m * s * s}


TRANSLATION = load_concept("translation", draw=merged(_shift_numbers, _moved_numbers))


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


STRUCTURED_INPUTS = load_concept("structured_inputs",
                                 draw=merged(_structure_numbers, _flat_numbers))


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


WEIGHT_IMAGE = load_concept("weight_image", draw=merged(_weight_image_numbers, _unit_numbers))


def _image_fact_numbers(rng: random.Random) -> dict[str, Any]:
    side, c = rng.choice([24, 28, 32, 48, 64, 96, 128]), rng.choice([1, 3])
    ct, units, k = rng.choice([256, 512]), rng.choice([10, 50, 100, 500, 1000]), rng.choice([3, 5])
    f, slices, d, s = rng.choice([8, 16, 32, 64]), rng.randint(40, 300), rng.randint(2, 30), \
        rng.choice([2, 3, 4])
    return {"side": side, "c": c, "feat": side * side * c, "feat3": side * side * 3,
            "side2": side * side, "ct": ct, "units": units, "dense": int(dense_weights(
                ct * ct, units)), "k": k, "f": f, "convw": k * k * f, "slices": slices,
            "plane": ct * ct, "vol": ct * ct * slices, "d": d, "s": s}


IMAGE_FACTS = load_statements("image_facts", draw=_image_fact_numbers)
