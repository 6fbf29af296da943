"""Shared by the tests that run nbgrader for real: a released course and hand-ins made from
the reference answers."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from cnnlab.build import BEGIN
from cnnlab.platforms.notebooks import NOTEBOOK_NAME

ASSIGNMENT = "cnn"
NOTEBOOK = NOTEBOOK_NAME.removesuffix(".ipynb")


def run(args: list[str], cwd: Path, activated: bool = False) -> subprocess.CompletedProcess:
    """``args`` run in ``cwd``, from this venv ``activated`` or else as ``.venv/bin/...`` is
    run without activating it (no ``alembic`` on PATH: nbgrader's own commands need it)."""
    env = activated_env(os.environ) if activated else without_alembic(os.environ)
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def nbgrader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """nbgrader's own command, as an instructor runs it: from the activated venv."""
    return run([sys.executable, "-m", "nbgrader", *args], cwd, activated=True)


def activated_env(env: dict[str, str] | os._Environ) -> dict[str, str]:
    """``env`` as in this venv activated: its scripts folder first on PATH. nbgrader runs
    ``alembic`` from PATH when it makes its gradebook (nbgrader/api.py), so its commands
    fail from a venv that is not activated (the README's test command does not activate)."""
    return {**env, "PATH": os.pathsep.join([sysconfig.get_path("scripts"),
                                            env.get("PATH", os.defpath)])}


def without_alembic(env: dict[str, str] | os._Environ) -> dict[str, str]:
    """``env`` without the folders on PATH that hold an ``alembic``."""
    path = [folder for folder in env.get("PATH", "").split(os.pathsep)
            if folder and not (Path(folder) / "alembic").exists()]
    return {**env, "PATH": os.pathsep.join(path)}


def released_course(folder: Path) -> tuple[Path, dict, dict[str, str]]:
    """``cnnlab nbgrader init`` and ``generate_assignment`` in ``folder/course``: the course,
    the released notebook and the reference answer of each solution cell."""
    course = folder / "course"
    run([sys.executable, "-m", "cnnlab", "nbgrader", "init", str(course)], folder)
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course)
    return _opened(course)


def copied_course(made: Path, folder: Path) -> tuple[Path, dict, dict[str, str]]:
    """As ``released_course``, from a copy in ``folder/course`` of the course ``made`` (the
    test run's ``nbgrader_released``): made elsewhere and moved here, as a course may be."""
    course = folder / "course"
    shutil.copytree(made, course)
    return _opened(course)


def _opened(course: Path) -> tuple[Path, dict, dict[str, str]]:
    source = json.loads((course / "source" / ASSIGNMENT / NOTEBOOK_NAME).read_text())
    released = json.loads((course / "release" / ASSIGNMENT / NOTEBOOK_NAME).read_text())
    answers = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
               for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("solution")}
    return course, released, answers


def hand_in(course: Path, student: str, released: dict, answers: dict[str, str],
            stubbed: tuple[str, ...] = (), broken: str | None = None, first: str = "") -> None:
    """The released notebook with the reference answers filled in, except ``stubbed``;
    ``broken`` raises RuntimeError first thing; ``first`` is code put before the first
    answer."""
    notebook = copy.deepcopy(released)
    solutions = [c for c in notebook["cells"]
                 if c["metadata"].get("nbgrader", {}).get("solution")]
    for cell in solutions:
        name = cell["metadata"]["nbgrader"]["grade_id"]
        if name not in stubbed:
            text = answers[name]
            if name == broken:
                text = text.replace(BEGIN, f"{BEGIN}\n    raise RuntimeError('broken')", 1)
            cell["source"] = text
    solutions[0]["source"] = first + "".join(solutions[0]["source"])
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / NOTEBOOK_NAME).write_text(json.dumps(notebook))
