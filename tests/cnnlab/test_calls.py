"""One call runner (``cnnlab.calls.run_call``) for the worker, the grader's own process and
``cnnlab check``: the same outcome, the same line of the student's file, the same state before
each call, and what a call printed kept apart and cut readably."""

from __future__ import annotations

import random

import numpy as np
from grader_helpers import perfect_with
from hypothesis import given
from hypothesis import strategies as st

from autograder.inprocess import InProcessStudent
from autograder.results import NOT_IMPLEMENTED, RAISED
from autograder.sandbox import Limits, SandboxedStudent
from cnnlab import calls
from cnnlab.check import run_case
from cnnlab.loading import exercises_from
from cnnlab.public_checks import CASES

BROKEN = """
def same_padding(kernel_size):
    print("checking", kernel_size)
    return _helper(kernel_size)


def _helper(k):
    return {}[k]  # the line to find
"""


def test_the_sandbox_and_the_graders_own_process_describe_a_failure_alike(tmp_path):
    folder = perfect_with(tmp_path / "s", "padding", BROKEN)
    with SandboxedStudent(folder, Limits(seconds_per_call=20, seconds_import=30)) as student:
        sandboxed = student.call_many("same_padding", [((3,), {})])[0]
    with exercises_from(folder) as loaded:
        in_process = InProcessStudent({"same_padding": loaded.function("same_padding")}) \
            .call_many("same_padding", [((3,), {})])[0]
        case = next(c for c in CASES if c.function == "same_padding" and c.args == (3,))
        checked = run_case(loaded.function("same_padding"), case)
    lines = (folder / "padding.py").read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "the line to find" in line)
    where = f"padding.py, line {number}: return {{}}[k]  # the line to find"
    for error in (sandboxed, in_process):
        assert (error.kind, error.exception_type, error.message) == (RAISED, "KeyError", "3")
        assert error.where == where
        assert error.printed == "checking 3\n"
    assert checked == f"raised KeyError: 3\n      at {where}"


def test_every_call_starts_from_the_same_random_state_and_error_handling():
    def noisy():
        np.seterr(all="ignore")
        return np.random.rand(), random.random()

    first = calls.run_call(noisy, (), {}, files=())
    second = calls.run_call(noisy, (), {}, files=())
    assert first.value == second.value
    assert first.value == (np.random.RandomState(0).rand(), random.Random(0).random())
    loud = calls.run_call(lambda: np.exp(np.array([1000.0])), (), {}, files=(),
                          warnings_as_errors=True)
    assert loud.failure.builtin == "RuntimeWarning"


def test_a_stub_is_not_implemented_and_ctrl_c_is_not_the_students():
    def stub():
        raise NotImplementedError

    def interrupted():
        raise KeyboardInterrupt

    assert calls.run_call(stub, (), {}, files=()).failure.kind == NOT_IMPLEMENTED
    try:
        calls.run_call(interrupted, (), {}, files=())
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("Ctrl-C in the grader's own process was swallowed")
    in_worker = calls.run_call(interrupted, (), {}, files=(), passthrough=())
    assert in_worker.failure.builtin == "KeyboardInterrupt"


@given(st.text(max_size=5000), st.integers(0, 3000))
def test_printed_output_is_cut_at_character_boundaries_and_marked(text, prefix):
    data = ("é" * prefix + text).encode()
    shown = calls.printed_excerpt(data, len(data))
    if len(data) <= calls.PRINTED_CHARS:
        assert shown == data.decode()
        return
    head, marker, tail = shown.partition("\n[... ")
    cut = int(marker and tail.split(" bytes cut ...]\n")[0].replace(",", ""))
    tail = tail.split(" bytes cut ...]\n", 1)[1]
    assert "\ufffd" not in head + tail  # no character was cut in two
    assert data.startswith(head.encode()) and data.endswith(tail.encode())
    assert len(head.encode()) + cut + len(tail.encode()) == len(data)
    assert len(head.encode()) + len(tail.encode()) <= calls.PRINTED_CHARS


class ArgumentError(TypeError, ValueError):
    """An exception a student made both: ``except ValueError`` catches it."""


class ShapeError(ValueError):
    pass


def test_an_exception_that_is_a_value_error_is_told_as_one():
    assert calls.builtin_name(ArgumentError) == "ValueError"
    assert calls.builtin_name(ShapeError) == "ValueError"
    assert calls.builtin_name(UnicodeDecodeError) == "UnicodeDecodeError"  # a ValueError too
    assert calls.builtin_name(TypeError) == "TypeError"
