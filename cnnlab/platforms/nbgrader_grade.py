"""``cnnlab nbgrader grade COURSE_DIR ASSIGNMENT``: grade an nbgrader course in the sandbox.

``nbgrader autograde`` runs each student's notebook, hidden tests included, in one Jupyter
kernel: student code can replace the checks before they run (``hidden_points`` patched to
return full marks) and none of cnnlab's isolation holds. This command instead

1. grades every ``submitted/<student>/<ASSIGNMENT>/`` notebook with ``cnnlab grade`` (each in
   its own sandbox; grades, feedback and report go to ``OUT``, by default
   ``COURSE_DIR/cnnlab-grades/<ASSIGNMENT>``), then
2. runs nbgrader's own ``Autograde`` converter (``NbGraderAPI.autograde``) with its ``Execute``
   step replaced by ``SandboxedScores``: no kernel is started; each hidden test cell gets, as
   its output, the sandboxed feedback for its function and the points as the cell's result,
   and nbgrader's ``SaveAutoGrades`` records those points in ``gradebook.db`` as it does for
   an executed cell.

So ``autograded/``, ``gradebook.db``, formgrader, ``generate_feedback`` and
``release_feedback`` work as after ``nbgrader autograde``, with the sandbox's grades. The
in-kernel hidden tests stay for students' own validation of their notebook.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

TEST_PREFIX = "test_"  # the grade_id of a function's hidden test cell (cnnlab.platforms.notebooks)


def scores_of(results) -> dict[str, dict[str, dict]]:
    """Student id -> test cell grade_id -> the sandbox's points, maximum and feedback text."""
    from autograder.notebook import feedback
    return {r.student: {TEST_PREFIX + f.function: {"earned": f.points, "maximum": f.max_points,
                                                   "text": feedback(f)}
                        for f in r.functions} for r in results}


def _preprocessor():
    """``SandboxedScores``, made on first use: nbgrader is only needed by this command."""
    from nbformat.v4 import new_output
    from nbgrader.preprocessors import NbGraderPreprocessor
    from traitlets import Dict

    from autograder.notebook import scaled_points

    class SandboxedScores(NbGraderPreprocessor):
        """In place of nbgrader's ``Execute``: every hidden test cell's output is the sandboxed
        feedback for its function, and its result the points, scaled to the cell's points."""

        scores = Dict(help="student -> test cell grade_id -> earned, maximum, text"
                      ).tag(config=True)

        def preprocess(self, nb, resources):
            self._student = self.scores.get(resources["nbgrader"]["student"], {})
            return super().preprocess(nb, resources)

        def preprocess_cell(self, cell, resources, index):
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                return cell, resources
            graded = self._student.get(meta.get("grade_id"))
            if graded is None:  # not a function of cnnlab: 0 until graded by hand
                cell.outputs = [new_output("stream", name="stderr", text=(
                    "not graded in cnnlab's sandbox: grade this cell by hand\n"))]
                return cell, resources
            earned = scaled_points(graded["earned"], graded["maximum"], meta.get("points", 0))
            cell.outputs = [new_output("stream", name="stdout", text=graded["text"] + "\n"),
                            new_output("execute_result", data={"text/plain": repr(earned)},
                                       execution_count=index + 1)]
            cell.execution_count = index + 1
            return cell, resources

    return SandboxedScores


def _course_config(course: Path):
    """The course's ``nbgrader_config.py`` (as nbgrader reads it), rooted at ``course``."""
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    return config


def hand_ins(course: Path, assignment: str) -> list[Path]:
    """``submitted/<student>/<assignment>`` of every student who handed it in."""
    submitted = course / "submitted"
    return sorted(p / assignment for p in submitted.iterdir()
                  if (p / assignment).is_dir() and not p.name.startswith("."))


def grade_course(course: Path, assignment: str, out: Path, options, progress=None) -> dict:
    """Grade the assignment's hand-ins in the sandbox and record the grades with nbgrader's
    autograde; returns {"run": ClassRun, "recorded": [...], "failed": {student: why}}."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from autograder.pipeline import grade_class
    from autograder.submissions import find_candidates
    folders = hand_ins(course, assignment)
    if not folders:
        raise ValueError(f"no hand-ins in {course / 'submitted'}/<student>/{assignment}/")
    scratch = Path(tempfile.mkdtemp(prefix="cnnlab-nbgrader-"))
    try:
        for folder in folders:  # one folder per nbgrader student id, its notebooks and modules
            (scratch / folder.parent.name).mkdir()
            for file in folder.iterdir():
                if file.suffix in (".ipynb", ".py") and file.is_file() and not file.is_symlink():
                    shutil.copyfile(file, scratch / folder.parent.name / file.name)
        by_id = {c.student: c.path.name for c in find_candidates(scratch)}  # -> nbgrader's
        run = grade_class(scratch, out, options, progress=progress)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if run.interrupted:  # stopped: record nothing (--resume goes on from OUT's gradebook)
        return {"run": run, "recorded": [], "failed": {}}
    scores = {by_id.get(s, s): v for s, v in scores_of(run.results).items()}
    config = _course_config(course)
    steps = [p for p in Autograde.autograde_preprocessors.default() if p is not Execute]
    config.Autograde.autograde_preprocessors = [_preprocessor(), *steps]
    config.SandboxedScores.scores = scores
    api = NbGraderAPI(config=config)
    recorded, failed = [], {}
    for student in sorted(scores):
        outcome = api.autograde(assignment, student, force=True, create=True)
        if outcome.get("success"):
            recorded.append(student)
        else:
            failed[student] = why_not_recorded(outcome)
    failed.update({by_id.get(s, s): why for s, why in run.errors.items()})
    return {"run": run, "recorded": recorded, "failed": failed}


def why_not_recorded(outcome: dict) -> str:
    """nbgrader's reason for a failed autograde: its error only says "see the above
    traceback", which is in its log."""
    parts = [str(outcome.get(part) or "").strip() for part in ("log", "error")]
    return "\n".join(part[-3000:] for part in parts if part) or "(nbgrader gave no reason)"


def run(args: argparse.Namespace) -> int:
    from autograder.interrupts import exit_status, interruptible, leave
    from autograder.pipeline import Options
    course = Path(args.course_dir).resolve()
    problem = _problem(course, args.assignment)
    if problem:
        print(f"cnnlab nbgrader grade: error: {problem}", file=sys.stderr)
        return 2
    out = args.out or course / "cnnlab-grades" / args.assignment
    options = Options(jobs=args.jobs, resume=args.resume, isolation=args.isolation,
                      command=shlex.join(["cnnlab", *sys.argv[1:]]))
    try:
        with interruptible():
            done = grade_course(course, args.assignment, out, options,
                                progress=lambda event, text: print(text, file=sys.stderr)
                                if event == "stage" else None)
    except (ValueError, RuntimeError, OSError) as error:
        print(f"cnnlab nbgrader grade: error: {error}", file=sys.stderr)
        return 2
    stopped = done["run"]
    if stopped.interrupted:
        print(f"interrupted: {len(stopped.results)} of {stopped.hand_ins} graded in the sandbox "
              f"({out}), none recorded in gradebook.db; run again with --resume",
              file=sys.stderr)
        leave(exit_status(stopped.interrupted))
    for student, why in sorted(done["failed"].items()):
        print(f"NOT RECORDED for {student}:\n{why}", file=sys.stderr)
    print(f"graded {len(done['run'].results)} hand-ins in the sandbox ({out}); recorded "
          f"{len(done['recorded'])} in {course / 'gradebook.db'} through nbgrader's autograde "
          f"(autograded/{{student}}/{args.assignment}/)")
    print(f"next: cd {course} && python3 -m nbgrader generate_feedback {args.assignment}")
    return 1 if done["failed"] else 0


def _problem(course: Path, assignment: str) -> str | None:
    if not (course / "nbgrader_config.py").is_file():
        return f"{course} has no nbgrader_config.py: not an nbgrader course folder"
    if not (course / "source" / assignment).is_dir():
        return f"{course}/source/{assignment} does not exist: no assignment {assignment!r}"
    if not (course / "submitted").is_dir():
        return f"{course}/submitted does not exist: nothing was handed in (nbgrader collect)"
    if not (course / "gradebook.db").is_file() and "db_url" not in _course_config(
            course).CourseDirectory:  # nbgrader records only an assignment it released
        return (f"{course}/gradebook.db does not exist: release the assignment with nbgrader "
                f"first (cd {course} && nbgrader generate_assignment {assignment})")
    return None


def register_action(actions) -> None:
    """``grade`` under ``cnnlab nbgrader`` (its parser is made by ``nbgrader_course``)."""
    parser = actions.add_parser(
        "grade", help="grade the submitted notebooks in the sandbox and record the grades in "
                      "nbgrader's gradebook (instead of nbgrader autograde)",
        description=__doc__.splitlines()[0].replace("``", ""))
    parser.add_argument("course_dir", metavar="COURSE_DIR")
    parser.add_argument("assignment", metavar="ASSIGNMENT")
    parser.add_argument("--out", type=Path, metavar="OUT",
                        help="cnnlab's grades, feedback and report (default: "
                             "COURSE_DIR/cnnlab-grades/ASSIGNMENT)")
    parser.add_argument("-j", "--jobs", type=int, default=0, metavar="N")
    parser.add_argument("--resume", action="store_true",
                        help="keep cnnlab's gradebook results for unchanged notebooks")
    parser.add_argument("--isolation", choices=("auto", "bwrap", "process"), default=None)
    parser.set_defaults(func=run)
