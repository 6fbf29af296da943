"""The hidden suite catches realistic student bugs, and only where they are.

Each mutant (``tests/student_code/mutants.py``) replaces one function of a perfect
submission, graded in-process. The mutated function must lose points, every other function
must keep its full marks, and the feedback must show a failing example.

The engine grades each function on its own (``grade`` calls ``grade_function`` per function),
and grading the whole submission costs ten times the mutated function alone. So every mutant
has its own function graded, and one whole submission is graded with the mutants that could
reach other functions (inputs changed in place) and one mutant per module, all at once.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from student_code import perfect_except
from student_code.mutants import MUTANTS, Mutant

from autograder import engine
from autograder.engine import Suite
from autograder.inprocess import InProcessStudent
from autograder.results import FunctionResult
from cnnlab.catalog import FUNCTIONS, MODULE_OF

_FIRST_PER_MODULE = {MODULE_OF[m.function]: m for m in reversed(MUTANTS)}.values()
WHOLE = [m for m in MUTANTS if m in _FIRST_PER_MODULE or "place" in m.description
         or "writes into" in m.description]
# A mutant the suite misses (reported to the lead, autograder/ is not ours to change) is an
# expected failure where it matters: strict, so the test fails once the suite catches it.
CAUGHT = pytest.mark.parametrize("mutant", [
    pytest.param(m, id=m.id, marks=pytest.mark.xfail(strict=True, reason=m.suite_gap))
    if m.suite_gap else pytest.param(m, id=m.id) for m in MUTANTS])


@pytest.fixture(scope="module")
def graded(graded_alone) -> Callable[[Mutant], FunctionResult]:
    """The mutated function's grade in a perfect submission with ``mutant`` swapped in
    (``conftest.graded_alone``: once per test process)."""
    return graded_alone


def test_every_function_has_a_mutant() -> None:
    assert {m.function for m in MUTANTS} == set(FUNCTIONS)


def test_the_perfect_submission_gets_full_marks(suite: Suite) -> None:
    result = engine.grade(InProcessStudent(perfect_except({})), suite)
    assert result.score == result.max_score > 0


@CAUGHT
def test_the_mutated_function_loses_points(graded, mutant: Mutant) -> None:
    own = graded(mutant)
    assert own.points < own.max_points


def _verdicts(result: FunctionResult) -> tuple:
    return (result.points, [(c.check, c.passed, c.points) for c in result.checks],
            result.misconceptions)


def test_every_other_function_keeps_full_marks(suite: Suite, graded) -> None:
    """Every ``WHOLE`` mutant in one submission, each in a function of its own (one whole
    grading, not one per mutant: ten times the cost of a function each). Each function
    without a bug keeps its full marks, and each with one gets the points, verdicts and
    misconceptions it gets alone: its examples may differ, for shrinking's budget and the
    cap on shown examples are per hand-in."""
    bugs = {m.function: m.implementation for m in WHOLE}
    assert len(bugs) == len(WHOLE)  # one bug per function: each is told apart
    whole = engine.grade(InProcessStudent(perfect_except(bugs)), suite, student_id="bugs")
    short = {f.function: (f.points, f.max_points) for f in whole.functions
             if f.function not in bugs and f.points < f.max_points}
    assert short == {}
    own = {f.function: f for f in whole.functions if f.function in bugs}
    assert {m.id: _verdicts(own[m.function]) for m in WHOLE} == {
        m.id: _verdicts(graded(m)) for m in WHOLE}


@CAUGHT
def test_each_failed_check_shows_a_failing_example(graded, mutant: Mutant) -> None:
    failed = [c for c in graded(mutant).checks
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
    failed = {c.check for c in graded(mutant).checks
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

    stubs = {f: getattr(importlib.import_module(f"exercises.{MODULE_OF[f]}"), f)
             for f in FUNCTIONS}
    result = engine.grade(InProcessStudent(stubs), suite, student_id="stubs")
    assert result.score == 0
    assert all(f.note == NOT_DONE for f in result.functions)
    text = feedback_markdown(result)
    assert text.count(NOT_DONE) == len(FUNCTIONS) and "smallest failing input" not in text


def test_a_written_function_calling_a_stub_is_told_which_stub_it_calls(suite: Suite) -> None:
    """A max_pool that is written but calls pool_output_size, still the exercise's stub: no
    points, counted as not done, and the feedback names the stub it calls."""
    from autograder.outputs import function_feedback
    from autograder.results import NOT_DONE
    from exercises.pooling import pool_output_size

    def max_pool(x, size=2, stride=None):
        pool_output_size(len(x[0]), size, stride or size)

    result = engine.grade_function(InProcessStudent({"max_pool": max_pool}), suite, "max_pool")
    assert result.points == 0
    assert result.note == (f"{NOT_DONE}: it calls pool_output_size, which still raises "
                           "NotImplementedError")
    assert "it calls pool_output_size" in "\n".join(function_feedback(result))
