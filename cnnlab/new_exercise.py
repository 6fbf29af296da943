"""``cnnlab new-exercise NAME --module MODULE``: the skeletons of a new graded function.

An exercise is written by hand in two places: its reference (with its public examples) in
``solutions/<module>.py`` and its declaration, checks and misconceptions in
``autograder/checks/<module>.py``. This writes both skeletons, and a test for an independent
oracle (in ``tests/solutions/test_reference_<module>.py``), then prints the checklist
(``docs/adding_an_exercise.md``); ``cnnlab build`` derives the rest. Every skeleton fails
until it is filled in: the reference raises, its docstring example expects a value still to
be worked out, the test fails.
"""

from __future__ import annotations

import argparse
import ast
import keyword
import sys
import textwrap
from pathlib import Path

from cnnlab import catalog
from cnnlab.build import ROOT, kind_names

CHECKLIST = ROOT / "docs" / "adding_an_exercise.md"

REFERENCE = '''

def {name}(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """TODO: what {name} computes, in the lecture's words, with its formula.

    Args:
        x: TODO: shape and meaning of every argument, and its default.

    Returns:
        TODO: the result, its shape and dtype.

    Raises:
        ValueError: TODO: which invalid arguments (SPEC 2). Raising it is graded; the message
            names the argument.

    The inputs must not be modified (also graded).

    Examples:
        TODO: where this example comes from (worked by hand from the lecture):

        >>> {name}(np.array([1.0, 2.0]))
        TODO: the expected result, as Python prints it
    """
    x = np.asarray(x)
    ### BEGIN SOLUTION
    raise NotImplementedError("TODO: the reference answer")
    ### END SOLUTION
'''

NEW_REFERENCE_MODULE = '''"""TODO: what the exercises of {module} are about, in the lecture's
words."""

import numpy as np
import numpy.typing as npt

# The given argument checks: from solutions.validation import check_ndim, check_positive, ...
'''

CHECKS = '''

# --- {name} {rule}

def _{name}_checks() -> list[Check]:
    f = "{name}"
    calls = S.any_shape().flatmap(S.float_arrays).map(S.call)  # TODO: the calls to draw
    return [
        agreement(f, "agrees_with_the_reference", "TODO: what these examples are, for the "
                  "student", calls, weight=3, covers=(f,)),
        # TODO: properties of the lecture (Check(..., judge=...)), edge cases, integer input,
        # raises_value_error(f, ..., covers=("rule[case]", ...)), accepts_nested_lists(f, ...),
        # keeps_inputs(f, ...): each with covers= (autograder/spec_rules.toml)
    ]


{constant} = Graded(
    "{name}", {kind}, section="{section}", points=1,
    spec="{name}: TODO, in SPEC 3's words", checks=_{name}_checks,
    misconceptions=(
        # Misconception("name", "what the student did", "the hint", variant_function),
    ))
'''

NEW_CHECKS_MODULE = '''"""The graded functions of ``{module}``: for each its declaration
(``Graded``), its hidden checks and its misconceptions."""

from __future__ import annotations

from autograder import strategies as S
from autograder.checks.base import Check, Graded, agreement
from cnnlab.catalog import {kind}

EXERCISES = ()
'''

NEW_TEST_MODULE = '''"""The reference of ``{module}`` against independent oracles (libraries that
do not share its code, or examples worked by hand from the lecture)."""

import pytest
'''

TEST = '''

def test_{name}_agrees_with_an_independent_oracle() -> None:
    from solutions.{module} import {name}
    pytest.fail(f"TODO: compare {{{name}.__name__}} with an independent oracle")
'''


def _check_names(name: str, module: str) -> None:
    for what, value in (("NAME", name), ("--module", module)):
        if not value.isidentifier() or keyword.iskeyword(value) or not value.islower():
            raise ValueError(f"{what} must be a lower-case Python name, got {value!r}")
    if name in catalog.FUNCTIONS:
        raise ValueError(f"{name} is already graded (in {catalog.MODULE_OF[name]})")
    if module in catalog.SUPPORT_MODULES:
        raise ValueError(f"{module} is given code, not an exercise module")


def with_exercise(source: str, block: str, constant: str, path: Path) -> str:
    """The checks module's ``source`` with ``block`` appended and ``constant`` added to its
    ``EXERCISES``, which moves to the end (after the block that defines the constant)."""
    found = [n for n in ast.parse(source).body if isinstance(n, ast.Assign)
             and len(n.targets) == 1 and getattr(n.targets[0], "id", "") == "EXERCISES"]
    if len(found) != 1 or not isinstance(found[0].value, ast.Tuple):
        raise ValueError(f"{path}: expected one `EXERCISES = (...)` tuple")
    node, listed = found[0], found[0].value
    names = [ast.get_source_segment(source, e) or "" for e in listed.elts] + [constant]
    lines = source.splitlines(keepends=True)
    rest = "".join(lines[:node.lineno - 1] + lines[node.end_lineno:]).rstrip("\n")
    items = ", ".join(names) + ("," if len(names) == 1 else "")
    exercises = textwrap.fill(items, 99, initial_indent="EXERCISES = (",
                              subsequent_indent=" " * 13, break_long_words=False) + ")"
    return f"{rest}\n{block}\n{exercises}\n"


def write_skeletons(name: str, module: str, kind: str = catalog.FLOAT_ARRAY,
                    root: Path = ROOT) -> list[Path]:
    """Append the skeletons to the reference and checks modules (made when new) and write the
    oracle test; return the files written."""
    _check_names(name, module)
    reference = root / "solutions" / f"{module}.py"
    checks = root / "autograder" / "checks" / f"{module}.py"
    test = root / "tests" / "solutions" / f"test_reference_{module}.py"
    sections = [r.section for r in catalog.RECORDS if r.module == module]
    section = sections[-1] if sections else "TODO"
    new_module = not reference.exists()
    if new_module:
        reference.write_text(NEW_REFERENCE_MODULE.format(module=module))
        checks.write_text(NEW_CHECKS_MODULE.format(module=module, kind=kind_names()[kind]))
    reference.write_text(reference.read_text() + REFERENCE.format(name=name))
    block = CHECKS.format(name=name, rule="-" * max(3, 86 - len(name)), constant=name.upper(),
                          kind=kind_names()[kind], section=section)
    checks.write_text(with_exercise(checks.read_text(), block, name.upper(), checks))
    before = test.read_text() if test.exists() else NEW_TEST_MODULE.format(module=module)
    test.write_text(before + TEST.format(name=name, module=module))
    return [reference, checks, test]


def run(args: argparse.Namespace) -> int:
    try:
        written = write_skeletons(args.name, args.module, args.result, Path(args.root))
    except ValueError as error:
        print(f"cnnlab new-exercise: error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    if args.module not in catalog.EXERCISES:
        print(f"a new exercise module: add `{args.module}` to the imports and _MODULES of "
              "autograder/checks/__init__.py")
    print()
    print(CHECKLIST.read_text() if CHECKLIST.is_file() else "see docs/adding_an_exercise.md")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "new-exercise", help="write the skeletons of a new graded function and print the "
                             "checklist",
        description="Write the skeletons of a new graded function (its reference, its Graded "
                    "block with one agreement check, a failing oracle test) and print the "
                    "checklist of docs/adding_an_exercise.md.")
    parser.add_argument("name", metavar="NAME", help="the function's name, e.g. dilated_conv2d")
    parser.add_argument("--module", required=True,
                        help="its exercise module, e.g. convolution (a new one is made)")
    parser.add_argument("--result", choices=catalog.KINDS, default=catalog.FLOAT_ARRAY,
                        help="what a right result is (SPEC 2; default: float array)")
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    parser.set_defaults(func=run)
