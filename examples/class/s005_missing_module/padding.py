import numpy as np


def zero_pad(x, pad):
    x = np.asarray(x)
    if pad < 0:
        raise ValueError(f"pad must not be negative, got {pad}")
    if x.ndim not in (1, 2, 3):
        raise ValueError(f"x must have ndim 1, 2 or 3, got {x.ndim}")
    pads = ((pad, pad),) * min(x.ndim, 2) + ((0, 0),) * (x.ndim == 3)
    return np.pad(x, pads, mode="constant", constant_values=0)


def conv_output_size(input_size, kernel_size, padding=0, stride=1):
    for name, value, low in (("input_size", input_size, 1), ("kernel_size", kernel_size, 1),
                             ("padding", padding, 0), ("stride", stride, 1)):
        if value < low:
            raise ValueError(f"{name} must be at least {low}, got {value}")
    if kernel_size > input_size + 2 * padding:
        raise ValueError("kernel_size does not fit in the padded input")
    return (input_size + 2 * padding - kernel_size) // stride + 1
