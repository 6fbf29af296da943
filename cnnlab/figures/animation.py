"""A kernel sliding over its input, in the style of Dumoulin & Visin's convolution arithmetic.

Blue cells are the input, dashed white cells the zero padding, the shaded square the kernel
window, and the cyan grid the output, filled in one cell per frame.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from cnnlab.figures.render import new_figure
from solutions.padding import conv_output_size

INPUT, OUTPUT, WINDOW = "#4f86c6", "#5fd3d3", "#1f3f6f"


def _grid(ax: Axes, rows: int, cols: int, origin: tuple[float, float], style) -> list:
    """Unit squares, ``style(r, c)`` gives their keyword arguments; returns them in row order."""
    cells = []
    x0, y0 = origin
    for r in range(rows):
        for c in range(cols):
            cell = Rectangle((x0 + c, y0 + r), 1, 1, **style(r, c))
            ax.add_patch(cell)
            cells.append(cell)
    return cells


def conv_animation(input_size: int = 5, kernel_size: int = 3, padding: int = 0,
                   stride: int = 1, interval: int = 600) -> FuncAnimation:
    """One frame per output cell: the window moves over the (padded) input, row by row."""
    out = conv_output_size(input_size, kernel_size, padding, stride)
    side = input_size + 2 * padding
    fig = new_figure(0.4 * (side + out + 2), 0.4 * side + 0.6)
    ax = fig.add_subplot()

    def input_style(r: int, c: int) -> dict:
        inside = padding <= r < padding + input_size and padding <= c < padding + input_size
        if inside:
            return {"facecolor": INPUT, "edgecolor": "white", "lw": 1}
        return {"facecolor": "white", "edgecolor": "0.5", "lw": 1, "ls": "--"}

    _grid(ax, side, side, (0, 0), input_style)
    out_x = side + 1.5
    out_y = (side - out) / 2
    outputs = _grid(ax, out, out, (out_x, out_y),
                    lambda r, c: {"facecolor": "white", "edgecolor": "0.5", "lw": 1})
    window = Rectangle((0, 0), kernel_size, kernel_size, facecolor=WINDOW, alpha=0.45,
                       edgecolor=WINDOW, lw=2)
    ax.add_patch(window)
    ax.set_xlim(-0.2, out_x + out + 0.2)
    ax.set_ylim(side + 0.2, -0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"input {input_size}, kernel {kernel_size}, padding {padding}, "
                 f"stride {stride} -> output {out}", fontsize=9)

    def draw(frame: int) -> list:
        i, j = divmod(frame, out)
        window.set_xy((j * stride, i * stride))
        for n, cell in enumerate(outputs):
            cell.set_facecolor(OUTPUT if n < frame else "white")
        outputs[frame].set_facecolor(WINDOW)
        return [window, *outputs]

    return FuncAnimation(fig, draw, frames=out * out, interval=interval, blit=False)


def to_gif(animation: FuncAnimation, path: str | Path | None = None, fps: int = 2,
           dpi: int = 80) -> bytes:
    """The animation as GIF bytes, also written to ``path`` when given."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "animation.gif" if path is None else Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        animation.save(target, writer=PillowWriter(fps=fps), dpi=dpi)
        return target.read_bytes()


def show_gif(animation: FuncAnimation, fps: int = 2):
    """An ``IPython.display.Image`` for a notebook cell."""
    from IPython.display import Image  # only in notebooks

    return Image(data=to_gif(animation, fps=fps), format="gif")
