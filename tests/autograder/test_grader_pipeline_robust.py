"""The pipeline survives what happens to it: a grading process killed from outside (as the
out-of-memory killer does) is retried once and then reported, the others are graded, and the
outputs come from the results in memory, never from a gradebook someone could have altered."""

import csv
import json
import os
import signal
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from grader_helpers import STEADY, FakeEngine, quick_class

from autograder import pipeline
from autograder.pipeline import KILLED, Options, grade_class
from autograder.sandbox import Limits

FAST = Limits(seconds_per_call=1.5, seconds_import=5)
VICTIM = "s004_off_by_one"


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    """The example class without the two hand-ins that wait out time limits: what happens to
    the run matters here, not what each hand-in grades to."""
    return quick_class(tmp_path_factory.mktemp("class") / "class", STEADY)


@pytest.fixture(scope="module")
def clean(tmp_path_factory, klass: Path) -> Path:
    """The class graded with nothing done to the run: what every test's outputs must equal."""
    out = tmp_path_factory.mktemp("clean") / "out"
    grade_class(klass, out, Options(jobs=2, limits=FAST), FakeEngine)
    return out


def engine_that_kills(victim: str, times_file: Path | None = None) -> SimpleNamespace:
    """FakeEngine, but grading ``victim`` SIGKILLs the grading process: always, or only the
    first time when ``times_file`` records the kills."""
    def grade(student, suite, sources, student_id, detail="full"):
        if student_id == victim and (times_file is None or not times_file.exists()):
            if times_file is not None:
                times_file.write_text("killed once")
            os.kill(os.getpid(), signal.SIGKILL)
        return FakeEngine.grade(student, suite, sources, student_id, detail)
    return SimpleNamespace(**{**vars(FakeEngine), "grade": grade, "__name__": "killer"})


def _scores(out: Path) -> dict[str, str]:
    with open(out / "grades.csv", newline="") as file:
        return {row["student"]: row["score"] for row in csv.DictReader(file)}


def test_a_hand_in_whose_grading_process_is_killed_twice_is_reported_and_the_rest_graded(
        tmp_path, klass):
    out = tmp_path / "out"
    run = grade_class(klass, out, Options(jobs=2, limits=FAST),
                      engine_that_kills(VICTIM))
    assert list(run.errors) == [VICTIM] and run.errors[VICTIM] == KILLED
    others = {p.stem for p in klass.iterdir()} - {VICTIM}
    assert set(_scores(out)) == others == set(run.graded)
    assert VICTIM in (out / "grader_errors.txt").read_text()
    assert {p.stem for p in (out / "feedback").glob("*.md")} == others
    assert (out / "report.html").exists()


def test_a_grading_process_killed_once_is_retried_and_the_hand_in_graded(tmp_path, klass,
                                                                        clean):
    killed = tmp_path / "killed"
    run = grade_class(klass, killed, Options(jobs=2, limits=FAST),
                      engine_that_kills(VICTIM, tmp_path / "kills"))
    assert (tmp_path / "kills").exists() and run.errors == {}
    assert (killed / "grades.csv").read_text() == (clean / "grades.csv").read_text()


def test_one_job_survives_a_killed_grading_process_too(tmp_path, klass):
    run = grade_class(klass, tmp_path / "out", Options(jobs=1, limits=FAST),
                      engine_that_kills(VICTIM))
    assert list(run.errors) == [VICTIM] and len(run.graded) == len(STEADY) - 1


def _alter(book: Path, sql: str) -> None:
    with sqlite3.connect(book) as db:
        db.executescript(sql)


FULL_MARKS_TRIGGER = """
CREATE TRIGGER cheat AFTER INSERT ON grades BEGIN
  UPDATE grades SET score = 99, result = replace(result, '"points": 0.0', '"points": 1.0');
END;
UPDATE grades SET key = 'stale' WHERE student = 's002_partial';  -- regraded: an insert
"""


def test_a_trigger_in_the_gradebook_does_not_change_any_run_s_outputs(tmp_path, klass, clean):
    out = tmp_path / "out"
    grade_class(klass, out, Options(jobs=2, limits=FAST), FakeEngine)
    _alter(out / "gradebook.sqlite", FULL_MARKS_TRIGGER)
    for resume in (True, False):
        grade_class(klass, out, Options(jobs=2, resume=resume, limits=FAST), FakeEngine)
        assert (out / "grades.csv").read_text() == (clean / "grades.csv").read_text()
        _alter(out / "gradebook.sqlite", FULL_MARKS_TRIGGER)


def test_outputs_are_written_from_memory_not_from_the_gradebook(tmp_path, monkeypatch, klass,
                                                               clean):
    """A row changed while the run goes on (a worker with the grader's rights) is not what
    the CSV says: the CSV is written from the results the run holds."""
    out = tmp_path / "out"
    real_store = pipeline.Gradebook.store

    def store_then_tamper(book, key, result, seconds):
        real_store(book, key, result, seconds)
        book.db.execute("UPDATE grades SET score = 99, result = replace(result, "
                        "'\"points\": 0.0', '\"points\": 1.0')")
        book.db.commit()
    monkeypatch.setattr(pipeline.Gradebook, "store", store_then_tamper)
    grade_class(klass, out, Options(jobs=2, limits=FAST), FakeEngine)
    assert (out / "grades.csv").read_text() == (clean / "grades.csv").read_text()


def test_a_resume_regrades_a_changed_or_corrupted_row_and_keeps_the_others(tmp_path, klass):
    out = tmp_path / "out"
    first = grade_class(klass, out, Options(jobs=2, limits=FAST), FakeEngine)
    expected = (out / "grades.csv").read_text()
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        row = db.execute("SELECT result FROM grades WHERE student = 's002_partial'").fetchone()
        changed = json.loads(row[0])
        for function in changed["functions"]:
            function["points"] = function["max_points"]
        db.execute("UPDATE grades SET result = ? WHERE student = 's002_partial'",
                   (json.dumps(changed, sort_keys=True),))
        db.execute("UPDATE grades SET result = '{not json' WHERE student = 's003_flipped_kernel'")
        db.execute("UPDATE grades SET seconds = 'x' WHERE student = 's004_off_by_one'")
    again = grade_class(klass, out, Options(jobs=2, resume=True, limits=FAST),
                        FakeEngine)
    assert again.graded == ["s002_partial", "s003_flipped_kernel", "s004_off_by_one"]
    assert len(again.reused) == len(first.results) - 3
    assert (out / "grades.csv").read_text() == expected


def test_a_gradebook_that_is_not_a_database_is_started_again(tmp_path, klass):
    out = tmp_path / "out"
    out.mkdir()
    (out / "gradebook.sqlite").write_bytes(b"garbage " * 100)
    run = grade_class(klass, out, Options(jobs=2, resume=True, limits=FAST), FakeEngine)
    assert run.reused == [] and len(run.graded) == len(STEADY)


@pytest.mark.parametrize("attack", ["overwrite", "remove"])
def test_a_gradebook_clobbered_during_the_run_is_written_again_from_memory(tmp_path, attack,
                                                                           klass, clean):
    """As a worker that could reach OUT would do (the fallback isolation): the run goes on
    and ends with every row, and the outputs are the clean run's."""
    out = tmp_path / "out"

    def grade(student, suite, sources, student_id, detail="full"):
        if student_id == VICTIM:
            for file in out.glob("gradebook.sqlite*"):
                file.unlink()
                if attack == "overwrite":
                    file.write_bytes(b"hacked" * 1000)
        return FakeEngine.grade(student, suite, sources, student_id, detail)
    clobbering = SimpleNamespace(**{**vars(FakeEngine), "grade": grade})
    run = grade_class(klass, out, Options(jobs=2, limits=FAST), clobbering)
    assert run.errors == {}
    assert (out / "grades.csv").read_text() == (clean / "grades.csv").read_text()
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT count(*) FROM grades").fetchone()[0] == len(STEADY)
