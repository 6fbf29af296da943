"""Every input the hidden suite generates, in one place.

Values are multiples of 0.25 between -5 and 5: exact in binary, so a right answer is exactly
right, and readable in the feedback. Sizes stay small (at most 10 pixels a side): a bug shows
on small inputs, and hypothesis shrinks a failure to the smallest one it can find.

A *call* is ``(args, kwargs)`` as sent to the student's function. Strategies named ``*_calls``
draw calls; the others draw the pieces that properties combine.
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 10
QUARTERS = st.integers(-20, 20).map(lambda v: v / 4)
INT_DTYPES = (np.int64, np.int32, np.uint8)  # uint8: how medical images are often stored
LAYER_SIZES = st.integers(1, 5)


def float_arrays(shape) -> st.SearchStrategy[np.ndarray]:
    """Arrays of QUARTERS: drawn as integers and divided once, not element by element (a
    ``map`` per element doubled the time to draw the suite)."""
    return hnp.arrays(np.int64, shape, elements=st.integers(-20, 20)).map(_in_quarters)


def _in_quarters(counts: np.ndarray) -> np.ndarray:
    return counts / 4


def int_arrays(shape) -> st.SearchStrategy[np.ndarray]:
    # Non-negative: fits every dtype. uint8 values go up to 60 so that even a two-element
    # product overflows 255: computing in the input's dtype must be caught.
    return st.sampled_from(INT_DTYPES).flatmap(lambda dtype: hnp.arrays(
        dtype, shape, elements=st.integers(0, 60 if dtype == np.uint8 else 15)))


# Integer dtypes whose own arithmetic is wrong: a sigmoid or a min-max scaling computed in
# them wraps around (-abs(uint8) is large, max - min of int8 overflows) or runs in float16.
SMALL_INT_DTYPES: tuple[type[np.integer], ...] = (np.int8, np.uint8, np.int16)


def small_int_arrays(shape) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``SMALL_INT_DTYPES`` over the dtype's whole range."""
    def arrays(dtype: type[np.integer]) -> st.SearchStrategy[np.ndarray]:
        info = np.iinfo(dtype)
        return hnp.arrays(dtype, shape, elements=st.integers(int(info.min), int(info.max)))
    return st.sampled_from(SMALL_INT_DTYPES).flatmap(arrays)


# Finite floats too large for float32 (above 3.4e38): casting them to float32 overflows.
HUGE_FLOATS = st.floats(1e39, np.finfo(np.float64).max).flatmap(
    lambda v: st.sampled_from([v, -v]))
# Where exp(-x) overflows (beyond about +-709), rounded so that a failure reads short.
LARGE_FLOATS = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False).map(
    lambda v: round(v, 2))
# Every range a sigmoid meets: one that clips its input in place to stay finite
# (np.clip(x, -500, 500, out=x)) changes only the large values.
ANY_FLOATS = st.one_of(QUARTERS, LARGE_FLOATS, HUGE_FLOATS)


def arrays_of(shape, ints: bool = False) -> st.SearchStrategy[np.ndarray]:
    return int_arrays(shape) if ints else float_arrays(shape)


def any_shape(min_dims: int = 1, max_dims: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=6)


def call(*args, **kwargs) -> tuple[tuple, dict]:
    return args, kwargs


def defaults_only(calls: st.SearchStrategy, n_args: int) -> st.SearchStrategy:
    """The calls with only their first ``n_args`` positional arguments: the rest is left to
    the function's defaults (SPEC 3). Draw ``calls`` with the defaults' values."""
    return calls.map(lambda c: (c[0][:n_args], {}))


def as_nested_lists(calls: st.SearchStrategy) -> st.SearchStrategy:
    """The calls with every array argument sent as nested lists (SPEC 2: ``np.asarray``)."""
    def listed(c):
        args, kwargs = c
        return (tuple(a.tolist() if isinstance(a, np.ndarray) else a for a in args),
                {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
    return calls.map(listed)


# --- windows: a kernel or pooling window that fits the (padded) input --------------------

@st.composite
def window(draw, ndim: int, padding=st.just(0), stride=st.just(1), square: bool = True,
           just_fits: bool = False, max_kernel: int = 4) -> dict:
    """Sizes of an input and a kernel along ``ndim`` axes, with padding and stride, such that
    the kernel fits the padded input. ``just_fits``: along the first axis it fits exactly."""
    p, s = draw(padding), draw(stride)
    k0 = draw(st.integers(1, max_kernel))
    kernel = [k0] * ndim if square else [k0, *(draw(st.integers(1, max_kernel))
                                              for _ in range(ndim - 1))]
    if not square and ndim == 2 and kernel[0] == kernel[1]:
        kernel[1] = kernel[0] % max_kernel + 1  # non-square means non-square
    sizes = [draw(st.integers(max(1, k - 2 * p), MAX_SIDE)) for k in kernel]
    if just_fits:
        sizes[0] = max(1, kernel[0] - 2 * p)
        kernel[0] = sizes[0] + 2 * p
    return {"sizes": tuple(sizes), "kernel": tuple(kernel), "padding": p, "stride": s}


PADDINGS = st.integers(1, 3)
STRIDES = st.integers(2, 3)


@st.composite
def conv_calls(draw, ndim: int, ints: bool = False, **window_options):
    """A valid call of ``conv1d`` (ndim 1) or ``conv2d`` (ndim 2)."""
    w = draw(window(ndim, **window_options))
    x = draw(arrays_of(w["sizes"], ints))
    kernel = draw(arrays_of(w["kernel"], ints))
    return call(x, kernel, padding=w["padding"], stride=w["stride"])


@st.composite
def conv_layer_calls(draw, channels_in=st.integers(1, 3), channels_out=st.integers(1, 3),
                     bias: bool | None = None, ints: bool = False, int_bias: bool = False,
                     **window_options):
    """A valid call of ``conv_layer``; ``bias`` None draws with or without one;
    ``int_bias``: the bias is an integer array."""
    w = draw(window(2, **window_options, max_kernel=3))
    c_in, c_out = draw(channels_in), draw(channels_out)
    image = draw(arrays_of((*w["sizes"], c_in), ints))
    kernels = draw(arrays_of((*w["kernel"], c_in, c_out), ints))
    with_bias = draw(st.booleans()) if bias is None else bias
    b = draw(arrays_of((c_out,), int_bias)) if with_bias else None
    return call(image, kernels, bias=b, padding=w["padding"], stride=w["stride"])


# --- pooling -----------------------------------------------------------------------------

@st.composite
def pool_calls(draw, channels: bool | None = False, size=st.integers(1, 4),
               stride=st.none(), ints: bool = False):
    """A valid call of ``max_pool``/``avg_pool``; ``stride`` None means the default."""
    k = draw(size)
    s = draw(stride)
    shape = [draw(st.integers(k, MAX_SIDE)), draw(st.integers(k, MAX_SIDE))]
    with_channels = draw(st.booleans()) if channels is None else channels
    if with_channels:
        shape.append(draw(st.integers(1, 3)))
    x = draw(arrays_of(tuple(shape), ints))
    return call(x, k) if s is None else call(x, k, stride=s)


# --- sizes -------------------------------------------------------------------------------

@st.composite
def output_size_calls(draw, padding=st.just(0), stride=st.just(1), uneven: bool = False):
    """A valid ``conv_output_size`` call; ``uneven``: the last window does not fit."""
    w = draw(window(1, padding=padding, stride=stride, max_kernel=7))
    n, k, p, s = w["sizes"][0], w["kernel"][0], w["padding"], w["stride"]
    n = draw(st.integers(max(1, k - 2 * p), 64))
    if uneven:
        assume((n + 2 * p - k) % s != 0)
    return call(n, k, padding=p, stride=s)


# --- architectures (SPEC section 4) ------------------------------------------------------

@st.composite
def conv_layers(draw, padding: bool = True) -> dict:
    layer = {"type": "conv", "filters": draw(LAYER_SIZES), "kernel_size": draw(
        st.sampled_from([1, 3, 5]))}
    if draw(st.booleans()):
        layer["stride"] = draw(st.integers(1, 2))
    if padding and draw(st.booleans()):
        layer["padding"] = draw(st.integers(0, 2))
    if draw(st.booleans()):
        layer["bias"] = draw(st.booleans())
    return layer


@st.composite
def pool_layers(draw) -> dict:
    layer = {"type": draw(st.sampled_from(["maxpool", "avgpool"]))}
    if draw(st.booleans()):
        layer["size"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        layer["stride"] = draw(st.integers(1, 3))
    return layer


ACTIVATION_LAYERS = st.sampled_from([{"type": "relu"}, {"type": "sigmoid"}])


@functools.cache  # one strategy object per arguments: hypothesis validates it once
def spatial_stacks(min_size: int = 0, max_size: int = 5, activations: bool = True):
    """Lists of conv, pooling (and activation) layers: what a receptive field is made of."""
    parts = [conv_layers(), pool_layers()] + ([ACTIVATION_LAYERS] if activations else [])
    return st.lists(st.one_of(parts), min_size=min_size, max_size=max_size)


@st.composite
def networks(draw, dense: bool = True) -> dict:
    """A network and an input shape it fits, possibly ending in flatten and dense layers."""
    from solutions.weights import output_shape  # the trusted reference decides what fits

    shape = (draw(st.integers(8, 32)), draw(st.integers(8, 32)), draw(st.integers(1, 3)))
    layers: list[dict] = []
    for layer in draw(spatial_stacks(0, 4)):  # none at all: flatten comes first
        try:
            output_shape([*layers, layer], shape)
        except ValueError:
            continue  # does not fit any more: leave it out
        layers.append(layer)
    if dense and draw(st.booleans()):
        layers.append({"type": "flatten"})
        for _ in range(draw(st.integers(1, 2))):
            unit = {"type": "dense", "units": draw(st.integers(1, 10))}
            if draw(st.booleans()):
                unit["bias"] = draw(st.booleans())
            layers.append(unit)
            if draw(st.booleans()):  # activations also come after flatten and dense
                layers.append(draw(ACTIVATION_LAYERS))
    return {"layers": layers, "input_shape": shape}


# --- invalid arguments (SPEC section 2) ----------------------------------------------------

NEGATIVE = st.integers(-3, -1)
BELOW_ONE = st.integers(-2, 0)


def room_for_negative_padding(x: np.ndarray, kernel_shape: tuple, padding: int) -> np.ndarray:
    """``x`` grown with zeros after its spatial axes (the first ``len(kernel_shape)``) until
    the kernel fits it even with the negative ``padding`` taken off: the padding is then the
    only wrong argument, and a student who checks the kernel's fit first is not asked to
    name the padding for a call that has two things wrong."""
    spatial = len(kernel_shape)
    grow = [(0, max(0, k - 2 * padding - n))
            for n, k in zip(x.shape[:spatial], kernel_shape, strict=True)]
    return np.pad(x, grow + [(0, 0)] * (x.ndim - spatial))
