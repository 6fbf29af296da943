"""Ctrl-C and SIGTERM while a class is graded: stop soon, keep what is graded, never hang.

Inside ``interruptible()`` the first SIGINT or SIGTERM raises ``Interrupted`` in the main
thread. The pipeline then stops handing out hand-ins, kills its grading processes (their
sandboxes die with them: the fork servers, workers and ``bwrap`` all have the parent-death
signal) and writes what is graded. A second signal during that ends every child process at
once and exits with 128 + its number, without waiting for anything: the gradebook on disk
already holds every graded hand-in (``--resume`` goes on from there).

The exit status is the shell's convention, 128 + the signal: 130 for Ctrl-C (SIGINT), 143
for SIGTERM (``kill``, a batch system's time limit), so a script can tell the two apart.

Python runs a signal handler between any two bytecodes of the main thread, also inside a
``__del__`` or a garbage-collector callback (hypothesis times its collections with one while
drawing), where the exception it raises is printed as "Exception ignored" and dropped. So a
signal stays pending until the run has stopped for it, and the long loops (drawing, grading)
raise it again where they can stop (``raise_pending``).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import NoReturn

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop by ``signum``; a KeyboardInterrupt, so that code that lets
    Ctrl-C through lets this through too."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def status(self) -> int:
        return exit_status(self.signum)


_PENDING: list[int] = []  # a signal caught, the run not yet stopped for it (``stopped``)


def raise_pending() -> None:
    """Raise the ``Interrupted`` of a signal caught while its first raise was dropped (in a
    ``__del__`` or a garbage-collector callback); nothing when none is pending."""
    if _PENDING:
        raise Interrupted(_PENDING[0])


def stopped() -> None:
    """The run stops for the signal caught: it is no longer pending."""
    _PENDING.clear()


def exit_status(signum: int) -> int:
    return 128 + int(signum)


def signal_of(error: KeyboardInterrupt) -> int:
    """The signal behind ``error``: a plain KeyboardInterrupt is Python's own SIGINT."""
    return getattr(error, "signum", signal.SIGINT)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """The first SIGINT or SIGTERM raises ``Interrupted``; a later one ends the children and
    exits at once. Outside the main thread (where handlers cannot be set) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def on_signal(signum, _frame):
        if caught:
            exit_now(signum)
        caught.append(signum)
        _PENDING[:] = [signum]
        raise Interrupted(signum)

    previous = {number: signal.signal(number, on_signal) for number in SIGNALS}
    try:
        yield
    finally:
        stopped()
        for number, handler in previous.items():
            signal.signal(number, handler)


def exit_now(signum: int) -> None:
    """Kill every child process started with multiprocessing (the grading and writing
    processes; what they started dies with them) and leave at once."""
    os.write(2, b"\ninterrupted again: stopped at once; the gradebook keeps every hand-in "
                b"graded so far (run again with --resume)\n")
    _kill_children()
    os._exit(exit_status(signum))


def _kill_children() -> None:
    """Kill every child process started with multiprocessing (what they started dies with
    them)."""
    with contextlib.suppress(Exception):  # the set of children may be changing right now
        for child in multiprocessing.active_children():
            with contextlib.suppress(Exception):
                child.kill()


def leave(status: int) -> NoReturn:
    """End a stopped run now that its outputs are written, without Python's usual exit. A
    grading process killed while it sent its result leaves the pool's result thread waiting
    for the rest of that message (no end of file comes: this process holds the pipe's other
    end too), and the exit joins that thread for ever: ``cnnlab grade`` had said
    "interrupted: 1 of 11 graded" and then hung (once in a run of the test suite, a Ctrl-C to
    the group). The exit handlers (the sandboxes' folders, the fork servers) still run."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    _kill_children()
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    os._exit(status)
