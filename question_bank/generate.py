"""Seeded generation: the same template, difficulty and seed always give the same item.

``build_bank`` takes templates in turn (round-robin, in lecture order), skips an item that
is already in the bank (same stem and same set of choices) and retires a template that keeps
repeating itself, so a small pool of text cannot stall the bank.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace

from question_bank.model import LEARNING_OUTCOMES, Item
from question_bank.templates import TEMPLATES
from question_bank.templates.base import DIFFICULTIES

RETIRE_AFTER = 60  # consecutive repeats before a template counts as exhausted
SEED_STEP = 1_000_003  # a prime: banks with different seeds draw from disjoint item seeds


def make_item(template: str, seed: int, difficulty: int = 1, figures: bool = False) -> Item:
    """The item of ``template`` for this seed and difficulty; with its figure if asked."""
    if template not in TEMPLATES:
        raise ValueError(f"template: unknown {template!r}; known: {sorted(TEMPLATES)}")
    maker = TEMPLATES[template]
    # A string seed is hashed the same way on every machine and Python run.
    item = maker(random.Random(f"{template}:{difficulty}:{seed}"), difficulty)
    item = replace(item, id=f"{template}-d{difficulty}-s{seed}")
    return with_figure(item) if figures else item


def with_figure(item: Item) -> Item:
    """The item with its figure rendered (PNG), when its template draws one."""
    maker = TEMPLATES[item.template].figure
    if maker is None:
        return item
    png, alt = maker(item.params)
    return replace(item, figure=png, figure_alt=alt)


def item_key(item: Item) -> tuple[str, frozenset[str]]:
    """Two items are the same question when stem and choices agree, in whatever order."""
    return item.stem, frozenset(choice.text for choice in item.choices)


def _selected(outcomes: Iterable[str] | None) -> list[str]:
    if outcomes is None:
        return list(TEMPLATES)
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    unknown = [o for o in outcomes if o not in LEARNING_OUTCOMES]
    if unknown:
        raise ValueError(f"outcomes: unknown {unknown}; known: {list(LEARNING_OUTCOMES)}")
    return [name for name, t in TEMPLATES.items() if t.learning_outcome in outcomes]


def _difficulties(difficulty: int | Iterable[int] | None) -> list[int]:
    if difficulty is None:
        return list(DIFFICULTIES)
    levels = [difficulty] if isinstance(difficulty, int) else list(difficulty)
    bad = [d for d in levels if d not in DIFFICULTIES]
    if bad or not levels:
        raise ValueError(f"difficulty: must be among {DIFFICULTIES}, got {difficulty!r}")
    return levels


def build_bank(n: int, seed: int = 0, outcomes: Iterable[str] | None = None,
               difficulty: int | Iterable[int] | None = None, figures: bool = True) -> list[Item]:
    """``n`` distinct items over the chosen templates in turn.

    Args:
        n: how many items, at least 1.
        seed: the bank's seed; item seeds are derived from it, so the same call gives the
            same bank.
        outcomes: learning outcomes to keep (e.g. ``["LO1", "LO4"]``), None for all.
        difficulty: a level 1..3 or several; None cycles through 1, 2, 3 per template.
        figures: render figures (slow); False for quick banks and tests.

    Raises:
        ValueError: bad arguments, or the templates cannot make ``n`` distinct items.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n: must be a whole number of at least 1, got {n!r}")
    names, levels = _selected(outcomes), _difficulties(difficulty)
    tries = dict.fromkeys(names, 0)  # items drawn per template: its next item seed
    repeats = dict.fromkeys(names, 0)  # consecutive repeats per template
    items, seen, turn = [], set(), 0
    while len(items) < n:
        active = [name for name in names if repeats[name] < RETIRE_AFTER]
        if not active:
            raise ValueError(f"n: these templates make only {len(items)} distinct items "
                             f"(outcomes={outcomes!r}, difficulty={difficulty!r}), "
                             f"not {n}")
        name = active[turn % len(active)]
        turn += 1
        count = tries[name]
        tries[name] += 1
        level = levels[count % len(levels)]
        item = make_item(name, seed * SEED_STEP + count, level)
        if item_key(item) in seen:
            repeats[name] += 1
            continue
        repeats[name] = 0
        seen.add(item_key(item))
        items.append(item)
    return [with_figure(item) for item in items] if figures else items
