"""The gradebook is written as it goes: a killed run resumes to the same end, and --resume
regrades only what changed. Grades do not depend on -j or on the run."""

import functools
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from grader_helpers import EXAMPLE_CLASS, ROOT, STEADY, FakeEngine, quick_class

from autograder.pipeline import Options, grade_class
from autograder.sandbox import Limits

FAST = Limits(seconds_per_call=1.5, seconds_import=5)


def _rows(out: Path) -> dict[str, tuple]:
    """student -> (key, result, score): everything in the gradebook but the timing."""
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return {row[0]: row[1:] for row in
                db.execute("SELECT student, key, result, score FROM grades")}


@pytest.fixture(scope="module")
def steady(tmp_path_factory) -> Path:
    """The example class without the two hand-ins that wait out time limits: resuming is
    about the gradebook, not the hand-ins (each run of the whole class took 6 s of CPU with
    the stand-in engine, this part 2.5)."""
    return quick_class(tmp_path_factory.mktemp("steady") / "class", STEADY)


def test_resume_regrades_only_changed_submissions(tmp_path, steady):
    shutil.copytree(steady, tmp_path / "class")
    out = tmp_path / "out"
    first = grade_class(tmp_path / "class", out, Options(jobs=2, limits=FAST), FakeEngine)
    assert first.reused == [] and len(first.graded) == len(first.results)
    again = grade_class(tmp_path / "class", out, Options(jobs=2, resume=True, limits=FAST),
                        FakeEngine)
    assert again.graded == [] and len(again.reused) == len(first.results)
    padding = tmp_path / "class" / "s002_partial" / "padding.py"
    padding.write_text(padding.read_text().replace("return kernel_size // 2",
                                                   "return (kernel_size - 1) // 2"))
    third = grade_class(tmp_path / "class", out, Options(jobs=2, resume=True, limits=FAST),
                        FakeEngine)
    assert third.graded == ["s002_partial"]
    shutil.rmtree(tmp_path / "class" / "s003_flipped_kernel")
    fourth = grade_class(tmp_path / "class", out, Options(jobs=2, resume=True, limits=FAST),
                         FakeEngine)
    assert "s003_flipped_kernel" not in _rows(out) and fourth.graded == []


def test_a_resume_that_keeps_every_hand_in_reads_no_suite(tmp_path, steady):
    """Nothing to grade, nothing to prepare (the real suite takes seconds to read)."""
    out = tmp_path / "out"
    first = grade_class(steady, out, Options(jobs=2, limits=FAST), FakeEngine)

    def no_suite(rubric):
        raise AssertionError("prepared the suite")
    unprepared = SimpleNamespace(**{**vars(FakeEngine), "prepare": no_suite})
    again = grade_class(steady, out, Options(jobs=2, resume=True, limits=FAST), unprepared)
    assert again.graded == [] and again.errors == {}
    assert [r.score for r in again.results] == [r.score for r in first.results]


def test_grades_do_not_depend_on_jobs_or_run(tmp_path):
    """Two runs, one and two grading processes: another run and another number of processes
    (the order hand-ins finish in) would each show in grades.csv."""
    csvs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{len(csvs)}"
        grade_class(EXAMPLE_CLASS, out, Options(jobs=jobs, limits=FAST), FakeEngine)
        csvs.append((out / "grades.csv").read_text())
    assert csvs[0] == csvs[1]
    assert csvs[0].count("\n") == 12  # header and 11 students


def _grade_command(out: Path, *extra: str, submissions: Path = EXAMPLE_CLASS) -> list[str]:
    """`cnnlab grade` as an instructor runs it: a process of its own, the real hidden suite."""
    return [sys.executable, "-m", "cnnlab", "grade", str(submissions), "--out", str(out),
            "-j", "2", *extra]


def test_a_killed_run_resumes_to_the_same_gradebook(tmp_path, quick_graded):
    """On the quick part of the example class: killing is about the run, not the hand-ins.
    The run it must end as is the class's shared run (`cnnlab grade -j 2`, ``quick_graded``)."""
    (submissions, whole), broken = quick_graded, tmp_path / "broken"
    grade = functools.partial(_grade_command, submissions=submissions)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen(grade(broken), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        if (broken / "gradebook.sqlite").exists() and len(_safe_rows(broken)) >= 3:
            break
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # the grader and everything it started
    run.wait()
    done_before = len(_safe_rows(broken))
    assert 0 < done_before < len(_rows(whole)), "the kill did not land half-way"
    resumed = subprocess.run(grade(broken, "--resume"), capture_output=True,
                             text=True, env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done_before} unchanged and kept" in resumed.stdout
    assert _rows(broken) == _rows(whole)
    assert (broken / "grades.csv").read_text() == (whole / "grades.csv").read_text()


def _safe_rows(out: Path) -> dict:
    try:
        return _rows(out)
    except sqlite3.Error:  # the table is not there yet
        return {}


def test_resume_on_another_machine_with_the_course_key_keeps_every_grade(tmp_path, steady,
                                                                        monkeypatch):
    """Another TA or machine: nothing of the first grader's folders, only the course key."""
    out = tmp_path / "out"
    grade_class(steady, out, Options(jobs=2, limits=FAST), FakeEngine)
    copy = tmp_path / "elsewhere" / "course.key"
    copy.parent.mkdir()
    shutil.copy(os.environ["CNNLAB_COURSE_KEY"], copy)
    copy.chmod(0o600)
    monkeypatch.setenv("CNNLAB_COURSE_KEY", str(copy))
    monkeypatch.setenv("CNNLAB_CACHE", str(tmp_path / "another-cache"))
    said: list[str] = []
    again = grade_class(steady, out, Options(jobs=2, resume=True, limits=FAST),
                        FakeEngine, progress=lambda event, text: said.append(text))
    assert again.graded == [] and len(again.reused) == len(STEADY)
    assert not [line for line in said if "course key" in line]


def test_resume_with_another_course_key_regrades_everyone_and_says_why(tmp_path, steady,
                                                                        monkeypatch):
    out = tmp_path / "out"
    grade_class(steady, out, Options(jobs=2, limits=FAST), FakeEngine)
    monkeypatch.setenv("CNNLAB_COURSE_KEY", str(tmp_path / "another.key"))  # made anew
    said: list[str] = []
    again = grade_class(steady, out, Options(jobs=2, resume=True, limits=FAST),
                        FakeEngine, progress=lambda event, text: said.append(text))
    assert again.reused == [] and len(again.graded) == len(STEADY)
    (why,) = [line for line in said if "course key" in line]
    assert "graded again" in why and "--course-key" in why
