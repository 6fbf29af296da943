"""The public checks: a few fixed examples per function, worked by hand from the lecture.

Students see these (``cnnlab check``); the grade comes from the hidden, generated tests.
Every expected value below was computed by hand, never by running the reference.
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


A = np.array
RAMP = A([1, 2, 3, 4, 5])
IMAGE3 = A([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
KERNEL2 = A([[1, 2], [3, 4]])
POOL_MAP = A([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
CONV3 = {"type": "conv", "filters": 1, "kernel_size": 3}
SMALL_NET = [{"type": "conv", "filters": 16, "kernel_size": 3, "padding": 1}, {"type": "relu"},
             {"type": "maxpool"}, {"type": "flatten"}, {"type": "dense", "units": 10}]

CASES: tuple[Case, ...] = (
    # padding.py
    Case("zero_pad", (A([1, 2, 3]), 1), A([0, 1, 2, 3, 0]), why="one zero on each side"),
    Case("zero_pad", (A([[1, 2], [3, 4]]), 1),
         A([[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]), why="a frame of zeros"),
    Case("zero_pad", (np.ones((1, 1, 2), dtype=int), 1),
         A([[[0, 0], [0, 0], [0, 0]], [[0, 0], [1, 1], [0, 0]], [[0, 0], [0, 0], [0, 0]]]),
         why="channels are never padded"),
    Case("zero_pad", (A([1, 2]), -1), RAISES, why="negative padding"),
    Case("conv_output_size", (5, 3), 3, why="lecture: 5 inputs, kernel of 3 -> a1, a2, a3"),
    Case("conv_output_size", (5, 3), 5, {"padding": 1}, why="zero padding keeps the size"),
    Case("conv_output_size", (24, 5), 20, why="24x24 image, 5x5 kernel"),
    Case("conv_output_size", (7, 3), 3, {"stride": 2}, why="(7 - 3) / 2 + 1"),
    Case("conv_output_size", (6, 3), 2, {"stride": 2}, why="floor((6 - 3) / 2) + 1"),
    Case("conv_output_size", (5, 3), RAISES, {"stride": 0}, why="stride below 1"),
    Case("same_padding", (3,), 1),
    Case("same_padding", (5,), 2),
    Case("same_padding", (4,), RAISES, why="an even kernel cannot keep the size"),
    # convolution.py
    Case("conv1d", (RAMP, A([1, 2, 3])), A([14.0, 20.0, 26.0]),
         why="a1 = 1*1 + 2*2 + 3*3, a2 = 2*1 + 3*2 + 4*3, a3 = 3*1 + 4*2 + 5*3 (not flipped)"),
    Case("conv1d", (RAMP, A([1, 0, -1])), A([-2.0, -2.0, -2.0]), why="a difference kernel"),
    Case("conv1d", (RAMP, A([1, 2, 3])), A([8.0, 14.0, 20.0, 26.0, 14.0]), {"padding": 1},
         why="padding 1 keeps the 5 outputs: 0*1 + 1*2 + 2*3 = 8, ..., 4*1 + 5*2 + 0*3 = 14"),
    Case("conv1d", (RAMP, A([1, 2, 3])), A([14.0, 26.0]), {"stride": 2}, why="every 2nd position"),
    Case("conv1d", (RAMP, A([1.0] * 7)), RAISES, why="kernel longer than the input"),
    Case("conv2d", (IMAGE3, KERNEL2), A([[37.0, 47.0], [67.0, 77.0]]),
         why="1*1 + 2*2 + 4*3 + 5*4 = 37, not flipped"),
    Case("conv2d", (IMAGE3, KERNEL2), A([[4.0, 18.0], [36.0, 77.0]]), {"padding": 1, "stride": 2},
         why="padded to 5x5, positions (0,0), (0,2), (2,0), (2,2)"),
    Case("conv2d", (IMAGE3, A([[1.0]])), A([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]),
         why="a 1x1 kernel of 1 copies the image"),
    Case("conv2d", (IMAGE3, A([1, 2])), RAISES, why="a 1-D kernel"),
    Case("conv_layer", (np.ones((3, 3, 2)), np.ones((2, 2, 2, 1))),
         A([[[8.0], [8.0]], [[8.0], [8.0]]]),
         why="each output adds 2*2*2 ones"),
    Case("conv_layer",
         (np.stack([KERNEL2, np.ones((2, 2), dtype=int)], axis=2), A([[[[1, 0], [0, 2]]]])),
         A([[[1.5, 1.0], [2.5, 1.0]], [[3.5, 1.0], [4.5, 1.0]]]), {"bias": A([0.5, -1.0])},
         why="1x1 kernels: out0 = channel0 + 0.5, out1 = 2 * channel1 - 1"),
    Case("conv_layer", (np.ones((3, 3, 2)), np.ones((2, 2, 3, 1))), RAISES,
         why="the kernels expect 3 channels, the image has 2"),
    Case("relu", (A([-2.0, 0.0, 3.0]),), A([0.0, 0.0, 3.0])),
    Case("sigmoid", (A([0.0, np.log(3.0)]),), A([0.5, 0.75]), why="1 / (1 + 1/3) = 0.75"),
    Case("sigmoid", (A([-1000.0, 1000.0]),), A([0.0, 1.0]), why="no overflow for large inputs"),
    # pooling.py
    Case("pool_output_size", (24,), 12, why="2x2 pooling halves 24x24"),
    Case("pool_output_size", (5,), 2, why="the last incomplete window is dropped"),
    Case("pool_output_size", (5,), 3, {"size": 3, "stride": 1}),
    Case("pool_output_size", (3,), RAISES, {"size": 4}, why="window larger than the input"),
    Case("max_pool", (POOL_MAP,), A([[6, 8], [3, 4]]), why="largest of each coloured 2x2 window"),
    Case("max_pool", (np.stack([POOL_MAP, -POOL_MAP], axis=2),),
         A([[[6, -1], [8, -2]], [[3, -1], [4, 0]]]),
         why="each channel on its own"),
    Case("max_pool", (POOL_MAP,), A([[6, 7, 8], [6, 7, 8], [3, 3, 4]]), {"stride": 1},
         why="overlapping windows"),
    Case("avg_pool", (POOL_MAP,), A([[3.25, 5.25], [2.0, 2.0]]), why="(1+1+5+6)/4 = 3.25, ..."),
    # weights.py
    Case("n_input_features", (24, 24, 3), 1728, why="lecture: a 24x24x3 image"),
    Case("dense_weights", (5, 3), 15, why="lecture: fully connected, 5 inputs, 3 outputs"),
    Case("sparse_weights", (5, 3), 9, why="lecture: sparsely connected, 3 outputs x 3 weights"),
    Case("shared_weights", (3,), 3, why="lecture: one kernel w1, w2, w3 shared"),
    Case("shared_weights", (3, 2), 6, why="lecture: a second kernel adds 3 weights"),
    Case("conv_layer_params", (3, 3, 16), 448, why="3*3*3*16 + 16 biases"),
    Case("conv_layer_params", (5, 1, 1), 25, {"bias": False}),
    Case("dense_layer_params", (1728, 10), 17290, why="1728*10 + 10 biases"),
    Case("output_shape", (SMALL_NET[:3], (24, 24, 3)), (12, 12, 16),
         why="padding 1 keeps 24x24, max-pooling halves it"),
    Case("output_shape", (SMALL_NET, (24, 24, 3)), (10,)),
    Case("output_shape", ([{"type": "dense", "units": 10}], (24, 24, 3)), RAISES,
         why="dense needs a flatten before it"),
    Case("count_parameters", (SMALL_NET, (24, 24, 3)), 23498,
         why="448 (conv) + 12*12*16*10 + 10 (dense) = 448 + 23050"),
    Case("weights_as_image", (A([0.0, 5.0, 10.0, 5.0]), (2, 2)), A([[0.0, 0.5], [1.0, 0.5]]),
         why="min-max scaled to [0, 1]"),
    Case("weights_as_image", (np.zeros(5), (2, 2)), RAISES, why="5 weights do not fill 2x2"),
    # receptive_field.py
    Case("receptive_field", ([CONV3],), 3),
    Case("receptive_field", ([CONV3, CONV3],), 5, why="two 3x3 convs see as far as one 5x5"),
    Case("receptive_field", ([CONV3, CONV3, CONV3],), 7, why="three 3x3 convs: like one 7x7"),
    Case("receptive_field", ([CONV3, {"type": "maxpool"}, CONV3],), 8,
         why="3, +1 for the pool, +2*2 for the conv after a stride of 2"),
    Case("receptive_field", ([],), 1, why="no layers: a unit sees one pixel"),
    Case("effective_stride", ([CONV3, {"type": "maxpool"}, {"type": "maxpool"}],), 4),
)
