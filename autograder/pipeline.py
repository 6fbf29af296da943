"""Grade a whole class: find the hand-ins, grade each in its own sandbox, in parallel, and
write the gradebook as results come in, then the CSV, feedback, Gradescope JSON and report.

The hidden suite is prepared once in the parent; the grading processes are forked from it
(``-j``), each grades one submission at a time. Every submission is graded on its own with
derandomised inputs, and outputs are sorted by student, so ``-j`` never changes a grade.

Ctrl-C (a KeyboardInterrupt, or ``autograder.interrupts.Interrupted`` for SIGTERM) while
preparing or grading stops the run: no further hand-in is started, the grading processes
are killed (their sandboxes die with them), and the outputs of the hand-ins graded so far
are written; the run's ``interrupted`` says which signal it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import multiprocessing
import os
import shutil
import signal
import sqlite3
import tempfile
import time
import traceback
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograder import interrupts, outputs, overrides, shards, stages
from autograder.gradebook import Gradebook, decode_result, result_text
from autograder.interrupts import signal_of
from autograder.results import Engine, SubmissionResult
from autograder.sandbox import Limits, SandboxedStudent, isolation_choice, runtime_dir
from autograder.submissions import Candidate, Submission, find_candidates, prepare
from autograder.suite_cache import source_files
from autograder.text import printable

if TYPE_CHECKING:  # importing Dask costs every run 0.25 s of CPU: only when grading on it
    from autograder.cluster import Connection

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
    overrides: Path | None = None  # the instructor's adjustments, applied to the outputs
    command: str = ""  # the command line, for the report's provenance
    cluster: Connection | None = None  # grade on this Dask scheduler (autograder.cluster)
    shard: tuple[int, int] | None = None  # (K, N): grade only shard K of N (shards.py)


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
    skipped: dict[str, str] = field(default_factory=dict)  # entry -> why it is no hand-in
    isolation_reason: str = ""  # why this isolation: "auto: /usr/bin/bwrap works here", ...
    stage_seconds: dict[str, float] = field(default_factory=dict)  # autograder.stages, summed
    hand_ins: int = 0  # hand-ins found in SUBMISSIONS
    interrupted: int = 0  # the signal that stopped the run early (SIGINT, SIGTERM), or 0


# Set in the parent before forking, read by the forked grading processes.
_SHARED: dict = {}

# (event, text): "stage" (a line), "todo" (how many to grade), "graded"/"failed" (a student)
Progress = Callable[[str, str], None]


def grade_class(submissions: Path, out: Path, options: Options | None = None,
                engine: Engine | None = None,
                progress: Progress | None = None) -> ClassRun:
    """Grade every hand-in in ``submissions`` and write all outputs to ``out``."""
    started = time.monotonic()
    options = options or Options()
    say = progress or (lambda event, text: None)
    skipped: dict[str, str] = {}
    candidates = find_candidates(submissions, exclude=out, skipped=skipped)
    places = {c.student: place for place, c in enumerate(candidates)}  # for cnnlab merge
    if options.shard:
        candidates = shards.share(candidates, *options.shard)
        say("stage", f"shard {options.shard[0]}/{options.shard[1]}: {len(candidates)} "
                     "hand-ins")
    engine = engine or real_engine()
    isolation, isolation_reason = isolation_choice(options.isolation)
    say("stage", f"isolation: {isolation} ({isolation_reason})")
    runtime_dir()  # made once here, shared by the forked grading processes
    rubric = engine.load_rubric(options.rubric)
    adjustments = _overrides(options, candidates, rubric, out, say)  # bad file: fail now
    version = _version_key(engine, rubric, options.rubric)
    keys = {c.student: hashlib.sha256((c.digest + version).encode()).hexdigest()
            for c in candidates}
    out.mkdir(parents=True, exist_ok=True)
    errors: dict[str, str] = {}
    stage_seconds: dict[str, float] = {}
    interrupted = 0
    with Gradebook(out / "gradebook.sqlite", fresh=not options.resume) as book:
        book.forget_others(list(keys))
        kept = book.reusable(keys) if options.resume else {}
        if options.resume and book.regrade_reason:
            say("stage", book.regrade_reason)
        results = {s: r for s, (r, _) in kept.items()}
        times = {s: t for s, (_, t) in kept.items()}
        todo = [c for c in candidates if c.student not in kept]
        try:
            suite = None  # on a cluster the workers prepare it, from this machine's cache files
            if todo and options.cluster is None:  # a resume that keeps everyone needs none
                say("stage", "preparing the hidden suite")
                suite = engine.prepare(rubric)
            gc.freeze()  # the suite is never garbage: no collection in a grading process walks it
            _SHARED.update(engine=engine, suite=suite, options=options, isolation=isolation)
            say("stage", f"grading {len(todo)} hand-ins ({len(kept)} unchanged and kept)")
            say("todo", str(len(todo)))
            outcomes: Iterator[tuple[str, str, float, dict]] = iter(())
            if todo:
                outcomes = (_run_all(todo, options.jobs) if options.cluster is None else
                            _run_on_cluster(todo, engine, rubric, options, version, say))
            for student, outcome, seconds, spent in outcomes:
                interrupts.raise_pending()
                for name, value in spent.items():
                    stage_seconds[name] = stage_seconds.get(name, 0.0) + value
                result = decode_result(outcome, student) if outcome.startswith("{") else None
                if result is None:
                    errors[student] = ("the grading process sent back a result that does "
                                       "not decode" if outcome.startswith("{") else outcome)
                    say("failed", student)
                    continue
                results[student], times[student] = result, seconds
                _store(book, keys, results, times, student)
                say("graded", student)
        except KeyboardInterrupt as stop:  # the grading processes are gone: keep what is done
            interrupts.stopped()
            interrupted = signal_of(stop)
        if todo and not book.holds(keys, set(results)):  # damaged or removed under our feet
            book.rebuild([(keys[s], results[s], times[s]) for s in results])
        with contextlib.suppress(sqlite3.Error):  # for cnnlab merge, which says when it lacks
            book.record_run(shards.run_record(submissions, candidates, places, skipped,
                                              errors, options, isolation, isolation_reason,
                                              version))
    ordered = [results[c.student] for c in candidates if c.student in results]
    stages.take()  # the parent's own time so far (preparing the suite) is no hand-in's
    hand_ins = {c.student: printable(c.path.name) for c in candidates}
    if ordered or not interrupted:
        say("stage", "writing grades.csv, feedback, results and report.html")
        with stages.stage("outputs"):
            shown = overrides.apply(ordered, adjustments, hand_ins)
            context = _report_context(options, candidates, errors, skipped, isolation,
                                      isolation_reason, hand_ins)
            write_outputs(shown, out, options.detail, times, hand_ins, options.jobs, context)
    stage_seconds.update({k: stage_seconds.get(k, 0.0) + v for k, v in stages.take().items()})
    (out / "grader_errors.txt").unlink(missing_ok=True)  # a previous run's
    if errors:
        write_errors(errors, out / "grader_errors.txt")
    graded = sorted(c.student for c in todo if c.student in results)
    return ClassRun(ordered, graded, sorted(kept), errors, isolation,
                    time.monotonic() - started, times, skipped, isolation_reason,
                    stage_seconds, len(candidates), interrupted)


def _run_on_cluster(todo: list[Candidate], engine: Engine, rubric, options: Options,
                    version: str, say: Progress) -> Iterator[tuple[str, str, float, dict]]:
    """The hand-ins graded on the Dask cluster of ``options.cluster``."""
    from autograder import cluster, course_key
    from autograder import engine as hidden_suite
    if engine is not hidden_suite:
        raise ValueError("--scheduler grades with the hidden suite (autograder.engine) only")
    course = cluster.course_setup(hidden_suite, rubric, options.rubric, course_key.load(),
                                  options.limits, options.isolation, options.detail, version)
    assert options.cluster is not None  # the caller's choice
    yield from cluster.run_all(todo, options.cluster, course, lambda line: say("stage", line))


def _overrides(options: Options, candidates: list[Candidate], rubric, out: Path,
               say: Progress) -> list[overrides.Override]:
    """The overrides file, checked against the hand-ins and the rubric before any grading."""
    if options.overrides is None:
        if (out / overrides.RECORD).is_file():
            say("stage", f"note: the last run of {out} applied overrides "
                         f"({overrides.RECORD}); this one applies none (--overrides FILE)")
        return []
    found = overrides.load(options.overrides)
    overrides.check_students(found, {c.student: c.path.name for c in candidates})
    if hasattr(rubric, "points_of"):  # a stand-in engine's rubric: checked when applied
        maxima = {f: rubric.points_of(f) for f in rubric.functions}
        overrides.check_maxima(found, {**maxima, overrides.TOTAL: rubric.max_score})
    say("stage", f"{len(found)} overrides from {options.overrides}")
    return found


def _report_context(options: Options, candidates: list[Candidate], errors: dict[str, str],
                    skipped: dict[str, str], isolation: str, reason: str,
                    hand_ins: dict[str, str]):
    """What the report says besides the results: how the run was made, what to look at."""
    from autograder import similarity
    from autograder.report import ReportContext, provenance
    graded = [c for c in candidates if c.student not in errors]
    with stages.stage("similarity"):
        compared = similarity.compare_class(graded)
    return ReportContext(provenance(options, isolation, reason), compared.flags, errors,
                         skipped, hand_ins, compared.not_compared)


def _store(book: Gradebook, keys: dict[str, str], results: dict[str, SubmissionResult],
           times: dict[str, float], student: str) -> None:
    """One row; a gradebook damaged during the run (a worker that could reach OUT) is
    written again from the results in memory."""
    try:
        book.store(keys[student], results[student], times[student])
    except sqlite3.DatabaseError:
        book.rebuild([(keys[s], results[s], times[s]) for s in results])


def write_errors(errors: dict[str, str], path: Path) -> None:
    path.write_text("".join(f"{student}:\n{printable(why)}\n\n"
                            for student, why in sorted(errors.items())), encoding="utf-8")


def write_outputs(results: list[SubmissionResult], out: Path, detail: str,
                  times: dict[str, float], hand_ins: dict[str, str] | None = None,
                  jobs: int = 1, report_context=None) -> None:
    """Everything from the results in memory (``hand_ins``: student -> hand-in name). The
    per-student files (feedback with its pictures, Gradescope JSON) are written by ``jobs``
    forked processes while this one writes the report: pictures cost ~0.1 s a student.
    ``report_context`` (``report.ReportContext``): provenance, similarity flags, what to look
    at."""
    outputs.write_grades_csv(results, out / "grades.csv", hand_ins=hand_ins)
    overrides.write_record(results, out / overrides.RECORD)
    _SHARED.update(write=(results, out, detail, times))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(results) // 20))  # forking costs too
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_die_with_parent) as pool, \
            _ended_when_left_early(pool):
        parts = [pool.submit(_write_students, part, jobs) for part in range(jobs)]
        from autograder.report import write_report  # matplotlib: only when writing it
        write_report(results, out / "report.html", report_context)
        for part in parts:
            part.result()  # an error writing a file is the grader's: raise it here


def _write_students(part: int, parts: int) -> None:
    """Every ``parts``-th student's feedback and Gradescope JSON, from ``part`` on."""
    results, out, detail, times = _SHARED["write"]
    for result in results[part::parts]:
        outputs.write_feedback(result, out / "feedback", detail)
        outputs.write_feedback_html(result, out / "feedback", detail)
        outputs.write_gradescope(result, out / "results", times.get(result.student, 0.0),
                                 detail)


def real_engine() -> Engine:
    try:
        import autograder.engine as engine  # the hidden suite: may be missing (developed apart)
    except ModuleNotFoundError as error:
        if error.name != "autograder.engine":
            raise
        raise RuntimeError("the hidden suite (autograder/engine.py) is not installed") from None
    return engine


def _version_key(engine: Engine, rubric, rubric_file: Path | None) -> str:
    """Changes whenever the rubric, the suite, the reference or the grader change."""
    text = repr(rubric)
    text = "" if " at 0x" in text else text  # an address differs on every run: files suffice
    digest = hashlib.sha256(text.encode() + getattr(engine, "__name__", "").encode())
    files = source_files(VERSION_MODULES + VERSION_PACKAGES, VERSION_SUFFIXES)
    for file in [*files, *([rubric_file] if rubric_file else [])]:
        digest.update(str(file.name).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


# --- running the submissions ---------------------------------------------------------------

def grading_processes(jobs: int = 0) -> int:
    """``jobs``, or for 0 three for every two cores: a grading process and its worker take
    turns (it judges while the worker waits, and the other way round), so one process per
    core would leave the cores idle a fifth of the time (benchmarks/grading.py)."""
    if jobs:
        return max(1, jobs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) * 3 // 2)


def _run_all(todo: list[Candidate], jobs: int) -> Iterator[tuple[str, str, float, dict]]:
    """(student, result as JSON or why the grader failed, seconds, seconds per stage of
    ``autograder.stages``) for every hand-in.

    A grading process that dies (SIGKILL from the out-of-memory killer, ...) breaks its
    pool: the hand-ins it was grading are retried once, each alone in a fresh pool, and
    reported if that dies too; the others are graded in a fresh pool as before."""
    jobs = grading_processes(jobs)
    tries = {c.student: 0 for c in todo}
    waiting = list(todo)
    with tempfile.TemporaryDirectory(prefix="cnnlab-grading-") as marks:
        _SHARED["marks"] = marks
        while waiting:
            fresh = [c for c in waiting if not tries[c.student]]
            rounds = [(fresh, jobs)] if fresh else []
            rounds += [([c], 1) for c in waiting if tries[c.student]]
            waiting = []
            for batch, workers in rounds:
                unfinished = yield from _pool_round(batch, workers, Path(marks))
                waiting += _charge(unfinished, Path(marks), tries)
            for c in [c for c in todo if tries[c.student] > 1 and c not in waiting]:
                tries[c.student] = -1  # reported once
                yield c.student, KILLED, 0.0, {}


KILLED = ("the grading process died while grading this hand-in, also when retried alone "
          "(killed from outside, e.g. by the out-of-memory killer)")


def _pool_round(batch: list[Candidate], workers: int,
                marks: Path) -> Generator[tuple[str, str, float, dict], None, list[Candidate]]:
    """Grade ``batch`` in a fresh pool; returns the hand-ins left unfinished by a break."""
    context = multiprocessing.get_context("fork")
    unfinished: list[Candidate] = []
    with ProcessPoolExecutor(min(workers, len(batch)), mp_context=context,
                             initializer=_die_with_parent) as pool, _ended_when_left_early(pool):
        futures = {pool.submit(_grade_one, c): c for c in batch}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                unfinished.append(futures[future])
    return unfinished


@contextlib.contextmanager
def _ended_when_left_early(pool: ProcessPoolExecutor) -> Iterator[None]:
    """Leaving the pool's block by an exception (Ctrl-C) or a closed generator kills its
    processes first: the pool's own exit would wait for every hand-in still queued."""
    try:
        yield
    except BaseException:
        _kill_processes(pool)
        raise


def _kill_processes(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's processes and drop its queue (Python 3.14 has ``pool.kill_workers``;
    before it the processes are only in the pool's ``_processes``)."""
    kill = getattr(pool, "kill_workers", None)
    if kill is not None:
        kill()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def _charge(unfinished: list[Candidate], marks: Path,
            tries: dict[str, int]) -> list[Candidate]:
    """After a break: one try is charged to the hand-ins that were being graded (their mark
    is there), or to all when none was; all are graded again unless tried twice."""
    started = [c for c in unfinished if (marks / _mark(c)).exists()] or unfinished
    for c in started:
        tries[c.student] += 1
        (marks / _mark(c)).unlink(missing_ok=True)
    return [c for c in unfinished if tries[c.student] <= 1]


def _mark(candidate: Candidate) -> str:
    return hashlib.sha256(candidate.student.encode()).hexdigest()[:32]


def _die_with_parent() -> None:
    """A grading process must not outlive a killed ``cnnlab grade``."""
    for number in (signal.SIGINT, signal.SIGTERM):  # the parent handles both and kills us
        signal.signal(number, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _grade_one(candidate: Candidate) -> tuple[str, str, float, dict]:
    """(student, the result as JSON or the grader's own error, seconds, seconds per stage);
    the result goes back as text and is decoded like a gradebook row."""
    started = time.monotonic()
    stages.take()  # what this process did before this hand-in is not its time
    options = _SHARED["options"]
    mark = Path(_SHARED["marks"], _mark(candidate))
    mark.touch()  # while this exists, a dead grading process was grading this hand-in
    try:
        result = grade_candidate(candidate, _SHARED["engine"], _SHARED["suite"], options.limits,
                                 _SHARED["isolation"], options.detail)
        with stages.stage("result encoding"):
            text = result_text(result)
        return candidate.student, text, time.monotonic() - started, stages.take()
    except Exception:  # a bug of the grader, not of the student: report, do not grade 0
        return (candidate.student, printable(traceback.format_exc(limit=5)),
                time.monotonic() - started, stages.take())
    finally:
        mark.unlink(missing_ok=True)


def grade_candidate(candidate: Candidate, engine: Engine, suite, limits: Limits,
                    isolation: str, detail: str = "full") -> SubmissionResult:
    """Unpack one hand-in into a scratch folder and grade it in a sandbox of its own
    (also what Gradescope's ``run_autograder`` does for its single student)."""
    workdir = Path(tempfile.mkdtemp(prefix="grade-", dir=runtime_dir().parent))
    try:
        with stages.stage("unpacking the hand-in"):
            submission = prepare(candidate, workdir)
        return grade_submission(submission, engine, suite, limits, isolation, detail)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def grade_submission(submission: Submission, engine: Engine, suite, limits: Limits,
                     isolation: str, detail: str = "full") -> SubmissionResult:
    """Grade an unpacked hand-in in a sandbox of its own (here, or on a Dask worker:
    ``autograder.cluster``)."""
    student = SandboxedStudent(submission.folder, limits, isolation)
    try:
        result = engine.grade(student, suite, submission.sources, submission.student, detail)
        result.notes.extend(submission.notes + student.student_notes)
        result.grader_notes.extend(student.notes)
    finally:
        with stages.stage("sandbox stop"):
            student.close()
    return result
