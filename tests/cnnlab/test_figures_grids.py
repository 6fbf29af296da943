"""Grid figures: the numbers drawn are the ones a plain loop computes, windows sit right."""

import io

import numpy as np
import pytest
from matplotlib.patches import Rectangle
from oracles import conv_layer_loops
from PIL import Image

from cnnlab.figures.comparison import side_by_side
from cnnlab.figures.grids import conv_step, pool_step, value_grid
from cnnlab.figures.render import save, to_png


def png_image(fig, dpi=50):
    return np.asarray(Image.open(io.BytesIO(to_png(fig, dpi=dpi))).convert("L"))


def assert_not_blank(fig, dpi=50):
    width, height = fig.get_size_inches()
    pixels = png_image(fig, dpi)
    assert pixels.shape == (round(height * dpi), round(width * dpi))
    assert pixels.min() < 100 and pixels.max() > 200  # dark ink on a light background


def texts_of(ax):
    """{(row, col): text} of the numbers written in the cells of a grid axes."""
    return {(int(t.get_position()[1]), int(t.get_position()[0])): t.get_text()
            for t in ax.texts}


def cell_colours(ax):
    """{(row, col): RGBA} of the cells of a grid axes (drawn as one collection)."""
    (cells,) = ax.collections
    return {(round(path.vertices[:, 1].min()), round(path.vertices[:, 0].min())): tuple(colour)
            for path, colour in zip(cells.get_paths(), cells.get_facecolors(), strict=True)}


def outlines(ax):
    """(row, col, height, width) of the unfilled rectangles (the highlights)."""
    return [(round(p.get_y()), round(p.get_x()), round(p.get_height()), round(p.get_width()))
            for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]


def test_value_grid_writes_every_number_and_the_highlight():
    fig = value_grid([[1, 2, 3], [4, 5, 6]], highlight=(0, 1, 2, 2), title="x")
    ax = fig.axes[0]
    assert texts_of(ax) == {(0, 0): "1", (0, 1): "2", (0, 2): "3",
                            (1, 0): "4", (1, 1): "5", (1, 2): "6"}
    assert outlines(ax) == [(0, 1, 2, 2)]
    assert_not_blank(fig)


def test_value_grid_rejects_a_3d_array():
    with pytest.raises(ValueError, match="array"):
        value_grid(np.zeros((2, 2, 2)))


@pytest.mark.parametrize("padding, stride, position", [(0, 1, (1, 1)), (1, 2, (1, 0)),
                                                        (2, 1, (3, 4))])
def test_conv_step_shows_the_window_and_the_outputs_so_far(padding, stride, position):
    image = [[3, 1, 0, 2], [1, 5, 2, 0], [4, 0, 1, 1], [2, 2, 0, 3]]
    kernel = [[1, 0, -1], [2, 1, 0]]
    fig = conv_step(image, kernel, padding=padding, stride=stride, position=position)
    padded_ax, kernel_ax, out_ax = fig.axes
    expected = conv_layer_loops(np.array(image, float)[:, :, None],
                                np.array(kernel, float)[:, :, None, None], padding=padding,
                                stride=stride)[:, :, 0]
    i, j = position
    shown = {(r, c): str(int(v)) for r, row in enumerate(expected) for c, v in enumerate(row)
             if (r, c) <= (i, j)}  # row-major order: everything up to the position
    assert texts_of(out_ax) == shown
    assert outlines(padded_ax) == [(i * stride, j * stride, 2, 3)]
    assert len(padded_ax.texts) == (4 + 2 * padding) ** 2
    assert texts_of(kernel_ax)[(1, 0)] == "2"
    assert_not_blank(fig)


def test_conv_step_colours_padding_differently():
    fig = conv_step(np.ones((2, 2)), np.ones((1, 1)), padding=1)
    colour = cell_colours(fig.axes[0])
    assert len(colour) == 16
    assert colour[(0, 0)] != colour[(1, 1)]
    assert colour[(0, 0)] == colour[(3, 3)] and colour[(1, 1)] == colour[(2, 2)]


def test_conv_step_rejects_a_position_outside_the_output():
    with pytest.raises(ValueError, match="position"):
        conv_step(np.ones((3, 3)), np.ones((2, 2)), position=(2, 0))


def test_pool_step_max_shows_each_window_and_its_maximum():
    x = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]
    fig = pool_step(x)
    in_ax, out_ax = fig.axes
    assert texts_of(out_ax) == {(0, 0): "6", (0, 1): "8", (1, 0): "3", (1, 1): "4"}
    assert sorted(outlines(in_ax)) == [(0, 0, 2, 2), (0, 2, 2, 2), (2, 0, 2, 2), (2, 2, 2, 2)]
    colours = {tuple(p.get_edgecolor()) for p in in_ax.patches if not p.get_fill()}
    assert len(colours) == 4  # every window its own colour
    assert_not_blank(fig)


def test_pool_step_avg_at_one_position():
    x = np.arange(25).reshape(5, 5)
    fig = pool_step(x, size=3, stride=2, mode="avg", position=(1, 0))
    in_ax, out_ax = fig.axes
    window = [x[r][c] for r in range(2, 5) for c in range(0, 3)]
    assert texts_of(out_ax) == {(1, 0): f"{sum(window) / 9:.2f}"}
    assert outlines(in_ax) == [(2, 0, 3, 3)]


def test_pool_step_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        pool_step(np.ones((2, 2)), mode="median")


def test_side_by_side_marks_the_wrong_cell():
    expected = np.arange(9).reshape(3, 3)
    actual = expected.copy()
    actual[1, 2] = 40
    fig = side_by_side(expected, actual, input=np.ones((4, 4)), title="conv2d")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["input", "expected", "actual", "actual - expected"]
    assert texts_of(fig.axes[3])[(1, 2)] == "35" and texts_of(fig.axes[3])[(0, 0)] == "0"
    colours = cell_colours(fig.axes[2])
    assert len(colours) == 9
    assert [cell for cell, colour in colours.items() if colour[:3] != (1.0, 1.0, 1.0)] == [(1, 2)]
    assert_not_blank(fig)


def test_side_by_side_says_when_shapes_differ():
    fig = side_by_side(np.zeros((3, 3)), np.zeros((2, 3)))
    assert "shapes differ" in fig.get_suptitle()
    assert len(fig.axes) == 2
    assert_not_blank(fig)


def test_side_by_side_draws_1d_as_one_row_and_3d_per_channel():
    fig = side_by_side([1, 2, 3], [1, 2, 4])
    assert set(texts_of(fig.axes[1])) == {(0, 0), (0, 1), (0, 2)}
    fig = side_by_side(np.zeros((30, 30, 5)), np.ones((30, 30, 5)))
    assert sum(ax.get_title().startswith("expected") for ax in fig.axes) == 3
    assert_not_blank(fig)


def test_save_writes_a_png_and_refuses_a_directory(tmp_path):
    path = save(value_grid([[1]]), tmp_path / "one.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="directory"):
        save(value_grid([[1]]), tmp_path)
