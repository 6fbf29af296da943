"""``cnnlab nbgrader grade`` with real nbgrader: the submitted notebooks are graded in the
sandbox and the grades written to nbgrader's gradebook through its own autograde, so that
they equal ``cnnlab grade``'s, ``generate_feedback`` shows them, and a notebook that patches
the hidden tests inside the kernel gains nothing by it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader_helpers import ASSIGNMENT, NOTEBOOK, copied_course, hand_in, nbgrader, run

from cnnlab.catalog import FUNCTIONS
from cnnlab.platforms.notebooks import NOTEBOOK_NAME

STUBBED = ("conv2d", "max_pool", "receptive_field")
BROKEN = "sigmoid"  # raises: "partial" and "patcher" break it besides the stubs
# A student's way around the hidden tests when they run in the student's own kernel: every
# later test cell imports the patched function and prints full marks.
PATCH = ("try:\n    import autograder.notebook as _grader\n"
         "    _grader.hidden_points = lambda function, namespace, points: float(points)\n"
         "except ImportError:\n    pass\n")


def _gradebook_points(course: Path, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        return {g.name.removeprefix("test_"): float(g.score) for g in notebook.grades}


@pytest.fixture(scope="module")
def course(tmp_path_factory, nbgrader_released) -> Path:
    course, released, answers = copied_course(nbgrader_released,
                                              tmp_path_factory.mktemp("nbgrade"))
    hand_in(course, "correct", released, answers)
    hand_in(course, "partial", released, answers, stubbed=STUBBED, broken=BROKEN)
    hand_in(course, "patcher", released, answers, stubbed=STUBBED, broken=BROKEN, first=PATCH)
    # The patch at work where it can work: nbgrader's own autograde, in the student's kernel.
    nbgrader("autograde", ASSIGNMENT, "--student", "patcher", "--force", cwd=course)
    (course / "in_kernel.json").write_text(json.dumps(_gradebook_points(course, "patcher")))
    run([sys.executable, "-m", "cnnlab", "nbgrader", "grade", str(course), ASSIGNMENT,
         "-j", "2"], course)
    run([sys.executable, "-m", "cnnlab", "grade", str(course / "submitted"), "--out",
         str(course / "plain"), "-j", "2"], course)
    nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=course)
    return course


def _cnnlab_points(out: Path) -> dict[str, dict[str, float]]:
    with open(out / "grades.csv", newline="") as file:
        return {row["student"]: {f: float(row[f]) for f in FUNCTIONS}
                for row in csv.DictReader(file)}


@pytest.mark.parametrize("student", ["correct", "partial", "patcher"])
def test_gradebook_points_equal_cnnlab_grade_per_function(course, student):
    plain = _cnnlab_points(course / "plain")[student]
    assert _gradebook_points(course, student) == pytest.approx(plain, abs=0.01)


def test_the_patch_gave_full_marks_in_the_kernel(course):
    """The attack is real: nbgrader's in-kernel autograde gives the stubs and the broken
    function full marks."""
    in_kernel = json.loads((course / "in_kernel.json").read_text())
    plain = _cnnlab_points(course / "plain")["patcher"]
    assert all(in_kernel[f] > 0 and plain[f] == 0 for f in (*STUBBED, BROKEN))


def test_a_patching_notebook_gains_nothing_in_the_sandbox(course):
    ours = _gradebook_points(course, "patcher")
    assert all(ours[f] == 0 for f in (*STUBBED, BROKEN))
    assert ours == pytest.approx(_gradebook_points(course, "partial"), abs=0.01)


def test_the_autograded_notebook_shows_the_sandboxed_feedback(course):
    notebook = json.loads((course / "autograded" / "partial" / ASSIGNMENT /
                           NOTEBOOK_NAME).read_text())
    cell = next(c for c in notebook["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_conv2d")
    printed = "".join("".join(o["text"]) for o in cell["outputs"]
                      if o["output_type"] == "stream")
    result = next(o for o in cell["outputs"] if o["output_type"] == "execute_result")
    assert printed.startswith("conv2d: 0 / 3 points in the hidden tests")
    assert float("".join(result["data"]["text/plain"])) == 0.0


def test_generate_feedback_shows_the_sandboxed_points(course):
    page = (course / "feedback" / "correct" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    total = sum(_cnnlab_points(course / "plain")["correct"].values())
    assert f"Score: {total:g}" in page or f"{total:.2f}" in page
    assert "in the hidden tests" in page


def test_grading_a_folder_without_nbgrader_config_is_refused(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cnnlab", "nbgrader", "grade", str(tmp_path),
                           ASSIGNMENT], capture_output=True, text=True)
    assert done.returncode == 2 and "no nbgrader_config.py" in done.stderr


def test_a_course_without_a_gradebook_is_refused_before_grading(tmp_path):
    """nbgrader records grades only for an assignment it released (generate_assignment makes
    gradebook.db): say so at once, not after grading the class in the sandbox."""
    run([sys.executable, "-m", "cnnlab", "nbgrader", "init", str(tmp_path / "course")],
        tmp_path)
    (tmp_path / "course" / "submitted" / "s1" / ASSIGNMENT).mkdir(parents=True)
    done = subprocess.run([sys.executable, "-m", "cnnlab", "nbgrader", "grade",
                           str(tmp_path / "course"), ASSIGNMENT], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "gradebook.db does not exist" in done.stderr
    assert f"nbgrader generate_assignment {ASSIGNMENT}" in done.stderr
    assert "grading" not in done.stderr


def test_a_grade_nbgrader_did_not_record_shows_nbgrader_s_reason():
    from cnnlab.platforms.nbgrader_grade import why_not_recorded
    outcome = {"success": False, "log": "[ERROR] MissingEntry: No such assignment: cnn",
               "error": "Please see the the above traceback for details"}
    assert "No such assignment: cnn" in why_not_recorded(outcome)


def test_a_ctrl_c_records_nothing_and_exits_130(tmp_path, nbgrader_released):
    """Stopped while it grades: nothing half-done goes to nbgrader's gradebook, the exit
    status says so (it recorded the hand-ins graded so far and exited 0), and no traceback."""
    import os
    import signal
    import time

    from nbgrader_helpers import activated_env

    course, released, answers = copied_course(nbgrader_released, tmp_path)
    for student in ("s1", "s2", "s3"):
        hand_in(course, student, released, answers)
    started = subprocess.Popen([sys.executable, "-m", "cnnlab", "nbgrader", "grade", str(course),
                                ASSIGNMENT, "-j", "1"], cwd=course, stderr=subprocess.PIPE,
                               text=True, env=activated_env(os.environ))
    assert started.stderr is not None
    for line in started.stderr:  # the stages, one line each
        if line.startswith("grading "):
            break
    time.sleep(1)
    started.send_signal(signal.SIGINT)
    err = started.stderr.read()
    assert started.wait(timeout=300) == 130, err
    assert "interrupted: " in err and "none recorded" in err and "Traceback" not in err
    assert not (course / "autograded").exists()
