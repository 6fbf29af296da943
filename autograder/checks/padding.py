"""The graded functions of ``padding``: zero_pad, conv_output_size, same_padding; for each its
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
    keeps_inputs,
    on_results,
    rejects_invalid_arguments,
)
from cnnlab.catalog import COUNT, SAME_DTYPE_ARRAY
from solutions import padding as reference
from solutions.validation import check_non_negative

# --- zero_pad -------------------------------------------------------------------------------


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
        agreement(f, "pads_a_vector", "1-D: pad zeros at both ends", _pad_calls(1),
                  covers=(f,)),
        agreement(f, "pads_an_image", "2-D: pad zeros on all four sides", _pad_calls(2),
                  weight=2, covers=(f,)),
        agreement(f, "leaves_channels_alone",
                  "3-D (H, W, C): pads rows and columns, never the channels", _pad_calls(3),
                  weight=2, covers=("channels_last", f)),
        agreement(f, "keeps_the_dtype", "integer arrays stay integer arrays of the same dtype",
                  st.integers(1, 3).flatmap(lambda n: _pad_calls(n, ints=True)),
                  covers=("zero_pad_keeps_the_dtype",)),
        Check(f, "keeps_the_centre", "padding keeps the centre: the input sits in the middle, "
              "surrounded by zeros", st.integers(1, 3).flatmap(_pad_calls),
              judge=_keeps_the_centre, covers=(f,)),
        *rejects_invalid_arguments(f, "negative pad or an array of ndim 4 raise ValueError",
                                   _invalid_pad(), covers=("negative_padding", "wrong_ndim")),
        accepts_nested_lists(f, st.integers(1, 3).flatmap(_pad_calls)),
        keeps_inputs(f, st.integers(1, 3).flatmap(_pad_calls)),
    ]


def _pad_widths(x: np.ndarray, before: int, after: int, channels: bool = False) -> list:
    spatial = x.ndim if channels else min(x.ndim, 2)
    return [(before, after)] * spatial + [(0, 0)] * (x.ndim - spatial)


def _pads_channels(x, pad):
    reference.zero_pad(x, pad)  # the reference's ValueErrors
    x = np.asarray(x)
    return np.pad(x, _pad_widths(x, pad, pad, channels=True))


def _pads_one_side(x, pad):
    reference.zero_pad(x, pad)
    x = np.asarray(x)
    return np.pad(x, _pad_widths(x, pad, 0))


def _pads_at_the_end(x, pad):
    reference.zero_pad(x, pad)
    x = np.asarray(x)
    return np.pad(x, _pad_widths(x, 0, 2 * pad))


def _pads_any_ndim(x, pad):
    pad = check_non_negative("pad", pad)
    x = np.asarray(x)
    return np.pad(x, _pad_widths(x, pad, pad))


def _pads_as_floats(x, pad):
    return reference.zero_pad(x, pad).astype(np.float64)


ZERO_PAD = Graded(
    "zero_pad", SAME_DTYPE_ARRAY, section="convolution", points=2, pictured=True,
    spec="zero_pad pads both sides of the spatial axes of ndim 1, 2 or 3, never the channels",
    checks=_zero_pad_checks, misconceptions=(
        Misconception("pads_channels", "padded the channel axis too",
                      "only the spatial axes (H, W) get zeros; the channels of an (H, W, C) "
                      "image stay C", _pads_channels),
        Misconception("one_side", "padded on one side only",
                      "pad zeros are added before AND after each spatial axis: n becomes "
                      "n + 2 pad", _pads_one_side),
        Misconception("all_at_the_end", "put all 2 pad zeros after the input (on one side)",
                      "pad zeros go before AND pad zeros after each spatial axis: the input "
                      "sits in the middle, x[0] lands at index pad", _pads_at_the_end),
        Misconception("accepts_any_ndim", "padded an array of any ndim instead of raising",
                      "x must be (n,), (H, W) or (H, W, C): raise ValueError for other ndims",
                      _pads_any_ndim),
        Misconception("float_result", "returned floats for an integer image",
                      "padding keeps the dtype of the input: np.pad or "
                      "np.zeros(..., dtype=x.dtype)", _pads_as_floats),
    ))


# --- conv_output_size -----------------------------------------------------------------------

@st.composite
def _invalid_output_size(draw):
    (n, k), options = draw(S.output_size_calls(padding=st.integers(0, 2),
                                               stride=st.integers(1, 3)))
    broken = draw(st.sampled_from(["n", "k", "padding", "stride", "too_large"]))
    # One wrong argument at a time: with n below one or a negative padding, the kernel
    # still fits (a check of the fit that comes first then passes).
    if broken == "n":
        n = draw(S.BELOW_ONE)
        options["padding"] = max(options["padding"], -(-(k - n) // 2))
    elif broken == "k":
        k = draw(S.BELOW_ONE)
    elif broken == "padding":
        options["padding"] = draw(S.NEGATIVE)
        n = max(n, k - 2 * options["padding"])
    elif broken == "stride":
        options["stride"] = draw(S.BELOW_ONE)
    else:
        k = n + 2 * options["padding"] + draw(st.integers(1, 3))
    return (n, k), options


def _output_size_checks() -> list[Check]:
    f = "conv_output_size"
    return [
        agreement(f, "without_padding_or_stride", "n - k + 1 at padding 0, stride 1",
                  S.output_size_calls(), weight=2, covers=("counts_are_integers", f)),
        agreement(f, "with_padding", "padding adds 2p to the input size",
                  S.output_size_calls(padding=S.PADDINGS), weight=2, covers=(f,)),
        agreement(f, "with_stride", "stride divides, rounding down",
                  S.output_size_calls(padding=st.integers(0, 2), stride=S.STRIDES), weight=2,
                  covers=(f,)),
        agreement(f, "drops_a_window_that_does_not_fit",
                  "floor: a last window that does not fit completely is dropped",
                  S.output_size_calls(padding=st.integers(0, 2), stride=S.STRIDES,
                                      uneven=True), covers=("floor",)),
        agreement(f, "uses_the_defaults", "padding=0 and stride=1 when left out",
                  S.defaults_only(S.output_size_calls(), 2),
                  covers=("defaults[padding]", "defaults[stride]")),
        *rejects_invalid_arguments(
            f, "sizes below 1, negative padding and a kernel larger than the padded input "
            "raise ValueError", _invalid_output_size(),
            covers=("negative_padding[padding]", "stride_below_one[stride]",
                    "size_below_one[n]", "size_below_one[k]",
                    "kernel_too_large_per_axis[too_large]")),
    ]


def _size_parts(input_size, kernel_size, padding, stride) -> int:
    reference.conv_output_size(input_size, kernel_size, padding, stride)  # its ValueErrors
    return input_size + 2 * padding - kernel_size


def _size_unchecked(input_size, kernel_size, padding=0, stride=1):
    return (input_size + 2 * padding - kernel_size) // stride + 1


def _size_no_plus_one(input_size, kernel_size, padding=0, stride=1):
    return reference.conv_output_size(input_size, kernel_size, padding, stride) - 1


def _size_ceil(input_size, kernel_size, padding=0, stride=1):
    return -(-_size_parts(input_size, kernel_size, padding, stride) // stride) + 1


def _size_no_stride(input_size, kernel_size, padding=0, stride=1):
    return _size_parts(input_size, kernel_size, padding, stride) + 1


def _size_one_pad(input_size, kernel_size, padding=0, stride=1):
    _size_parts(input_size, kernel_size, padding, stride)
    return (input_size + padding - kernel_size) // stride + 1


def _size_true_division(input_size, kernel_size, padding=0, stride=1):
    return _size_parts(input_size, kernel_size, padding, stride) / stride + 1


CONV_OUTPUT_SIZE = Graded(
    "conv_output_size", COUNT, section="convolution", points=1,
    spec="conv_output_size is floor((n + 2p - k) / s) + 1", checks=_output_size_checks,
    misconceptions=(
        Misconception("no_checks", "computed a size for invalid arguments",
                      "negative padding, a size below 1 or a kernel larger than n + 2p raise "
                      "ValueError", _size_unchecked),
        Misconception("no_plus_one", "forgot the + 1 in the output size",
                      "floor((n + 2p - k) / s) + 1: the kernel's first position counts too",
                      _size_no_plus_one),
        Misconception("ceil", "rounded the output size up (ceil)",
                      "a window that does not fit completely is dropped: floor, i.e. //",
                      _size_ceil),
        Misconception("stride_ignored", "ignored the stride",
                      "with stride s the kernel takes every s-th position: divide by s",
                      _size_no_stride),
        Misconception("padding_once", "counted the padding on one side only",
                      "p zeros are added on both sides: n + 2p", _size_one_pad),
        Misconception("true_division", "used true division: the size is a float",
                      "sizes are integers: use // for the floor", _size_true_division),
    ))


# --- same_padding ---------------------------------------------------------------------------

def _same_padding_half(kernel_size):
    """k // 2 for every positive k: the size check kept, the check that k is odd left out
    (a student without any check matches too: a left-out check is told on its own)."""
    if kernel_size < 1:
        return reference.same_padding(kernel_size)  # its ValueError
    return kernel_size // 2


def _same_padding_float(kernel_size):
    return reference.same_padding(kernel_size) * 1.0


def _same_padding_checks() -> list[Check]:
    f = "same_padding"
    odd = st.integers(0, 200).map(lambda i: 2 * i + 1)
    invalid = st.one_of(st.integers(1, 200).map(lambda i: 2 * i), st.integers(-100, 0))
    return [
        agreement(f, "keeps_the_size", "(k - 1) // 2 keeps the size for odd k",
                  odd.map(lambda k: S.call(k)), weight=3, covers=("counts_are_integers", f)),
        *rejects_invalid_arguments(f, "even or non-positive kernel sizes raise ValueError",
                                   invalid.map(lambda k: S.call(k)),
                                   covers=("size_below_one", "even_kernel_for_same_padding")),
    ]


SAME_PADDING = Graded(
    "same_padding", COUNT, section="convolution", points=1,
    spec="same_padding is (k - 1) // 2", checks=_same_padding_checks, misconceptions=(
        Misconception("even_kernel", "gave k // 2 for an even kernel instead of raising",
                      "an even kernel has no centre: no padding keeps the size, raise "
                      "ValueError", _same_padding_half),
        Misconception("float", "returned (k - 1) / 2 as a float",
                      "a padding is a number of pixels, an integer: (k - 1) // 2",
                      _same_padding_float),
    ))

EXERCISES = (ZERO_PAD, CONV_OUTPUT_SIZE, SAME_PADDING)
