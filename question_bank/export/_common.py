"""What every export shares: validation, number and text formatting, figure file names.

Each writer first calls :func:`usable_items`, which drops (with one :class:`ExportWarning`
listing the ids and reasons) every item that the format cannot represent, so that one bad
item never costs the whole file.
"""

from __future__ import annotations

import functools
import html
import math
import numbers
import re
import warnings
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from question_bank.model import LEARNING_OUTCOMES, TYPES, Choice, Item

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ExportWarning(UserWarning):
    """An item was left out of an export; the message names it and says why."""


def letter(index: int) -> str:
    """The label of choice ``index``: 0 -> "A", 1 -> "B", ... (26 choices at most)."""
    if not 0 <= index < 26:
        raise ValueError(f"index: a choice label exists for 0..25, got {index}")
    return chr(ord("A") + index)


def is_number(value: object) -> bool:
    """True for a real number (int, float, numpy scalar), False for bools and anything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def number_text(value: float) -> str:
    """A number written in plain decimal notation, exactly as stored (no exponent).

    LMS importers read "0.000001" everywhere but not always "1e-06", and ``repr`` of a float is
    the shortest text that reads back to the same float, so no digits are lost or invented.
    """
    if isinstance(value, numbers.Integral):
        return str(int(value))
    text = format(Decimal(repr(float(value))), "f")
    return text[:-2] if text.endswith(".0") else text


def bounds_text(answer: float, tolerance: float) -> tuple[str, str]:
    """(answer - tolerance, answer + tolerance) as decimal text, without float rounding noise."""
    centre, width = Decimal(number_text(answer)), Decimal(number_text(tolerance))
    return format(centre - width, "f"), format(centre + width, "f")


def tolerance_of(item: Item) -> float:
    """The absolute tolerance of a numeric item; a missing tolerance means an exact answer."""
    return 0 if item.tolerance is None else item.tolerance


def truth_of(item: Item) -> bool:
    """The right answer of a validated true_false item: its correct choice's text is "True"."""
    return item.choices[item.answer].text.strip().lower() == "true"


def answer_text(item: Item) -> str:
    """The right answer as a student would write it: "12 (± 0.5)", or "B. text"."""
    if item.type == "numeric":
        tolerance = tolerance_of(item)
        suffix = f" (± {number_text(tolerance)})" if tolerance else ""
        return number_text(item.answer) + suffix
    return f"{letter(item.answer)}. {item.choices[item.answer].text}"


def figure_alt_html(item: Item) -> str:
    """The figure's text alternative, escaped for an HTML attribute ("figure" when empty)."""
    return html.escape(item.figure_alt or "figure")


def problems(item: Item) -> list[str]:
    """Why ``item`` cannot be exported; an empty list when it can."""
    found = []
    if item.learning_outcome not in LEARNING_OUTCOMES:
        found.append(f"learning_outcome {item.learning_outcome!r} is not one of "
                     f"{', '.join(LEARNING_OUTCOMES)}")
    if item.type not in TYPES:
        found.append(f"type {item.type!r} is not one of {', '.join(TYPES)}")
    elif item.type == "numeric":
        found += _numeric_problems(item)
    else:
        found += _choice_problems(item)
    if item.figure is not None and bytes(item.figure[:8]) != PNG_SIGNATURE:
        found.append("figure is not PNG data")
    return found


def _numeric_problems(item: Item) -> list[str]:
    found = []
    if not is_number(item.answer) or not math.isfinite(item.answer):
        found.append(f"numeric answer {item.answer!r} is not a finite number")
    tolerance = item.tolerance
    if tolerance is not None and (not is_number(tolerance) or not math.isfinite(tolerance)
                                  or tolerance < 0):
        found.append(f"tolerance {tolerance!r} is not a finite number >= 0")
    return found


def _choice_problems(item: Item) -> list[str]:
    if len(item.choices) < 2:
        return [f"{item.type} needs at least 2 choices, has {len(item.choices)}"]
    if len(item.choices) > 26:
        return [f"{item.type} has {len(item.choices)} choices; at most 26 can be lettered"]
    correct = [i for i, choice in enumerate(item.choices) if choice.correct]
    if len(correct) != 1:
        return [f"{item.type} needs exactly one correct choice, has {len(correct)}"]
    if not isinstance(item.answer, numbers.Integral) or isinstance(item.answer, bool):
        return [f"answer {item.answer!r} is not the index of a choice"]
    if item.answer != correct[0]:
        return [f"answer {item.answer} is not the index of the correct choice {correct[0]}"]
    if item.type == "true_false":
        texts = sorted(choice.text.strip().lower() for choice in item.choices)
        if texts != ["false", "true"]:
            return ['true_false needs exactly the choices "True" and "False"']
    return []


def usable_items(items: Iterable[Item], export: str,
                 extra_check: Callable[[Item], list[str]] | None = None) -> list[Item]:
    """The items ``export`` can write; the others are named in one :class:`ExportWarning`.

    An item is left out when :func:`problems` (or ``extra_check``, a format's own rule) finds
    something, or when its id repeats an earlier one (ids name files and LMS questions).
    """
    kept, skipped, seen = [], [], set()
    for item in items:
        if not isinstance(item, Item):
            raise TypeError(f"items: expected question_bank.model.Item, got {type(item).__name__}")
        found = problems(item)
        if not found and extra_check is not None:
            found = extra_check(item)
        if item.id in seen:
            found.append("its id repeats an earlier item's")
        if found:
            skipped.append(f"{item.id} ({'; '.join(found)})")
        else:
            kept.append(item)
            seen.add(item.id)
    if skipped:
        warnings.warn(f"{export}: skipped {len(skipped)} item(s): {', '.join(skipped)}",
                      ExportWarning, stacklevel=3)
    return kept


def figure_names(items: Iterable[Item]) -> dict[str, str]:
    """{item id: PNG file name} for the items with a figure; names are safe and distinct."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for item in items:
        if item.figure is None:
            continue
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", item.id).strip("_") or "figure"
        name, count = f"{stem}.png", 1
        while name in used:  # two ids that differ only in unsafe characters
            count += 1
            name = f"{stem}-{count}.png"
        used.add(name)
        names[item.id] = name
    return names


# --- plain text (with Markdown tables) to HTML -----------------------------------------------

def _is_table_line(line: str) -> bool:
    return line.strip().startswith("|")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _is_delimiter_row(line: str) -> bool:
    return all(re.fullmatch(r":?-{1,}:?", cell) for cell in _cells(line))


def _table_block(lines: list[str]) -> dict[str, Any]:
    has_header = len(lines) > 1 and _is_delimiter_row(lines[1])
    header, body = ([lines[0]], lines[2:]) if has_header else ([], lines)
    return {"kind": "table", "header": [_cells(line) for line in header],
            "rows": [_cells(line) for line in body]}


def text_blocks(text: str) -> list[dict[str, Any]]:
    """Plain text as blocks: paragraphs (blank lines between them) and Markdown tables."""
    blocks: list[dict[str, Any]] = []
    paragraph: list[str] = []
    table: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append({"kind": "p", "lines": list(paragraph)})
            paragraph.clear()
        if table:
            blocks.append(_table_block(table))
            table.clear()

    for line in text.splitlines():
        if _is_table_line(line):
            if paragraph:
                flush()
            table.append(line)
        elif not line.strip():
            flush()
        else:
            if table:
                flush()
            paragraph.append(line)
    flush()
    return blocks


@functools.cache
def html_templates():
    """The jinja2 environment every HTML page and fragment is rendered in, with autoescape:
    no item text reaches HTML unescaped, whatever it holds. Imported on first use, so the
    drill of the student release (no jinja2 there) never needs it."""
    import jinja2
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("html_templates")),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)


def text_html(text: str) -> str:
    """Plain text as escaped HTML: blank lines separate paragraphs, Markdown tables -> <table>."""
    return html_templates().get_template("text.html").render(blocks=text_blocks(text)).strip()


def key_feedback(item: Item) -> list[tuple[str, Choice]]:
    """(label, choice) for each choice whose feedback an answer key shows: those whose
    feedback the worked solution does not already say, so a key says each thing once."""
    return [(letter(i), choice) for i, choice in enumerate(item.choices)
            if not in_solution(item, choice)]


def in_solution(item: Item, choice: Choice) -> bool:
    """True when the worked solution already says this choice's feedback."""
    return choice.feedback.strip() in item.solution


# --- formulas never break across lines ---------------------------------------------------------

NO_BREAK = "\u00a0"
# A space next to an operator between two operands: "(7 - 3) / 1 + 1 = 5", "k*k*C_in + C_out".
_FORMULA_SPACE = re.compile(r"(?<=[\w)\]]) +([-+*/=<>×·]|<=|>=|==) +(?=[\w(\[-])")


def keep_formulas(text: str) -> str:
    """``text`` with the spaces inside formulas made no-break spaces, so that wrapping (the
    drill's, a browser's) never splits "floor((n + 2p - k) / s) + 1" across lines."""
    return _FORMULA_SPACE.sub(lambda m: f"{NO_BREAK}{m.group(1)}{NO_BREAK}", text)
