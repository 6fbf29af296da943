"""``cnnlab figures OUT``: render every picture of the gallery (PNG) and the animations (GIF)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnnlab.destinations import folder_problem

CONV3 = {"type": "conv", "filters": 1, "kernel_size": 3}
# (input size, kernel, padding, stride) of the animations, as in Dumoulin & Visin.
ANIMATIONS = {"conv_no_padding": (5, 3, 0, 1), "conv_same_padding": (5, 3, 1, 1),
              "conv_padding_stride2": (5, 3, 1, 2), "conv_stride2": (6, 3, 0, 2)}


def figures() -> dict:
    """File stem -> a function making that figure (lazy: matplotlib loads only when run)."""
    import numpy as np

    from cnnlab.figures import comparison, feature_maps, grids, networks, receptive, weights_image
    from solutions.convolution import conv2d

    image = np.array([[3, 1, 0, 2, 1], [1, 5, 2, 0, 3], [4, 0, 1, 1, 2], [2, 2, 0, 3, 1],
                      [0, 1, 2, 1, 4]])
    kernel = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    pool_input = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    expected = conv2d(image, kernel)
    wrong = expected.copy()
    wrong[1, 2] += 3
    return {
        "value_grid": lambda: grids.value_grid(image, title="a 5x5 input",
                                               highlight=(1, 1, 3, 3)),
        "conv_step": lambda: grids.conv_step(image, kernel, padding=1, position=(2, 1)),
        "max_pool": lambda: grids.pool_step(pool_input),
        "avg_pool_step": lambda: grids.pool_step(pool_input, mode="avg", position=(0, 1)),
        "receptive_field": lambda: receptive.receptive_field_stack(
            [CONV3, {"type": "relu"}, {"type": "maxpool"}, CONV3]),
        "feedback_comparison": lambda: comparison.side_by_side(expected, wrong, input=image,
                                                               title="conv2d"),
        "connectivity": networks.connectivity,
        "weights_as_image": weights_image.weights_images,
        "feature_maps": feature_maps.feature_map_figure,
    }


def render_gallery(out: Path) -> list[Path]:
    """Write every figure and animation into ``out``; returns the files written."""
    from cnnlab.figures.animation import conv_animation, to_gif
    from cnnlab.figures.render import save

    if out.exists() and not out.is_dir():
        raise ValueError(f"OUT {out} is a file, expected a directory")
    out.mkdir(parents=True, exist_ok=True)
    written = [save(make(), out / f"{stem}.png") for stem, make in figures().items()]
    for stem, settings in ANIMATIONS.items():
        path = out / f"{stem}.gif"
        to_gif(conv_animation(*settings), path)
        written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    problem = folder_problem(Path(args.out), "OUT")
    if problem:
        print(f"cnnlab figures: error: {problem}", file=sys.stderr)
        return 2
    written = render_gallery(Path(args.out))
    for path in written:
        print(path)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "figures", help="render the gallery of figures and GIFs",
        description="Render every picture of the gallery (PNG) and the convolution "
                    "animations (GIF) into OUT.")
    parser.add_argument("out", metavar="OUT",
                        help="the folder to write into; the folder it is in must exist")
    parser.set_defaults(func=run)
