"""A prepared suite on disk: the drawn examples and the reference's results.

The file's name is a digest of everything the examples depend on (the checks, strategies
and reference code, the rubric, hypothesis's and numpy's versions), so a stale cache is
never read: a change makes a new name. It is the grader's own data, written by the grader
into a directory only its user can read (``$CNNLAB_CACHE`` or ``~/.cache/cnnlab``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
import tempfile
from pathlib import Path

import hypothesis
import numpy as np

DEPENDS_ON = ("autograder.checks", "autograder.strategies", "autograder.generation",
              "autograder.engine", "solutions", "cnnlab.catalog")
CACHE_ENV = "CNNLAB_CACHE"


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cnnlab")


def source_files(names: tuple[str, ...], suffixes: tuple[str, ...] = (".py",)) -> list[Path]:
    """The files behind modules and packages (a package's files recursively), in a stable
    order: what a cache key or a grade's version depends on."""
    files = []
    for name in names:
        spec = importlib.util.find_spec(name)
        folders = spec.submodule_search_locations if spec else None
        if not folders:
            files += [Path(spec.origin)] if spec else []
            continue
        files += sorted(f for folder in folders for f in Path(folder).rglob("*")
                        if f.suffix in suffixes and "__pycache__" not in f.parts)
    return files


def digest(rubric) -> str:
    text = hashlib.sha256(f"{hypothesis.__version__} {np.__version__} {rubric.functions!r}"
                          .encode())
    for file in source_files(DEPENDS_ON):
        text.update(file.name.encode() + file.read_bytes())
    return text.hexdigest()[:24]


def _path(suite) -> Path:
    return cache_dir() / f"suite-{digest(suite.rubric)}.pickle"


def load(suite) -> bool:
    """Fill ``suite.prepared`` from the cache; False when there is no usable cache."""
    from autograder.engine import PreparedCheck
    try:
        stored = pickle.loads(_path(suite).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return False
    checks = {c.id: c for own in suite.checks.values() for c in own}
    try:
        suite.prepared = {f: [PreparedCheck(checks[cid], *rest) for cid, *rest in entries]
                          for f, entries in stored.items()}
    except (KeyError, TypeError):
        return False
    return True


def store(suite) -> None:
    """Write the cache; a cache that cannot be written only costs time next run."""
    data = {f: [(p.check.id, p.points, p.examples, p.calls, p.expected) for p in prepared]
            for f, prepared in suite.prepared.items()}
    with contextlib.suppress(OSError):
        folder = cache_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False) as file:
            pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, _path(suite))
