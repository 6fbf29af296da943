"""The reference padding and pooling functions against ``np.pad``, plain loops and the actual
lengths of convolution and pooling outputs."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from oracles import DTYPES, arrays_of, assert_close, pool_loops

from solutions.convolution import conv1d, conv2d
from solutions.padding import conv_output_size, same_padding, zero_pad
from solutions.pooling import avg_pool, max_pool, pool_output_size

STRIDES = st.sampled_from([None, 1, 2, 3])  # None: the default, stride = size


@st.composite
def padded_arrays(draw):
    """``(x, pad)`` with x of ndim 1, 2 or 3 and any of the test dtypes."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    return draw(arrays_of(dtype, shape)), draw(st.integers(0, 3))


@st.composite
def pool_cases(draw):
    """``(x, size, stride)`` with x of shape (H, W) or (H, W, C) and a window that fits."""
    dtype = draw(st.sampled_from(DTYPES))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    channels = draw(st.sampled_from([(), (1,), (3,)]))  # () is a 2-D grey image
    size = draw(st.integers(1, 4))
    assume(size <= min(h, w))
    return draw(arrays_of(dtype, (h, w, *channels))), size, draw(STRIDES)


def pad_widths(ndim: int, pad: int) -> list[tuple[int, int]]:
    """What SPEC 3 says gets padded: the first min(ndim, 2) axes, never the channels."""
    return [(pad, pad)] * min(ndim, 2) + [(0, 0)] * (ndim - min(ndim, 2))


@settings(max_examples=80)
@given(padded_arrays())
def test_zero_pad_matches_np_pad(case):
    x, pad = case
    np.testing.assert_array_equal(zero_pad(x, pad), np.pad(x, pad_widths(x.ndim, pad)))


@settings(max_examples=50)
@given(padded_arrays())
def test_zero_pad_keeps_the_dtype(case):
    x, pad = case
    assert zero_pad(x, pad).dtype == x.dtype


def test_zero_pad_never_pads_the_channel_axis():
    assert zero_pad(np.ones((2, 3, 4)), 2).shape == (6, 7, 4)


@settings(max_examples=80)
@given(pool_cases())
def test_max_pool_matches_loops(case):
    x, size, stride = case
    assert_close(max_pool(x, size, stride), pool_loops(x, size, stride, "max"))


@settings(max_examples=80)
@given(pool_cases())
def test_avg_pool_matches_loops(case):
    x, size, stride = case
    assert_close(avg_pool(x, size, stride), pool_loops(x, size, stride, "mean"))


@settings(max_examples=50)
@given(pool_cases())
def test_avg_pool_returns_floats(case):
    x, size, stride = case
    assert avg_pool(x, size, stride).dtype.kind == "f"


@settings(max_examples=50)
@given(pool_cases())
def test_pooling_keeps_the_number_of_axes(case):
    x, size, stride = case
    assert (max_pool(x, size, stride).ndim, avg_pool(x, size, stride).ndim) == (x.ndim, x.ndim)


def test_max_pool_default_is_2x2_without_overlap():
    # Worked by hand: the four 2x2 blocks of this 4x4 map have maxima 6, 8, 3, 4.
    feature_map = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    assert_close(max_pool(feature_map), [[6, 8], [3, 4]])


def test_pooling_drops_a_window_that_does_not_fit():
    # 5x5 with 2x2 windows: rows/columns 0-1 and 2-3 fit, row/column 4 is dropped (floor).
    x = np.arange(25.0).reshape(5, 5)
    assert_close(max_pool(x), [[6.0, 8.0], [16.0, 18.0]])


@settings(max_examples=80)
@given(st.integers(1, 30), st.integers(1, 6), st.integers(0, 4), st.integers(1, 4))
def test_conv_output_size_is_the_length_of_conv1d(n, k, padding, stride):
    assume(k <= n + 2 * padding)
    output = conv1d(np.ones(n), np.ones(k), padding=padding, stride=stride)
    assert conv_output_size(n, k, padding, stride) == len(output)


@settings(max_examples=50)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 5), st.integers(1, 5),
       st.integers(0, 3), st.integers(1, 3))
def test_conv_output_size_gives_both_sides_of_conv2d(h, w, kh, kw, padding, stride):
    assume(kh <= h + 2 * padding and kw <= w + 2 * padding)
    output = conv2d(np.ones((h, w)), np.ones((kh, kw)), padding=padding, stride=stride)
    assert (conv_output_size(h, kh, padding, stride),
            conv_output_size(w, kw, padding, stride)) == output.shape


@settings(max_examples=80)
@given(pool_cases())
def test_pool_output_size_gives_the_shape_of_max_pool(case):
    x, size, stride = case
    expected = (pool_output_size(x.shape[0], size, stride),
                pool_output_size(x.shape[1], size, stride))
    assert max_pool(x, size, stride).shape[:2] == expected


@pytest.mark.parametrize("args, expected", [
    ((5, 3), 3),  # the lecture: 5 inputs, kernel 3 -> a1, a2, a3
    ((24, 5), 20),  # 24 - 5 + 1
    ((7, 3, 0, 2), 3),  # (7 - 3) / 2 + 1
    ((6, 3, 0, 2), 2),  # floor(3 / 2) + 1: the last window does not fit
    ((5, 3, 1), 5),  # padding 1 keeps the size of a 3-kernel
])
def test_conv_output_size_hand_cases(args, expected):
    result = conv_output_size(*args)
    assert isinstance(result, int) and result == expected


@pytest.mark.parametrize("args, expected", [
    ((24,), 12),  # 2x2 pooling halves 24
    ((5,), 2),  # floor(3 / 2) + 1
    ((7, 3, 1), 5),  # overlapping windows
    ((4, 4), 1),  # one window covering all
])
def test_pool_output_size_hand_cases(args, expected):
    result = pool_output_size(*args)
    assert isinstance(result, int) and result == expected


@settings(max_examples=50)
@given(st.integers(1, 30), st.integers(0, 4))
def test_same_padding_keeps_the_size_of_conv1d_at_stride_1(n, half):
    kernel_size = 2 * half + 1  # odd kernels 1, 3, ..., 9
    output = conv1d(np.ones(n), np.ones(kernel_size), padding=same_padding(kernel_size))
    assert len(output) == n


def test_same_padding_is_an_int():
    assert isinstance(same_padding(5), int) and same_padding(5) == 2


ARRAY_CALLS = [
    ("zero_pad", lambda a: zero_pad(*a, 2), (np.arange(12).reshape(2, 3, 2),)),
    ("max_pool", lambda a: max_pool(*a, 2, 1), (np.arange(18.0).reshape(3, 3, 2),)),
    ("avg_pool", lambda a: avg_pool(*a, 2), (np.arange(16, dtype=np.uint8).reshape(4, 4),)),
]


@pytest.mark.parametrize("call, arguments", [c[1:] for c in ARRAY_CALLS],
                         ids=[c[0] for c in ARRAY_CALLS])
def test_inputs_are_not_modified(call, arguments):
    before = [a.copy() for a in arguments]
    call(arguments)
    for original, after in zip(before, arguments, strict=True):
        np.testing.assert_array_equal(after, original)
        assert after.dtype == original.dtype
