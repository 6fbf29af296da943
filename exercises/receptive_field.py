# cnnlab exercise: replace every 'raise NotImplementedError' below with your code.
# Check yourself with `cnnlab check`. Generated from solutions/receptive_field.py by `cnnlab build`.
"""The receptive field of a stack of conv and pooling layers, along one axis."""

from exercises.architecture import POOLING, layer_settings


def receptive_field(layers: list[dict]) -> int:
    """How many input pixels (along one axis) one unit of the last layer sees.

    Walk the layers from the input; ``jump`` is the distance in input pixels between two
    neighbouring units of the current layer:

        r = 1, jump = 1
        for each conv (k = kernel_size) or pooling (k = size) layer with stride s:
            r    = r + (k - 1) * jump
            jump = jump * s

    Activations do not change it; ``flatten`` and ``dense`` see everything and raise
    ``ValueError``. Padding changes nothing. No layers: 1.

    Raises:
        ValueError: if a layer is ``flatten`` or ``dense``, or a layer is invalid (an unknown
            type, a missing key). Raising it is graded; the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        >>> conv3 = {"type": "conv", "filters": 1, "kernel_size": 3}
        >>> receptive_field([conv3])
        3

        two 3x3 convs see as far as one 5x5:

        >>> receptive_field([conv3, conv3])
        5

        three 3x3 convs: like one 7x7:

        >>> receptive_field([conv3, conv3, conv3])
        7

        3, +1 for the pool, +2*2 for the conv after a stride of 2:

        >>> receptive_field([conv3, {"type": "maxpool"}, conv3])
        8

        no layers: a unit sees one pixel:

        >>> receptive_field([])
        1
    """
    # YOUR CODE HERE
    raise NotImplementedError


def effective_stride(layers: list[dict]) -> int:
    """The distance in input pixels between two neighbouring units of the last layer:
    the product of the strides of the conv and pooling layers. No layers: 1.

    Raises:
        ValueError: if a layer is ``flatten`` or ``dense``, or a layer is invalid (an unknown
            type, a missing key). Raising it is graded; the message names the argument.

    The inputs must not be modified (also graded).

    Examples:
        >>> conv3 = {"type": "conv", "filters": 1, "kernel_size": 3}
        >>> effective_stride([conv3, {"type": "maxpool"}, {"type": "maxpool"}])
        4
    """
    # YOUR CODE HERE
    raise NotImplementedError


def _windows(layers: list[dict]) -> list[tuple[int, int]]:
    """``(window size, stride)`` of every conv and pooling layer, in order."""
    windows = []
    for index, layer in enumerate(layers):
        settings = layer_settings(layer, index)
        kind = settings["type"]
        if kind in ("flatten", "dense"):
            raise ValueError(f"layers[{index}] ({kind}) has no receptive field: "
                             "it is connected to every input")
        if kind == "conv":
            windows.append((settings["kernel_size"], settings["stride"]))
        elif kind in POOLING:
            windows.append((settings["size"], settings["stride"]))
    return windows
