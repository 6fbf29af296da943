"""A synthetic grey 'medical' image made in code: a body ellipse with organs, a lesion, noise."""

from __future__ import annotations

import numpy as np


def _ellipse(rows: np.ndarray, cols: np.ndarray, centre: tuple[float, float],
             radii: tuple[float, float]) -> np.ndarray:
    return ((rows - centre[0]) / radii[0]) ** 2 + ((cols - centre[1]) / radii[1]) ** 2 <= 1


def phantom(size: int = 64, noise: float = 0.03, seed: int = 0) -> np.ndarray:
    """A ``(size, size)`` float image in [0, 1]: body, two 'lungs', a bright lesion, noise."""
    if size < 16:
        raise ValueError(f"size must be at least 16, got {size}")
    rows, cols = np.mgrid[0:size, 0:size] / size
    image = np.zeros((size, size))
    image[_ellipse(rows, cols, (0.5, 0.5), (0.42, 0.34))] = 0.6  # body
    image[_ellipse(rows, cols, (0.45, 0.36), (0.22, 0.1))] = 0.2  # left lung
    image[_ellipse(rows, cols, (0.45, 0.64), (0.22, 0.1))] = 0.2  # right lung
    image[_ellipse(rows, cols, (0.75, 0.5), (0.07, 0.12))] = 0.8  # an organ
    image[_ellipse(rows, cols, (0.38, 0.62), (0.05, 0.05))] = 1.0  # a lesion in a lung
    image += np.random.default_rng(seed).normal(scale=noise, size=image.shape)
    return np.clip(image, 0.0, 1.0)
