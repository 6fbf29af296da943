import numpy as np

from exercises.validation import check_non_negative


def zero_pad(x, pad):
    x = np.asarray(x)
    pad = check_non_negative("pad", pad)
    spatial = [(pad, pad), (pad, pad), (0, 0)][:x.ndim] if x.ndim > 1 else [(pad, pad)]
    return np.pad(x, spatial)


def conv_output_size(input_size, kernel_size, padding=0, stride=1):
    # forgot the "+ 1": the first position of the kernel is not counted
    return (input_size + 2 * padding - kernel_size) // stride


def same_padding(kernel_size):
    if kernel_size % 2 == 0 or kernel_size < 1:
        raise ValueError(f"kernel_size must be odd and positive, got {kernel_size}")
    return (kernel_size - 1) // 2
