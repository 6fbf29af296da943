import numpy as np


def zero_pad(x, pad):
    # pads every axis, also the channels of a colour image
    return np.pad(np.asarray(x), pad)


def conv_output_size(input_size, kernel_size, padding=0, stride=1):
    return (input_size + 2 * padding - kernel_size) // stride + 1


def same_padding(kernel_size):
    return kernel_size // 2
