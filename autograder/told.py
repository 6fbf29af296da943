"""Which failed checks a student is told, one example each, and which are grouped as
"failed the same way": the feedback's rule (``autograder.outputs``), and the examples a
hand-in keeps (``engine.cap_examples``)."""

from __future__ import annotations

import re

from autograder.results import UNEARNED, CheckResult, FunctionResult


def shown_failures(function: FunctionResult) -> tuple[list[CheckResult], list[CheckResult]]:
    """(the failed checks to tell, those that failed the same way as one told); none for a
    stub, whose note says it all. With one named explanation every failure it gave is one
    story: the first value check is shown, a left-out ValueError on its own."""
    failed = [c for c in function.checks if not c.passed and c.examples_run
              and not function.not_done and c.message != UNEARNED]
    shown, repeats = _without_repeats(failed)
    if len(function.misconceptions) != 1:
        return shown, repeats
    explained = [c for c in shown if not _own_cause(c)]
    return ([c for c in shown if _own_cause(c) or c is explained[0]] if explained else shown,
            [*explained[1:], *repeats])


def _own_cause(check: CheckResult) -> bool:
    """A failure the misconception does not explain: a left-out ValueError, a changed input
    (not a call that crashed on the inputs check's example: that is the function's story)."""
    problem = problem_of(check)
    return problem.startswith("should raise ValueError") or (
        check.check.endswith(".does_not_modify_inputs") and problem.startswith("the call "))


def problem_of(check: CheckResult) -> str:
    """What went wrong on the example shown (the headline without its counts)."""
    return _this_call((check.message or "").split("; on the smallest: ", 1)[-1])


def _this_call(problem: str) -> str:
    return problem.replace(" (in an earlier call)", "")


def story_of(problem: str) -> str:
    """What makes two failures one story: the problem without the sizes and indices that
    change from example to example. One crash at other indices ("index 2 is out of bounds
    for axis 0 with size 2", then 3 and 3), results of the wrong shape in the same way
    ((2, 2) for (2, 2, 1), then (1, 1) for (1, 1, 1)), and the student's own ValueError
    raised on a valid call, then told again by the check that its message names the
    argument: each is one story. Numbers outside shapes stay (expected 1, got 2)."""
    problem = _this_call(problem)
    said = re.fullmatch(r"your ValueError says (['\"])(.*)\1; name the argument .*", problem)
    if said:
        problem = f"raised ValueError: {said.group(2)}"
    if problem.startswith("raised "):
        return re.sub(r"\d+", "#", problem)
    return re.sub(r"\((?:\d+, )*\d*,?\)", lambda shape: re.sub(r"\d+", "#", shape.group()),
                  problem)


def _without_repeats(failed: list[CheckResult]) -> tuple[list[CheckResult], list[CheckResult]]:
    shown, repeats, told = [], [], set()
    for check in failed:
        problem = story_of(problem_of(check))
        if problem in told:  # the same result, whichever check ran into it
            repeats.append(check)
        else:
            told.add(problem)
            shown.append(check)
    return shown, repeats
