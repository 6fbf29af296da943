"""When is a result right? SPEC section 2, in one place for the self-check and the grader.

``compare(function, expected, actual)`` returns None when ``actual`` is right and otherwise a
short sentence that says what is wrong, written for the student.
"""

import numbers
import re
from collections.abc import Sequence

import numpy as np

from cnnlab.catalog import (
    COUNT,
    FLOAT_ARRAY,
    FLOAT_ARRAY_TUPLE,
    FUNCTIONS,
    NUMERIC_ARRAY,
    SAME_DTYPE_ARRAY,
    SHAPE,
    of_kind,
)

RELATIVE_TOLERANCE = 1e-5

COUNTS = of_kind(COUNT)
FLOAT_ARRAYS = of_kind(FLOAT_ARRAY)
SAME_DTYPE_ARRAYS = of_kind(SAME_DTYPE_ARRAY)
NUMERIC_ARRAYS = of_kind(NUMERIC_ARRAY)
SHAPES = of_kind(SHAPE)
ARRAY_TUPLES = of_kind(FLOAT_ARRAY_TUPLE)
assert set(FUNCTIONS) == (COUNTS | FLOAT_ARRAYS | SAME_DTYPE_ARRAYS | NUMERIC_ARRAYS | SHAPES
                          | ARRAY_TUPLES)


def within_tolerance(expected, actual) -> bool:
    """``max|actual - expected| <= 1e-5 * max(1, max|expected|)``, NaN never equal."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    if expected.size == 0:
        return True
    scale = max(1.0, float(np.abs(expected).max()))  # methods: np.max costs twice as much
    error = np.abs(actual - expected).max()
    return bool(error <= RELATIVE_TOLERANCE * scale)  # NaN compares False


def is_integer(value) -> bool:
    """An ``int`` or numpy integer; ``bool`` and floats are not counts."""
    return isinstance(value, numbers.Integral | np.integer) and not isinstance(value, bool)


def compare(function: str, expected, actual) -> str | None:
    """None if ``actual`` is a right result of ``function``, else what is wrong with it."""
    if function in COUNTS:
        return _compare_count(expected, actual)
    if function in SHAPES:
        return _compare_shape(expected, actual)
    if function in ARRAY_TUPLES:
        return _compare_tuple(function, expected, actual)
    return _compare_array(function, np.asarray(expected), actual)


def _compare_count(expected, actual) -> str | None:
    if not is_integer(actual):
        return f"expected an integer, got {type(actual).__name__} {actual!r}"
    if int(actual) != int(expected):
        return f"expected {int(expected)}, got {int(actual)}"
    return None


def _compare_shape(expected, actual) -> str | None:
    if not isinstance(actual, tuple):
        return f"expected a tuple, got {type(actual).__name__} {actual!r}"
    if not all(is_integer(d) for d in actual):
        return f"expected a tuple of integers, got {actual!r}"
    if tuple(int(d) for d in actual) != tuple(expected):
        return f"expected {tuple(expected)}, got {tuple(int(d) for d in actual)}"
    return None


def _compare_tuple(function: str, expected: tuple, actual) -> str | None:
    """Several float arrays at once (the gradients of ``conv_layer_backward``), each right."""
    if not isinstance(actual, tuple | list):
        return f"expected a tuple of {len(expected)} arrays, got {type(actual).__name__}"
    if len(actual) != len(expected):
        return f"expected a tuple of {len(expected)} arrays, got {len(actual)} values"
    for number, (want, got) in enumerate(zip(expected, actual, strict=True), start=1):
        problem = _compare_array(function, np.asarray(want), got, floats=True)
        if problem:
            return f"array {number} of {len(expected)}: {problem}"
    return None


def _compare_array(function: str, expected: np.ndarray, actual,
                   floats: bool = False) -> str | None:
    if not isinstance(actual, np.ndarray | numbers.Number | np.generic):
        return f"expected a numpy array, got {type(actual).__name__}"
    actual = np.asarray(actual)
    if actual.dtype.kind not in "biuf":
        return f"expected numbers, got an array of dtype {actual.dtype}"
    if actual.shape != expected.shape:
        return shape_mismatch(expected.shape, actual.shape)
    if (floats or function in FLOAT_ARRAYS) and actual.dtype.kind != "f":
        return f"expected a floating-point array, got dtype {actual.dtype}"
    if function in SAME_DTYPE_ARRAYS and actual.dtype != expected.dtype:
        return f"expected dtype {expected.dtype} (the input's), got {actual.dtype}"
    if not within_tolerance(expected, actual):
        return not_a_number(expected, actual) or "values differ from the expected ones"
    return None


def shape_mismatch(want: tuple[int, ...], got: tuple[int, ...] | None) -> str:
    """A result of the wrong shape in one wording, whichever check finds it: the same story
    told by two checks reads the same, and is told once."""
    got_text = ("no array" if got is None else "a number (shape ())" if got == ()
                else f"shape {got}")
    return f"expected shape {want}, got {got_text}"


def not_a_number(expected, actual) -> str | None:
    """Where ``actual`` (of ``expected``'s shape) holds NaN or an infinity and ``expected`` a
    number, that, in plain words: it is the story of the failure, not "values differ"."""
    try:
        expected, actual = np.asarray(expected), np.asarray(actual)
    except ValueError:  # ragged: not of expected's shape, another check says so
        return None
    if expected.shape != actual.shape or not {expected.dtype.kind, actual.dtype.kind} <= set(
            "biuf"):
        return None
    bad = np.argwhere(~np.isfinite(actual) & np.isfinite(expected))
    if len(bad) == 0:
        return None
    first = tuple(int(i) for i in bad[0])
    value = actual[first]
    what = "NaN (not a number)" if np.isnan(value) else f"{float(value)}"
    where = f" at [{', '.join(map(str, first))}]" if first else ""
    more = f" (and {len(bad) - 1} more such values)" if len(bad) > 1 else ""
    return f"the result holds {what}{where}, where {expected[first]} is expected{more}"


# SPEC 2: a ValueError's message names the argument and the reason.
def named_in(message: str, parameters: Sequence[str]) -> set[str]:
    """The parameters a message names, as whole words in any case, singular or plural alike
    ("a flatten layer" names ``layers``, "Kernels" names ``kernel``, "biases" names
    ``bias``), outside parentheses: "(shape (1, 6))" shows a value, it does not name
    weights_as_image's ``shape``; but "(pad=-1)", as ``f"{pad=}"`` writes it, does name
    ``pad``, and so does "len(w)". A ValueError raised with several arguments reads as the
    tuple of them. Self-contained: the notebook's helper cell carries its source."""
    # str(ValueError("pad must not be negative:", pad)) is "('pad must not be negative:', -1)"
    if re.match(r"""^\((['"]).*\)$""", message, re.DOTALL):
        message = message[1:-1]
    outside = message
    while True:  # a value shown in parentheses, not a call or an index ("len(w)")
        shown = re.sub(r"(?<![A-Za-z0-9_\]])\([^()]*\)", " ", outside)
        if shown == outside:
            break
        outside = shown
    found = set()
    for name in parameters:
        forms = {name, f"{name}s", f"{name}es", *([name[:-1]] if name.endswith("s") else [])}
        either = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
        word = rf"(?<![A-Za-z0-9_])(?:{either})(?![A-Za-z0-9_])"
        if (re.search(word, outside, re.IGNORECASE)
                or re.search(rf"{word}\s*=", message, re.IGNORECASE)):
            found.add(name)
    return found


# SPEC 2: inputs are never modified.
def same_data(before, now) -> bool:
    """Arrays of the same dtype and values, or equal lists, dicts and numbers of them."""
    if isinstance(before, np.ndarray):
        return (isinstance(now, np.ndarray) and now.dtype == before.dtype
                and np.array_equal(now, before))
    if isinstance(before, list | tuple):
        return (type(now) is type(before) and len(now) == len(before)
                and all(same_data(b, n) for b, n in zip(before, now, strict=True)))
    if isinstance(before, dict):
        return (isinstance(now, dict) and now.keys() == before.keys()
                and all(same_data(v, now[k]) for k, v in before.items()))
    return type(now) is type(before) and now == before
