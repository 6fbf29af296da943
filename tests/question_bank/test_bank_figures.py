"""Figures of the bank: grid borders drawn whole, max-pooling windows that need reading."""

from __future__ import annotations

from collections import Counter

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cnnlab.figures.grids import draw_grid
from question_bank.generate import make_item
from solutions.pooling import pool_output_size


def _dark_runs(line: np.ndarray) -> int:
    """How many separate dark stretches a line of grey pixels crosses."""
    dark = line < 0.6
    return int(dark[0]) + int(np.count_nonzero(dark[1:] & ~dark[:-1]))


def test_grid_draws_all_its_edge_lines():
    rows, cols = 3, 4
    figure = Figure(figsize=(4, 3), dpi=100)
    ax = figure.add_axes((0, 0, 1, 1))  # the grid fills the image: edges at the border
    draw_grid(ax, np.zeros((rows, cols)), shown=np.zeros((rows, cols), dtype=bool))
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    grey = np.asarray(canvas.buffer_rgba())[:, :, :3].mean(axis=2) / 255
    height, width = grey.shape
    # A line through the middle of the cells crosses cols + 1 vertical lines, and a column
    # crosses rows + 1 horizontal lines, the right and bottom edges included.
    assert _dark_runs(grey[height // 2]) == cols + 1  # the middle of the middle row
    assert _dark_runs(grey[:, width // (2 * cols)]) == rows + 1


def _global_max_share(level: int, seeds: int = 600) -> tuple[float, float]:
    """How often the asked window holds the map's maximum, and how often a random one would."""
    hits, chance = 0, 0.0
    for seed in range(seeds):
        params = make_item("max_pool_entry", seed, level).params
        x, size, stride = np.array(params["x"]), params["size"], params["stride"]
        top, left = (params["row"] - 1) * stride, (params["col"] - 1) * stride
        hits += x[top:top + size, left:left + size].max() == x.max()
        n_out = pool_output_size(len(x), size, stride)
        windows = [x[r * stride:r * stride + size, c * stride:c * stride + size].max()
                   for r in range(n_out) for c in range(n_out)]
        chance += Counter(windows)[x.max()] / len(windows)
    return hits / seeds, chance / seeds


def test_max_pool_window_holds_the_map_maximum_no_more_often_than_a_random_window():
    for level in (1, 2, 3):
        share, chance = _global_max_share(level)
        assert share <= chance + 0.06, (level, share, chance)
        assert share < 0.35, (level, share)


def test_a_title_wider_than_its_grid_is_not_cut_off():
    """Issue 23: "nput (padding 0, stride 1)": a 3x3 input's title ran past the left edge.
    Nothing drawn may touch the picture's border: its outer pixels are background."""
    import io

    from PIL import Image

    from question_bank.templates.figures import conv_figure
    params = {"image": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "kernel": [[1, 0], [0, 1]],
              "padding": 0, "stride": 1, "row": 1, "col": 1}
    png, _alt = conv_figure(params)
    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L")) / 255
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    assert border.min() > 0.9, border.min()
