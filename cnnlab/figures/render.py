"""Turn a figure into PNG bytes or a file."""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    """A figure that needs no GUI backend (not registered with pyplot)."""
    return Figure(figsize=(width, height), layout="constrained")


# A figure is not cleared after it is written: it is not registered with pyplot, so it is
# freed with its last reference, and clearing it built every axes' ticks anew (a fifth of
# a failure picture's time).
def to_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def save(fig: Figure, path: str | Path, dpi: int = 100) -> Path:
    """Write the figure to ``path`` (format from the suffix) and return the path."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path {path} is a directory, expected a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
