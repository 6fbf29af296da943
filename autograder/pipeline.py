"""Grade a whole class: find the hand-ins, grade each in its own sandbox, in parallel, and
write the gradebook as results come in, then the CSV, feedback, Gradescope JSON and report.

The hidden suite is prepared once in the parent; the grading processes are forked from it
(``-j``), each grades one submission at a time. Every submission is graded on its own with
derandomised inputs, and outputs are sorted by student, so ``-j`` never changes a grade.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from autograder import outputs
from autograder.gradebook import Gradebook
from autograder.results import SubmissionResult
from autograder.sandbox import Limits, SandboxedStudent, choose_isolation, runtime_dir
from autograder.submissions import Candidate, find_candidates, prepare
from autograder.suite_cache import source_files

# What a grade depends on besides the hand-in: the grader, the suite and its rubric, the
# reference, and the rules for a right result. A change to any of them regrades on --resume.
VERSION_PACKAGES = ("autograder", "solutions")
VERSION_SUFFIXES = (".py", ".toml", ".json", ".yaml", ".yml")
VERSION_MODULES = ("cnnlab.catalog", "cnnlab.loading", "cnnlab.result_rules")


@dataclass
class Options:
    jobs: int = 0  # 0: all cores
    resume: bool = False
    detail: str = "full"
    rubric: Path | None = None
    isolation: str | None = None  # None: $CNNLAB_SANDBOX or auto
    limits: Limits = field(default_factory=Limits)


@dataclass
class ClassRun:
    """What a run did, for the summary."""

    results: list[SubmissionResult]
    graded: list[str]  # graded in this run
    reused: list[str]  # unchanged since the gradebook's run (--resume)
    errors: dict[str, str]  # student -> why the grader itself failed on it
    isolation: str
    seconds: float
    seconds_per_student: dict[str, float]


# Set in the parent before forking, read by the forked grading processes.
_SHARED: dict = {}


def grade_class(submissions: Path, out: Path, options: Options | None = None,
                engine: ModuleType | None = None,
                progress: Callable[[int], None] | None = None) -> ClassRun:
    """Grade every hand-in in ``submissions`` and write all outputs to ``out``."""
    started = time.monotonic()
    options = options or Options()
    candidates = find_candidates(submissions, exclude=out)
    engine = engine or real_engine()
    isolation = choose_isolation(options.isolation)
    runtime_dir()  # made once here, shared by the forked grading processes
    rubric = engine.load_rubric(options.rubric)
    version = _version_key(engine, rubric, options.rubric)
    keys = {c.student: hashlib.sha256((c.digest + version).encode()).hexdigest()
            for c in candidates}
    out.mkdir(parents=True, exist_ok=True)
    errors: dict[str, str] = {}
    with Gradebook(out / "gradebook.sqlite", fresh=not options.resume) as book:
        book.forget_others(list(keys))
        stored = book.keys()
        todo = [c for c in candidates if stored.get(c.student) != keys[c.student]]
        _SHARED.update(engine=engine, suite=engine.prepare(rubric), options=options,
                       isolation=isolation)
        for student, outcome, seconds in _run_all(todo, options.jobs):
            if isinstance(outcome, SubmissionResult):
                book.store(keys[student], outcome, seconds)
            else:
                errors[student] = outcome
            if progress:
                progress(1)
        results = book.results([c.student for c in candidates])
        times = book.seconds()
    write_outputs(results, out, options.detail, times)
    graded = sorted(c.student for c in todo if c.student not in errors)
    reused = sorted(c.student for c in candidates if c not in todo)
    return ClassRun(results, graded, reused, errors, isolation, time.monotonic() - started,
                    times)


def write_outputs(results: list[SubmissionResult], out: Path, detail: str,
                  times: dict[str, float]) -> None:
    outputs.write_grades_csv(results, out / "grades.csv")
    for result in results:
        outputs.write_feedback(result, out / "feedback", detail)
        outputs.write_gradescope(result, out / "results", times.get(result.student, 0.0),
                                 detail)
    from autograder.report import write_report  # matplotlib: only when writing the report
    write_report(results, out / "report.html")


def real_engine() -> ModuleType:
    try:
        engine = importlib.import_module("autograder.engine")
    except ModuleNotFoundError as error:
        if error.name != "autograder.engine":
            raise
        raise RuntimeError("the hidden suite (autograder/engine.py) is not installed") from None
    return engine


def _version_key(engine: ModuleType, rubric, rubric_file: Path | None) -> str:
    """Changes whenever the rubric, the suite, the reference or the grader change."""
    text = repr(rubric)
    text = "" if " at 0x" in text else text  # an address differs on every run: files suffice
    digest = hashlib.sha256(text.encode() + getattr(engine, "__name__", "").encode())
    files = source_files(VERSION_MODULES + VERSION_PACKAGES, VERSION_SUFFIXES)
    for file in [*files, *([rubric_file] if rubric_file else [])]:
        digest.update(str(file.name).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


# --- running the submissions ---------------------------------------------------------------

def _run_all(todo: list[Candidate], jobs: int) -> Iterator[tuple[str, object, float]]:
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(todo) <= 1:
        yield from map(_grade_one, todo)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(min(jobs, len(todo)), initializer=_die_with_parent) as pool:
        yield from pool.imap_unordered(_grade_one, todo, chunksize=1)


def _die_with_parent() -> None:
    """A grading process must not outlive a killed ``cnnlab grade``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the parent
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _grade_one(candidate: Candidate) -> tuple[str, object, float]:
    """(student, SubmissionResult or the grader's own error, seconds)."""
    started = time.monotonic()
    options = _SHARED["options"]
    try:
        result = grade_candidate(candidate, _SHARED["engine"], _SHARED["suite"], options.limits,
                                 _SHARED["isolation"], options.detail)
        return candidate.student, result, time.monotonic() - started
    except Exception:  # a bug of the grader, not of the student: report, do not grade 0
        return candidate.student, traceback.format_exc(limit=5), time.monotonic() - started


def grade_candidate(candidate: Candidate, engine: ModuleType, suite, limits: Limits,
                    isolation: str, detail: str = "full") -> SubmissionResult:
    """Unpack one hand-in into a scratch folder and grade it in a sandbox of its own
    (also what Gradescope's ``run_autograder`` does for its single student)."""
    workdir = Path(tempfile.mkdtemp(prefix="grade-", dir=runtime_dir().parent))
    try:
        submission = prepare(candidate, workdir)
        with SandboxedStudent(submission.folder, limits, isolation) as student:
            result = engine.grade(student, suite, submission.sources, candidate.student,
                                  detail)
            result.notes.extend(submission.notes)
            result.grader_notes.extend(student.notes)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
