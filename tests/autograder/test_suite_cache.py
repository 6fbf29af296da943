"""The drawn suite on disk: a file per function, named by exactly what its examples depend on,
plain data checked by its hash (an altered or odd file is refused and drawn again), kept
where no sandbox looks; drawing is deterministic for a course key, and nothing drawn ships
with the package."""

import gzip
import hashlib
import json
import os
import pickle
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from autograder import course_key, dependencies, engine, suite_cache
from autograder.checks import all_checks
from autograder.checks.base import Raised
from autograder.drawing import Corpus, DrawnCheck, draw_check
from autograder.rubric import load_rubric
from autograder.worker_runtime import wire
from cnnlab.catalog import FUNCTIONS

KEY = "k" * 24
DRAWN = {
    "relu.small": DrawnCheck(
        Corpus([(np.array([[-1.0, 2.0]]),)], [[((np.array([[-1.0, 2.0]]),), {})]],
               [[np.array([[0.0, 2.0]])]], [b"\x01\x02"], [], [(2, 3.0)], [0]), Corpus()),
    "zero_pad.rejects": DrawnCheck(
        Corpus([{"pad": -1, "shape": (2, 3)}],
               [[((np.zeros((2, 3), dtype=np.int32), -1), {"mode": "x"})]],
               [[Raised("pad must be >= 0")]], [b""]),
        Corpus([7], [[((7,), {})]], [[7]], [b"\x07"])),
}


def same(a, b) -> bool:
    if isinstance(a, Corpus | DrawnCheck):
        return type(a) is type(b) and same(vars(a), vars(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(suite_cache.paths.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def _suite(rubric=None) -> engine.Suite:
    return engine.Suite(rubric or load_rubric(), all_checks())


class Draws:
    """``suite_cache.draw`` counting the checks it is asked for."""

    def __init__(self, monkeypatch):
        self.functions: list[str] = []
        real = suite_cache.draw

        def draw(checks, key, say=None, jobs=0):
            self.functions += list(checks)
            return real(checks, key, say=lambda line: None, jobs=jobs)
        monkeypatch.setattr(suite_cache, "draw", draw)


# --- the file format ------------------------------------------------------------------------

def test_what_is_read_back_is_what_was_drawn(tmp_path):
    path = tmp_path / "suite.json.gz"
    path.write_bytes(suite_cache.encode(DRAWN, KEY))
    assert same(suite_cache.read(path, KEY), DRAWN)
    assert suite_cache.read(path, "other" * 5) is None  # stale: another key


def test_a_call_several_checks_make_is_one_object_when_read(tmp_path):
    """Asked of a hand-in once (``engine._ask``): the file keeps a function's calls once."""
    def call(*values):
        return (np.array(values),), {}
    drawn = {"relu.a": DrawnCheck(Corpus([1, 2], [[call(-1.0)], [call(2.0)]], [[0], [0]],
                                         [b"", b""]), Corpus()),
             "relu.b": DrawnCheck(Corpus([1], [[call(-1.0), call(-1.0), call(-1)]],
                                         [[0, 0, 0]], [b""]), Corpus([1], [[call(2.0)]],
                                                                     [[0]], [b""]))}
    path = tmp_path / "suite.json.gz"
    path.write_bytes(suite_cache.encode(drawn, KEY))
    read = suite_cache.read(path, KEY)
    assert same(read, drawn)
    a, b = read["relu.a"].course.calls, read["relu.b"].course.calls
    assert a[0][0] is b[0][0] is b[0][1]  # -1.0 three times
    assert b[0][2] is not a[0][0]  # -1 is an integer array: another call
    assert a[1][0] is not read["relu.b"].pool.calls[0][0]  # a pool's calls are its own


def _sharing(prepared) -> list:
    """Which of a function's calls are one object: each as the number of the first call
    that is the same object."""
    first: dict[int, int] = {}
    return [[[first.setdefault(id(call), len(first)) for call in group] for group in p.calls]
            for p in prepared]


def test_calls_read_from_the_cache_are_shared_as_in_a_suite_drawn_without_it(cache):
    """The file's table of calls (format 6) against ``engine.share_identical_calls``, which
    shares the calls of a suite drawn without the cache, on the real checks of relu."""
    rubric = load_rubric()
    engine.prepare(rubric, functions=("relu",))  # drawn into the empty cache
    read = engine.prepare(rubric, functions=("relu",)).prepared["relu"]
    drawn = engine.prepare(rubric, functions=("relu",), cache=False).prepared["relu"]
    assert _sharing(read) == _sharing(drawn)
    calls = [call for p in read for group in p.calls for call in group]
    assert len({id(call) for call in calls}) < len(calls)  # some are shared at all


def _rehashed(body: bytes, key: str = KEY) -> bytes:
    return f"{suite_cache.FORMAT} {key} {hashlib.sha256(body).hexdigest()}\n".encode() + body


def _with_checks(checks: dict, calls: str | None = '{"list":[]}') -> bytes:
    """A file of these checks and this table of calls (None: without one)."""
    document = {"format": suite_cache.FORMAT, "key": KEY, "checks": checks}
    if calls is not None:
        document["calls"] = calls
    return _rehashed(gzip.compress(json.dumps(document).encode()))


# What a corpus is in a file, in order (``suite_cache._corpus_parts``).
PARTS = ("examples", "calls", "results", "starts", "oracles", "sizes", "relabellable")


def _corpus(**given: str) -> str:
    """A corpus as a wire message: the ``given`` parts, every other one an empty list."""
    return '{"list":[' + ",".join(given.get(part, '{"list":[]}') for part in PARTS) + "]}"


def _check(table: str = '{"list":[]}', **course: str) -> bytes:
    """A file of one check "x" with this course corpus (its calls: indices into ``table``)
    and an empty pool."""
    return _with_checks({"x": '{"list":[' + _corpus(**course) + "," + _corpus() + "]}"}, table)


ONE = '{"list":[{"list":[]}]}'  # one example's calls, or results: none


@pytest.mark.parametrize(("make", "message"), [
    (lambda good: good[:-40] + bytes(40), "does not match its sha256"),
    (lambda good: good.replace(suite_cache.FORMAT.encode(), b"cnnlab-suite-9", 1),
     "not a drawn-suite"),
    (lambda good: _rehashed(gzip.compress(pickle.dumps({"checks": {}}))), "unreadable"),
    (lambda good: _with_checks({"x": pickle.dumps(object()).hex()}), "x: not a valid message"),
    (lambda good: _check(examples=ONE, results=ONE), "do not line up"),
    (lambda good: _check(examples='{"list":[1]}', calls=ONE, results=ONE,
                         starts='{"list":["not base64!"]}'),
     "x: a shrinking start that is not base64"),
    # an oracle's data, a size or a relabellable index for an example that is not there
    (lambda good: _check(oracles='{"list":[1]}'), "do not line up"),
    (lambda good: _check(sizes='{"list":[{"tuple":[1,1.0]}]}'), "sizes or relabellable"),
    (lambda good: _check(examples='{"list":[1]}', calls=ONE, results=ONE,
                         starts='{"list":[""]}', sizes='{"list":[{"tuple":[1,1.0]}]}',
                         relabellable='{"list":[1]}'), "sizes or relabellable"),
    # the function's table of calls: missing, holding a value that is no call, or lacking
    # the call an example names (a negative index would count from its end)
    (lambda good: _with_checks({}, calls=None), "not a drawn suite for this key"),
    (lambda good: _with_checks({}, calls='{"list":[1]}'), "its calls: a call is not"),
    (lambda good: _check(examples='{"list":[1]}', calls='{"list":[{"list":[0]}]}',
                         results=ONE, starts='{"list":[""]}'), "not in the function's calls"),
    (lambda good: _check(table='{"list":[{"tuple":[{"tuple":[]},{"dict":[]}]}]}',
                         examples='{"list":[1]}', calls='{"list":[{"list":[-1]}]}',
                         results=ONE, starts='{"list":[""]}'), "not in the function's calls"),
])
def test_an_altered_or_foreign_file_is_refused_with_a_message(tmp_path, make, message):
    path = tmp_path / "suite.json.gz"
    path.write_bytes(make(suite_cache.encode(DRAWN, KEY)))
    with pytest.raises(suite_cache.SuiteFileError, match=message):
        suite_cache.read(path, KEY)


def test_a_fifo_in_place_of_the_file_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "suite.json.gz")
    with pytest.raises(suite_cache.SuiteFileError, match="not a regular file"):
        suite_cache.read(tmp_path / "suite.json.gz", KEY)


# --- a file per function, drawn when missing -----------------------------------------------------

def test_a_refused_file_is_drawn_again_alone_and_replaced(cache, monkeypatch):
    suite = _suite()
    suite_cache.load(suite, ("relu", "sigmoid"), say=lambda line: None)
    key = suite_cache.function_key("relu", suite.checks["relu"], suite.key)
    path = suite_cache.cache_path("relu", key, suite.key)
    path.write_bytes(f"{suite_cache.FORMAT} {key} 00\nnonsense".encode())
    draws, said = Draws(monkeypatch), []
    again = _suite()
    suite_cache.load(again, ("relu", "sigmoid"), say=said.append)
    assert draws.functions == ["relu"] and "does not match its sha256" in said[0]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert suite_cache.read(path, key) is not None
    assert all(same(a.examples, b.examples) for a, b in zip(
        again.prepared["relu"], suite.prepared["relu"], strict=True))


def test_files_unused_for_long_go_when_a_function_is_drawn(cache):
    """Another course key's files are removed once unused for ``UNUSED_DAYS``; a file read
    is in use, however old it was."""
    suite_cache.load(_suite(), ("relu",), say=lambda line: None)
    (relu,) = cache.glob("suite-*-relu-*.json.gz")
    day = 86_400
    long_ago = time.time() - (suite_cache.UNUSED_DAYS + 1) * day
    os.utime(relu, (long_ago, long_ago))
    old, recent = cache / "suite-0123456789abcdef-relu-0.json.gz", cache / "suite-fe-relu-1.json.gz"
    for path, age in ((old, suite_cache.UNUSED_DAYS + 1), (recent, suite_cache.UNUSED_DAYS - 1)):
        path.write_bytes(b"another course's relu")
        os.utime(path, (time.time() - age * day,) * 2)
    suite_cache.load(_suite(), ("relu", "sigmoid"), say=lambda line: None)  # reads, draws
    assert relu.exists() and recent.exists() and not old.exists()


_STOP: dict = {}  # the marks folder and the failing task, set before the drawing processes fork


def _marking_task(index: int) -> bytes:
    """In a drawing process: mark the task as started; the first fails, the others take
    their time."""
    (_STOP["marks"] / str(index)).touch()
    if index == _STOP["first"]:
        raise RuntimeError("stop")
    time.sleep(3)
    return b""


def test_a_stop_while_drawing_does_not_wait_for_the_rest_of_the_suite(tmp_path, monkeypatch):
    """Ctrl-C or SIGTERM (here: the first check's error) ends the drawing once the checks
    being drawn are done; the ones still queued are never drawn (a SIGTERM to cnnlab alone
    waited for the whole suite: half a minute)."""
    checks = {"conv2d": all_checks()["conv2d"]}
    _STOP.update(marks=tmp_path, first=suite_cache._big_first(checks["conv2d"])[0])
    monkeypatch.setattr(suite_cache, "_draw_task", _marking_task)
    with pytest.raises(RuntimeError, match="stop"):
        suite_cache.draw(checks, course_key.load(), say=lambda line: None, jobs=2)
    assert 1 <= len(list(tmp_path.iterdir())) < len(checks["conv2d"]) >= 8


def test_what_is_cached_is_what_drawing_gives_now(cache):
    """A fresh draw of a few checks agrees with the cache (the oracle: drawing itself)."""
    suite = _suite()
    suite_cache.load(suite, ("conv2d", "output_shape"), say=lambda line: None)
    for p in [*suite.prepared["conv2d"][::4], *suite.prepared["output_shape"][::3]]:
        fresh = draw_check(p.check, suite.key)
        assert same(Corpus(p.examples, p.calls, p.expected, p.starts, [], p.sizes,
                           p.relabellable), fresh.course)
        assert same(p.pool, fresh.pool), p.check.id


def test_a_rubric_that_changes_only_points_needs_no_drawing(cache, tmp_path, monkeypatch):
    suite_cache.load(_suite(), ("conv2d", "relu"), say=lambda line: None)
    monkeypatch.setattr(suite_cache, "draw", lambda *a, **k: pytest.fail("drew the suite"))
    rubric_file = tmp_path / "rubric.toml"
    rubric_file.write_text("[conv2d]\npoints = 7\n\n[relu]\npoints = 0\n")
    default, custom = _suite(), _suite(load_rubric(rubric_file))
    suite_cache.load(default, ("conv2d", "relu"))
    suite_cache.load(custom, ("conv2d", "relu"))
    assert sum(p.points for p in custom.prepared["conv2d"]) == pytest.approx(7)
    assert all(same(a.examples, b.examples) for a, b in zip(
        custom.prepared["conv2d"], default.prepared["conv2d"], strict=True))
    assert all(p.points == 0 for p in custom.prepared["relu"]) and custom.prepared["relu"]


def test_a_cache_folder_others_may_write_to_is_not_used(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    monkeypatch.setenv(suite_cache.paths.CACHE_ENV, str(folder))
    suite, said = _suite(), []
    draws = Draws(monkeypatch)
    suite_cache.load(suite, ("relu",), say=said.append)
    assert draws.functions == ["relu"] and "not private" in said[0]
    assert list(folder.iterdir()) == []  # nothing written there
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777  # left as it was, not taken over


def test_a_cache_folder_the_sandbox_shows_is_not_used(tmp_path, monkeypatch):
    """Gradescope's old layout: the cache inside the venv, which student code may read."""
    inside = Path(sys.prefix) / f"cnnlab-test-cache-{os.getpid()}"
    monkeypatch.setenv(suite_cache.paths.CACHE_ENV, str(inside))
    said: list[str] = []
    try:
        suite_cache.load(_suite(), ("relu",), say=said.append)
        assert not inside.exists()
    finally:
        if inside.exists():
            for file in inside.iterdir():
                file.unlink()
            inside.rmdir()
    assert any("shows to student code" in line for line in said)


# --- content-addressed per function -------------------------------------------------------------

def _keys() -> dict[str, str]:
    key = course_key.load()
    return {f: suite_cache.function_key(f, checks, key) for f, checks in all_checks().items()}


@pytest.fixture
def edited(monkeypatch):
    """Pretend one top-level definition's source text changed."""
    real = dependencies.source_of.__wrapped__

    def edit(unit):
        monkeypatch.setattr(dependencies, "source_of", lambda u: real(u) + (
            "\n# edited" if u == unit else ""))
        return _keys()
    return edit


def test_a_change_to_one_function_s_reference_changes_its_key_alone(edited):
    before = _keys()
    after = edited(("solutions.convolution", "conv_layer"))
    # conv_layer_backward's reference runs the forward conv_layer first (its ValueErrors)
    assert {f for f in FUNCTIONS if before[f] != after[f]} == {"conv_layer", "conv_layer_backward"}


def test_a_change_to_a_check_s_strategy_changes_the_keys_of_its_functions(edited):
    before = _keys()
    after = edited(("autograder.checks.convolution", "_linear_combinations"))
    assert {f for f in FUNCTIONS if before[f] != after[f]} == {"conv1d", "conv2d"}


def test_a_change_to_a_shared_strategy_changes_every_function_using_it(edited):
    before = _keys()
    changed = {f for f, k in edited(("autograder.strategies", "MAX_SIDE")).items()
               if before[f] != k}
    assert {"conv1d", "conv2d", "conv_layer", "max_pool", "avg_pool"} <= changed
    assert not changed & {"relu", "dense_weights", "receptive_field", "weights_as_image"}


def test_a_change_to_a_judge_changes_no_key(edited):
    before = _keys()
    assert edited(("autograder.checks.convolution", "_is_linear")) == before


def _with_oracles() -> set[str]:
    return {f for f, checks in all_checks().items() if any(c.oracle for c in checks)}


def test_a_change_to_what_an_oracle_works_out_changes_the_keys_of_its_functions(edited):
    """The central differences are drawn with the examples: changing how they are worked out
    must redraw them."""
    before = _keys()
    after = edited(("autograder.checks.backprop", "_differences"))
    changed = {f for f in FUNCTIONS if before[f] != after[f]}
    assert changed == _with_oracles() and "conv_layer_backward" in changed


def _refuse(example):
    raise AssertionError("worked out again, not read with the suite")


def test_an_oracle_s_data_is_read_with_the_suite_not_worked_out_again(cache, monkeypatch):
    """The central differences of a backward pass's course examples (seconds of CPU per
    grading process) come with the drawn suite."""
    suite_cache.load(_suite(), ("relu_backward",), say=lambda line: None)  # drawn and kept
    oracles = [c.oracle for c in all_checks()["relu_backward"] if c.oracle]
    for oracle in oracles:
        monkeypatch.setattr(oracle, "known", {})
        monkeypatch.setattr(oracle, "work_out", _refuse)
    suite = _suite()
    suite_cache.load(suite, ("relu_backward",), say=lambda line: None)
    held = [p for p in suite.prepared["relu_backward"] if p.check.oracle]
    assert len(held) == len(oracles) == 1
    assert all(p.check.oracle.knows(e) for p in held for e in p.examples)


def _refused(*args):
    raise AssertionError("worked out again, not read with the suite")


def test_the_sizes_and_relabellable_examples_are_read_with_the_suite(cache, monkeypatch):
    """Worked out when drawn (1.2 s of CPU for the whole suite), not in every process that
    reads it; and what is kept is what the examples give (the oracle: the functions
    themselves, on the examples read back)."""
    from autograder import drawing, hand_in_inputs
    suite_cache.load(_suite(), ("zero_pad", "conv_layer"), say=lambda line: None)
    for module in (drawing, engine):
        monkeypatch.setattr(module, "example_size", _refused)
    monkeypatch.setattr(drawing, "relabellable", _refused)
    suite = _suite()
    suite_cache.load(suite, ("zero_pad", "conv_layer"), say=lambda line: None)
    monkeypatch.undo()
    for p in suite.prepared["zero_pad"] + suite.prepared["conv_layer"]:
        assert p.sizes == [drawing.example_size(e) for e in p.examples]
        assert p.relabellable == [i for i, e in enumerate(p.examples)
                                  if hand_in_inputs.relabellable(e)], p.check.id


@pytest.mark.parametrize("function", sorted(_with_oracles()))
def test_the_kept_central_differences_agree_with_the_reference_s_gradient(suite, function):
    """What the file holds is right: the reference's gradient passes the check judged with
    it (a wrong or shifted entry would fail it)."""
    (p,) = [p for p in suite.of(function) if p.check.oracle]
    judge = p.check.judgement()
    assert all(p.check.oracle.knows(e) for e in p.examples)
    assert [i for i, e in enumerate(p.examples) if judge(e, p.expected[i], p.expected[i])] == []


def test_a_changed_function_alone_is_drawn_again(cache, monkeypatch, edited):
    functions = ("relu", "max_pool", "weights_as_image")
    suite_cache.load(_suite(), functions, say=lambda line: None)
    edited(("solutions.pooling", "max_pool"))
    draws = Draws(monkeypatch)
    suite_cache.load(_suite(), functions, say=lambda line: None)
    assert draws.functions == ["max_pool"]


def test_two_checkouts_sharing_the_cache_each_keep_their_version(cache, monkeypatch, edited):
    """This term's course and next term's (or a branch) graded in turn draw nothing again."""
    first = dependencies.source_of
    suite_cache.load(_suite(), ("relu",), say=lambda line: None)
    edited(("solutions.convolution", "relu"))
    suite_cache.load(_suite(), ("relu",), say=lambda line: None)
    monkeypatch.setattr(dependencies, "source_of", first)  # back to the first checkout
    draws = Draws(monkeypatch)
    suite_cache.load(_suite(), ("relu",), say=lambda line: None)
    assert draws.functions == []


def test_a_function_keeps_its_last_used_versions_only(cache, monkeypatch):
    real = dependencies.source_of.__wrapped__
    suite_cache.load(_suite(), ("relu",), say=lambda line: None)
    for version in range(suite_cache.KEEP_VERSIONS):  # one version more than kept
        monkeypatch.setattr(dependencies, "source_of", lambda u, v=version: real(u) + f"#{v}")
        suite_cache.load(_suite(), ("relu",), say=lambda line: None)
    assert len(list(cache.glob("suite-*-relu-*.json.gz"))) == suite_cache.KEEP_VERSIONS


# --- deterministic for a key, unknown without it -----------------------------------------------

DRAW_IN_A_PROCESS = """
import hashlib, sys
from autograder import course_key
from autograder.worker_runtime import wire
from autograder.checks import all_checks
from autograder.drawing import draw_check
check = {c.id: c for cs in all_checks().values() for c in cs}[sys.argv[1]]
drawn = draw_check(check, course_key.load())
print(hashlib.sha256(wire.dumps(drawn.course.examples) + b"".join(drawn.course.starts)
                     ).hexdigest())
"""


@pytest.mark.parametrize("check_id", ["conv2d.is_linear", "count_parameters.flatten_and_dense",
                                      "max_pool.unchanged_by_moves_within_a_window"])
def test_the_same_key_draws_the_same_examples_in_any_process(check_id):
    runs = {subprocess.run([sys.executable, "-c", DRAW_IN_A_PROCESS, check_id], check=True,
                           capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
            for seed in ("1", "2")}
    check = {c.id: c for cs in all_checks().values() for c in cs}[check_id]
    here = draw_check(check, course_key.load())
    assert runs == {hashlib.sha256(wire.dumps(here.course.examples)
                                   + b"".join(here.course.starts)).hexdigest()}


def test_the_package_ships_no_drawn_suite():
    package = Path(suite_cache.__file__).parent
    assert not list(package.glob("*.json.gz"))
    pyproject = (package.parent / "pyproject.toml").read_text()
    assert "prepared_suite" not in pyproject
