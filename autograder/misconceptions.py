"""The misconception diagnosis: which mistake of the lecture a failing function made.

Each misconception is declared beside the checks of its function (``autograder/checks/``,
``Misconception``): a small variant of the reference, trusted code that runs in the
grader's process on the inputs where the student's function failed. When the student's
results on those inputs equal the variant's, the feedback names the misconception in the
lecture's words, with a hint. Most variants call the reference with one thing changed (the
kernel flipped, the stride ignored, ...), so each stays one idea away from the right answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograder.checks import graded
from autograder.checks.base import Misconception
from autograder.results import CallError

CATALOGUE: tuple[Misconception, ...] = tuple(m for g in graded() for m in g.misconceptions)
OF: dict[str, tuple[Misconception, ...]] = {g.function: g.misconceptions for g in graded()}
BY_ID: dict[str, Misconception] = {m.id: m for m in CATALOGUE}


# --- diagnosis ------------------------------------------------------------------------------

# (calls, the student's results, warnings as errors, whether the example failed)
Observation = tuple[list, list, bool, bool]
UNDIAGNOSABLE = {"timeout", "crashed", "missing", "not_implemented", "invalid_result"}


def diagnose(function: str, observations: Sequence[Observation]) -> list[str]:
    """The ids of the misconceptions whose variant gives the student's result on every
    observed call (none when there is nothing to go on)."""
    if not any(failing for *_, failing in observations) or any(
            isinstance(a, CallError) and a.kind in UNDIAGNOSABLE
            for _, actual, *_ in observations for a in actual):
        return []  # a misconception must explain at least one failure
    return [m.id for m in OF.get(function, ()) if _matches(m, observations)]


def _matches(misconception: Misconception, observations: Sequence[Observation]) -> bool:
    """The variant gives the student's results on every failing example, leaving aside the
    ones where it raises ValueError and the student returned a value: a check the student
    left out, which the feedback reports on its own (a flipped kernel without the size
    checks is still a flipped kernel). At least one failing example must be matched, and
    the variant must be right where the student was (a student who leaves out only the dense
    biases is not one who leaves out every bias)."""
    from autograder.inprocess import InProcessStudent  # trusted: the variant is our code
    variant = InProcessStudent({misconception.function: misconception.variant})
    matched = 0
    for calls, actual, strict, failing in observations:
        predicted = variant.call_many(misconception.function, calls, warnings_as_errors=strict)
        pairs = list(zip(predicted, actual, strict=True))
        if failing and any(_left_out_check(p, a) for p, a in pairs):
            continue
        if not all(same(p, a, misconception.any_dtype) for p, a in pairs):
            return False
        matched += failing
    return matched > 0


def _left_out_check(predicted, actual) -> bool:
    return (isinstance(predicted, CallError) and predicted.exception_type == "ValueError"
            and not isinstance(actual, CallError))


def same(predicted, actual, any_dtype: bool = False) -> bool:
    """The same result: the same kind of value (int or float, list or tuple, error type)
    and the same numbers."""
    if isinstance(predicted, CallError) or isinstance(actual, CallError):
        return (isinstance(predicted, CallError) and isinstance(actual, CallError)
                and predicted.kind == actual.kind
                and predicted.exception_type == actual.exception_type)
    if isinstance(predicted, list | tuple) or isinstance(actual, list | tuple):
        return (type(predicted) is type(actual) and len(predicted) == len(actual)
                and all(same(p, a, any_dtype) for p, a in zip(predicted, actual, strict=True)))
    p, a = np.asarray(predicted), np.asarray(actual)
    if p.dtype.kind not in "biuf" or a.dtype.kind not in "biuf":
        return bool(p.shape == a.shape and np.array_equal(p, a))
    if p.shape != a.shape:
        return False
    if not any_dtype and ((p.dtype.kind == "f") != (a.dtype.kind == "f") or (
            p.dtype.kind in "iu" and a.dtype.kind in "iu"
            and p.dtype.itemsize != a.dtype.itemsize)):
        return False  # 3.0 is not 3, and uint8 that wrapped is not int64 that did not
    p, a = p.astype(np.float64), a.astype(np.float64)
    return bool(np.array_equal(np.isnan(p), np.isnan(a)) and np.allclose(
        np.nan_to_num(p), np.nan_to_num(a), rtol=1e-6, atol=1e-9))
