"""The hidden suite: grade a student's functions with the checks of ``autograder.checks``.

``prepare`` draws every check's examples once (deterministically) and computes the
reference's results for them in this, the trusted, process. ``grade`` sends each check's
calls to the student in one batch, judges what comes back, and, for a check that fails,
lets hypothesis shrink the failure to the smallest input it can find for the feedback.

API used by the pipeline, the notebooks and Gradescope:
``load_rubric(path)``, ``prepare(rubric)``, ``grade(student, suite, sources, student_id)``,
``grade_function(student, suite, function)``.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from autograder import misconceptions, stages, suite_cache
from autograder.checks import all_checks
from autograder.checks.base import Check, Raised
from autograder.feedback import call_text, describe, summary
from autograder.forbidden import forbidden_uses
from autograder.generation import draw_examples, smallest_failure
from autograder.results import (
    CRASHED,
    MISSING,
    NOT_DONE,
    NOT_IMPLEMENTED,
    TIMEOUT,
    CallError,
    CheckResult,
    FailingExample,
    FunctionResult,
    Student,
    SubmissionResult,
)
from autograder.rubric import Rubric, check_weight_names
from autograder.rubric import load_rubric as _load_rubric
from autograder.worker_runtime import wire
from cnnlab.catalog import FUNCTIONS, MODULE_OF

# A failure of these kinds is the same on every input: no point in searching for a smaller.
NOT_SHRUNK = (TIMEOUT, CRASHED, MISSING, NOT_IMPLEMENTED)
# Shrinking calls the student once per try: bounded per failed check and per hand-in, counted
# in tries (not seconds), so the same hand-in always shows the same examples.
# The examples are sorted smallest first, so the first failure is already small, and it is
# kept when hypothesis, cut short, ends on a larger one; calls of numbers only are not
# shrunk. Hypothesis starts from that failure's choices (``PreparedCheck.starts``) and
# shrinks at once; a try still costs some ms of hypothesis's own work (drawing the example
# again from choices, its shrinker), a quarter of the class's grading time at these
# budgets (benchmarks/grading.py). 20 tries turn a conv1d failure on [3.75, -2] and
# [-1.75, 0.5] into one on [0, 0.25] and [0, 0.25].
SHRINK_TRIES_PER_CHECK = 20
SHRINK_TRIES_PER_HAND_IN = 60
DIAGNOSIS_EXAMPLES = 8  # failing examples per check a misconception must reproduce
DIAGNOSIS_PASSES = 2  # passed examples per check it must reproduce too: right where they were
__all__ = ["call_text"]  # re-exported: older callers import it from here


def load_rubric(path=None) -> Rubric:
    return _load_rubric(path)


@dataclass
class PreparedCheck:
    check: Check
    points: float
    examples: list[Any]
    calls: list[list]  # per example, the calls it makes
    expected: list[list]  # per example, the reference's result of each call
    starts: list[bytes]  # per example, hypothesis's choices for it: shrinking starts there


@dataclass
class Suite:
    rubric: Rubric
    checks: dict[str, list[Check]]
    prepared: dict[str, list[PreparedCheck]] = field(default_factory=dict)

    def of(self, function: str) -> list[PreparedCheck]:
        """The prepared checks of ``function``, drawn on first use."""
        if function not in self.prepared:
            points = self.rubric.check_points(function, self.checks[function])
            self.prepared[function] = share_identical_calls([
                _prepare_check(check, share) for check, share
                in zip(self.checks[function], points, strict=True)
                if share > 0 or self.rubric.points_of(function) == 0])
        return self.prepared[function]


def share_identical_calls(prepared: list[PreparedCheck]) -> list[PreparedCheck]:
    """The checks with each call that several of them make (the same arguments, by their
    wire encoding) held as one object, so that a hand-in is asked it once (``_ask``): an
    eighth of the suite's calls are such repeats."""
    shared: dict[bytes, Any] = {}
    for p in prepared:
        p.calls = [[shared.setdefault(wire.dumps([list(args), kwargs]), (args, kwargs))
                    for args, kwargs in group] for group in p.calls]
    return prepared


def prepare(rubric: Rubric, functions: tuple[str, ...] | None = FUNCTIONS,
            cache: bool = True) -> Suite:
    """The suite for ``rubric``. Drawing every example takes some seconds, so a complete
    suite is kept in a cache file (``suite_cache``) and read back when nothing it depends
    on has changed. ``functions=None`` draws a function's examples only when it is first
    graded (notebooks grade one function at a time)."""
    checks = all_checks()
    check_weight_names(rubric, checks)
    suite = Suite(rubric, checks)
    if cache and suite_cache.load(suite):
        for prepared in suite.prepared.values():
            share_identical_calls(prepared)
        return suite
    for function in functions or ():
        suite.of(function)
    if cache and functions == FUNCTIONS:
        suite_cache.store(suite)
    return suite


def _prepare_check(check: Check, points: float) -> PreparedCheck:
    # Smallest first: the first failing example is then the smallest the corpus has.
    drawn = sorted(draw_examples(check.examples, check.max_examples),
                   key=lambda pair: example_size(pair[0]))
    examples = [example for example, _ in drawn]
    starts = [choices for _, choices in drawn]
    calls = [check.calls(example) for example in examples]
    expected = [[reference(check.function, call) for call in group] for group in calls]
    return PreparedCheck(check, points, examples, calls, expected, starts)


def example_size(example) -> tuple[int, float]:
    """How big an example looks to a student: array elements and list items, then the
    magnitude of its numbers."""
    count, magnitude = 0, 0.0
    todo = [example]
    while todo:
        value = todo.pop()
        if isinstance(value, np.ndarray):
            count += value.size
            magnitude += float(np.abs(value.astype(float)).sum()) if value.size else 0.0
        elif isinstance(value, dict):
            todo += value.values()
        elif isinstance(value, list | tuple):
            count += len(value) if isinstance(value, list) else 0
            todo += value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            magnitude += abs(value)
    return count, magnitude


def reference(function: str, call) -> Any:
    """What ``solutions/`` gives for ``call``, or ``Raised`` for a ValueError."""
    module = importlib.import_module(f"solutions.{MODULE_OF[function]}")
    args, kwargs = copy.deepcopy(call)
    try:
        with stages.stage("reference (while shrinking)"):
            return getattr(module, function)(*args, **kwargs)
    except ValueError as error:
        return Raised(str(error))


# --- grading ------------------------------------------------------------------------------

def grade(student: Student, suite: Suite, sources: dict[str, str] | None = None,
          student_id: str = "student", detail: str = "full") -> SubmissionResult:
    """Every function of the submission. ``sources``: module -> source text, for the
    rubric's forbidden names. ``detail`` is kept for the outputs, which use it."""
    budget = ShrinkBudget(SHRINK_TRIES_PER_HAND_IN)
    results = [grade_function(student, suite, f, sources, budget) for f in FUNCTIONS]
    return SubmissionResult(student_id, cap_examples(results))


MAX_EXAMPLES_PER_HAND_IN = 40  # stored failing examples; later failed checks keep their message


def cap_examples(results: list[FunctionResult],
                 most: int = MAX_EXAMPLES_PER_HAND_IN) -> list[FunctionResult]:
    """The results with at most ``most`` failing examples kept, the first ones in order."""
    kept, capped = 0, []
    for function in results:
        checks = []
        for check in function.checks:
            if check.example is not None:
                kept += 1
                check = check if kept <= most else replace(check, example=None)
            checks.append(check)
        capped.append(replace(function, checks=checks))
    return capped


@dataclass
class ShrinkBudget:
    """Shrinking tries left for one hand-in."""

    left: int

    def take(self) -> int:
        return min(SHRINK_TRIES_PER_CHECK, self.left)


def grade_function(student: Student, suite: Suite, function: str,
                   sources: dict[str, str] | None = None,
                   budget: ShrinkBudget | None = None) -> FunctionResult:
    prepared = suite.of(function)
    max_points = suite.rubric.points_of(function)
    why_not = _why_not_called(student, suite, function, sources or {})
    if why_not:
        checks = [_result(p, 0, why_not) for p in prepared]  # failed: for the item analysis
        return FunctionResult(function, max_points, 0.0, checks, note=why_not)
    budget = budget or ShrinkBudget(SHRINK_TRIES_PER_HAND_IN)
    checks, observed = [], []
    asked: dict[tuple, Any] = {}  # the answers of this hand-in to the suite's calls so far
    for p in prepared:
        check, seen = _run_check(student, p, budget, asked)
        checks.append(check)
        observed += seen
    checks = _without_degenerate_points(checks, prepared)
    earned = max_points if all(c.passed for c in checks) else round(
        sum(c.points for c in checks), 6)  # no 2.9999999 for a full mark
    note = ""
    if checks and all(c.message.startswith("not implemented") for c in checks):
        note = NOT_DONE
    with stages.stage("misconception diagnosis"):
        named = [] if note else misconceptions.diagnose(function, observed)
    return FunctionResult(function, max_points, earned, checks, note=note, misconceptions=named)


def _without_degenerate_points(checks: list[CheckResult],
                               prepared: list[PreparedCheck]) -> list[CheckResult]:
    """No points for an answer that never agrees with the reference: a zero, constant or
    identity function passes properties (zero is linear), edge cases and hygiene checks."""
    pairs = list(zip(checks, prepared, strict=True))
    main = [c for c, p in pairs if p.check.counts_alone]
    if any(c.passed for c in main) or not main:  # not main: the rubric switched them all off
        return checks
    return [_unearned(c) if c.passed and not p.check.counts_alone else c for c, p in pairs]


def _unearned(check: CheckResult) -> CheckResult:
    return replace(check, points=0.0, message=HYGIENE_ONLY)


HYGIENE_ONLY = ("passed, but counts only once a check that compares with the reference "
                "passes: a property, an edge case, raising ValueError or leaving the inputs "
                "alone is no answer on its own")


def _why_not_called(student: Student, suite: Suite, function: str,
                    sources: dict[str, str]) -> str:
    missing = student.missing().get(function)
    if missing:
        return missing
    forbid = suite.rubric.functions[function].forbid
    own = MODULE_OF[function]
    used = forbidden_uses(sources.get(own, ""), function, forbid,
                          [text for module, text in sorted(sources.items()) if module != own])
    if used:
        return (f"{function} uses {', '.join(used)}, which the rubric does not allow here "
                f"(forbidden: {', '.join(forbid)})")
    return ""


def _result(p: PreparedCheck, examples_run: int, message: str = "",
            example: FailingExample | None = None) -> CheckResult:
    return CheckResult(p.check.function, p.check.id, p.check.description, p.points,
                       0.0 if message else p.points, examples_run, message, example)


def _ask(student: Student, check: Check, calls: list, asked: dict | None = None) -> list:
    """The student's results for ``calls``; for an inputs check, the inputs after each call
    (or the CallError when there is no result). With ``asked`` (the answers so far, by
    call object and the way it is asked), a call asked before is not asked again."""
    if asked is None:
        return _ask_student(student, check, calls)
    way = (check.inputs_unchanged, check.warnings_as_errors)
    keys = [(id(call), *way) for call in calls]
    new = {key: call for key, call in zip(keys, calls, strict=True) if key not in asked}
    asked.update(zip(new, _ask_student(student, check, list(new.values())), strict=True))
    return [asked[key] for key in keys]


def _ask_student(student: Student, check: Check, calls: list) -> list:
    answers = student.call_many(check.function, calls, return_inputs=check.inputs_unchanged,
                                warnings_as_errors=check.warnings_as_errors)
    if not check.inputs_unchanged:
        return answers
    return [result if isinstance(result, CallError) or inputs is None else inputs
            for result, inputs in answers]


def _judge(check: Check, example, actual: list, expected: list) -> str | None:
    try:
        return check.judgement()(example, actual, expected)
    except Exception as error:  # a result odd enough to break the judge is wrong
        return f"the result could not be checked ({type(error).__name__}: {error})"


def _run_check(student: Student, p: PreparedCheck, budget: ShrinkBudget,
               asked: dict | None = None) -> tuple[CheckResult, list]:
    """The check's result and, for a failed one, what the student's function did on the
    failing calls (for the misconception diagnosis)."""
    flat = [call for group in p.calls for call in group]
    answers = _ask(student, p.check, flat, asked) if flat else []
    failures, passes, start, first = [], [], 0, b""
    with stages.stage("judging"):
        for index, (example, group, expected) in enumerate(
                zip(p.examples, p.calls, p.expected, strict=True)):
            actual = answers[start:start + len(group)]
            start += len(group)
            problem = _judge(p.check, example, actual, expected)
            if problem:
                first = first or p.starts[index]
                failures.append((group, expected, actual, problem))
            elif len(passes) < DIAGNOSIS_PASSES:
                passes.append((group, actual))
    right = _observations(p.check, passes, failing=False)
    if not failures:
        return _result(p, len(p.examples)), right
    shown = _smallest(student, p, failures, budget, first)
    group, expected, actual, problem = shown
    if problem.startswith("not implemented"):
        return _result(p, len(p.examples), NOT_DONE), []
    with stages.stage("feedback text"):
        message = summary(problem, len(failures), len(p.examples))
        shown_example = describe(p.check, group, expected, actual)
    result = _result(p, len(p.examples), message, shown_example)
    failing = [(group, actual) for group, _, actual, _ in [shown, *failures[:DIAGNOSIS_EXAMPLES]]]
    return result, _observations(p.check, failing, failing=True) + right


def _observations(check: Check, examples: list, failing: bool) -> list:
    """(calls, the student's results, warnings as errors, failed) for the diagnosis."""
    if check.inputs_unchanged:
        return []  # the results of such calls are not what was judged
    return [(group, actual, check.warnings_as_errors, failing) for group, actual in examples]


class _OutOfTries(BaseException):
    """Stops hypothesis at once: a BaseException, so it is not taken for a failure."""


def _smallest(student: Student, p: PreparedCheck, failures: list, budget: ShrinkBudget,
              start: bytes) -> tuple:
    """The failure to show: the smallest generated one, shrunk further by hypothesis (from
    ``start``, the choices it was drawn from) while the hand-in's budget lasts; calls of
    numbers only are not shrunk. Headline, example, expected and actual all come from it."""
    first = failures[0]
    if any(isinstance(a, CallError) and a.kind in NOT_SHRUNK for a in first[2]):
        return first
    if _numbers_only(first[0]) or not start:  # numbers: sorted smallest first, shrinking
        return first  # would not make them much smaller; no start: a very large example
    tries = budget.take()
    found: list[tuple] = []

    def problem_of(example):
        nonlocal tries
        if tries <= 0:
            raise _OutOfTries  # hypothesis would go on drawing (slowly) and ignore the result
        tries, budget.left = tries - 1, budget.left - 1
        outcome = _problem_of(student, p.check)(example)
        if outcome is not None:
            found.append(outcome)  # the last one is the smallest
        return outcome

    if tries > 0:
        with contextlib.suppress(_OutOfTries), stages.stage("shrinking (hypothesis)"):
            smallest_failure(p.check.examples, problem_of, start, tries + 1)
    # Cut short, hypothesis may end on a failure larger than the corpus's smallest.
    return min([first, *found[-1:]], key=lambda failure: example_size(failure[0]))


def _numbers_only(calls: list) -> bool:
    """No array and no list in any argument of ``calls`` (``example_size`` counts the
    ``calls`` list itself as one item per call)."""
    return example_size(calls)[0] == len(calls)


def _problem_of(student: Student, check: Check):
    def problem_of(example):
        group = check.calls(example)
        expected = [reference(check.function, call) for call in group]
        actual = _ask(student, check, group)
        with stages.stage("judging"):
            problem = _judge(check, example, actual, expected)
        return (group, expected, actual, problem) if problem else None
    return problem_of
