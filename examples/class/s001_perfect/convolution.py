import numpy as np

from exercises.padding import conv_output_size, zero_pad
from exercises.validation import check_fits, check_ndim, check_non_negative


def conv1d(x, w, padding=0, stride=1):
    x, w = np.asarray(x), np.asarray(w)
    check_ndim("x", x, 1)
    check_ndim("w", w, 1)
    if w.size == 0:
        raise ValueError("w is empty")
    padding = check_non_negative("padding", padding)
    check_fits("w", w.size, "the padded x", x.size + 2 * padding)  # x may be empty
    n_out = conv_output_size(x.size + 2 * padding, w.size, 0, stride)
    xp = zero_pad(x, padding).astype(float)
    out = np.zeros(n_out)
    for i in range(n_out):
        for j in range(w.size):
            out[i] += xp[i * stride + j] * w[j]
    return out


def conv2d(image, kernel, padding=0, stride=1):
    image, kernel = np.asarray(image), np.asarray(kernel)
    check_ndim("image", image, 2)
    check_ndim("kernel", kernel, 2)
    out = conv_layer(image[:, :, None], kernel[:, :, None, None], None, padding, stride)
    return out[:, :, 0]


def conv_layer(image, kernels, bias=None, padding=0, stride=1):
    image, kernels = np.asarray(image), np.asarray(kernels)
    check_ndim("image", image, 3)
    check_ndim("kernels", kernels, 4)
    if kernels.size == 0:
        raise ValueError("kernels is empty")
    kh, kw, c_in, c_out = kernels.shape
    if image.shape[2] != c_in:
        raise ValueError("image channels do not match the kernels' C_in")
    if bias is not None and np.shape(bias) != (c_out,):
        raise ValueError("bias must have shape (C_out,)")
    padding = check_non_negative("padding", padding)
    for axis, k in enumerate((kh, kw)):  # in our own words: conv_output_size says kernel_size
        check_fits("kernels", k, "the padded image", image.shape[axis] + 2 * padding)
    h_out = conv_output_size(image.shape[0], kh, padding, stride)
    w_out = conv_output_size(image.shape[1], kw, padding, stride)
    xp = zero_pad(image, padding).astype(float)
    out = np.zeros((h_out, w_out, c_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            for o in range(c_out):
                out[i, j, o] = np.sum(window * kernels[:, :, :, o])
    if bias is not None:
        out = out + np.asarray(bias)
    return out


def relu(x):
    x = np.asarray(x)
    return np.where(x > 0, x, 0)


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1 + e)
    return out



def dilated_conv2d(image, kernel, dilation=1, padding=0, stride=1):
    image, kernel = np.asarray(image), np.asarray(kernel)
    check_ndim("image", image, 2)
    check_ndim("kernel", kernel, 2)
    if kernel.size == 0:
        raise ValueError("kernel is empty")
    if dilation < 1:
        raise ValueError("dilation must be at least 1")
    kh, kw = kernel.shape
    padding = check_non_negative("padding", padding)
    # The kernel's taps are dilation pixels apart: it spans (k - 1) * dilation + 1 pixels.
    for axis, k in enumerate((kh, kw)):
        check_fits("the dilated kernel", (k - 1) * dilation + 1, "the padded image",
                   image.shape[axis] + 2 * padding)
    h_out = conv_output_size(image.shape[0], (kh - 1) * dilation + 1, padding, stride)
    w_out = conv_output_size(image.shape[1], (kw - 1) * dilation + 1, padding, stride)
    xp = zero_pad(image, padding).astype(float)
    out = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            for a in range(kh):
                for b in range(kw):
                    out[i, j] += xp[i * stride + a * dilation, j * stride + b * dilation] \
                        * kernel[a, b]
    return out
