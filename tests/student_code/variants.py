"""Correct answers written differently from ``solutions/``: each must get full marks.

Six ways a good student might write the array exercises (zero_pad, conv1d, conv2d,
conv_layer, relu, sigmoid, max_pool, avg_pool): plain Python loops, numpy's sliding windows,
im2col with one matrix product, FFT-based convolution (float round-off, float32 results),
scipy (``scipy.signal``, ``scipy.ndimage``, ``scipy.special``) and float32 arithmetic. The
loops variant also answers the counting exercises (weights, shapes, receptive field) its own
way. Validation (SPEC section 2's ``ValueError``s) is written here, not borrowed from the
reference; only the given ``layer_settings``/``check_input_shape`` read layer dicts.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.ndimage
import scipy.signal
import scipy.special
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from exercises.architecture import POOLING, check_input_shape, layer_settings


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    functions: dict[str, Callable]


# --- validation, shared by the variants ---------------------------------------------------

def _ndim(name: str, array: np.ndarray, *allowed: int) -> None:
    if array.ndim not in allowed:
        raise ValueError(f"{name} must be {' or '.join(map(str, allowed))}-D, "
                         f"got shape {array.shape}")


def _at_least(name: str, value, low: int) -> int:
    value = operator.index(value)
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return value


def _pad_args(x, pad) -> tuple[np.ndarray, int, int]:
    """``x``, ``pad`` and the number of spatial axes."""
    x = np.asarray(x)
    _ndim("x", x, 1, 2, 3)
    return x, _at_least("pad", pad, 0), min(x.ndim, 2)


def _conv_args(x, kernel, padding, stride, ndim: int):
    x, kernel = np.asarray(x), np.asarray(kernel)
    x_name, kernel_name = ("x", "w") if ndim == 1 else ("image", "kernel")  # the arguments'
    _ndim(x_name, x, ndim)
    _ndim(kernel_name, kernel, ndim)
    if kernel.size == 0:
        raise ValueError(f"{kernel_name} must not be empty, got shape {kernel.shape}")
    padding, stride = _at_least("padding", padding, 0), _at_least("stride", stride, 1)
    for n, k in zip(x.shape, kernel.shape, strict=True):
        if k > n + 2 * padding:
            raise ValueError(f"{kernel_name} ({k}) is larger than the padded {x_name} "
                             f"({n + 2 * padding})")
    return x, kernel, padding, stride


def _layer_args(image, kernels, bias, padding, stride):
    image, kernels = np.asarray(image), np.asarray(kernels)
    _ndim("image", image, 3)
    _ndim("kernels", kernels, 4)
    if kernels.size == 0:
        raise ValueError("kernels must not be empty")
    if image.shape[2] != kernels.shape[2]:
        raise ValueError(f"image has {image.shape[2]} channels, kernels {kernels.shape[2]}")
    if bias is not None:
        bias = np.asarray(bias, dtype=float)
        if bias.shape != (kernels.shape[3],):
            raise ValueError(f"bias must have shape ({kernels.shape[3]},), got {bias.shape}")
    padding, stride = _at_least("padding", padding, 0), _at_least("stride", stride, 1)
    for axis in (0, 1):
        if kernels.shape[axis] > image.shape[axis] + 2 * padding:
            raise ValueError("kernels are larger than the padded image")
    return image, kernels, bias, padding, stride


def _pool_args(x, size, stride):
    """``x``, ``size``, ``stride`` and the output's (h, w)."""
    x = np.asarray(x)
    _ndim("x", x, 2, 3)
    size = _at_least("size", size, 1)
    stride = size if stride is None else _at_least("stride", stride, 1)
    if size > min(x.shape[:2]):
        raise ValueError(f"the window size {size} is larger than x {x.shape[:2]}")
    return x, size, stride, tuple((n - size) // stride + 1 for n in x.shape[:2])


def _dilated_args(image, kernel, dilation, padding, stride):
    """As ``_conv_args``, with the kernel's effective size ``(k - 1) * dilation + 1``."""
    image, kernel = np.asarray(image), np.asarray(kernel)
    dilation = _at_least("dilation", dilation, 1)
    _ndim("image", image, 2)
    _ndim("kernel", kernel, 2)
    if kernel.size == 0:
        raise ValueError(f"kernel must not be empty, got shape {kernel.shape}")
    padding, stride = _at_least("padding", padding, 0), _at_least("stride", stride, 1)
    for n, k in zip(image.shape, kernel.shape, strict=True):
        if (k - 1) * dilation + 1 > n + 2 * padding:
            raise ValueError(f"the dilated kernel ({(k - 1) * dilation + 1}) is larger than "
                             f"the padded image ({n + 2 * padding})")
    return image, kernel, dilation, padding, stride


def _spread(kernel: np.ndarray, dilation: int) -> np.ndarray:
    """The kernel with ``dilation - 1`` zeros between neighbouring taps."""
    spread = np.zeros([(k - 1) * dilation + 1 for k in kernel.shape], kernel.dtype)
    spread[::dilation, ::dilation] = kernel
    return spread


def _collect(prefix: str) -> dict[str, Callable]:
    """The functions of this module named ``prefix + graded name``."""
    return {name[len(prefix):]: f for name, f in globals().items()
            if name.startswith(prefix) and callable(f)}


# --- 1. plain Python loops (and the counting exercises) ------------------------------------

def loops_zero_pad(x, pad):
    x, pad, spatial = _pad_args(x, pad)
    out = np.zeros([n + 2 * pad if a < spatial else n for a, n in enumerate(x.shape)],
                   dtype=x.dtype)
    for index in np.ndindex(*x.shape):
        out[tuple(i + pad if a < spatial else i for a, i in enumerate(index))] = x[index]
    return out


def loops_conv1d(x, w, padding=0, stride=1):
    x, w, padding, stride = _conv_args(x, w, padding, stride, 1)
    xp = [0.0] * padding + [float(v) for v in x] + [0.0] * padding
    out = []
    for start in range(0, len(xp) - len(w) + 1, stride):
        out.append(sum(xp[start + j] * float(w[j]) for j in range(len(w))))
    return np.array(out)


def loops_conv2d(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
    # A grey image is a one-channel image filtered by one kernel.
    return loops_conv_layer(image[:, :, None], kernel[:, :, None, None], None, padding,
                            stride)[:, :, 0]


def loops_dilated_conv2d(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel, d, padding, stride = _dilated_args(image, kernel, dilation, padding, stride)
    xp = loops_zero_pad(image.astype(float), padding)
    kh, kw = kernel.shape
    rows = range(0, xp.shape[0] - (kh - 1) * d, stride)
    cols = range(0, xp.shape[1] - (kw - 1) * d, stride)
    out = [[sum(float(kernel[a, b]) * xp[i + a * d, j + b * d]
                for a in range(kh) for b in range(kw)) for j in cols] for i in rows]
    return np.array(out, dtype=float).reshape(len(rows), len(cols))


def loops_conv_layer(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _layer_args(image, kernels, bias, padding, stride)
    xp = loops_zero_pad(image, padding)
    kh, kw, c_in, c_out = kernels.shape
    rows = range(0, xp.shape[0] - kh + 1, stride)
    cols = range(0, xp.shape[1] - kw + 1, stride)
    out = np.zeros((len(rows), len(cols), c_out))
    for i, top in enumerate(rows):
        for j, left in enumerate(cols):
            for o in range(c_out):
                total = 0.0 if bias is None else float(bias[o])
                for a in range(kh):
                    for b in range(kw):
                        for c in range(c_in):
                            total += float(xp[top + a, left + b, c]) * float(kernels[a, b, c, o])
                out[i, j, o] = total
    return out


def loops_relu(x):
    x = np.asarray(x)
    out = x.copy()
    for index in np.ndindex(*x.shape):
        if out[index] < 0:
            out[index] = 0
    return out


def loops_sigmoid(x):
    x = np.asarray(x)
    out = np.empty(x.shape)
    for index in np.ndindex(*x.shape):
        v = float(x[index])
        out[index] = 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))
    return out


def _loops_pool(x, size, stride, reduce) -> np.ndarray:
    x, size, stride, (h, w) = _pool_args(x, size, stride)
    shaped = x.reshape(x.shape[0], x.shape[1], -1)
    out = np.zeros((h, w, shaped.shape[2]))
    for i in range(h):
        for j in range(w):
            for c in range(shaped.shape[2]):
                out[i, j, c] = reduce([float(shaped[i * stride + a, j * stride + b, c])
                                       for a in range(size) for b in range(size)])
    return out.reshape((h, w, *x.shape[2:]))


def loops_max_pool(x, size=2, stride=None):
    return _loops_pool(x, size, stride, max)


def loops_avg_pool(x, size=2, stride=None):
    return _loops_pool(x, size, stride, lambda values: sum(values) / len(values))


def loops_conv_output_size(input_size, kernel_size, padding=0, stride=1):
    n, k = _at_least("input_size", input_size, 1), _at_least("kernel_size", kernel_size, 1)
    p, s = _at_least("padding", padding, 0), _at_least("stride", stride, 1)
    if k > n + 2 * p:
        raise ValueError(f"kernel_size {k} is larger than the padded input {n + 2 * p}")
    positions, start = 0, 0
    while start + k <= n + 2 * p:  # count the windows that fit completely
        positions, start = positions + 1, start + s
    return positions


def loops_same_padding(kernel_size):
    k = _at_least("kernel_size", kernel_size, 1)
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd, got {k}")
    return k // 2


def loops_pool_output_size(input_size, size=2, stride=None):
    n, size = _at_least("input_size", input_size, 1), _at_least("size", size, 1)
    stride = size if stride is None else _at_least("stride", stride, 1)
    if size > n:
        raise ValueError(f"size {size} is larger than input_size {n}")
    return len(range(0, n - size + 1, stride))


def loops_n_input_features(height, width, channels=1):
    return math.prod(_at_least(name, v, 1) for name, v in
                     (("height", height), ("width", width), ("channels", channels)))


def loops_dense_weights(n_inputs, n_outputs):
    n_in, n_out = _at_least("n_inputs", n_inputs, 1), _at_least("n_outputs", n_outputs, 1)
    return sum(n_in for _ in range(n_out))  # each output has a weight per input


def loops_sparse_weights(n_inputs, kernel_size):
    n, k = _at_least("n_inputs", n_inputs, 1), _at_least("kernel_size", kernel_size, 1)
    if k > n:
        raise ValueError(f"kernel_size {k} is larger than n_inputs {n}")
    return sum(k for _ in range(0, n - k + 1))  # each output position its own k weights


def loops_shared_weights(kernel_size, n_kernels=1):
    return _at_least("kernel_size", kernel_size, 1) * _at_least("n_kernels", n_kernels, 1)


def loops_conv_layer_params(kernel_size, in_channels, out_channels, bias=True):
    k = _at_least("kernel_size", kernel_size, 1)
    c_in, c_out = _at_least("in_channels", in_channels, 1), _at_least("out_channels",
                                                                       out_channels, 1)
    return c_out * (k * k * c_in + (1 if bias else 0))  # per kernel: weights and one bias


def loops_dense_layer_params(n_inputs, n_outputs, bias=True):
    n_in, n_out = _at_least("n_inputs", n_inputs, 1), _at_least("n_outputs", n_outputs, 1)
    return n_out * (n_in + (1 if bias else 0))


def _walk(layers, input_shape) -> list[tuple[dict, tuple[int, ...]]]:
    """Each layer's settings with the shape it receives; the last entry is the output."""
    shape: tuple[int, ...] = check_input_shape(input_shape)
    walked = []
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        walked.append((s, shape))
        kind = s["type"]
        if kind in ("conv", *POOLING):
            if len(shape) != 3:
                raise ValueError(f"layers[{index}] ({kind}) cannot follow flatten")
            if kind == "conv":
                shape = (*(loops_conv_output_size(n, s["kernel_size"], s["padding"],
                                                  s["stride"]) for n in shape[:2]),
                         s["filters"])
            else:
                shape = (*(loops_pool_output_size(n, s["size"], s["stride"])
                           for n in shape[:2]), shape[2])
        elif kind == "flatten":
            shape = (math.prod(shape),)
        elif kind == "dense":
            if len(shape) != 1:
                raise ValueError(f"layers[{index}] (dense) needs flatten before it")
            shape = (s["units"],)
    walked.append(({"type": "output"}, shape))
    return walked


def loops_output_shape(layers, input_shape):
    return tuple(int(d) for d in _walk(layers, input_shape)[-1][1])


def loops_count_parameters(layers, input_shape):
    total = 0
    for s, shape in _walk(layers, input_shape)[:-1]:
        if s["type"] == "conv":
            total += loops_conv_layer_params(s["kernel_size"], shape[2], s["filters"], s["bias"])
        elif s["type"] == "dense":
            total += loops_dense_layer_params(shape[0], s["units"], s["bias"])
    return total


def loops_weights_as_image(weights, shape):
    weights = np.asarray(weights, dtype=float)
    _ndim("weights", weights, 1)
    for d in shape:
        _at_least("shape", d, 1)
    if weights.size != math.prod(shape):
        raise ValueError(f"weights has {weights.size} values, shape {shape} needs "
                         f"{math.prod(shape)}")
    spread = np.ptp(weights)
    scaled = (weights - weights.min()) / spread if spread else np.zeros_like(weights)
    return scaled.reshape(shape)


def _loops_windows(layers) -> list[tuple[int, int]]:
    windows = []
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        if s["type"] in ("flatten", "dense"):
            raise ValueError(f"layers[{index}] ({s['type']}) sees the whole input")
        if s["type"] == "conv":
            windows.append((s["kernel_size"], s["stride"]))
        elif s["type"] in POOLING:
            windows.append((s["size"], s["stride"]))
    return windows


def loops_receptive_field(layers):
    field = 1
    for k, s in reversed(_loops_windows(layers)):  # from the last layer back to the input
        field = (field - 1) * s + k
    return field


def loops_effective_stride(layers):
    return math.prod(s for _, s in _loops_windows(layers))


# --- the backward passes, by loops --------------------------------------------------------

def _d_out_of(d_out, shape) -> np.ndarray:
    d_out = np.asarray(d_out, dtype=float)
    if d_out.shape != tuple(shape):
        raise ValueError(f"d_out must have shape {tuple(shape)}, got {d_out.shape}")
    return d_out


def loops_conv_layer_backward(d_out, image, kernels, padding=0, stride=1):
    image, kernels, _, p, s = _layer_args(image, kernels, None, padding, stride)
    kh, kw, c_in, c_out = kernels.shape
    h, w = ((image.shape[a] + 2 * p - kernels.shape[a]) // s + 1 for a in (0, 1))
    d_out = _d_out_of(d_out, (h, w, c_out))
    xp = np.zeros((image.shape[0] + 2 * p, image.shape[1] + 2 * p, c_in))
    xp[p:p + image.shape[0], p:p + image.shape[1]] = image
    d_xp, d_kernels, d_bias = np.zeros(xp.shape), np.zeros(kernels.shape), np.zeros(c_out)
    for i, j, o in np.ndindex(h, w, c_out):
        g = float(d_out[i, j, o])
        d_bias[o] += g
        for a, b, c in np.ndindex(kh, kw, c_in):
            d_kernels[a, b, c, o] += float(xp[i * s + a, j * s + b, c]) * g
            d_xp[i * s + a, j * s + b, c] += float(kernels[a, b, c, o]) * g
    return d_xp[p:p + image.shape[0], p:p + image.shape[1]], d_kernels, d_bias


def _loops_pool_backward(d_out, x, size, stride, share) -> np.ndarray:
    x, size, stride, (h, w) = _pool_args(x, size, stride)
    d_out = _d_out_of(d_out, (h, w, *x.shape[2:]))
    x3 = x.reshape(x.shape[0], x.shape[1], -1)
    g3 = d_out.reshape(h, w, -1)
    d_x = np.zeros(x3.shape)
    for i, j, c in np.ndindex(h, w, x3.shape[2]):
        cells = [(i * stride + a, j * stride + b) for a in range(size) for b in range(size)]
        for cell, part in zip(cells, share([float(x3[r, q, c]) for r, q in cells]),
                              strict=True):
            d_x[cell[0], cell[1], c] += part * g3[i, j, c]
    return d_x.reshape(x.shape)


def _first_max(values: list[float]) -> list[float]:
    best = values.index(max(values))  # the first maximum, row by row
    return [1.0 if k == best else 0.0 for k in range(len(values))]


def loops_max_pool_backward(d_out, x, size=2, stride=None):
    return _loops_pool_backward(d_out, x, size, stride, _first_max)


def loops_avg_pool_backward(d_out, x, size=2, stride=None):
    return _loops_pool_backward(d_out, x, size, stride,
                                lambda values: [1 / len(values)] * len(values))


def loops_relu_backward(d_out, x):
    x = np.asarray(x)
    d_out = _d_out_of(d_out, x.shape)
    out = np.zeros(x.shape)
    for index in np.ndindex(*x.shape):
        out[index] = d_out[index] if x[index] > 0 else 0.0
    return out


def loops_sigmoid_backward(d_out, x):
    x = np.asarray(x)
    d_out = _d_out_of(d_out, x.shape)
    s = loops_sigmoid(x)
    return d_out * s * (1 - s)


def _loops_batch(weights, images, labels, learning_rate) -> tuple[list, list, list]:
    """train_step's arguments as lists (images as rows of numbers), with its ValueErrors."""
    images = np.asarray(images)
    if images.ndim < 2 or images.shape[0] == 0:
        raise ValueError("images must have a batch axis and at least one image")
    rows = [[float(v) for v in image.ravel()] for image in images]
    weights, labels = np.asarray(weights), np.asarray(labels)
    if weights.shape != (len(rows[0]),):
        raise ValueError("weights must hold one weight per value of an image")
    if labels.shape != (len(rows),):
        raise ValueError("labels must hold one label per image")
    if learning_rate < 0:
        raise ValueError("learning_rate must not be negative")
    return [float(w) for w in weights], rows, [float(y) for y in labels]


def loops_train_step(weights, bias, images, labels, learning_rate):
    w, rows, ys = _loops_batch(weights, images, labels, learning_rate)
    d_w, d_b = [0.0] * len(w), 0.0
    for row, y in zip(rows, ys, strict=True):
        z = sum(wi * xi for wi, xi in zip(w, row, strict=True)) + bias
        p = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        d_z = (p - y) / len(rows)
        d_w = [d + d_z * xi for d, xi in zip(d_w, row, strict=True)]
        d_b += d_z
    return (np.array([wi - learning_rate * d for wi, d in zip(w, d_w, strict=True)]),
            float(bias) - learning_rate * d_b)


def loops_fit(weights, bias, images, labels, learning_rate, epochs):
    if epochs < 0:
        raise ValueError("epochs must not be negative")
    _loops_batch(weights, images, labels, learning_rate)
    weights, bias = np.array(weights, dtype=float), float(bias)
    for _ in range(epochs):
        weights, bias = loops_train_step(weights, bias, images, labels, learning_rate)
    return weights, bias


# --- 2. numpy's sliding windows (stride tricks) -----------------------------------------------

def windows_zero_pad(x, pad):
    x, pad, spatial = _pad_args(x, pad)
    out = np.zeros([n + 2 * pad if a < spatial else n for a, n in enumerate(x.shape)], x.dtype)
    out[tuple(slice(pad, pad + n) for n in x.shape[:spatial])] = x
    return out


def windows_conv1d(x, w, padding=0, stride=1):
    x, w, padding, stride = _conv_args(x, w, padding, stride, 1)
    xp = windows_zero_pad(x.astype(float), padding)
    return sliding_window_view(xp, w.size)[::stride] @ w.astype(float)


def windows_conv2d(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
    xp = windows_zero_pad(image.astype(float), padding)
    views = sliding_window_view(xp, kernel.shape)[::stride, ::stride]
    return np.einsum("ijab,ab->ij", views, kernel.astype(float))


def windows_dilated_conv2d(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel, d, padding, stride = _dilated_args(image, kernel, dilation, padding, stride)
    xp = windows_zero_pad(image.astype(float), padding)
    span = tuple((k - 1) * d + 1 for k in kernel.shape)
    views = sliding_window_view(xp, span)[::stride, ::stride, ::d, ::d]  # the taps only
    return np.einsum("ijab,ab->ij", views, kernel.astype(float))


def windows_conv_layer(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _layer_args(image, kernels, bias, padding, stride)
    xp = windows_zero_pad(image.astype(float), padding)
    views = sliding_window_view(xp, kernels.shape[:2], axis=(0, 1))[::stride, ::stride]
    out = np.einsum("ijcab,abco->ijo", views, kernels.astype(float))
    return out if bias is None else out + bias


def windows_relu(x):
    return np.clip(np.asarray(x), 0, None)


def windows_sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float)))  # tanh never overflows


def _window_views(x, size, stride):
    x, size, stride, _ = _pool_args(x, size, stride)
    return sliding_window_view(x, (size, size), axis=(0, 1))[::stride, ::stride]


def windows_max_pool(x, size=2, stride=None):
    return _window_views(x, size, stride).max(axis=(-2, -1))


def windows_avg_pool(x, size=2, stride=None):
    return _window_views(x, size, stride).mean(axis=(-2, -1), dtype=float)


# --- 3. im2col: every window a row, one matrix product ----------------------------------------

def im2col_zero_pad(x, pad):
    x, pad, spatial = _pad_args(x, pad)
    for axis in range(spatial):
        zeros = np.zeros((*x.shape[:axis], pad, *x.shape[axis + 1:]), x.dtype)
        x = np.concatenate([zeros, x, zeros], axis=axis)
    return x


def _im2col(x: np.ndarray, kh: int, kw: int, stride: int) -> tuple[np.ndarray, int, int]:
    """Rows of ``(kh * kw * C)`` values, one per window of ``x (H, W, C)``, and (Ho, Wo)."""
    h_out, w_out = (x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1
    s0, s1, s2 = x.strides
    cols = as_strided(x, (h_out, w_out, kh, kw, x.shape[2]),
                      (s0 * stride, s1 * stride, s0, s1, s2), writeable=False)
    return cols.reshape(h_out * w_out, -1), h_out, w_out


def im2col_conv_layer(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _layer_args(image, kernels, bias, padding, stride)
    xp = np.ascontiguousarray(im2col_zero_pad(image.astype(float), padding))
    kh, kw, _, c_out = kernels.shape
    cols, h_out, w_out = _im2col(xp, kh, kw, stride)
    out = (cols @ kernels.reshape(-1, c_out).astype(float)).reshape(h_out, w_out, c_out)
    return out if bias is None else out + bias


def im2col_conv2d(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
    return im2col_conv_layer(image[:, :, None], kernel[:, :, None, None], None, padding,
                             stride)[:, :, 0]


def im2col_dilated_conv2d(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel, d, padding, stride = _dilated_args(image, kernel, dilation, padding, stride)
    return im2col_conv2d(image, _spread(kernel, d), padding, stride)


def im2col_conv1d(x, w, padding=0, stride=1):
    x, w, padding, stride = _conv_args(x, w, padding, stride, 1)
    # A signal is a one-row image; padding the row only: pad first, then pad 0.
    xp = im2col_zero_pad(x, padding)
    return im2col_conv2d(xp[None, :], w[None, :], 0, stride)[0]


def im2col_relu(x):
    x = np.asarray(x)
    return x * (x > 0)


def im2col_sigmoid(x):
    x = np.asarray(x, dtype=float)
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


def _pool_columns(x, size, stride) -> tuple[np.ndarray, tuple[int, ...]]:
    """Windows as ``(Ho * Wo, size * size, C)`` and the output's shape."""
    x, size, stride, (h, w) = _pool_args(x, size, stride)
    shaped = np.ascontiguousarray(x.reshape(x.shape[0], x.shape[1], -1))
    cols, _, _ = _im2col(shaped, size, size, stride)
    return cols.reshape(h * w, size * size, shaped.shape[2]), (h, w, *x.shape[2:])


def im2col_max_pool(x, size=2, stride=None):
    cols, shape = _pool_columns(x, size, stride)
    return cols.max(axis=1).reshape(shape)


def im2col_avg_pool(x, size=2, stride=None):
    cols, shape = _pool_columns(x, size, stride)
    return cols.astype(float).mean(axis=1).reshape(shape)


# --- 4. FFT: correlation is a product of spectra (float round-off, float32 results) -----------

def fft_zero_pad(x, pad):
    x, pad, spatial = _pad_args(x, pad)
    out = np.zeros_like(x, shape=[n + 2 * pad if a < spatial else n
                                  for a, n in enumerate(x.shape)])
    out[tuple(slice(pad, out.shape[axis] - pad) for axis in range(spatial))] = x
    return out


def _fft_correlate(xp: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of ``xp (H, W, C)`` with ``kernels (kh, kw, C, O)`` via FFT:
    correlating is convolving with the flipped kernel, summed over C."""
    shape = xp.shape[:2]
    spectrum = np.fft.rfft2(xp, s=shape, axes=(0, 1))[..., None]
    flipped = np.fft.rfft2(kernels[::-1, ::-1], s=shape, axes=(0, 1))
    full = np.fft.irfft2((spectrum * flipped).sum(axis=2), s=shape, axes=(0, 1))
    kh, kw = kernels.shape[:2]
    return full[kh - 1:, kw - 1:]  # the circular wrap lands in the first kh-1 rows/cols


def fft_conv_layer(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _layer_args(image, kernels, bias, padding, stride)
    xp = fft_zero_pad(image.astype(float), padding)
    out = _fft_correlate(xp, kernels.astype(float))[::stride, ::stride]
    return (out if bias is None else out + bias).astype(np.float32)


def fft_conv2d(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
    return fft_conv_layer(image[:, :, None], kernel[:, :, None, None], None, padding,
                          stride)[:, :, 0]


def fft_dilated_conv2d(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel, d, padding, stride = _dilated_args(image, kernel, dilation, padding, stride)
    return fft_conv2d(image, _spread(kernel, d), padding, stride)


def fft_conv1d(x, w, padding=0, stride=1):
    x, w, padding, stride = _conv_args(x, w, padding, stride, 1)
    xp = fft_zero_pad(x.astype(float), padding)
    n = xp.size
    full = np.fft.irfft(np.fft.rfft(xp, n) * np.fft.rfft(w[::-1].astype(float), n), n)
    return full[w.size - 1:][::stride]


def fft_relu(x):
    x = np.asarray(x)
    return np.where(x < 0, 0, x)


def fft_sigmoid(x):
    return np.exp(-np.logaddexp(0, -np.asarray(x, dtype=float)))  # log-sum-exp: no overflow


def fft_max_pool(x, size=2, stride=None):
    x, size, stride, (h, w) = _pool_args(x, size, stride)
    rows = [np.max([x[i * stride + a, b:b + stride * (w - 1) + 1:stride]
                    for a in range(size) for b in range(size)], axis=0) for i in range(h)]
    return np.stack(rows)


def fft_avg_pool(x, size=2, stride=None):
    x, size, stride, (h, w) = _pool_args(x, size, stride)
    shaped = x.reshape(x.shape[0], x.shape[1], -1).astype(float)
    box = np.full((size, size, 1, 1), 1 / size**2)
    channels = [_fft_correlate(shaped[:, :, c:c + 1], box)[::stride, ::stride, 0]
                for c in range(shaped.shape[2])]
    return np.stack(channels, axis=2).reshape((h, w, *x.shape[2:])).astype(np.float32)


# --- 5. scipy --------------------------------------------------------------------------------

def scipy_zero_pad(x, pad):
    x, pad, spatial = _pad_args(x, pad)
    return np.pad(x, [(pad, pad) if a < spatial else (0, 0) for a in range(x.ndim)])


def scipy_conv1d(x, w, padding=0, stride=1):
    x, w, padding, stride = _conv_args(x, w, padding, stride, 1)
    xp = scipy_zero_pad(x.astype(float), padding)
    return scipy.signal.correlate(xp, w.astype(float), mode="valid")[::stride]


def scipy_conv2d(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
    xp = scipy_zero_pad(image.astype(float), padding)
    return scipy.signal.correlate2d(xp, kernel.astype(float), mode="valid")[::stride, ::stride]


def scipy_dilated_conv2d(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel, d, padding, stride = _dilated_args(image, kernel, dilation, padding, stride)
    xp = scipy_zero_pad(image.astype(float), padding)
    spread = _spread(kernel.astype(float), d)
    return scipy.signal.correlate2d(xp, spread, mode="valid")[::stride, ::stride]


def scipy_conv_layer(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _layer_args(image, kernels, bias, padding, stride)
    xp = scipy_zero_pad(image.astype(float), padding)
    # A 3-D 'valid' correlation over (H, W, C) sums the channels: one output map per kernel.
    maps = [scipy.signal.correlate(xp, kernels[..., o].astype(float), mode="valid")[..., 0]
            for o in range(kernels.shape[3])]
    out = np.stack(maps, axis=2)[::stride, ::stride]
    return out if bias is None else out + bias


def scipy_relu(x):
    return np.fmax(np.asarray(x), 0)


def scipy_sigmoid(x):
    return scipy.special.expit(np.asarray(x, dtype=float))


def _scipy_pool(x, size, stride, image_filter) -> np.ndarray:
    x, size, stride, (h, w) = _pool_args(x, size, stride)
    footprint = (size, size, *([1] * (x.ndim - 2)))
    filtered = image_filter(x, size=footprint, mode="constant")
    # scipy centres a window of size k on index i + k // 2 when it starts at i.
    start = size // 2
    return filtered[start:start + stride * (h - 1) + 1:stride,
                    start:start + stride * (w - 1) + 1:stride]


def scipy_max_pool(x, size=2, stride=None):
    return _scipy_pool(x, size, stride, scipy.ndimage.maximum_filter)


def scipy_avg_pool(x, size=2, stride=None):
    # uniform_filter keeps an integer dtype (and truncates): filter floats.
    return _scipy_pool(np.asarray(x, dtype=float), size, stride, scipy.ndimage.uniform_filter)


def scipy_conv_layer_backward(d_out, image, kernels, padding=0, stride=1):
    """d_kernels: the padded image correlated with d_out spread out by the stride; d_image:
    that spread d_out fully convolved with each kernel (convolve2d flips it)."""
    image, kernels, _, p, s = _layer_args(image, kernels, None, padding, stride)
    kh, kw, c_in, c_out = kernels.shape
    h, w = ((image.shape[a] + 2 * p - kernels.shape[a]) // s + 1 for a in (0, 1))
    d_out = _d_out_of(d_out, (h, w, c_out))
    xp = np.pad(image.astype(float), ((p, p), (p, p), (0, 0)))
    spread = np.zeros(((h - 1) * s + 1, (w - 1) * s + 1, c_out))
    spread[::s, ::s] = d_out
    d_kernels, d_xp = np.zeros(kernels.shape), np.zeros(xp.shape)
    for c, o in np.ndindex(c_in, c_out):
        d_kernels[:, :, c, o] = scipy.signal.correlate2d(xp[:, :, c], spread[:, :, o],
                                                         mode="valid")[:kh, :kw]
        full = scipy.signal.convolve2d(spread[:, :, o], kernels[:, :, c, o])
        d_xp[:full.shape[0], :full.shape[1], c] += full
    return (d_xp[p:p + image.shape[0], p:p + image.shape[1]], d_kernels,
            d_out.sum(axis=(0, 1)))


def scipy_sigmoid_backward(d_out, x):
    x = np.asarray(x)
    s = scipy.special.expit(x.astype(float))
    return _d_out_of(d_out, x.shape) * s * (1 - s)


# --- 6. float32 arithmetic -----------------------------------------------------------------

def float32_zero_pad(x, pad):
    x, pad, spatial = _pad_args(x, pad)
    out = np.zeros_like(x, shape=tuple(n + 2 * pad if a < spatial else n
                                       for a, n in enumerate(x.shape)))
    out[tuple(slice(pad, -pad or None) for _ in range(spatial))] = x
    return out


def float32_conv_layer(image, kernels, bias=None, padding=0, stride=1):
    image, kernels, bias, padding, stride = _layer_args(image, kernels, bias, padding, stride)
    xp = float32_zero_pad(image.astype(np.float32), padding)
    kh, kw, _, c_out = kernels.shape
    h_out, w_out = (xp.shape[0] - kh) // stride + 1, (xp.shape[1] - kw) // stride + 1
    weights = kernels.astype(np.float32)
    out = np.zeros((h_out, w_out, c_out), np.float32)
    for i in range(h_out):
        window_row = xp[i * stride:i * stride + kh]
        for j in range(w_out):
            out[i, j] = np.tensordot(window_row[:, j * stride:j * stride + kw], weights, 3)
    return out if bias is None else out + bias.astype(np.float32)


def float32_conv2d(image, kernel, padding=0, stride=1):
    image, kernel, padding, stride = _conv_args(image, kernel, padding, stride, 2)
    return float32_conv_layer(image[:, :, None], kernel[:, :, None, None], None, padding,
                              stride)[:, :, 0]


def float32_dilated_conv2d(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel, d, padding, stride = _dilated_args(image, kernel, dilation, padding, stride)
    xp = float32_zero_pad(image.astype(np.float32), padding)
    kh, kw = kernel.shape
    h_out = (xp.shape[0] - (kh - 1) * d - 1) // stride + 1
    w_out = (xp.shape[1] - (kw - 1) * d - 1) // stride + 1
    out = np.zeros((h_out, w_out), np.float32)
    for a in range(kh):  # tap by tap, in float32
        for b in range(kw):
            out += np.float32(kernel[a, b]) * xp[a * d:a * d + stride * (h_out - 1) + 1:stride,
                                                 b * d:b * d + stride * (w_out - 1) + 1:stride]
    return out


def float32_conv1d(x, w, padding=0, stride=1):
    x, w, padding, stride = _conv_args(x, w, padding, stride, 1)
    xp = float32_zero_pad(x.astype(np.float32), padding)
    n_out = (xp.size - w.size) // stride + 1
    w32 = w.astype(np.float32)
    return np.array([np.dot(xp[i * stride:i * stride + w.size], w32) for i in range(n_out)],
                    dtype=np.float32)


def float32_relu(x):
    return np.maximum(np.asarray(x, dtype=np.float32), np.float32(0))


def float32_sigmoid(x):
    # Clipped before the cast: 1e308 does not fit a float32 (the cast would warn), and
    # sigmoid(+-100) is 1 or 0 to float32's precision anyway.
    x = np.clip(np.asarray(x, dtype=np.float64), -100, 100).astype(np.float32)
    e = np.exp(-np.abs(x))  # in (0, 1]: no overflow even in float32 (exp(89) would)
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float32)


def _float32_pool(x, size, stride, combine) -> np.ndarray:
    x, size, stride, (h, w) = _pool_args(x, size, stride)
    x = x.astype(np.float32)
    result = None
    for a in range(size):
        for b in range(size):
            part = x[a:a + stride * h:stride, b:b + stride * w:stride][:h, :w]
            result = part if result is None else combine(result, part)
    return result


def float32_max_pool(x, size=2, stride=None):
    return _float32_pool(x, size, stride, np.maximum)


def float32_avg_pool(x, size=2, stride=None):
    size_ = _at_least("size", size, 1)
    return _float32_pool(x, size, stride, np.add) / np.float32(size_ * size_)


VARIANTS: list[Variant] = [
    Variant("loops", "plain Python loops; the counting exercises too", _collect("loops_")),
    Variant("windows", "numpy sliding_window_view and einsum", _collect("windows_")),
    Variant("im2col", "as_strided im2col and one matrix product", _collect("im2col_")),
    Variant("fft", "FFT-based convolution, float32 results", _collect("fft_")),
    Variant("scipy", "scipy.signal.correlate, scipy.ndimage filters, expit",
            _collect("scipy_")),
    Variant("float32", "float32 arithmetic throughout", _collect("float32_")),
]
