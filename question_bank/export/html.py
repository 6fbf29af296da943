"""A printable exam (``exam.html``) and its separate answer key (``answer_key.html``).

Both are single self-contained files: figures are embedded as ``data:`` URIs, the CSS keeps a
question on one page when printed and leaves room to write. The exam holds no answer, no
solution and no feedback; the key holds them all, numbered as in the exam. Every text from an
item is escaped with ``html.escape``.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from question_bank.export._common import (
    answer_text,
    figure_alt_html,
    letter,
    text_html,
    usable_items,
)
from question_bank.model import LEARNING_OUTCOMES, Item

EXAM, KEY = "exam.html", "answer_key.html"

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
@page { size: A4; margin: 2cm; }
@media print {
  body { margin: 0; max-width: none; }
  .question { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
            f"<body>\n<h1>{html.escape(title)}</h1>\n{body}</body>\n</html>\n")


def _header(number: int, item: Item) -> str:
    outcome = LEARNING_OUTCOMES[item.learning_outcome]
    return (f'<section class="question" id="q{number}" data-item-id="{html.escape(item.id)}">\n'
            f"<h2>Question {number}</h2>\n"
            f'<p class="meta">{html.escape(item.learning_outcome)}: {html.escape(outcome)}'
            f" &middot; id {html.escape(item.id)}</p>\n")


def _figure(item: Item) -> str:
    if item.figure is None:
        return ""
    data = base64.b64encode(item.figure).decode("ascii")
    return (f'<div class="figure"><img src="data:image/png;base64,{data}" '
            f'alt="{figure_alt_html(item)}"></div>\n')


def exam_question(number: int, item: Item) -> str:
    """One question of the exam: stem, figure, lettered choices or a box to write in."""
    parts = [_header(number, item), f'<div class="stem">{text_html(item.stem)}</div>\n',
             _figure(item)]
    if item.choices:
        parts.append('<ol class="choices">\n')
        parts += [f'<li><span class="box"></span>{letter(i)}. {html.escape(choice.text)}</li>\n'
                  for i, choice in enumerate(item.choices)]
        parts.append("</ol>\n")
    else:
        parts.append('<div class="answer-space">Answer:</div>\n')
    parts.append("</section>\n")
    return "".join(parts)


def key_question(number: int, item: Item) -> str:
    """One question of the key: stem, answer, worked solution and every choice's feedback."""
    parts = [_header(number, item), f'<div class="stem">{text_html(item.stem)}</div>\n',
             f'<p class="answer"><strong>Answer:</strong> {html.escape(answer_text(item))}</p>\n',
             f'<div class="solution"><strong>Solution:</strong>{text_html(item.solution)}</div>\n']
    if item.choices:
        parts.append('<ol class="choices feedback">\n')
        for i, choice in enumerate(item.choices):
            mark = "right" if choice.correct else "wrong"
            parts.append(f'<li class="{mark}">{letter(i)}. {html.escape(choice.text)} '
                         f"({mark}): {html.escape(choice.feedback)}</li>\n")
        parts.append("</ol>\n")
    parts.append("</section>\n")
    return "".join(parts)


def write_html(items: list[Item], out_dir: Path, title: str = "CNN exam practice") -> list[Path]:
    """Write ``exam.html`` and ``answer_key.html``; return both paths."""
    items = usable_items(items, "html")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    exam = "".join(exam_question(n, item) for n, item in enumerate(items, 1))
    key = "".join(key_question(n, item) for n, item in enumerate(items, 1))
    paths = [out_dir / EXAM, out_dir / KEY]
    paths[0].write_text(_page(title, exam), encoding="utf-8")
    paths[1].write_text(_page(f"{title}: answer key", key), encoding="utf-8")
    return paths
