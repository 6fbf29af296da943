"""Shared by the grader pipeline tests: a small stand-in engine and submission builders.

``FakeEngine`` has the API of ``autograder.engine`` (``load_rubric``, ``prepare``, ``grade``)
but checks each function only on the hand-worked public examples of ``cnnlab.public_checks``,
one point per function, so the pipeline (sandbox, gradebook, outputs) can be tested quickly
and independently of the hidden suite.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from types import SimpleNamespace

from autograder.results import (
    CallError,
    CheckResult,
    FailingExample,
    FunctionResult,
    SubmissionResult,
)
from cnnlab.catalog import FUNCTIONS
from cnnlab.public_checks import CASES, RAISES
from cnnlab.result_rules import compare

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CLASS = ROOT / "examples" / "class"
PERFECT = EXAMPLE_CLASS / "s001_perfect"
# The example class without the three hand-ins that take most of its grading time (the
# perfect one runs every check to the end, s007 and s009 hit time limits): for the tests of
# how a class travels (shards, a Dask cluster), not of what it grades to.
QUICK = ("s002_partial", "s003_flipped_kernel", "s004_off_by_one", "s005_missing_module",
         "s006_syntax_error", "s008_crashing_import", "s010_notebook", "s011_zipped.zip")
# Without only the two that wait out time limits: what a class grades to, minus the waiting.
STEADY = ("s001_perfect", *QUICK)


def quick_class(dest: Path, names: tuple[str, ...] = QUICK) -> Path:
    """A copy of the example class's ``names`` hand-ins (folders and the zip) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = EXAMPLE_CLASS / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        else:
            shutil.copy2(source, dest / name)
    return dest


def _load_rubric(path=None) -> dict[str, float]:
    return {name: 1.0 for name in FUNCTIONS}


def _prepare(rubric: dict[str, float]) -> dict:
    return {"rubric": rubric, "cases": {f: [c for c in CASES if c.function == f]
                                        for f in FUNCTIONS}}


def _grade(student, suite, sources, student_id, detail="full") -> SubmissionResult:
    missing = student.missing()
    functions = []
    for name in FUNCTIONS:
        cases = suite["cases"][name]
        if name in missing:
            functions.append(FunctionResult(name, 1.0, 0.0, note=missing[name]))
            continue
        results = student.call_many(name, [(c.args, c.kwargs) for c in cases])
        checks = [_check(name, case, result) for case, result in zip(cases, results,
                                                                       strict=True)]
        earned = sum(c.passed for c in checks) / len(checks)
        functions.append(FunctionResult(name, 1.0, earned, checks))
    return SubmissionResult(student_id, functions)


def _check(name: str, case, result) -> CheckResult:
    if isinstance(result, CallError):
        problem = None if (case.expected is RAISES and result.exception_type == "ValueError"
                           ) else result.describe()
    elif case.expected is RAISES:
        problem = "should raise ValueError"
    else:
        problem = compare(name, case.expected, result)
    example = FailingExample(case.call_text(), repr(case.expected), repr(result)) if problem \
        else None
    return CheckResult(name, f"{name}.example", case.why or "public example", 1.0,
                       0.0 if problem else 1.0, 1, problem or "", example)


FakeEngine = SimpleNamespace(__name__="fake_engine", load_rubric=_load_rubric,
                             prepare=_prepare, grade=_grade)


def perfect_with(dest: Path, module: str, code: str, top: str = "") -> Path:
    """A copy of the perfect example student whose ``module`` gets ``top`` prepended and
    ``code`` appended (a later ``def`` replaces the earlier one)."""
    shutil.copytree(PERFECT, dest)
    path = dest / f"{module}.py"
    path.write_text(top + path.read_text() + "\n\n" + textwrap.dedent(code))
    return dest


def full_marks(result: SubmissionResult) -> dict[str, bool]:
    return {f.function: f.points >= f.max_points for f in result.functions}


