"""How a worker process comes to be: started on its own, or forked by a fork server.

The fork server (one per grading process and isolation) has numpy and what students often
import loaded, and forks a child per hand-in, so a hand-in starts in milliseconds. It never
raises its own limits; a child lowers its own. A dead server is replaced by a new one.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from autograder import wire
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


class KnownCalls:
    """The suite's calls, which every fork server holds decoded (its children inherit
    them): a hand-in's worker is then sent their numbers (``{"known": [...]}``) instead of
    their data, which would take it longer to decode than most students' functions take to
    run. Only inputs: what a worker is given anyway, call by call."""

    def __init__(self, calls: list):
        self.calls = calls  # kept, so that the ids in ``number`` stay theirs
        self.number = {id(call): n for n, call in enumerate(calls)}
        self.data = wire.dumps([[tuple(args), dict(kwargs)] for args, kwargs in calls])
        self.key = hashlib.sha256(self.data).hexdigest()[:16]


_KNOWN: dict[int, KnownCalls] = {}


def known_calls(calls: list) -> KnownCalls:
    """The ``KnownCalls`` of ``calls`` (the suite's list), made once per grading process."""
    kept = _KNOWN.get(id(calls))
    if kept is None or kept.calls is not calls:
        kept = _KNOWN[id(calls)] = KnownCalls(calls)
    return kept


def _table_fd(known: KnownCalls) -> int:
    """A file descriptor from which the fork server reads the known calls at its start."""
    fd = os.memfd_create("cnnlab-known-calls")
    data = memoryview(known.data)
    while data:
        data = data[os.write(fd, data):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class ForkServer:
    """A worker that forks a child per hand-in. It runs in the same sandbox as a worker
    would; hand-ins are staged below ``stage_root()`` (bound read-only at /stage under bwrap),
    and each child works in a fresh folder below its scratch root, removed when it ends."""

    PRELOAD = ("scipy.signal", "scipy.ndimage", "matplotlib.pyplot")  # notebooks plot

    def __init__(self, isolation: str, known: KnownCalls | None = None):
        self.isolation = isolation
        self.known_key = known.key if known is not None else None
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        runtime = runtime_dir()
        table = _table_fd(known) if known is not None else None
        config = {"control": theirs.fileno(), "runtime": str(runtime),
                  "given": str(runtime / "given"), "site_packages": site_packages(),
                  "preload": self.PRELOAD, "known_calls": table,
                  "scratch_root": "/tmp" if isolation == "bwrap" else str(scratch_root())}
        if isolation == "bwrap":
            command = bwrap_command([(str(stage_root()), "/stage")], config)
        else:
            command = worker_command(runtime / "worker.py", config)
        fds = [theirs.fileno()] + ([table] if table is not None else [])
        try:
            self.popen = _popen(command, str(scratch_root()), fds)
        finally:
            theirs.close()
            if table is not None:
                os.close(table)
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


_SERVERS: dict[tuple[int, str, str | None], ForkServer] = {}


def fork_server(isolation: str, known: KnownCalls | None = None) -> ForkServer:
    """This process's fork server for ``isolation`` (holding ``known``), started when first
    needed and replaced when it has died."""
    # a forked grading process starts its own
    key = (os.getpid(), isolation, known.key if known is not None else None)
    server = _SERVERS.get(key)
    if server is not None and not server.alive():
        server.close()
        server = None
    if server is None:
        server = _SERVERS[key] = ForkServer(isolation, known)
        creator = os.getpid()
        atexit.register(lambda: os.getpid() == creator and server.close())
    return server
