# cnnlab exercise: replace every 'raise NotImplementedError' below with your code.
# Check yourself with `cnnlab check`. Generated from solutions/weights.py by `cnnlab build`.
"""Reducing the number of weights: dense, sparse and shared connections, and whole networks.

The lecture's running example: a 24x24x3 image has 1728 input features. A dense layer from
5 inputs to 3 outputs needs 15 weights, a sparsely connected one (each output sees 3
neighbouring inputs) 9, and a shared-weight (convolutional) one only 3.
"""

import math

import numpy as np
import numpy.typing as npt

from exercises.architecture import ACTIVATIONS, SPATIAL, check_input_shape, layer_settings
from exercises.padding import conv_output_size
from exercises.pooling import pool_output_size
from exercises.validation import check_fits, check_ndim, check_positive


def n_input_features(height: int, width: int, channels: int = 1) -> int:
    """The number of input features (values) of an image: ``H * W * C``.

    Raises:
        ValueError: if an argument is below 1. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        lecture: a 24x24x3 image:

        >>> n_input_features(24, 24, 3)
        1728
    """
    # YOUR CODE HERE
    raise NotImplementedError


def dense_weights(n_inputs: int, n_outputs: int) -> int:
    """Weights of a fully connected layer without biases: every input to every output.

        n_weights = n_inputs * n_outputs

    Raises:
        ValueError: if an argument is below 1. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        lecture: fully connected, 5 inputs, 3 outputs:

        >>> dense_weights(5, 3)
        15
    """
    # YOUR CODE HERE
    raise NotImplementedError


def sparse_weights(n_inputs: int, kernel_size: int) -> int:
    """Weights of a sparsely connected layer: each output sees ``k`` neighbouring inputs,
    with its own weights (local, not shared), no padding.

        n_weights = (n - k + 1) * k      (n - k + 1 outputs, k weights each)

    Raises:
        ValueError: if an argument is below 1, or ``kernel_size`` is larger than ``n_inputs``.
            Raising it is graded; the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        lecture: sparsely connected, 3 outputs x 3 weights:

        >>> sparse_weights(5, 3)
        9
    """
    # YOUR CODE HERE
    raise NotImplementedError


def shared_weights(kernel_size: int, n_kernels: int = 1) -> int:
    """Weights of a shared-weight (1-D convolutional) layer: one kernel of ``k`` weights is
    reused at every position, whatever the input size.

        n_weights = k * n_kernels

    Raises:
        ValueError: if an argument is below 1. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        lecture: one kernel w1, w2, w3 shared:

        >>> shared_weights(3)
        3

        lecture: a second kernel adds 3 weights:

        >>> shared_weights(3, 2)
        6
    """
    # YOUR CODE HERE
    raise NotImplementedError


def conv_layer_params(kernel_size: int, in_channels: int, out_channels: int,
                      bias: bool = True) -> int:
    """Trainable parameters of a conv layer with square ``k x k`` kernels.

        n_params = k * k * C_in * C_out  (+ C_out biases)

    Raises:
        ValueError: if ``kernel_size``, ``in_channels`` or ``out_channels`` is below 1. Raising
            it is graded; the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        3*3*3*16 + 16 biases:

        >>> conv_layer_params(3, 3, 16)
        448

        >>> conv_layer_params(5, 1, 1, bias=False)
        25
    """
    # YOUR CODE HERE
    raise NotImplementedError


def dense_layer_params(n_inputs: int, n_outputs: int, bias: bool = True) -> int:
    """Trainable parameters of a dense layer.

        n_params = n_inputs * n_outputs  (+ n_outputs biases)

    Raises:
        ValueError: if ``n_inputs`` or ``n_outputs`` is below 1. Raising it is graded; the
            message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        1728*10 + 10 biases:

        >>> dense_layer_params(1728, 10)
        17290
    """
    # YOUR CODE HERE
    raise NotImplementedError


def output_shape(layers: list[dict], input_shape: tuple[int, int, int]) -> tuple[int, ...]:
    """The shape after the last layer of a network (see ``architecture.py`` for the format).

    Shapes are ``(H, W, C)`` until ``flatten`` and ``(n,)`` after it. ``conv`` changes H and W
    as ``conv_output_size`` and C to ``filters``; pooling changes H and W as
    ``pool_output_size``; activations change nothing; ``dense`` gives ``(units,)``.

    Args:
        layers: a list of layer dicts.
        input_shape: ``(H, W, C)``.

    Returns:
        a tuple of ints.

    Raises:
        ValueError: if a layer type is unknown or a required key is missing, ``input_shape`` is
            not ``(H, W, C)``, ``dense`` comes before ``flatten``, ``conv`` or pooling after it,
            or a kernel or window does not fit. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        >>> net = [{"type": "conv", "filters": 16, "kernel_size": 3, "padding": 1},
        ...        {"type": "relu"}, {"type": "maxpool"}, {"type": "flatten"},
        ...        {"type": "dense", "units": 10}]

        padding 1 keeps 24x24, max-pooling halves it:

        >>> output_shape(net[:3], (24, 24, 3))
        (12, 12, 16)

        >>> output_shape(net, (24, 24, 3))
        (10,)

        dense needs a flatten before it:

        >>> output_shape([{"type": "dense", "units": 10}], (24, 24, 3))
        Traceback (most recent call last):
        ValueError: layers[0] (dense) needs a flat input; put a flatten layer before it
    """
    # YOUR CODE HERE
    raise NotImplementedError


def count_parameters(layers: list[dict], input_shape: tuple[int, int, int]) -> int:
    """All trainable parameters of a network, weights and biases.

    A conv layer has ``k*k*C_in*filters (+ filters)``, a dense layer
    ``n_in*units (+ units)``; pooling, activations and flatten have none.

    Raises:
        ValueError: if the network is invalid, as for ``output_shape``. Raising it is graded;
            the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        >>> net = [{"type": "conv", "filters": 16, "kernel_size": 3, "padding": 1},
        ...        {"type": "relu"}, {"type": "maxpool"}, {"type": "flatten"},
        ...        {"type": "dense", "units": 10}]

        448 (conv) + 12*12*16*10 + 10 (dense) = 448 + 23050:

        >>> count_parameters(net, (24, 24, 3))
        23498
    """
    # YOUR CODE HERE
    raise NotImplementedError


def weights_as_image(weights: npt.ArrayLike, shape: tuple[int, ...]) -> npt.NDArray[np.float64]:
    """Reshape a vector of learned weights into an image and scale it to [0, 1] for display,
    as the lecture does with the 1728 weights of one unit looking at a 24x24x3 image.

        image = reshape(weights, shape)            (C order)
        image = (image - min) / (max - min)        (all zeros when max == min)

    Args:
        weights: ``(prod(shape),)``.
        shape: the image's shape, for example ``(24, 24, 3)``.

    Returns:
        float array of shape ``shape`` with values in [0, 1].

    Raises:
        ValueError: if ``weights`` is not 1-D, an entry of ``shape`` is below 1, or ``weights``
            does not have ``prod(shape)`` values. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        min-max scaled to [0, 1]:

        >>> weights_as_image(np.array([0.0, 5.0, 10.0, 5.0]), (2, 2))
        array([[0. , 0.5],
               [1. , 0.5]])

        5 weights do not fill 2x2:

        >>> weights_as_image(np.zeros((5,)), (2, 2))
        Traceback (most recent call last):
        ValueError: weights has 5 values but shape (2, 2) needs 4
    """
    weights = np.asarray(weights, dtype=np.float64)
    # YOUR CODE HERE
    raise NotImplementedError
