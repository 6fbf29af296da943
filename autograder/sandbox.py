"""Run a student's functions in a separate, resource-limited worker process.

``SandboxedStudent`` implements ``autograder.results.Student``. It starts
``autograder/worker.py`` for one submission, inside bubblewrap when ``bwrap`` works (only the
Python installation, a private copy of the worker and the given code, and the student's
folder are visible; no network, own process ids), else as a plain subprocess, and says which
in ``notes``. The trusted side sends inputs and reads back plain data (``autograder.wire``).

A worker is normally a child of this process's fork server (``ForkServer``: numpy already
imported, a submission starts in milliseconds), else a fresh process. A call that times out,
a worker that dies or sends garbage: the worker is killed and a new one serves the next
function; the rest of that function's calls fail at once instead of each waiting for its own
timeout.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import wire
from autograder.results import CRASHED, INVALID, MISSING, TIMEOUT, Call, CallError
from cnnlab.catalog import EXERCISES, MODULE_OF

ISOLATION_ENV = "CNNLAB_SANDBOX"  # "auto" (default), "bwrap" or "process"
BWRAP = "/usr/bin/bwrap"
SCRATCH_BYTES = 256 * 2**20  # each tmpfs in the sandbox
FORK_SERVER_ENV = "CNNLAB_FORK_SERVER"  # "0": start a fresh worker for every submission
BATCH = 100  # calls per message: within wire's limits for the inputs the suite generates
PROJECT_PACKAGES = ("solutions", "autograder", "cnnlab", "exercises", "question_bank", "tests")


@dataclass(frozen=True)
class Limits:
    seconds_per_call: float = 5.0  # wall clock, measured by the grader
    seconds_import: float = 10.0  # importing all of the student's modules
    seconds_total: float = 120.0  # all calls of one submission together
    cpu_seconds: int = 300  # RLIMIT_CPU of one worker process
    memory_bytes: int = 1536 * 2**20  # RLIMIT_AS
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
                 fork_server: bool | None = None):
        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            raise FileNotFoundError(f"submission folder {self.folder} does not exist")
        self.limits = limits
        self.isolation = choose_isolation(isolation)
        self.notes: list[str] = [isolation_note(self.isolation)]
        self.use_fork_server = (os.environ.get(FORK_SERVER_ENV, "1") != "0"
                                if fork_server is None else fork_server)
        self._process: _DirectWorker | _ForkedWorker | None = None
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._stage: Path | None = None
        self._missing: dict[str, str] | None = None
        self._skip: dict[str, str] = {}  # module -> why it is skipped at import
        self._failed: dict[str, CallError] = {}  # function -> the error that stopped it
        self._time_used = 0.0

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
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None

    def __enter__(self) -> SandboxedStudent:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- a batch of calls --------------------------------------------------------------

    def _call_batch(self, function: str, calls: list, return_inputs: bool,
                    warnings_as_errors: bool) -> list[tuple[Any, Any]]:
        """Send the calls in one message; the worker answers each in turn, and each answer
        must come within the time per call (and the submission's remaining total)."""
        refused = self._refusal(function)
        if refused is not None:
            return [(refused, None)] * len(calls)
        request = {"function": function, "calls": [[tuple(a), dict(k)] for a, k in calls],
                   "return_inputs": return_inputs, "warnings_as_errors": warnings_as_errors}
        results: list[tuple[Any, Any]] = []
        started = last = time.monotonic()
        budget_end = started + self.limits.seconds_total - self._time_used
        try:
            if self._process is None:
                self._start()
            self._send(wire.dumps(request), started + self.limits.seconds_per_call)
            for _ in calls:
                per_call = last + self.limits.seconds_per_call
                why = (self._per_call_message() if per_call <= budget_end else
                       self._total_message())
                results.append(_unpack(self._receive(min(per_call, budget_end), why)))
                last = time.monotonic()
        except WorkerGone as gone:
            self._stop()
            results.append((CallError(gone.kind, gone.message), None))
            self._failed[function] = CallError(gone.kind, f"{gone.message} (in an earlier "
                                               "call; the remaining calls were not run)")
            results += [(self._failed[function], None)] * (len(calls) - len(results))
        finally:
            self._time_used += time.monotonic() - started
        return results

    def _refusal(self, function: str) -> CallError | None:
        """Why ``function`` is not called at all: missing, failed before, out of time."""
        reason = self.missing().get(function)
        if reason is not None:
            return CallError(MISSING, reason)
        if function in self._failed:
            return self._failed[function]
        if self._time_used >= self.limits.seconds_total:
            return CallError(TIMEOUT, self._total_message())
        return None

    def _per_call_message(self) -> str:
        return f"took longer than {self.limits.seconds_per_call:g} s (an endless loop?)"

    def _total_message(self) -> str:
        return f"the submission used up its {self.limits.seconds_total:g} s for all calls together"

    # --- the worker process ------------------------------------------------------------

    def _start(self) -> None:
        """Start a worker; an import that hangs or crashes the process skips that module
        and tries again, so that the other modules are still graded."""
        while True:
            self._spawn()
            try:
                ready = self._wait_ready(time.monotonic() + self.limits.seconds_import)
            except WorkerGone as gone:
                module = gone.module
                self._stop()
                if module is None or module in self._skip:
                    self._missing = {f: f"the submission could not be started: {gone.message}"
                                     for f in MODULE_OF}
                    return
                self._skip[module] = gone.message
                continue
            missing = {k: v for k, v in ready["ready"].items() if MODULE_OF.get(k) not in
                       self._skip}
            for module, why in self._skip.items():
                missing.update({f: f"{module}.py could not be imported: {why}"
                                for f in EXERCISES[module]})
            self._missing = missing
            if ready.get("seccomp") != "seccomp filter installed":
                _add_once(self.notes, f"weaker isolation: {ready.get('seccomp')}")
            return

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
        self._buffer = b""
        runtime = runtime_dir()
        config = {"folder": str(self.folder), "runtime": str(runtime),
                  "given": str(runtime / "given"), "site_packages": site_packages(),
                  "skip": sorted(self._skip), "seccomp": True,
                  "memory_bytes": self.limits.memory_bytes,
                  "cpu_seconds": self.limits.cpu_seconds, "file_bytes": self.limits.file_bytes}
        fds = [requests_read, replies_write]
        try:
            self._process = self._fork(config, fds) if self.use_fork_server else None
            if self._process is None:
                self._process = _DirectWorker(self._scratch_dir(), config, fds, self.isolation)
        finally:
            os.close(requests_read)
            os.close(replies_write)

    def _fork(self, config: dict, fds: list[int]) -> _ForkedWorker | None:
        """A child of the fork server; None (start a worker directly) if it does not work."""
        try:
            server = fork_server(self.isolation)
            return server.spawn({**config, "folder": self._staged(server)}, fds)
        except (ForkServerError, OSError) as error:
            _add_once(self.notes, f"the fork server did not work ({error}); started a "
                                  "fresh worker instead")
            return None

    def _scratch_dir(self) -> str:
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="cnnlab-scratch-")
        return self._scratch.name

    def _staged(self, server: ForkServer) -> str:
        """The student's modules copied to where the fork server's children can see them."""
        if self._stage is None:
            self._stage = Path(tempfile.mkdtemp(dir=server.stage))
            for module in self.folder.glob("*.py"):
                shutil.copy(module, self._stage / module.name)
        return server.inside(self._stage)

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
        header = self._read(4, deadline, why)
        size = struct.unpack(">I", header)[0]
        if size > self.limits.message_bytes:
            raise WorkerGone(CRASHED, f"sent a reply of {size} bytes, more than allowed")
        try:
            return wire.loads(self._read(size, deadline, why))
        except wire.WireError as error:
            raise WorkerGone(CRASHED, f"sent a broken reply ({error})") from None

    def _read(self, size: int, deadline: float, why: str) -> bytes:
        while len(self._buffer) < size:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self._replies], [], [], wait)[0]:
                raise WorkerGone(TIMEOUT, why or self._per_call_message())
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise WorkerGone(CRASHED, self._death())
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

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


class _DirectWorker:
    """A worker started on its own (``python worker.py`` or inside ``bwrap``)."""

    def __init__(self, scratch: str, config: dict, fds: list[int], isolation: str):
        config = {**config, "fds": fds}
        if isolation == "bwrap":
            command = bwrap_command([(config["folder"], "/submission")],
                                    {**config, "folder": "/submission"})
        else:
            command = worker_command(runtime_dir() / "worker.py", config)
        self.isolation = isolation
        self.popen = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=scratch, env=clean_environment(scratch),
            start_new_session=True, close_fds=True, pass_fds=fds)

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


class _ForkedWorker:
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
            except (OSError, ValueError, KeyError):
                return None
            if status is not None:
                return status
            time.sleep(0.01)
        return None


class ForkServerError(RuntimeError):
    pass


class ForkServer:
    """One per grading process: a worker that has numpy (and what students often import)
    loaded and forks a child for each submission, so a submission starts in milliseconds.
    It runs in the same sandbox as a worker would; the children install their own limits and
    seccomp filter after the fork. Submissions are copied to ``stage`` (bound read-only)."""

    PRELOAD = ("scipy.signal", "scipy.ndimage", "matplotlib.pyplot")  # notebooks plot

    def __init__(self, isolation: str):
        self.isolation = isolation
        self.stage = Path(tempfile.mkdtemp(prefix="stage-", dir=runtime_dir().parent))
        os.chmod(self.stage, 0o755)
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        runtime = runtime_dir()
        config = {"control": theirs.fileno(), "runtime": str(runtime),
                  "given": str(runtime / "given"), "site_packages": site_packages(),
                  "preload": self.PRELOAD}
        if isolation == "bwrap":
            command = bwrap_command([(str(self.stage), "/stage")], config)
        else:
            command = worker_command(runtime / "worker.py", config)
        self.popen = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=self.stage, env=clean_environment(str(self.stage)),
            start_new_session=True, close_fds=True, pass_fds=[theirs.fileno()])
        theirs.close()
        self.control.settimeout(60)

    def inside(self, host: Path) -> str:
        """``host`` (below ``stage``) as the children see it."""
        if self.isolation == "bwrap":
            return "/stage/" + str(Path(host).relative_to(self.stage))
        return str(host)

    def request(self, message: dict, fds: Sequence[int] = ()) -> dict:
        socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
        reply = self.control.recv(1 << 16)
        if not reply:
            raise ForkServerError("the fork server has stopped")
        return json.loads(reply)

    def spawn(self, config: dict, fds: list[int]) -> _ForkedWorker:
        try:
            return _ForkedWorker(self, int(self.request({"spawn": config}, fds)["pid"]))
        except (OSError, ValueError, KeyError) as error:
            self.close()
            raise ForkServerError(f"the fork server failed: {error}") from None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        self.control.close()
        shutil.rmtree(self.stage, ignore_errors=True)


_SERVERS: dict[tuple[int, str], ForkServer] = {}


def fork_server(isolation: str) -> ForkServer | None:
    """This process's fork server for ``isolation``, started when first needed."""
    key = (os.getpid(), isolation)  # a forked grading process starts its own
    server = _SERVERS.get(key)
    if server is None or not server.alive():
        server = _SERVERS[key] = ForkServer(isolation)
        creator = os.getpid()
        atexit.register(lambda: os.getpid() == creator and server.close())
    return server


def _unpack(reply) -> tuple[Any, Any]:
    """(result or CallError, inputs or None) from a decoded reply; a malformed one is INVALID."""
    if type(reply) is dict and "ok" in reply:
        inputs = reply.get("inputs")
        if inputs is not None:
            if type(inputs) is not list or len(inputs) != 2:
                return CallError(INVALID, "a malformed reply"), None
            inputs = (tuple(inputs[0]), inputs[1])
        return reply["ok"], inputs
    error = reply.get("error") if type(reply) is dict else None
    if type(error) is list and len(error) == 3 and all(type(e) in (str, type(None))
                                                       for e in error):
        return CallError(error[0], error[1] or "", error[2]), None
    return CallError(INVALID, "a malformed reply"), None


def _add_once(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


# --- how the worker is started -------------------------------------------------------------

def choose_isolation(requested: str | None) -> str:
    """"bwrap" or "process"; "auto" (the default) means bwrap when it works here."""
    requested = requested or os.environ.get(ISOLATION_ENV, "auto")
    if requested not in ("auto", "bwrap", "process"):
        raise ValueError(f"isolation must be auto, bwrap or process, got {requested!r}")
    if requested == "auto":
        return "bwrap" if bwrap_works() else "process"
    if requested == "bwrap" and not bwrap_works():
        raise RuntimeError(f"isolation 'bwrap' was requested but {BWRAP} does not work here")
    return requested


def isolation_note(isolation: str) -> str:
    if isolation == "bwrap":
        return "isolation: bubblewrap (project files hidden, no network, own process ids)"
    return ("isolation: plain subprocess with resource limits only (WEAKER: bubblewrap is not "
            "available, so the student's code can see the file system and the network "
            "unless the seccomp filter blocks it)")


@functools.cache
def bwrap_works() -> bool:
    if sys.platform != "linux" or not os.access(BWRAP, os.X_OK):
        return False
    probe = [BWRAP, *_bwrap_mounts(), "--", sys.executable, "-I", "-S", "-c", "pass"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def bwrap_command(binds: list[tuple[str, str]], config: dict) -> list[str]:
    """Only what the worker needs is visible: the Python installation (with the project's
    own packages covered by empty folders), the runtime copy at /runtime, and ``binds``
    (host folder, where inside), read-only."""
    runtime = config["runtime"]
    inside = {**config, "runtime": "/runtime", "given": "/runtime/given"}
    command = [BWRAP, *_bwrap_mounts(), "--ro-bind", runtime, "/runtime"]
    for host, where in binds:
        command += ["--ro-bind", host, where]
    return [*command, "--size", str(SCRATCH_BYTES), "--tmpfs", "/scratch", "--chdir", "/scratch",
            "--", *worker_command(Path("/runtime/worker.py"), inside)]


def _bwrap_mounts() -> list[str]:
    mounts = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
              "--dev", "/dev", "--proc", "/proc",
              "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp"]
    for system in ("/usr", "/lib", "/lib64", "/lib32", "/bin"):
        mounts += ["--ro-bind-try", system, system]
    for prefix in python_prefixes():
        mounts += ["--ro-bind", prefix, prefix]
    for hidden in project_dirs_under(python_prefixes()):
        mounts += ["--tmpfs", hidden]
    return mounts


def worker_command(worker: Path, config: dict) -> list[str]:
    return [sys.executable, "-I", "-S", "-B", str(worker), json.dumps(config)]


def clean_environment(home: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": "/tmp/cnnlab-matplotlib"}


@functools.cache
def python_prefixes() -> tuple[str, ...]:
    """The Python installation, and where numpy and scipy live if elsewhere."""
    places = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    places.update(os.path.realpath(p) for p in site_packages())
    places.add(os.path.dirname(os.path.realpath(sys.executable)))
    covered = sorted(places)
    return tuple(p for p in covered if not any(p != q and p.startswith(q + os.sep)
                                                for q in covered))


@functools.cache
def site_packages() -> tuple[str, ...]:
    """The folders numpy and scipy are imported from (the worker runs with ``-S``)."""
    folders = []
    for name in ("numpy", "scipy"):
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            folder = str(Path(spec.origin).parent.parent)
            if folder not in folders:
                folders.append(folder)
    return tuple(folders)


def project_dirs_under(prefixes: Sequence[str]) -> list[str]:
    """This project's packages when installed inside the Python installation (a normal,
    not editable, install): they are covered so the student cannot read them."""
    hidden = []
    for name in PROJECT_PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            real = os.path.realpath(location)
            if any(real.startswith(p + os.sep) for p in prefixes):
                hidden.append(real)
    return hidden


@functools.cache
def runtime_dir() -> Path:
    """A private copy of what the worker runs: worker.py, wire.py, the exercise catalog and
    loader, and the given code (support modules and stubs). Made once per grading process."""
    _remove_stale_sandboxes()
    creator = os.getpid()  # forked grading processes share it; only its creator removes it
    top = Path(tempfile.mkdtemp(prefix=f"cnnlab-sandbox-{creator}-"))  # and the stages
    atexit.register(lambda: os.getpid() == creator and shutil.rmtree(top, ignore_errors=True))
    root = top / "runtime"
    root.mkdir()
    here = Path(__file__).parent
    shutil.copy(here / "worker.py", root / "worker.py")
    shutil.copy(here / "wire.py", root / "wire.py")
    cnnlab = Path(importlib.util.find_spec("cnnlab").origin).parent
    (root / "cnnlab").mkdir()
    (root / "cnnlab" / "__init__.py").write_text("")
    for name in ("loading.py", "catalog.py"):
        shutil.copy(cnnlab / name, root / "cnnlab" / name)
    given = Path(next(iter(importlib.util.find_spec("exercises").submodule_search_locations)))
    shutil.copytree(given, root / "given" / "exercises",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def _remove_stale_sandboxes() -> None:
    """Remove what a killed run left in the temporary folder: sandboxes whose process is gone."""
    for folder in Path(tempfile.gettempdir()).glob("cnnlab-sandbox-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and sys.platform == "linux":
            shutil.rmtree(folder, ignore_errors=True)
