"""The misconception diagnosis: which mistake of the lecture a failing function made.

Each misconception is declared beside the checks of its function (``autograder/checks/``,
``Misconception``): a small variant of the reference, trusted code that runs in the
grader's process on the inputs the student's function was called with. Most variants call
the reference with one thing changed (the kernel flipped, the stride ignored, ...), so each
stays one idea away from the right answer.

A misconception is named only when it is the best explanation of the student's results:

1. its variant gives the student's results on the failing examples (and on a few passed
   ones: it must be right where the student was), else a *combination* of two (a mistake in
   the arguments, such as the flipped kernel, with any other mistake of the function) does;
2. nothing else the student answered contradicts it (every call of the function's checks);
3. it is told apart from every other explanation left: on a call where their variants differ
   the student's answer picks one. Such a call is looked for among the calls already
   answered, else drawn (``SEPARATING_DRAWS`` per check, seeded by the two names) and asked
   of the student. When no call tells two apart, both are given as "one of", with the call
   that would tell them apart when one was found but could not be asked.

A variant may leave some calls unpredicted (``Misconception.predicts``): where the mistake's
result depends on how the code was written (rows and columns swapped on a non-square
kernel), any answer of the student fits it, and such a call tells nothing apart.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.checks import all_checks, graded
from autograder.checks.base import Misconception
from autograder.results import RAISED, CallError

CATALOGUE: tuple[Misconception, ...] = tuple(m for g in graded() for m in g.misconceptions)
OF: dict[str, tuple[Misconception, ...]] = {g.function: g.misconceptions for g in graded()}
BY_ID: dict[str, Misconception] = {m.id: m for m in CATALOGUE}
BOTH = " + "  # joins the ids of two mistakes that together explain the results
SEPARATING_DRAWS = 40  # examples drawn per check when no answered call tells two apart

# (calls, the student's results, warnings as errors, whether the example failed)
Observation = tuple[list, list, bool, bool]
# (call, the student's result, warnings as errors): a call the student already answered
Answered = tuple[Any, Any, bool]
# Asks the student more calls: (calls, warnings as errors) -> results
Ask = Callable[[list, bool], list]
UNDIAGNOSABLE = {"timeout", "crashed", "missing", "not_implemented", "invalid_result"}
# Each hand-in's diagnosis puts mostly the course's own calls to the variants: a variant is
# trusted code and its result a function of the call alone, so the results are kept for the
# grading process (the next hand-in with a wrong function asks the same calls), up to this
# many per explanation.
PREDICTIONS_KEPT = 5_000


class _Unpredicted:
    """The result of a call a variant does not predict: it fits any answer."""

    def __repr__(self) -> str:
        return "UNPREDICTED"


UNPREDICTED = _Unpredicted()


def ids_in(explanation: str) -> list[str]:
    """The misconception ids an explanation names (two for a combination)."""
    return explanation.split(BOTH)


def explained(explanations: Sequence[str]) -> list[list[Misconception]]:
    """The misconceptions of each explanation of a ``FunctionResult`` (unknown ids left out:
    a result stored before the catalogue changed)."""
    known = [[BY_ID[i] for i in ids_in(e) if i in BY_ID] for e in explanations]
    return [parts for parts in known if parts]


@dataclass(eq=False)  # one object per explanation and grading process: compared by identity
class Explanation:
    """One misconception, or two that together give the student's results."""

    parts: tuple[Misconception, ...]
    # (id(call), strict) -> (call, the variant's result): the call is kept, so that its id
    # is not reused by another call while the cache lives (the grading process's)
    _predicted: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return BOTH.join(m.id for m in self.parts)

    @property
    def any_dtype(self) -> bool:
        return any(m.any_dtype for m in self.parts)

    def variant(self) -> Callable:
        if len(self.parts) == 1:
            return self.parts[0].variant
        changed, other = self.parts

        arguments = changed.arguments
        assert arguments is not None  # only a change of the arguments combines (``BOTH``)

        def both(*args, **kwargs):
            args, kwargs = arguments(args, kwargs)
            return other.variant(*args, **kwargs)
        return both

    def predicts(self, call) -> bool:
        args, kwargs = call
        return all(m.predicts is None or m.predicts(args, kwargs) for m in self.parts)

    def predict(self, function: str, calls: list, strict: bool) -> list:
        """The variant's results (computed once per call object); ``UNPREDICTED`` for a call
        it does not predict."""
        new = [c for c in calls if (id(c), strict) not in self._predicted]
        if new and len(self._predicted) + len(new) > PREDICTIONS_KEPT:
            self._predicted.clear()
            new = list(calls)
        self._predicted.update({(id(c), strict): (c, UNPREDICTED)
                                for c in new if not self.predicts(c)})
        new = [c for c in new if self.predicts(c)]
        if new:
            from autograder.inprocess import InProcessStudent  # trusted: our own code
            results = InProcessStudent({function: self.variant()}).call_many(
                function, new, warnings_as_errors=strict)
            self._predicted.update({(id(c), strict): (c, r)
                                    for c, r in zip(new, results, strict=True)})
        return [self._predicted[(id(c), strict)][1] for c in calls]


@dataclass
class Diagnosis:
    """The explanations left (one: named; two or more: "one of") and, when they could not
    be told apart by asking, the call that would tell them apart."""

    named: list[str] = field(default_factory=list)
    telling_apart: str = ""


def diagnose(function: str, observations: Sequence[Observation],
             answered: Sequence[Answered] = (), ask: Ask | None = None) -> Diagnosis:
    """The best explanation of the student's results (nothing when there is nothing to go
    on, or nothing fits). ``answered``: every other call the student answered, to refute
    and to tell explanations apart; ``ask``: asks the student a separating call."""
    if not any(failing for *_, failing in observations) or any(
            isinstance(a, CallError) and a.kind in UNDIAGNOSABLE
            for _, actual, *_ in observations for a in actual):
        return Diagnosis()  # a misconception must explain at least one failure
    found = [e for e in _explanations(function) if _matches(function, e, observations)]
    if not found:
        found = [e for e in _combinations(function) if _matches(function, e, observations)]
    found = [e for e in found if _consistent(function, e, answered)]
    return _told_apart(function, found, answered, ask)


@functools.cache  # the same objects for every hand-in: they keep their variants' results
def _explanations(function: str) -> tuple[Explanation, ...]:
    return tuple(Explanation((m,)) for m in OF.get(function, ()))


@functools.cache
def _combinations(function: str) -> tuple[Explanation, ...]:
    """Each mistake in the arguments with every other mistake of the function."""
    return tuple(Explanation((a, b)) for a in OF.get(function, ()) if a.arguments
            for b in OF.get(function, ()) if b is not a and not (b.arguments and b.id < a.id))


def _matches(function: str, explanation: Explanation,
             observations: Sequence[Observation]) -> bool:
    """The variant gives the student's results on every observed example, leaving aside
    failing ones where it raises ValueError and the student did not (``_left_out_check``): a
    check the student left out, which the feedback reports on its own (a flipped kernel
    without the size checks is still a flipped kernel). At least one failing example must be
    matched, and the variant must be right where the student was (a student who leaves out
    only the dense biases is not one who leaves out every bias)."""
    matched = 0
    for calls, actual, strict, failing in observations:
        pairs = list(zip(explanation.predict(function, calls, strict), actual, strict=True))
        if failing and any(_left_out_check(p, a) for p, a in pairs):
            continue
        if not all(same(p, a, explanation.any_dtype) for p, a in pairs):
            return False
        matched += failing and any(p is not UNPREDICTED for p, _ in pairs)
    return matched > 0


def _consistent(function: str, explanation: Explanation, answered: Sequence[Answered]) -> bool:
    """No call the student answered contradicts the explanation."""
    for strict in {s for *_, s in answered}:
        mine = [(call, actual) for call, actual, s in answered if s == strict]
        predicted = explanation.predict(function, [call for call, _ in mine], strict)
        if not all(_left_out_check(p, a) or same(p, a, explanation.any_dtype)
                   for p, (_, a) in zip(predicted, mine, strict=True)):
            return False
    return True


def _left_out_check(predicted, actual) -> bool:
    """The variant raises the reference's ValueError (an argument check) and the student did
    not: returned a value, or crashed with an error of its own (size 0: ZeroDivisionError).
    A missing check is told on its own; it says nothing of the mistake."""
    return (isinstance(predicted, CallError) and predicted.exception_type == "ValueError"
            and (not isinstance(actual, CallError)
                 or (actual.kind == RAISED and actual.exception_type != "ValueError")))


def _told_apart(function: str, found: list[Explanation], answered: Sequence[Answered],
                ask: Ask | None) -> Diagnosis:
    """The explanations left once every pair was put to a call that tells them apart."""
    telling = ""
    for a, b in [(a, b) for i, a in enumerate(found) for b in found[i + 1:]]:
        if a not in found or b not in found:
            continue
        call, strict, answer = _separating(function, a, b, answered)
        if call is None:
            continue  # no call we know of tells them apart: one of them
        if answer is None and ask is not None:
            answer = ask([call], strict)[0]
        if answer is None:
            telling = telling or _telling_text(function, call, strict, a, b)
            continue
        found = [e for e in found
                 if same(e.predict(function, [call], strict)[0], answer, e.any_dtype)]
    return Diagnosis([e.id for e in found], telling if len(found) > 1 else "")


def _separating(function: str, a: Explanation, b: Explanation,
                answered: Sequence[Answered]) -> tuple[Any, bool, Any]:
    """(a call where a's and b's variants differ, warnings as errors, the student's answer
    when known): first among the answered calls, else drawn for the purpose."""
    for call, actual, strict in answered:
        if _differ(function, a, b, call, strict):
            return call, strict, actual
    for call, strict in _drawn_calls(function, f"{a.id} | {b.id}"):
        if _differ(function, a, b, call, strict):
            return call, strict, None
    return None, False, None


def _differ(function: str, a: Explanation, b: Explanation, call, strict: bool) -> bool:
    p, q = (e.predict(function, [call], strict)[0] for e in (a, b))
    if isinstance(p, CallError) and isinstance(q, CallError):
        return False  # both raise: this call tells nothing
    return not same(p, q, a.any_dtype or b.any_dtype)


def _drawn_calls(function: str, label: str):
    """Calls of the function's result checks, drawn deterministically (seeded by ``label``)."""
    from autograder.generation import draw_examples
    seed = int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "big")
    for check in all_checks().get(function, ()):
        if check.inputs_unchanged:
            continue
        for example, _ in draw_examples(check.examples, SEPARATING_DRAWS, seed):
            for call in check.calls(example):
                yield call, check.warnings_as_errors


def _telling_text(function: str, call, strict: bool, a: Explanation, b: Explanation) -> str:
    from autograder.feedback import call_text, value_text
    p, q = (e.predict(function, [call], strict)[0] for e in (a, b))
    return (f"{call_text(function, call)} gives {value_text(p)} with the first mistake "
            f"and {value_text(q)} with the second")


def same(predicted, actual, any_dtype: bool = False) -> bool:
    """The same result: the same kind of value (int or float, list or tuple, error type)
    and the same numbers; an ``UNPREDICTED`` result is the same as any."""
    if predicted is UNPREDICTED or actual is UNPREDICTED:
        return True
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
