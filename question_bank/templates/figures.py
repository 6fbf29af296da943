"""Pictures for grid and receptive-field questions, drawn from an item's ``params``.

Each maker returns ``(png_bytes, alt_text)``. The value a question asks for is never drawn:
the output grid is drawn without numbers, and the receptive-field stack is drawn by this module
with a fixed input row, labelled layer bands and one marked top unit, so that nothing in it
depends on the receptive field.
``cnnlab.figures`` (matplotlib) is imported only here, and only when a figure is wanted,
because importing and rendering are the slow part of building a bank.
"""

from __future__ import annotations

import io
from typing import Any

from question_bank.templates.base import FIGURE_DPI, count
from question_bank.templates.texts import shared_text

WORDS = shared_text("figures")  # text/figures.toml: alt texts and labels


def _png(fig: Any) -> bytes:
    """The figure as PNG, cropped to what is drawn plus a margin: a title wider than its
    grid (a 3x3 input's "input (padding 0, stride 1)") is never cut off at the edge."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight", pad_inches=0.08)
    fig.clear()
    return buffer.getvalue()


def conv_figure(params: dict[str, Any]) -> tuple[bytes, str]:
    """The padded input with the asked window, the kernel and an empty output grid."""
    from cnnlab.figures.grids import conv_step

    row, col = params["row"] - 1, params["col"] - 1
    fig = conv_step(params["image"], params["kernel"], padding=params["padding"],
                    stride=params["stride"], position=(row, col), show_output=False)
    return _png(fig), conv_alt(params)


def conv_alt(params: dict[str, Any]) -> str:
    return WORDS.fill("alt.conv", {**params, "zeros": count(params["padding"], "zero")})


def pool_figure(params: dict[str, Any]) -> tuple[bytes, str]:
    """The feature map with the asked pooling window outlined; the output value hidden."""
    from cnnlab.figures.grids import pool_step

    row, col = params["row"] - 1, params["col"] - 1
    fig = pool_step(params["x"], size=params["size"], stride=params["stride"],
                    mode=params["mode"], position=(row, col), show_output=False)
    return _png(fig), pool_alt(params)


def pool_alt(params: dict[str, Any]) -> str:
    return WORDS.fill("alt.pool", params)


INPUT_PIXELS = 41  # input row drawn for every stack: more than any drawn receptive field
ROW_HEIGHT = 0.5


def _window_layers(layers: list[dict[str, Any]]) -> list[str]:
    """A label per conv or pooling layer (bottom to top); activations change no field."""
    labels = []
    for layer in layers:
        if layer["type"] == "conv":
            labels.append(WORDS.fill("label.conv", {"k": layer["kernel_size"],
                                                    "stride": layer.get("stride", 1)}))
        elif layer["type"] in ("maxpool", "avgpool"):
            size = layer.get("size", 2)
            labels.append(WORDS.fill(f"label.{layer['type']}",
                                     {"size": size, "stride": layer.get("stride", size)}))
    return labels


def receptive_figure(params: dict[str, Any]) -> tuple[bytes, str]:
    """The layer stack, labelled with kernel sizes and strides; nothing depends on the answer.

    The input is a row of ``INPUT_PIXELS`` blank cells whatever the stack, every layer above it
    a labelled band of the same width, and the top layer's one unit is marked in its middle.
    Drawing the real number of units per layer, or colouring what the top unit sees, would
    let a student count the receptive field instead of working it out.
    """
    from matplotlib.patches import Rectangle

    from cnnlab.figures.render import new_figure

    labels = _window_layers(params["layers"])
    fig = new_figure(0.16 * INPUT_PIXELS + 2.2, 0.55 * (len(labels) + 1) + 0.8)
    ax = fig.add_subplot()
    for pixel in range(INPUT_PIXELS):
        ax.add_patch(Rectangle((pixel, 0), 1, ROW_HEIGHT, edgecolor="0.3", facecolor="white"))
    ax.text(-0.5, ROW_HEIGHT / 2, WORDS.fill("input", {}), ha="right", va="center",
            fontsize=9)
    for level, label in enumerate(labels, start=1):
        ax.add_patch(Rectangle((0, level), INPUT_PIXELS, ROW_HEIGHT, edgecolor="0.5",
                               facecolor="0.92"))
        ax.text(-0.5, level + ROW_HEIGHT / 2, label, ha="right", va="center", fontsize=9)
    top, middle = len(labels), INPUT_PIXELS // 2
    ax.add_patch(Rectangle((middle, top), 1, ROW_HEIGHT, edgecolor="black",
                           facecolor="tab:orange"))
    ax.set_xlim(-0.5, INPUT_PIXELS + 0.5)
    ax.set_ylim(-0.3, top + 1)
    ax.axis("off")
    ax.set_title(WORDS.fill("title", {}))
    return _png(fig), receptive_alt(params)


def receptive_alt(params: dict[str, Any]) -> str:
    labels = _window_layers(params["layers"])
    return WORDS.fill("alt.receptive", {"pixels": INPUT_PIXELS, "labels": "; ".join(labels)})
