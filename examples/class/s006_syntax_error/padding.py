import numpy as np


def zero_pad(x, pad):
    x = np.asarray(x)
    if pad < 0:
        raise ValueError("pad must not be negative")
    if x.ndim == 3:
        return np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    return np.pad(x, pad)


def conv_output_size(input_size, kernel_size, padding=0, stride=1):
    return int((input_size + 2 * padding - kernel_size) / stride) + 1
