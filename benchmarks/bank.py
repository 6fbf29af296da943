"""How long does a large question bank take to build and export? Prints a table; asserts nothing.

    python benchmarks/bank.py                  # 1000 items with figures, every format
    python benchmarks/bank.py --n 200 --no-figures
    python benchmarks/bank.py --fixtures       # the hand-made test items, repeated (no generator)

Stages: generating the items (``build_bank``), then each writer of
``question_bank.export.FORMATS`` into a temporary folder. Target: under 30 s in all for 1000
items with figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fixture_items(n: int) -> list:
    """``n`` items made by repeating tests/bank_fixtures.py with distinct ids."""
    sys.path.insert(0, str(ROOT / "tests"))
    from bank_fixtures import all_items
    base = all_items()
    return [replace(base[i % len(base)], id=f"{base[i % len(base)].id}-r{i}") for i in range(n)]


def generated_items(n: int, seed: int, figures: bool) -> list:
    from question_bank.generate import build_bank
    return build_bank(n, seed, figures=figures)


def run(n: int, seed: int, figures: bool, fixtures: bool) -> list[tuple[str, float, str]]:
    """[(stage, seconds, note)] for generating ``n`` items and writing every format."""
    from question_bank.export import FORMATS
    rows = []
    started = time.perf_counter()
    items = fixture_items(n) if fixtures else generated_items(n, seed, figures)
    with_figure = sum(item.figure is not None for item in items)
    source = "fixtures repeated" if fixtures else "build_bank"
    rows.append((f"generate ({source})", time.perf_counter() - started,
                 f"{len(items)} items, {with_figure} with a figure"))
    out = Path(tempfile.mkdtemp(prefix="cnnlab-bank-bench-"))
    try:
        for name, writer in FORMATS.items():
            started = time.perf_counter()
            paths = writer(items, out)
            size = sum(path.stat().st_size for path in paths)
            rows.append((f"write {name}", time.perf_counter() - started,
                         f"{len(paths)} file(s), {size / 1e6:.1f} MB"))
    finally:
        shutil.rmtree(out)
    rows.append(("total", sum(seconds for _, seconds, _ in rows), ""))
    return rows


def table(rows: list[tuple[str, float, str]]) -> str:
    """The rows as a fixed-width text table."""
    width = max(len(stage) for stage, _, _ in rows)
    lines = [f"{'stage':<{width}}  {'seconds':>8}  note", "-" * (width + 30)]
    lines += [f"{stage:<{width}}  {seconds:>8.2f}  {note}" for stage, seconds, note in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="items (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--fixtures", action="store_true",
                        help="time the writers on the test fixtures, without the generator")
    args = parser.parse_args(argv)
    print(table(run(args.n, args.seed, not args.no_figures, args.fixtures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
