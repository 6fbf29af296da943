"""The prepared suite on disk is plain data checked by its hash: what is read back is what
was drawn, an altered or odd file is refused (and the suite drawn again), nothing is
unpickled, points come from the rubric at reading, and the shipped file is current."""

import gzip
import hashlib
import json
import os
import pickle
import stat
from pathlib import Path

import numpy as np
import pytest

from autograder import engine, suite_cache
from autograder.checks import all_checks
from autograder.checks.base import Raised
from autograder.rubric import load_rubric
from cnnlab.build import run as build_run

KEY = "k" * 24
DRAWN = {
    "relu.small": ([(np.array([[-1.0, 2.0]]),)], [[((np.array([[-1.0, 2.0]]),), {})]],
                   [[np.array([[0.0, 2.0]])]], [b"\x01\x02"]),
    "zero_pad.rejects": ([{"pad": -1, "shape": (2, 3)}],
                         [[((np.zeros((2, 3), dtype=np.int32), -1), {"mode": "x"})]],
                         [[Raised("pad must be >= 0")]], [b""]),
}


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


def test_what_is_read_back_is_what_was_drawn(tmp_path):
    path = tmp_path / "suite.json.gz"
    path.write_bytes(suite_cache.encode(DRAWN, KEY))
    assert same(suite_cache.read(path, KEY), DRAWN)
    assert suite_cache.read(path, "other" * 5) is None  # stale: another key


def _rehashed(body: bytes, key: str = KEY) -> bytes:
    return f"{suite_cache.FORMAT} {key} {hashlib.sha256(body).hexdigest()}\n".encode() + body


@pytest.mark.parametrize(("make", "message"), [
    (lambda good: good[:-40] + bytes(40), "does not match its sha256"),
    (lambda good: good.replace(suite_cache.FORMAT.encode(), b"cnnlab-suite-9", 1),
     "not a prepared-suite"),
    (lambda good: _rehashed(gzip.compress(pickle.dumps({"checks": {}}))), "unreadable"),
    (lambda good: _rehashed(gzip.compress(json.dumps(
        {"format": suite_cache.FORMAT, "key": KEY,
         "checks": {"x": pickle.dumps(object()).hex()}}).encode())), "x: not a valid message"),
    (lambda good: _rehashed(gzip.compress(json.dumps(
        {"format": suite_cache.FORMAT, "key": KEY,
         "checks": {"x": '{"list":[{"list":[]},{"list":[]},{"list":[{"list":[]}]},{"list":[]}]}'}}
    ).encode())), "do not line up"),
    (lambda good: _rehashed(gzip.compress(json.dumps(
        {"format": suite_cache.FORMAT, "key": KEY,
         "checks": {"x": '{"list":[{"list":[1]},{"list":[{"list":[]}]},{"list":[{"list":[]}]},'
                         '{"list":["not base64!"]}]}'}}
    ).encode())), "x: a shrinking start that is not base64"),
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


def _suite(rubric=None):
    return engine.Suite(rubric or load_rubric(), all_checks())


def test_a_refused_cache_is_drawn_again_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv(suite_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(suite_cache, "SHIPPED", tmp_path / "absent.json.gz")
    shipped = suite_cache.read(Path(suite_cache.__file__).parent / "prepared_suite.json.gz",
                               suite_cache.digest())
    draws, said = [], []
    monkeypatch.setattr(suite_cache, "draw", lambda checks, say=None: draws.append(1) or shipped)
    cache = suite_cache._cache_path(suite_cache.digest())
    cache.write_bytes(f"{suite_cache.FORMAT} {suite_cache.digest()} 00\nnonsense".encode())
    assert suite_cache.load(_suite(), said.append)
    assert draws == [1] and "does not match its sha256" in said[0]
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    suite = _suite()
    assert suite_cache.load(suite, said.append) and draws == [1]  # the new cache is read
    assert set(suite.prepared) == set(all_checks())


def test_a_rubric_that_changes_only_points_needs_no_drawing(tmp_path, monkeypatch):
    monkeypatch.setattr(suite_cache, "draw", lambda *a, **k: pytest.fail("drew the suite"))
    rubric_file = tmp_path / "rubric.toml"
    rubric_file.write_text("[conv2d]\npoints = 7\n\n[relu]\npoints = 0\n")
    default, custom = _suite(), _suite(load_rubric(rubric_file))
    suite_cache.load(default)
    suite_cache.load(custom)
    assert sum(p.points for p in custom.prepared["conv2d"]) == pytest.approx(7)
    assert all(same(a.examples, b.examples) for a, b in zip(
        custom.prepared["conv2d"], default.prepared["conv2d"], strict=True))
    assert all(p.points == 0 for p in custom.prepared["relu"]) and custom.prepared["relu"]


def test_the_shipped_suite_holds_what_drawing_gives_now():
    """A fresh draw of a few checks agrees with the shipped file (the oracle: hypothesis
    itself, through the engine's own drawing)."""
    shipped = suite_cache.read(suite_cache.SHIPPED, suite_cache.digest())
    assert shipped is not None, "stale: run `cnnlab build`"
    checks = [c for own in all_checks().values() for c in own][::25]
    for check in checks:
        fresh = engine._prepare_check(check, 0.0)
        assert same(shipped[check.id], (fresh.examples, fresh.calls, fresh.expected,
                                        fresh.starts)), check.id


def test_the_shipped_suite_is_current_and_build_check_notices_when_it_is_not(
        monkeypatch, capsys):
    assert suite_cache.stale_shipped() == [], "run `cnnlab build`"
    monkeypatch.setattr(suite_cache, "digest", lambda: "0" * 24)
    assert build_run(type("Args", (), {"check": True})()) == 1
    assert "prepared suite" in capsys.readouterr().out


def test_a_cache_folder_others_may_write_to_is_not_used(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    monkeypatch.setenv(suite_cache.CACHE_ENV, str(folder))
    monkeypatch.setattr(suite_cache, "SHIPPED", tmp_path / "absent.json.gz")
    key = suite_cache.digest()
    (folder / f"suite-{key}.json.gz").write_bytes(suite_cache.encode(DRAWN, key))  # planted
    shipped = suite_cache.read(Path(suite_cache.__file__).parent / "prepared_suite.json.gz",
                               key)
    draws, said = [], []
    monkeypatch.setattr(suite_cache, "draw", lambda checks, say=None: draws.append(1) or shipped)
    assert suite_cache.load(_suite(), said.append)
    assert draws == [1] and "not private" in said[0]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777  # left as it was, not taken over
