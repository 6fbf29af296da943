"""Plain data between the grader and a student's worker process, both ways, never pickle.

A value is encoded as JSON with a few tagged objects: ``{"tuple": [...]}``,
``{"list": [...]}``, ``{"dict": [[key, value], ...]}`` (string keys),
``{"array": [dtype, shape, base64 bytes]}`` and ``{"scalar": [dtype, base64 bytes]}`` for
numpy scalars. Decoding only ever builds ints, floats, bools, None, str, tuples, lists,
dicts and numpy arrays or scalars of a whitelisted numeric dtype, checking every size: a
student's object with a clever ``__eq__`` cannot come back through it.

This module runs on both sides, so it imports only the standard library and numpy.
"""

from __future__ import annotations

import base64
import json
import math
import re

import numpy as np

# Numeric dtypes that may cross, in native (little-endian) byte order.
ALLOWED_DTYPES = frozenset(np.dtype(name).str for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128"))
MAX_DEPTH = 32  # nesting of containers
MAX_ITEMS = 100_000  # elements of one container, and of all of them together
MAX_ARRAY_BYTES = 64 * 2**20
MAX_NDIM = 8
MAX_STRING = 10_000


class WireError(ValueError):
    """A value that is not plain data, or a message that breaks the rules."""


# --- encoding -----------------------------------------------------------------------------

def dumps(value) -> bytes:
    """``value`` as bytes; ``WireError`` names the first part that is not plain data."""
    try:
        return _ENCODER.encode(_encode(value, 0)).encode()
    except ValueError as error:  # e.g. an int with more digits than Python will print
        raise WireError(f"a value that cannot be sent ({error})") from None


def _encode(value, depth: int):
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    kind = type(value)  # exact types: a subclass could override __eq__ or __str__
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind is np.ndarray:
        name, data = _array_parts(value)
        return {"array": [name, list(value.shape), data.decode()]}
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return {"scalar": [_dtype_name(value.dtype),
                           base64.b64encode(np.asarray(value).tobytes()).decode()]}
    if kind in (tuple, list):
        return {kind.__name__: [_encode(item, depth + 1) for item in value]}
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise WireError("a dict with keys that are not strings")
        return {"dict": [[key, _encode(item, depth + 1)] for key, item in value.items()]}
    raise WireError(f"an object of type {kind.__module__}.{kind.__qualname__}")


def ok_reply(value) -> bytes:
    """``dumps({"ok": value})``, written directly for the results most calls give (an
    array, an int, a tuple of ints): a third of the time."""
    kind = type(value)
    if kind is np.ndarray:
        name, data = _array_parts(value)
        shape = ",".join(map(str, value.shape)).encode()
        return b'{"dict":[["ok",{"array":["%s",[%s],"%s"]}]]}' % (name.encode(), shape, data)
    if kind is int and abs(value) < _SMALL:
        return b'{"dict":[["ok",%d]]}' % value
    if (kind is tuple and len(value) <= MAX_NDIM
            and all(type(n) is int and abs(n) < _SMALL for n in value)):
        return b'{"dict":[["ok",{"tuple":[%s]}]]}' % ",".join(map(str, value)).encode()
    return dumps({"ok": value})


_SMALL = 10**18  # ints written directly: at most 18 digits, as ``ok_value`` reads them


def _array_parts(value: np.ndarray) -> tuple[str, bytes]:
    """The array's dtype name and its data in native byte order, base64-encoded."""
    if value.nbytes > MAX_ARRAY_BYTES:
        raise WireError(f"an array of {value.nbytes:,} bytes (shape {value.shape}), more "
                        f"than the {MAX_ARRAY_BYTES:,} allowed")
    name = _dtype_name(value.dtype)
    if value.dtype.byteorder == ">":  # sent as the native order it is named by
        value = value.astype(value.dtype.newbyteorder("="))
    return name, base64.b64encode(np.ascontiguousarray(value).tobytes())


def _dtype_name(dtype: np.dtype) -> str:
    name = dtype.newbyteorder("=").str if dtype.byteorder == ">" else dtype.str
    if name not in ALLOWED_DTYPES:
        raise WireError(f"an array of dtype {dtype}, not numbers")
    return name


# --- decoding -----------------------------------------------------------------------------

def loads(data: bytes):
    """The value in ``data``; ``WireError`` for anything but plain data within the limits."""
    try:
        tree = _DECODER.decode(data if type(data) is str else bytes(data).decode("utf-8"))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise WireError(f"not a valid message: {error}") from None
    budget = [MAX_ITEMS]
    return _decode(tree, 0, budget)


_OK_ARRAY = re.compile(rb'\{"dict":\[\["ok",\{"array":\["([<>|=][a-z][0-9]{1,2})",'
                       rb'\[((?:0|[1-9][0-9]{0,9})(?:,(?:0|[1-9][0-9]{0,9}))*)?\],'
                       rb'"([A-Za-z0-9+/]*={0,2})"\]\}\]\]\}')


_INT = rb'-?(?:0|[1-9][0-9]{0,17})'
_OK_INT = re.compile(rb'\{"dict":\[\["ok",(%s)\]\]\}' % _INT)
_OK_INTS = re.compile(rb'\{"dict":\[\["ok",\{"tuple":\[((?:%s)(?:,%s){0,%d})?\]\}\]\]\}'
                      % (_INT, _INT, MAX_NDIM - 1))
NOT_FAST = object()  # ``ok_value``: not one of the replies it reads; ``loads`` decides


def ok_value(data: bytes):
    """The result in a reply written directly by ``ok_reply`` (an array, an int, a tuple
    of ints), checked as ``loads`` checks it; ``NOT_FAST`` for any other message. The
    patterns admit exactly the JSON text ``loads`` would read as such a reply, without
    escapes or spaces."""
    match = _OK_ARRAY.fullmatch(data)
    if match is not None:
        dtype, shape, payload = match.groups()
        sizes = [int(n) for n in shape.split(b",")] if shape else []
        return _decode_array(dtype.decode(), sizes, payload.decode())
    match = _OK_INT.fullmatch(data)
    if match is not None:
        return int(match.group(1))
    match = _OK_INTS.fullmatch(data)
    if match is not None:
        return tuple(int(n) for n in match.group(1).split(b",")) if match.group(1) else ()
    return NOT_FAST


def loads_from_grader(data: bytes):
    """The value in a request of the trusted side: the same format, decoded in one pass of
    the json parser (each tagged object as the parser meets it) without ``loads``'s limits,
    which guard the grader against replies. Only the worker uses it."""
    return json.loads(data, object_hook=_untag)


def _untag(tagged: dict):
    (tag, body), = tagged.items()
    if tag == "tuple":
        return tuple(body)
    if tag == "list":
        return body
    if tag == "dict":
        return dict(body)
    if tag == "array":
        return _decode_array(*body)
    if tag == "scalar":
        return _decode_array(body[0], [], body[1])[()]
    if tag == "float":
        return float(body)
    raise WireError(f"an unknown tag {tag!r}")


def _reject_constant(name: str):
    raise WireError(f"bare {name} in a message")


# Made once: json.dumps and json.loads with options build a new coder on every call.
_ENCODER = json.JSONEncoder(separators=(",", ":"))
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _decode(tree, depth: int, budget: list[int]):
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    budget[0] -= 1
    if budget[0] < 0:
        raise WireError("too many values")
    if tree is None or type(tree) in (bool, int, float):
        return tree
    if type(tree) is str:
        if len(tree) > MAX_STRING:
            raise WireError("a string that is too long")
        return tree
    if type(tree) is not dict or len(tree) != 1:
        raise WireError("an untagged container")
    (tag, body), = tree.items()
    if tag in ("tuple", "list") and type(body) is list:
        items = [_decode(item, depth + 1, budget) for item in body]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict" and type(body) is list:
        return _decode_dict(body, depth, budget)
    if tag == "array" and type(body) is list and len(body) == 3:
        return _decode_array(*body)
    if tag == "scalar" and type(body) is list and len(body) == 2:
        return _decode_array(body[0], [], body[1])[()]
    if tag == "float" and body in ("inf", "-inf", "nan"):
        return float(body)
    raise WireError(f"an unknown tag {tag!r}")


def _decode_dict(body: list, depth: int, budget: list[int]) -> dict:
    result = {}
    for pair in body:
        if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
            raise WireError("a malformed dict entry")
        result[pair[0]] = _decode(pair[1], depth + 1, budget)
    return result


def _decode_array(dtype_name, shape, payload) -> np.ndarray:
    if type(dtype_name) is not str or dtype_name not in ALLOWED_DTYPES:
        raise WireError(f"an array of dtype {dtype_name!r}, not numbers")
    if (type(shape) is not list or len(shape) > MAX_NDIM
            or not all(type(n) is int and 0 <= n <= MAX_ARRAY_BYTES for n in shape)):
        raise WireError(f"an array with the invalid shape {shape!r}")
    if type(payload) is not str or len(payload) > MAX_ARRAY_BYTES * 4 // 3 + 4:
        raise WireError("an array that is too large")
    dtype = np.dtype(dtype_name)
    try:
        raw = base64.b64decode(payload, validate=True)
    except ValueError:
        raise WireError("an array whose data is not base64") from None
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError(f"an array whose data does not fit its shape {tuple(shape)}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


# The reply of a call that still raises NotImplementedError (a stub): the same bytes every
# time, written once by the worker and recognised by the grader without decoding.
NOT_IMPLEMENTED_TEXT = "still raises NotImplementedError"
NOT_IMPLEMENTED_REPLY = dumps({"error": ["not_implemented", NOT_IMPLEMENTED_TEXT, None, None]})
