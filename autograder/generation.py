"""Hypothesis, run deterministically: drawing a check's examples, and shrinking a failure.

Drawing runs hypothesis's own generator (its ``ConjectureData`` and provider, as inside
``@given``) without its test-running engine: each example is drawn from a ``random.Random``
seeded by the caller (from the course key and the check, ``autograder.drawing``), so the
same seed draws the same examples on every run and machine (hypothesis is pinned in
``pyproject.toml``), and nobody can know them without the key. The engine's own generation
(mutating earlier examples, tracking which are new) cost six times as much per example as the
example itself (benchmarks/drawing.py). The first example is hypothesis's simplest one (every
choice at its simplest: zeros, the shortest lists), as ``@given`` tries first.

Shrinking starts from the choice sequence a drawn example was made from, with a fixed seed:
the same wrong function gets the same smallest failing example. Hypothesis also mixes in
constants it reads from every "local" module loaded in the process (the tests, a notebook's
student code, ...): that would make the examples depend on what happens to be imported, so
it is switched off while we draw or shrink.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import random
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.control import BuildContext
from hypothesis.database import ExampleDatabase, choices_to_bytes
from hypothesis.errors import StopTest, UnsatisfiedAssumption
from hypothesis.internal.conjecture import providers
from hypothesis.internal.conjecture.choice import ChoiceTemplate
from hypothesis.internal.conjecture.data import ConjectureData

_QUIET: dict[str, Any] = dict(deadline=None, print_blob=False,
                              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
TRIES_PER_EXAMPLE = 3  # a strategy with fewer distinct examples stops after this many tries


@contextlib.contextmanager
def _only_global_constants():
    """Hypothesis without the constants of the modules that happen to be loaded."""
    original = providers._get_local_constants
    providers._get_local_constants = lambda: providers.Constants()
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


class Drawer:
    """Distinct examples of ``strategy``, drawn from ``random.Random(seed)``, each with the
    choices hypothesis made it from (``choices_to_bytes``: where shrinking starts)."""

    def __init__(self, strategy: st.SearchStrategy, seed: int):
        self.strategy = strategy
        self.random = random.Random(seed)
        self.seen: set[bytes] = set()
        self.simplest_tried = False

    def take(self, n: int) -> list[tuple[Any, bytes]]:
        """Up to ``n`` examples not drawn before: fewer when ``TRIES_PER_EXAMPLE * n`` tries
        find no more (a strategy with few distinct examples)."""
        drawn: list[tuple[Any, bytes]] = []
        with _only_global_constants():
            for _ in range(TRIES_PER_EXAMPLE * n):
                if len(drawn) == n:
                    break
                found = self._draw_one()
                if found is not None:
                    drawn.append(found)
        return drawn

    def _draw_one(self) -> tuple[Any, bytes] | None:
        prefix = () if self.simplest_tried else (ChoiceTemplate("simplest", count=None),)
        self.simplest_tried = True
        data = ConjectureData(random=self.random, prefix=prefix)
        try:
            with BuildContext(data, wrapped_test=_no_test):
                example = data.draw(self.strategy)
        except (StopTest, UnsatisfiedAssumption):  # a filter or assume said no
            return None
        finally:
            data.freeze()
        key = hashlib.sha256(pickle.dumps(example)).digest()
        if key in self.seen:
            return None
        self.seen.add(key)
        return example, choices_to_bytes(data.choices)


def _no_test() -> None:
    """The "test" of a ``BuildContext`` that only draws."""


def draw_examples(strategy: st.SearchStrategy, n: int, seed: int) -> list[tuple[Any, bytes]]:
    """``n`` distinct examples (fewer when the strategy has fewer): ``Drawer.take``."""
    return Drawer(strategy, seed).take(n)


class _Fails(Exception):
    pass


class _StartFrom(ExampleDatabase):
    """An example database holding one failure, offered as one not shrunk yet (hypothesis's
    "secondary" corpus; a "primary" entry counts as shrunk already and is only replayed).
    Hypothesis replays it and shrinks it at once, instead of searching for a failure of its
    own first: that search cost more than the shrinking."""

    def __init__(self, choices: bytes):
        super().__init__()
        self.choices = choices

    def fetch(self, key: bytes):
        return [self.choices] if key.endswith(b".secondary") else []

    def save(self, key: bytes, value: bytes) -> None:
        pass  # nothing is kept: the next shrink starts from its own example

    def delete(self, key: bytes, value: bytes) -> None:
        pass


SHRINK_BUDGET = 200  # tries per failing check: enough for a small example, bounded time


def smallest_failure(strategy: st.SearchStrategy, problem_of: Callable[[Any], Any],
                     start: bytes, budget: int = SHRINK_BUDGET) -> tuple[Any, Any] | None:
    """The example made from the choices ``start`` (a failing one), shrunk while
    ``problem_of(example)`` is not None: ``(example, what problem_of returned for it)``,
    or None if it did not fail again. After ``budget`` tries the smallest failure found so
    far is kept (hypothesis then sees passes and stops). ``problem_of`` calls the student:
    anything it does is contained."""
    found: list[tuple[Any, Any]] = []
    tries = [0]

    # @seed below @settings: seed() alone would also switch the database off.
    @settings(max_examples=budget, phases=[Phase.reuse, Phase.shrink], report_multiple_bugs=False,
              derandomize=False, database=_StartFrom(start), **_QUIET)
    @seed(0)
    @given(strategy)
    def search(example):
        tries[0] += 1
        if tries[0] > budget:
            return
        outcome = problem_of(example)
        if outcome is not None:
            found.append((example, outcome))  # the last one is the shrunk example
            raise _Fails

    with _only_global_constants(), contextlib.suppress(Exception):  # _Fails, or Flaky for
        search()  # a non-deterministic student
    return found[-1] if found else None
