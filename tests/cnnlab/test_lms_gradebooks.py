"""``cnnlab grades``: from ``cnnlab grade``'s output to the file Canvas, Moodle or Brightspace
imports, with the LMS's own export as roster; every column checked against the roster and
grades.csv, and nobody dropped silently."""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from grader_helpers import quick_class

from cnnlab.platforms import lms

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "lms"
REASON = "the lab sheet of week 2 said to flip the kernel"

# Shaped like the LMS's own exports (docs/platforms/lms.md), in tests/fixtures/lms: Canvas's
# gradebook export with its "Points Possible" row and Test Student, Moodle's grades export
# (plain text file), and Brightspace's grades export with both key fields and its "#" markers.
CANVAS = (FIXTURES / "canvas-gradebook-export.csv").read_text()
MOODLE = (FIXTURES / "moodle-grades-export.csv").read_text()
BRIGHTSPACE = (FIXTURES / "brightspace-grades-export.csv").read_text()
MATCHED = ("s001_perfect", "s003_flipped_kernel", "s010_notebook")
UNLISTED = ("s005_missing_module", "s011_zipped.zip")  # in no roster


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """The example class graded by the real cnnlab grade, with one override: the students the
    rosters list and two they do not (a folder and a zip), what matching is about."""
    root = tmp_path_factory.mktemp("lms")
    (root / "overrides.toml").write_text(
        f'[[override]]\nstudent = "s003_flipped_kernel"\nfunction = "conv2d"\npoints = 2\n'
        f'reason = "{REASON}"\n')
    submissions = quick_class(root / "class", (*MATCHED, *UNLISTED))
    done = subprocess.run([sys.executable, "-m", "cnnlab", "grade", str(submissions), "--out",
                           str(root / "out"), "-j", "2", "--overrides",
                           str(root / "overrides.toml")], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    for name, text in (("canvas", CANVAS), ("moodle", MOODLE), ("brightspace", BRIGHTSPACE)):
        (root / f"{name}-export.csv").write_text(text)
    return root


def _grades(root: Path) -> dict[str, dict[str, str]]:
    with open(root / "out" / "grades.csv", newline="") as file:
        return {row["student"]: row for row in csv.DictReader(file)}


def _export(root: Path, form: str, *extra: str) -> tuple[list[list[str]], str]:
    output = root / f"{form}-import.csv"
    done = subprocess.run([sys.executable, "-m", "cnnlab", "grades", str(root / "out"),
                           "--format", form, "--roster", str(root / f"{form}-export.csv"),
                           "--output", str(output), *extra], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return list(csv.reader(output.read_text().splitlines())), done.stderr


def test_the_override_is_in_grades_csv(graded):
    s003 = _grades(graded)["s003_flipped_kernel"]
    assert s003["conv2d"] == "2"
    assert float(s003["score"]) == pytest.approx(
        sum(float(v) for k, v in s003.items() if k not in ("student", "score", "max_score",
                                                           "hand_in")), abs=0.02)


def test_canvas_file_column_by_column(graded):
    rows, _ = _export(graded, "canvas")
    grades = _grades(graded)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "CNN exercises (412345)"]  # the roster's own column: updated, not new
    maxima = {row["max_score"] for row in grades.values()}
    assert len(maxima) == 1  # the rubric's total, the same for every student
    assert rows[1] == ["    Points Possible", "", "", "", "", *maxima]
    roster = {r["SIS Login ID"]: r for r in csv.DictReader(CANVAS.splitlines()[0:1] +
                                                          CANVAS.splitlines()[2:])}
    body = {r[3]: r for r in rows[2:]}
    assert set(body) == {*MATCHED, "a.absent"}  # no Test Student, no one invented
    for login in MATCHED:
        expected = roster[login]
        assert body[login][:5] == [expected["Student"], expected["ID"], expected["SIS User ID"],
                                   login, expected["Section"]]
        assert body[login][5] == grades[login]["score"]
    assert body["a.absent"][5] == ""  # no hand-in: left as it is in Canvas


def test_moodle_file_column_by_column(graded):
    rows, _ = _export(graded, "moodle", "--column", "Assignment: CNN exercises")
    grades = _grades(graded)
    assert rows[0] == ["First name", "Last name", "ID number", "Email address",
                       "Assignment: CNN exercises"]
    roster = list(csv.DictReader(MOODLE.splitlines()))
    assert [r[:4] for r in rows[1:]] == [[r["First name"], r["Last name"], r["ID number"],
                                          r["Email address"]] for r in roster]
    by_email = {r[3].split("@")[0]: r[4] for r in rows[1:]}
    assert {s: by_email[s] for s in MATCHED} == {s: grades[s]["score"] for s in MATCHED}
    assert by_email["a.absent"] == ""


def test_brightspace_file_column_by_column(graded):
    rows, _ = _export(graded, "brightspace", "--absent", "zero")
    grades = _grades(graded)
    assert rows[0] == ["OrgDefinedId", "Username", "CNN exercises Points Grade <Numeric "
                       "MaxPoints:33 Weight:10 Category:Labs CategoryWeight:40>",
                       "End-of-Line Indicator"]
    assert [r[:2] for r in rows[1:]] == [["#20200001", "#s001_perfect"],
                                         ["#20200003", "#s003_flipped_kernel"],
                                         ["#20200010", "#s010_notebook"],
                                         ["#00200099", "#aabsent"]]  # leading zeros kept
    assert [r[2] for r in rows[1:]] == [grades[s]["score"] for s in MATCHED] + ["0"]
    assert all(r[3] == "#" for r in rows[1:])


def test_unmatched_hand_ins_and_absent_students_are_listed(graded):
    _, stderr = _export(graded, "canvas")
    report = (graded / "canvas-import.matching.txt").read_text()
    unmatched = sorted(set(_grades(graded)) - set(MATCHED))
    for student in unmatched:
        assert f"hand-in {_grades(graded)[student]['hand_in']}: matches no user" in stderr
    assert f"hand-ins matched to nobody (NOT in the file): {len(unmatched)}" in report
    assert "no hand-in: Absent, Anna (left blank)" in stderr
    assert "roster students without a hand-in: 1\n  Absent, Anna" in report
    assert f"s003_flipped_kernel conv2d: 0 -> 2 ({REASON})" in report


def test_without_a_roster_the_hand_in_names_are_the_identifiers(graded):
    output = graded / "plain.csv"
    subprocess.run([sys.executable, "-m", "cnnlab", "grades", str(graded / "out"), "--format",
                    "canvas", "--output", str(output)], check=True, capture_output=True)
    rows = list(csv.reader(output.read_text().splitlines()))
    assert [r[3] for r in rows[2:]] == sorted(_grades(graded))
    assert [r[5] for r in rows[2:]] == [_grades(graded)[s]["score"] for s in sorted(
        _grades(graded))]


def test_a_roster_of_another_lms_is_refused(graded):
    done = subprocess.run([sys.executable, "-m", "cnnlab", "grades", str(graded / "out"),
                           "--format", "brightspace", "--roster",
                           str(graded / "canvas-export.csv"), "--output",
                           str(graded / "x.csv")], capture_output=True, text=True)
    assert done.returncode == 2
    assert "has none of the columns of a brightspace export" in done.stderr


def test_grades_of_a_folder_never_graded_is_an_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cnnlab", "grades", str(tmp_path),
                           "--format", "canvas", "--output", str(tmp_path / "x.csv")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "grades.csv does not exist" in done.stderr


def test_a_hand_in_name_with_a_line_break_is_read_back_whole(tmp_path):
    """A file name may hold a line break (or U+2028): grades.csv quotes it, and reading it
    back must not split the row there."""
    header = ["student", "score", "max_score", "hand_in"]
    rows = [["a_b", "3", "46", "a\nb.zip"], ["c_d", "4", "46", "c\u2028d"]]
    with open(tmp_path / "grades.csv", "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([header, *rows])
    assert [(g.student, g.hand_in, g.score) for g in lms.read_grades(tmp_path)] == [
        ("a_b", "a\nb.zip", "3"), ("c_d", "c\u2028d", "4")]


# --- matching, on made-up rosters ----------------------------------------------------------

def _grade(hand_in: str) -> lms.Grade:
    student = hand_in.removesuffix(".zip").replace(" ", "_")
    return lms.Grade(student, hand_in, "10", "33")


def _roster(tmp_path, form: str, text: str) -> list[lms.RosterEntry]:
    (tmp_path / "r.csv").write_text(text)
    return lms.read_roster(tmp_path / "r.csv", form)[0]


def test_canvas_download_names_match_by_user_id(tmp_path):
    roster = _roster(tmp_path, "canvas", CANVAS)
    matching = lms.match([_grade("kernelflip_10003_998877_handin.zip")], roster)
    ((entry, _, by),) = matching.pairs
    assert entry.row["SIS Login ID"] == "s003_flipped_kernel" and by == "ID"


def test_moodle_download_folders_match_by_full_name(tmp_path):
    roster = _roster(tmp_path, "moodle", MOODLE)
    matching = lms.match([_grade("Nora Notebook_412_assignsubmission_file")], roster)
    ((entry, _, by),) = matching.pairs
    assert entry.row["ID number"] == "20200010" and by == "name"


def test_an_email_matches_by_its_local_part(tmp_path):
    roster = _roster(tmp_path, "brightspace", BRIGHTSPACE)
    ((entry, _, by),) = lms.match([_grade("f.kernel")], roster).pairs
    assert entry.row["OrgDefinedId"] == "#20200003" and by == "Email (before @)"


def test_a_name_two_users_share_matches_nobody(tmp_path):
    roster = _roster(tmp_path, "moodle", MOODLE + "Flip,Kernel,20209999,TU/e,BME,"
                     "other@tue.nl,-,-,1\n")
    matching = lms.match([_grade("Flip Kernel_9_assignsubmission_file")], roster)
    assert not matching.pairs
    ((_, why),) = matching.unmatched
    assert why == "matches 2 users: Kernel, Flip; Kernel, Flip"


def test_two_hand_ins_of_one_user_are_both_left_out(tmp_path):
    roster = _roster(tmp_path, "canvas", CANVAS)
    matching = lms.match([_grade("s001_perfect"), _grade("Paula Perfect")], roster)
    assert not [p for p in matching.pairs if p[0].row["ID"] == "10001"]
    assert [why for _, why in matching.unmatched] == [
        "s001_perfect, Paula Perfect all match Perfect, Paula"] * 2


def test_a_stronger_column_wins_over_a_name(tmp_path):
    roster = _roster(tmp_path, "canvas", CANVAS + '"Perfect, Paula",10002,,pp2,X,,,,,\n')
    ((entry, _, by),) = lms.match([_grade("s001_perfect")], roster).pairs
    assert (entry.row["ID"], by) == ("10001", "SIS Login ID")


@pytest.mark.parametrize(("form", "hand_in", "name", "matched"), [
    ("canvas", "kernelflip_10003_998877_handin.zip", "kernelflip_10003_998877_handin_feedback.html",
     True),
    ("canvas", "s003_flipped_kernel", "s003_flipped_kernel_feedback.html", False),
    ("moodle", "Flip Kernel_412_assignsubmission_file",
     "Flip Kernel_412_assignsubmission_file/feedback.html", True),
    ("moodle", "s003", "s003/feedback.html", False),
])
def test_feedback_files_are_named_as_the_lms_reads_them(form, hand_in, name, matched):
    assert lms.feedback_name(form, _grade(hand_in)) == (name, matched)


def test_the_feedback_zip_holds_every_students_page(graded):
    _export(graded, "moodle", "--feedback-zip", str(graded / "fb.zip"))
    with zipfile.ZipFile(graded / "fb.zip") as archive:
        names = sorted(archive.namelist())
        page = archive.read("s003_flipped_kernel/feedback.html").decode()
    assert names == sorted(f"{g['hand_in'].removesuffix('.zip')}/feedback.html"
                           for g in _grades(graded).values())
    assert REASON in page and "data:image/png;base64," in page
