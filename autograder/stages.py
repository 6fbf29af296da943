"""Where the grader's time goes, per stage, for ``benchmarks/grading.py``.

``with stage("judging"):`` adds the time spent inside the block to that stage, minus the time
of stages nested in it, so the stages add up to the time measured. Each process keeps its own
totals; the pipeline sends a grading process's totals back with each result. Timing only: no
verdict ever depends on it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

_totals: dict[str, float] = {}
_open: list[list] = []  # [name, started, time of nested stages]


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    _open.append([name, started, 0.0])
    try:
        yield
    finally:
        _, _, nested = _open.pop()
        spent = time.perf_counter() - started
        _totals[name] = _totals.get(name, 0.0) + spent - nested
        if _open:
            _open[-1][2] += spent


def take() -> dict[str, float]:
    """This process's totals since the last ``take``, and start afresh."""
    totals = dict(_totals)
    _totals.clear()
    return totals
