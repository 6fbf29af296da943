"""Grade one function of the exercise notebook with the hidden suite, inside the notebook.

The nbgrader notebook's test cells end, in their hidden part, with::

    from autograder.notebook import hidden_points
    hidden_points("conv2d", globals(), 3.0)

nbgrader (0.9) scores a test cell by its output: any error or any text on stderr gives 0
points, otherwise the first result value parsed as a float *is* the points (a value above the
cell's points is an error). So ``hidden_points`` never raises, never writes to stderr (the
student's prints and warnings included), prints a short feedback to stdout and returns the
points as a float in ``[0, points]``.

The student's functions are called in this process (``InProcessStudent``): the notebook
kernel already runs the student's code, so there is nothing more to isolate here. The suite is
prepared once per kernel and cached.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import warnings
from collections.abc import Callable
from typing import Any

from cnnlab.catalog import FUNCTIONS, MODULE_OF

# One suite per kernel: preparing it takes seconds, the 22 test cells share it.
_CACHE: dict[str, Any] = {}


def _suite() -> tuple[Any, Any]:
    """(engine, suite), prepared on first use."""
    if "suite" not in _CACHE:
        import autograder.engine as engine  # on first use: it loads hypothesis and the checks
        _CACHE["engine"] = engine
        _CACHE["suite"] = engine.prepare(engine.load_rubric())
    return _CACHE["engine"], _CACHE["suite"]


def student_functions(namespace: dict[str, Any]) -> dict[str, Callable]:
    """The graded functions that the notebook defines, by name."""
    return {name: namespace[name] for name in FUNCTIONS if callable(namespace.get(name))}


def notebook_code(namespace: dict[str, Any]) -> str:
    """The code the kernel ran (IPython keeps it in ``In``), for the rubric's forbidden names:
    cells that parse, without magics and shell lines, as ``cnnlab grade`` reads notebooks."""
    cells = namespace.get("In")
    if not isinstance(cells, list):
        return ""
    from autograder.submissions import without_magics
    from cnnlab.source_text import PARSE_ERRORS

    kept = []
    for cell in cells:
        if not isinstance(cell, str):
            continue
        code = without_magics(cell)
        try:
            ast.parse(code)
        except PARSE_ERRORS:  # the kernel did not run it either
            continue
        kept.append(code)
    return "\n\n".join(kept)


def scaled_points(earned: float, maximum: float, points: float) -> float:
    """``points * earned / maximum``, clamped to ``[0, points]``; 0 for nonsense numbers."""
    try:
        share = float(earned) / float(maximum)
    except (TypeError, ValueError, ZeroDivisionError):
        return 0.0
    if not math.isfinite(share):
        return 0.0
    return round(min(max(share, 0.0), 1.0) * float(points), 4)


def feedback(result: Any) -> str:
    """A few lines for the student: the points and the first failing check with its input."""
    from autograder.outputs import points as show

    lines = [f"{result.function}: {show(result.points)} / {show(result.max_points)} points "
             "in the hidden tests"]
    if result.note:
        lines.append(result.note)
    failed = [check for check in result.checks if not check.passed]
    if failed:
        check = failed[0]
        lines.append(f"failed: {check.description}: {check.message or 'failed'}")
        if check.example is not None:
            lines += [f"  input:    {check.example.call}",
                      f"  expected: {check.example.expected}",
                      f"  actual:   {check.example.actual}"]
        if len(failed) > 1:
            lines.append(f"(and {len(failed) - 1} more failed check(s))")
    return "\n".join(lines)


def hidden_points(function: str, namespace: dict[str, Any], points: float) -> float:
    """Grade ``function`` as defined in ``namespace`` (the notebook's ``globals()``) with the
    hidden suite; print the feedback; return the points earned out of ``points``."""
    try:
        points = float(points)
    except (TypeError, ValueError):
        print(f"hidden tests for {function}: points must be a number, got {points!r}")
        return 0.0
    if not math.isfinite(points) or points < 0:
        print(f"hidden tests for {function}: points must be at least 0, got {points!r}")
        return 0.0
    captured = io.StringIO()
    try:
        # The student's prints, warnings and logging must not reach the cell's stderr:
        # nbgrader would give 0 points for any of it.
        with contextlib.redirect_stderr(captured), contextlib.redirect_stdout(captured), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from autograder.inprocess import InProcessStudent

            engine, suite = _suite()
            student = InProcessStudent(student_functions(namespace))
            result = engine.grade_function(student, suite, function,
                                           {MODULE_OF.get(function, ""): notebook_code(namespace)})
        earned = scaled_points(result.points, result.max_points, points)
        text = feedback(result)
    except BaseException as error:  # the cell must show a number, never fail
        if isinstance(error, KeyboardInterrupt):
            raise
        print(f"hidden tests for {function} could not run: {type(error).__name__}: {error}")
        return 0.0
    print(text)
    return earned
