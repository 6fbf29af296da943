"""Drawing the hidden suite: a check's examples (seeded by the course key), the calls they make
and the reference's results for them, computed here, in the trusted process.

Every check draws ``max_examples`` distinct examples, sorted smallest first (the first failing
example is then the smallest the corpus has). A check whose examples a hand-in's own inputs
cannot be made from (numbers only, layer lists: ``autograder.hand_in_inputs``) also draws a
*pool* of ``POOL_SIZE`` more, from which each hand-in is asked a few.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import solutions
from autograder import stages
from autograder.checks.base import Check, Raised
from autograder.course_key import CourseKey
from autograder.generation import Drawer
from autograder.hand_in_inputs import needs_pool, relabellable
from autograder.worker_runtime import wire

POOL_SIZE = 200


@dataclass
class Corpus:
    """Examples of one check, each with its calls, the reference's result of each call, and
    hypothesis's choices for it (where shrinking starts); for a check with an ``Oracle``,
    what it works out for each example (else empty)."""

    examples: list[Any] = field(default_factory=list)
    calls: list[list] = field(default_factory=list)
    expected: list[list] = field(default_factory=list)
    starts: list[bytes] = field(default_factory=list)
    oracles: list[Any] = field(default_factory=list)
    # Per example its ``example_size``, and the examples a hand-in's own may be relabelled
    # from (``hand_in_inputs.relabellable``): worked out when the course's examples are drawn
    # and kept with them (reading them back saves about 0.6 s of CPU in every process that
    # reads the suite); empty when not worked out (a pool's: not needed).
    sizes: list[tuple[int, float]] = field(default_factory=list)
    relabellable: list[int] = field(default_factory=list)

    def parts(self) -> tuple[list, list, list, list]:
        return self.examples, self.calls, self.expected, self.starts

    def derived(self) -> tuple[list[tuple[int, float]], list[int]]:
        """(``sizes``, ``relabellable``), worked out here if they are not yet."""
        if len(self.sizes) != len(self.examples):
            # plain numbers (a magnitude may be numpy's), as they are read back
            self.sizes = [(int(n), float(m)) for n, m in map(example_size, self.examples)]
            self.relabellable = [i for i, e in enumerate(self.examples) if relabellable(e)]
        return self.sizes, self.relabellable

    def teach(self, check: Check) -> None:
        """Hand the check's oracle what was worked out for these examples when drawn."""
        if check.oracle is not None and self.oracles:
            for example, value in zip(self.examples, self.oracles, strict=True):
                check.oracle.remember(example, value)


@dataclass
class DrawnCheck:
    course: Corpus  # asked of every hand-in
    pool: Corpus  # a few asked of each hand-in; empty for checks whose examples are relabelled

    def teach(self, check: Check) -> None:
        self.course.teach(check)
        self.pool.teach(check)


def seed(key: CourseKey, check: Check) -> int:
    return key.seed("suite", check.id)


def draw_check(check: Check, key: CourseKey) -> DrawnCheck:
    """The check's examples for the course ``key``, with calls and the reference's results."""
    drawer = Drawer(check.examples, seed(key, check))
    course = corpus(check, drawer.take(check.max_examples))
    course.derived()
    pool = corpus(check, drawer.take(POOL_SIZE)) if needs_pool(course.examples) else Corpus()
    return DrawnCheck(course, pool)


def corpus(check: Check, drawn: list[tuple[Any, bytes]]) -> Corpus:
    """``drawn`` (example, choices) pairs, smallest first, with their calls and results."""
    ordered = sorted(drawn, key=lambda pair: example_size(pair[0]))
    examples = [example for example, _ in ordered]
    calls = [check.calls(example) for example in examples]
    expected = [[reference(check.function, call) for call in group] for group in calls]
    oracles = [check.oracle.work_out(e) for e in examples] if check.oracle is not None else []
    return Corpus(examples, calls, expected, [choices for _, choices in ordered], oracles)


def call_identity(call) -> bytes:
    """What makes two calls one: their arguments as the wire sends them (a call made by
    several checks of a function is asked of a hand-in once)."""
    args, kwargs = call
    return wire.dumps([list(args), kwargs])


def example_size(example) -> tuple[int, float]:
    """How big an example looks to a student: array elements and list items, then the
    magnitude of its numbers."""
    count, magnitude = 0, 0.0
    todo = [example]
    while todo:
        value = todo.pop()
        if isinstance(value, np.ndarray):
            count += value.size
            with np.errstate(over="ignore"):  # 1e308 + 1e308 is inf: as large as it gets
                magnitude += float(np.abs(value.astype(float)).sum()) if value.size else 0.0
        elif isinstance(value, dict):
            todo += value.values()
        elif isinstance(value, list | tuple):
            count += len(value) if isinstance(value, list) else 0
            todo += value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            magnitude += abs(value)
    return count, magnitude


def reference(function: str, call, stage: str = "reference (while shrinking)",
              copy: bool = True) -> Any:
    """What ``solutions/`` gives for ``call``, or ``Raised`` for a ValueError; on a copy of
    the call unless it is used for nothing else (``copy=False``)."""
    args, kwargs = deepcopy(call) if copy else call
    try:
        with stages.stage(stage):
            return solutions.reference(function)(*args, **kwargs)
    except ValueError as error:
        return Raised(str(error))
