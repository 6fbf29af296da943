"""The reference backward passes against independent oracles: SciPy (the convolution's
gradients as a full convolution with the flipped kernels and a correlation with ``d_out``),
central differences written out here, plain loops, ``scipy.special.expit`` and numbers worked
by hand. Nothing here computes an expected value with ``solutions/``.
"""

import warnings

import numpy as np
import scipy.signal
import scipy.special
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from oracles import arrays_of, assert_close, conv_layer_loops, pool_loops

from solutions.backprop import (
    avg_pool_backward,
    conv_layer_backward,
    max_pool_backward,
    numerical_gradient,
    relu_backward,
    sigmoid_backward,
)

FLOATS = st.integers(-20, 20).map(lambda v: v / 4)


def float_arrays(shape) -> st.SearchStrategy:
    return arrays_of(np.float64, shape)


def differences(f, x: np.ndarray, eps: float = 1e-3) -> np.ndarray:
    """Central differences, element by element: the oracle for every gradient below."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        out[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return out


def dilated(d_out: np.ndarray, stride: int) -> np.ndarray:
    """``d_out`` with ``stride - 1`` zeros between neighbouring pixels: where each output
    sat in the (unstrided) sliding of the kernel."""
    h, w = d_out.shape[:2]
    out = np.zeros(((h - 1) * stride + 1, (w - 1) * stride + 1, *d_out.shape[2:]))
    out[::stride, ::stride] = d_out
    return out


def scipy_conv_backward(d_out, image, kernels, padding, stride):
    """The three gradients with SciPy: ``d_kernels`` correlates the padded image with the
    (dilated) ``d_out``; ``d_xp`` is the full convolution of the dilated ``d_out`` with each
    kernel (convolve2d flips it); the padding is cut off."""
    xp = np.pad(image.astype(np.float64), ((padding, padding), (padding, padding), (0, 0)))
    spread = dilated(d_out, stride)
    kh, kw, c_in, c_out = kernels.shape
    d_kernels = np.zeros(kernels.shape)
    d_xp = np.zeros(xp.shape)
    for c in range(c_in):
        for o in range(c_out):
            d_kernels[:, :, c, o] = scipy.signal.correlate2d(
                xp[:, :, c], spread[:, :, o], mode="valid")[:kh, :kw]
            full = scipy.signal.convolve2d(spread[:, :, o], kernels[:, :, c, o], mode="full")
            d_xp[:full.shape[0], :full.shape[1], c] += full
    d_image = d_xp[padding:padding + image.shape[0], padding:padding + image.shape[1]]
    return d_image, d_kernels, d_out.sum(axis=(0, 1))


@st.composite
def conv_cases(draw):
    """``(d_out, image, kernels, padding, stride)`` with the kernels fitting."""
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding, stride = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    assume(kh <= h + 2 * padding and kw <= w + 2 * padding)
    image = draw(float_arrays((h, w, c_in)))
    kernels = draw(float_arrays((kh, kw, c_in, c_out)))
    out = ((h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1, c_out)
    return draw(float_arrays(out)), image, kernels, padding, stride


@settings(max_examples=100)
@given(conv_cases())
def test_conv_layer_backward_matches_scipy(case) -> None:
    d_out, image, kernels, padding, stride = case
    got = conv_layer_backward(d_out, image, kernels, padding=padding, stride=stride)
    for mine, want in zip(got, scipy_conv_backward(*case), strict=True):
        assert_close(mine, want)


@settings(max_examples=30)
@given(conv_cases())
def test_conv_layer_backward_matches_central_differences_of_the_loops(case) -> None:
    d_out, image, kernels, padding, stride = case
    bias = np.zeros(kernels.shape[3])

    def loss(x, k, b):
        return float(np.sum(conv_layer_loops(x, k, b, padding, stride) * d_out))
    d_image, d_kernels, d_bias = conv_layer_backward(d_out, image, kernels, padding, stride)
    assert_close(d_image, differences(lambda v: loss(v, kernels, bias), image))
    assert_close(d_kernels, differences(lambda v: loss(image, v, bias), kernels))
    assert_close(d_bias, differences(lambda v: loss(image, kernels, v), bias))


@settings(max_examples=100)
@given(conv_cases())
def test_conv_layer_backward_is_the_adjoint_of_the_loops(case) -> None:
    d_out, image, kernels, padding, stride = case
    forward = np.sum(conv_layer_loops(image, kernels, None, padding, stride) * d_out)
    d_image, d_kernels, _ = conv_layer_backward(d_out, image, kernels, padding, stride)
    assert_close(np.sum(image * d_image), forward)
    assert_close(np.sum(kernels * d_kernels), forward)


def test_conv_layer_backward_worked_by_hand() -> None:
    # A 3x3 image 1..9, the 2x2 kernel [[1, 2], [3, 4]], d_out all ones (2x2). By hand:
    # d_kernels[a, b] = the sum of the 2x2 block at (a, b): 12, 16, 24, 28; d_bias = 4;
    # d_image = the overlaps of the kernel placed at the 4 positions.
    image = np.arange(1.0, 10.0).reshape(3, 3, 1)
    kernels = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1, 1)
    d_image, d_kernels, d_bias = conv_layer_backward(np.ones((2, 2, 1)), image, kernels)
    assert_close(d_image[:, :, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    assert_close(d_kernels[:, :, 0, 0], [[12, 16], [24, 28]])
    assert_close(d_bias, [4.0])


def test_conv_layer_backward_of_integers_gives_floats() -> None:
    image = np.full((3, 3, 1), 200, dtype=np.uint8)  # 200 * 2 overflows uint8
    d_image, d_kernels, d_bias = conv_layer_backward(
        np.full((2, 2, 1), 2, dtype=np.uint8), image, np.ones((2, 2, 1, 1), dtype=np.uint8))
    assert {a.dtype.kind for a in (d_image, d_kernels, d_bias)} == {"f"}
    assert_close(d_kernels[:, :, 0, 0], np.full((2, 2), 4 * 400.0))


@st.composite
def pool_cases(draw, distinct: bool = False):
    """``(d_out, x, size, stride)``; ``distinct``: no ties in ``x``."""
    size = draw(st.integers(1, 3))
    stride = draw(st.one_of(st.none(), st.integers(1, 3)))
    shape = (draw(st.integers(size, 7)), draw(st.integers(size, 7)),
             *draw(st.sampled_from([(), (1,), (2,)])))
    x = draw(float_arrays(shape))
    if distinct:
        x = np.array(draw(st.permutations(range(x.size))), dtype=float).reshape(shape)
    step = size if stride is None else stride
    out = ((shape[0] - size) // step + 1, (shape[1] - size) // step + 1, *shape[2:])
    return draw(float_arrays(out)), x, size, stride


def pool_backward_loops(d_out, x, size, stride, how: str) -> np.ndarray:
    """Window by window: the max gives all to its first maximum (scanned row by row, ``>``),
    the mean 1/size^2 to each element."""
    step = size if stride is None else stride
    x3 = x.reshape(*x.shape[:2], -1)
    g3 = d_out.reshape(*d_out.shape[:2], -1)
    d_x = np.zeros(x3.shape)
    for i in range(g3.shape[0]):
        for j in range(g3.shape[1]):
            for c in range(g3.shape[2]):
                cells = [(i * step + a, j * step + b) for a in range(size) for b in range(size)]
                if how == "max":
                    best = cells[0]
                    for cell in cells[1:]:
                        if x3[cell][c] > x3[best][c]:
                            best = cell
                    d_x[best][c] += g3[i, j, c]
                else:
                    for cell in cells:
                        d_x[cell][c] += g3[i, j, c] / size**2
    return d_x.reshape(x.shape)


@settings(max_examples=100)
@given(pool_cases())
def test_max_pool_backward_matches_the_loops(case) -> None:
    d_out, x, size, stride = case
    assert_close(max_pool_backward(d_out, x, size, stride),
                 pool_backward_loops(d_out, x, size, stride, "max"))


@settings(max_examples=100)
@given(pool_cases())
def test_avg_pool_backward_matches_the_loops(case) -> None:
    d_out, x, size, stride = case
    assert_close(avg_pool_backward(d_out, x, size, stride),
                 pool_backward_loops(d_out, x, size, stride, "mean"))


@settings(max_examples=50)
@given(pool_cases(distinct=True), st.sampled_from(["max", "mean"]))
def test_pool_backward_matches_central_differences(case, how) -> None:
    d_out, x, size, stride = case
    backward = max_pool_backward if how == "max" else avg_pool_backward
    want = differences(lambda v: float(np.sum(pool_loops(v, size, stride, how) * d_out)), x)
    assert_close(backward(d_out, x, size, stride), want)


def test_max_pool_backward_ties_go_to_the_first_maximum() -> None:
    # By hand: the window [[3, 7], [7, 7]] has three maxima; the first in row order is (0, 1).
    assert_close(max_pool_backward(np.array([[2.0]]), np.array([[3, 7], [7, 7]])),
                 [[0, 2], [0, 0]])


def test_avg_pool_backward_spreads_a_quarter() -> None:
    assert_close(avg_pool_backward(np.array([[8.0]]), np.zeros((2, 3))), [[2, 2, 0], [2, 2, 0]])


@settings(max_examples=100)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(float_arrays((n,)), float_arrays((n,)))))
def test_relu_backward_matches_central_differences_away_from_zero(pair) -> None:
    d_out, x = pair
    assume(np.all(np.abs(x) > 1e-2))
    want = differences(lambda v: float(np.sum(np.maximum(v, 0) * d_out)), x, eps=1e-3)
    assert_close(relu_backward(d_out, x), want)


def test_relu_backward_is_zero_at_the_kink() -> None:
    assert_close(relu_backward(np.array([5.0, 5.0, 5.0]), np.array([-0.0, 0.0, 1e-9])),
                 [0, 0, 5])


@settings(max_examples=100)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(float_arrays((n,)), float_arrays((n,)))))
def test_sigmoid_backward_matches_expit(pair) -> None:
    d_out, x = pair
    s = scipy.special.expit(x)
    assert_close(sigmoid_backward(d_out, x), d_out * s * (1 - s))


def test_sigmoid_backward_emits_no_warning_for_large_inputs() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sigmoid_backward(np.ones(4), np.array([-1000.0, -700.0, 700.0, 1000.0]))
    assert np.all(np.isfinite(got)) and np.all(np.abs(got) < 1e-300)


def test_numerical_gradient_of_a_quadratic_is_two_x() -> None:
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    assert_close(numerical_gradient(lambda v: float(np.sum(v**2)), x), 2 * before)
    assert np.array_equal(x, before)


def test_numerical_gradient_rejects_a_step_of_zero() -> None:
    try:
        numerical_gradient(np.sum, np.ones(2), eps=0)
    except ValueError as error:
        assert "eps" in str(error)
    else:
        raise AssertionError("eps=0 must raise ValueError")
