"""The contract between the parts of the grader.

* ``Student`` is how the trusted side calls a student's functions: in a sandboxed worker
  (``autograder.sandbox``) or, for notebooks and tests, in-process.
* ``Engine`` is the hidden suite as the pipeline calls it (``autograder.engine``).
* ``SubmissionResult`` is what grading one submission produces; the outputs (CSV, feedback,
  Gradescope JSON, gradebook, report) are all written from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

# Why a call gave no usable result.
RAISED = "raised"  # the function raised an exception (exception_type says which)
TIMEOUT = "timeout"  # it ran out of its CPU/wall time for the call
CRASHED = "crashed"  # the worker died: segfault, os._exit, out of memory, killed
INVALID = "invalid_result"  # it returned something that is not plain numeric data
MISSING = "missing"  # the function or its module is not there / did not import
NOT_IMPLEMENTED = "not_implemented"  # the stub's NotImplementedError
NOT_DONE = "not implemented yet"  # what feedback says of a function that is still a stub
NOT_HANDED_IN = "was not handed in"  # the worker's note on a function whose module is missing
# A check that passed but earns nothing until a main check passes (``engine``): said so once
# per function, never as a failure.
UNEARNED = ("passed, but 0 points for now: this check earns its points once your function "
            "also gives the right results on a main check above")


class CallError(Exception):
    """A call into student code that did not return a result."""

    def __init__(self, kind: str, message: str = "", exception_type: str | None = None,
                 where: str | None = None, printed: str = ""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.exception_type = exception_type
        # Where in the student's own code it happened, for the feedback:
        # "convolution.py, line 12: out[i] = x[i:i + k] @ w" (None when not known).
        self.where = where
        self.printed = printed  # the end of what the code printed (crash, timeout, exit)

    def describe(self) -> str:
        if self.kind == RAISED and self.exception_type == "RuntimeWarning":
            return (f"warned RuntimeWarning: {self.message} (a warning fails this check, "
                    "also one that np.seterr or a warnings filter would hide for the whole "
                    "program: compute so that it does not arise)")
        if self.kind == RAISED:
            return f"raised {self.exception_type}: {self.message}"
        return f"{self.kind.replace('_', ' ')}: {self.message}" if self.message else self.kind

    def __repr__(self) -> str:
        return (f"CallError({self.kind!r}, {self.message!r}, {self.exception_type!r}, "
                f"{self.where!r})")


Call = tuple[tuple, dict]  # (args, kwargs), plain data: numbers, tuples, lists, dicts, arrays


class Student(Protocol):
    """The student's functions, as seen from the trusted side."""

    def missing(self) -> dict[str, str]:
        """Function -> why it cannot be called (module missing, syntax error, ...)."""
        ...

    def call_many(self, function: str, calls: Sequence[Call], return_inputs: bool = False,
                  warnings_as_errors: bool = False) -> list[Any]:
        """Call ``function`` once per ``(args, kwargs)``; each result is plain data (ints,
        floats, tuples, numpy arrays) or a ``CallError``. Inputs are copied: the caller's
        arrays are never modified. With ``return_inputs`` each item is ``(result or
        CallError, the call's (args, kwargs) after it ran, or None if that is unknown)``;
        with ``warnings_as_errors`` a warning the call emits makes it a ``CallError``."""
        ...


class Engine(Protocol):
    """The hidden suite as the pipeline uses it: ``autograder.engine`` itself, or a stand-in
    with the same three functions (tests). The rubric and the suite are the engine's own
    objects, handed back to it unread."""

    def load_rubric(self, path: Path | None = None) -> Any: ...

    def prepare(self, rubric: Any) -> Any: ...

    def grade(self, student: Student, suite: Any, sources: dict[str, str] | None = None,
              student_id: str = "student", detail: str = "full") -> SubmissionResult: ...


@dataclass
class FailingExample:
    """The smallest input found on which a check fails."""

    call: str  # e.g. "conv2d(image=array([[0., 1.]]), kernel=array([[1.]]))"
    expected: str
    actual: str
    # Numbers for a picture (input, expected, actual), when the check compares arrays.
    arrays: dict[str, list] | None = None


@dataclass
class CheckResult:
    function: str
    check: str  # stable id, e.g. "conv2d.translation_equivariant"
    description: str  # one line for the student, in the lecture's words
    max_points: float
    points: float
    examples_run: int
    message: str = ""  # what went wrong, empty when passed
    example: FailingExample | None = None

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points


@dataclass
class FunctionResult:
    function: str
    max_points: float
    points: float
    checks: list[CheckResult] = field(default_factory=list)
    note: str = ""  # e.g. "padding.py does not import: SyntaxError ..." or a forbidden call
    # Ids of the misconceptions (``autograder.misconceptions``) whose variant gave exactly the
    # student's results on every failing example: "conv2d.flipped_kernel".
    # Two ids joined by " + ": two mistakes that together give the results. Several: one of
    # them, and ``telling_apart`` is a call that would tell them apart, when there is one.
    misconceptions: list[str] = field(default_factory=list)
    telling_apart: str = ""

    @property
    def not_done(self) -> bool:
        """Still the stub, or calls one (``NOT_DONE``)."""
        return self.note.startswith(NOT_DONE)

    @property
    def absent(self) -> bool:
        """Not handed in or still the stub: nothing of the student's own to judge."""
        return self.not_done or NOT_HANDED_IN in self.note


@dataclass
class SubmissionResult:
    student: str
    functions: list[FunctionResult]
    notes: list[str] = field(default_factory=list)  # for the student: files found, ...
    # For the instructor's outputs only (terminal, report, gradebook), never in feedback:
    # the isolation level, fork-server restarts, ...
    grader_notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(f.points for f in self.functions)

    @property
    def max_score(self) -> float:
        return sum(f.max_points for f in self.functions)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionResult:
        functions = []
        for f in data["functions"]:
            checks = [CheckResult(**{**c, "example": FailingExample(**c["example"])
                                     if c.get("example") else None}) for c in f["checks"]]
            functions.append(FunctionResult(**{**f, "checks": checks}))
        return cls(student=data["student"], functions=functions, notes=list(data["notes"]),
                   grader_notes=list(data.get("grader_notes", [])))
