"""A ``Student`` whose functions run in this process: for notebooks (nbgrader runs the hidden
tests inside the student's kernel) and for the grader's own tests. No sandbox: use it only
where the code is already trusted or already running anyway.

Results go through the same plain-data check as in the sandbox (``autograder.wire``), so a
result object with a clever ``__eq__`` is rejected here too.
"""

from __future__ import annotations

import copy
import os
import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder import wire
from autograder.results import INVALID, MISSING, NOT_IMPLEMENTED, RAISED, CallError
from autograder.worker_runtime.errors import builtin_name, error_text, where_in
from cnnlab.catalog import FUNCTIONS


class InProcessStudent:
    def __init__(self, functions: dict[str, Callable]):
        self.functions = {name: f for name, f in functions.items()
                          if name in FUNCTIONS and callable(f)}
        self.notes: list[str] = ["graded in-process (no sandbox)"]
        self._files = {_source_file(f) for f in self.functions.values()} - {None}

    def missing(self) -> dict[str, str]:
        return {f: f"{f} is not defined" for f in FUNCTIONS if f not in self.functions}

    def call_many(self, function: str, calls: Sequence, return_inputs: bool = False,
                  warnings_as_errors: bool = False) -> list[Any]:
        results = [self._call(function, args, kwargs, warnings_as_errors)
                   for args, kwargs in (copy.deepcopy(c) for c in calls)]
        if not return_inputs:
            return [result for result, _ in results]
        return results

    def _call(self, function: str, args, kwargs, warnings_as_errors: bool):
        if function not in self.functions:
            return CallError(MISSING, f"{function} is not defined"), None
        np.random.seed(0)
        random.seed(0)
        try:
            with warnings.catch_warnings(), np.errstate(all="warn", under="ignore"):
                warnings.simplefilter("error" if warnings_as_errors else "ignore",
                                      RuntimeWarning)
                value = self.functions[function](*args, **kwargs)
        except NotImplementedError:
            return CallError(NOT_IMPLEMENTED, wire.NOT_IMPLEMENTED_TEXT), None
        except Exception as problem:  # the student's bug, reported like the sandbox does
            return CallError(RAISED, error_text(problem), builtin_name(type(problem)),
                             where_in(problem, self._files)), (args, kwargs)
        try:
            value = wire.loads(wire.dumps(value))
        except Exception as problem:
            return CallError(INVALID, f"returned {problem}, not plain data"), (args, kwargs)
        return value, (args, kwargs)


def _source_file(function: Callable) -> str | None:
    """The real path of the file that defines ``function``: the student's own code."""
    code = getattr(function, "__code__", None)
    return os.path.realpath(code.co_filename) if code is not None else None
