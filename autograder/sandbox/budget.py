"""What a hand-in may use of the grader: time, and room for its replies.

``Limits`` says how much. ``Budget`` keeps what is left for one hand-in: time per function and
for all its calls together (a slow function costs only its own points), and the size of the
replies the grader holds for one function (the engine keeps a function's answers until it is
judged): together with the limits per reply and per batch, this bounds the grading process's
memory whatever a hand-in returns (docs/grading.md, "A bounded grader").
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.results import TIMEOUT, CallError
from autograder.worker_runtime import wire


@dataclass(frozen=True)
class Limits:
    seconds_per_call: float = 5.0  # wall clock, measured by the grader
    seconds_import: float = 10.0  # importing all of the student's modules
    seconds_per_function: float = 90.0  # all calls of one function: ~1 s quiet, loaded 10x
    seconds_total: float = 900.0  # all calls of one submission together: a generous cap
    cpu_seconds: int = 900  # RLIMIT_CPU of one worker process
    memory_bytes: int = 1536 * 2**20  # RLIMIT_AS (or the hard limit, if that is lower)
    file_bytes: int = 16 * 2**20  # RLIMIT_FSIZE: one file the student writes
    scratch_bytes: int = 64 * 2**20  # the worker's scratch folder (a tmpfs of its own)
    scratch_files: int = 4096  # files and folders in it
    tasks: int = 64  # processes and threads of one worker
    # RLIMIT_NOFILE: each pipe holds up to 1 MiB of kernel memory that RLIMIT_AS does not count
    open_files: int = 256
    inputs_bytes: int = 16 * 2**20  # the memory a batch's input arrays are shared in
    # Replies, counted as they arrive: bytes before a reply is read, values while it is
    # decoded (containers included).
    reply_bytes: int = 16 * 2**20  # one reply
    reply_items: int = 100_000
    batch_bytes: int = 64 * 2**20  # all replies to one request
    batch_items: int = 400_000
    function_bytes: int = 128 * 2**20  # all replies of one function, held until it is judged
    function_items: int = 500_000


BYTES_PER_VALUE = 100  # a decoded value that is not array data: an int, a list, a dict entry
BYTES_PER_PARSED = 64  # an object of a parsed message before it is checked


def memory_bound(limits: Limits) -> int:
    """How much memory a hand-in's replies can make a grading process hold beyond what it
    needs anyway, whatever they are: the replies of one function held until it is judged
    (their arrays no larger than their messages, the other values counted), and one reply
    being read (the buffer, its bytes, its text and its parsed tree, whose size the count of
    its punctuation bounds before it is parsed): 288 MiB with the default limits."""
    held = limits.function_bytes + limits.function_items * BYTES_PER_VALUE
    reading = 4 * limits.reply_bytes + (
        wire.PUNCTUATION_PER_VALUE * limits.reply_items * BYTES_PER_PARSED)
    return held + reading


class Budget:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.time_used = 0.0
        self.function_time: dict[str, float] = {}
        self.credited = 0.0  # seconds not charged: waiting for a core (``starvation``)
        self.function_credited: dict[str, float] = {}
        self.function_bytes: dict[str, int] = {}
        self.function_items: dict[str, int] = {}

    # --- time ---------------------------------------------------------------------------

    def refusal(self, function: str) -> CallError | None:
        """A call of ``function`` that is not to be made: out of time."""
        if self.function_time.get(function, 0.0) >= self.limits.seconds_per_function:
            return CallError(TIMEOUT, self.function_message())
        if self.time_used >= self.limits.seconds_total:
            return CallError(TIMEOUT, self.total_message())
        return None

    def end(self, function: str, started: float) -> tuple[float, str]:
        """When what is left of the function's and the hand-in's time runs out, for calls
        starting at ``started``, and the message then."""
        total_end = started + self.limits.seconds_total - self.time_used
        function_end = (started + self.limits.seconds_per_function
                        - self.function_time.get(function, 0.0))
        if function_end <= total_end:
            return function_end, self.function_message()
        return total_end, self.total_message()

    def spend(self, function: str, seconds: float, waited: float = 0.0) -> None:
        """Charge ``seconds`` of wall time less the part of ``waited`` that may be credited."""
        credit = self.creditable(function, min(waited, seconds))
        self.credited += credit
        self.function_credited[function] = self.function_credited.get(function, 0.0) + credit
        self.time_used += seconds - credit
        self.function_time[function] = self.function_time.get(function, 0.0) + seconds - credit

    def creditable(self, function: str, waited: float) -> float:
        """How much of ``waited`` (seconds a worker's threads waited for a core) is not
        charged: at most the function's and the hand-in's time again. Threads a hand-in
        starts to spin beside its call wait too, so a credit without a bound would let it
        run for ever (a red-team probe ran 41 s against a 10 s total)."""
        left = min(self.limits.seconds_per_function - self.function_credited.get(function, 0.0),
                   self.limits.seconds_total - self.credited)
        return max(0.0, min(waited, left))

    def per_call_message(self) -> str:
        return f"took longer than {self.limits.seconds_per_call:g} s (an endless loop?)"

    def function_message(self) -> str:
        return (f"this function used up its {self.limits.seconds_per_function:g} s for all "
                "its calls together")

    def total_message(self) -> str:
        return (f"the submission used up its {self.limits.seconds_total:g} s for all calls "
                "together")

    # --- room for replies ---------------------------------------------------------------

    def bytes_left(self, function: str, batch_used: int) -> int:
        return min(self.limits.reply_bytes, self.limits.batch_bytes - batch_used,
                   self.limits.function_bytes - self.function_bytes.get(function, 0))

    def too_large(self, function: str, size: int, batch_used: int) -> str:
        """Why a reply of ``size`` bytes is refused before it is read."""
        limits = self.limits
        if size > limits.reply_bytes:
            return f"sent a reply of {size:,} bytes, more than the {limits.reply_bytes:,} allowed"
        if batch_used + size > limits.batch_bytes:
            return (f"sent replies of more than {limits.batch_bytes:,} bytes to one batch of "
                    "calls")
        return (f"sent replies of more than {limits.function_bytes:,} bytes for this function "
                "together")

    def take(self, function: str, size: int, items: int, batch_items: int) -> str | None:
        """Count a reply of ``size`` bytes and ``items`` values; why the function stops
        when that was too much (the reply was read and decoded within its own limits)."""
        self.function_bytes[function] = self.function_bytes.get(function, 0) + size
        items_now = self.function_items.get(function, 0) + items
        self.function_items[function] = items_now
        if batch_items > self.limits.batch_items:
            return (f"sent replies of more than {self.limits.batch_items:,} values to one "
                    "batch of calls")
        if items_now > self.limits.function_items:
            return (f"sent replies of more than {self.limits.function_items:,} values for this "
                    "function together")
        return None
