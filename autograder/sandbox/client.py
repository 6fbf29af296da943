"""``SandboxedStudent``: one hand-in's functions, called in a confined worker process.

The trusted side sends inputs and reads back plain data (``protocol``). Calls go in batches;
each call has its deadline, each function its share of time and of room for replies
(``budget``). A call that times out, a worker that dies or answers too much: the worker is
killed and a new one serves the next function; the rest of that function's calls fail at once.
A reply of any shape fails only its own call.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autograder import stages
from autograder.results import CRASHED, INVALID, MISSING, TIMEOUT, Call, CallError
from autograder.sandbox import protocol
from autograder.sandbox.budget import Budget, Limits
from autograder.sandbox.channel import MessageTooLarge
from autograder.sandbox.inputs import calls_that_fit
from autograder.sandbox.isolation import isolation_choice, isolation_note
from autograder.sandbox.session import HandIn, Session, WorkerGone
from autograder.sandbox.starvation import STARVED_CAP, Usage, waited_between
from autograder.text import printable
from cnnlab.catalog import EXERCISES, MODULE_OF

FORK_SERVER_ENV = "CNNLAB_FORK_SERVER"  # "0": start a fresh worker for every submission
BATCH = 100  # calls per request
TIMED_OUT_NOTE = "timed out: "  # a grader note per function (or import) that ran out of time


class SandboxedStudent:
    """One submission's functions, called in a sandboxed worker. Use as a context manager."""

    def __init__(self, folder: Path, limits: Limits = Limits(),  # noqa: B008 (frozen)
                 isolation: str | None = None, fork_server: bool | None = None):
        folder = Path(folder).resolve()
        if not folder.is_dir():
            raise FileNotFoundError(f"submission folder {folder} does not exist")
        isolation, why = isolation_choice(isolation)
        self.notes: list[str] = [isolation_note(isolation), f"isolation chosen: {why}"]
        self.student_notes: list[str] = []  # for the student: a module imported in part
        use_fork_server = (os.environ.get(FORK_SERVER_ENV, "1") != "0"
                           if fork_server is None else fork_server)
        self.hand_in = HandIn(folder, isolation, use_fork_server, limits, self.notes)
        self.limits, self.isolation, self.budget = limits, isolation, Budget(limits)
        self._session: Session | None = None
        self._missing: dict[str, str] | None = None
        self._skip: dict[str, str] = {}  # module -> why it is skipped at import
        self._pruned: dict[str, str] = {}  # module staged with its definitions only -> note
        self._failed: dict[str, CallError] = {}  # function -> the error that stopped it
        self._waited = self._decoding = 0.0  # this batch's, for ``stages``

    # --- the Student protocol ----------------------------------------------------------

    def missing(self) -> dict[str, str]:
        if self._missing is None:
            self._start()
        return dict(self._missing or {})

    def call_many(self, function: str, calls: Sequence[Call], return_inputs: bool = False,
                  warnings_as_errors: bool = False) -> list[Any]:
        """See ``Student.call_many``. With ``return_inputs`` each item is
        ``(result or CallError, (args, kwargs) after the call, or None if it died)``: the
        arrays among them read back by the grader from the memory it shared with the worker."""
        if function not in MODULE_OF:
            raise ValueError(f"function must be one of the graded functions, got {function!r}")
        calls = list(calls)
        results: list[Any] = []
        while len(results) < len(calls):
            size = calls_that_fit(calls[len(results):len(results) + BATCH],
                                  self.limits.inputs_bytes)
            results += self._call_batch(function, calls[len(results):len(results) + size],
                                        return_inputs, warnings_as_errors)
        return results if return_inputs else [result for result, _ in results]

    def close(self) -> None:
        self._stop()
        self.hand_in.close()

    def __enter__(self) -> SandboxedStudent:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- a batch of calls --------------------------------------------------------------

    def _call_batch(self, function: str, calls: list, return_inputs: bool,
                    warnings_as_errors: bool) -> list[tuple[Any, Any]]:
        """The results of ``calls``, sent in one request. When the worker dies, the calls not
        answered are asked again one at a time in a fresh worker: replies come back in
        bunches, so the last few calls before the one that crashed may have been answered but
        not yet sent, and only alone does the crash fall on its own call."""
        results, gone = self._send_batch(function, calls, return_inputs, warnings_as_errors)
        if gone is not None and gone.kind == CRASHED and len(calls) - len(results) > 1:
            for call in calls[len(results):]:
                one, gone = self._send_batch(function, [call], return_inputs,
                                             warnings_as_errors)
                results += one
                if gone is not None:
                    break
        if gone is not None:
            if gone.kind == TIMEOUT:  # for the instructor's summary of hand-ins to look at
                _add_once(self.notes, f"{TIMED_OUT_NOTE}{function}")
            results.append((CallError(gone.kind, gone.message, printed=gone.printed), None))
            self._failed[function] = CallError(gone.kind, f"{gone.message} (in an earlier "
                                               "call; the remaining calls were not run)")
            results += [(self._failed[function], None)] * (len(calls) - len(results))
        return results

    def _send_batch(self, function: str, calls: list, return_inputs: bool,
                    warnings_as_errors: bool) -> tuple[list[tuple[Any, Any]], WorkerGone | None]:
        """The answers the worker gave (each within the time per call and what is left of
        the function's share and of the submission's total), and why it stopped early."""
        refused = self._refusal(function)
        if refused is not None:
            return [(refused, None)] * len(calls), None
        if self._session is None:
            self._start()
            if self._session is None:  # it did not start again: why is in ``missing``
                return [(self._refusal(function), None)] * len(calls), None
        results: list[tuple[Any, Any]] = []
        started = time.monotonic()
        session = self._session
        batch = _Batch(started, session.usage())
        try:
            with stages.stage("wire encoding"):
                data, placed = protocol.request(session.inputs, function, calls,
                                                return_inputs, warnings_as_errors)
            session.send(data, started + self.limits.seconds_per_call,
                         self.budget.per_call_message())
            for call, places in zip(calls, placed, strict=True):
                result = self._reply(session, function, batch)
                if return_inputs and not isinstance(result[0], CallError):
                    result = protocol.with_inputs_after(*result, places, session.inputs, call)
                results.append(result)
                batch.last = time.monotonic()
        except WorkerGone as gone:
            gone.printed = session.printed()
            batch.waited = waited_between(batch.usage, session.usage())  # before it is gone
            self._stop()
            return results, gone
        finally:
            if batch.waited is None:
                batch.waited = waited_between(batch.usage, session.usage())
            # the time it waited for a core is the machine's, not the hand-in's
            self.budget.spend(function, time.monotonic() - started, batch.waited)
            stages.charge("in the worker (student code, its encoding)", self._waited)
            stages.charge("wire decoding", self._decoding)
            self._waited = self._decoding = 0.0
        return results, None

    def _reply(self, session: Session, function: str, batch: _Batch) -> tuple[Any, Any]:
        """The next call's result and its reported inputs; ``WorkerGone`` when it ran out of
        time or its replies out of room."""
        start_end, budget_message = self.budget.end(function, batch.started)
        limit = self.limits.seconds_per_call
        per_call, end = batch.last + limit, start_end
        asked = time.perf_counter()
        try:
            while True:
                why = self.budget.per_call_message() if per_call <= end else budget_message
                try:
                    data = session.receive(min(per_call, end), self.budget.bytes_left(
                        function, batch.bytes), why)
                    break
                except WorkerGone as gone:  # out of time, unless it was waiting for a core
                    if gone.kind != TIMEOUT:
                        raise
                    waited = self.budget.creditable(function, min(  # one thread's at most
                        waited_between(batch.usage, session.usage()),
                        time.monotonic() - batch.started))
                    per_call = min(batch.last + STARVED_CAP * limit, batch.last + limit + waited)
                    end = start_end + waited
                    if min(per_call, end) <= time.monotonic():
                        raise
        except MessageTooLarge as large:
            raise WorkerGone(INVALID, self.budget.too_large(function, large.size,
                                                            batch.bytes)) from None
        finally:  # also the wait that ended in a timeout
            received = time.perf_counter()
            self._waited += received - asked
        result, inputs, items = protocol.reply_from(data, self.limits.reply_items)
        self._decoding += time.perf_counter() - received
        batch.bytes += len(data)
        batch.items += items
        too_much = self.budget.take(function, len(data), items, batch.items)
        if too_much:
            raise WorkerGone(INVALID, too_much)
        return result, inputs

    def _refusal(self, function: str) -> CallError | None:
        """Why ``function`` is not called at all: missing, failed before, out of time."""
        reason = self.missing().get(function)
        if reason is not None:
            return CallError(MISSING, reason)
        if function in self._failed:
            return self._failed[function]
        return self.budget.refusal(function)

    # --- the worker process ------------------------------------------------------------

    def _start(self) -> None:
        """Start a worker; an import that hangs or crashes the process skips that module
        and tries again, so that the other modules are still graded."""
        with stages.stage("sandbox start"):
            while True:
                self._session = Session(self.hand_in, list(self._skip))
                try:
                    ready = self._session.wait_ready(time.monotonic()
                                                     + self.limits.seconds_import)
                except WorkerGone as gone:
                    self._stop()
                    if gone.kind == TIMEOUT:
                        _add_once(self.notes, f"{TIMED_OUT_NOTE}importing "
                                              f"{gone.module or 'the modules'}")
                    if gone.module is None or gone.module in self._skip:
                        self._missing = {f: "the submission could not be started: "
                                         f"{gone.message}" for f in MODULE_OF}
                        return
                    if not self._definitions_only(gone.module, gone.message):
                        self._skip[gone.module] = gone.message
                        if gone.module in self._pruned:  # the definitions failed too
                            self.student_notes.remove(self._pruned[gone.module])
                    continue
                self._missing = self._missing_from(ready)
                self._note_confinement(ready)
                self._note_partial(ready)
                return

    def _definitions_only(self, module: str, why: str) -> bool:
        """Stage ``module`` with its definitions only (as a notebook is graded), once, after
        its import hung or ended the worker: a demo or a training run at the bottom of the
        file then costs nothing. False when that leaves nothing out, or was tried."""
        from autograder.submissions import definitions_only

        text = self.hand_in.texts.get(module)
        pruned = None if module in self._pruned or text is None else definitions_only(
            text.decode("utf-8", errors="replace"))
        if pruned is None:
            return False
        self.hand_in.restage(module, pruned)
        self._pruned[module] = printable(
            f"{module}.py: {why}; it was graded with its definitions only (its "
            "functions and classes, and the imports and assignments they use). Code that tries "
            'your functions belongs under `if __name__ == "__main__":`.')
        self.student_notes.append(self._pruned[module])
        return True

    def _missing_from(self, ready: dict) -> dict[str, str]:
        reported = ready["ready"]
        missing = {k: printable(v[:2000]) for k, v in reported.items() if k in MODULE_OF
                   and type(v) is str and MODULE_OF[k] not in self._skip}
        for module, why in self._skip.items():
            missing.update({f: f"{module}.py could not be imported: {why}"
                            for f in EXERCISES[module]})
        return missing

    def _note_partial(self, ready: dict) -> None:
        """What the worker left out of a module whose import raised (``loading.partial``)."""
        partial = ready.get("partial")
        for module, note in partial.items() if type(partial) is dict else ():
            if module in EXERCISES and type(note) is str:
                _add_once(self.student_notes, printable(note[:1000]))

    def _note_confinement(self, ready: dict) -> None:
        if ready.get("seccomp") != "seccomp filter installed":
            _add_once(self.notes, printable(f"weaker isolation: {str(ready.get('seccomp'))[:300]}"))
        notes = ready.get("notes")
        for note in notes if type(notes) is list else []:
            _add_once(self.notes, printable(f"worker: {str(note)[:300]}"))

    def _stop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.stop()


class _Batch:
    """One request's replies so far: when it started, when the last reply came, their size."""

    __slots__ = ("bytes", "items", "last", "started", "usage", "waited")

    def __init__(self, started: float, usage: Usage | None = None):
        self.started = self.last = started
        self.bytes = self.items = 0
        self.usage = usage  # the worker's CPU time and wait so far, then (``starvation``)
        self.waited: float | None = None  # seconds it waited for a core during the batch


def _add_once(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)
