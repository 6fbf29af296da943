"""What runs inside the sandbox: import a student's modules, then call their functions on request.

Started by ``autograder.sandbox`` as ``python -I -S -B worker.py CONFIG_JSON`` from a private
copy of this folder (next to ``cnnlab/loading.py``, ``cnnlab/catalog.py`` and the given code).
It imports only the standard library, numpy and the student's code. Requests come in on one
pipe and replies go out on another (length-prefixed ``wire`` messages; the grader passes the
fds); the student's stdout and stderr go to a third fd, a file of the grader's, capped, so
printing can neither corrupt the protocol nor cost time.

Before any student code runs the worker lowers its limits, moves into a fresh scratch folder
of its own (cwd, HOME, TMPDIR), confines itself with Landlock, drops to an unprivileged user
when it is root, and installs a seccomp filter (``confine``).

With a ``control`` socket in its config it is instead the *fork server*: it imports numpy and
what students often import once, then forks a child per submission on request; each child
confines itself as above, in a scratch folder that is removed when it ends.
"""

import contextlib
import gc
import importlib
import json
import os
import random
import shutil
import signal
import struct
import sys
import time
import warnings

REQUESTS, REPLIES, OUTPUT = 3, 4, 5  # replaced by the fds the grader passes
OUTPUT_CAP = 1 << 20  # what the student's code may print, in bytes; the rest is dropped
BUNCH_SECONDS = 0.005  # replies wait at most this long to be sent together
BUNCH_BYTES = 1 << 20
NUMPY_ERRORS = {"divide": "warn", "over": "warn", "invalid": "warn", "under": "ignore"}
KNOWN: list = []  # the suite's calls, read by the fork server: requests give their numbers


def main() -> None:
    config = json.loads(sys.argv[1])
    sys.path[:0] = [config["runtime"], config["given"], *config["site_packages"]]
    if "control" in config:
        _fork_server(config)
    else:
        _run_submission(config, config["fds"])


def _run_submission(config: dict, fds: list[int]) -> None:
    """Confine this process, import the student's modules, then answer calls until the end."""
    global REQUESTS, REPLIES, OUTPUT
    REQUESTS, REPLIES, OUTPUT = fds
    import confine

    confine.die_with_parent()
    notes = confine.lower_limits({"RLIMIT_AS": config["memory_bytes"],
                                  "RLIMIT_CPU": config["cpu_seconds"],
                                  "RLIMIT_FSIZE": config["file_bytes"], "RLIMIT_CORE": 0})
    import numpy as np
    import wire
    from errors import builtin_name, error_text, where_in

    from cnnlab.catalog import EXERCISES
    from cnnlab.loading import exercises_from

    notes += _confine(confine, config)
    _capture_output()
    watch = _ImportWatch(wire, config["skip"], EXERCISES)
    sys.meta_path.insert(0, watch)
    seccomp = confine.seccomp() if config["seccomp"] else "seccomp filter not requested"
    fresh = _FreshState(np)  # before the student's imports: they may take random's functions
    with exercises_from(config["folder"]) as loaded:
        missing = _missing_functions(loaded, EXERCISES)
        functions = {name: loaded.function(name) for names in EXERCISES.values()
                     for name in names if name not in missing}
        _send(wire, {"ready": missing, "seccomp": seccomp, "notes": notes})
        watch.importing_done = True
        describe = (builtin_name, error_text, lambda e: where_in(e, config["folder"]))
        _serve(wire, fresh, functions, describe)


def _confine(confine, config: dict) -> list[str]:
    """Scratch, Landlock, user: what the student's code can reach. Notes on what was done."""
    scratch, drop, who = config["scratch"], config.get("drop"), ""
    if drop and drop["per_process"]:  # a uid of its own: no hand-in can touch another's files
        who = f"a uid and gid of its own ({drop['uid']} + its pid)"
        drop = {**drop, "uid": drop["uid"] + os.getpid(), "gid": drop["gid"] + os.getpid()}
    os.makedirs(scratch, mode=0o700, exist_ok=True)  # fresh: made by the grader or emptied
    if drop:  # the hand-in and the scratch become the worker user's, and nobody else's
        for folder in (scratch, config["folder"]):
            _own(folder, drop["uid"], drop["gid"])
    os.chdir(scratch)
    for name in ("HOME", "TMPDIR"):
        os.environ[name] = scratch
    os.environ["MPLCONFIGDIR"] = os.path.join(scratch, ".matplotlib")
    import tempfile

    tempfile.tempdir = scratch
    notes = []
    notes.append(confine.landlock([*config["read_only"], config["folder"]],
                                  [scratch, "/dev/null"]))
    if drop:
        keep = drop["keep_read_search"] and notes[-1].endswith("in force")
        notes.append(confine.drop_user(drop["uid"], drop["gid"], keep, who))
    return notes


def _own(folder: str, uid: int, gid: int) -> None:
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)
    os.chown(folder, uid, gid)
    os.chmod(folder, 0o700)


class _CappedOutput:
    """sys.stdout and sys.stderr: the first ``OUTPUT_CAP`` bytes go to the grader's file, the
    rest is dropped at once (a print flood costs no time and no disk)."""

    encoding, errors = "utf-8", "replace"

    def __init__(self):
        self.written = 0

    def write(self, text) -> int:
        text = str(text)
        if self.written < OUTPUT_CAP:
            data = text[:OUTPUT_CAP - self.written].encode("utf-8", "replace")
            self.written += len(data)
            with contextlib.suppress(OSError):
                os.write(OUTPUT, data[:OUTPUT_CAP])
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return OUTPUT

    def writable(self) -> bool:
        return True


def _capture_output() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past RLIMIT_FSIZE fails, no kill
    for fd in (1, 2):
        os.dup2(OUTPUT, fd)
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = _CappedOutput()


# --- the fork server: numpy (and what students often import) loaded once ------------------

def _fork_server(config: dict) -> None:
    """Fork one child per submission on request. The grader sends
    ``{"spawn": config}`` with the child's three fds, ``{"kill": pid}`` or
    ``{"status": pid}`` over a Unix socket; each gets a JSON reply. Its own limits are the
    ones it was started with: it never raises them (a hard limit may be set outside)."""
    import socket

    import confine
    import numpy  # noqa: F401  (loaded once here, shared by every child)
    import wire

    import cnnlab.loading  # noqa: F401
    for name in config["preload"]:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    import errors  # noqa: F401

    if config.get("known_calls") is not None:
        KNOWN[:] = wire.loads_from_grader(_read_all(config["known_calls"]))
    gc.freeze()  # what is loaded stays shared with the children: no collection touches it
    confine.die_with_parent()
    control = socket.socket(fileno=config["control"])
    statuses: dict[int, int] = {}
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 20, 3)
        if not message:
            os._exit(0)  # the grader is gone
        request = json.loads(message)
        if "spawn" in request:
            reply = {"pid": _spawn_child(control, request["spawn"], fds, config)}
        elif "kill" in request:
            with contextlib.suppress(ProcessLookupError):
                os.kill(request["kill"], signal.SIGKILL)
            reply = {"status": _reap(request["kill"], statuses, config, block=True)}
        else:
            reply = {"status": _reap(request["status"], statuses, config, block=False)}
        _reap(-1, statuses, config, block=False)
        control.sendall(json.dumps(reply).encode())


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _child_scratch(server: dict, pid: int) -> str:
    return os.path.join(server["scratch_root"], f"hand-in-{pid}")


def _spawn_child(control, config: dict, fds: list[int], server: dict) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            control.close()
            scratch = _child_scratch(server, os.getpid())
            shutil.rmtree(scratch, ignore_errors=True)  # never what an earlier child left
            _run_submission({**config, "scratch": scratch}, fds)
        finally:
            os._exit(0)
    for fd in fds:
        os.close(fd)
    return pid


def _reap(pid: int, statuses: dict[int, int], server: dict, block: bool) -> int | None:
    """Collect finished children (their exit status, negative for a signal) and remove their
    scratch folders; return ``pid``'s status if it has finished."""
    deadline = time.monotonic() + (2 if block else 0)
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            break
        if done:
            statuses[done] = os.waitstatus_to_exitcode(status)
            shutil.rmtree(_child_scratch(server, done), ignore_errors=True)
            if pid == -1:
                continue
        if done or time.monotonic() >= deadline:
            break
        time.sleep(0.005)
    return statuses.pop(pid, None) if pid != -1 else None


class _ImportWatch:
    """A meta-path finder that finds nothing itself. It tells the grader which exercise
    module is being imported, so that an import that hangs or ends the process is blamed on
    the right module, and it refuses the modules that failed that way before."""

    def __init__(self, wire, skip: list[str], exercises):
        self.wire, self.skip, self.exercises = wire, set(skip), exercises
        self.importing_done = False  # then only replies may go out: an import inside a call
        # (of a module that was not handed in) must not put a message between them

    def find_spec(self, fullname: str, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if name not in self.exercises or package not in ("", "exercises", "solutions"):
            return None
        if name in self.skip:
            raise ImportError(f"{name}.py was skipped: it did not import in an earlier attempt")
        if not self.importing_done:
            _send(self.wire, {"importing": name})
        return None


def _missing_functions(loaded, exercises) -> dict[str, str]:
    missing = {}
    for module, names in exercises.items():
        for name in names:
            if module in loaded.missing:
                missing[name] = f"{module}.py was not handed in"
            elif module in loaded.errors:
                missing[name] = f"{module}.py does not import: {loaded.errors[module]}"
            elif not callable(getattr(loaded.modules[module], name, None)):
                missing[name] = f"{module}.py has no function {name}"
    return missing


def _serve(wire, fresh, functions: dict, describe) -> None:
    replies = _Replies()
    signal.signal(signal.SIGALRM, replies.on_timer)
    ndarray = fresh.np.ndarray
    while True:
        request = wire.loads_from_grader(_receive())
        function = functions[request["function"]]
        calls = (request["calls"] if "known" not in request else
                 [_fresh_copy(KNOWN[number], ndarray) for number in request["known"]])
        for args, kwargs in calls:
            replies.add(_call(wire, fresh, function, args, kwargs, request, describe,
                              replies))
        replies.flush()


def _fresh_copy(value, ndarray):
    """A copy of a known call's arguments, as decoding its data would give: the student's
    function may change its inputs, and every call must get the suite's."""
    kind = type(value)
    if kind is ndarray:
        return value.copy()
    if kind is tuple:
        return tuple(_fresh_copy(item, ndarray) for item in value)
    if kind is list:
        return [_fresh_copy(item, ndarray) for item in value]
    if kind is dict:
        return {key: _fresh_copy(item, ndarray) for key, item in value.items()}
    return value  # numbers, strings, None, numpy scalars: immutable


class _Replies:
    """Replies go out in bunches, a write every ``BUNCH_SECONDS`` rather than one per call: a
    call takes some 30 µs, and a write with the grader waking up for it costs more. A timer
    sends what waits ``BUNCH_SECONDS`` after it was added, so a call that hangs (or runs
    long) holds back no earlier reply: the grader blames the call that really hangs.

    The timer only sends while the student's function runs (``in_student``): anywhere else
    this code may be halfway through changing ``pending``, and it is about to send anyway."""

    def __init__(self):
        self.pending: list[bytes] = []
        self.size = 0
        self.since = 0.0
        self.in_student = False

    def add(self, data: bytes) -> None:
        self.pending.append(struct.pack(">I", len(data)) + data)
        self.size += len(data)
        now = time.monotonic()
        if len(self.pending) == 1:
            self.since = now
            signal.setitimer(signal.ITIMER_REAL, BUNCH_SECONDS)
        elif now - self.since >= BUNCH_SECONDS or self.size >= BUNCH_BYTES:
            self.flush()

    def flush(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        pending, self.pending, self.size = self.pending, [], 0
        if pending:
            _write(b"".join(pending))

    def on_timer(self, signum, frame) -> None:
        if self.in_student:
            self.flush()
        else:
            signal.setitimer(signal.ITIMER_REAL, BUNCH_SECONDS / 5)


class _FreshState:
    """Called before each call: a student who uses randomness gets the same numbers on every
    call and every run, and numpy warns as it does by default. Seeding costs some µs, as
    much as the rest of a call here, and hardly any hand-in uses randomness: Python's
    ``random`` and numpy's global generator (``np.random.rand`` and the like) are seeded
    again only after a call used them (their functions are watched), and numpy's error
    handling is set again only after a call changed it."""

    # numpy's global generator through functions that are not its methods
    NOT_METHODS = ("seed", "ranf", "sample", "get_bit_generator", "set_bit_generator")

    def __init__(self, np):
        self.np, self.used = np, True
        self.seed, self.np_seed = random._inst.seed, np.random.seed
        self._watch(random, random._inst)
        legacy = np.random.mtrand._rand
        for module in (np.random, np.random.mtrand):
            self._watch(module, legacy, self.NOT_METHODS)
        config = getattr(getattr(np, "_core", None), "_ufunc_config", None)
        self.errors_var = getattr(config, "_extobj_contextvar", None)  # numpy >= 2
        self.errors_set = None

    def _watch(self, module, generator, also: tuple[str, ...] = ()) -> None:
        for name in dir(module):
            method = getattr(module, name, None)
            if getattr(method, "__self__", None) is generator or (name in also
                                                                  and callable(method)):
                setattr(module, name, self._watched(method))

    def _watched(self, method):
        def watched(*args, **kwargs):
            self.used = True
            return method(*args, **kwargs)
        return watched

    def __call__(self) -> None:
        if self.used:
            self.np_seed(0)
            self.seed(0)
            self.used = False
        if self.errors_var is None or self.errors_var.get() is not self.errors_set:
            self.np.seterr(**NUMPY_ERRORS)
            self.errors_set = self.errors_var and self.errors_var.get()


def _call(wire, fresh, function, args, kwargs, request: dict, describe, replies) -> bytes:
    """The encoded reply: the result (and the inputs after the call), or what went wrong
    (kind, text, built-in exception name, where in the student's files)."""
    builtin_name, error_text, where = describe
    fresh()
    try:
        with warnings.catch_warnings():
            if request["warnings_as_errors"]:
                warnings.simplefilter("error", RuntimeWarning)
            replies.in_student = True
            try:
                value = function(*args, **kwargs)
            finally:
                replies.in_student = False
    except NotImplementedError:
        return wire.NOT_IMPLEMENTED_REPLY
    except BaseException as problem:  # student code may raise anything, even SystemExit
        return wire.dumps({"error": ["raised", error_text(problem), builtin_name(type(problem)),
                                     where(problem)]})
    try:  # plain data? otherwise say what is not
        if request["return_inputs"]:
            return wire.dumps({"ok": value, "inputs": [list(args), kwargs]})
        return wire.ok_reply(value)
    except BaseException as problem:  # WireError, or what a hostile object raises
        return wire.dumps({"error": ["invalid_result", f"returned {error_text(problem)}, not "
                                     "plain data", None, None]})


# --- the protocol: a 4-byte length, then a wire message ----------------------------------

def _send(wire, message: dict) -> None:
    _send_bytes(wire.dumps(message))


def _send_bytes(data: bytes) -> None:
    _write(struct.pack(">I", len(data)) + data)


def _write(data: bytes) -> None:
    while data:
        data = data[os.write(REPLIES, data):]


def _receive() -> bytes:
    size = struct.unpack(">I", _read_exactly(4))[0]
    return _read_exactly(size)


def _read_exactly(size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(REQUESTS, remaining)
        if not chunk:
            os._exit(0)  # the grader is done
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


if __name__ == "__main__":
    main()
