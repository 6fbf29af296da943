"""What a student reads: one story per failure, readable bounded values, inert student text."""

from __future__ import annotations

import re

import numpy as np
from markdown_it import MarkdownIt
from student_code import perfect_except

from autograder import engine, feedback, outputs
from autograder.inprocess import InProcessStudent
from autograder.results import (
    CallError,
    CheckResult,
    FailingExample,
    FunctionResult,
    SubmissionResult,
)

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)>\n# pwned\n```\n`````"


def _graded(suite, function: str, implementation) -> FunctionResult:
    student = InProcessStudent(perfect_except({function: implementation}))
    return engine.grade_function(student, suite, function)


# --- one failure, one story -----------------------------------------------------------------

def test_the_headline_is_about_the_example_shown(suite) -> None:
    result = _graded(suite, "same_padding", lambda kernel_size: kernel_size // 2)
    (check,) = [c for c in result.checks if not c.passed]
    asked = re.search(r"kernel_size=(-?\d+)", check.example.call).group(1)
    assert check.message.endswith(f"got {asked}), but returned a result")


def test_every_failed_check_shows_a_small_example(suite) -> None:
    def flipped(image, kernel, padding=0, stride=1):  # a true convolution
        from solutions.convolution import conv2d
        return conv2d(image, np.asarray(kernel)[::-1, ::-1], padding, stride)
    failed = [c for c in _graded(suite, "conv2d", flipped).checks
              if not c.passed and c.message != engine.HYGIENE_ONLY]  # unearned: no failure
    assert len(failed) >= 3
    for check in failed:
        numbers = re.findall(r"-?\d+\.\d*|-?\d+", check.example.call)
        assert len(numbers) <= 64, check.example.call  # shrunk: no 10x10 images
        shape = re.search(r"shape \(([\d, ]+)\)", check.message)
        if shape and not check.example.expected.startswith("ValueError"):
            # the shape in the headline is the one of the expected value shown (a ValueError's
            # own message may name the shape of an argument)
            assert check.example.expected.count("[") >= 1


def test_a_changed_input_is_named_and_shown_as_sent_and_as_left(suite) -> None:
    def into_d_out(d_out, x):  # CS231n style: dx = dout; dx[x <= 0] = 0
        d_out, x = np.asarray(d_out), np.asarray(x)
        if d_out.shape != x.shape:
            raise ValueError("d_out must have the shape of x")
        d_out[x <= 0] = 0
        return d_out
    result = _graded(suite, "relu_backward", into_d_out)
    (check,) = [c for c in result.checks if c.check == "relu_backward.does_not_modify_inputs"]
    assert check.message.endswith("on the smallest: the call modified its argument d_out")
    assert check.example.expected.startswith("d_out unchanged: array(")
    assert check.example.actual.startswith("d_out after the call: array(")
    assert check.example.expected != check.example.actual


def test_a_number_where_one_of_several_arrays_belongs_is_called_a_number(graded_alone) -> None:
    from student_code.mutants import MUTANTS
    (bias_summed,) = [m for m in MUTANTS if m.description.startswith("d_bias summed over every")]
    checks = {c.check: c for c in graded_alone(bias_summed).checks}
    message = checks["conv_layer_backward.agrees_with_central_differences"].message
    assert re.search(r"on the smallest: array 3 of 3: expected shape \(\d+,\), got "
                     r"a number \(shape \(\)\)$", message), message


def test_feedback_is_the_same_on_every_run(suite) -> None:
    def ignores_stride(x, w, padding=0, stride=1):
        from solutions.convolution import conv1d
        return conv1d(x, w, padding)
    first, second = (_graded(suite, "conv1d", ignores_stride) for _ in range(2))
    assert first == second


# --- readable, bounded values ---------------------------------------------------------------

def test_a_small_array_is_shown_in_full() -> None:
    assert feedback.value_text(np.array([[1.0, 2.0], [3.0, 4.0]])) == (
        "array([[1., 2.],\n       [3., 4.]])")


def test_a_channels_last_image_is_shown_per_channel() -> None:
    image = np.arange(12).reshape(2, 2, 3)
    text = feedback.value_text(image)
    assert "[:, :, 0] = [[0, 3]," in text and "[:, :, 2] = [[ 2,  5]," in text


def test_a_numpy_number_is_shown_as_the_number_it_is() -> None:
    """numpy 2 writes np.float64(-3.75): noise in an otherwise right-looking result. A
    float32 keeps its type, which can be the very mistake."""
    assert feedback.value_text((np.array([0.5]), np.float64(-3.75))) == "(array([0.5]), -3.75)"
    assert feedback.value_text([np.int64(3), np.bool_(True)]) == "[3, True]"
    assert feedback.value_text(np.float32(0.5)) == "np.float32(0.5)"


def test_a_big_array_is_summarised_with_its_first_difference() -> None:
    expected = np.zeros((30, 30))
    actual = expected.copy()
    actual[4, 7] = 2.5
    text = feedback.value_text(actual, expected)
    assert "..." not in text and len(text) < 300
    assert "shape (30, 30)" in text and "first difference at [4, 7]: expected 0, got 2.5" in text


def test_long_student_text_is_bounded_and_no_picture_of_a_huge_array() -> None:
    text = feedback.value_text(CallError("raised", "x" * 10**6, "ValueError"))
    assert len(text) <= 2 * feedback.MAX_VALUE_CHARS
    check = engine.all_checks()["conv2d"][0]
    big = np.zeros((100, 100))
    assert feedback.picture_arrays(check, [((big, np.ones((1, 1))), {})], [big], [big]) is None


def test_a_located_error_names_the_students_line() -> None:
    error = CallError("raised", "index 3 is out of bounds", "IndexError",
                      where="padding.py, line 12: return x[pad]")
    assert feedback.value_text(error) == ("raised IndexError: index 3 is out of bounds\n"
                                          "at padding.py, line 12: return x[pad]")


# --- no floods, no instructor notes -----------------------------------------------------------

def _failed(check: str, message: str, actual: str = "timeout") -> CheckResult:
    return CheckResult("conv2d", f"conv2d.{check}", f"checks {check}", 1.0, 0.0, 100, message,
                       FailingExample("conv2d(...)", "array([[1.]])", actual))


def test_a_timeout_is_told_once_per_function() -> None:
    checks = [_failed("a", "failed on 1 of 100 generated inputs; on the smallest: timeout"),
              *(_failed(c, "failed on 100 of 100 generated inputs; on the smallest: timeout "
                        "(in an earlier call)") for c in "bcdef")]
    text = "\n".join(outputs.function_feedback(FunctionResult("conv2d", 5.0, 0.0, checks)))
    assert text.count("smallest failing input") == 1
    assert "not shown again, as they failed the same way: checks b; checks c" in text


def test_grader_notes_never_reach_the_student() -> None:
    result = SubmissionResult("s1", [FunctionResult("relu", 1.0, 1.0)], notes=["found relu"],
                              grader_notes=["isolation: bubblewrap"])
    data = outputs.gradescope_results(result, 1.0)
    assert "bubblewrap" not in outputs.feedback_markdown(result) + str(data)


# --- student text is inert --------------------------------------------------------------------

def _hostile_result() -> SubmissionResult:
    example = FailingExample(f"conv2d(image={HOSTILE})", HOSTILE, HOSTILE)
    check = CheckResult("conv2d", "conv2d.agrees", HOSTILE, 1.0, 0.0, 10, HOSTILE, example)
    functions = [FunctionResult("conv2d", 1.0, 0.0, [check], note=HOSTILE),
                 FunctionResult("relu", 1.0, 0.0, note=HOSTILE)]
    return SubmissionResult(HOSTILE.splitlines()[0], functions, notes=[HOSTILE])


def _student_html(markdown: str) -> tuple[list[str], str]:
    """The types of the tokens that would carry raw HTML or a heading, and the HTML."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(markdown)
    found = [t.type for t in tokens if t.type in ("html_block", "html_inline")]
    found += [t.type for t in tokens for c in (t.children or []) if c.type == "html_inline"]
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    found += [h for h in headings if "pwned" in h  # only the feedback's own headings:
              or not (h.startswith(("Feedback for ", "`")) or h == "Notes")]
    return found, md.render(markdown)


def test_feedback_markdown_shows_no_student_html_or_headings() -> None:
    found, html = _student_html(outputs.feedback_markdown(_hostile_result()))
    assert found == []
    assert "<script>" not in html and "<img" not in html and "<h1>pwned" not in html


def test_gradescope_markdown_shows_no_student_html_or_headings() -> None:
    for test in outputs.gradescope_results(_hostile_result(), 1.0)["tests"]:
        found, html = _student_html(test["output"])
        assert found == [] and "<script>" not in html and "<img" not in html


def test_a_fence_is_longer_than_any_backtick_run() -> None:
    block = outputs.code_block("a ````` b")
    assert block.strip().startswith("``````") and block.strip().endswith("``````")


def _failing(function: str, problems: str) -> FunctionResult:
    """A function whose checks failed, the i-th on the smallest with problem ``problems[i]``."""
    return FunctionResult(function, 5.0, 0.0, [
        _failed(f"{i}", f"failed on 3 of 100 generated inputs; on the smallest: {problem}")
        for i, problem in enumerate(problems)])


def _kept(capped: list[FunctionResult]) -> list[bool]:
    return [c.example is not None for f in capped for c in f.checks]


def test_a_hand_in_stores_a_bounded_number_of_examples() -> None:
    functions = [_failing("conv2d", "abcde"), _failing("relu", "abcde")]
    capped = engine.cap_examples(functions, most=7)
    assert _kept(capped) == [True] * 7 + [False] * 3
    assert [c.message for f in capped for c in f.checks] == [
        c.message for f in functions for c in f.checks]


def test_every_failed_function_keeps_the_example_it_is_told_first() -> None:
    """However many failures come before it (one wrong conv_output_size fails seven
    functions), a later function still shows one call, not a headline alone."""
    capped = engine.cap_examples([_failing("conv2d", "abcde"), _failing("relu", "ab"),
                                  _failing("sigmoid", "a")], most=3)
    assert _kept(capped) == [True, False, False, False, False, True, False, True]


def test_a_check_that_failed_the_same_way_keeps_no_example_and_counts_for_nothing() -> None:
    """Its example is never shown ("not shown again, as they failed the same way")."""
    capped = engine.cap_examples([_failing("conv2d", "aaaab"), _failing("relu", "ab")],
                                 most=3)
    assert _kept(capped) == [True, False, False, False, True, True, False]


def test_a_warning_is_told_as_a_warning_that_settings_do_not_hide() -> None:
    # np.seterr(over="ignore") at the top of a module silences the student's own runs, and
    # the grader sets numpy's error handling again for every call: say so, or the failure
    # cannot be reproduced.
    from autograder.results import RAISED
    told = CallError(RAISED, "overflow encountered in exp", "RuntimeWarning").describe()
    assert told.startswith("warned RuntimeWarning: overflow encountered in exp")
    assert "np.seterr" in told
    assert CallError(RAISED, "bad", "ValueError").describe() == "raised ValueError: bad"


def test_arrays_equal_to_the_digits_shown_say_where_they_differ() -> None:
    # sigmoid_backward of an int8 x computed in float16: 0.0491857 for 0.0491557, both
    # "0.0492" at four digits, and the student would read expected == actual.
    want, got = feedback.pair_texts(np.array([0.25, 0.0491557]), np.array([0.25, 0.0491857]))
    assert got.splitlines()[0] == want
    assert got.splitlines()[1] == ("first difference at [1]: expected 0.0491557, "
                                   "got 0.0491857 (1 of 2 values differ)")
