"""The phantom through edge kernels, ReLU and max pooling, with the reference functions."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from cnnlab.figures.phantom import phantom
from cnnlab.figures.render import new_figure
from solutions.convolution import conv2d, relu
from solutions.pooling import max_pool

SOBEL = {"vertical edges": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float),
         "horizontal edges": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=float)}


def feature_maps(image: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Named stages: input, then per kernel conv (padding 1), ReLU and 2x2 max pooling."""
    image = phantom() if image is None else np.asarray(image, dtype=float)
    stages = {"input": image}
    for name, kernel in SOBEL.items():
        response = conv2d(image, kernel, padding=1)
        stages[f"conv: {name}"] = response
        stages[f"ReLU: {name}"] = relu(response)
        stages[f"max pool 2x2: {name}"] = max_pool(relu(response), size=2)
    return stages


def feature_map_figure(image: np.ndarray | None = None) -> Figure:
    """Rows: one per kernel; columns: input, convolution, ReLU, max pooling."""
    stages = feature_maps(image)
    fig = new_figure(10, 2.6 * len(SOBEL) + 0.4)
    axes = fig.subplots(len(SOBEL), 4, squeeze=False)
    for row, name in enumerate(SOBEL):
        shown = [("input", stages["input"], "gray"),
                 (f"conv: {name}", stages[f"conv: {name}"], "coolwarm"),
                 ("ReLU", stages[f"ReLU: {name}"], "gray"),
                 ("max pool 2x2", stages[f"max pool 2x2: {name}"], "gray")]
        for ax, (title, array, cmap) in zip(axes[row], shown, strict=True):
            limit = np.abs(array).max() or 1.0
            low = -limit if cmap == "coolwarm" else None
            ax.imshow(array, cmap=cmap, vmin=low, vmax=limit if low is not None else None,
                      interpolation="nearest")
            ax.set_title(f"{title} {array.shape[0]}x{array.shape[1]}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    return fig
