"""Every ``ValueError`` case of SPEC section 2, one table: the reference raises it, and the
message names the argument (as a whole word, so ``w`` is not found inside ``window``)."""

import re

import numpy as np
import pytest

from solutions.backprop import (
    avg_pool_backward,
    conv_layer_backward,
    max_pool_backward,
    relu_backward,
    sigmoid_backward,
)
from solutions.convolution import conv1d, conv2d, conv_layer, dilated_conv2d
from solutions.padding import conv_output_size, same_padding, zero_pad
from solutions.pooling import avg_pool, max_pool, pool_output_size
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

X5 = np.arange(5.0)
IMAGE = np.ones((4, 4))
IMAGE3 = np.ones((4, 4, 2))
KERNELS = np.ones((3, 3, 2, 3))
CONV = {"type": "conv", "filters": 2, "kernel_size": 3}
SHAPE = (8, 8, 1)
D_CONV = np.ones((2, 2, 3))  # the gradient of conv_layer(IMAGE3, KERNELS)'s output
D_POOL = np.ones((2, 2))  # of max_pool(IMAGE)'s

# (id, call, names that the message must contain)
CASES = [
    # negative padding
    ("zero_pad_negative", lambda: zero_pad(X5, -1), ["pad"]),
    ("conv_output_size_negative_padding", lambda: conv_output_size(5, 3, padding=-1),
     ["padding"]),
    ("conv1d_negative_padding", lambda: conv1d(X5, [1, 1], padding=-1), ["padding"]),
    ("conv2d_negative_padding", lambda: conv2d(IMAGE, np.ones((2, 2)), padding=-1),
     ["padding"]),
    ("conv_layer_negative_padding", lambda: conv_layer(IMAGE3, KERNELS, padding=-2),
     ["padding"]),
    ("dilated_conv2d_negative_padding",
     lambda: dilated_conv2d(IMAGE, np.ones((2, 2)), padding=-1), ["padding"]),
    # stride below 1
    ("conv_output_size_stride_0", lambda: conv_output_size(5, 3, stride=0), ["stride"]),
    ("conv1d_stride_0", lambda: conv1d(X5, [1, 1], stride=0), ["stride"]),
    ("conv2d_stride_0", lambda: conv2d(IMAGE, np.ones((2, 2)), stride=0), ["stride"]),
    ("dilated_conv2d_stride_0", lambda: dilated_conv2d(IMAGE, np.ones((2, 2)), stride=0),
     ["stride"]),
    ("dilated_conv2d_dilation_0", lambda: dilated_conv2d(IMAGE, np.ones((2, 2)), dilation=0),
     ["dilation"]),
    ("conv_layer_stride_negative", lambda: conv_layer(IMAGE3, KERNELS, stride=-1), ["stride"]),
    ("pool_output_size_stride_0", lambda: pool_output_size(6, 2, 0), ["stride"]),
    ("max_pool_stride_0", lambda: max_pool(IMAGE, 2, 0), ["stride"]),
    ("avg_pool_stride_0", lambda: avg_pool(IMAGE, 2, 0), ["stride"]),
    # size, count or kernel size below 1
    ("conv_output_size_input_0", lambda: conv_output_size(0, 1), ["input_size"]),
    ("conv_output_size_kernel_0", lambda: conv_output_size(5, 0), ["kernel_size"]),
    ("pool_output_size_input_0", lambda: pool_output_size(0, 1), ["input_size"]),
    ("pool_output_size_size_0", lambda: pool_output_size(6, 0), ["size"]),
    ("max_pool_size_0", lambda: max_pool(IMAGE, 0), ["size"]),
    ("avg_pool_size_0", lambda: avg_pool(IMAGE, 0), ["size"]),
    ("same_padding_kernel_0", lambda: same_padding(0), ["kernel_size"]),
    ("same_padding_kernel_negative", lambda: same_padding(-3), ["kernel_size"]),
    ("n_input_features_height_0", lambda: n_input_features(0, 24, 3), ["height"]),
    ("n_input_features_width_0", lambda: n_input_features(24, 0, 3), ["width"]),
    ("n_input_features_channels_0", lambda: n_input_features(24, 24, 0), ["channels"]),
    ("dense_weights_inputs_0", lambda: dense_weights(0, 3), ["n_inputs"]),
    ("dense_weights_outputs_0", lambda: dense_weights(5, 0), ["n_outputs"]),
    ("sparse_weights_inputs_0", lambda: sparse_weights(0, 3), ["n_inputs"]),
    ("sparse_weights_kernel_0", lambda: sparse_weights(5, 0), ["kernel_size"]),
    ("shared_weights_kernel_0", lambda: shared_weights(0), ["kernel_size"]),
    ("shared_weights_kernels_0", lambda: shared_weights(3, 0), ["n_kernels"]),
    ("conv_layer_params_kernel_0", lambda: conv_layer_params(0, 3, 8), ["kernel_size"]),
    ("conv_layer_params_in_0", lambda: conv_layer_params(3, 0, 8), ["in_channels"]),
    ("conv_layer_params_out_0", lambda: conv_layer_params(3, 3, 0), ["out_channels"]),
    ("dense_layer_params_inputs_0", lambda: dense_layer_params(0, 10), ["n_inputs"]),
    ("dense_layer_params_outputs_0", lambda: dense_layer_params(10, 0), ["n_outputs"]),
    # an empty kernel
    ("conv1d_empty_kernel", lambda: conv1d(X5, np.array([])), ["w"]),
    ("conv2d_empty_kernel", lambda: conv2d(IMAGE, np.ones((0, 2))), ["kernel"]),
    ("dilated_conv2d_empty_kernel", lambda: dilated_conv2d(IMAGE, np.ones((0, 2))), ["kernel"]),
    ("conv_layer_empty_kernels", lambda: conv_layer(IMAGE3, np.ones((2, 0, 2, 1))),
     ["kernels"]),
    # a kernel larger than the padded input (per axis), a pooling window larger than the input
    ("conv_output_size_kernel_too_big", lambda: conv_output_size(3, 6, padding=1),
     ["kernel_size"]),
    ("conv1d_kernel_too_big", lambda: conv1d(np.ones(2), np.ones(5), padding=1), ["w"]),
    ("conv2d_kernel_too_tall", lambda: conv2d(np.ones((2, 9)), np.ones((3, 1))), ["kernel"]),
    ("conv2d_kernel_too_wide", lambda: conv2d(np.ones((9, 2)), np.ones((1, 3))), ["kernel"]),
    # a 2x2 kernel fits a 2x9 image, its taps 2 pixels apart (3 rows) do not
    ("dilated_conv2d_kernel_too_tall",
     lambda: dilated_conv2d(np.ones((2, 9)), np.ones((2, 2)), dilation=2), ["kernel"]),
    ("dilated_conv2d_kernel_too_wide",
     lambda: dilated_conv2d(np.ones((9, 3)), np.ones((1, 2)), dilation=3), ["kernel"]),
    ("conv_layer_kernels_too_tall", lambda: conv_layer(np.ones((2, 9, 2)), KERNELS),
     ["kernels"]),
    ("conv_layer_kernels_too_wide", lambda: conv_layer(np.ones((9, 2, 2)), KERNELS),
     ["kernels"]),
    ("sparse_weights_kernel_too_big", lambda: sparse_weights(3, 4), ["kernel_size"]),
    ("pool_output_size_window_too_big", lambda: pool_output_size(3, 4), ["size"]),
    ("max_pool_window_too_tall", lambda: max_pool(np.ones((2, 9)), 3), ["size", "x"]),
    ("avg_pool_window_too_wide", lambda: avg_pool(np.ones((9, 2, 3)), 3), ["size", "x"]),
    ("max_pool_empty_axis", lambda: max_pool(np.ones((0, 4))), ["size", "x"]),
    # the wrong ndim for an array argument
    ("zero_pad_4d", lambda: zero_pad(np.ones((1, 1, 1, 1)), 1), ["x"]),
    ("zero_pad_0d", lambda: zero_pad(np.float64(3.0), 1), ["x"]),
    ("conv1d_2d_signal", lambda: conv1d(IMAGE, [1, 1]), ["x"]),
    ("conv1d_2d_kernel", lambda: conv1d(X5, np.ones((1, 2))), ["w"]),
    ("conv2d_3d_image", lambda: conv2d(IMAGE3, np.ones((2, 2))), ["image"]),
    ("conv2d_1d_kernel", lambda: conv2d(IMAGE, np.ones(2)), ["kernel"]),
    ("dilated_conv2d_3d_image", lambda: dilated_conv2d(IMAGE3, np.ones((2, 2))), ["image"]),
    ("dilated_conv2d_1d_kernel", lambda: dilated_conv2d(IMAGE, np.ones(2)), ["kernel"]),
    ("conv_layer_2d_image", lambda: conv_layer(IMAGE, KERNELS), ["image"]),
    ("conv_layer_3d_kernels", lambda: conv_layer(IMAGE3, np.ones((3, 3, 2))), ["kernels"]),
    ("max_pool_1d", lambda: max_pool(X5), ["x"]),
    ("avg_pool_4d", lambda: avg_pool(np.ones((4, 4, 1, 1))), ["x"]),
    ("weights_as_image_2d", lambda: weights_as_image(np.ones((2, 2)), (2, 2)), ["weights"]),
    # a channel mismatch, a bias that is not (C_out,)
    ("conv_layer_channel_mismatch", lambda: conv_layer(np.ones((4, 4, 3)), KERNELS),
     ["image", "kernels"]),
    ("conv_layer_bias_too_short", lambda: conv_layer(IMAGE3, KERNELS, bias=np.ones(2)),
     ["bias"]),
    ("conv_layer_bias_2d", lambda: conv_layer(IMAGE3, KERNELS, bias=np.ones((1, 3))),
     ["bias"]),
    ("conv_layer_bias_scalar", lambda: conv_layer(IMAGE3, KERNELS, bias=1.0), ["bias"]),
    # an even kernel for same_padding
    ("same_padding_even", lambda: same_padding(4), ["kernel_size"]),
    # weights_as_image with the wrong number of weights
    ("weights_as_image_too_few", lambda: weights_as_image(np.ones(5), (2, 3)), ["weights"]),
    ("weights_as_image_too_many", lambda: weights_as_image(np.ones(1729), (24, 24, 3)),
     ["weights"]),
    ("weights_as_image_zero_side", lambda: weights_as_image(np.ones(4), (2, 0)), ["shape"]),
    # architectures: an unknown layer type
    ("output_shape_unknown_type", lambda: output_shape([{"type": "conv3d"}], SHAPE),
     ["layers", "conv3d"]),
    ("count_parameters_unknown_type",
     lambda: count_parameters([CONV, {"type": "dropout"}], SHAPE), ["layers", "dropout"]),
    ("receptive_field_unknown_type", lambda: receptive_field([{"type": "pool"}]),
     ["layers", "pool"]),
    ("effective_stride_unknown_type", lambda: effective_stride([{"type": "Conv"}]),
     ["layers", "Conv"]),
    # a missing required key
    ("output_shape_conv_without_filters",
     lambda: output_shape([{"type": "conv", "kernel_size": 3}], SHAPE), ["layers", "filters"]),
    ("count_parameters_conv_without_kernel",
     lambda: count_parameters([{"type": "conv", "filters": 3}], SHAPE),
     ["layers", "kernel_size"]),
    ("output_shape_dense_without_units",
     lambda: output_shape([{"type": "flatten"}, {"type": "dense"}], SHAPE),
     ["layers", "units"]),
    ("receptive_field_conv_without_kernel",
     lambda: receptive_field([{"type": "conv", "filters": 3}]), ["layers", "kernel_size"]),
    # an input_shape that is not (H, W, C)
    ("output_shape_2d_input_shape", lambda: output_shape([CONV], (8, 8)), ["input_shape"]),
    ("output_shape_4d_input_shape", lambda: output_shape([CONV], (1, 8, 8, 1)),
     ["input_shape"]),
    ("count_parameters_zero_channels", lambda: count_parameters([CONV], (8, 8, 0)),
     ["input_shape"]),
    ("count_parameters_float_input_shape", lambda: count_parameters([CONV], (8.5, 8, 1)),
     ["input_shape"]),
    # dense before flatten
    ("output_shape_dense_before_flatten",
     lambda: output_shape([{"type": "dense", "units": 4}], SHAPE), ["layers"]),
    ("count_parameters_dense_before_flatten",
     lambda: count_parameters([CONV, {"type": "dense", "units": 4}], SHAPE), ["layers"]),
    # conv or pooling after flatten
    ("output_shape_conv_after_flatten",
     lambda: output_shape([{"type": "flatten"}, CONV], SHAPE), ["layers"]),
    ("count_parameters_pool_after_flatten",
     lambda: count_parameters([{"type": "flatten"}, {"type": "maxpool"}], SHAPE), ["layers"]),
    # flatten and dense have no receptive field
    ("receptive_field_flatten", lambda: receptive_field([CONV, {"type": "flatten"}]),
     ["layers"]),
    ("effective_stride_dense", lambda: effective_stride([{"type": "dense", "units": 3}]),
     ["layers"]),
    # bad values inside a layer
    ("output_shape_conv_stride_0", lambda: output_shape([{**CONV, "stride": 0}], SHAPE),
     ["layers", "stride"]),
    ("output_shape_conv_negative_padding",
     lambda: output_shape([{**CONV, "padding": -1}], SHAPE), ["layers", "padding"]),
    ("receptive_field_pool_size_0", lambda: receptive_field([{"type": "maxpool", "size": 0}]),
     ["layers", "size"]),
    ("output_shape_kernel_too_big",
     lambda: output_shape([{**CONV, "kernel_size": 9}], SHAPE), ["kernel_size"]),
    # the backward passes: their forward function's rules, and a d_out of the wrong shape
    ("conv_layer_backward_negative_padding",
     lambda: conv_layer_backward(D_CONV, IMAGE3, KERNELS, padding=-1), ["padding"]),
    ("conv_layer_backward_stride_0",
     lambda: conv_layer_backward(D_CONV, IMAGE3, KERNELS, stride=0), ["stride"]),
    ("conv_layer_backward_channel_mismatch",
     lambda: conv_layer_backward(D_CONV, np.ones((4, 4, 3)), KERNELS), ["image", "kernels"]),
    ("conv_layer_backward_kernels_too_tall",
     lambda: conv_layer_backward(D_CONV, np.ones((2, 9, 2)), KERNELS), ["kernels"]),
    ("conv_layer_backward_2d_image", lambda: conv_layer_backward(D_CONV, IMAGE, KERNELS),
     ["image"]),
    ("conv_layer_backward_d_out_too_large",
     lambda: conv_layer_backward(np.ones((3, 2, 3)), IMAGE3, KERNELS), ["d_out"]),
    ("conv_layer_backward_d_out_channels",
     lambda: conv_layer_backward(np.ones((2, 2, 2)), IMAGE3, KERNELS), ["d_out"]),
    ("max_pool_backward_size_0", lambda: max_pool_backward(D_POOL, IMAGE, 0), ["size"]),
    ("max_pool_backward_stride_0", lambda: max_pool_backward(D_POOL, IMAGE, 2, 0), ["stride"]),
    ("max_pool_backward_1d", lambda: max_pool_backward(D_POOL, X5), ["x"]),
    ("max_pool_backward_d_out_3d", lambda: max_pool_backward(np.ones((2, 2, 1)), IMAGE),
     ["d_out"]),
    ("avg_pool_backward_window_too_wide",
     lambda: avg_pool_backward(D_POOL, np.ones((9, 2)), 3), ["size", "x"]),
    ("avg_pool_backward_d_out_overlapping_shape",
     lambda: avg_pool_backward(np.ones((3, 3)), IMAGE), ["d_out"]),
    ("relu_backward_shape", lambda: relu_backward(np.ones(4), X5), ["d_out"]),
    ("sigmoid_backward_shape", lambda: sigmoid_backward(np.ones((5, 1)), X5), ["d_out"]),
]


def names_word(message: str, name: str) -> bool:
    """True when ``name`` occurs in ``message`` not glued to other identifier characters."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


@pytest.mark.parametrize("call, names", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_raises_value_error_naming_the_argument(call, names):
    with pytest.raises(ValueError) as caught:
        call()
    message = str(caught.value)
    missing = [name for name in names if not names_word(message, name)]
    assert not missing, f"message {message!r} does not name {missing}"


def test_case_ids_are_unique():
    # A duplicated id would hide a row of the table from pytest's report.
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))


def test_names_word_does_not_find_a_name_inside_a_longer_word():
    assert not names_word("the window is too big", "w")
