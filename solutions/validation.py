"""Small argument checks shared by the exercises.

Given code: students receive this module as it is and may use it in their answers.
Every check raises ``ValueError`` with a message that names the argument and the reason.
"""

import operator

import numpy as np


def check_positive(name: str, value: int) -> int:
    """Return ``value`` as an int, or raise ``ValueError`` if it is below 1."""
    value = operator.index(value)  # 1.5 raises TypeError: sizes are whole numbers
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def check_non_negative(name: str, value: int) -> int:
    """Return ``value`` as an int, or raise ``ValueError`` if it is negative."""
    value = operator.index(value)
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def check_ndim(name: str, array: np.ndarray, *allowed: int) -> None:
    """Raise ``ValueError`` unless ``array.ndim`` is one of ``allowed``."""
    if array.ndim not in allowed:
        options = " or ".join(str(n) for n in allowed)
        raise ValueError(f"{name} must have ndim {options}, got ndim {array.ndim} "
                         f"(shape {array.shape})")


def check_fits(window: str, window_size: int, into: str, size: int) -> None:
    """Raise ``ValueError`` if a window of ``window_size`` does not fit in ``size``."""
    if window_size > size:
        raise ValueError(f"{window} ({window_size}) is larger than {into} ({size})")


def check_pool_window(x: np.ndarray, size: int, stride: int | None) -> int:
    """Check pooling's ``size`` and ``stride`` (None: ``size``) on ``x`` of ``(H, W, ...)``, in
    ``pool_output_size``'s order, and return the stride. A window larger than ``x`` names
    ``x``'s side: pooling has no ``input_size`` of its own."""
    size = check_positive("size", size)
    stride = size if stride is None else check_positive("stride", stride)
    for side, length in zip(("height", "width"), x.shape[:2], strict=False):
        check_fits("the pooling window size", size, f"the {side} of x", length)
    return stride
