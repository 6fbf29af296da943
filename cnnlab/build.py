"""``cnnlab build``: regenerate what is derived from ``solutions/`` and ``autograder/checks/``.

The catalog's records (``cnnlab/catalog.py``), the student stubs, the public checks (from the
docstring examples), the SPEC coverage matrix (``docs/spec_coverage.md``) and the notebooks.
The hidden suite is not built here: ``cnnlab grade`` draws it with the course key. Generated
parts of hand-written files sit between ``BEGIN GENERATED`` and ``END GENERATED`` marker
lines (``GeneratedBlock``).

For the stubs in ``exercises/``, every block of the reference between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes

    # YOUR CODE HERE
    raise NotImplementedError

at the block's indentation; signatures, docstrings and given code stay as they are, and
``solutions`` imports become ``exercises`` imports. ``cnnlab build --check`` fails when a
committed file differs from what would be generated.
"""

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError")
ROOT = Path(__file__).resolve().parent.parent

EXERCISE_HEADER = (
    "# cnnlab exercise: replace every 'raise NotImplementedError' below with your code.\n"
    "# Check yourself with `cnnlab check`. Generated from solutions/{name} by `cnnlab build`.\n"
)
SUPPORT_HEADER = (
    "# cnnlab given code: nothing to fill in here; use it in your answers.\n"
    "# Generated from solutions/{name} by `cnnlab build`.\n"
)
PACKAGE_INIT = '''"""Your exercises for the lecture "Convolutional neural networks".

Fill in the functions in padding.py, convolution.py, pooling.py, weights.py,
receptive_field.py and backprop.py, then run ``cnnlab check`` to compare them with the
public examples.
validation.py and architecture.py are given code that you may use; experiment.py is given
code that trains a linear model and a small CNN with your functions (show_experiment()).
"""
'''


class MarkerError(ValueError):
    """A solution block that is not closed, or closed without being opened."""


def strip_solutions(source: str, name: str = "<source>", stub: tuple[str, ...] = STUB,
                    drop: tuple[tuple[str, str], ...] = ()) -> str:
    """Replace every solution block of ``source`` by ``stub``, keeping its indentation; the
    blocks between the marker pairs of ``drop`` (nbgrader's hidden tests) disappear."""
    ends = {BEGIN: END, **dict(drop)}
    out: list[str] = []
    inside: str | None = None  # the opening marker of the block we are in
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped in ends:
            if inside is not None:
                raise MarkerError(f"{name}:{number}: {stripped} inside another marked block")
            inside = stripped
            if stripped == BEGIN:
                indent = line[: len(line) - len(line.lstrip())]
                out.extend(f"{indent}{text}\n" for text in stub)
        elif stripped in ends.values():
            if inside is None or ends[inside] != stripped:
                opening = next(b for b, e in ends.items() if e == stripped)
                raise MarkerError(f"{name}:{number}: {stripped} without {opening}")
            inside = None
        elif inside is None:
            out.append(line)
    if inside is not None:
        raise MarkerError(f"{name}: {inside} is never closed")
    return "".join(out)


def has_solution(source: str) -> bool:
    return any(line.strip() == BEGIN for line in source.splitlines())


def exercise_source(path: Path) -> str:
    """The student's version of one solution module."""
    source = path.read_text()
    if path.name == "__init__.py":
        return PACKAGE_INIT
    header = EXERCISE_HEADER if has_solution(source) else SUPPORT_HEADER
    stub = strip_solutions(source, str(path))
    stub = re.sub(r"\b(from|import) solutions\b", r"\1 exercises", stub)
    return header.format(name=path.name) + stub


def expected_exercises(solutions_dir: Path = ROOT / "solutions") -> dict[str, str]:
    """File name -> the stub text that ``exercises/`` must hold."""
    return {p.name: exercise_source(p) for p in sorted(solutions_dir.glob("*.py"))}


def stale_exercises(solutions_dir: Path = ROOT / "solutions",
                    exercises_dir: Path = ROOT / "exercises") -> list[str]:
    """Names of the stubs that are missing, out of date or left over."""
    expected = expected_exercises(solutions_dir)
    present = {p.name for p in exercises_dir.glob("*.py")}
    stale = [name for name, text in expected.items()
             if not (exercises_dir / name).is_file() or (exercises_dir / name).read_text() != text]
    return sorted(stale + list(present - set(expected)))


def build_exercises(solutions_dir: Path = ROOT / "solutions",
                    exercises_dir: Path = ROOT / "exercises") -> list[Path]:
    """Write the stubs; return the files that changed."""
    exercises_dir.mkdir(parents=True, exist_ok=True)
    expected = expected_exercises(solutions_dir)
    changed = []
    for name, text in expected.items():
        target = exercises_dir / name
        if not target.is_file() or target.read_text() != text:
            target.write_text(text)
            changed.append(target)
    for leftover in set(p.name for p in exercises_dir.glob("*.py")) - set(expected):
        (exercises_dir / leftover).unlink()
        changed.append(exercises_dir / leftover)
    return changed


# --- generated blocks: parts of files that are otherwise written by hand ----------------------

@dataclass(frozen=True)
class GeneratedBlock:
    """The lines between ``<open>BEGIN GENERATED <name>`` and ``<open>END GENERATED <name>``
    of ``path``, written by ``make`` (marker lines may go on with a note after the name)."""

    path: Path
    name: str
    make: Callable[[], str]
    open: str = "# "

    def expected(self, text: str) -> str:
        """``text`` (the file) with the block as ``make`` writes it."""
        lines = text.splitlines(keepends=True)
        begin, end = (self._marker(lines, kind) for kind in ("BEGIN", "END"))
        if not begin < end:
            raise MarkerError(f"{self.path}: END GENERATED {self.name} before its BEGIN")
        return "".join(lines[:begin + 1]) + self.make() + "".join(lines[end:])

    def _marker(self, lines: list[str], kind: str) -> int:
        prefix = f"{self.open}{kind} GENERATED {self.name}"
        found = [i for i, line in enumerate(lines) if line.startswith(prefix)]
        if len(found) != 1:
            raise MarkerError(f"{self.path}: expected one line starting {prefix!r}, found "
                              f"{len(found)}")
        return found[0]

    def stale(self) -> list[str]:
        text = self.path.read_text()
        shown = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return [] if self.expected(text) == text else [str(shown)]

    def build(self) -> list[Path]:
        text = self.path.read_text()
        new = self.expected(text)
        if new == text:
            return []
        self.path.write_text(new)
        return [self.path]


def kind_names() -> dict[str, str]:
    """Result kind -> the name of its constant in ``cnnlab.catalog`` ("count" -> "COUNT")."""
    from cnnlab import catalog
    return {value: name for name, value in vars(catalog).items()
            if isinstance(value, str) and value in catalog.KINDS and name.isupper()}


def catalog_records_source() -> str:
    """The catalog's ``RECORDS``, from the declarations beside the hidden checks."""
    from autograder.checks import catalog_records

    names = kind_names()
    lines = ["RECORDS: tuple[Exercise, ...] = ("]
    for r in catalog_records():
        parts = [json.dumps(r.function), json.dumps(r.module), names[r.result],
                 json.dumps(r.section), *(["pictured=True"] if r.pictured else [])]
        lines.append(f"    Exercise({', '.join(parts)}),")
    return "\n".join([*lines, ")"]) + "\n"


def public_cases_source() -> str:
    """The public checks' ``CASES``, from the docstring examples of ``solutions/``."""
    from cnnlab import catalog
    from cnnlab.docstring_examples import cases_of, cases_source
    from solutions import reference

    return cases_source([case for f in catalog.FUNCTIONS for case in cases_of(reference(f))])


def spec_matrix_source() -> str:
    from autograder.spec_coverage import matrix_markdown
    return matrix_markdown()


CATALOG = GeneratedBlock(ROOT / "cnnlab" / "catalog.py", "RECORDS", catalog_records_source)
PUBLIC_CASES = GeneratedBlock(ROOT / "cnnlab" / "public_checks.py", "CASES", public_cases_source)
SPEC_MATRIX = GeneratedBlock(ROOT / "docs" / "spec_coverage.md", "MATRIX", spec_matrix_source,
                             open="<!-- ")
# Modules that the other targets import: written first, the rest built with them afresh.
IMPORTED = (CATALOG, PUBLIC_CASES)
# Built after those, in this order; name -> (build, stale) functions.
TARGETS: dict[str, tuple[Callable[[], list[Path]], Callable[[], list[str]]]] = {
    "exercises": (build_exercises, stale_exercises),
    "SPEC coverage": (SPEC_MATRIX.build, SPEC_MATRIX.stale),
    # the notebook builder imports this module: imported when used
    "notebooks": (lambda: _notebooks().build_notebooks(),
                  lambda: _notebooks().stale_notebooks()),
}


def _notebooks():
    from cnnlab.platforms import notebooks
    return notebooks


def run(args: argparse.Namespace) -> int:
    if args.check:
        stale = [item for block in IMPORTED for item in block.stale()]
        for name, (_, stale_fn) in TARGETS.items():
            stale += [f"{name}: {item}" for item in stale_fn()]
        if stale:
            print("Out of date (run `cnnlab build`):", *stale, sep="\n  ")
            return 1
        print("exercises/, the catalog, the public checks, the SPEC coverage and the notebooks "
              "are in sync with solutions/ and autograder/checks/")
        return 0
    for block in IMPORTED:  # what comes after imports it: go on in a fresh interpreter
        if block.build():
            print(f"wrote {block.path.relative_to(ROOT)}")
            return subprocess.run([sys.executable, "-m", "cnnlab", "build"],
                                  check=False).returncode
    changed = [path for build_fn, _ in TARGETS.values() for path in build_fn()]
    for path in changed:
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"{len(changed)} file(s) changed")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "build", help="regenerate exercises/ (and notebooks) from solutions/",
        description="Regenerate the student stubs from the reference solutions.")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the generated files are out of date")
    parser.set_defaults(func=run)


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(check="--check" in sys.argv)))
