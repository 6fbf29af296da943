"""What every template shares: the ``Template`` record, checks on what it makes, and helpers.

A template is a named function ``(rng, difficulty) -> Item`` with metadata. The function body
only draws numbers and fills in the words of the template's data file, ``text/<name>.toml``
(a ``Draft``; ``texts.py`` for computing templates, ``concepts.py`` for the others);
``Template.__call__`` adds the metadata and checks the result, so a broken template fails
loudly (and shows up in the stress report) instead of putting a bad question in front of a
student.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from question_bank.model import LEARNING_OUTCOMES, SMALLEST_ANSWER, TYPES, Choice, Item

DIFFICULTIES = (1, 2, 3)
FIGURE_DPI = 80  # small PNGs: rendering is the slow part of building a bank
WORDS = {2: "two", 3: "three", 4: "four"}  # small counts written out in stems


@dataclass(frozen=True)
class Draft:
    """What a template body returns: the item's content, without metadata or id."""

    stem: str
    answer: Any
    solution: str
    params: dict[str, Any]
    tolerance: float | None = None
    choices: tuple[Choice, ...] = ()


Body = Callable[[random.Random, int], Draft]
FigureMaker = Callable[[dict[str, Any]], tuple[bytes, str]]


@dataclass(frozen=True)
class Template:
    """A question family: ``template(rng, difficulty)`` returns one checked ``Item``.

    ``figure``, when given, turns an item's ``params`` into ``(png_bytes, alt_text)``; it is
    kept apart from the body because rendering is slow and only wanted on request.
    """

    name: str
    learning_outcome: str
    type: str
    description: str
    body: Body = field(repr=False)
    figure: FigureMaker | None = field(default=None, repr=False)
    fractions: bool = False  # replies may be fractions (answers in quarters, sixteenths)

    def __post_init__(self) -> None:
        if self.learning_outcome not in LEARNING_OUTCOMES:
            raise ValueError(f"learning_outcome: unknown {self.learning_outcome!r} "
                             f"in template {self.name!r}")
        if self.type not in TYPES:
            raise ValueError(f"type: unknown {self.type!r} in template {self.name!r}")

    def __call__(self, rng: random.Random, difficulty: int = 1) -> Item:
        if difficulty not in DIFFICULTIES:
            raise ValueError(f"difficulty: must be one of {DIFFICULTIES}, got {difficulty!r}")
        draft = self.body(rng, difficulty)
        for _ in range(REDRAWS):  # a stem that states its own answer gives it away
            if self.type != "numeric" or number(draft.answer) not in stated_numbers(draft.stem):
                break
            draft = self.body(rng, difficulty)
        # Drawn numbers and words decide "a" or "an" ("an 8x8 map"): settled here, for all.
        choices = tuple(Choice(with_articles(c.text), c.correct, with_articles(c.feedback))
                        for c in draft.choices)
        item = Item(id="", template=self.name, learning_outcome=self.learning_outcome,
                    type=self.type, stem=with_articles(draft.stem), answer=draft.answer,
                    solution=with_articles(draft.solution), params=draft.params,
                    tolerance=draft.tolerance, choices=choices, difficulty=difficulty,
                    fractions=self.fractions)
        check_item(item)
        return item


REDRAWS = 200
_VALUES = re.compile(r"=\s*\([^()]*\)")  # a list of given values: x = (3, 0, -1, 2)
_NUMBER = re.compile(r"(?<![\d.])-?\d+(?:\.\d+)?(?![\d.])")


def stated_numbers(stem: str) -> set[str]:
    """The numbers a stem states, when it gives no data to compute from. A stem with a table
    or a list of values (an entry of a convolution or of pooling) is left alone: its other
    numbers are positions and sizes, and a max-pooling answer is one of the table's values
    by definition; redrawing those would make some answers rarer than others."""
    if _VALUES.search(stem) or any(line.lstrip().startswith("|") for line in stem.splitlines()):
        return set()
    return set(_NUMBER.findall(stem))


def check_item(item: Item) -> None:
    """Raise ``ValueError`` naming the problem when an item breaks a rule of the bank."""
    where = f"template {item.template!r}"
    if not item.stem.strip() or not item.solution.strip():
        raise ValueError(f"{where}: empty stem or solution")
    if item.type == "numeric":
        _check_numeric(item, where)
    else:
        _check_choices(item, where)


def _check_numeric(item: Item, where: str) -> None:
    answer = item.answer
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        raise ValueError(f"{where}: answer must be a Python int or float, got {answer!r}")
    if not math.isfinite(answer):
        raise ValueError(f"{where}: answer {answer} is not finite")
    if 0 < abs(answer) < SMALLEST_ANSWER:
        raise ValueError(f"{where}: answer {answer} would be rounded to 0 by Canvas")
    if item.tolerance is None or item.tolerance < 0:
        raise ValueError(f"{where}: numeric items need a tolerance >= 0")
    if item.choices:
        raise ValueError(f"{where}: numeric items have no choices")


def _check_choices(item: Item, where: str) -> None:
    texts = [choice.text for choice in item.choices]
    if len(texts) < 2:
        raise ValueError(f"{where}: needs at least two choices")
    if len(set(texts)) != len(texts):
        raise ValueError(f"{where}: two choices are equal: {texts}")
    correct = [i for i, choice in enumerate(item.choices) if choice.correct]
    if correct != [item.answer]:
        raise ValueError(f"{where}: answer {item.answer} must be the index of the one "
                         f"correct choice, correct ones are {correct}")
    if any(not choice.feedback.strip() for choice in item.choices):
        raise ValueError(f"{where}: every choice needs feedback")


# ---- helpers for template bodies -------------------------------------------------------

def integer(value: Any) -> int:
    """A solutions/ result as a plain Python int (JSON-able); refuses non-whole numbers."""
    if float(value) != int(value):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(value)


def markdown_table(rows: Sequence[Sequence[Any]], corner: str = "") -> str:
    """A small array as a Markdown table with 1-based row and column numbers."""
    n_cols = len(rows[0])
    header = "| " + " | ".join([corner] + [f"c{j + 1}" for j in range(n_cols)]) + " |"
    rule = "|" + "---|" * (n_cols + 1)
    body = ["| " + " | ".join([f"r{i + 1}"] + [number(v) for v in row]) + " |"
            for i, row in enumerate(rows)]
    return "\n".join([header, rule, *body])


def listed(values: Sequence[Any]) -> str:
    """"3, 0, -1, 2": given values as a stem lists them, inside its own brackets."""
    return ", ".join(map(str, values))


def names(letter: str, n: int) -> str:
    """"x1, x2, x3": the names of n numbered values."""
    return ", ".join(f"{letter}{i + 1}" for i in range(n))


def count(n: int, singular: str, plural: str | None = None) -> str:
    """"1 channel", "3 channels": a count with its noun in the right number."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def article(phrase: str) -> str:
    """"a" or "an" for ``phrase`` as it is said: an abdominal CT, an 8-channel input, an
    RGB photo, an 11x11 kernel; but a unit, a one-pixel shift, a 16x16 map."""
    word = phrase.split()[0] if phrase.split() else ""
    if number := re.match(r"\d+", word):
        digits = number.group()
        said_with_vowel = digits.startswith("8") or (digits[:2] in ("11", "18")
                                                     and len(digits) % 3 == 2)
    elif (len(word) > 1 and word.isupper()) or len(word) == 1:
        said_with_vowel = word[0].upper() in "AEFHILMNORSX"  # letter names: "an MRI"
    else:
        lower = word.lower()
        said_with_vowel = lower[:1] in tuple("aeiou") and not lower.startswith(
            ("uni", "use", "usu", "one", "eu"))
    return "an" if said_with_vowel else "a"


_ARTICLE = re.compile(r"\b([Aa])n? (?=([\w'-]+))")


def with_articles(text: str) -> str:
    """``text`` with every "a"/"an" matching the word after it (drawn numbers and words)."""
    def fix(match: re.Match[str]) -> str:
        right = article(match.group(2))
        return (right.capitalize() if match.group(1) == "A" else right) + " "
    return _ARTICLE.sub(fix, text)


def number(value: float) -> str:
    """A number as a student would write it: no ``.0`` on whole numbers."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def random_grid(rng: random.Random, rows: int, cols: int, low: int, high: int) -> list[list[int]]:
    """A rows x cols grid of integers in [low, high], drawn row by row."""
    return [[rng.randint(low, high) for _ in range(cols)] for _ in range(rows)]


def mc_choices(rng: random.Random, correct: tuple[str, str],
               wrong: Sequence[tuple[str, str]]) -> tuple[tuple[Choice, ...], int]:
    """Shuffle one correct ``(text, feedback)`` with the wrong ones; return choices, answer."""
    choices = [Choice(correct[0], True, correct[1])]
    choices += [Choice(text, False, feedback) for text, feedback in wrong]
    rng.shuffle(choices)
    answer = next(i for i, choice in enumerate(choices) if choice.correct)
    return tuple(choices), answer
