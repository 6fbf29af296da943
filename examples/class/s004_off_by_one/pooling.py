import numpy as np


def pool_output_size(input_size, size=2, stride=None):
    stride = stride or size
    return (input_size - size) // stride


def max_pool(x, size=2, stride=None):
    x = np.asarray(x)
    stride = stride or size
    rows, cols = pool_output_size(x.shape[0], size, stride), pool_output_size(x.shape[1], size, stride)
    out = np.zeros((rows, cols) + x.shape[2:], dtype=x.dtype)
    for r in range(rows):
        for c in range(cols):
            out[r, c] = x[r * stride:r * stride + size, c * stride:c * stride + size].max(axis=(0, 1))
    return out
