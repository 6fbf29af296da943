"""One running worker of one hand-in, as the grader sees it: started (by the fork server or on
its own), its pipes, the memory its inputs are shared in, what it printed, and why it died.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from autograder.results import CRASHED, TIMEOUT
from autograder.sandbox import forkserver
from autograder.sandbox.budget import Limits
from autograder.sandbox.channel import Channel, ChannelClosed, ChannelTimeout, MessageTooLarge
from autograder.sandbox.direct import DirectWorker
from autograder.sandbox.inputs import SharedInputs
from autograder.sandbox.isolation import (
    landlock_read_paths,
    runtime_dir,
    scratch_root,
    site_packages,
    stage_root,
    worker_drop,
)
from autograder.sandbox.starvation import Usage, tree_usage
from autograder.text import printable
from autograder.worker_runtime import wire
from cnnlab.calls import printed_excerpt_of
from cnnlab.catalog import EXERCISES

# The worker's speed devices (worker.Channel, cnnlab.calls.FreshState): each measured on its
# own by benchmarks/grading.py --without, which turns it off here before grading.
SPEED_DEVICES = {"bunch": True, "lazy_seeding": True}


class WorkerGone(Exception):
    """The worker died, hung or broke the protocol; ``kind`` is TIMEOUT or CRASHED (or
    INVALID: replies too large to read)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message
        self.module: str | None = None  # the exercise module being imported, if any
        self.printed = ""  # what the call that met it printed


@dataclass
class HandIn:
    """What every worker of one hand-in shares."""

    folder: Path  # the hand-in as given
    isolation: str
    fork_server: bool
    limits: Limits
    notes: list[str]
    stage: Path | None = None  # its modules, copied where every worker can see them
    preload: tuple[str, ...] = ()  # what the fork server loads for it (``wanted_by``), once staged
    texts: dict[str, bytes] = field(default_factory=dict)  # module -> its text, as staged
    scratch: str | None = None  # a worker started on its own works here
    # What the student's code prints, the current call's output only: one file for all its
    # workers, read by the grader after a crash or a timeout.
    output: IO[bytes] = field(default_factory=lambda: tempfile.TemporaryFile(  # noqa: SIM115
        prefix="printed-", dir=runtime_dir().parent))  # closed in close()

    def staged(self) -> Path:
        """The student's modules copied below ``stage_root()``, where every worker of this
        grading process (direct or forked, before or after a restart) can see them."""
        if self.stage is None:
            self.stage = Path(tempfile.mkdtemp(dir=stage_root()))
            texts = []
            for module in self.folder.glob("*.py"):
                if module.is_file() and not module.is_symlink():
                    shutil.copy(module, self.stage / module.name)
                    texts.append(module.read_bytes())
                    self.texts[module.stem] = texts[-1]
            self.preload = forkserver.wanted_by(texts)
        return self.stage

    def restage(self, module: str, text: str) -> None:
        """``module`` staged as ``text`` from now on: written beside and renamed over the
        staged file (a worker that could write the stage may have made that a link)."""
        stage = self.staged()
        handle, temporary = tempfile.mkstemp(dir=stage, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, stage / f"{module}.py")

    def scratch_dir(self) -> str:
        if self.scratch is None:
            self.scratch = tempfile.mkdtemp(prefix="direct-", dir=scratch_root())
        return self.scratch

    def close(self) -> None:
        from autograder.worker_runtime.confine import remove_tree

        for folder in (self.scratch, self.stage):
            if folder is not None:
                remove_tree(str(folder))
        self.scratch = self.stage = None
        self.output.close()


class Session:
    """One worker process: ``start`` it, ``send`` requests, ``receive`` replies, ``stop``."""

    def __init__(self, hand_in: HandIn, skip: list[str]):
        _grader_not_dumpable()
        self.hand_in, self.limits = hand_in, hand_in.limits
        self.inputs = SharedInputs(self.limits.inputs_bytes)
        requests_read, requests = os.pipe()
        replies, replies_write = os.pipe()
        self.channel = Channel(requests, replies)
        fds = [requests_read, replies_write, hand_in.output.fileno(), self.inputs.fd]
        try:
            self.process = self._spawn(self._config(skip), fds)
        except BaseException:
            self._close_pipes()
            self.inputs.close()
            raise
        finally:
            os.close(requests_read)
            os.close(replies_write)

    def _config(self, skip: list[str]) -> dict:
        limits, isolation = self.limits, self.hand_in.isolation
        runtime = str(runtime_dir())
        inside = {"bwrap": "/runtime"}.get(isolation, runtime)
        return {"runtime": runtime, "given": f"{runtime}/given",
                "site_packages": site_packages(), "skip": sorted(skip), "seccomp": True,
                "memory_bytes": limits.memory_bytes, "cpu_seconds": limits.cpu_seconds,
                "file_bytes": limits.file_bytes, "scratch_bytes": limits.scratch_bytes,
                "scratch_files": limits.scratch_files, "tasks": limits.tasks,
                "open_files": limits.open_files,
                "inputs_bytes": limits.inputs_bytes, "read_only": landlock_read_paths(inside),
                "drop": worker_drop() if isolation == "process" else None,
                "kernel_root": os.geteuid() == 0, **SPEED_DEVICES}

    def _spawn(self, config: dict, fds: list[int]):
        stage, isolation = self.hand_in.staged(), self.hand_in.isolation
        if self.hand_in.fork_server:
            folder = stage if isolation != "bwrap" else f"/stage/{stage.name}"
            for attempt in range(2):  # a dead server is replaced once
                try:
                    server = forkserver.fork_server(isolation)
                    return server.spawn({**config, "folder": str(folder),
                                         "preload": list(self.hand_in.preload)}, fds)
                except (forkserver.ForkServerError, OSError) as error:
                    _add_once(self.hand_in.notes, f"the fork server did not work ({error}); "
                              + ("started a new one" if attempt == 0 else
                                 "started a fresh worker instead"))
        folder = stage if isolation != "bwrap" else "/submission"
        return DirectWorker({**config, "folder": str(folder)}, fds, isolation, stage,
                            self.hand_in.scratch_dir())

    def wait_ready(self, deadline: float) -> dict:
        """The worker's ready message, once it has imported the student's modules;
        ``WorkerGone`` (with the module being imported) if it did not get that far."""
        importing = None
        while True:
            try:
                message, _ = wire.read_message(self.receive(deadline, self.limits.reply_bytes))
            except wire.WireError as error:
                raise WorkerGone(CRASHED, f"sent a broken message ({error})") from None
            except WorkerGone as gone:
                gone.module = importing
                if importing is not None and gone.kind == TIMEOUT:
                    gone.message = "importing it did not finish in time (an endless loop?)"
                elif importing is not None:
                    gone.message = f"importing it ended the process ({gone.message})"
                raise
            if message[0] == "importing" and len(message) == 2:
                importing = message[1] if message[1] in EXERCISES else None
            elif message[0] == "ready" and len(message) == 5 and type(message[1]) is dict:
                return {"ready": message[1], "seccomp": message[2], "notes": message[3],
                        "partial": message[4]}
            else:
                raise WorkerGone(CRASHED, "the worker sent an unexpected message")

    def send(self, data: bytes, deadline: float, why: str) -> None:
        try:
            self.channel.send(data, deadline)
        except ChannelTimeout:
            raise WorkerGone(TIMEOUT, why) from None
        except ChannelClosed:
            raise WorkerGone(CRASHED, self.death()) from None

    def receive(self, deadline: float, limit: int, why: str = "") -> bytes:
        """The next message, within ``limit`` bytes (``MessageTooLarge`` otherwise)."""
        try:
            return self.channel.receive(deadline, limit)
        except ChannelTimeout:
            raise WorkerGone(TIMEOUT, why or "did not answer in time") from None
        except ChannelClosed:
            raise WorkerGone(CRASHED, self.death()) from None
        except MessageTooLarge:
            raise

    def usage(self) -> Usage | None:
        """CPU time and state of the worker's process tree (``starvation``)."""
        return tree_usage(self.process.root_pid)

    def printed(self) -> str:
        """What the current (crashed or hanging) call printed."""
        return printable(printed_excerpt_of(self.hand_in.output.fileno()))

    def death(self) -> str:
        """Why the worker is gone, for the student."""
        code = self.process.exit_code()
        if code is None:
            return "the process stopped answering"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            hint = {"SIGKILL": " (out of memory or CPU time?)", "SIGSEGV": " (a segfault)",
                    "SIGXCPU": " (out of CPU time)"}.get(name, "")
            return f"the process was killed by {name}{hint}"
        return f"the process ended (exit code {code})"

    def stop(self) -> None:
        self._close_pipes()
        self.process.kill()
        self.inputs.close()

    def _close_pipes(self) -> None:
        for fd in (self.channel.requests, self.channel.replies):
            with contextlib.suppress(OSError):
                os.close(fd)


def _add_once(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


@functools.cache
def _grader_not_dumpable() -> None:
    """No worker running as the grader's user may read this process's /proc mem or environ."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(4, 0)  # PR_SET_DUMPABLE
