"""What an output argument means, the same for every command.

A command's OUT is either a folder it writes into (``cnnlab grade --out OUT``, ``cnnlab release
OUT``, ``cnnlab figures OUT``, ``cnnlab nbgrader init COURSE_DIR``) or one file it writes
(``cnnlab gradescope OUT.zip``, ``cnnlab rubric --write FILE``). The command creates OUT
itself when it is missing, never a folder above it: a typo in a parent (``/hom/me/out``) is
an error that names the missing folder, not a new tree somewhere on the disk.
"""

from __future__ import annotations

from pathlib import Path


def missing_parent(path: Path) -> Path | None:
    """The folder that ``path`` would be created in, when that folder does not exist."""
    parent = Path(path).absolute().parent
    return None if parent.is_dir() else parent


def folder_problem(path: Path, name: str) -> str | None:
    """Why ``path`` cannot be the output folder ``name`` (e.g. ``"--out"``), or None."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        return f"{name} {path} exists and is not a folder"
    return _parent_problem(path, name)


def file_problem(path: Path, name: str) -> str | None:
    """Why ``path`` cannot be the output file ``name``, or None (an existing file is the
    command's own business: some refuse it, some replace it)."""
    path = Path(path)
    if path.is_dir():
        return f"{name} {path} is a folder; give a file name"
    return _parent_problem(path, name)


def _parent_problem(path: Path, name: str) -> str | None:
    parent = missing_parent(path)
    if parent is None:
        return None
    return (f"{name} {path}: the folder {parent} does not exist (only {path.name} itself is "
            "created; make the folders above it first)")
