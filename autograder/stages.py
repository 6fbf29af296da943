"""Where the grader's time goes, per stage, for ``benchmarks/grading.py``.

``with stage("judging"):`` adds the time spent inside the block to that stage, minus the time
of stages nested in it, so the stages add up to the time measured. Each process keeps its own
totals; the pipeline sends a grading process's totals back with each result. Timing only: no
verdict ever depends on it.
"""

from __future__ import annotations

import time

_totals: dict[str, float] = {}
_open: list[list] = []  # [name, started, time of nested stages]


class stage:  # lower case: used like a function, ``with stage("judging"):``
    """Adds the time spent in the block to stage ``name``. A class, not a generator: it is
    entered some 30 000 times per hand-in, and this costs a third of contextlib's."""

    __slots__ = ("entry",)

    def __init__(self, name: str):
        self.entry = [name, 0.0, 0.0]

    def __enter__(self) -> None:
        self.entry[1] = time.perf_counter()
        _open.append(self.entry)

    def __exit__(self, *exc) -> None:
        name, started, nested = _open.pop()
        spent = time.perf_counter() - started
        _totals[name] = _totals.get(name, 0.0) + spent - nested
        if _open:
            _open[-1][2] += spent


def charge(name: str, seconds: float) -> None:
    """Add ``seconds`` measured by the caller to stage ``name``, as if spent in a nested
    block: for the worker's replies, timed by two clock readings rather than two blocks."""
    _totals[name] = _totals.get(name, 0.0) + seconds
    if _open:
        _open[-1][2] += seconds


def take() -> dict[str, float]:
    """This process's totals since the last ``take``, and start afresh."""
    totals = dict(_totals)
    _totals.clear()
    return totals
