"""The hidden suite: grade a student's functions with the checks of ``autograder.checks``.

``prepare`` draws every check's examples once (deterministically) and computes the
reference's results for them in this, the trusted, process. ``grade`` sends each check's
calls to the student in one batch, judges what comes back, and, for a check that fails,
lets hypothesis shrink the failure to the smallest input it can find for the feedback.

API used by the pipeline, the notebooks and Gradescope:
``load_rubric(path)``, ``prepare(rubric)``, ``grade(student, suite, sources, student_id)``,
``grade_function(student, suite, function)``.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import random
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from numpy.exceptions import ComplexWarning

from autograder import course_key, misconceptions, stages, suite_cache
from autograder.callers import note_callers
from autograder.checks import all_checks
from autograder.checks.base import Check, parameters_of
from autograder.course_key import CourseKey
from autograder.drawing import (
    Corpus,
    DrawnCheck,
    call_identity,
    draw_check,
    example_size,
    reference,
)
from autograder.feedback import describe, summary
from autograder.forbidden import forbidden_uses
from autograder.generation import smallest_failure
from autograder.hand_in_inputs import Extra, extra_examples, relabellable
from autograder.results import (
    CRASHED,
    MISSING,
    NOT_DONE,
    NOT_IMPLEMENTED,
    TIMEOUT,
    UNEARNED,
    CallError,
    CheckResult,
    FailingExample,
    FunctionResult,
    Student,
    SubmissionResult,
)
from autograder.rubric import Rubric, check_weight_names
from autograder.rubric import load_rubric as _load_rubric
from autograder.told import shown_failures, story_of
from autograder.worker_runtime import wire
from cnnlab.catalog import FUNCTIONS, MODULE_OF
from cnnlab.placement import moved_hint

# A failure of these kinds is the same on every input: no point in searching for a smaller.
NOT_SHRUNK = (TIMEOUT, CRASHED, MISSING, NOT_IMPLEMENTED)
# Shrinking calls the student once per try: bounded per failed check and per hand-in, counted
# in tries (not seconds), so the same hand-in always shows the same examples.
# The examples are sorted smallest first, so the first failure is already small, and it is
# kept when hypothesis, cut short, ends on a larger one; calls of numbers only are shrunk
# too (dense_layer_params(60, 1) becomes (2, 1)), on a budget of their own. Hypothesis
# starts from that failure's choices (``PreparedCheck.starts``) and shrinks at once; a try
# still costs some ms of hypothesis's own work (drawing the example again from choices, its
# shrinker), a quarter of the class's grading time at these
# budgets (benchmarks/grading.py). 20 tries turn a conv1d failure on [3.75, -2] and
# [-1.75, 0.5] into one on [0, 0.25] and [0, 0.25].
SHRINK_TRIES_PER_CHECK = 20
SHRINK_TRIES_PER_HAND_IN = 60
DIAGNOSIS_EXAMPLES = 8  # failing examples per check a misconception must reproduce
DIAGNOSIS_PASSES = 2  # passed examples per check it must reproduce too: right where they were
# Calls per check (the smallest) a named misconception must not contradict, beyond the
# failing and passed examples it must reproduce: the diagnosis's time stays a small part of
# grading a wrong function (benchmarks/feedback_lines.py).
ANSWERED_PER_CHECK = 25
NOT_RUN = "(in an earlier call; the remaining calls were not run)"  # the sandbox's words
NOT_RUN_MESSAGE = ("not run: an earlier call of this function timed out or crashed, and its "
                   "remaining calls were not made")


def load_rubric(path=None) -> Rubric:
    return _load_rubric(path)


@dataclass
class PreparedCheck:
    check: Check
    points: float
    examples: list[Any]
    calls: list[list]  # per example, the calls it makes
    expected: list[list]  # per example, the reference's result of each call
    starts: list[bytes]  # per example, hypothesis's choices for it: shrinking starts there
    pool: Corpus = field(default_factory=Corpus)  # where a hand-in's own examples may come from
    # Per example, the hand-in's own example it is (with the relabelling that made it from
    # the example drawn from its start), or None for a course example; None for the whole
    # list: the course's examples only.
    own: list[Extra | None] | None = None

    @classmethod
    def of(cls, check: Check, points: float, drawn: DrawnCheck) -> PreparedCheck:
        """The check prepared from what drawing gave (or the cache kept)."""
        prepared = cls(check, points, *drawn.course.parts(), pool=drawn.pool)
        # seeds the cached properties below: worked out when drawn, not in every process
        prepared.__dict__["sizes"], prepared.__dict__["relabellable"] = drawn.course.derived()
        return prepared

    def for_hand_in(self, rng: random.Random) -> PreparedCheck:
        """The course's examples and the hand-in's own (``autograder.hand_in_inputs``), all in
        order of size (an own example after the course's of its size)."""
        course = Corpus(self.examples, self.calls, self.expected, self.starts)
        extras = extra_examples(rng, course, self.pool, self.relabellable, self.check.calls,
                                self._reference)
        own: list[Extra | None] = [None] * len(self.examples)
        merged = replace(self, examples=self.examples[:], calls=self.calls[:],
                         expected=self.expected[:], starts=self.starts[:], own=own)
        sizes = self.sizes[:]
        for size, extra in sorted(((example_size(e.example), e) for e in extras),
                                  key=lambda pair: pair[0]):
            at = bisect.bisect_right(sizes, size)
            sizes.insert(at, size)
            columns: tuple[tuple[list[Any], Any], ...] = (
                (merged.examples, extra.example), (merged.calls, extra.calls),
                (merged.expected, extra.expected), (merged.starts, extra.start), (own, extra))
            for column, value in columns:
                column.insert(at, value)
        return merged

    def _reference(self, call) -> Any:
        return reference(self.check.function, call, "reference (hand-in inputs)", copy=False)

    @functools.cached_property
    def sizes(self) -> list[tuple[int, float]]:
        """``example_size`` of each example."""
        return [example_size(e) for e in self.examples]

    @functools.cached_property
    def relabellable(self) -> list[int]:
        """The examples a hand-in's own may be relabelled from (``hand_in_inputs``)."""
        return [i for i, e in enumerate(self.examples) if relabellable(e)]


@dataclass
class Suite:
    rubric: Rubric
    checks: dict[str, list[Check]]
    prepared: dict[str, list[PreparedCheck]] = field(default_factory=dict)
    key: CourseKey = field(default_factory=course_key.load)  # draws the inputs
    cached: bool = True  # read and keep what is drawn in the user's cache (``suite_cache``)

    def of(self, function: str) -> list[PreparedCheck]:
        """The prepared checks of ``function``, drawn (in this process) on first use."""
        if function not in self.prepared:
            self.load((function,), jobs=1)
        return self.prepared[function]

    def load(self, functions: tuple[str, ...], jobs: int = 0) -> None:
        """Prepare ``functions``: from the cache, or drawn (by ``jobs`` processes)."""
        with suite_cache.cycle_collector(running=False):
            self._load(functions, jobs)

    def _load(self, functions: tuple[str, ...], jobs: int) -> None:
        if self.cached:  # a call made by several checks is one object in the file
            suite_cache.load(self, functions, jobs=jobs)
        else:
            with suite_cache.cycle_collector(running=True):
                self._draw(functions)
            for function in functions:
                share_identical_calls(self.prepared[function])
        for function in functions:
            for prepared in self.prepared[function]:
                # worked out here, once, not in every grading process forked from this one
                prepared.sizes, prepared.relabellable  # noqa: B018

    def _draw(self, functions: tuple[str, ...]) -> None:
        """Draw ``functions`` in this process, without the cache."""
        for function in functions:
            points = self.rubric.check_points(function, self.checks[function])
            self.prepared[function] = [
                _prepare_check(check, share, self.key) for check, share
                in zip(self.checks[function], points, strict=True)
                if share > 0 or self.rubric.points_of(function) == 0]

    def for_hand_in(self, function: str, hand_in: str) -> list[PreparedCheck]:
        """The prepared checks of ``function`` with the own examples of the hand-in whose
        digest is ``hand_in`` (seeded by the course key, the digest and the check)."""
        return [p.for_hand_in(random.Random(self.key.seed("hand-in", hand_in, p.check.id)))
                for p in self.of(function)]


def share_identical_calls(prepared: list[PreparedCheck]) -> list[PreparedCheck]:
    """The checks with each call that several of them make (the same arguments, by their
    wire encoding) held as one object, so that a hand-in is asked it once (``_ask``): an
    eighth of the suite's calls are such repeats. (A suite read from the cache has them
    shared already: ``suite_cache`` keeps a function's calls in one table.)"""
    shared: dict[bytes, Any] = {}
    for p in prepared:
        p.calls = [[shared.setdefault(call_identity(call), call) for call in group]
                   for group in p.calls]
    return prepared


def prepare(rubric: Rubric, functions: tuple[str, ...] | None = FUNCTIONS,
            cache: bool = True, key: CourseKey | None = None) -> Suite:
    """The suite for ``rubric``, drawn with the course ``key`` (default: ``course_key.load``).
    Drawing takes seconds per function, so what is drawn is kept in the user's cache
    (``suite_cache``: a file per function) and read back while nothing its examples depend on
    has changed. ``functions=None`` draws a function's examples only when it is first graded
    (notebooks grade one function at a time)."""
    checks = all_checks()
    check_weight_names(rubric, checks)
    suite = Suite(rubric, checks, key=key or course_key.load(), cached=cache)
    if functions:
        suite.load(functions)
    return suite


def _prepare_check(check: Check, points: float, key: CourseKey) -> PreparedCheck:
    drawn = draw_check(check, key)
    drawn.teach(check)
    return PreparedCheck.of(check, points, drawn)


# --- grading ------------------------------------------------------------------------------

def grade(student: Student, suite: Suite, sources: dict[str, str] | None = None,
          student_id: str = "student", detail: str = "full",
          hand_in: str | None = None,
          functions: Sequence[str] = FUNCTIONS) -> SubmissionResult:
    """Every function of the submission (or those of ``functions``, in the order given).
    ``sources``: module -> source text (all that the hand-in's worker can read of it), for
    the rubric's forbidden names and, digested, as the seed of the hand-in's own examples
    unless ``hand_in`` gives another digest. ``detail`` is kept for the outputs, which use
    it."""
    budget = ShrinkBudget(SHRINK_TRIES_PER_HAND_IN)
    hand_in = hand_in or sources_digest(sources or {})
    results = [grade_function(student, suite, f, sources, budget, hand_in) for f in functions]
    return SubmissionResult(student_id, cap_examples(note_callers(results, sources or {})))


def sources_digest(sources: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for module, text in sorted(sources.items()):
        digest.update(module.encode() + b"\0" + text.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


MAX_EXAMPLES_PER_HAND_IN = 40  # told failing examples kept, besides each function's first


def cap_examples(results: list[FunctionResult],
                 most: int = MAX_EXAMPLES_PER_HAND_IN) -> list[FunctionResult]:
    """The results with the failing examples the student is told (``told.shown_failures``):
    every failed function's first, then the others in order up to ``most`` in all. A check
    that failed the same way as one told shows no example, so it keeps none: counted, they
    left a later function with no example at all."""
    told = [shown_failures(function)[0] for function in results]
    firsts = {id(shown[0]) for shown in told if shown and shown[0].example is not None}
    left = most - len(firsts)
    capped = []
    for function, shown in zip(results, told, strict=True):
        telling = {id(check) for check in shown}
        checks = []
        for check in function.checks:
            if check.example is not None and id(check) not in firsts:
                if id(check) in telling and left > 0:
                    left -= 1
                else:
                    check = replace(check, example=None)
            checks.append(check)
        capped.append(replace(function, checks=checks))
    return capped


@dataclass
class ShrinkBudget:
    """Shrinking tries left for one hand-in: calls with arrays or lists, and calls of numbers
    only (cheap, and counted apart so that they never use up the arrays' tries)."""

    left: int
    numbers_left: int = SHRINK_TRIES_PER_HAND_IN

    def take(self, numbers: bool = False) -> int:
        return min(SHRINK_TRIES_PER_CHECK, self.numbers_left if numbers else self.left)

    def spend(self, numbers: bool = False) -> None:
        if numbers:
            self.numbers_left -= 1
        else:
            self.left -= 1


def grade_function(student: Student, suite: Suite, function: str,
                   sources: dict[str, str] | None = None,
                   budget: ShrinkBudget | None = None,
                   hand_in: str | None = None) -> FunctionResult:
    """One function; with ``hand_in`` (a digest), or else ``sources``, also on that
    hand-in's own examples."""
    max_points = suite.rubric.points_of(function)
    why_not = _why_not_called(student, suite, function, sources or {})
    if why_not:  # every check failed: for the item analysis
        checks = [_result(p, 0, why_not) for p in suite.of(function)]
        return FunctionResult(function, max_points, 0.0, checks, note=why_not)
    if hand_in is None and sources is not None:
        hand_in = sources_digest(sources)
    prepared = suite.of(function) if hand_in is None else suite.for_hand_in(function, hand_in)
    budget = budget or ShrinkBudget(SHRINK_TRIES_PER_HAND_IN)
    checks, observed = [], []
    asked: dict[tuple, Any] = {}  # the answers of this hand-in to the suite's calls so far
    stories: set[str] = set()  # of the function's failures so far (``told.story_of``)
    _ask_own(student, prepared, asked)
    for p in prepared:
        check, seen = _run_check(student, p, budget, asked, stories)
        checks.append(check)
        observed += seen
    checks = _without_degenerate_points(checks, prepared)
    earned = max_points if all(c.passed for c in checks) else round(
        sum(c.points for c in checks), 6)  # no 2.9999999 for a full mark
    note = ""
    scored = [c for c in checks if c.message != UNEARNED]  # a stub "passes" hygiene checks
    if scored and all(c.message.startswith(NOT_DONE) for c in scored):
        note = max((c.message for c in scored), key=len)  # with the stub it calls, if any
    note = note or _renamed_parameter_note(function, checks)
    with stages.stage("misconception diagnosis"):
        diagnosis = misconceptions.Diagnosis() if note else misconceptions.diagnose(
            function, observed, _answered(prepared, asked), _asker(student, function))
    return FunctionResult(function, max_points, earned, checks, note=note,
                          misconceptions=diagnosis.named, telling_apart=diagnosis.telling_apart)


def _renamed_parameter_note(function: str, checks: list[CheckResult]) -> str:
    """Said once above the checks when calls failed because the student's function has no
    parameter of SPEC's name (Coursera's ``conv_forward(A_prev, W, b, hparameters)``): the
    cause is its own signature, not a function it calls, nor one check after another."""
    own = re.compile(rf"\b{function}\(\) got an unexpected keyword argument '(\w+)'")
    for check in checks:
        found = own.search(check.message or "")  # its own signature, not a call it makes
        if found:
            name, names = found.group(1), ", ".join(parameters_of(function))
            return (f"{function} has no parameter named {name}: the grader calls it with "
                    f"the parameter names of SPEC, {function}({names}), and passes {name} by "
                    "name")
    return ""


def _answered(prepared: list[PreparedCheck], asked: dict) -> list[tuple]:
    """(call, the student's result, warnings as errors) for the first calls of each of the
    function's result checks: what a misconception must not contradict."""
    seen, answered = set(), []
    for p in prepared:
        if p.check.inputs_unchanged:
            continue
        for call in [call for group in p.calls for call in group][:ANSWERED_PER_CHECK]:
            key = (id(call), False, p.check.warnings_as_errors)
            if key in asked and key not in seen:
                seen.add(key)
                answered.append((call, asked[key], p.check.warnings_as_errors))
    return answered


def _asker(student: Student, function: str):
    """Asks the student calls drawn to tell two misconceptions apart."""
    def ask(calls: list, strict: bool) -> list:
        return student.call_many(function, calls, warnings_as_errors=strict)
    return ask


def _without_degenerate_points(checks: list[CheckResult],
                               prepared: list[PreparedCheck]) -> list[CheckResult]:
    """No points for an answer that never agrees with the reference: a zero, constant or
    identity function passes properties (zero is linear), edge cases and hygiene checks."""
    pairs = list(zip(checks, prepared, strict=True))
    main = [c for c, p in pairs if p.check.counts_alone]
    if any(c.passed for c in main) or not main:  # not main: the rubric switched them all off
        return checks
    return [_unearned(c) if c.passed and not p.check.counts_alone else c for c, p in pairs]


def _unearned(check: CheckResult) -> CheckResult:
    return replace(check, points=0.0, message=HYGIENE_ONLY)


HYGIENE_ONLY = UNEARNED


def _why_not_called(student: Student, suite: Suite, function: str,
                    sources: dict[str, str]) -> str:
    missing = student.missing().get(function)
    if missing:
        return missing + moved_hint(function, sources)
    forbid = suite.rubric.functions[function].forbid
    own = MODULE_OF[function]
    used = forbidden_uses(sources.get(own, ""), function, forbid,
                          [text for module, text in sorted(sources.items()) if module != own])
    if used:
        return (f"{function} uses {', '.join(used)}, which the rubric does not allow here "
                f"(forbidden: {', '.join(forbid)})")
    return ""


def _result(p: PreparedCheck, examples_run: int, message: str = "",
            example: FailingExample | None = None) -> CheckResult:
    return CheckResult(p.check.function, p.check.id, p.check.description, p.points,
                       0.0 if message else p.points, examples_run, message, example)


def _ask(student: Student, check: Check, calls: list, asked: dict | None = None) -> list:
    """The student's results for ``calls``; for an inputs check, the inputs after each call
    (or the CallError when there is no result). With ``asked`` (the answers so far, by
    call object and the way it is asked), a call asked before is not asked again."""
    if asked is None:
        return _ask_student(student, check, calls)
    way = (check.inputs_unchanged, check.warnings_as_errors)
    keys = [(id(call), *way) for call in calls]
    new = {key: call for key, call in zip(keys, calls, strict=True) if key not in asked}
    asked.update(zip(new, _ask_student(student, check, list(new.values())), strict=True))
    return [asked[key] for key in keys]


def _ask_own(student: Student, prepared: list[PreparedCheck], asked: dict) -> None:
    """The hand-in's own calls of every check, asked first, in one batch per way of asking:
    each check's batch of the course's calls is then the same for every hand-in (the
    sandbox encodes such a batch once per grading process)."""
    ways: dict[tuple, tuple[Check, list]] = {}
    for p in prepared:
        own = [call for extra in p.own or () if extra is not None for call in extra.calls]
        if own:
            way = (p.check.inputs_unchanged, p.check.warnings_as_errors)
            ways.setdefault(way, (p.check, []))[1].extend(own)
    for check, calls in ways.values():
        _ask(student, check, calls, asked)


def _ask_student(student: Student, check: Check, calls: list) -> list:
    answers = student.call_many(check.function, calls, return_inputs=check.inputs_unchanged,
                                warnings_as_errors=check.warnings_as_errors)
    if not check.inputs_unchanged:
        return answers
    return [result if isinstance(result, CallError) or inputs is None else inputs
            for result, inputs in answers]


def _judge(check: Check, example, actual: list, expected: list) -> str | None:
    """Inside ``judging()``: the problem with ``actual``, or None."""
    try:
        return check.judgement()(example, actual, expected)
    except Exception as error:  # a result odd enough to break the judge is wrong
        return f"the result could not be checked ({type(error).__name__}: {error})"


@contextlib.contextmanager
def judging():
    """The "judging" stage, where a complex result cast to real is an error (the result
    could not be checked), not a ComplexWarning on the instructor's terminal. Once per
    check, not per example: a warnings filter costs 2 µs."""
    with stages.stage("judging"), warnings.catch_warnings():
        warnings.simplefilter("error", ComplexWarning)
        yield


def _run_check(student: Student, p: PreparedCheck, budget: ShrinkBudget, asked: dict,
               stories: set[str]) -> tuple[CheckResult, list]:
    """The check's result and, for a failed one, what the student's function did on the
    failing calls (for the misconception diagnosis). ``stories``: those of the function's
    failures so far; a failure that tells one of them again is "failed the same way" and
    never shown, so it is not shrunk: the hand-in's tries go to the failures it is told."""
    flat = [call for group in p.calls for call in group]
    answers = _ask(student, p.check, flat, asked) if flat else []
    failures: list[tuple] = []
    passes: list[tuple] = []
    start, first = 0, None
    with judging():
        for index, (example, group, expected) in enumerate(
                zip(p.examples, p.calls, p.expected, strict=True)):
            actual = answers[start:start + len(group)]
            start += len(group)
            problem = _judge(p.check, example, actual, expected)
            if problem:
                first = index if first is None else first
                failures.append((group, expected, actual, problem))
            elif len(passes) < DIAGNOSIS_PASSES:
                passes.append((group, actual))
    right = _observations(p.check, passes, failing=False)
    if not failures:
        return _result(p, len(p.examples)), right
    ran = [f for f in failures if not _not_run(f[2])]  # after a timeout or crash
    if not ran:  # no example was asked: nothing to show but why
        return _result(p, len(p.examples), NOT_RUN_MESSAGE), []
    if ran and ran[0] is not failures[0]:  # show the call that timed out, not one never run
        failures = [*ran, *(f for f in failures if _not_run(f[2]))]
        first = next(i for i, group in enumerate(p.calls) if group is ran[0][0])
    assert first is not None  # set with the first failure
    told_before = story_of(failures[0][3]) in stories
    shown = failures[0] if told_before else _smallest(student, p, failures, budget, first)
    stories.add(story_of(shown[3]))
    group, expected, actual, problem = shown
    if problem.startswith("not implemented"):
        return _result(p, len(p.examples), _not_done(problem)), []
    note = _kept_state_note(student, p.check, group, actual)
    with stages.stage("feedback text"):
        message = summary(problem, len(ran), len(p.examples), len(failures) - len(ran)) + note
        shown_example = describe(p.check, group, expected, actual)
    result = _result(p, len(p.examples), message, shown_example)
    failing = [(group, actual) for group, _, actual, _ in [shown, *failures[:DIAGNOSIS_EXAMPLES]]]
    return result, _observations(p.check, failing, failing=True) + right


KEPT_STATE = ("; called again with the same input, it returned something else: its result "
              "depends on more than its arguments (a global variable or a cache kept between "
              "calls?), so on its own this call may not fail this way")


def _kept_state_note(student: Student, check: Check, group: list, actual: list) -> str:
    """``KEPT_STATE`` when the shown call, asked once more, gives another answer: the
    example the student reads then came out of the calls before it, and would not show
    the bug when the student runs it alone."""
    if check.inputs_unchanged or any(isinstance(a, CallError) and a.kind in NOT_SHRUNK
                                     for a in actual):
        return ""
    again = _ask(student, check, group)
    if any(isinstance(a, CallError) and a.kind in NOT_SHRUNK for a in again):
        return ""  # out of time or crashed on the second asking: that says nothing of state
    return "" if list(map(_answer_key, actual)) == list(map(_answer_key, again)) else KEPT_STATE


def _answer_key(answer) -> tuple:
    """What must be equal in two answers to one call: the value's encoding (NaN is NaN),
    or the kind of error (its text may hold an address or a time)."""
    if isinstance(answer, CallError):
        return ("error", answer.kind, answer.exception_type)
    try:
        return ("value", wire.dumps(answer))
    except Exception:  # not plain data: judged as such already
        return ("other", type(answer).__name__)


def _not_done(problem: str) -> str:
    """``NOT_DONE``, and which stub the function calls when the stub is another function
    ("not implemented yet: it calls pool_output_size, which still raises ...")."""
    said = problem.partition(": ")[2]
    return f"{NOT_DONE}: it {said}" if said.startswith("calls ") else NOT_DONE


def _not_run(actual: list) -> bool:
    """Every call of the example went unanswered after an earlier call timed out or crashed
    (the sandbox says so in its message)."""
    return bool(actual) and all(isinstance(a, CallError) and NOT_RUN in a.message
                                for a in actual)


def _observations(check: Check, examples: list, failing: bool) -> list:
    """(calls, the student's results, warnings as errors, failed) for the diagnosis."""
    if check.inputs_unchanged or not check.diagnosed:
        return []  # the results of such calls are not what was judged
    return [(group, actual, check.warnings_as_errors, failing) for group, actual in examples]


class _OutOfTries(BaseException):
    """Stops hypothesis at once: a BaseException, so it is not taken for a failure."""


def _smallest(student: Student, p: PreparedCheck, failures: list, budget: ShrinkBudget,
              index: int) -> tuple:
    """The failure to show: the smallest generated one (example ``index``), shrunk further by
    hypothesis (from the choices it was drawn from, relabelled as it was for a hand-in's own
    example) while the hand-in's budget lasts.
    Headline, example, expected and actual all come from it."""
    first, start = failures[0], p.starts[index]
    own = p.own[index] if p.own else None
    relabel = own.relabel if own else None
    if any(isinstance(a, CallError) and a.kind in NOT_SHRUNK for a in first[2]):
        return first
    if not start:  # a very large example
        return first
    numbers = _numbers_only(first[0])
    tries = budget.take(numbers)
    found: list[tuple] = []

    def problem_of(example):
        nonlocal tries
        if tries <= 0:
            raise _OutOfTries  # hypothesis would go on drawing (slowly) and ignore the result
        tries -= 1
        budget.spend(numbers)
        outcome = _problem_of(student, p.check)(example)
        if outcome is not None:
            found.append(outcome)  # the last one is the smallest
        return outcome

    if tries > 0:
        with contextlib.suppress(_OutOfTries), stages.stage("shrinking (hypothesis)"):
            strategy = p.check.examples if relabel is None else p.check.examples.map(relabel)
            smallest_failure(strategy, problem_of, start, tries + 1)
    # Cut short, hypothesis may end on a failure larger than the corpus's smallest.
    return min([first, *found[-1:]], key=lambda failure: example_size(failure[0]))


def _numbers_only(calls: list) -> bool:
    """No array and no list in any argument of ``calls`` (``example_size`` counts the
    ``calls`` list itself as one item per call)."""
    return example_size(calls)[0] == len(calls)


def _problem_of(student: Student, check: Check):
    def problem_of(example):
        group = check.calls(example)
        expected = [reference(check.function, call) for call in group]
        actual = _ask(student, check, group)
        with judging():
            problem = _judge(check, example, actual, expected)
        return (group, expected, actual, problem) if problem else None
    return problem_of
