"""The reference weight counts, network shapes and receptive fields against the lecture's
numbers, VGG16's published parameter count and the textbook recurrence."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import assert_close, min_max_loops, receptive_field_recurrence

from solutions.receptive_field import effective_stride, receptive_field
from solutions.weights import (
    conv_layer_params,
    count_parameters,
    dense_layer_params,
    dense_weights,
    n_input_features,
    output_shape,
    shared_weights,
    sparse_weights,
    weights_as_image,
)

# VGG16 (Simonyan & Zisserman 2015, configuration D): 13 conv 3x3 layers with padding 1 and
# ReLU in five blocks, each block closed by 2x2 max-pooling, then three dense layers.
VGG16_BLOCKS = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]  # (conv layers, filters)
VGG16_PUBLISHED_PARAMETERS = 138_357_544  # Keras applications.VGG16, torchvision vgg16


def vgg16_layers() -> list[dict]:
    """VGG16 as a cnnlab architecture list."""
    layers: list[dict] = []
    for n_convs, filters in VGG16_BLOCKS:
        for _ in range(n_convs):
            layers += [{"type": "conv", "filters": filters, "kernel_size": 3, "padding": 1},
                       {"type": "relu"}]
        layers.append({"type": "maxpool"})
    layers.append({"type": "flatten"})
    for units in (4096, 4096):
        layers += [{"type": "dense", "units": units}, {"type": "relu"}]
    layers.append({"type": "dense", "units": 1000})
    return layers


def test_vgg16_has_its_published_parameter_count():
    assert count_parameters(vgg16_layers(), (224, 224, 3)) == VGG16_PUBLISHED_PARAMETERS


def test_vgg16_ends_its_convolutional_part_at_7x7x512():
    layers = vgg16_layers()
    last_pool = max(i for i, layer in enumerate(layers) if layer["type"] == "maxpool")
    assert output_shape(layers[:last_pool + 1], (224, 224, 3)) == (7, 7, 512)


def test_vgg16_has_13_conv_and_5_pooling_layers():
    # Guards the architecture list itself: a miscounted VGG16 would make the tests above moot.
    kinds = [layer["type"] for layer in vgg16_layers()]
    assert (kinds.count("conv"), kinds.count("maxpool"), kinds.count("dense")) == (13, 5, 3)


@pytest.mark.parametrize("function, args, expected", [
    (n_input_features, (24, 24, 3), 1728),  # the lecture's 24x24x3 image
    (n_input_features, (24, 24), 576),  # a grey image: one channel
    (dense_weights, (5, 3), 15),  # every input to every output
    (sparse_weights, (5, 3), 9),  # 3 outputs, 3 local weights each
    (shared_weights, (3,), 3),  # one kernel reused
    (shared_weights, (3, 2), 6),  # two kernels
    (conv_layer_params, (3, 3, 16), 3 * 3 * 3 * 16 + 16),
    (conv_layer_params, (5, 1, 8, False), 5 * 5 * 1 * 8),
    (dense_layer_params, (1728, 10), 1728 * 10 + 10),
    (dense_layer_params, (100, 10, False), 1000),
], ids=lambda v: getattr(v, "__name__", None))
def test_lecture_weight_counts(function, args, expected):
    result = function(*args)
    assert isinstance(result, int | np.integer) and result == expected


def test_output_shape_worked_example():
    # 24x24x3, conv 5x5 stride 1 -> 20x20x8, maxpool 2 -> 10x10x8, flatten -> 800, dense -> 10.
    layers = [{"type": "conv", "filters": 8, "kernel_size": 5}, {"type": "relu"},
              {"type": "maxpool"}, {"type": "flatten"}, {"type": "dense", "units": 10}]
    assert output_shape(layers, (24, 24, 3)) == (10,)
    assert output_shape(layers[:4], (24, 24, 3)) == (800,)


def test_count_parameters_worked_example():
    # conv 3x3, 3 -> 8 with bias: 3*3*3*8 + 8 = 224; the 22x22x8 = 3872 features feed a dense
    # layer of 10 without bias: 38720. Total 38944.
    layers = [{"type": "conv", "filters": 8, "kernel_size": 3}, {"type": "flatten"},
              {"type": "dense", "units": 10, "bias": False}]
    assert count_parameters(layers, (24, 24, 3)) == 224 + 38720


def test_output_shape_of_no_layers_is_the_input_shape():
    assert output_shape([], (5, 6, 7)) == (5, 6, 7)


CONV3 = {"type": "conv", "filters": 4, "kernel_size": 3}
POOL2 = {"type": "maxpool", "size": 2}


@pytest.mark.parametrize("layers, expected", [
    ([], 1),
    ([CONV3, CONV3], 5),  # two 3x3 convolutions see 5x5
    ([CONV3, CONV3, CONV3], 7),  # three see 7x7, with fewer weights than one 7x7
    ([CONV3, POOL2, CONV3], 8),  # 3, then +1 for the pool, then +2*2 behind the stride 2
    ([CONV3, {"type": "relu"}, CONV3], 5),  # activations do not count
    ([{**CONV3, "padding": 1}, {**CONV3, "padding": 1}], 5),  # padding changes nothing
], ids=["none", "two_conv3", "three_conv3", "conv_pool_conv", "with_relu", "padded"])
def test_receptive_field_hand_cases(layers, expected):
    assert receptive_field(layers) == expected


@st.composite
def window_layers(draw):
    """A list of conv, pooling and activation layers, with its (window, stride) pairs."""
    layers, windows = [], []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["conv", "maxpool", "avgpool", "relu"]))
        window, stride = draw(st.integers(1, 5)), draw(st.integers(1, 3))
        if kind == "conv":
            layers.append({"type": "conv", "filters": 2, "kernel_size": window,
                           "stride": stride, "padding": draw(st.integers(0, 2))})
        elif kind == "relu":
            layers.append({"type": "relu"})
            continue
        else:
            layers.append({"type": kind, "size": window, "stride": stride})
        windows.append((window, stride))
    return layers, windows


@settings(max_examples=100)
@given(window_layers())
def test_receptive_field_matches_the_recurrence(case):
    layers, windows = case
    assert receptive_field(layers) == receptive_field_recurrence(windows)[0]


@settings(max_examples=100)
@given(window_layers())
def test_effective_stride_matches_the_recurrence(case):
    layers, windows = case
    assert effective_stride(layers) == receptive_field_recurrence(windows)[1]


def test_effective_stride_of_pooling_defaults_to_its_size():
    assert effective_stride([CONV3, {"type": "maxpool", "size": 3}]) == 3


@settings(max_examples=60)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=6, max_size=6),
       st.sampled_from([(6,), (2, 3), (3, 2), (1, 2, 3)]))
def test_weights_as_image_is_min_max_scaled_and_reshaped(values, shape):
    expected = np.array(min_max_loops(values)).reshape(shape)
    assert_close(weights_as_image(np.array(values), shape), expected)


def test_weights_as_image_hand_case():
    # min 0, max 10: 0 -> 0, 5 -> 0.5, 10 -> 1; C order fills the first row first.
    assert_close(weights_as_image([0.0, 5.0, 10.0, 5.0], (2, 2)), [[0.0, 0.5], [1.0, 0.5]])


def test_weights_as_image_of_a_constant_vector_is_zeros():
    result = weights_as_image(np.full(12, 3.7), (2, 2, 3))
    assert_close(result, np.zeros((2, 2, 3)))


def test_weights_as_image_of_1728_weights_is_a_24x24x3_image():
    assert weights_as_image(np.arange(1728), (24, 24, 3)).shape == (24, 24, 3)


def test_weights_as_image_does_not_modify_its_input():
    weights = np.array([3.0, -1.0, 2.0, 8.0])
    before = weights.copy()
    weights_as_image(weights, (2, 2))
    np.testing.assert_array_equal(weights, before)
