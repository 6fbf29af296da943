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
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
        c = rng.randrange(len(variant.correct))

        def fill(option: Option) -> Option:
            return option[0].format(**values), option[1].format(**values)
        correct = fill(variant.correct[c])
        filled = [fill(option) for option in variant.wrong]
        w = balanced_distractors(rng, len(correct[0]), [len(text) for text, _ in filled])
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


def balanced_distractors(rng: random.Random, right: int, lengths: list[int]) -> list[int]:
    """``N_WRONG`` distractor indices (sorted) so that length gives the right answer away no
    more than chance: how many chosen distractors are longer than the right answer (its rank
    by length) is drawn uniformly from 0 .. N_WRONG, as far as the pool allows."""
    longer = [i for i, n in enumerate(lengths) if n > right]
    others = [i for i, n in enumerate(lengths) if n <= right]
    wanted = rng.randint(0, N_WRONG)
    n_longer = min(max(wanted, N_WRONG - len(others)), len(longer))
    return sorted(rng.sample(longer, n_longer) + rng.sample(others, N_WRONG - n_longer))


def merged(*draws: Callable[[random.Random], dict[str, Any]]
           ) -> Callable[[random.Random], dict[str, Any]]:
    """One draw from several: each adds its numbers, in turn, from the same generator."""
    def draw(rng: random.Random) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for part in draws:
            values |= part(rng)
        return values
    return draw
