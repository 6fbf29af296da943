"""The graded functions of ``weights`` (the lecture's "reducing the number of weights"):
the weight counts, the architecture functions and weights_as_image; for each its declaration
(``Graded``), its hidden checks and its misconceptions."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from autograder import strategies as S
from autograder.checks.base import (
    Check,
    Graded,
    Misconception,
    accepts_nested_lists,
    agreement,
    keeps_inputs,
    on_results,
    rejects_invalid_arguments,
    result_property,
    the_first,
)
from cnnlab.catalog import COUNT, FLOAT_ARRAY, SHAPE
from solutions import weights as reference
from solutions.architecture import layer_settings

ANY_COUNT = st.integers(1, 600)
KERNEL = st.integers(1, 11)


def _counts(*draws) -> st.SearchStrategy:
    return st.tuples(*draws).map(lambda args: S.call(*args))


def _with_one_below_one(n_args: int) -> st.SearchStrategy:
    """Positional counts with one of them 0 or negative."""
    return st.tuples(st.lists(ANY_COUNT, min_size=n_args, max_size=n_args),
                     st.integers(0, n_args - 1), S.BELOW_ONE).map(
        lambda t: S.call(*(t[2] if i == t[1] else v for i, v in enumerate(t[0]))))


SPARSE_OK = st.tuples(ANY_COUNT, KERNEL).filter(lambda t: t[1] <= t[0])


def _n_input_features_checks() -> list[Check]:
    f = "n_input_features"
    return [
        agreement(f, "counts_every_pixel_and_channel",
                  "H * W * C input features (24x24x3 -> 1728)",
                  _counts(ANY_COUNT, ANY_COUNT, st.integers(1, 4)), weight=2,
                  covers=("counts_are_integers", f)),
        agreement(f, "one_channel_by_default", "channels defaults to 1",
                  _counts(ANY_COUNT, ANY_COUNT), covers=(f, "defaults[channels]")),
        *rejects_invalid_arguments(f, "a size below 1 raises ValueError", _with_one_below_one(3),
                                   covers=("size_below_one",)),
    ]


def _n_input_features_no_channels(height, width, channels=1):
    reference.n_input_features(height, width, channels)
    return height * width


N_INPUT_FEATURES = Graded(
    "n_input_features", COUNT, section="images", points=1,
    spec="n_input_features: H * W * C, as the lecture's 24x24x3 -> 1728",
    checks=_n_input_features_checks, misconceptions=(
        Misconception("forgets_channels", "forgot the channels",
                      "a 24x24x3 image has 24 * 24 * 3 = 1728 features",
                      _n_input_features_no_channels),
    ))


def _dense_weights_checks() -> list[Check]:
    f = "dense_weights"
    return [
        agreement(f, "every_input_to_every_output",
                  "fully connected: n_inputs * n_outputs", _counts(ANY_COUNT, ANY_COUNT),
                  weight=2, covers=("counts_are_integers", f)),
        *rejects_invalid_arguments(f, "a count below 1 raises ValueError", _with_one_below_one(2),
                                   covers=("size_below_one",)),
    ]


def _dense_weights_with_biases(n_inputs, n_outputs):
    return reference.dense_weights(n_inputs, n_outputs) + n_outputs


DENSE_WEIGHTS = Graded(
    "dense_weights", COUNT, section="images", points=1,
    spec="dense_weights: fully connected, no biases: 5, 3 -> 15",
    checks=_dense_weights_checks, misconceptions=(
        Misconception("counts_biases", "counted the biases too",
                      "the lecture's dense count is weights only: n_inputs * n_outputs",
                      _dense_weights_with_biases),
    ))


def _sparse_weights_checks() -> list[Check]:
    f = "sparse_weights"
    return [
        agreement(f, "own_kernel_per_output",
                  "sparsely connected: (n - k + 1) outputs with k weights each",
                  SPARSE_OK.map(lambda t: S.call(*t)), weight=2,
                  covers=("counts_are_integers", f)),
        result_property(f, "one_more_input_adds_a_kernel",
                  "one more input gives one more output with its own k weights",
                  SPARSE_OK, lambda t: [S.call(*t), S.call(t[0] + 1, t[1])],
                  lambda t, r: r[1] - r[0] == t[1],
                  "sparse_weights({0} + 1, {1}) - sparse_weights({0}, {1}) is not {1}",
                  covers=(f,)),
        *rejects_invalid_arguments(f, "a kernel larger than the input or a count below 1 raises "
                                   "ValueError", st.one_of(_with_one_below_one(2), SPARSE_OK.map(
                                       lambda t: S.call(t[1], t[0] + 1))),
                                   covers=("size_below_one", "kernel_too_large_per_axis")),
    ]


def _sparse_weights_n_k(n_inputs, kernel_size):
    reference.sparse_weights(n_inputs, kernel_size)
    return n_inputs * kernel_size


def _sparse_weights_no_plus_one(n_inputs, kernel_size):
    reference.sparse_weights(n_inputs, kernel_size)
    return (n_inputs - kernel_size) * kernel_size


def _sparse_weights_with_biases(n_inputs, kernel_size):
    reference.sparse_weights(n_inputs, kernel_size)
    return (n_inputs - kernel_size + 1) * (kernel_size + 1)


SPARSE_WEIGHTS = Graded(
    "sparse_weights", COUNT, section="images", points=1,
    spec="sparse_weights: locally connected, not shared, no padding: (n - k + 1) * k",
    checks=_sparse_weights_checks, misconceptions=(
        Misconception("n_times_k", "gave every input its own k weights (n * k)",
                      "there are n - k + 1 outputs, each with its own k weights",
                      _sparse_weights_n_k),
        Misconception("counts_biases", "counted a bias for every output too",
                      "the lecture's sparse count is weights only: (n - k + 1) * k",
                      _sparse_weights_with_biases),
        Misconception("no_plus_one", "counted n - k outputs (forgot the + 1)",
                      "a kernel of k over n inputs has n - k + 1 positions",
                      _sparse_weights_no_plus_one),
    ))


def _shared_weights_checks() -> list[Check]:
    f = "shared_weights"
    return [
        agreement(f, "one_kernel_for_all_outputs",
                  "shared weights: k per kernel, whatever the input size",
                  _counts(KERNEL, st.integers(1, 64)), weight=2,
                  covers=("counts_are_integers", f)),
        agreement(f, "one_kernel_by_default", "n_kernels defaults to 1",
                  _counts(ANY_COUNT), edge_case=True,  # returning kernel_size passes it
                  covers=(f, "defaults[n_kernels]")),
        result_property(f, "kernels_add_up", "m kernels have m times the weights of one",
                  st.tuples(KERNEL, st.integers(2, 64)),
                  lambda t: [S.call(t[0], 1), S.call(*t)],
                  lambda t, r: r[1] == t[1] * r[0],
                  "shared_weights({0}, {1}) is not {1} * shared_weights({0}, 1)",
                  covers=(f,)),
        *rejects_invalid_arguments(f, "a count below 1 raises ValueError", _with_one_below_one(2),
                                   covers=("size_below_one",)),
    ]


def _shared_weights_one_kernel(kernel_size, n_kernels=1):
    reference.shared_weights(kernel_size, n_kernels)
    return kernel_size


def _shared_weights_with_biases(kernel_size, n_kernels=1):
    return reference.shared_weights(kernel_size, n_kernels) + n_kernels


SHARED_WEIGHTS = Graded(
    "shared_weights", COUNT, section="images", points=1,
    spec="shared_weights: k per kernel, whatever the input size: 3 -> 3; 3, 2 -> 6",
    checks=_shared_weights_checks, misconceptions=(
        Misconception("ignores_n_kernels", "ignored the number of kernels",
                      "each kernel has its own k shared weights: k * n_kernels",
                      _shared_weights_one_kernel),
        Misconception("counts_biases", "counted a bias for every kernel too",
                      "the lecture's shared count is weights only: k * n_kernels",
                      _shared_weights_with_biases),
    ))


def _bias_calls(counts: int) -> st.SearchStrategy:
    return st.tuples(st.lists(st.integers(1, 512), min_size=counts, max_size=counts),
                     st.sampled_from([None, True, False])).map(
        lambda t: S.call(*t[0]) if t[1] is None else S.call(*t[0], bias=t[1]))


def _conv_layer_params_checks() -> list[Check]:
    f = "conv_layer_params"
    conv = st.tuples(st.integers(1, 11), st.integers(1, 512), st.integers(1, 512))
    return [
        agreement(f, "counts_weights_and_biases",
                  "k*k*C_in*C_out weights plus C_out biases (or none with bias=False)",
                  _bias_calls(3), weight=3,
                  covers=("counts_are_integers", f, "defaults[bias]")),
        result_property(f, "bias_adds_one_per_kernel",
                  "a bias is one number per kernel: bias adds exactly C_out", conv,
                  lambda t: [S.call(*t, bias=True), S.call(*t, bias=False)],
                  lambda t, r: r[0] - r[1] == t[2],
                  "with and without bias differ by other than out_channels={2}",
                  covers=(f,)),
        *rejects_invalid_arguments(f, "a size below 1 raises ValueError", _with_one_below_one(3),
                                   covers=("size_below_one",)),
    ]


def _conv_params_bias_per_pair(kernel_size, in_channels, out_channels, bias=True):
    total = reference.conv_layer_params(kernel_size, in_channels, out_channels, bias)
    return total + (in_channels - 1) * out_channels if bias else total


def _conv_params_k_not_squared(kernel_size, in_channels, out_channels, bias=True):
    total = reference.conv_layer_params(kernel_size, in_channels, out_channels, bias)
    return total - (kernel_size - 1) * kernel_size * in_channels * out_channels


def _conv_params_bias_per_weight(kernel_size, in_channels, out_channels, bias=True):
    total = reference.conv_layer_params(kernel_size, in_channels, out_channels, False)
    return 2 * total if bias else total


def _conv_params_no_bias(kernel_size, in_channels, out_channels, bias=True):
    return reference.conv_layer_params(kernel_size, in_channels, out_channels, False)


def _conv_params_always_bias(kernel_size, in_channels, out_channels, bias=True):
    return reference.conv_layer_params(kernel_size, in_channels, out_channels, True)


def _conv_params_no_in_channels(kernel_size, in_channels, out_channels, bias=True):
    reference.conv_layer_params(kernel_size, in_channels, out_channels, bias)
    return reference.conv_layer_params(kernel_size, 1, out_channels, bias)


CONV_LAYER_PARAMS = Graded(
    "conv_layer_params", COUNT, section="network", points=1,
    spec="conv_layer_params: k*k*C_in*C_out weights (square kernel), plus C_out biases with "
         "bias=True", checks=_conv_layer_params_checks, misconceptions=(
        Misconception("bias_per_channel_pair",
                      "gave a bias to every (input, output) channel pair",
                      "one bias per output channel (per kernel)", _conv_params_bias_per_pair),
        Misconception("k_not_squared", "used k instead of k * k",
                      "a square kernel of side k has k * k weights per input channel",
                      _conv_params_k_not_squared),
        Misconception("bias_per_weight", "gave every weight its own bias",
                      "one bias per kernel, not per weight", _conv_params_bias_per_weight),
        Misconception("no_biases", "counted the weights without the biases",
                      "with bias=True each of the out_channels kernels has one bias",
                      _conv_params_no_bias),
        Misconception("no_input_channels", "forgot that a kernel spans all input channels",
                      "a kernel is k x k x C_in", _conv_params_no_in_channels),
        Misconception("always_bias", "added the biases also when bias=False",
                      "bias=False: weights only", _conv_params_always_bias),
    ))


def _dense_layer_params_checks() -> list[Check]:
    f = "dense_layer_params"
    return [
        agreement(f, "counts_weights_and_biases",
                  "n_in*n_out weights plus n_out biases (or none with bias=False)",
                  _bias_calls(2), weight=3,
                  covers=("counts_are_integers", f, "defaults[bias]")),
        *rejects_invalid_arguments(f, "a count below 1 raises ValueError", _with_one_below_one(2),
                                   covers=("size_below_one",)),
    ]


def _dense_params_always_bias(n_inputs, n_outputs, bias=True):
    return reference.dense_layer_params(n_inputs, n_outputs, True)


def _dense_params_never_bias(n_inputs, n_outputs, bias=True):
    return reference.dense_layer_params(n_inputs, n_outputs, False)


def _dense_params_bias_per_input(n_inputs, n_outputs, bias=True):
    weights = reference.dense_layer_params(n_inputs, n_outputs, False)
    return weights + n_inputs if bias else weights


DENSE_LAYER_PARAMS = Graded(
    "dense_layer_params", COUNT, section="network", points=1,
    spec="dense_layer_params: n_in*n_out weights, plus n_out biases with bias=True",
    checks=_dense_layer_params_checks, misconceptions=(
        Misconception("always_bias", "added the biases also when bias=False",
                      "bias=False: weights only", _dense_params_always_bias),
        Misconception("no_biases", "counted the weights without the biases",
                      "bias=True adds one bias per output unit", _dense_params_never_bias),
        Misconception("bias_per_input", "gave every input its own bias",
                      "a bias belongs to an output unit: n_out biases",
                      _dense_params_bias_per_input),
    ))


# --- architectures ------------------------------------------------------------------------

def _network_call(net: dict):
    return S.call(net["layers"], net["input_shape"])


@st.composite
def _invalid_networks(draw):
    net = draw(S.networks(dense=False))
    layers, shape = list(net["layers"]), net["input_shape"]
    broken = draw(st.sampled_from(["unknown_type", "missing_key", "input_shape",
                                   "dense_before_flatten", "conv_after_flatten",
                                   "pooling_after_flatten"]))
    if broken == "unknown_type":
        layers.insert(draw(st.integers(0, len(layers))), {"type": "dropout"})
    elif broken == "missing_key":
        layers.append({"type": "conv", "filters": 2})
    elif broken == "input_shape":
        shape = shape[:2]
    elif broken == "dense_before_flatten":
        layers.append({"type": "dense", "units": 3})
    elif broken == "conv_after_flatten":
        layers += [{"type": "flatten"}, {"type": "conv", "filters": 1, "kernel_size": 1}]
    else:
        layers += [{"type": "flatten"}, {"type": draw(st.sampled_from(["maxpool", "avgpool"])),
                                         "size": 1}]
    return S.call(layers, shape)


def _architecture_checks(f: str, stacks: tuple[str, ...], dense: tuple[str, ...],
                         none: tuple[str, ...]) -> list[Check]:
    """The checks output_shape and count_parameters share; ``stacks``, ``dense`` and
    ``none``: the rules the first three cover for ``f``."""
    return [
        agreement(f, "conv_and_pooling_stacks",
                  "stacks of conv, pooling and activation layers",
                  S.networks(dense=False).map(_network_call), weight=3, covers=stacks),
        agreement(f, "flatten_and_dense", "networks ending in flatten and dense layers",
                  S.networks().filter(lambda n: any(
                      layer["type"] == "flatten" for layer in n["layers"])).map(_network_call),
                  weight=2, covers=dense),
        agreement(f, "no_layers", "no layers: the input itself, no parameters",
                  S.networks().map(lambda n: S.call([], n["input_shape"])), edge_case=True,
                  covers=none),
        *rejects_invalid_arguments(
            f, "an unknown layer type, a missing key, an input_shape that is not (H, W, C), "
            "dense before flatten and conv or pooling after flatten raise ValueError",
            _invalid_networks(),
            covers=("unknown_layer_type[unknown_type]", "missing_key[missing_key]",
                    "input_shape_not_hwc[input_shape]",
                    "dense_before_flatten[dense_before_flatten]",
                    "spatial_after_flatten[conv_after_flatten]",
                    "spatial_after_flatten[pooling_after_flatten]")),
        keeps_inputs(f, S.networks().map(_network_call)),
    ]


def _ends_in_flatten(net: dict) -> tuple[tuple, dict] | None:
    """The call with the network's spatial layers then flatten, when they end with several
    channels."""
    if reference.output_shape(net["layers"], net["input_shape"])[2] < 2:
        return None
    return S.call([*net["layers"], {"type": "flatten"}], net["input_shape"])


def _split_network(net: dict) -> dict:
    flat = [i for i, layer in enumerate(net["layers"]) if layer["type"] == "flatten"]
    cut = min([len(net["layers"]) // 2, *flat])  # the rest must start on an (H, W, C) input
    middle = reference.output_shape(net["layers"][:cut], net["input_shape"])
    return {**net, "cut": cut, "middle": middle}


def _parts(e: dict) -> list:
    layers = e["layers"]
    return [S.call(layers, e["input_shape"]), S.call(layers[:e["cut"]], e["input_shape"]),
            S.call(layers[e["cut"]:], e["middle"])]


@on_results
def _add_up(e: dict, actual, expected) -> str | None:
    whole, first, rest = actual
    if whole != first + rest:
        return (f"the parameters of the whole network ({whole}) are not those of "
                f"{the_first(e['cut'], 'layer')} ({first}) plus the rest ({rest})")
    return None


def _weights_as_image_calls(constant: bool = False, ints: bool = False,
                            small_ints: bool = False):
    shapes = st.tuples(st.integers(1, 6), st.integers(1, 6), st.sampled_from([1, 3]))

    def build(shape):
        n = int(np.prod(shape))
        values = (st.just(np.full(n, 0.75)) if constant else S.small_int_arrays((n,))
                  if small_ints else S.arrays_of((n,), ints))
        return values.map(lambda w: S.call(w, shape))
    return shapes.flatmap(build)


@st.composite
def _wrong_weight_counts(draw):
    (w, shape), _ = draw(_weights_as_image_calls())
    broken = draw(st.sampled_from(["count", "ndim", "zero_size"]))
    if broken == "count":
        return S.call(np.append(w, 1.0), shape)
    if broken == "ndim":
        return S.call(w.reshape(1, -1), shape)
    # A size of 0 in shape, and as many weights (none): only a check of the sizes says so.
    return S.call(np.zeros(0), (*shape[:2], 0))


def _output_shape_checks() -> list[Check]:
    f = "output_shape"
    every = ("output_shape_is_a_tuple", "layers_in_every_position",
             "shapes_until_and_after_flatten", f)
    return [
        *_architecture_checks(f, stacks=(*every, "layer_defaults"), dense=every,
                              none=("shapes_until_and_after_flatten",)),
        agreement(f, "ends_in_flatten",
                  "flatten after layers with several channels: H * W * C values",
                  S.networks(dense=False).map(_ends_in_flatten).filter(
                      lambda call: call is not None), weight=2,
                  covers=("layers_in_every_position", "shapes_until_and_after_flatten")),
    ]


def _without(layers, key: str, value, kinds: tuple[str, ...]) -> list:
    """The network with ``key`` set to ``value`` in every layer of the given kinds."""
    return [{**layer, key: value} if isinstance(layer, dict) and layer.get("type") in kinds
            else layer for layer in layers]


def _output_shape_no_padding(layers, input_shape):
    reference.output_shape(layers, input_shape)
    return reference.output_shape(_without(layers, "padding", 0, ("conv",)), input_shape)


def _output_shape_list(layers, input_shape):
    return list(reference.output_shape(layers, input_shape))


def _flat_without_channels(layers, input_shape) -> tuple[list, tuple]:
    """The layers after the first flatten, and the shape it would give without channels."""
    cut = next((i for i, layer in enumerate(layers) if isinstance(layer, dict)
                and layer.get("type") == "flatten"), None)
    if cut is None:
        return [], ()
    h, w, _ = reference.output_shape(layers[:cut], input_shape)
    return layers[cut + 1:], (h * w,)


def _output_shape_flatten_no_channels(layers, input_shape):
    shape = reference.output_shape(layers, input_shape)
    rest, flat = _flat_without_channels(layers, input_shape)
    if not flat:
        return shape
    units = [layer_settings(layer)["units"] for layer in rest if layer.get("type") == "dense"]
    return (units[-1],) if units else flat


def _output_shape_conv_keeps_channels(layers, input_shape):
    """Every conv layer gives as many channels as it receives (its filters left out)."""
    reference.output_shape(layers, input_shape)  # its ValueErrors
    kept: list = []
    for layer in layers:
        if layer.get("type") == "conv":
            layer = {**layer, "filters": reference.output_shape(kept, input_shape)[2]}
        kept.append(layer)
    return reference.output_shape(kept, input_shape)


def _pool_stride_one(layers) -> list:
    """The network with stride 1 in every pooling layer that has no stride of its own."""
    return [{**layer, "stride": 1} if layer.get("type") in ("maxpool", "avgpool")
            and layer.get("stride") is None else layer for layer in layers]


POOL_STRIDE_ONE = ("let a pooling layer's stride default to 1", "a pooling layer without "
                   "a stride steps by its size: 2x2 pooling halves H and W")


def _output_shape_pool_stride_one(layers, input_shape):
    reference.output_shape(layers, input_shape)
    return reference.output_shape(_pool_stride_one(layers), input_shape)


OUTPUT_SHAPE = Graded(
    "output_shape", SHAPE, section="network", points=2,
    spec="output_shape: the shape after the last layer of a network (SPEC 4)",
    checks=_output_shape_checks, misconceptions=(
        Misconception("forgets_padding", "left the padding out of the conv output size",
                      "floor((n + 2p - k) / s) + 1, with the layer's padding p",
                      _output_shape_no_padding),
        Misconception("returns_list", "returned a list instead of a tuple",
                      "a shape is a tuple: tuple(...)", _output_shape_list),
        Misconception("flatten_forgets_channels",
                      "flattened to H * W, forgetting the channels",
                      "flatten turns (H, W, C) into (H * W * C,)",
                      _output_shape_flatten_no_channels),
        Misconception("conv_keeps_channels", "kept the input's channels after a conv layer",
                      "a conv layer gives one channel per filter: C becomes filters",
                      _output_shape_conv_keeps_channels),
        Misconception("pool_stride_one", *POOL_STRIDE_ONE, _output_shape_pool_stride_one),
    ))


def _count_parameters_checks() -> list[Check]:
    f = "count_parameters"
    every = ("layer_defaults", "layers_in_every_position", "parameters_per_layer", f)
    return [
        *_architecture_checks(f, stacks=("counts_are_integers", *every), dense=every,
                              none=("parameters_per_layer",)),
        Check(f, "adds_up_layer_by_layer", "parameters add up layer by layer",
              S.networks().map(_split_network), calls=_parts, judge=_add_up,
              covers=("parameters_per_layer",)),
    ]


def _count_parameters_flatten_no_channels(layers, input_shape):
    total = reference.count_parameters(layers, input_shape)
    rest, flat = _flat_without_channels(layers, input_shape)
    dense = [layer_settings(layer) for layer in rest if layer.get("type") == "dense"]
    if not flat or not dense:
        return total
    true_inputs = math.prod(reference.output_shape(layers[:len(layers) - len(rest)],
                                                   input_shape))
    return total - (true_inputs - flat[0]) * dense[0]["units"]


def _count_parameters_image_size_to_dense(layers, input_shape):
    """The first dense layer after flatten fed the image's H * W times the channels at
    flatten, as if conv and pooling kept the image's size."""
    total = reference.count_parameters(layers, input_shape)
    rest, _ = _flat_without_channels(layers, input_shape)
    dense = [layer_settings(layer) for layer in rest if layer.get("type") == "dense"]
    if not dense:
        return total
    h, w, c = reference.output_shape(layers[:len(layers) - len(rest) - 1], input_shape)
    return total + (input_shape[0] * input_shape[1] - h * w) * c * dense[0]["units"]


def _count_parameters_no_dense_bias(layers, input_shape):
    reference.count_parameters(layers, input_shape)
    return reference.count_parameters(_without(layers, "bias", False, ("dense",)), input_shape)


def _count_parameters_no_bias(layers, input_shape):
    reference.count_parameters(layers, input_shape)
    return reference.count_parameters(_without(layers, "bias", False, ("dense", "conv")),
                                      input_shape)


def _count_parameters_input_channels(layers, input_shape):
    total = reference.count_parameters(layers, input_shape)
    c_image = input_shape[2]
    for index, layer in enumerate(layers):
        settings = layer_settings(layer, index)
        if settings["type"] == "conv":
            c_in = reference.output_shape(layers[:index], input_shape)[2]
            k = settings["kernel_size"]
            total += k * k * (c_image - c_in) * settings["filters"]
    return total


def _count_parameters_no_padding(layers, input_shape):
    reference.count_parameters(layers, input_shape)
    return reference.count_parameters(_without(layers, "padding", 0, ("conv",)), input_shape)


def _count_parameters_pool_stride_one(layers, input_shape):
    reference.count_parameters(layers, input_shape)
    return reference.count_parameters(_pool_stride_one(layers), input_shape)


def _count_parameters_pooling_weights(layers, input_shape):
    """size * size more for every pooling layer, as if its window were a kernel."""
    total = reference.count_parameters(layers, input_shape)
    return total + sum(layer_settings(layer)["size"] ** 2 for layer in layers
                       if layer.get("type") in ("maxpool", "avgpool"))


COUNT_PARAMETERS = Graded(
    "count_parameters", COUNT, section="network", points=2,
    spec="count_parameters: all trainable parameters of a network, weights and biases",
    checks=_count_parameters_checks, misconceptions=(
        Misconception("flatten_forgets_channels",
                      "fed H * W inputs to the dense layer after flatten, forgetting the "
                      "channels", "flatten turns (H, W, C) into H * W * C inputs",
                      _count_parameters_flatten_no_channels),
        Misconception("no_dense_biases", "left out the biases of the dense layers",
                      "a dense layer with bias has n_in * units + units parameters",
                      _count_parameters_no_dense_bias),
        Misconception("no_biases", "left out all biases",
                      "trainable parameters are weights and biases", _count_parameters_no_bias),
        Misconception("image_channels_everywhere",
                      "gave every conv layer the image's channels as C_in",
                      "a conv layer's C_in is the number of filters of the layer before it",
                      _count_parameters_input_channels),
        Misconception("forgets_padding", "left the padding out of the conv output size",
                      "the dense layer after flatten gets H * W * C inputs, with H and W "
                      "from floor((n + 2p - k) / s) + 1", _count_parameters_no_padding),
        Misconception("image_size_to_dense", "fed the dense layer after flatten the image's "
                      "H * W (times the channels), as if conv and pooling kept the size",
                      "conv and pooling shrink H and W: flatten gives H * W * C of the last "
                      "layer before it (output_shape)", _count_parameters_image_size_to_dense),
        Misconception("pooling_weights", "counted size * size weights for every pooling "
                      "layer", "pooling has no weights: it takes the maximum or the mean of "
                      "its window", _count_parameters_pooling_weights),
        Misconception("pool_stride_one", *POOL_STRIDE_ONE, _count_parameters_pool_stride_one),
    ))


def _weights_as_image_checks() -> list[Check]:
    f = "weights_as_image"
    return [
        agreement(f, "reshapes_and_scales",
                  "C-order reshape to (H, W, C), min-max scaled to [0, 1]",
                  _weights_as_image_calls(), weight=3, covers=(f,)),
        agreement(f, "constant_weights_give_zeros",
                  "a constant vector gives an image of zeros (no division by zero)",
                  _weights_as_image_calls(constant=True), edge_case=True, covers=(f,)),
        agreement(f, "integer_weights_give_floats",
                  "integer weights give a floating-point image",
                  _weights_as_image_calls(ints=True), covers=("floats_for_integer_input",)),
        agreement(f, "small_integer_dtypes",
                  "int8, uint8 and int16 weights: convert to float first (max - min of int8 "
                  "overflows)", _weights_as_image_calls(small_ints=True),
                  covers=("floats_for_integer_input",)),
        accepts_nested_lists(f, _weights_as_image_calls(), "a list works like an array"),
        *rejects_invalid_arguments(
            f, "the wrong number of weights, a weights array that is not 1-D or a size below 1 "
            "in shape raise ValueError", _wrong_weight_counts(),
            covers=("wrong_ndim[ndim]", "wrong_number_of_weights[count]",
                    "size_below_one[zero_size]")),
        keeps_inputs(f, _weights_as_image_calls()),
    ]


def _weights_as_image_by_max(weights, shape):
    image = reference.weights_as_image(weights, shape)
    w = np.asarray(weights, dtype=np.float64).reshape(shape)
    low, high = w.min(), w.max()
    with np.errstate(all="ignore"):  # the student's division by a zero maximum
        return image if high == low else (w - low) / high


def _weights_as_image_fortran(weights, shape):
    reference.weights_as_image(weights, shape)
    return reference.weights_as_image(
        np.asarray(weights).reshape(shape, order="F").reshape(-1), shape)


def _weights_as_image_unscaled(weights, shape):
    reference.weights_as_image(weights, shape)
    return np.asarray(weights, dtype=np.float64).reshape(shape)


def _weights_as_image_input_dtype(weights, shape):
    reference.weights_as_image(weights, shape)  # its ValueErrors
    w = np.asarray(weights).reshape(shape)
    low, high = w.min(), w.max()
    with np.errstate(all="ignore"):  # the student's wrap-around
        return (w - low) / (high - low) if high > low else np.zeros(shape)


def _weights_as_image_zero_range(weights, shape):
    """(w - min) / (max - min) also when max == min: 0 / 0, NaN everywhere."""
    image = reference.weights_as_image(weights, shape)
    w = np.asarray(weights, dtype=float)
    return np.full(image.shape, np.nan) if w.max() == w.min() else image


def _weights_as_image_per_channel(weights, shape):
    """A 3-D image scaled channel by channel (a constant channel gives zeros)."""
    image = reference.weights_as_image(weights, shape)
    if image.ndim != 3:
        return image
    w = np.asarray(weights, dtype=float).reshape(shape)
    low, high = w.min(axis=(0, 1)), w.max(axis=(0, 1))
    return (w - low) / np.where(high > low, high - low, 1.0)


WEIGHTS_AS_IMAGE = Graded(
    "weights_as_image", FLOAT_ARRAY, section="images", points=1,
    spec="weights_as_image: C-order reshape to shape, min-max scaled to [0, 1]; a constant "
         "vector gives zeros", checks=_weights_as_image_checks, misconceptions=(
        Misconception("divides_by_max", "divided by the maximum instead of (max - min)",
                      "min-max scaling: (w - min) / (max - min)", _weights_as_image_by_max),
        Misconception("fortran_order", "reshaped in Fortran (column) order",
                      "numpy's reshape is C order: the last axis (channels) varies fastest",
                      _weights_as_image_fortran),
        Misconception("not_scaled", "reshaped without scaling to [0, 1]",
                      "min-max scale after the reshape", _weights_as_image_unscaled),
        Misconception("input_dtype", "scaled in the weights' integer dtype: max - min wraps "
                      "around in int8", "convert the weights to float before subtracting the "
                      "minimum", _weights_as_image_input_dtype),
        Misconception("zero_range", "divided by max - min also for constant weights: 0 / 0 "
                      "gives NaN", "when max == min there is nothing to scale: return zeros",
                      _weights_as_image_zero_range),
        Misconception("per_channel", "scaled every channel on its own",
                      "one minimum and one maximum over all the weights: the picture keeps "
                      "how strong the channels are against each other",
                      _weights_as_image_per_channel),
    ))

EXERCISES = (N_INPUT_FEATURES, DENSE_WEIGHTS, SPARSE_WEIGHTS, SHARED_WEIGHTS,
             CONV_LAYER_PARAMS, DENSE_LAYER_PARAMS, OUTPUT_SHAPE, COUNT_PARAMETERS,
             WEIGHTS_AS_IMAGE)
