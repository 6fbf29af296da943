"""A class graded in shards (``cnnlab grade --shard K/N``) and joined (``cnnlab merge``): the
same grades.csv and feedback as one run, a merge that checks every row with the course key,
and shards that do not make one class refused with the reason."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from grader_helpers import EXAMPLE_CLASS, QUICK

from autograder.shards import ShardError, parse, shard_of
from autograder.submissions import find_candidates

STUDENTS = [name.removesuffix(".zip") for name in QUICK]


def _cnnlab(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cnnlab", *args], capture_output=True,
                          text=True, timeout=900)
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def submissions(quick_graded) -> Path:
    return quick_graded[0]


def _grade(submissions: Path, out: Path, *extra: str) -> Path:
    _cnnlab("grade", str(submissions), "--out", str(out), "-j", "2", *extra)
    return out


@pytest.fixture(scope="module")
def whole(quick_graded) -> Path:
    """The class graded in one run, `cnnlab grade -j 2` (made once for the tests of every way
    to grade)."""
    return quick_graded[1]


@pytest.fixture(scope="module")
def halves(submissions, tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("halves")
    return [_grade(submissions, folder / f"out{k}", "--shard", f"{k}/2") for k in (1, 2)]


def _timed_out(out: Path) -> set[str]:
    return {p.stem for p in (out / "feedback").glob("*.md") if b"timeout:" in p.read_bytes()}


def _feedback(out: Path, leave_out: set[str] = frozenset()) -> dict[str, bytes]:
    """The feedback files but those where a time limit struck (which call of an endless loop
    it stops at depends on the machine's load; docs/grading.md, "Reproducible grades")."""
    return {p.name: p.read_bytes() for p in sorted((out / "feedback").glob("*.md"))
            if p.stem not in _timed_out(out) | leave_out}


def _rows(out: Path, leave_out: set[str]) -> list[str]:
    return [row for row in (out / "grades.csv").read_text().splitlines()
            if row.split(",")[0] not in leave_out]


def test_two_shards_share_the_class_without_overlap(submissions, halves):
    assert sorted(c.student for c in find_candidates(submissions)) == sorted(STUDENTS)
    graded = [{p.stem for p in (out / "feedback").glob("*.md")} for out in halves]
    assert not graded[0] & graded[1] and graded[0] | graded[1] == set(STUDENTS)
    assert all(graded)  # 8 students: both halves hold some


def test_two_merged_shards_equal_the_whole_run_byte_for_byte(halves, whole, tmp_path):
    out = tmp_path / "merged"
    _cnnlab("merge", *map(str, halves), "--out", str(out))
    loaded = _timed_out(out) ^ _timed_out(whole)  # a right call outlasted the limit in one
    assert len(loaded) <= 2  # run only (a very loaded machine): two local runs differ there too
    if not loaded:
        assert (out / "grades.csv").read_bytes() == (whole / "grades.csv").read_bytes()
    assert _rows(out, loaded) == _rows(whole, loaded)
    merged = _feedback(out, loaded)
    assert merged == _feedback(whole, loaded) and len(merged) >= 7
    assert {p.name for p in (out / "results").glob("*.json")} == {
        p.name for p in (whole / "results").glob("*.json")}
    assert (out / "report.html").is_file()


def test_a_merged_folder_resumes_without_grading_again(submissions, halves, tmp_path):
    out = tmp_path / "merged"
    _cnnlab("merge", *map(str, halves), "--out", str(out))
    done = _cnnlab("grade", str(submissions), "--out", str(out), "--resume")
    assert f"(0 graded now, {len(STUDENTS)} unchanged and kept)" in done.stdout


def test_a_row_edited_in_a_shard_s_gradebook_stops_the_merge(halves, tmp_path):
    edited = tmp_path / "edited"
    shutil.copytree(halves[0], edited)
    with sqlite3.connect(edited / "gradebook.sqlite") as db:
        db.execute("UPDATE grades SET result = result || ' ' WHERE rowid = 1")  # still JSON
    done = _cnnlab("merge", str(edited), str(halves[1]), "--out", str(tmp_path / "m"),
                   check=False)
    assert done.returncode == 2
    assert "is not sealed with the course key" in done.stderr


def test_a_missing_shard_stops_the_merge(halves, tmp_path):
    done = _cnnlab("merge", str(halves[0]), "--out", str(tmp_path / "m"), check=False)
    assert done.returncode == 2 and "shards of 2: missing 2" in done.stderr


def test_shards_graded_with_another_course_key_are_refused(halves, tmp_path):
    key = tmp_path / "other.key"
    key.write_text("ab" * 32 + "\n")
    key.chmod(0o600)
    done = _cnnlab("merge", *map(str, halves), "--out", str(tmp_path / "m"),
                   "--course-key", str(key), check=False)
    assert done.returncode == 2 and "written with another course key" in done.stderr


def test_a_student_s_shard_depends_on_the_id_alone():
    """The same share on every call and for any class (SLURM array tasks and Kubernetes
    indexed jobs never talk to each other), and every share used."""
    shares = [shard_of(f"s{i:04d}", 4) for i in range(400)]
    assert shares == [shard_of(f"s{i:04d}", 4) for i in range(400)]
    assert sorted(set(shares)) == [1, 2, 3, 4]
    assert max(shares.count(k) for k in range(1, 5)) < 2 * min(
        shares.count(k) for k in range(1, 5))


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_a_shard_that_means_nothing_is_refused_with_the_reason(text):
    with pytest.raises(ShardError, match="--shard"):
        parse(text)


def test_a_bad_shard_on_the_command_line_exits_2(tmp_path):
    done = _cnnlab("grade", str(EXAMPLE_CLASS), "--out", str(tmp_path / "o"), "--shard",
                   "3/2", check=False)
    assert done.returncode == 2 and "K must be between 1 and N=2" in done.stderr
