"""How long do the similarity flags take for a class? Prints a table; asserts nothing.

    python benchmarks/similarity.py                # 50, 100 and 300 students
    python benchmarks/similarity.py --students 600

A class is made from the correct variants of tests/student_code (loops, windows, im2col, FFT,
scipy, float32), each student one variant per function with its local variables renamed
(student i renames ``out`` to ``out_i``, ...), so every student's code is a renamed copy of
some other's: the worst case, with many pairs to compare in full. Stages: fingerprinting
(copydetect's tokenising, per student and function) and comparing (pairs of each function),
wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STYLES = ("loops", "windows", "im2col", "fft", "scipy", "float32")


def make_class(students: int) -> dict[str, dict[str, str]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from student_code import variants

    from cnnlab.catalog import FUNCTIONS
    sources = {}
    for i in range(students):
        mine = {}
        for k, function in enumerate(FUNCTIONS):
            style = STYLES[(i + k) % len(STYLES)]
            found = getattr(variants, f"{style}_{function}", None)
            if found is not None:
                code = inspect.getsource(found).replace(f"{style}_{function}", function)
                mine[function] = re.sub(r"\b(out|xp|total|start)\b", rf"\1_{i}", code)
        sources[f"s{i:04}"] = mine
    return sources


def measure(students: int) -> tuple[float, float, float, float, int]:
    from autograder import similarity
    sources = make_class(students)
    wall, cpu = time.perf_counter(), time.process_time()
    for function in similarity.FUNCTIONS:  # fingerprints alone, as flags() makes them
        for mine in sources.values():
            if function in mine:
                similarity._fingerprint(mine[function], similarity._boilerplate(function))
    fingerprint = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    flags = similarity.flags(sources)
    total = (time.perf_counter() - wall, time.process_time() - cpu)
    return (*fingerprint, total[0] - fingerprint[0], total[1] - fingerprint[1], len(flags))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="*", default=[50, 100, 300])
    args = parser.parse_args()
    from autograder import similarity
    similarity._boilerplate("conv2d")  # imports (copydetect brings matplotlib) not counted
    print(f"{'students':>8}  {'fingerprint wall/cpu s':>22}  {'compare wall/cpu s':>18}  "
          f"{'flags':>6}")
    for n in args.students:
        fw, fc, cw, cc, flags = measure(n)
        print(f"{n:>8}  {fw:>10.1f} / {fc:<9.1f}  {cw:>8.1f} / {cc:<7.1f}  {flags:>6}")


if __name__ == "__main__":
    main()
