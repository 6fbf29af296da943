"""The receptive field of a stack of conv and pooling layers, along one axis."""

from solutions.architecture import POOLING, layer_settings


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

    Example:
        >>> receptive_field([{"type": "conv", "filters": 1, "kernel_size": 3}] * 2)
        5
    """
    ### BEGIN SOLUTION
    field, jump = 1, 1
    for kernel, stride in _windows(layers):
        field += (kernel - 1) * jump
        jump *= stride
    return field
    ### END SOLUTION


def effective_stride(layers: list[dict]) -> int:
    """The distance in input pixels between two neighbouring units of the last layer:
    the product of the strides of the conv and pooling layers. No layers: 1.

    Raises:
        ValueError: if a layer is ``flatten`` or ``dense``, or a layer is invalid (an unknown
            type, a missing key). Raising it is graded; the message names the argument.

    The inputs must not be modified (also graded).

    Example:
        >>> effective_stride([{"type": "conv", "filters": 1, "kernel_size": 3, "stride": 2},
        ...                   {"type": "maxpool"}])
        4
    """
    ### BEGIN SOLUTION
    jump = 1
    for _, stride in _windows(layers):
        jump *= stride
    return jump
    ### END SOLUTION


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
