"""The weights of one unit that sees a 24x24x3 image, shown as an image (as in the lecture)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from cnnlab.figures.render import new_figure
from solutions.weights import weights_as_image

SHAPE = (24, 24, 3)


def example_weights(seed: int = 0) -> dict[str, np.ndarray]:
    """A smooth weight vector (a blob detector) and the same with heavy noise, standing in for
    a unit trained on too few samples."""
    rows, cols = np.mgrid[0:24, 0:24]
    blob = np.exp(-((rows - 11.5) ** 2 + (cols - 11.5) ** 2) / 40.0)
    smooth = np.stack([blob, 0.6 * blob, -0.4 * blob], axis=-1)
    noise = np.random.default_rng(seed).normal(scale=0.3, size=SHAPE)
    return {"few training samples (noisy)": (smooth + noise).ravel(),
            "many training samples (smooth)": smooth.ravel()}


def weights_images(weights: dict[str, np.ndarray] | None = None) -> Figure:
    """Each 1728-weight vector reshaped to 24x24x3 and scaled to [0, 1]."""
    weights = example_weights() if weights is None else weights
    fig = new_figure(2.6 * len(weights), 2.9)
    for ax, (name, vector) in zip(fig.subplots(1, len(weights), squeeze=False)[0],
                                  weights.items(), strict=True):
        ax.imshow(weights_as_image(vector, SHAPE), interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("1728 weights of one unit as a 24x24x3 image")
    return fig
