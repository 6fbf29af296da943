"""The public checks: a few fixed examples per function, worked by hand from the lecture.

Students see these (``cnnlab check``, the notebook's example cells); the grade comes from the
hidden, generated tests. They are written once, as the ``Examples:`` of each function's
docstring in ``solutions/`` (which the stubs keep), with every expected value computed by
hand; ``cnnlab build`` copies them into the block below (``cnnlab.docstring_examples``) and
the doctests prove that the reference agrees.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np

RAISES = ValueError  # an expected value of ValueError means: must raise it


@dataclass(frozen=True)
class Case:
    function: str
    args: tuple
    expected: Any
    kwargs: dict = field(default_factory=dict)
    why: str = ""  # where the example comes from, shown when it fails

    def call_text(self) -> str:
        parts = [_short(a) for a in self.args]
        parts += [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
        return f"{self.function}({', '.join(parts)})"


def _short(value) -> str:
    text = np.array2string(value, separator=", ") if isinstance(value, np.ndarray) else repr(value)
    return " ".join(text.split())


# BEGIN GENERATED CASES (`cnnlab build`, from the Examples of the docstrings in solutions/)
CASES: tuple[Case, ...] = (
    Case(
        "zero_pad",
        (np.array([1, 2, 3]), 1),
        np.array([0, 1, 2, 3, 0]),
        why="one zero on each side",
    ),
    Case(
        "zero_pad",
        (np.array([[1, 2], [3, 4]]), 1),
        np.array([[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]),
        why="a frame of zeros",
    ),
    Case(
        "zero_pad",
        (np.array([[[1, 1]]]), 1),
        np.array([[[0, 0], [0, 0], [0, 0]], [[0, 0], [1, 1], [0, 0]], [[0, 0], [0, 0], [0, 0]]]),
        why="channels are never padded",
    ),
    Case("zero_pad", (np.array([1, 2]), -1), RAISES, why="negative padding"),
    Case("conv_output_size", (5, 3), 3, why="lecture: 5 inputs, kernel of 3 -> a1, a2, a3"),
    Case("conv_output_size", (5, 3), 5, {"padding": 1}, why="zero padding keeps the size"),
    Case("conv_output_size", (24, 5), 20, why="24x24 image, 5x5 kernel"),
    Case("conv_output_size", (7, 3), 3, {"stride": 2}, why="(7 - 3) / 2 + 1"),
    Case("conv_output_size", (6, 3), 2, {"stride": 2}, why="floor((6 - 3) / 2) + 1"),
    Case("conv_output_size", (5, 3), RAISES, {"stride": 0}, why="stride below 1"),
    Case("same_padding", (3,), 1),
    Case("same_padding", (5,), 2),
    Case("same_padding", (4,), RAISES, why="an even kernel cannot keep the size"),
    Case(
        "conv1d",
        (np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3])),
        np.array([14.0, 20.0, 26.0]),
        why="a1 = 1*1 + 2*2 + 3*3, a2 = 2*1 + 3*2 + 4*3, a3 = 3*1 + 4*2 + 5*3 (not flipped)",
    ),
    Case(
        "conv1d",
        (np.array([1, 2, 3, 4, 5]), np.array([1, 0, -1])),
        np.array([-2.0, -2.0, -2.0]),
        why="a difference kernel",
    ),
    Case(
        "conv1d",
        (np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3])),
        np.array([8.0, 14.0, 20.0, 26.0, 14.0]),
        {"padding": 1},
        why="padding 1 keeps the 5 outputs: 0*1 + 1*2 + 2*3 = 8, ..., 4*1 + 5*2 + 0*3 = 14",
    ),
    Case(
        "conv1d",
        (np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3])),
        np.array([14.0, 26.0]),
        {"stride": 2},
        why="every 2nd position",
    ),
    Case(
        "conv1d",
        (np.array([1, 2, 3, 4, 5]), np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])),
        RAISES,
        why="kernel longer than the input",
    ),
    Case(
        "conv2d",
        (np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), np.array([[1, 2], [3, 4]])),
        np.array([[37.0, 47.0], [67.0, 77.0]]),
        why="1*1 + 2*2 + 4*3 + 5*4 = 37, not flipped",
    ),
    Case(
        "conv2d",
        (np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), np.array([[1, 2], [3, 4]])),
        np.array([[4.0, 18.0], [36.0, 77.0]]),
        {"padding": 1, "stride": 2},
        why="padded to 5x5, positions (0,0), (0,2), (2,0), (2,2)",
    ),
    Case(
        "conv2d",
        (np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), np.array([[1.0]])),
        np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
        why="a 1x1 kernel of 1 copies the image",
    ),
    Case(
        "conv2d",
        (np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), np.array([1, 2])),
        RAISES,
        why="a 1-D kernel",
    ),
    Case(
        "conv_layer",
        (
            np.array(
                [
                    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                ],
            ),
            np.array([[[[1.0], [1.0]], [[1.0], [1.0]]], [[[1.0], [1.0]], [[1.0], [1.0]]]]),
        ),
        np.array([[[8.0], [8.0]], [[8.0], [8.0]]]),
        why="each output adds 2*2*2 ones",
    ),
    Case(
        "conv_layer",
        (np.array([[[1, 1], [2, 1]], [[3, 1], [4, 1]]]), np.array([[[[1, 0], [0, 2]]]])),
        np.array([[[1.5, 1.0], [2.5, 1.0]], [[3.5, 1.0], [4.5, 1.0]]]),
        {"bias": np.array([0.5, -1.0])},
        why="1x1 kernels: out0 = channel0 + 0.5, out1 = 2 * channel1 - 1",
    ),
    Case(
        "conv_layer",
        (
            np.array(
                [
                    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                ],
            ),
            np.array(
                [
                    [[[1.0], [1.0], [1.0]], [[1.0], [1.0], [1.0]]],
                    [[[1.0], [1.0], [1.0]], [[1.0], [1.0], [1.0]]],
                ],
            ),
        ),
        RAISES,
        why="the kernels expect 3 channels, the image has 2",
    ),
    Case("relu", (np.array([-2.0, 0.0, 3.0]),), np.array([0.0, 0.0, 3.0])),
    Case(
        "sigmoid",
        (np.array([0.0, 1.0986122886681098]),),
        np.array([0.5, 0.75]),
        why="1 / (1 + 1/3) = 0.75",
    ),
    Case(
        "sigmoid",
        (np.array([-1000.0, 1000.0]),),
        np.array([0.0, 1.0]),
        why="no overflow for large inputs",
    ),
    Case(
        "dilated_conv2d",
        (
            np.array(
                [
                    [1, 2, 3, 4, 5],
                    [6, 7, 8, 9, 10],
                    [11, 12, 13, 14, 15],
                    [16, 17, 18, 19, 20],
                    [21, 22, 23, 24, 25],
                ],
            ),
            np.array([[1, 2], [3, 4]]),
        ),
        np.array([[92.0, 102.0, 112.0], [142.0, 152.0, 162.0], [192.0, 202.0, 212.0]]),
        {"dilation": 2},
        why=("the taps of a 2x2 kernel with dilation 2 are the corners of a 3x3 window: 1*1 + 2*3 "
         "+ 3*11 + 4*13 = 92"),
    ),
    Case(
        "dilated_conv2d",
        (
            np.array(
                [
                    [1, 2, 3, 4, 5],
                    [6, 7, 8, 9, 10],
                    [11, 12, 13, 14, 15],
                    [16, 17, 18, 19, 20],
                    [21, 22, 23, 24, 25],
                ],
            ),
            np.array([[1, 2], [3, 4]]),
        ),
        np.array([[28.0, 57.0, 27.0], [82.0, 152.0, 66.0], [34.0, 55.0, 19.0]]),
        {"dilation": 2, "padding": 1, "stride": 2},
        why="padded to 7x7, positions (0,0), (0,2), ..., (4,4): the first one sees only 4*7",
    ),
    Case(
        "dilated_conv2d",
        (np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), np.array([[1, 2], [3, 4]])),
        np.array([[37.0, 47.0], [67.0, 77.0]]),
        {"dilation": 1},
        why="dilation 1 is conv2d (its first example)",
    ),
    Case(
        "dilated_conv2d",
        (
            np.array(
                [
                    [1.0, 1.0, 1.0, 1.0],
                    [1.0, 1.0, 1.0, 1.0],
                    [1.0, 1.0, 1.0, 1.0],
                    [1.0, 1.0, 1.0, 1.0],
                ],
            ),
            np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]),
        ),
        RAISES,
        {"dilation": 2},
        why="a 3x3 kernel with dilation 2 spans 5 pixels, more than a 4x4 image has",
    ),
    Case(
        "dilated_conv2d",
        (
            np.array(
                [
                    [1, 2, 3, 4, 5],
                    [6, 7, 8, 9, 10],
                    [11, 12, 13, 14, 15],
                    [16, 17, 18, 19, 20],
                    [21, 22, 23, 24, 25],
                ],
            ),
            np.array([[1, 2], [3, 4]]),
        ),
        RAISES,
        {"dilation": 0},
        why="a dilation below 1",
    ),
    Case("pool_output_size", (24,), 12, why="2x2 pooling halves 24x24"),
    Case("pool_output_size", (5,), 2, why="the last incomplete window is dropped"),
    Case("pool_output_size", (5,), 3, {"size": 3, "stride": 1}),
    Case("pool_output_size", (3,), RAISES, {"size": 4}, why="window larger than the input"),
    Case(
        "max_pool",
        (np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]),),
        np.array([[6, 8], [3, 4]]),
        why="largest of each coloured 2x2 window",
    ),
    Case(
        "max_pool",
        (
            np.array(
                [
                    [[1, -1], [1, -1], [2, -2], [4, -4]],
                    [[5, -5], [6, -6], [7, -7], [8, -8]],
                    [[3, -3], [2, -2], [1, -1], [0, 0]],
                    [[1, -1], [2, -2], [3, -3], [4, -4]],
                ],
            ),
        ),
        np.array([[[6, -1], [8, -2]], [[3, -1], [4, 0]]]),
        why="each channel on its own",
    ),
    Case(
        "max_pool",
        (np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]),),
        np.array([[6, 7, 8], [6, 7, 8], [3, 3, 4]]),
        {"stride": 1},
        why="overlapping windows",
    ),
    Case(
        "avg_pool",
        (np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]),),
        np.array([[3.25, 5.25], [2.0, 2.0]]),
        why="(1+1+5+6)/4 = 3.25, ...",
    ),
    Case("n_input_features", (24, 24, 3), 1728, why="lecture: a 24x24x3 image"),
    Case("dense_weights", (5, 3), 15, why="lecture: fully connected, 5 inputs, 3 outputs"),
    Case("sparse_weights", (5, 3), 9, why="lecture: sparsely connected, 3 outputs x 3 weights"),
    Case("shared_weights", (3,), 3, why="lecture: one kernel w1, w2, w3 shared"),
    Case("shared_weights", (3, 2), 6, why="lecture: a second kernel adds 3 weights"),
    Case("conv_layer_params", (3, 3, 16), 448, why="3*3*3*16 + 16 biases"),
    Case("conv_layer_params", (5, 1, 1), 25, {"bias": False}),
    Case("dense_layer_params", (1728, 10), 17290, why="1728*10 + 10 biases"),
    Case(
        "output_shape",
        (
            [
                {"type": "conv", "filters": 16, "kernel_size": 3, "padding": 1},
                {"type": "relu"},
                {"type": "maxpool"},
            ],
            (24, 24, 3),
        ),
        (12, 12, 16),
        why="padding 1 keeps 24x24, max-pooling halves it",
    ),
    Case(
        "output_shape",
        (
            [
                {"type": "conv", "filters": 16, "kernel_size": 3, "padding": 1},
                {"type": "relu"},
                {"type": "maxpool"},
                {"type": "flatten"},
                {"type": "dense", "units": 10},
            ],
            (24, 24, 3),
        ),
        (10,),
    ),
    Case(
        "output_shape",
        ([{"type": "dense", "units": 10}], (24, 24, 3)),
        RAISES,
        why="dense needs a flatten before it",
    ),
    Case(
        "count_parameters",
        (
            [
                {"type": "conv", "filters": 16, "kernel_size": 3, "padding": 1},
                {"type": "relu"},
                {"type": "maxpool"},
                {"type": "flatten"},
                {"type": "dense", "units": 10},
            ],
            (24, 24, 3),
        ),
        23498,
        why="448 (conv) + 12*12*16*10 + 10 (dense) = 448 + 23050",
    ),
    Case(
        "weights_as_image",
        (np.array([0.0, 5.0, 10.0, 5.0]), (2, 2)),
        np.array([[0.0, 0.5], [1.0, 0.5]]),
        why="min-max scaled to [0, 1]",
    ),
    Case(
        "weights_as_image",
        (np.array([0.0, 0.0, 0.0, 0.0, 0.0]), (2, 2)),
        RAISES,
        why="5 weights do not fill 2x2",
    ),
    Case("receptive_field", ([{"type": "conv", "filters": 1, "kernel_size": 3}],), 3),
    Case(
        "receptive_field",
        (
            [
                {"type": "conv", "filters": 1, "kernel_size": 3},
                {"type": "conv", "filters": 1, "kernel_size": 3},
            ],
        ),
        5,
        why="two 3x3 convs see as far as one 5x5",
    ),
    Case(
        "receptive_field",
        (
            [
                {"type": "conv", "filters": 1, "kernel_size": 3},
                {"type": "conv", "filters": 1, "kernel_size": 3},
                {"type": "conv", "filters": 1, "kernel_size": 3},
            ],
        ),
        7,
        why="three 3x3 convs: like one 7x7",
    ),
    Case(
        "receptive_field",
        (
            [
                {"type": "conv", "filters": 1, "kernel_size": 3},
                {"type": "maxpool"},
                {"type": "conv", "filters": 1, "kernel_size": 3},
            ],
        ),
        8,
        why="3, +1 for the pool, +2*2 for the conv after a stride of 2",
    ),
    Case("receptive_field", ([],), 1, why="no layers: a unit sees one pixel"),
    Case(
        "effective_stride",
        (
            [
                {"type": "conv", "filters": 1, "kernel_size": 3},
                {"type": "maxpool"},
                {"type": "maxpool"},
            ],
        ),
        4,
    ),
    Case(
        "conv_layer_backward",
        (
            np.array([[[1.0], [1.0]]]),
            np.array([[[1.0], [2.0], [3.0]]]),
            np.array([[[[1.0]], [[2.0]]]]),
        ),
        (np.array([[[1.0], [3.0], [2.0]]]), np.array([[[[3.0]], [[5.0]]]]), np.array([2.0])),
        why=("the lecture's 1-D layer as a one-row image: a1 = x1 w1 + x2 w2, a2 = x2 w1 + x3 w2 "
         "with x = (1, 2, 3), w = (1, 2) and dL/da = (1, 1): dL/dx = (w1, w1 + w2, w2) = (1, "
         "3, 2), dL/dw = (x1 + x2, x2 + x3) = (3, 5), dL/db = 1 + 1 = 2"),
    ),
    Case(
        "conv_layer_backward",
        (np.array([[[1.0], [1.0]]]), np.array([[[1.0], [2.0], [3.0]]]), np.array([[[[2.0]]]])),
        (np.array([[[2.0], [0.0], [2.0]]]), np.array([[[[4.0]]]]), np.array([2.0])),
        {"stride": 2},
        why=("stride 2 with a 1x1 kernel w = 2: the outputs see x1 and x3 only, so x2 gets no "
         "gradient; dL/dw = x1 + x3 = 4"),
    ),
    Case(
        "conv_layer_backward",
        (
            np.array([[[1.0], [1.0], [1.0]]]),
            np.array([[[1.0], [2.0], [3.0]]]),
            np.array([[[[1.0]], [[2.0]]]]),
        ),
        RAISES,
        why="d_out must have the forward output's shape, (1, 2, 1) here",
    ),
    Case(
        "max_pool_backward",
        (
            np.array([[1.0, 2.0], [3.0, 4.0]]),
            np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]),
        ),
        np.array(
            [
                [0.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 2.0],
                [3.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 4.0],
            ],
        ),
        why="the maxima 6, 8, 3 and 4 of the four 2x2 windows get the gradient",
    ),
    Case(
        "max_pool_backward",
        (np.array([[5.0]]), np.array([[2, 2], [1, 2]])),
        np.array([[5.0, 0.0], [0.0, 0.0]]),
        why="a tie: the first maximum, in C order, gets it",
    ),
    Case(
        "max_pool_backward",
        (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([[1, 2, 1], [2, 9, 2], [1, 2, 1]])),
        np.array([[0.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]),
        {"stride": 1},
        why="overlapping windows add up: the 9 is the maximum of all four windows, 1 + 1 + 1 + 1",
    ),
    Case(
        "max_pool_backward",
        (
            np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]),
            np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]),
        ),
        RAISES,
        why="a 4x4 input pools to 2x2, so d_out must be 2x2",
    ),
    Case(
        "avg_pool_backward",
        (np.array([[4.0, 8.0]]), np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])),
        np.array([[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]),
        why="each 2x2 window spreads its gradient evenly: 4 / 4 = 1 and 8 / 4 = 2",
    ),
    Case(
        "avg_pool_backward",
        (
            np.array([[1.0, 1.0], [1.0, 1.0]]),
            np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
        ),
        np.array([[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]),
        {"stride": 1},
        why="overlapping windows add up: the centre is in all four windows, 4 * 1/4 = 1",
    ),
    Case(
        "avg_pool_backward",
        (np.array([4.0, 8.0]), np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])),
        RAISES,
        why="a 2x4 input pools to 1x2, so d_out must be 1x2",
    ),
    Case(
        "relu_backward",
        (np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 2.0])),
        np.array([0.0, 0.0, 3.0]),
        why="only the positive inputs pass the gradient back; 0 does not",
    ),
    Case("relu_backward", (np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0])), RAISES),
    Case(
        "sigmoid_backward",
        (np.array([1.0, 2.0]), np.array([0.0, 1.0986122886681098])),
        np.array([0.25, 0.375]),
        why=("sigmoid(0) = 0.5 and 0.5 * 0.5 = 0.25; sigmoid(log 3) = 0.75 and 2 * 0.75 * 0.25 = "
         "0.375"),
    ),
    Case(
        "sigmoid_backward",
        (np.array([1.0, 1.0]), np.array([-1000.0, 1000.0])),
        np.array([0.0, 0.0]),
        why="the sigmoid is flat far from 0, and there is no overflow",
    ),
    Case(
        "train_step",
        (np.array([0.0, 0.0]), 0.0, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 0]), 0.1),
        (np.array([-0.05, -0.05]), 0.0),
        why=("all weights 0 give p = 0.5 for every image; with y = (1, 0), d_z = (-0.25, 0.25), so"
         " d_weights = -0.25 * (1, 2) + 0.25 * (3, 4) = (0.5, 0.5) and d_bias = 0"),
    ),
    Case(
        "train_step",
        (np.array([1.0, -1.0]), 0.5, np.array([[1.0, 2.0]]), np.array([1]), 0.0),
        (np.array([1.0, -1.0]), 0.5),
        why="a learning rate of 0 changes nothing",
    ),
    Case(
        "fit",
        (np.array([0.0, 0.0]), 0.0, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 0]), 0.1, 0),
        (np.array([0.0, 0.0]), 0.0),
        why="0 epochs return the start as it is; 1 epoch is one train_step (its first example)",
    ),
    Case(
        "fit",
        (np.array([0.0, 0.0]), 0.0, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 0]), 0.1, 1),
        (np.array([-0.05, -0.05]), 0.0),
    ),
    Case(
        "fit",
        (np.array([0.0, 0.0]), 0.0, np.array([[1.0, 2.0]]), np.array([1]), 0.1, -1),
        RAISES,
    ),
)
# END GENERATED CASES
