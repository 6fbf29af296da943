"""The rubric steers the hidden suite: points, check weights and forbidden modules, and a
broken rubric file is refused with a message that names the problem.

Custom rubrics are written to a temporary folder; what they leave out keeps its default
(declared with the checks). Suites for them are drawn lazily and not cached.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from student_code import perfect_except
from student_code.mutants import sigmoid_overflows

from autograder import engine
from autograder.checks import graded
from autograder.engine import Suite
from autograder.inprocess import InProcessStudent
from autograder.results import FunctionResult
from autograder.rubric import RubricError, load_rubric, rubric_template

SCIPY_SIGNAL = ["scipy.signal"]
# the overflowing sigmoid fails both checks for overflow warnings: switch both off
STABILITY = {"stable_for_large_inputs": 0.0, "no_warning_for_huge_inputs": 0.0}
STABILITY_OFF = {"sigmoid": {"weights": STABILITY}}


def rubric_file(folder: Path, changes: dict[str, dict]) -> Path:
    """A rubric file that gives only ``changes`` (per function), written as TOML."""
    lines = []
    for function, table in changes.items():
        lines.append(f"[{function}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()
                  if key != "weights"]
        if "weights" in table:
            lines.append(f"[{function}.weights]")
            lines += [f"{name} = {json.dumps(w)}" for name, w in table["weights"].items()]
    path = folder / "rubric.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def suite_for(tmp_path_factory) -> Callable[[dict[str, dict]], Suite]:
    """The suite of the default rubric with ``changes``, drawn once per rubric: the default
    one from the grader's cache, the others lazily (only what is graded) and not cached."""
    made: dict[str, Suite] = {}

    def suite(changes: dict[str, dict]) -> Suite:
        key = json.dumps(changes, sort_keys=True)
        if key not in made:
            if changes:
                path = rubric_file(tmp_path_factory.mktemp("rubric"), changes)
                made[key] = engine.prepare(load_rubric(path), functions=None, cache=False)
            else:
                made[key] = engine.prepare(load_rubric())
        return made[key]
    return suite


def grade(suite: Suite, function: str, replaced: dict[str, Callable] | None = None,
          sources: dict[str, str] | None = None) -> FunctionResult:
    student = InProcessStudent(perfect_except(replaced or {}))
    return engine.grade_function(student, suite, function, sources)


# --- points and weights ----------------------------------------------------------------------

def test_without_a_file_every_function_has_its_declared_points() -> None:
    rubric = load_rubric()
    assert {f: rubric.points_of(f) for f in rubric.functions} == {
        g.function: g.points for g in graded()}


def test_an_empty_rubric_file_keeps_every_default(tmp_path: Path) -> None:
    assert [(f.points, f.forbid, f.weights) for f in load_rubric(
        rubric_file(tmp_path, {})).functions.values()] == [
        (f.points, f.forbid, f.weights) for f in load_rubric().functions.values()]


def test_a_rubric_naming_one_function_changes_only_that_function(tmp_path: Path) -> None:
    """Issue 19: a rubric that changed one function's points was refused ("no points given
    for [21 functions]")."""
    default = load_rubric()
    changed = load_rubric(rubric_file(tmp_path, {"conv2d": {"points": 7}}))
    assert {f: changed.points_of(f) for f in changed.functions} == {
        f: 7.0 if f == "conv2d" else default.points_of(f) for f in default.functions}


def test_a_rubric_giving_only_weights_keeps_the_points(tmp_path: Path) -> None:
    changed = load_rubric(rubric_file(tmp_path, STABILITY_OFF))
    assert changed.points_of("sigmoid") == load_rubric().points_of("sigmoid")
    assert changed.functions["sigmoid"].weights == STABILITY


def test_the_written_rubric_gives_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "rubric.toml"
    path.write_text(rubric_template())
    assert {f: r.points for f, r in load_rubric(path).functions.items()} == {
        f: r.points for f, r in load_rubric().functions.items()}


def test_cnnlab_rubric_says_where_each_value_comes_from(tmp_path: Path) -> None:
    path = rubric_file(tmp_path, {"conv2d": {"points": 7,
                                             "weights": {"is_linear": 5}}})
    shown = subprocess.run([sys.executable, "-m", "cnnlab", "rubric", "--rubric", str(path)],
                           capture_output=True, text=True, timeout=120).stdout.splitlines()
    assert "conv2d: 7 points [rubric file]" in shown and "relu: 1 points [default]" in shown
    start = shown.index("conv2d: 7 points [rubric file]") + 1
    end = next(i for i in range(start, len(shown)) if not shown[i].startswith("  "))
    weights = {line.split()[0]: line for line in shown[start:end]}
    assert "weight 5 [rubric file]" in weights["is_linear"]
    assert "weight 3 [default]" in weights["agrees_without_padding"]


def test_changed_points_change_what_a_function_is_worth(suite_for) -> None:
    result = grade(suite_for({"conv2d": {"points": 7}}), "conv2d")
    assert (result.points, result.max_points) == (7.0, 7.0)


def test_changed_points_change_the_maximum_score(tmp_path: Path) -> None:
    default = load_rubric()
    changed = load_rubric(rubric_file(tmp_path, {"conv2d": {"points": 7}}))
    assert changed.max_score - default.max_score == 7 - default.points_of("conv2d")


def test_a_bug_costs_a_share_of_the_changed_points(suite_for) -> None:
    # The overflowing sigmoid fails one check only: its share scales with the points.
    default = grade(suite_for({}), "sigmoid", {"sigmoid": sigmoid_overflows})
    tenfold = grade(suite_for({"sigmoid": {"points": 10}}), "sigmoid",
                    {"sigmoid": sigmoid_overflows})
    lost = (default.max_points - default.points, tenfold.max_points - tenfold.points)
    # points are rounded to 6 decimals, so ten times the share may differ by 10 x 5e-7
    assert lost[1] == pytest.approx(10 * lost[0], abs=1e-5) and lost[0] > 0


def test_a_check_weighted_zero_no_longer_costs_points(suite_for) -> None:
    result = grade(suite_for(STABILITY_OFF), "sigmoid", {"sigmoid": sigmoid_overflows})
    assert result.points == result.max_points


def test_a_check_weighted_zero_is_not_run(suite_for) -> None:
    checks = {c.check for c in grade(suite_for(STABILITY_OFF), "sigmoid").checks}
    assert not checks & {f"sigmoid.{check}" for check in STABILITY} and checks


def test_a_larger_weight_makes_the_failed_check_cost_more(suite_for) -> None:
    heavy = grade(suite_for({"sigmoid": {"weights": {"stable_for_large_inputs": 50}}}),
                  "sigmoid", {"sigmoid": sigmoid_overflows})
    default = grade(suite_for({}), "sigmoid", {"sigmoid": sigmoid_overflows})
    assert heavy.points < default.points < default.max_points


# --- forbidden modules -----------------------------------------------------------------------

DIRECT = """
    import numpy as np
    from scipy import signal
    from student_code.variants import _conv_args


    def conv2d(image, kernel, padding=0, stride=1):
        image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
        xp = np.pad(image.astype(float), padding)
        return signal.correlate2d(xp, kernel.astype(float), mode="valid")[::stride, ::stride]
"""

THROUGH_A_HELPER = """
    import numpy as np
    import scipy.signal as sig
    from student_code.variants import _conv_args


    def _slide(xp, kernel):
        return sig.correlate2d(xp, kernel, mode="valid")


    def conv2d(image, kernel, padding=0, stride=1):
        image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
        return _slide(np.pad(image.astype(float), padding), kernel.astype(float))[::stride,
                                                                                ::stride]
"""

# Module-level names bound to scipy.signal: a lambda helper and a plain alias. Reported to
# the lead: autograder/forbidden.py follows only ``def`` helpers and import aliases.
THROUGH_A_LAMBDA = """
    import numpy as np
    from scipy import signal
    from student_code.variants import _conv_args

    _slide = lambda xp, kernel: signal.correlate2d(xp, kernel, mode="valid")  # noqa: E731


    def conv2d(image, kernel, padding=0, stride=1):
        image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
        return _slide(np.pad(image.astype(float), padding), kernel.astype(float))[::stride,
                                                                                ::stride]
"""

THROUGH_AN_ALIAS = """
    import numpy as np
    from scipy import signal
    from student_code.variants import _conv_args

    correlate = signal.correlate2d


    def conv2d(image, kernel, padding=0, stride=1):
        image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
        xp = np.pad(image.astype(float), padding)
        return correlate(xp, kernel.astype(float), mode="valid")[::stride, ::stride]
"""

ELSEWHERE_ONLY = """
    import numpy as np
    import scipy.signal
    from student_code.variants import _conv_args, windows_conv2d


    def conv1d(x, w, padding=0, stride=1):
        x, w, padding, stride = _conv_args(x, w, padding, stride, 1)
        xp = np.pad(x.astype(float), padding)
        return scipy.signal.correlate(xp, w.astype(float), mode="valid")[::stride]


    def conv2d(image, kernel, padding=0, stride=1):
        return windows_conv2d(image, kernel, padding, stride)
"""


def student_module(source: str) -> tuple[dict[str, Callable], dict[str, str]]:
    """The functions a convolution.py with ``source`` defines, and the sources to grade."""
    text = textwrap.dedent(source)
    namespace: dict = {}
    exec(compile(text, "convolution.py", "exec"), namespace)  # our own test code
    functions = {name: namespace[name] for name in ("conv1d", "conv2d") if name in namespace}
    return functions, {"convolution": text}


@pytest.fixture(scope="module")
def forbidding(suite_for) -> Suite:
    return suite_for({"conv2d": {"forbid": SCIPY_SIGNAL}})


@pytest.mark.parametrize("source", [DIRECT, THROUGH_A_HELPER], ids=["direct", "helper"])
def test_the_scipy_conv2d_gets_full_marks_when_nothing_is_forbidden(suite_for,
                                                                    source: str) -> None:
    functions, sources = student_module(source)
    result = grade(suite_for({}), "conv2d", functions, sources)
    assert result.points == result.max_points


@pytest.mark.parametrize("source", [DIRECT, THROUGH_A_HELPER], ids=["direct", "helper"])
def test_a_forbidden_module_gives_zero_points(forbidding: Suite, source: str) -> None:
    functions, sources = student_module(source)
    result = grade(forbidding, "conv2d", functions, sources)
    assert (result.points, result.max_points) == (0.0, 3.0)


@pytest.mark.parametrize("source", [DIRECT, THROUGH_A_HELPER], ids=["direct", "helper"])
def test_the_note_names_the_forbidden_module(forbidding: Suite, source: str) -> None:
    functions, sources = student_module(source)
    note = grade(forbidding, "conv2d", functions, sources).note
    assert "scipy.signal" in note and "conv2d" in note


@pytest.mark.parametrize("source", [THROUGH_A_LAMBDA, THROUGH_AN_ALIAS],
                         ids=["lambda", "alias"])
def test_the_scipy_conv2d_through_a_module_level_name_is_right(suite_for, source: str) -> None:
    functions, sources = student_module(source)
    result = grade(suite_for({}), "conv2d", functions, sources)
    assert result.points == result.max_points


@pytest.mark.parametrize("source", [THROUGH_A_LAMBDA, THROUGH_AN_ALIAS],
                         ids=["lambda", "alias"])
def test_a_forbidden_module_behind_a_module_level_name_gives_zero_points(
        forbidding: Suite, source: str) -> None:
    functions, sources = student_module(source)
    assert grade(forbidding, "conv2d", functions, sources).points == 0.0


def test_a_module_forbidden_for_conv2d_is_allowed_in_conv1d(forbidding: Suite) -> None:
    functions, sources = student_module(ELSEWHERE_ONLY)
    result = grade(forbidding, "conv1d", functions, sources)
    assert result.points == result.max_points


def test_conv2d_without_the_forbidden_module_keeps_full_marks(forbidding: Suite) -> None:
    functions, sources = student_module(ELSEWHERE_ONLY)
    result = grade(forbidding, "conv2d", functions, sources)
    assert (result.points, result.note) == (result.max_points, "")


# --- broken rubrics --------------------------------------------------------------------------

def test_an_unknown_function_is_refused_by_name(tmp_path: Path) -> None:
    path = rubric_file(tmp_path, {"conv3d": {"points": 2}})
    with pytest.raises(RubricError, match="conv3d"):
        load_rubric(path)


def test_negative_points_are_refused_naming_the_function(tmp_path: Path) -> None:
    path = rubric_file(tmp_path, {"max_pool": {"points": -1}})
    with pytest.raises(RubricError, match=r"\[max_pool\].*points.*-1"):
        load_rubric(path)


def test_an_unknown_check_in_weights_is_refused_by_name(tmp_path: Path) -> None:
    path = rubric_file(tmp_path, {"conv2d": {"weights": {"agrees_with_padingg": 2}}})
    with pytest.raises(RubricError, match=r"\[conv2d\].*agrees_with_padingg"):
        engine.prepare(load_rubric(path), functions=None, cache=False)


def test_a_rubric_error_is_a_value_error() -> None:
    assert issubclass(RubricError, ValueError)


def test_a_forbidden_call_in_a_helper_of_another_module_is_found() -> None:
    from autograder.forbidden import forbidden_uses
    helper = "from scipy import signal\n\ndef slide(x, k):\n    return signal.correlate2d(x, k)\n"
    conv = ("from padding import slide\n\n"
            "def conv2d(image, kernel):\n    return slide(image, kernel)\n")
    assert forbidden_uses(conv, "conv2d", ("scipy.signal",)) == []  # alone it looks clean
    assert forbidden_uses(conv, "conv2d", ("scipy.signal",), [helper]) == [
        "scipy.signal", "scipy.signal.correlate2d"]
