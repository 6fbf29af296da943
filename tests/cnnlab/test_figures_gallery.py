"""Node-link diagrams, weight images, feature maps, the GIF animation and the gallery command."""

import io

import numpy as np
import pytest
from oracles import conv_layer_loops, pool_loops
from PIL import Image

from cnnlab.cli import main
from cnnlab.figures.animation import conv_animation, to_gif
from cnnlab.figures.feature_maps import feature_map_figure, feature_maps
from cnnlab.figures.networks import connectivity, edges
from cnnlab.figures.phantom import phantom
from cnnlab.figures.render import to_png
from cnnlab.figures.weights_image import weights_images


def not_blank(png: bytes, size: tuple[int, int]) -> bool:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return pixels.shape == (size[1], size[0]) and pixels.std() > 10


def test_connectivity_titles_give_the_lecture_weight_counts():
    fig = connectivity(5, 3)
    assert [ax.get_title() for ax in fig.axes] == [
        "dense: 15 weights", "sparse: 9 weights", "shared: 3 weights"]
    assert not_blank(to_png(fig, dpi=50), (480, 130))


def test_shared_edges_reuse_the_same_weight_per_kernel_position():
    shared = edges("shared", 5, 3, 3)
    assert len(shared) == 9 and {w for _, _, w in shared} == {0, 1, 2}
    assert all(i - o == w for i, o, w in shared)  # weight j links input o + j to output o
    assert len({w for _, _, w in edges("sparse", 5, 3, 3)}) == 9
    with pytest.raises(ValueError, match="kind"):
        edges("random", 5, 3, 3)


def test_weights_images_show_two_24x24x3_images():
    fig = weights_images()
    images = [ax.get_images()[0].get_array() for ax in fig.axes]
    assert [image.shape for image in images] == [(24, 24, 3), (24, 24, 3)]
    assert all(image.min() == 0 and image.max() == 1 for image in images)


def test_phantom_is_a_noisy_image_in_unit_range():
    image = phantom(48)
    assert image.shape == (48, 48) and image.min() >= 0 and image.max() <= 1
    assert image[0, 0] < 0.2 and image[24, 24] > 0.4  # background dark, body bright
    with pytest.raises(ValueError, match="size"):
        phantom(4)


def test_feature_maps_follow_a_plain_loop():
    image = phantom(16, noise=0.0)
    stages = feature_maps(image)
    kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], float)
    conv = conv_layer_loops(image[:, :, None], kernel[:, :, None, None], padding=1)[:, :, 0]
    assert np.allclose(stages["conv: vertical edges"], conv)
    pooled = pool_loops(np.maximum(conv, 0), 2, None, "max")
    assert np.allclose(stages["max pool 2x2: vertical edges"], pooled)
    assert len(feature_map_figure(image).axes) == 8


@pytest.mark.parametrize("size, kernel, padding, stride, frames", [
    (5, 3, 0, 1, 9), (5, 3, 1, 2, 9), (6, 3, 0, 2, 4), (4, 3, 2, 1, 36)])
def test_gif_has_one_frame_per_output_cell(size, kernel, padding, stride, frames):
    gif = Image.open(io.BytesIO(to_gif(conv_animation(size, kernel, padding, stride), dpi=40)))
    assert gif.format == "GIF" and gif.n_frames == frames


def test_gif_moves_the_window_by_the_stride():
    animation = conv_animation(5, 3, padding=1, stride=2)
    draw = animation._func  # the frame function, as FuncAnimation calls it
    window = draw(4)[0]
    assert window.get_xy() == (2, 2)  # frame 4 = output (1, 1) -> input (2, 2)
    to_gif(animation, dpi=20)  # render it, as every animation should be


def test_figures_command_writes_the_gallery(tmp_path, capsys):
    assert main(["figures", str(tmp_path / "out")]) == 0
    listed = capsys.readouterr().out.split()
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert sorted(p.rsplit("/", 1)[-1] for p in listed) == files
    assert sum(f.endswith(".gif") for f in files) == 4 and "conv_step.png" in files


def test_figures_command_refuses_a_file(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["figures", str(target)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
