import numpy as np

from exercises.padding import zero_pad


def conv1d(x, w, padding=0, stride=1)
    xp = zero_pad(np.asarray(x, dtype=float), padding)
    k = len(w)
    return np.array([xp[i:i + k] @ w for i in range(0, len(xp) - k + 1, stride)])


def relu(x):
    return np.maximum(x, 0)
