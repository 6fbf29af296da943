"""Generate the student stubs in ``exercises/`` from the reference in ``solutions/``.

Every block between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes

    # YOUR CODE HERE
    raise NotImplementedError

at the block's indentation; signatures, docstrings and given code stay as they are, and
``solutions`` imports become ``exercises`` imports. ``cnnlab build --check`` fails when the
committed stubs differ from what would be generated.
"""

import argparse
import re
import sys
from importlib import import_module
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

Fill in the functions in padding.py, convolution.py, pooling.py, weights.py and
receptive_field.py, then run ``cnnlab check`` to compare them with the public examples.
validation.py and architecture.py are given code that you may use.
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


# Later steps (notebooks, ...) register here: name -> (build, stale) functions.
EXTRA_TARGETS: dict[str, tuple] = {
    # imported when used: the notebook builder imports this module
    "notebooks": (lambda: import_module("cnnlab.platforms.notebooks").build_notebooks(),
                  lambda: import_module("cnnlab.platforms.notebooks").stale_notebooks()),
}


def run(args: argparse.Namespace) -> int:
    if args.check:
        stale = stale_exercises()
        for name, (_, stale_fn) in EXTRA_TARGETS.items():
            stale += [f"{name}: {item}" for item in stale_fn()]
        if stale:
            print("Out of date (run `cnnlab build`):", *stale, sep="\n  ")
            return 1
        print("exercises/ is in sync with solutions/")
        return 0
    changed = build_exercises()
    for build_fn, _ in EXTRA_TARGETS.values():
        changed += build_fn()
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
