"""Grading on a real Dask cluster: a ``dask scheduler`` and ``dask worker`` processes started
here on 127.0.0.1 (random ports, bounded waits, always torn down), the example class graded
through them with ``cnnlab grade --scheduler`` and compared byte for byte with the local run;
also with a worker killed while it grades, and over TLS with self-signed certificates."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from grader_helpers import EXAMPLE_CLASS, QUICK

distributed = pytest.importorskip(
    "distributed", reason="distributed is not installed: pip install -e '.[test]' (or "
                          "'.[cluster]') to run the cluster tests")

from autograder import cluster  # noqa: E402

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 120  # a loaded 2-core machine starts a worker (imports numpy, ...) slowly


class LocalDaskCluster:
    """A scheduler and ``workers`` worker processes (``--no-nanny``: the process is the
    worker, so SIGKILL kills it for good), with TLS when ``tls`` holds the three files."""

    def __init__(self, folder: Path, workers: int, tls: dict[str, Path] | None = None):
        self.folder, self.tls = folder, tls
        self.scheduler_file = folder / "scheduler.json"
        flags = []
        if tls:
            flags = ["--tls-ca-file", str(tls["ca"]), "--tls-cert", str(tls["cert"]),
                     "--tls-key", str(tls["key"])]
        self.processes: list[subprocess.Popen] = []
        self.scheduler = self._start("scheduler", [str(BIN / "dask"), "scheduler",
                                                   "--host", "127.0.0.1", "--port", "0",
                                                   "--no-dashboard", "--scheduler-file",
                                                   str(self.scheduler_file), *flags,
                                                   *(["--protocol", "tls"] if tls else [])])
        self.address = self._address()
        self.workers = [self._start(f"worker{i}", [
            str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--no-nanny",
            "--no-dashboard", "--host", "127.0.0.1", *flags]) for i in range(workers)]
        self.client = distributed.Client(self.address, security=self.security(),
                                         timeout=STARTUP_SECONDS, set_as_default=False)
        self.client.wait_for_workers(workers, timeout=STARTUP_SECONDS)

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def _address(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError, KeyError):
                return json.loads(self.scheduler_file.read_text())["address"]
            if self.scheduler.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("the dask scheduler did not start: "
                           + (self.folder / "scheduler.log").read_text()[-2000:])

    def security(self):
        if not self.tls:
            return None
        return distributed.Security(tls_ca_file=str(self.tls["ca"]),
                                    tls_client_cert=str(self.tls["cert"]),
                                    tls_client_key=str(self.tls["key"]),
                                    require_encryption=True)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close(timeout=10)
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """One cluster for the tests below, as a course's cluster serves run after run: the
    equality test grades on it first, the killed-worker test then leaves it one worker."""
    made = LocalDaskCluster(tmp_path_factory.mktemp("dask"), workers=2)
    try:
        yield made
    finally:
        made.close()


def _grade_command(out: Path, *extra: str, submissions: Path = EXAMPLE_CLASS) -> list[str]:
    return [sys.executable, "-m", "cnnlab", "grade", str(submissions), "--out", str(out),
            *extra]


def _grade(out: Path, *extra: str, submissions: Path = EXAMPLE_CLASS) -> Path:
    done = subprocess.run(_grade_command(out, *extra, submissions=submissions),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def submissions(quick_graded) -> Path:
    """The quick part of the example class: how a class travels, not what it grades to."""
    return quick_graded[0]


@pytest.fixture(scope="module")
def local_run(quick_graded) -> Path:
    """The local run, `cnnlab grade -j 2` (made once for the tests of every way to grade)."""
    return quick_graded[1]


def _timed_out(out: Path) -> set[str]:
    return {p.stem for p in (out / "feedback").glob("*.md") if b"timeout:" in p.read_bytes()}


def _feedback(out: Path, leave_out: set[str] = frozenset()) -> dict[str, bytes]:
    """The feedback files, but those where a time limit struck: which call of an endless
    loop the limit stops at depends on the machine's load (docs/grading.md, "Reproducible
    grades"); the grade does not."""
    return {p.name: p.read_bytes() for p in sorted((out / "feedback").glob("*.md"))
            if p.stem not in _timed_out(out) | leave_out}


def _rows(out: Path, leave_out: set[str]) -> list[str]:
    return [row for row in (out / "grades.csv").read_text().splitlines()
            if row.split(",")[0] not in leave_out]


def _same_outputs(out: Path, reference: Path) -> None:
    """grades.csv and feedback byte for byte, but for a hand-in where a time limit struck in
    one of the two runs only: on a machine so loaded that a right call outlasts the 5 s
    limit, two local runs differ there too (docs/cluster.md)."""
    loaded = _timed_out(out) ^ _timed_out(reference)
    assert len(loaded) <= 2, f"the machine was too loaded to compare: {sorted(loaded)}"
    assert _rows(out, loaded) == _rows(reference, loaded)
    ours, theirs = _feedback(out, loaded), _feedback(reference, loaded)
    assert ours == theirs and len(ours) >= 7


def _graded_on_workers(made: LocalDaskCluster) -> int:
    return sum(made.client.run(cluster.hand_ins_graded_here).values())


def test_the_class_graded_on_a_dask_cluster_equals_the_local_run(dask_cluster, submissions,
                                                                 local_run, tmp_path):
    before = _graded_on_workers(dask_cluster)
    out = _grade(tmp_path / "out", "--scheduler", dask_cluster.address,
                 submissions=submissions)
    _same_outputs(out, local_run)
    assert _graded_on_workers(dask_cluster) - before == len(QUICK)


def test_a_worker_killed_while_grading_leaves_the_same_grades(dask_cluster, submissions,
                                                              local_run, tmp_path):
    """SIGKILL the worker that is grading a hand-in once the first result is in: its hand-in
    is graded again on the other worker and the class ends as the local run did."""
    out = tmp_path / "out"
    run = subprocess.Popen(_grade_command(out, "--scheduler", dask_cluster.address,
                                          submissions=submissions),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        killed = _kill_a_busy_worker(dask_cluster, run)
        _, stderr = run.communicate(timeout=900)
    finally:
        with contextlib.suppress(ProcessLookupError):
            run.kill()
    assert run.returncode == 0, stderr[-3000:]
    assert killed.poll() == -signal.SIGKILL
    _same_outputs(out, local_run)


def _kill_a_busy_worker(made: LocalDaskCluster, run: subprocess.Popen) -> subprocess.Popen:
    """Wait for the first hand-in graded, then kill a worker that is grading one."""
    for line in run.stderr:
        if line.startswith("graded "):
            break
    pids = made.client.run(os.getpid)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        busy = [address for address, tasks in made.client.processing().items() if tasks]
        victims = [w for w in made.workers if busy and w.pid == pids.get(busy[0])]
        if victims:
            os.kill(victims[0].pid, signal.SIGKILL)
            victims[0].wait(timeout=30)
            return victims[0]
        time.sleep(0.05)
    raise AssertionError("no worker was grading a hand-in")


def test_a_hand_in_whose_worker_died_twice_is_a_grader_error_not_a_score():
    """What the scheduler raises after the retry becomes the grader's error for that
    hand-in (reported and listed in grader_errors.txt), never a grade."""
    from distributed.scheduler import KilledWorker
    future: Future = Future()
    future.set_exception(KilledWorker("grade_on_worker-1", "tcp://127.0.0.1:1", 1))
    student, outcome, _, spent = cluster.outcome_of(future, "s001")
    assert (student, outcome, spent) == ("s001", cluster.KILLED, {})
    assert not outcome.startswith("{")  # the pipeline decodes only "{...}" as a result


def test_a_worker_answer_that_is_not_plain_data_is_refused():
    future: Future = Future()
    future.set_result(("s001", {"score": 10}, 1.0, {}))
    assert cluster.outcome_of(future, "s001")[1].startswith("the Dask worker sent back")
    future = Future()
    future.set_result(("s002", "{}", 1.0, {}))  # another student's answer
    assert cluster.outcome_of(future, "s001")[1].startswith("the Dask worker sent back")


def _shrink_while_another_thread_uses_random(quiet: bool) -> list[str]:
    """The warnings of shrinking a failure whose drawing waits for another thread to use
    the global ``random``, as Dask's event loop does beside a grading task; ``quiet``: with
    the filter a Dask worker sets up."""
    import random
    import threading
    import warnings

    from hypothesis import strategies as st

    from autograder.generation import draw_examples, smallest_failure

    @st.composite
    def number(draw):
        beside = threading.Thread(target=random.random)
        beside.start()
        beside.join()
        return draw(st.integers(0, 100))

    start = next(choices for n, choices in draw_examples(number(), 20, seed=1) if n > 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if quiet:
            cluster.quiet_about_other_threads_random()
        smallest_failure(number(), lambda n: "too large" if n > 10 else None, start, 5)
    return [str(w.message) for w in caught]



def test_another_thread_s_random_while_shrinking_is_reported_by_hypothesis():
    """Why a Dask worker needs the filter below (seen in its log before it had one)."""
    assert any(cluster.RANDOM_IN_STRATEGY in message
               for message in _shrink_while_another_thread_uses_random(quiet=False))


def test_a_dask_worker_does_not_log_another_thread_s_random_as_a_strategy_s():
    assert not any(cluster.RANDOM_IN_STRATEGY in message
                   for message in _shrink_while_another_thread_uses_random(quiet=True))


@pytest.fixture
def certificates(tmp_path) -> dict[str, Path]:
    """A self-signed certificate and key (``Security.temporary``) as PEM files, the
    certificate being its own CA: what the scheduler, the workers and cnnlab present."""
    made = distributed.Security.temporary()
    files = {"ca": made.tls_ca_file, "cert": made.tls_client_cert, "key": made.tls_client_key}
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.pem"
        paths[name].write_text(text)
        paths[name].chmod(0o600)
    return paths


def test_grading_over_tls_gives_the_local_grades(certificates, local_run, tmp_path):
    """Two students of the class (enough to cross the wire both ways) over mutual TLS."""
    class_dir = tmp_path / "class"
    for student in TLS_STUDENTS:
        shutil.copytree(EXAMPLE_CLASS / student, class_dir / student)
    made = LocalDaskCluster(tmp_path, workers=1, tls=certificates)
    try:
        assert made.address.startswith("tls://")
        out = _grade(tmp_path / "out", "--scheduler", made.address, "--tls-ca",
                     str(certificates["ca"]), "--tls-cert", str(certificates["cert"]),
                     "--tls-key", str(certificates["key"]), submissions=class_dir)
    finally:
        made.close()
    others = {row.split(",")[0] for row in _rows(local_run, set(TLS_STUDENTS))[1:]}
    loaded = _timed_out(out) ^ (_timed_out(local_run) - others)
    assert _rows(out, loaded) == _rows(local_run, others | loaded)
    assert _feedback(out, loaded) == _feedback(local_run, others | loaded)


TLS_STUDENTS = ("s002_partial", "s003_flipped_kernel")


def test_a_tls_scheduler_without_the_certificates_is_a_clear_error(tmp_path):
    done = subprocess.run(_grade_command(tmp_path / "out", "--scheduler",
                                         "tls://127.0.0.1:8786"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "give --tls-ca, --tls-cert and --tls-key" in done.stderr


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    with contextlib.closing(__import__("socket").socket()) as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    # Dask's connect timeout (30 s by default) through its documented environment variable
    quick = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}
    done = subprocess.run(_grade_command(tmp_path / "out", "--scheduler",
                                         f"tcp://127.0.0.1:{port}"),
                          capture_output=True, text=True, timeout=300, env=quick)
    assert done.returncode == 2
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in done.stderr


def test_a_worker_set_up_with_the_course_s_rubric_file_grades(tmp_path):
    """The plugin's set-up, in this process: a rubric file given to cnnlab grade reaches the
    worker as text and gives the same grader version there, so its hand-ins are graded."""
    from autograder import course_key, pipeline
    from autograder.sandbox import Limits
    rubric_file = tmp_path / "my-rubric.toml"
    rubric_file.write_text("[conv2d]\npoints = 7\n")
    engine = pipeline.real_engine()
    rubric = engine.load_rubric(rubric_file)
    version = pipeline._version_key(engine, rubric, rubric_file)
    course = cluster.course_setup(engine, rubric, rubric_file, course_key.load(), Limits(),
                                  "process", "full", version)
    cluster.set_up_worker(course)
    try:
        assert "problem" not in cluster._WORKER
        assert cluster._WORKER["suite"].rubric.points_of("conv2d") == 7
    finally:
        cluster._WORKER.clear()


def test_a_worker_of_another_grader_version_grades_nothing():
    from autograder import course_key, pipeline
    from autograder.sandbox import Limits
    engine = pipeline.real_engine()
    course = cluster.course_setup(engine, engine.load_rubric(), None, course_key.load(),
                                  Limits(), "process", "full", "another version")
    cluster.set_up_worker(course)
    try:
        student, why, _, _ = cluster.grade_on_worker(
            {"student": "s001", "sources": {}, "notes": [], "version": "another version"})
        assert student == "s001" and "runs another cnnlab" in why
    finally:
        cluster._WORKER.clear()
