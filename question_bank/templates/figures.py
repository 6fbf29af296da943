"""Pictures for grid and receptive-field questions, drawn from an item's ``params``.

Each maker returns ``(png_bytes, alt_text)``. The value a question asks for is never drawn:
the output cells' numbers are removed, and in the receptive-field stack the title (which
states the answer) and the colouring of the input row (which counts it) are removed.
``cnnlab.figures`` (matplotlib) is imported only here, and only when a figure is wanted,
because importing and rendering are the slow part of building a bank.
"""

from __future__ import annotations

from typing import Any

from question_bank.templates.base import FIGURE_DPI


def _hide_numbers(ax: Any) -> None:
    """Remove the numbers drawn on an axis (the output grid): they could hold the answer."""
    for text in list(ax.texts):
        text.remove()


def conv_figure(params: dict[str, Any]) -> tuple[bytes, str]:
    """The padded input with the asked window, the kernel and an empty output grid."""
    from cnnlab.figures.grids import conv_step
    from cnnlab.figures.render import to_png

    row, col = params["row"] - 1, params["col"] - 1
    fig = conv_step(params["image"], params["kernel"], padding=params["padding"],
                    stride=params["stride"], position=(row, col))
    _hide_numbers(fig.axes[2])
    alt = (f"Left: the input padded with {params['padding']} zero(s), the window of output "
           f"row {params['row']}, column {params['col']} outlined in red (stride "
           f"{params['stride']}). Middle: the kernel. Right: the output grid, values hidden.")
    return to_png(fig, dpi=FIGURE_DPI), alt


def pool_figure(params: dict[str, Any]) -> tuple[bytes, str]:
    """The feature map with the asked pooling window outlined; the output value hidden."""
    from cnnlab.figures.grids import pool_step
    from cnnlab.figures.render import to_png

    row, col = params["row"] - 1, params["col"] - 1
    fig = pool_step(params["x"], size=params["size"], stride=params["stride"],
                    mode=params["mode"], position=(row, col))
    _hide_numbers(fig.axes[1])
    alt = (f"Left: the feature map with the {params['size']}x{params['size']} window of "
           f"output row {params['row']}, column {params['col']} outlined (stride "
           f"{params['stride']}). Right: the pooled output, value hidden.")
    return to_png(fig, dpi=FIGURE_DPI), alt


def receptive_figure(params: dict[str, Any]) -> tuple[bytes, str]:
    """The layer stack as rows of units; the answer (title, coloured input row) is removed."""
    from cnnlab.figures.receptive import receptive_field_stack
    from cnnlab.figures.render import to_png

    fig = receptive_field_stack(params["layers"])
    ax = fig.axes[0]
    ax.set_title("which input pixels does the top unit see?")
    for patch in ax.patches:
        if patch.get_y() == 0:  # the input row: its orange cells would count the answer
            patch.set_facecolor("white")
    alt = ("The layer stack drawn as rows of units, input at the bottom; above the input, "
           "the units the top unit depends on are coloured orange. The input row is left "
           "uncoloured: which input pixels are seen is the question.")
    return to_png(fig, dpi=FIGURE_DPI), alt
