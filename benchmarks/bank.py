"""How long does a large question bank take to build and export? Prints a table; asserts nothing.

    python benchmarks/bank.py                  # 1000 items with figures, every format
    python benchmarks/bank.py --n 200 --no-figures
    python benchmarks/bank.py --fixtures       # the hand-made test items, repeated (no generator)

Stages: generating the items (``build_bank``), then each writer of
``question_bank.export.FORMATS`` into a temporary folder, each with wall and CPU seconds
(on a loaded machine the wall time grows, the CPU time does not). Target: under 30 CPU
seconds in all for 1000 items with figures; rendering the figures is most of it.
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
    """``n`` items made by repeating tests/question_bank/bank_fixtures.py with distinct ids."""
    sys.path.insert(0, str(ROOT / "tests" / "question_bank"))
    from bank_fixtures import all_items
    base = all_items()
    return [replace(base[i % len(base)], id=f"{base[i % len(base)].id}-r{i}") for i in range(n)]


def generated_items(n: int, seed: int, figures: bool) -> list:
    from question_bank.generate import build_bank
    return build_bank(n, seed, figures=figures)


Row = tuple[str, float, float, str]  # stage, wall seconds, CPU seconds, note


def _timed(stage: str, work) -> tuple[Row, object]:
    """Run ``work()``; the row keeps wall and CPU time (on a busy machine they differ)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result, note = work()
    return (stage, time.perf_counter() - wall, time.process_time() - cpu, note), result


def run(n: int, seed: int, figures: bool, fixtures: bool) -> list[Row]:
    """[(stage, seconds, CPU seconds, note)] for generating ``n`` items and every format."""
    from question_bank.export import FORMATS

    def generate():
        items = fixture_items(n) if fixtures else generated_items(n, seed, figures)
        drawn = sum(item.figure is not None for item in items)
        return items, f"{len(items)} items, {drawn} with a figure"
    source = "fixtures repeated" if fixtures else "build_bank"
    row, items = _timed(f"generate ({source})", generate)
    rows = [row]
    out = Path(tempfile.mkdtemp(prefix="cnnlab-bank-bench-"))
    try:
        for name, writer in FORMATS.items():
            def write(writer=writer):
                paths = writer(items, out)
                size = sum(path.stat().st_size for path in paths)
                return paths, f"{len(paths)} file(s), {size / 1e6:.1f} MB"
            rows.append(_timed(f"write {name}", write)[0])
    finally:
        shutil.rmtree(out)
    rows.append(("total", sum(r[1] for r in rows), sum(r[2] for r in rows), ""))
    return rows


def table(rows: list[Row]) -> str:
    """The rows as a fixed-width text table."""
    width = max(len(row[0]) for row in rows)
    lines = [f"{'stage':<{width}}  {'seconds':>8}  {'CPU s':>8}  note", "-" * (width + 40)]
    lines += [f"{stage:<{width}}  {wall:>8.2f}  {cpu:>8.2f}  {note}"
              for stage, wall, cpu, note in rows]
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
