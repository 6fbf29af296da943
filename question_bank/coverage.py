"""Which learning outcomes the templates cover, and how deep their pools are, for the docs.

``docs/question_bank.md`` holds the tables between markers; a test checks that the coverage
and template tables are current, and ``python3 -m question_bank.coverage`` rewrites all three
after templates change (the pool table counts distinct questions over 1000 seeds a level).
"""

from __future__ import annotations

from pathlib import Path

from question_bank.model import LEARNING_OUTCOMES, TYPES
from question_bank.templates import TEMPLATES
from question_bank.templates.base import DIFFICULTIES

DOCS = Path(__file__).resolve().parent.parent / "docs" / "question_bank.md"
MARKERS = {"coverage": ("<!-- coverage:start -->", "<!-- coverage:end -->"),
           "templates": ("<!-- templates:start -->", "<!-- templates:end -->"),
           "pools": ("<!-- pools:start -->", "<!-- pools:end -->")}
POOL_SEEDS = 1000  # seeds per template and level for the pool table


def coverage_table() -> str:
    """Markdown: one row per learning outcome, template counts per type and in total."""
    header = "| outcome | the student can | " + " | ".join(TYPES) + " | total |"
    rule = "|---|---|" + "---:|" * (len(TYPES) + 1)
    rows = []
    for outcome, text in LEARNING_OUTCOMES.items():
        counts = [sum(1 for t in TEMPLATES.values()
                      if t.learning_outcome == outcome and t.type == kind) for kind in TYPES]
        rows.append(f"| {outcome} | {text} | " + " | ".join(map(str, counts))
                    + f" | {sum(counts)} |")
    totals = [sum(1 for t in TEMPLATES.values() if t.type == kind) for kind in TYPES]
    rows.append("| all | | " + " | ".join(map(str, totals)) + f" | {len(TEMPLATES)} |")
    return "\n".join([header, rule, *rows])


def template_table() -> str:
    """Markdown: every template in lecture order with outcome, type, figure and description."""
    lines = ["| template | outcome | type | figure | what it asks |", "|---|---|---|---|---|"]
    lines += [f"| `{t.name}` | {t.learning_outcome} | {t.type} | "
              f"{'yes' if t.figure else ''} | {t.description} |" for t in TEMPLATES.values()]
    return "\n".join(lines)


def pool_stats(name: str, seeds: int = POOL_SEEDS) -> tuple[list[int], float | None,
                                                              float | None]:
    """Distinct questions (``question_key``) at levels 1..3 over ``seeds`` seeds each, and for
    multiple choice the score of always picking the longest choice (ties: a random one) and
    of the combined test-wise strategy (``question_bank.cues``)."""
    from question_bank.cues import testwise_score
    from question_bank.generate import make_item, question_key
    distinct, longest, testwise, asked = [], 0.0, 0.0, 0
    for level in DIFFICULTIES:
        keys = set()
        for seed in range(seeds):
            item = make_item(name, seed, level)
            keys.add(question_key(item))
            if item.type == "multiple_choice":
                lengths = [len(choice.text) for choice in item.choices]
                tied = [i for i, n in enumerate(lengths) if n == max(lengths)]
                longest += (item.answer in tied) / len(tied)
                testwise += testwise_score(item)
                asked += 1
        distinct.append(len(keys))
    if not asked:
        return distinct, None, None
    return distinct, longest / asked, testwise / asked


def pool_table(seeds: int = POOL_SEEDS) -> str:
    """Markdown: per template, distinct questions per level (small ones marked), and the
    longest-choice and combined test-wise scores."""
    from question_bank.generate import SMALL
    lines = ["| template | type | level 1 | level 2 | level 3 | longest choice right "
             "| test-wise right |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, template in TEMPLATES.items():
        distinct, longest, testwise = pool_stats(name, seeds)
        cells = [f"{d} (small)" if level in SMALL.get(name, ()) else str(d)
                 for level, d in zip(DIFFICULTIES, distinct, strict=True)]
        shares = ["" if x is None else f"{x:.0%}" for x in (longest, testwise)]
        lines.append(f"| `{name}` | {template.type} | " + " | ".join(cells + shares) + " |")
    return "\n".join(lines)


def between_markers(text: str, name: str) -> str:
    """The text between the named pair of markers, without surrounding blank lines."""
    return _split_at_markers(text, name)[1].strip()


def _split_at_markers(text: str, name: str) -> tuple[str, str, str]:
    """(before the start marker, between the markers, after the end marker)."""
    start, end = MARKERS[name]
    before, _, rest = text.partition(start)
    between, _, after = rest.partition(end)
    if start not in text or end not in rest:
        raise ValueError(f"docs: markers {start} ... {end} not found")
    return before, between, after


def update_docs(path: Path = DOCS, seeds: int = POOL_SEEDS) -> None:
    """Rewrite the tables in the docs page in place (the pool table takes a minute)."""
    text = path.read_text()
    tables = (("coverage", coverage_table()), ("templates", template_table()),
              ("pools", pool_table(seeds)))
    for name, table in tables:
        before, _old, after = _split_at_markers(text, name)
        start, end = MARKERS[name]
        text = f"{before}{start}\n\n{table}\n\n{end}{after}"
    path.write_text(text)


if __name__ == "__main__":
    update_docs()
    print(f"updated {DOCS}")
