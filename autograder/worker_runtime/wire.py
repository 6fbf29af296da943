"""Plain data between the grader and a student's worker process, both ways, never pickle.

A message is a JSON array: a word saying what it is, then values (``message``,
``read_message``): ``["ok", result]``, ``["call", function, ...]``. A value is encoded as JSON
with a few tagged objects: ``{"tuple": [...]}``,
``{"list": [...]}``, ``{"dict": [[key, value], ...]}`` (string keys),
``{"array": [dtype, shape, base64 bytes]}`` and ``{"scalar": [dtype, base64 bytes]}`` for
numpy scalars, ``{"float": "inf"}`` for what JSON cannot write, and in a request only
``{"mapped": [dtype, shape, offset]}``: an array the grader laid out in the memory it shares
with the worker (``autograder.sandbox.inputs``).

``read_message`` (and ``loads`` for a single value) is the one decoder, for replies and requests
alike. Before the JSON parser builds anything, a long message's commas and brackets are
counted: it cannot hold more values than that, so a reply of 60 MiB of ``{},{},...`` is refused
before a single dict is made.
Then every value is checked as it is built: only ints, floats, bools, None, str, tuples,
lists, dicts and numpy arrays or scalars of a whitelisted numeric dtype, every size within
its limit. A student's object with a clever ``__eq__`` cannot come back through it.
``loads_own`` reads only what the grader wrote itself where no worker can reach (the cached
suite, which also carries its own sha256): the same values, three times as fast, without the
counting.

This module runs on both sides, so it imports only the standard library and numpy.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np

# Numeric dtypes that may cross, in native (little-endian) byte order.
ALLOWED_DTYPES = frozenset(np.dtype(name).str for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128"))
MAX_DEPTH = 32  # nesting of containers
MAX_ITEMS = 100_000  # values in one message, containers included
MAX_ARRAY_BYTES = 64 * 2**20
MAX_NDIM = 8
MAX_STRING = 10_000
# JSON punctuation per value at most, in this format: ``{"array":["<f8",[3,3],"..."]}``
# is one value and six of ``{[,``. A message with more punctuation than values allow is
# refused before parsing.
PUNCTUATION_PER_VALUE = 8


class WireError(ValueError):
    """A value that is not plain data, or a message that breaks the rules."""


# --- encoding -----------------------------------------------------------------------------

def message(word: str, *values) -> bytes:
    """A message: ``word`` (what it is), then ``values``."""
    return b'["%s"' % word.encode() + b"".join(b"," + dumps(value) for value in values) + b"]"


def dumps(value) -> bytes:
    """``value`` as bytes; ``WireError`` names the first part that is not plain data. The
    values most replies hold (an int, an array) are written directly."""
    kind = type(value)
    if kind is int and -_SMALL < value < _SMALL:
        return b"%d" % value
    if kind is np.ndarray:
        name, data = array_parts(value)
        shape = ",".join(map(str, value.shape)).encode()
        return b'{"array":["%s",[%s],"%s"]}' % (name.encode(), shape, data)
    try:
        return _ENCODER.encode(_encode(value, 0)).encode()
    except ValueError as error:  # e.g. an int with more digits than Python will print
        raise WireError(f"a value that cannot be sent ({error})") from None


_SMALL = 10**18


def _encode(value, depth: int):
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    kind = type(value)  # exact types: a subclass could override __eq__ or __str__
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind is np.ndarray:
        name, data = array_parts(value)
        return {"array": [name, list(value.shape), data.decode()]}
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        value = _at_most_double(value)
        return {"scalar": [dtype_name(value.dtype),
                           base64.b64encode(np.asarray(value).tobytes()).decode()]}
    # A tuple or list, also a namedtuple or typing.NamedTuple, and an np.matrix: what SPEC
    # asks for, sent as a plain one, its items or data read through the base type's methods.
    if isinstance(value, tuple):
        return {"tuple": [_encode(item, depth + 1) for item in tuple.__iter__(value)]}
    if isinstance(value, list):
        return {"list": [_encode(item, depth + 1) for item in list.__iter__(value)]}
    if isinstance(value, np.ndarray) and not _masked(kind):
        return _encode(np.ndarray.view(value, np.ndarray), depth)
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise WireError("a dict with keys that are not strings")
        return {"dict": [[key, _encode(item, depth + 1)] for key, item in value.items()]}
    if kind is Mapped:
        return {"mapped": [value.dtype, list(value.shape), value.offset]}
    raise WireError(f"an object of type {kind.__module__}.{kind.__qualname__}")


def _masked(kind: type) -> bool:
    """A masked array: its masked cells have no value to send (checked without importing
    numpy.ma, which a worker rarely needs)."""
    return any(c.__module__.startswith("numpy.ma") for c in kind.__mro__)


class Mapped:
    """In a request: an array at ``offset`` of the memory the grader shares with the worker."""

    __slots__ = ("dtype", "offset", "shape")

    def __init__(self, dtype: str, shape: tuple[int, ...], offset: int):
        self.dtype, self.shape, self.offset = dtype, shape, offset


def array_parts(value: np.ndarray) -> tuple[str, bytes]:
    """The array's dtype name and its data in native byte order, base64-encoded."""
    if value.nbytes > MAX_ARRAY_BYTES:
        raise WireError(f"an array of {value.nbytes:,} bytes (shape {value.shape}), more "
                        f"than the {MAX_ARRAY_BYTES:,} allowed")
    value = _at_most_double(value)
    name = dtype_name(value.dtype)
    if value.dtype.byteorder == ">":  # sent as the native order it is named by
        value = value.astype(value.dtype.newbyteorder("="))
    return name, base64.b64encode(np.ascontiguousarray(value).tobytes())


def _at_most_double(value):
    """A long double (``np.float128`` on x86) as a double: numbers all the same, within the
    tolerance, and its bytes mean the same on every machine, which a long double's do not."""
    if value.dtype.kind in "fc" and value.dtype.itemsize > (8 if value.dtype.kind == "f" else 16):
        return value.astype(np.float64 if value.dtype.kind == "f" else np.complex128)
    return value


def dtype_name(dtype: np.dtype) -> str:
    name = dtype.newbyteorder("=").str if dtype.byteorder == ">" else dtype.str
    if name not in ALLOWED_DTYPES:
        raise WireError(f"an array of dtype {dtype}, not numbers")
    return name


# --- decoding -----------------------------------------------------------------------------

def read_message(data: bytes, max_items: int = MAX_ITEMS, region=None) -> tuple[list, int]:
    """``([word, values...], how many values)`` from a message of at most ``max_items``
    values (containers included); ``WireError`` for anything but plain data within the
    limits. ``region``: the shared memory a request's ``mapped`` arrays are views of (None:
    no ``mapped`` allowed)."""
    tree = _parse(data, max_items)
    if type(tree) is not list or not tree or type(tree[0]) is not str:
        raise WireError("not a message")
    decoder = _Decoder(max_items, region)
    return [tree[0], *(decoder.value(item, 1) for item in tree[1:])], max_items - decoder.left


def loads(data: bytes | str, max_items: int = MAX_ITEMS):
    """The value in ``data`` (``dumps``), checked as ``read_message`` checks values."""
    return _Decoder(max_items, None).value(_parse(data, max_items), 0)


def loads_own(data: bytes | str):
    """The value in ``data`` that the grader wrote itself (``dumps``) into a place no worker
    can reach (its cached suite): decoded as the JSON parser meets each tagged object, about
    three times as fast as ``loads``. It builds the same kinds of values only (every tag is
    still checked, arrays as in ``loads``) but does not count them or refuse an untagged
    list: never use it on what came from a worker."""
    try:
        return _OWN_DECODER.decode(data if isinstance(data, str) else data.decode("utf-8"))
    except (ValueError, RecursionError, TypeError) as error:
        raise WireError(f"not a valid message: {error}") from None


def _own_object(tree: dict):
    if len(tree) != 1:
        raise WireError("an untagged container")
    (tag, body), = tree.items()
    if tag == "tuple" and type(body) is list:
        return tuple(body)
    if tag == "array" and type(body) is list and len(body) == 3:
        return decode_array(*body)
    if tag == "list" and type(body) is list:
        return body
    if tag == "dict" and type(body) is list:
        result = dict(body)  # TypeError or ValueError unless pairs
        if not all(type(key) is str for key in result):
            raise WireError("a dict with keys that are not strings")
        return result
    if tag == "scalar" and type(body) is list and len(body) == 2:
        return decode_array(body[0], [], body[1])[()]
    if tag == "float" and body in ("inf", "-inf", "nan"):
        return float(body)
    raise WireError(f"an unknown tag {tag!r}")


def _parse(data: bytes | str, max_items: int):
    """The JSON tree, once it cannot hold more than ``max_items`` values."""
    data = data if isinstance(data, str) else bytes(data)
    limit = PUNCTUATION_PER_VALUE * max_items
    if len(data) > limit:  # counted before anything is made of it
        found = (data.count(",") + data.count("[") + data.count("{") if isinstance(data, str)
                 else data.count(b",") + data.count(b"[") + data.count(b"{"))
        if found > limit:
            raise WireError(f"too many values (more than {max_items:,})")
    try:
        return _DECODER.decode(data if isinstance(data, str) else data.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise WireError(f"not a valid message: {error}") from None


def _reject_constant(name: str):
    raise WireError(f"bare {name} in a message")


# Made once: json.dumps and json.loads with options build a new coder on every call.
_ENCODER = json.JSONEncoder(separators=(",", ":"))
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_OWN_DECODER = json.JSONDecoder(parse_constant=_reject_constant, object_hook=_own_object)


class _Decoder:
    """Walks a parsed message, building and checking each value, within ``left`` values."""

    def __init__(self, left: int, region):
        self.left, self.region = left, region

    def value(self, tree, depth: int):
        if depth > MAX_DEPTH:
            raise WireError("nested too deeply")
        self.left -= 1
        if self.left < 0:
            raise WireError("too many values")
        kind = type(tree)
        if tree is None or kind in (bool, int, float):
            return tree
        if kind is str:
            if len(tree) > MAX_STRING:
                raise WireError("a string that is too long")
            return tree
        if kind is not dict or len(tree) != 1:
            raise WireError("an untagged container")
        (tag, body), = tree.items()
        if type(body) is not list and tag != "float":
            raise WireError(f"a malformed {tag!r}")
        if tag in ("tuple", "list"):
            items = [self.value(item, depth + 1) for item in body]
            return tuple(items) if tag == "tuple" else items
        if tag == "dict":
            return self.dict(body, depth)
        if tag == "array" and len(body) == 3:
            return decode_array(*body)
        if tag == "scalar" and len(body) == 2:
            return decode_array(body[0], [], body[1])[()]
        if tag == "mapped" and len(body) == 3 and self.region is not None:
            return mapped_array(self.region, *body)
        if tag == "float" and body in ("inf", "-inf", "nan"):
            return float(body)
        raise WireError(f"an unknown tag {tag!r}")

    def dict(self, body: list, depth: int) -> dict:
        result = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise WireError("a malformed dict entry")
            self.left -= 1
            result[pair[0]] = self.value(pair[1], depth + 1)
        return result


def dtype_and_shape(dtype_name, shape) -> np.dtype:
    """The dtype of an array described as ``dtype_name`` and ``shape``, both checked."""
    if type(dtype_name) is not str or dtype_name not in ALLOWED_DTYPES:
        raise WireError(f"an array of dtype {dtype_name!r}, not numbers")
    if (type(shape) is not list or len(shape) > MAX_NDIM
            or not all(type(n) is int and 0 <= n <= MAX_ARRAY_BYTES for n in shape)):
        raise WireError(f"an array with the invalid shape {shape!r}")
    return np.dtype(dtype_name)


def decode_array(dtype_name, shape, payload) -> np.ndarray:
    dtype = dtype_and_shape(dtype_name, shape)
    if type(payload) is not str or len(payload) > MAX_ARRAY_BYTES * 4 // 3 + 4:
        raise WireError("an array that is too large")
    try:
        raw = base64.b64decode(payload, validate=True)
    except ValueError:
        raise WireError("an array whose data is not base64") from None
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError(f"an array whose data does not fit its shape {tuple(shape)}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def mapped_array(region, dtype_name, shape, offset) -> np.ndarray:
    """A writable view of ``region``: the worker's function works on the grader's memory."""
    dtype = dtype_and_shape(dtype_name, shape)
    count = math.prod(shape)
    if type(offset) is not int or not 0 <= offset <= len(region) - count * dtype.itemsize:
        raise WireError(f"a mapped array outside the shared memory (offset {offset!r})")
    return np.frombuffer(region, dtype=dtype, count=count, offset=offset).reshape(shape)


# The reply of a call that still raises NotImplementedError (a stub): the same bytes every
# time, written once by the worker and recognised by the grader without decoding.
NOT_IMPLEMENTED_TEXT = "still raises NotImplementedError"
NOT_IMPLEMENTED_REPLY = message("error", "not_implemented", NOT_IMPLEMENTED_TEXT, None, None, "")
