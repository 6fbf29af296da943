"""What a hand-in's code can reach, in both isolations, forked or started fresh: nothing of the
grader's (class folder, OUT, the suite cache, the project, the grader's /proc), and nothing a
previous hand-in left behind. Also: per-function budgets, hard rlimits, located errors."""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from grader_helpers import PERFECT, ROOT, perfect_with

from autograder.results import CRASHED, RAISED, TIMEOUT
from autograder.sandbox import Limits, SandboxedStudent, bwrap_works, isolation_note
from autograder.sandbox import isolation as isolation_module

ISOLATIONS = ["process", pytest.param("bwrap", marks=pytest.mark.skipif(
    not bwrap_works(), reason="bubblewrap does not work on this machine"))]
LIMITS = Limits(seconds_per_call=20, seconds_import=30)  # generous: verdicts never race time

WRITER = """
def same_padding(paths):
    import os
    outcomes = []
    for path in paths:
        try:
            with open(path, "a") as handle:
                handle.write("hacked")
            outcomes.append("wrote")
        except OSError as error:
            outcomes.append(type(error).__name__)
    return outcomes
"""
READER = """
def same_padding(paths):
    outcomes = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                handle.read(16)
            outcomes.append("read")
        except OSError as error:
            outcomes.append(type(error).__name__)
    return outcomes
"""


@pytest.fixture(params=ISOLATIONS)
def isolation(request):
    return request.param


@pytest.fixture(params=[True, False], ids=["fork-server", "fresh-worker"])
def fork_server(request):
    return request.param


def _call(folder: Path, isolation: str, fork_server: bool, argument):
    with SandboxedStudent(folder, LIMITS, isolation, fork_server) as student:
        return student.call_many("same_padding", [((argument,), {})])[0]


def _snapshot(paths: list[Path]) -> dict[str, bytes | None]:
    return {str(p): p.read_bytes() if p.exists() else None for p in paths}


def test_the_grader_files_cannot_be_written(tmp_path, isolation, fork_server, monkeypatch):
    classmate = perfect_with(tmp_path / "class" / "classmate", "padding", "")
    out = tmp_path / "out"
    out.mkdir()
    sqlite3.connect(out / "gradebook.sqlite").execute("CREATE TABLE grades (x)").connection \
        .commit()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "suite.json").write_text("{}")
    monkeypatch.setenv("CNNLAB_CACHE", str(cache))
    targets = [classmate / "padding.py", classmate / "new.py", out / "gradebook.sqlite",
               out / "grades.csv", cache / "suite.json", cache / "new.npz",
               ROOT / "solutions" / "padding.py"]
    before = _snapshot(targets)
    attacker = perfect_with(tmp_path / "class" / "attacker", "padding", WRITER)
    outcomes = _call(attacker, isolation, fork_server, [str(t) for t in targets])
    assert "wrote" not in outcomes, dict(zip(map(str, targets), outcomes, strict=True))
    assert _snapshot(targets) == before


def test_the_graders_proc_entries_cannot_be_read(tmp_path, isolation, fork_server):
    attacker = perfect_with(tmp_path / "attacker", "padding", READER)
    grader = os.getpid()
    paths = [f"/proc/{grader}/environ", f"/proc/{grader}/mem", f"/proc/{grader}/cmdline",
             "/proc/1/environ"]
    outcomes = _call(attacker, isolation, fork_server, paths)
    assert "read" not in outcomes, dict(zip(paths, outcomes, strict=True))


# Kernel memory that RLIMIT_AS does not count: a memfd written to (16 MiB each, as many as
# there are file descriptors), and pipes (up to 1 MiB each).
HOARDER = """
def same_padding(k):
    import os
    outcomes = {}
    try:
        os.memfd_create("hoard")
        outcomes["memfd"] = "created"
    except OSError as error:
        outcomes["memfd"] = type(error).__name__
    pipes = []
    try:
        while len(pipes) < 5000:
            pipes.append(os.pipe())
    except OSError as error:
        outcomes["pipes_stopped_by"] = type(error).__name__
    outcomes["pipes"] = len(pipes)
    return outcomes
"""


def test_memory_outside_the_address_space_limit_is_bounded(tmp_path, isolation, fork_server):
    outcomes = _call(perfect_with(tmp_path / "s", "padding", HOARDER), isolation, fork_server, 3)
    assert outcomes["memfd"] == "PermissionError"
    assert outcomes["pipes"] * 2 <= LIMITS.open_files
    assert outcomes["pipes_stopped_by"] == "OSError"  # EMFILE: too many open files


LEAVER = """
def same_padding(k):
    import os
    outcomes = {"cwd": os.getcwd(), "tmpdir": os.environ.get("TMPDIR", "")}
    for name, path in (("tmp", "/tmp/x"), ("cwd_x", "x"),
                       ("tmpdir_x", os.path.join(os.environ.get("TMPDIR", "."), "x"))):
        try:
            with open(path, "w") as handle:
                handle.write("a message for the next hand-in")
            outcomes[name] = "wrote"
        except OSError as error:
            outcomes[name] = type(error).__name__
    return outcomes
"""
FINDER = """
def same_padding(places):
    import os
    return [p for p in places if os.path.exists(p)]
"""


def test_nothing_a_hand_in_writes_reaches_the_next(tmp_path, isolation, fork_server):
    first = _call(perfect_with(tmp_path / "a", "padding", LEAVER), isolation, fork_server, 3)
    assert first["cwd_x"] == "wrote"  # its own scratch folder is writable
    assert first["tmp"] != "wrote" or first["tmpdir"] == "/tmp"
    places = ["/tmp/x", os.path.join(first["cwd"], "x"), os.path.join(first["tmpdir"], "x"),
              "x"]
    found = _call(perfect_with(tmp_path / "b", "padding", FINDER), isolation, fork_server,
                  places)
    assert found == []


def test_a_slow_function_costs_only_its_own_share_of_time(tmp_path):
    folder = perfect_with(tmp_path / "s", "padding", """
        def same_padding(kernel_size):
            import time
            time.sleep(1.5)
            return (kernel_size - 1) // 2
    """)
    limits = Limits(seconds_per_call=30, seconds_per_function=4, seconds_total=600)
    with SandboxedStudent(folder, limits) as student:
        slow = student.call_many("same_padding", [((3,), {})] * 8)
        again = student.call_many("same_padding", [((3,), {})])
        other = student.call_many("conv_output_size", [((5, 3), {"padding": 1})] * 50)
    assert slow[0] == 1  # 1.5 s fits in the 4 s share at least once, on any machine
    assert all(r.kind == TIMEOUT for r in slow[3:])  # 3 x 1.5 s > 4 s, on any machine
    assert "4 s for all its calls" in slow[-1].message
    assert again[0].kind == TIMEOUT
    assert other == [5] * 50  # (5 + 2 - 3) + 1, by hand


def test_an_error_names_the_line_of_the_students_file(tmp_path):
    folder = perfect_with(tmp_path / "s", "padding", """
        def same_padding(kernel_size):
            return helper(kernel_size)


        def helper(k):
            raise KeyError("no such size")  # the line to find
    """)
    lines = (folder / "padding.py").read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "the line to find" in line)
    for fork in (True, False):
        error = _call(folder, "process", fork, 3)
        assert error.kind == RAISED and error.exception_type == "KeyError"
        assert error.where == (f"padding.py, line {number}: raise KeyError(\"no such size\")  "
                               "# the line to find")


@pytest.mark.parametrize("isolation", ["process", *(["bwrap"] if bwrap_works() else [])])
def test_what_a_call_printed_comes_with_its_exit_crash_or_timeout_and_nothing_else(
        tmp_path, isolation):
    folder = perfect_with(tmp_path / "s", "padding", """
        def same_padding(kernel_size):
            import os, sys
            print(f"start of call {kernel_size} " + "x" * 5000)
            if kernel_size < 3:
                return 0
            print("last words", kernel_size)
            if kernel_size == 3:
                sys.exit(2)
            if kernel_size == 5:
                os._exit(1)
            while True:
                pass
    """)
    limits = Limits(seconds_per_call=3, seconds_import=30)
    failed = {}
    for number in (3, 5, 7):  # a function that crashed or hung is not called again
        with SandboxedStudent(folder, limits, isolation) as student:
            _, failed[number] = student.call_many("same_padding", [((1,), {}), ((number,), {})])
    exited, crashed, hung = failed.values()
    for number, error in failed.items():
        assert error.printed.startswith(f"start of call {number} xxx"), error.printed
        assert error.printed.endswith(f"last words {number}\n"), error.printed
        assert "start of call 1 " not in error.printed  # another call's output
        assert "bytes cut ..." in error.printed and len(error.printed) <= 2200
    assert exited.exception_type == "SystemExit" and crashed.kind == CRASHED
    assert hung.kind == TIMEOUT


def test_the_note_says_what_the_code_can_reach_without_landlock(monkeypatch):
    monkeypatch.setattr(isolation_module, "landlock_abi", lambda: 0)
    monkeypatch.setattr(isolation_module, "worker_drop", lambda: None)
    note = isolation_note("process")
    assert "WEAKER" in note and "OUT" in note and "suite cache" in note
    monkeypatch.setattr(isolation_module, "landlock_abi", lambda: 7)
    assert "WEAKER" not in isolation_note("process")
    assert "Landlock" in isolation_note("process")


def test_a_probe_that_times_out_is_retried_and_bwrap_never_falls_back(monkeypatch):
    tries = []

    def run(command, **kwargs):
        tries.append(command)
        if len(tries) < 3:
            raise subprocess.TimeoutExpired(command, kwargs["timeout"])
        return subprocess.CompletedProcess(command, 0, b"", b"")

    isolation_module.bwrap_probe.cache_clear()
    monkeypatch.setattr(isolation_module.os, "access", lambda *a: True)
    monkeypatch.setattr(isolation_module.subprocess, "run", run)
    try:
        assert isolation_module.isolation_choice("auto")[0] == "bwrap"
        assert len(tries) == 3
        isolation_module.bwrap_probe.cache_clear()
        tries.clear()
        monkeypatch.setattr(isolation_module, "PROBE_TRIES", 2)
        choice, why = isolation_module.isolation_choice("auto")
        assert choice == "process" and "did not finish" in why and len(tries) == 2
        isolation_module.bwrap_probe.cache_clear()
        tries.clear()
        with pytest.raises(RuntimeError, match=r"bwrap' was requested but .*did not finish"):
            isolation_module.isolation_choice("bwrap")
    finally:
        isolation_module.bwrap_probe.cache_clear()


HOSTILE = {
    "hang": "def same_padding(k):\n    while True:\n        pass\n",
    "crash": "def same_padding(k):\n    import ctypes\n    return ctypes.string_at(0)\n",
    "exit": "def same_padding(k):\n    import os\n    os._exit(0)\n",
    "recursion": "def same_padding(k):\n    import sys\n    sys.setrecursionlimit(10**9)\n"
                 "    def down(n):\n        return down(n + 1) + 1\n    return down(0)\n",
    "memory": "def same_padding(k):\n    return len(bytearray(10 * 2**30))\n",
}
GRADE_UNDER_LIMIT = """
import json, sys
from pathlib import Path
sys.path.insert(0, "tests")
from grader_helpers import FakeEngine
from autograder.pipeline import Options, grade_class
from autograder.sandbox import Limits
run = grade_class(Path(sys.argv[1]), Path(sys.argv[2]),
                  Options(jobs=1, limits=Limits(seconds_per_call=3, seconds_import=30)),
                  FakeEngine)
print(json.dumps({"scores": {r.student: r.score for r in run.results},
                  "errors": run.errors}))
"""


def _hard_address_space_limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


@pytest.mark.parametrize("isolation_name", ["process", *(["bwrap"] if bwrap_works() else [])])
def test_hostile_hand_ins_are_all_graded_under_a_hard_memory_limit(tmp_path, isolation_name):
    for name, code in HOSTILE.items():
        perfect_with(tmp_path / "class" / name, "padding", code)
    perfect_with(tmp_path / "class" / "clean", "padding", "")
    environment = {**os.environ, "CNNLAB_SANDBOX": isolation_name,
                   "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(GRADE_UNDER_LIMIT),
                           str(tmp_path / "class"), str(tmp_path / "out")], cwd=ROOT,
                          env=environment, capture_output=True, text=True,
                          preexec_fn=_hard_address_space_limit, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    run = json.loads(done.stdout.splitlines()[-1])
    assert run["errors"] == {}
    full = run["scores"]["clean"]
    assert set(run["scores"]) == {*HOSTILE, "clean"}
    assert all(full - 1 <= score < full for name, score in run["scores"].items()
               if name != "clean"), run["scores"]


def test_the_perfect_student_is_unaffected_by_confinement(isolation, fork_server):
    with SandboxedStudent(PERFECT, LIMITS, isolation, fork_server) as student:
        assert student.missing() == {}
        assert student.call_many("same_padding", [((5,), {})]) == [2]


WHO = """
def same_padding(k):
    import os
    return [os.getuid(), os.getgid(), os.getgroups()]
"""
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the grader drops a user only as root")


@root_only
def test_a_root_graders_workers_run_as_distinct_unprivileged_users(tmp_path, fork_server):
    folder = perfect_with(tmp_path / "s", "padding", WHO)
    with SandboxedStudent(folder, LIMITS, "process", fork_server) as first, \
            SandboxedStudent(folder, LIMITS, "process", fork_server) as second:
        (uid, gid, groups), (other_uid, _, _) = (
            s.call_many("same_padding", [((3,), {})])[0] for s in (first, second))
    assert uid >= isolation_module.UID_BASE and gid >= isolation_module.UID_BASE
    assert groups == [] and other_uid != uid  # running at the same time: never one uid


@root_only
def test_the_worker_user_can_be_named(tmp_path, monkeypatch):
    import pwd

    nobody = pwd.getpwnam("nobody")
    monkeypatch.setenv(isolation_module.WORKER_USER_ENV, "nobody")
    folder = perfect_with(tmp_path / "s", "padding", WHO)
    assert _call(folder, "process", False, 3) == [nobody.pw_uid, nobody.pw_gid, []]
    monkeypatch.setenv(isolation_module.WORKER_USER_ENV, "no-such-user-here")
    with pytest.raises(RuntimeError, match="no-such-user-here"):
        isolation_module.worker_drop()


def test_an_import_error_names_the_file_and_line(tmp_path):
    folder = perfect_with(tmp_path / "s", "pooling", "", top="import numpy as np\nx = 1 +\n")
    with SandboxedStudent(folder, LIMITS) as student:
        missing = student.missing()
    assert "SyntaxError in pooling.py, line 2" in missing["max_pool"]


def test_a_hard_limit_below_the_wanted_one_is_used_and_noted():
    script = ("import resource, sys; sys.path.insert(0, 'autograder/worker_runtime'); "
              "import confine; notes = confine.lower_limits({'RLIMIT_AS': 4 * 2**30}); "
              "print(resource.getrlimit(resource.RLIMIT_AS)[0], notes)")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, preexec_fn=_hard_address_space_limit, check=True)
    limit, notes = done.stdout.split(" ", 1)
    assert int(limit) == 3 * 2**30  # kept the outside hard limit, did not fail raising it
    assert "below the 4294967296 asked for" in notes


def test_the_in_process_student_also_says_where(tmp_path):
    from autograder.inprocess import InProcessStudent

    source = tmp_path / "padding.py"
    source.write_text("def same_padding(k):\n    return {}[k]\n")
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    error = InProcessStudent({"same_padding": namespace["same_padding"]}).call_many(
        "same_padding", [((3,), {})])[0]
    assert error.exception_type == "KeyError" and error.where == "padding.py, line 2: return {}[k]"


@pytest.mark.skipif(not isolation_module.landlock_abi(), reason="needs Landlock")
def test_landlock_alone_confines_a_worker_of_the_graders_own_user(tmp_path, monkeypatch,
                                                                   fork_server):
    import autograder.sandbox.session as session

    monkeypatch.setattr(session, "worker_drop", lambda: None)  # as a grader that is not root
    secret = tmp_path / "class" / "classmate" / "padding.py"
    secret.parent.mkdir(parents=True)
    secret.write_text("the classmate's work")
    os.chmod(secret, 0o666)  # even a file everybody may write
    who = _call(perfect_with(tmp_path / "w", "padding", WHO), "process", fork_server, 3)
    assert who[0] == os.getuid()  # not dropped: only Landlock stands between
    wrote = _call(perfect_with(tmp_path / "a", "padding", WRITER), "process", fork_server,
                  [str(secret), "/tmp/x"])
    read = _call(perfect_with(tmp_path / "b", "padding", READER), "process", fork_server,
                 [str(secret), f"/proc/{os.getpid()}/environ"])
    assert "wrote" not in wrote and "read" not in read
    assert secret.read_text() == "the classmate's work"


def test_a_project_installed_inside_python_is_cut_out_of_what_workers_read(tmp_path):
    for folder in ("lib/site/numpy", "lib/site/solutions", "lib/site/scipy", "bin"):
        (tmp_path / folder).mkdir(parents=True)
    hidden = [str(tmp_path / "lib" / "site" / "solutions")]
    allowed = isolation_module.allowed_around([str(tmp_path)], hidden)
    assert sorted(allowed) == sorted(str(tmp_path / p) for p in (
        "bin", "lib/site/numpy", "lib/site/scipy"))


def test_a_dead_fork_server_is_replaced_and_the_hand_in_goes_on(isolation):
    import signal

    from autograder.sandbox import forkserver

    with SandboxedStudent(PERFECT, LIMITS, isolation, fork_server=True) as student:
        assert student.call_many("same_padding", [((3,), {})]) == [1]
        server = forkserver.fork_server(isolation)
        os.killpg(server.popen.pid, signal.SIGKILL)  # as the OOM killer would
        server.popen.wait()
        import select  # wait until its worker has died with it: its end of the pipe closes

        assert select.select([student._session.channel.replies], [], [], 60)[0]
        lost = student.call_many("conv_output_size", [((5, 3), {})])[0]
        assert lost.kind == CRASHED  # the call that met the dead worker
        assert student.call_many("shared_weights", [((3, 2), {})]) == [6]  # 3 * 2, by hand
    assert forkserver.fork_server(isolation) is not server
    with SandboxedStudent(PERFECT, LIMITS, isolation, fork_server=True) as student:
        assert student.call_many("same_padding", [((5,), {})]) == [2]
        assert not any("fresh worker instead" in note for note in student.notes)
