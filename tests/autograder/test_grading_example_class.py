"""The README's first command, as an instructor runs it: grade the bundled example class with
the real hidden suite, twice, and get the same grades.csv and feedback both times; with
another course key the inputs differ and the grades do not."""

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from grader_helpers import EXAMPLE_CLASS, STEADY, quick_class

from autograder.engine import load_rubric
from cnnlab.catalog import EXERCISES, FUNCTIONS

RUBRIC = load_rubric()


def _grade(out: Path, *extra: str, submissions: Path = EXAMPLE_CLASS) -> Path:
    done = subprocess.run([sys.executable, "-m", "cnnlab", "grade", str(submissions),
                           "--out", str(out), "-j", "2", *extra], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> list[Path]:
    return [_grade(tmp_path_factory.mktemp(run)) for run in ("first", "second")]


# Another course's key: a fixed one, so that its suite is drawn once per machine and then read
# from the cache (like the tests' own key): a new key per run drew the whole suite again on
# every run, 86 s of CPU. A key made on first use is tested in test_course_key.py.
OTHER_KEY = hashlib.sha256(b"cnnlab tests: another course").hexdigest()


@pytest.fixture(scope="module")
def other_key(tmp_path_factory) -> Path:
    """The class graded with another course key; all but the two hand-ins that wait out time
    limits, whose feedback depends on the machine."""
    folder = tmp_path_factory.mktemp("other-key")
    (folder / "course.key").write_text(OTHER_KEY + "\n")
    (folder / "course.key").chmod(0o600)
    return _grade(folder / "out", "--course-key", str(folder / "course.key"),
                  submissions=quick_class(folder / "class", STEADY))


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


def test_another_course_key_gives_the_same_points_per_function(two_runs, other_key):
    same_key = _rows(two_runs[0])
    assert _rows(other_key) == {student: same_key[student] for student in _rows(other_key)}
    assert len(_rows(other_key)) == len(STEADY)


def test_another_course_key_asks_other_inputs(two_runs, other_key):
    """The failing inputs shown in the feedback are the graded ones: they differ."""
    shown = [{p.name: p.read_text() for p in (out / "feedback").glob("*.md")}
             for out in (two_runs[0], other_key)]
    differ = [name for name in shown[1] if shown[0][name] != shown[1][name]]
    assert "s003_flipped_kernel.md" in differ and "s002_partial.md" in differ


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
    pictures = list((two_runs[0] / "feedback" / "s003_flipped_kernel").glob("*.png"))
    assert pictures and all(p.read_bytes().startswith(b"\x89PNG") for p in pictures)
    assert f"s003_flipped_kernel/{pictures[0].name}" in feedback


def test_a_step_uphill_costs_train_step_and_what_fit_learns(two_runs):
    """s002_partial's train_step adds the gradient; its fit loops it correctly, but what it
    trains classifies the validation patches no better than chance."""
    row = _rows(two_runs[0])["s002_partial"]
    assert (row["train_step"], row["fit"]) == (0, 0)
    feedback = (two_runs[0] / "feedback" / "s002_partial.md").read_text()
    assert "added the gradient instead of subtracting it" in feedback
    assert "validation patches right; at least 85% are needed" in feedback
