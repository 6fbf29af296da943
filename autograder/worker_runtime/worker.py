"""What runs inside the sandbox: import a student's modules, then call their functions on request.

Started by ``autograder.sandbox`` as ``python -I -S -B worker.py CONFIG_JSON`` from a private
copy of this folder (next to ``cnnlab/loading.py``, ``catalog.py``, ``calls.py`` and the given
code), or forked by the fork server (``forkserver.py``). It imports only the standard library,
numpy and the student's code. Four file descriptors come from the grader: requests (read),
replies (write), a file for what the student's code prints (only the current call's output),
and a memfd the grader lays each batch's input arrays out in (``inputs``): the student's
function works on views of the grader's memory, and the grader reads the inputs back itself.

Before any student code runs the worker lowers its limits, takes its own namespaces and a
tmpfs scratch folder (cwd, HOME, TMPDIR), confines itself with Landlock, drops to an
unprivileged user when it is root, and installs a seccomp filter (``confine``).

Messages are a 4-byte big-endian length and a ``wire`` message: ``["importing", module]``
while importing, ``["ready", missing, seccomp note, notes, partial]`` once imported (``partial``:
module -> what was left out of it, ``LoadedExercises.partial``), then one reply per
call of each request ``["call", function, return_inputs, warnings_as_errors, calls]``:
``["ok", value]`` (with ``[args, kwargs]`` after the call when asked: an array as None, or as
its new ``[dtype, shape]`` when the call reshaped or retyped it in place) or
``["error", kind, text, builtin, where, printed]``.
"""

import json
import mmap
import os
import signal
import struct
import sys
import time

UNDESCRIBED = "(an exception the worker could not describe)"


def main() -> None:
    config = json.loads(sys.argv[1])
    sys.path[:0] = [config["runtime"], config["given"], *config["site_packages"]]
    if "control" in config:
        import forkserver

        forkserver.serve(config)
    else:
        run_submission(config, config["fds"])


def run_submission(config: dict, fds: list[int]) -> None:
    """Confine this process, import the student's modules, then answer calls until the end."""
    requests, replies, printed, inputs = fds
    import confine

    confine.die_with_parent()
    notes = confine.lower_limits({"RLIMIT_AS": config["memory_bytes"],
                                  "RLIMIT_CPU": config["cpu_seconds"],
                                  "RLIMIT_FSIZE": config["file_bytes"], "RLIMIT_CORE": 0,
                                  "RLIMIT_NOFILE": config["open_files"]})
    import numpy  # noqa: F401  (before the student's code: it may not import otherwise)
    import wire

    from cnnlab import calls
    from cnnlab.catalog import EXERCISES
    from cnnlab.loading import exercises_from

    region = mmap.mmap(inputs, config["inputs_bytes"])  # shared, writable: the grader's
    os.close(inputs)
    notes += _confine(confine, config)
    output = _capture_output(calls, printed)
    channel = Channel(requests, replies, config["bunch"])
    watch = _ImportWatch(channel, wire, config["skip"], EXERCISES)
    sys.meta_path.insert(0, watch)
    seccomp = confine.seccomp() if config["seccomp"] else "seccomp filter not requested"
    fresh = calls.FreshState(watch=config["lazy_seeding"])
    with exercises_from(config["folder"], config["skip"]) as loaded:
        missing = _missing_functions(loaded, EXERCISES)
        functions = {name: loaded.function(name) for names in EXERCISES.values()
                     for name in names if name not in missing}
        channel.send(wire.message("ready", missing, seccomp, notes, loaded.partial))
        watch.importing_done = True
        Answers(calls, wire, functions, config["folder"], output, fresh).serve(channel, region)


def _confine(confine, config: dict) -> list[str]:
    """Namespaces, scratch, Landlock, user, task limit: what the student's code can reach
    and use. Notes on what was done."""
    scratch, drop, who = config["scratch"], config.get("drop"), ""
    if drop and drop["per_process"]:  # a uid of its own: no hand-in can touch another's files
        who = f"a uid and gid of its own ({drop['uid']} + its pid)"
        drop = {**drop, "uid": drop["uid"] + os.getpid(), "gid": drop["gid"] + os.getpid()}
    notes = []
    if config.get("cgroup"):
        notes.append(confine.join_cgroup(config["cgroup"], f"hand-in-{os.getpid()}",
                                         config["tasks"]))
    os.makedirs(scratch, mode=0o700, exist_ok=True)  # fresh: made by the grader or emptied
    owner = (drop["uid"], drop["gid"]) if drop else None
    notes.append(confine.own_namespaces(scratch, config["scratch_bytes"],
                                        config["scratch_files"], owner))
    if drop:  # the hand-in and the scratch become the worker user's, and nobody else's
        for folder in (scratch, config["folder"]):
            _own(folder, drop["uid"], drop["gid"])
    os.chdir(scratch)
    for name in ("HOME", "TMPDIR"):
        os.environ[name] = scratch
    os.environ["MPLCONFIGDIR"] = os.path.join(scratch, ".matplotlib")
    import tempfile

    tempfile.tempdir = scratch
    notes.append(confine.landlock([*config["read_only"], config["folder"]],
                                  [scratch, "/dev/null"]))
    if drop:
        keep = drop["keep_read_search"] and notes[-1].endswith("in force")
        notes.append(confine.drop_user(drop["uid"], drop["gid"], keep, who))
    notes += confine.lower_limits({"RLIMIT_NPROC": config["tasks"]})
    return [*notes, *_task_note(config, drop, notes)]


def _task_note(config: dict, drop: dict | None, notes: list[str]) -> list[str]:
    """Whether ``RLIMIT_NPROC`` bounds this worker's own tasks, where no pids cgroup does."""
    tasks = config["tasks"]
    if any(note.startswith(f"at most {tasks} tasks") for note in notes):
        return []
    if drop and drop["per_process"]:
        return [f"at most {tasks} tasks (RLIMIT_NPROC of its own uid)"]
    if any("its own user" in note and "no scratch quota" not in note for note in notes) \
            and not config["kernel_root"]:
        return [f"at most {tasks} tasks (RLIMIT_NPROC, counted in its own user namespace)"]
    return ["WEAKER: no task limit of its own (RLIMIT_NPROC counts every process of its user "
            "and does not apply to root; no pids cgroup)"]


def _own(folder: str, uid: int, gid: int) -> None:
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)
    os.chown(folder, uid, gid)
    os.chmod(folder, 0o700)


def _capture_output(calls, printed: int):
    """The student's printing goes to ``printed``, the current call's output only
    (``calls.CallOutput``); also what C code writes to fds 1 and 2."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past RLIMIT_FSIZE fails, no kill
    for fd in (1, 2):
        os.dup2(printed, fd)
    output = calls.CallOutput(printed)
    # The original streams too (Final in typeshed): the student's code must not find them.
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = output  # type: ignore[misc]
    return output


class _ImportWatch:
    """A meta-path finder that finds nothing itself. It tells the grader which exercise
    module is being imported, so that an import that hangs or ends the process is blamed on
    the right module, and it refuses the modules that failed that way before."""

    def __init__(self, channel, wire, skip: list[str], exercises):
        self.channel, self.wire, self.skip, self.exercises = channel, wire, set(skip), exercises
        self.importing_done = False  # then only replies may go out: an import inside a call
        # (of a module that was not handed in) must not put a message between them

    def find_spec(self, fullname: str, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if name not in self.exercises or package not in ("", "exercises", "solutions"):
            return None
        if name in self.skip:
            raise ImportError(f"{name}.py was skipped: it did not import in an earlier attempt")
        if not self.importing_done:
            self.channel.send(self.wire.message("importing", name))
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


# --- calls ------------------------------------------------------------------------------------

class Answers:
    """Runs each request's calls with ``calls.run_call`` and encodes their replies."""

    def __init__(self, calls, wire, functions: dict, folder: str, output, fresh):
        self.calls, self.wire, self.functions = calls, wire, functions
        self.folder, self.output, self.fresh = folder, output, fresh
        import numpy as np

        self.ndarray = np.ndarray

    def serve(self, channel, region) -> None:
        while True:
            request, _ = self.wire.read_message(channel.receive(), region=region)
            _, name, return_inputs, warnings_as_errors, calls = request
            function = self.functions[name]
            for args, kwargs in calls:
                layouts = self.layouts(args, kwargs) if return_inputs else None
                channel.reclaim_timer()
                channel.in_student = True
                try:
                    outcome = self.call(function, args, kwargs, warnings_as_errors)
                finally:
                    channel.in_student = False
                channel.add(self.reply(outcome, args, kwargs, layouts))
            channel.flush()

    def call(self, function, args, kwargs, warnings_as_errors: bool):
        """``calls.run_call``, which describes whatever the student's code raises; should a
        hostile exception still get past it, that call fails and the worker goes on to the
        function's next calls (ending would lose them, and tell a crash)."""
        calls = self.calls
        try:
            return calls.run_call(function, args, kwargs, files=self.folder, output=self.output,
                                  warnings_as_errors=warnings_as_errors, fresh=self.fresh,
                                  passthrough=())
        except:  # noqa: E722  even a class that `except BaseException` does not catch
            return calls.Outcome(failure=calls.Failure(calls.RAISED, UNDESCRIBED,
                                                       "BaseException"))

    def layouts(self, args, kwargs) -> tuple[list, dict]:
        """Each array argument's dtype and shape before the call (others: None)."""
        return ([self._layout(a) for a in args], {k: self._layout(v) for k, v in kwargs.items()})

    def _layout(self, value) -> list | None:
        if type(value) is not self.ndarray:
            return None
        try:  # the dtype's own name; one the wire does not know is reported as a change
            return [self.wire.dtype_name(value.dtype), list(value.shape)]
        except Exception:
            return ["?", list(value.shape)]

    def _after(self, value, layout: list | None):
        """An argument after the call, as reported: an array that kept its dtype and shape
        as None (the grader reads its values from the shared memory), one that the call
        reshaped or retyped in place (``x.shape = ...``) as its new [dtype, shape]."""
        if layout is None:
            return value
        now = self._layout(value)
        return None if now == layout else now

    def reply(self, outcome, args, kwargs, layouts: tuple[list, dict] | None) -> bytes:
        """The encoded reply: the result (and, with ``layouts``, the arguments after the
        call), or what went wrong."""
        wire, failure = self.wire, outcome.failure
        if failure is not None:
            if failure.kind == self.calls.NOT_IMPLEMENTED and \
                    failure.text == self.calls.NOT_IMPLEMENTED_TEXT:
                return wire.NOT_IMPLEMENTED_REPLY  # the usual one, encoded once
            try:  # exact strs from calls.py; a hostile object's text must not end the worker
                return wire.message("error", failure.kind, failure.text, failure.builtin,
                                    failure.where, failure.printed)
            except BaseException:
                return wire.message("error", failure.kind, UNDESCRIBED, "BaseException",
                                    None, "")
        try:  # plain data? otherwise say what is not
            if layouts is not None:
                return wire.message("ok", outcome.value, [
                    [self._after(a, layout) for a, layout in zip(args, layouts[0], strict=True)],
                    {k: self._after(v, layouts[1][k]) for k, v in kwargs.items()}])
            return wire.message("ok", outcome.value)
        except BaseException as problem:  # WireError, or what a hostile object raises
            text = f"returned {self.calls.error_text(problem)}, not plain data"
            return wire.message("error", "invalid_result", text, None, None, "")


# --- the protocol: a 4-byte length, then a wire message ----------------------------------

class Channel:
    """Requests in, replies out. With ``bunch``, replies wait up to ``BUNCH_SECONDS`` to go
    out together (a write with the grader waking up for it costs more than a quick call); a
    timer sends what waits while the student's function runs, so a call that hangs holds
    back no earlier reply and the grader blames the call that really hangs. The timer only
    sends while the student's function runs (``in_student``): anywhere else this code may be
    halfway through changing ``pending``, and it is about to send anyway."""

    BUNCH_SECONDS = 0.005
    BUNCH_BYTES = 1 << 20

    def __init__(self, requests: int, replies: int, bunch: bool):
        self.requests, self.replies, self.bunch = requests, replies, bunch
        self.pending: list[bytes] = []
        self.size, self.since = 0, 0.0
        self.in_student = False
        if bunch:
            signal.signal(signal.SIGALRM, self.on_timer)

    def send(self, data: bytes) -> None:
        self._write(struct.pack(">I", len(data)) + data)

    def add(self, data: bytes) -> None:
        if not self.bunch:
            return self.send(data)
        self.pending.append(struct.pack(">I", len(data)) + data)
        self.size += len(data)
        now = time.monotonic()
        if len(self.pending) == 1:
            self.since = now
            signal.setitimer(signal.ITIMER_REAL, self.BUNCH_SECONDS)
        elif now - self.since >= self.BUNCH_SECONDS or self.size >= self.BUNCH_BYTES:
            self.flush()
        return None

    def flush(self) -> None:
        if not self.bunch:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        pending, self.pending, self.size = self.pending, [], 0
        if pending:
            self._write(b"".join(pending))

    def reclaim_timer(self) -> None:
        """The timer's signal handled and let through again before each call: an earlier
        call may have blocked SIGALRM or put a handler of its own (``signal.alarm``), and a
        call that hangs would then hold back the replies before it, blamed for the hang."""
        if self.bunch:
            if signal.getsignal(signal.SIGALRM) != self.on_timer:
                signal.signal(signal.SIGALRM, self.on_timer)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGALRM,))

    def on_timer(self, signum, frame) -> None:
        if self.in_student:
            self.flush()
        else:
            signal.setitimer(signal.ITIMER_REAL, self.BUNCH_SECONDS / 5)

    def _write(self, data: bytes) -> None:
        while data:
            data = data[os.write(self.replies, data):]

    def receive(self) -> bytes:
        size = struct.unpack(">I", self._read_exactly(4))[0]
        return self._read_exactly(size)

    def _read_exactly(self, size: int) -> bytes:
        buffer = bytearray(size)
        view, done = memoryview(buffer), 0
        while done < size:
            read = os.readv(self.requests, [view[done:]])
            if not read:
                os._exit(0)  # the grader is done
            done += read
        return bytes(buffer)


if __name__ == "__main__":
    main()
