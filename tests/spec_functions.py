"""SPEC section 3 written out by hand: the one list of the exercises that is not read from the
catalog. Tests iterate ``cnnlab.catalog``; the guard in ``test_build_and_check.py`` fails
when the catalog drops a function of SPEC 3, grades one SPEC does not have, or puts one in
another module."""

SPEC3: dict[str, tuple[str, ...]] = {
    "padding": ("zero_pad", "conv_output_size", "same_padding"),
    "convolution": ("conv1d", "conv2d", "conv_layer", "relu", "sigmoid", "dilated_conv2d"),
    "pooling": ("pool_output_size", "max_pool", "avg_pool"),
    "weights": ("n_input_features", "dense_weights", "sparse_weights", "shared_weights",
                "conv_layer_params", "dense_layer_params", "output_shape", "count_parameters",
                "weights_as_image"),
    "receptive_field": ("receptive_field", "effective_stride"),
    "backprop": ("conv_layer_backward", "max_pool_backward", "avg_pool_backward",
                 "relu_backward", "sigmoid_backward", "train_step", "fit"),
}
BONUS = ("dilated_conv2d",)  # SPEC 3: "Bonus"; graded when it is there
REQUIRED = tuple(f for functions in SPEC3.values() for f in functions if f not in BONUS)
