"""A grammar check over rendered questions: articles, plurals after numbers, no "(s)".

The rules are written here, apart from the templates: what a proof-reader would flag in a
printed exam. Every template is rendered at every level over many seeds, and each finding is
reported with the item id, so a bad draw can be replayed with ``make_item``.
"""

from __future__ import annotations

import re

import pytest

from question_bank.generate import make_item
from question_bank.templates import TEMPLATES

LEVELS = (1, 2, 3)
SEEDS = 150

# A vowel letter that is not a vowel sound, and letters whose name starts with one (an MRI).
_VOWEL_BUT_NOT_SOUND = ("uni", "use", "usu", "one", "eu", "ux")
_INITIALISM_WITH_AN = tuple("AEFHILMNORSX")
NOUNS = ("pixel", "layer", "channel", "input", "output", "kernel", "weight", "zero",
         "position", "value", "step", "unit", "row", "column", "entry", "product", "slice",
         "window", "feature", "parameter", "bias", "image", "sample", "decimal",
         "non-linearity")
PLURAL = {"entry": "entries", "bias": "biases", "non-linearity": "non-linearities"}


def _plural(noun: str) -> str:
    return PLURAL.get(noun, noun + "s")


def _number_needs_an(token: str) -> bool:
    """8, 80, 800, 8x8, 11, 18: said with a vowel sound first (eight, eleven, eighteen)."""
    digits = re.match(r"\d+", token).group()
    return digits.startswith("8") or digits in ("11", "18") or (
        len(digits) in (5, 8) and digits[:2] in ("11", "18"))


def _article_problems(text: str) -> list[str]:
    found = []
    for article, word in re.findall(r"\b([Aa]n?) ([\w'-]+)", text):
        if word[0].isdigit():
            wants_an = _number_needs_an(word)
        elif (word.isupper() and len(word) > 1) or len(word) == 1:
            wants_an = word[0].upper() in _INITIALISM_WITH_AN
        else:
            lower = word.lower()
            wants_an = (lower[0] in "aeiou" and not lower.startswith(_VOWEL_BUT_NOT_SOUND)) \
                or lower.startswith(("hour", "honest"))
        if (article.lower() == "an") != wants_an:
            found.append(f"'{article} {word}'")
    return found


def _number_problems(text: str) -> list[str]:
    found = []
    for noun in NOUNS:
        many = _plural(noun)
        # "1 more pixels", "1 channels"; but "stride 1 pixels" cannot be told from a verb.
        found += [f"'{m}'" for m in re.findall(rf"\b(?<![.,\d])1 (?:more )?{many}\b", text)]
        # "3 channel" as a count; but "36 input channels", "64 input and 64 output
        # channels", "3x3 kernel", "2.5 pixel" and "a 3 pixel shift" are fine.
        found += [f"'{m}'" for m in re.findall(
            rf"(?<![\w.*/+-])(?:[2-9]|\d\d+) {noun}\b(?![\w-]| of| shift| and| [a-z]+s\b)",
            text)]
    return found


def problems(text: str) -> list[str]:
    """What a proof-reader would flag in one rendered text."""
    found = _article_problems(text) + _number_problems(text)
    if "(s)" in text:
        found.append("'(s)'")
    found += [f"'{m}' said twice" for m in re.findall(r"(\d+ \w+) \(\1 in all\)", text)]
    return found


def _rendered(name: str):
    for level in LEVELS:
        for seed in range(SEEDS):
            yield make_item(name, seed, level)


@pytest.mark.parametrize("text, flagged", [
    ("Is a abdominal CT slice", True), ("An abdominal CT slice", False),
    ("a 8-channel input", True), ("an 8-channel input", False), ("a 18x18 map", True),
    ("a 16x16 map", False), ("a unit", False), ("an MRI slice", False), ("a MRI", True),
    ("an kernel", True), ("1 more non-linearities", True), ("1 more layers", True),
    ("it has input(s)", True), ("33 outputs (33 outputs in all)", True),
    ("gives 3 channel maps", False), ("has 3 channel", True), ("a 3x3 kernel", False),
    ("64 input and 64 output channels", False),
])
def test_the_grammar_check_flags_what_a_proof_reader_would(text, flagged):
    assert bool(problems(text)) == flagged, problems(text)


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_rendered_stems_and_choices_read_correctly(name):
    found = {}
    for item in _rendered(name):
        for text in (item.stem, *(choice.text for choice in item.choices)):
            if problems(text):
                found.setdefault(item.id, problems(text))
    assert not found, dict(list(found.items())[:5])
