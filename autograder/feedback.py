"""How a failed check is told to the student: one failing call, its expected and actual result.

Everything here runs on the trusted side, after the student's results came back as plain data.
The texts are bounded: a small array is shown in full, a channels-last image per channel, and
anything larger is summarised (shape, dtype, range, and the first position where the actual
result differs from the expected one), never cut with ``...``. The numbers kept for a picture
are capped too, so that one hand-in cannot store hundreds of megabytes of feedback.
"""

from __future__ import annotations

import inspect

import numpy as np

import solutions
from autograder.checks.base import Check, Raised, parameters_of
from autograder.results import CallError, FailingExample
from cnnlab.catalog import PICTURED
from cnnlab.result_rules import same_data

SMALL_ARRAY = 64  # elements shown in full (an 8x8 image)
SMALL_CHANNELS = 8  # a (H, W, C) array with at most this many channels is shown per channel
# An example (call, expected, actual) taller than this has its arrays summarised, with the
# first difference: the feedback of a failed function stays within ~40 lines.
MAX_EXAMPLE_LINES = 24
MAX_VALUE_CHARS = 1500  # a value's text is never longer; longer ones are summarised
MAX_PICTURE_ELEMENTS = 1024  # per array kept for the side-by-side picture (32x32)


def summary(problem: str, failed: int, generated: int, not_run: int = 0) -> str:
    """The headline of a failed check, about the very call shown below it; ``not_run``:
    the examples never asked after it (a timeout or crash stops the rest)."""
    after = f", and {not_run} were not run after it" if not_run else ""
    return (f"failed on {failed} of {generated} generated inputs{after}; on the smallest: "
            f"{problem}")


def describe(check: Check, group: list, expected: list, actual: list) -> FailingExample:
    """The failing example as the student reads it (all texts bounded)."""
    calls = _joined([call_text(check.function, call) for call in group])
    if check.inputs_unchanged:  # a call that gave no result is told as such, not as a change
        shown = [("a result, with the inputs unchanged", a.describe())
                 if isinstance(a, CallError) else _changed_texts(check.function, call, a)
                 for call, a in zip(group, actual, strict=False)]
        return FailingExample(calls, "\n".join(e for e, _ in shown),
                              "\n".join(a for _, a in shown), None)
    pairs = [pair_texts(e, a) for e, a in zip(expected, actual, strict=False)]
    if _lines(calls, *(e for e, _ in pairs), *(a for _, a in pairs)) > MAX_EXAMPLE_LINES:
        pairs = [pair_texts(e, a, summarise=True) for e, a in zip(expected, actual,
                                                                  strict=False)]
    shown_expected = _joined([e for e, _ in pairs])
    shown_actual = _joined([a for _, a in pairs])
    return FailingExample(calls, shown_expected, shown_actual,
                          picture_arrays(check, group, expected, actual))


def _changed_texts(function: str, call, after) -> tuple[str, str]:
    """Expected and actual of a call that changed its inputs: the first argument it changed,
    as sent and as the call left it ("d_out after the call: array([0.])")."""
    (args, kwargs), (args_after, kwargs_after) = call, after
    sent = [*zip(parameters_of(function), args, args_after, strict=False),
            *((k, v, kwargs_after.get(k)) for k, v in kwargs.items())]
    for name, before, now in sent:
        if not same_data(before, now):
            return (f"{name} unchanged: {value_text(before)}",
                    f"{name} after the call: {value_text(now)}")
    return "the inputs unchanged", "an input was changed"


def _joined(texts: list[str]) -> str:
    """One text per call; the same text for every call of a property (three all-zero calls
    of a linearity check) once."""
    if len(texts) > 1 and len(set(texts)) == 1:
        return f"{texts[0]}\n(the same for all {len(texts)} calls)"
    return "\n".join(texts)


def call_text(function: str, call) -> str:
    """``conv2d(image=array(...), kernel=array(...), padding=1)``."""
    args, kwargs = call
    names = list(inspect.signature(solutions.reference(function)).parameters)
    parts = [f"{names[i] if i < len(names) else '*'}={value_text(a)}"
             for i, a in enumerate(args)]
    parts += [f"{k}={value_text(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"


def _lines(*texts: str) -> int:
    return sum(text.count("\n") + 1 for text in texts)


def pair_texts(expected, actual, summarise: bool = False) -> tuple[str, str]:
    """Expected and actual of one comparison in the same format: when one array has to be
    summarised, so is the other (a value in full beside a summary compares nothing);
    ``summarise``: both arrays summarised (an example too tall to read)."""
    want, got = value_text(expected), value_text(actual, expected)
    arrays = isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray)
    if arrays and (summarise or _summarised(expected) != _summarised(actual)):
        want, got = _array_summary(expected, None), _array_summary(actual, expected)
    elif arrays and want == got:  # the same to the digits shown: where they differ
        got += _first_difference(actual, expected, "\n")
    return want, got


def _summarised(value: np.ndarray) -> bool:
    """``_array_text`` gives a summary, not the values."""
    return value.size > SMALL_ARRAY or (value.size > 0 and len(_plain(value)) > MAX_VALUE_CHARS)


def value_text(value, expected=None) -> str:
    """A value for the student; ``expected``, when given, locates the first difference of a
    large array."""
    if isinstance(value, Raised):
        return f"ValueError ({_bounded(value.message)})"
    if isinstance(value, CallError):
        return _error_text(value)
    if isinstance(value, np.ndarray):
        return _array_text(value, expected if isinstance(expected, np.ndarray) else None)
    if isinstance(value, list | tuple):
        inner = ", ".join(value_text(v) for v in value)
        text = f"[{inner}]" if isinstance(value, list) else f"({inner}{',' * (len(value) == 1)})"
        return text if len(text) <= MAX_VALUE_CHARS else (
            f"a {type(value).__name__} of {len(value)} items")
    if isinstance(value, np.float64 | np.integer | np.bool_):
        value = value.item()  # "-3.75", not numpy 2's "np.float64(-3.75)": the same number
    return _bounded(repr(value))


def _bounded(text: str) -> str:
    """A text from the student's side that is too long is said to be, not cut mid-way."""
    if len(text) <= MAX_VALUE_CHARS:
        return text
    return f"{text[:MAX_VALUE_CHARS // 2].rstrip()} [{len(text)} characters in all]"


def _error_text(error: CallError) -> str:
    lines = [_bounded(error.describe())]
    if error.where:
        lines.append(f"at {_bounded(error.where)}")
    printed = getattr(error, "printed", None)  # the sandbox may add what the code printed
    if printed:
        lines.append(f"it printed: {_bounded(str(printed))}")
    return "\n".join(lines)


def _dtype(value: np.ndarray) -> str:
    return "" if value.dtype == np.float64 else f", dtype={value.dtype}"


def _plain(value: np.ndarray, prefix: str = "") -> str:
    return np.array2string(value, separator=", ", precision=4, suppress_small=True,
                           max_line_width=100, threshold=SMALL_ARRAY + 1, prefix=prefix)


def _array_text(value: np.ndarray, expected: np.ndarray | None) -> str:
    if value.size == 0:  # numpy's own repr keeps the shape: array([], shape=(7, 2, 0), ...)
        return np.array_repr(value)
    if value.size <= SMALL_ARRAY and value.ndim == 3 and value.shape[2] == 1:
        return (f"array of shape {value.shape}{_dtype(value)}, its one channel:\n"
                f"  [:, :, 0] = {_plain(value[:, :, 0], '  [:, :, 0] = ')}")
    if value.size <= SMALL_ARRAY and value.ndim == 3 and 1 < value.shape[2] <= SMALL_CHANNELS:
        channels = [f"  [:, :, {c}] = {_plain(value[:, :, c], '  [:, :, 0] = ')}"
                    for c in range(value.shape[2])]
        return f"array of shape {value.shape}{_dtype(value)}, per channel:\n" + "\n".join(
            channels)
    if value.size <= SMALL_ARRAY and value.ndim == 4 and (
            value.shape[2] * value.shape[3] <= SMALL_CHANNELS):  # conv_layer's kernels
        kernels = [f"  [:, :, {c}, {o}] = {_plain(value[:, :, c, o], '  [:, :, 0, 0] = ')}"
                   for o in range(value.shape[3]) for c in range(value.shape[2])]
        return (f"array of shape {value.shape}{_dtype(value)}, per input and output "
                "channel:\n" + "\n".join(kernels))
    if value.size <= SMALL_ARRAY:
        text = f"array({_plain(value, 'array(')}{_dtype(value)})"
        if len(text) <= MAX_VALUE_CHARS:
            return text
    return _array_summary(value, expected)


def _array_summary(value: np.ndarray, expected: np.ndarray | None) -> str:
    text = f"array of shape {value.shape}, dtype {value.dtype}"
    if value.size and value.dtype.kind in "biuf":
        text += f", values from {value.min():.4g} to {value.max():.4g}"
    if expected is not None:
        text += _first_difference(value, expected, "; ")
    return text


def _first_difference(value: np.ndarray, expected: np.ndarray, before: str) -> str:
    """Where two arrays of one shape first differ, with more digits than ``_plain`` shows
    ("" when they do not)."""
    if expected.shape != value.shape or value.dtype.kind not in "biuf" or (
            expected.dtype.kind not in "biuf"):
        return ""
    differ = np.argwhere(~np.isclose(value.astype(float), expected.astype(float),
                                     rtol=1e-5, atol=1e-5))
    if not len(differ):
        return ""
    at = tuple(int(i) for i in differ[0])
    return (f"{before}first difference at {list(at)}: expected {expected[at]:.6g}, "
            f"got {value[at]:.6g} ({len(differ)} of {value.size} values differ)")


def picture_arrays(check: Check, group: list, expected: list, actual: list) -> dict | None:
    """Numbers for the side-by-side picture of a 1-D or 2-D result, when there is one and
    it is small enough to keep."""
    if check.function not in PICTURED or len(group) != 1 or check.inputs_unchanged:
        return None
    (args, _), want, got = group[0], expected[0], actual[0]
    if not (isinstance(want, np.ndarray) and isinstance(got, np.ndarray)
            and want.ndim in (1, 2) and got.ndim == want.ndim and want.size and got.size
            and np.asarray(args[0]).ndim in (1, 2) and got.dtype.kind in "biuf"):
        return None
    image = np.asarray(args[0], float)
    names = parameters_of(check.function)
    kernel = _second_array(group[0], names[1] if len(names) > 1 else "")
    if max(image.size, want.size, got.size, 0 if kernel is None else kernel.size) > (
            MAX_PICTURE_ELEMENTS):
        return None
    # "input" and "kernel" are the first two arguments, drawn under their own names
    # (``names``): max_pool_backward's are d_out and x.
    arrays = {"input": image.tolist(), "expected": want.tolist(),
              "actual": np.asarray(got, float).tolist(), "names": list(names[:2])}
    return arrays if kernel is None else {**arrays, "kernel": kernel.tolist()}


def _second_array(call, name: str) -> np.ndarray | None:
    """The second argument (a convolution's kernel, a backward pass's x), by position or by
    ``name``, when it is a 1-D or 2-D array of numbers: the picture shows it."""
    args, kwargs = call
    second = args[1] if len(args) > 1 else kwargs.get(name)
    if not isinstance(second, np.ndarray | list) or isinstance(second, bool):
        return None
    second = np.asarray(second)
    return second.astype(float) if second.ndim in (1, 2) and second.dtype.kind in "biuf" else None
