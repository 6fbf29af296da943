"""Hidden checks of ``padding``: zero_pad, conv_output_size, same_padding."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from autograder import strategies as S
from autograder.checks.base import Check, agreement, keeps_inputs, on_results, raises_value_error


@st.composite
def _pad_calls(draw, ndim: int, ints: bool = False, pad=st.integers(0, 3)):
    shape = draw(S.any_shape(ndim, ndim))
    return S.call(draw(S.arrays_of(shape, ints)), draw(pad))


@on_results
def _keeps_the_centre(example, actual, expected) -> str | None:
    (x, pad), _ = example
    padded = np.asarray(actual[0])
    spatial = min(x.ndim, 2)
    want = tuple(n + 2 * pad if axis < spatial else n for axis, n in enumerate(x.shape))
    if padded.shape != want:
        return f"expected shape {want}, got {padded.shape}"
    centre = tuple(slice(pad, pad + n) if axis < spatial else slice(None)
                   for axis, n in enumerate(x.shape))
    if not np.array_equal(padded[centre], x):
        return "the centre of the padded array is not the input"
    border = np.ones(padded.shape, bool)
    border[centre] = False
    if np.any(padded[border] != 0):
        return "the added border is not all zeros"
    return None


@st.composite
def _invalid_pad(draw):
    x, pad = draw(_pad_calls(draw(st.integers(1, 3))))[0]
    if draw(st.booleans()):
        return S.call(x, draw(S.NEGATIVE))
    return S.call(x.reshape((*x.shape, *(1,) * (4 - x.ndim))), pad)


def _zero_pad_checks() -> list[Check]:
    f = "zero_pad"
    return [
        agreement(f, "pads_a_vector", "1-D: pad zeros at both ends", _pad_calls(1)),
        agreement(f, "pads_an_image", "2-D: pad zeros on all four sides", _pad_calls(2),
                  weight=2),
        agreement(f, "leaves_channels_alone",
                  "3-D (H, W, C): pads rows and columns, never the channels", _pad_calls(3),
                  weight=2),
        agreement(f, "keeps_the_dtype", "integer arrays stay integer arrays of the same dtype",
                  st.integers(1, 3).flatmap(lambda n: _pad_calls(n, ints=True))),
        Check(f, "keeps_the_centre", "padding keeps the centre: the input sits in the middle, "
              "surrounded by zeros", st.integers(1, 3).flatmap(_pad_calls),
              judge=_keeps_the_centre),
        raises_value_error(f, "negative pad or an array of ndim 4 raise ValueError",
                           _invalid_pad()),
        agreement(f, "accepts_nested_lists", "nested lists work like arrays",
                  S.as_nested_lists(st.integers(1, 3).flatmap(_pad_calls))),
        keeps_inputs(f, _pad_calls(2)),
    ]


@st.composite
def _invalid_output_size(draw):
    (n, k), options = draw(S.output_size_calls(padding=st.integers(0, 2),
                                               stride=st.integers(1, 3)))
    broken = draw(st.sampled_from(["n", "k", "padding", "stride", "too_large"]))
    if broken == "n":
        n = draw(S.BELOW_ONE)
    elif broken == "k":
        k = draw(S.BELOW_ONE)
    elif broken == "padding":
        options["padding"] = draw(S.NEGATIVE)
    elif broken == "stride":
        options["stride"] = draw(S.BELOW_ONE)
    else:
        k = n + 2 * options["padding"] + draw(st.integers(1, 3))
    return (n, k), options


def _output_size_checks() -> list[Check]:
    f = "conv_output_size"
    return [
        agreement(f, "without_padding_or_stride", "n - k + 1 at padding 0, stride 1",
                  S.output_size_calls(), weight=2),
        agreement(f, "with_padding", "padding adds 2p to the input size",
                  S.output_size_calls(padding=S.PADDINGS), weight=2),
        agreement(f, "with_stride", "stride divides, rounding down",
                  S.output_size_calls(padding=st.integers(0, 2), stride=S.STRIDES), weight=2),
        agreement(f, "drops_a_window_that_does_not_fit",
                  "floor: a last window that does not fit completely is dropped",
                  S.output_size_calls(padding=st.integers(0, 2), stride=S.STRIDES,
                                      uneven=True)),
        agreement(f, "uses_the_defaults", "padding=0 and stride=1 when left out",
                  S.defaults_only(S.output_size_calls(), 2)),
        raises_value_error(f, "sizes below 1, negative padding and a kernel larger than the "
                           "padded input raise ValueError", _invalid_output_size()),
    ]


def _same_padding_checks() -> list[Check]:
    f = "same_padding"
    odd = st.integers(0, 200).map(lambda i: 2 * i + 1)
    invalid = st.one_of(st.integers(1, 200).map(lambda i: 2 * i), st.integers(-100, 0))
    return [
        agreement(f, "keeps_the_size", "(k - 1) // 2 keeps the size for odd k",
                  odd.map(lambda k: S.call(k)), weight=3),
        raises_value_error(f, "even or non-positive kernel sizes raise ValueError",
                           invalid.map(lambda k: S.call(k))),
    ]


def checks() -> list[Check]:
    return [*_zero_pad_checks(), *_output_size_checks(), *_same_padding_checks()]
