"""What a failure picture costs: the side-by-side figure of expected and actual that the
feedback (one per failed check, up to six per student) and the class report draw.

Draws ``--n`` pictures of each kind, as ``autograder.outputs`` does (``failure_figure`` at
dpi 70), and prints the median CPU per picture and the process's peak memory; then, in the
same run, the same small picture with constrained layout and with the figure cleared after
writing (what the code did before 2026-12-08), as ratios to the picture as drawn now.

    python benchmarks/pictures.py [--n 40]
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from cnnlab.figures.comparison import side_by_side  # noqa: E402

RNG = np.random.default_rng(0)


def _pair(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    expected = RNG.integers(-9, 9, shape).astype(float)
    actual = expected.copy()
    actual.flat[0] += 1
    return expected, actual


def kinds() -> dict[str, Callable]:
    """Picture name -> a function drawing it (as a grader draws it for a failed check)."""
    small, small_wrong = _pair((4, 4))
    channels, channels_wrong = _pair((4, 4, 3))
    large, large_wrong = _pair((20, 20))
    image, kernel = RNG.integers(-3, 4, (6, 6)).astype(float), np.ones((3, 3))
    return {
        "conv2d 6x6 * 3x3 -> 4x4 (numbered cells)":
            lambda: side_by_side(small, small_wrong, image, "conv2d", kernel),
        "conv_layer, 3 channels (a row each)":
            lambda: side_by_side(channels, channels_wrong, np.dstack([image] * 3), "conv_layer"),
        "20x20 result (images with colour bars)":
            lambda: side_by_side(large, large_wrong, np.ones((22, 22)), "conv2d"),
    }


def cpu_per_picture(draw: Callable, n: int, layout: str | None = None,
                    clear: bool = False) -> float:
    """The median CPU of ``n`` pictures, each timed alone: a busy neighbour slows some."""
    spent = []
    for _ in range(n):
        started = time.process_time()
        figure = draw()
        if layout:
            figure.set_layout_engine(layout)
        figure.savefig(io.BytesIO(), format="png", dpi=70)
        if clear:
            figure.clear()
        spent.append(time.process_time() - started)
    return statistics.median(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="pictures of each kind (40)")
    n = parser.parse_args().n
    drawn = kinds()
    cpu_per_picture(next(iter(drawn.values())), 2)  # fonts and caches, not timed
    print("| picture | CPU ms per picture |\n| --- | ---: |")
    for name, draw in drawn.items():
        print(f"| {name} | {1000 * cpu_per_picture(draw, n):.0f} |")
    print(f"\npeak memory of this process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    first = next(iter(drawn.values()))
    now = cpu_per_picture(first, n)
    print("\n| the small picture | CPU ms | ratio to now |\n| --- | ---: | ---: |")
    for label, options in (("as drawn now", {}),
                           ("with constrained layout", {"layout": "constrained"}),
                           ("cleared after writing", {"clear": True}),
                           ("both (before 2026-12-08, but for one patch per cell)",
                            {"layout": "constrained", "clear": True})):
        spent = now if not options else cpu_per_picture(first, n, **options)
        print(f"| {label} | {1000 * spent:.0f} | {spent / now:.2f} |")


if __name__ == "__main__":
    main()
