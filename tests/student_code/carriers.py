"""Hand-ins that carry the mistakes the diagnosis learnt in feedback round 2 (issue 21).

Written as students write them, loop by loop, without the grader's variants: each is the
independent carrier of a misconception of ``autograder/checks/``, or of two at once (the
flipped kernel of a textbook convolution, together with an integer output, a stride bug or a
uint8 overflow, as in public CNN-from-scratch code). ``NAMED``: what its feedback must name,
an id, or two joined by " + " for two mistakes at once.
"""

from __future__ import annotations

import math

import numpy as np

from exercises.architecture import POOLING, layer_settings
from exercises.validation import check_fits, check_ndim, check_non_negative, check_positive
from student_code.mutants import Mutant

# --- convolution ---------------------------------------------------------------------------


def _checked(image, kernel, padding, stride, ndim: int):
    image, kernel = np.asarray(image), np.asarray(kernel)
    check_ndim("image", image, ndim)
    check_ndim("kernel", kernel, ndim)
    if kernel.size == 0:
        raise ValueError("the kernel must not be empty")
    padding, stride = check_non_negative("padding", padding), check_positive("stride", stride)
    for n, k in zip(image.shape, kernel.shape, strict=True):
        check_fits("kernel", k, "the padded image", n + 2 * padding)
    return image, kernel, padding, stride


def conv2d_textbook_integer_output(image, kernel, padding=0, stride=1):
    """The kernel rotated by 180 degrees, and ``np.zeros_like``: an int image gives an int
    output (a CS231n-style naive loop)."""
    image, kernel, padding, stride = _checked(image, kernel, padding, stride, 2)
    rotated = np.rot90(kernel, 2)
    xp = np.pad(image, padding)
    kh, kw = kernel.shape
    out = np.zeros_like(image, shape=((xp.shape[0] - kh) // stride + 1,
                                      (xp.shape[1] - kw) // stride + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(xp[r * stride:r * stride + kh, c * stride:c * stride + kw]
                               * rotated)
    return out


def conv2d_textbook_no_stride(image, kernel, padding=0, stride=1):
    """A true convolution that slides one pixel at a time whatever the stride."""
    image, kernel, padding, stride = _checked(image, kernel, padding, stride, 2)
    image = np.pad(image.astype(float), padding)
    kh, kw = kernel.shape
    flipped = kernel[::-1][:, ::-1]
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    return np.array([[float((image[r:r + kh, c:c + kw] * flipped).sum()) for c in range(cols)]
                     for r in range(rows)])


def conv1d_convolve_in_input_dtype(x, w, padding=0, stride=1):
    """np.convolve (flipped) on the padded input as it came: uint8 stays uint8."""
    x, w, padding, stride = _checked(x, w, padding, stride, 1)
    xp = np.concatenate([np.zeros(padding, x.dtype), x, np.zeros(padding, x.dtype)])
    out = np.array([(xp[i:i + w.size] * w[::-1]).sum(dtype=np.result_type(xp, w))
                    for i in range(0, xp.size - w.size + 1, stride)])
    return out.astype(np.result_type(xp, w))


def conv2d_pads_top_left_checked(image, kernel, padding=0, stride=1):
    """Pads above and left only, then checks the kernel against what it padded."""
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    check_ndim("image", image, 2)
    check_ndim("kernel", kernel, 2)
    if kernel.size == 0:
        raise ValueError("the kernel must not be empty")
    padding, stride = check_non_negative("padding", padding), check_positive("stride", stride)
    padded = np.zeros((image.shape[0] + padding, image.shape[1] + padding))
    padded[padding:, padding:] = image
    for n, k in zip(padded.shape, kernel.shape, strict=True):
        check_fits("kernel", k, "the padded image", n)
    kh, kw = kernel.shape
    return np.array([[np.sum(padded[i:i + kh, j:j + kw] * kernel)
                      for j in range(0, padded.shape[1] - kw + 1, stride)]
                     for i in range(0, padded.shape[0] - kh + 1, stride)])


def conv_layer_forgets_to_pad(image, kernels, bias=None, padding=0, stride=1):
    """Checks the padding, then slides the kernels over the unpadded image."""
    image, kernels = np.asarray(image, dtype=float), np.asarray(kernels, dtype=float)
    check_ndim("image", image, 3)
    check_ndim("kernels", kernels, 4)
    if kernels.size == 0:
        raise ValueError("kernels must not be empty")
    if image.shape[2] != kernels.shape[2]:
        raise ValueError("the image's channels and the kernels' C_in differ")
    if bias is not None and np.shape(bias) != (kernels.shape[3],):
        raise ValueError("bias must have shape (C_out,)")
    padding, stride = check_non_negative("padding", padding), check_positive("stride", stride)
    kh, kw, _, c_out = kernels.shape
    for n, k in zip(image.shape[:2], (kh, kw), strict=True):
        check_fits("kernels", k, "the padded image", n + 2 * padding)
    rows = range(0, image.shape[0] - kh + 1, stride)
    cols = range(0, image.shape[1] - kw + 1, stride)
    out = np.zeros((len(rows), len(cols), c_out))
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            for o in range(c_out):
                out[a, b, o] = np.sum(image[i:i + kh, j:j + kw] * kernels[:, :, :, o])
    return out if bias is None else out + np.asarray(bias, dtype=float)


# --- pooling -------------------------------------------------------------------------------

def _checked_pool(x, size, stride):
    x = np.asarray(x)
    check_ndim("x", x, 2, 3)
    size = check_positive("size", size)
    stride = size if stride is None else check_positive("stride", stride)
    for n in x.shape[:2]:
        check_fits("size", size, "the input", n)
    return x, size, stride


def max_pool_ceil_mode(x, size=2, stride=None):
    """PyTorch's ceil_mode=True: a window hanging over the border still gives an output."""
    x, size, stride = _checked_pool(x, size, stride)
    h, w = (math.ceil((n - size) / stride) + 1 for n in x.shape[:2])
    out = np.empty((h, w, *x.shape[2:]), dtype=x.dtype)
    for i in range(h):
        for j in range(w):
            out[i, j] = x[i * stride:i * stride + size, j * stride:j * stride + size].max(
                axis=(0, 1))
    return out


def _one_map_per_channel(x, size, stride, pool, dtype=None):
    """Pools the whole 3-D window, and writes that one value into every channel."""
    x, size, stride = _checked_pool(x, size, stride)
    h, w = ((n - size) // stride + 1 for n in x.shape[:2])
    out = np.zeros((h, w, *x.shape[2:]), dtype=dtype or x.dtype)
    for i in range(h):
        for j in range(w):
            out[i, j] = pool(x[i * stride:i * stride + size, j * stride:j * stride + size])
    return out


def max_pool_one_map_per_channel(x, size=2, stride=None):
    return _one_map_per_channel(x, size, stride, np.max)


def avg_pool_one_map_per_channel(x, size=2, stride=None):
    return _one_map_per_channel(x, size, stride, np.mean, dtype=float)


def max_pool_slides_by_one(x, size=2, stride=None):
    """Checks the stride, but every window starts one pixel after the last."""
    x, size, _ = _checked_pool(x, size, stride)
    h, w = (n - size + 1 for n in x.shape[:2])
    return np.array([[x[i:i + size, j:j + size].max(axis=(0, 1)) for j in range(w)]
                     for i in range(h)])


# --- weights and architectures --------------------------------------------------------------

def dense_layer_params_bias_per_input(n_inputs, n_outputs, bias=True):
    n_inputs, n_outputs = check_positive("n_inputs", n_inputs), check_positive("n_outputs",
                                                                                n_outputs)
    return n_inputs * n_outputs + (n_inputs if bias else 0)


def count_parameters_without_padding(layers, input_shape):
    """Walks the network as output_shape does, but a conv's output size leaves out p."""
    h, w, c = input_shape
    total, flat = 0, None
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        if s["type"] == "conv":
            k = s["kernel_size"]
            total += k * k * c * s["filters"] + (s["filters"] if s["bias"] else 0)
            h, w, c = (h - k) // s["stride"] + 1, (w - k) // s["stride"] + 1, s["filters"]
        elif s["type"] in POOLING:
            h, w = (h - s["size"]) // s["stride"] + 1, (w - s["size"]) // s["stride"] + 1
        elif s["type"] == "flatten":
            flat = h * w * c
        elif s["type"] == "dense":
            n_in = flat if flat is not None else c
            total += n_in * s["units"] + (s["units"] if s["bias"] else 0)
            flat = s["units"]
        if min(h, w) < 1:
            raise ValueError(f"layers[{index}] leaves no pixels")
    return total


def _strides(layers, pool_default_one: bool) -> list[int]:
    strides = []
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        if s["type"] in ("flatten", "dense"):
            raise ValueError(f"layers[{index}] ({s['type']}) has no receptive field")
        if s["type"] == "conv":
            strides.append(s["stride"])
        elif s["type"] in POOLING:
            strides.append(layer.get("stride", 1) if pool_default_one else s["stride"])
    return strides


def effective_stride_pool_default_one(layers):
    """Pooling layers count, but one without a stride steps by 1, as a conv would."""
    return math.prod(_strides(layers, pool_default_one=True))


def receptive_field_pool_default_one(layers):
    field, jump = 1, 1
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        if s["type"] in ("flatten", "dense"):
            raise ValueError(f"layers[{index}] ({s['type']}) has no receptive field")
        if s["type"] == "conv":
            field, jump = field + (s["kernel_size"] - 1) * jump, jump * s["stride"]
        elif s["type"] in POOLING:
            field += (s["size"] - 1) * jump
            jump *= layer.get("stride", 1)
    return field


CARRIERS = [
    Mutant("conv2d", "textbook convolution into np.zeros_like(image) (two bugs)",
           conv2d_textbook_integer_output),
    Mutant("conv2d", "textbook convolution that ignores the stride (two bugs)",
           conv2d_textbook_no_stride),
    Mutant("conv1d", "flipped kernel summed in the input dtype (two bugs)",
           conv1d_convolve_in_input_dtype),
    Mutant("conv2d", "pads top and left only, checks the kernel against that",
           conv2d_pads_top_left_checked),
    Mutant("conv_layer", "never pads the image", conv_layer_forgets_to_pad),
    Mutant("max_pool", "ceil mode: keeps the partial border windows", max_pool_ceil_mode),
    Mutant("max_pool", "max over all channels, written into each", max_pool_one_map_per_channel),
    Mutant("avg_pool", "mean over all channels, written into each", avg_pool_one_map_per_channel),
    Mutant("max_pool", "windows always one pixel apart", max_pool_slides_by_one),
    Mutant("dense_layer_params", "a bias per input", dense_layer_params_bias_per_input),
    Mutant("count_parameters", "conv output sizes without the padding",
           count_parameters_without_padding),
    Mutant("effective_stride", "a pooling layer's stride defaults to 1",
           effective_stride_pool_default_one),
    Mutant("receptive_field", "a pooling layer's stride defaults to 1",
           receptive_field_pool_default_one),
]

NAMED: dict[str, str] = {
    "conv2d: textbook convolution into np.zeros_like(image) (two bugs)":
        "conv2d.flipped_kernel + conv2d.output_like_input",
    "conv2d: textbook convolution that ignores the stride (two bugs)":
        "conv2d.flipped_kernel + conv2d.stride_ignored",
    "conv1d: flipped kernel summed in the input dtype (two bugs)":
        "conv1d.flipped_kernel + conv1d.input_dtype",
    "conv2d: pads top and left only, checks the kernel against that":
        "conv2d.one_side_padding",
    "conv_layer: never pads the image": "conv_layer.padding_ignored",
    "max_pool: ceil mode: keeps the partial border windows": "max_pool.partial_windows",
    "max_pool: max over all channels, written into each": "max_pool.across_channels_kept",
    "avg_pool: mean over all channels, written into each": "avg_pool.across_channels_kept",
    "max_pool: windows always one pixel apart": "max_pool.stride_always_one",
    "dense_layer_params: a bias per input": "dense_layer_params.bias_per_input",
    "count_parameters: conv output sizes without the padding": "count_parameters.forgets_padding",
    "effective_stride: a pooling layer's stride defaults to 1": "effective_stride.pool_stride_one",
    "receptive_field: a pooling layer's stride defaults to 1": "receptive_field.pool_stride_one",
}
