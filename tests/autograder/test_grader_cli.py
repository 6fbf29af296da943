"""``cnnlab grade``: arguments, exit status, the summary table and the files it writes."""

import json
import os
import subprocess
import sys

import pytest
from grader_helpers import EXAMPLE_CLASS, STEADY, FakeEngine, quick_class

from autograder import pipeline
from autograder.sandbox import isolation_note
from cnnlab.catalog import FUNCTIONS
from cnnlab.cli import main


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setattr(pipeline, "real_engine", lambda: FakeEngine)


@pytest.fixture
def steady(tmp_path) -> str:
    """The example class without the two hand-ins that wait out time limits (seconds of a
    busy core each, and nothing these tests look at)."""
    return str(quick_class(tmp_path / "class", STEADY))


def test_grading_a_class_prints_a_table_and_writes_everything(
        fake_engine, steady, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["grade", steady, "--out", str(out), "-j", "2"]) == 0
    printed = capsys.readouterr().out
    n = len(FUNCTIONS)  # the fake engine gives every function 1 point
    assert f"s001_perfect          {n}     {n}" in printed
    assert "9 students (9 graded now, 0 unchanged and kept)" in printed
    students = sorted(p.stem for p in (out / "feedback").glob("*.md"))
    assert students == sorted(name.removesuffix(".zip") for name in STEADY)
    assert sorted(p.stem for p in (out / "results").iterdir()) == students
    gradescope = json.loads((out / "results" / "s001_perfect.json").read_text())
    assert gradescope["score"] == len(FUNCTIONS)
    assert (out / "report.html").stat().st_size > 1000
    assert (out / "gradebook.sqlite").exists()


@pytest.mark.parametrize(("arguments", "message"), [
    (["grade", "/no/such/class", "--out", "OUT"], "does not exist"),
    (["grade", str(EXAMPLE_CLASS), "--out", "OUT", "-j", "-1"], "-j must be at least 1"),
    (["grade", str(EXAMPLE_CLASS), "--out", "OUT", "--rubric", "/no/rubric.toml"],
     "rubric file"),
    (["grade", str(EXAMPLE_CLASS), "--out", str(EXAMPLE_CLASS)], "must not be the SUBMISSIONS"),
])
def test_wrong_arguments_exit_with_2_and_say_what_is_wrong(arguments, message, capsys):
    assert main(arguments) == 2
    assert message in capsys.readouterr().err


def test_the_fallback_isolation_is_reported_in_the_summary(fake_engine, tmp_path, capsys):
    single = tmp_path / "class"
    (single / "alice").mkdir(parents=True)
    (single / "alice" / "padding.py").write_text("def same_padding(k):\n    return 0\n")
    assert main(["grade", str(single), "--out", str(tmp_path / "out"),
                 "--isolation", "process"]) == 0
    # what the student's code can reach in that mode here (WEAKER without Landlock and root)
    assert isolation_note("process") in capsys.readouterr().out


def test_piped_progress_has_a_line_per_stage_and_per_hand_in(fake_engine, steady, tmp_path,
                                                             capsys):
    assert main(["grade", steady, "--out", str(tmp_path / "out"), "-j", "2"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "preparing the hidden suite" in err
    assert "grading 9 hand-ins (0 unchanged and kept)" in err
    graded = [line for line in err if line.startswith("graded ")]
    assert len(graded) == 9 and graded[-1].endswith("(9/9)")
    assert any("s001_perfect" in line for line in graded)
    assert "about 15 s" not in "\n".join(err)


def test_a_hand_in_the_grader_fails_on_is_listed_and_exits_1_with_all_outputs(
        monkeypatch, steady, tmp_path, capsys):
    from test_grader_pipeline_robust import VICTIM, engine_that_kills
    monkeypatch.setattr(pipeline, "real_engine", lambda: engine_that_kills(VICTIM))
    out = tmp_path / "out"
    assert main(["grade", steady, "--out", str(out), "-j", "2"]) == 1
    printed = capsys.readouterr()
    assert f"GRADER ERROR for {VICTIM}" in printed.err  # the grader's errors: stderr
    assert f"GRADER FAILED on {VICTIM}" in printed.err
    assert len(list((out / "feedback").glob("*.md"))) == 8 and (out / "report.html").exists()


def test_the_course_key_option_chooses_the_key_of_the_whole_run(
        fake_engine, steady, tmp_path, monkeypatch, capsys):
    from autograder import course_key
    tests_key = os.environ[course_key.KEY_ENV]
    monkeypatch.setenv(course_key.KEY_ENV, tests_key)  # restored after: the option sets it
    key = tmp_path / "another-course.key"
    key.write_text("ab" * 32 + "\n")
    key.chmod(0o600)
    out = str(tmp_path / "out")
    assert main(["grade", steady, "--out", out, "-j", "2", "--course-key", str(key)]) == 0
    fingerprint = course_key.load(key, say=lambda line: None).fingerprint
    assert f"course key: {key} (fingerprint {fingerprint})" in capsys.readouterr().err
    # the gradebook is sealed with that key: resumed with the tests' key, all are graded again
    monkeypatch.setenv(course_key.KEY_ENV, tests_key)
    assert main(["grade", steady, "--out", out, "-j", "2", "--resume"]) == 0
    err = capsys.readouterr().err
    assert "graded again" in err and "grading 9 hand-ins (0 unchanged and kept)" in err


def test_grading_on_this_machine_does_not_load_dask():
    """Dask is for ``--scheduler`` only: loading it cost every ``cnnlab grade`` 0.25 s of CPU."""
    loads = ("import sys, autograder.cli, autograder.pipeline, autograder.engine; "
             "print('distributed' in sys.modules, 'autograder.cluster' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", loads], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False"], done.stderr
