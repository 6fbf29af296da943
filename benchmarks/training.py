"""What grading train_step and fit costs per hand-in, in the sandbox: prints a table, asserts
nothing (docs/backprop.md, "What it costs").

    python benchmarks/training.py                # the example class's perfect hand-in
    python benchmarks/training.py --repeats 5 --hand-in examples/class/s002_partial
    python benchmarks/training.py --whole          # what the two add to a whole hand-in

The suite is drawn (or read from the cache) before anything is timed. Each repeat grades the
hand-in's train_step and fit, then, for scale, the backward passes that came before them, in a
sandbox of its own (started and stopped outside the timing); the time is the grading's wall
time and the CPU time of the grading process and of the sandbox's processes (measured from
/proc, as they are not this process's children).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import engine  # noqa: E402
from autograder.sandbox import Limits, SandboxedStudent, isolation_choice  # noqa: E402
from autograder.submissions import Candidate, prepare  # noqa: E402
from cnnlab.catalog import FUNCTIONS  # noqa: E402

NEW = ("train_step", "fit")
GROUPS = {"train_step + fit": NEW,
          "the 5 backward passes": ("conv_layer_backward", "max_pool_backward",
                                    "avg_pool_backward", "relu_backward", "sigmoid_backward")}
# --whole: every function, with and without the new ones, in one hand-in's grading (the
# shrinking budget is the hand-in's: functions graded earlier leave less of it to later ones).
WHOLE = {"every function": FUNCTIONS,
         "every function but train_step and fit": tuple(f for f in FUNCTIONS if f not in NEW)}


def _cpu_of_tree(pid: int) -> float:
    """CPU seconds of ``pid`` and its descendants still alive (from /proc)."""
    ticks, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo += [int(c) for c in children]
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(folder: Path, functions: tuple[str, ...], suite, isolation: str,
            repeats: int) -> list[tuple[float, float]]:
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as work:
            submission = prepare(Candidate(folder.name, folder, ""), Path(work))
            student = SandboxedStudent(submission.folder, Limits(), isolation)
            try:
                student.call_many(functions[0], [])  # starts the worker: not timed
                cpu, wall = time.process_time() + _cpu_of_tree(os.getpid()), time.perf_counter()
                engine.grade(student, suite, submission.sources, folder.name,
                             functions=functions)
                runs.append((time.perf_counter() - wall,
                             time.process_time() + _cpu_of_tree(os.getpid()) - cpu))
            finally:
                student.close()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hand-in", type=Path, default=ROOT / "examples/class/s001_perfect")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--whole", action="store_true",
                        help="grade every function, with and without train_step and fit")
    args = parser.parse_args()
    groups = WHOLE if args.whole else GROUPS
    functions = tuple(dict.fromkeys(f for group in groups.values() for f in group))
    suite = engine.prepare(engine.load_rubric(), functions=functions)
    isolation, _ = isolation_choice()
    print(f"{args.hand_in.name}, {isolation}, {args.repeats} repeats (median, min)\n")
    print("| graded | wall s | CPU s |\n| --- | ---: | ---: |")
    for name, group in groups.items():
        runs = measure(args.hand_in, group, suite, isolation, args.repeats)
        wall, cpu = zip(*runs, strict=True)
        print(f"| {name} | {statistics.median(wall):.2f} ({min(wall):.2f}) | "
              f"{statistics.median(cpu):.2f} ({min(cpu):.2f}) |")


if __name__ == "__main__":
    main()
