"""The hidden checks, per exercise function. One module per exercise module; each has a
``checks()`` that lists its ``Check``s in the order the feedback shows them."""

from __future__ import annotations

from autograder.checks import convolution, padding, pooling, weights
from autograder.checks.base import Check
from cnnlab.catalog import FUNCTIONS

_MODULES = (padding, convolution, pooling, weights)


def all_checks() -> dict[str, list[Check]]:
    """Function -> its checks, for every graded function (in the catalog's order)."""
    found: dict[str, list[Check]] = {f: [] for f in FUNCTIONS}
    for module in _MODULES:
        for check in module.checks():
            found[check.function].append(check)
    empty = [f for f, checks in found.items() if not checks]
    if empty:
        raise RuntimeError(f"no hidden checks for {empty}")
    for f, checks in found.items():
        if not any(c.counts_alone for c in checks):
            raise RuntimeError(f"{f} has no main agreement check: nothing could earn points")
        names = [c.name for c in checks]
        if len(set(names)) != len(names):
            raise RuntimeError(f"two checks of {f} have the same name: {names}")
    return found
