"""``SandboxedStudent``: one hand-in's functions, called in a confined worker process.

The trusted side sends inputs and reads back plain data (``autograder.wire``). A call that
times out, a worker that dies: the worker is killed and a new one serves the next function;
the rest of that function's calls fail at once. Every reply is decoded defensively: a reply of
any shape fails only its own call. Each function has its own share of time
(``Limits.seconds_per_function``), so a slow one costs only its own points.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import select
import shutil
import signal
import struct
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import stages, wire
from autograder.results import (
    CRASHED,
    INVALID,
    MISSING,
    NOT_IMPLEMENTED,
    RAISED,
    TIMEOUT,
    Call,
    CallError,
)
from autograder.sandbox import launchers
from autograder.sandbox.isolation import (
    isolation_choice,
    isolation_note,
    landlock_read_paths,
    runtime_dir,
    scratch_root,
    site_packages,
    stage_root,
    worker_drop,
)
from cnnlab.catalog import EXERCISES, MODULE_OF

FORK_SERVER_ENV = "CNNLAB_FORK_SERVER"  # "0": start a fresh worker for every submission
BATCH = 100  # calls per message: within wire's limits for the inputs the suite generates
PRINTED_TAIL = 2048  # bytes of what the student's code printed, shown with a crash
WORKER_KINDS = (RAISED, NOT_IMPLEMENTED, INVALID)  # what a worker may say of one call
TIMED_OUT_NOTE = "timed out: "  # a grader note per function (or import) that ran out of time


@dataclass(frozen=True)
class Limits:
    seconds_per_call: float = 5.0  # wall clock, measured by the grader
    seconds_import: float = 10.0  # importing all of the student's modules
    seconds_per_function: float = 90.0  # all calls of one function: ~1 s quiet, loaded 10x
    seconds_total: float = 900.0  # all calls of one submission together: a generous cap
    cpu_seconds: int = 900  # RLIMIT_CPU of one worker process
    memory_bytes: int = 1536 * 2**20  # RLIMIT_AS (or the hard limit, if that is lower)
    file_bytes: int = 16 * 2**20  # RLIMIT_FSIZE: files the student writes in scratch
    message_bytes: int = 64 * 2**20  # one reply


class WorkerGone(Exception):
    """The worker died, hung or broke the protocol; ``kind`` is TIMEOUT or CRASHED."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message
        self.module: str | None = None  # the exercise module being imported, if any


class SandboxedStudent:
    """One submission's functions, called in a sandboxed worker. Use as a context manager."""

    def __init__(self, folder: Path, limits: Limits = Limits(), isolation: str | None = None,
                 fork_server: bool | None = None, known_calls: list | None = None):
        """``known_calls``: the suite's calls (``engine.known_calls``), which a fork server
        then holds, so that they are sent by number."""
        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            raise FileNotFoundError(f"submission folder {self.folder} does not exist")
        self.limits = limits
        self.isolation, why = isolation_choice(isolation)
        self.notes: list[str] = [isolation_note(self.isolation), f"isolation chosen: {why}"]
        self.use_fork_server = (os.environ.get(FORK_SERVER_ENV, "1") != "0"
                                if fork_server is None else fork_server)
        self.known = launchers.known_calls(known_calls) if known_calls else None
        self._process: launchers.DirectWorker | launchers.ForkedWorker | None = None
        self._scratch: str | None = None
        self._stage: Path | None = None
        # what the code prints; closed in close()
        self._output = tempfile.TemporaryFile(prefix="printed-", dir=runtime_dir().parent)  # noqa: SIM115
        self._missing: dict[str, str] | None = None
        self._skip: dict[str, str] = {}  # module -> why it is skipped at import
        self._failed: dict[str, CallError] = {}  # function -> the error that stopped it
        self._time_used = 0.0
        self._waited = self._decoding = 0.0  # this batch's, for ``stages``
        self._function_time: dict[str, float] = {}

    # --- the Student protocol ----------------------------------------------------------

    def missing(self) -> dict[str, str]:
        if self._missing is None:
            self._start()
        return dict(self._missing or {})

    def call_many(self, function: str, calls: Sequence[Call], return_inputs: bool = False,
                  warnings_as_errors: bool = False) -> list[Any]:
        """See ``Student.call_many``. With ``return_inputs`` each item is
        ``(result or CallError, (args, kwargs) after the call, or None if it died)``."""
        if function not in MODULE_OF:
            raise ValueError(f"function must be one of the graded functions, got {function!r}")
        calls = list(calls)
        results: list[tuple[Any, Any]] = []
        for start in range(0, len(calls), BATCH):
            results += self._call_batch(function, calls[start:start + BATCH], return_inputs,
                                        warnings_as_errors)
        return results if return_inputs else [result for result, _ in results]

    def close(self) -> None:
        self._stop()
        for folder in (self._scratch, self._stage):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        self._scratch = self._stage = None
        self._output.close()

    def __enter__(self) -> SandboxedStudent:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- a batch of calls --------------------------------------------------------------

    def _call_batch(self, function: str, calls: list, return_inputs: bool,
                    warnings_as_errors: bool) -> list[tuple[Any, Any]]:
        """The results of ``calls``, sent in one message. When the worker dies, the calls not
        answered are asked again one at a time in a fresh worker: replies come back in
        bunches, so the last few calls before the one that crashed may have been answered but
        not yet sent, and only alone does the crash fall on its own call."""
        results, gone = self._send_batch(function, calls, return_inputs, warnings_as_errors)
        if gone is not None and gone.kind == CRASHED and len(calls) - len(results) > 1:
            for call in calls[len(results):]:
                one, gone = self._send_batch(function, [call], return_inputs,
                                             warnings_as_errors)
                results += one
                if gone is not None:
                    break
        if gone is not None:
            if gone.kind == TIMEOUT:  # for the instructor's summary of hand-ins to look at
                _add_once(self.notes, f"{TIMED_OUT_NOTE}{function}")
            results.append((CallError(gone.kind, gone.message, printed=self._printed()), None))
            self._failed[function] = CallError(gone.kind, f"{gone.message} (in an earlier "
                                               "call; the remaining calls were not run)")
            results += [(self._failed[function], None)] * (len(calls) - len(results))
        return results

    def _send_batch(self, function: str, calls: list, return_inputs: bool,
                    warnings_as_errors: bool) -> tuple[list[tuple[Any, Any]], WorkerGone | None]:
        """The answers the worker gave (each within the time per call and what is left of
        the function's share and of the submission's total), and why it stopped early."""
        refused = self._refusal(function)
        if refused is not None:
            return [(refused, None)] * len(calls), None
        results: list[tuple[Any, Any]] = []
        started = last = time.monotonic()
        total_end = started + self.limits.seconds_total - self._time_used
        function_end = (started + self.limits.seconds_per_function
                        - self._function_time.get(function, 0.0))
        budget_end = min(total_end, function_end)
        budget_message = (self._function_message() if function_end <= total_end else
                          self._total_message())
        try:
            if self._process is None:
                self._start()
            with stages.stage("wire encoding"):
                data = _encoded_request(function, calls, return_inputs, warnings_as_errors,
                                        self._known_to_worker())
            self._send(data, started + self.limits.seconds_per_call)
            per_call_message, seconds = self._per_call_message(), self.limits.seconds_per_call
            for _ in calls:
                per_call = last + seconds
                why = per_call_message if per_call <= budget_end else budget_message
                results.append(self._reply(min(per_call, budget_end), why))
                last = time.monotonic()
        except WorkerGone as gone:
            self._stop()
            return results, gone
        finally:
            spent = time.monotonic() - started
            self._time_used += spent
            self._function_time[function] = self._function_time.get(function, 0.0) + spent
            stages.charge("in the worker (student code, its encoding)", self._waited)
            stages.charge("wire decoding", self._decoding)
            self._waited = self._decoding = 0.0
        return results, None

    def _reply(self, deadline: float, why: str) -> tuple[Any, Any]:
        asked = time.perf_counter()
        try:
            data = self._receive_bytes(deadline, why)
        finally:  # also the wait that ended in a timeout
            received = time.perf_counter()
            self._waited += received - asked
        result, inputs = reply_from(data)
        self._decoding += time.perf_counter() - received
        if isinstance(result, CallError) and result.exception_type == "SystemExit":
            result.printed = self._printed()
        return result, inputs

    def _known_to_worker(self) -> launchers.KnownCalls | None:
        """The known calls, if this worker's fork server holds them."""
        server = getattr(self._process, "server", None)
        if self.known is not None and getattr(server, "known_key", None) == self.known.key:
            return self.known
        return None

    def _refusal(self, function: str) -> CallError | None:
        """Why ``function`` is not called at all: missing, failed before, out of time."""
        reason = self.missing().get(function)
        if reason is not None:
            return CallError(MISSING, reason)
        if function in self._failed:
            return self._failed[function]
        if self._function_time.get(function, 0.0) >= self.limits.seconds_per_function:
            return CallError(TIMEOUT, self._function_message())
        if self._time_used >= self.limits.seconds_total:
            return CallError(TIMEOUT, self._total_message())
        return None

    def _per_call_message(self) -> str:
        return f"took longer than {self.limits.seconds_per_call:g} s (an endless loop?)"

    def _function_message(self) -> str:
        return (f"this function used up its {self.limits.seconds_per_function:g} s for all "
                "its calls together")

    def _total_message(self) -> str:
        return f"the submission used up its {self.limits.seconds_total:g} s for all calls together"

    def _printed(self) -> str:
        """The end of what the student's code printed (to stdout and stderr), bounded."""
        try:
            size = os.fstat(self._output.fileno()).st_size
            tail = os.pread(self._output.fileno(), PRINTED_TAIL, max(0, size - PRINTED_TAIL))
        except (OSError, ValueError):
            return ""
        return tail.decode("utf-8", "replace")

    # --- the worker process ------------------------------------------------------------

    def _start(self) -> None:
        """Start a worker; an import that hangs or crashes the process skips that module
        and tries again, so that the other modules are still graded."""
        with stages.stage("sandbox start"):
            self._start_worker()

    def _start_worker(self) -> None:
        _grader_not_dumpable()
        while True:
            self._spawn()
            try:
                ready = self._wait_ready(time.monotonic() + self.limits.seconds_import)
            except WorkerGone as gone:
                module = gone.module
                self._stop()
                if gone.kind == TIMEOUT:
                    _add_once(self.notes, f"{TIMED_OUT_NOTE}importing {module or 'the modules'}")
                if module is None or module in self._skip:
                    self._missing = {f: f"the submission could not be started: {gone.message}"
                                     for f in MODULE_OF}
                    return
                self._skip[module] = gone.message
                continue
            self._missing = self._missing_from(ready)
            self._note_confinement(ready)
            return

    def _missing_from(self, ready: dict) -> dict[str, str]:
        reported = ready["ready"]
        missing = {k: v[:2000] for k, v in reported.items() if k in MODULE_OF
                   and type(v) is str and MODULE_OF[k] not in self._skip}
        for module, why in self._skip.items():
            missing.update({f: f"{module}.py could not be imported: {why}"
                            for f in EXERCISES[module]})
        return missing

    def _note_confinement(self, ready: dict) -> None:
        if ready.get("seccomp") != "seccomp filter installed":
            _add_once(self.notes, f"weaker isolation: {str(ready.get('seccomp'))[:300]}")
        notes = ready.get("notes")
        for note in notes if type(notes) is list else []:
            _add_once(self.notes, f"worker: {str(note)[:300]}")

    def _wait_ready(self, deadline: float) -> dict:
        importing = None
        while True:
            try:
                message = self._receive(deadline)
            except WorkerGone as gone:
                gone.module = importing
                if importing is not None and gone.kind == TIMEOUT:
                    gone.message = "importing it did not finish in time (an endless loop?)"
                elif importing is not None:
                    gone.message = f"importing it ended the process ({gone.message})"
                raise
            if type(message) is dict and "importing" in message:
                importing = message["importing"] if message["importing"] in EXERCISES else None
            elif type(message) is dict and type(message.get("ready")) is dict:
                return message
            else:
                raise WorkerGone(CRASHED, "the worker sent an unexpected message")

    def _spawn(self) -> None:
        requests_read, self._requests = os.pipe()
        self._replies, replies_write = os.pipe()
        os.set_blocking(self._requests, False)
        self._buffer, self._offset = b"", 0
        runtime = str(runtime_dir())
        stage = self._staged()
        direct = not self.use_fork_server
        inside = {"bwrap": "/runtime"}.get(self.isolation, runtime)
        config = {"runtime": runtime, "given": f"{runtime}/given",
                  "site_packages": site_packages(), "skip": sorted(self._skip),
                  "seccomp": True, "memory_bytes": self.limits.memory_bytes,
                  "cpu_seconds": self.limits.cpu_seconds, "file_bytes": self.limits.file_bytes,
                  "read_only": landlock_read_paths(inside),
                  "drop": worker_drop() if self.isolation == "process" else None}
        fds = [requests_read, replies_write, self._output.fileno()]
        try:
            self._process = None if direct else self._fork(config, stage, fds)
            if self._process is None:
                folder = launchers.inside_stage(self.isolation, stage, direct=True)
                self._process = launchers.DirectWorker({**config, "folder": folder}, fds,
                                                       self.isolation, stage,
                                                       self._scratch_dir())
        finally:
            os.close(requests_read)
            os.close(replies_write)

    def _fork(self, config: dict, stage: Path, fds: list[int]) -> launchers.ForkedWorker | None:
        """A child of the fork server (a dead one is replaced once); None (start a worker
        directly) if that does not work."""
        folder = launchers.inside_stage(self.isolation, stage, direct=False)
        for attempt in range(2):
            try:
                server = launchers.fork_server(self.isolation, self.known)
                return server.spawn({**config, "folder": folder}, fds)
            except (launchers.ForkServerError, OSError) as error:
                _add_once(self.notes, f"the fork server did not work ({error}); "
                          + ("started a new one" if attempt == 0 else
                             "started a fresh worker instead"))
        return None

    def _scratch_dir(self) -> str:
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="direct-", dir=scratch_root())
        return self._scratch

    def _staged(self) -> Path:
        """The student's modules copied below ``stage_root()``, where every worker of this
        grading process (direct or forked, before or after a restart) can see them."""
        if self._stage is None:
            self._stage = Path(tempfile.mkdtemp(dir=stage_root()))
            for module in self.folder.glob("*.py"):
                if module.is_file() and not module.is_symlink():
                    shutil.copy(module, self._stage / module.name)
        return self._stage

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for fd in (self._requests, self._replies):
            os.close(fd)
        process.kill()

    def _send(self, data: bytes, deadline: float) -> None:
        data = struct.pack(">I", len(data)) + data
        while data:
            if not select.select([], [self._requests], [], max(0, deadline - time.monotonic()))[1]:
                raise WorkerGone(TIMEOUT, self._per_call_message())
            try:
                data = data[os.write(self._requests, data):]
            except (BrokenPipeError, OSError):
                raise WorkerGone(CRASHED, self._death()) from None

    def _receive(self, deadline: float, why: str = ""):
        try:
            return wire.loads(self._receive_bytes(deadline, why))
        except wire.WireError as error:
            raise WorkerGone(CRASHED, f"sent a broken message ({error})") from None

    def _receive_bytes(self, deadline: float, why: str = "") -> bytes:
        buffer, start = self._buffer, self._offset
        if len(buffer) - start >= 4:  # most replies: already read, in a bunch
            end = start + 4 + struct.unpack_from(">I", buffer, start)[0]
            if end <= len(buffer) and end - start - 4 <= self.limits.message_bytes:
                self._offset = end
                return buffer[start + 4:end]
        header = self._read(4, deadline, why)
        size = struct.unpack(">I", header)[0]
        if size > self.limits.message_bytes:
            raise WorkerGone(CRASHED, f"sent a reply of {size} bytes, more than allowed")
        return self._read(size, deadline, why)

    def _read(self, size: int, deadline: float, why: str) -> bytes:
        """``size`` bytes from the worker. Replies come in bunches (many per read), so the
        buffer is consumed from ``_offset`` on rather than copied after every reply."""
        while len(self._buffer) - self._offset < size:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self._replies], [], [], wait)[0]:
                raise WorkerGone(TIMEOUT, why or self._per_call_message())
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise WorkerGone(CRASHED, self._death())
            self._buffer = self._buffer[self._offset:] + chunk
            self._offset = 0
        start = self._offset
        self._offset += size
        return self._buffer[start:self._offset]

    def _death(self) -> str:
        """Why the worker is gone, for the student."""
        code = self._process.exit_code() if self._process else None
        if code is None:
            return "the process stopped answering"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            hint = {"SIGKILL": " (out of memory or CPU time?)", "SIGSEGV": " (a segfault)",
                    "SIGXCPU": " (out of CPU time)"}.get(name, "")
            return f"the process was killed by {name}{hint}"
        return f"the process ended (exit code {code})"


# --- requests: the suite's calls are the same for every hand-in ----------------------------

_ENCODED: dict[tuple, tuple[list, bytes]] = {}
MAX_ENCODED = 4096  # batches kept; the suite has a few hundred, shrinking adds one-off calls


def _encoded_request(function: str, calls: list, return_inputs: bool,
                     warnings_as_errors: bool, known: launchers.KnownCalls | None = None
                     ) -> bytes:
    """The request's bytes, encoded once per grading process for the prepared suite's calls
    (the same call objects for every hand-in): by their numbers when the worker holds them
    (``known``), else their data. The kept ``calls`` list holds the objects, so their ids
    cannot be reused by others while the entry exists."""
    key = (function, return_inputs, warnings_as_errors, known is not None,
           tuple(map(id, calls)))
    kept = _ENCODED.get(key)
    if kept is not None:
        return kept[1]
    numbers = [known.number.get(id(call)) for call in calls] if known is not None else [None]
    request: dict[str, Any] = {"function": function, "return_inputs": return_inputs,
                               "warnings_as_errors": warnings_as_errors}
    if None in numbers:
        request["calls"] = [[tuple(a), dict(k)] for a, k in calls]
    else:
        request["known"] = numbers
    data = wire.dumps(request)
    if len(_ENCODED) < MAX_ENCODED:
        _ENCODED[key] = (list(calls), data)
    return data


# --- replies: any shape fails only its own call ---------------------------------------------

def reply_from(data: bytes) -> tuple[Any, Any]:
    """(result or CallError, inputs after the call or None) from one reply's bytes. Never
    raises: what is not a well-formed reply is an INVALID result of that call."""
    try:
        value = wire.ok_value(data)  # most replies: checked in a third of the time
        if value is not wire.NOT_FAST:
            return value, None
        if data == wire.NOT_IMPLEMENTED_REPLY:
            return CallError(NOT_IMPLEMENTED, wire.NOT_IMPLEMENTED_TEXT), None
        return _unpack(wire.loads(data))
    except Exception as error:  # WireError, or anything a decoder bug would raise
        return CallError(INVALID, f"sent a reply that is not plain data ({str(error)[:200]})"), \
            None


def _unpack(reply) -> tuple[Any, Any]:
    if type(reply) is dict and "ok" in reply and set(reply) <= {"ok", "inputs"}:
        inputs = reply.get("inputs")
        if inputs is None:
            return reply["ok"], None
        if (type(inputs) is list and len(inputs) == 2 and type(inputs[0]) in (list, tuple)
                and type(inputs[1]) is dict):
            return reply["ok"], (tuple(inputs[0]), inputs[1])
        return _malformed()
    error = reply.get("error") if type(reply) is dict and set(reply) == {"error"} else None
    if (type(error) is list and len(error) in (3, 4) and error[0] in WORKER_KINDS
            and type(error[1]) is str and all(type(e) in (str, type(None)) for e in error[2:])):
        where = error[3] if len(error) == 4 else None
        return CallError(error[0], error[1][:2000], error[2] and error[2][:100],
                         where and where[:200]), None
    return _malformed()


def _malformed() -> tuple[CallError, None]:
    return CallError(INVALID, "a malformed reply"), None


def _add_once(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


@functools.cache
def _grader_not_dumpable() -> None:
    """No worker running as the grader's user may read this process's /proc mem or environ."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(4, 0)  # PR_SET_DUMPABLE
