"""A ``Student`` whose functions run in this process: for notebooks (nbgrader runs the hidden
tests inside the student's kernel) and for the grader's own tests. No sandbox: use it only
where the code is already trusted or already running anyway.

Each call goes through ``cnnlab.calls.run_call``, as in the sandbox's worker and in
``cnnlab check``; results go through the same plain-data check as in the sandbox
(``wire``), so a result object with a clever ``__eq__`` is rejected here too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from autograder.results import INVALID, MISSING, NOT_IMPLEMENTED, CallError
from autograder.worker_runtime import wire
from cnnlab.calls import run_call, source_files
from cnnlab.catalog import FUNCTIONS


class InProcessStudent:
    def __init__(self, functions: dict[str, Callable]):
        self.functions = {name: f for name, f in functions.items()
                          if name in FUNCTIONS and callable(f)}
        self.notes: list[str] = ["graded in-process (no sandbox)"]
        self._files = source_files(*self.functions.values())

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
        outcome = run_call(self.functions[function], args, kwargs, files=self._files,
                           warnings_as_errors=warnings_as_errors)
        failure = outcome.failure
        if failure is not None and failure.kind == NOT_IMPLEMENTED:
            return CallError(NOT_IMPLEMENTED, failure.text), None
        if failure is not None:  # the student's bug, reported like the sandbox does
            return CallError(failure.kind, failure.text, failure.builtin, failure.where,
                             failure.printed), (args, kwargs)
        try:
            value = wire.loads(wire.dumps(outcome.value))
        except Exception as problem:
            return CallError(INVALID, f"returned {problem}, not plain data"), (args, kwargs)
        return value, (args, kwargs)
