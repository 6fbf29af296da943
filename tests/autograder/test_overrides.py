"""An instructor's overrides: read from TOML or CSV, refused with a message that names the
entry, applied at output time to every output and never stored in the gradebook."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3

import pytest
from grader_helpers import EXAMPLE_CLASS, FakeEngine

from autograder import outputs, overrides
from autograder.overrides import Override, OverrideError
from autograder.pipeline import Options, grade_class
from autograder.results import FunctionResult, SubmissionResult
from autograder.sandbox import Limits
from cnnlab.catalog import FUNCTIONS

FAST = Limits(seconds_per_call=3, seconds_import=20)
REASON = "the lab sheet of week 2 said to flip the kernel"

TOML = f'''
[[override]]
student = "ann"
function = "conv2d"
points = 2.5
reason = "{REASON}"

[[override]]
student = "bob"
function = "total"
delta = -1
reason = "handed in late"
'''
CSV = f'''student,function,points,delta,reason
ann,conv2d,2.5,,"{REASON}"
bob,total,,-1,handed in late
'''


OTHERS = len(FUNCTIONS) - 1  # points of the other functions in ``_result``: 1 each, all earned


def _result(student: str, conv2d: float = 0.0) -> SubmissionResult:
    return SubmissionResult(student, [FunctionResult(f, 3.0 if f == "conv2d" else 1.0,
                                                     conv2d if f == "conv2d" else 1.0)
                                      for f in FUNCTIONS])


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_toml_and_csv_say_the_same(tmp_path):
    def said(name: str, text: str) -> list[tuple]:
        return [(o.student, o.function, o.points, o.delta, o.reason)
                for o in overrides.load(_write(tmp_path, name, text))]
    assert said("o.toml", TOML) == said("o.csv", CSV) == [
        ("ann", "conv2d", 2.5, None, REASON), ("bob", "total", None, -1.0, "handed in late")]


@pytest.mark.parametrize(("text", "message"), [
    ('student,function,points,reason\nann,conv3d,1,r\n', "line 2: unknown function 'conv3d'"),
    ('student,function,points,reason\nann,conv2d,1,\n', "line 2: no reason"),
    ('student,function,points,delta,reason\nann,conv2d,1,1,r\n', "either points"),
    ('student,function,points,delta,reason\nann,conv2d,,,r\n', "either points"),
    ('student,function,points,reason\nann,conv2d,nan,r\n', "points must be a number"),
    ('student,function,points,reason\nann,conv2d,two,r\n', "points must be a number"),
    ('student,function,points,reason\nann,conv2d,-1,r\n', "points must be at least 0"),
    ('student,function,points,reason\nann,conv2d,1,r\nann,conv2d,2,r\n',
     "line 3: a second override for ann conv2d (the first is o.csv, line 2)"),
    ('student,points,reason\nann,1,r\n', "the header must name the columns"),
])
def test_a_bad_entry_is_refused_with_where_and_why(tmp_path, text, message):
    with pytest.raises(OverrideError, match=message.replace("(", r"\(").replace(")", r"\)")):
        overrides.load(_write(tmp_path, "o.csv", text))


def test_a_reason_over_two_lines_is_read_whole_and_later_lines_keep_their_numbers(tmp_path):
    """A spreadsheet writes a reason typed with Alt-Enter as one quoted cell over two lines;
    the feedback shows it on one."""
    text = ('student,function,points,reason\nann,conv2d,1,"late:\nsee the e-mail"\n'
            'bob,conv3d,1,r\n')
    with pytest.raises(OverrideError, match=r"o\.csv, line 4: unknown function 'conv3d'"):
        overrides.load(_write(tmp_path, "o.csv", text))
    (ann,) = overrides.load(_write(tmp_path, "o.csv", text.split("bob")[0]))
    assert ann.reason == "late: see the e-mail" and ann.where == "o.csv, line 2"


def test_unknown_keys_in_toml_are_refused(tmp_path):
    text = '[[override]]\nstudent = "ann"\nfunction = "relu"\npoint = 1\nreason = "r"\n'
    with pytest.raises(OverrideError, match=r"\[\[override\]\] 1: unknown key\(s\) point"):
        overrides.load(_write(tmp_path, "o.toml", text))


def test_an_unknown_student_is_refused_before_grading():
    found = [Override("carl", "relu", 1.0, None, "r", "o.csv, line 2")]
    with pytest.raises(OverrideError, match="line 2: unknown student 'carl'; the hand-ins are "
                                            "ann, bob"):
        overrides.check_students(found, {"ann": "ann", "bob": "bob.zip"})


def test_points_above_the_maximum_are_refused():
    found = [Override("ann", "relu", 1.5, None, "r", "o.csv, line 2")]
    with pytest.raises(OverrideError, match=r"1\.5 points for ann relu is above its maximum of 1"):
        overrides.check_maxima(found, {"relu": 1.0})


@pytest.mark.parametrize(("function", "delta", "message"), [
    ("conv2d", -1.0, "takes ann conv2d from 0.5 to -0.5, below 0"),
    ("conv2d", 3.0, "would get 3.5, above its maximum of 3"),
    ("total", 3.0, f"ann total would get {OTHERS + 3.5:g}, above its maximum of {OTHERS + 3}"),
])
def test_a_delta_that_leaves_the_range_is_refused(function, delta, message):
    found = [Override("ann", function, None, delta, "r", "o.csv, line 2")]
    with pytest.raises(OverrideError, match=message):
        overrides.apply([_result("ann", 0.5)], found)


def test_a_function_override_sets_its_points_and_the_score():
    (ann,) = overrides.apply([_result("ann", 0.5)],
                             [Override("ann", "conv2d", 2.5, None, REASON, "x")])
    conv2d = next(f for f in ann.functions if f.function == "conv2d")
    assert conv2d.points == 2.5 and ann.score == OTHERS + 2.5
    (adjustment,) = overrides.adjustments_of(ann)
    assert (adjustment.function, adjustment.before, adjustment.after, adjustment.reason) == (
        "conv2d", 0.5, 2.5, REASON)


def test_function_overrides_come_before_the_total():
    (ann,) = overrides.apply([_result("ann", 0.5)], [
        Override("ann", "total", OTHERS - 1.0, None, "cap", "x"),
        Override("ann", "conv2d", None, 1.0, "more", "y")])
    assert ann.score == OTHERS - 1.0
    assert [(a.function, a.before, a.after) for a in overrides.adjustments_of(ann)] == [
        ("conv2d", 0.5, 1.5), ("total", OTHERS + 1.5, OTHERS - 1.0)]


def test_students_without_overrides_are_left_as_they_are():
    ann, bob = _result("ann", 1.0), _result("bob", 1.0)
    adjusted = overrides.apply([ann, bob], [Override("ann", "relu", 0.0, None, "r", "x")])
    assert adjusted[1] is bob and adjusted[0].score == bob.score - 1


def test_an_override_for_someone_not_graded_is_refused():
    with pytest.raises(OverrideError, match="nobody of that name was graded"):
        overrides.apply([_result("bob")], [Override("ann", "relu", 0.0, None, "r", "x")])


def test_an_override_may_name_the_hand_in_instead_of_the_id():
    (ann,) = overrides.apply([_result("ann", 0.5)],
                             [Override("Ann.zip", "conv2d", 1.0, None, "r", "x")],
                             {"ann": "Ann.zip"})
    assert ann.score == OTHERS + 1.0


def test_the_feedback_and_gradescope_show_the_reason():
    (ann,) = overrides.apply([_result("ann", 0.5)],
                             [Override("ann", "conv2d", 2.5, None, REASON, "x")])
    text = outputs.feedback_markdown(ann)
    assert "**Adjusted by your instructor:**" in text and f"0.5 → 2.5 points. {REASON}" in text
    assert "*Adjusted by your instructor* from 0.5 to 2.5 points" in text
    data = outputs.gradescope_results(ann, 1.0)
    assert data["score"] == OTHERS + 2.5 and REASON in data["output"]
    conv2d = next(t for t in data["tests"] if t["name"] == "conv2d")
    assert conv2d["score"] == 2.5 and REASON in conv2d["output"]
    assert REASON in outputs.feedback_html(ann)


# --- through the pipeline ------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A class of two graded with overrides, then resumed without and with them again."""
    root = tmp_path_factory.mktemp("ov")
    (root / "class").mkdir()
    for name in ("s001_perfect", "s004_off_by_one"):
        shutil.copytree(EXAMPLE_CLASS / name, root / "class" / name)
    file = _write(root, "o.toml", f'''
[[override]]
student = "s004_off_by_one"
function = "conv2d"
points = 1
reason = "{REASON}"
''')
    out = root / "out"
    stages = []
    grade_class(root / "class", out, Options(jobs=2, limits=FAST, overrides=file), FakeEngine)
    first = {p: (out / p).read_bytes() for p in ("grades.csv", "results/s004_off_by_one.json",
                                                 "feedback/s004_off_by_one.md")}
    stored = sqlite3.connect(out / "gradebook.sqlite").execute(
        "SELECT result FROM grades WHERE student = 's004_off_by_one'").fetchone()[0]
    grade_class(root / "class", out, Options(jobs=2, resume=True, limits=FAST), FakeEngine,
                progress=lambda event, text: stages.append(text))
    without = (out / "grades.csv").read_text()
    grade_class(root / "class", out, Options(jobs=2, resume=True, limits=FAST, overrides=file),
                FakeEngine)
    again = {p: (out / p).read_bytes() for p in first}
    return {"out": out, "first": first, "stored": stored, "without": without,
            "again": again, "stages": stages}


def _conv2d(text: str, student: str) -> str:
    return next(r for r in csv.DictReader(text.splitlines()) if r["student"] == student)[
        "conv2d"]


def test_grades_csv_feedback_and_results_carry_the_override(two_runs):
    first = two_runs["first"]
    assert _conv2d(first["grades.csv"].decode(), "s004_off_by_one") == "1"
    assert REASON in first["feedback/s004_off_by_one.md"].decode()
    data = json.loads(first["results/s004_off_by_one.json"])
    assert next(t for t in data["tests"] if t["name"] == "conv2d")["score"] == 1.0


def test_the_gradebook_keeps_the_suites_grade(two_runs):
    stored = json.loads(two_runs["stored"])
    conv2d = next(f for f in stored["functions"] if f["function"] == "conv2d")
    assert conv2d["points"] == 0.0


def test_resuming_without_the_file_gives_the_suites_grades_and_says_so(two_runs):
    assert _conv2d(two_runs["without"], "s004_off_by_one") == "0"
    assert any("applies none" in line for line in two_runs["stages"])


def test_resuming_with_the_file_gives_the_same_outputs(two_runs):
    assert two_runs["again"] == two_runs["first"]


def test_the_report_and_record_list_the_override(two_runs):
    page = (two_runs["out"] / "report.html").read_text()
    assert "overridden" in page and REASON in page
    record = (two_runs["out"] / overrides.RECORD).read_text()
    assert f"s004_off_by_one,conv2d,0,1,{REASON}" in record


def test_grade_refuses_a_bad_overrides_file_before_grading(tmp_path):
    (tmp_path / "class" / "ann").mkdir(parents=True)
    bad = _write(tmp_path, "o.csv", "student,function,points,reason\ncarl,relu,1,r\n")
    with pytest.raises(OverrideError, match="unknown student 'carl'"):
        grade_class(tmp_path / "class", tmp_path / "out", Options(overrides=bad), FakeEngine)
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()
