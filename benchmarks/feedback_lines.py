"""Lines of Markdown feedback per failed function, and the misconceptions named.

Two sets of hand-ins: the one-bug mutants and carriers of ``tests/student_code`` (each graded
in-process with the real hidden suite, only its wrong function), and the example class
(``cnnlab grade examples/class``, sandboxed, every function). Prints, per set, the number of
failed functions and the median and largest number of lines of their section of
``feedback/<student>.md`` (from its ``## `function``` heading to the next), then, for the
mutants, each name given next to the one expected (``NAMED_BY``), so a wrong name shows.

    CNNLAB_CACHE=/tmp/cache python benchmarks/feedback_lines.py [--class-only|--mutants-only]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def sections(markdown: str) -> dict[str, int]:
    """Function -> lines of its section, for the functions that lost points."""
    found, name, count, failed = {}, None, 0, False
    for line in [*markdown.splitlines(), "## `end`: 1 / 1 (passed)"]:
        heading = re.match(r"## `(\w+)`: [\d.]+ / [\d.]+ \((.*)\)", line)
        if heading or line.startswith("## Notes"):
            if name and failed:
                found[name] = count
            name = heading.group(1) if heading else None
            failed = bool(heading) and heading.group(2) != "passed"
            count = 0
        count += 1
    return found


def mutant_lines() -> tuple[list[int], list[tuple[str, str, list[str]]]]:
    from student_code import perfect_except
    from student_code.mutants import MUTANTS
    from test_misconceptions import NAMED_BY

    from autograder import engine
    from autograder.inprocess import InProcessStudent
    from autograder.outputs import function_feedback
    try:
        from student_code.carriers import CARRIERS, NAMED
    except ImportError:  # before feedback round 2
        CARRIERS, NAMED = [], {}
    suite = engine.prepare(engine.load_rubric())
    lines, names = [], []
    for mutant in [*MUTANTS, *CARRIERS]:
        student = InProcessStudent(perfect_except({mutant.function: mutant.implementation}))
        result = engine.grade_function(student, suite, mutant.function)
        if result.points < result.max_points:
            lines.append(len("\n".join(function_feedback(result)).splitlines()))
        expected = NAMED_BY.get(mutant.id) or NAMED.get(mutant.id) or ""
        names.append((mutant.id, expected, result.misconceptions))
    return lines, names


def class_lines() -> list[int]:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([str(Path(sys.executable).parent / "cnnlab"), "grade",
                        str(ROOT / "examples" / "class"), "--out", out], cwd=ROOT,
                       check=False, capture_output=True)
        return [n for path in sorted(Path(out, "feedback").glob("*.md"))
                for n in sections(path.read_text(encoding="utf-8")).values()]


def row(label: str, counts: list[int]) -> str:
    if not counts:
        return f"{label:<28} {0:>6}"
    return (f"{label:<28} {len(counts):>6} {statistics.median(counts):>7.0f} "
            f"{max(counts):>5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-only", action="store_true")
    parser.add_argument("--mutants-only", action="store_true")
    options = parser.parse_args()
    print(f"{'hand-ins':<28} {'failed':>6} {'median':>7} {'max':>5}  (lines per failed function)")
    names = []
    if not options.class_only:
        counts, names = mutant_lines()
        print(row("tests/student_code", counts))
    if not options.mutants_only:
        print(row("examples/class", class_lines()))
    wrong = [(m, e, n) for m, e, n in names if n and n != [e]]
    for mutant, expected, named in names:
        mark = "WRONG" if (mutant, expected, named) in wrong else "ok" if named == (
            [expected] if expected else []) else "missed"
        print(f"{mark:<6} {mutant}: expected {expected or '-'}, named {named or '-'}")
    print(f"wrong names: {len(wrong)}")


if __name__ == "__main__":
    main()
