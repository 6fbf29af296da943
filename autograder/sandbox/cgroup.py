"""pids cgroups: a task limit for each worker where ``RLIMIT_NPROC`` cannot give one.

``RLIMIT_NPROC`` counts the tasks of a user, and never those of root. A worker that runs as a
uid of its own (a root grader, process isolation) or in a user namespace of its own (a grader
that is not root) is counted alone. A root grader's sandbox under bubblewrap stays root
outside, so there each sandbox (the fork server or a worker started on its own) gets a group
of the pids controller, made here, and each worker makes its own group below it with
``pids.max`` (``confine.join_cgroup``): 2,000 threads of one hand-in stop at the limit.
Groups are made where the grader may: cgroup v1's pids hierarchy, or cgroup v2 where the pids
controller is enabled for the grader's own group's children. Elsewhere none is made and the
worker's note says so.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import secrets
import time
from pathlib import Path

INSIDE = "/cgroup"  # where a sandbox under bubblewrap sees its group
PROCESSES = "/proc/self/cgroup"
_numbers = itertools.count()
STALE_SECONDS = 120  # a group younger than this is never taken for stale


class Group:
    """One sandbox's group; its workers' groups are made below it."""

    def __init__(self, path: Path):
        self.path = path

    def join(self) -> None:
        """Move this process in (``preexec_fn``: the sandbox's first process, before exec)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def remove(self) -> None:
        """Remove the group and its workers' groups, once their tasks are gone."""
        for child in [p for p in self.path.iterdir() if p.is_dir()] if self.path.is_dir() \
                else []:
            with contextlib.suppress(OSError):
                child.rmdir()
        with contextlib.suppress(OSError):
            self.path.rmdir()


def group(kind: str) -> Group | None:
    """A new group for one sandbox, when this grader is root and may make one."""
    top = controller()
    if top is None or os.geteuid() != 0:
        return None
    # The pid names the grader that made it (``_remove_stale``); the token makes the name
    # new even when a later process gets the same pid, as pids are reused (pid_max can be
    # 32 768): another run removing this pid's stale groups never takes a live one.
    path = top / f"cnnlab-{os.getpid()}-{secrets.token_hex(4)}-{kind}-{next(_numbers)}"
    try:
        path.mkdir(mode=0o755)
    except OSError:
        return None
    return Group(path)


@functools.cache
def controller() -> Path | None:
    """The folder of this process's own group in a pids hierarchy it may make groups in."""
    try:
        lines = Path(PROCESSES).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "pids" in controllers.split(","):
            folder = Path("/sys/fs/cgroup/pids") / path.lstrip("/")
        elif controllers == "":
            folder = _unified() / path.lstrip("/")
            enabled = folder / "cgroup.subtree_control"
            if not enabled.is_file() or "pids" not in enabled.read_text().split():
                continue
        else:
            continue
        if folder.is_dir() and os.access(folder, os.W_OK):
            _remove_stale(folder)
            return folder
    return None


def _unified() -> Path:
    unified = Path("/sys/fs/cgroup/unified")
    return unified if unified.is_dir() else Path("/sys/fs/cgroup")


def _remove_stale(top: Path) -> None:
    """Groups a killed run left behind (their grader is gone), once empty and older than
    ``STALE_SECONDS``: a group is empty from its making until its sandbox joins it, and a
    run whose removal took such a young group stopped another run's fork server (seen once
    in the test suite, by a process whose view of the groups' pids is not known)."""
    young = time.time() - STALE_SECONDS
    for folder in top.glob("cnnlab-*-*"):
        pid = folder.name.split("-")[1]
        with contextlib.suppress(OSError):
            if (pid.isdigit() and not Path(f"/proc/{pid}").exists()
                    and folder.stat().st_mtime < young):
                Group(folder).remove()
