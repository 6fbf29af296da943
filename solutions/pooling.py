"""Max- and average-pooling with square windows, each channel on its own."""

from typing import Any

import numpy as np
import numpy.typing as npt

from solutions.convolution import conv2d
from solutions.validation import check_fits, check_ndim, check_pool_window, check_positive


def pool_output_size(input_size: int, size: int = 2, stride: int | None = None) -> int:
    """The number of pooling windows along one axis.

        n_out = floor((n - size) / stride) + 1,   stride defaults to size

    Args:
        input_size: ``n >= 1``.
        size: the window's side, ``1 <= size <= n``.
        stride: the step between windows, ``>= 1``; None means ``size`` (no overlap).

    Returns:
        ``n_out`` as an int.

    Raises:
        ValueError: if ``input_size``, ``size`` or ``stride`` is below 1, or ``size`` is larger
            than ``input_size``. Raising it is graded; the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        2x2 pooling halves 24x24:

        >>> pool_output_size(24)
        12

        the last incomplete window is dropped:

        >>> pool_output_size(5)
        2

        >>> pool_output_size(5, size=3, stride=1)
        3

        window larger than the input:

        >>> pool_output_size(3, size=4)
        Traceback (most recent call last):
        ValueError: the pooling window size (4) is larger than input_size (3)
    """
    ### BEGIN SOLUTION
    input_size = check_positive("input_size", input_size)
    size = check_positive("size", size)
    stride = size if stride is None else check_positive("stride", stride)
    check_fits("the pooling window size", size, "input_size", input_size)
    return (input_size - size) // stride + 1
    ### END SOLUTION


def max_pool(x: npt.ArrayLike, size: int = 2, stride: int | None = None) -> npt.NDArray[Any]:
    """Keep the largest value of every ``size x size`` window.

        out[i, j, c] = max_{0 <= a, b < size} x[i*s + a, j*s + b, c]

    Max-pooling has no weights; it shrinks the feature map and makes the result
    insensitive to small shifts inside a window.

    Args:
        x: ``(H, W)`` or ``(H, W, C)``; each channel is pooled on its own.
        size: the window's side, ``1 <= size <= min(H, W)``.
        stride: the step between windows, ``>= 1``; None means ``size``.

    Returns:
        ``(Ho, Wo)`` or ``(Ho, Wo, C)``, ``Ho = floor((H - size) / stride) + 1``, ``Wo`` alike.

    Raises:
        ValueError: if ``x`` is not 2- or 3-D, ``size`` or ``stride`` is below 1, or the window
            is larger than ``x`` along an axis. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        >>> x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])

        largest of each coloured 2x2 window:

        >>> max_pool(x)
        array([[6, 8],
               [3, 4]])

        each channel on its own:

        >>> max_pool(np.stack([x, -x], axis=2))
        array([[[ 6, -1],
                [ 8, -2]],
        <BLANKLINE>
               [[ 3, -1],
                [ 4,  0]]])

        overlapping windows:

        >>> max_pool(x, stride=1)
        array([[6, 7, 8],
               [6, 7, 8],
               [3, 3, 4]])
    """
    x = np.asarray(x)
    ### BEGIN SOLUTION
    check_ndim("x", x, 2, 3)
    stride = check_pool_window(x, size, stride)
    h_out = pool_output_size(x.shape[0], size, stride)
    w_out = pool_output_size(x.shape[1], size, stride)
    # Loop over the size*size offsets inside a window, never over pixels: each offset gives
    # one strided view holding that element of every window.
    out = x[:stride * (h_out - 1) + 1:stride, :stride * (w_out - 1) + 1:stride].copy()
    for a in range(size):
        for b in range(size):
            shifted = x[a:a + stride * (h_out - 1) + 1:stride,
                        b:b + stride * (w_out - 1) + 1:stride]
            out = np.maximum(out, shifted)
    return out
    ### END SOLUTION


def avg_pool(x: npt.ArrayLike, size: int = 2,
             stride: int | None = None) -> npt.NDArray[np.float64]:
    """Average every ``size x size`` window.

        out[i, j, c] = mean_{0 <= a, b < size} x[i*s + a, j*s + b, c]

    Args:
        x: ``(H, W)`` or ``(H, W, C)``; each channel is pooled on its own.
        size: the window's side, ``1 <= size <= min(H, W)``.
        stride: the step between windows, ``>= 1``; None means ``size``.

    Returns:
        float array ``(Ho, Wo)`` or ``(Ho, Wo, C)``, sizes as for ``max_pool``.

    Raises:
        ValueError: if ``x`` is not 2- or 3-D, ``size`` or ``stride`` is below 1, or the window
            is larger than ``x`` along an axis. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        (1+1+5+6)/4 = 3.25, ...:

        >>> avg_pool(np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]))
        array([[3.25, 5.25],
               [2.  , 2.  ]])
    """
    x = np.asarray(x)
    ### BEGIN SOLUTION
    check_ndim("x", x, 2, 3)
    stride = check_pool_window(x, size, stride)
    # Average pooling is a convolution with a fixed kernel of 1/size^2, channel by channel.
    kernel = np.full((size, size), 1.0 / size**2)
    channels = x.reshape(x.shape[0], x.shape[1], -1)
    pooled = [conv2d(channels[:, :, c], kernel, stride=stride) for c in range(channels.shape[2])]
    out = np.stack(pooled, axis=2)
    return out.reshape(out.shape[:2] + x.shape[2:])
    ### END SOLUTION

