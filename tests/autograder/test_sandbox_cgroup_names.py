"""A pids group's name is never one a dead run of the same pid left behind: pids are reused, and
another run removing that run's stale groups must never take a live one (a fork server whose
group vanished could not start its workers)."""

from __future__ import annotations

import itertools
import os
import types

import pytest

from autograder.sandbox import cgroup

DEAD_RUN_PID = 4_242


@pytest.fixture
def top(tmp_path, monkeypatch):
    monkeypatch.setattr(cgroup, "controller", lambda: tmp_path)
    return tmp_path


def _as_pid(monkeypatch, pid) -> None:
    """``cgroup`` sees a root process of pid ``pid()`` (only there: the rest of the test
    process keeps its own ``os``)."""
    monkeypatch.setattr(cgroup, "os", types.SimpleNamespace(getpid=pid, geteuid=lambda: 0))


def test_a_reused_pid_makes_a_new_group_beside_the_stale_one(top, monkeypatch) -> None:
    _as_pid(monkeypatch, lambda: DEAD_RUN_PID)
    stale = cgroup.group("server")  # left by a run that was killed
    monkeypatch.setattr(cgroup, "_numbers", itertools.count())  # a new process counts from 0
    fresh = cgroup.group("server")
    assert stale is not None and fresh is not None
    assert fresh.path != stale.path and stale.path.is_dir() and fresh.path.is_dir()


def test_stale_groups_go_and_groups_of_live_graders_stay(top, monkeypatch) -> None:
    pids = itertools.count(2_000_000)  # above any pid_max: no such process
    _as_pid(monkeypatch, lambda: next(pids))
    stale = cgroup.group("server")
    _as_pid(monkeypatch, os.getppid)  # alive: the test's parent
    live = cgroup.group("server")
    for made in (stale, live):
        _made_long_ago(made)
    cgroup._remove_stale(top)
    assert not stale.path.exists() and live.path.is_dir()


def test_a_young_group_is_never_taken_for_stale(top, monkeypatch) -> None:
    """Empty from its making until its sandbox joins it: whoever cannot see its grader's pid
    must still leave it alone."""
    _as_pid(monkeypatch, lambda: 2_000_000)  # no such process
    young = cgroup.group("server")
    cgroup._remove_stale(top)
    assert young.path.is_dir()


def _made_long_ago(made) -> None:
    then = os.stat(made.path).st_mtime - cgroup.STALE_SECONDS - 1
    os.utime(made.path, (then, then))
