"""How a worker process comes to be: started on its own, or forked by a fork server.

The fork server (one per grading process and isolation) has numpy and what students often
import loaded, and forks a child per hand-in, so a hand-in starts in milliseconds. It never
raises its own limits; a child lowers its own. A dead server is replaced by a new one.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from autograder.sandbox.isolation import (
    bwrap_command,
    clean_environment,
    runtime_dir,
    scratch_root,
    site_packages,
    stage_root,
    worker_command,
)


def _popen(command: list[str], cwd: str, fds: Sequence[int]) -> subprocess.Popen:
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=cwd, env=clean_environment(cwd),
                            start_new_session=True, close_fds=True, pass_fds=list(fds))


def inside_stage(isolation: str, stage: Path, direct: bool) -> str:
    """The hand-in's staged folder as its worker sees it."""
    if isolation != "bwrap":
        return str(stage)
    return "/submission" if direct else f"/stage/{stage.name}"


class DirectWorker:
    """A worker started on its own (``python worker.py`` or inside ``bwrap``), in ``scratch``."""

    def __init__(self, config: dict, fds: list[int], isolation: str, stage: Path,
                 scratch: str):
        if isolation == "bwrap":
            config = {**config, "scratch": "/scratch", "fds": fds}
            command = bwrap_command([(str(stage), "/submission")], config)
        else:
            config = {**config, "scratch": scratch, "fds": fds}
            command = worker_command(runtime_dir() / "worker.py", config)
        self.isolation = isolation
        self.popen = _popen(command, scratch, fds)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def exit_code(self) -> int | None:
        try:
            code = self.popen.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return None
        if self.isolation == "bwrap" and 128 < code < 128 + 65:
            code = 128 - code  # bwrap exits with 128 + the signal that ended the worker
        return code


class ForkedWorker:
    """A child of the fork server, known to it by pid."""

    def __init__(self, server: ForkServer, pid: int):
        self.server, self.pid = server, pid

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


class ForkServerError(RuntimeError):
    pass


class ForkServer:
    """A worker that forks a child per hand-in. It runs in the same sandbox as a worker
    would; hand-ins are staged below ``stage_root()`` (bound read-only at /stage under bwrap),
    and each child works in a fresh folder below its scratch root, removed when it ends."""

    PRELOAD = ("scipy.signal", "scipy.ndimage", "matplotlib.pyplot")  # notebooks plot

    def __init__(self, isolation: str):
        self.isolation = isolation
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        runtime = runtime_dir()
        config = {"control": theirs.fileno(), "runtime": str(runtime),
                  "given": str(runtime / "given"), "site_packages": site_packages(),
                  "preload": self.PRELOAD,
                  "scratch_root": "/tmp" if isolation == "bwrap" else str(scratch_root())}
        if isolation == "bwrap":
            command = bwrap_command([(str(stage_root()), "/stage")], config)
        else:
            command = worker_command(runtime / "worker.py", config)
        self.popen = _popen(command, str(scratch_root()), [theirs.fileno()])
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
            return ForkedWorker(self, int(self.request({"spawn": config}, fds)["pid"]))
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


_SERVERS: dict[tuple[int, str], ForkServer] = {}


def fork_server(isolation: str) -> ForkServer:
    """This process's fork server for ``isolation``, started when first needed and replaced
    when it has died."""
    key = (os.getpid(), isolation)  # a forked grading process starts its own
    server = _SERVERS.get(key)
    if server is not None and not server.alive():
        server.close()
        server = None
    if server is None:
        server = _SERVERS[key] = ForkServer(isolation)
        creator = os.getpid()
        atexit.register(lambda: os.getpid() == creator and server.close())
    return server
