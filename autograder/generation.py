"""Hypothesis, run deterministically: drawing a check's examples, and shrinking a failure.

Drawing runs with ``derandomize=True`` and no example database; shrinking starts from the
choice sequence a drawn example was made from, with a fixed seed. Hypothesis is pinned in
``pyproject.toml``: the same suite draws the same examples on every run and machine, and
the same wrong function gets the same smallest failing example. Hypothesis also mixes in
constants it reads from every "local" module loaded in the process (the tests, a notebook's
student code, ...): that would make the examples depend on what happens to be imported, so
it is switched off while we draw or shrink.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.database import ExampleDatabase, choices_to_bytes
from hypothesis.internal.conjecture import providers

_QUIET = dict(derandomize=True, database=None, deadline=None, print_blob=False,
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)


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


def draw_examples(strategy: st.SearchStrategy, n: int) -> list[tuple[Any, bytes]]:
    """``n`` distinct examples, or all that hypothesis finds in ``3 n`` tries when the
    strategy has fewer (hypothesis repeats small examples often). Each comes with the
    choices hypothesis made it from (``choices_to_bytes``): where shrinking starts."""
    with _only_global_constants():
        drawn = _draw(strategy, n)
        return drawn if len(drawn) >= n else _draw(strategy, 3 * n)[:n]


class _WithChoices(list):
    """The examples drawn, each appended with the choices hypothesis made it from."""

    def append(self, example) -> None:
        super().append((example, choices_to_bytes(current_build_context().data.choices)))


def _draw(strategy: st.SearchStrategy, n: int) -> list[tuple[Any, bytes]]:
    # Keep ``collect`` as it is, to the character: derandomized, hypothesis seeds its random
    # generator from the test's source, so any change to it draws other examples.
    drawn: list[Any] = _WithChoices()
    seen: set[bytes] = set()

    @settings(max_examples=n, phases=[Phase.generate], **_QUIET)
    @given(strategy)
    def collect(example):
        key = hashlib.sha256(pickle.dumps(example)).digest()
        if key not in seen:
            seen.add(key)
            drawn.append(example)

    collect()
    return drawn


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
              **{**_QUIET, "derandomize": False, "database": _StartFrom(start)})
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
