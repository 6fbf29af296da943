"""The reference convolution functions against SciPy, plain loops and the lecture's formulas
(and dilated_conv2d against SciPy with the kernel's taps spread out by zeros).

Expected values come from ``scipy.signal``, ``scipy.special``, ``np.maximum``, the loops in
``tests/oracles.py`` or numbers worked by hand here, never from ``solutions/`` itself.
"""

import warnings

import numpy as np
import pytest
import scipy.signal
import scipy.special
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from oracles import DTYPES, arrays_of, assert_close, conv_layer_loops

from solutions.convolution import conv1d, conv2d, conv_layer, dilated_conv2d, relu, sigmoid


@st.composite
def conv1d_cases(draw):
    """``(x, w, padding, stride)`` with the kernel fitting the padded signal."""
    dtype = draw(st.sampled_from(DTYPES))
    n, k = draw(st.integers(1, 12)), draw(st.integers(1, 5))
    padding, stride = draw(st.integers(0, 3)), draw(st.integers(1, 3))
    assume(k <= n + 2 * padding)
    return draw(arrays_of(dtype, (n,))), draw(arrays_of(dtype, (k,))), padding, stride


@st.composite
def conv2d_cases(draw):
    """``(image, kernel, padding, stride)`` with a possibly non-square kernel that fits."""
    dtype = draw(st.sampled_from(DTYPES))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    padding, stride = draw(st.integers(0, 3)), draw(st.integers(1, 3))
    assume(kh <= h + 2 * padding and kw <= w + 2 * padding)
    return (draw(arrays_of(dtype, (h, w))), draw(arrays_of(dtype, (kh, kw))), padding, stride)


@st.composite
def conv_layer_cases(draw):
    """``(image, kernels, padding, stride)``: small, so the six loops stay quick."""
    dtype = draw(st.sampled_from(DTYPES))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding, stride = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    assume(kh <= h + 2 * padding and kw <= w + 2 * padding)
    image = draw(arrays_of(dtype, (h, w, c_in)))
    kernels = draw(arrays_of(dtype, (kh, kw, c_in, c_out)))
    return image, kernels, padding, stride


def scipy_conv1d(x, w, padding, stride):
    """Cross-correlation by SciPy on the zero-padded signal, then every stride-th output."""
    xp = np.pad(x.astype(np.float64), padding)
    return scipy.signal.correlate(xp, w.astype(np.float64), mode="valid")[::stride]


def scipy_conv2d(image, kernel, padding, stride):
    """2-D cross-correlation by SciPy on the zero-padded image, then strided by slicing."""
    xp = np.pad(image.astype(np.float64), padding)
    full = scipy.signal.correlate2d(xp, kernel.astype(np.float64), mode="valid")
    return full[::stride, ::stride]


@settings(max_examples=100)
@given(conv1d_cases())
def test_conv1d_matches_scipy_correlate(case):
    x, w, padding, stride = case
    assert_close(conv1d(x, w, padding=padding, stride=stride),
                 scipy_conv1d(x, w, padding, stride))


@settings(max_examples=100)
@given(conv2d_cases())
def test_conv2d_matches_scipy_correlate2d(case):
    image, kernel, padding, stride = case
    assert_close(conv2d(image, kernel, padding=padding, stride=stride),
                 scipy_conv2d(image, kernel, padding, stride))


@settings(max_examples=50)
@given(conv1d_cases())
def test_conv1d_returns_floats_for_any_input_dtype(case):
    x, w, padding, stride = case
    assert conv1d(x, w, padding=padding, stride=stride).dtype.kind == "f"


@settings(max_examples=50)
@given(conv2d_cases())
def test_conv2d_returns_floats_for_any_input_dtype(case):
    image, kernel, padding, stride = case
    assert conv2d(image, kernel, padding=padding, stride=stride).dtype.kind == "f"


@settings(max_examples=60)
@given(conv_layer_cases())
def test_conv_layer_without_bias_matches_six_loops(case):
    image, kernels, padding, stride = case
    assert_close(conv_layer(image, kernels, padding=padding, stride=stride),
                 conv_layer_loops(image, kernels, None, padding, stride))


@settings(max_examples=60)
@given(conv_layer_cases(), st.data())
def test_conv_layer_with_bias_matches_six_loops(case, data):
    image, kernels, padding, stride = case
    bias = data.draw(arrays_of(np.float64, (kernels.shape[3],)))
    assert_close(conv_layer(image, kernels, bias=bias, padding=padding, stride=stride),
                 conv_layer_loops(image, kernels, bias, padding, stride))


def test_conv1d_gives_the_lectures_shared_weight_formulas():
    # x1..x5 and w1..w3 chosen so that every term is visible in the sums (powers of ten).
    x1, x2, x3, x4, x5 = 2, 3, 5, 7, 11
    w1, w2, w3 = 1, 10, 100
    a1 = x1 * w1 + x2 * w2 + x3 * w3  # 2 + 30 + 500 = 532
    a2 = x2 * w1 + x3 * w2 + x4 * w3  # 3 + 50 + 700 = 753
    a3 = x3 * w1 + x4 * w2 + x5 * w3  # 5 + 70 + 1100 = 1175
    assert (a1, a2, a3) == (532, 753, 1175)
    assert_close(conv1d([x1, x2, x3, x4, x5], [w1, w2, w3]), [a1, a2, a3])


def test_conv1d_does_not_flip_the_kernel():
    # Unflipped: 1*1 + 2*0 = 1 and 2*1 + 3*0 = 2; a flipped kernel [0, 1] would give 2, 3.
    assert_close(conv1d([1, 2, 3], [1, 0]), [1.0, 2.0])


def test_conv2d_worked_example_with_padding_and_stride():
    # 3x3 image 1..9, padded by 1, 2x2 kernel [[1, 0], [0, 1]], stride 2: windows at (0, 0),
    # (0, 2), (2, 0), (2, 2) of the padded 5x5 image; each adds its two diagonal pixels
    # xp[r, c] + xp[r+1, c+1], where xp[r, c] = image[r-1, c-1] inside and 0 on the frame.
    image = np.arange(1, 10).reshape(3, 3)
    expected = [[0 + 1, 0 + 3], [0 + 7, 5 + 9]]
    assert_close(conv2d(image, [[1, 0], [0, 1]], padding=1, stride=2), expected)


def test_conv2d_does_not_overflow_uint8_images():
    # 200 * 2 + 200 * 2 = 800 does not fit in a uint8; the result must be the true sum.
    image = np.full((2, 2), 200, dtype=np.uint8)
    kernel = np.full((1, 2), 2, dtype=np.uint8)
    assert_close(conv2d(image, kernel), [[800.0], [800.0]])


@settings(max_examples=60)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30))
def test_sigmoid_matches_scipy_expit(values):
    x = np.array(values)
    assert_close(sigmoid(x), scipy.special.expit(x))


def test_sigmoid_of_plus_and_minus_1000_has_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow RuntimeWarning becomes a failure
        result = sigmoid(np.array([-1000.0, 1000.0]))
    assert_close(result, scipy.special.expit(np.array([-1000.0, 1000.0])))


def test_sigmoid_of_extreme_floats_is_never_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sigmoid(np.array([-1.7e308, -745.0, 745.0, 1.7e308]))
    assert not np.isnan(result).any()


def test_sigmoid_returns_floats_for_integer_input():
    assert sigmoid(np.array([-2, 0, 2])).dtype.kind == "f"


@settings(max_examples=60)
@given(st.sampled_from(DTYPES).flatmap(
    lambda dtype: arrays_of(dtype, st.tuples(st.integers(1, 5), st.integers(1, 5)))))
def test_relu_matches_np_maximum(x):
    np.testing.assert_array_equal(relu(x), np.maximum(x, 0))


ARRAY_CALLS = [
    ("conv1d", lambda a: conv1d(*a, padding=1, stride=2),
     (np.arange(6.0), np.array([1.0, -1.0, 2.0]))),
    ("conv2d", lambda a: conv2d(*a, padding=1),
     (np.arange(12).reshape(3, 4), np.array([[1, 2], [3, 4]]))),
    ("conv_layer", lambda a: conv_layer(*a, padding=1, stride=2),
     (np.arange(18.0).reshape(3, 3, 2), np.ones((2, 2, 2, 3)), np.array([1.0, 2.0, 3.0]))),
    ("relu", lambda a: relu(*a), (np.array([-1.0, 0.0, 2.0]),)),
    ("sigmoid", lambda a: sigmoid(*a), (np.array([-1000.0, 0.0, 1000.0]),)),
    ("dilated_conv2d", lambda a: dilated_conv2d(*a, dilation=2, padding=1, stride=2),
     (np.arange(16).reshape(4, 4), np.array([[1, 2], [3, 4]]))),
]


@pytest.mark.parametrize("call, arguments", [c[1:] for c in ARRAY_CALLS],
                         ids=[c[0] for c in ARRAY_CALLS])
def test_inputs_are_not_modified(call, arguments):
    before = [a.copy() for a in arguments]
    call(arguments)
    for original, after in zip(before, arguments, strict=True):
        np.testing.assert_array_equal(after, original)
        assert after.dtype == original.dtype



# --- dilated_conv2d (bonus) -----------------------------------------------------------------

@st.composite
def dilated_cases(draw):
    """``(image, kernel, dilation, padding, stride)`` with the dilated kernel fitting."""
    dtype = draw(st.sampled_from(DTYPES))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = draw(st.integers(1, 4))
    padding, stride = draw(st.integers(0, 3)), draw(st.integers(1, 3))
    assume((kh - 1) * dilation + 1 <= h + 2 * padding)
    assume((kw - 1) * dilation + 1 <= w + 2 * padding)
    return (draw(arrays_of(dtype, (h, w))), draw(arrays_of(dtype, (kh, kw))), dilation,
            padding, stride)


def scipy_dilated_conv2d(image, kernel, dilation, padding, stride):
    """SPEC 3's definition: the plain cross-correlation with ``dilation - 1`` zeros put
    between the kernel's taps, by SciPy."""
    kh, kw = kernel.shape
    stuffed = np.zeros(((kh - 1) * dilation + 1, (kw - 1) * dilation + 1))
    stuffed[::dilation, ::dilation] = kernel
    return scipy_conv2d(image, stuffed, padding, stride)


@settings(max_examples=150)
@given(dilated_cases())
def test_dilated_conv2d_matches_scipy_with_a_zero_stuffed_kernel(case):
    assert_close(dilated_conv2d(*case), scipy_dilated_conv2d(*case))


@settings(max_examples=50)
@given(dilated_cases())
def test_dilated_conv2d_returns_floats_for_any_input_dtype(case):
    assert dilated_conv2d(*case).dtype.kind == "f"


def test_dilated_conv2d_worked_example_sees_only_the_corners_and_the_centre():
    # By hand: a 3x3 kernel with dilation 2 spans the whole 5x5 image; its taps meet the
    # pixels at rows and columns 0, 2, 4. Only (0, 0), (2, 2) and (4, 4) are not zero here.
    image = np.zeros((5, 5))
    image[0, 0], image[2, 2], image[4, 4], image[1, 1] = 1.0, 10.0, 100.0, 1000.0
    kernel = np.arange(1.0, 10.0).reshape(3, 3)  # k[0,0] = 1, k[1,1] = 5, k[2,2] = 9
    assert dilated_conv2d(image, kernel, dilation=2).tolist() == [[1 * 1 + 5 * 10 + 9 * 100]]


def test_dilated_conv2d_with_dilation_1_is_conv2d_worked_example():
    image = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    # By hand: 1*1 + 2*2 + 4*3 + 5*4 = 37, as the lecture's not flipped conv2d example.
    assert dilated_conv2d(image, np.array([[1, 2], [3, 4]])).tolist() == [[37, 47], [67, 77]]


def test_dilated_conv2d_does_not_overflow_uint8_images():
    image = np.full((5, 5), 200, dtype=np.uint8)
    out = dilated_conv2d(image, np.ones((2, 2), dtype=np.uint8), dilation=3)
    assert out.tolist() == [[800.0, 800.0], [800.0, 800.0]]
