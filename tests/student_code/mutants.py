"""Realistic wrong answers, one bug each, as students write them.

Each ``Mutant`` replaces one graded function of an otherwise perfect submission. The bugs
are the ones the lecture's exercises invite: a flipped kernel (true convolution), a missing
``+ 1`` in an output size, a stride applied to the rows only, a pooling stride that defaults
to 1, a sigmoid that overflows, and so on. Where a mutant needs another exercise function it
imports the reference (``solutions``): it stands for the student's own, correct, version.

Validation uses the given helpers (``exercises.validation``, ``exercises.architecture``), as a
student would, so each mutant is wrong in one way only; ``only_fails`` names the checks a
mutant must fail when its bug shows nowhere else (e.g. a missing ``ValueError``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from exercises.architecture import POOLING, check_input_shape, layer_settings
from exercises.validation import check_fits, check_ndim, check_non_negative, check_positive
from solutions.padding import zero_pad
from solutions.weights import output_shape


@dataclass(frozen=True)
class Mutant:
    function: str
    description: str
    implementation: Callable
    only_fails: tuple[str, ...] = ()  # check ids; empty: any failing check will do
    suite_gap: str = ""  # why the hidden suite does not catch this one (a reported bug)

    @property
    def id(self) -> str:
        return f"{self.function}: {self.description}"


# --- padding ---------------------------------------------------------------------------------

def _checked_pad(x, pad) -> tuple[np.ndarray, int]:
    x = np.asarray(x)
    pad = check_non_negative("pad", pad)
    check_ndim("x", x, 1, 2, 3)
    return x, pad


def zero_pad_pads_channels(x, pad):
    x, pad = _checked_pad(x, pad)
    return np.pad(x, pad)  # every axis, the channels too


def zero_pad_one_side(x, pad):
    x, pad = _checked_pad(x, pad)
    spatial = min(x.ndim, 2)
    return np.pad(x, [(pad, 0)] * spatial + [(0, 0)] * (x.ndim - spatial))


def zero_pad_all_at_the_end(x, pad):
    x, pad = _checked_pad(x, pad)
    spatial = min(x.ndim, 2)
    out = np.zeros([n + 2 * pad if axis < spatial else n for axis, n in enumerate(x.shape)],
                   x.dtype)
    out[tuple(slice(0, n) for n in x.shape[:spatial])] = x  # the right size, in the corner
    return out


def zero_pad_float_result(x, pad):
    x, pad = _checked_pad(x, pad)
    spatial = min(x.ndim, 2)
    out = np.zeros([n + 2 * pad if axis < spatial else n for axis, n in enumerate(x.shape)])
    out[tuple(slice(pad, pad + n) for n in x.shape[:spatial])] = x
    return out


def zero_pad_accepts_4d(x, pad):
    x = np.asarray(x)
    pad = check_non_negative("pad", pad)
    spatial = min(x.ndim, 2)  # no ndim check: a 4-D array is padded too
    return np.pad(x, [(pad, pad)] * spatial + [(0, 0)] * (x.ndim - spatial))


def _checked_sizes(n, k, p, s) -> None:
    check_positive("input_size", n)
    check_positive("kernel_size", k)
    check_non_negative("padding", p)
    check_positive("stride", s)
    check_fits("kernel_size", k, "the padded input", n + 2 * p)


def conv_output_size_no_plus_one(input_size, kernel_size, padding=0, stride=1):
    _checked_sizes(input_size, kernel_size, padding, stride)
    return (input_size + 2 * padding - kernel_size) // stride


def conv_output_size_ceil(input_size, kernel_size, padding=0, stride=1):
    _checked_sizes(input_size, kernel_size, padding, stride)
    return math.ceil((input_size + 2 * padding - kernel_size) / stride) + 1


def conv_output_size_ignores_stride(input_size, kernel_size, padding=0, stride=1):
    _checked_sizes(input_size, kernel_size, padding, stride)
    return input_size + 2 * padding - kernel_size + 1


def conv_output_size_true_division(input_size, kernel_size, padding=0, stride=1):
    _checked_sizes(input_size, kernel_size, padding, stride)
    return (input_size + 2 * padding - kernel_size) / stride + 1


def conv_output_size_no_checks(input_size, kernel_size, padding=0, stride=1):
    return (input_size + 2 * padding - kernel_size) // stride + 1


def same_padding_accepts_even(kernel_size):
    return kernel_size // 2


def same_padding_positive_only(kernel_size):
    """Checks that the kernel has a size, not that it is odd."""
    return check_positive("kernel_size", kernel_size) // 2


def same_padding_float(kernel_size):
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd and positive, got {kernel_size}")
    return (kernel_size - 1) / 2


# --- convolution -----------------------------------------------------------------------------

def _checked_1d(x, w, padding, stride) -> tuple[np.ndarray, np.ndarray, int, int]:
    x, w = np.asarray(x), np.asarray(w)
    check_ndim("x", x, 1)
    check_ndim("w", w, 1)
    if w.size == 0:
        raise ValueError("w must not be empty")
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    check_fits("w", w.size, "the padded x", x.size + 2 * padding)
    return x, w, padding, stride


def conv1d_flipped_kernel(x, w, padding=0, stride=1):
    x, w, padding, stride = _checked_1d(x, w, padding, stride)
    # np.convolve flips the kernel: the mathematician's convolution, not the lecture's.
    return np.convolve(zero_pad(x, padding).astype(float), w, mode="valid")[::stride]


def conv1d_ignores_stride(x, w, padding=0, stride=1):
    x, w, padding, stride = _checked_1d(x, w, padding, stride)
    xp = zero_pad(x, padding).astype(float)
    return np.array([xp[i:i + w.size] @ w for i in range(xp.size - w.size + 1)])


def conv1d_pads_one_side(x, w, padding=0, stride=1):
    x, w, padding, stride = _checked_1d(x, w, padding, stride)
    xp = np.concatenate([np.zeros(padding), x])
    n_out = (xp.size - w.size) // stride + 1
    return np.array([xp[i * stride:i * stride + w.size] @ w for i in range(n_out)], float)


def conv1d_pads_at_the_end(x, w, padding=0, stride=1):
    x, w, padding, stride = _checked_1d(x, w, padding, stride)
    xp = np.append(x.astype(float), np.zeros(2 * padding))  # every zero after the signal
    n_out = (xp.size - w.size) // stride + 1
    return np.array([xp[i * stride:i * stride + w.size] @ w for i in range(n_out)], float)


def conv1d_in_input_dtype(x, w, padding=0, stride=1):
    x, w, padding, stride = _checked_1d(x, w, padding, stride)
    xp = zero_pad(x, padding)  # still uint8 for a uint8 image: the dot product wraps
    n_out = (xp.size - w.size) // stride + 1
    out = np.zeros(n_out)
    for i in range(n_out):
        out[i] = np.dot(xp[i * stride:i * stride + w.size], w)
    return out


def _checked_2d(image, kernel, padding, stride) -> tuple[np.ndarray, np.ndarray, int, int]:
    image, kernel = np.asarray(image), np.asarray(kernel)
    check_ndim("image", image, 2)
    check_ndim("kernel", kernel, 2)
    if kernel.size == 0:
        raise ValueError("kernel must not be empty")
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    for axis in (0, 1):
        check_fits("kernel", kernel.shape[axis], "the padded image", image.shape[axis]
                   + 2 * padding)
    return image, kernel, padding, stride


def _slide(xp: np.ndarray, kernel: np.ndarray, rows: range, cols: range) -> np.ndarray:
    kh, kw = kernel.shape
    return np.array([[np.sum(xp[i:i + kh, j:j + kw] * kernel) for j in cols] for i in rows],
                    dtype=float).reshape(len(rows), len(cols))


def conv2d_flipped_kernel(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _checked_2d(image, kernel, padding, stride)
    xp = zero_pad(image, padding).astype(float)
    kernel = kernel[::-1, ::-1]  # "convolution flips the kernel", says the textbook
    kh, kw = kernel.shape
    return _slide(xp, kernel, range(0, xp.shape[0] - kh + 1, stride),
                  range(0, xp.shape[1] - kw + 1, stride))


def conv2d_stride_rows_only(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _checked_2d(image, kernel, padding, stride)
    xp = zero_pad(image, padding).astype(float)
    kh, kw = kernel.shape
    return _slide(xp, kernel, range(0, xp.shape[0] - kh + 1, stride),
                  range(0, xp.shape[1] - kw + 1))


def conv2d_transposed_kernel(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _checked_2d(image, kernel, padding, stride)
    xp = zero_pad(image, padding).astype(float)
    kernel = kernel.T  # rows and columns mixed up
    kh, kw = kernel.shape
    return _slide(xp, kernel, range(0, xp.shape[0] - kh + 1, stride),
                  range(0, xp.shape[1] - kw + 1, stride))


def conv2d_window_times_transposed_kernel(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _checked_2d(image, kernel, padding, stride)
    xp = zero_pad(image, padding).astype(float)
    kh, kw = kernel.shape
    rows, cols = (xp.shape[0] - kh) // stride + 1, (xp.shape[1] - kw) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            # (W, H) for (H, W): numpy broadcasts a 1 x k kernel, raises for 2 x 3
            out[i, j] = (xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
                         * kernel.T).sum()
    return out


def conv2d_pads_at_the_end(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _checked_2d(image, kernel, padding, stride)
    h, w = image.shape
    xp = np.zeros((h + 2 * padding, w + 2 * padding))
    xp[:h, :w] = image  # every zero below and to the right of the image
    kh, kw = kernel.shape
    return _slide(xp, kernel, range(0, xp.shape[0] - kh + 1, stride),
                  range(0, xp.shape[1] - kw + 1, stride))


def conv2d_no_plus_one(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _checked_2d(image, kernel, padding, stride)
    xp = zero_pad(image, padding).astype(float)
    kh, kw = kernel.shape
    h_out, w_out = (xp.shape[0] - kh) // stride, (xp.shape[1] - kw) // stride
    return _slide(xp, kernel, range(0, h_out * stride, stride),
                  range(0, w_out * stride, stride))


def conv2d_size_without_padding(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _checked_2d(image, kernel, padding, stride)
    xp = zero_pad(image, padding).astype(float)
    kh, kw = kernel.shape
    h_out = max(0, (image.shape[0] - kh) // stride + 1)  # the unpadded size
    w_out = max(0, (image.shape[1] - kw) // stride + 1)
    return _slide(xp, kernel, range(0, h_out * stride, stride),
                  range(0, w_out * stride, stride))


def conv2d_checks_the_kernel_area(image, kernel, padding=0, stride=1):
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel)
    check_ndim("image", image, 2)
    check_ndim("kernel", kernel, 2)
    if kernel.size == 0:
        raise ValueError("kernel must not be empty")
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    xp = zero_pad(image, padding)
    if kernel.size > xp.size:  # a kernel too wide but short enough still passes
        raise ValueError("the kernel is larger than the padded image")
    kh, kw = kernel.shape
    return _slide(xp, kernel, range(0, max(0, xp.shape[0] - kh + 1), stride),
                  range(0, max(0, xp.shape[1] - kw + 1), stride))


def conv2d_in_input_dtype(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _checked_2d(image, kernel, padding, stride)
    xp = zero_pad(image, padding)  # uint8 stays uint8: tensordot wraps around
    kh, kw = kernel.shape
    rows, cols = range(0, xp.shape[0] - kh + 1, stride), range(0, xp.shape[1] - kw + 1, stride)
    return np.array([[np.tensordot(xp[i:i + kh, j:j + kw], kernel) for j in cols]
                     for i in rows], dtype=float)


def _checked_dilated(image, kernel, dilation, padding, stride, apart=None):
    """The checked arguments; the dilated kernel's taps are ``apart`` pixels apart (None:
    ``dilation``) where its size is checked."""
    image, kernel = np.asarray(image), np.asarray(kernel)
    check_ndim("image", image, 2)
    check_ndim("kernel", kernel, 2)
    if kernel.size == 0:
        raise ValueError("kernel must not be empty")
    dilation = check_positive("dilation", dilation)
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    for axis in (0, 1):
        check_fits("the dilated kernel", (kernel.shape[axis] - 1) * (apart or dilation) + 1,
                   "the padded image", image.shape[axis] + 2 * padding)
    return image, kernel, dilation, padding, stride


def dilated_conv2d_dilates_the_input(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel, dilation, padding, stride = _checked_dilated(image, kernel, dilation,
                                                                padding, stride)
    # "Dilation skips pixels": every d-th pixel of the image, under the plain kernel.
    xp = zero_pad(image, padding).astype(float)[::dilation, ::dilation]
    kh, kw = kernel.shape
    return _slide(xp, kernel, range(0, xp.shape[0] - kh + 1, stride),
                  range(0, xp.shape[1] - kw + 1, stride))


def dilated_conv2d_pads_at_the_end(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel, dilation, padding, stride = _checked_dilated(image, kernel, dilation,
                                                                padding, stride)
    xp = np.pad(image.astype(float), ((0, 2 * padding), (0, 2 * padding)))  # one side only
    kh, kw = kernel.shape
    span_h, span_w = (kh - 1) * dilation + 1, (kw - 1) * dilation + 1
    rows = range(0, xp.shape[0] - span_h + 1, stride)
    cols = range(0, xp.shape[1] - span_w + 1, stride)
    return np.array([[np.sum(xp[i:i + span_h:dilation, j:j + span_w:dilation] * kernel)
                      for j in cols] for i in rows], dtype=float).reshape(len(rows), len(cols))


def dilated_conv2d_d_zeros_between_taps(image, kernel, dilation=1, padding=0, stride=1):
    """Builds the dilated kernel with d zeros between the taps (d + 1 apart)."""
    gap = check_positive("dilation", dilation) + 1
    image, kernel, dilation, padding, stride = _checked_dilated(image, kernel, dilation,
                                                                padding, stride, apart=gap)
    big = np.zeros(((kernel.shape[0] - 1) * gap + 1, (kernel.shape[1] - 1) * gap + 1))
    big[::gap, ::gap] = kernel
    xp = zero_pad(image, padding).astype(float)
    rows = range(0, xp.shape[0] - big.shape[0] + 1, stride)
    cols = range(0, xp.shape[1] - big.shape[1] + 1, stride)
    return _slide(xp, big, rows, cols)


def dilated_conv2d_spans_k_times_d(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel, dilation, padding, stride = _checked_dilated(image, kernel, dilation,
                                                                padding, stride)
    xp = zero_pad(image, padding).astype(float)
    kh, kw = kernel.shape
    rows = range(0, xp.shape[0] - kh * dilation + 1, stride)  # k * d wide, not (k - 1) * d + 1
    cols = range(0, xp.shape[1] - kw * dilation + 1, stride)
    return np.array([[sum(kernel[a, b] * xp[i + a * dilation, j + b * dilation]
                          for a in range(kh) for b in range(kw)) for j in cols]
                     for i in rows], dtype=float).reshape(len(rows), len(cols))

def _checked_layer(image, kernels, bias, padding, stride):
    image, kernels = np.asarray(image), np.asarray(kernels)
    check_ndim("image", image, 3)
    check_ndim("kernels", kernels, 4)
    if kernels.size == 0:
        raise ValueError("kernels must not be empty")
    if image.shape[2] != kernels.shape[2]:
        raise ValueError("image channels and kernels' C_in differ")
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (kernels.shape[3],):
            raise ValueError("bias must have shape (C_out,)")
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    for axis in (0, 1):
        check_fits("kernels", kernels.shape[axis], "the padded image", image.shape[axis]
                   + 2 * padding)
    return image, kernels, bias, padding, stride


def _layer_loops(xp: np.ndarray, kernels: np.ndarray, stride: int, channels=None):
    """out[i, j, o] = sum over the window and ``channels`` (default: all)."""
    kh, kw, c_in, c_out = kernels.shape
    channels = range(c_in) if channels is None else channels
    h_out, w_out = (xp.shape[0] - kh) // stride + 1, (xp.shape[1] - kw) // stride + 1
    out = np.zeros((h_out, w_out, c_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
            for o in range(c_out):
                out[i, j, o] = sum(np.sum(window[:, :, c] * kernels[:, :, c, o])
                                   for c in channels)
    return out


def conv_layer_forgets_bias(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _checked_layer(image, kernels, bias, padding,
                                                           stride)
    return _layer_loops(zero_pad(image, padding).astype(float), kernels, stride)


def conv_layer_bias_per_input_channel(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _checked_layer(image, kernels, bias, padding,
                                                           stride)
    xp = zero_pad(image, padding).astype(float)
    out = 0
    for c in range(kernels.shape[2]):  # one conv2d per input channel, each with the bias
        part = _layer_loops(xp, kernels, stride, channels=[c])
        out = out + (part if bias is None else part + bias)
    return out


def conv_layer_first_channel_only(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _checked_layer(image, kernels, bias, padding,
                                                           stride)
    out = _layer_loops(zero_pad(image, padding).astype(float), kernels, stride, channels=[0])
    return out if bias is None else out + bias


def conv_layer_im2col_wrong_order(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _checked_layer(image, kernels, bias, padding,
                                                           stride)
    xp = zero_pad(image, padding).astype(float)
    kh, kw, _, c_out = kernels.shape
    h_out, w_out = (xp.shape[0] - kh) // stride + 1, (xp.shape[1] - kw) // stride + 1
    # Patches flattened channel-first, kernels flattened channels-last: they do not match.
    patches = np.array([xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
                        .transpose(2, 0, 1).ravel()
                        for i in range(h_out) for j in range(w_out)])
    out = (patches @ kernels.reshape(-1, c_out)).reshape(h_out, w_out, c_out)
    return out if bias is None else out + bias


def conv_layer_checks_the_height_only(image, kernels, bias=None, padding=0, stride=1):
    image, kernels = np.asarray(image), np.asarray(kernels)
    check_ndim("image", image, 3)
    check_ndim("kernels", kernels, 4)
    if kernels.size == 0:
        raise ValueError("kernels must not be empty")
    if image.shape[2] != kernels.shape[2]:
        raise ValueError("image channels and kernels' C_in differ")
    if bias is not None and np.shape(bias) != (kernels.shape[3],):
        raise ValueError("bias must have shape (C_out,)")
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    check_fits("kernels", kernels.shape[0], "the padded image", image.shape[0] + 2 * padding)
    xp = zero_pad(image, padding).astype(float)
    out = _layer_loops(xp, kernels, stride)  # too wide: no columns, or numpy's own error
    return out if bias is None else out + np.asarray(bias)


def conv_layer_square_kernel_assumed(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _checked_layer(image, kernels, bias, padding,
                                                           stride)
    xp = zero_pad(image, padding).astype(float)
    kh, kw, _, c_out = kernels.shape
    # "k x k", as in the lecture: both output sizes come from kh
    h_out, w_out = ((n - kh) // stride + 1 for n in xp.shape[:2])
    out = np.zeros((h_out, w_out, c_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] = np.tensordot(window, kernels, axes=3)
    return out if bias is None else out + bias


def conv_layer_starts_from_the_bias(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _checked_layer(image, kernels, bias, padding,
                                                           stride)
    xp = zero_pad(image, padding).astype(float)
    kh, kw, _, c_out = kernels.shape
    h_out, w_out = (xp.shape[0] - kh) // stride + 1, (xp.shape[1] - kw) // stride + 1
    # The output starts as a copy of the bias: an integer bias makes an integer output,
    # and every sum written into it is truncated.
    out = np.zeros((h_out, w_out, c_out)) if bias is None else np.tile(bias, (h_out, w_out, 1))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] += np.tensordot(window, kernels, axes=3)
    return out


def conv_layer_kernel_axes_swapped(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _checked_layer(image, kernels, bias, padding,
                                                           stride)
    xp = zero_pad(image, padding).astype(float)
    kh, kw = kernels.shape[:2]
    last_row, last_col = ((n - k) // stride * stride for n, k in zip(xp.shape[:2], (kh, kw),
                                                                     strict=True))
    # kernels[b, a]: read as (kw, kh, ...); a non-square kernel indexes past its end
    out = sum(xp[a:a + last_row + 1:stride, b:b + last_col + 1:stride] @ kernels[b, a]
              for a in range(kh) for b in range(kw))
    return out if bias is None else out + bias


def conv_layer_pads_at_the_end(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _checked_layer(image, kernels, bias, padding,
                                                           stride)
    xp = np.pad(image.astype(float), ((0, 2 * padding), (0, 2 * padding), (0, 0)))
    out = _layer_loops(xp, kernels, stride)
    return out if bias is None else out + bias


def conv_layer_in_input_dtype(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _checked_layer(image, kernels, bias, padding,
                                                           stride)
    xp = zero_pad(image, padding)  # uint8 stays uint8: tensordot wraps around
    kh, kw, _, c_out = kernels.shape
    h_out, w_out = (xp.shape[0] - kh) // stride + 1, (xp.shape[1] - kw) // stride + 1
    out = np.zeros((h_out, w_out, c_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] = np.tensordot(window, kernels, axes=3)
    return out if bias is None else out + bias


def relu_in_place(x):
    x = np.asarray(x)
    x[x < 0] = 0  # changes the caller's array
    return x


def relu_returns_the_derivative(x):
    x = np.asarray(x)
    return (x > 0).astype(x.dtype)


def sigmoid_overflows(x):
    x = np.asarray(x, dtype=float)
    return 1 / (1 + np.exp(-x))  # exp(1000) overflows (with a warning) for x = -1000


def sigmoid_where_both_branches(x):
    x = np.asarray(x, dtype=float)
    # "stable": but np.where computes both branches, and one of them overflows
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def sigmoid_clips_in_place(x):
    x = np.asarray(x, dtype=float)  # a float array: the caller's own
    np.clip(x, -500, 500, out=x)  # exp(500) fits in a float64: no overflow, no warning
    return 1 / (1 + np.exp(-x))


def sigmoid_wrong_sign(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, e / (1 + e), 1 / (1 + e))  # the two branches swapped


# --- pooling ---------------------------------------------------------------------------------

def _checked_pool_size(n, size, stride) -> None:
    check_positive("input_size", n)
    check_positive("size", size)
    check_positive("stride", stride)
    check_fits("size", size, "input_size", n)


def pool_output_size_stride_one(input_size, size=2, stride=None):
    stride = 1 if stride is None else stride  # the conv default, not the pooling one
    _checked_pool_size(input_size, size, stride)
    return (input_size - size) // stride + 1


def pool_output_size_ignores_stride(input_size, size=2, stride=None):
    _checked_pool_size(input_size, size, size if stride is None else stride)
    return input_size // size


def pool_output_size_ceil(input_size, size=2, stride=None):
    stride = size if stride is None else stride
    _checked_pool_size(input_size, size, stride)
    return math.ceil((input_size - size) / stride) + 1


def _windows(x, size, stride):
    """Each window ``(size, size[, C])`` by output position, and the output's (h, w)."""
    x = np.asarray(x)
    check_ndim("x", x, 2, 3)
    stride = size if stride is None else stride
    for n in x.shape[:2]:
        _checked_pool_size(n, size, stride)
    h, w = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1
    return x, [[x[i * stride:i * stride + size, j * stride:j * stride + size]
                for j in range(w)] for i in range(h)]


def _pooled(x, windows, reduce) -> np.ndarray:
    return np.array([[reduce(win) for win in row] for row in windows]).reshape(
        len(windows), len(windows[0]), *x.shape[2:])


def max_pool_stride_one(x, size=2, stride=None):
    x, windows = _windows(x, size, 1 if stride is None else stride)
    return _pooled(x, windows, lambda win: win.max(axis=(0, 1)))


def max_pool_returns_argmax(x, size=2, stride=None):
    x, windows = _windows(x, size, stride)
    return _pooled(x, windows, lambda win: win.reshape(size * size, -1).argmax(axis=0))


def max_pool_across_channels(x, size=2, stride=None):
    x, windows = _windows(x, size, stride)
    return np.array([[win.max() for win in row] for row in windows])


def max_pool_ignores_stride(x, size=2, stride=None):
    x, windows = _windows(x, size, None)  # the stride argument is never used
    return _pooled(x, windows, lambda win: win.max(axis=(0, 1)))


def max_pool_by_blocks(x, size=2, stride=None):
    x = np.asarray(x)
    check_ndim("x", x, 2, 3)  # no size check, and the stride is never used
    h, w = x.shape[0] // size, x.shape[1] // size
    blocks = x[:h * size, :w * size].reshape(h, size, w, size, *x.shape[2:])
    return blocks.swapaxes(1, 2).reshape(h, w, size * size, *x.shape[2:]).max(axis=2)


def avg_pool_integer_division(x, size=2, stride=None):
    x, windows = _windows(x, size, stride)
    return _pooled(x, windows, lambda win: win.sum(axis=(0, 1)) // (size * size)).astype(float)


def avg_pool_divides_by_size(x, size=2, stride=None):
    x, windows = _windows(x, size, stride)
    return _pooled(x, windows, lambda win: win.sum(axis=(0, 1)) / size).astype(float)


def avg_pool_by_blocks(x, size=2, stride=None):
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        return avg_pool_by_blocks(x[:, :, None], size, stride)[:, :, 0]
    rows, cols = x.shape[0] // size, x.shape[1] // size  # whole blocks; stride never used
    out = np.empty((rows, cols, x.shape[2]))
    for c in range(x.shape[2]):
        cropped = x[:rows * size, :cols * size, c]
        out[:, :, c] = cropped.reshape(rows, size, cols, size).mean(axis=(1, 3))
    return out


def avg_pool_keeps_partial_windows(x, size=2, stride=None):
    x = np.asarray(x)
    check_ndim("x", x, 2, 3)
    stride = size if stride is None else stride
    for n in x.shape[:2]:
        _checked_pool_size(n, size, stride)
    # ceil mode: a last window that sticks out is averaged over what is there.
    rows, cols = range(0, x.shape[0] - size + stride, stride), range(
        0, x.shape[1] - size + stride, stride)
    return np.array([[x[i:i + size, j:j + size].mean(axis=(0, 1)) for j in cols]
                     for i in rows])


# --- weights ---------------------------------------------------------------------------------

def n_input_features_ignores_channels(height, width, channels=1):
    check_positive("channels", channels)
    return check_positive("height", height) * check_positive("width", width)


def dense_weights_counts_biases(n_inputs, n_outputs):
    n_outputs = check_positive("n_outputs", n_outputs)
    return check_positive("n_inputs", n_inputs) * n_outputs + n_outputs


def sparse_weights_n_times_k(n_inputs, kernel_size):
    n_inputs = check_positive("n_inputs", n_inputs)
    kernel_size = check_positive("kernel_size", kernel_size)
    check_fits("kernel_size", kernel_size, "n_inputs", n_inputs)
    return n_inputs * kernel_size  # one kernel per input, the border ones too


def sparse_weights_with_biases(n_inputs, kernel_size):
    n_inputs = check_positive("n_inputs", n_inputs)
    kernel_size = check_positive("kernel_size", kernel_size)
    check_fits("kernel_size", kernel_size, "n_inputs", n_inputs)
    return (n_inputs - kernel_size + 1) * (kernel_size + 1)  # k weights and a bias per output


def shared_weights_with_biases(kernel_size, n_kernels=1):
    k = check_positive("kernel_size", kernel_size)
    return (k + 1) * check_positive("n_kernels", n_kernels)  # k weights and a bias each


def shared_weights_ignores_n_kernels(kernel_size, n_kernels=1):
    check_positive("n_kernels", n_kernels)
    return check_positive("kernel_size", kernel_size)


def conv_layer_params_bias_per_channel_pair(kernel_size, in_channels, out_channels,
                                            bias=True):
    k = check_positive("kernel_size", kernel_size)
    c_in = check_positive("in_channels", in_channels)
    c_out = check_positive("out_channels", out_channels)
    return k * k * c_in * c_out + (c_in * c_out if bias else 0)


def conv_layer_params_ignores_the_bias_flag(kernel_size, in_channels, out_channels,
                                            bias=True):
    k = check_positive("kernel_size", kernel_size)
    c_in = check_positive("in_channels", in_channels)
    c_out = check_positive("out_channels", out_channels)
    return k * k * c_in * c_out + c_out  # bias=False forgotten


def conv_layer_params_k_not_squared(kernel_size, in_channels, out_channels, bias=True):
    k = check_positive("kernel_size", kernel_size)
    c_in = check_positive("in_channels", in_channels)
    c_out = check_positive("out_channels", out_channels)
    return k * c_in * c_out + (c_out if bias else 0)


def dense_layer_params_always_bias(n_inputs, n_outputs, bias=True):
    n_outputs = check_positive("n_outputs", n_outputs)
    return check_positive("n_inputs", n_inputs) * n_outputs + n_outputs


def _shapes(layers, input_shape, use_padding: bool = True, flatten_channels: bool = True,
            conv_channels: bool = True, pool_stride: int | None = None
            ) -> list[tuple[int, ...]]:
    """The shape before each layer and after the last; raises for invalid networks.
    ``conv_channels=False``: a conv keeps its input's channels; ``pool_stride``: the stride
    of a pooling layer without one."""
    shapes = [check_input_shape(input_shape)]
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        shape, kind = shapes[-1], s["type"]
        if kind in ("conv", *POOLING) and len(shape) != 3:
            raise ValueError(f"layers[{index}] ({kind}) comes after flatten")
        if kind == "conv":
            p = s["padding"] if use_padding else 0
            sizes = [n + 2 * p - s["kernel_size"] for n in shape[:2]]
            if min(sizes) < 0:
                raise ValueError(f"layers[{index}]: the kernel is larger than its input")
            shape = (*(d // s["stride"] + 1 for d in sizes),
                     s["filters"] if conv_channels else shape[2])
        elif kind in POOLING:
            if s["size"] > min(shape[:2]):
                raise ValueError(f"layers[{index}]: the window is larger than its input")
            stride = (pool_stride if pool_stride and layer.get("stride") is None
                      else s["stride"])
            shape = (*((n - s["size"]) // stride + 1 for n in shape[:2]), shape[2])
        elif kind == "flatten":
            shape = (math.prod(shape) if flatten_channels else shape[0] * shape[1],)
        elif kind == "dense":
            if len(shape) != 1:
                raise ValueError(f"layers[{index}] (dense) needs flatten before it")
            shape = (s["units"],)
        shapes.append(shape)
    return shapes


def output_shape_forgets_padding(layers, input_shape):
    return _shapes(layers, input_shape, use_padding=False)[-1]


def output_shape_flatten_forgets_channels(layers, input_shape):
    return _shapes(layers, input_shape, flatten_channels=False)[-1]  # H * W, not H * W * C


def output_shape_conv_keeps_channels(layers, input_shape):
    return _shapes(layers, input_shape, conv_channels=False)[-1]


def output_shape_pool_stride_one(layers, input_shape):
    return _shapes(layers, input_shape, pool_stride=1)[-1]


def output_shape_returns_a_list(layers, input_shape):
    return list(_shapes(layers, input_shape)[-1])


def _counted(layers, input_shape, dense_biases: bool = True, pooling_weights: bool = False):
    """count_parameters layer by layer: ``dense_biases=False`` forgets the dense biases,
    ``pooling_weights`` counts size * size weights per pooling layer."""
    shapes, total = _shapes(layers, input_shape), 0
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        if s["type"] == "conv":
            total += s["kernel_size"] ** 2 * shapes[index][2] * s["filters"] + (
                s["filters"] if s["bias"] else 0)
        elif s["type"] in POOLING and pooling_weights:
            total += s["size"] * s["size"]  # "a pooling window is a kernel too"
        elif s["type"] == "dense":
            total += shapes[index][0] * s["units"] + (
                s["units"] if s["bias"] and dense_biases else 0)
    return total


def count_parameters_no_dense_biases(layers, input_shape):
    return _counted(layers, input_shape, dense_biases=False)


def count_parameters_pooling_weights(layers, input_shape):
    return _counted(layers, input_shape, pooling_weights=True)


def count_parameters_image_size_to_dense(layers, input_shape):
    """Tracks the channels, not H and W: the dense layer after flatten gets the image's."""
    output_shape(layers, input_shape)  # the student's own, correct, check of the network
    height, width, channels = input_shape
    total, n_in = 0, None
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        if s["type"] == "conv":
            total += s["kernel_size"] ** 2 * channels * s["filters"] + (
                s["filters"] if s["bias"] else 0)
            channels = s["filters"]
        elif s["type"] == "flatten":
            n_in = height * width * channels
        elif s["type"] == "dense":
            total += n_in * s["units"] + (s["units"] if s["bias"] else 0)
            n_in = s["units"]
    return total


def count_parameters_input_channels_everywhere(layers, input_shape):
    output_shape(layers, input_shape)  # the student's own, correct, check of the network
    total, c_in = 0, input_shape[2]  # never updated: every conv sees the image's channels
    n_in = None
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        if s["type"] == "conv":
            total += s["kernel_size"] ** 2 * c_in * s["filters"] + (
                s["filters"] if s["bias"] else 0)
        elif s["type"] == "flatten":
            n_in = math.prod(output_shape(layers[:index], input_shape))
        elif s["type"] == "dense":
            total += n_in * s["units"] + (s["units"] if s["bias"] else 0)
            n_in = s["units"]
    return total


def _image(weights, shape) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    check_ndim("weights", weights, 1)
    if weights.size != math.prod(shape):
        raise ValueError(f"weights has {weights.size} values, shape needs {math.prod(shape)}")
    return weights


def weights_as_image_divides_by_max(weights, shape):
    weights = _image(weights, shape)
    low, high = weights.min(), weights.max()
    image = weights.reshape(shape) - low
    return image / high if high != low else np.zeros(shape)  # should be / (high - low)


def weights_as_image_zero_range(weights, shape):
    weights = _image(weights, shape)
    image = weights.reshape(shape)
    with np.errstate(invalid="ignore"):  # 0 / 0 for a constant vector
        return (image - image.min()) / (image.max() - image.min())


def weights_as_image_per_channel(weights, shape):
    image = _image(weights, shape).reshape(shape)
    if image.ndim != 3:
        spread = image.max() - image.min()
        return np.zeros(shape) if spread == 0 else (image - image.min()) / spread
    scaled = np.zeros(shape)
    for c in range(shape[2]):  # every colour channel to [0, 1] on its own
        channel = image[:, :, c]
        spread = channel.max() - channel.min()
        if spread > 0:
            scaled[:, :, c] = (channel - channel.min()) / spread
    return scaled


def weights_as_image_fortran_order(weights, shape):
    weights = _image(weights, shape)
    low, high = weights.min(), weights.max()
    image = weights.reshape(shape, order="F")  # MATLAB's column order
    return (image - low) / (high - low) if high > low else np.zeros(shape)


# --- receptive field -------------------------------------------------------------------------

def _kernels_and_strides(layers, pooling: bool = True) -> list[tuple[int, int]]:
    found = []
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        if s["type"] in ("flatten", "dense"):
            raise ValueError(f"layers[{index}] ({s['type']}) has no receptive field")
        if s["type"] == "conv":
            found.append((s["kernel_size"], s["stride"]))
        elif s["type"] in POOLING and pooling:
            found.append((s["size"], s["stride"]))
    return found


def receptive_field_ignores_strides(layers):
    return 1 + sum(k - 1 for k, _ in _kernels_and_strides(layers))


def receptive_field_own_stride(layers):
    field = 1
    for k, s in _kernels_and_strides(layers):
        field += (k - 1) * s  # the layer's own stride, not the jump before it
    return field


def receptive_field_adds_k(layers):
    field, jump = 1, 1
    for k, s in _kernels_and_strides(layers):
        field += k * jump
        jump *= s
    return field


def receptive_field_ignores_pooling(layers):
    field, jump = 1, 1
    for k, s in _kernels_and_strides(layers, pooling=False):
        field += (k - 1) * jump
        jump *= s
    return field


def effective_stride_sums_strides(layers):
    return max(1, sum(s for _, s in _kernels_and_strides(layers)))


def effective_stride_ignores_pooling(layers):
    return math.prod(s for _, s in _kernels_and_strides(layers, pooling=False))


# --- found by a second mutation engine (issue 26; benchmarks/mutation.py --engine ast) -------
# Each passed the suite before the checks that catch it (the ``only_fails`` of its record).

def _conv1d_loops(x, w, padding, stride) -> np.ndarray:
    xp = zero_pad(x, padding).astype(float)
    k = w.size
    return np.array([sum(xp[i + j] * w[j] for j in range(k))
                     for i in range(0, xp.size - k + 1, stride)], dtype=float)


def _conv1d_checked_but(x, w, padding, stride, w_ndim_of: str, empty: str) -> np.ndarray:
    """conv1d whose ndim check of w looks at the array ``w_ndim_of`` ("" skips it), and
    whose emptiness check at ``empty``."""
    arrays = {"x": np.asarray(x), "w": np.asarray(w)}
    check_ndim("x", arrays["x"], 1)
    if w_ndim_of:
        check_ndim("w", arrays[w_ndim_of], 1)
    if arrays[empty].size == 0:
        raise ValueError(f"{empty} must not be empty")
    x, w = arrays["x"], arrays["w"]
    padding, stride = check_non_negative("padding", padding), check_positive("stride", stride)
    check_fits("w", w.size, "the padded x", x.size + 2 * padding)
    return _conv1d_loops(x, w, padding, stride)


def conv1d_no_ndim_check_of_w(x, w, padding=0, stride=1):
    # a 0-d w fails at w[j] with an IndexError
    return _conv1d_checked_but(x, w, padding, stride, w_ndim_of="", empty="w")


def conv1d_checks_x_twice(x, w, padding=0, stride=1):
    # copy-pasted: the ndim of w is never looked at
    return _conv1d_checked_but(x, w, padding, stride, w_ndim_of="x", empty="w")


def conv1d_empty_check_on_x(x, w, padding=0, stride=1):
    # should be w: an empty signal with padding has a result
    return _conv1d_checked_but(x, w, padding, stride, w_ndim_of="w", empty="x")


def _conv2d_loops(image, kernel, padding, stride) -> np.ndarray:
    xp = zero_pad(image, padding).astype(float)
    kh, kw = kernel.shape
    h_out, w_out = (xp.shape[0] - kh) // stride + 1, (xp.shape[1] - kw) // stride + 1
    return _slide(xp, kernel, range(0, h_out * stride, stride), range(0, w_out * stride, stride))


def conv2d_no_stride_check(image, kernel, padding=0, stride=1):
    image, kernel = np.asarray(image), np.asarray(kernel)
    check_ndim("image", image, 2)
    check_ndim("kernel", kernel, 2)
    if kernel.size == 0:
        raise ValueError("kernel must not be empty")
    padding = check_non_negative("padding", padding)
    for axis in (0, 1):  # stride 0 divides by zero below, a negative one gives no rows
        check_fits("kernel", kernel.shape[axis], "the padded image",
                   image.shape[axis] + 2 * padding)
    return _conv2d_loops(image, kernel, padding, stride)


def _conv2d_checked_but(image, kernel, padding, stride, names: tuple[str, str]) -> np.ndarray:
    """conv2d whose two ndim checks look at the arrays ``names`` picks ("" skips one)."""
    arrays = {"image": np.asarray(image), "kernel": np.asarray(kernel)}
    for shown, looked_at in zip(("image", "kernel"), names, strict=True):
        if looked_at:
            check_ndim(shown, arrays[looked_at], 2)
    image, kernel = arrays["image"], arrays["kernel"]
    if kernel.size == 0:
        raise ValueError("kernel must not be empty")
    padding, stride = check_non_negative("padding", padding), check_positive("stride", stride)
    for axis in (0, 1):  # a 1-D or 0-d array has no axis 1 (or 0): IndexError
        check_fits("kernel", kernel.shape[axis], "the padded image",
                   image.shape[axis] + 2 * padding)
    return _conv2d_loops(image, kernel, padding, stride)


def conv2d_no_ndim_check_of_image(image, kernel, padding=0, stride=1):
    return _conv2d_checked_but(image, kernel, padding, stride, ("", "kernel"))


def conv2d_no_ndim_check_of_kernel(image, kernel, padding=0, stride=1):
    return _conv2d_checked_but(image, kernel, padding, stride, ("image", ""))


def conv2d_checks_the_image_twice(image, kernel, padding=0, stride=1):
    return _conv2d_checked_but(image, kernel, padding, stride, ("image", "image"))


def _conv_layer_bias_checked_with(image, kernels, bias, padding, stride, wrong) -> np.ndarray:
    """conv_layer whose bias check raises only when ``wrong(shape, (C_out,))``."""
    image, kernels = np.asarray(image), np.asarray(kernels)
    check_ndim("image", image, 3)
    check_ndim("kernels", kernels, 4)
    if kernels.size == 0:
        raise ValueError("kernels must not be empty")
    if image.shape[2] != kernels.shape[2]:
        raise ValueError("image channels and kernels' C_in differ")
    if bias is not None and wrong(np.shape(bias), (kernels.shape[3],)):
        raise ValueError("bias must have shape (C_out,)")
    padding, stride = check_non_negative("padding", padding), check_positive("stride", stride)
    for axis in (0, 1):
        check_fits("kernels", kernels.shape[axis], "the padded image",
                   image.shape[axis] + 2 * padding)
    out = _layer_loops(zero_pad(image, padding).astype(float), kernels, stride)
    return out if bias is None else out + np.asarray(bias)  # broadcasts a (1,) or scalar bias


def conv_layer_no_bias_check(image, kernels, bias=None, padding=0, stride=1):
    return _conv_layer_bias_checked_with(image, kernels, bias, padding, stride,
                                         lambda shape, wanted: False)


def conv_layer_bias_shape_compared_with_less(image, kernels, bias=None, padding=0, stride=1):
    return _conv_layer_bias_checked_with(image, kernels, bias, padding, stride,
                                         lambda shape, wanted: shape < wanted)


def conv_layer_bias_shape_compared_with_greater(image, kernels, bias=None, padding=0,
                                                stride=1):
    return _conv_layer_bias_checked_with(image, kernels, bias, padding, stride,
                                         lambda shape, wanted: shape > wanted)


def sigmoid_without_float_cast(x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x))  # uint8: -|x| wraps around to 255; int8: exp in float16
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_in_float32(x):
    x = np.asarray(x, dtype=np.float32)  # 1e308 overflows the cast: a RuntimeWarning
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def weights_as_image_without_float_cast(weights, shape):
    weights = np.asarray(weights)  # int8 stays int8: max - min wraps around
    check_ndim("weights", weights, 1)
    if weights.size != math.prod(shape):
        raise ValueError(f"weights has {weights.size} values, shape needs {math.prod(shape)}")
    low, high = weights.min(), weights.max()
    return (weights.reshape(shape) - low) / (high - low) if high > low else np.zeros(shape)


def conv_output_size_copy_pasted_names(input_size, kernel_size, padding=0, stride=1):
    input_size = check_positive("input_size", input_size)
    kernel_size = check_positive("input_size", kernel_size)  # copy-pasted: the wrong name
    padding = check_non_negative("padding", padding)
    stride = check_positive("padding", stride)  # and again
    check_fits("kernel_size", kernel_size, "the padded input_size", input_size + 2 * padding)
    return (input_size + 2 * padding - kernel_size) // stride + 1


def max_pool_generic_messages(x, size=2, stride=None):
    x = np.asarray(x)
    stride = size if stride is None else stride
    if x.ndim not in (2, 3) or size < 1 or stride < 1 or size > min(x.shape[:2]):
        raise ValueError("invalid input")  # says nothing of which argument is wrong
    h, w = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1
    return np.array([[x[i * stride:i * stride + size, j * stride:j * stride + size].max(
        axis=(0, 1)) for j in range(w)] for i in range(h)])


# --- backprop: a student's loops, with one bug switched on ------------------------------------

def _conv_backward(d_out, image, kernels, padding=0, stride=1, *, flip=False, mean_bias=False,
                   step=None, keep_padding=False, overwrite_d_k=False, crop_minus=False):
    """conv_layer_backward by loops over the outputs: ``flip`` sends each output's gradient
    back through the kernel turned around (at stride 1: d_image correlates the padded d_out
    with the kernel as it is, instead of convolving it with the flipped one); ``mean_bias``
    averages d_out for the bias; ``step`` places outputs that many pixels apart instead of
    ``stride``; ``keep_padding`` returns the padded image's gradient; ``overwrite_d_k``
    writes d_kernels (=) at each output instead of adding (+=); ``crop_minus`` crops the
    padding as ``d_xp[p:-p, p:-p]`` (CS231n style)."""
    d_out, image, kernels = (np.asarray(a, dtype=float) for a in (d_out, image, kernels))
    check_ndim("image", image, 3)
    check_ndim("kernels", kernels, 4)
    if kernels.size == 0:
        raise ValueError("kernels must not be empty")
    kh, kw, c_in, c_out = kernels.shape
    if image.shape[2] != c_in:
        raise ValueError("image and kernels have different channels")
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    xp = zero_pad(image, padding)
    check_fits("kernel height", kh, "padded image height", xp.shape[0])
    check_fits("kernel width", kw, "padded image width", xp.shape[1])
    out = ((xp.shape[0] - kh) // stride + 1, (xp.shape[1] - kw) // stride + 1, c_out)
    if d_out.shape != out:
        raise ValueError(f"d_out must have shape {out}")
    step = stride if step is None else step
    d_xp, d_k = np.zeros(xp.shape), np.zeros(kernels.shape)
    for i in range(out[0]):
        for j in range(out[1]):
            rows, cols = slice(i * step, i * step + kh), slice(j * step, j * step + kw)
            if overwrite_d_k:
                d_k = xp[rows, cols, :, None] * d_out[i, j]
            else:
                d_k += xp[rows, cols, :, None] * d_out[i, j]
            d_xp[rows, cols] += (kernels[::-1, ::-1] if flip else kernels) @ d_out[i, j]
    d_bias = d_out.mean(axis=(0, 1)) if mean_bias else d_out.sum(axis=(0, 1))
    if crop_minus:
        d_xp = d_xp[padding:-padding, padding:-padding]
    elif not keep_padding:
        d_xp = d_xp[padding:padding + image.shape[0], padding:padding + image.shape[1]]
    return d_xp, d_k, d_bias


def conv_layer_backward_unflipped(d_out, image, kernels, padding=0, stride=1):
    return _conv_backward(d_out, image, kernels, padding, stride, flip=True)


def conv_layer_backward_mean_bias(d_out, image, kernels, padding=0, stride=1):
    return _conv_backward(d_out, image, kernels, padding, stride, mean_bias=True)


def conv_layer_backward_ignores_stride(d_out, image, kernels, padding=0, stride=1):
    return _conv_backward(d_out, image, kernels, padding, stride, step=1)


def conv_layer_backward_keeps_padding(d_out, image, kernels, padding=0, stride=1):
    return _conv_backward(d_out, image, kernels, padding, stride, keep_padding=True)


def conv_layer_backward_overwrites_d_kernels(d_out, image, kernels, padding=0, stride=1):
    return _conv_backward(d_out, image, kernels, padding, stride, overwrite_d_k=True)


def conv_layer_backward_crops_minus_padding(d_out, image, kernels, padding=0, stride=1):
    return _conv_backward(d_out, image, kernels, padding, stride, crop_minus=True)


def conv_layer_backward_bias_one_number(d_out, image, kernels, padding=0, stride=1):
    d_image, d_kernels, _ = _conv_backward(d_out, image, kernels, padding, stride)
    return d_image, d_kernels, np.sum(d_out)  # every axis: one number


def conv_layer_backward_no_d_out_check(d_out, image, kernels, padding=0, stride=1):
    """Trusts d_out's shape: a d_out that is too large is cut to the positions it loops over."""
    out = (np.asarray(image).shape[0] + 2 * padding - np.asarray(kernels).shape[0]) // stride + 1
    if np.ndim(d_out) == 3 and np.shape(d_out)[0] > out > 0:
        d_out = np.asarray(d_out)[:out]
    return _conv_backward(d_out, image, kernels, padding, stride)


def _pool_windows(d_out, x, size, stride):
    """The checked arguments of a pooling backward pass."""
    x = np.asarray(x)
    check_ndim("x", x, 2, 3)
    size = check_positive("size", size)
    stride = size if stride is None else check_positive("stride", stride)
    check_fits("size", size, "the height of x", x.shape[0])
    check_fits("size", size, "the width of x", x.shape[1])
    out = ((x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1)
    d_out = np.asarray(d_out)
    if d_out.shape != out + x.shape[2:]:
        raise ValueError(f"d_out must have shape {out + x.shape[2:]}")
    return d_out, x, size, stride


def _pool_backward(d_out, x, size=2, stride=None, *, how="max", every_max=False,
                   whole_window=False, overwrite=False, divisor=None):
    """max_pool_backward/avg_pool_backward by loops over the windows, with one bug."""
    d_out, x, size, stride = _pool_windows(d_out, x, size, stride)
    x3 = x.reshape(x.shape[0], x.shape[1], -1).astype(float)
    out = d_out.shape[:2]
    g3 = d_out.astype(float).reshape(*out, -1)
    d_x = np.zeros(x3.shape)
    for i in range(out[0]):
        for j in range(out[1]):
            for c in range(x3.shape[2]):
                window = x3[i * stride:i * stride + size, j * stride:j * stride + size, c]
                if how == "avg" or whole_window:
                    share = np.full(window.shape, 1.0 if whole_window else
                                    1.0 / (divisor or size * size))
                elif every_max:
                    share = (window == window.max()).astype(float)
                else:
                    share = np.zeros(window.shape)
                    share[np.unravel_index(np.argmax(window), window.shape)] = 1.0
                target = d_x[i * stride:i * stride + size, j * stride:j * stride + size, c]
                if overwrite:
                    target[share > 0] = (g3[i, j, c] * share)[share > 0]
                else:
                    target += g3[i, j, c] * share
    return d_x.reshape(x.shape)


def max_pool_backward_whole_window(d_out, x, size=2, stride=None):
    return _pool_backward(d_out, x, size, stride, whole_window=True)


def max_pool_backward_every_maximum(d_out, x, size=2, stride=None):
    return _pool_backward(d_out, x, size, stride, every_max=True)


def max_pool_backward_overwrites(d_out, x, size=2, stride=None):
    return _pool_backward(d_out, x, size, stride, overwrite=True)


def max_pool_backward_modifies_x(d_out, x, size=2, stride=None):
    """Marks the maxima by writing into x: the input is changed."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.size:
        result = _pool_backward(d_out, x, size, stride)
        x[...] = -np.inf  # "used up"
        return result
    return _pool_backward(d_out, x, size, stride)


def max_pool_backward_last_maximum(d_out, x, size=2, stride=None):
    """Keeps the last maximum of a tie: a running best replaced by any value >= it."""
    d_out, x, size, stride = _pool_windows(d_out, x, size, stride)
    d_x = np.zeros(x.shape)
    for index in np.ndindex(d_out.shape):
        i, j, channel = index[0], index[1], index[2:]
        best, where = -np.inf, None
        for a in range(size):
            for b in range(size):
                value = x[(i * stride + a, j * stride + b, *channel)]
                if value >= best:
                    best, where = value, (i * stride + a, j * stride + b, *channel)
        d_x[where] += d_out[index]
    return d_x


def max_pool_backward_zeros_like_x(d_out, x, size=2, stride=None):
    """d_x = np.zeros_like(x): an integer x makes the gradient integer, element by element."""
    d_out, x, size, stride = _pool_windows(d_out, x, size, stride)
    d_x = np.zeros_like(x)
    for index in np.ndindex(d_out.shape):
        i, j, channel = index[0], index[1], index[2:]
        window = x[i * stride:i * stride + size, j * stride:j * stride + size][
            (slice(None), slice(None), *channel)]
        a, b = np.unravel_index(np.argmax(window), window.shape)
        where = (i * stride + a, j * stride + b, *channel)
        d_x[where] = d_x[where] + d_out[index]
    return d_x


def avg_pool_backward_repeated_blocks(d_out, x, size=2, stride=None):
    """Upsamples d_out by np.repeat, as if the windows were side by side (stride = size)."""
    d_out, x, size, stride = _pool_windows(d_out, x, size, stride)
    blocks = np.repeat(np.repeat(d_out.astype(float), size, axis=0), size, axis=1) / size**2
    d_x = np.zeros(x.shape)
    d_x[:blocks.shape[0], :blocks.shape[1]] = blocks[:x.shape[0], :x.shape[1]]
    return d_x


def avg_pool_backward_not_divided(d_out, x, size=2, stride=None):
    return _pool_backward(d_out, x, size, stride, how="avg", whole_window=True)


def avg_pool_backward_by_size(d_out, x, size=2, stride=None):
    return _pool_backward(d_out, x, size, stride, how="avg", divisor=size)


def avg_pool_backward_overwrites(d_out, x, size=2, stride=None):
    return _pool_backward(d_out, x, size, stride, how="avg", overwrite=True)


def _same_shape(d_out, x) -> tuple[np.ndarray, np.ndarray]:
    d_out, x = np.asarray(d_out), np.asarray(x)
    if d_out.shape != x.shape:
        raise ValueError(f"d_out must have the shape of x {x.shape}")
    return d_out, x


def relu_backward_of_d_out(d_out, x):
    d_out, x = _same_shape(d_out, x)
    return np.maximum(d_out, 0)


def relu_backward_at_zero(d_out, x):
    d_out, x = _same_shape(d_out, x)
    return d_out * (x >= 0)


def relu_backward_no_chain_rule(d_out, x):
    d_out, x = _same_shape(d_out, x)
    return (x > 0).astype(float)


def relu_backward_zeros_like_x(d_out, x):
    d_out, x = _same_shape(d_out, x)
    d_x = np.zeros_like(x)
    d_x[x > 0] = d_out[x > 0]
    return d_x


def sigmoid_backward_of_d_out(d_out, x):
    d_out, x = _same_shape(d_out, x)
    s = 1.0 / (1.0 + np.exp(-d_out.astype(float)))  # of the gradient, not of x
    return d_out * s * (1.0 - s)


def sigmoid_backward_of_output(d_out, x):
    d_out, x = _same_shape(d_out, x)
    return d_out * x * (1.0 - x)


def sigmoid_backward_no_chain_rule(d_out, x):
    d_out, x = _same_shape(d_out, x)
    x = x.astype(float)  # one mistake only: -|x| of an int8 or uint8 x would wrap around
    s = 1.0 / (1.0 + np.exp(-np.abs(x)))
    s = np.where(x >= 0, s, 1.0 - s)
    return s * (1.0 - s)


def sigmoid_backward_where_both_branches(d_out, x):
    d_out, x = _same_shape(d_out, x)
    x = x.astype(float)
    s = np.where(x < 0, np.exp(x) / (1.0 + np.exp(x)), 1.0 / (1.0 + np.exp(-x)))
    return d_out * s * (1.0 - s)


def sigmoid_backward_clips_in_place(d_out, x):
    d_out, x = _same_shape(d_out, x)
    x = x.astype(float, copy=False)  # a float x: the caller's own
    np.clip(x, -500, 500, out=x)
    s = 1.0 / (1.0 + np.exp(-x))
    return d_out * s * (1.0 - s)


def sigmoid_backward_overflows(d_out, x):
    d_out, x = _same_shape(d_out, x)
    s = 1.0 / (1.0 + np.exp(-x.astype(float)))
    return d_out * s * (1.0 - s)



# --- train_step and fit, written image by image ------------------------------------------

def _checked_train(weights, bias, images, labels, learning_rate, check_rate: bool = True):
    """The arguments as float arrays (images as rows), with train_step's ValueErrors."""
    images = np.asarray(images, dtype=float)
    if images.ndim < 2 or images.shape[0] == 0:
        raise ValueError("images need a batch axis")
    rows = images.reshape(images.shape[0], -1)
    weights, labels = np.asarray(weights, dtype=float), np.asarray(labels, dtype=float)
    if weights.shape != (rows.shape[1],):
        raise ValueError("weights: one per value of an image")
    if labels.shape != (rows.shape[0],):
        raise ValueError("labels: one per image")
    if check_rate and learning_rate < 0:
        raise ValueError("learning_rate must not be negative")
    return weights, float(bias), rows, labels


def _gradients(weights, bias, rows, labels, per_image=lambda p: 1.0, mean: bool = True):
    """d_weights and d_bias of the mean cross-entropy, image by image; ``per_image(p)``
    multiplies each image's ``p - y`` (the sigmoid's derivative taken again: p (1 - p))."""
    d_weights, d_bias = np.zeros_like(weights), 0.0
    for x, y in zip(rows, labels, strict=True):
        p = 1.0 / (1.0 + math.exp(-float(np.clip(x @ weights + bias, -500, 500))))
        d_z = (p - y) * per_image(p)
        d_weights += d_z * x
        d_bias += d_z
    n = len(rows) if mean else 1
    return d_weights / n, d_bias / n


def train_step_uphill(weights, bias, images, labels, learning_rate):
    weights, bias, rows, labels = _checked_train(weights, bias, images, labels, learning_rate)
    d_weights, d_bias = _gradients(weights, bias, rows, labels)
    return weights + learning_rate * d_weights, bias + learning_rate * d_bias


def train_step_ignores_the_rate(weights, bias, images, labels, learning_rate):
    weights, bias, rows, labels = _checked_train(weights, bias, images, labels, learning_rate)
    d_weights, d_bias = _gradients(weights, bias, rows, labels)
    return weights - d_weights, bias - d_bias


def train_step_frozen_bias(weights, bias, images, labels, learning_rate):
    weights, bias, rows, labels = _checked_train(weights, bias, images, labels, learning_rate)
    d_weights, _ = _gradients(weights, bias, rows, labels)
    return weights - learning_rate * d_weights, bias


def train_step_sums_the_batch(weights, bias, images, labels, learning_rate):
    weights, bias, rows, labels = _checked_train(weights, bias, images, labels, learning_rate)
    d_weights, d_bias = _gradients(weights, bias, rows, labels, mean=False)
    return weights - learning_rate * d_weights, bias - learning_rate * d_bias


def train_step_sigmoid_twice(weights, bias, images, labels, learning_rate):
    weights, bias, rows, labels = _checked_train(weights, bias, images, labels, learning_rate)
    d_weights, d_bias = _gradients(weights, bias, rows, labels, per_image=lambda p: p * (1 - p))
    return weights - learning_rate * d_weights, bias - learning_rate * d_bias


def train_step_bias_averaged_twice(weights, bias, images, labels, learning_rate):
    weights, bias, rows, labels = _checked_train(weights, bias, images, labels, learning_rate)
    d_weights, d_bias = _gradients(weights, bias, rows, labels)  # both already / N
    return weights - learning_rate * d_weights, bias - learning_rate * d_bias / len(rows)


def train_step_rate_twice(weights, bias, images, labels, learning_rate):
    weights, bias, rows, labels = _checked_train(weights, bias, images, labels, learning_rate)
    d_weights, d_bias = _gradients(weights, bias, rows, labels)
    step_w, step_b = learning_rate * d_weights, learning_rate * d_bias  # the step...
    return weights - learning_rate * step_w, bias - learning_rate * step_b  # ...scaled again


def train_step_in_place(weights, bias, images, labels, learning_rate):
    """Updates the caller's weights (``-=``) when they are a float array, and returns them."""
    _, bias, rows, labels_ = _checked_train(weights, bias, images, labels, learning_rate)
    if not (isinstance(weights, np.ndarray) and weights.dtype == np.float64):
        weights = np.asarray(weights, dtype=float)
    d_weights, d_bias = _gradients(weights, bias, rows, labels_)
    weights -= learning_rate * d_weights
    return weights, bias - learning_rate * d_bias


def train_step_negative_rate(weights, bias, images, labels, learning_rate):
    weights, bias, rows, labels = _checked_train(weights, bias, images, labels, learning_rate,
                                                 check_rate=False)
    d_weights, d_bias = _gradients(weights, bias, rows, labels)
    return weights - learning_rate * d_weights, bias - learning_rate * d_bias


def _fit_checked(weights, bias, images, labels, learning_rate, epochs):
    if epochs < 0:
        raise ValueError("epochs must not be negative")
    return _checked_train(weights, bias, images, labels, learning_rate)


def fit_restarts(weights, bias, images, labels, learning_rate, epochs):
    """Each step from the start: train_step's result is never carried on."""
    weights, bias, rows, labels = _fit_checked(weights, bias, images, labels, learning_rate,
                                               epochs)
    new_weights, new_bias = weights, bias
    for _ in range(epochs):
        d_weights, d_bias = _gradients(weights, bias, rows, labels)
        new_weights, new_bias = weights - learning_rate * d_weights, bias - learning_rate * d_bias
    return new_weights, new_bias


def fit_one_epoch_short(weights, bias, images, labels, learning_rate, epochs):
    weights, bias, rows, labels = _fit_checked(weights, bias, images, labels, learning_rate,
                                               epochs)
    for _ in range(1, epochs):
        d_weights, d_bias = _gradients(weights, bias, rows, labels)
        weights, bias = weights - learning_rate * d_weights, bias - learning_rate * d_bias
    return weights, bias


def fit_one_epoch_too_many(weights, bias, images, labels, learning_rate, epochs):
    weights, bias, rows, labels = _fit_checked(weights, bias, images, labels, learning_rate,
                                               epochs)
    epoch = 0
    while epoch <= epochs:
        d_weights, d_bias = _gradients(weights, bias, rows, labels)
        weights, bias = weights - learning_rate * d_weights, bias - learning_rate * d_bias
        epoch += 1
    return weights, bias


def fit_shuffled_mini_batches(weights, bias, images, labels, learning_rate, epochs):
    """Stochastic gradient descent: each epoch, steps on shuffled batches of 8 images."""
    weights, bias, rows, labels = _fit_checked(weights, bias, images, labels, learning_rate,
                                               epochs)
    order = np.random.default_rng(0)
    for _ in range(epochs):
        shuffled = order.permutation(len(rows))
        for start in range(0, len(rows), 8):
            batch = shuffled[start:start + 8]
            d_weights, d_bias = _gradients(weights, bias, rows[batch], labels[batch])
            weights, bias = weights - learning_rate * d_weights, bias - learning_rate * d_bias
    return weights, bias


MUTANTS: list[Mutant] = [
    Mutant("zero_pad", "pads the channel axis too", zero_pad_pads_channels),
    Mutant("zero_pad", "pads only before each axis", zero_pad_one_side),
    Mutant("zero_pad", "returns float64 for integer input", zero_pad_float_result),
    Mutant("zero_pad", "all 2 pad zeros after the input", zero_pad_all_at_the_end),
    Mutant("zero_pad", "no ndim check: pads a 4-D array", zero_pad_accepts_4d,
           ("zero_pad.rejects_invalid_arguments",)),
    Mutant("conv_output_size", "forgets the + 1", conv_output_size_no_plus_one),
    Mutant("conv_output_size", "ceil instead of floor", conv_output_size_ceil),
    Mutant("conv_output_size", "ignores the stride", conv_output_size_ignores_stride),
    Mutant("conv_output_size", "true division gives a float",
           conv_output_size_true_division),
    Mutant("conv_output_size", "no ValueError for negative padding or a kernel too large",
           conv_output_size_no_checks, ("conv_output_size.rejects_invalid_arguments",)),
    Mutant("same_padding", "k // 2, no ValueError for an even kernel",
           same_padding_accepts_even, ("same_padding.rejects_invalid_arguments",)),
    Mutant("same_padding", "k // 2 after checking k >= 1, no ValueError for an even kernel",
           same_padding_positive_only, ("same_padding.rejects_invalid_arguments",)),
    Mutant("same_padding", "(k - 1) / 2 is a float", same_padding_float),
    Mutant("conv1d", "flips the kernel (np.convolve)", conv1d_flipped_kernel),
    Mutant("conv1d", "ignores the stride", conv1d_ignores_stride),
    Mutant("conv1d", "pads only on the left", conv1d_pads_one_side),
    Mutant("conv1d", "all 2p padding zeros after the signal", conv1d_pads_at_the_end),
    Mutant("conv1d", "np.dot in the input dtype: uint8 wraps around", conv1d_in_input_dtype),
    Mutant("conv2d", "flips the kernel (true convolution)", conv2d_flipped_kernel),
    Mutant("conv2d", "stride applied to the rows only", conv2d_stride_rows_only),
    Mutant("conv2d", "transposed kernel (kh and kw swapped)", conv2d_transposed_kernel),
    Mutant("conv2d", "windows times the transposed kernel (numpy broadcasts a 1 x k one)",
           conv2d_window_times_transposed_kernel),
    Mutant("conv2d", "all 2p padding zeros below and right of the image",
           conv2d_pads_at_the_end),
    Mutant("conv2d", "forgets the + 1 in the output size", conv2d_no_plus_one),
    Mutant("conv2d", "output size computed without the padding",
           conv2d_size_without_padding),
    Mutant("conv2d", "compares the kernel's area, not each axis, with the padded image",
           conv2d_checks_the_kernel_area, ("conv2d.rejects_a_kernel_too_large_on_one_axis",
                                           "conv2d.rejects_invalid_arguments")),
    Mutant("conv2d", "tensordot in the input dtype: uint8 wraps around", conv2d_in_input_dtype,
           ("conv2d.integer_input_gives_floats",)),
    Mutant("dilated_conv2d", "dilates the input (every d-th pixel) instead of the kernel",
           dilated_conv2d_dilates_the_input),
    Mutant("dilated_conv2d", "d zeros between the kernel's taps (d + 1 apart)",
           dilated_conv2d_d_zeros_between_taps),
    Mutant("dilated_conv2d", "takes the dilated kernel to span k * d pixels",
           dilated_conv2d_spans_k_times_d),
    Mutant("dilated_conv2d", "all 2p padding zeros below and right of the image",
           dilated_conv2d_pads_at_the_end),
    Mutant("conv_layer", "forgets the bias", conv_layer_forgets_bias),
    Mutant("conv_layer", "checks only the kernel height against the padded image",
           conv_layer_checks_the_height_only,
           ("conv_layer.rejects_a_kernel_too_large_on_one_axis",
            "conv_layer.rejects_invalid_arguments")),
    Mutant("conv_layer", "assumes square kernels (kw taken to be kh)",
           conv_layer_square_kernel_assumed),
    Mutant("conv_layer", "starts from the bias: an integer bias truncates the output",
           conv_layer_starts_from_the_bias, ("conv_layer.adds_an_integer_bias",)),
    Mutant("conv_layer", "adds the bias once per input channel",
           conv_layer_bias_per_input_channel),
    Mutant("conv_layer", "sums only the first input channel", conv_layer_first_channel_only),
    Mutant("conv_layer", "im2col patches and kernels flattened in different orders",
           conv_layer_im2col_wrong_order),
    Mutant("conv_layer", "tensordot in the input dtype: uint8 wraps around",
           conv_layer_in_input_dtype),
    Mutant("conv_layer", "kernels read as (kw, kh, C_in, C_out)", conv_layer_kernel_axes_swapped),
    Mutant("conv_layer", "all 2p padding zeros below and right of the image",
           conv_layer_pads_at_the_end),
    Mutant("relu", "modifies its input in place", relu_in_place,
           ("relu.does_not_modify_inputs",)),
    Mutant("relu", "returns the derivative (x > 0)", relu_returns_the_derivative),
    Mutant("sigmoid", "1 / (1 + exp(-x)) overflows for large negative x", sigmoid_overflows,
           ("sigmoid.stable_for_large_inputs", "sigmoid.no_warning_for_huge_inputs")),
    Mutant("sigmoid", "the two stable branches swapped", sigmoid_wrong_sign),
    Mutant("sigmoid", "clips large inputs in place", sigmoid_clips_in_place,
           ("sigmoid.does_not_modify_inputs",)),
    Mutant("sigmoid", "np.where computes both branches: one overflows",
           sigmoid_where_both_branches),
    Mutant("pool_output_size", "stride defaults to 1", pool_output_size_stride_one),
    Mutant("pool_output_size", "n // size, the stride ignored", pool_output_size_ignores_stride),
    Mutant("pool_output_size", "ceil instead of floor", pool_output_size_ceil),
    Mutant("max_pool", "stride defaults to 1", max_pool_stride_one),
    Mutant("max_pool", "returns the argmax, not the max", max_pool_returns_argmax),
    Mutant("max_pool", "takes the max over the channels too", max_pool_across_channels),
    Mutant("max_pool", "ignores the stride argument", max_pool_ignores_stride),
    Mutant("max_pool", "pools size x size blocks by a reshape, no size check",
           max_pool_by_blocks),
    Mutant("avg_pool", "integer division by size**2", avg_pool_integer_division),
    Mutant("avg_pool", "divides by size, not size**2", avg_pool_divides_by_size),
    Mutant("avg_pool", "keeps partial windows at the border (ceil mode)",
           avg_pool_keeps_partial_windows),
    Mutant("avg_pool", "averages size x size blocks by a reshape, per channel",
           avg_pool_by_blocks),
    Mutant("n_input_features", "forgets the channels", n_input_features_ignores_channels),
    Mutant("dense_weights", "counts biases too", dense_weights_counts_biases),
    Mutant("sparse_weights", "n * k", sparse_weights_n_times_k),
    Mutant("sparse_weights", "a bias per output too", sparse_weights_with_biases),
    Mutant("shared_weights", "a bias per kernel too", shared_weights_with_biases),
    Mutant("shared_weights", "ignores n_kernels", shared_weights_ignores_n_kernels),
    Mutant("conv_layer_params", "a bias per (input, output) channel pair",
           conv_layer_params_bias_per_channel_pair),
    Mutant("conv_layer_params", "adds the biases even with bias=False",
           conv_layer_params_ignores_the_bias_flag),
    Mutant("conv_layer_params", "k instead of k * k", conv_layer_params_k_not_squared),
    Mutant("dense_layer_params", "adds biases even with bias=False",
           dense_layer_params_always_bias),
    Mutant("output_shape", "forgets the padding", output_shape_forgets_padding),
    Mutant("output_shape", "returns a list, not a tuple", output_shape_returns_a_list),
    Mutant("output_shape", "a conv keeps its input's channels", output_shape_conv_keeps_channels),
    Mutant("output_shape", "pooling's stride defaults to 1", output_shape_pool_stride_one),
    Mutant("output_shape", "flatten forgets the channels (H * W)",
           output_shape_flatten_forgets_channels, ("output_shape.ends_in_flatten",)),
    Mutant("count_parameters", "ignores the dense biases", count_parameters_no_dense_biases),
    Mutant("count_parameters", "the dense layer after flatten gets the image's H * W",
           count_parameters_image_size_to_dense),
    Mutant("count_parameters", "size * size weights per pooling layer",
           count_parameters_pooling_weights),
    Mutant("count_parameters", "every conv gets the image's channels as C_in",
           count_parameters_input_channels_everywhere),
    Mutant("weights_as_image", "divides by max instead of (max - min)",
           weights_as_image_divides_by_max),
    Mutant("weights_as_image", "Fortran-order reshape", weights_as_image_fortran_order),
    Mutant("weights_as_image", "0 / 0 for constant weights", weights_as_image_zero_range),
    Mutant("weights_as_image", "every channel scaled on its own", weights_as_image_per_channel),
    Mutant("receptive_field", "ignores the strides", receptive_field_ignores_strides),
    Mutant("receptive_field", "multiplies k - 1 by the layer's own stride",
           receptive_field_own_stride),
    Mutant("receptive_field", "adds k instead of k - 1", receptive_field_adds_k),
    Mutant("receptive_field", "ignores pooling layers", receptive_field_ignores_pooling),
    Mutant("effective_stride", "sums the strides", effective_stride_sums_strides),
    Mutant("effective_stride", "ignores pooling layers", effective_stride_ignores_pooling),
    # Found by the second mutation engine (issue 26):
    Mutant("conv1d", "no ndim check of w: a 0-d w raises IndexError",
           conv1d_no_ndim_check_of_w),
    Mutant("conv1d", "the ndim check of w looks at x", conv1d_checks_x_twice),
    Mutant("conv1d", "rejects an empty x instead of an empty w", conv1d_empty_check_on_x),
    Mutant("conv2d", "no stride check: stride 0 divides by zero", conv2d_no_stride_check),
    Mutant("conv2d", "no ndim check of image: a 1-D image raises IndexError",
           conv2d_no_ndim_check_of_image),
    Mutant("conv2d", "no ndim check of kernel: a 1-D kernel raises IndexError",
           conv2d_no_ndim_check_of_kernel),
    Mutant("conv2d", "the ndim check of kernel looks at image", conv2d_checks_the_image_twice),
    Mutant("conv_layer", "no bias shape check: a scalar or (1,) bias is broadcast",
           conv_layer_no_bias_check),
    Mutant("conv_layer", "bias shape compared with < instead of !=",
           conv_layer_bias_shape_compared_with_less),
    Mutant("conv_layer", "bias shape compared with > instead of !=",
           conv_layer_bias_shape_compared_with_greater),
    Mutant("sigmoid", "no float cast: uint8 wraps around, int8 runs in float16",
           sigmoid_without_float_cast),
    Mutant("sigmoid", "computes in float32: casting 1e308 overflows", sigmoid_in_float32),
    Mutant("weights_as_image", "no float cast: max - min of int8 wraps around",
           weights_as_image_without_float_cast),
    Mutant("conv_output_size", "ValueError messages name the wrong argument",
           conv_output_size_copy_pasted_names, ("conv_output_size.names_the_argument",)),
    Mutant("max_pool", "a ValueError that names no argument", max_pool_generic_messages,
           ("max_pool.names_the_argument",)),
    Mutant("conv_layer_backward", "d_image through the unflipped kernel",
           conv_layer_backward_unflipped),
    Mutant("conv_layer_backward", "averages d_out for the bias", conv_layer_backward_mean_bias),
    Mutant("conv_layer_backward", "ignores the stride", conv_layer_backward_ignores_stride),
    Mutant("conv_layer_backward", "d_kernels written (=), not added up, at every output",
           conv_layer_backward_overwrites_d_kernels),
    Mutant("conv_layer_backward", "d_bias summed over every axis: one number",
           conv_layer_backward_bias_one_number),
    Mutant("conv_layer_backward", "crops the padding as d_xp[p:-p, p:-p]",
           conv_layer_backward_crops_minus_padding),
    Mutant("conv_layer_backward", "returns the padded image's gradient",
           conv_layer_backward_keeps_padding),
    Mutant("conv_layer_backward", "no ValueError for a d_out of the wrong shape",
           conv_layer_backward_no_d_out_check, ("conv_layer_backward.rejects_invalid_arguments",)),
    Mutant("max_pool_backward", "the whole window gets the gradient",
           max_pool_backward_whole_window),
    Mutant("max_pool_backward", "every maximum of a tie gets the gradient",  # Coursera's mask
           max_pool_backward_every_maximum, ("max_pool_backward.ties_go_to_the_first_maximum",)),
    Mutant("max_pool_backward", "overlapping windows overwrite", max_pool_backward_overwrites),
    Mutant("max_pool_backward", "writes into x", max_pool_backward_modifies_x,
           ("max_pool_backward.does_not_modify_inputs",)),
    Mutant("max_pool_backward", "the last maximum of a tie gets the gradient",
           max_pool_backward_last_maximum, ("max_pool_backward.ties_go_to_the_first_maximum",)),
    Mutant("max_pool_backward", "d_x made like x: an integer x truncates the gradient",
           max_pool_backward_zeros_like_x),
    Mutant("avg_pool_backward", "not divided by size**2", avg_pool_backward_not_divided),
    Mutant("avg_pool_backward", "divides by size", avg_pool_backward_by_size),
    Mutant("avg_pool_backward", "blocks side by side by np.repeat, the stride ignored",
           avg_pool_backward_repeated_blocks),
    Mutant("avg_pool_backward", "overlapping windows overwrite", avg_pool_backward_overwrites),
    Mutant("relu_backward", "relu of d_out", relu_backward_of_d_out),
    Mutant("relu_backward", "passes the gradient at x == 0", relu_backward_at_zero),
    Mutant("relu_backward", "forgets to multiply by d_out", relu_backward_no_chain_rule),
    Mutant("relu_backward", "d_x made like x: an integer x truncates the gradient",
           relu_backward_zeros_like_x),
    Mutant("sigmoid_backward", "s(1 - s) of d_out instead of x", sigmoid_backward_of_d_out),
    Mutant("sigmoid_backward", "x taken for the sigmoid's output", sigmoid_backward_of_output),
    Mutant("sigmoid_backward", "forgets to multiply by d_out", sigmoid_backward_no_chain_rule),
    Mutant("sigmoid_backward", "exp(-x) overflows", sigmoid_backward_overflows),
    Mutant("sigmoid_backward", "clips large inputs in place", sigmoid_backward_clips_in_place,
           ("sigmoid_backward.does_not_modify_inputs",)),
    Mutant("sigmoid_backward", "np.where computes both branches: one overflows",
           sigmoid_backward_where_both_branches),
    Mutant("train_step", "adds the gradient", train_step_uphill),
    Mutant("train_step", "ignores the learning rate", train_step_ignores_the_rate),
    Mutant("train_step", "the learning rate applied twice", train_step_rate_twice),
    Mutant("train_step", "the bias gradient divided by N twice", train_step_bias_averaged_twice),
    Mutant("train_step", "never updates the bias", train_step_frozen_bias),
    Mutant("train_step", "sums the gradient over the batch", train_step_sums_the_batch),
    Mutant("train_step", "multiplies by the sigmoid's derivative again",
           train_step_sigmoid_twice),
    Mutant("train_step", "updates the weights in place", train_step_in_place,
           ("train_step.does_not_modify_inputs",)),
    Mutant("train_step", "no ValueError for a negative learning rate",
           train_step_negative_rate, ("train_step.rejects_invalid_arguments",)),
    Mutant("fit", "restarts every step from the initial weights", fit_restarts),
    Mutant("fit", "one epoch short", fit_one_epoch_short),
    Mutant("fit", "one epoch too many", fit_one_epoch_too_many),
    Mutant("fit", "shuffled mini-batches of 8 instead of the whole set",
           fit_shuffled_mini_batches, ("fit.whole_set_each_epoch",)),
]
