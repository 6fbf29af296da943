"""The graded functions of ``convolution``: conv1d, conv2d, conv_layer, relu, sigmoid and the
bonus dilated_conv2d; for each its declaration (``Graded``), its hidden checks and its
misconceptions."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from autograder import strategies as S
from autograder.checks.base import (
    Check,
    Graded,
    Misconception,
    accepts_nested_lists,
    agreement,
    close,
    keeps_inputs,
    on_results,
    raises_value_error,
    rejects_invalid_arguments,
    the_first,
)
from cnnlab.catalog import FLOAT_ARRAY, NUMERIC_ARRAY
from solutions import convolution as reference
from solutions.padding import zero_pad

SCALARS = st.integers(-3, 3)


# --- conv1d and conv2d share their checks: 2-D is the 1-D idea along two axes -------------

def _agreement_checks(function: str, ndim: int) -> list[Check]:
    def calls(**options):
        return S.conv_calls(ndim, **options)

    checks = [
        agreement(function, "agrees_without_padding",
                  "agrees with the reference at padding 0 and stride 1", calls(), weight=3,
                  covers=("cross_correlation", *(("tolerance",) if ndim == 2 else ()),
                          function)),
        agreement(function, "agrees_with_padding",
                  "zero padding: agrees with the reference for padding 1 to 3",
                  calls(padding=S.PADDINGS), weight=2, covers=(function,)),
        agreement(function, "agrees_with_stride",
                  "stride: agrees with the reference for stride 2 and 3",
                  calls(padding=st.integers(0, 2), stride=S.STRIDES), weight=2,
                  covers=("floor", function)),
        agreement(function, "kernel_that_just_fits",
                  "a kernel exactly as large as the padded input gives one output",
                  calls(padding=st.integers(0, 1), just_fits=True), covers=(function,)),
        agreement(function, "integer_input_gives_floats",
                  "integer inputs (int32, int64, uint8) give the right floating-point result",
                  calls(ints=True, padding=st.integers(0, 1), stride=st.integers(1, 2)),
                  covers=("floats_for_integer_input",)),
    ]
    checks += [
        agreement(function, "uses_the_defaults", "padding=0 and stride=1 when left out",
                  S.defaults_only(calls(), 2),
                  covers=("defaults[padding]", "defaults[stride]")),
        accepts_nested_lists(function, calls(padding=st.integers(0, 1))),
    ]
    if ndim == 1:
        checks.append(agreement(
            function, "empty_input_with_padding",
            "an empty signal with padding: the padded signal is zeros, so is the result",
            _empty_with_padding(), weight=0.5, edge_case=True, covers=(function,)))
    if ndim == 2:
        checks.append(agreement(
            function, "non_square_kernels",
            "non-square images and kernels (rows and columns are not mixed up)",
            calls(square=False, padding=st.integers(0, 1)), weight=2, covers=(function,)))
    return checks


@st.composite
def _empty_with_padding(draw):
    """``conv1d`` of an empty signal whose padding makes room for the kernel: SPEC's formula
    gives ``(2p - k) // s + 1`` zeros. Only the kernel may not be empty."""
    padding = draw(st.integers(1, 3))
    w = draw(S.float_arrays((draw(st.integers(1, 2 * padding)),)))
    return S.call(np.zeros(0), w, padding=padding, stride=draw(st.integers(1, 2)))


@st.composite
def _linear_combinations(draw, ndim: int) -> dict:
    (x, kernel), options = draw(S.conv_calls(ndim, padding=st.integers(0, 2),
                                             stride=st.integers(1, 2)))
    y = draw(S.float_arrays(x.shape))
    return {"x": x, "y": y, "kernel": kernel, "a": draw(SCALARS), "b": draw(SCALARS),
            "options": options}


def _linear_calls(e: dict) -> list:
    mixed = e["a"] * e["x"] + e["b"] * e["y"]
    return [((v, e["kernel"]), e["options"]) for v in (e["x"], e["y"], mixed)]


@on_results
def _is_linear(e: dict, actual, expected) -> str | None:
    fx, fy, fmix = actual
    if not close(fmix, e["a"] * np.asarray(fx) + e["b"] * np.asarray(fy)):
        return (f"conv(a*x + b*y) differs from a*conv(x) + b*conv(y) "
                f"for a={e['a']}, b={e['b']}")
    return None


@st.composite
def _shifts(draw, ndim: int) -> dict:
    (x, kernel), _ = draw(S.conv_calls(ndim))
    out_shape = [n - k + 1 for n, k in zip(x.shape, kernel.shape, strict=True)]
    shift = tuple(draw(st.integers(0, max(0, n - 1))) for n in out_shape)
    return {"x": x, "kernel": kernel, "shift": shift}


def _shifted(x: np.ndarray, shift: tuple[int, ...]) -> np.ndarray:
    """``x`` moved by ``shift`` pixels, zeros coming in."""
    out = np.zeros_like(x)
    out[tuple(slice(d, None) for d in shift)] = x[tuple(slice(0, n - d) for n, d
                                                         in zip(x.shape, shift, strict=True))]
    return out


def _shift_calls(e: dict) -> list:
    options = e.get("options", {})
    return [((e["x"], e["kernel"]), options),
            ((_shifted(e["x"], e["shift"]), e["kernel"]), options)]


@on_results
def _is_equivariant(e: dict, actual, expected) -> str | None:
    plain, moved = (np.asarray(a) for a in actual)
    if plain.shape != moved.shape:
        return f"shifting the input changed the output shape {plain.shape} -> {moved.shape}"
    shift = e["shift"]
    inside = tuple(slice(d, None) for d in shift)
    source = tuple(slice(0, n - d) for n, d in zip(plain.shape, shift, strict=True))
    if not close(moved[inside], plain[source]):
        return (f"shifting the input by {shift} pixels does not shift the output by "
                f"{shift}")
    return None


def _property_checks(function: str, ndim: int) -> list[Check]:
    return [
        Check(function, "is_linear",
              "linear: conv(a*x + b*y) = a*conv(x) + b*conv(y)",
              _linear_combinations(ndim), calls=_linear_calls, judge=_is_linear,
              covers=(function,)),
        Check(function, "is_translation_equivariant",
              "translation equivariant: shifting the input shifts the output",
              _shifts(ndim), calls=_shift_calls, judge=_is_equivariant, covers=(function,)),
    ]


@st.composite
def _invalid_conv(draw, ndim: int):
    # With padding: a size check that forgets it (or counts it three times) shows.
    (x, kernel), options = draw(S.conv_calls(ndim, padding=st.integers(0, 2)))
    broken = draw(st.sampled_from(["padding", "stride", "kernel_too_large", "empty_kernel",
                                   "x_ndim", "kernel_ndim"]))
    if broken == "padding":
        options["padding"] = draw(S.NEGATIVE)
        x = S.room_for_negative_padding(x, kernel.shape, options["padding"])
    elif broken == "stride":
        options["stride"] = draw(S.BELOW_ONE)
    elif broken == "kernel_too_large":  # along one axis or both
        for axis in draw(st.sampled_from([(0,), (1,), (0, 1)][:2 * ndim - 1])):
            kernel = _too_large_on(axis, kernel, x.shape, options["padding"],
                                   draw(st.integers(1, 2)))
    elif broken == "empty_kernel":
        kernel = np.zeros((0,) * ndim)
    elif broken == "x_ndim":
        x = draw(_other_ndim(x))
    else:
        kernel = draw(_other_ndim(kernel))
    return (x, kernel), options


@st.composite
def _other_ndim(draw, array: np.ndarray) -> np.ndarray:
    """``array`` with one axis more, or with fewer (down to 0-d). Fewer matter: without its
    ndim check a function indexes an axis that is not there (IndexError), where one axis
    more often makes numpy raise a ValueError of its own by accident."""
    fewer = draw(st.integers(0, array.ndim))
    if fewer == 0:
        return array.reshape((*array.shape, 1))
    return np.asarray(array[(0,) * fewer])


def _too_large_on(axis: int, kernel: np.ndarray, sizes: tuple, padding: int,
                  excess: int = 1) -> np.ndarray:
    """``kernel`` made larger than the padded input along ``axis`` only."""
    shape = list(kernel.shape)
    shape[axis] = sizes[axis] + 2 * padding + excess
    return np.ones(shape)


@st.composite
def _too_large_on_one_axis(draw, calls: st.SearchStrategy):
    """A kernel that fits one axis of the padded input and not the other (SPEC 2: "per
    axis"), with padding 0 to 2: a size check that forgets or miscounts it shows."""
    (x, kernel), options = draw(calls)
    kernel = _too_large_on(draw(st.integers(0, 1)), kernel, x.shape, options["padding"],
                           draw(st.integers(1, 2)))
    return (x, kernel), options


def _rejects_too_large_on_one_axis(function: str, calls: st.SearchStrategy) -> Check:
    return raises_value_error(function, "a kernel larger than the padded input along one "
                              "axis only raises ValueError", _too_large_on_one_axis(calls),
                              weight=0.5, name="rejects_a_kernel_too_large_on_one_axis",
                              covers=("kernel_too_large_per_axis",))


def _conv_checks(function: str, ndim: int) -> list[Check]:
    return [*_agreement_checks(function, ndim), *_property_checks(function, ndim),
            *rejects_invalid_arguments(
                function, "negative padding, stride below 1, a kernel larger than the padded "
                "input, an empty kernel or the wrong ndim raise ValueError", _invalid_conv(ndim),
                covers=("negative_padding[padding]", "stride_below_one[stride]",
                        "empty_kernel[empty_kernel]",
                        "kernel_too_large_per_axis[kernel_too_large]", "wrong_ndim[x_ndim]",
                        "wrong_ndim[kernel_ndim]")),
            *([_rejects_too_large_on_one_axis(function, S.conv_calls(
                2, padding=st.integers(0, 2)))] if ndim == 2 else []),
            keeps_inputs(function, S.conv_calls(ndim, padding=st.integers(0, 1)))]


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


def _in_dtype(out: np.ndarray, *inputs) -> np.ndarray:
    """``out`` as numpy computes it in the inputs' dtype: integers wrap around."""
    dtype = np.result_type(*(np.asarray(i) for i in inputs if i is not None))
    if dtype.kind not in "iu":
        return out.astype(dtype)
    return np.round(out).astype(np.int64).astype(dtype)


def _flip(kernel) -> np.ndarray:
    """``kernel`` flipped along its (at most two) spatial axes, whatever its ndim: a kernel
    of the wrong ndim still reaches the reference, which raises its ValueError."""
    kernel = np.asarray(kernel)
    return kernel[tuple(slice(None, None, -1) if axis < 2 else slice(None)
                        for axis in range(kernel.ndim))]


def _flipped_kernel(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """The call with its kernel (second argument) flipped along the spatial axes: what a
    true convolution computes with. Any other mistake can come on top."""
    flip = _flip
    if len(args) > 1:
        return (args[0], flip(args[1]), *args[2:]), kwargs
    name = next(k for k in ("kernel", "kernels", "w") if k in kwargs)
    return args, {**kwargs, name: flip(kwargs[name])}


def _like_image(out: np.ndarray, image) -> np.ndarray:
    """``out`` written into an array like the image (``np.zeros_like(image)``): an integer
    image gives an integer output, each value truncated and wrapped to its type."""
    dtype = np.asarray(image).dtype
    if dtype.kind not in "iu":
        return out
    return np.trunc(out).astype(np.int64).astype(dtype)


def _conv1d_like_image(x, w, padding=0, stride=1):
    return _like_image(reference.conv1d(x, w, padding, stride), x)


def _conv2d_like_image(image, kernel, padding=0, stride=1):
    return _like_image(reference.conv2d(image, kernel, padding, stride), image)


def _conv1d_flipped(x, w, padding=0, stride=1):
    reference.conv1d(x, w, padding, stride)  # its ValueErrors (a 0-d w cannot be flipped)
    return reference.conv1d(x, np.asarray(w)[::-1], padding, stride)


def _conv1d_no_stride(x, w, padding=0, stride=1):
    reference.conv1d(x, w, padding, stride)
    return reference.conv1d(x, w, padding, 1)


def _fits_one_side(padded_shape: tuple, kernel_shape: tuple) -> None:
    """The student's own size check, on an input padded on one side only: it raises where
    the kernel would have fitted the input padded on both."""
    if any(k > n for n, k in zip(padded_shape, kernel_shape, strict=True)):
        raise ValueError("the kernel is larger than the (one-side) padded input")


def _conv1d_one_side(x, w, padding=0, stride=1):
    reference.conv1d(x, w, padding, stride)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    xp = np.concatenate([np.zeros(padding), x])
    _fits_one_side(xp.shape, w.shape)
    return _slide(xp[None], w[None], 1, _fitting(xp.size, w.size, stride), stride)[0]


def _padded_at_the_end(x, padding: int, axes: int) -> np.ndarray:
    """``x`` with all 2 ``padding`` zeros after its first ``axes`` axes (a zero_pad that
    puts the padding on one side): the padded size is right, the input is not centred."""
    x = np.asarray(x)
    return np.pad(x, [(0, 2 * padding)] * axes + [(0, 0)] * (x.ndim - axes))


def _conv1d_at_the_end(x, w, padding=0, stride=1):
    reference.conv1d(x, w, padding, stride)  # its ValueErrors
    return reference.conv1d(_padded_at_the_end(x, padding, 1), w, 0, stride)


def _conv1d_input_dtype(x, w, padding=0, stride=1):
    return _in_dtype(reference.conv1d(x, w, padding, stride), x, w)


CONV1D = Graded(
    "conv1d", FLOAT_ARRAY, section="convolution", points=2, pictured=True,
    spec="conv1d: out[i] = sum_j xp[i*s + j] * w[j]",
    checks=lambda: _conv_checks("conv1d", 1), misconceptions=(
        Misconception("flipped_kernel", "flipped the kernel (a true convolution, np.convolve)",
                      "the lecture's convolution is a cross-correlation: a1 = x1 w1 + x2 w2 "
                      "+ x3 w3", _conv1d_flipped,
                      arguments=_flipped_kernel),
        Misconception("stride_ignored", "ignored the stride",
                      "with stride s the kernel moves s inputs between two outputs",
                      _conv1d_no_stride),
        Misconception("one_side_padding", "padded on one side only",
                      "padding adds p zeros on both ends of the signal", _conv1d_one_side),
        Misconception("padding_at_the_end", "put all 2p padding zeros after the signal (a "
                      "zero_pad that pads one side)", "padding adds p zeros before x[0] and p "
                      "after x[-1]: the first window starts p zeros before x[0]",
                      _conv1d_at_the_end),
        Misconception("input_dtype", "computed in the input's integer dtype (uint8 wraps at "
                      "256)", "convert to float before multiplying and summing",
                      _conv1d_input_dtype, any_dtype=True),
        Misconception("output_like_input", "made the output an array like the input "
                      "(np.zeros_like(x)): integer input gives an integer output",
                      "create the output as floats: np.zeros(n_out)", _conv1d_like_image),
    ))


def _conv2d_flipped(image, kernel, padding=0, stride=1):
    return reference.conv2d(image, _flip(kernel), padding, stride)


def _square_kernel(args: tuple, kwargs: dict) -> bool:
    """The call's kernel is square (or not a 2-D or 4-D one: the reference's ValueError).
    Rows and columns swapped is one clear mistake on a square kernel; on a non-square one
    the code slides the kernel's other shape, or multiplies windows and kernel of different
    shapes (numpy broadcasts them, or raises), or indexes past the kernel, depending on how
    it was written: those calls are not predicted (``Misconception.predicts``)."""
    kernel = args[1] if len(args) > 1 else kwargs.get("kernel", kwargs.get("kernels", ()))
    try:
        shape = np.shape(kernel)
    except ValueError:  # ragged nested lists
        return True
    return len(shape) not in (2, 4) or shape[0] == shape[1]


def _conv2d_transposed(image, kernel, padding=0, stride=1):
    reference.conv2d(image, kernel, padding, stride)  # its ValueErrors
    return reference.conv2d(image, np.asarray(kernel).T, padding, stride)


def _conv2d_size_without_padding(image, kernel, padding=0, stride=1):
    reference.conv2d(image, kernel, padding, stride)
    image = np.asarray(image, dtype=np.float64)
    xp, kernel = zero_pad(image, padding), np.asarray(kernel, dtype=np.float64)
    return _slide(xp, kernel, _fitting(image.shape[0], kernel.shape[0], stride),
                  _fitting(image.shape[1], kernel.shape[1], stride), stride)


def _conv2d_no_stride(image, kernel, padding=0, stride=1):
    reference.conv2d(image, kernel, padding, stride)
    return reference.conv2d(image, kernel, padding, 1)


def _conv2d_stride_rows_only(image, kernel, padding=0, stride=1):
    return reference.conv2d(image, kernel, padding, 1)[::stride][
        :reference.conv2d(image, kernel, padding, stride).shape[0]]


def _conv2d_no_plus_one(image, kernel, padding=0, stride=1):
    return reference.conv2d(image, kernel, padding, stride)[:-1, :-1]


def _conv2d_one_side(image, kernel, padding=0, stride=1):
    reference.conv2d(image, kernel, padding, stride)
    xp = np.pad(np.asarray(image, dtype=np.float64), [(padding, 0), (padding, 0)])
    kernel = np.asarray(kernel, dtype=np.float64)
    _fits_one_side(xp.shape, kernel.shape)
    return _slide(xp, kernel, _fitting(xp.shape[0], kernel.shape[0], stride),
                  _fitting(xp.shape[1], kernel.shape[1], stride), stride)


# An image padded by a zero_pad that puts all its zeros after the image: what the mistake
# says, the hint (conv2d, conv_layer, dilated_conv2d).
_AT_THE_END = ("put all 2p padding zeros below and right of the image (a zero_pad that pads "
               "one side)", "padding adds p zeros on all four sides: the image sits in the "
               "middle of the padded one")


def _conv2d_at_the_end(image, kernel, padding=0, stride=1):
    reference.conv2d(image, kernel, padding, stride)
    return reference.conv2d(_padded_at_the_end(image, padding, 2), kernel, 0, stride)


def _conv2d_input_dtype(image, kernel, padding=0, stride=1):
    return _in_dtype(reference.conv2d(image, kernel, padding, stride), image, kernel)


CONV2D = Graded(
    "conv2d", FLOAT_ARRAY, section="convolution", points=3, pictured=True,
    spec="conv2d: (H, W) and (kh, kw) -> (Ho, Wo), the 2-D analogue",
    checks=lambda: _conv_checks("conv2d", 2), misconceptions=(
        Misconception("flipped_kernel", "flipped the kernel (a true convolution)",
                      "the lecture's convolution does not flip the kernel: out[i, j] = "
                      "sum x[i+a, j+b] k[a, b]", _conv2d_flipped,
                      arguments=_flipped_kernel),
        Misconception("rows_columns_swapped", "swapped the rows and columns of the kernel",
                      "kernel[a, b]: a runs down the rows (height), b along the columns "
                      "(width)", _conv2d_transposed, predicts=_square_kernel),
        Misconception("stride_ignored", "ignored the stride",
                      "with stride s the kernel moves s pixels between two outputs, in both "
                      "directions", _conv2d_no_stride),
        Misconception("stride_rows_only", "applied the stride to the rows only",
                      "the stride steps in both directions: rows and columns",
                      _conv2d_stride_rows_only),
        Misconception("no_plus_one", "made the output one too small (no + 1)",
                      "floor((n + 2p - k) / s) + 1 positions per axis", _conv2d_no_plus_one),
        Misconception("one_side_padding", "padded on one side only",
                      "padding adds p zeros on all four sides", _conv2d_one_side),
        Misconception("padding_at_the_end", *_AT_THE_END, _conv2d_at_the_end),
        Misconception("input_dtype", "computed in the input's integer dtype (uint8 wraps at "
                      "256)", "convert the image to float before multiplying and summing",
                      _conv2d_input_dtype, any_dtype=True),
        Misconception("output_like_input", "made the output an array like the image "
                      "(np.zeros_like(image)): an integer image gives an integer output",
                      "create the output as floats: np.zeros((h_out, w_out))",
                      _conv2d_like_image),
        Misconception("size_without_padding", "computed the output size without the padding",
                      "the padded image is H + 2p high: floor((H + 2p - kh) / s) + 1 rows",
                      _conv2d_size_without_padding),
    ))


# --- conv_layer ----------------------------------------------------------------------------

@st.composite
def _channel_subsets(draw) -> dict:
    (image, kernels), options = draw(S.conv_layer_calls(channels_out=st.integers(2, 3)))
    keep = draw(st.integers(1, kernels.shape[3] - 1))
    return {"image": image, "kernels": kernels, "options": options, "keep": keep}


def _subset_calls(e: dict) -> list:
    bias = e["options"]["bias"]
    fewer = {**e["options"], "bias": None if bias is None else bias[:e["keep"]]}
    return [((e["image"], e["kernels"]), e["options"]),
            ((e["image"], e["kernels"][..., :e["keep"]]), fewer)]


@on_results
def _kernels_are_independent(e: dict, actual, expected) -> str | None:
    every, first = (np.asarray(a) for a in actual)
    if every.ndim != 3 or not close(first, every[..., :e["keep"]]):
        return (f"output channel o must depend only on kernel o: with "
                f"{the_first(e['keep'], 'kernel')} the output is not "
                f"{the_first(e['keep'], 'channel')}")
    return None


@st.composite
def _invalid_conv_layer(draw):
    (image, kernels), options = draw(S.conv_layer_calls(bias=True, padding=st.integers(0, 2)))
    broken = draw(st.sampled_from(["channels", "bias", "image_ndim", "kernels_ndim",
                                   "padding", "stride", "kernel_too_large", "empty_kernels"]))
    if broken == "channels":
        image = np.concatenate([image, image[..., :1]], axis=2)
    elif broken == "bias":
        options["bias"] = np.zeros(kernels.shape[3] + 1)
    elif broken == "image_ndim":
        image = image[..., 0]
    elif broken == "kernels_ndim":
        kernels = kernels[..., 0]
    elif broken == "padding":
        options["padding"] = draw(S.NEGATIVE)
        image = S.room_for_negative_padding(image, kernels.shape[:2], options["padding"])
    elif broken == "stride":
        options["stride"] = draw(S.BELOW_ONE)
    elif broken == "empty_kernels":
        kernels = np.zeros((*kernels.shape[:3], 0))
        options["bias"] = None
    else:  # along one axis or both
        for axis in draw(st.sampled_from([(0,), (1,), (0, 1)])):
            kernels = _too_large_on(axis, kernels, image.shape, options["padding"])
    return (image, kernels), options


@st.composite
def _broadcastable_biases(draw):
    """A call whose bias is not ``(C_out,)`` but that numpy would add to the ``(Ho, Wo,
    C_out)`` output all the same: a scalar, ``(1,)`` for several kernels, ``(1, C_out)`` or
    ``(1, 1, C_out)``. A shape check that is missing, or compares the shapes with < or >
    instead of !=, lets it through (a wrong size breaks the addition by itself)."""
    (image, kernels), options = draw(S.conv_layer_calls(padding=st.integers(0, 1)))
    c_out = kernels.shape[3]
    shape = draw(st.sampled_from([(), (1, c_out), (1, 1, c_out)] + [(1,)] * (c_out > 1)))
    bias = draw(S.float_arrays(shape))
    options["bias"] = float(bias) if shape == () and draw(st.booleans()) else bias
    return (image, kernels), options


def _conv_layer_checks() -> list[Check]:
    f = "conv_layer"
    return [
        agreement(f, "agrees_on_one_channel",
                  "one input and one output channel, no bias: agrees with the reference",
                  S.conv_layer_calls(st.just(1), st.just(1), bias=False), weight=2,
                  covers=("cross_correlation", f)),
        agreement(f, "sums_over_input_channels",
                  "several input and output channels: sums over the input channels",
                  S.conv_layer_calls(st.integers(2, 3), st.integers(2, 3), bias=False),
                  weight=3, covers=("channels_last", "tolerance", f)),
        agreement(f, "adds_the_bias", "adds bias[o] to every pixel of output channel o",
                  S.conv_layer_calls(bias=True), weight=2, covers=(f,)),
        agreement(f, "agrees_with_padding_and_stride",
                  "padding and stride, with one to three channels",
                  S.conv_layer_calls(padding=st.integers(1, 2), stride=st.integers(1, 3)),
                  weight=2, covers=(f,)),
        agreement(f, "integer_input_gives_floats",
                  "integer images and kernels give the right floating-point result",
                  S.conv_layer_calls(ints=True), covers=("floats_for_integer_input",)),
        agreement(f, "non_square_kernels",
                  "non-square kernels (kh != kw): rows and columns are not mixed up",
                  S.conv_layer_calls(square=False, padding=st.integers(0, 1)), weight=2,
                  covers=(f,)),
        agreement(f, "uses_the_defaults", "bias=None, padding=0 and stride=1 when left out",
                  S.defaults_only(S.conv_layer_calls(bias=False), 2),
                  covers=("defaults[bias]", "defaults[padding]", "defaults[stride]")),
        accepts_nested_lists(f, S.conv_layer_calls()),
        agreement(f, "adds_an_integer_bias",
                  "an integer bias still gives the right floating-point result",
                  S.conv_layer_calls(bias=True, int_bias=True),
                  covers=("floats_for_integer_input",)),
        Check(f, "kernels_are_independent",
              "each kernel makes its own output channel (an added kernel is not a new layer)",
              _channel_subsets(), calls=_subset_calls, judge=_kernels_are_independent,
              covers=(f,)),
        *rejects_invalid_arguments(
            f, "a channel mismatch, a bias that is not (C_out,), the wrong ndim, bad padding or "
            "stride raise ValueError", _invalid_conv_layer(),
            covers=("negative_padding[padding]", "stride_below_one[stride]",
                    "empty_kernel[empty_kernels]", "kernel_too_large_per_axis[kernel_too_large]",
                    "wrong_ndim[image_ndim]", "wrong_ndim[kernels_ndim]",
                    "channel_mismatch[channels]", "bias_shape[bias]")),
        _rejects_too_large_on_one_axis(f, S.conv_layer_calls(padding=st.integers(0, 2))),
        raises_value_error(f, "a bias numpy could broadcast (a scalar, (1,), (1, C_out)) "
                           "that is not (C_out,) raises ValueError", _broadcastable_biases(),
                           weight=0.5, name="rejects_a_broadcastable_bias",
                           covers=("bias_shape",)),
        keeps_inputs(f, S.conv_layer_calls(bias=True)),
    ]


def _conv_layer_no_bias(image, kernels, bias=None, padding=0, stride=1):
    reference.conv_layer(image, kernels, bias, padding, stride)
    return reference.conv_layer(image, kernels, None, padding, stride)


def _conv_layer_bias_per_input_channel(image, kernels, bias=None, padding=0, stride=1):
    out = reference.conv_layer(image, kernels, bias, padding, stride)
    return out if bias is None else out + (np.asarray(kernels).shape[2] - 1) * np.asarray(bias)


def _conv_layer_first_channel(image, kernels, bias=None, padding=0, stride=1):
    reference.conv_layer(image, kernels, bias, padding, stride)
    return reference.conv_layer(np.asarray(image)[:, :, :1], np.asarray(kernels)[:, :, :1],
                                bias, padding, stride)


def _conv_layer_flipped(image, kernels, bias=None, padding=0, stride=1):
    return reference.conv_layer(image, _flip(kernels), bias, padding, stride)


def _conv_layer_input_dtype(image, kernels, bias=None, padding=0, stride=1):
    reference.conv_layer(image, kernels, bias, padding, stride)
    out = _in_dtype(reference.conv_layer(image, kernels, None, padding, stride), image,
                    kernels)
    return out if bias is None else out + np.asarray(bias)  # the bias comes after the sum


def _conv_layer_broadcast_bias(image, kernels, bias=None, padding=0, stride=1):
    out = reference.conv_layer(image, kernels, None, padding, stride)  # its other ValueErrors
    return out if bias is None else out + np.asarray(bias)  # whatever numpy can broadcast


def _conv_layer_transposed(image, kernels, bias=None, padding=0, stride=1):
    reference.conv_layer(image, kernels, bias, padding, stride)
    return reference.conv_layer(image, np.swapaxes(kernels, 0, 1), bias, padding, stride)


def _conv_layer_at_the_end(image, kernels, bias=None, padding=0, stride=1):
    reference.conv_layer(image, kernels, bias, padding, stride)
    return reference.conv_layer(_padded_at_the_end(image, padding, 2), kernels, bias, 0,
                                stride)


def _conv_layer_no_padding(image, kernels, bias=None, padding=0, stride=1):
    reference.conv_layer(image, kernels, bias, padding, stride)
    return reference.conv_layer(image, kernels, bias, 0, stride)


CONV_LAYER = Graded(
    "conv_layer", FLOAT_ARRAY, section="convolution", points=3,
    spec="conv_layer: sum over the window and the input channels of kernels[a, b, c, o], "
         "plus bias[o]", checks=_conv_layer_checks, misconceptions=(
        Misconception("forgets_bias", "left out the bias",
                      "each kernel adds its own bias b[o] to every output pixel",
                      _conv_layer_no_bias),
        Misconception("bias_per_input_channel", "added the bias once per input channel",
                      "a kernel spans all input channels and adds its bias once",
                      _conv_layer_bias_per_input_channel),
        Misconception("first_channel_only", "used only the first input channel",
                      "each kernel sums over all C_in input channels", _conv_layer_first_channel),
        Misconception("flipped_kernel", "flipped the kernels (a true convolution)",
                      "the lecture's convolution does not flip the kernel", _conv_layer_flipped,
                      arguments=_flipped_kernel),
        Misconception("input_dtype", "computed in the input's integer dtype (uint8 wraps at "
                      "256)", "convert to float before multiplying and summing",
                      _conv_layer_input_dtype, any_dtype=True),
        Misconception("broadcast_bias", "let numpy broadcast a bias that is not (C_out,)",
                      "one bias per kernel: check that np.shape(bias) == (C_out,) before adding "
                      "it", _conv_layer_broadcast_bias),
        Misconception("padding_ignored", "ignored the padding",
                      "pad the image with p zeros on all four sides before sliding the "
                      "kernels", _conv_layer_no_padding),
        Misconception("rows_columns_swapped", "swapped the kernels' two spatial axes (read "
                      "them as (kw, kh, ...))", "kernels is (kh, kw, C_in, C_out): "
                      "kernels[a, b, c, o], a runs down the rows (height), b along the columns "
                      "(width)", _conv_layer_transposed, predicts=_square_kernel),
        Misconception("padding_at_the_end", *_AT_THE_END, _conv_layer_at_the_end),
    ))


# --- activations ----------------------------------------------------------------------------

def _elementwise(ints: bool = False, values=None):
    elements = values if values is not None else (st.integers(-15, 15) if ints else S.QUARTERS)
    dtype = np.int64 if ints else np.float64
    from hypothesis.extra import numpy as hnp
    return hnp.arrays(dtype, S.any_shape(), elements=elements).map(lambda x: S.call(x))


def _small_int_elementwise():
    return S.any_shape().flatmap(S.small_int_arrays).map(lambda x: S.call(x))


def _negated(example) -> list:
    (x,), _ = example
    return [((x,), {}), ((-x,), {})]


@on_results
def _is_symmetric(example, actual, expected) -> str | None:
    s, s_neg = (np.asarray(a, dtype=float) for a in actual)
    if not close(s_neg, 1 - s):
        return "sigmoid(-x) differs from 1 - sigmoid(x)"
    return None


def _relu_checks() -> list[Check]:
    return [
        agreement("relu", "agrees_on_floats", "max(0, x) element-wise, any shape",
                  _elementwise(), weight=3, covers=("relu",)),
        agreement("relu", "agrees_on_integers", "integer arrays keep their values",
                  _elementwise(ints=True), covers=("any_numeric_dtype",)),
        accepts_nested_lists("relu", _elementwise()),
        keeps_inputs("relu", _elementwise()),
    ]


def _sigmoid_checks() -> list[Check]:
    return [
        agreement("sigmoid", "agrees_on_moderate_values", "1 / (1 + exp(-x)) element-wise",
                  _elementwise(), weight=2, covers=("tolerance", "sigmoid")),
        agreement("sigmoid", "stable_for_large_inputs",
                  "no overflow warning and no NaN for inputs up to +-1000",
                  _elementwise(values=S.LARGE_FLOATS), weight=2, warnings_as_errors=True,
                  covers=("sigmoid_no_warning", "sigmoid")),
        agreement("sigmoid", "integer_input_gives_floats", "integer input gives floats",
                  _elementwise(ints=True), covers=("floats_for_integer_input",)),
        agreement("sigmoid", "small_integer_dtypes", "int8, uint8 and int16 input",
                  _small_int_elementwise(), covers=("floats_for_integer_input",)),
        agreement("sigmoid", "no_warning_for_huge_inputs",
                  "no overflow warning for any finite input, up to 1e308 (float32 overflows "
                  "above 3.4e38)", _elementwise(values=S.HUGE_FLOATS), weight=0.5,
                  warnings_as_errors=True, covers=("sigmoid_no_warning",)),
        Check("sigmoid", "is_point_symmetric", "sigmoid(-x) = 1 - sigmoid(x)",
              _elementwise(), calls=_negated, judge=_is_symmetric, covers=("sigmoid",)),
        accepts_nested_lists("sigmoid", _elementwise()),
        keeps_inputs("sigmoid", _elementwise(values=S.ANY_FLOATS)),
    ]


def _relu_derivative(x):
    return (np.asarray(x) > 0).astype(np.asarray(x).dtype)


def _relu_abs(x):
    return np.abs(np.asarray(x))


RELU = Graded(
    "relu", NUMERIC_ARRAY, section="convolution", points=1,
    spec="relu is max(x, 0), element-wise", checks=_relu_checks, misconceptions=(
        Misconception("derivative", "returned the derivative (x > 0) instead of max(x, 0)",
                      "relu(x) = max(x, 0): keep positive values, set the others to 0",
                      _relu_derivative),
        Misconception("absolute_value", "returned |x| instead of max(x, 0)",
                      "negative inputs become 0, not positive", _relu_abs),
    ))


def _sigmoid_naive(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def _sigmoid_where_both_branches(x):
    """np.where(x >= 0, 1 / (1 + exp(-x)), exp(x) / (1 + exp(x))): both computed everywhere,
    each overflowing (a warning) where the other is picked."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # inf / inf in the branch not picked: no warning
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


WHERE_BOTH_BRANCHES = (
    "wrote the stable sigmoid with np.where, which computes both branches for every x: exp(x) "
    "or exp(-x) overflows where |x| is large", "np.where does not skip the branch it does not "
    "pick: use exp(-|x|), which is at most 1, in both forms")


def _sigmoid_of_minus_x(x):
    return reference.sigmoid(-np.asarray(x, dtype=np.float64))  # no uint8 wrap-around


def _sigmoid_in_input_dtype(x):
    x = np.asarray(x)
    with np.errstate(all="ignore"):  # the student's overflow in float16
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


INPUT_DTYPE = ("took exp of the integer input as it is: -|x| wraps around in uint8, and exp "
               "of int8 is only float16", "convert to float64 first: np.asarray(x, dtype=float)")


def _sigmoid_in_float32(x):
    x = np.asarray(x, dtype=np.float32)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


SIGMOID = Graded(
    "sigmoid", FLOAT_ARRAY, section="convolution", points=1,
    spec="sigmoid is 1 / (1 + exp(-x)), element-wise, with no NaN for any finite input",
    checks=_sigmoid_checks, misconceptions=(
        Misconception("overflow", "computed exp(-x) directly: it overflows for large negative "
                      "x", "use exp(-|x|), which is at most 1, and the two equal forms of the "
                      "sigmoid", _sigmoid_naive),
        Misconception("where_both_branches", *WHERE_BOTH_BRANCHES, _sigmoid_where_both_branches),
        Misconception("sign_swapped", "computed sigmoid(-x): the two branches are swapped",
                      "sigmoid(x) = 1 / (1 + exp(-x)) goes to 1 for large positive x",
                      _sigmoid_of_minus_x),
        Misconception("input_dtype", *INPUT_DTYPE, _sigmoid_in_input_dtype),
        Misconception("float32", "cast the input to float32: 1e308 does not fit (an overflow "
                      "warning)", "compute in float64, or clip before casting to float32",
                      _sigmoid_in_float32),
    ))



# --- dilated_conv2d (bonus) ----------------------------------------------------------------

DILATIONS = st.integers(2, 3)


def _effective(k: int, dilation: int) -> int:
    """How many pixels a kernel of ``k`` taps spans along an axis with ``dilation``."""
    return (k - 1) * dilation + 1


@st.composite
def _dilated_calls(draw, dilation=DILATIONS, padding=st.just(0), stride=st.just(1),
                   square: bool = True, ints: bool = False, just_fits: bool = False):
    """A valid call of ``dilated_conv2d``: its dilated kernel fits the padded image;
    ``just_fits``: along the rows it fits exactly when the padding allows it."""
    d, p, s = draw(dilation), draw(padding), draw(stride)
    kernel = [draw(st.integers(1, 3))] * 2
    if not square:
        kernel[1] = kernel[0] % 3 + 1  # non-square means non-square
    sizes = [draw(st.integers(max(1, _effective(k, d) - 2 * p), S.MAX_SIDE)) for k in kernel]
    if just_fits:
        sizes[0] = max(1, _effective(kernel[0], d) - 2 * p)
    x = draw(S.arrays_of(tuple(sizes), ints))
    w = draw(S.arrays_of(tuple(kernel), ints))
    return S.call(x, w, dilation=d, padding=p, stride=s)


def _zero_stuffed(kernel: np.ndarray, dilation: int) -> np.ndarray:
    """``kernel`` with ``dilation - 1`` zeros between neighbouring taps: a plain kernel of
    the effective size that computes the same as the dilated one."""
    kh, kw = kernel.shape
    stuffed = np.zeros((_effective(kh, dilation), _effective(kw, dilation)), kernel.dtype)
    stuffed[::dilation, ::dilation] = kernel
    return stuffed


def _stuffed_calls(example) -> list:
    (x, kernel), options = example
    return [example, ((x, _zero_stuffed(kernel, options["dilation"])),
                      {**options, "dilation": 1})]


@on_results
def _same_as_stuffed(example, actual, expected) -> str | None:
    if not close(actual[0], actual[1]):
        return (f"dilation {example[1]['dilation']} differs from dilation 1 with the kernel's "
                "taps spread out by zeros")
    return None


@st.composite
def _dilated_shifts(draw) -> dict:
    (x, kernel), options = draw(_dilated_calls())
    out_shape = [n - _effective(k, options["dilation"]) + 1
                 for n, k in zip(x.shape, kernel.shape, strict=True)]
    shift = tuple(draw(st.integers(0, max(0, n - 1))) for n in out_shape)
    return {"x": x, "kernel": kernel, "shift": shift, "options": options}


@st.composite
def _dilated_linear_combinations(draw) -> dict:
    (x, kernel), options = draw(_dilated_calls(padding=st.integers(0, 2),
                                               stride=st.integers(1, 2)))
    y = draw(S.float_arrays(x.shape))
    return {"x": x, "y": y, "kernel": kernel, "a": draw(SCALARS), "b": draw(SCALARS),
            "options": options}


@st.composite
def _invalid_dilated(draw):
    (x, kernel), options = draw(_dilated_calls(dilation=st.integers(1, 3),
                                               padding=st.integers(0, 2)))
    broken = draw(st.sampled_from(["dilation", "padding", "stride", "dilated_too_large",
                                   "empty_kernel", "x_ndim", "kernel_ndim"]))
    if broken == "dilation":
        options["dilation"] = draw(S.BELOW_ONE)
    elif broken == "padding":
        options["padding"] = draw(S.NEGATIVE)
        spread = [(k - 1) * options["dilation"] + 1 for k in kernel.shape]  # as it is applied
        x = S.room_for_negative_padding(x, tuple(spread), options["padding"])
    elif broken == "stride":
        options["stride"] = draw(S.BELOW_ONE)
    elif broken == "dilated_too_large":  # two taps along one axis, one pixel too far apart
        axis = draw(st.integers(0, 1))
        kernel = np.ones((2, kernel.shape[1]) if axis == 0 else (kernel.shape[0], 2))
        options["dilation"] = x.shape[axis] + 2 * options["padding"]
    elif broken == "empty_kernel":
        kernel = np.zeros((0, 0))
    elif broken == "x_ndim":
        x = draw(_other_ndim(x))
    else:
        kernel = draw(_other_ndim(kernel))
    return (x, kernel), options


def _dilated_checks() -> list[Check]:
    f = "dilated_conv2d"
    return [
        agreement(f, "agrees_with_dilation",
                  "dilation 2 and 3: the kernel's taps are dilation pixels apart",
                  _dilated_calls(), weight=3, covers=(f,)),
        agreement(f, "dilation_1_is_conv2d", "dilation 1 is conv2d",
                  _dilated_calls(dilation=st.just(1)), covers=("cross_correlation", f)),
        agreement(f, "agrees_with_padding_and_stride",
                  "dilation with zero padding 1 or 2 and stride 2 or 3",
                  _dilated_calls(dilation=st.integers(1, 3), padding=st.integers(1, 2),
                                 stride=S.STRIDES), weight=2, covers=("floor", f)),
        agreement(f, "non_square_kernels",
                  "non-square kernels: rows and columns are not mixed up",
                  _dilated_calls(square=False, padding=st.integers(0, 1)), covers=(f,)),
        agreement(f, "dilated_kernel_that_just_fits",
                  "a dilated kernel exactly as large as the padded image gives one row",
                  _dilated_calls(padding=st.integers(0, 1), just_fits=True), covers=(f,)),
        agreement(f, "integer_input_gives_floats",
                  "integer inputs (int32, int64, uint8) give the right floating-point result",
                  _dilated_calls(ints=True, padding=st.integers(0, 1)),
                  covers=("floats_for_integer_input",)),
        agreement(f, "uses_the_defaults", "dilation=1, padding=0 and stride=1 when left out",
                  S.defaults_only(_dilated_calls(dilation=st.just(1)), 2),
                  covers=("defaults[dilation]", "defaults[padding]", "defaults[stride]")),
        accepts_nested_lists(f, _dilated_calls(padding=st.integers(0, 1))),
        Check(f, "same_as_a_zero_stuffed_kernel",
              "dilation d is the plain convolution with d - 1 zeros between the kernel's taps",
              _dilated_calls(padding=st.integers(0, 1), stride=st.integers(1, 2)),
              calls=_stuffed_calls, judge=_same_as_stuffed, covers=(f,)),
        Check(f, "is_translation_equivariant",
              "translation equivariant: shifting the input shifts the output",
              _dilated_shifts(), calls=_shift_calls, judge=_is_equivariant, covers=(f,)),
        Check(f, "is_linear", "linear: conv(a*x + b*y) = a*conv(x) + b*conv(y)",
              _dilated_linear_combinations(), calls=_linear_calls, judge=_is_linear,
              covers=(f,)),
        *rejects_invalid_arguments(
            f, "a dilation or stride below 1, negative padding, a dilated kernel larger than the "
            "padded image, an empty kernel or the wrong ndim raise ValueError",
            _invalid_dilated(),
            covers=("dilated_conv2d[dilation]", "stride_below_one[stride]",
                    "negative_padding[padding]", "kernel_too_large_per_axis[dilated_too_large]",
                    "empty_kernel[empty_kernel]", "wrong_ndim[x_ndim]",
                    "wrong_ndim[kernel_ndim]")),
        keeps_inputs(f, _dilated_calls(padding=st.integers(0, 1))),
    ]


def _dilated_the_input(image, kernel, dilation=1, padding=0, stride=1):
    reference.dilated_conv2d(image, kernel, dilation, padding, stride)  # its ValueErrors
    xp = zero_pad(np.asarray(image, dtype=np.float64), padding)[::dilation, ::dilation]
    kernel = np.asarray(kernel, dtype=np.float64)  # every d-th pixel with the plain kernel
    return _slide(xp, kernel, _fitting(xp.shape[0], kernel.shape[0], stride),
                  _fitting(xp.shape[1], kernel.shape[1], stride), stride)


def _dilated_at_the_end(image, kernel, dilation=1, padding=0, stride=1):
    reference.dilated_conv2d(image, kernel, dilation, padding, stride)
    return reference.dilated_conv2d(_padded_at_the_end(image, padding, 2), kernel, dilation, 0,
                                    stride)


def _dilated_size_k_times_d(image, kernel, dilation=1, padding=0, stride=1):
    out = reference.dilated_conv2d(image, kernel, dilation, padding, stride)
    rows, cols = (_fitting(n + 2 * padding, k * dilation, stride)
                  for n, k in zip(np.shape(image), np.shape(kernel), strict=True))
    return out[:max(0, rows), :max(0, cols)]


def _dilated_holes(image, kernel, dilation=1, padding=0, stride=1):
    """d zeros between the taps, d + 1 pixels apart: dilation 1 is already dilated (the
    dilated kernel then does not fit sooner: the same ValueError)."""
    reference.dilated_conv2d(image, kernel, dilation, padding, stride)
    return reference.dilated_conv2d(image, kernel, dilation + 1, padding, stride)


DILATED_CONV2D = Graded(
    "dilated_conv2d", FLOAT_ARRAY, section="convolution", points=1, pictured=True,
    spec="dilated_conv2d (bonus): the kernel's taps dilation pixels apart, effective size "
         "(k - 1) * dilation + 1; dilation=1 is conv2d", checks=_dilated_checks,
    misconceptions=(
        Misconception("dilated_the_input",
                      "applied the dilation to the input (took every d-th pixel) instead of "
                      "to the kernel",
                      "the kernel's taps are spread d pixels apart over the full image: "
                      "out[i, j] = sum x[i*s + a*d, j*s + b*d] k[a, b]", _dilated_the_input),
        Misconception("size_k_times_d",
                      "took the dilated kernel to span k * d pixels, one output too few",
                      "k taps d pixels apart span (k - 1) * d + 1 pixels",
                      _dilated_size_k_times_d),
        Misconception("padding_at_the_end", *_AT_THE_END, _dilated_at_the_end),
        Misconception("d_zeros_between_taps",
                      "put d zeros between the kernel's taps (d + 1 pixels apart): dilation "
                      "1 is not the plain convolution",
                      "dilation d puts d - 1 zeros between the taps, d pixels apart: "
                      "dilation 1 is conv2d", _dilated_holes),
    ))

EXERCISES = (CONV1D, CONV2D, CONV_LAYER, RELU, SIGMOID, DILATED_CONV2D)
