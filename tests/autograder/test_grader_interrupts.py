"""Ctrl-C and SIGTERM during ``cnnlab grade``, sent for real to a real run of part of the example
class (the hidden suite, sandboxes, grading processes): the first signal ends the run with what is
graded written and one line, exit 130 (SIGINT) or 143 (SIGTERM); a second signal while that
is under way exits at once. Never a traceback, never a process left behind: the run goes
through ``subreaper.py``, which finds every descendant, also the sandboxes started in their
own sessions and the orphans of killed parents.

Signals go to the process group, as a terminal's Ctrl-C and ``timeout -s INT`` send them
(the grading processes then get them too), or to the cnnlab process alone, as ``kill`` does.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from grader_helpers import quick_class

from autograder import interrupts
from autograder.interrupts import interruptible

HERE = Path(__file__).resolve().parents[1]  # tests/, where subreaper.py is
# Quick hand-ins first, so that the signal comes early; the endless loop of s007 (5 s to its
# time limit) keeps the run going until it comes, also on a loaded machine. The whole class
# took 15 to 23 s of CPU to the signal and through the wrap-up, this part 5 to 8.
INTERRUPTED = ("s004_off_by_one", "s005_missing_module", "s006_syntax_error",
               "s007_infinite_loop", "s008_crashing_import")
HAND_INS = len(INTERRUPTED)
WAIT_SECONDS = 600  # for the first graded hand-in and for the end (a loaded machine is slow)


class Run:
    """``cnnlab grade`` of the ``INTERRUPTED`` hand-ins under ``subreaper.py``."""

    def __init__(self, tmp_path: Path):
        self.out, self.report = tmp_path / "out", tmp_path / "report.json"
        self.stderr_path = tmp_path / "stderr.txt"
        submissions = quick_class(tmp_path / "class", INTERRUPTED)
        command = [sys.executable, str(HERE / "subreaper.py"), str(self.report), "--",
                   sys.executable, "-m", "cnnlab", "grade", str(submissions), "--out",
                   str(self.out), "-j", "2"]
        with open(self.stderr_path, "w") as err, open(tmp_path / "stdout.txt", "w") as out:
            self.wrapper = subprocess.Popen(command, stdout=out, stderr=err)
        self.pid = int(self._wait_for(lambda: Path(f"{self.report}.pid").read_text()))

    def _wait_for(self, probe):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                value = probe()
            except (OSError, ValueError):
                value = None
            if value:
                return value
            assert self.wrapper.poll() is None, self.stderr()
            time.sleep(0.05)
        raise AssertionError(f"gave up waiting:\n{self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_until_graded(self, count: int = 1) -> None:
        self._wait_for(lambda: self.stderr().count("\ngraded ") >= count)

    def signal(self, number: int, group: bool) -> None:
        (os.killpg if group else os.kill)(self.pid, number)

    def result(self) -> dict:
        self.wrapper.wait(timeout=WAIT_SECONDS + 60)
        return json.loads(self.report.read_text())


def _graded_rows(out: Path) -> list[str]:
    with open(out / "grades.csv", newline="") as file:
        return [row["student"] for row in csv.DictReader(file)]


def _gradebook_rows(out: Path) -> int:
    with sqlite3.connect(out / "gradebook.sqlite") as book:
        return book.execute("SELECT COUNT(*) FROM grades").fetchone()[0]


@pytest.mark.parametrize("group", [True, False], ids=["to the group", "to cnnlab alone"])
def test_one_ctrl_c_writes_what_is_graded_says_one_line_and_exits_130(tmp_path, group):
    run = Run(tmp_path)
    run.wait_until_graded()
    run.signal(signal.SIGINT, group)
    report = run.result()
    err = run.stderr()
    assert report["left"] == [] and report["status"] == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted: ") and last.endswith(
        f" of {HAND_INS} graded; run again with --resume")
    graded = int(last.split()[1])
    assert 1 <= graded < HAND_INS
    assert len(_graded_rows(run.out)) == graded
    assert len(list((run.out / "feedback").glob("*.md"))) == graded
    assert _gradebook_rows(run.out) == graded


def test_a_second_ctrl_c_during_the_wrap_up_exits_at_once_leaving_nothing(tmp_path):
    run = Run(tmp_path)
    run.wait_until_graded()
    run.signal(signal.SIGINT, group=True)
    time.sleep(0.3)  # the first is being handled: the grading processes are being killed
    run.signal(signal.SIGINT, group=True)
    report = run.result()
    err = run.stderr()
    assert report["left"] == [] and report["status"] == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_sigterm_does_the_same_with_exit_143(tmp_path):
    run = Run(tmp_path)
    run.wait_until_graded()
    run.signal(signal.SIGTERM, group=False)
    report = run.result()
    err = run.stderr()
    assert report["left"] == [] and report["status"] == 143, err
    assert err.strip().splitlines()[-1].startswith("interrupted: ")
    assert "Traceback" not in err


def test_the_second_signal_ends_the_children_and_exits_at_once(tmp_path):
    """The mechanism alone, deterministic: a wrap-up that would take a minute is cut short
    by the second signal, and the child process it had started is gone with it."""
    script = f"""
import multiprocessing, sys, time
sys.path.insert(0, {str(HERE.parent)!r})
from autograder.interrupts import Interrupted, interruptible
with interruptible():
    try:
        time.sleep(60)
    except Interrupted:
        child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(60,))
        child.start()
        print("wrapping up", child.pid, flush=True)
        time.sleep(60)
print("the wrap-up ended by itself", flush=True)
"""
    report = tmp_path / "report.json"
    wrapper = subprocess.Popen([sys.executable, str(HERE / "subreaper.py"), str(report), "--",
                                sys.executable, "-c", script], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not Path(f"{report}.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(Path(f"{report}.pid").read_text())
    time.sleep(1)  # inside the sleep of the try block
    os.kill(pid, signal.SIGINT)
    line = wrapper.stdout.readline()
    assert line.startswith("wrapping up")
    os.kill(pid, signal.SIGINT)
    out, err = wrapper.communicate(timeout=60)
    result = json.loads(report.read_text())
    assert result == {"status": interrupts.exit_status(signal.SIGINT), "left": []}
    assert "the wrap-up ended by itself" not in out and "interrupted again" in err


HALF_A_RESULT = """
import multiprocessing, os, signal, struct, sys, time
from concurrent.futures import ProcessPoolExecutor
sys.path.insert(0, sys.argv[1])
from autograder import interrupts

def half_a_result():  # the start of a 10 MB result, then the grading process is killed
    os.write(POOL._result_queue._writer.fileno(), struct.pack("!i", 10_000_000) + b"x" * 10)
    os.kill(os.getpid(), signal.SIGKILL)

POOL = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
POOL.submit(half_a_result)
time.sleep(1)  # the pool's result thread now waits for the rest of the message
print("left", flush=True)
interrupts.leave(130)
"""


def test_a_run_stopped_while_a_result_was_half_sent_still_exits():
    """A grading process killed while it sent its result left the pool's result thread
    waiting for the rest for ever, and Python's exit joins that thread: ``cnnlab grade`` said
    "interrupted: 1 of 11 graded" and hung (a Ctrl-C to the group, once in a suite run). A
    stopped run leaves without that join (with a plain exit this script hangs)."""
    done = subprocess.run([sys.executable, "-c", HALF_A_RESULT, str(HERE.parent)],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (130, "left\n"), done.stderr


class _StopsInItsDestructor:
    """An object whose ``__del__`` takes the signal: the handler's ``Interrupted`` is raised
    there, where Python prints and drops it (as in a garbage-collector callback)."""

    def __del__(self):
        signal.raise_signal(signal.SIGINT)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the drop
def test_a_signal_whose_interrupt_was_dropped_stops_the_run_at_the_next_loop_step():
    with interruptible():
        _StopsInItsDestructor()  # dropped at once: the Interrupted is raised and lost
        with pytest.raises(interrupts.Interrupted) as stop:
            interrupts.raise_pending()  # what the drawing and grading loops call
        interrupts.stopped()
        interrupts.raise_pending()  # the run has stopped for it: nothing pending
    assert stop.value.signum == signal.SIGINT
