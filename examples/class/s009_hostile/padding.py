import numpy as np


def zero_pad(x, pad):
    x = np.asarray(x)
    if pad < 0:
        raise ValueError(f"pad = {pad} is negative")
    if not 1 <= x.ndim <= 3:
        raise ValueError(f"x has ndim {x.ndim}, must be 1, 2 or 3")
    out = np.zeros([n + 2 * pad if axis < 2 else n for axis, n in enumerate(x.shape)], x.dtype)
    out[tuple(slice(pad, pad + n) if axis < 2 else slice(None)
              for axis, n in enumerate(x.shape))] = x
    return out
