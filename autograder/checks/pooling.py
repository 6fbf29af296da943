"""Hidden checks of ``pooling``: pool_output_size, max_pool, avg_pool."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from autograder import strategies as S
from autograder.checks.base import (
    Check,
    agreement,
    close,
    keeps_inputs,
    on_results,
    raises_value_error,
)


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
                  _pool_size_calls(stride=False), weight=2),
        agreement(f, "with_stride", "floor((n - size) / stride) + 1",
                  _pool_size_calls(stride=True), weight=2),
        agreement(f, "size_defaults_to_2", "size=2 (and stride=2) when left out",
                  st.integers(2, 64).map(lambda n: S.call(n))),
        raises_value_error(f, "sizes below 1 and a window larger than the input raise "
                           "ValueError", _invalid_pool_size()),
    ]


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
                  S.pool_calls(size=st.just(2)), weight=3),
        agreement(f, "any_size_and_stride",
                  "window sizes 1 to 4 and strides 1 to 3 (overlapping or with gaps)",
                  S.pool_calls(stride=st.integers(1, 3)), weight=2),
        agreement(f, "pools_each_channel",
                  "(H, W, C): each channel is pooled on its own, C stays",
                  S.pool_calls(channels=True, stride=st.one_of(st.none(), st.integers(1, 3))),
                  weight=2),
        agreement(f, "integer_input",
                  "integer feature maps" + (" give floats" if kind == "mean" else ""),
                  S.pool_calls(channels=None, ints=True)),
        agreement(f, "size_defaults_to_2", "size=2 and stride=2 when left out",
                  S.defaults_only(S.pool_calls(channels=None, size=st.just(2)), 1)),
        agreement(f, "accepts_nested_lists", "nested lists work like arrays",
                  S.as_nested_lists(S.pool_calls(channels=None))),
        Check(f, "unchanged_by_moves_within_a_window",
              "moving values around inside a window does not change the output",
              _window_permutations(), calls=_both, judge=_same_after_moving),
        raises_value_error(f, "size or stride below 1, a window larger than the input, or "
                           "an input that is not 2-D or 3-D raise ValueError",
                           _invalid_pool()),
        keeps_inputs(f, S.pool_calls(channels=None)),
    ]


def checks() -> list[Check]:
    return [*_pool_output_size_checks(), *_pool_checks("max_pool", "maximum"),
            *_pool_checks("avg_pool", "mean")]
