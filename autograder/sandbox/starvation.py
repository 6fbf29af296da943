"""Was a call slow, or was the machine busy? The time a call may take must not depend on load.

A call's limit, and each function's and hand-in's share of time, are wall-clock time measured
by the grader. On a busy machine (a laptop running a browser, CI beside other jobs) a worker
that is ready to run may wait a long time for a core, and a correct call could then miss its
deadline. The kernel counts that wait for every thread (``/proc/<pid>/task/<tid>/schedstat``:
time on a CPU, time waiting on a run queue), so the grader, from outside the sandbox, does not
charge it: a deadline moves on by the time the worker's processes spent waiting for a core
since its batch started (at most ``STARVED_CAP`` times the limit per call), and the time
spent on a batch less that wait is what the function's and the hand-in's shares are charged.
The wait is summed over the worker's threads, and threads a hand-in spins beside its call wait
too: the credit is never more than the time that passed, and in all at most the function's and
the hand-in's time again (``budget.Budget.creditable``).
A worker that loops gets the CPU and times out as before; one that sleeps is not waiting for a
core and times out as before.

Where ``/proc`` cannot tell (another OS, a process already gone), nothing is credited.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

STARVED_CAP = 3  # a call waits at most this many times its limit, however busy the machine


@dataclass(frozen=True)
class Usage:
    cpu_seconds: float  # on a CPU: every living thread of the tree
    waiting_seconds: float  # runnable, waiting for a CPU


def tree_usage(root: int) -> Usage | None:
    """What ``root`` and its descendants have used so far; None when /proc cannot say."""
    cpu = waiting = 0
    seen: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        found = _process(pid)
        if found is None:
            if pid == root:
                return None
            continue  # ended meanwhile
        on_cpu, waited, children = found
        cpu, waiting = cpu + on_cpu, waiting + waited
        todo.extend(children)
    return Usage(cpu / 1e9, waiting / 1e9)


def _process(pid: int) -> tuple[int, int, list[int]] | None:
    """Nanoseconds on a CPU and waiting for one, of all its threads; its children."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    on_cpu = waited = 0
    children: list[int] = []
    for task in tasks:
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open(f"/proc/{pid}/task/{task}/schedstat") as file:
                run, wait = file.read().split()[:2]
            with open(f"/proc/{pid}/task/{task}/children") as file:
                children += [int(c) for c in file.read().split()]
            on_cpu, waited = on_cpu + int(run), waited + int(wait)
    return on_cpu, waited, children


def waited_between(before: Usage | None, after: Usage | None) -> float:
    """Seconds the tree waited for a CPU between two measurements (0 when unknown)."""
    if before is None or after is None:
        return 0.0
    return max(0.0, after.waiting_seconds - before.waiting_seconds)
