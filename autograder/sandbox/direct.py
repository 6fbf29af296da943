"""A worker started on its own: ``python worker.py`` as a plain process, or inside bubblewrap.

Slower to start than a child of the fork server (numpy is imported afresh) but independent of
it: used when the fork server does not work, and with ``CNNLAB_FORK_SERVER=0``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from autograder.sandbox import cgroup
from autograder.sandbox.isolation import (
    bwrap_command,
    clean_environment,
    runtime_dir,
    worker_command,
)


def popen(command: list[str], cwd: str, fds: Sequence[int],
          tasks: cgroup.Group | None = None) -> subprocess.Popen:
    """Start a sandbox (a worker or the fork server) in a session of its own, with ``fds``
    and nothing else, in the pids cgroup ``tasks`` from its first instruction on."""
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=cwd, env=clean_environment(cwd),
                            start_new_session=True, close_fds=True, pass_fds=list(fds),
                            preexec_fn=tasks.join if tasks is not None else None)


class DirectWorker:
    """A worker started on its own, in ``scratch``."""

    def __init__(self, config: dict, fds: list[int], isolation: str, stage: Path,
                 scratch: str):
        self.tasks = cgroup.group("direct")
        if isolation == "bwrap":
            config = {**config, "scratch": "/scratch", "fds": fds,
                      "cgroup": self.tasks and cgroup.INSIDE}
            command = bwrap_command([(str(stage), "/submission")], config, self.tasks)
        else:
            config = {**config, "scratch": scratch, "fds": fds,
                      "cgroup": self.tasks and str(self.tasks.path)}
            command = worker_command(runtime_dir() / "worker.py", config)
        self.isolation = isolation
        self.popen = popen(command, scratch, fds, self.tasks)

    @property
    def root_pid(self) -> int:
        """The host pid its process tree (the sandbox, the worker) hangs from."""
        return self.popen.pid

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        if self.tasks is not None:
            self.tasks.remove()

    def exit_code(self) -> int | None:
        try:
            code = self.popen.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return None
        if self.isolation == "bwrap" and 128 < code < 128 + 65:
            code = 128 - code  # bwrap exits with 128 + the signal that ended the worker
        return code
