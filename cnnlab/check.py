"""``cnnlab check [PATH]``: a student compares their exercises with the public examples.

For every function it says *passed*, *not implemented yet* or *failing* (with the input, the
expected and the actual result). Passing these few examples is not the grade: the grader
runs hundreds of generated inputs per function.
"""

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab.calls import CallOutput, run_call, source_file, where_in
from cnnlab.catalog import FUNCTIONS, MODULE_OF
from cnnlab.loading import LoadedExercises, exercises_from
from cnnlab.public_checks import CASES, RAISES, Case
from cnnlab.result_rules import compare

SECONDS_PER_CALL = 10
PASSED, TODO, FAILING = "passed", "not implemented yet", "failing"


@dataclass
class Outcome:
    function: str
    status: str
    details: list[str]


class CallTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Stop an endless loop in the student's code (Unix, main thread; elsewhere no limit)."""
    def expire(signum, frame):
        raise CallTimeout(f"took longer than {seconds} s (an endless loop?)")
    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except (AttributeError, ValueError):
        yield
        return
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_case(function, case: Case) -> str | None:
    """None if the student's ``function`` passes ``case``, else what went wrong.
    Raises NotImplementedError when the stub is still there."""
    with time_limit(SECONDS_PER_CALL):  # sigmoid must not overflow: warnings are errors
        outcome = run_call(function, _copies(case.args), _copies(case.kwargs),
                           files={source_file(function)}, warnings_as_errors=True,
                           output=CallOutput(echo=sys.stdout))
    error, actual = outcome.exception, outcome.value
    if isinstance(error, NotImplementedError) or (error is not None
                                                  and not isinstance(error, Exception)):
        raise error
    if isinstance(error, ValueError):
        return None if case.expected is RAISES else (
            f"raised ValueError: {error}{where(error, function)}")
    if error is not None:  # the student's bug, reported, not fatal
        return f"raised {type(error).__name__}: {error}{where(error, function)}"
    if case.expected is RAISES:
        return f"should raise ValueError, returned {_show(actual)}"
    problem = compare(case.function, case.expected, actual)
    if problem:
        return f"{problem}\n      expected: {_show(case.expected)}\n      actual:   {_show(actual)}"
    return None


def where(error: BaseException, function) -> str:
    """``"\n      at padding.py, line 12: return x[pad]"``: the last frame of the raise in
    the student's own file (the file that defines ``function``), or "" when there is none."""
    found = where_in(error, {source_file(function)})
    return f"\n      at {found}" if found else ""


def _copies(values):
    if isinstance(values, dict):
        return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in values.items()}
    return tuple(v.copy() if isinstance(v, np.ndarray) else v for v in values)


def _show(value) -> str:
    if isinstance(value, np.ndarray):
        return " ".join(np.array2string(value, separator=", ", precision=6).split())
    return repr(value)


def check_function(loaded: LoadedExercises, name: str) -> Outcome:
    module = MODULE_OF[name]
    if module in loaded.errors:
        return Outcome(name, FAILING, [f"{module}.py does not import: {loaded.errors[module]}"])
    function = loaded.function(name)
    if function is None:
        return Outcome(name, FAILING, [f"{module}.py has no function {name}"])
    details = []
    for case in (c for c in CASES if c.function == name):
        try:
            problem = run_case(function, case)
        except NotImplementedError:
            return Outcome(name, TODO, [])
        if problem:
            why = f"  ({case.why})" if case.why else ""
            details.append(f"{case.call_text()}{why}\n      {problem}")
    return Outcome(name, FAILING if details else PASSED, details)


def check_folder(folder: Path) -> list[Outcome]:
    with exercises_from(folder) as loaded:
        return [check_function(loaded, name) for name in FUNCTIONS]


def report(outcomes: list[Outcome], folder: Path) -> str:
    marks = {PASSED: "ok  ", TODO: "todo", FAILING: "FAIL"}
    lines = [f"Public checks of {folder}", ""]
    for outcome in outcomes:
        lines.append(f"  [{marks[outcome.status]}] {outcome.function:<20} {outcome.status}")
        lines.extend(f"         {detail}" for detail in outcome.details)
    counts = {s: sum(o.status == s for o in outcomes) for s in marks}
    lines += ["", f"{counts[PASSED]} passed, {counts[FAILING]} failing, "
              f"{counts[TODO]} not implemented yet, of {len(outcomes)} functions.",
              "These are a few public examples. Your grade comes from hidden tests with "
              "hundreds of generated inputs per function: passing here is not the grade."]
    return "\n".join(lines)


def default_folder() -> Path:
    return Path("exercises")


def run(args: argparse.Namespace) -> int:
    folder = Path(args.path) if args.path else default_folder()
    if not folder.is_dir():
        print(f"cnnlab check: {folder} is not a folder. Give the folder that holds "
              "padding.py, convolution.py, ... (default: ./exercises)")
        return 2
    outcomes = check_folder(folder)
    print(report(outcomes, folder))
    return 0 if all(o.status == PASSED for o in outcomes) else 1


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check", help="check your exercises against the public examples",
        description="Run the public examples on your exercise functions.")
    parser.add_argument("path", nargs="?", help="folder with your exercise modules "
                        "(default: ./exercises)")
    parser.set_defaults(func=run)
