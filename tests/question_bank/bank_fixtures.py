"""Hand-made question-bank items for the export, drill and CLI tests.

They do not depend on the templates, so these tests run whatever state the generator is in,
and they cover every item type and the awkward cases: a figure, a float with a tolerance,
per-choice feedback, and text that must be escaped (``<>&"'`` and a Markdown table). Also
``distinct``, for the tests that count a template's distinct questions.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import replace

from PIL import Image

from question_bank.model import Choice, Item


def distinct(values: Iterable, enough: int) -> int:
    """How many distinct ``values`` there are, counted up to ``enough``, where counting stops:
    the claims are "at least so many" (a template's first 1000 distinct stems come long
    before its 5000th seed)."""
    seen: set = set()
    for value in values:
        seen.add(value)
        if len(seen) == enough:
            break
    return len(seen)


def tiny_png(shade: int = 40) -> bytes:
    """A 6x4 grey PNG: small, valid, and different per ``shade``."""
    buffer = io.BytesIO()
    Image.new("L", (6, 4), color=shade).save(buffer, format="PNG")
    return buffer.getvalue()


def numeric_int() -> Item:
    """Output size of a convolution; integer answer, exact, with a figure."""
    return Item(
        id="conv_output-s1", template="conv_output", learning_outcome="LO1", type="numeric",
        stem="A 7x7 image is convolved with a 3x3 kernel, stride 1, no padding. "
             "How many pixels wide is the output?",
        answer=5, solution="(7 - 3) / 1 + 1 = 5", params={"n": 7, "k": 3, "s": 1, "p": 0},
        tolerance=0, difficulty=1, figure=tiny_png(40), figure_alt="a 7x7 grid with a 3x3 window")


def numeric_float() -> Item:
    """Sigmoid of a value; float answer with an absolute tolerance, no figure."""
    return Item(
        id="sigmoid-s2", template="sigmoid", learning_outcome="LO3", type="numeric",
        stem="What is sigmoid(0.5)? Give 3 decimals.",
        answer=0.6224593312018546, solution="1 / (1 + exp(-0.5)) = 0.622",
        params={"x": 0.5}, tolerance=0.001, difficulty=2)


def multiple_choice() -> Item:
    """Four choices, the third right, each with its own feedback."""
    texts = ["27", "28", "3*3*3 + 1 = 28 weights and one bias... no: 27 + 1", "9"]
    feedback = ["Forgot the bias.", "Counted one bias per kernel: right.",
                "Mixed up the counting.", "Forgot the input channels."]
    choices = tuple(Choice(text, i == 1, fb) for i, (text, fb) in enumerate(zip(texts, feedback,
                                                                                 strict=True)))
    return Item(
        id="conv_params_mc-s3", template="conv_params_mc", learning_outcome="LO5",
        type="multiple_choice",
        stem="How many trainable parameters has one 3x3 kernel on a 3-channel input, with bias?",
        answer=1, solution="3 * 3 * 3 weights + 1 bias = 28", params={"k": 3, "c_in": 3},
        choices=choices, difficulty=2)


def true_false() -> Item:
    """A statement that is false; the choices are "True" and "False"."""
    return Item(
        id="pool_params_tf-s4", template="pool_params_tf", learning_outcome="LO4",
        type="true_false", stem="A 2x2 max-pooling layer has 4 trainable weights.",
        answer=1, solution="Max-pooling has no trainable parameters.", params={"size": 2},
        choices=(Choice("True", False, "Pooling takes a maximum; it learns nothing."),
                 Choice("False", True, "Right: no weights, no bias.")),
        difficulty=1)


def escaping() -> Item:
    """Markup characters in every text field and a Markdown table in the stem."""
    stem = ('Compare <b>bold</b> & "quoted" \'text\' with x < y > z.\n\n'
            "| layer | kernel |\n| --- | --- |\n| conv1 | 3x3 |\n| conv2 | 5x5 |\n\n"
            "Which layer has the <larger> kernel?")
    return Item(
        id="escape_mc-s5", template="escape_mc", learning_outcome="LO2", type="multiple_choice",
        stem=stem, answer=0, solution='conv2: 5 > 3 & "bigger" <wins>',
        params={"note": "<&>"},
        choices=(Choice("conv2 <5x5>", True, "Right & \"well\" done <yes>"),
                 Choice("conv1 & 'co'", False, "3 < 5, so <no>")),
        difficulty=3)


def all_items() -> list[Item]:
    """One item of each kind, in a fixed order."""
    return [numeric_int(), numeric_float(), multiple_choice(), true_false(), escaping()]


def no_correct_choice() -> Item:
    """A malformed multiple_choice: no choice is marked correct."""
    item = multiple_choice()
    choices = tuple(replace(choice, correct=False) for choice in item.choices)
    return replace(item, id="broken_mc-s6", choices=choices)


def tiny_answer() -> Item:
    """A numeric item whose answer Canvas would round to zero."""
    return replace(numeric_float(), id="tiny-s7", answer=1e-6, tolerance=1e-7)
