"""1-D layers as node-link diagrams: dense, sparse (local) and shared (convolutional)."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cnnlab.figures.render import new_figure
from solutions.weights import dense_weights, shared_weights, sparse_weights

EDGE_COLOURS = ["tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown",
                "tab:pink", "tab:gray", "tab:olive", "tab:cyan", "gold", "navy", "lime",
                "teal", "maroon"]


def edges(kind: str, n_inputs: int, n_outputs: int, kernel_size: int) -> list[tuple[int, int, int]]:
    """(input, output, weight id) of every connection; equal ids are one shared weight."""
    if kind == "dense":
        return [(i, o, o * n_inputs + i) for o in range(n_outputs) for i in range(n_inputs)]
    if kind == "sparse":
        return [(o + j, o, o * kernel_size + j) for o in range(n_outputs)
                for j in range(kernel_size)]
    if kind == "shared":
        return [(o + j, o, j) for o in range(n_outputs) for j in range(kernel_size)]
    raise ValueError(f"kind must be 'dense', 'sparse' or 'shared', got {kind!r}")


def _draw_layer(ax: Axes, kind: str, n_inputs: int, kernel_size: int, count: int) -> None:
    n_outputs = n_inputs - kernel_size + 1
    shift = (n_inputs - n_outputs) / 2  # centre the outputs above the inputs
    for i, o, weight in edges(kind, n_inputs, n_outputs, kernel_size):
        ax.plot([i, o + shift], [0, 1], color=EDGE_COLOURS[weight % len(EDGE_COLOURS)], lw=2)
    ax.scatter(range(n_inputs), [0] * n_inputs, s=250, c="white", edgecolors="k", zorder=3)
    ax.scatter([o + shift for o in range(n_outputs)], [1] * n_outputs, s=250, c="lightgrey",
               edgecolors="k", zorder=3)
    ax.set_title(f"{kind}: {count} weights")
    ax.set_ylim(-0.3, 1.3)
    ax.set_xlim(-0.5, n_inputs - 0.5)
    ax.axis("off")


def connectivity(n_inputs: int = 5, kernel_size: int = 3) -> Figure:
    """Dense vs sparse vs shared for one 1-D layer, each with its weight count."""
    n_outputs = n_inputs - kernel_size + 1
    counts = {"dense": dense_weights(n_inputs, n_outputs),
              "sparse": sparse_weights(n_inputs, kernel_size),
              "shared": shared_weights(kernel_size)}
    fig = new_figure(3.2 * len(counts), 2.6)
    for ax, (kind, count) in zip(fig.subplots(1, len(counts)), counts.items(), strict=True):
        _draw_layer(ax, kind, n_inputs, kernel_size, int(count))
    fig.suptitle(f"{n_inputs} inputs, {n_outputs} outputs (one colour per weight)")
    return fig
