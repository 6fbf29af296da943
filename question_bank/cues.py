"""A test-wise student who knows nothing of CNNs: surface cues combined, as issue 23 tried.

``testwise_odds(item)`` plays one multiple-choice item the way a test-wise student would,
without reading for meaning:

1. strike the one choice without a number when all the others have one (the odd format);
2. strike choices with absolutes (always, never, only, ...);
3. strike the longest choice (the anti-cue: long distractors);
4. among what is left, pick the choice most like the others (convergence: the right answer
   is often the one the distractors vary), ties broken at random.

Each rule applies only when it leaves a choice standing. The result is the chance of picking
each choice; ``testwise_score`` is the chance of the right one. The bank is written so that
this stays near chance (``tests/question_bank/test_bank_cues.py``);
``python3 -m question_bank.cues`` prints the score per template.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable

from question_bank.model import Item

ABSOLUTES = re.compile(r"\b(always|never|only|all|none|every|any|whatever|must|cannot|"
                       r"exactly|completely|entirely|no longer)\b", re.IGNORECASE)
WORD = re.compile(r"[a-z]+|\d+", re.IGNORECASE)

Rule = Callable[[list[str], set[int]], set[int]]


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    return frozenset(word.lower() for word in WORD.findall(text))


@functools.lru_cache(maxsize=4096)
def _absolute(text: str) -> bool:
    return ABSOLUTES.search(text) is not None


@functools.lru_cache(maxsize=4096)
def _has_number(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def strike_lone_without_number(texts: list[str], alive: set[int]) -> set[int]:
    without = [i for i in alive if not _has_number(texts[i])]
    return alive - set(without) if len(without) == 1 and len(alive) > 2 else alive


def strike_absolutes(texts: list[str], alive: set[int]) -> set[int]:
    return {i for i in alive if not _absolute(texts[i])}


def strike_longest(texts: list[str], alive: set[int]) -> set[int]:
    longest = max(len(texts[i]) for i in alive)
    tied = [i for i in alive if len(texts[i]) == longest]
    return alive - set(tied) if len(tied) == 1 else alive


RULES: tuple[Rule, ...] = (strike_lone_without_number, strike_absolutes, strike_longest)


def similarity(texts: list[str], index: int) -> float:
    """How much choice ``index`` shares with the other choices: the summed Jaccard overlap of
    its words (numbers count as words) with each other choice's."""
    return sum(_jaccard(texts[index], text) for j, text in enumerate(texts) if j != index)


@functools.lru_cache(maxsize=16384)
def _jaccard(first: str, second: str) -> float:
    mine, theirs = _words(first), _words(second)
    return len(mine & theirs) / max(1, len(mine | theirs))


def testwise_odds(item: Item, rules: Iterable[Rule] = RULES,
                  converge: bool = True) -> list[float]:
    """The chance that the test-wise student picks each choice of ``item``."""
    return text_odds([choice.text for choice in item.choices], rules, converge)


def text_odds(texts: list[str], rules: Iterable[Rule] = RULES,
              converge: bool = True) -> list[float]:
    """``testwise_odds`` of choices given as texts."""
    alive = set(range(len(texts)))
    for rule in rules:
        left = rule(texts, alive)
        if left:
            alive = left
    if converge:
        scores = {i: round(similarity(texts, i), 9) for i in alive}
        best = max(scores.values())
        alive = {i for i, s in scores.items() if s == best}
    return [1 / len(alive) if i in alive else 0.0 for i in range(len(texts))]


def testwise_score(item: Item, **options) -> float:
    """The chance that the test-wise student gets ``item`` right."""
    return testwise_odds(item, **options)[item.answer]


def scores_per_template(items: Iterable[Item]) -> dict[str, tuple[float, int]]:
    """{template: (mean test-wise score, items)} over the four-choice items."""
    sums: dict[str, list[float]] = {}
    for item in items:
        if item.type == "multiple_choice" and len(item.choices) == 4:
            sums.setdefault(item.template, []).append(testwise_score(item))
    return {name: (sum(v) / len(v), len(v)) for name, v in sums.items()}


def main(argv: list[str]) -> int:
    """Per template: the test-wise score over 600-item banks of the given seeds."""
    from question_bank.generate import build_bank
    seeds = [int(s) for s in argv] or [101, 202, 303]
    items = [item for seed in seeds for item in build_bank(600, seed, figures=False)]
    rows = scores_per_template(items)
    everything = [testwise_score(i) for i in items if i.type == "multiple_choice"]
    print(f"seeds {seeds}: {len(everything)} four-choice items, test-wise score "
          f"{sum(everything) / len(everything):.1%} (chance 25%)")
    for name, (score, count) in sorted(rows.items(), key=lambda row: -row[1][0]):
        print(f"{name:20} {score:6.1%}  ({count} items)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
