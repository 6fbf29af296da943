"""Feedback round 2 (issue 21): values in one format, one story per cause, a bounded file,
headlines that match, and what the failing call itself printed."""

from __future__ import annotations

import re

import numpy as np
from grader_helpers import perfect_with
from student_code import perfect_except
from student_code.carriers import effective_stride_pool_default_one
from test_feedback_text import _graded

from autograder import engine, feedback, outputs
from autograder.inprocess import InProcessStudent
from autograder.results import (
    CallError,
    CheckResult,
    FailingExample,
    FunctionResult,
    SubmissionResult,
)
from autograder.sandbox import Limits, SandboxedStudent

# --- values ---------------------------------------------------------------------------------

def test_an_empty_array_keeps_its_shape_and_dtype() -> None:
    assert feedback.value_text(np.zeros((2, 2, 3, 0))) == (
        "array([], shape=(2, 2, 3, 0), dtype=float64)")
    assert feedback.value_text(np.zeros(0, np.int64)) == "array([], dtype=int64)"


def test_a_one_channel_image_is_shown_as_its_rows() -> None:
    text = feedback.value_text(np.arange(6.0).reshape(2, 3, 1))
    assert text.splitlines() == ["array of shape (2, 3, 1), its one channel:",
                                 "  [:, :, 0] = [[0., 1., 2.],",
                                 "               [3., 4., 5.]]"]


def test_conv_layers_kernels_are_shown_one_2d_kernel_at_a_time() -> None:
    """numpy prints (kh, kw, C_in, C_out) as nested brackets with blank lines between."""
    kernels = np.array([1.5, -2.25, 2.75, -1.25]).reshape(1, 1, 2, 2)
    assert feedback.value_text(kernels).splitlines() == [
        "array of shape (1, 1, 2, 2), per input and output channel:",
        "  [:, :, 0, 0] = [[1.5]]", "  [:, :, 1, 0] = [[2.75]]",
        "  [:, :, 0, 1] = [[-2.25]]", "  [:, :, 1, 1] = [[-1.25]]"]


def test_expected_and_actual_of_one_comparison_come_in_the_same_format() -> None:
    small, large = np.arange(4).reshape(2, 2), np.arange(100).reshape(10, 10)
    expected, actual = feedback.pair_texts(small, large)
    assert expected.startswith("array of shape (2, 2)")
    assert actual.startswith("array of shape (10, 10)")
    assert feedback.pair_texts(small, small + 1) == ("array([[0, 1],\n       [2, 3]], "
                                                     "dtype=int64)", "array([[1, 2],\n"
                                                     "       [3, 4]], dtype=int64)")


def test_a_call_of_numbers_only_is_shrunk_towards_small_numbers(suite) -> None:
    def bias_per_input(n_inputs, n_outputs, bias=True):
        return n_inputs * n_outputs + (n_inputs if bias else 0)
    result = _graded(suite, "dense_layer_params", bias_per_input)
    shown = [c.example.call for c in result.checks if c.example is not None]
    numbers = [int(n) for n in re.findall(r"=(\d+)", shown[0])]
    # n_inputs * n_outputs + n_inputs is right only where n_inputs == n_outputs: (2, 1)
    # or (1, 2) is the smallest call that shows the bug.
    assert sum(numbers) <= 3, shown[0]


# --- one story ------------------------------------------------------------------------------

def _failed(check: str, message: str, example: FailingExample | None = None) -> CheckResult:
    return CheckResult("conv2d", f"conv2d.{check}", check, 1.0, 0.0, 100, message, example)


EXAMPLE = FailingExample("conv2d(image=array([[1.]]), kernel=array([[1.]]))", "array([[1.]])",
                         "array([[2.]])", None)


def test_checks_a_named_mistake_explains_show_one_example_and_list_the_others() -> None:
    checks = [_failed(f"agrees_{i}", f"failed on 3 of 100 generated inputs; on the smallest: "
                      f"value {i}", EXAMPLE) for i in range(4)]
    checks.append(_failed("rejects", "failed on 1 of 100 generated inputs; on the smallest: "
                          "should raise ValueError (x), but returned a result", EXAMPLE))
    function = FunctionResult("conv2d", 3.0, 0.0, checks, misconceptions=[
        "conv2d.flipped_kernel"])
    text = "\n".join(outputs.function_feedback(function))
    assert text.count("smallest failing input") == 2  # one for the mistake, one ValueError
    assert "failed the same way: agrees_1; agrees_2; agrees_3" in text


def test_identical_results_are_told_once() -> None:
    checks = [_failed(f"agrees_{i}", "failed on 3 of 100 generated inputs; on the smallest: "
                      "expected an array, got None", EXAMPLE) for i in range(5)]
    text = "\n".join(outputs.function_feedback(FunctionResult("conv2d", 3.0, 0.0, checks)))
    assert text.count("smallest failing input") == 1


def _told(problems: list[str], named: list[str] | None = None,
          check_ids: list[str] | None = None) -> int:
    """How many examples a function is told with, its checks failing with ``problems``."""
    ids = check_ids or [f"agrees_{i}" for i in range(len(problems))]
    checks = [_failed(i, f"failed on 3 of 100 generated inputs; on the smallest: {problem}",
                      EXAMPLE) for i, problem in zip(ids, problems, strict=True)]
    function = FunctionResult("conv2d", 3.0, 0.0, checks, misconceptions=named or [])
    return "\n".join(outputs.function_feedback(function)).count("smallest failing input")


def test_one_crash_at_other_indices_is_one_story() -> None:
    assert _told(["raised IndexError: index 2 is out of bounds for axis 1 with size 2",
                  "raised IndexError: index 3 is out of bounds for axis 1 with size 3"]) == 1


def test_results_with_one_axis_too_many_are_one_story() -> None:
    assert _told(["expected shape (2, 2), got shape (2, 2, 1)",
                  "expected shape (1, 1), got shape (1, 1, 1)"]) == 1
    assert _told(["expected shape (2, 2), got shape (2, 2, 1)",
                  "expected shape (2, 2), got shape (2, 1)"]) == 2


def test_different_numbers_are_different_stories() -> None:
    assert _told(["expected 1, got 2", "expected 3, got 5"]) == 2


def test_a_valueerror_raised_on_a_valid_call_is_not_told_again_as_its_wording() -> None:
    """The student's own ValueError from a bug is not a message to reword."""
    raised = "x must have ndim 2 or 3, got ndim 0 (shape ())"
    assert _told([f"raised ValueError: {raised}",
                  f"your ValueError says {raised!r}; name the argument `size`"]) == 1


def test_a_crash_on_the_inputs_check_is_told_with_the_named_mistake() -> None:
    """Beside a named mistake an inputs check is a story of its own when an input changed,
    not when the call crashed there, as it did everywhere else."""
    ids = ["agrees", "does_not_modify_inputs"]
    crash = "raised IndexError: index 3 is out of bounds for axis 1 with size 3"
    assert _told(["values differ from the expected ones", crash], ["conv2d.flipped_kernel"],
                 ids) == 1
    changed = "the call changed its argument image"
    assert _told(["values differ from the expected ones", changed], ["conv2d.flipped_kernel"],
                 ids) == 2


def test_a_failed_function_stays_within_its_line_budget() -> None:
    long = FailingExample("\n".join(["conv2d(...)"] * 8), "\n".join(["1"] * 8),
                          "\n".join(["2"] * 8), None)
    checks = [_failed(f"agrees_{i}", f"failed; on the smallest: value {i}", long)
              for i in range(6)]
    lines = outputs.function_feedback(FunctionResult("conv2d", 3.0, 0.0, checks))
    assert len("\n".join(lines).splitlines()) <= outputs.MAX_LINES_PER_FUNCTION
    assert "(the HTML version of this feedback shows them)" in lines[-1]
    assert "agrees_5" in lines[-1]


# --- headlines ------------------------------------------------------------------------------

def test_a_module_not_handed_in_is_said_so_in_the_heading() -> None:
    function = FunctionResult("conv2d", 3.0, 0.0, [], note="convolution.py was not handed in")
    assert outputs.function_feedback(function)[0] == (
        "## `conv2d`: 0 / 3 (not handed in)")


def test_a_syntax_error_shared_by_a_modules_functions_is_printed_once() -> None:
    note = "convolution.py does not import: SyntaxError\n  def conv1d(x\n        ^"
    told: set[str] = set()
    first = outputs.function_feedback(FunctionResult("conv1d", 2.0, 0.0, [], note=note),
                                      told_notes=told)
    second = outputs.function_feedback(FunctionResult("conv2d", 3.0, 0.0, [], note=note),
                                       told_notes=told)
    assert "def conv1d(x" in "\n".join(first)
    assert "def conv1d(x" not in "\n".join(second) and "(shown above)" in "\n".join(second)


def test_a_check_never_run_after_a_timeout_shows_no_input_it_did_not_call(suite) -> None:
    class TimedOut:
        def missing(self) -> dict:
            return {}

        def call_many(self, function, calls, return_inputs=False, warnings_as_errors=False):
            error = CallError("timeout", f"took too long {engine.NOT_RUN}")
            return [(error, None) if return_inputs else error for _ in calls]
    result = engine.grade_function(TimedOut(), suite, "conv1d")
    failed = [c for c in result.checks  # names_the_argument judges no call: unearned
              if not c.passed and c.message != engine.HYGIENE_ONLY]
    assert failed and all(c.example is None and c.message == engine.NOT_RUN_MESSAGE
                          for c in failed)


def test_the_points_of_a_hygiene_check_are_explained_without_jargon() -> None:
    assert "0 points for now" in engine.HYGIENE_ONLY and "hygiene" not in engine.HYGIENE_ONLY


# --- the misconception in the feedback ------------------------------------------------------

def test_two_mistakes_at_once_are_both_named_with_their_hints() -> None:
    function = FunctionResult("conv2d", 3.0, 0.0, [], misconceptions=[
        "conv2d.flipped_kernel + conv2d.stride_ignored"])
    text = "\n".join(outputs.function_feedback(function))
    assert "two misconceptions at once" in text
    assert "- you flipped the kernel (a true convolution). *Hint*:" in text
    assert "- you ignored the stride. *Hint*:" in text


def test_pooling_with_stride_one_is_named_in_the_feedback(suite) -> None:
    result = _graded(suite, "effective_stride", effective_stride_pool_default_one)
    text = "\n".join(outputs.function_feedback(result))
    assert "let a pooling layer's stride default to 1" in text
    assert "left out the pooling layers" not in text


# --- what the failing call printed -----------------------------------------------------------

def test_a_call_that_exits_shows_what_it_printed_itself_and_nothing_earlier(tmp_path,
                                                                            suite) -> None:
    folder = perfect_with(tmp_path / "s", "convolution", """
        def conv1d(x, w, padding=0, stride=1):
            import sys
            import numpy as np
            print("START OF A CALL " + "x" * 300)
            if padding == 2:
                print("THE FAILING CALL'S OWN WORDS")
                sys.exit(3)
            xp = np.concatenate([np.zeros(padding), np.asarray(x, float), np.zeros(padding)])
            w = np.asarray(w, float)
            n = (len(xp) - len(w)) // stride + 1
            return np.array([xp[i * stride:i * stride + len(w)] @ w for i in range(n)])
    """)
    with SandboxedStudent(folder, Limits(seconds_per_call=20, seconds_import=30)) as student:
        result = engine.grade_function(student, suite, "conv1d")
    shown = next(c for c in result.checks if c.example and "SystemExit" in c.example.actual)
    printed = shown.example.actual.split("it printed: ", 1)[1]
    assert printed.count("START OF A CALL") == 1  # its own first line, no other call's
    assert printed.rstrip().endswith("THE FAILING CALL'S OWN WORDS")


def test_the_identical_calls_of_a_property_are_shown_once() -> None:
    from autograder.checks import all_checks
    linear = next(c for c in all_checks()["conv1d"] if "linear" in c.name)
    zeros = ((np.zeros(2), np.zeros(1)), {})
    shown = feedback.describe(linear, [zeros] * 3, [np.zeros(2)] * 3, [np.ones(2)] * 3)
    assert shown.call == ("conv1d(x=array([0., 0.]), w=array([0.]))\n"
                          "(the same for all 3 calls)")
    assert shown.actual == "array([1., 1.])\n(the same for all 3 calls)"


def test_an_example_too_tall_to_read_has_its_arrays_summarised_with_the_first_difference(
        ) -> None:
    from autograder.checks import all_checks
    check = all_checks()["conv_layer"][0]
    expected = np.zeros((5, 2, 3))
    actual = expected.copy()
    actual[0, 1, 2] = 1.0
    call = ((np.zeros((5, 2, 1)), np.zeros((1, 1, 1, 3))), {})
    shown = feedback.describe(check, [call], [expected], [actual])
    assert shown.expected == "array of shape (5, 2, 3), dtype float64, values from 0 to 0"
    assert shown.actual.endswith("first difference at [0, 1, 2]: expected 0, got 1 (1 of 30 "
                                 "values differ)")


def test_checks_that_passed_without_points_are_said_so_once_and_not_as_failures() -> None:
    from autograder.results import UNEARNED
    checks = [_failed("agrees", "failed on 3 of 100 generated inputs; on the smallest: x",
                      EXAMPLE),
              *(CheckResult("conv2d", f"conv2d.{n}", n, 0.5, 0.0, 100, UNEARNED, None)
                for n in ("linear", "keeps_inputs"))]
    function = FunctionResult("conv2d", 3.0, 0.0, checks, misconceptions=[
        "conv2d.flipped_kernel"])
    lines = outputs.function_feedback(function)
    assert lines[-1] == f"- {UNEARNED}: linear; keeps_inputs"
    assert not any("failed the same way" in line for line in lines)
    html = outputs.feedback_html(SubmissionResult("s", [function]))
    assert f"{UNEARNED}: linear; keeps_inputs" in html


def test_a_parameter_named_otherwise_than_in_spec_is_said_once_above_the_checks(suite) -> None:
    """Coursera's names (conv_output_size(n, f, pad, stride)): every call passing padding by
    name fails, and the cause is the function's own signature."""
    from test_feedback_text import _graded

    def conv_output_size(n, f, pad=0, stride=1):
        return (n + 2 * pad - f) // stride + 1
    result = _graded(suite, "conv_output_size", conv_output_size)
    assert result.note == ("conv_output_size has no parameter named padding: the grader calls "
                           "it with the parameter names of SPEC, conv_output_size(input_size, "
                           "kernel_size, padding, stride), and passes padding by name")


def test_a_failure_told_before_in_the_function_spends_no_shrinking(suite) -> None:
    """Checks that fail the same way are never shown ("failed the same way"): the hand-in's
    shrinking tries go to the failures it is told, not to them (a cascade of one bug through
    many functions used them up before the later functions)."""
    def conv2d(image, kernel, padding=0, stride=1):
        raise IndexError(f"index {np.size(image)} is out of bounds for axis 0")
    budget = engine.ShrinkBudget(engine.SHRINK_TRIES_PER_HAND_IN)
    student = InProcessStudent(perfect_except({"conv2d": conv2d}))
    result = engine.grade_function(student, suite, "conv2d", budget=budget)
    crashed = [c for c in result.checks if "raised IndexError" in c.message]
    assert len(crashed) > 3
    assert engine.SHRINK_TRIES_PER_HAND_IN - budget.left <= engine.SHRINK_TRIES_PER_CHECK
