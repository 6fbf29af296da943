"""Zero padding and the size of a convolution's output."""

from typing import Any

import numpy as np
import numpy.typing as npt

from solutions.validation import check_fits, check_ndim, check_non_negative, check_positive


def zero_pad(x: npt.ArrayLike, pad: int) -> npt.NDArray[Any]:
    """Surround the spatial axes of ``x`` with ``pad`` zeros on both sides.

    Padding lets the kernel visit the border pixels as often as the centre ones and, with
    ``pad = (k - 1) // 2``, keeps the output as large as the input.

    Args:
        x: a signal ``(n,)``, a grey image ``(H, W)`` or an image ``(H, W, C)``.
        pad: the number of zeros added before and after each spatial axis, ``pad >= 0``.
            The channel axis of a 3-D ``x`` is never padded.

    Returns:
        ``(n + 2 pad,)``, ``(H + 2 pad, W + 2 pad)`` or ``(H + 2 pad, W + 2 pad, C)``,
        with the dtype of ``x``.

    Raises:
        ValueError: if ``pad`` is negative, or ``x`` is not 1-, 2- or 3-D. Raising it is graded;
            the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        one zero on each side:

        >>> zero_pad(np.array([1, 2, 3]), 1)
        array([0, 1, 2, 3, 0])

        a frame of zeros:

        >>> zero_pad(np.array([[1, 2], [3, 4]]), 1)
        array([[0, 0, 0, 0],
               [0, 1, 2, 0],
               [0, 3, 4, 0],
               [0, 0, 0, 0]])

        channels are never padded:

        >>> zero_pad(np.ones((1, 1, 2), dtype=int), 1)
        array([[[0, 0],
                [0, 0],
                [0, 0]],
        <BLANKLINE>
               [[0, 0],
                [1, 1],
                [0, 0]],
        <BLANKLINE>
               [[0, 0],
                [0, 0],
                [0, 0]]])

        negative padding:

        >>> zero_pad(np.array([1, 2]), -1)
        Traceback (most recent call last):
        ValueError: pad must not be negative, got -1
    """
    x = np.asarray(x)
    ### BEGIN SOLUTION
    pad = check_non_negative("pad", pad)
    check_ndim("x", x, 1, 2, 3)
    n_spatial = min(x.ndim, 2)  # the third axis holds channels
    widths = [(pad, pad)] * n_spatial + [(0, 0)] * (x.ndim - n_spatial)
    return np.pad(x, widths, mode="constant")
    ### END SOLUTION


def conv_output_size(input_size: int, kernel_size: int, padding: int = 0,
                     stride: int = 1) -> int:
    """The number of positions a kernel takes along one axis.

        n_out = floor((n + 2p - k) / s) + 1

    A last window that does not fit completely is dropped (the floor).

    Args:
        input_size: ``n``, the length of the input along the axis, ``n >= 1``.
        kernel_size: ``k``, at least 1 and at most ``n + 2p``.
        padding: ``p``, zeros added on both sides, ``p >= 0``.
        stride: ``s``, the step between two positions, ``s >= 1``.

    Returns:
        ``n_out`` as an int.

    Raises:
        ValueError: if ``input_size``, ``kernel_size`` or ``stride`` is below 1, ``padding`` is
            negative, or the kernel is larger than the padded input. Raising it is graded; the
            message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        lecture: 5 inputs, kernel of 3 -> a1, a2, a3:

        >>> conv_output_size(5, 3)
        3

        zero padding keeps the size:

        >>> conv_output_size(5, 3, padding=1)
        5

        24x24 image, 5x5 kernel:

        >>> conv_output_size(24, 5)
        20

        (7 - 3) / 2 + 1:

        >>> conv_output_size(7, 3, stride=2)
        3

        floor((6 - 3) / 2) + 1:

        >>> conv_output_size(6, 3, stride=2)
        2

        stride below 1:

        >>> conv_output_size(5, 3, stride=0)
        Traceback (most recent call last):
        ValueError: stride must be at least 1, got 0
    """
    ### BEGIN SOLUTION
    input_size = check_positive("input_size", input_size)
    kernel_size = check_positive("kernel_size", kernel_size)
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    padded = input_size + 2 * padding
    check_fits("kernel_size", kernel_size, "the padded input_size", padded)
    return (padded - kernel_size) // stride + 1
    ### END SOLUTION


def same_padding(kernel_size: int) -> int:
    """The padding that keeps the output size equal to the input size at stride 1.

        p = (k - 1) / 2,   only possible for an odd k

    Args:
        kernel_size: ``k``, odd and at least 1.

    Returns:
        ``p`` as an int.

    Raises:
        ValueError: if ``kernel_size`` is even or below 1. Raising it is graded; the message
            names the argument.

    The inputs must not be modified (also graded).

    Examples:
        >>> same_padding(3)
        1

        >>> same_padding(5)
        2

        an even kernel cannot keep the size:

        >>> same_padding(4)
        Traceback (most recent call last):
        ValueError: kernel_size must be odd to keep the size, got 4
    """
    ### BEGIN SOLUTION
    kernel_size = check_positive("kernel_size", kernel_size)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd to keep the size, got {kernel_size}")
    return (kernel_size - 1) // 2
    ### END SOLUTION
