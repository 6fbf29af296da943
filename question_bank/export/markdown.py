"""``bank.md`` (questions), ``answers.md`` (answers, solutions, feedback), ``images/<id>.png``.

Stems are plain text that may hold a Markdown table; everything else a Markdown renderer would
read as markup (``<b>``, ``*``, ``_``, a leading ``#``) is escaped so that it prints as typed.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from question_bank.export._common import (
    answer_text,
    figure_names,
    key_feedback,
    letter,
    usable_items,
)
from question_bank.model import LEARNING_OUTCOMES, Item

QUESTIONS, ANSWERS, IMAGES = "bank.md", "answers.md", "images"

# Characters Markdown treats as emphasis, code or escape anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]])")
# Line starts that make a heading, a quote, a list item or a rule.
_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+[.)])")


def escape_line(line: str, in_table: bool = False) -> str:
    """One line of plain text, escaped so Markdown shows it literally (table pipes kept)."""
    line = html.escape(line, quote=False)  # raw HTML would be rendered, entities print as text
    line = _INLINE.sub(r"\\\1", line)
    if not in_table:
        line = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
    return line


def escape_text(text: str) -> str:
    """Plain text (which may hold a Markdown table) as Markdown that prints as typed."""
    source = text.splitlines()
    lines = []
    for number, line in enumerate(source):
        in_table = line.strip().startswith("|")
        escaped = escape_line(line, in_table)
        following = source[number + 1] if number + 1 < len(source) else ""
        if line.strip() and not in_table and following.strip() \
                and not following.strip().startswith("|"):
            escaped += "  "  # a hard line break: keep the author's lines (e.g. a list) apart
        lines.append(escaped)
    return "\n".join(lines)


def _heading(number: int, item: Item, key: bool = False) -> str:
    """A question's heading: a neutral number in the questions, the id (which names the
    template and difficulty) only in the answers."""
    if not key:
        return f"## Question {number} ({item.learning_outcome})\n\n"
    code = item.id.replace("`", "'")  # a code span shows the id as is, bar backticks
    return (f"## Question {number} ({item.learning_outcome}, difficulty {item.difficulty})\n\n"
            f"id `{code}`\n\n")


def _figure_markdown(number: int, item: Item, figure: str | None) -> str:
    if figure is None:
        return ""
    alt = escape_line(item.figure_alt or f"figure of question {number}")
    return f"![{alt}]({IMAGES}/{figure})\n\n"


def question_markdown(number: int, item: Item, figure: str | None) -> str:
    """The section of one question in ``bank.md``: heading, stem, figure, lettered choices."""
    parts = [_heading(number, item), escape_text(item.stem), "\n\n",
             _figure_markdown(number, item, figure)]
    if item.choices:
        parts += [f"- **{letter(i)}.** {escape_line(choice.text)}\n"
                  for i, choice in enumerate(item.choices)]
        parts.append("\n")
    else:
        parts.append("Answer: ______\n\n")
    return "".join(parts)


def answer_markdown(number: int, item: Item, figure: str | None = None) -> str:
    """The section of one question in ``answers.md``: figure, answer, worked solution, and
    the feedback the solution does not already say."""
    parts = [_heading(number, item, key=True), _figure_markdown(number, item, figure),
             f"**Answer:** {escape_line(answer_text(item))}\n\n",
             "**Solution:**\n\n", escape_text(item.solution), "\n\n"]
    feedback = key_feedback(item)
    if feedback:
        parts.append("**Feedback per choice:**\n\n")
        parts += [f"- **{label}** ({'right' if choice.correct else 'wrong'}): "
                  f"{escape_line(choice.feedback)}\n" for label, choice in feedback]
        parts.append("\n")
    return "".join(parts)


def _outcomes_line(items: list[Item]) -> str:
    used = sorted({item.learning_outcome for item in items})
    return "".join(f"- {lo}: {LEARNING_OUTCOMES[lo]}\n" for lo in used)


def write_markdown(items: list[Item], out_dir: Path) -> list[Path]:
    """Write ``bank.md``, ``answers.md`` and one PNG per figure; return every path written."""
    items = usable_items(items, "markdown")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Figures are named by question number: an id would show template and difficulty.
    drawn = figure_names(items)
    names = {item.id: f"question-{number}.png" for number, item in enumerate(items, 1)
             if item.id in drawn}
    images = []
    if names:
        (out_dir / IMAGES).mkdir(exist_ok=True)
    for item in items:
        if item.id in names:
            path = out_dir / IMAGES / names[item.id]
            path.write_bytes(item.png())
            images.append(path)
    intro = f"{len(items)} questions. Learning outcomes:\n\n{_outcomes_line(items)}\n"
    questions = "# Exam questions\n\n" + intro + "".join(
        question_markdown(n, item, names.get(item.id)) for n, item in enumerate(items, 1))
    answers = "# Answers and worked solutions\n\n" + "".join(
        answer_markdown(n, item, names.get(item.id)) for n, item in enumerate(items, 1))
    for name, text in ((QUESTIONS, questions), (ANSWERS, answers)):
        (out_dir / name).write_text(text, encoding="utf-8")
    return [out_dir / QUESTIONS, out_dir / ANSWERS, *images]
