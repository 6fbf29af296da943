# Student s001: written with plain loops and the given checks.
import numpy as np

from exercises.validation import check_fits, check_ndim, check_non_negative, check_positive


def zero_pad(x, pad):
    x = np.asarray(x)
    pad = check_non_negative("pad", pad)
    check_ndim("x", x, 1, 2, 3)
    if x.ndim == 1:
        out = np.zeros(x.shape[0] + 2 * pad, dtype=x.dtype)
        out[pad:pad + x.shape[0]] = x
        return out
    out = np.zeros((x.shape[0] + 2 * pad, x.shape[1] + 2 * pad) + x.shape[2:], dtype=x.dtype)
    out[pad:pad + x.shape[0], pad:pad + x.shape[1]] = x
    return out


def conv_output_size(input_size, kernel_size, padding=0, stride=1):
    n = check_positive("input_size", input_size)
    k = check_positive("kernel_size", kernel_size)
    p = check_non_negative("padding", padding)
    s = check_positive("stride", stride)
    check_fits("kernel_size", k, "padded input", n + 2 * p)
    return (n + 2 * p - k) // s + 1


def same_padding(kernel_size):
    k = check_positive("kernel_size", kernel_size)
    if k % 2 == 0:
        raise ValueError("kernel_size must be odd")
    return (k - 1) // 2
