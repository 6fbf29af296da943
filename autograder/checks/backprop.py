"""The graded functions of ``backprop`` (the lecture's "training of CNNs"): the backward passes
of the convolutional layer, the pooling layers and the activations; for each its declaration
(``Graded``), its hidden checks and its misconceptions.

Besides agreeing with the reference, each backward pass is checked against what makes it a
gradient, with independent oracles computed on the trusted side: central differences of the
forward reference (drawn once, with the examples), the adjoint identity of the convolution
``<conv(x), y> = <x, d_image(y)>``, linearity in ``d_out``, and the routing rules of pooling.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder import strategies as S
from autograder.checks.base import (
    Check,
    Graded,
    Judge,
    Misconception,
    Oracle,
    Raised,
    accepts_nested_lists,
    agreement,
    close,
    keeps_inputs,
    problem_in,
    rejects_invalid_arguments,
    shape_problem,
)
from autograder.checks.convolution import (
    INPUT_DTYPE,
    WHERE_BOTH_BRANCHES,
    _sigmoid_in_input_dtype,
    _sigmoid_where_both_branches,
)
from autograder.checks.pooling import OVERLAPPING_WINDOWS
from cnnlab.catalog import FLOAT_ARRAY, FLOAT_ARRAY_TUPLE, NUMERIC_ARRAY
from solutions import backprop as reference
from solutions.backprop import numerical_gradient
from solutions.convolution import conv_layer, relu, sigmoid
from solutions.experiment import small_patches
from solutions.pooling import avg_pool, max_pool, pool_output_size

SCALARS = st.integers(-3, 3)
LINEAR_EPS = 1e-3  # exact for a loss that is linear (or piecewise linear, away from kinks)
SMOOTH_EPS = 1e-5  # the sigmoid: truncation ~eps^2, rounding ~1e-16/eps, both far below 1e-5


def _parts(result) -> tuple:
    """A result as a tuple of arrays: the three gradients of conv_layer_backward, or one."""
    return tuple(result) if isinstance(result, tuple | list) else (result,)


def on_results(judge: Judge) -> Judge:
    """``base.on_results`` for gradients: a call that gave no result, or a result whose
    arrays are not the reference's shapes (array by array for conv_layer_backward's three),
    fails with that reason before the property is looked at."""
    @functools.wraps(judge)
    def judged(example, actual, expected) -> str | None:
        problem = problem_in(actual)
        for got, want in zip(actual, expected, strict=True):
            if problem or isinstance(want, Raised):
                break
            if isinstance(want, tuple) and not (isinstance(got, tuple | list)
                                                and len(got) == len(want)):
                return f"expected a tuple of {len(want)} arrays, got {type(got).__name__}"
            problem = _parts_shape_problem(_parts(got), _parts(want))
        return problem or judge(example, actual, expected)
    return judged


@st.composite
def _float_d_out(draw, calls: st.SearchStrategy):
    """The calls with a float ``d_out`` (quarters) in place of the one drawn: an integer
    ``x``, as an image is, with the fractional gradient that comes back to it. A ``d_x`` made
    like ``x`` (``np.zeros_like(x)``) truncates it."""
    (d_out, *rest), options = draw(calls)
    return (draw(S.float_arrays(np.shape(d_out))), *rest), options


def _parts_shape_problem(got: tuple, want: tuple) -> str | None:
    """``shape_problem`` of a result's arrays (as many as the reference's), saying which of
    several it is about."""
    for index, (mine, theirs) in enumerate(zip(got, want, strict=True)):
        problem = shape_problem([mine], [theirs])
        if problem:
            return f"array {index + 1} of {len(want)}: {problem}" if len(want) > 1 else problem
    return None


def _parts_close(actual, wanted) -> bool:
    got, want = _parts(actual), _parts(wanted)
    return len(got) == len(want) and all(close(g, w) for g, w in zip(got, want, strict=True))


# --- shared properties: linearity in d_out, central differences ----------------------------------

@st.composite
def _linear_in_d_out(draw, calls: st.SearchStrategy) -> dict:
    """A call and a second ``d_out`` of the same shape, with two scalars."""
    (d_out, *rest), options = draw(calls)
    other = draw(S.float_arrays(np.shape(d_out)))
    return {"d_out": d_out, "other": other, "rest": rest, "options": options,
            "a": draw(SCALARS), "b": draw(SCALARS)}


def _linear_calls(e: dict) -> list:
    mixed = e["a"] * e["d_out"] + e["b"] * e["other"]
    return [((d, *e["rest"]), e["options"]) for d in (e["d_out"], e["other"], mixed)]


@on_results
def _is_linear_in_d_out(e: dict, actual, expected) -> str | None:
    first, second, mixed = (_parts(a) for a in actual)
    wanted = tuple(e["a"] * np.asarray(f, dtype=float) + e["b"] * np.asarray(s, dtype=float)
                   for f, s in zip(first, second, strict=True))
    if not _parts_close(mixed, wanted):
        return (f"backward(a*d1 + b*d2) differs from a*backward(d1) + b*backward(d2) for "
                f"a={e['a']}, b={e['b']}: a gradient is linear in d_out")
    return None


def linear_in_d_out(f: str, calls: st.SearchStrategy) -> Check:
    return Check(f, "is_linear_in_d_out",
                 "linear in d_out: backward(a*d1 + b*d2) = a*backward(d1) + b*backward(d2)",
                 _linear_in_d_out(calls), calls=_linear_calls, judge=_is_linear_in_d_out,
                 covers=(f,))


def _differences(c, forward, eps: float) -> tuple:
    """The central differences of ``L = sum(forward(...) * d_out)`` with respect to every
    argument ``forward`` differentiates (``forward(call)`` gives the functions of one array and
    the arrays), by the given ``numerical_gradient`` on the forward reference: the check's
    ``Oracle``."""
    (d_out, *_), _ = c
    d_out = np.asarray(d_out, dtype=np.float64)
    def loss_of(g: Callable) -> Callable:
        return lambda v: float(np.sum(g(v) * d_out))
    return tuple(numerical_gradient(loss_of(g), at, eps) for g, at in forward(c))


def agrees_with_differences(f: str, calls: st.SearchStrategy, forward, eps: float,
                            max_examples: int = 100) -> Check:
    # Central differences cost two forward calls per input element, more than the rest of a
    # hand-in's grading: those of the course's calls are worked out when the suite is drawn
    # and kept with it; a hand-in's own calls', when judged (``Oracle``).
    differences = Oracle(lambda c: _differences(c, forward, eps))

    @on_results
    def judge(c, actual, expected) -> str | None:
        got = _parts(actual[0])
        for index, (mine, numeric) in enumerate(zip(got, differences(c), strict=True)):
            if not close(mine, numeric):
                which = f" (array {index + 1} of {len(got)})" if len(got) > 1 else ""
                return (f"the gradient{which} differs from the central differences "
                        "(L(x + eps) - L(x - eps)) / (2 eps) of L = sum(forward(x) * d_out)")
        return None
    return Check(f, "agrees_with_central_differences",
                 "the gradient of L = sum(forward(x) * d_out) by central differences",
                 calls, judge=judge, max_examples=max_examples, covers=(f,),
                 oracle=differences)


# --- conv_layer_backward -----------------------------------------------------------------

@st.composite
def _conv_calls(draw, ints: bool = False, **window_options):
    """A valid call of ``conv_layer_backward``: a conv_layer call and a d_out of its output's
    shape."""
    (image, kernels), options = draw(S.conv_layer_calls(bias=False, ints=ints, **window_options))
    p, s = options["padding"], options["stride"]
    out = conv_layer(image, kernels, padding=p, stride=s)
    d_out = draw(S.arrays_of(out.shape, ints))
    return S.call(d_out, image, kernels, padding=p, stride=s)


def _conv_forward(c) -> list:
    """The three functions conv_layer_backward differentiates: of the image, the kernels and
    the bias (zero: the bias moves no gradient), each with the others fixed."""
    (_, image, kernels), options = c
    c_out = kernels.shape[3]
    return [(lambda v: conv_layer(v, kernels, **options), image),
            (lambda v: conv_layer(image, v, **options), kernels),
            (lambda v: conv_layer(image, kernels, v, **options), np.zeros(c_out))]


@on_results
def _is_the_adjoint(c, actual, expected) -> str | None:
    (d_out, image, kernels), options = c
    d_image, d_kernels, _ = actual[0]
    forward = float(np.sum(conv_layer(image, kernels, **options) * d_out))
    for name, array, gradient in (("image", image, d_image), ("kernels", kernels, d_kernels)):
        inner = float(np.sum(np.asarray(array, dtype=float) * np.asarray(gradient, dtype=float)))
        if not close(inner, forward):
            return (f"<conv_layer(image, kernels), d_out> = {forward:g} but <{name}, d_{name}> "
                    f"= {inner:g}: d_{name} is not the adjoint of the convolution")
    return None


@st.composite
def _invalid_conv(draw):
    (d_out, image, kernels), options = draw(_conv_calls(padding=st.integers(0, 2)))
    broken = draw(st.sampled_from(["padding", "stride", "too_large", "empty_kernels",
                                   "image_ndim", "kernels_ndim", "channels", "d_out_shape"]))
    if broken == "padding":
        options["padding"] = draw(S.NEGATIVE)
    elif broken == "stride":
        options["stride"] = draw(S.BELOW_ONE)
    elif broken == "too_large":  # one row taller than the padded image
        kernels = np.ones((image.shape[0] + 2 * options["padding"] + 1, *kernels.shape[1:]))
    elif broken == "empty_kernels":
        kernels = np.zeros((0, 0, *kernels.shape[2:]))
    elif broken == "image_ndim":
        image = image[:, :, 0]
    elif broken == "kernels_ndim":
        kernels = kernels[:, :, :, 0]
    elif broken == "channels":
        image = np.concatenate([image, image[:, :, :1]], axis=2)
    else:
        d_out = _wrong_shape(draw, d_out)
    return (d_out, image, kernels), options


def _wrong_shape(draw, d_out: np.ndarray) -> np.ndarray:
    """``d_out`` one row taller, one column narrower, or without its last axis."""
    how = draw(st.sampled_from(["taller", "dropped_axis"]))
    if how == "taller":
        return np.concatenate([d_out, d_out[:1]], axis=0)
    return d_out[..., 0]


def _conv_checks() -> list[Check]:
    f = "conv_layer_backward"
    plain = _conv_calls()
    return [
        agreement(f, "agrees_without_padding",
                  "d_image, d_kernels and d_bias at padding 0 and stride 1", plain,
                  weight=3, covers=("backward_returns_gradients", "tolerance", f)),
        agreement(f, "agrees_with_padding",
                  "zero padding 1 to 3: the gradient of the padding is dropped",
                  _conv_calls(padding=S.PADDINGS), weight=2, covers=(f,)),
        agreement(f, "agrees_with_stride",
                  "stride 2 and 3: each output pixel's gradient goes to the pixels it saw",
                  _conv_calls(padding=st.integers(0, 2), stride=S.STRIDES), weight=2,
                  covers=("floor", f)),
        agreement(f, "non_square_kernels", "non-square kernels: rows and columns not mixed up",
                  _conv_calls(square=False, padding=st.integers(0, 1)), covers=(f,)),
        agreement(f, "integer_input_gives_floats",
                  "integer inputs (int32, int64, uint8) give the right floating-point gradients",
                  _conv_calls(ints=True, padding=st.integers(0, 1), stride=st.integers(1, 2)),
                  covers=("floats_for_integer_input",)),
        agreement(f, "uses_the_defaults", "padding=0 and stride=1 when left out",
                  S.defaults_only(plain, 3), covers=("defaults[padding]", "defaults[stride]")),
        accepts_nested_lists(f, _conv_calls(padding=st.integers(0, 1))),
        agrees_with_differences(
            f, _conv_calls(channels_in=st.integers(1, 2), channels_out=st.integers(1, 2),
                           padding=st.integers(0, 1), stride=st.integers(1, 2)),
            _conv_forward, LINEAR_EPS, max_examples=50),
        Check(f, "is_the_adjoint_of_conv_layer",
              "<conv_layer(x, k), y> = <x, d_image(y)> = <k, d_kernels(y)>",
              _conv_calls(padding=st.integers(0, 2), stride=st.integers(1, 3)),
              judge=_is_the_adjoint, covers=(f,)),
        linear_in_d_out(f, _conv_calls(padding=st.integers(0, 1), stride=st.integers(1, 2))),
        *rejects_invalid_arguments(f, "the arguments conv_layer rejects, and a d_out that is "
                                   "not the shape of the layer's output, raise ValueError",
                                   _invalid_conv(),
                           covers=("negative_padding[padding]", "stride_below_one[stride]",
                                   "kernel_too_large_per_axis[too_large]",
                                   "empty_kernel[empty_kernels]", "wrong_ndim[image_ndim]",
                                   "wrong_ndim[kernels_ndim]", "channel_mismatch[channels]",
                                   "d_out_shape[d_out_shape]")),
        keeps_inputs(f, _conv_calls(padding=st.integers(0, 1))),
    ]


def _conv_unflipped(d_out, image, kernels, padding=0, stride=1):
    _, d_kernels, d_bias = reference.conv_layer_backward(d_out, image, kernels, padding, stride)
    flipped = np.asarray(kernels)[::-1, ::-1]
    d_image, _, _ = reference.conv_layer_backward(d_out, image, flipped, padding, stride)
    return d_image, d_kernels, d_bias


def _conv_bias_averaged(d_out, image, kernels, padding=0, stride=1):
    d_image, d_kernels, _ = reference.conv_layer_backward(d_out, image, kernels, padding, stride)
    return d_image, d_kernels, np.asarray(d_out, dtype=float).mean(axis=(0, 1))


def _conv_stride_ignored(d_out, image, kernels, padding=0, stride=1):
    """The output pixels' gradients placed 1 pixel apart instead of ``stride``."""
    reference.conv_layer_backward(d_out, image, kernels, padding, stride)  # its ValueErrors
    d_out = np.asarray(d_out, dtype=float)
    dense = np.zeros(conv_layer(image, kernels, padding=padding).shape)
    dense[:d_out.shape[0], :d_out.shape[1]] = d_out
    return reference.conv_layer_backward(dense, image, kernels, padding, 1)


def _conv_padded_d_image(d_out, image, kernels, padding=0, stride=1):
    reference.conv_layer_backward(d_out, image, kernels, padding, stride)
    padded = np.pad(np.asarray(image), ((padding, padding), (padding, padding), (0, 0)))
    return reference.conv_layer_backward(d_out, padded, kernels, 0, stride)


def _conv_d_kernels_overwritten(d_out, image, kernels, padding=0, stride=1):
    """d_kernels written (=) at every output position instead of added up (+=): what the
    last position, the bottom right one, gave."""
    d_image, _, d_bias = reference.conv_layer_backward(d_out, image, kernels, padding, stride)
    d_out = np.asarray(d_out, dtype=float)
    kh, kw = np.shape(kernels)[:2]
    xp = np.pad(np.asarray(image, dtype=float), ((padding, padding), (padding, padding), (0, 0)))
    top, left = (d_out.shape[0] - 1) * stride, (d_out.shape[1] - 1) * stride
    last = xp[top:top + kh, left:left + kw, :, np.newaxis] * d_out[-1, -1]
    return d_image, last, d_bias


def _conv_bias_one_number(d_out, image, kernels, padding=0, stride=1):
    d_image, d_kernels, _ = reference.conv_layer_backward(d_out, image, kernels, padding, stride)
    return d_image, d_kernels, np.sum(np.asarray(d_out, dtype=float))


def _conv_bias_over_other_axes(d_out, image, kernels, padding=0, stride=1):
    """d_bias summed over the columns and channels, np.sum(d_out, axis=(1, 2)): one number
    per output row."""
    d_image, d_kernels, _ = reference.conv_layer_backward(d_out, image, kernels, padding, stride)
    return d_image, d_kernels, np.sum(np.asarray(d_out, dtype=float), axis=(1, 2))


def _conv_crop_minus_padding(d_out, image, kernels, padding=0, stride=1):
    """d_image cropped as d_xp[p:-p, p:-p]: right for p > 0, empty for p = 0 (-0 is 0)."""
    d_image, d_kernels, d_bias = reference.conv_layer_backward(d_out, image, kernels, padding,
                                                               stride)
    return (d_image[:0, :0] if padding == 0 else d_image), d_kernels, d_bias


BIAS_AXES = "d_bias[o] = sum over i, j of d_out[i, j, o]: np.sum(d_out, axis=(0, 1))"

CONV_LAYER_BACKWARD = Graded(
    "conv_layer_backward", FLOAT_ARRAY_TUPLE, section="training", points=3,
    spec="conv_layer_backward: (d_image, d_kernels, d_bias) of conv_layer, d_bias of shape "
         "(C_out,)", checks=_conv_checks, misconceptions=(
        Misconception("not_flipped", "did not route the gradient through the flipped kernel: "
                      "d_image correlates d_out with the kernel as it is",
                      "an input pixel x[m] met kernel weight w[a] in output a[m - a]: "
                      "d_x[m] = sum_a d_out[m - a] w[a], a convolution with the flipped kernel",
                      _conv_unflipped),
        Misconception("bias_not_summed", "averaged d_out over the positions for the bias "
                      "gradient instead of summing it",
                      "the bias is added at every output position: d_bias[o] = sum_{i,j} "
                      "d_out[i, j, o]", _conv_bias_averaged),
        Misconception("stride_ignored", "ignored the stride in the backward pass: output (i, j) "
                      "sent its gradient to the pixels at (i + a, j + b)",
                      "with stride s, output (i, j) saw the pixels (i*s + a, j*s + b)",
                      _conv_stride_ignored),
        Misconception("padded_d_image", "returned the gradient of the padded image",
                      "the padding is not an input: crop d_image back to (H, W, C_in)",
                      _conv_padded_d_image),
        Misconception("d_kernels_overwritten", "wrote d_kernels (=) at every output "
                      "position instead of adding up (+=): only the last position is left",
                      "every output pixel used the same kernel: d_kernels[a, b, c, o] = "
                      "sum over i, j of xp[i*s + a, j*s + b, c] * d_out[i, j, o]",
                      _conv_d_kernels_overwritten),
        Misconception("bias_summed_to_one_number", "summed d_out over every axis for the bias "
                      "gradient: one number instead of one per kernel", BIAS_AXES,
                      # np.sum of an integer d_out is an integer: either is this mistake
                      _conv_bias_one_number, any_dtype=True),
        Misconception("bias_over_other_axes", "summed d_out over the columns and channels "
                      "for the bias gradient (axis=(1, 2)): one number per output row",
                      BIAS_AXES, _conv_bias_over_other_axes, any_dtype=True),
        Misconception("crop_minus_zero", "cropped the padding with d_xp[p:-p, p:-p], which "
                      "is empty for p = 0 (-0 is 0)", "crop with d_xp[p:p + H, p:p + W]",
                      _conv_crop_minus_padding),
    ))


# --- max_pool_backward and avg_pool_backward ------------------------------------------------

@st.composite
def _pool_calls(draw, distinct: bool = False, **pool_options):
    """A valid call of a pooling backward pass: a pooling call and a d_out of its output's
    shape; ``distinct``: no two values of a channel of ``x`` are equal (no ties, no kinks)."""
    (x, size), options = draw(S.pool_calls(**pool_options))
    if distinct:  # within each channel, which is pooled on its own: uint8 holds them all
        h, w = x.shape[:2]
        order = np.array(draw(st.permutations(range(h * w)))).reshape(h, w)
        if x.ndim == 3:
            order = np.stack([(order + c) % (h * w) for c in range(x.shape[2])], axis=2)
        x = (order - h * w // 2) / 4 if x.dtype.kind == "f" else order.astype(x.dtype)
    stride = options.get("stride", size)
    out_shape = (pool_output_size(x.shape[0], size, stride),
                 pool_output_size(x.shape[1], size, stride), *x.shape[2:])
    d_out = draw(S.arrays_of(out_shape, pool_options.get("ints", False)))
    return (d_out, x, size), options


def _pool_forward(pool):
    def forward(c) -> list:
        (_, x, size), options = c
        return [(lambda v: pool(v, size, **options), x)]
    return forward


@st.composite
def _invalid_pool(draw):
    (d_out, x, size), options = draw(_pool_calls(channels=None))
    broken = draw(st.sampled_from(["size", "stride", "too_large", "ndim", "d_out_shape"]))
    if broken == "size":
        size = draw(S.BELOW_ONE)
    elif broken == "stride":
        options = {"stride": draw(S.BELOW_ONE)}
    elif broken == "too_large":
        size = min(x.shape[:2]) + 1
    elif broken == "ndim":
        x = x.reshape(-1)
    else:
        d_out = np.concatenate([d_out, d_out[:1]], axis=0)
    return (d_out, x, size), options


@st.composite
def _ties(draw):
    """Pooling calls whose inputs are 0s and 1s: most windows have several maxima."""
    (d_out, x, size), options = draw(_pool_calls(channels=None, size=st.integers(2, 3),
                                                 stride=st.one_of(st.none(),
                                                                  st.integers(1, 3))))
    x = draw(hnp.arrays(np.int64, x.shape, elements=st.integers(0, 1)))
    return (d_out, x, size), options


@on_results
def _only_the_maximum(c, actual, expected) -> str | None:
    (d_out, x, size), _ = c
    d_x = np.asarray(actual[0], dtype=float)
    if not _window_rule(np.asarray(x, dtype=float), size, d_x, d_out, _argmax_mask):
        return ("in a window, only the maximum gets the window's gradient; the other elements "
                "(and pixels in no window) get 0")
    return None


@on_results
def _spread_evenly(c, actual, expected) -> str | None:
    (d_out, x, size), _ = c
    d_x = np.asarray(actual[0], dtype=float)
    if not _window_rule(np.asarray(x, dtype=float), size, d_x, d_out, _even_mask):
        return (f"every element of a {size}x{size} window gets 1/{size * size} of the window's "
                "gradient (pixels in no window get 0)")
    return None


def _argmax_mask(window: np.ndarray) -> np.ndarray:
    mask = np.zeros(window.shape)
    mask[np.unravel_index(np.argmax(window), window.shape)] = 1.0
    return mask


def _even_mask(window: np.ndarray) -> np.ndarray:
    return np.full(window.shape, 1.0 / window.size)


def _window_rule(x: np.ndarray, size: int, d_x: np.ndarray, d_out, share) -> bool:
    """Windows that do not overlap (stride = size): window (i, j) of channel c holds
    ``d_out[i, j, c] * share(window)``; the pixels in no window hold 0."""
    x3, d3 = x.reshape(*x.shape[:2], -1), d_x.reshape(*x.shape[:2], -1)
    g3 = np.asarray(d_out, dtype=float).reshape(*np.shape(d_out)[:2], -1)
    wanted = np.zeros(x3.shape)
    for i, j, c in np.ndindex(g3.shape):
        rows, cols = slice(i * size, (i + 1) * size), slice(j * size, (j + 1) * size)
        wanted[rows, cols, c] = g3[i, j, c] * share(x3[rows, cols, c])
    return close(d3, wanted)


def _pool_checks(f: str, pool, kind: str) -> list[Check]:
    def calls(**options):
        # max pooling: no ties but in the checks of ties, so that the gradient split over
        # equal maxima (x == x.max(), Coursera's and CS231n's mask) costs those checks alone
        return _pool_calls(**{"distinct": kind == "maximum", **options})

    checks = [
        agreement(f, "routes_2x2_windows",
                  f"the gradient of each non-overlapping 2x2 window goes to its {kind}",
                  calls(size=st.just(2)), weight=3,
                  covers=("backward_returns_gradients", "pooling_keeps_ndim", f)),
        agreement(f, "any_size_and_stride",
                  "window sizes 1 to 4 and strides 1 to 3 (where windows overlap, their "
                  "gradients add up)",
                  calls(stride=st.integers(1, 3)), weight=2, covers=("floor", f)),
        agreement(f, "routes_each_channel", "(H, W, C): each channel on its own",
                  calls(channels=True, stride=st.one_of(st.none(), st.integers(1, 3))),
                  covers=("channels_last", "pooling_keeps_ndim", f)),
        agreement(f, "integer_input", "integer d_out and x"
                  + (" give floats" if kind == "elements, evenly" else ""),
                  calls(channels=None, ints=True),
                  covers=("floats_for_integer_input" if kind == "elements, evenly"
                          else "any_numeric_dtype",)),
        agreement(f, "size_defaults_to_2", "size=2 and stride=2 when left out",
                  S.defaults_only(calls(channels=None, size=st.just(2)), 2),
                  covers=(f, "defaults[size]", "defaults[stride]")),
        accepts_nested_lists(f, calls(channels=None)),
        agrees_with_differences(f, calls(channels=None, distinct=True,
                                         stride=st.one_of(st.none(), st.integers(1, 3))),
                                _pool_forward(pool), LINEAR_EPS),
        linear_in_d_out(f, calls(channels=None, stride=st.one_of(st.none(), st.integers(1, 3)))),
        *rejects_invalid_arguments(f, "the arguments the pooling rejects, and a d_out that is "
                                   "not the pooled output's shape, raise ValueError",
                                   _invalid_pool(), covers=(
                               "size_below_one[size]", "stride_below_one[stride]",
                               "pooling_window_too_large_per_axis[too_large]",
                               "wrong_ndim[ndim]", "d_out_shape[d_out_shape]")),
        keeps_inputs(f, calls(channels=None)),
    ]
    return checks


def _max_pool_checks() -> list[Check]:
    f = "max_pool_backward"
    return [*_pool_checks(f, max_pool, "maximum"),
            Check(f, "only_the_maximum_gets_the_gradient",
                  "only the maximum of a window gets its gradient, the others 0",
                  _pool_calls(channels=None, distinct=True), judge=_only_the_maximum,
                  covers=(f,)),
            agreement(f, "ties_go_to_the_first_maximum",
                      "on ties, only the first maximum in C order gets the gradient",
                      _ties(), weight=2, covers=(f,)),
            agreement(f, "integer_x_float_d_out", "an integer x with a float d_out: the "
                      "gradient keeps its fractions",
                      _float_d_out(_pool_calls(channels=None, ints=True, distinct=True,
                                               stride=st.one_of(st.none(), st.integers(1, 3)))),
                      covers=("any_numeric_dtype",))]


def _avg_pool_checks() -> list[Check]:
    f = "avg_pool_backward"
    return [*_pool_checks(f, avg_pool, "elements, evenly"),
            Check(f, "spreads_evenly_over_the_window",
                  "every element of a size x size window gets 1/size^2 of its gradient",
                  _pool_calls(channels=None), judge=_spread_evenly, covers=(f,))]


def _scatter(d_out, x, size, stride, share, add: bool = True,
             like_x: bool = False) -> np.ndarray:
    """A pooling backward pass by loops: window (i, j) of channel c passes
    ``d_out[i, j, c] * share(window)`` back, added to (or, ``add=False``, written over, where
    its share is not 0) what earlier windows passed back; ``like_x``: into an array of x's
    dtype (``np.zeros_like(x)``), which an integer x truncates at every window."""
    dtype = np.asarray(x).dtype if like_x else np.float64
    x = np.asarray(x, dtype=float)
    step = size if stride is None else stride
    x3 = x.reshape(*x.shape[:2], -1)
    g3 = np.asarray(d_out, dtype=float).reshape(*np.shape(d_out)[:2], -1)
    d_x = np.zeros(x3.shape, dtype=dtype)
    for i, j, c in np.ndindex(g3.shape):
        rows, cols = slice(i * step, i * step + size), slice(j * step, j * step + size)
        part = g3[i, j, c] * share(x3[rows, cols, c])
        before = d_x[rows, cols, c]
        d_x[rows, cols, c] = before + part if add else np.where(share(x3[rows, cols, c]) > 0,
                                                                part, before)
    return d_x.reshape(x.shape)


def _max_whole_window(d_out, x, size=2, stride=None):
    reference.max_pool_backward(d_out, x, size, stride)  # its ValueErrors
    return _scatter(d_out, x, size, stride, lambda w: np.ones(w.shape))


def _max_every_maximum(d_out, x, size=2, stride=None):
    reference.max_pool_backward(d_out, x, size, stride)
    return _scatter(d_out, x, size, stride, lambda w: (w == w.max()).astype(float))


def _max_overwrite_plain(d_out, x, size=2, stride=None):
    """Each window writes its gradient into its maximum's place, over what an earlier window
    put there (``d_x[r, c] = g`` instead of ``+=``)."""
    reference.max_pool_backward(d_out, x, size, stride)  # its ValueErrors
    return _scatter(d_out, x, size, stride, _argmax_mask, add=False)


def _last_argmax_mask(window: np.ndarray) -> np.ndarray:
    flat = window.ravel()
    mask = np.zeros(flat.shape)
    mask[flat.size - 1 - np.argmax(flat[::-1])] = 1.0
    return mask.reshape(window.shape)


def _max_last_maximum(d_out, x, size=2, stride=None):
    reference.max_pool_backward(d_out, x, size, stride)
    return _scatter(d_out, x, size, stride, _last_argmax_mask)


def _max_stride_one(d_out, x, size=2, stride=None):
    return reference.max_pool_backward(d_out, x, size, 1 if stride is None else stride)


def _max_like_x(d_out, x, size=2, stride=None):
    reference.max_pool_backward(d_out, x, size, stride)
    return _scatter(d_out, x, size, stride, _argmax_mask, like_x=True)


_LIKE_X = ("made d_x an array like x (np.zeros_like(x)): for an integer x the gradient is "
           "cut to whole numbers", "d_x holds gradients, not pixels: start from "
           "np.zeros(x.shape), which holds floats")


MAX_POOL_BACKWARD = Graded(
    "max_pool_backward", NUMERIC_ARRAY, section="training", points=2, pictured=True,
    spec="max_pool_backward: the gradient goes to the maximum of each window (on ties, to "
         "the first maximum in C order); overlapping windows add up",
    checks=_max_pool_checks, misconceptions=(
        Misconception("whole_window", "gave every element of the window the max-pool gradient",
                      "only the maximum made it to the output, so only the maximum gets its "
                      "gradient; the others get 0", _max_whole_window),
        Misconception("every_maximum", "gave the gradient to every maximum of a window with "
                      "ties (x == max marks them all)",
                      "on ties only the first maximum in C order (np.argmax) gets it",
                      _max_every_maximum),
        Misconception("overwrites_overlaps", "overwrote (=) the gradient where overlapping "
                      "windows share a maximum instead of adding it up (+=)",
                      "an element that is the maximum of several windows gets all their "
                      "gradients", _max_overwrite_plain),
        Misconception("last_maximum", "gave the gradient to the last maximum of a window "
                      "with ties (a loop that keeps a value >= the best so far)",
                      "on ties only the first maximum in C order (np.argmax) gets it: replace "
                      "the best only when a value is > it", _max_last_maximum),
        Misconception("gradient_like_x", *_LIKE_X, _max_like_x),
        Misconception("stride_one", *OVERLAPPING_WINDOWS, _max_stride_one),
    ))


def _avg_not_divided(d_out, x, size=2, stride=None):
    reference.avg_pool_backward(d_out, x, size, stride)
    return _scatter(d_out, x, size, stride, lambda w: np.ones(w.shape))


def _avg_by_size(d_out, x, size=2, stride=None):
    reference.avg_pool_backward(d_out, x, size, stride)
    return _scatter(d_out, x, size, stride, lambda w: np.full(w.shape, 1.0 / size))


def _avg_stride_ignored(d_out, x, size=2, stride=None):
    """Window (i, j) spread over the block at (i*size, j*size), cut at the border of x."""
    reference.avg_pool_backward(d_out, x, size, stride)
    return _scatter(d_out, x, size, size, lambda w: np.full(w.shape, 1.0 / size**2))


def _avg_stride_one(d_out, x, size=2, stride=None):
    return reference.avg_pool_backward(d_out, x, size, 1 if stride is None else stride)


def _avg_overwrites(d_out, x, size=2, stride=None):
    reference.avg_pool_backward(d_out, x, size, stride)
    return _scatter(d_out, x, size, stride, _even_mask, add=False)


AVG_POOL_BACKWARD = Graded(
    "avg_pool_backward", FLOAT_ARRAY, section="training", points=1, pictured=True,
    spec="avg_pool_backward: the gradient spread evenly over the window (1/size^2 each); "
         "overlapping windows add up", checks=_avg_pool_checks, misconceptions=(
        Misconception("not_divided", "gave every element of the window the whole gradient",
                      "each element counts 1/size^2 in the mean, so it gets 1/size^2 of the "
                      "gradient", _avg_not_divided),
        Misconception("divided_by_size", "divided the gradient by size instead of size * size",
                      "a size x size window holds size**2 elements", _avg_by_size),
        Misconception("overwrites_overlaps", "overwrote (=) the gradient where windows overlap "
                      "instead of adding it up (+=)",
                      "an element in several windows gets a share of each", _avg_overwrites),
        Misconception("stride_ignored", "spread the gradient over size x size blocks side by "
                      "side (np.repeat, np.kron): the stride ignored",
                      "window (i, j) starts at (i*stride, j*stride): with stride < size windows "
                      "overlap and add up, with stride > size the pixels between get 0",
                      _avg_stride_ignored),
        Misconception("stride_one", *OVERLAPPING_WINDOWS, _avg_stride_one),
    ))


# --- relu_backward and sigmoid_backward ------------------------------------------------------

def _elementwise_calls(ints: bool = False, values=None, nonzero: bool = False):
    """``(d_out, x)`` of one shape; ``nonzero``: no x is 0 (the kink of the ReLU)."""
    elements = values if values is not None else (
        st.integers(-15, 15) if ints else S.QUARTERS)
    if nonzero:
        elements = elements.filter(lambda v: v != 0)
    dtype = np.int64 if ints else np.float64

    @st.composite
    def draw_call(draw):
        shape = draw(S.any_shape())
        x = draw(hnp.arrays(dtype, shape, elements=elements))
        d_out = draw(hnp.arrays(dtype, shape, elements=st.integers(-15, 15) if ints
                                else S.QUARTERS))
        return S.call(d_out, x)
    return draw_call()


@st.composite
def _small_int_x(draw):
    """``(d_out, x)``: x of a small integer dtype over its whole range, as an image can be."""
    x = draw(S.any_shape().flatmap(S.small_int_arrays))
    return S.call(draw(S.float_arrays(x.shape)), x)


def _elementwise_forward(activation):
    def forward(c) -> list:
        (_, x), _ = c
        return [(activation, x)]
    return forward


@st.composite
def _invalid_elementwise(draw):
    (d_out, x), _ = draw(_elementwise_calls())
    if draw(st.booleans()):
        d_out = np.concatenate([d_out, d_out[:1]], axis=0)
    else:
        d_out = d_out[..., :1, np.newaxis]
    return S.call(d_out, x)


def _activation_checks(f: str, activation, eps: float, kept=None) -> list[Check]:
    """``kept``: the values of x that the inputs check draws (default: moderate ones)."""
    return [
        accepts_nested_lists(f, _elementwise_calls()),
        agrees_with_differences(f, _elementwise_calls(nonzero=True),
                                _elementwise_forward(activation), eps),
        linear_in_d_out(f, _elementwise_calls()),
        *rejects_invalid_arguments(f, "a d_out that is not the shape of x raises ValueError",
                           _invalid_elementwise(), covers=("d_out_shape",)),
        keeps_inputs(f, _elementwise_calls(values=kept)),
    ]


def _relu_checks() -> list[Check]:
    f = "relu_backward"
    return [
        agreement(f, "agrees_on_floats", "d_out where x > 0, else 0; any shape",
                  _elementwise_calls(), weight=3,
                  covers=("backward_returns_gradients", f)),
        agreement(f, "zero_at_the_kink", "x = 0 passes no gradient",
                  _elementwise_calls(values=st.sampled_from([-0.5, 0.0, 0.5])), covers=(f,)),
        agreement(f, "agrees_on_integers", "integer arrays", _elementwise_calls(ints=True),
                  covers=("any_numeric_dtype",)),
        agreement(f, "integer_x_float_d_out", "an integer x with a float d_out: the "
                  "gradient keeps its fractions", _float_d_out(_elementwise_calls(ints=True)),
                  covers=("any_numeric_dtype",)),
        *_activation_checks(f, relu, LINEAR_EPS),
    ]


def _sigmoid_checks() -> list[Check]:
    f = "sigmoid_backward"
    return [
        agreement(f, "agrees_on_moderate_values", "d_out * sigmoid(x) * (1 - sigmoid(x))",
                  _elementwise_calls(), weight=2,
                  covers=("backward_returns_gradients", "tolerance", f)),
        agreement(f, "stable_for_large_inputs",
                  "no overflow warning and no NaN for inputs up to +-1000",
                  _elementwise_calls(values=S.LARGE_FLOATS), warnings_as_errors=True,
                  covers=("sigmoid_no_warning", f)),
        agreement(f, "integer_input_gives_floats", "integer input gives floats",
                  _elementwise_calls(ints=True), covers=("floats_for_integer_input",)),
        agreement(f, "small_integer_dtypes", "an x of int8, uint8 or int16", _small_int_x(),
                  covers=("floats_for_integer_input",)),
        *_activation_checks(f, sigmoid, SMOOTH_EPS, kept=S.ANY_FLOATS),
    ]


def _relu_of_d_out(d_out, x):
    reference.relu_backward(d_out, x)
    return np.maximum(np.asarray(d_out), 0)


def _relu_passes_at_zero(d_out, x):
    reference.relu_backward(d_out, x)
    d_out = np.asarray(d_out)
    return np.where(np.asarray(x) >= 0, d_out, np.zeros_like(d_out))


def _relu_like_x(d_out, x):
    """``d_x = np.zeros_like(x); d_x[x > 0] = d_out[x > 0]``: the gradient in x's dtype."""
    return reference.relu_backward(d_out, x).astype(np.asarray(x).dtype)


def _relu_forgot_d_out(d_out, x):
    reference.relu_backward(d_out, x)
    return (np.asarray(x) > 0).astype(float)


RELU_BACKWARD = Graded(
    "relu_backward", NUMERIC_ARRAY, section="training", points=1,
    spec="relu_backward: d_out where x > 0, 0 elsewhere (0 at x == 0)",
    checks=_relu_checks, misconceptions=(
        # any_dtype: the result may be any numeric dtype, and d_out * (x >= 0) of a student
        # who made d_out float first was not named for the integer arrays check
        Misconception("relu_of_d_out", "applied the ReLU to the gradient instead of looking "
                      "at the input", "the gradient passes where the *input* x was positive",
                      _relu_of_d_out, any_dtype=True),
        Misconception("passes_at_zero", "let the gradient pass at x == 0",
                      "the ReLU's gradient is taken to be 0 at the kink x = 0: use x > 0",
                      _relu_passes_at_zero, any_dtype=True),
        Misconception("forgot_d_out", "returned the ReLU's derivative without multiplying by "
                      "d_out", "chain rule: d_x = d_out * relu'(x)", _relu_forgot_d_out,
                      any_dtype=True),
        Misconception("gradient_like_x", *_LIKE_X, _relu_like_x),
    ))


def _sigmoid_of_output(d_out, x):
    reference.sigmoid_backward(d_out, x)
    x = np.asarray(x, dtype=float)
    return np.asarray(d_out) * x * (1 - x)


def _sigmoid_forgot_d_out(d_out, x):
    reference.sigmoid_backward(d_out, x)
    s = sigmoid(x)
    return s * (1 - s)


def _sigmoid_of_d_out(d_out, x):
    reference.sigmoid_backward(d_out, x)
    s = sigmoid(d_out)
    return np.asarray(d_out) * s * (1 - s)


def _sigmoid_back_where_both_branches(d_out, x):
    reference.sigmoid_backward(d_out, x)
    s = _sigmoid_where_both_branches(x)
    return np.asarray(d_out) * s * (1 - s)


def _sigmoid_back_in_input_dtype(d_out, x):
    reference.sigmoid_backward(d_out, x)
    s = _sigmoid_in_input_dtype(x)
    return np.asarray(d_out) * s * (1 - s)


def _sigmoid_naive(d_out, x):
    reference.sigmoid_backward(d_out, x)
    s = 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))
    return np.asarray(d_out) * s * (1 - s)


SIGMOID_BACKWARD = Graded(
    "sigmoid_backward", FLOAT_ARRAY, section="training", points=1,
    spec="sigmoid_backward: d_out * sigmoid(x) * (1 - sigmoid(x)), with no overflow warning",
    checks=_sigmoid_checks, misconceptions=(
        Misconception("output_as_input", "used x where the sigmoid's output belongs: "
                      "d_out * x * (1 - x)", "x is the input: compute s = sigmoid(x), then "
                      "d_out * s * (1 - s)", _sigmoid_of_output),
        Misconception("forgot_d_out", "returned the sigmoid's derivative without multiplying "
                      "by d_out", "chain rule: d_x = d_out * s * (1 - s)",
                      _sigmoid_forgot_d_out),
        Misconception("sigmoid_of_d_out", "computed s = sigmoid(d_out), of the gradient, "
                      "instead of sigmoid(x)", "s (1 - s) is the sigmoid's slope at its input "
                      "x: s = sigmoid(x), then d_out * s * (1 - s)", _sigmoid_of_d_out),
        Misconception("overflow", "computed exp(-x) directly: it overflows for large negative "
                      "x", "use the stable sigmoid (exp(-|x|))", _sigmoid_naive),
        Misconception("where_both_branches", *WHERE_BOTH_BRANCHES,
                      _sigmoid_back_where_both_branches),
        Misconception("input_dtype", *INPUT_DTYPE, _sigmoid_back_in_input_dtype),
    ))


# --- train_step and fit: gradient descent for the linear model ---------------------------------

RATES = st.sampled_from([0.25, 0.5, 1.0, 2.0])  # not 0: a step of 0 hides every bug


@st.composite
def _train_calls(draw, ints: bool = False, rates: st.SearchStrategy = RATES,
                 epochs: st.SearchStrategy | None = None,
                 n_images: st.SearchStrategy = st.integers(1, 4), values: int = 12):
    """A valid call of ``train_step`` (of ``fit`` with ``epochs``): 1 to 4 images (or as
    many as ``n_images`` draws) of 1 to ``values`` values, their weights, a bias, labels of 0
    and 1, a learning rate."""
    n = draw(n_images)
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
                 .filter(lambda s: int(np.prod(s)) <= values))
    images = draw(S.arrays_of((n, *shape), ints))
    d = int(np.prod(shape))
    weights = draw(hnp.arrays(np.int64, (d,), elements=st.integers(-3, 3)) if ints
                   else S.float_arrays((d,)))
    labels = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 1)))
    more = () if epochs is None else (draw(epochs),)
    return S.call(weights, draw(S.QUARTERS), images, labels, draw(rates), *more)


def _mean_cross_entropy(weights, bias, images, labels) -> float:
    """The loss train_step descends, written as softplus(z) - y z (the cross-entropy of
    sigmoid(z), without a log of 0): an oracle that shares no code with the reference."""
    x = np.asarray(images, dtype=float).reshape(len(images), -1)
    z = x @ np.asarray(weights, dtype=float) + bias
    return float(np.mean(np.logaddexp(0.0, z) - np.asarray(labels) * z))


@on_results
def _steps_against_the_gradient(c, actual, expected) -> str | None:
    (weights, bias, images, labels, rate), _ = c
    weights = np.asarray(weights, dtype=float)
    d_weights = numerical_gradient(
        lambda w: _mean_cross_entropy(w, bias, images, labels), weights, SMOOTH_EPS)
    d_bias = numerical_gradient(
        lambda b: _mean_cross_entropy(weights, float(b[0]), images, labels), np.array([bias]),
        SMOOTH_EPS)[0]
    new_weights, new_bias = actual[0]
    if not close(new_weights, weights - rate * d_weights):
        return ("new weights differ from weights - learning_rate * d_weights, with d_weights "
                "the gradient of the mean cross-entropy by central differences")
    if not close(new_bias, bias - rate * d_bias):
        return ("the new bias differs from bias - learning_rate * d_bias, with d_bias the "
                "gradient of the mean cross-entropy by central differences")
    return None


def _twice_the_rate(c) -> list:
    (weights, bias, images, labels, rate), options = c
    return [c, ((weights, bias, images, labels, 2 * rate), options)]


@on_results
def _step_scales_with_the_rate(c, actual, expected) -> str | None:
    (weights, bias, _, _, rate), _ = c
    (w1, b1), (w2, b2) = actual
    steps = (np.asarray(weights, dtype=float) - w1, float(bias) - float(np.asarray(b1)))
    doubled = (np.asarray(weights, dtype=float) - w2, float(bias) - float(np.asarray(b2)))
    if not all(close(d, 2 * s) for s, d in zip(steps, doubled, strict=True)):
        return (f"the step at learning_rate={2 * rate:g} is not twice the step at "
                f"learning_rate={rate:g}: the step is learning_rate times the gradient")
    return None


@st.composite
def _invalid_train(draw, epochs: bool = False):
    (weights, bias, images, labels, rate, *more), options = draw(
        _train_calls(epochs=st.integers(0, 2) if epochs else None))
    cases = ["images_ndim", "weights_length", "labels_length", "learning_rate"]
    broken = draw(st.sampled_from([*cases, "epochs"] if epochs else cases))
    if broken == "images_ndim":
        images = images.reshape(-1)  # the images' values in a row, no batch axis
    elif broken == "weights_length":
        weights = np.concatenate([weights, weights[:1]])
    elif broken == "labels_length":
        labels = np.concatenate([labels, labels[:1]])
    elif broken == "learning_rate":
        rate = -rate
    else:
        more = [-draw(st.integers(1, 3))]
    return (weights, bias, images, labels, rate, *more), options


def _train_step_checks() -> list[Check]:
    f = "train_step"
    return [
        agreement(f, "agrees_on_small_batches",
                  "(new_weights, new_bias) after one step on 1 to 4 images", _train_calls(),
                  weight=3, covers=("tolerance", f)),
        agreement(f, "integer_inputs", "integer images (int32, int64, uint8) and weights "
                  "give the right floating-point step", _train_calls(ints=True),
                  max_examples=40, covers=(f,)),
        Check(f, "steps_against_the_gradient",
              "new = old - learning_rate * gradient of the mean cross-entropy (by central "
              "differences)", _train_calls(), judge=_steps_against_the_gradient,
              max_examples=30, covers=(f,)),
        Check(f, "step_scales_with_the_learning_rate",
              "twice the learning rate, twice the step", _train_calls(),
              calls=_twice_the_rate, judge=_step_scales_with_the_rate, max_examples=30,
              covers=(f,)),
        agreement(f, "zero_learning_rate_changes_nothing",
                  "learning_rate=0 returns the weights and the bias as they were",
                  _train_calls(rates=st.just(0.0)), max_examples=20, edge_case=True,
                  covers=(f,)),
        *_fewer(accepts_nested_lists(f, _train_calls()),
                *rejects_invalid_arguments(
                    f, "images without a batch axis, weights or labels of the wrong length "
                    "and a negative learning rate raise ValueError", _invalid_train(),
                    covers=("wrong_ndim", f)),
                keeps_inputs(f, _train_calls())),
    ]


def _fewer(*checks: Check) -> list[Check]:
    """Hygiene of a function whose every call is cheap to judge but costs a sandbox round
    trip: 40 examples each instead of 100 (the new exercise's cost per hand-in, docs)."""
    return [replace(c, max_examples=40) for c in checks]


def _step_parts(weights, bias, images, labels, learning_rate):
    """What the misconceptions' variants start from: valid arguments (the reference's
    ValueErrors otherwise), the images as rows, ``p`` and ``d_z = (p - y) / N``."""
    reference.train_step(weights, bias, images, labels, learning_rate)
    weights, labels = np.asarray(weights, dtype=float), np.asarray(labels)
    x = np.asarray(images, dtype=float).reshape(len(labels), -1)
    p = sigmoid(x @ weights + bias)
    return weights, x, p, (p - labels) / len(x)


def _step_uphill(weights, bias, images, labels, learning_rate):
    weights, x, _, d_z = _step_parts(weights, bias, images, labels, learning_rate)
    return weights + learning_rate * (x.T @ d_z), float(bias + learning_rate * d_z.sum())


def _step_without_rate(weights, bias, images, labels, learning_rate):
    weights, x, _, d_z = _step_parts(weights, bias, images, labels, learning_rate)
    return weights - x.T @ d_z, float(bias - d_z.sum())


def _step_bias_frozen(weights, bias, images, labels, learning_rate):
    weights, x, _, d_z = _step_parts(weights, bias, images, labels, learning_rate)
    return weights - learning_rate * (x.T @ d_z), float(bias)


def _step_summed(weights, bias, images, labels, learning_rate):
    weights, x, _, d_z = _step_parts(weights, bias, images, labels, learning_rate)
    d_z = d_z * len(x)
    return weights - learning_rate * (x.T @ d_z), float(bias - learning_rate * d_z.sum())


def _step_sigmoid_twice(weights, bias, images, labels, learning_rate):
    weights, x, p, d_z = _step_parts(weights, bias, images, labels, learning_rate)
    d_z = d_z * p * (1 - p)
    return weights - learning_rate * (x.T @ d_z), float(bias - learning_rate * d_z.sum())


def _step_bias_averaged_twice(weights, bias, images, labels, learning_rate):
    weights, x, _, d_z = _step_parts(weights, bias, images, labels, learning_rate)
    return weights - learning_rate * (x.T @ d_z), float(bias - learning_rate * d_z.mean())


def _step_rate_twice(weights, bias, images, labels, learning_rate):
    weights, x, _, d_z = _step_parts(weights, bias, images, labels, learning_rate)
    step = learning_rate ** 2
    return weights - step * (x.T @ d_z), float(bias - step * d_z.sum())


TRAIN_STEP = Graded(
    "train_step", FLOAT_ARRAY_TUPLE, section="training", points=2,
    spec="train_step: one step of gradient descent on the mean cross-entropy of logistic "
         "regression, (weights - lr * d_weights, bias - lr * d_bias), inputs unchanged",
    checks=_train_step_checks, misconceptions=(
        Misconception("uphill", "added the gradient instead of subtracting it: a step uphill, "
                      "the loss grows", "gradient descent steps against the gradient: "
                      "weights - learning_rate * d_weights", _step_uphill),
        Misconception("rate_ignored", "ignored the learning rate: the step is the whole "
                      "gradient", "the learning rate sets the step's size: "
                      "weights - learning_rate * d_weights", _step_without_rate),
        Misconception("rate_twice", "multiplied by the learning rate twice: the step is "
                      "learning_rate**2 times the gradient", "scale the gradient once: "
                      "weights - learning_rate * d_weights", _step_rate_twice),
        Misconception("bias_not_trained", "did not update the bias",
                      "the bias is a weight too: bias - learning_rate * sum(d_z)",
                      _step_bias_frozen),
        Misconception("bias_averaged_twice", "averaged the bias gradient twice: mean(d_z) "
                      "with d_z = (p - y) / N already", "d_bias = sum(d_z) = mean(p - y): "
                      "divide by N once", _step_bias_averaged_twice),
        Misconception("summed_over_the_batch", "summed the gradient over the batch instead of "
                      "averaging it", "the loss is the mean over the N images: d_z = (p - y) "
                      "/ N", _step_summed),
        Misconception("sigmoid_twice", "multiplied by the sigmoid's derivative p (1 - p) "
                      "again", "with the cross-entropy the sigmoid's derivative cancels: "
                      "dL/dz = (p - y) / N", _step_sigmoid_twice),
    ))


# The seeded problems fit is graded on (docs/backprop.md): 8x8x1 patches of small and large
# nuclei, 48 for training and 200 for validation, 30 steps at learning rate 0.5 from zeros.
# The reference classifies 93.5 % to 96 % of the validation patches of these seeds right
# (90.5 % to 99 % on seeds 1 to 8); a step uphill, a frozen bias or the sigmoid's
# derivative taken twice stays below 76 % on them.
PROBLEM_SEEDS = (4, 6, 7)
PROBLEM_SIZES = (48, 200)
PROBLEM_RATE, PROBLEM_EPOCHS = 0.5, 30
ACCURACY_NEEDED = 0.85


@functools.cache
def learning_problem(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The training images and labels, then the validation ones, of the seeded problem."""
    n_train, n_val = PROBLEM_SIZES
    patches, labels = small_patches(n_train + n_val, seed)
    return patches[:n_train], labels[:n_train], patches[n_train:], labels[n_train:]


def _fit_on_the_problems(seeds: tuple[int, ...]) -> list:
    """One call of fit per problem: from zero weights, on its training patches."""
    calls = []
    for seed in seeds:
        images, labels, _, _ = learning_problem(seed)
        weights = np.zeros(int(np.prod(images.shape[1:])))
        calls.append(S.call(weights, 0.0, images, labels, PROBLEM_RATE, PROBLEM_EPOCHS))
    return calls


@on_results
def _learns(seeds: tuple[int, ...], actual, expected) -> str | None:
    """The validation accuracy of the weights returned for each problem, by the reference's
    forward pass; the first problem below the threshold, if any."""
    for seed, (weights, bias) in zip(seeds, actual, strict=True):
        weights, bias = np.asarray(weights, dtype=float), np.asarray(bias, dtype=float)
        _, _, images, labels = learning_problem(seed)
        p = sigmoid(images.reshape(len(images), -1) @ weights + bias)
        right = float(np.mean((p > 0.5) == (labels == 1)))
        if right < ACCURACY_NEEDED:
            return (f"trained on problem {seed} ({PROBLEM_SIZES[0]} patches of 8x8x1, "
                    f"{PROBLEM_EPOCHS} epochs at learning rate {PROBLEM_RATE}), your weights "
                    f"classify {right:.1%} of its {PROBLEM_SIZES[1]} validation patches right; "
                    f"at least {ACCURACY_NEEDED:.0%} are needed")
    return None


def _fit_checks() -> list[Check]:
    f = "fit"
    few = _train_calls(epochs=st.integers(0, 3))
    return [
        agreement(f, "agrees_for_a_few_epochs",
                  "0 to 3 epochs: train_step repeated, each from where the last ended", few,
                  weight=2, max_examples=60, covers=("tolerance", f)),
        Check(f, "learns_the_seeded_problem",
              f"trained on small seeded patches, classifies at least {ACCURACY_NEEDED:.0%} "
              "of a validation set right", st.just(PROBLEM_SEEDS),  # all, every hand-in
              calls=_fit_on_the_problems, judge=_learns, max_examples=1,
              weight=2, main=True, covers=(f,)),
        # Mini-batches of 8, 16 or 32 are the whole set on 1 to 4 images: up to as many
        # images as the seeded problems train on (48), of 1 or 2 values to keep them small.
        agreement(f, "whole_set_each_epoch",
                  f"9 to {PROBLEM_SIZES[0]} images: each epoch is one step on all of them "
                  "(no mini-batches)",
                  _train_calls(epochs=st.integers(1, 2),
                               n_images=st.integers(9, PROBLEM_SIZES[0]), values=2),
                  max_examples=30, covers=(f,)),
        agreement(f, "integer_inputs", "integer images and weights give floating-point "
                  "weights, also after 0 epochs", _train_calls(ints=True, epochs=st.integers(0, 2)),
                  max_examples=30, covers=(f,)),
        *_fewer(accepts_nested_lists(f, _train_calls(epochs=st.integers(0, 2))),
                *rejects_invalid_arguments(
                    f, "a negative number of epochs, and train_step's invalid arguments, "
                    "raise ValueError", _invalid_train(epochs=True), covers=("wrong_ndim", f)),
                keeps_inputs(f, _train_calls(epochs=st.integers(1, 2)))),
    ]


def _fit_restarts(weights, bias, images, labels, learning_rate, epochs):
    """Every step from the start: train_step's result is not carried to the next step."""
    result = reference.fit(weights, bias, images, labels, learning_rate, epochs)
    if epochs == 0:
        return result
    return reference.train_step(weights, bias, images, labels, learning_rate)


def _fit_bias_kept(weights, bias, images, labels, learning_rate, epochs):
    """The weights carried from step to step, the bias not: ``weights, _ = train_step(...)``."""
    reference.fit(weights, bias, images, labels, learning_rate, epochs)  # its ValueErrors
    trained = np.asarray(weights, dtype=float)
    for _ in range(epochs):
        trained, _ = reference.train_step(trained, bias, images, labels, learning_rate)
    return trained, float(bias)


def _fit_epochs_plus(more: int):
    """fit with ``epochs + more`` steps (never fewer than 0): a loop off by one."""
    def fit(weights, bias, images, labels, learning_rate, epochs):
        reference.fit(weights, bias, images, labels, learning_rate, epochs)  # its ValueErrors
        return reference.fit(weights, bias, images, labels, learning_rate,
                             max(epochs + more, 0))
    return fit


FIT = Graded(
    "fit", FLOAT_ARRAY_TUPLE, section="training", points=2,
    spec="fit: epochs steps of train_step, each from where the last ended; trained on a "
         "seeded problem, the weights reach a documented validation accuracy",
    checks=_fit_checks, misconceptions=(
        Misconception("restarts_each_step", "started every step from the initial weights: "
                      "train_step's result was not carried to the next step",
                      "assign what train_step returns: weights, bias = train_step(weights, "
                      "bias, ...)", _fit_restarts),
        Misconception("bias_not_carried", "carried the weights from step to step, but not "
                      "the bias: every step started from the initial bias",
                      "keep both: weights, bias = train_step(weights, bias, ...)",
                      _fit_bias_kept, any_dtype=True),
        Misconception("one_epoch_too_many", "took one step more than epochs (range(epochs "
                      "+ 1), or while epoch <= epochs)", "epochs steps: for _ in range(epochs)",
                      _fit_epochs_plus(1)),
        Misconception("one_epoch_short", "took one step less than epochs (range(1, epochs))",
                      "epochs steps: for _ in range(epochs)", _fit_epochs_plus(-1)),
    ))

EXERCISES = (CONV_LAYER_BACKWARD, MAX_POOL_BACKWARD, AVG_POOL_BACKWARD, RELU_BACKWARD,
             SIGMOID_BACKWARD, TRAIN_STEP, FIT)
