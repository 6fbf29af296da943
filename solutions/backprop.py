"""Backward passes: the gradients that training a CNN needs (the lecture's "training of CNNs").

Training optimises the weights with respect to a loss ``L``, iteratively: each step needs the
gradient of ``L`` with respect to every weight. Backpropagation gets it layer by layer, from
the output back to the input: a layer's backward function receives ``d_out = dL/d(out)``, the
gradient of the loss with respect to the layer's output, and returns the gradients with respect
to its input (and to its weights). Throughout, ``d_x`` means ``dL/dx``: an array of the shape
of ``x``. Each backward function takes the same arguments as its forward function (with
``d_out`` first) and raises the same ``ValueError``s, and one more: a ``d_out`` that does not
have the forward output's shape.

``numerical_gradient`` is given code: check your backward functions with it.
"""

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from solutions.convolution import conv_layer, sigmoid
from solutions.pooling import avg_pool, max_pool


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """Given code: the gradient of a scalar function ``f`` at ``x`` by central differences.

        d_x[i] ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

    where ``e_i`` is 1 at position ``i`` and 0 elsewhere: two calls of ``f`` per element of
    ``x``, so use it on small arrays only. To check a backward function, take the loss
    ``L = sum(forward(x) * d_out)``: its gradient with respect to ``x`` is what the backward
    function returns for that ``d_out``, e.g. for ReLU
    ``numerical_gradient(lambda v: np.sum(relu(v) * d_out), x)`` is ``relu_backward(d_out, x)``
    (away from the kink at 0).

    Args:
        f: a function of one array (of the shape of ``x``) returning a number.
        x: the point, any shape; it is not modified (``f`` receives copies).
        eps: the step, ``> 0``.

    Returns:
        a float array of the shape of ``x``.
    """
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")
    x = np.array(x, dtype=np.float64)  # a float copy: steps of eps must not be rounded away
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        gradient[index] = (float(f(plus)) - float(f(minus))) / (2 * eps)
    return gradient


def _check_d_out(d_out: np.ndarray, shape: tuple[int, ...], of: str) -> None:
    """Raise ``ValueError`` unless ``d_out`` has the shape of the forward output."""
    if d_out.shape != shape:
        raise ValueError(f"d_out must have the shape of {of} {shape}, got {d_out.shape}")


def conv_layer_backward(d_out: np.ndarray, image: np.ndarray, kernels: np.ndarray,
                        padding: int = 0,
                        stride: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of a convolutional layer (``conv_layer``) with respect to its input, its
    kernels and its biases.

    The forward pass is ``out[i, j, o] = sum_{a,b,c} xp[i*s+a, j*s+b, c] kernels[a, b, c, o]
    + bias[o]`` with ``xp = zero_pad(image, padding)``. Every output pixel adds its gradient
    ``d_out[i, j, o]`` to everything it was computed from:

        d_kernels[a, b, c, o] = sum_{i,j} xp[i*s+a, j*s+b, c] * d_out[i, j, o]
        d_bias[o]             = sum_{i,j} d_out[i, j, o]   (the bias is added at every pixel)
        d_xp[i*s+a, j*s+b, c] += kernels[a, b, c, o] * d_out[i, j, o]   for all i, j, a, b, o
        d_image               = d_xp without the padding

    At stride 1, ``d_image`` is the zero-padded ``d_out`` convolved with the *flipped*
    kernels (a "full" convolution); with a stride, the outputs sit ``stride`` pixels apart.
    The bias does not change any gradient, so it is not an argument.

    Args:
        d_out: ``(Ho, Wo, C_out)``, the shape of ``conv_layer(image, kernels, padding=padding,
            stride=stride)``.
        image: ``(H, W, C_in)``, channels last.
        kernels: ``(kh, kw, C_in, C_out)``, not empty.
        padding: zeros added around the spatial axes, ``>= 0``.
        stride: the step in both directions, ``>= 1``.

    Returns:
        ``(d_image, d_kernels, d_bias)``: float arrays of shapes ``(H, W, C_in)``,
        ``(kh, kw, C_in, C_out)`` and ``(C_out,)``.

    Raises:
        ValueError: for the arguments ``conv_layer`` rejects, and when ``d_out`` does not have
            the shape of the forward output. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        the lecture's 1-D layer as a one-row image: a1 = x1 w1 + x2 w2, a2 = x2 w1 + x3 w2
        with x = (1, 2, 3), w = (1, 2) and dL/da = (1, 1): dL/dx = (w1, w1 + w2, w2) =
        (1, 3, 2), dL/dw = (x1 + x2, x2 + x3) = (3, 5), dL/db = 1 + 1 = 2:

        >>> image = np.array([[[1.0], [2.0], [3.0]]])
        >>> conv_layer_backward(np.ones((1, 2, 1)), image, np.array([[[[1.0]], [[2.0]]]]))
        (array([[[1.],
                 [3.],
                 [2.]]]), array([[[[3.]],
        <BLANKLINE>
                 [[5.]]]]), array([2.]))

        stride 2 with a 1x1 kernel w = 2: the outputs see x1 and x3 only, so x2 gets no
        gradient; dL/dw = x1 + x3 = 4:

        >>> conv_layer_backward(np.ones((1, 2, 1)), image, np.array([[[[2.0]]]]), stride=2)
        (array([[[2.],
                 [0.],
                 [2.]]]), array([[[[4.]]]]), array([2.]))

        d_out must have the forward output's shape, (1, 2, 1) here:

        >>> conv_layer_backward(np.ones((1, 3, 1)), image, np.array([[[[1.0]], [[2.0]]]]))
        Traceback (most recent call last):
        ValueError: d_out must have the shape of the layer's output (1, 2, 1), got (1, 3, 1)
    """
    d_out, image, kernels = np.asarray(d_out), np.asarray(image), np.asarray(kernels)
    ### BEGIN SOLUTION
    out_shape = conv_layer(image, kernels, padding=padding, stride=stride).shape  # checks all
    _check_d_out(d_out, out_shape, "the layer's output")
    h_out, w_out, _ = out_shape
    xp = np.pad(image.astype(np.float64), ((padding, padding), (padding, padding), (0, 0)))
    grad = d_out.astype(np.float64)
    d_xp = np.zeros_like(xp)
    d_kernels = np.zeros(kernels.shape)
    # One kernel offset (a, b) at a time, as in conv_layer: the offset meets the strided view
    # of the pixels it multiplied, for all output pixels at once.
    for a in range(kernels.shape[0]):
        for b in range(kernels.shape[1]):
            seen = (slice(a, a + stride * (h_out - 1) + 1, stride),
                    slice(b, b + stride * (w_out - 1) + 1, stride))
            d_kernels[a, b] = np.tensordot(xp[seen], grad, axes=([0, 1], [0, 1]))
            d_xp[seen] += grad @ kernels[a, b].astype(np.float64).T
    d_image = d_xp[padding:padding + image.shape[0], padding:padding + image.shape[1]]
    return d_image, d_kernels, grad.sum(axis=(0, 1))
    ### END SOLUTION


def max_pool_backward(d_out: np.ndarray, x: np.ndarray, size: int = 2,
                      stride: int | None = None) -> np.ndarray:
    """The gradient of max-pooling (``max_pool``) with respect to its input.

    Only the maximum of a window made it to the output, so only the maximum gets the window's
    gradient; the other elements of the window get 0:

        d_x[i*s + a*, j*s + b*, c] += d_out[i, j, c],   (a*, b*) = where window (i, j) has its
                                                         maximum in channel c

    On ties the *first* maximum of the window, in C order (row by row, as ``np.argmax``
    finds it), gets the gradient, and the others get 0. Where windows overlap
    (``stride < size``), an element that is the maximum of several windows adds up their
    gradients.

    Args:
        d_out: the shape of ``max_pool(x, size, stride)``: ``(Ho, Wo)`` or ``(Ho, Wo, C)``.
        x: ``(H, W)`` or ``(H, W, C)``, the input of the forward pass.
        size: the window's side, ``1 <= size <= min(H, W)``.
        stride: the step between windows, ``>= 1``; None means ``size``.

    Returns:
        an array of the shape of ``x`` (any numeric dtype).

    Raises:
        ValueError: for the arguments ``max_pool`` rejects, and when ``d_out`` does not have
            the shape of the forward output. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        >>> x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])

        the maxima 6, 8, 3 and 4 of the four 2x2 windows get the gradient:

        >>> max_pool_backward(np.array([[1.0, 2.0], [3.0, 4.0]]), x)
        array([[0., 0., 0., 0.],
               [0., 1., 0., 2.],
               [3., 0., 0., 0.],
               [0., 0., 0., 4.]])

        a tie: the first maximum, in C order, gets it:

        >>> max_pool_backward(np.array([[5.0]]), np.array([[2, 2], [1, 2]]))
        array([[5., 0.],
               [0., 0.]])

        overlapping windows add up: the 9 is the maximum of all four windows, 1 + 1 + 1 + 1:

        >>> max_pool_backward(np.ones((2, 2)), np.array([[1, 2, 1], [2, 9, 2], [1, 2, 1]]),
        ...                   stride=1)
        array([[0., 0., 0.],
               [0., 4., 0.],
               [0., 0., 0.]])

        a 4x4 input pools to 2x2, so d_out must be 2x2:

        >>> max_pool_backward(np.ones((3, 3)), x)
        Traceback (most recent call last):
        ValueError: d_out must have the shape of the pooled output (2, 2), got (3, 3)
    """
    d_out, x = np.asarray(d_out), np.asarray(x)
    ### BEGIN SOLUTION
    out_shape = max_pool(x, size, stride).shape  # checks x, size and stride
    _check_d_out(d_out, out_shape, "the pooled output")
    stride = size if stride is None else stride
    x3 = x.reshape(x.shape[0], x.shape[1], -1)  # (H, W) pools as one channel
    grad = d_out.astype(np.float64).reshape(out_shape[0], out_shape[1], -1)
    windows = sliding_window_view(x3, (size, size), axis=(0, 1))[::stride, ::stride]
    first = windows.reshape(*windows.shape[:3], size * size).argmax(axis=3)  # C order
    i, j, c = np.indices(first.shape)
    d_x = np.zeros(x3.shape)
    # np.add.at adds up repeated positions: an element that is the maximum of several
    # overlapping windows receives all their gradients.
    np.add.at(d_x, (i * stride + first // size, j * stride + first % size, c), grad)
    return d_x.reshape(x.shape)
    ### END SOLUTION


def avg_pool_backward(d_out: np.ndarray, x: np.ndarray, size: int = 2,
                      stride: int | None = None) -> np.ndarray:
    """The gradient of average pooling (``avg_pool``) with respect to its input.

    Each element of a window counts ``1 / size**2`` in its mean, so each gets that share of
    the window's gradient; overlapping windows add up:

        d_x[i*s + a, j*s + b, c] += d_out[i, j, c] / size**2   for 0 <= a, b < size

    The values of ``x`` do not matter (the mean is linear), only its shape.

    Args:
        d_out: the shape of ``avg_pool(x, size, stride)``: ``(Ho, Wo)`` or ``(Ho, Wo, C)``.
        x: ``(H, W)`` or ``(H, W, C)``, the input of the forward pass.
        size: the window's side, ``1 <= size <= min(H, W)``.
        stride: the step between windows, ``>= 1``; None means ``size``.

    Returns:
        a float array of the shape of ``x``.

    Raises:
        ValueError: for the arguments ``avg_pool`` rejects, and when ``d_out`` does not have
            the shape of the forward output. Raising it is graded; the message names the
            argument.

    The inputs must not be modified (also graded).

    Examples:
        each 2x2 window spreads its gradient evenly: 4 / 4 = 1 and 8 / 4 = 2:

        >>> avg_pool_backward(np.array([[4.0, 8.0]]), np.zeros((2, 4)))
        array([[1., 1., 2., 2.],
               [1., 1., 2., 2.]])

        overlapping windows add up: the centre is in all four windows, 4 * 1/4 = 1:

        >>> avg_pool_backward(np.ones((2, 2)), np.zeros((3, 3)), stride=1)
        array([[0.25, 0.5 , 0.25],
               [0.5 , 1.  , 0.5 ],
               [0.25, 0.5 , 0.25]])

        a 2x4 input pools to 1x2, so d_out must be 1x2:

        >>> avg_pool_backward(np.array([4.0, 8.0]), np.zeros((2, 4)))
        Traceback (most recent call last):
        ValueError: d_out must have the shape of the pooled output (1, 2), got (2,)
    """
    d_out, x = np.asarray(d_out), np.asarray(x)
    ### BEGIN SOLUTION
    out_shape = avg_pool(x, size, stride).shape  # checks x, size and stride
    _check_d_out(d_out, out_shape, "the pooled output")
    stride = size if stride is None else stride
    share = d_out.astype(np.float64) / size**2
    d_x = np.zeros(x.shape)
    # One window offset (a, b) at a time: it meets one element of every window.
    for a in range(size):
        for b in range(size):
            d_x[a:a + stride * (out_shape[0] - 1) + 1:stride,
                b:b + stride * (out_shape[1] - 1) + 1:stride] += share
    return d_x
    ### END SOLUTION


def relu_backward(d_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The gradient of ``relu`` with respect to its input ``x``, element-wise.

        d_x = d_out   where x > 0
        d_x = 0       where x <= 0   (at the kink x = 0 the gradient is taken to be 0)

    Args:
        d_out: the gradient with respect to ``relu(x)``, the shape of ``x``.
        x: the input of the forward pass, any shape.

    Returns:
        an array of the shape of ``x`` (any numeric dtype).

    Raises:
        ValueError: if ``d_out`` does not have the shape of ``x``.

    The inputs must not be modified (also graded).

    Examples:
        only the positive inputs pass the gradient back; 0 does not:

        >>> relu_backward(np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 2.0]))
        array([0., 0., 3.])

        >>> relu_backward(np.ones(3), np.ones(2))
        Traceback (most recent call last):
        ValueError: d_out must have the shape of x (2,), got (3,)
    """
    d_out, x = np.asarray(d_out), np.asarray(x)
    ### BEGIN SOLUTION
    _check_d_out(d_out, x.shape, "x")
    return np.where(x > 0, d_out, np.zeros_like(d_out))
    ### END SOLUTION


def sigmoid_backward(d_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The gradient of ``sigmoid`` with respect to its input ``x``, element-wise.

        d_x = d_out * sigmoid(x) * (1 - sigmoid(x))

    ``x`` is the *input* of the sigmoid, not its output. Like ``sigmoid``, it must not emit an
    overflow warning for any finite ``x`` (graded as a failure).

    Args:
        d_out: the gradient with respect to ``sigmoid(x)``, the shape of ``x``.
        x: the input of the forward pass, any shape.

    Returns:
        a float array of the shape of ``x``.

    Raises:
        ValueError: if ``d_out`` does not have the shape of ``x``.

    The inputs must not be modified (also graded).

    Examples:
        sigmoid(0) = 0.5 and 0.5 * 0.5 = 0.25; sigmoid(log 3) = 0.75 and 2 * 0.75 * 0.25 =
        0.375:

        >>> sigmoid_backward(np.array([1.0, 2.0]), np.array([0.0, np.log(3.0)]))
        array([0.25 , 0.375])

        the sigmoid is flat far from 0, and there is no overflow:

        >>> sigmoid_backward(np.array([1.0, 1.0]), np.array([-1000.0, 1000.0]))
        array([0., 0.])
    """
    d_out, x = np.asarray(d_out), np.asarray(x)
    ### BEGIN SOLUTION
    _check_d_out(d_out, x.shape, "x")
    s = sigmoid(x)
    return d_out * s * (1.0 - s)
    ### END SOLUTION


def train_step(weights: np.ndarray, bias: float, images: np.ndarray, labels: np.ndarray,
               learning_rate: float) -> tuple[np.ndarray, float]:
    """One step of gradient descent for logistic regression, the lecture's linear model:
    ``p = sigmoid(x . weights + bias)`` for each image ``x`` flattened, trained on the mean
    cross-entropy ``L = -mean(y log p + (1 - y) log(1 - p))`` of the batch.

    Its gradients, for the ``N`` images of the batch as the rows of ``X`` (``N x D``):

        d_z = (p - y) / N           (dL/dz for z = X . weights + bias: the sigmoid's and
                                     the cross-entropy's derivatives together)
        d_weights = X^T . d_z       d_bias = sum(d_z)

    and the step goes *against* the gradient, by ``learning_rate``:

        weights - learning_rate * d_weights,   bias - learning_rate * d_bias

    Args:
        weights: ``(D,)``, one weight per pixel (and channel) of an image: ``D = H*W*C``.
        bias: a number.
        images: ``(N, ...)``, ``N >= 1`` images of ``D`` values each (``(N, H, W, C)``).
        labels: ``(N,)``, each 0 or 1.
        learning_rate: ``>= 0``.

    Returns:
        ``(new_weights, new_bias)``: a float array ``(D,)`` and a float. New values: the
        inputs must not be modified (also graded).

    Raises:
        ValueError: if ``images`` has fewer than 2 dimensions or holds no image, if
            ``weights`` is not ``(D,)``, if ``labels`` is not ``(N,)``, or if
            ``learning_rate`` is negative.

    Examples:
        all weights 0 give p = 0.5 for every image; with y = (1, 0), d_z = (-0.25, 0.25),
        so d_weights = -0.25 * (1, 2) + 0.25 * (3, 4) = (0.5, 0.5) and d_bias = 0:

        >>> train_step(np.zeros(2), 0.0, np.array([[1.0, 2.0], [3.0, 4.0]]),
        ...            np.array([1, 0]), 0.1)
        (array([-0.05, -0.05]), 0.0)

        a learning rate of 0 changes nothing:

        >>> train_step(np.array([1.0, -1.0]), 0.5, np.array([[1.0, 2.0]]), np.array([1]), 0.0)
        (array([ 1., -1.]), 0.5)
    """
    weights, images, labels = np.asarray(weights), np.asarray(images), np.asarray(labels)
    ### BEGIN SOLUTION
    x = _flat_images(images, weights, labels, learning_rate)
    p = sigmoid(x @ weights + bias)
    d_z = (p - labels) / len(x)
    return weights - learning_rate * (x.T @ d_z), float(bias - learning_rate * d_z.sum())
    ### END SOLUTION


def _flat_images(images: np.ndarray, weights: np.ndarray, labels: np.ndarray,
                 learning_rate: float) -> np.ndarray:
    """``images`` as the rows of a float matrix, once every argument of ``train_step`` is
    valid (else ``ValueError`` naming the argument)."""
    if images.ndim < 2 or len(images) == 0:
        raise ValueError(f"images must be (N, ...) with N >= 1 images, got shape {images.shape}")
    x = images.reshape(len(images), -1).astype(np.float64)
    if weights.shape != (x.shape[1],):
        raise ValueError(f"weights must be ({x.shape[1]},), one per value of an image, got "
                         f"shape {weights.shape}")
    if labels.shape != (len(x),):
        raise ValueError(f"labels must be ({len(x)},), one per image, got shape "
                         f"{labels.shape}")
    if learning_rate < 0:
        raise ValueError(f"learning_rate must not be negative, got {learning_rate}")
    return x


def fit(weights: np.ndarray, bias: float, images: np.ndarray, labels: np.ndarray,
        learning_rate: float, epochs: int) -> tuple[np.ndarray, float]:
    """Train the linear model: ``epochs`` steps of ``train_step``, each on the whole training
    set, starting from ``weights`` and ``bias``; "optimise the weights with respect to a loss
    function, iteratively", as the lecture says.

    Args:
        weights, bias, images, labels, learning_rate: as for ``train_step``.
        epochs: the number of steps, ``>= 0``.

    Returns:
        the trained ``(weights, bias)``: a float array ``(D,)`` and a float, also for 0 epochs
        (the given ones, as floats). The inputs must not be modified (also graded).

    Raises:
        ValueError: if ``epochs`` is negative, and as ``train_step``.

    Graded also by what it learns: trained on a seeded problem of small patches, the weights
    it returns must classify a validation set well (docs/backprop.md gives the threshold).

    Examples:
        0 epochs return the start as it is; 1 epoch is one train_step (its first example):

        >>> fit(np.zeros(2), 0.0, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 0]), 0.1, 0)
        (array([0., 0.]), 0.0)

        >>> fit(np.zeros(2), 0.0, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 0]), 0.1, 1)
        (array([-0.05, -0.05]), 0.0)

        >>> fit(np.zeros(2), 0.0, np.array([[1.0, 2.0]]), np.array([1]), 0.1, -1)
        Traceback (most recent call last):
        ValueError: epochs must not be negative, got -1
    """
    weights, images, labels = np.asarray(weights), np.asarray(images), np.asarray(labels)
    ### BEGIN SOLUTION
    if epochs < 0:
        raise ValueError(f"epochs must not be negative, got {epochs}")
    _flat_images(images, weights, labels, learning_rate)
    weights, bias = weights.astype(np.float64), float(bias)
    for _ in range(epochs):
        weights, bias = train_step(weights, bias, images, labels, learning_rate)
    return weights, bias
    ### END SOLUTION
