"""Inputs of one hand-in only: a few examples per check that no other hand-in is asked.

The course's examples are the same for every hand-in of the course, so a hand-in that
carries a table of answers to the calls an earlier hand-in was asked (it can print them into
its feedback) would pass them. Each hand-in is therefore also asked ``EXTRA_PER_CHECK``
examples per check made for it alone, from a random generator seeded by the course key and
the hand-in's digest: changing one byte of a hand-in (to carry a table) changes them, and
without the key nobody can tell what they will be. The reference's results for them are
computed in the grading process, per hand-in (docs/hidden_inputs.md: the threat model, the
cost).

They are made cheaply from the course's examples. A ``Relabel`` permutes the numbers inside
an example's arrays (and lists of numbers): per dtype, the distinct non-zero values among
themselves, zero staying zero. Shapes, dtypes, zeros, the set of values (so uint8 values
still overflow when multiplied, negative values are still there) and which elements are
equal (ties in a pooling window, the same value in two arrays of one example) all stay: an
example and its relabelling test the same case of the check, with other numbers, and a bug
fails on both the same way. Scalars outside arrays (padding, stride, sizes) are left alone.
Only examples with at least 2**``MIN_BITS`` relabellings are relabelled, so that no hand-in
can carry the answers to every relabelling of the course's examples. Checks with too few of
those (sizes, layer lists, tiny arrays) draw a pool of more examples instead
(``autograder.drawing.POOL_SIZE``), and each hand-in is asked a few of it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

EXTRA_PER_CHECK = 2
# Only an example with at least 2**20 relabellings is relabelled: a table of the answers to
# every relabelling of the course's examples must not fit in a hand-in (20 MiB).
MIN_BITS = 20
MIN_RELABELLABLE = 10  # fewer such examples than this: the check draws a pool

Number = int | float


@dataclass(frozen=True)
class Relabel:
    """A bijection on numbers, per group (an array dtype, or ``list int``/``list float`` for
    the numbers in nested lists): ``tables[group]`` maps each listed value to its image, and
    every other value to itself, so it applies to any example (shrinking draws new ones)."""

    tables: dict[str, dict[Number, Number]]

    def __call__(self, example: Any) -> Any:
        return _mapped(example, self._arrays())

    def _arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray] | dict]:
        found = self.__dict__.get("_lookup")
        if found is None:
            found = {group: (_sorted_pair(table, group) if not group.startswith("list")
                             else table) for group, table in self.tables.items()}
            object.__setattr__(self, "_lookup", found)  # a cache, not a field
        return found


def values_by_group(example: Any) -> dict[str, set[Number]]:
    """The numbers of an example that a ``Relabel`` may move, by group."""
    found: dict[str, set[Number]] = {}
    _collect(example, found)
    return found


def relabellings_bits(example: Any) -> float:
    """log2 of the number of relabellings of ``example``: the product, over its groups, of
    (the number of distinct non-zero values)!"""
    return sum(math.lgamma(len(values - {0}) + 1) / math.log(2)
               for values in values_by_group(example).values())


def can_relabel(example: Any) -> bool:
    """Whether a relabelling can change ``example`` (two distinct non-zero values)."""
    return relabellings_bits(example) > 0


def relabellable(example: Any) -> bool:
    """Whether ``example`` has enough relabellings to be a hand-in's own (``MIN_BITS``)."""
    return relabellings_bits(example) >= MIN_BITS


def needs_pool(examples: list) -> bool:
    return sum(map(relabellable, examples)) < MIN_RELABELLABLE


def random_relabel(example: Any, rng: random.Random) -> Relabel:
    """A relabelling of ``example``'s numbers that changes at least one (``can_relabel``)."""
    tables: dict[str, dict[Number, Number]] = {}
    for group, values in sorted(values_by_group(example).items()):
        moved = sorted(values - {0})
        images = moved[:]
        rng.shuffle(images)
        tables[group] = dict(zip(moved, images, strict=True))
    if all(k == v for table in tables.values() for k, v in table.items()):
        _rotate_one_group(tables)
    return Relabel({g: {k: v for k, v in t.items() if k != v} for g, t in tables.items()})


def _rotate_one_group(tables: dict[str, dict[Number, Number]]) -> None:
    """Shift the values of the first group with two or more by one (the shuffles all
    happened to leave everything in place)."""
    for table in tables.values():
        if len(table) > 1:
            moved = sorted(table)
            table.update(zip(moved, moved[1:] + moved[:1], strict=True))
            return


# --- one hand-in's extra examples -----------------------------------------------------------

@dataclass
class Extra:
    """An example asked of one hand-in only; ``relabel`` made it from the course example whose
    choices are ``start`` (None: it is a pool example, drawn from ``start`` itself)."""

    example: Any
    calls: list
    expected: list
    start: bytes
    relabel: Relabel | None


def extra_examples(rng: random.Random, course, pool, relabellable: list[int],
                   calls: Callable[[Any], list], reference: Callable[[Any], Any]) -> list[Extra]:
    """``EXTRA_PER_CHECK`` examples for one hand-in and one check: relabelled course examples
    (``relabellable``: the indices of those that can be), or pool examples when the check
    has a pool. ``course`` and ``pool`` are ``autograder.drawing.Corpus``; ``calls`` is the
    check's, ``reference`` gives the reference's result of one call."""
    if pool.examples:
        chosen = rng.sample(range(len(pool.examples)), min(EXTRA_PER_CHECK, len(pool.examples)))
        return [Extra(pool.examples[i], pool.calls[i], pool.expected[i], pool.starts[i], None)
                for i in sorted(chosen)]
    extras = []
    for i in sorted(rng.sample(relabellable, min(EXTRA_PER_CHECK, len(relabellable)))):
        relabel = random_relabel(course.examples[i], rng)
        example = relabel(course.examples[i])
        group = calls(example)
        extras.append(Extra(example, group, [reference(call) for call in group],
                            course.starts[i], relabel))
    return extras


# --- walking an example ----------------------------------------------------------------------

def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_data_list(value: Any) -> bool:
    """A (nested) list of numbers: an array sent as lists (SPEC 2: ``np.asarray``)."""
    return isinstance(value, list) and bool(value) and all(
        _is_number(v) or _is_data_list(v) for v in value)


def _group_of_array(array: np.ndarray) -> str | None:
    return array.dtype.str if array.dtype.kind in "iuf" else None


def _collect(value: Any, found: dict[str, set[Number]]) -> None:
    if isinstance(value, np.ndarray):
        group = _group_of_array(value)
        if group is not None and value.size:
            found.setdefault(group, set()).update(np.unique(value).tolist())
    elif _is_data_list(value):
        _collect_list(value, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)


def _collect_list(value: list, found: dict[str, set[Number]]) -> None:
    for item in value:
        if isinstance(item, list):
            _collect_list(item, found)
        else:
            found.setdefault(f"list {type(item).__name__}", set()).add(item)


def _sorted_pair(table: dict[Number, Number], group: str) -> tuple[np.ndarray, np.ndarray]:
    keys = sorted(table)
    return (np.array(keys, dtype=np.dtype(group)),
            np.array([table[k] for k in keys], dtype=np.dtype(group)))


def _mapped(value: Any, lookup: dict) -> Any:
    if isinstance(value, np.ndarray):
        pair = lookup.get(_group_of_array(value) or "")
        return _mapped_array(value, *pair) if pair is not None else value.copy()
    if _is_data_list(value):
        return _mapped_list(value, lookup)
    if isinstance(value, tuple):
        return tuple(_mapped(v, lookup) for v in value)
    if isinstance(value, list):
        return [_mapped(v, lookup) for v in value]
    if isinstance(value, dict):
        return {k: _mapped(v, lookup) for k, v in value.items()}
    return value


def _mapped_array(array: np.ndarray, keys: np.ndarray, images: np.ndarray) -> np.ndarray:
    if not keys.size or not array.size:
        return array.copy()
    at = np.clip(np.searchsorted(keys, array), 0, keys.size - 1)
    return np.where(keys[at] == array, images[at], array).astype(array.dtype)


def _mapped_list(value: list, lookup: dict) -> list:
    out = []
    for item in value:
        if isinstance(item, list):
            out.append(_mapped_list(item, lookup))
        else:
            out.append(lookup.get(f"list {type(item).__name__}", {}).get(item, item))
    return out
