"""Grading on a Dask cluster: ``cnnlab grade SUBMISSIONS --out OUT --scheduler tcp://HOST:8786``.

Three parts (docs/cluster.md):

* the trusted machine, where ``cnnlab grade`` runs, unpacks each hand-in (``prepare``, the
  same code as a local run) and sends its modules as text to the cluster through Dask's
  ``concurrent.futures`` executor (``Client.get_executor``), the seam the local process pool
  sits behind too; it decodes each answer like a gradebook row (``decode_result``) and
  keeps the gradebook, so nothing a worker sends becomes a grade without those checks;
* ``GradingPlugin``, a Dask worker plugin, sets each worker up once: the course key, the
  rubric and the drawn suite (the trusted machine's cache files, checked by their sha256
  when read), the version of the grader (a worker that runs another cnnlab grades nothing)
  and the sandbox's fork server;
* ``grade_on_worker``, the task: writes the hand-in's modules into a scratch folder and
  grades them with ``pipeline.grade_submission``, in cnnlab's sandbox, as a local grading
  process does.

A worker that dies while grading is Dask's to notice: its hand-in is tried once more on
another worker (the scheduler's ``allowed-failures`` is set to 1), then reported as a grader
error (``KILLED``), never as a student's score.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import shutil
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from autograder import stages
from autograder.course_key import CourseKey
from autograder.submissions import Candidate, Submission, prepare
from autograder.text import printable

PLUGIN_NAME = "cnnlab-grading"
RETRIES = 1  # a hand-in whose worker died is tried once more, on another worker
WORKER_WAIT_SECONDS = 120  # for a first worker to join before giving up

KILLED = ("the Dask worker grading this hand-in died, also when it was retried on another "
          "worker (killed from outside, e.g. by the out-of-memory killer or the batch "
          "system); not graded")
INSTALL_HINT = ('grading on a Dask cluster needs the cluster extra: '
                'pip install "cnnlab[cluster]"')

Outcome = tuple[str, str, float, dict]  # student, result JSON or the grader's error, s, stages
Say = Callable[[str], None]


@dataclass(frozen=True)
class Connection:
    """Where the scheduler is, and the TLS files for it (all three, or none)."""

    scheduler: str
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None

    def problem(self) -> str | None:
        """What is wrong with the options, before connecting."""
        given = [p for p in (self.tls_ca, self.tls_cert, self.tls_key) if p is not None]
        if given and len(given) < 3:
            return "--tls-ca, --tls-cert and --tls-key go together: give all three"
        missing = [str(p) for p in given if not p.is_file()]
        if missing:
            return f"TLS file {missing[0]} does not exist"
        if given and not self.scheduler.startswith("tls://"):
            return f"with --tls-* the scheduler address starts with tls://, got {self.scheduler}"
        if self.scheduler.startswith("tls://") and not given:
            return (f"{self.scheduler} is a TLS address: give --tls-ca, --tls-cert and "
                    "--tls-key")
        if "://" not in self.scheduler:
            return (f"--scheduler takes an address like tcp://HOST:8786 or tls://HOST:8786, "
                    f"got {self.scheduler!r}")
        return None

    def security(self):
        """Dask's ``Security``: mutual TLS with every connection encrypted, or None."""
        if self.tls_ca is None:
            return None
        from distributed import Security
        return Security(tls_ca_file=str(self.tls_ca), tls_client_cert=str(self.tls_cert),
                        tls_client_key=str(self.tls_key), require_encryption=True)


def available() -> bool:
    import importlib.util
    return importlib.util.find_spec("distributed") is not None


# --- the trusted side ---------------------------------------------------------------------

def course_setup(engine: ModuleType, rubric, rubric_file: Path | None, key: CourseKey,
                 limits, isolation: str | None, detail: str, version: str) -> dict:
    """What every worker needs, as plain data: the key, the rubric file's text, the drawn
    suite's cache files, the limits, the isolation asked for and the grader's version."""
    text = (rubric_file.name, rubric_file.read_text(encoding="utf-8")) if rubric_file else None
    return {"key": key.secret.hex(), "rubric": text, "rubric_source": rubric.source,
            "suite": suite_files(engine, rubric, key),
            "limits": dataclasses.asdict(limits), "isolation": isolation, "detail": detail,
            "version": version, "engine": engine.__name__}


def suite_files(engine: ModuleType, rubric, key: CourseKey) -> list[tuple[str, str, bytes]]:
    """(function, file key, the cache file's bytes) of every function, drawn here first
    where the cache lacks it; read as bytes, not decoded: each worker checks and decodes
    them. Without a usable cache folder, none: then each worker draws the suite itself."""
    from autograder import suite_cache
    from autograder.checks import all_checks
    checks = all_checks()
    paths = {}
    with contextlib.suppress(OSError, PermissionError):
        paths = {f: (k, suite_cache.cache_path(f, k, key)) for f, k in
                 ((f, suite_cache.function_key(f, own, key)) for f, own in checks.items())}
    missing = tuple(f for f in checks if f not in paths or not paths[f][1].is_file())
    engine.prepare(rubric, functions=missing, key=key)  # checks the rubric; draws what is missing
    files = []
    for function, (file_key, path) in paths.items():
        with contextlib.suppress(OSError):
            files.append((function, file_key, path.read_bytes()))
    return files


def hand_in_payload(candidate: Candidate, version: str) -> dict:
    """The hand-in unpacked here (``prepare``, as a local run does) and sent as text."""
    with tempfile.TemporaryDirectory(prefix="cnnlab-unpack-") as workdir:
        submission = prepare(candidate, Path(workdir))
    return {"student": candidate.student, "sources": submission.sources,
            "notes": submission.notes, "version": version}


def run_all(todo: list[Candidate], connection: Connection, course: dict,
            say: Say) -> Iterator[Outcome]:
    """(student, result as JSON or why the grader failed, seconds, seconds per stage) for
    every hand-in, graded on the cluster."""
    client = connect(connection, say)
    futures = {}
    try:
        _allow_one_retry(client, say)
        client.register_plugin(GradingPlugin(course), name=PLUGIN_NAME)
        executor = client.get_executor(pure=False)  # a hand-in sent twice is graded twice
        for candidate in todo:  # unpacked here while the first ones are graded there
            try:
                payload = hand_in_payload(candidate, course["version"])
            except Exception:  # a bug of the grader: that hand-in's error, the others go on
                yield candidate.student, printable(traceback.format_exc(limit=5)), 0.0, {}
                continue
            futures[executor.submit(grade_on_worker, payload)] = candidate
        for future in as_completed(futures):
            yield outcome_of(future, futures[future].student)
    finally:  # also on Ctrl-C or a closed generator: nothing left queued on the cluster
        for future in futures:
            future.cancel()
        with contextlib.suppress(Exception):
            client.close(timeout=10)


def connect(connection: Connection, say: Say):
    """A Dask client of the scheduler, with at least one worker joined."""
    try:
        from distributed import Client
    except ImportError:
        raise RuntimeError(INSTALL_HINT) from None
    try:
        # how long to try: Dask's own distributed.comm.timeouts.connect (30 s unless the
        # Dask configuration or DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT says otherwise)
        client = Client(connection.scheduler, security=connection.security(),
                        set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise RuntimeError(f"cannot reach the Dask scheduler at {connection.scheduler}: "
                           f"{error}") from None
    workers = len(client.scheduler_info().get("workers", {}))
    if not workers:
        say(f"waiting up to {WORKER_WAIT_SECONDS} s for a Dask worker to join "
            f"{connection.scheduler}")
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except TimeoutError:
            client.close()
            raise RuntimeError(f"no Dask worker joined {connection.scheduler} within "
                               f"{WORKER_WAIT_SECONDS} s: start one with `dask worker "
                               f"{connection.scheduler} --nthreads 1`") from None
        workers = len(client.scheduler_info().get("workers", {}))
    say(f"Dask scheduler {connection.scheduler}: {workers} worker(s)")
    return client


def _allow_one_retry(client, say: Say) -> None:
    """The scheduler retries a task whose worker died ``allowed-failures`` times (Dask's
    default 3) before it raises ``KilledWorker``; grading asks for one retry."""
    try:
        before = client.run_on_scheduler(_set_allowed_failures, RETRIES)
    except Exception as error:  # a scheduler without cnnlab, or that refuses pickled code
        say(f"could not set the scheduler's allowed-failures to {RETRIES} ({error}); its own "
            "setting decides how often a hand-in whose worker died is tried again")
        return
    if before != RETRIES:
        say(f"the scheduler's allowed-failures set from {before} to {RETRIES}: a hand-in "
            "whose worker dies is tried once more, then reported")


def _set_allowed_failures(value: int, dask_scheduler=None) -> int:
    before = dask_scheduler.allowed_failures
    dask_scheduler.allowed_failures = value
    return before


def outcome_of(future, student: str) -> Outcome:
    """The worker's answer, checked to be plain data of the right shape; a killed worker's
    or the cluster's failure as the grader's error."""
    try:
        value = future.result()
    except Exception as error:
        if type(error).__name__ == "KilledWorker":
            return student, KILLED, 0.0, {}
        return student, f"the Dask cluster failed on this hand-in: {printable(repr(error))}", \
            0.0, {}
    if not (type(value) is tuple and len(value) == 4 and value[0] == student
            and type(value[1]) is str and type(value[2]) is float and type(value[3]) is dict
            and all(type(k) is str and type(v) is float for k, v in value[3].items())):
        return student, "the Dask worker sent back something that is not a result", 0.0, {}
    return value


# --- on each worker -----------------------------------------------------------------------

try:
    from distributed import WorkerPlugin as _PluginBase
except ImportError:  # without the cluster extra: the class exists, unused
    _PluginBase = object  # type: ignore[misc,assignment]  # a stand-in base


class GradingPlugin(_PluginBase):
    """Sets a Dask worker up for grading, once, when it joins (``setup``)."""

    name = PLUGIN_NAME

    def __init__(self, course: dict):
        self.course = course

    def setup(self, worker=None) -> None:
        set_up_worker(self.course)


_WORKER: dict = {}  # this worker's course: set up by GradingPlugin, read by grade_on_worker


def set_up_worker(course: dict) -> None:
    """The suite and sandbox for ``course``; a problem is kept, and every hand-in sent here
    is then reported with it (as the grader's error, not graded)."""
    quiet_about_other_threads_random()
    _WORKER.clear()
    _WORKER["version"] = course.get("version")
    try:
        _WORKER.update(_prepared(course))
    except Exception:
        _WORKER["problem"] = ("this Dask worker could not be set up for grading:\n"
                              + printable(traceback.format_exc(limit=5)))


# Hypothesis's words when the global ``random`` changed while a strategy drew an example.
RANDOM_IN_STRATEGY = "Do not use the `random` module inside strategies"


def quiet_about_other_threads_random() -> None:
    """No "do not use random" warnings in a Dask worker's log. Dask's event loop thread
    draws from the global ``random`` (heartbeat jitter, backoff) while the task's thread
    shrinks a failure, and hypothesis takes that for a strategy using ``random``. Ours draw
    from hypothesis's own generator only (``autograder.generation``): the warning is noise."""
    from hypothesis.errors import HypothesisDeprecationWarning
    warnings.filterwarnings("ignore", message=RANDOM_IN_STRATEGY,
                            category=HypothesisDeprecationWarning)


def _prepared(course: dict) -> dict:
    from autograder import pipeline, suite_cache
    from autograder.sandbox import Limits, isolation_choice, runtime_dir
    from autograder.sandbox.forkserver import fork_server

    engine = pipeline.real_engine()
    key = CourseKey(Path("(sent by cnnlab grade)"), bytes.fromhex(course["key"]))
    private = Path(tempfile.mkdtemp(prefix="cnnlab-course-"))
    rubric_file = None
    if course["rubric"]:
        name, text = course["rubric"]
        rubric_file = private / Path(name).name
        rubric_file.write_text(text, encoding="utf-8")
    # named as on the trusted side: the name is part of the rubric, so of the version
    rubric = dataclasses.replace(engine.load_rubric(rubric_file), source=course["rubric_source"])
    version = pipeline._version_key(engine, rubric, rubric_file)
    if version != course["version"]:
        raise RuntimeError("this Dask worker runs another cnnlab (or other solutions) than "
                           "cnnlab grade: install the same version on every worker")
    for function, file_key, data in course["suite"]:
        with contextlib.suppress(OSError, PermissionError):
            path = suite_cache.cache_path(function, file_key, key)
            if not path.is_file() or path.read_bytes() != data:
                suite_cache.write(path, data)  # read back, checked, by engine.prepare
    suite = engine.prepare(rubric, key=key)  # type: ignore[call-arg]  # the real engine's
    gc.freeze()  # the suite is never garbage: no collection while grading walks it
    isolation, _ = isolation_choice(course["isolation"])
    runtime_dir()
    with contextlib.suppress(Exception):  # started here, not on the first hand-in
        fork_server(isolation)
    return {"engine": engine, "suite": suite, "isolation": isolation,
            "limits": Limits(**course["limits"]), "detail": course["detail"]}


def grade_on_worker(payload: dict) -> Outcome:
    """One hand-in, on a Dask worker set up by ``GradingPlugin``."""
    from autograder import pipeline
    from autograder.gradebook import result_text

    started = time.monotonic()
    stages.take()
    student = payload["student"]
    if payload.get("version") != _WORKER.get("version") or "suite" not in _WORKER:
        why = _WORKER.get("problem") or "this Dask worker was not set up for this course"
        return student, why, 0.0, {}
    from autograder.sandbox import runtime_dir
    workdir = Path(tempfile.mkdtemp(prefix="grade-", dir=runtime_dir().parent))
    try:
        submission = unpacked(payload, workdir)
        result = pipeline.grade_submission(submission, _WORKER["engine"], _WORKER["suite"],
                                           _WORKER["limits"], _WORKER["isolation"],
                                           _WORKER["detail"])
        with stages.stage("result encoding"):
            text = result_text(result)
        _WORKER["graded"] = _WORKER.get("graded", 0) + 1
        return student, text, time.monotonic() - started, stages.take()
    except Exception:  # a bug of the grader, not of the student: report, do not grade 0
        return (student, printable(traceback.format_exc(limit=5)),
                time.monotonic() - started, stages.take())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def hand_ins_graded_here() -> int:
    """How many hand-ins this worker has graded (``Client.run`` asks every worker)."""
    return _WORKER.get("graded", 0)


def unpacked(payload: dict, workdir: Path) -> Submission:
    """The hand-in's modules written as ``prepare`` writes them."""
    folder = workdir / "hand-in"
    folder.mkdir()
    submission = Submission(payload["student"], folder, notes=list(payload["notes"]))
    for module, text in payload["sources"].items():
        if module.isidentifier():
            (folder / f"{module}.py").write_text(text, encoding="utf-8", errors="replace")
            submission.sources[module] = text
    return submission
