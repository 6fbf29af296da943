"""Seeded generation: the same template and seed always give the same item."""

import random
from dataclasses import replace

from question_bank.model import Item
from question_bank.templates import TEMPLATES


def make_item(template: str, seed: int) -> Item:
    if template not in TEMPLATES:
        raise ValueError(f"template: unknown {template!r}; known: {sorted(TEMPLATES)}")
    item = TEMPLATES[template](random.Random(f"{template}:{seed}"))
    return replace(item, id=f"{template}-{seed}")


def build_bank(n: int, seed: int = 0) -> list[Item]:
    """n distinct items, templates in turn; duplicates (same stem) are skipped."""
    if n < 1:
        raise ValueError(f"n: must be at least 1, got {n}")
    names, items, stems, i = sorted(TEMPLATES), [], set(), 0
    while len(items) < n:
        item = make_item(names[i % len(names)], seed * 1_000_003 + i)
        i += 1
        if item.stem not in stems:
            stems.add(item.stem)
            items.append(item)
    return items
