"""How long does drawing the hidden suite take, and what does a hand-in's own part cost?
Prints a table; asserts nothing.

    python benchmarks/drawing.py              # a new course key and an empty cache
    python benchmarks/drawing.py --jobs 1     # drawing in one process
    python benchmarks/drawing.py --hand-ins 100

Rows: drawing every function from an empty cache (what a course pays on first use), drawing
one function again after its cache file went (what a change to one function costs), reading
the whole suite from the cache (every later run), and per hand-in the making of its own
examples with the reference's results for them (``autograder.hand_in_inputs``), which every
hand-in pays in its grading process. Wall-clock seconds and CPU seconds (this process and
the drawing processes together).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cpu() -> float:
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                           resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action) -> tuple[float, float, object]:
    wall, used = time.perf_counter(), cpu()
    result = action()
    return time.perf_counter() - wall, cpu() - used, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=0, help="drawing processes (0: all cores)")
    parser.add_argument("--hand-ins", type=int, default=30, help="hand-ins timed")
    parser.add_argument("--function", default="conv2d", help="the function drawn again")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cnnlab-bench-draw-"))
    os.environ["CNNLAB_CACHE"] = str(work / "cache")
    os.environ["CNNLAB_COURSE_KEY"] = str(work / "key" / "course.key")

    from autograder import course_key, engine, suite_cache
    from cnnlab.catalog import FUNCTIONS

    quiet = {"say": lambda line: None, "jobs": args.jobs}
    key = course_key.load(say=lambda line: None)
    rubric = engine.load_rubric()

    def prepare() -> engine.Suite:
        suite = engine.Suite(rubric, engine.all_checks(), key=key)
        suite_cache.load(suite, FUNCTIONS, **quiet)
        return suite

    rows = [("drawing every function (empty cache)", *timed(prepare)[:2])]
    for old in suite_cache.private_dir().glob(f"suite-*-{args.function}-*.json.gz"):
        old.unlink()
    rows.append((f"drawing {args.function} again (its file removed)", *timed(prepare)[:2]))
    wall, used, suite = timed(prepare)
    rows.append(("reading the whole suite from the cache", wall, used))
    examples = sum(len(p.examples) for ps in suite.prepared.values() for p in ps)
    pools = sum(len(p.pool.examples) for ps in suite.prepared.values() for p in ps)

    def own_examples() -> int:
        made = 0
        for number in range(args.hand_ins):
            for function in FUNCTIONS:
                made += sum(len(p.examples) for p in suite.for_hand_in(function, f"h{number}"))
        return made
    wall, used, _ = timed(own_examples)
    rows.append(("one hand-in's own examples and their results", wall / args.hand_ins,
                 used / args.hand_ins))

    jobs = args.jobs or len(os.sched_getaffinity(0))
    print(f"{examples} course examples, {pools} pool examples; drawing with {jobs} "
          f"process(es) on {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
    print(f"{'what':<50} {'wall s':>8} {'CPU s':>8}")
    for what, wall, used in rows:
        print(f"{what:<50} {wall:8.3f} {used:8.3f}")


if __name__ == "__main__":
    main()
