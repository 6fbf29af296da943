"""How fast is the reference in ``solutions/``? Prints a table; asserts nothing.

    python3 benchmarks/reference.py               # 7 repeats per row
    python3 benchmarks/reference.py --repeats 15

Each row is the median of ``--repeats`` timed calls (``time.perf_counter``) after one warm-up
call. The reference is compared with SciPy, a NumPy ``sliding_window_view`` version, a plain
Python loop and, when ``import torch`` works, PyTorch on the CPU. The plain loop is far too slow
at full size: it runs on a smaller input and its time is scaled by the ratio of output values
(the work per output value is the same); such rows say so. Every implementation's result is
first compared with the reference's, so that the table compares equal work.

The grader calls the reference on small inputs; these sizes show whether it would also do for
the course's figures and notebooks (a 512x512 slice, a 128x128 feature map).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.ndimage
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from oracles import conv_layer_loops, pool_loops  # plain loops written for the tests

from cnnlab.result_rules import within_tolerance
from solutions.convolution import conv2d, conv_layer
from solutions.pooling import max_pool

SLOWER_THAN_LIBRARY = 3.0  # flag a reference more than this many times the fastest library


@dataclass
class Row:
    case: str
    implementation: str
    ms: float
    is_library: bool  # SciPy, NumPy or PyTorch: what the reference is judged against


def median_ms(function: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``function()`` in milliseconds, after one untimed warm-up call."""
    function()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return 1000 * statistics.median(samples)


def same_result(name: str, actual, expected) -> None:
    """Stop when an implementation in the table does not compute what the reference does."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected)
    if actual.shape != expected.shape or not within_tolerance(expected, actual):
        raise SystemExit(f"{name} does not match the reference: shapes {actual.shape} "
                         f"and {expected.shape}")


# --- plain loops (run on a smaller input and scaled): the tests' independent oracles -----

def loop_conv2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return conv_layer_loops(image[:, :, None], kernel[:, :, None, None])[:, :, 0]


def loop_conv_layer(image: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    return conv_layer_loops(image, kernels)


def loop_max_pool(x: np.ndarray, size: int) -> np.ndarray:
    return pool_loops(x, size, None, "max")


def scaled_loop(case: str, run_small: Callable[[], object], small: str, factor: float,
                repeats: int) -> Row:
    """Time the loop on the small input once or a few times; scale to the full size."""
    ms = median_ms(run_small, max(1, min(repeats, 3))) * factor
    return Row(case, f"plain Python loop ({small}, scaled x{factor:.0f})", ms, False)


# --- optional PyTorch ------------------------------------------------------------------------

def load_torch():
    """``torch`` if it imports, else None (it is not a dependency of cnnlab)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


# --- the cases -------------------------------------------------------------------------------

def conv2d_rows(rng: np.random.Generator, k: int, repeats: int, torch) -> list[Row]:
    case = f"conv2d 512x512 float64, {k}x{k}"
    image, kernel = rng.standard_normal((512, 512)), rng.standard_normal((k, k))
    expected = conv2d(image, kernel)
    centre = k // 2  # ndimage.correlate is centred; its valid part starts here (odd k)
    n_out = expected.shape[0]

    def ndimage_valid():
        full = scipy.ndimage.correlate(image, kernel, mode="constant")
        return full[centre:centre + n_out, centre:centre + n_out]

    def windows():
        return np.einsum("ijab,ab->ij", sliding_window_view(image, (k, k)), kernel)

    candidates = {
        "scipy.signal.correlate2d (valid)": (
            lambda: scipy.signal.correlate2d(image, kernel, mode="valid")),
        "scipy.ndimage.correlate (cropped)": ndimage_valid,
        "numpy sliding_window_view + einsum": windows,
    }
    if torch is not None:
        t_image = torch.from_numpy(image)[None, None]
        t_kernel = torch.from_numpy(kernel)[None, None]
        candidates["torch.nn.functional.conv2d (CPU)"] = (
            lambda: torch.nn.functional.conv2d(t_image, t_kernel)[0, 0].numpy())
    rows = [Row(case, "reference solutions.conv2d", median_ms(lambda: conv2d(image, kernel),
                                                             repeats), False)]
    for name, function in candidates.items():
        same_result(name, function(), expected)
        rows.append(Row(case, name, median_ms(function, repeats), True))
    small = image[:64, :64]
    same_result("plain loop", loop_conv2d(small, kernel), conv2d(small, kernel))
    factor = n_out**2 / (64 - k + 1) ** 2
    rows.append(scaled_loop(case, lambda: loop_conv2d(small, kernel), "64x64", factor, repeats))
    return rows


def conv_layer_rows(rng: np.random.Generator, repeats: int, torch) -> list[Row]:
    case = "conv_layer 128x128x16 -> 32, 3x3"
    image, kernels = rng.standard_normal((128, 128, 16)), rng.standard_normal((3, 3, 16, 32))
    expected = conv_layer(image, kernels)

    def scipy_per_filter():
        # One 3-D valid correlation per output channel; its depth axis has length 1.
        return np.stack([scipy.signal.correlate(image, kernels[:, :, :, o], mode="valid")[:, :, 0]
                         for o in range(kernels.shape[3])], axis=2)

    def windows():
        view = sliding_window_view(image, (3, 3), axis=(0, 1))  # (Ho, Wo, C_in, 3, 3)
        return np.tensordot(view, kernels, axes=([3, 4, 2], [0, 1, 2]))

    candidates = {
        "scipy.signal.correlate (3-D valid, per filter)": scipy_per_filter,
        "numpy sliding_window_view + tensordot": windows,
    }
    if torch is not None:
        t_image = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]
        t_kernels = torch.from_numpy(np.ascontiguousarray(kernels.transpose(3, 2, 0, 1)))
        candidates["torch.nn.functional.conv2d (CPU)"] = (
            lambda: torch.nn.functional.conv2d(t_image, t_kernels)[0].numpy().transpose(1, 2, 0))
    rows = [Row(case, "reference solutions.conv_layer",
                median_ms(lambda: conv_layer(image, kernels), repeats), False)]
    for name, function in candidates.items():
        same_result(name, function(), expected)
        rows.append(Row(case, name, median_ms(function, repeats), True))
    small = image[:8, :8]
    same_result("plain loop", loop_conv_layer(small, kernels), conv_layer(small, kernels))
    factor = 126**2 / 6**2
    rows.append(scaled_loop(case, lambda: loop_conv_layer(small, kernels), "8x8x16", factor,
                            repeats))
    return rows


def max_pool_rows(rng: np.random.Generator, shape: tuple[int, ...], repeats: int,
                  torch) -> list[Row]:
    case = f"max_pool 2x2, {'x'.join(map(str, shape))}"
    x = rng.standard_normal(shape)
    expected = max_pool(x)
    h, w = shape[0] // 2, shape[1] // 2
    footprint = (2, 2) + (1,) * (x.ndim - 2)

    def blocks():
        return x[:2 * h, :2 * w].reshape(h, 2, w, 2, *shape[2:]).max(axis=(1, 3))

    def ndimage_max():
        # A size-2 filter covers pixels i-1 and i; every second one from 1 is one window.
        return scipy.ndimage.maximum_filter(x, size=footprint, mode="constant")[1::2, 1::2]

    def windows():
        return sliding_window_view(x, (2, 2), axis=(0, 1))[::2, ::2].max(axis=(-2, -1))

    candidates = {
        "numpy reshape into blocks + max": blocks,
        "scipy.ndimage.maximum_filter (subsampled)": ndimage_max,
        "numpy sliding_window_view + max": windows,
    }
    if torch is not None:
        channels_first = x[:, :, None] if x.ndim == 2 else x
        t_x = torch.from_numpy(np.ascontiguousarray(channels_first.transpose(2, 0, 1)))[None]

        def torch_pool():
            pooled = torch.nn.functional.max_pool2d(t_x, 2)[0].numpy().transpose(1, 2, 0)
            return pooled[:, :, 0] if x.ndim == 2 else pooled

        candidates["torch.nn.functional.max_pool2d (CPU)"] = torch_pool
    rows = [Row(case, "reference solutions.max_pool", median_ms(lambda: max_pool(x), repeats),
                False)]
    for name, function in candidates.items():
        same_result(name, function(), expected)
        rows.append(Row(case, name, median_ms(function, repeats), True))
    small = x[:64, :64]
    same_result("plain loop", loop_max_pool(small, 2), max_pool(small))
    factor = (h * w) / 32**2
    rows.append(scaled_loop(case, lambda: loop_max_pool(small, 2),
                            "x".join(map(str, (64, 64, *shape[2:]))), factor, repeats))
    return rows


# --- the table -------------------------------------------------------------------------------

def table(rows: list[Row]) -> str:
    """Markdown table: case, implementation, ms, ratio to the fastest of the case."""
    fastest = {}
    for row in rows:
        fastest[row.case] = min(fastest.get(row.case, row.ms), row.ms)
    lines = ["| case | implementation | ms | ratio to fastest |", "| --- | --- | ---: | ---: |"]
    lines += [f"| {r.case} | {r.implementation} | {r.ms:.2f} | {r.ms / fastest[r.case]:.1f} |"
              for r in rows]
    return "\n".join(lines)


def slow_reference_notes(rows: list[Row]) -> list[str]:
    """One sentence per case where the reference is much slower than the fastest library."""
    notes = []
    for case in dict.fromkeys(r.case for r in rows):
        reference = next(r for r in rows if r.case == case and r.implementation.startswith(
            "reference"))
        best = min((r for r in rows if r.case == case and r.is_library), key=lambda r: r.ms)
        ratio = reference.ms / best.ms
        if ratio > SLOWER_THAN_LIBRARY:
            notes.append(f"{case}: the reference is {ratio:.1f}x slower than {best.implementation}"
                         f" ({reference.ms:.2f} ms vs {best.ms:.2f} ms)")
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed calls per row (median)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    torch = load_torch()
    rng = np.random.default_rng(8)
    rows = (conv2d_rows(rng, 3, args.repeats, torch) + conv2d_rows(rng, 5, args.repeats, torch)
            + conv_layer_rows(rng, args.repeats, torch)
            + max_pool_rows(rng, (512, 512), args.repeats, torch)
            + max_pool_rows(rng, (128, 128, 32), args.repeats, torch))
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed (rows left out)'}; "
          f"median of {args.repeats} calls\n")
    print(table(rows))
    notes = slow_reference_notes(rows)
    print(f"\nReference more than {SLOWER_THAN_LIBRARY:.0f}x slower than the fastest library:")
    print("\n".join(f"- {note}" for note in notes) if notes else "- none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
