"""A worker waiting for a core is told apart from one that loops or sleeps (``starvation``),
so a busy machine does not turn a correct call into a timeout."""

import os
import subprocess
import sys
import time

import pytest

from autograder.sandbox.starvation import Usage, tree_usage, waited_between

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


def test_a_looping_tree_is_always_on_a_core_or_waiting_for_one(child):
    """However busy the machine: what it did not get, it waited for."""
    root = child(LOOP).pid
    before, started = tree_usage(root), time.monotonic()
    time.sleep(0.5)
    after, elapsed = tree_usage(root), time.monotonic() - started
    assert before is not None and after is not None
    assert after.cpu_seconds > before.cpu_seconds
    used = after.cpu_seconds - before.cpu_seconds + waited_between(before, after)
    assert used > 0.5 * elapsed


def test_a_sleeping_tree_neither_runs_nor_waits_for_a_core(child):
    root = child(SLEEP).pid
    before = tree_usage(root)
    time.sleep(0.5)
    after = tree_usage(root)
    assert before is not None and after is not None
    assert after.cpu_seconds - before.cpu_seconds < 0.05
    assert waited_between(before, after) < 0.05


def test_two_loops_on_one_core_each_wait_about_half_the_time(child):
    """Starvation made on purpose: both pinned to one core, so each waits while the other
    runs (whatever else the machine does, they wait at least for each other)."""
    cores = sorted(os.sched_getaffinity(0))[:1]
    roots = [child(f"import os; os.sched_setaffinity(0, {cores})\n{LOOP}").pid
             for _ in range(2)]
    before = [tree_usage(root) for root in roots]
    time.sleep(1.0)
    after = [tree_usage(root) for root in roots]
    for b, a in zip(before, after, strict=True):
        assert waited_between(b, a) > 0.2


def test_a_process_that_is_gone_cannot_be_measured():
    process = subprocess.Popen(["true"])
    process.wait()
    assert tree_usage(process.pid) is None


def test_nothing_is_credited_without_a_measurement():
    assert waited_between(None, Usage(1.0, 2.0)) == 0.0
    assert waited_between(Usage(1.0, 2.0), None) == 0.0


def test_waiting_is_credited_at_most_the_functions_and_the_hand_ins_time_again():
    """Threads a hand-in spins beside a sleeping call wait for a core as well: without a
    bound, a hand-in with 10 s in all ran 41 s and was charged 3.7 s."""
    from autograder.sandbox import Limits
    from autograder.sandbox.budget import Budget
    budget = Budget(Limits(seconds_per_function=5, seconds_total=8))
    budget.spend("relu", 4.0, waited=400.0)  # waited for a core the whole time, 100 threads
    assert budget.function_time["relu"] == 0.0
    budget.spend("relu", 4.0, waited=4.0)
    assert budget.function_time["relu"] == 3.0  # 1 s of credit was left of relu's 5
    budget.spend("sigmoid", 6.0, waited=6.0)
    assert budget.function_time["sigmoid"] == 3.0  # 3 s left of the hand-in's 8
    assert budget.creditable("max_pool", 1.0) == 0.0
    assert budget.time_used == 6.0
