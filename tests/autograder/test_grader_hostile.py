"""Hostile submissions: each attack may cost the attacked function, never anything else.

Every submission is the perfect example student with one function (or module) replaced by an
attack. It is graded with the real hidden suite: the attacked function may lose points, every
other function keeps full marks, and a clean student graded in the same run is unaffected.
"""

import sqlite3
from pathlib import Path

import pytest
from grader_helpers import PERFECT, full_marks, perfect_with

from autograder import engine
from autograder.pipeline import Options, grade_class
from autograder.sandbox import Limits, SandboxedStudent, bwrap_works
from autograder.worker_runtime.confine import landlock_abi
from cnnlab.catalog import EXERCISES, FUNCTIONS

FAST = Limits(seconds_per_call=3, seconds_import=20)  # printing is capped, so never close
REFERENCE_FILE = Path(__file__).resolve().parents[2] / "solutions" / "padding.py"

RIGHT = "    if k < 1 or k % 2 == 0:\n        raise ValueError('kernel_size must be odd')\n" \
        "    return (k - 1) // 2\n"  # the right answer, after the attack
# name -> (module, the code appended to it, code prepended to it)
ATTACKS = {
    "endless_loop": ("padding", "def same_padding(k):\n    while True:\n        pass\n", ""),
    "sleep": ("padding", "def same_padding(k):\n    import time\n    time.sleep(600)\n", ""),
    "memory_bomb": ("padding", "def same_padding(k):\n    return len(bytearray(10 * 2**30))\n",
                    ""),
    "bounded_fork": ("padding", "def same_padding(k):\n    import os\n    for _ in range(5):\n"
                                "        os.fork()\n    return (k - 1) // 2\n", ""),
    "os_exit": ("padding", "def same_padding(k):\n    import os\n    os._exit(0)\n", ""),
    "sys_exit": ("padding", "def same_padding(k):\n    import sys\n    sys.exit(0)\n", ""),
    "deep_recursion": ("padding", "def same_padding(k):\n    import sys\n"
                                  "    sys.setrecursionlimit(10**9)\n"
                                  "    def down(n):\n        return down(n + 1) + 1\n"
                                  "    return down(0)\n", ""),
    "kill_parent": ("padding", "def same_padding(k):\n    import os, signal\n"
                               "    os.kill(os.getppid(), signal.SIGKILL)\n"
                               "    os.kill(0, signal.SIGKILL)\n    return (k - 1) // 2\n", ""),
    "ignore_sigterm": ("padding", "def same_padding(k):\n    import signal\n"
                                  "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                  "    while True:\n        pass\n", ""),
    "always_equal": ("padding", "class Liar(int):\n    def __eq__(self, other):\n"
                                "        return True\n    __hash__ = int.__hash__\n\n\n"
                                "def same_padding(k):\n    return Liar(0)\n", ""),
    "patched_numpy": ("convolution", "def relu(x):\n    return np.zeros(1)\n",
                      "import numpy\nnumpy.allclose = numpy.array_equal = "
                      "lambda *a, **k: True\nnumpy.testing.assert_allclose = lambda *a, **k: "
                      "None\n"),
    "import_solutions": ("padding", "def same_padding(k):\n    import solutions.padding\n"
                                    f"    return len(open({str(REFERENCE_FILE)!r}).read())\n",
                         ""),
    "print_flood": ("padding", "def same_padding(k):\n    import sys\n"
                               "    for _ in range(200):\n        print('x' * 2**20)\n"
                               "        sys.stderr.write('y' * 2**20)\n" + RIGHT, ""),
    "background_process": ("padding", "def same_padding(k):\n    import subprocess\n"
                                      "    subprocess.Popen(['sleep', '600'])\n"
                                      "    return (k - 1) // 2\n", ""),
    "background_thread": ("padding", "def same_padding(k):\n    import threading, time\n"
                                     "    threading.Thread(target=lambda: time.sleep(600), "
                                     "daemon=True).start()\n" + RIGHT, ""),
    "segfault": ("padding", "def same_padding(k):\n    import ctypes\n"
                            "    return ctypes.string_at(0)\n", ""),
    "network": ("padding", "def same_padding(k):\n    import socket\n"
                           "    socket.create_connection(('pypi.org', 443), timeout=1)\n"
                           "    return (k - 1) // 2\n", ""),
    "crash_at_import": ("receptive_field", "", "raise RuntimeError('boom')\n"),
}
ATTACKED = {"patched_numpy": {"relu"}}
# Return the right answers: must keep their points (a raise at import leaves out that
# statement only, cnnlab.loading).
HARMLESS = {"print_flood", "crash_at_import"}
# Right answer, but one new thread per call soon meets the process limit: may lose them.
EITHER_WAY = {"background_thread"}
# Without bubblewrap and without Landlock the file system is visible (reported as weaker).
BWRAP_ONLY = set() if landlock_abi() else {"import_solutions"}
ISOLATIONS = ["bwrap", "process"] if bwrap_works() else ["process"]


# What an attack can harm beyond its own function: the functions graded after it by the same
# sandbox (a dead worker, a full process table, patched modules), those of its own module and
# the other modules'. Grading all 28 per attack costs minutes, so an attack's hand-in is
# graded on its whole module, the attacked functions and one function of every other module.
WATCHED = ("zero_pad", "conv_output_size", "same_padding", "conv2d", "relu", "max_pool",
           "count_parameters", "receptive_field", "effective_stride", "relu_backward")
assert {m for m, functions in EXERCISES.items() if set(functions) & set(WATCHED)} == set(
    EXERCISES)


def _grade(folder: Path, isolation: str, suite, functions=FUNCTIONS):
    with SandboxedStudent(folder, FAST, isolation) as student:
        return engine.grade(student, suite, {}, folder.name, functions=functions)


CASES = [(attack, isolation) for attack in sorted(ATTACKS) for isolation in ISOLATIONS
         if not (attack in BWRAP_ONLY and isolation != "bwrap")]


@pytest.mark.parametrize(("attack", "isolation"), CASES)
def test_an_attack_costs_at_most_the_attacked_function(attack, isolation, tmp_path, suite):
    module, code, top = ATTACKS[attack]
    result = _grade(perfect_with(tmp_path / attack, module, code, top), isolation, suite,
                    WATCHED)
    attacked = ATTACKED.get(attack, {"same_padding"})
    assert attacked <= set(WATCHED)
    marks = full_marks(result)
    lost = {f for f in WATCHED if not marks[f]}
    if attack in EITHER_WAY:
        assert lost <= attacked
    else:
        assert lost == (set() if attack in HARMLESS else attacked)


def test_the_reference_cannot_be_read_from_the_sandbox(tmp_path):
    if not bwrap_works():
        pytest.skip("needs bubblewrap")
    folder = perfect_with(tmp_path / "s", "padding", f"""
def same_padding(k):
    import importlib.util, os
    found = importlib.util.find_spec("solutions.padding").origin
    return found + " " + str(os.path.exists({str(REFERENCE_FILE)!r}))
""")
    with SandboxedStudent(folder, FAST, "bwrap") as student:
        seen = student.call_many("same_padding", [((3,), {})])[0]
    origin, reference_exists = seen.split()
    assert origin.endswith("/padding.py") and origin != str(REFERENCE_FILE)  # its own file
    assert reference_exists == "False"


class WatchedEngine:
    """The hidden suite on the ``WATCHED`` functions only, for a whole class of attacks: a
    hand-in of the perfect student graded on all of them cost 5 to 7 s of CPU."""

    load_rubric = staticmethod(engine.load_rubric)

    @staticmethod
    def prepare(rubric):
        return engine.prepare(rubric, functions=WATCHED)

    @staticmethod
    def grade(student, suite, sources=None, student_id="student", detail="full"):
        return engine.grade(student, suite, sources, student_id, detail, functions=WATCHED)


def test_a_hostile_class_leaves_a_clean_student_and_the_outputs_alone(tmp_path, suite):
    out = tmp_path / "out"
    attacks = {"kill_parent", "os_exit", "segfault", "endless_loop", "print_flood"}
    for attack in attacks:
        module, code, top = ATTACKS[attack]
        perfect_with(tmp_path / "class" / attack, module, code, top)
    writer = f"""
def same_padding(k):
    for name in ("grades.csv", "gradebook.sqlite"):
        open({str(out)!r} + "/" + name, "w").write("hacked")
    return (k - 1) // 2
"""
    perfect_with(tmp_path / "class" / "writer", "padding", writer)
    perfect_with(tmp_path / "class" / "clean", "padding", "")
    run = grade_class(tmp_path / "class", out, Options(jobs=2, limits=FAST), WatchedEngine)
    scores = {r.student: r.score for r in run.results}
    full = sum(suite.rubric.points_of(f) for f in WATCHED)
    same_padding = suite.rubric.points_of("same_padding")
    assert scores["clean"] == full
    assert all(scores[a] >= full - same_padding for a in attacks)
    assert run.errors == {}
    rows = sqlite3.connect(out / "gradebook.sqlite").execute("SELECT count(*) FROM grades")
    assert rows.fetchone()[0] == len(attacks) + 2
    assert scores["writer"] >= full - same_padding
    assert (out / "grades.csv").read_text().startswith("student,score,max_score")


# Finds the memory the grader shares with its worker in a caller's frame, and overwrites it
# for as long as the worker lives: also while the grader lays the next batch out.
SCRIBBLER = """
import mmap as _mmap
import sys as _sys
import threading as _threading

import numpy as _np


def _shared_memory():
    frame = _sys._getframe()
    while frame is not None:
        for value in frame.f_locals.values():
            if isinstance(value, _mmap.mmap):
                return value
        frame = frame.f_back


def _scribble(memory):
    view = _np.frombuffer(memory, dtype=_np.uint8)
    while True:
        view[:] = 0x41


if _shared_memory() is not None:
    _threading.Thread(target=_scribble, args=(_shared_memory(),), daemon=True).start()
"""


def test_a_student_who_overwrites_the_shared_inputs_harms_no_one_graded_after(tmp_path,
                                                                               suite):
    """One grading process lays each batch of the suite out once and copies it to the workers
    of later hand-ins: from the grader's own arrays, not from memory a worker wrote to."""
    perfect_with(tmp_path / "class" / "a_scribbler", "padding", "", top=SCRIBBLER)
    perfect_with(tmp_path / "class" / "b_clean", "padding", "")
    run = grade_class(tmp_path / "class", tmp_path / "out", Options(jobs=1, limits=FAST),
                      WatchedEngine)
    scores = {r.student: r.score for r in run.results}
    assert scores["b_clean"] == sum(suite.rubric.points_of(f) for f in WATCHED)
    assert run.errors == {}


def test_the_perfect_example_student_gets_full_marks(suite):
    result = _grade(PERFECT, ISOLATIONS[0], suite)
    assert all(full_marks(result).values())


def test_a_child_cannot_write_into_the_fork_servers_memory(tmp_path):
    folder = perfect_with(tmp_path / "s", "padding", """
def same_padding(k):
    import os
    with open(f"/proc/{os.getppid()}/mem", "r+b") as memory:
        return "opened"
""")
    with SandboxedStudent(folder, FAST, ISOLATIONS[0], fork_server=True) as student:
        result = student.call_many("same_padding", [((3,), {})])[0]
    assert result.exception_type == "PermissionError"
