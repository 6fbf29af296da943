"""The hidden suite catches realistic student bugs, and only where they are.

Each mutant (``tests/student_code/mutants.py``) replaces one function of a perfect
submission, graded in-process. The mutated function must lose points, every other function
must keep its full marks, and the feedback must show a failing example.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from student_code import perfect_except
from student_code.mutants import MUTANTS, Mutant

from autograder import engine
from autograder.engine import Suite
from autograder.inprocess import InProcessStudent
from autograder.results import FunctionResult, SubmissionResult
from cnnlab.catalog import FUNCTIONS

BY_ID = pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
# A mutant the suite misses (reported to the lead, autograder/ is not ours to change) is an
# expected failure where it matters: strict, so the test fails once the suite catches it.
CAUGHT = pytest.mark.parametrize("mutant", [
    pytest.param(m, id=m.id, marks=pytest.mark.xfail(strict=True, reason=m.suite_gap))
    if m.suite_gap else pytest.param(m, id=m.id) for m in MUTANTS])


@pytest.fixture(scope="module")
def suite() -> Suite:
    return engine.prepare(engine.load_rubric())


@pytest.fixture(scope="module")
def graded(suite: Suite) -> Callable[[Mutant], SubmissionResult]:
    """The grade of a perfect submission with ``mutant`` swapped in, graded once."""
    done: dict[str, SubmissionResult] = {}

    def grade(mutant: Mutant) -> SubmissionResult:
        if mutant.id not in done:
            student = InProcessStudent(perfect_except({mutant.function:
                                                       mutant.implementation}))
            done[mutant.id] = engine.grade(student, suite, student_id=mutant.id)
        return done[mutant.id]
    return grade


def result_of(result: SubmissionResult, function: str) -> FunctionResult:
    (found,) = [f for f in result.functions if f.function == function]
    return found


def test_every_function_has_a_mutant() -> None:
    assert {m.function for m in MUTANTS} == set(FUNCTIONS)


def test_the_perfect_submission_gets_full_marks(suite: Suite) -> None:
    result = engine.grade(InProcessStudent(perfect_except({})), suite)
    assert result.score == result.max_score > 0


@CAUGHT
def test_the_mutated_function_loses_points(graded, mutant: Mutant) -> None:
    own = result_of(graded(mutant), mutant.function)
    assert own.points < own.max_points


@BY_ID
def test_every_other_function_keeps_full_marks(graded, mutant: Mutant) -> None:
    short = {f.function: (f.points, f.max_points) for f in graded(mutant).functions
             if f.function != mutant.function and f.points < f.max_points}
    assert short == {}


@CAUGHT
def test_each_failed_check_shows_a_failing_example(graded, mutant: Mutant) -> None:
    failed = [c for c in result_of(graded(mutant), mutant.function).checks
              if not c.passed and c.message != engine.HYGIENE_ONLY]
    assert failed
    for check in failed:
        example = check.example
        assert example is not None, check.check
        assert example.call.strip() and example.expected.strip() and example.actual.strip()
        assert example.call.startswith(f"{mutant.function}(")


@pytest.mark.parametrize("mutant", [m for m in MUTANTS if m.only_fails],
                         ids=[m.id for m in MUTANTS if m.only_fails])
def test_a_narrow_bug_fails_only_its_own_checks(graded, mutant: Mutant) -> None:
    failed = {c.check for c in result_of(graded(mutant), mutant.function).checks
              if not c.passed}
    assert failed == set(mutant.only_fails)


def _raises_for_everything(*args, **kwargs):
    raise ValueError("whatever you pass")


def _returns_its_input(x, *args, **kwargs):
    return x


@pytest.mark.parametrize(("function", "fake"), [
    ("conv2d", _raises_for_everything), ("same_padding", _raises_for_everything),
    ("relu", _returns_its_input), ("zero_pad", _returns_its_input)])
def test_a_function_that_only_passes_hygiene_checks_earns_nothing(suite: Suite, function,
                                                                   fake) -> None:
    """Raising ValueError always passes the invalid-argument check, returning the input
    unchanged passes the unchanged-inputs check: neither may earn points on its own."""
    student = InProcessStudent(perfect_except({function: fake}))
    result = engine.grade_function(student, suite, function)
    assert result.points == 0
    assert any(c.message == engine.HYGIENE_ONLY for c in result.checks)


def test_a_stub_is_reported_once_as_not_implemented(suite: Suite) -> None:
    """The untouched exercise stubs: every function gets 0 and the feedback says "not
    implemented yet" once per function, without a page of failing examples."""
    import importlib

    from autograder.outputs import feedback_markdown
    from autograder.results import NOT_DONE
    from cnnlab.catalog import MODULE_OF

    stubs = {f: getattr(importlib.import_module(f"exercises.{MODULE_OF[f]}"), f)
             for f in FUNCTIONS}
    result = engine.grade(InProcessStudent(stubs), suite, student_id="stubs")
    assert result.score == 0
    assert all(f.note == NOT_DONE for f in result.functions)
    text = feedback_markdown(result)
    assert text.count(NOT_DONE) == len(FUNCTIONS) and "smallest failing input" not in text
