"""``cnnlab gradescope OUT.zip``: a Gradescope autograder bundle (programming assignment).

Gradescope unzips the bundle into ``/autograder/source``, runs ``setup.sh`` once when it
builds the image, and for every hand-in runs ``/autograder/run_autograder`` (copied from
``source/``) with the student's files in ``/autograder/submission``; the result must be
``/autograder/results/results.json``. The bundle holds:

* ``setup.sh``: installs Python and the bundled cnnlab source tree (``cnnlab/``,
  ``solutions/``, ``autograder/``, and ``exercises/``: the stubs, generated from
  ``solutions/`` when the bundle is built, never copied from the folder on disk), moves the
  course key (``course.key``, the instructor's: the same hidden inputs as ``cnnlab grade``)
  to ``/autograder/cnnlab-private`` (root only, mode 0700, outside the venv and every folder
  the sandbox shows to student code) and draws the hidden suite into the cache there;
* ``run_autograder``: calls ``python3 -m cnnlab.platforms.gradescope`` (``main`` below), which
  grades the submission as one student with the hidden suite, in the sandbox, and writes
  ``results.json`` with ``autograder.outputs.gradescope_results``, the same writer as
  ``cnnlab grade``.

The root is ``/autograder`` unless ``CNNLAB_GRADESCOPE_ROOT`` says otherwise (for tests).
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.build import ROOT, build_exercises
from cnnlab.destinations import file_problem

if TYPE_CHECKING:  # the grader is imported when a hand-in is graded, not for the bundle
    from autograder.results import Engine

ROOT_ENV = "CNNLAB_GRADESCOPE_ROOT"
DEFAULT_ROOT = "/autograder"
# What the bundled source tree holds: enough to ``pip install`` cnnlab with its hidden suite
# (and ``exercises/``, made from ``solutions/`` by the stub builder).
BUNDLED = ("pyproject.toml", "README.md", "cnnlab", "solutions", "autograder")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")

KEY_NAME = "course.key"  # in the zip's root, beside setup.sh: never inside the source tree
PRIVATE = "cnnlab-private"  # under the root: the course key and the drawn suite

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu, as root).
set -euo pipefail
apt-get update
# cnnlab needs Python 3.11 or newer; Ubuntu 22.04's python3 is 3.10.
apt-get install -y --no-install-recommends python3.11 python3.11-venv bubblewrap \
    || apt-get install -y --no-install-recommends python3 python3-venv bubblewrap
PYTHON="$(command -v python3.11 || command -v python3)"
"$PYTHON" -m venv /opt/cnnlab
/opt/cnnlab/bin/pip install --upgrade pip
/opt/cnnlab/bin/pip install -e /autograder/source/cnnlab
# The course key and the drawn suite (hidden inputs and answers) go where only root can read
# and the sandbox never looks: not in the venv (/opt/cnnlab), which student code can read.
PRIVATE=/autograder/cnnlab-private
install -d -m 700 "$PRIVATE"
install -m 600 /autograder/source/course.key "$PRIVATE/course.key"
rm -f /autograder/source/course.key
# Draw the hidden suite once, into the image: every hand-in then starts at once.
CNNLAB_COURSE_KEY="$PRIVATE/course.key" CNNLAB_CACHE="$PRIVATE/cache" \
    /opt/cnnlab/bin/python -c "from autograder import engine; engine.prepare(engine.load_rubric())"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every hand-in: grade $ROOT/submission, write
# $ROOT/results/results.json. CNNLAB_GRADESCOPE_ROOT replaces /autograder (for tests).
set -uo pipefail
ROOT="${CNNLAB_GRADESCOPE_ROOT:-/autograder}"
PYTHON=python3
# The course key and the suite drawn by setup.sh (root only; see setup.sh).
KEY="$ROOT/cnnlab-private/course.key"
if [ ! -f "$KEY" ]; then KEY="$ROOT/source/course.key"; chmod 600 "$KEY"; fi  # no setup.sh
export CNNLAB_COURSE_KEY="${CNNLAB_COURSE_KEY:-$KEY}"
export CNNLAB_CACHE="${CNNLAB_CACHE:-$ROOT/cnnlab-private/cache}"
if [ -x /opt/cnnlab/bin/python ]; then PYTHON=/opt/cnnlab/bin/python; fi
mkdir -p "$ROOT/results"
# Not in source/: there the bundled tree's folder "cnnlab" would shadow the installed package.
cd "$ROOT" || exit 1
exec "$PYTHON" -m cnnlab.platforms.gradescope --root "$ROOT"
"""


def build_bundle(out: Path, project: Path = ROOT, key: Path | None = None) -> Path:
    """Write the autograder zip to ``out`` and return it; it carries the course key
    (``key``, else the default one: ``autograder.course_key.load``)."""
    problem = file_problem(out, "OUT")
    if problem:
        raise ValueError(problem)
    if out.suffix != ".zip":
        raise ValueError(f"OUT must end in .zip (Gradescope takes a zip), got {out}")
    if not (project / "autograder" / "engine.py").is_file():
        raise ValueError(f"{project}/autograder/engine.py (the hidden suite) is missing: "
                         "the bundle would grade nothing")
    with tempfile.TemporaryDirectory(prefix="cnnlab-gradescope-") as tmp:
        staging = Path(tmp)
        tree = staging / "cnnlab"
        for name in BUNDLED:
            source = project / name
            if source.is_dir():
                shutil.copytree(source, tree / name, ignore=SKIP)
            elif source.is_file():
                tree.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, tree / name)
        build_exercises(project / "solutions", tree / "exercises")
        _write_script(staging / "setup.sh", SETUP_SH)
        _write_script(staging / "run_autograder", RUN_AUTOGRADER)
        _write_key(staging / KEY_NAME, key)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(staging.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(staging).as_posix())
                    info.date_time = (2024, 1, 1, 0, 0, 0)  # the same sources, the same zip
                    info.compress_type = zipfile.ZIP_DEFLATED
                    if path.name == KEY_NAME and path.parent == staging:
                        info.external_attr = (0o100600 << 16)  # a regular file, mode 0600
                    archive.writestr(info, path.read_bytes())
    return out


def _write_key(path: Path, key: Path | None) -> None:
    """The course key's file, as ``cnnlab grade`` reads it (made on first use)."""
    from autograder import course_key
    loaded = course_key.load(key)
    path.write_text(loaded.secret.hex() + "\n")
    path.chmod(0o600)


def _write_script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


# --- inside Gradescope ---------------------------------------------------------------------

def grade_submission(root: Path, engine: Engine | None = None) -> Path:
    """Grade ``root/submission`` as one student; write ``root/results/results.json``."""
    from autograder import outputs
    from autograder.pipeline import grade_candidate, real_engine
    from autograder.sandbox import Limits, choose_isolation
    from autograder.submissions import Candidate

    started = time.monotonic()
    submission = root / "submission"
    if not submission.is_dir():
        raise FileNotFoundError(f"no submission folder at {submission}")
    engine = engine or real_engine()
    suite = engine.prepare(engine.load_rubric())
    candidate = Candidate("submission", submission, digest="")  # nothing to resume here
    result = grade_candidate(candidate, engine, suite, Limits(), choose_isolation(None))
    return outputs.write_gradescope(result, root / "results", time.monotonic() - started,
                                    name="results.json")


def main(argv: list[str] | None = None) -> int:
    """The entry point of ``run_autograder``. A grader failure still writes a results.json
    (score 0, the error in its output) so that Gradescope shows what happened."""
    from autograder import outputs

    parser = argparse.ArgumentParser(prog="python3 -m cnnlab.platforms.gradescope",
                                     description="grade ROOT/submission for Gradescope")
    parser.add_argument("--root", type=Path,
                        default=Path(os.environ.get(ROOT_ENV, DEFAULT_ROOT)))
    args = parser.parse_args(argv)
    try:
        grade_submission(args.root)
    except Exception as error:  # the student must see that grading failed, not a blank page
        outputs.write_gradescope_json(outputs.gradescope_failure(
            f"The autograder failed: {type(error).__name__}: {error}. "
            "Please tell your instructor."), args.root / "results" / "results.json")
        print(f"grading failed: {error}", file=sys.stderr)
        return 1
    return 0


def run_build(args: argparse.Namespace) -> int:
    from autograder import course_key
    try:
        out = build_bundle(Path(args.out), key=args.course_key)
        key = course_key.load(args.course_key)
    except ValueError as error:
        print(f"cnnlab gradescope: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment.\n"
          f"It carries the course key {key.path} (fingerprint {key.fingerprint}), so "
          "Gradescope draws the same hidden inputs as `cnnlab grade`: keep the zip as private "
          "as the key (it also holds the solutions).")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "gradescope", help="build a Gradescope autograder bundle (zip)",
        description="Write a Gradescope autograder bundle for a programming assignment: "
                    "setup.sh, run_autograder and this cnnlab source tree with its hidden "
                    "suite and the course key, the stubs generated from solutions/ now.")
    parser.add_argument("out", metavar="OUT.zip",
                        help="the zip file to write; the folder it is in must exist")
    parser.add_argument("--course-key", type=Path, metavar="FILE",
                        help="the course key to bundle (default: as `cnnlab grade`)")
    parser.set_defaults(func=run_build)


if __name__ == "__main__":
    sys.exit(main())
