"""What the grader sends a worker and how it reads what comes back (the worker's side is
``autograder/worker_runtime/worker.py``).

A request: ``["call", function, return_inputs, warnings_as_errors, calls]``, the calls' array
arguments placed in the shared memory (``inputs.SharedInputs``). One reply per call, decoded by
``reply_from`` with ``wire.read_message``, the one decoder: ``["ok", value]`` (with a third
item, ``[args, kwargs]`` after the call: an array as None, or as its ``[dtype, shape]`` when the
call changed them in place) or ``["error", kind, text, builtin,
where, printed]``. A reply of any other shape is an invalid result of its own call, never an
error of the grader's, and a worker can never claim a verdict of the grader's (a timeout, a
crash).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.results import INVALID, NOT_IMPLEMENTED, RAISED, CallError
from autograder.sandbox.inputs import Placed, SharedInputs
from autograder.text import printable
from autograder.worker_runtime import wire

WORKER_KINDS = (RAISED, NOT_IMPLEMENTED, INVALID)  # what a worker may say of one call
TEXT_CHARS, BUILTIN_CHARS, WHERE_CHARS, PRINTED_CHARS = 2000, 100, 200, 4096

_LAID_OUT: dict[tuple, tuple[list, list, bytes, bytes]] = {}
MAX_LAID_OUT = 4096  # batches kept; the suite has a few hundred, shrinking adds one-off calls


def request(inputs: SharedInputs, function: str, calls: list, return_inputs: bool,
            warnings_as_errors: bool) -> tuple[bytes, list[list[Placed]]]:
    """The request's bytes, with the calls' arrays copied into ``inputs``, and where they
    are. Laid out and encoded once per grading process for the prepared suite's calls (the
    same call objects for every hand-in; the kept ``calls`` hold them, so that their ids stay
    theirs); then the laid-out memory is copied in whole, in one go."""
    key = (function, return_inputs, warnings_as_errors, inputs.size, tuple(map(id, calls)))
    kept = _LAID_OUT.get(key)
    if kept is None:
        sent, placed, memory = inputs.lay_out(calls)
        data = wire.message("call", function, return_inputs, warnings_as_errors, sent)
        kept = (list(calls), placed, data, memory)
        if len(_LAID_OUT) < MAX_LAID_OUT:
            _LAID_OUT[key] = kept
    else:
        inputs.restore(kept[3])
    return kept[2], kept[1]


def reply_from(data: bytes, max_items: int = wire.MAX_ITEMS) -> tuple[Any, Any, int]:
    """(result or CallError, the reported arguments after the call or None, values counted)
    from one reply's bytes. Never raises: what is not a well-formed reply within
    ``max_items`` values is an INVALID result of that call."""
    if data == wire.NOT_IMPLEMENTED_REPLY:
        return CallError(NOT_IMPLEMENTED, wire.NOT_IMPLEMENTED_TEXT), None, 1
    try:
        reply, used = wire.read_message(data, max_items)
    except Exception as error:  # WireError, or anything a decoder bug would raise
        message = printable(str(error)[:200])
        return CallError(INVALID, f"sent a reply that is not plain data ({message})"), None, \
            max_items
    return (*_unpack(reply), used)


def _unpack(reply: list) -> tuple[Any, Any]:
    word = reply[0]
    if word == "ok" and len(reply) == 2:
        return reply[1], None
    if word == "ok" and len(reply) == 3:
        inputs = reply[2]
        if (type(inputs) is list and len(inputs) == 2 and type(inputs[0]) is list
                and type(inputs[1]) is dict):
            return reply[1], (tuple(inputs[0]), inputs[1])
        return _malformed()
    if (word == "error" and len(reply) == 6 and reply[1] in WORKER_KINDS
            and type(reply[2]) is str and all(type(e) in (str, type(None)) for e in reply[3:5])
            and type(reply[5]) is str):
        _, kind, text, builtin, where, printed = reply
        return CallError(kind, printable(text[:TEXT_CHARS]),
                         builtin and printable(builtin[:BUILTIN_CHARS]),
                         where and printable(where[:WHERE_CHARS]),
                         printable(printed[:PRINTED_CHARS])), None
    return _malformed()


def _malformed() -> tuple[CallError, None]:
    return CallError(INVALID, "a malformed reply"), None


def with_inputs_after(result, reported: tuple | None, placed: list[Placed],
                      inputs: SharedInputs, sent: tuple) -> tuple[Any, Any]:
    """``(result, the call's arguments after it)``: the arrays read back from the shared
    memory by the grader, the others as the worker reported them; a malformed reply when
    the report does not fit the call that was sent."""
    args, kwargs = sent
    if reported is None or len(reported[0]) != len(args) or set(reported[1]) != set(kwargs):
        return _malformed()
    arrays = inputs.read_back(placed)

    def after(key, value):
        return value if key not in arrays else _as_left(arrays[key], value)

    return result, (tuple(after(i, value) for i, value in enumerate(reported[0])),
                    {key: after(key, value) for key, value in reported[1].items()})


def _as_left(array: np.ndarray, layout) -> Any:
    """An array argument as the call left it: its values read back, with the dtype and shape
    the worker reports when the call changed them in place (``x.shape = (1, n)``). A report
    that does not fit the array's bytes is a change of its own, said as such."""
    if layout is None:
        return array
    try:
        dtype_name, shape = layout
        dtype = wire.dtype_and_shape(dtype_name, shape)
        return np.frombuffer(array.tobytes(), dtype=dtype).reshape(shape).copy()
    except Exception:  # WireError, ValueError: sizes that do not add up, a malformed report
        return CHANGED_IN_PLACE


CHANGED_IN_PLACE = "an array whose dtype or shape the call changed in place"
