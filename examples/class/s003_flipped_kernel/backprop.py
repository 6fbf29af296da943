import numpy as np
from scipy.signal import correlate2d


def conv_layer_backward(d_out, image, kernels, padding=0, stride=1):
    image = np.pad(np.asarray(image, dtype=float), ((padding, padding), (padding, padding), (0, 0)))
    kernels, d_out = np.asarray(kernels, dtype=float), np.asarray(d_out, dtype=float)
    kh, kw, c_in, c_out = kernels.shape
    spread = np.zeros(((d_out.shape[0] - 1) * stride + 1, (d_out.shape[1] - 1) * stride + 1,
                       c_out))
    spread[::stride, ::stride] = d_out
    d_image, d_kernels = np.zeros(image.shape), np.zeros(kernels.shape)
    for c in range(c_in):
        for o in range(c_out):
            d_kernels[:, :, c, o] = correlate2d(image[:, :, c], spread[:, :, o], "valid")[:kh, :kw]
            full = correlate2d(spread[:, :, o], kernels[:, :, c, o], "full")
            d_image[:full.shape[0], :full.shape[1], c] += full
    h, w = image.shape[0] - 2 * padding, image.shape[1] - 2 * padding
    return d_image[padding:padding + h, padding:padding + w], d_kernels, d_out.sum(axis=(0, 1))
