"""What a graded function declares, what a check is, and the judgements most checks share.

Each graded function is declared once, by a ``Graded`` record beside its checks (in the
checks module named after its exercise module): its result kind, notebook section, default
points, its rule in SPEC section 3, its checks and its misconceptions. Everything else that
lists the exercises (the catalog, the rubric's defaults, the SPEC coverage matrix, the
diagnosis) is derived from these records (``autograder.checks.graded``).

A check draws examples with a hypothesis strategy. Each example becomes one or more calls of
the student's function (``calls``); the trusted side computes the reference's results for
the same calls and ``judge`` decides, from both, whether the example passes. The default
judge wants the student's results to agree with the reference, call by call, including
raising ``ValueError`` where the reference does.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from hypothesis import strategies as st

from autograder import strategies as S
from autograder.results import NOT_IMPLEMENTED, RAISED, CallError
from autograder.worker_runtime import wire
from cnnlab.result_rules import (
    compare,
    named_in,
    not_a_number,
    same_data,
    shape_mismatch,
    within_tolerance,
)

Call = tuple[tuple, dict]


@dataclass(frozen=True)
class Raised:
    """The reference raised ValueError for this call: the student must too."""

    message: str


Judge = Callable[[Any, Sequence[Any], Sequence[Any]], "str | None"]


class Oracle:
    """Trusted data a judge needs about an example besides the reference's results, too costly
    to work out again in every grading process (the central differences of a backward pass:
    two forward calls per input element). It is worked out when the suite is drawn and kept
    with it (``autograder.drawing``), and handed back here when the suite is read
    (``remember``); an example the suite does not hold (a hand-in's own) is worked out when it
    is judged, once per grading process."""

    LIMIT = 20_000  # remembered examples: a course's and a class's own ones, a few MB

    def __init__(self, work_out: Callable[[Any], Any]):
        self.work_out = work_out
        self.known: dict[bytes, Any] = {}

    def __call__(self, example: Any) -> Any:
        key = _example_key(example)
        if key not in self.known:
            self.remember(example, self.work_out(example), key)
        return self.known[key]

    def knows(self, example: Any) -> bool:
        return _example_key(example) in self.known

    def remember(self, example: Any, value: Any, key: bytes | None = None) -> None:
        if len(self.known) >= self.LIMIT:
            self.known.clear()
        self.known[key or _example_key(example)] = value


def _example_key(example: Any) -> bytes:
    """An example by its wire encoding: equal examples, one key."""
    return hashlib.sha256(wire.dumps(example)).digest()


def one_call(example: Call) -> list[Call]:
    return [example]


def agrees(function: str) -> Judge:
    """Every call agrees with the reference (the default judge)."""
    def judge(example, actual: Sequence, expected: Sequence) -> str | None:
        for got, want in zip(actual, expected, strict=True):
            problem = verdict(function, want, got)
            if problem:
                return problem
        return None
    return judge


def verdict(function: str, expected, actual) -> str | None:
    """None if ``actual`` is right; else what is wrong with it, for the student."""
    if isinstance(actual, CallError) and actual.kind == NOT_IMPLEMENTED:
        return actual.describe()  # a stub, whatever the call
    if isinstance(expected, Raised):
        if isinstance(actual, CallError):
            if actual.kind == RAISED and actual.exception_type == "ValueError":
                return None
            return f"should raise ValueError ({expected.message}), but {actual.describe()}"
        return f"should raise ValueError ({expected.message}), but returned a result"
    if isinstance(actual, CallError):
        return actual.describe()
    return compare(function, expected, actual)


def on_results(judge: Judge) -> Judge:
    """A property judged on the student's results: an example where a call gave no result
    (raised, timed out, ...) or a result of another shape than the reference's fails with
    that reason before the property is looked at. Shapes first: results of shapes (N, 1)
    and (1, M) would broadcast to N x M in the property's arithmetic; then a NaN where the
    reference has a number, told as such."""
    @functools.wraps(judge)
    def judged(example, actual: Sequence, expected: Sequence) -> str | None:
        return (problem_in(actual) or shape_problem(actual, expected)
                or nan_problem(actual, expected) or judge(example, actual, expected))
    return judged


def the_first(n: int, noun: str) -> str:
    """"the first kernel", "the first 2 kernels"."""
    return f"the first {noun}" if n == 1 else f"the first {n} {noun}s"


def shape_problem(actual: Sequence, expected: Sequence) -> str | None:
    """The first result whose shape is not the reference's, if any."""
    for got, want in zip(actual, expected, strict=True):
        if isinstance(want, Raised):
            continue
        want_shape, got_shape = np.shape(want), _shape_of(got)
        if got_shape != want_shape:
            return shape_mismatch(want_shape, None if got is None else got_shape)
    return None


def nan_problem(actual: Sequence, expected: Sequence) -> str | None:
    """The first result holding NaN or an infinity where the reference's holds a number:
    the plain story of a property that fails on it ("conv(a*x + b*y) differs" would hide
    it)."""
    for got, want in zip(actual, expected, strict=True):
        if not isinstance(want, Raised):
            problem = not_a_number(want, got)
            if problem:
                return problem
    return None


def _shape_of(value) -> tuple[int, ...] | None:
    """The shape of plain data, without copying an array; None when it has none."""
    if isinstance(value, np.ndarray):
        return value.shape
    try:
        return np.shape(value)
    except ValueError:  # ragged lists
        return None


def problem_in(results: Sequence) -> str | None:
    """The first call of a property that gave no result, if any."""
    for result in results:
        if isinstance(result, CallError):
            return result.describe()
    return None


def close(a, b) -> bool:
    """Equal shapes and values within the tolerance of SPEC section 2."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and within_tolerance(a, b)


@dataclass(frozen=True)
class Misconception:
    """A mistake of the lecture the grader can name: a small variant of the reference (trusted
    code, run in the grader's process), declared beside the checks of its function. When the
    student's results equal the variant's on the failing examples, the feedback says ``says``
    ("you flipped the kernel") and ``hint``."""

    name: str  # stable id within the function
    says: str  # what the student did, in the lecture's words
    hint: str  # one line: what to look at again
    variant: Callable
    any_dtype: bool = False  # students with this bug return ints or floats alike
    function: str = ""  # filled in by the ``Graded`` that declares it
    # A mistake in what the computation is given (the kernel flipped): (args, kwargs) -> the
    # (args, kwargs) the mistaken code computes with. Such a mistake combines with any other
    # mistake of its function (a flipped kernel and a stride bug): the other's variant on the
    # changed arguments (``autograder.misconceptions``).
    arguments: Callable[[tuple, dict], tuple[tuple, dict]] | None = None
    # The calls the variant predicts, (args, kwargs) -> bool (None: all). Elsewhere the
    # mistake's result depends on how the code was written (rows and columns swapped on a
    # non-square kernel: another window, or a crash): any answer fits the mistake there.
    predicts: Callable[[tuple, dict], bool] | None = None

    @property
    def id(self) -> str:
        return f"{self.function}.{self.name}"


@dataclass(frozen=True)
class Check:
    """One hidden check of one function."""

    function: str
    name: str  # stable id within the function; the rubric refers to it
    description: str  # one line for the student, in the lecture's words
    examples: st.SearchStrategy
    calls: Callable[[Any], list[Call]] = one_call
    judge: Judge | None = None  # None: agrees(function)
    weight: float = 1.0
    max_examples: int = 100
    warnings_as_errors: bool = False
    inputs_unchanged: bool = False  # judge the inputs after the call instead of the result
    # Hygiene (raising ValueError, leaving inputs alone) is easy to pass with a function that
    # does nothing useful, and so are properties (zero is linear) and edge cases (no layers:
    # no parameters): they count only when a main agreement check of the function passes.
    hygiene: bool = False
    edge_case: bool = False  # an agreement a zero, constant or identity answer can pass
    # A property no degenerate answer passes (a validation accuracy above chance): it earns
    # points on its own, as a main agreement check does.
    main: bool = False
    # The SPEC rules it grades: a rule id of autograder/spec_rules.toml or a graded
    # function's own SPEC 3 rule (its name); "rule[case]" when only the examples of one case
    # of an invalid-argument strategy grade it; "defaults[parameter]" for a default left out.
    covers: tuple[str, ...] = ()
    # Its failing examples go to the misconception diagnosis; not those of a check that
    # judges only a message: a mistake's variant raises the same ValueError, with its words.
    diagnosed: bool = True
    oracle: Oracle | None = None  # what its judge needs besides the reference's results

    @property
    def id(self) -> str:
        return f"{self.function}.{self.name}"

    @property
    def counts_alone(self) -> bool:
        """A main agreement with the reference: the only kind a degenerate answer fails."""
        return (self.judge is None or self.main) and not self.hygiene and not self.edge_case

    def judgement(self) -> Judge:
        """The judge; made once (it is asked for once per example)."""
        judge = self.__dict__.get("_judgement")
        if judge is None:
            judge = self.judge or agrees(self.function)
            object.__setattr__(self, "_judgement", judge)  # a cache, not a field
        return judge


def agreement(function: str, name: str, description: str, examples: st.SearchStrategy,
              weight: float = 1.0, **options) -> Check:
    return Check(function, name, description, examples, weight=weight, **options)


def raises_value_error(function: str, description: str, examples: st.SearchStrategy,
                       weight: float = 1.0, name: str = "rejects_invalid_arguments",
                       covers: tuple[str, ...] = ()) -> Check:
    """The invalid arguments of SPEC section 2: the reference raises, so must the student."""
    return Check(function, name, description, examples, weight=weight, hygiene=True,
                 covers=covers)


def rejects_invalid_arguments(function: str, description: str, examples: st.SearchStrategy,
                              covers: tuple[str, ...] = ()) -> list[Check]:
    """SPEC 2's invalid arguments: raising ValueError (``raises_value_error``), and, for a
    small part of the points, a message that names the offending argument."""
    return [raises_value_error(function, description, examples, covers=covers),
            Check(function, "names_the_argument", "the ValueError's message names the "
                  "argument that is wrong", examples, judge=names_the_argument(function),
                  weight=NAMES_WEIGHT, hygiene=True, diagnosed=False,
                  covers=("value_error_names_the_argument",))]


NAMES_WEIGHT = 0.25  # of the function's checks' weights (a main agreement weighs 2 or 3)


def names_the_argument(function: str) -> Judge:
    """Where the reference raises ValueError and so does the student, the student's message
    names one of the function's parameters that the reference's message names. A call that
    raised nothing or something else is left to ``rejects_invalid_arguments`` (one failure,
    one story)."""
    parameters = parameters_of(function)

    def judge(example, actual: Sequence, expected: Sequence) -> str | None:
        for got, want in zip(actual, expected, strict=True):
            if not (isinstance(want, Raised) and isinstance(got, CallError)
                    and got.kind == RAISED and got.exception_type == "ValueError"):
                continue
            wanted = named_in(want.message, parameters)
            if wanted and not wanted & named_in(got.message, parameters):
                names = " or ".join(f"`{name}`" for name in sorted(wanted))
                return f"your ValueError says {got.message!r}; name the argument {names}"
        return None
    return judge


@functools.cache
def parameters_of(function: str) -> tuple[str, ...]:
    """The parameter names of the reference ``function`` (what a student's message names)."""
    from cnnlab.catalog import MODULE_OF
    module = importlib.import_module(f"solutions.{MODULE_OF[function]}")
    return tuple(inspect.signature(getattr(module, function)).parameters)


def result_property(function: str, name: str, description: str, examples: st.SearchStrategy,
                    calls: Callable[[Any], list[Call]], holds: Callable[[Any, list], bool],
                    message: str, weight: float = 1.0, covers: tuple[str, ...] = ()) -> Check:
    """A property of the student's own results: ``holds(example, results)``; ``message``
    (formatted with the example's items) says what went wrong."""
    @on_results
    def judge(example, actual, expected) -> str | None:
        return None if holds(example, actual) else message.format(*example)
    return Check(function, name, description, examples, calls=calls, judge=judge,
                 weight=weight, covers=covers)


def keeps_inputs(function: str, examples: st.SearchStrategy, weight: float = 0.5) -> Check:
    return Check(function, "does_not_modify_inputs",
                 "the input arrays are the same after the call", examples,
                 judge=functools.partial(_inputs_unchanged, function), weight=weight,
                 inputs_unchanged=True, hygiene=True, covers=("inputs_unchanged",))


def accepts_nested_lists(function: str, calls: st.SearchStrategy,
                         description: str = "nested lists work like arrays") -> Check:
    """SPEC 2: functions also accept nested lists; the array arguments of ``calls`` are
    sent as nested lists."""
    return Check(function, "accepts_nested_lists", description, S.as_nested_lists(calls),
                 covers=("nested_lists",))


def _inputs_unchanged(function: str, example: Call, actual: Sequence,
                      expected: Sequence) -> str | None:
    (sent_args, sent_kwargs), = [example]
    after = actual[0]
    if isinstance(after, CallError):  # no result to look at: another check says why
        return after.describe()
    args, kwargs = after
    names = parameters_of(function)
    for name, before, now in [*zip(names, sent_args, args, strict=False),
                              *((k, v, kwargs.get(k)) for k, v in sent_kwargs.items())]:
        if not same_data(before, now):
            return f"the call {_change(before, now)} its argument {name}"
    return None


def _change(before, now) -> str:
    """How an argument changed: its values, or (``x.shape = ...`` in place) its shape."""
    if (isinstance(before, np.ndarray) and isinstance(now, np.ndarray)
            and before.shape != now.shape):
        return f"changed the shape (from {before.shape} to {now.shape}) of"
    return "modified"


@dataclass(frozen=True)
class Graded:
    """One graded function, declared once beside its checks. ``module`` is the exercise
    module, filled in from the checks module that declares it (``autograder.checks``)."""

    function: str
    result: str  # what a right result is: a kind of ``cnnlab.catalog`` (SPEC 2)
    section: str  # the notebook section (``notebooks/story/*.md``) that asks for it
    points: float  # its default points; a rubric file may give others
    spec: str  # its rule in SPEC section 3, in SPEC's words (the coverage matrix)
    checks: Callable[[], list[Check]]  # made when asked for: strategies are built lazily
    misconceptions: tuple[Misconception, ...] = ()
    pictured: bool = False  # feedback draws expected and actual side by side
    module: str = ""

    def __post_init__(self) -> None:
        bound = tuple(m if m.function == self.function else replace(m, function=self.function)
                      for m in self.misconceptions)
        object.__setattr__(self, "misconceptions", bound)  # frozen: bound once, here
