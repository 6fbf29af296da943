"""``cnnlab bank build|stress|coverage`` and ``cnnlab drill``.

The generator, the stress test and the coverage table are imported inside the command
functions, so that ``cnnlab --help`` stays fast and a broken template never breaks the other
commands.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from question_bank.model import LEARNING_OUTCOMES, Item

OLD_PROGRESS = Path.home() / ".cnnlab_drill.json"  # before cnnlab/paths.py: moved once
DEFAULT_ITEMS = 50  # bank build without --n or --blueprint
DRILL_BANK_SIZE = 200  # items generated for a drill without --bank
PRACTICE_BANK = Path(__file__).with_name("practice_bank.json")  # only in the student release
PRACTICE_PAGE = "practice.html"  # beside the release's README
PROGRESS_FROM = 200  # print progress lines for banks at least this large
OUT_HELP = ("the folder to write into (made if missing; its parent must exist). One "
            "exception: a name ending in .json with --format json (or no --format) is the "
            "bank's JSON file itself")


def default_progress() -> Path:
    """The drill's state file: in the user's state folder (XDG_STATE_HOME on Linux)."""
    from cnnlab.paths import state_dir
    return state_dir() / "drill.json"


def default_figures() -> Path:
    """Where the drill saves the figure of an asked question: this user's own temp folder."""
    from cnnlab.paths import temp_dir
    return temp_dir() / "drill-figures"


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
    bank = subparsers.add_parser(
        "bank", help="the generated question bank: exams, exports, the practice page",
        description="The question bank: templates per learning outcome make exam questions "
                    "with worked solutions. 'cnnlab bank build' writes an exam or a practice "
                    "page, 'stress' checks the templates over many seeds, 'coverage' shows "
                    "which templates cover which learning outcome.")
    bank.set_defaults(func=lambda _args: bank.print_help(sys.stderr) or 2)
    sub = bank.add_subparsers(metavar="ACTION")

    build = sub.add_parser(
        "build", help="generate an exam (or a practice page) and export it",
        description="Generate a bank and write it in each format into the folder --out: json "
                    "(bank.json), markdown (bank.md, answers.md, images/), html (exam.html, "
                    "answer_key.html), moodle (moodle.xml), canvas (canvas_qti.zip), and "
                    "practice (practice.html, an offline page for students; not part of "
                    "'all'). Exams never ask a question of the practice bank the student "
                    "release ships; --format practice draws from the practice seeds.")
    build.add_argument("--seed", type=int, default=0, help="the same seed gives the same bank")
    build.add_argument("--n", type=positive, default=None,
                       help="number of items, spread over the learning outcomes and "
                            "difficulties (default 50)")
    build.add_argument("--blueprint", type=Path, metavar="FILE",
                       help="a TOML file: per learning outcome a table of difficulty = count, "
                            "e.g. [LO1] 1 = 2 (instead of --n)")
    build.add_argument("--forms", type=positive, default=1,
                       help="parallel forms: the same template at every position, different "
                            "questions; each form is written into --out/form-1, form-2, ... "
                            "(default 1)")
    build.add_argument("--outcome", type=outcome, nargs="+", action="extend", metavar="LO",
                       help="only these learning outcomes, e.g. --outcome LO1 LO4")
    build.add_argument("--difficulty", type=int, choices=(1, 2, 3),
                       help="only this difficulty (1 easy, 2 medium, 3 hard)")
    build.add_argument("--format", type=format_list, default=None, dest="formats",
                       metavar="FORMATS",
                       help="comma-separated: json,markdown,html,moodle,canvas,practice, or "
                            "all (every format but practice; the default)")
    build.add_argument("--no-figures", action="store_true", help="leave the figures out")
    build.add_argument("--out", required=True, type=Path, help=OUT_HELP)
    build.set_defaults(func=build_command)

    stress = sub.add_parser(
        "stress", help="generate many seeds per template and report problems",
        description="Make every template at many seeds and print a table: distinct "
                    "questions, repeats, positions of the right choice, and any error with "
                    "its seed.")
    stress.add_argument("--seeds", type=positive, default=2000, help="seeds per template")
    stress.set_defaults(func=stress_command)

    coverage = sub.add_parser(
        "coverage", help="which templates cover which learning outcome",
        description="Print the table of templates per learning outcome and question type.")
    coverage.set_defaults(func=coverage_command)

    drill = subparsers.add_parser(
        "drill", help="practise exam questions in the terminal",
        description="Practise exam questions in a terminal. Replies: a number (1.5, 1,5, "
                    "12 345, 3/4 where a question takes fractions), a letter A/B/C, or T/F; "
                    "q stops. Questions you missed come back (FSRS, as on the practice "
                    "page); otherwise the weakest learning outcome is asked most. Answers "
                    "can be piped in. In Jupyter, use the practice page or "
                    "question_bank.drill.practise() in a cell instead.",
        epilog="learning outcomes: " + "; ".join(
            f"{lo}: {text}" for lo, text in LEARNING_OUTCOMES.items()))
    drill.add_argument("--bank", type=Path,
                       help="a bank.json from 'cnnlab bank build' (default: the practice "
                            "bank, or a generated one)")
    drill.add_argument("--n", type=positive, default=5, help="number of questions (default 5)")
    drill.add_argument("--seed", type=int, default=None,
                       help="repeat a session's questions (default: new ones each session; "
                            "the drill prints the seed it used)")
    drill.add_argument("--figures", type=Path, default=None, metavar="DIR",
                       help="where question figures are saved (default: a folder of your "
                            "own in the temporary folder)")
    drill.add_argument("--outcome", type=outcome, metavar="LO",
                       help="only this learning outcome, e.g. LO1")
    drill.add_argument("--progress", type=Path, default=None,
                       help="the file that keeps your progress (default: drill.json in "
                            "cnnlab's state folder, e.g. ~/.local/state/cnnlab)")
    drill.set_defaults(func=drill_command)


def _generate(args: argparse.Namespace, practice: bool) -> list[list]:
    """The forms (lists of items) that ``bank build`` asked for: a practice bank from the
    practice seeds, or an exam that skips the shipped practice bank's questions."""
    from question_bank.generate import build_exam_forms, build_forms, read_blueprint
    blueprint = None
    if args.blueprint is not None:
        try:
            blueprint = read_blueprint(args.blueprint)
        except ValueError as error:
            raise SystemExit(f"cnnlab bank build: --blueprint: {error}") from None
    n = args.n if args.n is not None or blueprint is not None else DEFAULT_ITEMS
    total = (n or sum((blueprint or {}).values())) * args.forms
    started = time.perf_counter()
    if total >= PROGRESS_FROM:
        print(f"generating {total} items ...", file=sys.stderr, flush=True)
    options = {"outcomes": args.outcome, "difficulty": args.difficulty, "blueprint": blueprint,
               "figures": not args.no_figures}
    try:
        if practice:
            forms = build_forms(args.forms, n, args.seed, practice=True, **options)
        else:
            forms, avoided = build_exam_forms(args.forms, n, args.seed, **options)
            if avoided:
                print(f"note: {avoided} drawn question(s) are in the students' practice bank "
                      f"and were replaced", file=sys.stderr)
    except ValueError as error:
        raise SystemExit(f"cnnlab bank build: {error}") from None
    if total >= PROGRESS_FROM:
        print(f"generated {total} items in {time.perf_counter() - started:.1f} s",
              file=sys.stderr, flush=True)
    return forms


def _where(args: argparse.Namespace) -> tuple[list[str], bool]:
    """(formats, single_file): --out is a folder, or the JSON file itself (``x.json`` with
    json alone); its parent folder must exist (nothing is made outside OUT)."""
    from question_bank.export import ALL
    out: Path = args.out
    single_file = out.suffix.lower() == ".json" and args.formats in (None, ["json"])
    formats = ["json"] if single_file else args.formats or list(ALL)
    if out.suffix.lower() == ".json" and not single_file:
        raise SystemExit(f"cnnlab bank build: --out {out} names a JSON file, which holds only "
                         f"--format json; give a folder for {', '.join(formats)}")
    if single_file and args.forms > 1:
        raise SystemExit("cnnlab bank build: --forms writes one folder per form; give --out "
                         "a folder, not a .json file")
    if not single_file and out.exists() and not out.is_dir():
        raise SystemExit(f"cnnlab bank build: --out {out} is a file; give a folder")
    parent = out.absolute().parent
    if not parent.is_dir():
        raise SystemExit(f"cnnlab bank build: --out {out}: the folder {parent} does not exist")
    return formats, single_file


def build_command(args: argparse.Namespace) -> int:
    """``cnnlab bank build``: generate, then write each requested format into ``--out``."""
    _require_generator()
    from question_bank.export.json_export import write_json_file
    formats, single_file = _where(args)
    forms = _generate(args, practice="practice" in formats)
    out: Path = args.out
    if single_file:
        _warn_plainly(write_json_file, forms[0], out)
        print(f"wrote {len(forms[0])} items to {out}")
        return 0
    for number, items in enumerate(forms, start=1):
        folder = out if len(forms) == 1 else out / f"form-{number}"
        if len(forms) > 1:
            out.mkdir(exist_ok=True)
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
    try:
        import question_bank.generate  # noqa: F401  (the student release has none)
    except ImportError:
        return False
    return True


def in_jupyter(stdin=None) -> bool:
    """True when the drill runs under a Jupyter kernel's ``!cnnlab drill``: IPython gives the
    command a pseudo-terminal (pexpect) that nobody can type into, so ``input`` would wait
    forever. jupyter_client's launcher sets JPY_PARENT_PID in every kernel's environment."""
    stdin = sys.stdin if stdin is None else stdin
    return "JPY_PARENT_PID" in os.environ and stdin is not None and stdin.isatty()


JUPYTER_HELP = """cnnlab drill: this is a Jupyter notebook, where a command cannot read what
you type. Practise here instead in one of these ways:
  - in a cell:  from question_bank.drill import practise; practise(n=5)
  - open the practice page in a browser (practice.html in the release folder, or make one
    with: cnnlab bank build --format practice --out practice)
  - or run cnnlab drill in a terminal"""


def drill_command(args: argparse.Namespace) -> int:
    """``cnnlab drill``: load or generate items, keep those of --outcome, run the drill."""
    from question_bank.drill import migrate_progress, run_drill
    if in_jupyter():
        print(JUPYTER_HELP, file=sys.stderr)
        return 2
    if args.progress is None:
        args.progress = default_progress()
        moved = migrate_progress(OLD_PROGRESS, args.progress)
        if moved:
            print(f"moved your drill progress from {OLD_PROGRESS} to {args.progress}")
    items, prepare, recall = _drill_items(args)
    try:
        run_drill(items, args.progress, args.n, seed=args.seed, prepare=prepare,
                  figures=args.figures or default_figures(), recall=recall)
    except ValueError as error:
        raise SystemExit(f"cnnlab drill: {error}") from None
    return 0


def _drill_items(args: argparse.Namespace) -> tuple[list[Item], Callable[[Item], Item] | None,
                                                    Callable[[str], Item | None] | None]:
    """(items, prepare, recall) of a drill: --bank, the release's practice bank, or a bank
    generated now (figures only for the asked items, and questions due again made anew)."""
    prepare: Callable[[Item], Item] | None = None
    recall: Callable[[str], Item | None] | None = None
    if args.seed is None:  # a new session, new questions; the seed is printed to repeat it
        args.seed = secrets.randbelow(1_000_000)
    print(f"seed {args.seed} (cnnlab drill --seed {args.seed} asks these questions again)")
    if args.bank is not None or (PRACTICE_BANK.is_file() and not _can_generate()):
        from question_bank.export import read_json
        try:
            items = read_json(args.bank or PRACTICE_BANK)
        except ValueError as error:
            raise SystemExit(f"cnnlab drill: --bank: {error}") from None
    else:
        from question_bank.generate import build_bank, item_from_id, with_figure
        outcomes = [args.outcome] if args.outcome else None
        items = build_bank(DRILL_BANK_SIZE, args.seed, outcomes=outcomes, figures=False,
                           practice=True)
        prepare, recall = with_figure, item_from_id
    if args.outcome:
        items = [item for item in items if item.learning_outcome == args.outcome]
    if not items:
        raise SystemExit(f"cnnlab drill: --outcome: the bank has no items for {args.outcome}")
    return items, prepare, recall
