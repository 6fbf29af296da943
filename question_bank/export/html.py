"""A printable exam (``exam.html``) and its separate answer key (``answer_key.html``).

The exam starts with fields for the student's name and number and the total of points; each
question shows its neutral number and points (``POINTS`` each). Item ids, which name the
template and the difficulty, appear only in the key.

Both are single self-contained files: figures are embedded as ``data:`` URIs, the CSS keeps a
question on one page when printed and leaves room to write. The exam holds no answer, no
solution and no feedback; the key holds them all (with the figures), numbered as in the exam,
and says each choice's feedback once. The pages are jinja2 templates (``html_templates/``)
rendered with autoescape, so every text from an item is escaped.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from question_bank.export._common import (
    answer_text,
    html_templates,
    key_feedback,
    letter,
    text_blocks,
    usable_items,
)
from question_bank.model import LEARNING_OUTCOMES, Item

EXAM, KEY = "exam.html", "answer_key.html"
POINTS = 1  # per question: equal points, so that points do not reveal the difficulty

CSS = """
body { font-family: Georgia, serif; max-width: 46em; margin: 2em auto; line-height: 1.4; }
h1 { font-size: 1.5em; }
.question { border-top: 1px solid #999; padding: 0.6em 0 1em; }
.question h2 { font-size: 1.1em; margin: 0.2em 0; }
.meta { color: #555; font-size: 0.85em; }
.figure img { max-width: 100%; max-height: 18em; }
ol.choices { list-style: none; padding-left: 1em; }
ol.choices li { margin: 0.25em 0; }
.box { display: inline-block; width: 1em; height: 1em; border: 1px solid #000;
       margin-right: 0.5em; vertical-align: middle; }
.answer-space { border: 1px solid #000; min-height: 3em; margin-top: 0.5em; padding: 0.3em; }
table.data { border-collapse: collapse; margin: 0.5em 0; }
table.data td, table.data th { border: 1px solid #666; padding: 0.15em 0.6em; text-align: right; }
.right { font-weight: bold; }
.candidate label { display: flex; gap: 0.5em; align-items: flex-end; font-weight: bold; }
.candidate .line { flex: 1; border-bottom: 1px solid #000; height: 1.4em; }
.points { font-weight: normal; font-size: 0.9em; }
@page { size: A4; margin: 2cm; }
@media print {
  body { margin: 0; max-width: none; }
  .question { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _question(number: int, item: Item, key: bool) -> dict[str, Any]:
    """What the page template shows of one item (the key adds answer, solution, feedback)."""
    question = {"number": number, "item": item, "stem": text_blocks(item.stem),
                "outcome": LEARNING_OUTCOMES[item.learning_outcome],
                "figure": base64.b64encode(item.figure).decode("ascii") if item.figure else "",
                "alt": item.figure_alt or "figure",
                "labels": [letter(i) for i in range(len(item.choices))], "points": POINTS}
    if key:
        question |= {"answer": answer_text(item), "solution": text_blocks(item.solution),
                     "feedback": key_feedback(item)}
    return question


def page_html(items: list[Item], title: str, key: bool) -> str:
    """The exam (``key=False``) or the answer key of ``items``, numbered alike."""
    questions = [_question(n, item, key) for n, item in enumerate(items, 1)]
    from markupsafe import Markup  # comes with jinja2
    return html_templates().get_template("page.html").render(
        title=title, css=Markup(CSS), questions=questions, key=key,
        total_points=sum(q["points"] for q in questions))  # CSS: ours, trusted


def write_html(items: list[Item], out_dir: Path, title: str = "CNN exam practice") -> list[Path]:
    """Write ``exam.html`` and ``answer_key.html``; return both paths."""
    items = usable_items(items, "html")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / EXAM, out_dir / KEY]
    paths[0].write_text(page_html(items, title, key=False), encoding="utf-8")
    paths[1].write_text(page_html(items, f"{title}: answer key", key=True), encoding="utf-8")
    return paths
