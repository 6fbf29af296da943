"""The report names students (table, needs-a-look list, provenance), shows only the checks
that discriminate least and the kernel in its pictures; the HTML feedback is one inert,
self-contained page; Markdown escapes only what would be markup (read with markdown-it)."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from autograder import outputs, report
from autograder.feedback import picture_arrays
from autograder.overrides import Override, apply
from autograder.report import ReportContext
from autograder.results import CheckResult, FailingExample, FunctionResult, SubmissionResult
from cnnlab.catalog import FUNCTIONS

HOSTILE = "<script>alert(1)</script>"


def _check(function: str, name: str, passed: bool, message: str = "",
           example: FailingExample | None = None) -> CheckResult:
    return CheckResult(function, f"{function}.{name}", f"{name} in words", 1.0,
                       1.0 if passed else 0.0, 10, "" if passed else message, example)


def _student(name: str, failing: dict[str, str] | None = None, note: str = "",
             notes: list[str] | None = None) -> SubmissionResult:
    """Every function with two checks; ``failing``: function -> message of its failed one."""
    functions = []
    for f in FUNCTIONS:
        message = (failing or {}).get(f)
        checks = [_check(f, "a", True), _check(f, "b", message is None, message or "")]
        functions.append(FunctionResult(f, 2.0, 2.0 if message is None else 1.0, checks,
                                        note=note if message and note else ""))
    return SubmissionResult(name, functions, notes=notes or ["modules found: padding.py"])


def _class() -> list[SubmissionResult]:
    return [_student("ann"), _student("bob", {"conv1d": "timeout: took longer than 2 s"}),
            _student("cas", {"relu": "crashed: the worker died"}),
            _student("dan", {"zero_pad": "values differ"},
                     note="padding.py does not import: SyntaxError in padding.py, line 3"),
            _student(HOSTILE, notes=["modules found: none"])]


def test_the_students_table_has_a_sortable_row_per_student():
    page = report.report_html(_class())
    table = page.split('id="students-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 5  # the header and one row per student
    assert '<a href="feedback/ann.html">ann</a>' in table
    assert f'data-sort="{len(FUNCTIONS) * 2 - 1.0}"' in table  # bob's score, sortable
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "addEventListener(\"click\"" in page and "aria-sort" in page


def test_the_needs_a_look_list_names_each_kind_of_trouble():
    results = apply(_class(), [Override("ann", "relu", 1.0, None, "late", "x")])
    context = ReportContext(errors={"eve": "Traceback ...\nKeyError: 'x'"},
                            skipped={"notes.txt": "not a folder or a .zip file"})
    items = {(i.student, i.kind): i.why for i in report.needs_a_look(results, context)}
    assert items == {
        ("notes.txt", "skipped"): "not graded: not a folder or a .zip file",
        ("eve", "grader"): "the grader itself failed on it (grader_errors.txt): KeyError: 'x'",
        ("ann", "overridden"): "relu: 2 → 1 (late)",
        ("bob", "timeout"): "timed out in conv1d",
        ("cas", "crashed"): "crashed in relu",
        ("dan", "unreadable"): "padding.py does not import: SyntaxError in padding.py, line 3 "
                               "(1 function)",
        (HOSTILE, "unreadable"): "no exercise module or notebook was found"}


def test_a_class_with_nothing_to_look_at_says_so():
    page = report.report_html([_student("ann")])
    assert "Needs a look (0)" in page and "Nothing: no hand-in timed out" in page


def test_the_provenance_is_shown_escaped():
    context = ReportContext(provenance={"date": "2026-12-06 10:00 UTC",
                                        "command": f"cnnlab grade {HOSTILE}"})
    page = report.report_html([_student("ann")], context)
    assert "<dt>date</dt><dd>2026-12-06 10:00 UTC</dd>" in page
    assert "<dd>cnnlab grade &lt;script&gt;" in page


def test_only_the_fifteen_least_discriminating_checks_are_charted():
    rng = np.random.default_rng(3)
    results = []
    for i in range(12):  # 22 functions x 2 checks, failed at random
        failing = {f: "values differ" for f in FUNCTIONS if rng.random() < 0.4}
        results.append(_student(f"s{i:02}", failing))
    stats = report.check_statistics(results)
    weakest = report.least_discriminating(stats)
    told = [s for s in stats if s.discrimination is not None and 0 < s.failed < s.students]
    assert len(told) > 15 and len(weakest) == 15
    assert max(s.discrimination for s in weakest) <= min(
        s.discrimination for s in told if s not in weakest)
    page = report.report_html(results)
    assert "The 15 checks failed by some but not all" in page


def _titles(function: str, arrays: dict) -> list[str]:
    """The panel titles of the failure picture a failed check of ``function`` gets."""
    failed = _check(function, "b", False, "values differ",
                    FailingExample(f"{function}(...)", "e", "a", arrays))
    figure = outputs.failure_figure(failed, f"{function}.b")
    return [axes.get_title() for axes in figure.axes if axes.get_title()]


def test_the_pictures_show_the_kernel_of_a_convolution():
    image, kernel = np.arange(9.0).reshape(3, 3), np.array([[1.0, 0.0], [0.0, -1.0]])
    arrays = _arrays("conv2d", ((image, kernel), {}), np.zeros((2, 2)), np.ones((2, 2)))
    assert arrays["kernel"] == kernel.tolist() and arrays["input"] == image.tolist()
    assert _titles("conv2d", arrays) == ["image", "kernel", "expected", "actual",
                                         "actual - expected"]


def test_the_pictures_go_to_the_failures_the_student_is_told():
    """Four conv1d checks that failed the same way are told once: one picture for them, and
    the next goes to conv2d's failure, not to an example nobody reads."""
    arrays = {"input": [[1.0]], "expected": [[1.0]], "actual": [[2.0]]}
    example = FailingExample("f(...)", "e", "a", arrays)
    same = "failed on 3 of 10 generated inputs; on the smallest: values differ"
    conv1d = [_check("conv1d", f"c{i}", False, same, example) for i in range(4)]
    conv2d = [_check("conv2d", "d", False, same.replace("values", "shapes"), example)]
    result = SubmissionResult("s", [FunctionResult("conv1d", 2.0, 0.0, conv1d),
                                    FunctionResult("conv2d", 3.0, 0.0, conv2d)])
    assert [c.check for c in outputs.pictured(result)] == ["conv1d.c0", "conv2d.d"]


def test_pooling_pictures_have_no_kernel():
    arrays = _arrays("max_pool", ((np.ones((4, 4)), 2), {}), np.ones((2, 2)), np.zeros((2, 2)))
    assert set(arrays) == {"input", "expected", "actual", "names"}


def test_a_backward_pass_s_picture_names_d_out_and_x_not_input_and_kernel():
    d_out, x = np.array([[1.0]]), np.array([[1.0, 2.0], [3.0, 4.0]])
    arrays = _arrays("max_pool_backward", ((d_out,), {"x": x}), np.zeros((2, 2)),
                     np.ones((2, 2)))
    assert arrays["input"] == d_out.tolist() and arrays["kernel"] == x.tolist()
    assert _titles("max_pool_backward", arrays) == ["d_out", "x", "expected", "actual",
                                                    "actual - expected"]


def _arrays(function: str, call, expected, actual) -> dict:
    class Stub:  # what picture_arrays reads of a check
        inputs_unchanged = False
    stub = Stub()
    stub.function = function
    return picture_arrays(stub, [call], [expected], [actual])


# --- per-student HTML feedback -------------------------------------------------------------

def _failed_student() -> SubmissionResult:
    arrays = {"input": [[1.0, 2.0], [3.0, 4.0]], "kernel": [[1.0]], "expected": [[1.0, 2.0],
              [3.0, 4.0]], "actual": [[0.0, 2.0], [3.0, 4.0]]}
    example = FailingExample(f"conv2d(image={HOSTILE})", "[[1.]]", f"raised {HOSTILE}", arrays)
    check = CheckResult("conv2d", "conv2d.agrees", "agrees with the lecture's formula", 1.0,
                        0.0, 10, "values differ", example)
    functions = [FunctionResult("conv2d", 3.0, 0.0, [check],
                                misconceptions=["conv2d.flipped_kernel"])]
    functions += [FunctionResult(f, 1.0, 1.0) for f in FUNCTIONS if f != "conv2d"]
    return SubmissionResult("s003_flipped_kernel", functions, notes=[f"found {HOSTILE}.py"])


def test_the_html_feedback_is_one_inert_page_with_its_picture():
    page = outputs.feedback_html(_failed_student())
    assert "<h1>Feedback for s003_flipped_kernel</h1>" in page
    assert HOSTILE not in page and "raised &lt;script&gt;" in page
    assert page.count("data:image/png;base64,") == 1 and "src=\"http" not in page
    assert "Likely misconception: you flipped the kernel" in page
    assert "\\_" not in page


def test_brief_html_feedback_has_no_failing_input():
    page = outputs.feedback_html(_failed_student(), "brief")
    assert "conv2d(image=" not in page and "values differ" in page
    assert "data:image/png" not in page


def test_the_markdown_shows_names_as_they_are():
    text = outputs.feedback_markdown(_failed_student())
    assert text.startswith("# Feedback for s003_flipped_kernel\n")
    assert "\\_" not in text.split("## Notes")[0]


def test_gradescope_summary_names_the_lost_points():
    summary = outputs.gradescope_results(_failed_student(), 1.0)["output"]
    assert summary.startswith(f"**Score: {len(FUNCTIONS) - 1} / {len(FUNCTIONS) + 2}**; "
                              f"full marks in {len(FUNCTIONS) - 1} of {len(FUNCTIONS)} "
                              "functions.")
    assert "- `conv2d` (0 / 3): likely you flipped the kernel" in summary


MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
TEXT = st.text(st.sampled_from(list("ab_*`[]()<>&#;!\\|~-+=.1 \tx:é")), min_size=1,
               max_size=14).filter(lambda text: text.split())


def _rendered_text(source: str) -> str:
    """The paragraph's text as a reader sees it; fails on any markup but text."""
    tokens = MD.parse(source)
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert {c.type for c in tokens[1].children} <= {"text", "softbreak"}
    return "".join(c.content for c in tokens[1].children)


@given(TEXT)
def test_inline_text_reads_as_written(text):
    assert _rendered_text(outputs.inline(text)) == " ".join(text.split())


@given(TEXT)
def test_inline_text_stays_inside_our_bold(text):
    tokens = MD.parse(f"x **{outputs.inline(text)}** y")[1].children
    assert [t.type for t in tokens].count("strong_open") == 1
    assert (tokens[1].type, tokens[-2].type) == ("strong_open", "strong_close")
    assert "".join(t.content for t in tokens[2:-2]) == " ".join(text.split())


def test_inline_escapes_only_what_would_be_markup():
    assert [outputs.inline(t) for t in ("s003_flipped_kernel", "(C_out,)", "kh != kw",
                                        "a*x + b*y", "_x", "<b>", "1. first", "2 * 3")] == [
        "s003_flipped_kernel", "(C_out,)", "kh != kw", r"a\*x + b\*y", r"\_x", r"\<b>",
        r"1\. first", "2 * 3"]
    assert re.fullmatch(r"[^\\]*", outputs.inline("kernel_size must be at least 1, got 0"))
