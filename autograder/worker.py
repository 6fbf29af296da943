"""What runs inside the sandbox: import a student's modules, then call their functions on request.

Started by ``autograder.sandbox`` as ``python -I -S -B worker.py CONFIG_JSON``, from a private
copy next to ``wire.py``, ``cnnlab/loading.py``, ``cnnlab/catalog.py`` and the given code.
It imports only the standard library, numpy and the student's code. Requests come in on one
pipe and replies go out on another (length-prefixed ``wire`` messages; the grader passes the
fds); the student's stdout and stderr go elsewhere, so printing cannot corrupt the protocol.

Before any student code runs it limits its own memory and CPU time, asks to die with its
parent, makes itself non-dumpable, and (x86-64 Linux) installs a seccomp filter: no new
processes or programs, no sockets, no signals to other processes, no raising of limits.

With a ``control`` socket in its config it is instead the *fork server*: it imports numpy and
what students often import once, then forks a child per submission on request.
"""

import contextlib
import ctypes
import importlib
import json
import os
import platform
import random
import resource
import shutil
import signal
import struct
import sys
import time
import warnings

REQUESTS, REPLIES = 3, 4  # replaced by the fds the grader passes


def main() -> None:
    config = json.loads(sys.argv[1])
    sys.path[:0] = [config["runtime"], config["given"], *config["site_packages"]]
    if "control" in config:
        _fork_server(config)
    else:
        _run_submission(config, config["fds"])


def _run_submission(config: dict, fds: list[int]) -> None:
    """Limit this process, import the student's modules, then answer calls until the end."""
    global REQUESTS, REPLIES
    REQUESTS, REPLIES = fds
    _limit_resources(config)
    import numpy as np
    import wire

    from cnnlab.catalog import EXERCISES
    from cnnlab.loading import exercises_from

    sys.meta_path.insert(0, _ImportWatch(wire, config["skip"], EXERCISES))
    seccomp = _install_seccomp() if config["seccomp"] else "seccomp filter not requested"
    with exercises_from(config["folder"]) as loaded:
        missing = _missing_functions(loaded, EXERCISES)
        functions = {name: loaded.function(name) for names in EXERCISES.values()
                     for name in names if name not in missing}
        _send(wire, {"ready": missing, "seccomp": seccomp})
        _serve(wire, np, functions)


# --- the fork server: numpy (and what students often import) loaded once ------------------

def _fork_server(config: dict) -> None:
    """Fork one child per submission on request. The grader sends
    ``{"spawn": config}`` with the child's two protocol fds, ``{"kill": pid}`` or
    ``{"status": pid}`` over a Unix socket; each gets a JSON reply."""
    import socket

    import numpy  # noqa: F401  (loaded once here, shared by every child)
    import wire  # noqa: F401

    import cnnlab.loading  # noqa: F401
    for name in config["preload"]:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    unlimited = resource.RLIM_INFINITY  # the children set their own limits
    _limit_resources({"memory_bytes": unlimited, "cpu_seconds": unlimited,
                      "file_bytes": unlimited})
    control = socket.socket(fileno=config["control"])
    statuses: dict[int, int] = {}
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 20, 2)
        if not message:
            os._exit(0)  # the grader is gone
        request = json.loads(message)
        if "spawn" in request:
            reply = {"pid": _spawn_child(control, request["spawn"], fds)}
        elif "kill" in request:
            with contextlib.suppress(ProcessLookupError):
                os.kill(request["kill"], signal.SIGKILL)
            reply = {"status": _reap(request["kill"], statuses, block=True)}
        else:
            reply = {"status": _reap(request["status"], statuses, block=False)}
        _reap(-1, statuses, block=False)
        control.sendall(json.dumps(reply).encode())


def _spawn_child(control, config: dict, fds: list[int]) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            control.close()
            scratch = f"/tmp/cnnlab-submission-{os.getpid()}"
            os.makedirs(scratch, exist_ok=True)
            os.chdir(scratch)
            _run_submission(config, fds)
        finally:
            os._exit(0)
    for fd in fds:
        os.close(fd)
    return pid


def _reap(pid: int, statuses: dict[int, int], block: bool) -> int | None:
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
            shutil.rmtree(f"/tmp/cnnlab-submission-{done}", ignore_errors=True)
            if pid == -1:
                continue
        if done or time.monotonic() >= deadline:
            break
        time.sleep(0.005)
    return statuses.pop(pid, None) if pid != -1 else None


def _limit_resources(config: dict) -> None:
    for name, value in (("RLIMIT_AS", config["memory_bytes"]),
                        ("RLIMIT_CPU", config["cpu_seconds"]),
                        ("RLIMIT_FSIZE", config["file_bytes"]), ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the grader, also unwrapped
        libc.prctl(4, 0)  # PR_SET_DUMPABLE 0: no /proc/<pid>/mem of the fork server for a child


class _ImportWatch:
    """A meta-path finder that finds nothing itself. It tells the grader which exercise
    module is being imported, so that an import that hangs or ends the process is blamed on
    the right module, and it refuses the modules that failed that way before."""

    def __init__(self, wire, skip: list[str], exercises):
        self.wire, self.skip, self.exercises = wire, set(skip), exercises

    def find_spec(self, fullname: str, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if name not in self.exercises or package not in ("", "exercises", "solutions"):
            return None
        if name in self.skip:
            raise ImportError(f"{name}.py was skipped: it did not import in an earlier attempt")
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


def _serve(wire, np, functions: dict) -> None:
    while True:
        request = wire.loads(_receive())
        function = functions[request["function"]]
        for args, kwargs in request["calls"]:
            _send_bytes(_call(wire, np, function, args, kwargs, request))


def _call(wire, np, function, args, kwargs, request: dict) -> bytes:
    """The encoded reply: the result (and the inputs after the call), or what went wrong."""
    np.random.seed(0)  # a student who uses randomness gets the same numbers on every run
    random.seed(0)
    np.seterr(divide="warn", over="warn", invalid="warn", under="ignore")
    try:
        with warnings.catch_warnings():
            if request["warnings_as_errors"]:
                warnings.simplefilter("error", RuntimeWarning)
            value = function(*args, **kwargs)
    except NotImplementedError:
        return wire.dumps({"error": ["not_implemented", "still raises NotImplementedError",
                                     None]})
    except BaseException as problem:  # student code may raise anything, even SystemExit
        return wire.dumps({"error": ["raised", error_text(problem), builtin_name(type(problem))]})
    reply = {"ok": value}
    if request["return_inputs"]:
        reply["inputs"] = [list(args), kwargs]
    try:
        return wire.dumps(reply)  # plain data? otherwise say what is not
    except BaseException as problem:  # WireError, or what a hostile object raises
        return wire.dumps({"error": ["invalid_result", f"returned {error_text(problem)}, not plain "
                                     "data", None]})


def error_text(error: BaseException) -> str:
    try:
        return (str(error) or type(error).__name__)[:500]  # MemoryError() says nothing
    except BaseException:  # a __str__ that raises
        return "(the exception cannot be shown)"


def builtin_name(kind: type) -> str:
    """The exception's nearest built-in class: a student's ``class ShapeError(ValueError)``
    is a ValueError."""
    for cls in kind.__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return "BaseException"


# --- the protocol: a 4-byte length, then a wire message ----------------------------------

def _send(wire, message: dict) -> None:
    _send_bytes(wire.dumps(message))


def _send_bytes(data: bytes) -> None:
    data = struct.pack(">I", len(data)) + data
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
            sys.exit(0)  # the grader is done
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# --- seccomp: a classic BPF filter, built by hand to need no library ----------------------

AUDIT_ARCH_X86_64 = 0xC000003E
ALLOW, KILL = 0x7FFF0000, 0x80000000
EPERM, ENOSYS = 0x00050000 | 1, 0x00050000 | 38
CLONE_THREAD = 0x10000
# x86-64 numbers of the system calls student code never needs.
DENIED = (57, 58, 59, 322,  # fork, vfork, execve, execveat
          41, 42, 53,  # socket, connect, socketpair
          101, 310, 311,  # ptrace, process_vm_readv/writev
          160, 165, 166, 272, 308, 155, 161,  # setrlimit, mount, umount2, unshare, setns, ...
          169, 246, 175, 313, 176,  # reboot, kexec_load, modules
          200, 129, 297, 424,  # tkill, rt_(tg)sigqueueinfo, pidfd_send_signal
          425, 112, 109, 135, 250, 321, 298, 323, 312)  # io_uring, setsid, setpgid, ...
CLONE, CLONE3, KILL_NR, TGKILL, PRLIMIT64 = 56, 435, 62, 234, 302


def _install_seccomp() -> str:
    """Install the filter; return a note on what was done."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        return f"no seccomp filter on {sys.platform}/{platform.machine()}"
    program = _assemble(_filter_program(os.getpid()))
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(program)

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Program(len(program) // 8, ctypes.addressof(buffer))
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return f"no seccomp filter: prctl failed (errno {ctypes.get_errno()})"
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
        return f"no seccomp filter: prctl failed (errno {ctypes.get_errno()})"
    return "seccomp filter installed"


def _filter_program(pid: int) -> list[tuple]:
    """(opcode, k, jump-if-true label, jump-if-false label) or ("label", name)."""
    arg = lambda i, high=False: 16 + 8 * i + (4 if high else 0)  # noqa: E731
    program = [("ld", 4), ("jeq", AUDIT_ARCH_X86_64, None, "kill"), ("ld", 0),
               ("jge", 0x40000000, "deny", None)]
    program += [("jeq", nr, "deny", None) for nr in DENIED]
    program += [("jeq", CLONE3, "enosys", None), ("jeq", CLONE, "clone", None),
                ("jeq", KILL_NR, "own_pid", None), ("jeq", TGKILL, "own_pid", None),
                ("jeq", PRLIMIT64, "prlimit", None), ("ret", ALLOW),
                ("label", "clone"), ("ld", arg(0)), ("jset", CLONE_THREAD, "allow", "deny"),
                ("label", "own_pid"), ("ld", arg(0)), ("jeq", pid, "allow", "deny"),
                ("label", "prlimit"), ("ld", arg(2)), ("jeq", 0, None, "deny"),
                ("ld", arg(2, high=True)), ("jeq", 0, "allow", "deny"),
                ("label", "allow"), ("ret", ALLOW), ("label", "deny"), ("ret", EPERM),
                ("label", "enosys"), ("ret", ENOSYS), ("label", "kill"), ("ret", KILL)]
    return program


def _assemble(program: list[tuple]) -> bytes:
    opcodes = {"ld": 0x20, "jeq": 0x15, "jge": 0x35, "jset": 0x45, "ret": 0x06}
    labels, index = {}, 0
    for item in program:
        if item[0] == "label":
            labels[item[1]] = index
        else:
            index += 1
    code, index = b"", 0
    for item in program:
        if item[0] == "label":
            continue
        op, k, *jumps = item
        jt, jf = (labels[j] - index - 1 if j else 0 for j in (jumps or [None, None]))
        code += struct.pack("HBBI", opcodes[op], jt, jf, k)
        index += 1
    return code


if __name__ == "__main__":
    main()
