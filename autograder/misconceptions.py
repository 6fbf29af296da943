"""Misconceptions of the lecture the grader can name, each a small variant of the reference.

A variant is trusted code: it runs in the grader's process on the inputs where the student's
function failed (``diagnose``). When the student's results on every one of those inputs equal
the variant's, the feedback names the misconception in the lecture's words, with a hint.
Most variants call the reference with one thing changed (the kernel flipped, the stride
ignored, ...), so each stays one idea away from the right answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.results import CallError
from solutions import convolution, pooling, receptive_field, weights
from solutions import padding as padding_module
from solutions.architecture import layer_settings
from solutions.receptive_field import _windows
from solutions.validation import check_non_negative


@dataclass(frozen=True)
class Misconception:
    function: str
    name: str  # stable id within the function
    says: str  # what the student did, in the lecture's words
    hint: str  # one line: what to look at again
    variant: Callable
    any_dtype: bool = False  # students with this bug return ints or floats alike

    @property
    def id(self) -> str:
        return f"{self.function}.{self.name}"


# --- padding --------------------------------------------------------------------------------

def _pad_widths(x: np.ndarray, before: int, after: int, channels: bool = False) -> list:
    spatial = x.ndim if channels else min(x.ndim, 2)
    return [(before, after)] * spatial + [(0, 0)] * (x.ndim - spatial)


def zero_pad_channels(x, pad):
    padding_module.zero_pad(x, pad)  # the reference's ValueErrors
    x = np.asarray(x)
    return np.pad(x, _pad_widths(x, pad, pad, channels=True))


def zero_pad_one_side(x, pad):
    padding_module.zero_pad(x, pad)
    x = np.asarray(x)
    return np.pad(x, _pad_widths(x, pad, 0))


def zero_pad_any_ndim(x, pad):
    pad = check_non_negative("pad", pad)
    x = np.asarray(x)
    return np.pad(x, _pad_widths(x, pad, pad))


def zero_pad_float(x, pad):
    return padding_module.zero_pad(x, pad).astype(np.float64)


def conv_output_size_unchecked(input_size, kernel_size, padding=0, stride=1):
    return (input_size + 2 * padding - kernel_size) // stride + 1


def conv_output_size_no_plus_one(input_size, kernel_size, padding=0, stride=1):
    return padding_module.conv_output_size(input_size, kernel_size, padding, stride) - 1


def _size_parts(input_size, kernel_size, padding, stride) -> int:
    padding_module.conv_output_size(input_size, kernel_size, padding, stride)  # its ValueErrors
    return input_size + 2 * padding - kernel_size


def conv_output_size_ceil(input_size, kernel_size, padding=0, stride=1):
    return -(-_size_parts(input_size, kernel_size, padding, stride) // stride) + 1


def conv_output_size_no_stride(input_size, kernel_size, padding=0, stride=1):
    return _size_parts(input_size, kernel_size, padding, stride) + 1


def conv_output_size_one_pad(input_size, kernel_size, padding=0, stride=1):
    _size_parts(input_size, kernel_size, padding, stride)
    return (input_size + padding - kernel_size) // stride + 1


def conv_output_size_true_division(input_size, kernel_size, padding=0, stride=1):
    return _size_parts(input_size, kernel_size, padding, stride) / stride + 1


def same_padding_half(kernel_size):
    return kernel_size // 2


def same_padding_float(kernel_size):
    return padding_module.same_padding(kernel_size) * 1.0


# --- convolution ----------------------------------------------------------------------------

def conv1d_flipped(x, w, padding=0, stride=1):
    return convolution.conv1d(x, np.asarray(w)[::-1], padding, stride)


def conv1d_no_stride(x, w, padding=0, stride=1):
    convolution.conv1d(x, w, padding, stride)
    return convolution.conv1d(x, w, padding, 1)


def _slide(xp: np.ndarray, kernel: np.ndarray, rows: int, cols: int, stride: int) -> np.ndarray:
    """``rows`` x ``cols`` windows of ``kernel``'s shape over ``xp``, any of them may be 0."""
    kh, kw = kernel.shape
    out = np.zeros((max(0, rows), max(0, cols)))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
                               * kernel)
    return out


def _fitting(n: int, k: int, stride: int) -> int:
    return (n - k) // stride + 1


def conv1d_one_side(x, w, padding=0, stride=1):
    convolution.conv1d(x, w, padding, stride)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    xp = np.concatenate([np.zeros(padding), x])
    return _slide(xp[None], w[None], 1, _fitting(xp.size, w.size, stride), stride)[0]


def _in_dtype(out: np.ndarray, *inputs) -> np.ndarray:
    """``out`` as numpy computes it in the inputs' dtype: integers wrap around."""
    dtype = np.result_type(*(np.asarray(i) for i in inputs if i is not None))
    if dtype.kind not in "iu":
        return out.astype(dtype)
    return np.round(out).astype(np.int64).astype(dtype)


def conv1d_input_dtype(x, w, padding=0, stride=1):
    return _in_dtype(convolution.conv1d(x, w, padding, stride), x, w)


def conv2d_flipped(image, kernel, padding=0, stride=1):
    return convolution.conv2d(image, np.asarray(kernel)[::-1, ::-1], padding, stride)


def conv2d_transposed(image, kernel, padding=0, stride=1):
    convolution.conv2d(image, kernel, padding, stride)
    xp = padding_module.zero_pad(np.asarray(image, dtype=np.float64), padding)
    kernel = np.asarray(kernel, dtype=np.float64).T
    return _slide(xp, kernel, _fitting(xp.shape[0], kernel.shape[0], stride),
                  _fitting(xp.shape[1], kernel.shape[1], stride), stride)


def conv2d_size_without_padding(image, kernel, padding=0, stride=1):
    convolution.conv2d(image, kernel, padding, stride)
    image = np.asarray(image, dtype=np.float64)
    xp, kernel = padding_module.zero_pad(image, padding), np.asarray(kernel, dtype=np.float64)
    return _slide(xp, kernel, _fitting(image.shape[0], kernel.shape[0], stride),
                  _fitting(image.shape[1], kernel.shape[1], stride), stride)


def conv2d_no_stride(image, kernel, padding=0, stride=1):
    convolution.conv2d(image, kernel, padding, stride)
    return convolution.conv2d(image, kernel, padding, 1)


def conv2d_stride_rows_only(image, kernel, padding=0, stride=1):
    return convolution.conv2d(image, kernel, padding, 1)[::stride][
        :convolution.conv2d(image, kernel, padding, stride).shape[0]]


def conv2d_no_plus_one(image, kernel, padding=0, stride=1):
    return convolution.conv2d(image, kernel, padding, stride)[:-1, :-1]


def conv2d_one_side(image, kernel, padding=0, stride=1):
    convolution.conv2d(image, kernel, padding, stride)
    xp = np.pad(np.asarray(image, dtype=np.float64), [(padding, 0), (padding, 0)])
    kernel = np.asarray(kernel, dtype=np.float64)
    return _slide(xp, kernel, _fitting(xp.shape[0], kernel.shape[0], stride),
                  _fitting(xp.shape[1], kernel.shape[1], stride), stride)


def conv2d_input_dtype(image, kernel, padding=0, stride=1):
    return _in_dtype(convolution.conv2d(image, kernel, padding, stride), image, kernel)


def conv_layer_no_bias(image, kernels, bias=None, padding=0, stride=1):
    convolution.conv_layer(image, kernels, bias, padding, stride)
    return convolution.conv_layer(image, kernels, None, padding, stride)


def conv_layer_bias_per_input_channel(image, kernels, bias=None, padding=0, stride=1):
    out = convolution.conv_layer(image, kernels, bias, padding, stride)
    return out if bias is None else out + (np.asarray(kernels).shape[2] - 1) * np.asarray(bias)


def conv_layer_first_channel(image, kernels, bias=None, padding=0, stride=1):
    convolution.conv_layer(image, kernels, bias, padding, stride)
    return convolution.conv_layer(np.asarray(image)[:, :, :1], np.asarray(kernels)[:, :, :1],
                                  bias, padding, stride)


def conv_layer_flipped(image, kernels, bias=None, padding=0, stride=1):
    return convolution.conv_layer(image, np.asarray(kernels)[::-1, ::-1], bias, padding, stride)


def conv_layer_input_dtype(image, kernels, bias=None, padding=0, stride=1):
    convolution.conv_layer(image, kernels, bias, padding, stride)
    out = _in_dtype(convolution.conv_layer(image, kernels, None, padding, stride), image,
                    kernels)
    return out if bias is None else out + np.asarray(bias)  # the bias comes after the sum


def relu_derivative(x):
    return (np.asarray(x) > 0).astype(np.asarray(x).dtype)


def relu_abs(x):
    return np.abs(np.asarray(x))


def sigmoid_naive(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def sigmoid_of_minus_x(x):
    return convolution.sigmoid(-np.asarray(x))


# --- pooling --------------------------------------------------------------------------------

def pool_output_size_stride_one(input_size, size=2, stride=None):
    return pooling.pool_output_size(input_size, size, 1 if stride is None else stride)


def pool_output_size_no_stride(input_size, size=2, stride=None):
    pooling.pool_output_size(input_size, size, stride)
    return input_size // size


def pool_output_size_ceil(input_size, size=2, stride=None):
    pooling.pool_output_size(input_size, size, stride)
    step = size if stride is None else stride
    return -(-(input_size - size) // step) + 1


def max_pool_overlapping(x, size=2, stride=None):
    return pooling.max_pool(x, size, 1 if stride is None else stride)


def avg_pool_overlapping(x, size=2, stride=None):
    return pooling.avg_pool(x, size, 1 if stride is None else stride)


def max_pool_no_stride(x, size=2, stride=None):
    return pooling.max_pool(x, size, size)


def max_pool_across_channels(x, size=2, stride=None):
    out = pooling.max_pool(x, size, stride)
    return out if out.ndim == 2 else out.max(axis=2)  # one map: the channels are gone


def _window_sums(x, size: int, stride) -> np.ndarray:
    """Exact sums of every pooling window, channel by channel, as floats."""
    pooling.avg_pool(x, size, stride)  # the reference's ValueErrors
    x = np.asarray(x, dtype=np.float64)
    step = size if stride is None else stride
    channels = x.reshape(x.shape[0], x.shape[1], -1)
    ones = np.ones((size, size))
    sums = np.stack([convolution.conv2d(channels[:, :, c], ones, stride=step)
                     for c in range(channels.shape[2])], axis=2)
    return sums.reshape(sums.shape[:2] + x.shape[2:])


def avg_pool_across_channels(x, size=2, stride=None):
    sums = _window_sums(x, size, stride)
    return sums / size**2 if sums.ndim == 2 else sums.sum(axis=2) / (size**2 * sums.shape[2])


def avg_pool_by_size(x, size=2, stride=None):
    return _window_sums(x, size, stride) / size


def avg_pool_floor_division(x, size=2, stride=None):
    return _window_sums(x, size, stride) // size**2


# --- weights --------------------------------------------------------------------------------

def n_input_features_no_channels(height, width, channels=1):
    weights.n_input_features(height, width, channels)
    return height * width


def dense_weights_with_biases(n_inputs, n_outputs):
    return weights.dense_weights(n_inputs, n_outputs) + n_outputs


def sparse_weights_n_k(n_inputs, kernel_size):
    weights.sparse_weights(n_inputs, kernel_size)
    return n_inputs * kernel_size


def sparse_weights_no_plus_one(n_inputs, kernel_size):
    weights.sparse_weights(n_inputs, kernel_size)
    return (n_inputs - kernel_size) * kernel_size


def shared_weights_one_kernel(kernel_size, n_kernels=1):
    weights.shared_weights(kernel_size, n_kernels)
    return kernel_size


def conv_params_bias_per_pair(kernel_size, in_channels, out_channels, bias=True):
    total = weights.conv_layer_params(kernel_size, in_channels, out_channels, bias)
    return total + (in_channels - 1) * out_channels if bias else total


def conv_params_k_not_squared(kernel_size, in_channels, out_channels, bias=True):
    total = weights.conv_layer_params(kernel_size, in_channels, out_channels, bias)
    return total - (kernel_size - 1) * kernel_size * in_channels * out_channels


def conv_params_bias_per_weight(kernel_size, in_channels, out_channels, bias=True):
    total = weights.conv_layer_params(kernel_size, in_channels, out_channels, False)
    return 2 * total if bias else total


def conv_params_no_bias(kernel_size, in_channels, out_channels, bias=True):
    return weights.conv_layer_params(kernel_size, in_channels, out_channels, False)


def conv_params_no_in_channels(kernel_size, in_channels, out_channels, bias=True):
    weights.conv_layer_params(kernel_size, in_channels, out_channels, bias)
    return weights.conv_layer_params(kernel_size, 1, out_channels, bias)


def dense_params_always_bias(n_inputs, n_outputs, bias=True):
    return weights.dense_layer_params(n_inputs, n_outputs, True)


def dense_params_never_bias(n_inputs, n_outputs, bias=True):
    return weights.dense_layer_params(n_inputs, n_outputs, False)


def _without(layers, key: str, value: Any, kinds: Sequence[str]) -> list:
    """The network with ``key`` set to ``value`` in every layer of the given kinds."""
    return [{**layer, key: value} if isinstance(layer, dict) and layer.get("type") in kinds
            else layer for layer in layers]


def output_shape_no_padding(layers, input_shape):
    weights.output_shape(layers, input_shape)
    return weights.output_shape(_without(layers, "padding", 0, ("conv",)), input_shape)


def output_shape_list(layers, input_shape):
    return list(weights.output_shape(layers, input_shape))


def _flat_without_channels(layers, input_shape) -> tuple[list, tuple]:
    """The layers after the first flatten, and the shape it would give without channels."""
    cut = next((i for i, layer in enumerate(layers) if isinstance(layer, dict)
                and layer.get("type") == "flatten"), None)
    if cut is None:
        return [], ()
    h, w, _ = weights.output_shape(layers[:cut], input_shape)
    return layers[cut + 1:], (h * w,)


def output_shape_flatten_no_channels(layers, input_shape):
    shape = weights.output_shape(layers, input_shape)
    rest, flat = _flat_without_channels(layers, input_shape)
    if not flat:
        return shape
    units = [layer_settings(layer)["units"] for layer in rest if layer.get("type") == "dense"]
    return (units[-1],) if units else flat


def count_parameters_flatten_no_channels(layers, input_shape):
    total = weights.count_parameters(layers, input_shape)
    rest, flat = _flat_without_channels(layers, input_shape)
    dense = [layer_settings(layer) for layer in rest if layer.get("type") == "dense"]
    if not flat or not dense:
        return total
    true_inputs = math.prod(weights.output_shape(layers[:len(layers) - len(rest)], input_shape))
    return total - (true_inputs - flat[0]) * dense[0]["units"]


def count_parameters_no_dense_bias(layers, input_shape):
    weights.count_parameters(layers, input_shape)
    return weights.count_parameters(_without(layers, "bias", False, ("dense",)), input_shape)


def count_parameters_no_bias(layers, input_shape):
    weights.count_parameters(layers, input_shape)
    return weights.count_parameters(_without(layers, "bias", False, ("dense", "conv")),
                                    input_shape)


def count_parameters_input_channels(layers, input_shape):
    total = weights.count_parameters(layers, input_shape)
    c_image = input_shape[2]
    for index, layer in enumerate(layers):
        settings = layer_settings(layer, index)
        if settings["type"] == "conv":
            c_in = weights.output_shape(layers[:index], input_shape)[2]
            k = settings["kernel_size"]
            total += k * k * (c_image - c_in) * settings["filters"]
    return total


def weights_as_image_by_max(weights_, shape):
    image = weights.weights_as_image(weights_, shape)
    w = np.asarray(weights_, dtype=np.float64).reshape(shape)
    low, high = w.min(), w.max()
    with np.errstate(all="ignore"):  # the student's division by a zero maximum
        return image if high == low else (w - low) / high


def weights_as_image_fortran(weights_, shape):
    weights.weights_as_image(weights_, shape)
    return weights.weights_as_image(
        np.asarray(weights_).reshape(shape, order="F").reshape(-1), shape)


def weights_as_image_unscaled(weights_, shape):
    weights.weights_as_image(weights_, shape)
    return np.asarray(weights_, dtype=np.float64).reshape(shape)


# --- receptive field ------------------------------------------------------------------------

def _field(windows: list[tuple[int, int]], grow: Callable[[int], int]) -> int:
    field, jump = 1, 1
    for kernel, stride in windows:
        field += grow(kernel) * jump
        jump *= stride
    return field


def _checked_windows(layers, pooling_too: bool = True) -> list[tuple[int, int]]:
    receptive_field.receptive_field(layers)  # the reference's ValueErrors
    kept = [layer for layer in layers
            if pooling_too or layer_settings(layer)["type"] not in ("maxpool", "avgpool")]
    return _windows(kept)


def receptive_field_no_jump(layers):
    return 1 + sum(k - 1 for k, _ in _checked_windows(layers))


def receptive_field_adds_k(layers):
    return _field(_checked_windows(layers), lambda k: k)


def receptive_field_no_pooling(layers):
    return _field(_checked_windows(layers, pooling_too=False), lambda k: k - 1)


def effective_stride_sum(layers):
    return max(1, sum(s for _, s in _checked_windows(layers)))


def effective_stride_no_pooling(layers):
    return math.prod(s for _, s in _checked_windows(layers, pooling_too=False))


M = Misconception
CATALOGUE: tuple[Misconception, ...] = (
    M("zero_pad", "pads_channels", "padded the channel axis too",
      "only the spatial axes (H, W) get zeros; the channels of an (H, W, C) image stay C",
      zero_pad_channels),
    M("zero_pad", "one_side", "padded on one side only",
      "pad zeros are added before AND after each spatial axis: n becomes n + 2 pad",
      zero_pad_one_side),
    M("zero_pad", "accepts_any_ndim", "padded an array of any ndim instead of raising",
      "x must be (n,), (H, W) or (H, W, C): raise ValueError for other ndims",
      zero_pad_any_ndim),
    M("zero_pad", "float_result", "returned floats for an integer image",
      "padding keeps the dtype of the input: np.pad or np.zeros(..., dtype=x.dtype)",
      zero_pad_float),
    M("conv_output_size", "no_checks", "computed a size for invalid arguments",
      "negative padding, a size below 1 or a kernel larger than n + 2p raise ValueError",
      conv_output_size_unchecked),
    M("conv_output_size", "no_plus_one", "forgot the + 1 in the output size",
      "floor((n + 2p - k) / s) + 1: the kernel's first position counts too",
      conv_output_size_no_plus_one),
    M("conv_output_size", "ceil", "rounded the output size up (ceil)",
      "a window that does not fit completely is dropped: floor, i.e. //", conv_output_size_ceil),
    M("conv_output_size", "stride_ignored", "ignored the stride",
      "with stride s the kernel takes every s-th position: divide by s",
      conv_output_size_no_stride),
    M("conv_output_size", "padding_once", "counted the padding on one side only",
      "p zeros are added on both sides: n + 2p", conv_output_size_one_pad),
    M("conv_output_size", "true_division", "used true division: the size is a float",
      "sizes are integers: use // for the floor", conv_output_size_true_division),
    M("same_padding", "even_kernel", "gave k // 2 for an even kernel instead of raising",
      "an even kernel has no centre: no padding keeps the size, raise ValueError",
      same_padding_half),
    M("same_padding", "float", "returned (k - 1) / 2 as a float",
      "a padding is a number of pixels, an integer: (k - 1) // 2", same_padding_float),
    M("conv1d", "flipped_kernel", "flipped the kernel (a true convolution, np.convolve)",
      "the lecture's convolution is a cross-correlation: a1 = x1 w1 + x2 w2 + x3 w3",
      conv1d_flipped),
    M("conv1d", "stride_ignored", "ignored the stride",
      "with stride s the kernel moves s inputs between two outputs", conv1d_no_stride),
    M("conv1d", "one_side_padding", "padded on one side only",
      "padding adds p zeros on both ends of the signal", conv1d_one_side),
    M("conv1d", "input_dtype", "computed in the input's integer dtype (uint8 wraps at 256)",
      "convert to float before multiplying and summing", conv1d_input_dtype, any_dtype=True),
    M("conv2d", "flipped_kernel", "flipped the kernel (a true convolution)",
      "the lecture's convolution does not flip the kernel: out[i, j] = sum x[i+a, j+b] k[a, b]",
      conv2d_flipped),
    M("conv2d", "rows_columns_swapped", "swapped the rows and columns of the kernel",
      "kernel[a, b]: a runs down the rows (height), b along the columns (width)",
      conv2d_transposed),
    M("conv2d", "stride_ignored", "ignored the stride",
      "with stride s the kernel moves s pixels between two outputs, in both directions",
      conv2d_no_stride),
    M("conv2d", "stride_rows_only", "applied the stride to the rows only",
      "the stride steps in both directions: rows and columns", conv2d_stride_rows_only),
    M("conv2d", "no_plus_one", "made the output one too small (no + 1)",
      "floor((n + 2p - k) / s) + 1 positions per axis", conv2d_no_plus_one),
    M("conv2d", "one_side_padding", "padded on one side only",
      "padding adds p zeros on all four sides", conv2d_one_side),
    M("conv2d", "input_dtype", "computed in the input's integer dtype (uint8 wraps at 256)",
      "convert the image to float before multiplying and summing", conv2d_input_dtype,
      any_dtype=True),
    M("conv2d", "size_without_padding", "computed the output size without the padding",
      "the padded image is H + 2p high: floor((H + 2p - kh) / s) + 1 rows",
      conv2d_size_without_padding),
    M("conv_layer", "forgets_bias", "left out the bias",
      "each kernel adds its own bias b[o] to every output pixel", conv_layer_no_bias),
    M("conv_layer", "bias_per_input_channel", "added the bias once per input channel",
      "a kernel spans all input channels and adds its bias once",
      conv_layer_bias_per_input_channel),
    M("conv_layer", "first_channel_only", "used only the first input channel",
      "each kernel sums over all C_in input channels", conv_layer_first_channel),
    M("conv_layer", "flipped_kernel", "flipped the kernels (a true convolution)",
      "the lecture's convolution does not flip the kernel", conv_layer_flipped),
    M("conv_layer", "input_dtype", "computed in the input's integer dtype (uint8 wraps at 256)",
      "convert to float before multiplying and summing", conv_layer_input_dtype,
      any_dtype=True),
    M("relu", "derivative", "returned the derivative (x > 0) instead of max(x, 0)",
      "relu(x) = max(x, 0): keep positive values, set the others to 0", relu_derivative),
    M("relu", "absolute_value", "returned |x| instead of max(x, 0)",
      "negative inputs become 0, not positive", relu_abs),
    M("sigmoid", "overflow", "computed exp(-x) directly: it overflows for large negative x",
      "use exp(-|x|), which is at most 1, and the two equal forms of the sigmoid",
      sigmoid_naive),
    M("sigmoid", "sign_swapped", "computed sigmoid(-x): the two branches are swapped",
      "sigmoid(x) = 1 / (1 + exp(-x)) goes to 1 for large positive x", sigmoid_of_minus_x),
    M("pool_output_size", "stride_one", "let the stride default to 1 (overlapping windows)",
      "stride None means stride = size: the windows do not overlap",
      pool_output_size_stride_one),
    M("pool_output_size", "stride_ignored", "computed n // size, ignoring the stride",
      "floor((n - size) / stride) + 1", pool_output_size_no_stride),
    M("pool_output_size", "ceil", "rounded the output size up (ceil)",
      "a window that does not fit completely is dropped: floor", pool_output_size_ceil),
    M("max_pool", "overlapping_windows", "let the stride default to 1 (overlapping windows)",
      "stride None means stride = size: 2x2 pooling halves the image", max_pool_overlapping),
    M("max_pool", "stride_ignored", "ignored the stride argument",
      "windows start every stride pixels, not every size pixels", max_pool_no_stride),
    M("max_pool", "across_channels", "took the maximum across the channels too",
      "each channel is pooled on its own: the result has as many channels as the input",
      max_pool_across_channels),
    M("avg_pool", "overlapping_windows", "let the stride default to 1 (overlapping windows)",
      "stride None means stride = size", avg_pool_overlapping),
    M("avg_pool", "across_channels", "averaged across the channels too",
      "each channel is pooled on its own", avg_pool_across_channels),
    M("avg_pool", "divides_by_size", "divided by size instead of size * size",
      "a size x size window holds size**2 values", avg_pool_by_size, any_dtype=True),
    M("avg_pool", "integer_division", "used integer division (//) for the mean",
      "the mean of integers is a float: use /", avg_pool_floor_division, any_dtype=True),
    M("n_input_features", "forgets_channels", "forgot the channels",
      "a 24x24x3 image has 24 * 24 * 3 = 1728 features", n_input_features_no_channels),
    M("dense_weights", "counts_biases", "counted the biases too",
      "the lecture's dense count is weights only: n_inputs * n_outputs",
      dense_weights_with_biases),
    M("sparse_weights", "n_times_k", "gave every input its own k weights (n * k)",
      "there are n - k + 1 outputs, each with its own k weights", sparse_weights_n_k),
    M("sparse_weights", "no_plus_one", "counted n - k outputs (forgot the + 1)",
      "a kernel of k over n inputs has n - k + 1 positions", sparse_weights_no_plus_one),
    M("shared_weights", "ignores_n_kernels", "ignored the number of kernels",
      "each kernel has its own k shared weights: k * n_kernels", shared_weights_one_kernel),
    M("conv_layer_params", "bias_per_channel_pair",
      "gave a bias to every (input, output) channel pair",
      "one bias per output channel (per kernel)", conv_params_bias_per_pair),
    M("conv_layer_params", "k_not_squared", "used k instead of k * k",
      "a square kernel of side k has k * k weights per input channel",
      conv_params_k_not_squared),
    M("conv_layer_params", "bias_per_weight", "gave every weight its own bias",
      "one bias per kernel, not per weight", conv_params_bias_per_weight),
    M("conv_layer_params", "no_biases", "counted the weights without the biases",
      "with bias=True each of the out_channels kernels has one bias", conv_params_no_bias),
    M("conv_layer_params", "no_input_channels", "forgot that a kernel spans all input channels",
      "a kernel is k x k x C_in", conv_params_no_in_channels),
    M("dense_layer_params", "always_bias", "added the biases also when bias=False",
      "bias=False: weights only", dense_params_always_bias),
    M("dense_layer_params", "no_biases", "counted the weights without the biases",
      "bias=True adds one bias per output unit", dense_params_never_bias),
    M("output_shape", "forgets_padding", "left the padding out of the conv output size",
      "floor((n + 2p - k) / s) + 1, with the layer's padding p", output_shape_no_padding),
    M("output_shape", "returns_list", "returned a list instead of a tuple",
      "a shape is a tuple: tuple(...)", output_shape_list),
    M("output_shape", "flatten_forgets_channels", "flattened to H * W, forgetting the channels",
      "flatten turns (H, W, C) into (H * W * C,)", output_shape_flatten_no_channels),
    M("count_parameters", "flatten_forgets_channels",
      "fed H * W inputs to the dense layer after flatten, forgetting the channels",
      "flatten turns (H, W, C) into H * W * C inputs", count_parameters_flatten_no_channels),
    M("count_parameters", "no_dense_biases", "left out the biases of the dense layers",
      "a dense layer with bias has n_in * units + units parameters",
      count_parameters_no_dense_bias),
    M("count_parameters", "no_biases", "left out all biases",
      "trainable parameters are weights and biases", count_parameters_no_bias),
    M("count_parameters", "image_channels_everywhere",
      "gave every conv layer the image's channels as C_in",
      "a conv layer's C_in is the number of filters of the layer before it",
      count_parameters_input_channels),
    M("weights_as_image", "divides_by_max", "divided by the maximum instead of (max - min)",
      "min-max scaling: (w - min) / (max - min)", weights_as_image_by_max),
    M("weights_as_image", "fortran_order", "reshaped in Fortran (column) order",
      "numpy's reshape is C order: the last axis (channels) varies fastest",
      weights_as_image_fortran),
    M("weights_as_image", "not_scaled", "reshaped without scaling to [0, 1]",
      "min-max scale after the reshape", weights_as_image_unscaled),
    M("receptive_field", "no_jump", "added the kernel sizes without the jump (ignored strides)",
      "each layer adds (k - 1) times the product of the strides before it",
      receptive_field_no_jump),
    M("receptive_field", "adds_k", "added k instead of k - 1 per layer",
      "a kernel of k widens the field by k - 1 (times the jump)", receptive_field_adds_k),
    M("receptive_field", "ignores_pooling", "left out the pooling layers",
      "a pooling window widens the field and multiplies the jump like a conv",
      receptive_field_no_pooling),
    M("effective_stride", "sums_strides", "summed the strides instead of multiplying",
      "strides multiply: two stride-2 layers step 4 input pixels", effective_stride_sum),
    M("effective_stride", "ignores_pooling", "left out the pooling layers",
      "a 2x2 pooling with stride 2 doubles the distance between units",
      effective_stride_no_pooling),
)

OF: dict[str, tuple[Misconception, ...]] = {}
for _m in CATALOGUE:
    OF[_m.function] = (*OF.get(_m.function, ()), _m)
BY_ID: dict[str, Misconception] = {m.id: m for m in CATALOGUE}


# --- diagnosis ------------------------------------------------------------------------------

# (calls, the student's results, warnings as errors, whether the example failed)
Observation = tuple[list, list, bool, bool]
UNDIAGNOSABLE = {"timeout", "crashed", "missing", "not_implemented", "invalid_result"}


def diagnose(function: str, observations: Sequence[Observation]) -> list[str]:
    """The ids of the misconceptions whose variant gives the student's result on every
    observed call (none when there is nothing to go on)."""
    if not any(failing for *_, failing in observations) or any(
            isinstance(a, CallError) and a.kind in UNDIAGNOSABLE
            for _, actual, *_ in observations for a in actual):
        return []  # a misconception must explain at least one failure
    return [m.id for m in OF.get(function, ()) if _matches(m, observations)]


def _matches(misconception: Misconception, observations: Sequence[Observation]) -> bool:
    """The variant gives the student's results on every failing example, leaving aside the
    ones where it raises ValueError and the student returned a value: a check the student
    left out, which the feedback reports on its own (a flipped kernel without the size
    checks is still a flipped kernel). At least one failing example must be matched, and
    the variant must be right where the student was (a student who leaves out only the dense
    biases is not one who leaves out every bias)."""
    from autograder.inprocess import InProcessStudent  # trusted: the variant is our code
    variant = InProcessStudent({misconception.function: misconception.variant})
    matched = 0
    for calls, actual, strict, failing in observations:
        predicted = variant.call_many(misconception.function, calls, warnings_as_errors=strict)
        pairs = list(zip(predicted, actual, strict=True))
        if failing and any(_left_out_check(p, a) for p, a in pairs):
            continue
        if not all(same(p, a, misconception.any_dtype) for p, a in pairs):
            return False
        matched += failing
    return matched > 0


def _left_out_check(predicted, actual) -> bool:
    return (isinstance(predicted, CallError) and predicted.exception_type == "ValueError"
            and not isinstance(actual, CallError))


def same(predicted, actual, any_dtype: bool = False) -> bool:
    """The same result: the same kind of value (int or float, list or tuple, error type)
    and the same numbers."""
    if isinstance(predicted, CallError) or isinstance(actual, CallError):
        return (isinstance(predicted, CallError) and isinstance(actual, CallError)
                and predicted.kind == actual.kind
                and predicted.exception_type == actual.exception_type)
    if isinstance(predicted, list | tuple) or isinstance(actual, list | tuple):
        return (type(predicted) is type(actual) and len(predicted) == len(actual)
                and all(same(p, a, any_dtype) for p, a in zip(predicted, actual, strict=True)))
    p, a = np.asarray(predicted), np.asarray(actual)
    if p.dtype.kind not in "biuf" or a.dtype.kind not in "biuf":
        return bool(p.shape == a.shape and np.array_equal(p, a))
    if p.shape != a.shape:
        return False
    if not any_dtype and ((p.dtype.kind == "f") != (a.dtype.kind == "f") or (
            p.dtype.kind in "iu" and a.dtype.kind in "iu"
            and p.dtype.itemsize != a.dtype.itemsize)):
        return False  # 3.0 is not 3, and uint8 that wrapped is not int64 that did not
    p, a = p.astype(np.float64), a.astype(np.float64)
    return bool(np.array_equal(np.isnan(p), np.isnan(a)) and np.allclose(
        np.nan_to_num(p), np.nan_to_num(a), rtol=1e-6, atol=1e-9))
