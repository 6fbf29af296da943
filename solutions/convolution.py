"""Convolution in 1-D and 2-D, a convolutional layer, and its activation functions.

"Convolution" here is what the lecture and every deep-learning framework compute: the
cross-correlation ``a_i = x_i w_1 + x_{i+1} w_2 + ...``; the kernel is *not* flipped.
"""

from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from solutions.padding import zero_pad
from solutions.validation import check_fits, check_ndim, check_non_negative, check_positive


def conv1d(x: npt.ArrayLike, w: npt.ArrayLike, padding: int = 0,
           stride: int = 1) -> npt.NDArray[np.float64]:
    """Slide the kernel ``w`` along the signal ``x``: the lecture's shared-weight layer.

        out[i] = sum_j xp[i*s + j] * w[j],   xp = zero_pad(x, padding)

    With ``x = (x1, ..., x5)`` and ``w = (w1, w2, w3)`` this is ``a1 = x1 w1 + x2 w2 + x3 w3``,
    ``a2 = x2 w1 + x3 w2 + x4 w3``, ``a3 = x3 w1 + x4 w2 + x5 w3``.

    Args:
        x: the input signal, shape ``(n,)``.
        w: the kernel, shape ``(k,)``, not empty, ``k <= n + 2 padding``.
        padding: zeros added on both sides of ``x``, ``>= 0``.
        stride: the step between two positions of the kernel, ``>= 1``.

    Returns:
        float array of shape ``(floor((n + 2 padding - k) / stride) + 1,)``.

    Raises:
        ValueError: if ``x`` or ``w`` is not 1-D, ``w`` is empty, ``padding`` is negative,
            ``stride`` is below 1, or ``w`` is longer than the padded ``x``. Raising it is
            graded; the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        a1 = 1*1 + 2*2 + 3*3, a2 = 2*1 + 3*2 + 4*3, a3 = 3*1 + 4*2 + 5*3 (not flipped):

        >>> conv1d(np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3]))
        array([14., 20., 26.])

        a difference kernel:

        >>> conv1d(np.array([1, 2, 3, 4, 5]), np.array([1, 0, -1]))
        array([-2., -2., -2.])

        padding 1 keeps the 5 outputs: 0*1 + 1*2 + 2*3 = 8, ..., 4*1 + 5*2 + 0*3 = 14:

        >>> conv1d(np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3]), padding=1)
        array([ 8., 14., 20., 26., 14.])

        every 2nd position:

        >>> conv1d(np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3]), stride=2)
        array([14., 26.])

        kernel longer than the input:

        >>> conv1d(np.array([1, 2, 3, 4, 5]), np.ones((7,)))
        Traceback (most recent call last):
        ValueError: the kernel w (7) is larger than the padded input x (5)
    """
    x, w = np.asarray(x), np.asarray(w)
    ### BEGIN SOLUTION
    check_ndim("x", x, 1)
    check_ndim("w", w, 1)
    if w.size == 0:
        raise ValueError("w must not be empty")
    padding = check_non_negative("padding", padding)  # zero_pad's message would say "pad"
    xp = zero_pad(x, padding)
    check_fits("the kernel w", w.size, "the padded input x", xp.size)
    # A signal is an image with one row; padding is already done, so pad 0 here.
    return conv2d(xp[np.newaxis, :], w[np.newaxis, :], padding=0, stride=stride)[0]
    ### END SOLUTION


def conv2d(image: npt.ArrayLike, kernel: npt.ArrayLike, padding: int = 0,
           stride: int = 1) -> npt.NDArray[np.float64]:
    """Slide a 2-D kernel over a grey image.

        out[i, j] = sum_{a, b} xp[i*s + a, j*s + b] * kernel[a, b],
        xp = zero_pad(image, padding)

    Args:
        image: ``(H, W)``.
        kernel: ``(kh, kw)``, not empty, ``kh <= H + 2 padding`` and ``kw <= W + 2 padding``.
        padding: zeros added on all four sides, ``>= 0``.
        stride: the step in both directions, ``>= 1``.

    Returns:
        float array ``(Ho, Wo)`` with ``Ho = floor((H + 2 padding - kh) / stride) + 1`` and
        ``Wo`` likewise.

    Raises:
        ValueError: if ``image`` or ``kernel`` is not 2-D, ``kernel`` is empty, ``padding`` is
            negative, ``stride`` is below 1, or the kernel is larger than the padded image along
            an axis. Raising it is graded; the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        >>> image = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
        >>> kernel = np.array([[1, 2], [3, 4]])

        1*1 + 2*2 + 4*3 + 5*4 = 37, not flipped:

        >>> conv2d(image, kernel)
        array([[37., 47.],
               [67., 77.]])

        padded to 5x5, positions (0,0), (0,2), (2,0), (2,2):

        >>> conv2d(image, kernel, padding=1, stride=2)
        array([[ 4., 18.],
               [36., 77.]])

        a 1x1 kernel of 1 copies the image:

        >>> conv2d(image, np.ones((1, 1)))
        array([[1., 2., 3.],
               [4., 5., 6.],
               [7., 8., 9.]])

        a 1-D kernel:

        >>> conv2d(image, np.array([1, 2]))
        Traceback (most recent call last):
        ValueError: kernel must have ndim 2, got ndim 1 (shape (2,))
    """
    image, kernel = np.asarray(image), np.asarray(kernel)
    ### BEGIN SOLUTION
    check_ndim("image", image, 2)
    check_ndim("kernel", kernel, 2)
    if kernel.size == 0:
        raise ValueError(f"kernel must not be empty, got shape {kernel.shape}")
    padding = check_non_negative("padding", padding)
    check_fits("kernel height", kernel.shape[0], "the padded image height",
               image.shape[0] + 2 * padding)
    check_fits("kernel width", kernel.shape[1], "the padded image width",
               image.shape[1] + 2 * padding)
    stride = check_positive("stride", stride)
    xp = zero_pad(image, padding).astype(np.float64)  # float: no overflow of uint8 images
    kh, kw = kernel.shape
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1

    # Loop over the kh*kw kernel offsets, never over pixels: each offset adds one weight
    # times the shifted, strided image, for all output pixels at once.
    out = np.zeros((h_out, w_out))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * xp[a:a + stride * (h_out - 1) + 1:stride,
                                     b:b + stride * (w_out - 1) + 1:stride]
    return out
    ### END SOLUTION


def conv_layer(image: npt.ArrayLike, kernels: npt.ArrayLike, bias: npt.ArrayLike | None = None,
               padding: int = 0, stride: int = 1) -> npt.NDArray[np.float64]:
    """A convolutional layer: ``C_out`` kernels, each spanning all input channels.

        out[i, j, o] = sum_{a, b, c} xp[i*s + a, j*s + b, c] * kernels[a, b, c, o] + bias[o]

    Args:
        image: ``(H, W, C_in)``, channels last.
        kernels: ``(kh, kw, C_in, C_out)``, not empty.
        bias: ``(C_out,)``, or None for no bias.
        padding: zeros added around the spatial axes, ``>= 0``.
        stride: the step in both directions, ``>= 1``.

    Returns:
        float array ``(Ho, Wo, C_out)``, sizes as for ``conv2d``.

    Raises:
        ValueError: if ``image`` is not 3-D or ``kernels`` not 4-D, ``kernels`` is empty, the
            image's channels are not ``C_in``, ``bias`` is not ``(C_out,)``, ``padding`` is
            negative, ``stride`` is below 1, or a kernel is larger than the padded image.
            Raising it is graded; the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        each output adds 2*2*2 ones:

        >>> conv_layer(np.ones((3, 3, 2)), np.ones((2, 2, 2, 1)))
        array([[[8.],
                [8.]],
        <BLANKLINE>
               [[8.],
                [8.]]])

        1x1 kernels: out0 = channel0 + 0.5, out1 = 2 * channel1 - 1:

        >>> image = np.array([[[1, 1], [2, 1]], [[3, 1], [4, 1]]])
        >>> conv_layer(image, np.array([[[[1, 0], [0, 2]]]]), bias=np.array([0.5, -1.0]))
        array([[[1.5, 1. ],
                [2.5, 1. ]],
        <BLANKLINE>
               [[3.5, 1. ],
                [4.5, 1. ]]])

        the kernels expect 3 channels, the image has 2:

        >>> conv_layer(np.ones((3, 3, 2)), np.ones((2, 2, 3, 1)))
        Traceback (most recent call last):
        ValueError: image has 2 channels but kernels expect C_in=3
    """
    image, kernels = np.asarray(image), np.asarray(kernels)
    ### BEGIN SOLUTION
    check_ndim("image", image, 3)
    check_ndim("kernels", kernels, 4)
    if kernels.size == 0:
        raise ValueError(f"kernels must not be empty, got shape {kernels.shape}")
    kh, kw, c_in, c_out = kernels.shape
    if image.shape[2] != c_in:
        raise ValueError(f"image has {image.shape[2]} channels but kernels expect C_in={c_in}")
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},), got {bias.shape}")
    stride = check_positive("stride", stride)
    padding = check_non_negative("padding", padding)  # zero_pad's message would say "pad"
    xp = zero_pad(image, padding).astype(np.float64)  # float: no overflow of uint8 images
    check_fits("the height of kernels", kh, "the padded image height", xp.shape[0])
    check_fits("the width of kernels", kw, "the padded image width", xp.shape[1])

    # im2col: every (kh, kw, C_in) window of the strided positions, side by side, then one
    # tensor product with the kernels sums over a, b and c for all pixels and kernels at once.
    windows = sliding_window_view(xp, (kh, kw), axis=(0, 1))[::stride, ::stride]
    out = np.tensordot(windows, kernels.astype(np.float64), axes=([3, 4, 2], [0, 1, 2]))
    if bias is not None:
        out += bias
    return out
    ### END SOLUTION


def relu(x: npt.ArrayLike) -> npt.NDArray[Any]:
    """The rectified linear unit, element-wise: ``relu(x) = max(x, 0)``.

    Args:
        x: an array of any shape.

    Returns:
        an array of the same shape.

    Raises:
        Nothing for a numeric array.

    The inputs must not be modified (also graded).

    Examples:
        >>> relu(np.array([-2.0, 0.0, 3.0]))
        array([0., 0., 3.])
    """
    x = np.asarray(x)
    ### BEGIN SOLUTION
    return np.maximum(x, 0)
    ### END SOLUTION


def sigmoid(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The logistic sigmoid, element-wise: ``sigmoid(x) = 1 / (1 + exp(-x))``.

    Must be numerically stable: no overflow warning and no NaN for any finite ``x``
    (``np.exp(1000)`` overflows, so never compute ``exp`` of a large positive number).

    Args:
        x: an array of any shape.

    Returns:
        a float array of the same shape, values in [0, 1].

    Raises:
        Nothing for a numeric array: and no ``RuntimeWarning`` either (an overflow warning is
            graded as a failure).

    The inputs must not be modified (also graded).

    Examples:
        1 / (1 + 1/3) = 0.75:

        >>> sigmoid(np.array([0.0, np.log(3.0)]))
        array([0.5 , 0.75])

        no overflow for large inputs:

        >>> sigmoid(np.array([-1000.0, 1000.0]))
        array([0., 1.])
    """
    x = np.asarray(x)
    ### BEGIN SOLUTION
    # exp(-|x|) lies in (0, 1], so it never overflows; the two forms are equal.
    e = np.exp(-np.abs(x.astype(np.float64)))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def dilated_conv2d(image: npt.ArrayLike, kernel: npt.ArrayLike, dilation: int = 1,
                   padding: int = 0, stride: int = 1) -> npt.NDArray[np.float64]:
    """Bonus: a 2-D convolution whose kernel taps are ``dilation`` pixels apart (a dilated, or
    atrous, convolution): a 3x3 kernel with dilation 2 sees 5x5 pixels with only 9 weights.

        out[i, j] = sum_{a, b} xp[i*s + a*d, j*s + b*d] * kernel[a, b],
        xp = zero_pad(image, padding)

    The kernel itself is dilated, never the image: along each axis it spans
    ``(k - 1) * dilation + 1`` pixels, its *effective size*. ``dilation=1`` is ``conv2d``.

    Args:
        image: ``(H, W)``.
        kernel: ``(kh, kw)``, not empty; its effective size fits the padded image:
            ``(kh - 1) * dilation + 1 <= H + 2 padding``, and likewise for ``kw``.
        dilation: the distance between two neighbouring taps of the kernel, ``>= 1``.
        padding: zeros added on all four sides, ``>= 0``.
        stride: the step in both directions, ``>= 1``.

    Returns:
        float array ``(Ho, Wo)`` with ``Ho = floor((H + 2 padding - ((kh - 1) dilation + 1))
        / stride) + 1`` and ``Wo`` likewise.

    Raises:
        ValueError: if ``image`` or ``kernel`` is not 2-D, ``kernel`` is empty, ``dilation`` or
            ``stride`` is below 1, ``padding`` is negative, or the dilated kernel is larger
            than the padded image along an axis. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        >>> image = np.arange(1, 26).reshape(5, 5)
        >>> kernel = np.array([[1, 2], [3, 4]])

        the taps of a 2x2 kernel with dilation 2 are the corners of a 3x3 window:
        1*1 + 2*3 + 3*11 + 4*13 = 92:

        >>> dilated_conv2d(image, kernel, dilation=2)
        array([[ 92., 102., 112.],
               [142., 152., 162.],
               [192., 202., 212.]])

        padded to 7x7, positions (0,0), (0,2), ..., (4,4): the first one sees only 4*7:

        >>> dilated_conv2d(image, kernel, dilation=2, padding=1, stride=2)
        array([[ 28.,  57.,  27.],
               [ 82., 152.,  66.],
               [ 34.,  55.,  19.]])

        dilation 1 is conv2d (its first example):

        >>> dilated_conv2d(np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), kernel, dilation=1)
        array([[37., 47.],
               [67., 77.]])

        a 3x3 kernel with dilation 2 spans 5 pixels, more than a 4x4 image has:

        >>> dilated_conv2d(np.ones((4, 4)), np.ones((3, 3)), dilation=2)
        Traceback (most recent call last):
        ValueError: the dilated kernel height (5) is larger than the padded image height (4)

        a dilation below 1:

        >>> dilated_conv2d(image, kernel, dilation=0)
        Traceback (most recent call last):
        ValueError: dilation must be at least 1, got 0
    """
    image, kernel = np.asarray(image), np.asarray(kernel)
    ### BEGIN SOLUTION
    check_ndim("image", image, 2)
    check_ndim("kernel", kernel, 2)
    if kernel.size == 0:
        raise ValueError(f"kernel must not be empty, got shape {kernel.shape}")
    dilation = check_positive("dilation", dilation)
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    kh, kw = ((k - 1) * dilation + 1 for k in kernel.shape)  # the effective size
    check_fits("the dilated kernel height", kh, "the padded image height",
               image.shape[0] + 2 * padding)
    check_fits("the dilated kernel width", kw, "the padded image width",
               image.shape[1] + 2 * padding)
    xp = zero_pad(image, padding).astype(np.float64)  # float: no overflow of uint8 images
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1

    # As conv2d, one kernel weight at a time, but the weight kernel[a, b] now meets the
    # pixels a * dilation rows and b * dilation columns away from the window's corner.
    out = np.zeros((h_out, w_out))
    for a in range(kernel.shape[0]):
        for b in range(kernel.shape[1]):
            top, left = a * dilation, b * dilation
            out += kernel[a, b] * xp[top:top + stride * (h_out - 1) + 1:stride,
                                     left:left + stride * (w_out - 1) + 1:stride]
    return out
    ### END SOLUTION
