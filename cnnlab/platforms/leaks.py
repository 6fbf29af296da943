"""The leak scan of everything that ships to students (``cnnlab release``).

Every line of every text file in the bundle is checked, with no file and no folder exempt,
against the two secrets, read from the project at the moment of the scan:

* the answers: each line between the solution markers in ``solutions/`` (long enough to be
  specific, :data:`MIN_LEAK_LENGTH`). The only answer lines allowed are those that the stub
  builder itself puts in the stubs (given code such as ``settings = layer_settings(layer,
  index)``, which is part of an answer and of the given ``architecture.py``): they are
  matched against the builder's output, never against the ``exercises/`` folder on disk,
  which anyone can edit;
* the hidden suite: every passage of :data:`PASSAGE_LINES` consecutive code lines of the
  grader (``autograder/``), imports aside. Single lines would match ordinary Python
  (``except ValueError as error:``) in cnnlab's own shipped modules; a passage does not.

On top of that, the markers themselves, nbgrader's hidden-test markers and any import of
``autograder`` or ``solutions`` are leaks, and so is any file inside a ``solutions`` or
``autograder`` folder. Lines are compared after stripping, an inline comment removed and
spaces collapsed, so re-indenting or dropping a comment does not hide a copied line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from cnnlab.build import BEGIN, END, ROOT, expected_exercises
from cnnlab.platforms.notebooks import HIDDEN_BEGIN

TEXT_SUFFIXES = (".py", ".ipynb", ".json", ".md", ".toml", ".txt", ".cfg", ".html")
HIDDEN_SUITE_SUFFIXES = (".py", ".toml")
MIN_LEAK_LENGTH = 20  # shorter answer lines are too generic to count ("return field")
PASSAGE_LINES = 3
MIN_PASSAGE_LENGTH = 60  # characters of a passage's code: three "else:" lines are no secret
FORBIDDEN = (re.compile(re.escape(HIDDEN_BEGIN.lstrip("# "))), re.compile(r"\bhidden_points\b"),
             re.compile(r"^\s*(import|from)\s+autograder\b", re.MULTILINE),
             re.compile(r"^\s*(import|from)\s+solutions\b", re.MULTILINE),
             re.compile(re.escape(BEGIN)), re.compile(re.escape(END)))
IMPORT = re.compile(r"^(import|from)\s")
INLINE_COMMENT = re.compile(r"\s+#[^'\"]*$")  # "  # why", unless a quote follows the hash


def normalized(line: str) -> str:
    """A line as the scan compares it: stripped, an inline comment dropped, spaces collapsed."""
    return " ".join(INLINE_COMMENT.sub("", line.strip()).split())


def code_lines(text: str) -> list[str]:
    """The normalized lines of ``text`` that are code: not blank, not a comment."""
    lines = (normalized(line) for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def answer_lines(project: Path = ROOT) -> frozenset[str]:
    """The specific answer lines of ``project/solutions``, less those the stub builder itself
    writes into the stubs (from the same ``solutions/``, now)."""
    solutions = project / "solutions"
    given = {line for text in expected_exercises(solutions).values()
             for line in code_lines(text)}
    answers: set[str] = set()
    for path in sorted(solutions.glob("*.py")):
        inside = False
        for raw in path.read_text().splitlines():
            if raw.strip() in (BEGIN, END):
                inside = raw.strip() == BEGIN
                continue
            line = normalized(raw)
            if inside and len(line) >= MIN_LEAK_LENGTH and not line.startswith("#"):
                answers.add(line)
    return frozenset(answers - given)


def passages(lines: list[str]) -> set[tuple[str, ...]]:
    """Every run of ``PASSAGE_LINES`` consecutive lines that is specific: not only imports
    (and the end of a docstring), at least ``MIN_PASSAGE_LENGTH`` characters."""
    runs = (tuple(lines[i:i + PASSAGE_LINES]) for i in range(len(lines) - PASSAGE_LINES + 1))
    return {run for run in runs if sum(map(len, run)) >= MIN_PASSAGE_LENGTH
            and not all(IMPORT.match(line) or line in ('"""', "'''") for line in run)}


def hidden_suite_passages(project: Path = ROOT) -> frozenset[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for path in sorted((project / "autograder").rglob("*")):
        if path.suffix in HIDDEN_SUITE_SUFFIXES and path.is_file():
            found |= passages(code_lines(path.read_text(encoding="utf-8", errors="replace")))
    return frozenset(found)


@dataclass(frozen=True)
class Secrets:
    answers: frozenset[str]
    hidden: frozenset[tuple[str, ...]]

    @classmethod
    def of(cls, project: Path = ROOT) -> Secrets:
        """What ``project`` (a cnnlab source tree) holds secret, read now."""
        return cls(answer_lines(project), hidden_suite_passages(project))


def find_leaks(folder: Path, secrets: Secrets | None = None) -> list[str]:
    """``file: what`` for every answer line, hidden-suite passage, marker or grader/solutions
    import found in a text file under ``folder``. Empty: nothing leaked."""
    secrets = Secrets.of() if secrets is None else secrets
    folder = Path(folder)
    return [leak for path in sorted(p for p in folder.rglob("*") if p.is_file())
            for leak in file_leaks(path, path.relative_to(folder), secrets)]


def file_leaks(path: Path, relative: Path, secrets: Secrets) -> list[str]:
    """The leaks of one file (see ``find_leaks``); ``relative`` is its name in the bundle."""
    leaks = []
    if {"solutions", "autograder"} & set(relative.parts[:-1]):
        leaks.append(f"{relative}: a file of solutions/ or autograder/")
    if path.suffix not in TEXT_SUFFIXES:
        return leaks
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":  # the cells' lines are JSON strings
        text = _notebook_text(text)
    leaks += [f"{relative}: matches {pattern.pattern!r}" for pattern in FORBIDDEN
              if pattern.search(text)]
    lines = code_lines(text)
    leaks += [f"{relative}: solution line {line!r}"
              for line in sorted(set(lines) & secrets.answers)]
    leaks += [f"{relative}: hidden-suite passage starting {run[0]!r}"
              for run in sorted(passages(lines) & secrets.hidden)]
    return leaks


def _notebook_text(text: str) -> str:
    try:
        cells = json.loads(text).get("cells", [])
    except ValueError:
        return text
    return "\n".join("".join(cell.get("source", "")) for cell in cells)
