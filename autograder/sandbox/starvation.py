"""Was a call slow, or was the machine busy? The time per call must not depend on the load.

A call's limit is wall-clock time, measured by the grader. On a busy machine (a laptop running
a browser, CI beside other jobs) a worker that is ready to run may get a small share of a
core, and a correct call could then miss its deadline. So when a call runs out of time, the
grader looks at the worker's processes (``/proc``, from outside the sandbox): when one of them
is runnable and the worker got less than half of the wall-clock time since its batch started
as CPU time, it was waiting for a core, not looping, and its deadline moves on by another
``seconds_per_call``, up to ``STARVED_CAP`` times the limit. A worker that loops gets its
share and times out as before; one that sleeps is not runnable and times out as before.

Where ``/proc`` cannot tell (another OS, a hidden process), nothing is extended.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

STARVED_CAP = 10  # a call waits at most this many times its limit, however busy the machine
STARVED_SHARE = 0.5  # less CPU than this share of the wall-clock time: it was waiting
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Usage:
    cpu_seconds: float  # of every living process of the tree, threads included
    runnable: bool  # one of its threads is running or ready to run


def tree_usage(root: int) -> Usage | None:
    """The CPU time and state of ``root`` and its descendants; None when /proc cannot say."""
    cpu, runnable, seen, todo = 0.0, False, set(), [root]
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
        ticks, states, children = found
        cpu += ticks / _TICKS
        runnable = runnable or "R" in states
        todo.extend(children)
    return Usage(cpu, runnable)


def _process(pid: int) -> tuple[int, set[str], list[int]] | None:
    """utime + stime (ticks), the states of its threads, its children."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        states, children = {fields[0]}, []
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, IndexError):
                with open(f"/proc/{pid}/task/{task}/stat") as file:
                    states.add(file.read().rsplit(")", 1)[1].split()[0])
                with open(f"/proc/{pid}/task/{task}/children") as file:
                    children += [int(c) for c in file.read().split()]
        return int(fields[11]) + int(fields[12]), states, children
    except (OSError, IndexError, ValueError):
        return None


def was_starved(before: Usage | None, now: Usage | None, wall_seconds: float) -> bool:
    """Whether the tree was waiting for a core: runnable now, and it got less than
    ``STARVED_SHARE`` of ``wall_seconds`` as CPU time since ``before``."""
    if before is None or now is None or wall_seconds <= 0:
        return False
    return now.runnable and (now.cpu_seconds - before.cpu_seconds) < STARVED_SHARE * wall_seconds
