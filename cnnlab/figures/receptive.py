"""Which input pixels one unit at the top of a layer stack sees (one spatial axis)."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnnlab.figures.render import new_figure
from solutions.architecture import POOLING
from solutions.receptive_field import _windows, effective_stride, receptive_field


def _layer_sizes(windows: list[tuple[int, int]], n_input: int) -> list[int]:
    """Units per layer, input first, without padding (windows that do not fit are dropped)."""
    sizes = [n_input]
    for kernel, stride in windows:
        sizes.append((sizes[-1] - kernel) // stride + 1)
    return sizes


def _seen_ranges(windows: list[tuple[int, int]], top_unit: int) -> list[tuple[int, int]]:
    """For every layer (input first) the first and last unit the top unit depends on."""
    low, high = top_unit, top_unit
    ranges = [(low, high)]
    for kernel, stride in reversed(windows):
        low, high = low * stride, high * stride + kernel - 1
        ranges.append((low, high))
    return ranges[::-1]


def receptive_field_stack(layers: list[dict]) -> Figure:
    """Layers as rows of boxes; the units one top unit depends on are coloured."""
    windows = _windows(layers)
    field = int(receptive_field(layers))
    jump = int(effective_stride(layers))
    sizes = _layer_sizes(windows, field + 2 * jump)  # room for a neighbour on each side
    ranges = _seen_ranges(windows, (sizes[-1] - 1) // 2)
    kinds = [layer["type"] for layer in layers if layer["type"] == "conv" or
             layer["type"] in POOLING]
    names = ["input"] + [f"{kind} {k}, stride {s}"
                         for kind, (k, s) in zip(kinds, windows, strict=True)]

    fig = new_figure(max(4.0, 0.35 * sizes[0] + 1.5), 0.7 * len(sizes) + 0.8)
    ax = fig.add_subplot()
    for level, (size, (low, high)) in enumerate(zip(sizes, ranges, strict=True)):
        unit_jump, unit_field = _geometry(windows[:level])
        for unit in range(size):
            seen = low <= unit <= high
            centre = unit * unit_jump + (unit_field - 1) / 2  # over the input pixels it sees
            ax.add_patch(Rectangle((centre + 0.1, level), 0.8, 0.5, edgecolor="0.3",
                                   facecolor="tab:orange" if seen else "white"))
        ax.text(-0.5, level + 0.25, names[level], ha="right", va="center", fontsize=9)
    ax.set_xlim(-0.5, sizes[0])
    ax.set_ylim(-0.3, len(sizes))
    ax.axis("off")
    ax.set_title(f"receptive field {field} input pixels (effective stride {jump})")
    return fig


def _geometry(windows: list[tuple[int, int]]) -> tuple[int, int]:
    """(jump, receptive field) in input pixels of a unit after these windows."""
    jump, field = 1, 1
    for kernel, stride in windows:
        field += (kernel - 1) * jump
        jump *= stride
    return jump, field

