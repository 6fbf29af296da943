"""No surface cue in the choices gives the right answer away (a test-wise student's tricks).

Over thousands of items per multiple-choice template: picking the longest (or shortest)
choice, a position, "all of the above", or the choice that alone repeats a word of the stem
must score no better than chance. Ties count as a guess among the tied choices: the score of
a student who breaks ties at random. The combined strategy of ``question_bank.cues`` (strike
the odd format, absolutes and the longest, then pick the choice most like the others) and its
inverse (strike what it would pick, guess among the rest) must stay within chance + 5 points.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import pytest

from question_bank.cues import testwise_odds as strategy_odds
from question_bank.generate import build_bank, make_item
from question_bank.templates import TEMPLATES

LEVELS = (1, 2, 3)
SEEDS = 400  # per level: 1200 items per template
MULTIPLE_CHOICE = [name for name, t in TEMPLATES.items() if t.type == "multiple_choice"]
CHANCE = 0.25  # four choices
SLACK = 0.05  # 1200 items: a binomial standard error of about 0.0125
LONGEST_AT_MOST = 0.30  # the bound
STOP = {"with", "that", "this", "each", "from", "into", "than", "then", "they", "them",
        "their", "what", "which", "does", "have", "only", "same", "more", "also", "when"}


@cache
def _items(name: str) -> tuple:
    return tuple(make_item(name, seed, level) for level in LEVELS for seed in range(SEEDS))


def _pick_score(lengths: list[int], answer: int, pick) -> float:
    """Expected score of picking the ``pick`` (max/min) length, ties broken at random."""
    best = pick(lengths)
    tied = [i for i, n in enumerate(lengths) if n == best]
    return (answer in tied) / len(tied)


def _score(name: str, pick) -> float:
    items = _items(name)
    return sum(_pick_score([len(c.text) for c in item.choices], item.answer, pick)
               for item in items) / len(items)


@pytest.mark.parametrize("name", MULTIPLE_CHOICE)
def test_picking_the_longest_choice_is_right_in_at_most_30_percent(name):
    assert _score(name, max) <= LONGEST_AT_MOST, _score(name, max)


@pytest.mark.parametrize("name", MULTIPLE_CHOICE)
def test_picking_the_shortest_choice_beats_no_chance(name):
    assert _score(name, min) <= CHANCE + SLACK, _score(name, min)


@pytest.mark.parametrize("name", MULTIPLE_CHOICE)
def test_the_right_choice_is_at_each_position_about_equally_often(name):
    positions = Counter(item.answer for item in _items(name))
    shares = [positions[p] / len(_items(name)) for p in range(4)]
    assert all(abs(share - CHANCE) <= SLACK for share in shares), shares


@pytest.mark.parametrize("name", MULTIPLE_CHOICE)
def test_no_choice_is_all_or_none_of_the_above(name):
    pattern = re.compile(r"\b(all|none|both|neither) of (the )?(above|these)\b", re.I)
    assert not [c.text for item in _items(name) for c in item.choices if pattern.search(c.text)]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z-]{3,}", text.lower()) if w not in STOP}


def _echo_score(name: str) -> tuple[float, int]:
    """Score of picking the one choice that alone repeats a word of the stem (when exactly
    one choice does), and on how many items that trick applies."""
    right = applies = 0
    for item in _items(name):
        stem = _words(item.stem)
        words = [_words(c.text) & stem for c in item.choices]
        alone = [i for i, mine in enumerate(words)
                 if mine - set().union(*(w for j, w in enumerate(words) if j != i))]
        if len(alone) == 1:
            applies += 1
            right += alone[0] == item.answer
    return (right / applies if applies else 0.0), applies


@pytest.mark.parametrize("name", MULTIPLE_CHOICE)
def test_a_word_only_the_right_choice_shares_with_the_stem_beats_no_chance(name):
    score, applies = _echo_score(name)
    # Where the trick applies to few items its score is noisy: allow two standard errors.
    slack = max(SLACK, 2 * (CHANCE * (1 - CHANCE) / max(applies, 1)) ** 0.5)
    assert score <= CHANCE + slack, (score, applies)


@pytest.mark.parametrize("name", [n for n, t in TEMPLATES.items() if t.type == "true_false"])
def test_true_and_false_statements_are_about_equally_common(name):
    items = _items(name)
    share_true = sum(item.answer == 0 for item in items) / len(items)
    assert abs(share_true - 0.5) <= SLACK, share_true


def _odd_number_score(name: str) -> tuple[float, int]:
    """Score of picking the one choice that alone has (or alone lacks) a number."""
    right = applies = 0
    for item in _items(name):
        has = [bool(re.search(r"\d", c.text)) for c in item.choices]
        for flag in (True, False):
            alone = [i for i, h in enumerate(has) if h == flag]
            if len(alone) == 1:
                applies += 1
                right += alone[0] == item.answer
    return (right / applies if applies else 0.0), applies


@pytest.mark.parametrize("name", MULTIPLE_CHOICE)
def test_the_one_choice_with_or_without_a_number_beats_no_chance(name):
    score, applies = _odd_number_score(name)
    slack = max(SLACK, 2 * (CHANCE * (1 - CHANCE) / max(applies, 1)) ** 0.5)
    assert score <= CHANCE + slack, (score, applies)


@pytest.mark.parametrize("name", MULTIPLE_CHOICE)
def test_the_combined_testwise_strategy_stays_within_chance_plus_5(name):
    items = _items(name)
    score = sum(strategy_odds(item)[item.answer] for item in items) / len(items)
    assert score <= CHANCE + SLACK, score


def _inverse(item) -> float:
    """Strike every choice the test-wise student might pick, guess among the others."""
    odds = strategy_odds(item)
    rest = [i for i, p in enumerate(odds) if p == 0] or list(range(len(odds)))
    return (item.answer in rest) / len(rest)


@pytest.mark.parametrize("name", MULTIPLE_CHOICE)
def test_striking_the_testwise_pick_stays_within_chance_plus_5(name):
    """Too few right test-wise picks would be a cue too: strike the pick, guess the rest."""
    items = _items(name)
    assert sum(map(_inverse, items)) / len(items) <= CHANCE + SLACK


def test_over_600_item_banks_the_testwise_strategy_scores_at_most_30_percent():
    """The issue's measure: the four-choice items of 600-item banks of three seeds."""
    four = [item for seed in (101, 202, 303) for item in build_bank(600, seed, figures=False)
            if len(item.choices) == 4]
    assert sum(strategy_odds(item)[item.answer] for item in four) / len(four) <= 0.30
