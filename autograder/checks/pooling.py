"""The graded functions of ``pooling``: pool_output_size, max_pool, avg_pool; for each its
declaration (``Graded``), its hidden checks and its misconceptions."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from autograder import strategies as S
from autograder.checks.base import (
    Check,
    Graded,
    Misconception,
    accepts_nested_lists,
    agreement,
    close,
    keeps_inputs,
    on_results,
    rejects_invalid_arguments,
)
from cnnlab.catalog import COUNT, FLOAT_ARRAY, NUMERIC_ARRAY
from solutions import pooling as reference
from solutions.convolution import conv2d


@st.composite
def _pool_size_calls(draw, stride: bool):
    size = draw(st.integers(1, 5))
    n = draw(st.integers(size, 64))
    if stride:
        return S.call(n, size, stride=draw(st.integers(1, 4)))
    return S.call(n, size)


@st.composite
def _invalid_pool_size(draw):
    (n, size), options = draw(_pool_size_calls(stride=True))
    broken = draw(st.sampled_from(["n", "size", "stride", "too_large"]))
    if broken == "n":
        n = draw(S.BELOW_ONE)
    elif broken == "size":
        size = draw(S.BELOW_ONE)
    elif broken == "stride":
        options["stride"] = draw(S.BELOW_ONE)
    else:
        size = n + draw(st.integers(1, 3))
    return (n, size), options


def _pool_output_size_checks() -> list[Check]:
    f = "pool_output_size"
    return [
        agreement(f, "stride_defaults_to_size",
                  "without a stride, windows do not overlap: floor(n / size)",
                  _pool_size_calls(stride=False), weight=2, covers=(f, "defaults[stride]")),
        agreement(f, "with_stride", "floor((n - size) / stride) + 1",
                  _pool_size_calls(stride=True), weight=2,
                  covers=("floor", "counts_are_integers", f)),
        agreement(f, "size_defaults_to_2", "size=2 (and stride=2) when left out",
                  st.integers(2, 64).map(lambda n: S.call(n)),
                  covers=(f, "defaults[size]", "defaults[stride]")),
        *rejects_invalid_arguments(f, "sizes below 1 and a window larger than the input raise "
                                   "ValueError", _invalid_pool_size(), covers=(
                                       "stride_below_one[stride]", "size_below_one[n]",
                                       "size_below_one[size]",
                                       "pooling_window_too_large_per_axis[too_large]")),
    ]


def _pool_size_stride_one(input_size, size=2, stride=None):
    return reference.pool_output_size(input_size, size, 1 if stride is None else stride)


def _pool_size_no_stride(input_size, size=2, stride=None):
    reference.pool_output_size(input_size, size, stride)
    return input_size // size


def _pool_size_ceil(input_size, size=2, stride=None):
    reference.pool_output_size(input_size, size, stride)
    step = size if stride is None else stride
    return -(-(input_size - size) // step) + 1


POOL_OUTPUT_SIZE = Graded(
    "pool_output_size", COUNT, section="pooling", points=1,
    spec="pool_output_size: size defaults to 2, stride to size; floor((n - size) / stride) + 1",
    checks=_pool_output_size_checks, misconceptions=(
        Misconception("stride_one", "let the stride default to 1 (overlapping windows)",
                      "stride None means stride = size: the windows do not overlap",
                      _pool_size_stride_one),
        Misconception("stride_ignored", "computed n // size, ignoring the stride",
                      "floor((n - size) / stride) + 1", _pool_size_no_stride),
        Misconception("ceil", "rounded the output size up (ceil)",
                      "a window that does not fit completely is dropped: floor",
                      _pool_size_ceil),
    ))


# --- max_pool and avg_pool share their checks -------------------------------------------------

@st.composite
def _window_permutations(draw, channels: bool | None = None) -> dict:
    """An input and the same input with the values inside each pooling window reordered."""
    (x, size), _ = draw(S.pool_calls(channels=channels, size=st.integers(2, 3)))
    moved = x.copy()
    rows, cols = x.shape[0] // size * size, x.shape[1] // size * size
    for i in range(0, rows, size):
        for j in range(0, cols, size):
            block = moved[i:i + size, j:j + size]
            flat = block.reshape(size * size, *block.shape[2:])
            moved[i:i + size, j:j + size] = np.roll(flat, draw(st.integers(1, size * size - 1)),
                                                    axis=0).reshape(block.shape)
    return {"x": x, "moved": moved, "size": size}


def _both(e: dict) -> list:
    return [((e["x"], e["size"]), {}), ((e["moved"], e["size"]), {})]


@on_results
def _same_after_moving(e: dict, actual, expected) -> str | None:
    if not close(actual[0], actual[1]):
        return ("moving values inside a pooling window changed the output "
                f"(size {e['size']}, stride = size)")
    return None


@st.composite
def _invalid_pool(draw):
    (x, size), options = draw(S.pool_calls(channels=None))
    broken = draw(st.sampled_from(["size", "stride", "too_large", "too_large_on_one_axis",
                                   "ndim"]))
    if broken == "size":
        size = draw(S.BELOW_ONE)
    elif broken == "stride":
        options = {"stride": draw(S.BELOW_ONE)}
    elif broken == "too_large":
        size = max(x.shape[:2]) + draw(st.integers(1, 2))
    elif broken == "too_large_on_one_axis":  # fits the longer axis, not the shorter one
        x = _stretched(x, draw(st.integers(0, 1)))
        size = min(x.shape[:2]) + 1
    else:
        x = x.reshape(-1) if draw(st.booleans()) else x.reshape((*x.shape, 1, 1)[:4])
    return (x, size), options


def _stretched(x: np.ndarray, axis: int) -> np.ndarray:
    """``x`` with ``axis`` made the longer one by at least 2 pixels (zeros appended)."""
    grow = max(0, x.shape[1 - axis] - x.shape[axis]) + 2
    widths = [(0, 0)] * x.ndim
    widths[axis] = (0, grow)
    return np.pad(x, widths)


def _pool_checks(f: str, kind: str) -> list[Check]:
    return [
        agreement(f, "pools_2x2_windows", f"the {kind} of each non-overlapping 2x2 window",
                  S.pool_calls(size=st.just(2)), weight=3,
                  covers=("pooling_keeps_ndim", *(("tolerance",) if kind == "mean" else ()),
                          f)),
        agreement(f, "any_size_and_stride",
                  "window sizes 1 to 4 and strides 1 to 3 (overlapping or with gaps)",
                  S.pool_calls(stride=st.integers(1, 3)), weight=2, covers=("floor", f)),
        agreement(f, "pools_each_channel",
                  "(H, W, C): each channel is pooled on its own, C stays",
                  S.pool_calls(channels=True, stride=st.one_of(st.none(), st.integers(1, 3))),
                  weight=2, covers=("channels_last", "pooling_keeps_ndim", f)),
        agreement(f, "integer_input",
                  "integer feature maps" + (" give floats" if kind == "mean" else ""),
                  S.pool_calls(channels=None, ints=True),
                  covers=("floats_for_integer_input" if kind == "mean"
                          else "any_numeric_dtype",)),
        agreement(f, "size_defaults_to_2", "size=2 and stride=2 when left out",
                  S.defaults_only(S.pool_calls(channels=None, size=st.just(2)), 1),
                  covers=(f, "defaults[size]", "defaults[stride]")),
        accepts_nested_lists(f, S.pool_calls(channels=None)),
        Check(f, "unchanged_by_moves_within_a_window",
              "moving values around inside a window does not change the output",
              _window_permutations(), calls=_both, judge=_same_after_moving, covers=(f,)),
        *rejects_invalid_arguments(f, "size or stride below 1, a window larger than the input, or "
                                   "an input that is not 2-D or 3-D raise ValueError",
                                   _invalid_pool(), covers=(
                                       "stride_below_one[stride]", "size_below_one[size]",
                                       "pooling_window_too_large_per_axis[too_large]",
                                       "pooling_window_too_large_per_axis[too_large_on_one_axis]",
                                       "wrong_ndim[ndim]")),
        keeps_inputs(f, S.pool_calls(channels=None)),
    ]


def _max_pool_overlapping(x, size=2, stride=None):
    return reference.max_pool(x, size, 1 if stride is None else stride)


def _max_pool_no_stride(x, size=2, stride=None):
    return reference.max_pool(x, size, size)


# Pooling by a reshape into size x size blocks: what it says, the hint.
_BLOCKS = ("ignored the stride argument and put a window every size pixels (as reshaping into "
           "size x size blocks does)", "windows start every stride pixels, not every size "
           "pixels: blocks are right only when stride == size")


def _max_pool_across_channels(x, size=2, stride=None):
    out = reference.max_pool(x, size, stride)
    return out if out.ndim == 2 else out.max(axis=2)  # one map: the channels are gone


def _partial_windows(x, size: int, stride, pool) -> np.ndarray:
    """Ceil mode: a last window that sticks out over the border is kept and pooled over
    the values it covers (floor((n - size) / s) + 1 drops it)."""
    x = np.asarray(x)
    step = size if stride is None else stride
    rows, cols = (-(-(n - size) // step) + 1 for n in x.shape[:2])
    return np.array([[pool(x[i * step:i * step + size, j * step:j * step + size], axis=(0, 1))
                      for j in range(cols)] for i in range(rows)])


def _max_pool_partial_windows(x, size=2, stride=None):
    reference.max_pool(x, size, stride)  # the reference's ValueErrors
    return _partial_windows(x, size, stride, np.max)


def _max_pool_stride_always_one(x, size=2, stride=None):
    reference.max_pool(x, size, stride)
    return reference.max_pool(x, size, 1)


def _max_pool_channels_merged(x, size=2, stride=None):
    out = reference.max_pool(x, size, stride)
    return out if out.ndim == 2 else np.repeat(out.max(axis=2, keepdims=True), out.shape[2], 2)


OVERLAPPING_WINDOWS = ("let the stride default to 1 (overlapping windows)",
                       "stride None means stride = size: 2x2 pooling halves the image")

MAX_POOL = Graded(
    "max_pool", NUMERIC_ARRAY, section="pooling", points=2, pictured=True,
    spec="max_pool: (H, W) or (H, W, C), each channel on its own, square windows; size 2 and "
         "stride = size by default", checks=lambda: _pool_checks("max_pool", "maximum"),
    misconceptions=(
        Misconception("overlapping_windows", *OVERLAPPING_WINDOWS, _max_pool_overlapping),
        Misconception("stride_ignored", *_BLOCKS, _max_pool_no_stride),
        Misconception("across_channels", "took the maximum across the channels too",
                      "each channel is pooled on its own: the result has as many channels as "
                      "the input", _max_pool_across_channels),
        Misconception("across_channels_kept", "took the maximum across the channels too "
                      "(every output channel is the same)", "each channel is pooled on its "
                      "own: out[:, :, c] comes from x[:, :, c] only", _max_pool_channels_merged),
        Misconception("partial_windows", "kept the partial windows at the border",
                      "a window that does not fit is dropped: floor((n - size) / s) + 1",
                      _max_pool_partial_windows),
        Misconception("stride_always_one", "moved the window by 1 pixel whatever the stride "
                      "(overlapping windows)", "windows start every stride pixels; stride "
                      "None means stride = size", _max_pool_stride_always_one),
    ))


def _avg_pool_overlapping(x, size=2, stride=None):
    return reference.avg_pool(x, size, 1 if stride is None else stride)


def _avg_pool_no_stride(x, size=2, stride=None):
    return reference.avg_pool(x, size, size)


def _window_sums(x, size: int, stride) -> np.ndarray:
    """Exact sums of every pooling window, channel by channel, as floats."""
    reference.avg_pool(x, size, stride)  # the reference's ValueErrors
    x = np.asarray(x, dtype=np.float64)
    step = size if stride is None else stride
    channels = x.reshape(x.shape[0], x.shape[1], -1)
    ones = np.ones((size, size))
    sums = np.stack([conv2d(channels[:, :, c], ones, stride=step)
                     for c in range(channels.shape[2])], axis=2)
    return sums.reshape(sums.shape[:2] + x.shape[2:])


def _avg_pool_across_channels(x, size=2, stride=None):
    sums = _window_sums(x, size, stride)
    return sums / size**2 if sums.ndim == 2 else sums.sum(axis=2) / (size**2 * sums.shape[2])


def _avg_pool_by_size(x, size=2, stride=None):
    return _window_sums(x, size, stride) / size


def _avg_pool_sums(x, size=2, stride=None):
    return _window_sums(x, size, stride)


def _avg_pool_floor_division(x, size=2, stride=None):
    return _window_sums(x, size, stride) // size**2


def _avg_pool_partial_windows(x, size=2, stride=None):
    reference.avg_pool(x, size, stride)
    return _partial_windows(np.asarray(x, dtype=np.float64), size, stride, np.mean)


def _avg_pool_channels_merged(x, size=2, stride=None):
    out = reference.avg_pool(x, size, stride)
    return out if out.ndim == 2 else np.repeat(out.mean(axis=2, keepdims=True), out.shape[2], 2)


AVG_POOL = Graded(
    "avg_pool", FLOAT_ARRAY, section="pooling", points=2, pictured=True,
    spec="avg_pool: (H, W) or (H, W, C), each channel on its own, square windows; size 2 and "
         "stride = size by default", checks=lambda: _pool_checks("avg_pool", "mean"),
    misconceptions=(
        Misconception("overlapping_windows", *OVERLAPPING_WINDOWS, _avg_pool_overlapping),
        Misconception("stride_ignored", *_BLOCKS, _avg_pool_no_stride),
        Misconception("across_channels", "averaged across the channels too",
                      "each channel is pooled on its own", _avg_pool_across_channels),
        Misconception("across_channels_kept", "averaged across the channels too (every "
                      "output channel is the same)", "each channel is pooled on its own: "
                      "out[:, :, c] comes from x[:, :, c] only", _avg_pool_channels_merged),
        Misconception("partial_windows", "kept the partial windows at the border",
                      "a window that does not fit is dropped: floor((n - size) / s) + 1",
                      _avg_pool_partial_windows),
        Misconception("divides_by_size", "divided by size instead of size * size",
                      "a size x size window holds size**2 values", _avg_pool_by_size,
                      any_dtype=True),
        Misconception("sums", "summed each window instead of averaging it",
                      "the mean of a size x size window is its sum / size**2", _avg_pool_sums,
                      any_dtype=True),
        Misconception("integer_division", "used integer division (//) for the mean",
                      "the mean of integers is a float: use /", _avg_pool_floor_division,
                      any_dtype=True),
    ))

EXERCISES = (POOL_OUTPUT_SIZE, MAX_POOL, AVG_POOL)
