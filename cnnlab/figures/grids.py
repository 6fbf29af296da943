"""Arrays drawn as grids of numbered cells, and one step of convolution or pooling."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnnlab.figures.render import new_figure
from solutions.convolution import conv2d
from solutions.pooling import avg_pool, max_pool

WINDOW_COLOURS = ["tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple",
                  "tab:cyan", "tab:olive", "tab:pink"]
CELL = 0.45  # inches per grid cell
EDGE = 0.05  # cells of margin around a grid, so that its outer lines are drawn whole


def _format(value: float, fmt: str | None) -> str:
    if fmt is not None:
        return format(value, fmt)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}"


def draw_grid(ax: Axes, array: np.ndarray, fmt: str | None = None,
              shown: np.ndarray | None = None, fill: np.ndarray | None = None) -> None:
    """Draw a 2-D array as cells with their numbers; ``shown`` masks which numbers appear."""
    rows, cols = array.shape
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    # One collection, not a patch per cell: drawn in one go (a failure picture in half the
    # time, benchmarks/DIARY.md 2026-12-08).
    ax.add_collection(PatchCollection(
        [Rectangle((c, r), 1, 1) for r, c in cells], edgecolors="0.3", linewidths=1,
        facecolors=["white" if fill is None else fill[r, c] for r, c in cells]))
    for r, c in cells:
        if shown is None or shown[r, c]:
            ax.text(c + 0.5, r + 0.5, _format(array[r, c], fmt),
                    ha="center", va="center", fontsize=10)
    # A margin around the cells: limits at the edge lines would clip their outer half.
    ax.set_xlim(-EDGE, cols + EDGE)
    ax.set_ylim(rows + EDGE, -EDGE)  # row 0 at the top, as an image
    ax.set_aspect("equal")
    ax.set_xticks([])  # hidden by axis("off"), yet laid out: 40 % of the time of a picture
    ax.set_yticks([])
    ax.axis("off")


def outline(ax: Axes, row: int, col: int, height: int, width: int,
            colour: str = "tab:red", lw: float = 3) -> None:
    """A thick rectangle around the cells ``[row:row+height, col:col+width]``."""
    ax.add_patch(Rectangle((col, row), width, height, fill=False, edgecolor=colour, lw=lw))


def _as_grid(array, name: str) -> np.ndarray:
    array = np.asarray(array, dtype=float)
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got ndim={array.ndim}")
    return array


def value_grid(array, ax: Axes | None = None, title: str = "",
               highlight: tuple[int, int, int, int] | None = None,
               fmt: str | None = None) -> Figure:
    """A 2-D array as a grid with its numbers; ``highlight`` = (row, col, height, width)."""
    array = _as_grid(array, "array")
    if ax is None:
        rows, cols = array.shape
        fig = new_figure(max(1.5, CELL * cols + 0.3), CELL * rows + 0.6)
        ax = fig.add_subplot()
    draw_grid(ax, array, fmt)
    if highlight is not None:
        outline(ax, *highlight)
    ax.set_title(title)
    figure = ax.figure
    return figure if isinstance(figure, Figure) else figure.figure  # a subfigure's own figure


def conv_step(image, kernel, padding: int = 0, stride: int = 1,
              position: tuple[int, int] = (0, 0), show_output: bool = True) -> Figure:
    """Padded input with the window of output ``position``, the kernel, the partial output.

    ``show_output=False`` leaves the numbers out of the output grid (its cells stay filled),
    e.g. for an exam question that asks for one of them.
    """
    image, kernel = _as_grid(image, "image"), _as_grid(kernel, "kernel")
    out = conv2d(image, kernel, padding=padding, stride=stride)
    i, j = position
    if not (0 <= i < out.shape[0] and 0 <= j < out.shape[1]):
        raise ValueError(f"position {position} is outside the output of shape {out.shape}")
    padded = np.pad(image, padding)
    fill = np.full(padded.shape, "lightsteelblue", dtype=object)
    is_pad = np.ones(padded.shape, dtype=bool)
    is_pad[padding:padding + image.shape[0], padding:padding + image.shape[1]] = False
    fill[is_pad] = "whitesmoke"  # padding cells: pale grey
    done = np.arange(out.size).reshape(out.shape) <= i * out.shape[1] + j

    widths = [padded.shape[1], kernel.shape[1], out.shape[1]]
    height = max(padded.shape[0], kernel.shape[0], out.shape[0])
    fig = new_figure(CELL * (sum(widths) + 3), CELL * height + 0.9)
    axes = fig.subplots(1, 3, width_ratios=widths)
    draw_grid(axes[0], padded, fill=fill)
    outline(axes[0], i * stride, j * stride, *kernel.shape)
    axes[0].set_title(f"input (padding {padding}, stride {stride})")
    draw_grid(axes[1], kernel, fill=np.full(kernel.shape, "mistyrose", dtype=object))
    axes[1].set_title("kernel")
    out_fill = np.where(done, "paleturquoise", "white").astype(object)
    draw_grid(axes[2], out, shown=done & show_output, fill=out_fill)
    outline(axes[2], i, j, 1, 1)
    axes[2].set_title("output")
    return fig


def pool_step(x, size: int = 2, stride: int | None = None, mode: str = "max",
              position: tuple[int, int] | None = None, show_output: bool = True) -> Figure:
    """Input with coloured pooling windows and the output; ``position=None`` shows all.

    ``show_output=False`` leaves the numbers out of the output grid (its cells stay coloured).
    """
    x = _as_grid(x, "x")
    pools = {"max": max_pool, "avg": avg_pool}
    if mode not in pools:
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    stride = size if stride is None else stride
    out = pools[mode](x, size=size, stride=stride)
    cells = [(r, c) for r in range(out.shape[0]) for c in range(out.shape[1])]
    if position is not None:
        row, col = position
        if (row, col) not in cells:
            raise ValueError(f"position {position} is outside the output of shape {out.shape}")
        cells = [(row, col)]
    fmt = None if mode == "max" else ".2f"

    fig = new_figure(CELL * (x.shape[1] + out.shape[1] + 3), CELL * x.shape[0] + 0.9)
    axes = fig.subplots(1, 2, width_ratios=[x.shape[1], out.shape[1]])
    draw_grid(axes[0], x)
    out_fill = np.full(out.shape, "white", dtype=object)
    shown = np.zeros(out.shape, dtype=bool)
    for r, c in cells:
        colour = WINDOW_COLOURS[(r * out.shape[1] + c) % len(WINDOW_COLOURS)]
        outline(axes[0], r * stride, c * stride, size, size, colour=colour)
        out_fill[r, c] = colour
        shown[r, c] = show_output
    draw_grid(axes[1], out, fmt=fmt, shown=shown, fill=out_fill)
    for patch in axes[1].patches:
        patch.set_alpha(0.5)
    axes[0].set_title(f"input ({size}x{size} windows, stride {stride})")
    axes[1].set_title(f"{mode} pooling")
    return fig
