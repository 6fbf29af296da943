"""Stress every template over many seeds: variety, duplicates, answer positions, errors.

Run ``python3 -m question_bank.stress [n_seeds]`` to print the table. Seed ``s`` is made at
difficulty ``1 + s % 3``, so every level is exercised. A template that raises is not fatal:
the exception is recorded with its seed and difficulty, so one bad draw is easy to replay
with ``question_bank.generate.make_item``. An item with two equal choices is such an error:
the template's own check refuses it.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from question_bank.generate import make_item, question_key
from question_bank.templates import TEMPLATES

COLUMNS = ("template", "learning_outcome", "type", "items", "distinct", "duplicates",
           "answer_positions", "errors")


def stress_template(name: str, n_seeds: int) -> dict[str, Any]:
    """One template over seeds 0 .. n_seeds - 1 (without figures)."""
    template = TEMPLATES[name]
    keys: set = set()
    positions: Counter[int] = Counter()
    made = 0
    errors: list[dict[str, Any]] = []
    for seed in range(n_seeds):
        difficulty = 1 + seed % 3
        try:
            item = make_item(name, seed, difficulty)
        except Exception as error:  # any failure is a finding to report, not a crash
            errors.append({"seed": seed, "difficulty": difficulty, "error": repr(error)})
            continue
        made += 1
        keys.add(question_key(item))
        if item.choices:
            positions[item.answer] += 1
    return {"template": name, "learning_outcome": template.learning_outcome,
            "type": template.type, "items": made, "distinct": len(keys),
            "duplicates": made - len(keys),
            "answer_positions": dict(sorted(positions.items())), "errors": errors}


def stress_report(n_seeds: int = 2000) -> list[dict[str, Any]]:
    """One row per template (lecture order), keys as in ``COLUMNS``."""
    if isinstance(n_seeds, bool) or not isinstance(n_seeds, int) or n_seeds < 1:
        raise ValueError(f"n_seeds: must be a whole number of at least 1, got {n_seeds!r}")
    return [stress_template(name, n_seeds) for name in TEMPLATES]


def _cell(row: dict[str, Any], column: str) -> str:
    value = row[column]
    if column == "answer_positions":
        return " ".join(f"{k}:{v}" for k, v in value.items()) or "-"
    if column == "errors":
        return str(len(value)) + (f" (first: seed {value[0]['seed']}, d{value[0]['difficulty']}"
                                   f": {value[0]['error'][:60]})" if value else "")
    return str(value)


def format_report(rows: list[dict[str, Any]]) -> str:
    """The rows as a fixed-width text table; duplicates of MC/TF items are expected (pools)."""
    cells = [[_cell(row, column) for column in COLUMNS] for row in rows]
    widths = [max(len(column), *(len(r[i]) for r in cells)) for i, column in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


if __name__ == "__main__":
    print(format_report(stress_report(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)))
