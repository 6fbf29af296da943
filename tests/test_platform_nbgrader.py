"""nbgrader for real: ``cnnlab nbgrader init``, ``generate_assignment``, the course folder
moved elsewhere, four hand-ins (one of them the notebook ``cnnlab release`` ships),
``autograde``, and the gradebook's points per function equal ``cnnlab grade``'s."""

from __future__ import annotations

import copy
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.build import BEGIN
from cnnlab.catalog import FUNCTIONS
from cnnlab.platforms.notebooks import HIDDEN_BEGIN, NOTEBOOK_DIR, NOTEBOOK_NAME, STUDENT_NOTEBOOK

ASSIGNMENT = "cnn"
NOTEBOOK = NOTEBOOK_NAME.removesuffix(".ipynb")
STUBBED = ("conv2d", "max_pool", "receptive_field")  # left as stubs by "partial"
BROKEN = "sigmoid"  # raises in "broken"
STUDENTS = ("correct", "partial", "broken", "released")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _nbgrader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "nbgrader", *args], cwd)


def _hand_in(course: Path, student: str, released: dict, answers: dict[str, str],
             stubbed: tuple[str, ...] = (), broken: str | None = None) -> None:
    """The released notebook with the reference answers filled in, except ``stubbed``;
    ``broken`` raises RuntimeError first thing."""
    notebook = copy.deepcopy(released)
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        name = meta.get("grade_id")
        if meta.get("solution") and name not in stubbed:
            text = answers[name]
            if name == broken:
                text = text.replace(BEGIN, f"{BEGIN}\n    raise RuntimeError('broken')", 1)
            cell["source"] = text
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / NOTEBOOK_NAME).write_text(json.dumps(notebook))


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """Made and released in one folder, then moved (issue 19: the course was not
    relocatable), handed in and autograded there; nbgrader's log in ``autograde.log``."""
    made = tmp_path_factory.mktemp("made") / "course"
    _run([sys.executable, "-m", "cnnlab", "nbgrader", "init", str(made)], made.parent)
    _nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=made)
    course = tmp_path_factory.mktemp("moved") / "course"
    shutil.move(made, course)
    source = json.loads((course / "source" / ASSIGNMENT / NOTEBOOK_NAME).read_text())
    released = json.loads((course / "release" / ASSIGNMENT / NOTEBOOK_NAME).read_text())
    answers = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
               for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("solution")}
    _hand_in(course, "correct", released, answers)
    _hand_in(course, "partial", released, answers, stubbed=STUBBED)
    _hand_in(course, "broken", released, answers, broken=BROKEN)
    bundle = course.parent / "bundle"
    _run([sys.executable, "-m", "cnnlab", "release", str(bundle)], course.parent)
    shipped = json.loads((bundle / "notebooks" / NOTEBOOK_NAME).read_text())
    _hand_in(course, "released", shipped, answers)
    graded = _nbgrader("autograde", ASSIGNMENT, "--force", cwd=course)
    (course / "autograde.log").write_text(graded.stdout + graded.stderr)
    _run([sys.executable, "-m", "cnnlab", "grade", str(course), "--out",
          str(course / "cnnlab-out"), "-j", "1"], course)
    return course


def nbgrader_points(course: Path) -> dict[str, dict[str, float]]:
    """Student -> function -> points, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    points = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            notebook = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            points[student] = {g.name.removeprefix("test_"): float(g.score)
                               for g in notebook.grades}
    return points


def cnnlab_points(course: Path) -> dict[str, dict[str, float]]:
    with open(course / "cnnlab-out" / "grades.csv", newline="") as file:
        return {row["student"]: {f: float(row[f]) for f in FUNCTIONS}
                for row in csv.DictReader(file)}


def test_release_has_no_solution_code(course):
    released = (course / "release" / ASSIGNMENT / NOTEBOOK_NAME).read_text()
    assert BEGIN not in released and "np.pad(x, widths" not in released


def test_release_has_no_hidden_tests(course):
    released = (course / "release" / ASSIGNMENT / NOTEBOOK_NAME).read_text()
    assert HIDDEN_BEGIN not in released and "hidden_points" not in released


def test_correct_hand_in_gets_every_point_in_nbgrader(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "correct")
        assert notebook.score == notebook.max_score > 0


def test_stubbed_functions_get_zero_in_nbgrader(course):
    partial = nbgrader_points(course)["partial"]
    assert all(partial[f] == 0 for f in STUBBED)


def test_broken_function_gets_zero_in_nbgrader(course):
    assert nbgrader_points(course)["broken"][BROKEN] == 0


@pytest.mark.parametrize("student", STUDENTS)
def test_nbgrader_points_equal_cnnlab_grade_per_function(course, student):
    ours = nbgrader_points(course)[student]
    theirs = cnnlab_points(course)[student]
    assert ours == pytest.approx(theirs, abs=0.01)


def test_init_refuses_an_existing_course(course):
    done = subprocess.run([sys.executable, "-m", "cnnlab", "nbgrader", "init", str(course)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "nbgrader_config.py" in done.stderr


def test_the_shipped_notebook_is_what_nbgrader_releases(course):
    """One student notebook (issue 19): `cnnlab release` ships, byte for byte, what
    `nbgrader generate_assignment` releases in the course `cnnlab nbgrader init` made: the
    same cell ids, checksums and locked cells."""
    released = (course / "release" / ASSIGNMENT / NOTEBOOK_NAME).read_text()
    assert (course.parent / "bundle" / "notebooks" / NOTEBOOK_NAME).read_text() == released
    assert (NOTEBOOK_DIR / STUDENT_NOTEBOOK).read_text() == released


def test_the_shipped_notebook_filled_in_gets_every_point_in_the_moved_course(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "released")
        assert notebook.score == notebook.max_score > 0


def test_autograde_reports_no_changed_cell(course):
    """nbgrader 0.9.5 warns "Attribute 'checksum' for cell test_... has changed!" for every
    untouched test cell with hidden tests (jupyter/nbgrader#1961): 22 per hand-in, which
    would hide a real change. The course's autograde checks what the students were given."""
    log = (course / "autograde.log").read_text()
    assert "has changed" not in log and "checksum" not in log.lower()


def test_the_course_config_names_no_absolute_path(course):
    config = (course / "nbgrader_config.py").read_text()
    assert "c.CourseDirectory.root" not in config and str(course.parent) not in config


def test_a_changed_test_cell_is_still_reported_and_put_back(tmp_path):
    """The hidden-tests fix must not hide tampering: a test cell whose visible part the
    student changed is reported, and nbgrader puts the instructor's cell back."""
    import logging

    import nbformat

    from cnnlab.platforms.nbgrader_hidden_tests import OverwriteHiddenTestCells

    course = tmp_path / "course"
    _run([sys.executable, "-m", "cnnlab", "nbgrader", "init", str(course)], tmp_path)
    _nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course)
    released = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK_NAME, as_version=4)
    (cell,) = [c for c in released.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == "test_relu"]
    untouched = cell.source
    cell.source = untouched + "\nprint('changed')"
    overwrite = OverwriteHiddenTestCells()
    said: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = said.append
    overwrite.log.addHandler(handler)
    try:
        overwrite.preprocess(released, {"nbgrader": {
            "notebook": NOTEBOOK, "assignment": ASSIGNMENT,
            "db_url": f"sqlite:///{course / 'gradebook.db'}"}})
    finally:
        overwrite.log.removeHandler(handler)
    warnings = [record.getMessage() for record in said]
    assert [w for w in warnings if "test_relu" in w and "checksum" in w]
    assert HIDDEN_BEGIN in cell.source and "print('changed')" not in cell.source
