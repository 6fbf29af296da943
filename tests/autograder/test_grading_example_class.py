"""The README's first command, as an instructor runs it: grade the bundled example class with
the real hidden suite, twice, and get the same grades.csv and feedback both times. (That
another course key changes the inputs and not the grades is tested on the mutants, in
test_hidden_inputs.py: drawing a whole suite for a second key took two minutes of CPU.)"""

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from grader_helpers import EXAMPLE_CLASS

from autograder.engine import load_rubric
from cnnlab.catalog import EXERCISES, FUNCTIONS

RUBRIC = load_rubric()


def _grade_command(out: Path) -> list[str]:
    return [sys.executable, "-m", "cnnlab", "grade", str(EXAMPLE_CLASS), "--out", str(out),
            "-j", "2"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> list[Path]:
    """Two runs at the same time: most of a run is waiting for the time limits of the two
    hand-ins that loop, and neither run may depend on the other."""
    outs = [tmp_path_factory.mktemp(run) for run in ("first", "second")]
    runs = [subprocess.Popen(_grade_command(out), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for out in outs]
    try:
        for run in runs:
            _, stderr = run.communicate(timeout=900)
            assert run.returncode == 0, stderr[-2000:]
    finally:
        for run in runs:
            run.kill()
            run.wait()
    return outs


def _rows(out: Path) -> dict[str, dict[str, float]]:
    with open(out / "grades.csv", newline="") as file:
        return {row["student"]: {k: float(v) for k, v in row.items()
                                 if k not in ("student", "hand_in")}
                for row in csv.DictReader(file)}


def test_the_hand_in_column_names_each_student_s_folder_or_zip(two_runs):
    with open(two_runs[0] / "grades.csv", newline="") as file:
        hand_ins = {row["student"]: row["hand_in"] for row in csv.DictReader(file)}
    assert hand_ins["s011_zipped"] == "s011_zipped.zip"
    assert hand_ins["s001_perfect"] == "s001_perfect"


def test_grading_the_example_class_twice_gives_identical_grades(two_runs):
    first, second = ((out / "grades.csv").read_bytes() for out in two_runs)
    assert first == second


def test_grading_the_example_class_twice_gives_identical_feedback(two_runs):
    """Except where a time limit struck: which call of an endless loop it stopped at depends
    on the machine (docs/grading.md, "Reproducible grades"; the grades do not)."""
    first, second = ({p.name: p.read_text() for p in (out / "feedback").glob("*.md")}
                     for out in two_runs)
    timed = {name for name in first if "timeout:" in first[name] + second.get(name, "")}
    assert first.keys() == second.keys() and len(first) - len(timed) >= 9
    assert {n: t for n, t in first.items() if n not in timed} == {
        n: t for n, t in second.items() if n not in timed}


def test_the_perfect_student_gets_every_point(two_runs):
    assert _rows(two_runs[0])["s001_perfect"]["score"] == RUBRIC.max_score


def test_every_student_is_graded_and_no_one_else_gets_full_marks(two_runs):
    rows = _rows(two_runs[0])
    assert len(rows) == len([p for p in EXAMPLE_CLASS.iterdir() if p.name != "README.md"])
    assert [s for s, row in rows.items() if row["score"] == RUBRIC.max_score] == \
        ["s001_perfect"]


def test_a_flipped_kernel_costs_the_convolutions(two_runs):
    row = _rows(two_runs[0])["s003_flipped_kernel"]
    assert row["conv2d"] < RUBRIC.points_of("conv2d")
    assert row["conv1d"] < RUBRIC.points_of("conv1d")


def test_a_module_that_does_not_parse_costs_only_its_functions(two_runs):
    row = _rows(two_runs[0])["s006_syntax_error"]
    assert all(row[f] == 0 for f in EXERCISES["convolution"])
    feedback = (two_runs[0] / "feedback" / "s006_syntax_error.md").read_text()
    assert "SyntaxError" in feedback or "does not parse" in feedback


def test_an_endless_loop_costs_only_the_function_that_loops(two_runs):
    row = _rows(two_runs[0])["s007_infinite_loop"]
    assert row["conv1d"] < RUBRIC.points_of("conv1d")
    assert row["relu"] == RUBRIC.points_of("relu")


def test_every_output_of_section_6_is_written(two_runs):
    out = two_runs[0]
    header = (out / "grades.csv").read_text().splitlines()[0].split(",")
    assert header == ["student", "score", "max_score", *FUNCTIONS, "hand_in"]
    students = set(_rows(out))
    assert {p.stem for p in (out / "feedback").glob("*.md")} == students
    assert {p.stem for p in (out / "results").glob("*.json")} == students
    assert (out / "gradebook.sqlite").stat().st_size > 0
    assert "<img" in (out / "report.html").read_text()


def test_failed_convolution_checks_come_with_a_side_by_side_picture(two_runs):
    feedback = (two_runs[0] / "feedback" / "s003_flipped_kernel.md").read_text()
    pictures = list((two_runs[0] / "feedback" / "s003_flipped_kernel.pictures").glob("*.png"))
    assert pictures and all(p.read_bytes().startswith(b"\x89PNG") for p in pictures)
    assert f"s003_flipped_kernel.pictures/{pictures[0].name}" in feedback


def test_a_step_uphill_costs_train_step_and_what_fit_learns(two_runs):
    """s002_partial's train_step adds the gradient; its fit loops it correctly, but what it
    trains classifies the validation patches no better than chance."""
    row = _rows(two_runs[0])["s002_partial"]
    assert (row["train_step"], row["fit"]) == (0, 0)
    feedback = (two_runs[0] / "feedback" / "s002_partial.md").read_text()
    assert "added the gradient instead of subtracting it" in feedback
    assert "validation patches right; at least 85% are needed" in feedback
