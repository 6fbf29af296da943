"""``cnnlab bank build|stress|coverage`` and ``cnnlab drill``.

The generator, the stress test and the coverage table are imported inside the command
functions, so that ``cnnlab --help`` stays fast and a broken template never breaks the other
commands.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
import warnings
from pathlib import Path

from question_bank.model import LEARNING_OUTCOMES

DEFAULT_PROGRESS = Path.home() / ".cnnlab_drill.json"
DEFAULT_ITEMS = 50  # bank build without --n or --blueprint
DRILL_BANK_SIZE = 200  # items generated for a drill without --bank
DRILL_FIGURES = Path(tempfile.gettempdir()) / "cnnlab-drill"  # figures of asked questions
PRACTICE_BANK = Path(__file__).with_name("practice_bank.json")  # only in the student release
PROGRESS_FROM = 200  # print progress lines for banks at least this large


def outcome(text: str) -> str:
    """An argparse type: "lo1" or "LO1" -> "LO1"; anything else is a clear error."""
    name = text.strip().upper()
    if name not in LEARNING_OUTCOMES:
        raise argparse.ArgumentTypeError(
            f"unknown learning outcome {text!r}; choose from {', '.join(LEARNING_OUTCOMES)}")
    return name


def format_list(text: str) -> list[str]:
    """An argparse type: "json,html" or "all" -> the format names, checked."""
    from question_bank.export import parse_formats
    try:
        return parse_formats(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("format: ")) from error


def positive(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(subparsers) -> None:
    """Add ``bank`` (with build, stress, coverage) and ``drill`` to the cnnlab command line."""
    bank = subparsers.add_parser("bank", help="the generated question bank")
    bank.set_defaults(func=lambda _args: bank.print_help() or 2)
    sub = bank.add_subparsers(metavar="ACTION")

    build = sub.add_parser(
        "build", help="generate a bank and export it",
        description="Generate a bank and write it in each format into --out: json (bank.json), "
                    "markdown (bank.md, answers.md, images/), html (exam.html, "
                    "answer_key.html), moodle (moodle.xml), canvas (canvas_qti.zip).")
    build.add_argument("--seed", type=int, default=0, help="the same seed gives the same bank")
    build.add_argument("--n", type=positive, default=None,
                       help="number of items, spread over the learning outcomes and "
                            "difficulties (default 50)")
    build.add_argument("--blueprint", type=Path, metavar="FILE",
                       help="a TOML file: per learning outcome a table of difficulty = count, "
                            "e.g. [LO1] 1 = 2 (instead of --n)")
    build.add_argument("--forms", type=positive, default=1,
                       help="parallel forms: the same blueprint, different questions; each "
                            "form is written into --out/form-1, form-2, ... (default 1)")
    build.add_argument("--outcome", type=outcome, nargs="+", action="extend", metavar="LO",
                       help="only these learning outcomes, e.g. --outcome LO1 LO4")
    build.add_argument("--difficulty", type=int, choices=(1, 2, 3),
                       help="only this difficulty (1 easy, 2 medium, 3 hard)")
    build.add_argument("--format", type=format_list, default=None, dest="formats",
                       metavar="FORMATS",
                       help="comma-separated: json,markdown,html,moodle,canvas, or all "
                            "(the default)")
    build.add_argument("--no-figures", action="store_true", help="leave the figures out")
    build.add_argument("--out", required=True, type=Path,
                       help="the folder to write into (a file name ending in .json writes "
                            "only that JSON file)")
    build.set_defaults(func=build_command)

    stress = sub.add_parser("stress", help="generate many seeds per template and report problems")
    stress.add_argument("--seeds", type=positive, default=2000, help="seeds per template")
    stress.set_defaults(func=stress_command)

    coverage = sub.add_parser("coverage", help="which templates cover which learning outcome")
    coverage.set_defaults(func=coverage_command)

    drill = subparsers.add_parser(
        "drill", help="practise exam questions in the terminal",
        description="Practise exam questions. Replies: a number (1.5 or 1,5), a letter A/B/C, "
                    "or T/F; q stops. Progress per learning outcome is kept in --progress; "
                    "the weakest outcome is asked most. Answers can be piped in.")
    drill.add_argument("--bank", type=Path,
                       help="a bank.json from 'cnnlab bank build' (default: generate one)")
    drill.add_argument("--n", type=positive, default=5, help="number of questions (default 5)")
    drill.add_argument("--seed", type=int, default=None,
                       help="repeat a session's questions (default: new ones each session; "
                            "the drill prints the seed it used)")
    drill.add_argument("--figures", type=Path, default=DRILL_FIGURES, metavar="DIR",
                       help=f"where question figures are saved (default {DRILL_FIGURES})")
    drill.add_argument("--outcome", type=outcome, metavar="LO",
                       help="only this learning outcome, e.g. LO1")
    drill.add_argument("--progress", type=Path, default=DEFAULT_PROGRESS,
                       help=f"where per-outcome progress is kept (default {DEFAULT_PROGRESS})")
    drill.set_defaults(func=drill_command)


def _generate(args: argparse.Namespace) -> list[list]:
    """The forms (lists of items) that ``bank build`` asked for."""
    from question_bank.generate import build_forms, read_blueprint
    blueprint = None
    if args.blueprint is not None:
        try:
            blueprint = read_blueprint(args.blueprint)
        except ValueError as error:
            raise SystemExit(f"cnnlab bank build: --blueprint: {error}") from None
    n = args.n if args.n is not None or blueprint is not None else DEFAULT_ITEMS
    total = (n or sum(blueprint.values())) * args.forms
    started = time.perf_counter()
    if total >= PROGRESS_FROM:
        print(f"generating {total} items ...", file=sys.stderr, flush=True)
    try:
        forms = build_forms(args.forms, n, args.seed, outcomes=args.outcome,
                            difficulty=args.difficulty, blueprint=blueprint,
                            figures=not args.no_figures)
    except ValueError as error:
        raise SystemExit(f"cnnlab bank build: {error}") from None
    if total >= PROGRESS_FROM:
        print(f"generated {total} items in {time.perf_counter() - started:.1f} s",
              file=sys.stderr, flush=True)
    return forms


def build_command(args: argparse.Namespace) -> int:
    """``cnnlab bank build``: generate, then write each requested format into ``--out``."""
    _require_generator()
    from question_bank.export import FORMATS
    from question_bank.export.json_export import write_json_file
    out: Path = args.out
    if out.suffix == ".json" and args.formats is None:
        formats, single_file = ["json"], True
    else:
        formats, single_file = args.formats or list(FORMATS), False
        if out.exists() and not out.is_dir():
            raise SystemExit(f"cnnlab bank build: --out {out} is a file; give a folder")
    if single_file and args.forms > 1:
        raise SystemExit("cnnlab bank build: --forms writes one folder per form; give --out "
                         "a folder, not a .json file")
    forms = _generate(args)
    if single_file:
        out.parent.mkdir(parents=True, exist_ok=True)
        _warn_plainly(write_json_file, forms[0], out)
        print(f"wrote {len(forms[0])} items to {out}")
        return 0
    for number, items in enumerate(forms, start=1):
        folder = out if len(forms) == 1 else out / f"form-{number}"
        _write_formats(items, formats, folder)
    return 0


def _write_formats(items: list, formats: list[str], out: Path) -> None:
    from question_bank.export import FORMATS
    for name in formats:
        if len(items) >= PROGRESS_FROM:
            print(f"writing {name} ...", file=sys.stderr, flush=True)
        paths = _warn_plainly(FORMATS[name], items, out)
        shown = ", ".join(str(path) for path in paths[:3]) + (
            f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        print(f"{name}: wrote {shown}")
    print(f"{len(items)} items in {len(formats)} format(s) in {out}")


def _warn_plainly(write, items: list, out: Path):
    """``write(items, out)``, printing each warning (a skipped item) as one plain line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = write(items, out)
    for warning in caught:  # say so plainly, without a traceback line
        print(f"warning: {warning.message}", file=sys.stderr)
    return result


def stress_command(args: argparse.Namespace) -> int:
    """``cnnlab bank stress``: the stress report of every template."""
    _require_generator()
    from question_bank.stress import format_report, stress_report
    print(format_report(stress_report(args.seeds)))
    return 0


def coverage_command(_args: argparse.Namespace) -> int:
    """``cnnlab bank coverage``: the template x learning-outcome table."""
    _require_generator()
    from question_bank.coverage import coverage_table
    print(coverage_table())
    return 0


def _require_generator() -> None:
    if not _can_generate():
        raise SystemExit("cnnlab bank: this installation has no question generator (the "
                         "student release ships a practice bank instead: try cnnlab drill)")


def _can_generate() -> bool:
    """False in the student release: its question bank has no generator (the templates use
    the reference solutions), only the practice bank generated when it was released."""
    import importlib
    try:
        importlib.import_module("question_bank.generate")
    except ImportError:
        return False
    return True


def drill_command(args: argparse.Namespace) -> int:
    """``cnnlab drill``: load or generate items, keep those of --outcome, run the drill."""
    from question_bank.drill import run_drill
    prepare = None
    if args.seed is None:  # a new session, new questions; the seed is printed to repeat it
        args.seed = secrets.randbelow(1_000_000)
    print(f"seed {args.seed} (cnnlab drill --seed {args.seed} asks these questions again)")
    if args.bank is not None:
        from question_bank.export import read_json
        try:
            items = read_json(args.bank)
        except ValueError as error:
            raise SystemExit(f"cnnlab drill: --bank: {error}") from None
    elif PRACTICE_BANK.is_file() and not _can_generate():  # the student release
        from question_bank.export import read_json
        items = read_json(PRACTICE_BANK)
    else:
        from question_bank.generate import build_bank, with_figure
        outcomes = [args.outcome] if args.outcome else None
        # figures are slow to render: only the asked items get theirs (the drill names it)
        items = build_bank(DRILL_BANK_SIZE, args.seed, outcomes=outcomes, figures=False)
        prepare = with_figure
    if args.outcome:
        items = [item for item in items if item.learning_outcome == args.outcome]
    if not items:
        raise SystemExit(f"cnnlab drill: --outcome: the bank has no items for {args.outcome}")
    try:
        run_drill(items, args.progress, args.n, seed=args.seed, prepare=prepare,
                  figures=args.figures)
    except ValueError as error:
        raise SystemExit(f"cnnlab drill: {error}") from None
    return 0
