"""The mechanism of understanding questions: multiple-choice and true/false items from text.

A multiple-choice concept has variants (a stem with its own right answers and distractors),
each written for one difficulty: 1 asks for a definition, 2 applies the idea to numbers the
concept draws, 3 asks for a subtle distinction (equivariance of convolution vs invariance
from pooling, stride vs pooling, 1x1 convolutions, ...). An item draws a variant of its
difficulty, one right answer and three distractors, fills in the drawn numbers and shuffles
the four choices. Every distractor is a misconception a student really has, and its feedback
says why it is wrong; the right answer's feedback says why it is right.

True/false families hold ``Fact``s, each with a difficulty; an item draws one statement of
its difficulty, true or false with equal chance, and fills in drawn numbers. Numbers follow
the lecture: convolution is the cross-correlation (kernel not flipped), windows that do not
fit are dropped (floor), images are channels last (H, W, C).
"""

from __future__ import annotations

import functools
import itertools
import random
import string
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from question_bank.cues import text_odds
from question_bank.model import Choice
from question_bank.templates.base import DIFFICULTIES, Draft, mc_choices

Option = tuple[str, str]  # (text, feedback)
N_WRONG = 3  # four choices per item


def _fields(*texts: str) -> set[str]:
    """The placeholder names used in these format strings."""
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def _no_numbers(rng: random.Random) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Variant:
    """One multiple-choice stem with its right answers and distractors, for one difficulty."""

    stem: str
    correct: tuple[Option, ...]
    wrong: tuple[Option, ...]
    level: int


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
            if variant.level not in DIFFICULTIES:
                raise ValueError(f"variant {variant.stem[:40]!r}: level {variant.level}")
        missing = set(DIFFICULTIES) - {variant.level for variant in self.variants}
        if missing:
            raise ValueError(f"concept {self.variants[0].stem[:40]!r}: no variant for "
                             f"difficulty {sorted(missing)}")

    def __call__(self, rng: random.Random, difficulty: int) -> Draft:
        values = self.draw(rng)
        v = rng.choice([i for i, var in enumerate(self.variants) if var.level == difficulty])
        variant = self.variants[v]

        def fill(option: Option) -> Option:
            return option[0].format(**values), option[1].format(**values)
        rights = [fill(option) for option in variant.correct]
        # Drawn numbers can make two texts equal (a distractor's number is the right one):
        # such a distractor is left out, so every item has distinct choices.
        said = {text for text, _ in rights}
        filled = []
        for text, feedback in map(fill, variant.wrong):
            if text not in said:
                said.add(text)
                filled.append((text, feedback))
        c, w = balanced_choices(rng, [text for text, _ in rights], [text for text, _ in filled])
        correct = rights[c]
        wrong = [filled[i] for i in w]
        choices, answer = mc_choices(rng, correct, wrong)
        solution = (f"Right: {correct[0]}. {correct[1]}\nThe others:\n"
                    + "\n".join(f"- {text}: {feedback}" for text, feedback in wrong))
        used = _variant_fields(variant)
        params = {"variant": v, "correct": c, "wrong": w,
                  **{key: value for key, value in values.items() if key in used}}
        return Draft(variant.stem.format(**values), answer, solution, params, choices=choices)


@dataclass(frozen=True)
class Fact:
    """One true/false statement for one difficulty; ``why`` explains it either way."""

    level: int
    text: str
    true: bool
    why: str


@dataclass(frozen=True)
class Statements:
    """A true/false family; ``draw`` gives the numbers the statements refer to."""

    facts: tuple[Fact, ...]
    draw: Callable[[random.Random], dict[str, Any]] = _no_numbers

    def __post_init__(self) -> None:
        for level in DIFFICULTIES:
            for truth in (True, False):
                if not any(f.level == level and f.true == truth for f in self.facts):
                    raise ValueError(f"statements {self.facts[0].text[:40]!r}: no {truth} "
                                     f"statement for difficulty {level}")

    def __call__(self, rng: random.Random, difficulty: int) -> Draft:
        values = self.draw(rng)
        truth = rng.random() < 0.5  # half true, half false, whatever the pool's mix
        pool = [i for i, f in enumerate(self.facts) if f.true == truth and f.level == difficulty]
        index = rng.choice(pool)
        fact = self.facts[index]
        text, why = fact.text.format(**values), fact.why.format(**values)
        verdict = "true" if fact.true else "false"
        # The reason is said once, in the solution; a choice's feedback gives the verdict.
        choices = (
            Choice("True", fact.true, f"{'Right' if fact.true else 'No'}: the statement is "
                                      f"{verdict}."),
            Choice("False", not fact.true, f"{'Right' if not fact.true else 'No'}: the "
                                           f"statement is {verdict}."))
        solution = f"{verdict.capitalize()}. {why}"
        used = _fact_fields(fact)
        params = {"statement": index, "is_true": fact.true,
                  **{key: value for key, value in values.items() if key in used}}
        return Draft(f"True or false? {text}", 0 if fact.true else 1, solution, params,
                     choices=choices)


@functools.cache
def _variant_fields(variant: Variant) -> frozenset[str]:
    """The placeholders of a variant's stem and options (parsed once per variant)."""
    return frozenset(_fields(variant.stem, *(text for option in variant.correct + variant.wrong
                                             for text in option)))


@functools.cache
def _fact_fields(fact: Fact) -> frozenset[str]:
    """The placeholders of a statement and its explanation (parsed once per fact)."""
    return frozenset(_fields(fact.text, fact.why))


# ---- the texts live in data files: templates/text/<template>.toml -------------------------

TEXT_DIR = Path(__file__).with_name("text")
_OPTION = {"type": "object", "additionalProperties": False, "required": ["text", "feedback"],
           "properties": {"text": {"type": "string", "minLength": 1},
                          "feedback": {"type": "string", "minLength": 1}}}
SCHEMA = {  # one file: [[variant]] tables (multiple choice) or [[fact]] tables (true/false)
    "type": "object", "additionalProperties": False,
    "properties": {
        "variant": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False,
            "required": ["level", "stem", "right", "wrong"],
            "properties": {"level": {"enum": list(DIFFICULTIES)},
                           "stem": {"type": "string", "minLength": 1},
                           "right": {"type": "array", "minItems": 1, "items": _OPTION},
                           "wrong": {"type": "array", "minItems": N_WRONG, "items": _OPTION}}}},
        "fact": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False,
            "required": ["level", "true", "text", "why"],
            "properties": {"level": {"enum": list(DIFFICULTIES)}, "true": {"type": "boolean"},
                           "text": {"type": "string", "minLength": 1},
                           "why": {"type": "string", "minLength": 1}}}}}}


class TextFileError(ValueError):
    """A template's text file breaks the schema; the message names file, template, field."""


def read_text_file(name: str, kind: str, folder: Path | None = None) -> list[dict[str, Any]]:
    """The ``kind`` ("variant" or "fact") tables of ``text/<name>.toml``, checked against
    ``SCHEMA``: an error names the file, the template and the field."""
    path = (folder or TEXT_DIR) / f"{name}.toml"
    data = read_toml(path, name, SCHEMA)
    if kind not in data:
        raise TextFileError(f"{path}: template {name!r}: no [[{kind}]] table")
    return data[kind]


def read_toml(path: Path, name: str, schema: dict[str, Any], what: str = "template"
              ) -> dict[str, Any]:
    """Template ``name``'s text file at ``path``, checked against ``schema`` (JSON schema):
    an error names the file, the template (or ``what`` else it is) and the field."""
    import jsonschema
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise TextFileError(f"{path}: {what} {name!r}: cannot read it: {error}") from None
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = _field_name(list(first.absolute_path))
        raise TextFileError(f"{path}: {what} {name!r}: {where or 'the file'}: "
                            f"{first.message}")
    return data


def _field_name(path: list[Any]) -> str:
    """["variant", 2, "wrong", 0, "text"] -> "variant 3, wrong 1, field 'text'"."""
    parts: list[str] = []
    for key in path:
        if isinstance(key, int) and parts:
            parts[-1] += f" {key + 1}"
        else:
            parts.append(str(key))
    if path and isinstance(path[-1], str) and len(parts) > 1:
        parts[-1] = f"field {parts[-1]!r}"
    return ", ".join(parts)


def _check_fields(name: str, texts: list[str], drawn: set[str]) -> None:
    unknown = _fields(*texts) - drawn
    if unknown:
        raise TextFileError(f"{TEXT_DIR / name}.toml: template {name!r}: placeholder(s) "
                            f"{sorted(unknown)} are not drawn (drawn: {sorted(drawn)})")


def load_concept(name: str, draw: Callable[[random.Random], dict[str, Any]] = _no_numbers,
                 folder: Path | None = None) -> Concept:
    """The multiple-choice concept of template ``name``: its text from ``text/<name>.toml``,
    its numbers from ``draw``."""
    variants = tuple(Variant(v["stem"], tuple((o["text"], o["feedback"]) for o in v["right"]),
                             tuple((o["text"], o["feedback"]) for o in v["wrong"]), v["level"])
                     for v in read_text_file(name, "variant", folder))
    drawn = set(draw(random.Random(0)))
    for v in variants:
        _check_fields(name, [v.stem, *(t for o in v.correct + v.wrong for t in o)], drawn)
    return Concept(variants, draw)


def load_statements(name: str,
                    draw: Callable[[random.Random], dict[str, Any]] = _no_numbers,
                    folder: Path | None = None) -> Statements:
    """The true/false family of template ``name`` from ``text/<name>.toml`` and ``draw``."""
    facts = tuple(Fact(f["level"], f["text"], f["true"], f["why"])
                  for f in read_text_file(name, "fact", folder))
    drawn = set(draw(random.Random(0)))
    for fact in facts:
        _check_fields(name, [fact.text, fact.why], drawn)
    return Statements(facts, draw)


def balanced_choices(rng: random.Random, rights: list[str], wrongs: list[str]
                     ) -> tuple[int, list[int]]:
    """Which wording of the right answer and which ``N_WRONG`` distractors (sorted) to show,
    so that surface cues give the right answer away no more than chance. Among the sets of
    choices the pool allows:

    - sets where the right answer is the one choice with (or without) a number are left out
      (when others exist);
    - the test-wise student of ``question_bank.cues`` (odd format, absolutes, longest,
      convergence) picks the right answer with chance 1/4 on average: sets where that
      student does better are mixed with sets where the student does worse, in the
      proportion that averages to chance (as far as the pool allows);
    - the right answer's rank by length (how many shown distractors are longer) is drawn
      uniformly from 0 .. N_WRONG, as far as the remaining sets allow.
    """
    sets = [(c, list(w)) for c in range(len(rights))
            for w in itertools.combinations(range(len(wrongs)), N_WRONG)]
    texts = {id(option): [rights[option[0]], *(wrongs[i] for i in option[1])]
             for option in sets}
    even = [option for option in sets if not _odd_format(texts[id(option)])]
    sets = even or sets
    odds = [text_odds(texts[id(option)])[0] for option in sets]
    chance = 1 / (N_WRONG + 1)
    high = [(o, p) for o, p in zip(sets, odds, strict=True) if p > chance]
    low = [(o, p) for o, p in zip(sets, odds, strict=True) if p <= chance]
    if high and low:
        mean_high = sum(p for _, p in high) / len(high)
        mean_low = sum(p for _, p in low) / len(low)
        share_high = (chance - mean_low) / (mean_high - mean_low)
        sets = [o for o, _ in (high if rng.random() < share_high else low)]
    wanted = rng.randint(0, N_WRONG)

    def rank(option: tuple[int, list[int]]) -> int:
        c, w = option
        return sum(len(wrongs[i]) > len(rights[c]) for i in w)
    closest = min(abs(rank(option) - wanted) for option in sets)
    return rng.choice([option for option in sets if abs(rank(option) - wanted) == closest])


def _odd_format(texts: list[str]) -> bool:
    """True when the first text (the right answer) alone has, or alone lacks, a number."""
    numbered = [any(ch.isdigit() for ch in text) for text in texts]
    return numbered.count(numbered[0]) == 1


def merged(*draws: Callable[[random.Random], dict[str, Any]]
           ) -> Callable[[random.Random], dict[str, Any]]:
    """One draw from several: each adds its numbers, in turn, from the same generator."""
    def draw(rng: random.Random) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for part in draws:
            values |= part(rng)
        return values
    return draw
