"""``moodle.xml``: the bank in Moodle XML, importable under Question bank > Import.

Layout (Moodle docs, "Moodle XML format"):

- ``<quiz>`` holds a ``<question type="category">`` per learning outcome, followed by that
  outcome's questions (``$course$/top/cnnlab/LO1 ...``);
- numeric items are ``type="numerical"``: one ``<answer fraction="100">`` with an absolute
  ``<tolerance>``;
- multiple_choice items are ``type="multichoice"`` with ``<single>true</single>``,
  ``<shuffleanswers>``, one ``<answer fraction=...>`` per choice carrying its ``<feedback>``;
- true_false items are ``type="truefalse"``: answers "true" and "false";
- ``<questiontext format="html">`` holds the stem as HTML; a figure is embedded as
  ``<file name="x.png" path="/" encoding="base64">`` inside it and shown with
  ``<img src="@@PLUGINFILE@@/x.png">``;
- ``<generalfeedback>`` holds the worked solution.

Every answer is graded 100 (right) or 0 (wrong): an exportable item has exactly one correct
choice. An item that cannot be exported is skipped with a warning.
"""

from __future__ import annotations

import base64
import html
import xml.etree.ElementTree as ET
from pathlib import Path

from question_bank.export._common import (
    figure_alt_html,
    figure_names,
    number_text,
    text_html,
    tolerance_of,
    truth_of,
    usable_items,
)
from question_bank.model import LEARNING_OUTCOMES, Item

FILE_NAME = "moodle.xml"
CATEGORY_ROOT = "$course$/top/cnnlab"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    """``<tag attrs><text>text</text></tag>`` under ``parent``."""
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = text
    return element


def _question_text(question: ET.Element, item: Item, figure_name: str) -> None:
    body = text_html(item.stem)
    if item.figure is not None:
        body += (f'<p><img src="@@PLUGINFILE@@/{figure_name}" '
                 f'alt="{figure_alt_html(item)}"></p>')
    element = _text(question, "questiontext", body, format="html")
    if item.figure is not None:
        file = ET.SubElement(element, "file", name=figure_name, path="/", encoding="base64")
        file.text = base64.b64encode(item.figure).decode("ascii")


def _numerical(question: ET.Element, item: Item) -> None:
    answer = _text(question, "answer", number_text(item.answer), fraction="100",
                   format="moodle_auto_format")
    ET.SubElement(answer, "tolerance").text = number_text(tolerance_of(item))
    _text(answer, "feedback", "", format="html")


def _multichoice(question: ET.Element, item: Item) -> None:
    ET.SubElement(question, "single").text = "true"
    ET.SubElement(question, "shuffleanswers").text = "1"
    ET.SubElement(question, "answernumbering").text = "ABCD"
    for choice in item.choices:
        answer = _text(question, "answer", html.escape(choice.text),
                       fraction="100" if choice.correct else "0", format="html")
        _text(answer, "feedback", html.escape(choice.feedback), format="html")


def _truefalse(question: ET.Element, item: Item) -> None:
    truth = truth_of(item)
    by_text = {choice.text.strip().lower(): choice for choice in item.choices}
    for word in ("true", "false"):
        right = (word == "true") == truth
        answer = _text(question, "answer", word, fraction="100" if right else "0",
                       format="moodle_auto_format")
        _text(answer, "feedback", html.escape(by_text[word].feedback), format="html")


def question_element(item: Item, figure_name: str) -> ET.Element:
    """The ``<question>`` of one valid item."""
    kind = {"numeric": "numerical", "multiple_choice": "multichoice",
            "true_false": "truefalse"}[item.type]
    question = ET.Element("question", type=kind)
    _text(question, "name", item.id)
    _question_text(question, item, figure_name)
    _text(question, "generalfeedback", text_html(item.solution), format="html")
    ET.SubElement(question, "defaultgrade").text = "1"
    ET.SubElement(question, "penalty").text = "0"
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = item.id
    {"numerical": _numerical, "multichoice": _multichoice, "truefalse": _truefalse}[kind](
        question, item)
    return question


def category_element(outcome: str) -> ET.Element:
    """The dummy ``<question type="category">`` that files what follows under ``outcome``."""
    question = ET.Element("question", type="category")
    _text(question, "category", f"{CATEGORY_ROOT}/{outcome}")
    _text(question, "info", LEARNING_OUTCOMES[outcome], format="html")
    return question


def build_quiz(items: list[Item]) -> ET.Element:
    """The ``<quiz>`` of the exportable items, grouped by learning outcome."""
    items = usable_items(items, "moodle")
    names = figure_names(items)
    quiz = ET.Element("quiz")
    for outcome in LEARNING_OUTCOMES:
        chosen = [item for item in items if item.learning_outcome == outcome]
        if chosen:
            quiz.append(category_element(outcome))
        for item in chosen:
            quiz.append(question_element(item, names.get(item.id, "")))
    return quiz


def write_moodle(items: list[Item], out_dir: Path) -> list[Path]:
    """Write ``moodle.xml``; return its path."""
    tree = ET.ElementTree(build_quiz(items))
    ET.indent(tree)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    tree.write(path, encoding="UTF-8", xml_declaration=True)
    return [path]
