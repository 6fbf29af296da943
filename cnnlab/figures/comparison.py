"""A student's result next to the expected one, with their difference (grading feedback)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cnnlab.figures.grids import draw_grid
from cnnlab.result_rules import RELATIVE_TOLERANCE

MAX_CHANNELS = 3  # a 3-D result shows at most this many channels
MAX_CELLS = 12  # larger arrays are drawn as images instead of numbered grids


def _channels(array: np.ndarray, name: str) -> list[tuple[str, np.ndarray]]:
    """2-D slices to draw: a 1-D array is one row, a 3-D array its first channels."""
    if array.ndim == 0:
        return [(name, array.reshape(1, 1))]
    if array.ndim == 1:
        return [(name, array.reshape(1, -1))]
    if array.ndim == 2:
        return [(name, array)]
    if array.ndim == 3:
        shown = min(array.shape[2], MAX_CHANNELS)
        return [(f"{name}[..., {c}]", array[:, :, c]) for c in range(shown)]
    raise ValueError(f"{name} must have ndim 0 to 3, got ndim={array.ndim}")


def _draw(ax: Axes, array: np.ndarray, title: str, cmap: str = "gray",
          wrong: np.ndarray | None = None) -> None:
    """Small arrays as numbered grids (``wrong`` cells in red), large ones as images."""
    if max(array.shape) <= MAX_CELLS:
        fill = None if wrong is None else np.where(wrong, "salmon", "white").astype(object)
        fmt = None if np.all(array == np.round(array)) else ".2f"
        draw_grid(ax, array, fmt=fmt, fill=fill)
    else:
        image = ax.imshow(array, cmap=cmap)
        ax.figure.colorbar(image, ax=ax, shrink=0.7)
        ax.set_xticks([])
        ax.set_yticks([])
    ax.set_title(title, fontsize=9)


def _wrong_cells(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Cells outside the grading tolerance of SPEC section 2 (NaN counts as wrong)."""
    tolerance = RELATIVE_TOLERANCE * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return ~(np.abs(actual - expected) <= tolerance)


def side_by_side(expected, actual, input=None, title: str = "", kernel=None,
                 names: tuple[str, ...] = ("input", "kernel")) -> Figure:
    """Columns: input and kernel (optional), expected, actual and, when the shapes agree,
    actual - expected: with the kernel, every expected value can be checked by hand.
    ``names`` titles the first two columns (a function's own argument names).

    One row per shown channel. With different shapes both are drawn and the title says
    "shapes differ".
    """
    expected = np.asarray(expected, dtype=float)
    actual = np.asarray(actual, dtype=float)
    same = expected.shape == actual.shape
    columns = [] if input is None else [_channels(np.asarray(input, dtype=float), names[0])]
    if kernel is not None:
        columns.append(_channels(np.asarray(kernel, dtype=float), names[1]))
    columns += [_channels(expected, "expected"), _channels(actual, "actual")]
    if same:
        columns.append(_channels(actual - expected, "actual - expected"))
    rows = max(len(column) for column in columns)
    wrong = _channels(_wrong_cells(expected, actual), "wrong") if same else []

    height = 2.4 * rows + 0.5
    # A fixed layout: constrained layout took a third of a picture's time, and the panels
    # are alike (a grader draws one picture per failed check).
    fig = Figure(figsize=(2.8 * len(columns), height))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.45 / height,
                        wspace=0.15, hspace=0.3)
    axes = np.atleast_2d(fig.subplots(rows, len(columns), squeeze=False))
    for c, column in enumerate(columns):
        for r in range(rows):
            is_difference = same and c == len(columns) - 1
            if r < len(column):
                _draw(axes[r, c], column[r][1], column[r][0],
                      cmap="coolwarm" if is_difference else "gray",
                      wrong=wrong[r][1] if is_difference or (same and c == len(columns) - 2)
                      else None)
            else:
                axes[r, c].axis("off")
    if not same:
        title = f"{title}  shapes differ: expected {expected.shape}, actual {actual.shape}"
    fig.suptitle(title.strip())
    return fig
