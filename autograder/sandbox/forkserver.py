"""The fork server: one per grading process and isolation, with numpy loaded, forks a child per
hand-in, so a hand-in starts in milliseconds instead of a tenth of a second
(``benchmarks/grading.py``). What students often import besides (``PRELOAD``) it loads when the
first hand-in whose code names it comes, before forking that hand-in's child: the child shares
it, and the student's import time limit does not pay for it. It holds nothing of the suite:
each child is sent its calls like a worker started on its own. It never raises its own limits;
a child lowers its own. A dead server is replaced by a new one. Its side:
``worker_runtime/forkserver.py``.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import time
from collections.abc import Iterable, Sequence

from autograder.sandbox import cgroup
from autograder.sandbox.direct import popen
from autograder.sandbox.isolation import (
    bwrap_command,
    runtime_dir,
    scratch_root,
    site_packages,
    stage_root,
    worker_command,
)

# Module -> the words in a hand-in's code that ask for it. Loading all three costs a fork
# server 1.5 to 2 s of CPU (benchmarks/DIARY.md, 2026-12-07), spent only when a hand-in needs
# them: most need none.
PRELOAD = {"scipy.signal": (b"scipy",), "scipy.ndimage": (b"scipy",),
           "matplotlib.pyplot": (b"matplotlib", b"pylab")}  # notebooks plot


def wanted_by(sources: Iterable[bytes]) -> tuple[str, ...]:
    """The modules of ``PRELOAD`` that a hand-in's code (its modules' text) names."""
    texts = list(sources)
    return tuple(module for module, words in PRELOAD.items()
                 if any(word in text for word in words for text in texts))


class ForkServerError(RuntimeError):
    pass


class ForkedWorker:
    """A child of the fork server, known to it by pid."""

    def __init__(self, server: ForkServer, pid: int):
        self.server, self.pid = server, pid

    @property
    def root_pid(self) -> int:
        """The host pid its process tree hangs from: the fork server's sandbox (the server
        idles while one child at a time works)."""
        return self.server.popen.pid

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.server.request({"kill": self.pid})

    def exit_code(self) -> int | None:
        for _ in range(100):
            try:
                status = self.server.request({"status": self.pid})["status"]
            except (OSError, ValueError, KeyError, TypeError):
                return None
            if status is not None:
                return status
            time.sleep(0.01)
        return None


class ForkServer:
    """A worker that forks a child per hand-in. It runs in the same sandbox as a worker
    would; hand-ins are staged below ``stage_root()`` (bound read-only at /stage under bwrap),
    and each child works in a fresh folder below its scratch root, removed when it ends."""

    def __init__(self, isolation: str):
        self.isolation = isolation
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.tasks = cgroup.group("server")
        runtime = runtime_dir()
        config = {"control": theirs.fileno(), "runtime": str(runtime),
                  "given": str(runtime / "given"), "site_packages": site_packages(),
                  "preload": list(PRELOAD),  # what it may be asked to load
                  "scratch_root": "/tmp" if isolation == "bwrap" else str(scratch_root())}
        if isolation == "bwrap":
            config["cgroup"] = self.tasks and cgroup.INSIDE
            command = bwrap_command([(str(stage_root()), "/stage")], config, self.tasks)
        else:
            config["cgroup"] = self.tasks and str(self.tasks.path)
            command = worker_command(runtime / "worker.py", config)
        self.cgroup = config["cgroup"]  # where its children make their groups
        try:
            self.popen = popen(command, str(scratch_root()), [theirs.fileno()], self.tasks)
        finally:
            theirs.close()
        self.control.settimeout(60)

    def request(self, message: dict, fds: Sequence[int] = ()) -> dict:
        socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
        reply = self.control.recv(1 << 16)
        if not reply:
            raise ForkServerError("the fork server has stopped")
        answer = json.loads(reply)
        if type(answer) is not dict:
            raise ForkServerError("the fork server sent an unexpected reply")
        return answer

    def spawn(self, config: dict, fds: list[int]) -> ForkedWorker:
        try:
            return ForkedWorker(self, int(self.request({"spawn": {**config,
                                                                  "cgroup": self.cgroup}},
                                                       fds)["pid"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            self.close()
            raise ForkServerError(f"the fork server failed: {error}") from None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        self.control.close()
        if self.tasks is not None:
            self.tasks.remove()


_SERVERS: dict[tuple[int, str], ForkServer] = {}


def fork_server(isolation: str) -> ForkServer:
    """This process's fork server for ``isolation``, started when first needed and replaced
    when it has died (a forked grading process starts its own)."""
    key = (os.getpid(), isolation)
    server = _SERVERS.get(key)
    if server is not None and not server.alive():
        server.close()
        server = None
    if server is None:
        server = _SERVERS[key] = ForkServer(isolation)
        atexit.register(_close_in, os.getpid(), server)
    return server


def _close_in(creator: int, server: ForkServer) -> None:
    """At exit: close ``server`` in the process that started it (not in forked children)."""
    if os.getpid() == creator:
        server.close()
