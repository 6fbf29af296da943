"""The graded functions, declared once each, beside their hidden checks and misconceptions.

One checks module per exercise module (``padding.py`` holds zero_pad, conv_output_size and
same_padding), each ending in ``EXERCISES``: its ``Graded`` records in the lecture's order.
Everything else that lists the exercises is derived from them: the catalog
(``cnnlab/catalog.py``, written by ``cnnlab build``), the rubric's default points, the SPEC
coverage matrix, the misconceptions the feedback can name, the tests' parametrisations.
``docs/adding_an_exercise.md`` is the checklist for a new one.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from types import ModuleType

from autograder.checks import backprop, convolution, padding, pooling, receptive_field, weights
from autograder.checks.base import Check, Graded

# The exercise modules in the lecture's order; a new exercise *module* is added here.
_MODULES: tuple[ModuleType, ...] = (padding, convolution, pooling, weights, receptive_field,
                                    backprop)


@functools.cache
def graded() -> tuple[Graded, ...]:
    """Every graded function's declaration, module by module, with its exercise module."""
    found = []
    for module in _MODULES:
        name = module.__name__.rsplit(".", 1)[1]
        found += [replace(g, module=name) for g in module.EXERCISES]
    names = [g.function for g in found]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise RuntimeError(f"graded functions declared twice in autograder/checks: {doubled}")
    return tuple(found)


def all_checks() -> dict[str, list[Check]]:
    """Function -> its checks, for every graded function (in the catalog's order)."""
    stale = catalog_problem()
    if stale:
        raise RuntimeError(stale)
    found: dict[str, list[Check]] = {}
    for g in graded():
        checks = g.checks()
        strays = [c.id for c in checks if c.function != g.function]
        if strays:
            raise RuntimeError(f"the checks of {g.function} include {strays}")
        if not checks:
            raise RuntimeError(f"no hidden checks for {g.function}")
        if not any(c.counts_alone for c in checks):
            raise RuntimeError(f"{g.function} has no main agreement check: nothing could earn "
                               "points")
        names = [c.name for c in checks]
        if len(set(names)) != len(names):
            raise RuntimeError(f"two checks of {g.function} have the same name: {names}")
        found[g.function] = checks
    return found


def catalog_records() -> list:
    """The catalog's records (``cnnlab.catalog.Exercise``), as the declarations give them."""
    from cnnlab.catalog import Exercise
    return [Exercise(g.function, g.module, g.result, g.section, pictured=g.pictured)
            for g in graded()]


def catalog_problem() -> str:
    """What is wrong with ``cnnlab/catalog.py`` (it is written from the declarations), or ""."""
    from cnnlab.catalog import RECORDS
    if list(RECORDS) == catalog_records():
        return ""
    return ("cnnlab/catalog.py does not list the graded functions autograder/checks "
            "declares: run `cnnlab build`")
