"""Where one call's time goes: each part of asking a hand-in the hidden suite's calls, alone.
Prints a table; asserts nothing.

    python benchmarks/call_parts.py                        # the perfect example student
    python benchmarks/call_parts.py s003_flipped_kernel

Every call the suite asks a hand-in (``engine.prepare``: the course's examples of every
check) goes, in this one process and without a sandbox, through the same functions the
worker and the grader use, one part at a time, each timed over all calls:

- the student's own function, called directly (its inputs copied first, untimed; after a
  first, untimed pass over all calls; the best of ``PASSES``);
- the worker's ``run_call`` around it (warnings, printing, the fresh random state): measured
  around a function that returns at once, less the bare calls of that function;
- the worker encoding its reply (``worker.Answers.reply``);
- the worker decoding its requests (each check's batch laid out in shared memory);
- the grader decoding the replies (``protocol.reply_from``);
- the grader judging them (``engine._judge``, example by example).

What is not here is the sandbox itself: the pipes, the grader's reading loop and budgets,
its ``/proc`` readings of the worker's CPU (``benchmarks/grading.py``'s "call floor" measures
those together). The last line counts the replies that are byte for byte the encoding of the
reference's result.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import engine  # noqa: E402
from autograder.sandbox import protocol  # noqa: E402
from autograder.sandbox.inputs import SharedInputs  # noqa: E402
from autograder.worker_runtime import wire, worker  # noqa: E402
from cnnlab import calls as runtime  # noqa: E402
from cnnlab.loading import exercises_from  # noqa: E402

EXAMPLES = ROOT / "examples" / "class"
INPUTS_BYTES = 64 * 2**20  # room for the largest check's batch of arrays
PASSES = 3  # timed passes of the calls that take the student's or run_call's time: the best


def timed(work: Callable[..., object], *args) -> float:
    """Seconds of ``work(*args)`` (``args`` are made before the clock starts)."""
    gc.disable()  # a collection would be charged to whichever part it fell in
    try:
        started = time.perf_counter()
        work(*args)
        return time.perf_counter() - started
    finally:
        gc.enable()


def _returns_at_once(*args, **kwargs) -> None:
    return None


def measure(student: str) -> tuple[int, dict[str, float], int]:
    """(calls, seconds per part, replies equal to the reference's encoding)."""
    suite = engine.prepare(engine.load_rubric())
    checks = [(f, p) for f, prepared in suite.prepared.items() for p in prepared]
    folder = EXAMPLES / student
    seconds: dict[str, float] = {}
    with exercises_from(folder) as loaded:
        functions = {f: loaded.function(f) for f in suite.prepared}
        output = runtime.CallOutput(os.open(os.devnull, os.O_RDWR))
        fresh = runtime.FreshState()
        answers = worker.Answers(runtime, wire, functions, str(folder), output, fresh)

        def fresh_calls():  # copies: a function that changes its input must not change the next
            return [(f, p, [copy.deepcopy(c) for group in p.calls for c in group])
                    for f, p in checks]

        def direct(batches: list, chosen=functions) -> None:
            for f, _, calls in batches:
                for args, kwargs in calls:
                    with contextlib.suppress(Exception):  # a wrong answer costs its time too
                        chosen[f](*args, **kwargs)

        outcomes: list[tuple] = []

        def run_calls(batches: list, chosen=functions) -> None:
            outcomes.clear()
            for f, p, calls in batches:
                for args, kwargs in calls:
                    outcome = runtime.run_call(
                        chosen[f], args, kwargs, files=str(folder), output=output,
                        warnings_as_errors=p.check.warnings_as_errors, fresh=fresh,
                        passthrough=())
                    outcomes.append((p, outcome, args, kwargs))

        direct(fresh_calls())  # the first pass pays for caches and numpy's first calls
        seconds["the student's own function"] = min(
            timed(direct, fresh_calls()) for _ in range(PASSES))
        # run_call's own cost, around a function that returns at once: a difference of two
        # small totals, not of two totals the student's time (and the machine's moods) swell
        returns = {f: _returns_at_once for f in functions}
        seconds["the worker's run_call around it"] = max(0.0, min(
            timed(run_calls, fresh_calls(), returns) - timed(direct, fresh_calls(), returns)
            for _ in range(PASSES)))
        run_calls(fresh_calls())  # the student's outcomes, for the replies below
        replies: list[tuple] = []
        seconds["the worker encoding its reply"] = timed(lambda: replies.extend(
            (p, answers.reply(o, a, k, p.check.inputs_unchanged)) for p, o, a, k in outcomes))
    seconds["the worker decoding its requests"] = _request_decoding(checks)
    decoded: list = []
    seconds["the grader decoding the replies"] = timed(lambda: decoded.extend(
        protocol.reply_from(data)[0] for _, data in replies))
    seconds["the grader judging them"] = timed(lambda: _judge_all(checks, decoded))
    same = sum(data == _encoded_reference(expected) for (_, data), expected in zip(
        replies, [e for _, p in checks for group in p.expected for e in group], strict=True))
    return len(replies), seconds, same


def _request_decoding(checks: list) -> float:
    inputs = SharedInputs(INPUTS_BYTES)
    try:
        requests = []
        for f, p in checks:
            sent, _, _ = inputs.lay_out([c for group in p.calls for c in group])
            requests.append(wire.message("call", f, p.check.inputs_unchanged,
                                         p.check.warnings_as_errors, sent))
        return timed(lambda: [wire.read_message(data, region=inputs.memory)
                              for data in requests])
    finally:
        inputs.close()


def _judge_all(checks: list, actual: list) -> None:
    at = 0
    for _, p in checks:
        for example, group, expected in zip(p.examples, p.calls, p.expected, strict=True):
            engine._judge(p.check, example, actual[at:at + len(group)], expected)
            at += len(group)


def _encoded_reference(expected) -> bytes | None:
    try:
        return wire.message("ok", expected)
    except wire.WireError:  # a Raised(...): an error is expected, not a value
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("student", nargs="?", default="s001_perfect",
                        help="an example student of examples/class (a folder)")
    args = parser.parse_args()
    calls, seconds, same = measure(args.student)
    print(f"{args.student}: {calls} calls of the hidden suite, each part alone, in-process")
    print(f"{'part of a call':45s} {'s in all':>9s} {'µs per call':>12s}")
    for part, value in seconds.items():
        print(f"{part:45s} {value:9.2f} {1e6 * value / calls:12.1f}")
    print(f"replies byte for byte the reference's: {same} of {calls} "
          f"({100 * same / calls:.0f} %)")


if __name__ == "__main__":
    main()
