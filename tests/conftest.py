"""Shared test settings: deterministic hypothesis, a headless matplotlib, one course key; and
what is costly to make and shared by several test modules (the drawn hidden suite, the quick
class graded, a released nbgrader course), made once per test run."""

import atexit
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# One fixed course key for every test (and every process a test starts): the hidden inputs
# are the same on every run, the suite cache is reused, and no test makes a key in the
# user's own data folder.
_KEYS = Path(tempfile.mkdtemp(prefix="cnnlab-test-key-"))
atexit.register(shutil.rmtree, _KEYS, True)
TEST_KEY = hashlib.sha256(b"cnnlab tests").digest()
(_KEYS / "course.key").write_text(TEST_KEY.hex() + "\n")
(_KEYS / "course.key").chmod(0o600)
os.environ["CNNLAB_COURSE_KEY"] = str(_KEYS / "course.key")
os.environ["CNNLAB_DATA"] = str(_KEYS / "data")

# Reproducible runs: derandomised, no example database (as the grader itself).
settings.register_profile("cnnlab", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cnnlab")


# The hidden suite for TEST_KEY, in one process of its own: ``engine.prepare`` reads what the
# cache holds and draws only what it lacks (``suite_cache.load``).
_DRAW_MISSING = "from autograder import engine; engine.prepare(engine.load_rubric())"


def pytest_configure(config):
    """Draw the hidden suite with the test key once, before any test runs (in the xdist
    controller, before its workers start): on a clean clone, every process that grades first
    would otherwise draw it for itself at the same time (both workers' module imports, the
    first `cnnlab grade` of each), the same 70 s of CPU two or three times over."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller drew it
        return
    root = Path(__file__).resolve().parent.parent  # its solutions/, not tests/solutions/
    done = subprocess.run([sys.executable, "-c", _DRAW_MISSING], cwd=root,
                          capture_output=True, text=True)
    if done.returncode:
        raise pytest.UsageError(f"drawing the hidden suite failed:\n{done.stderr[-3000:]}")


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the README's test command): two test processes more than cores. Many tests
    wait more than they compute (a time limit running out on an endless loop, a Dask worker
    starting, pip installing, a signal's wrap-up), and with one test process per core a core
    stood idle meanwhile; the tests that grade start grading processes of their own, so more
    would only queue. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` decides when it is set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    return len(os.sched_getaffinity(0)) + 2


# Test modules that grade the same mutants (``graded_alone``: once per test process) go to one
# test process together, as if one file. Apart, 142 of the 155 mutants were graded in two
# processes, 63 s of CPU twice over (benchmarks/DIARY.md, 2026-12-07).
SHARED_SCOPES = {"tests/autograder/test_hidden_suite_mutants.py": "the graded mutants",
                 "tests/autograder/test_misconceptions.py": "the graded mutants"}


# Modules that take a minute or more of one test process (benchmarks/DIARY.md, 2026-12-07),
# but come late in collection order: run first, so that no test process is left working
# alone on one of them at the end while the other core idles.
SLOW_LATE = ("tests/cnnlab/test_platform_nbgrader_grade.py",
             "tests/cnnlab/test_platform_nbgrader.py",
             "tests/cnnlab/test_platform_release.py",
             "tests/cnnlab/test_lms_gradebooks.py")


def pytest_collection_modifyitems(config, items):
    """``SLOW_LATE`` first, the rest in collection order (the same in every xdist worker)."""
    first = {path: rank for rank, path in enumerate(SLOW_LATE)}
    items.sort(key=lambda item: first.get(item.nodeid.split("::")[0], len(first)))


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` (pyproject.toml), with the files of ``SHARED_SCOPES`` as one."""
    if config.getoption("dist") != "loadfile":
        return None  # xdist's own
    from xdist.scheduler import LoadFileScheduling

    class SharedFileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return SHARED_SCOPES.get(file, file)

    return SharedFileScheduling(config, log)


def made_once(tmp_path_factory, worker_id: str, name: str, make) -> Path:
    """A folder filled by ``make(folder)`` once per test run and shared by the xdist workers:
    the first to ask fills it under a lock in the run's temporary folder, the other waits for
    it (the two workers share two cores: making it twice at the same time would take as long
    as waiting, and twice the CPU). Its users only read it, or copy it."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # popen-gw0/, popen-gw1/ are in the run's folder
        shared = shared.parent
    folder = shared / f"shared-{name}"
    with open(shared / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / f"shared-{name}.done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (shared / f"shared-{name}.done").touch()
    return folder


def _grade_quick_class(folder: Path) -> None:
    from grader_helpers import quick_class
    submissions = quick_class(folder / "class")
    done = subprocess.run([sys.executable, "-m", "cnnlab", "grade", str(submissions), "--out",
                           str(folder / "out"), "-j", "2"], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="session")
def quick_graded(tmp_path_factory, worker_id) -> tuple[Path, Path]:
    """The quick part of the example class (``QUICK``) and what ``cnnlab grade -j 2`` made of
    it, graded once per test run rather than by every module that compares a way of grading
    with it (shards, a Dask cluster, a resumed run)."""
    folder = made_once(tmp_path_factory, worker_id, "quick-graded", _grade_quick_class)
    return folder / "class", folder / "out"


def _release_nbgrader_course(folder: Path) -> None:
    from nbgrader_helpers import released_course
    released_course(folder)


@pytest.fixture(scope="session")
def nbgrader_released(tmp_path_factory, worker_id) -> Path:
    """A course made by ``cnnlab nbgrader init`` with the assignment released by nbgrader's
    ``generate_assignment``, once per test run: the nbgrader tests each work on a copy
    (``nbgrader_helpers.copied_course``)."""
    made = made_once(tmp_path_factory, worker_id, "nbgrader-released", _release_nbgrader_course)
    return made / "course"


@pytest.fixture(scope="session")
def suite():
    """The real hidden suite with the bundled rubric, read from the cache once per test process
    (seconds each time) for every module that grades with it; no test changes it."""
    from autograder import engine
    return engine.prepare(engine.load_rubric())


@pytest.fixture(scope="session")
def graded_alone(suite):
    """``graded_alone(hand_in)``: the function of a hand-in of ``tests/student_code`` (a mutant
    or a carrier: its ``function``, ``implementation`` and ``id``) in an otherwise perfect
    submission, graded as ``engine.grade`` grades it in a hand-in (with the hand-in's own
    examples), once per test process for every module that asks (the mutant tests and the
    misconception tests grade the same mutants)."""
    from student_code import perfect_except

    from autograder import engine
    from autograder.inprocess import InProcessStudent
    done: dict = {}

    def grade(hand_in):
        if (hand_in.function, hand_in.id) not in done:
            student = InProcessStudent(perfect_except({hand_in.function: hand_in.implementation}))
            done[hand_in.function, hand_in.id] = engine.grade_function(
                student, suite, hand_in.function, hand_in=engine.sources_digest({}))
        return done[hand_in.function, hand_in.id]
    return grade
