"""``cnnlab release OUT``: the student bundle, a pip-installable folder (``cnnlab-student``).

It holds the exercise stubs (``exercises/``, with the given ``validation`` and
``architecture``), the parts of ``cnnlab`` that ``cnnlab check`` and the drill need, the
exercise notebook as released (solutions and hidden tests stripped with nbgrader's markers)
with its figures, a practice bank for ``cnnlab drill`` and a README. The stubs and the
notebook are generated from ``solutions/`` at that moment, by the same builder as ``cnnlab
build``: the ``exercises/`` folder on disk, which anyone may have edited, is never copied.
Never ``solutions/``, ``autograder/`` or a hidden test: every line of the bundle is scanned
before it is finished (``cnnlab.platforms.leaks``) and the build fails if anything leaked.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from cnnlab.build import ROOT, build_exercises
from cnnlab.destinations import folder_problem
from cnnlab.platforms.leaks import Secrets, find_leaks
from cnnlab.platforms.notebooks import (
    FIGURE_DIR,
    NOTEBOOK_NAME,
    dumps,
    make_notebook,
    release_notebook,
)

CNNLAB_MODULES = ("__init__", "__main__", "calls", "catalog", "check", "loading",
                  "placement", "public_checks", "result_rules", "cli", "paths", "source_text")
BANK_FILE = "question_bank/practice_bank.json"  # package data: what `cnnlab drill` asks
PRACTICE_PAGE = "practice.html"  # the offline practice page, beside the README
# The bank's generator computes answers with the reference: never released.
GENERATOR = ("templates", "generate.py", "stress.py", "coverage.py")

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

You need Python 3.11 or newer. In this folder (Linux and macOS):

```bash
python3 -m venv .venv && .venv/bin/pip install -e .   # once: gives you .venv/bin/cnnlab
.venv/bin/cnnlab check                                # checks ./exercises
.venv/bin/cnnlab drill                                # exam practice in the terminal
```

On Windows: `py -m venv .venv`, then `.venv\\Scripts\\pip install -e .` and
`.venv\\Scripts\\cnnlab check` (or activate the venv and type `cnnlab check`). `check`, `drill`
and the notebook work on Linux, macOS and Windows alike.

For exam practice in a browser (also on a phone), open `{page}`: questions per learning
outcome, checked at once, with worked solutions, your progress and a timed exam mode.

- `exercises/`: fill in every function that says `raise NotImplementedError` in
  `padding.py`, `convolution.py`, `pooling.py`, `weights.py`, `receptive_field.py` and
  `backprop.py` (the backward passes; its `numerical_gradient` is given code to check them).
  `validation.py` and `architecture.py` are given code: use them in your answers. Edit the
  files here, then run `cnnlab check` in this folder. `experiment.py` is given code that
  trains a linear model and a small CNN with your functions, once they work:
  `python -c "from exercises.experiment import show_experiment; show_experiment()"`.
- `notebooks/{notebook}`: the same exercises as a Jupyter notebook, with the lecture's
  story and figures. Fill in the cells that say `raise NotImplementedError()`; the read-only
  cells run the public examples.
- `cnnlab check` tells you per function *passed*, *not implemented yet* or *failing* (with
  the input, the expected and your result). These examples are few; your grade comes from
  hidden tests with many generated inputs, so test your functions on inputs of your own too.
- `cnnlab drill` asks exam-style questions (from `{bank}`) and shows worked solutions;
  `--outcome LO4` practises one learning outcome, `--n 10` asks ten.
"""


def _copy_question_bank(project: Path, target: Path) -> None:
    """The question bank package without its generator, which computes answers with the
    reference (the drill reads the pre-generated practice bank)."""
    shutil.copytree(project / "question_bank", target,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *GENERATOR))


def practice_bank() -> list[dict]:
    """The drill's and the practice page's questions, generated now from the practice seeds,
    which exams never use (the student's package cannot generate them: the generator needs
    the reference)."""
    from question_bank.generate import PRACTICE_SEED, PRACTICE_SIZE, build_bank

    return [item.to_dict() for item in build_bank(PRACTICE_SIZE, PRACTICE_SEED, practice=True)]


def out_problem(out: Path) -> str | None:
    """Why ``out`` cannot take the bundle (checked before anything is written), or None."""
    problem = folder_problem(out, "OUT")
    if problem is None and out.is_dir() and any(out.iterdir()):
        problem = f"OUT {out} exists and is not an empty folder"
    return problem


def build_release(out: Path, project: Path = ROOT) -> list[Path]:
    """Write the bundle of ``project`` (a cnnlab source tree) into ``out`` (new or empty);
    return its files. Raises ValueError when ``out`` is not usable or when something secret
    would be in the bundle."""
    problem = out_problem(out)
    if problem:
        raise ValueError(problem)
    out.mkdir(exist_ok=True)
    from cnnlab import __version__

    (out / "cnnlab").mkdir()
    for name in CNNLAB_MODULES:
        shutil.copy(project / "cnnlab" / f"{name}.py", out / "cnnlab" / f"{name}.py")
    build_exercises(project / "solutions", out / "exercises")  # the stubs, made now
    _copy_question_bank(project, out / "question_bank")
    bank = practice_bank()
    (out / BANK_FILE).write_text(json.dumps(bank, indent=1))
    from question_bank.model import Item
    from question_bank.practice import page_html
    (out / PRACTICE_PAGE).write_text(page_html([Item.from_dict(d) for d in bank]),
                                     encoding="utf-8")
    (out / "notebooks").mkdir()
    notebook = make_notebook(project / "solutions")
    (out / "notebooks" / NOTEBOOK_NAME).write_text(dumps(release_notebook(notebook)))
    figures = project / "notebooks" / FIGURE_DIR
    if figures.is_dir():
        shutil.copytree(figures, out / "notebooks" / FIGURE_DIR)
    (out / "pyproject.toml").write_text(PYPROJECT.format(version=__version__))
    (out / "README.md").write_text(README.format(bank=BANK_FILE, notebook=NOTEBOOK_NAME,
                                                 page=PRACTICE_PAGE))
    leaks = find_leaks(out, Secrets.of(project))
    if leaks:
        raise ValueError("the bundle would leak (nothing is released):\n  " +
                         "\n  ".join(leaks[:20]))
    return sorted(p for p in out.rglob("*") if p.is_file())


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    problem = out_problem(out)
    if problem:  # before writing anything: OUT is the user's folder, never removed
        print(f"cnnlab release: error: {problem}", file=sys.stderr)
        return 2
    created = not out.exists()
    try:
        files = build_release(out)
    except ValueError as error:
        if not args.keep_failed:  # only what this run wrote: OUT was new or empty
            _remove_contents(out, remove_folder=created)
        print(f"cnnlab release: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(files)} files to {out}; no solution code or hidden test found in them")
    print(f"students: cd {out} && python3 -m venv .venv && .venv/bin/pip install -e . && "
          ".venv/bin/cnnlab check")
    return 0


def _remove_contents(out: Path, remove_folder: bool) -> None:
    if remove_folder:
        shutil.rmtree(out, ignore_errors=True)
        return
    for entry in out.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "release", help="write the student bundle (stubs, checks, notebook, drill)",
        description="Write the student bundle, a pip-installable folder (cnnlab-student): "
                    "the exercise stubs and the notebook, generated from solutions/ now, the "
                    "self-check and the drill with a practice bank. Every line is scanned "
                    "for solution code and the hidden suite before anything is released.")
    parser.add_argument("out", metavar="OUT",
                        help="a new (or empty) folder; the folder it is in must exist")
    parser.add_argument("--keep-failed", action="store_true",
                        help="keep OUT when the leak scan fails, to inspect it")
    parser.set_defaults(func=run)
