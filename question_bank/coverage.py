"""Which learning outcomes the templates cover, as Markdown tables for the docs.

``docs/question_bank.md`` holds both tables between markers; a test checks they are current,
and ``python3 -m question_bank.coverage`` rewrites them after templates change.
"""

from __future__ import annotations

from pathlib import Path

from question_bank.model import LEARNING_OUTCOMES, TYPES
from question_bank.templates import TEMPLATES

DOCS = Path(__file__).resolve().parent.parent / "docs" / "question_bank.md"
MARKERS = {"coverage": ("<!-- coverage:start -->", "<!-- coverage:end -->"),
           "templates": ("<!-- templates:start -->", "<!-- templates:end -->")}


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


def update_docs(path: Path = DOCS) -> None:
    """Rewrite both tables in the docs page in place."""
    text = path.read_text()
    for name, table in (("coverage", coverage_table()), ("templates", template_table())):
        before, _old, after = _split_at_markers(text, name)
        start, end = MARKERS[name]
        text = f"{before}{start}\n\n{table}\n\n{end}{after}"
    path.write_text(text)


if __name__ == "__main__":
    update_docs()
    print(f"updated {DOCS}")
