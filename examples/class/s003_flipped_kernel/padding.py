import numpy as np


def zero_pad(x, pad):
    x = np.asarray(x)
    if pad < 0:
        raise ValueError("pad must be >= 0")
    widths = [(pad, pad)] * min(x.ndim, 2) + [(0, 0)] * (x.ndim - 2)
    return np.pad(x, widths)


def conv_output_size(input_size, kernel_size, padding=0, stride=1):
    if kernel_size > input_size + 2 * padding:
        raise ValueError("kernel_size larger than the padded input")
    return (input_size + 2 * padding - kernel_size) // stride + 1


def same_padding(kernel_size):
    if kernel_size % 2 == 0:
        raise ValueError("kernel_size must be odd")
    return (kernel_size - 1) // 2
