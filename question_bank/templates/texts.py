"""The computing (numeric) templates: numbers drawn in Python, words in a data file.

A numeric template is a ``draw(rng, level) -> Drawn`` in Python (the numbers, the answer from
``solutions/``, the values its text shows) and a text file ``text/<template>.toml`` beside it:

- ``stem`` and ``solution``: the item's texts, with ``{name}`` fields filled from the draw's
  ``answer``, ``params`` and ``shown`` values (``shown`` wins where two have a name);
- any other text is a part the file's texts share: a field ``{part}`` shows it;
- any ``[table]`` of texts holds alternatives (``[stem]`` too, for stems that differ in more
  than a phrase): a field ``{table}`` shows the one the draw names
  (``shown["setting"] = "padded"``), or, when the draw gives ``Lines``, one text per line
  with that line's own numbers (a worked solution's steps).

Fields are plain names (``{n_out}``): no attribute, index, conversion or format spec, so
editing a file can only change words. The file is checked when the template is made
(``numeric_template``): its structure, its field syntax, and ``CHECK_DRAWS`` draws per level,
whose texts are filled; every fill checks that the draw supplies each field it uses. A
mistake raises ``TextFileError`` naming the file, the template and the key. Words several
templates share (a network's layers, the figures' alt texts) are ``shared_text`` files.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from question_bank.templates.base import DIFFICULTIES, Draft
from question_bank.templates.concepts import TEXT_DIR, TextFileError, read_toml

ITEM_KEYS = ("stem", "solution")  # the texts every numeric template's file must have
_TABLE = {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}}
_TEXT = {"type": "string", "minLength": 1}
SCHEMA = {  # top level: the item's texts (or tables of them) and shared parts; tables:
    # alternatives, where an empty text says "nothing here"
    "type": "object", "required": list(ITEM_KEYS),
    "additionalProperties": {"oneOf": [_TEXT, _TABLE]}}
_NAME = re.compile(r"[A-Za-z_]\w*\Z")


@dataclass(frozen=True)
class Line:
    """One line of a list field: which text of the field's table, with its own numbers."""

    text: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lines:
    """A list field's lines, joined by ``sep`` (a worked solution's steps)."""

    lines: tuple[Line, ...]
    sep: str = "\n"


@dataclass(frozen=True)
class Drawn:
    """What a numeric template's draw returns: the answer, the drawn ``params`` (kept on the
    item) and the extra values its texts show (lists written out, a table's chosen text)."""

    answer: Any
    params: dict[str, Any]
    shown: dict[str, Any] = field(default_factory=dict)
    tolerance: float = 0.0


SHARED_SCHEMA = {"type": "object", "additionalProperties": {"oneOf": [_TEXT, _TABLE]}}
CHECK_DRAWS = 3  # draws per level when a template is made, to check its file
Draw = Callable[[random.Random, int], Drawn]


def placeholders(text: str) -> list[str]:
    """The field names of ``text``, in order; ``ValueError`` for a field that is not a plain
    name or for unmatched braces."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not _NAME.match(name) or spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ValueError(f"field {{{shown}}} is not a plain name such as {{n_out}}")
        names.append(name)
    return names


class TemplateText:
    """The texts of one numeric template (or a shared file), read from ``text/<name>.toml``
    and checked."""

    def __init__(self, name: str, folder: Path | None = None,
                 schema: dict[str, Any] | None = None, kind: str = "template") -> None:
        self.name, self.kind = name, kind
        self.path = (folder or TEXT_DIR) / f"{name}.toml"
        data = read_toml(self.path, name, schema or SCHEMA, kind)
        self.texts: dict[str, str] = {key: value for key, value in data.items()
                                      if isinstance(value, str)}
        self.tables: dict[str, dict[str, str]] = {
            key: value for key, value in data.items() if not isinstance(value, str)}
        self.fields: dict[str, list[str]] = {}  # "stem", "setting.padded" -> its field names
        for key, text in self._all_texts():
            try:
                self.fields[key] = placeholders(text)
            except ValueError as error:
                raise self.error(key, str(error)) from None
        self.used: set[str] = set()  # the keys filled so far (a test wants every one used)
        self.supplied: set[str] = set()  # the names the draws gave so far
        self.missing: list[TextFileError] | None = None  # collected, not raised, when checking
        for part in self.texts:
            self._check_no_loop(part, (part,))

    def _check_no_loop(self, key: str, path: tuple[str, ...]) -> None:
        """A part that shows itself, directly or through others, would never end."""
        for name in self.fields[key]:
            if name in path:
                raise self.error(key, f"the parts show each other in a loop: "
                                      f"{' -> '.join((*path, name))}")
            if name in self.texts:
                self._check_no_loop(name, (*path, name))

    def _all_texts(self) -> Iterable[tuple[str, str]]:
        yield from self.texts.items()
        for table, options in self.tables.items():
            for option, text in options.items():
                yield f"{table}.{option}", text

    def error(self, key: str, message: str) -> TextFileError:
        return TextFileError(f"{self.path}: {self.kind} {self.name!r}: key {key!r}: {message}")

    def fill(self, key: str, values: Mapping[str, Any], level: int | None = None) -> str:
        """The text ``key`` ("stem", "setting.padded") with its fields filled from ``values``;
        a table field shows the text its value names, or its ``Lines``."""
        text = self.texts.get(key) if "." not in key else self._option(key)
        if text is None:
            raise self.error(key, "no such text in the file")
        self.supplied.update(values)
        filled = {}
        for name in self.fields[key]:
            if name in self.texts:  # a part the file shares between its texts
                filled[name] = self.fill(name, values, level)
            elif name not in values:
                at = "" if level is None else f" at level {level}"
                error = self.error(key, f"the draw does not supply {{{name}}}{at} (it "
                                        f"supplies: {', '.join(sorted(values))})")
                if self.missing is None:
                    raise error
                self.missing.append(error)  # while checking: an unknown field explains more
                filled[name] = ""
            else:
                filled[name] = self._show(key, name, values, level)
        self.used.add(key)
        return text.format(**filled)

    def _option(self, key: str) -> str | None:
        table, _, option = key.partition(".")
        return self.tables.get(table, {}).get(option)

    def _show(self, key: str, name: str, values: Mapping[str, Any],
              level: int | None = None) -> Any:
        value = values[name]
        if name not in self.tables:
            if isinstance(value, Lines):
                raise self.error(key, f"{{{name}}} gets lines but the file has no [{name}] "
                                      f"table of texts for them")
            return value
        if isinstance(value, Lines):
            return value.sep.join(self.fill(f"{name}.{line.text}", {**values, **line.values},
                                            level) for line in value.lines)
        if not isinstance(value, str) or value not in self.tables[name]:
            raise self.error(f"{name}.{value}", f"the draw picks text {value!r} of table "
                                                f"[{name}], which has {sorted(self.tables[name])}")
        return self.fill(f"{name}.{value}", values, level)

    def item_text(self, key: str, values: Mapping[str, Any], level: int | None = None) -> str:
        """The stem or solution: its text, or the one its table's field names."""
        if key in self.texts:
            return self.fill(key, values, level)
        if key not in values:
            raise self.error(key, f"[{key}] is a table: the draw must say which of its texts "
                                  f"to show ({sorted(self.tables[key])})")
        return self._show(key, key, values, level)

    def draft(self, drawn: Drawn, level: int) -> Draft:
        values = {"answer": drawn.answer, **drawn.params, **drawn.shown}
        return Draft(self.item_text("stem", values, level), drawn.answer,
                     self.item_text("solution", values, level), drawn.params,
                     tolerance=drawn.tolerance)


@dataclass(frozen=True)
class NumericTemplate:
    """A template body: ``draw`` the numbers, fill ``text``. Made by ``numeric_template``."""

    text: TemplateText
    draw: Draw

    def __call__(self, rng: random.Random, level: int) -> Draft:
        return self.text.draft(self.draw(rng, level), level)


def numeric_template(name: str, draw: Draw, folder: Path | None = None) -> NumericTemplate:
    """The body of numeric template ``name``: its text from ``text/<name>.toml``, checked now
    (structure, field syntax, ``CHECK_DRAWS`` draws per level with every field of the drawn
    texts supplied, no field that no draw supplies), so that a broken file stops the import
    instead of a student's question."""
    text = TemplateText(name, folder)
    body = NumericTemplate(text, draw)
    text.missing = []
    for level in DIFFICULTIES:
        for seed in range(CHECK_DRAWS):
            body(random.Random(f"check:{name}:{level}:{seed}"), level)
    known = text.supplied | set(text.tables) | set(text.texts)
    for key, names in text.fields.items():
        unknown = [name for name in names if name not in known]
        if unknown:
            raise text.error(key, f"unknown field(s) {', '.join(map('{{{}}}'.format, unknown))}: "
                                  f"no draw supplies them (the draws supply: "
                                  f"{', '.join(sorted(text.supplied))})")
    if text.missing:
        raise text.missing[0]
    text.missing = None
    text.used.clear()
    return body


def shared_text(name: str, folder: Path | None = None) -> TemplateText:
    """Words several templates share, ``text/<name>.toml`` (the layers of a network, the
    figures' descriptions): texts and tables as in a template's file, without a stem or
    solution. Its structure and field syntax are checked now, its fields at every fill."""
    return TemplateText(name, folder, SHARED_SCHEMA, kind="shared text")
