"""Hidden checks of ``weights`` (the lecture's "reducing the number of weights") and of
``receptive_field``."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from autograder import strategies as S
from autograder.checks.base import Check, agreement, keeps_inputs, on_results, raises_value_error

COUNT = st.integers(1, 600)
KERNEL = st.integers(1, 11)


def _counts(*draws) -> st.SearchStrategy:
    return st.tuples(*draws).map(lambda args: S.call(*args))


def _with_one_below_one(n_args: int) -> st.SearchStrategy:
    """Positional counts with one of them 0 or negative."""
    return st.tuples(st.lists(COUNT, min_size=n_args, max_size=n_args),
                     st.integers(0, n_args - 1), S.BELOW_ONE).map(
        lambda t: S.call(*(t[2] if i == t[1] else v for i, v in enumerate(t[0]))))


def _property(f: str, name: str, description: str, examples, calls, holds, message: str,
              weight: float = 1.0) -> Check:
    """A property over the student's own results: ``holds(example, results)``."""
    @on_results
    def judge(example, actual, expected) -> str | None:
        return None if holds(example, actual) else message.format(*example)
    return Check(f, name, description, examples, calls=calls, judge=judge, weight=weight)


def _count_checks() -> list[Check]:
    sparse_ok = st.tuples(COUNT, KERNEL).filter(lambda t: t[1] <= t[0])
    return [
        agreement("n_input_features", "counts_every_pixel_and_channel",
                  "H * W * C input features (24x24x3 -> 1728)",
                  _counts(COUNT, COUNT, st.integers(1, 4)), weight=2),
        agreement("n_input_features", "one_channel_by_default", "channels defaults to 1",
                  _counts(COUNT, COUNT)),
        raises_value_error("n_input_features", "a size below 1 raises ValueError",
                           _with_one_below_one(3)),
        agreement("dense_weights", "every_input_to_every_output",
                  "fully connected: n_inputs * n_outputs", _counts(COUNT, COUNT), weight=2),
        raises_value_error("dense_weights", "a count below 1 raises ValueError",
                           _with_one_below_one(2)),
        agreement("sparse_weights", "own_kernel_per_output",
                  "sparsely connected: (n - k + 1) outputs with k weights each",
                  sparse_ok.map(lambda t: S.call(*t)), weight=2),
        _property("sparse_weights", "one_more_input_adds_a_kernel",
                  "one more input gives one more output with its own k weights",
                  sparse_ok, lambda t: [S.call(*t), S.call(t[0] + 1, t[1])],
                  lambda t, r: r[1] - r[0] == t[1],
                  "sparse_weights({0} + 1, {1}) - sparse_weights({0}, {1}) is not {1}"),
        raises_value_error("sparse_weights", "a kernel larger than the input or a count "
                           "below 1 raises ValueError",
                           st.one_of(_with_one_below_one(2), sparse_ok.map(
                               lambda t: S.call(t[1], t[0] + 1)))),
        agreement("shared_weights", "one_kernel_for_all_outputs",
                  "shared weights: k per kernel, whatever the input size",
                  _counts(KERNEL, st.integers(1, 64)), weight=2),
        agreement("shared_weights", "one_kernel_by_default", "n_kernels defaults to 1",
                  _counts(COUNT), edge_case=True),  # returning kernel_size passes it
        _property("shared_weights", "kernels_add_up",
                  "m kernels have m times the weights of one",
                  st.tuples(KERNEL, st.integers(2, 64)),
                  lambda t: [S.call(t[0], 1), S.call(*t)],
                  lambda t, r: r[1] == t[1] * r[0],
                  "shared_weights({0}, {1}) is not {1} * shared_weights({0}, 1)"),
        raises_value_error("shared_weights", "a count below 1 raises ValueError",
                           _with_one_below_one(2)),
    ]


def _bias_calls(counts: int) -> st.SearchStrategy:
    return st.tuples(st.lists(st.integers(1, 512), min_size=counts, max_size=counts),
                     st.sampled_from([None, True, False])).map(
        lambda t: S.call(*t[0]) if t[1] is None else S.call(*t[0], bias=t[1]))


def _layer_param_checks() -> list[Check]:
    conv = st.tuples(st.integers(1, 11), st.integers(1, 512), st.integers(1, 512))
    return [
        agreement("conv_layer_params", "counts_weights_and_biases",
                  "k*k*C_in*C_out weights plus C_out biases (or none with bias=False)",
                  _bias_calls(3), weight=3),
        _property("conv_layer_params", "bias_adds_one_per_kernel",
                  "a bias is one number per kernel: bias adds exactly C_out", conv,
                  lambda t: [S.call(*t, bias=True), S.call(*t, bias=False)],
                  lambda t, r: r[0] - r[1] == t[2],
                  "with and without bias differ by other than out_channels={2}"),
        raises_value_error("conv_layer_params", "a size below 1 raises ValueError",
                           _with_one_below_one(3)),
        agreement("dense_layer_params", "counts_weights_and_biases",
                  "n_in*n_out weights plus n_out biases (or none with bias=False)",
                  _bias_calls(2), weight=3),
        raises_value_error("dense_layer_params", "a count below 1 raises ValueError",
                           _with_one_below_one(2)),
    ]


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


def _architecture_checks(f: str) -> list[Check]:
    return [
        agreement(f, "conv_and_pooling_stacks",
                  "stacks of conv, pooling and activation layers",
                  S.networks(dense=False).map(_network_call), weight=3),
        agreement(f, "flatten_and_dense", "networks ending in flatten and dense layers",
                  S.networks().filter(lambda n: any(
                      layer["type"] == "flatten" for layer in n["layers"])).map(_network_call),
                  weight=2),
        agreement(f, "no_layers", "no layers: the input itself, no parameters",
                  S.networks().map(lambda n: S.call([], n["input_shape"])), edge_case=True),
        raises_value_error(f, "an unknown layer type, a missing key, an input_shape that is "
                           "not (H, W, C), dense before flatten and conv or pooling after "
                           "flatten raise ValueError", _invalid_networks()),
        keeps_inputs(f, S.networks().map(_network_call)),
    ]


def _ends_in_flatten(net: dict) -> dict | None:
    """The network's spatial layers then flatten, when they end with several channels."""
    from solutions.weights import output_shape  # trusted: how many channels reach flatten
    if output_shape(net["layers"], net["input_shape"])[2] < 2:
        return None
    return S.call([*net["layers"], {"type": "flatten"}], net["input_shape"])


def _split_network(net: dict) -> dict:
    from solutions.weights import output_shape  # trusted: where the second part starts
    flat = [i for i, layer in enumerate(net["layers"]) if layer["type"] == "flatten"]
    cut = min([len(net["layers"]) // 2, *flat])  # the rest must start on an (H, W, C) input
    middle = output_shape(net["layers"][:cut], net["input_shape"])
    return {**net, "cut": cut, "middle": middle}


def _parts(e: dict) -> list:
    layers = e["layers"]
    return [S.call(layers, e["input_shape"]), S.call(layers[:e["cut"]], e["input_shape"]),
            S.call(layers[e["cut"]:], e["middle"])]


@on_results
def _add_up(e: dict, actual, expected) -> str | None:
    whole, first, rest = actual
    if whole != first + rest:
        return (f"the parameters of the whole network ({whole}) are not those of its first "
                f"{e['cut']} layers ({first}) plus the rest ({rest})")
    return None


def _weights_as_image_calls(constant: bool = False, ints: bool = False):
    shapes = st.tuples(st.integers(1, 6), st.integers(1, 6), st.sampled_from([1, 3]))

    def build(shape):
        n = int(np.prod(shape))
        values = st.just(np.full(n, 0.75)) if constant else S.arrays_of((n,), ints)
        return values.map(lambda w: S.call(w, shape))
    return shapes.flatmap(build)


@st.composite
def _wrong_weight_counts(draw):
    (w, shape), _ = draw(_weights_as_image_calls())
    if draw(st.booleans()):
        return S.call(np.append(w, 1.0), shape)
    return S.call(w.reshape(1, -1), shape)


def _weights_checks() -> list[Check]:
    return [
        *_architecture_checks("output_shape"),
        agreement("output_shape", "ends_in_flatten",
                  "flatten after layers with several channels: H * W * C values",
                  S.networks(dense=False).map(_ends_in_flatten).filter(
                      lambda call: call is not None), weight=2),
        *_architecture_checks("count_parameters"),
        Check("count_parameters", "adds_up_layer_by_layer",
              "parameters add up layer by layer", S.networks().map(_split_network),
              calls=_parts, judge=_add_up),
        agreement("weights_as_image", "reshapes_and_scales",
                  "C-order reshape to (H, W, C), min-max scaled to [0, 1]",
                  _weights_as_image_calls(), weight=3),
        agreement("weights_as_image", "constant_weights_give_zeros",
                  "a constant vector gives an image of zeros (no division by zero)",
                  _weights_as_image_calls(constant=True), edge_case=True),
        agreement("weights_as_image", "integer_weights_give_floats",
                  "integer weights give a floating-point image",
                  _weights_as_image_calls(ints=True)),
        agreement("weights_as_image", "accepts_nested_lists", "a list works like an array",
                  S.as_nested_lists(_weights_as_image_calls())),
        raises_value_error("weights_as_image", "the wrong number of weights or a weights "
                           "array that is not 1-D raise ValueError", _wrong_weight_counts()),
        keeps_inputs("weights_as_image", _weights_as_image_calls()),
    ]


# --- receptive field --------------------------------------------------------------------------

def _larger_kernel(layers: list[dict]) -> st.SearchStrategy:
    convs = [i for i, layer in enumerate(layers) if layer["type"] == "conv"]
    if not convs:
        return st.nothing()

    def grow(i: int) -> dict:
        bigger = [dict(layer) for layer in layers]
        bigger[i]["kernel_size"] += 2
        return {"layers": layers, "bigger": bigger, "at": i}
    return st.sampled_from(convs).map(grow)


@st.composite
def _earlier_stride(draw) -> dict:
    rest = draw(S.spatial_stacks(1, 4).filter(lambda ls: any(
        layer.get("kernel_size", layer.get("size", 2)) > 1 for layer in ls
        if layer["type"] != "relu" and layer["type"] != "sigmoid")))
    first = {"type": "conv", "filters": 1, "kernel_size": draw(st.sampled_from([1, 3]))}
    return {"layers": [first, *rest], "bigger": [{**first, "stride": 2}, *rest], "at": 0}


def _compare_calls(e: dict) -> list:
    return [S.call(e["layers"]), S.call(e["bigger"])]


@on_results
def _grows(e: dict, actual, expected) -> str | None:
    if not actual[1] > actual[0]:
        return (f"changing layer {e['at']} should enlarge the receptive field, but it went "
                f"from {actual[0]} to {actual[1]}")
    return None


@st.composite
def _dense_stacks(draw):
    """Stacks with a layer a receptive field cannot go through, or an invalid one."""
    layers = draw(S.spatial_stacks(0, 3))
    layers.insert(draw(st.integers(0, len(layers))),
                  draw(st.sampled_from([{"type": "flatten"}, {"type": "dense", "units": 4},
                                        {"type": "dropout"},  # unknown type
                                        {"type": "conv", "filters": 1}])))  # missing key
    return S.call(layers)


def _no_padding(layers: list[dict]) -> list[dict]:
    return [{k: v for k, v in layer.items() if k != "padding"} for layer in layers]


def _receptive_field_checks() -> list[Check]:
    stacks = S.spatial_stacks(0, 5).map(lambda ls: S.call(ls))
    checks = []
    for f, what in (("receptive_field", "r = r + (k - 1) * jump, jump = jump * s"),
                    ("effective_stride", "the product of the strides")):
        checks += [
            agreement(f, "conv_stacks", f"stacks of conv layers: {what}",
                      S.spatial_stacks(0, 4, activations=False).map(
                          lambda ls: S.call([la for la in ls if la["type"] == "conv"])),
                      weight=3),
            agreement(f, "with_pooling_and_activations",
                      "pooling layers count, activations do not", stacks, weight=2),
            _property(f, "padding_changes_nothing", "padding changes nothing",
                      S.spatial_stacks(1, 5), lambda ls: [S.call(ls), S.call(_no_padding(ls))],
                      lambda ls, r: r[0] == r[1], "padding changed the result"),
            raises_value_error(f, "flatten and dense layers, an unknown layer type or a "
                               "missing key raise ValueError", _dense_stacks()),
            keeps_inputs(f, stacks),
        ]
    checks += [
        Check("receptive_field", "grows_with_kernel_size",
              "a larger kernel anywhere in the stack sees more input pixels",
              S.spatial_stacks(1, 5).flatmap(_larger_kernel), calls=_compare_calls,
              judge=_grows),
        Check("receptive_field", "grows_with_earlier_strides",
              "a stride early in the stack enlarges what later layers see",
              _earlier_stride(), calls=_compare_calls, judge=_grows),
    ]
    return checks


def checks() -> list[Check]:
    return [*_count_checks(), *_layer_param_checks(), *_weights_checks(),
            *_receptive_field_checks()]
