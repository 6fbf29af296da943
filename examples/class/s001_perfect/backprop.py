import numpy as np

from exercises.validation import check_fits, check_ndim, check_non_negative, check_positive


def _checked_d_out(d_out, shape):
    d_out = np.asarray(d_out, dtype=float)
    if d_out.shape != tuple(shape):
        raise ValueError(f"d_out must have shape {tuple(shape)}, got {d_out.shape}")
    return d_out


def conv_layer_backward(d_out, image, kernels, padding=0, stride=1):
    image, kernels = np.asarray(image, dtype=float), np.asarray(kernels, dtype=float)
    check_ndim("image", image, 3)
    check_ndim("kernels", kernels, 4)
    if kernels.size == 0:
        raise ValueError("kernels must not be empty")
    kh, kw, c_in, c_out = kernels.shape
    if image.shape[2] != c_in:
        raise ValueError("image and kernels have a different number of channels")
    padding = check_non_negative("padding", padding)
    stride = check_positive("stride", stride)
    xp = np.pad(image, ((padding, padding), (padding, padding), (0, 0)))
    check_fits("kernel height", kh, "padded image height", xp.shape[0])
    check_fits("kernel width", kw, "padded image width", xp.shape[1])
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1
    d_out = _checked_d_out(d_out, (h_out, w_out, c_out))
    d_xp = np.zeros(xp.shape)
    d_kernels = np.zeros(kernels.shape)
    for i in range(h_out):
        for j in range(w_out):
            rows = slice(i * stride, i * stride + kh)
            cols = slice(j * stride, j * stride + kw)
            # every weight met one pixel of this window: each gets the output's gradient
            d_kernels += xp[rows, cols, :, np.newaxis] * d_out[i, j]
            d_xp[rows, cols] += kernels @ d_out[i, j]
    d_image = d_xp[padding:padding + image.shape[0], padding:padding + image.shape[1]]
    return d_image, d_kernels, d_out.sum(axis=(0, 1))


def _pool_backward(d_out, x, size, stride, share):
    x = np.asarray(x)
    check_ndim("x", x, 2, 3)
    size = check_positive("size", size)
    stride = size if stride is None else check_positive("stride", stride)
    check_fits("size", size, "height", x.shape[0])
    check_fits("size", size, "width", x.shape[1])
    h = (x.shape[0] - size) // stride + 1
    w = (x.shape[1] - size) // stride + 1
    d_out = _checked_d_out(d_out, (h, w) + x.shape[2:])
    x3 = x.reshape(x.shape[0], x.shape[1], -1)
    g3 = d_out.reshape(h, w, -1)
    d_x = np.zeros(x3.shape)
    for i in range(h):
        for j in range(w):
            for c in range(x3.shape[2]):
                window = x3[i * stride:i * stride + size, j * stride:j * stride + size, c]
                d_x[i * stride:i * stride + size, j * stride:j * stride + size, c] += (
                    g3[i, j, c] * share(window))
    return d_x.reshape(x.shape)


def _to_first_max(window):
    mask = np.zeros(window.shape)
    mask[np.unravel_index(np.argmax(window), window.shape)] = 1.0
    return mask


def max_pool_backward(d_out, x, size=2, stride=None):
    return _pool_backward(d_out, x, size, stride, _to_first_max)


def avg_pool_backward(d_out, x, size=2, stride=None):
    return _pool_backward(d_out, x, size, stride,
                          lambda window: np.full(window.shape, 1.0 / window.size))


def relu_backward(d_out, x):
    x = np.asarray(x)
    d_out = _checked_d_out(d_out, x.shape)
    return d_out * (x > 0)


def sigmoid_backward(d_out, x):
    x = np.asarray(x, dtype=float)
    d_out = _checked_d_out(d_out, x.shape)
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return d_out * s * (1 - s)


def _rows(weights, images, labels, learning_rate):
    images = np.asarray(images, dtype=float)
    if images.ndim < 2 or len(images) == 0:
        raise ValueError(f"images must hold a batch of images, got shape {images.shape}")
    rows = images.reshape(len(images), -1)
    if np.shape(weights) != (rows.shape[1],):
        raise ValueError(f"weights must have one weight per pixel ({rows.shape[1]})")
    if np.shape(labels) != (len(rows),):
        raise ValueError(f"labels must have one label per image ({len(rows)})")
    if learning_rate < 0:
        raise ValueError("learning_rate must not be negative")
    return rows


def train_step(weights, bias, images, labels, learning_rate):
    rows = _rows(weights, images, labels, learning_rate)
    weights, labels = np.asarray(weights, dtype=float), np.asarray(labels, dtype=float)
    z = rows @ weights + bias
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    d_z = (p - labels) / len(rows)  # cross-entropy and sigmoid together
    return weights - learning_rate * (rows.T @ d_z), float(bias - learning_rate * d_z.sum())


def fit(weights, bias, images, labels, learning_rate, epochs):
    if epochs < 0:
        raise ValueError("epochs must not be negative")
    _rows(weights, images, labels, learning_rate)
    weights, bias = np.array(weights, dtype=float), float(bias)
    for _ in range(epochs):
        weights, bias = train_step(weights, bias, images, labels, learning_rate)
    return weights, bias
