"""Every export of a question bank, from the same list of ``Item``s.

``FORMATS`` maps a format name to its writer ``(items, out_dir) -> list[Path]``; each writer
creates ``out_dir`` when needed and returns the files it wrote. An item a format cannot hold is
left out with an :class:`ExportWarning` naming it; the rest is still written.

========  =======================================================
name      files in ``out_dir``
========  =======================================================
json      ``bank.json``
markdown  ``bank.md``, ``answers.md``, ``images/<id>.png``
html      ``exam.html``, ``answer_key.html``
moodle    ``moodle.xml``
canvas    ``canvas_qti.zip``
practice  ``practice.html`` (the offline practice page; not in "all")
========  =======================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from question_bank.export._common import ExportWarning
from question_bank.export.canvas_qti import write_canvas
from question_bank.export.html import write_html
from question_bank.export.json_export import read_json, write_json
from question_bank.export.markdown import write_markdown
from question_bank.export.moodle import write_moodle
from question_bank.model import Item

Writer = Callable[[list[Item], Path], list[Path]]


def write_practice(items: list[Item], out_dir: Path) -> list[Path]:
    """``practice.html`` (``question_bank.practice``, which uses this package's helpers)."""
    from question_bank.practice import write_practice as write
    return write(items, out_dir)


FORMATS: dict[str, Writer] = {
    "json": write_json,
    "markdown": write_markdown,
    "html": write_html,
    "moodle": write_moodle,
    "canvas": write_canvas,
    "practice": write_practice,
}
# "all": the exam's formats. The practice page is for students, drawn from other seeds.
ALL = ("json", "markdown", "html", "moodle", "canvas")
PRACTICE_WITH = ("practice", "json", "markdown")  # formats that may hold a practice bank

__all__ = ["ALL", "FORMATS", "ExportWarning", "parse_formats", "read_json", "write_all"]


def parse_formats(text: str) -> list[str]:
    """"json,html" -> ["json", "html"]; "all" -> every format; unknown names -> ValueError."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if not names:
        raise ValueError(f"format: no format given; choose from {', '.join(FORMATS)} or all")
    if "all" in names:
        names = [*ALL, *names]
    names = [name for name in names if name != "all"]
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise ValueError(f"format: unknown {', '.join(map(repr, unknown))}; "
                         f"choose from {', '.join(FORMATS)} or all")
    names = list(dict.fromkeys(names))  # keep the order given, drop repeats
    exam_only = [name for name in names if name not in PRACTICE_WITH]
    if "practice" in names and exam_only:
        raise ValueError(f"format: practice makes a practice bank (other seeds than exams); "
                         f"combine it with json or markdown, not {', '.join(exam_only)}")
    return names


def write_all(items: list[Item], out_dir: Path,
              formats: Iterable[str] = ALL) -> dict[str, list[Path]]:
    """Write ``items`` in each of ``formats`` into ``out_dir``; {format: paths written}."""
    items = list(items)
    return {name: FORMATS[name](items, Path(out_dir)) for name in formats}
