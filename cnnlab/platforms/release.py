"""``cnnlab release OUT``: the student bundle, a pip-installable folder (``cnnlab-student``).

It holds the exercise stubs (``exercises/``, with the given ``validation`` and
``architecture``), the parts of ``cnnlab`` that ``cnnlab check`` and the drill need, the
exercise notebook as released (solutions and hidden tests stripped with nbgrader's markers)
with its figures, a practice bank for ``cnnlab drill`` and a README. Never ``solutions/``,
``autograder/`` or a hidden test: the bundle is scanned before it is finished
(``find_leaks``) and the build fails if anything leaked.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

from cnnlab.build import BEGIN, END, ROOT
from cnnlab.platforms.notebooks import (
    FIGURE_DIR,
    HIDDEN_BEGIN,
    NOTEBOOK_DIR,
    NOTEBOOK_NAME,
    dumps,
    release_notebook,
)

CNNLAB_MODULES = ("__init__", "__main__", "catalog", "check", "loading", "public_checks",
                  "result_rules", "cli", "paths")
BANK_FILE = "question_bank/practice_bank.json"  # package data: what `cnnlab drill` asks
PRACTICE_PAGE = "practice.html"  # the offline practice page, beside the README
# The bank's generator computes answers with the reference: never released.
GENERATOR = ("templates", "generate.py", "stress.py", "coverage.py")
TEXT_SUFFIXES = (".py", ".ipynb", ".json", ".md", ".toml", ".txt", ".cfg", ".html")
# Lines of solution code shorter than this are too generic to count as a leak
# ("return field", "jump = 1").
MIN_LEAK_LENGTH = 20
FORBIDDEN = (re.compile(re.escape(HIDDEN_BEGIN.lstrip("# "))), re.compile(r"\bhidden_points\b"),
             re.compile(r"^\s*(import|from)\s+autograder\b", re.MULTILINE),
             re.compile(r"^\s*(import|from)\s+solutions\b", re.MULTILINE),
             re.compile(re.escape(BEGIN)), re.compile(re.escape(END)))

PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "cnnlab-student"
version = "{version}"
description = "Exercises and self-check for the lecture 'Convolutional neural networks' (8DC00)."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["numpy>=1.26", "scipy>=1.11", "platformdirs>=4", "fsrs>=6.3"]

[project.scripts]
cnnlab = "cnnlab.cli:main"

[tool.setuptools.packages.find]
include = ["cnnlab*", "exercises*", "question_bank*"]

[tool.setuptools.package-data]
"*" = ["*.json"]
"""

README = """# Convolutional neural networks: exercises (8DC00)

Your exercises for the lecture "Convolutional neural networks", a self-check and exam
practice.

```bash
python3 -m pip install .          # in this folder; gives you the `cnnlab` command
cnnlab check                      # checks ./exercises against the public examples
cnnlab drill                      # exam practice in the terminal
```

For exam practice in a browser (also on a phone), open `{page}`: questions per learning
outcome, checked at once, with worked solutions, your progress and a timed exam mode.

- `exercises/`: fill in every function that says `raise NotImplementedError` in
  `padding.py`, `convolution.py`, `pooling.py`, `weights.py` and `receptive_field.py`.
  `validation.py` and `architecture.py` are given code: use them in your answers. Edit the
  files here (not the installed copy), then run `cnnlab check` in this folder. If you
  installed with `pip install .`, re-install after editing, or use `pip install -e .`.
- `notebooks/{notebook}`: the same exercises as a Jupyter notebook, with the lecture's
  story and figures. Fill in the cells that say `raise NotImplementedError()`; the read-only
  cells run the public examples.
- `cnnlab check` tells you per function *passed*, *not implemented yet* or *failing* (with
  the input, the expected and your result). These examples are few; your grade comes from
  hidden tests with many generated inputs, so test your functions on inputs of your own too.
- `cnnlab drill` asks exam-style questions (from `{bank}`) and shows worked solutions;
  `--outcome LO4` practises one learning outcome, `--n 10` asks ten.
"""


def solution_lines(solutions_dir: Path = ROOT / "solutions",
                   given_dir: Path = ROOT / "exercises") -> set[str]:
    """Stripped lines of answer code (between the markers) that are long enough to be
    specific and that the stubs do not ship anyway."""
    given = {line.strip() for path in given_dir.glob("*.py")
             for line in path.read_text().splitlines()}
    lines: set[str] = set()
    for path in solutions_dir.glob("*.py"):
        inside = False
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped in (BEGIN, END):
                inside = stripped == BEGIN
            elif inside and len(stripped) >= MIN_LEAK_LENGTH and not stripped.startswith("#") \
                    and stripped not in given:
                lines.add(stripped)
    return lines


def find_leaks(folder: Path, secret_lines: set[str] | None = None) -> list[str]:
    """``file: what`` for every answer line, hidden test or grader/solutions import found in
    a text file under ``folder``. Empty: nothing leaked."""
    secret_lines = solution_lines() if secret_lines is None else secret_lines
    folder = Path(folder)
    return [leak for path in sorted(p for p in folder.rglob("*") if p.is_file())
            for leak in file_leaks(path, path.relative_to(folder), secret_lines)]


def file_leaks(path: Path, relative: Path, secret_lines: set[str]) -> list[str]:
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
    leaks += [f"{relative}: solution line {line!r}" for line in
              sorted({raw.strip() for raw in text.splitlines()} & secret_lines)]
    return leaks


def _notebook_text(text: str) -> str:
    try:
        cells = json.loads(text).get("cells", [])
    except ValueError:
        return text
    return "\n".join("".join(cell.get("source", "")) for cell in cells)


def _copy_question_bank(target: Path) -> None:
    """The question bank package without its generator, which computes answers with the
    reference (the drill reads the pre-generated practice bank)."""
    shutil.copytree(ROOT / "question_bank", target,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *GENERATOR))


def practice_bank() -> list[dict]:
    """The drill's and the practice page's questions, generated now from the practice seeds,
    which exams never use (the student's package cannot generate them: the generator needs
    the reference)."""
    from question_bank.generate import PRACTICE_SEED, PRACTICE_SIZE, build_bank

    return [item.to_dict() for item in build_bank(PRACTICE_SIZE, PRACTICE_SEED, practice=True)]


def build_release(out: Path) -> list[Path]:
    """Write the bundle into ``out`` (new or empty); return its files. Raises ValueError when
    ``out`` is not usable or when something secret would be in the bundle."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"OUT {out} exists and is not an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    from cnnlab import __version__

    (out / "cnnlab").mkdir()
    for name in CNNLAB_MODULES:
        shutil.copy(ROOT / "cnnlab" / f"{name}.py", out / "cnnlab" / f"{name}.py")
    shutil.copytree(ROOT / "exercises", out / "exercises",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _copy_question_bank(out / "question_bank")
    bank = practice_bank()
    (out / BANK_FILE).write_text(json.dumps(bank, indent=1))
    from question_bank.model import Item
    from question_bank.practice import page_html
    (out / PRACTICE_PAGE).write_text(page_html([Item.from_dict(d) for d in bank]),
                                     encoding="utf-8")
    notebook = json.loads((NOTEBOOK_DIR / NOTEBOOK_NAME).read_text())
    (out / "notebooks").mkdir()
    (out / "notebooks" / NOTEBOOK_NAME).write_text(dumps(release_notebook(notebook)))
    if (NOTEBOOK_DIR / FIGURE_DIR).is_dir():
        shutil.copytree(NOTEBOOK_DIR / FIGURE_DIR, out / "notebooks" / FIGURE_DIR)
    (out / "pyproject.toml").write_text(PYPROJECT.format(version=__version__))
    (out / "README.md").write_text(README.format(bank=BANK_FILE, notebook=NOTEBOOK_NAME,
                                                          page=PRACTICE_PAGE))
    leaks = find_leaks(out)
    if leaks:
        raise ValueError("the bundle would leak (nothing is released):\n  " +
                         "\n  ".join(leaks[:20]))
    return sorted(p for p in out.rglob("*") if p.is_file())


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        files = build_release(out)
    except ValueError as error:
        if out.is_dir() and not args.keep_failed:
            shutil.rmtree(out, ignore_errors=True)
        print(f"cnnlab release: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(files)} files to {out}; no solution code or hidden test found in them")
    print(f"students: cd {out} && python3 -m pip install . && cnnlab check")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "release", help="write the student bundle (stubs, checks, notebook, drill)",
        description=__doc__.splitlines()[0])
    parser.add_argument("out", metavar="OUT", help="a new (or empty) folder")
    parser.add_argument("--keep-failed", action="store_true",
                        help="keep OUT when the leak scan fails, to inspect it")
    parser.set_defaults(func=run)
