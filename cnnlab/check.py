"""``cnnlab check [PATH]``: a student compares their exercises with the public examples.

For every function it says *passed*, *not implemented yet* or *failing* (with the input, the
expected and the actual result). A function that is written but calls one that is still a
stub says so: "calls `pool_output_size`, which is not implemented yet". Passing these few
examples is not the grade: the grader runs hundreds of generated inputs per function.

A folder without any exercise module is refused (exit 2) rather than checked: the installed
stubs would stand in for every module and the report would be about other code.
"""

import argparse
import contextlib
import copy
import inspect
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np

from cnnlab.calls import CallOutput, run_call, source_files, where_in
from cnnlab.catalog import EXERCISES, FUNCTIONS, MODULE_OF
from cnnlab.loading import LoadedExercises, exercises_from, given_code_dir
from cnnlab.placement import defined_at_top, moved_hint
from cnnlab.public_checks import CASES, RAISES, Case
from cnnlab.result_rules import compare, named_in, same_data
from cnnlab.source_text import source_text

SECONDS_PER_CALL = 10
SECONDS_PER_IMPORT = 10  # then a module that loops at import is run again without that line
PASSED, TODO, FAILING = "passed", "not implemented yet", "failing"


@dataclass
class Outcome:
    function: str
    status: str
    details: list[str]
    printed: str = ""  # what the student's own print calls wrote, shown under the function
    waits_for: str | None = None  # a TODO because this stub (another function) was called

    def status_text(self) -> str:
        if self.waits_for:
            return f"calls `{self.waits_for}`, which is {TODO}"
        return self.status


class CallTimeout(Exception):
    pass


# After the time is up, the stop is raised again every this many seconds (a retry loop may
# catch a few), and after ``STOP_TRIES`` of them the check ends with a message: a loop that
# catches every exception (``except:`` around the work) cannot be stopped from inside.
SECONDS_BETWEEN_STOPS = 1
STOP_TRIES = 5
CAUGHT_STOP_EXIT = 3


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Stop an endless loop in the student's code (Unix, main thread; elsewhere no limit)."""
    tries = 0

    def expire(signum, frame):
        nonlocal tries
        tries += 1
        if tries > STOP_TRIES:
            _end_caught_loop(seconds, frame)
        signal.alarm(SECONDS_BETWEEN_STOPS)  # cancelled on the way out if this one is not caught
        raise CallTimeout(f"took longer than {seconds} s (an endless loop?)")
    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except (AttributeError, ValueError):
        yield
        return
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _end_caught_loop(seconds: int, frame) -> NoReturn:
    """The check cannot go on: the student's code catches the exception that stops it."""
    print(f"\ncnnlab check stopped: your code ran longer than {seconds} s and kept running "
          f"when it was stopped {STOP_TRIES} times{_student_line(frame)}. It catches the "
          "exception that stops it: an `except:` or `except Exception:` around the work "
          "inside a loop? Catch only the errors you expect (`except ValueError:`), then run "
          "cnnlab check again.", file=sys.stderr, flush=True)
    os._exit(CAUGHT_STOP_EXIT)  # SystemExit would be caught by the same loop


def _student_line(frame) -> str:
    """", at pooling.py, line 12": the innermost frame outside Python, its libraries and
    cnnlab (the student's loop)."""
    library = [Path(sys.prefix), Path(sys.base_prefix), Path(__file__).parent]
    while frame is not None:
        file = Path(frame.f_code.co_filename)
        if file.is_absolute() and not any(file.is_relative_to(root) for root in library):
            return f", at {file.name}, line {frame.f_lineno}"
        frame = frame.f_back
    return ""


def run_case(function, case: Case, stub_folders: frozenset[Path] = frozenset(),
             output: CallOutput | None = None) -> str | None:
    """None if the student's ``function`` passes ``case``, else what went wrong.
    Raises NotImplementedError when a stub (its own or one it calls, in ``stub_folders``:
    the student's folder and the given code) is still there."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    with time_limit(SECONDS_PER_CALL):  # sigmoid must not overflow: warnings are errors
        outcome = run_call(function, args, kwargs, files=source_files(function),
                           warnings_as_errors=True, output=output)
    error, actual = outcome.exception, outcome.value
    if isinstance(error, NotImplementedError):
        if _raising_frame(error, function, stub_folders) is None:  # a library's, not a stub
            return f"raised NotImplementedError: {error}{where(error, function)}"
        raise error
    if error is not None and not isinstance(error, Exception):  # Ctrl-C, SystemExit
        raise error
    if isinstance(error, ValueError):
        if case.expected is not RAISES:
            return f"raised ValueError: {error}{where(error, function)}"
        return _names_no_argument(function, error)
    if error is not None:  # the student's bug, reported, not fatal
        should = "should raise ValueError, " if case.expected is RAISES else ""
        return f"{should}raised {type(error).__name__}: {error}{where(error, function)}"
    if case.expected is RAISES:
        return f"should raise ValueError, returned {_show(actual)}"
    problem = compare(case.function, case.expected, actual)
    if problem and f"expected {_show(case.expected)}, got {_show(actual)}" in problem:
        return problem  # a count or a shape: said in full already
    if problem:
        return f"{problem}\n      expected: {_show(case.expected)}\n      actual:   {_show(actual)}"
    return _changed_argument(function, case, args, kwargs)


def _parameters(function, args: tuple, kwargs: dict) -> dict:
    """The arguments by their names in ``function``'s signature (by position if it has none
    that fits)."""
    try:
        return dict(inspect.signature(function).bind(*args, **kwargs).arguments)
    except (TypeError, ValueError):
        return {**{f"argument {i + 1}": a for i, a in enumerate(args)}, **kwargs}


def _names_no_argument(function, error: ValueError) -> str | None:
    """SPEC 2 (graded): the message names the argument that is wrong."""
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # no signature to read: nothing to ask
        return None
    if not names or named_in(str(error), names):
        return None
    return (f"raised ValueError: {error}{where(error, function)}\n      the right error, but "
            f"its message names no argument: say which one is wrong and why "
            f"({', '.join(f'`{n}`' for n in names)}), as the graded tests ask")


def _changed_argument(function, case: Case, args: tuple, kwargs: dict) -> str | None:
    """SPEC 2 (graded): inputs are never modified; the first argument the call changed."""
    after = _parameters(function, args, kwargs)
    for name, before in _parameters(function, case.args, case.kwargs).items():
        if not same_data(before, after.get(name)):
            return (f"changed its argument {name} in place: before the call "
                    f"{_show(before)}, after it {_show(after.get(name))}\n      inputs must "
                    f"stay as they are (graded): compute into a new array (`out = ...`, or "
                    f"`{name} = {name}.copy()` first), never `{name}[...] = ...`")
    return None


def where(error: BaseException, function) -> str:
    """``"\n      at padding.py, line 12: return x[pad]"``: the last frame of the raise in
    the student's own file (the file that defines ``function``), or "" when there is none."""
    found = where_in(error, source_files(function))
    return f"\n      at {found}" if found else ""


def _raising_frame(error: BaseException, function,
                   stub_folders: frozenset[Path]) -> traceback.FrameSummary | None:
    """The frame that raised ``error`` when it is in one of ``stub_folders`` or in the file
    of ``function`` (a stub); None when a library raised it."""
    frames = traceback.extract_tb(error.__traceback__)
    own = getattr(getattr(function, "__code__", None), "co_filename", None)
    folders = set(stub_folders) | ({Path(own).resolve().parent} if own else set())
    if frames and Path(frames[-1].filename).resolve().parent in folders:
        return frames[-1]
    return None


def stub_called(error: NotImplementedError, function,
                stub_folders: frozenset[Path] = frozenset()) -> str | None:
    """The name of the stub that raised ``error`` when it is not ``function`` itself
    (``max_pool`` calling a still-stubbed ``pool_output_size``), else None."""
    frame = _raising_frame(error, function, stub_folders)
    code = getattr(function, "__code__", None)
    if frame is None or code is None or (frame.name == code.co_name
                                         and frame.filename == code.co_filename):
        return None
    return frame.name


def _show(value) -> str:
    if isinstance(value, np.ndarray):
        return " ".join(np.array2string(value, separator=", ", precision=6).split())
    return repr(value)


def check_function(loaded: LoadedExercises, name: str, given: Path | None = None,
                   sources: Mapping[str, str] | None = None) -> Outcome:
    """``name``'s outcome; ``given``: the installed given code (support modules and the
    stubs that stand in for modules not handed in); ``sources``: the folder's code
    (``sources_of``), read for a function defined in another module than its stub's."""
    module = MODULE_OF[name]
    if module in loaded.errors:
        return Outcome(name, FAILING, [f"{module}.py does not import: {loaded.errors[module]}"])
    function = loaded.function(name)
    if function is None or module in loaded.missing:
        moved = moved_hint(name, sources if sources is not None else sources_of(loaded.folder))
        if function is None:
            return Outcome(name, FAILING, [f"{module}.py has no function {name}{moved}"])
        if moved:  # the stub stands in for the module: "not implemented" would mislead
            return Outcome(name, FAILING, [f"{module}.py is not in this folder{moved}"])
    details = []
    stub_folders = frozenset(f.resolve() for f in (loaded.folder, given) if f is not None)
    cases = [c for c in CASES if c.function == name]
    printed = []
    for index, case in enumerate(cases):
        output = CallOutput()
        try:
            problem = run_case(function, case, stub_folders, output)
        except NotImplementedError as error:
            return Outcome(name, TODO, [],
                           waits_for=stub_called(error, function, stub_folders))
        finally:
            printed.append(output.printed())
        if problem:
            why = f"  ({case.why})" if case.why else ""
            details.append(f"{case.call_text()}{why}\n      {problem}")
        left = len(cases) - index - 1
        if problem and CallTimeout.__name__ in problem and left:  # another 10 s each
            details.append(f"the other {left} example{'s' if left > 1 else ''} not run: "
                           "fix the endless loop first")
            break
    return Outcome(name, FAILING if details else PASSED, details, "".join(printed))


def sources_of(folder: Path) -> dict[str, str]:
    """The text of each ``.py`` file in ``folder`` (module -> text), for ``moved_hint``."""
    return {path.stem: source_text(path.read_bytes())
            for path in sorted(folder.glob("*.py")) if path.is_file()}


def check_folder(folder: Path, notes: list[str] | None = None) -> list[Outcome]:
    """Every function's outcome; ``notes``, when given, gets what concerns a whole module (one
    whose import raised outside any function, run without the statements that raised)."""
    given = given_code_dir()  # found before the folder is mounted as ``exercises``
    with exercises_from(folder, limit=lambda: time_limit(SECONDS_PER_IMPORT)) as loaded:
        sources = sources_of(folder)
        if notes is not None:
            notes += loaded.partial.values()
        return [check_function(loaded, name, given, sources) for name in FUNCTIONS]


def report(outcomes: list[Outcome], folder: Path, notes: Sequence[str] = ()) -> str:
    marks = {PASSED: "ok  ", TODO: "todo", FAILING: "FAIL"}
    lines = [f"Public checks of {folder}", "", *(f"Note: {note}" for note in notes),
             *([""] if notes else [])]
    told: set[str] = set()  # a module's import error, said in full once
    for outcome in outcomes:
        lines.append(f"  [{marks[outcome.status]}] {outcome.function:<20} "
                     f"{outcome.status_text()}")
        for detail in outcome.details:
            if " does not import: " in detail and detail in told:
                detail = detail.split(": ", 1)[0] + " (said above)"
            told.add(detail)
            lines.append(f"         {detail}")
        lines += _printed_lines(outcome.printed)
    counts = {s: sum(o.status == s for o in outcomes) for s in marks}
    lines += ["", f"{counts[PASSED]} passed, {counts[FAILING]} failing, "
              f"{counts[TODO]} not implemented yet, of {len(outcomes)} functions.",
              "These are a few public examples. Your grade comes from hidden tests with "
              "hundreds of generated inputs per function: passing here is not the grade."]
    return "\n".join(lines)


PRINTED_LINES = 5  # of a function's own prints, under its line in the report


def _printed_lines(printed: str) -> list[str]:
    """What a function printed during its examples, its first lines, under its name."""
    text = printed.splitlines()
    if not text:
        return []
    more = len(text) - PRINTED_LINES
    return ["         printed (your print calls):",
            *(f"           {line[:200]}" for line in text[:PRINTED_LINES]),
            *([f"           ... and {more} more line{'s' if more > 1 else ''}"] if more > 0
              else [])]


def default_folder() -> Path:
    return Path("exercises")


NOTEBOOK_CELLS = "in a notebook, the read-only cells under each exercise run these examples"


def folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be checked (not a folder, or no exercise module in it)."""
    modules = ", ".join(f"{module}.py" for module in EXERCISES)
    if not folder.is_dir():
        return (f"{folder} is not a folder. Give the folder that holds your exercise modules "
                f"({modules}); the default is ./exercises")
    if any((folder / f"{module}.py").is_file() for module in EXERCISES):
        return None
    found = sorted(p.name for p in folder.iterdir())
    seen = (f"it holds {len(found)} other entries ({', '.join(found[:5])}"
            f"{', ...' if len(found) > 5 else ''})" if found else "it is empty")
    notebook = (f" cnnlab check reads .py modules; {NOTEBOOK_CELLS}."
                if any(n.endswith(".ipynb") for n in found) else "")
    return (f"{folder} holds none of the exercise modules ({modules}): {seen}. Give the "
            f"folder that holds them; the default is ./exercises.{notebook}{_moved(folder)}")


def _moved(folder: Path) -> str:
    """Where the folder's own files define graded functions: they belong in the stubs'
    modules (one ``my_solution.py`` with everything is graded as nothing handed in)."""
    defining = {module: sorted(defined_at_top(text), key=FUNCTIONS.index)
                for module, text in sources_of(folder).items()}
    named = [f"{module}.py defines {', '.join(names[:3])}{', ...' if len(names) > 3 else ''}"
             for module, names in defining.items() if names]
    return (f" {'; '.join(named)}: each function goes in the module of its stub "
            "(padding.py, ...), where the grader looks for it." if named else "")


def _notebook_note(folder: Path) -> list[str]:
    """Modules missing beside a notebook: the grader reads their functions from it, this
    check does not (it runs .py modules)."""
    notebooks = sorted(p.name for p in folder.glob("*.ipynb"))
    missing = [f"{m}.py" for m in EXERCISES if not (folder / f"{m}.py").is_file()]
    if not (notebooks and missing):
        return []
    return [f"{', '.join(missing)} not found beside {', '.join(notebooks)}: cnnlab check reads "
            ".py modules only, so their functions show as not implemented here. The grader "
            f"reads them from the notebook; {NOTEBOOK_CELLS}."]


def run(args: argparse.Namespace) -> int:
    folder = Path(args.path) if args.path else default_folder()
    problem = folder_problem(folder)
    if problem:
        print(f"cnnlab check: error: {problem}", file=sys.stderr)
        return 2
    notes = _notebook_note(folder)
    outcomes = check_folder(folder, notes)
    print(report(outcomes, folder, notes))
    return 0 if all(o.status == PASSED for o in outcomes) else 1


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check", help="check your exercises against the public examples",
        description="Run the public examples on your exercise functions.")
    parser.add_argument("path", nargs="?", help="folder with your exercise modules "
                        "(default: ./exercises)")
    parser.set_defaults(func=run)
