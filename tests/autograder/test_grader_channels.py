"""No channel and no shared state between hand-ins: what one hand-in leaves in System V or POSIX
IPC, a keyring, the fork server's scheduling, its scratch folder or the task table never
reaches the next hand-in, and nothing a worker makes outlives it. In both isolations, with
the fork server (where every hand-in of a grading process is a child of one process) and
without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from grader_helpers import perfect_with

from autograder.sandbox import Limits, SandboxedStudent, bwrap_works
from autograder.sandbox.isolation import scratch_root

ISOLATIONS = ["process", pytest.param("bwrap", marks=pytest.mark.skipif(
    not bwrap_works(), reason="bubblewrap does not work on this machine"))]
LIMITS = Limits(seconds_per_call=30, seconds_import=30)  # generous: verdicts never race time
KEY = 0x0C11AB  # the System V key both hand-ins use

# Each attempt's outcome: what it got, or the name of the error that stopped it.
IPC_WRITER = f"""
import ctypes, errno, os

LIBC = ctypes.CDLL(None, use_errno=True)
KEY, PAYLOAD = {KEY}, b"conv2d = lambda image, kernel: ..."


def _tried(result):
    return errno.errorcode.get(ctypes.get_errno(), "?") if result == -1 else "made"


def same_padding(k):
    outcome = {{}}
    shm = LIBC.shmget(KEY, 4096, 0o1666)  # IPC_CREAT | 0666
    outcome["shm"] = _tried(shm)
    if shm != -1:
        LIBC.shmat.restype = ctypes.c_void_p
        address = LIBC.shmat(shm, None, 0)
        ctypes.memmove(address, PAYLOAD, len(PAYLOAD))
    outcome["msg"] = _tried(LIBC.msgget(KEY, 0o1666))
    outcome["sem"] = _tried(LIBC.semget(KEY, 1, 0o1666))
    outcome["mq"] = _tried(LIBC.syscall(240, b"cnnlab-channel", os.O_CREAT | os.O_RDWR,
                                        0o666, None))
    outcome["key"] = _tried(LIBC.syscall(248, b"user", b"cnnlab-channel", PAYLOAD,
                                         len(PAYLOAD), -4))  # the user keyring
    return outcome
"""
IPC_READER = f"""
import ctypes, os

LIBC = ctypes.CDLL(None, use_errno=True)


def same_padding(k):
    found = []
    if LIBC.shmget({KEY}, 0, 0) != -1:
        found.append("shm")
    if LIBC.msgget({KEY}, 0) != -1:
        found.append("msg")
    if LIBC.semget({KEY}, 0, 0) != -1:
        found.append("sem")
    if LIBC.syscall(240, b"cnnlab-channel", os.O_RDWR, 0, None) != -1:
        found.append("mq")
    if LIBC.syscall(249, b"user", b"cnnlab-channel", None, 0) != -1:
        found.append("key")
    return found
"""


def _call(folder: Path, isolation: str, fork_server: bool, argument=3, limits=LIMITS):
    with SandboxedStudent(folder, limits, isolation, fork_server) as student:
        return student.call_many("same_padding", [((argument,), {})])[0]


def _host_ipc_keys() -> set[int]:
    """The keys of the System V objects in this (the host's) IPC namespace."""
    keys = set()
    for kind in ("shm", "msg", "sem"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        keys |= {int(line.split()[0]) for line in lines}
    return keys


@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("fork_server", [True, False], ids=["fork-server", "fresh-worker"])
def test_no_data_passes_between_hand_ins_through_ipc_or_keyrings(tmp_path, isolation,
                                                                 fork_server):
    before = _host_ipc_keys()
    wrote = _call(perfect_with(tmp_path / "a", "padding", IPC_WRITER), isolation, fork_server)
    found = _call(perfect_with(tmp_path / "b", "padding", IPC_READER), isolation, fork_server)
    assert set(wrote.values()) == {"EPERM"}, wrote  # seccomp denies each of them
    assert found == []
    assert KEY not in _host_ipc_keys() and _host_ipc_keys() <= before  # nothing left behind


HOG = """
import os, threading, time


def same_padding(k):
    done = {}
    server = os.getppid()
    for name, attempt in (
            ("affinity", lambda: os.sched_setaffinity(server, {0})),
            ("nice", lambda: os.setpriority(os.PRIO_PROCESS, server, 19)),
            ("group_nice", lambda: os.setpriority(os.PRIO_PGRP, 0, 19)),
            ("user_nice", lambda: os.setpriority(os.PRIO_USER, os.getuid(), 19)),
            ("idle", lambda: os.sched_setscheduler(server, os.SCHED_IDLE,
                                                   os.sched_param(0)))):
        try:
            attempt()
            done[name] = "changed"
        except OSError as error:
            done[name] = type(error).__name__
    threads = 0
    try:
        for _ in range(2000):
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
            threads += 1
    except RuntimeError:
        pass
    done["threads"] = threads
    for place in ("/tmp", "/dev/shm"):
        try:
            open(f"{place}/cnnlab-hog-left", "w").write("left for the next hand-in")
        except OSError:
            pass
    written = 0
    try:
        for number in range(50):  # 400 MiB in files of 8 MiB, more than its share
            with open(f"filler-{number}", "wb") as filler:
                filler.write(bytes(8 * 2**20))
            written += 8
    except OSError:
        pass
    done["written_mib"] = written
    os.makedirs("locked/deeper", exist_ok=True)
    open("locked/deeper/x", "w").write("x")
    os.chmod("locked/deeper", 0)
    os.chmod("locked", 0)
    os.chmod(".", 0o500)
    return done
"""
PROBE = """
import os


def same_padding(k):
    free = os.statvfs(".")
    with open("probe", "wb") as probe:
        probe.write(bytes(16 * 2**20 - 1))
    return {"affinity": sorted(os.sched_getaffinity(0)), "nice": os.getpriority(
                os.PRIO_PROCESS, 0), "policy": os.sched_getscheduler(0),
            "free_mib": free.f_bavail * free.f_frsize // 2**20, "cwd": os.getcwd()}
"""


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_hand_in_cannot_slow_starve_or_fill_the_disk_of_the_next(tmp_path, isolation):
    baseline = _call(perfect_with(tmp_path / "a", "padding", PROBE), isolation, True)
    hog = _call(perfect_with(tmp_path / "hog", "padding", HOG), isolation, True)
    after = _call(perfect_with(tmp_path / "b", "padding", PROBE), isolation, True)
    assert {hog[name] for name in ("affinity", "nice", "group_nice", "user_nice", "idle")} \
        == {"PermissionError"}, hog  # only on itself
    assert hog["threads"] < LIMITS.tasks  # its own tasks are counted, however many it asks
    assert hog["written_mib"] < LIMITS.scratch_bytes // 2**20 + 1  # its scratch has a quota
    assert {k: v for k, v in after.items() if k != "cwd"} == \
        {k: v for k, v in baseline.items() if k != "cwd"}
    assert after["free_mib"] >= LIMITS.scratch_bytes // 2**20 - 1


def test_nothing_a_worker_made_stays_behind_even_when_made_unreadable(tmp_path):
    before = set(os.listdir(scratch_root()))
    for fork_server in (True, False):
        folder = perfect_with(tmp_path / f"hog-{fork_server}", "padding", HOG)
        _call(folder, "process", fork_server)
    assert set(os.listdir(scratch_root())) <= before
    assert not any(Path(place, "cnnlab-hog-left").exists() for place in ("/tmp", "/dev/shm"))
