"""A worker waiting for a core is told apart from one that loops or sleeps (``starvation``),
so a busy machine does not turn a correct call into a timeout."""

import subprocess
import sys
import time

import pytest

from autograder.sandbox.starvation import Usage, tree_usage, was_starved

LOOP = "while True: pass"
SLEEP = "import time; time.sleep(60)"


@pytest.fixture
def child():
    started = []

    def start(code: str) -> subprocess.Popen:
        # a shell between: the tree must be walked down to the Python process
        process = subprocess.Popen(["sh", "-c", f'"{sys.executable}" -c "{code}"; :'])
        started.append(process)
        time.sleep(0.5)
        return process

    yield start
    for process in started:
        subprocess.run(["pkill", "-KILL", "-P", str(process.pid)], check=False)
        process.kill()
        process.wait()


def test_a_looping_tree_is_runnable_and_gains_cpu_time(child):
    root = child(LOOP).pid
    before = tree_usage(root)
    time.sleep(0.5)
    after = tree_usage(root)
    assert before is not None and after is not None
    assert after.runnable
    assert after.cpu_seconds > before.cpu_seconds


def test_a_sleeping_tree_is_not_runnable(child):
    usage = tree_usage(child(SLEEP).pid)
    assert usage is not None and not usage.runnable


def test_a_process_that_is_gone_cannot_be_measured():
    process = subprocess.Popen(["true"])
    process.wait()
    assert tree_usage(process.pid) is None


def test_little_cpu_while_runnable_is_starvation():
    assert was_starved(Usage(1.0, True), Usage(1.2, True), wall_seconds=3.0)


def test_its_share_of_a_core_is_not_starvation():
    assert not was_starved(Usage(1.0, True), Usage(3.9, True), wall_seconds=3.0)


def test_sleeping_is_not_starvation():
    assert not was_starved(Usage(1.0, False), Usage(1.0, False), wall_seconds=3.0)


def test_without_a_measurement_nothing_is_starvation():
    assert not was_starved(None, Usage(1.0, True), wall_seconds=3.0)
