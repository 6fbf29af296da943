"""``cnnlab nbgrader init COURSE_DIR``: a ready nbgrader course for the exercise notebook.

The course folder gets ``nbgrader_config.py`` (course id, the cell timeout, and autograde
without nbgrader's false checksum warning for hidden tests), the source notebook with its
figures in ``source/<assignment>/`` and a README with the commands. The course is relocatable:
no absolute path is written (nbgrader's ``CourseDirectory.root`` defaults to the folder the
commands run in). From there nbgrader's own commands take over (``generate_assignment``,
``autograde``, ...); ``generate_assignment`` releases exactly the student notebook that
``cnnlab release`` ships (``notebooks/student/``). ``cnnlab grade COURSE_DIR --out OUT`` reads
the same ``submitted/`` folder.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from cnnlab.destinations import folder_problem
from cnnlab.platforms.notebooks import FIGURE_DIR, NOTEBOOK_DIR, NOTEBOOK_NAME, dumps, make_notebook

DEFAULT_ASSIGNMENT = "cnn"
DEFAULT_COURSE_ID = "8DC00-cnn"
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Seconds per cell in autograde: the first hidden test cell prepares the suite (seconds).
CELL_TIMEOUT = 600

CONFIG = '''# nbgrader configuration, written by `cnnlab nbgrader init`. Run nbgrader in this
# folder: CourseDirectory.root is left to its default, the current folder, so the course can
# be moved or copied.
from cnnlab.platforms.nbgrader_hidden_tests import sanitize_preprocessors

c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file

c.CourseDirectory.course_id = {course_id!r}
# The first hidden test cell prepares the hidden suite, which takes a few seconds.
c.Execute.timeout = {timeout}
# An untouched test cell with hidden tests is not reported as changed (jupyter/nbgrader#1961).
c.Autograde.sanitize_preprocessors = sanitize_preprocessors()
'''

README = """# nbgrader course: {course_id}

Made by `cnnlab nbgrader init`. The assignment `{assignment}` is the exercise notebook of the
lecture "Convolutional neural networks", generated from the reference solutions. Run every
command in this folder (the folder may be moved: no path in it is absolute); `cnnlab` (with
its hidden suite) and `nbgrader` must be installed in the Python that runs the notebooks.
`generate_assignment` releases the same notebook that `cnnlab release` ships to students
(cell ids, checksums, locked cells), so either may be handed in.

```bash
python3 -m nbgrader generate_assignment {assignment} --force   # -> release/{assignment}/
# students' notebooks go to submitted/<student>/{assignment}/{notebook}
python3 -m nbgrader autograde {assignment} --force             # -> autograded/, gradebook.db
python3 -m nbgrader export                                     # -> grades.csv
cnnlab grade . --out cnnlab-grades                            # the same hand-ins, sandboxed
```

Each function has a read-only cell of public examples and a locked test cell whose hidden
part calls `autograder.notebook.hidden_points`, which grades the function with the hidden
suite, prints the first failing example and is worth the function's points in the rubric.
"""


def init_course(course_dir: Path, assignment: str = DEFAULT_ASSIGNMENT,
                course_id: str = DEFAULT_COURSE_ID) -> list[Path]:
    """Write the course folder; return the files written. Refuses to overwrite an existing
    ``nbgrader_config.py`` (a running course)."""
    if not SAFE_NAME.match(assignment):
        raise ValueError(f"--assignment must be letters, digits, '_', '-' or '.', got "
                         f"{assignment!r}")
    if course_dir.exists() and not course_dir.is_dir():
        raise ValueError(f"COURSE_DIR {course_dir} exists and is not a folder")
    config = course_dir / "nbgrader_config.py"
    if config.exists():
        raise ValueError(f"COURSE_DIR {course_dir} already has an nbgrader_config.py; "
                         "choose a new folder")
    source = course_dir / "source" / assignment
    source.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG.format(course_id=course_id, timeout=CELL_TIMEOUT))
    notebook = source / NOTEBOOK_NAME
    notebook.write_text(dumps(make_notebook()))
    written = [config, notebook]
    figures = NOTEBOOK_DIR / FIGURE_DIR
    if figures.is_dir():
        shutil.copytree(figures, source / FIGURE_DIR, dirs_exist_ok=True)
        written += sorted((source / FIGURE_DIR).iterdir())
    readme = course_dir / "README.md"
    readme.write_text(README.format(course_id=course_id, assignment=assignment,
                                    notebook=NOTEBOOK_NAME))
    return [*written, readme]


def run_init(args: argparse.Namespace) -> int:
    problem = folder_problem(Path(args.course_dir), "COURSE_DIR")
    if problem:
        print(f"cnnlab nbgrader init: error: {problem}", file=sys.stderr)
        return 2
    try:
        written = init_course(Path(args.course_dir), args.assignment, args.course_id)
    except ValueError as error:
        print(f"cnnlab nbgrader init: error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    print(f"next: cd {args.course_dir} && python3 -m nbgrader generate_assignment "
          f"{args.assignment}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "nbgrader", help="set up an nbgrader course for the exercise notebook",
        description="nbgrader integration: the exercise notebook as an nbgrader assignment.")
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    init = actions.add_parser(
        "init", help="write a ready course folder (config, source notebook, README)",
        description="Write a ready nbgrader course folder: nbgrader_config.py, the source "
                    "notebook with its figures and a README with nbgrader's next commands.")
    init.add_argument("course_dir", metavar="COURSE_DIR",
                      help="the course folder to create; the folder it is in must exist")
    init.add_argument("--assignment", default=DEFAULT_ASSIGNMENT,
                      help=f"the assignment name (default: {DEFAULT_ASSIGNMENT})")
    init.add_argument("--course-id", default=DEFAULT_COURSE_ID,
                      help=f"nbgrader's course id (default: {DEFAULT_COURSE_ID})")
    init.set_defaults(func=run_init)
    from cnnlab.platforms import nbgrader_grade  # grading in the sandbox: its own module
    nbgrader_grade.register_action(actions)
    parser.set_defaults(func=lambda args: parser.print_help(sys.stderr) or 2)  # a usage error
