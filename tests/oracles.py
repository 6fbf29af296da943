"""Plain-loop oracles for the reference solutions, written independently of ``solutions/``.

Each oracle is the textbook formula of SPEC section 3 as explicit Python loops: slow, but easy
to read and check by eye. They never import from ``solutions`` or ``exercises``, so a bug in
the reference cannot hide in its own oracle. At the end: the tolerance rule of SPEC section 2
and the hypothesis strategies for arrays of every dtype the tests use.
"""

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st


def pad_spatial(x: np.ndarray, pad: int) -> np.ndarray:
    """Zero-pad the first two axes of an (H, W) or (H, W, C) array, element by element."""
    x = np.asarray(x)
    height, width = x.shape[0], x.shape[1]
    padded = np.zeros((height + 2 * pad, width + 2 * pad, *x.shape[2:]), dtype=np.float64)
    for i in range(height):
        for j in range(width):
            padded[i + pad, j + pad] = x[i, j]
    return padded


def conv_layer_loops(image: np.ndarray, kernels: np.ndarray, bias: np.ndarray | None = None,
                     padding: int = 0, stride: int = 1) -> np.ndarray:
    """``out[i, j, o] = sum_{a,b,c} xp[i*s+a, j*s+b, c] * kernels[a, b, c, o] + bias[o]``.

    Six nested loops over output row, output column, output channel and the kernel's rows,
    columns and input channels.
    """
    xp = pad_spatial(image, padding)
    kh, kw, c_in, c_out = kernels.shape
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1
    out = np.zeros((h_out, w_out, c_out))
    for i in range(h_out):
        for j in range(w_out):
            for o in range(c_out):
                total = 0.0
                for a in range(kh):
                    for b in range(kw):
                        for c in range(c_in):
                            total += xp[i * stride + a, j * stride + b, c] * kernels[a, b, c, o]
                out[i, j, o] = total + (0.0 if bias is None else bias[o])
    return out


def pool_loops(x: np.ndarray, size: int, stride: int | None, how: str) -> np.ndarray:
    """Max- (``how="max"``) or average- (``how="mean"``) pooling by loops over every window.

    ``x`` is (H, W) or (H, W, C); the result has the same number of axes.
    """
    stride = size if stride is None else stride
    x3 = x[:, :, np.newaxis] if x.ndim == 2 else x
    h_out = (x3.shape[0] - size) // stride + 1
    w_out = (x3.shape[1] - size) // stride + 1
    out = np.zeros((h_out, w_out, x3.shape[2]))
    for i in range(h_out):
        for j in range(w_out):
            for c in range(x3.shape[2]):
                # Python floats: a sum of uint8 numpy scalars would wrap around at 256.
                window = [float(x3[i * stride + a, j * stride + b, c])
                          for a in range(size) for b in range(size)]
                out[i, j, c] = max(window) if how == "max" else sum(window) / len(window)
    return out[:, :, 0] if x.ndim == 2 else out


def receptive_field_recurrence(windows: list[tuple[int, int]]) -> tuple[int, int]:
    """The textbook recurrence over ``(kernel, stride)`` pairs: ``r += (k-1)*j; j *= s``.

    Returns ``(receptive field, jump)``, where the jump is the effective stride.
    """
    field, jump = 1, 1
    for kernel, stride in windows:
        field = field + (kernel - 1) * jump
        jump = jump * stride
    return field, jump


def min_max_loops(values: list[float]) -> list[float]:
    """Min-max scale a list of numbers to [0, 1] one by one; a constant list gives zeros."""
    low, high = min(values), max(values)
    if high == low:
        return [0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]



def assert_close(actual, expected) -> None:
    """SPEC section 2's rule: ``max|actual - expected| <= 1e-5 * max(1, max|expected|)``,
    with equal shapes. Written out here so the tests do not lean on ``cnnlab.result_rules``."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    if expected.size == 0:
        return
    error = float(np.max(np.abs(actual - expected)))
    bound = 1e-5 * max(1.0, float(np.max(np.abs(expected))))
    assert error <= bound, f"max error {error} > {bound}\nactual:\n{actual}\nexpected:\n{expected}"


# The dtypes the tests feed to the array functions: students' images are often uint8.
DTYPES = (np.uint8, np.int32, np.int64, np.float32, np.float64)


def elements_for(dtype) -> st.SearchStrategy:
    """Values for an array of ``dtype``: small, so integer sums cannot overflow."""
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return st.integers(0, 255)
    if dtype.kind == "i":
        return st.integers(-50, 50)
    return st.floats(-10, 10, width=8 * dtype.itemsize, allow_nan=False)


def arrays_of(dtype, shape: tuple[int, ...]) -> st.SearchStrategy:
    """Arrays of ``dtype`` and ``shape`` with values from :func:`elements_for`."""
    return hnp.arrays(dtype, shape, elements=elements_for(dtype))
