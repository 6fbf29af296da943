"""``cnnlab grade SUBMISSIONS --out OUT``: grade a class with the hidden suite.

Exit status 0 when the class was graded, whatever the scores; 1 when the grader itself failed
on some hand-in even after a retry (all outputs are still written, the failures listed and in
``OUT/grader_errors.txt``); 2 for wrong arguments (a missing folder, ...) and for a
SUBMISSIONS folder with nothing to grade (the message says what was found and what a hand-in
looks like); 130 after Ctrl-C and 143 after SIGTERM (``autograder.interrupts``: what is
graded is written, ``--resume`` goes on).

The results go to stdout: the table per student and per function, the class line, the
isolation and the files written. Everything else goes to stderr: progress (a line per stage,
and a bar on a terminal or a line per hand-in when piped, so a long run never looks hung),
the entries that are no hand-in, the grader's own errors and one line naming the hand-ins to
look at (unreadable, without any exercise module, timed out).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.destinations import file_problem, folder_problem

if TYPE_CHECKING:
    from tqdm import tqdm

MAX_STUDENT_ROWS = 40


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade", help="grade a class with the hidden tests",
        description="Grade every student's hand-in (a sub-folder or .zip named by the student "
                    "id) with the hidden property-based suite, each in its own sandbox.")
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                        help="folder with one sub-folder or .zip per student")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT",
                        help="the folder where grades.csv, feedback/, results/, "
                             "gradebook.sqlite and report.html go (created if missing; the "
                             "folder it is in must exist)")
    parser.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                        help="submissions graded at the same time (default: 3 for every "
                             "2 cores)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the gradebook's results for unchanged submissions")
    parser.add_argument("--detail", choices=("full", "brief"), default="full",
                        help="brief: feedback without the failing inputs")
    parser.add_argument("--rubric", type=Path, metavar="FILE",
                        help="points per function and check (default: the bundled rubric)")
    parser.add_argument("--overrides", type=Path, metavar="FILE",
                        help="the instructor's adjustments (TOML or CSV), applied to every "
                             "output of this run, never stored in the gradebook")
    parser.add_argument("--isolation", choices=("auto", "bwrap", "process"), default=None,
                        help="sandbox: bubblewrap, a plain process, or auto (default; also "
                             "$CNNLAB_SANDBOX)")
    parser.add_argument("--course-key", type=Path, metavar="FILE",
                        help="the course key, which draws the hidden inputs and seals the "
                             "gradebook (default: $CNNLAB_COURSE_KEY, else course.key in "
                             "cnnlab's data folder; made on first use)")
    cluster = parser.add_argument_group(
        "beyond one machine", "grade on a Dask cluster, or a share of the class (docs/cluster.md)")
    cluster.add_argument("--scheduler", metavar="ADDRESS",
                         help="grade on the Dask cluster of this scheduler (tcp://HOST:8786, or "
                              "tls://HOST:8786 with --tls-*); needs cnnlab[cluster]")
    for name, what in (("ca", "the CA certificate"), ("cert", "this client's certificate"),
                       ("key", "this client's private key")):
        cluster.add_argument(f"--tls-{name}", type=Path, metavar="FILE",
                             help=f"TLS with the scheduler: {what} (PEM)")
    cluster.add_argument("--shard", metavar="K/N",
                         help="grade only share K of N of the class (by a hash of the student "
                              "id), into its own OUT; join them with cnnlab merge")
    parser.set_defaults(func=run)

    merge = subparsers.add_parser(
        "merge", help="join the OUT folders of shards (cnnlab grade --shard K/N) into one",
        description="Check every gradebook row of the shards' OUT folders with the course key "
                    "and write one OUT for the whole class: grades.csv, feedback/, results/, "
                    "report.html and a gradebook that --resume can use.")
    merge.add_argument("outs", type=Path, nargs="+", metavar="OUT_K",
                       help="the shards' OUT folders")
    merge.add_argument("--out", type=Path, required=True, metavar="OUT",
                       help="the folder for the whole class (created if missing)")
    merge.add_argument("--submissions", type=Path, metavar="SUBMISSIONS",
                       help="the class's hand-ins, for the report's similarity flags "
                            "(default: the folder the shards were graded from, if it is here)")
    merge.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                       help="processes writing the feedback (default: all cores)")
    merge.add_argument("--course-key", type=Path, metavar="FILE",
                       help="the course key the shards were graded with (default as for "
                            "cnnlab grade)")
    merge.set_defaults(func=run_merge)

    rubric = subparsers.add_parser(
        "rubric", help="show the hidden suite's rubric: functions, points and checks",
        description="List every graded function with its points and its checks with their "
                    "weights and points, each marked [default] or [rubric file]; --write "
                    "writes the default rubric to a file to edit.")
    rubric.add_argument("--rubric", type=Path, metavar="FILE",
                        help="a rubric file to show (what it leaves out keeps its default)")
    rubric.add_argument("--write", type=Path, metavar="FILE",
                        help="write a copy of the default rubric to FILE (a new file in an "
                             "existing folder)")
    rubric.set_defaults(func=show_rubric)


def show_rubric(args: argparse.Namespace) -> int:
    from autograder.checks import all_checks
    from autograder.rubric import RubricError, check_weight_names, load_rubric, rubric_template

    if args.write:
        problem = file_problem(args.write, "--write")
        if problem is None and args.write.exists():
            problem = f"{args.write} exists; not overwritten"
        if problem:
            print(f"cnnlab rubric: error: {problem}", file=sys.stderr)
            return 2
        args.write.write_text(rubric_template())
        print(f"wrote {args.write}: edit it, then grade with --rubric {args.write}")
        return 0
    try:
        rubric = load_rubric(args.rubric)
        checks = all_checks()
        check_weight_names(rubric, checks)
    except RubricError as error:
        print(f"cnnlab rubric: error: {error}", file=sys.stderr)
        return 2
    print(f"rubric: {rubric.source}; [default] or [rubric file] says where a value comes from")
    for function, own in checks.items():
        entry = rubric.functions[function]
        forbid = (f", forbids {', '.join(entry.forbid)} [{entry.origin('forbid')}]"
                  if entry.forbid else "")
        print(f"{function}: {rubric.points_of(function):g} points [{entry.origin('points')}]"
              + forbid)
        shares = rubric.check_points(function, own)
        for check, share in zip(own, shares, strict=True):
            weight = f"{rubric.weight_of(function, check):g} [{entry.origin(check.name)}]"
            print(f"  {check.name:<38} weight {weight:<18} {share:5.2f} points  "
                  f"{check.description}")
    print(f"total: {rubric.max_score:g} points")
    return 0


def run(args: argparse.Namespace) -> int:
    problem = _argument_problem(args)
    if problem:
        print(f"cnnlab grade: error: {problem}", file=sys.stderr)
        return 2
    from autograder import course_key
    from autograder.interrupts import exit_status, interruptible, leave, signal_of
    from autograder.pipeline import Options, grade_class
    from autograder.submissions import find_candidates, nothing_to_grade

    options = Options(jobs=args.jobs, resume=args.resume, detail=args.detail,
                      rubric=args.rubric, isolation=args.isolation, overrides=args.overrides,
                      command=shlex.join(["cnnlab", *sys.argv[1:]]),
                      cluster=_connection(args), shard=_shard(args))
    try:
        skipped: dict[str, str] = {}
        candidates = find_candidates(args.submissions, exclude=args.out, skipped=skipped)
        nothing = nothing_to_grade(args.submissions, candidates, skipped)
        if nothing:
            raise ValueError(nothing)
        if args.course_key:  # the environment: the grading and drawing processes read it too
            os.environ[course_key.KEY_ENV] = str(args.course_key.absolute())
        key = course_key.load()
        print(f"course key: {key.path} (fingerprint {key.fingerprint})", file=sys.stderr)
        print(f"grading {len(candidates)} hand-ins from {args.submissions}", file=sys.stderr,
              flush=True)
        with interruptible(), Progress(len(candidates)) as progress:
            run_ = grade_class(args.submissions, args.out, options, progress=progress)
    except (ValueError, RuntimeError, FileNotFoundError) as error:
        print(f"cnnlab grade: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:  # outside the grading itself (writing the outputs)
        print("\ninterrupted: the gradebook holds every hand-in graded so far; run again with "
              "--resume", file=sys.stderr)
        leave(exit_status(signal_of(stop)))
    if run_.interrupted:
        print(f"interrupted: {len(run_.results)} of {run_.hand_ins} graded; run again with "
              "--resume", file=sys.stderr)
        leave(exit_status(run_.interrupted))
    print(summary(run_, args.out))
    for line in warning_lines(run_):
        print(line, file=sys.stderr)
    return 1 if run_.errors else 0


class Progress:
    """The pipeline's events on stderr: stage lines always; per hand-in a tqdm bar on a
    terminal, a line ``graded s001 (3/11)`` otherwise."""

    def __init__(self, total: int, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.done = total, 0
        self.bar: tqdm | None = None  # on a terminal, once the number of hand-ins is known
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, event: str, text: str) -> None:
        if event == "stage":
            self._line(text)
            return
        if event == "todo":  # the hand-ins to grade now: the bar's length
            self.total = int(text)
            if self.tty:
                from tqdm import tqdm
                self.bar = tqdm(total=self.total, unit="hand-in", file=self.stream)
            return
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        else:
            verb = "graded" if event == "graded" else "GRADER FAILED on"
            self._line(f"{verb} {text} ({self.done}/{self.total})")

    def _line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        print(text, file=self.stream, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def run_merge(args: argparse.Namespace) -> int:
    from autograder import course_key
    from autograder.gradebook import SealedError
    from autograder.shards import ShardError, merge

    missing = [o for o in args.outs if not (o / "gradebook.sqlite").is_file()]
    problem = (f"{missing[0]} holds no gradebook.sqlite (not an OUT of cnnlab grade)"
               if missing else folder_problem(args.out, "--out"))
    if not problem and any(os.path.realpath(o) == os.path.realpath(args.out)
                           for o in args.outs):
        problem = "--out must be a new folder, not one of the shards"
    if problem:
        print(f"cnnlab merge: error: {problem}", file=sys.stderr)
        return 2
    if args.course_key:
        os.environ[course_key.KEY_ENV] = str(args.course_key.absolute())
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    try:
        merged = merge(args.outs, args.out, course_key.load(), args.jobs, args.submissions,
                       shlex.join(["cnnlab", *sys.argv[1:]]), say)
    except (ShardError, SealedError, course_key.CourseKeyError) as error:
        print(f"cnnlab merge: error: {error}", file=sys.stderr)
        return 2
    print(f"{len(merged.results)} students from {len(args.outs)} folders "
          f"({len(merged.errors)} not graded by the grader's fault)")
    print(f"written: {args.out}/grades.csv, feedback/, results/, gradebook.sqlite, "
          "report.html")
    return 1 if merged.errors else 0


def _connection(args: argparse.Namespace):
    if not args.scheduler:
        return None
    from autograder.cluster import Connection
    return Connection(args.scheduler, args.tls_ca, args.tls_cert, args.tls_key)


def _shard(args: argparse.Namespace) -> tuple[int, int] | None:
    from autograder.shards import parse
    return parse(args.shard) if args.shard else None


def _argument_problem(args: argparse.Namespace) -> str | None:
    if args.shard:
        from autograder.shards import ShardError, parse
        try:
            parse(args.shard)
        except ShardError as error:
            return str(error)
    if args.scheduler or args.tls_ca or args.tls_cert or args.tls_key:
        from autograder.cluster import Connection, available
        if not args.scheduler:
            return "--tls-* options go with --scheduler"
        problem = Connection(args.scheduler, args.tls_ca, args.tls_cert, args.tls_key).problem()
        if problem:
            return problem
        if not available():
            from autograder.cluster import INSTALL_HINT
            return INSTALL_HINT
    if not args.submissions.is_dir():
        return f"SUBMISSIONS folder {args.submissions} does not exist or is not a folder"
    if args.jobs < 0:
        return f"-j must be at least 1 (or 0 for 3 per 2 cores), got {args.jobs}"
    if args.rubric is not None and not args.rubric.is_file():
        return f"rubric file {args.rubric} does not exist"
    if args.overrides is not None and not args.overrides.is_file():
        return f"overrides file {args.overrides} does not exist"
    problem = folder_problem(args.out, "--out")
    if problem:
        return problem
    if os.path.realpath(args.out) == os.path.realpath(args.submissions):
        return "--out must not be the SUBMISSIONS folder"
    return None


def summary(run, out: Path) -> str:
    """The table printed at the end: one row per student (the first ones), then the class."""
    from autograder.outputs import points
    from autograder.sandbox import isolation_note

    rows = [("student", "score", "max", "seconds")]
    for result in run.results[:MAX_STUDENT_ROWS]:
        rows.append((result.student, points(result.score), points(result.max_score),
                     f"{run.seconds_per_student.get(result.student, 0.0):.1f}"))
    lines = _table(rows)
    if len(run.results) > MAX_STUDENT_ROWS:
        lines.append(f"... and {len(run.results) - MAX_STUDENT_ROWS} more: see grades.csv")
    lines += ["", *_function_table(run.results), ""]
    lines.append(f"{len(run.results)} students ({len(run.graded)} graded now, "
                 f"{len(run.reused)} unchanged and kept) in {run.seconds:.1f} s")
    lines.append(isolation_note(run.isolation))
    if run.isolation_reason:
        lines.append(f"chosen because: {run.isolation_reason}")
    lines.append(f"written: {out}/grades.csv, feedback/, results/, gradebook.sqlite, "
                 "report.html")
    return "\n".join(lines)


def warning_lines(run) -> list[str]:
    """The stderr lines after the summary: entries that are no hand-in, the grader's own
    errors, and one line naming the hand-ins an instructor should look at."""
    from autograder.text import printable

    lines = [f"not graded: {entry!r} in SUBMISSIONS ({why})"
             for entry, why in run.skipped.items()]
    lines += [f"GRADER ERROR for {student} (not graded, see grader_errors.txt):\n"
              f"{printable(error)}" for student, error in run.errors.items()]
    groups = hand_ins_to_look_at(run)
    if groups:
        lines.append("hand-ins to look at: " + "; ".join(
            f"{len(names)} {what} ({', '.join(names)})" for what, names in groups.items()))
    return lines


def hand_ins_to_look_at(run) -> dict[str, list[str]]:
    """What went wrong -> the hand-ins (or entries) it went wrong for, for those that occur."""
    from autograder.sandbox.client import TIMED_OUT_NOTE
    from autograder.submissions import NO_MODULES, UNREADABLE

    def having(notes_of, start: str) -> list[str]:
        return [r.student for r in run.results if any(n.startswith(start) for n in notes_of(r))]

    unreadable = having(lambda r: r.notes, UNREADABLE)
    groups = {"unreadable": unreadable,
              "without an exercise module": [s for s in having(lambda r: r.notes, NO_MODULES)
                                             if s not in unreadable],
              "timed out": having(lambda r: r.grader_notes, TIMED_OUT_NOTE),
              "skipped": list(run.skipped),
              "failed in the grader": list(run.errors)}
    return {what: names for what, names in groups.items() if names}


def _function_table(results) -> list[str]:
    from autograder.outputs import points

    rows = [("function", "mean points", "max", "full marks")]
    per_student = [{f.function: f for f in r.functions} for r in results]
    names = list(dict.fromkeys(name for functions in per_student for name in functions))
    for name in names:
        graded = [functions[name] for functions in per_student if name in functions]
        full = sum(f.points >= f.max_points for f in graded)
        rows.append((name, points(sum(f.points for f in graded) / len(graded)),
                     points(max(f.max_points for f in graded)), f"{full}/{len(graded)}"))
    return _table(rows)


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    line = lambda row: "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))  # noqa: E731
    return [line(rows[0]), "  ".join("-" * w for w in widths), *map(line, rows[1:])]
