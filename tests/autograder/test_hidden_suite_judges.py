"""Property judges look at shapes before any arithmetic (issue 9): replies of shapes (N, 1)
and (1, M) would broadcast to N x M in ``a * f(x) + b * f(y)``."""

from __future__ import annotations

import numpy as np

from autograder.checks import convolution, weights
from autograder.checks.base import shape_problem
from cnnlab.result_rules import compare

N = 10**6  # N x N float64 is 8 TB: computing with it fails at once


def test_linearity_rejects_broadcasting_replies_by_their_shape() -> None:
    example = {"a": 2, "b": 3}
    actual = [np.zeros((N, 1)), np.zeros((1, N)), np.zeros((2, 2))]
    expected = [np.zeros((2, 2))] * 3
    problem = convolution._is_linear(example, actual, expected)
    assert problem == "expected shape (2, 2), got shape (1000000, 1)"


def test_symmetry_rejects_a_reply_far_larger_than_expected() -> None:
    actual = [np.zeros(N), np.zeros(3)]
    problem = convolution._is_symmetric(None, actual, [np.zeros(3), np.zeros(3)])
    assert problem == "expected shape (3,), got shape (1000000,)"


def test_a_count_property_rejects_an_array_reply() -> None:
    example = {"layers": [], "cut": 0}
    problem = weights._add_up(example, [np.zeros(N), 0, 0], [5, 0, 0])
    assert problem == "expected shape (), got shape (1000000,)"


def test_results_of_the_right_shape_pass_the_shape_gate() -> None:
    assert shape_problem([np.ones((2, 3)), 4, (1, 2, 3)], [np.zeros((2, 3)), 7, (4, 5, 6)]) \
        is None


def test_a_nan_result_is_told_as_such_not_as_values_that_differ() -> None:
    # As the red-team class's b14: one NaN in a result the reference has all zeros in.
    got = np.zeros((2, 2))
    got[0, 0] = np.nan
    told = "the result holds NaN (not a number) at [0, 0], where 0.0 is expected"
    assert compare("conv2d", np.zeros((2, 2)), got) == told
    # A property fails on it with the same words: linear with a = b = 0 is NaN = NaN.
    assert convolution._is_linear({"a": 0, "b": 0}, [got] * 3, [np.zeros((2, 2))] * 3) == told


def test_wrong_numbers_without_nan_still_differ() -> None:
    assert compare("conv2d", np.zeros((2, 2)), np.ones((2, 2))) == \
        "values differ from the expected ones"


def test_a_complex_result_fails_without_a_warning_in_the_grader(suite, recwarn) -> None:
    """Casting it to real would drop the imaginary part and print a ComplexWarning on the
    instructor's terminal: it is a result that cannot be checked."""
    from student_code import perfect_except

    from autograder import engine
    from autograder.inprocess import InProcessStudent

    def sigmoid(x):
        x = np.asarray(x, dtype=float)
        return 0.5 * (1 + np.tanh(0.5 * x)) + 0j
    student = InProcessStudent(perfect_except({"sigmoid": sigmoid}))
    result = engine.grade_function(student, suite, "sigmoid")
    assert result.points < result.max_points
    assert not [w for w in recwarn if issubclass(w.category, np.exceptions.ComplexWarning)]


def test_a_second_asking_that_runs_out_of_time_is_no_sign_of_kept_state() -> None:
    """The function's time may end on the shown call's second asking: no claim of state."""
    from autograder import engine
    from autograder.checks import all_checks
    from autograder.results import TIMEOUT, CallError

    class OutOfTime:
        def call_many(self, function, calls, return_inputs=False, warnings_as_errors=False):
            return [CallError(TIMEOUT, "this function used up its 90 s")] * len(calls)

    class Again:  # a different answer: that is kept state
        def call_many(self, function, calls, return_inputs=False, warnings_as_errors=False):
            return [np.ones(1)] * len(calls)

    check = next(c for c in all_checks()["relu"] if not c.inputs_unchanged)
    group = [((np.zeros(1),), {})]
    assert engine._kept_state_note(OutOfTime(), check, group, [np.zeros(1)]) == ""
    assert engine._kept_state_note(Again(), check, group, [np.zeros(1)]) == engine.KEPT_STATE


def test_a_count_of_one_reads_in_the_singular() -> None:
    problem = weights._add_up({"cut": 1}, [5, 1, 2], [3, 1, 2])
    assert problem == ("the parameters of the whole network (5) are not those of the first "
                       "layer (1) plus the rest (2)")
    assert "the first 2 layers (1)" in weights._add_up({"cut": 2}, [5, 1, 2], [3, 1, 2])
