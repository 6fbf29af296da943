"""Hidden checks of ``convolution``: conv1d, conv2d, conv_layer, relu, sigmoid."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from autograder import strategies as S
from autograder.checks.base import (
    Check,
    agreement,
    close,
    keeps_inputs,
    on_results,
    raises_value_error,
)

SCALARS = st.integers(-3, 3)


# --- conv1d and conv2d share their checks: 2-D is the 1-D idea along two axes -------------

def _agreement_checks(function: str, ndim: int) -> list[Check]:
    def calls(**options):
        return S.conv_calls(ndim, **options)

    checks = [
        agreement(function, "agrees_without_padding",
                  "agrees with the reference at padding 0 and stride 1", calls(), weight=3),
        agreement(function, "agrees_with_padding",
                  "zero padding: agrees with the reference for padding 1 to 3",
                  calls(padding=S.PADDINGS), weight=2),
        agreement(function, "agrees_with_stride",
                  "stride: agrees with the reference for stride 2 and 3",
                  calls(padding=st.integers(0, 2), stride=S.STRIDES), weight=2),
        agreement(function, "kernel_that_just_fits",
                  "a kernel exactly as large as the padded input gives one output",
                  calls(padding=st.integers(0, 1), just_fits=True)),
        agreement(function, "integer_input_gives_floats",
                  "integer inputs (int32, int64, uint8) give the right floating-point result",
                  calls(ints=True, padding=st.integers(0, 1), stride=st.integers(1, 2))),
    ]
    checks += [
        agreement(function, "uses_the_defaults", "padding=0 and stride=1 when left out",
                  S.defaults_only(calls(), 2)),
        agreement(function, "accepts_nested_lists", "nested lists work like arrays",
                  S.as_nested_lists(calls(padding=st.integers(0, 1)))),
    ]
    if ndim == 2:
        checks.append(agreement(
            function, "non_square_kernels",
            "non-square images and kernels (rows and columns are not mixed up)",
            calls(square=False, padding=st.integers(0, 1)), weight=2))
    return checks


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
    return [((e["x"], e["kernel"]), {}), ((_shifted(e["x"], e["shift"]), e["kernel"]), {})]


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
              _linear_combinations(ndim), calls=_linear_calls, judge=_is_linear),
        Check(function, "is_translation_equivariant",
              "translation equivariant: shifting the input shifts the output",
              _shifts(ndim), calls=_shift_calls, judge=_is_equivariant),
    ]


@st.composite
def _invalid_conv(draw, ndim: int):
    # With padding: a size check that forgets it (or counts it three times) shows.
    (x, kernel), options = draw(S.conv_calls(ndim, padding=st.integers(0, 2)))
    broken = draw(st.sampled_from(["padding", "stride", "kernel_too_large", "empty_kernel",
                                   "x_ndim", "kernel_ndim"]))
    if broken == "padding":
        options["padding"] = draw(S.NEGATIVE)
    elif broken == "stride":
        options["stride"] = draw(S.BELOW_ONE)
    elif broken == "kernel_too_large":
        kernel = np.ones(tuple(n + 2 * options["padding"] + draw(st.integers(1, 2))
                               for n in x.shape))
    elif broken == "empty_kernel":
        kernel = np.zeros((0,) * ndim)
    elif broken == "x_ndim":
        x = x.reshape((*x.shape, 1))
    else:
        kernel = kernel.reshape((*kernel.shape, 1))
    return (x, kernel), options


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
                              weight=0.5, name="rejects_a_kernel_too_large_on_one_axis")


def _conv_checks(function: str, ndim: int) -> list[Check]:
    return [*_agreement_checks(function, ndim), *_property_checks(function, ndim),
            raises_value_error(function, "negative padding, stride below 1, a kernel larger "
                               "than the padded input, an empty kernel or the wrong ndim "
                               "raise ValueError", _invalid_conv(ndim)),
            *([_rejects_too_large_on_one_axis(function, S.conv_calls(
                2, padding=st.integers(0, 2)))] if ndim == 2 else []),
            keeps_inputs(function, S.conv_calls(ndim, padding=st.integers(0, 1)))]


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
        return ("output channel o must depend only on kernel o: with the first "
                f"{e['keep']} kernels the output is not the first {e['keep']} channels")
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
    elif broken == "stride":
        options["stride"] = draw(S.BELOW_ONE)
    elif broken == "empty_kernels":
        kernels = np.zeros((*kernels.shape[:3], 0))
        options["bias"] = None
    else:
        kernels = _too_large_on(0, kernels, image.shape, options["padding"])
        kernels = _too_large_on(1, kernels, image.shape, options["padding"])
    return (image, kernels), options


def _conv_layer_checks() -> list[Check]:
    f = "conv_layer"
    return [
        agreement(f, "agrees_on_one_channel",
                  "one input and one output channel, no bias: agrees with the reference",
                  S.conv_layer_calls(st.just(1), st.just(1), bias=False), weight=2),
        agreement(f, "sums_over_input_channels",
                  "several input and output channels: sums over the input channels",
                  S.conv_layer_calls(st.integers(2, 3), st.integers(2, 3), bias=False),
                  weight=3),
        agreement(f, "adds_the_bias", "adds bias[o] to every pixel of output channel o",
                  S.conv_layer_calls(bias=True), weight=2),
        agreement(f, "agrees_with_padding_and_stride",
                  "padding and stride, with several channels",
                  S.conv_layer_calls(padding=st.integers(1, 2), stride=st.integers(1, 3)),
                  weight=2),
        agreement(f, "integer_input_gives_floats",
                  "integer images and kernels give the right floating-point result",
                  S.conv_layer_calls(ints=True)),
        agreement(f, "non_square_kernels",
                  "non-square kernels (kh != kw): rows and columns are not mixed up",
                  S.conv_layer_calls(square=False, padding=st.integers(0, 1)), weight=2),
        agreement(f, "uses_the_defaults", "bias=None, padding=0 and stride=1 when left out",
                  S.defaults_only(S.conv_layer_calls(bias=False), 2)),
        agreement(f, "accepts_nested_lists", "nested lists work like arrays",
                  S.as_nested_lists(S.conv_layer_calls())),
        agreement(f, "adds_an_integer_bias",
                  "an integer bias still gives the right floating-point result",
                  S.conv_layer_calls(bias=True, int_bias=True)),
        Check(f, "kernels_are_independent",
              "each kernel makes its own output channel (an added kernel is not a new layer)",
              _channel_subsets(), calls=_subset_calls, judge=_kernels_are_independent),
        raises_value_error(f, "a channel mismatch, a bias that is not (C_out,), the wrong "
                           "ndim, bad padding or stride raise ValueError",
                           _invalid_conv_layer()),
        _rejects_too_large_on_one_axis(f, S.conv_layer_calls(padding=st.integers(0, 2))),
        keeps_inputs(f, S.conv_layer_calls(bias=True)),
    ]


# --- activations ----------------------------------------------------------------------------

def _elementwise(ints: bool = False, values=None):
    elements = values if values is not None else (st.integers(-15, 15) if ints else S.QUARTERS)
    dtype = np.int64 if ints else np.float64
    from hypothesis.extra import numpy as hnp
    return hnp.arrays(dtype, S.any_shape(), elements=elements).map(lambda x: S.call(x))


LARGE = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False).map(
    lambda v: round(v, 2))


def _negated(example) -> list:
    (x,), _ = example
    return [((x,), {}), ((-x,), {})]


@on_results
def _is_symmetric(example, actual, expected) -> str | None:
    s, s_neg = (np.asarray(a, dtype=float) for a in actual)
    if not close(s_neg, 1 - s):
        return "sigmoid(-x) differs from 1 - sigmoid(x)"
    return None


def _activation_checks() -> list[Check]:
    return [
        agreement("relu", "agrees_on_floats", "max(0, x) element-wise, any shape",
                  _elementwise(), weight=3),
        agreement("relu", "agrees_on_integers", "integer arrays keep their values",
                  _elementwise(ints=True)),
        agreement("relu", "accepts_nested_lists", "nested lists work like arrays",
                  S.as_nested_lists(_elementwise())),
        keeps_inputs("relu", _elementwise()),
        agreement("sigmoid", "agrees_on_moderate_values", "1 / (1 + exp(-x)) element-wise",
                  _elementwise(), weight=2),
        agreement("sigmoid", "stable_for_large_inputs",
                  "no overflow warning and no NaN for inputs up to +-1000",
                  _elementwise(values=LARGE), weight=2, warnings_as_errors=True),
        agreement("sigmoid", "integer_input_gives_floats", "integer input gives floats",
                  _elementwise(ints=True)),
        Check("sigmoid", "is_point_symmetric", "sigmoid(-x) = 1 - sigmoid(x)",
              _elementwise(), calls=_negated, judge=_is_symmetric),
        agreement("sigmoid", "accepts_nested_lists", "nested lists work like arrays",
                  S.as_nested_lists(_elementwise())),
        keeps_inputs("sigmoid", _elementwise()),
    ]


def checks() -> list[Check]:
    return [*_conv_checks("conv1d", 1), *_conv_checks("conv2d", 2), *_conv_layer_checks(),
            *_activation_checks()]
