"""What a worker holds and what the grader takes from it: a worker holds only the calls it is
answering (no input of the suite that it was not asked), and "the inputs are unchanged" is
judged by the grader from memory the worker cannot redirect, not from the worker's report."""

from __future__ import annotations

import numpy as np
import pytest
from grader_helpers import PERFECT, perfect_with

from autograder import engine
from autograder.pipeline import grade_candidate
from autograder.sandbox import Limits, SandboxedStudent, bwrap_works
from autograder.submissions import find_candidates

ISOLATIONS = ["process", *(["bwrap"] if bwrap_works() else [])]
LIMITS = Limits(seconds_per_call=30, seconds_import=60)

# relu is asked 1-D to 3-D arrays only: a 4-D array in the worker's memory is another
# function's input (conv_layer's kernels, ...).
SCANNER = '''
import gc
import sys

import numpy as np

_found = None


def _arrays_reachable():
    """Every numpy array reachable from the modules and from what the collector tracks."""
    seen, arrays = set(), []
    todo = [sys.modules, *gc.get_objects()]
    while todo and len(seen) < 5_000_000:
        value = todo.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if type(value) is np.ndarray:
            arrays.append(value)
        elif type(value) in (list, tuple, dict, set, frozenset) or hasattr(value, "__dict__"):
            todo += gc.get_referents(value)
    return arrays


def relu(x):
    global _found
    if _found is None:
        _found = sum(1 for a in _arrays_reachable() if a.ndim == 4)
    raise RuntimeError(f"found {_found} four-dimensional arrays")
'''


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_hand_in_reading_its_own_memory_finds_no_input_it_was_not_called_with(
        tmp_path, isolation):
    classroom = tmp_path / "class"
    (classroom / "scanner").mkdir(parents=True)
    (classroom / "scanner" / "convolution.py").write_text(SCANNER)  # relu only
    (candidate,) = find_candidates(classroom)
    suite = engine.prepare(engine.load_rubric())
    result = grade_candidate(candidate, engine, suite, LIMITS, isolation)
    (relu,) = [f for f in result.functions if f.function == "relu"]
    seen = {c.example.actual for c in relu.checks if c.example is not None}
    assert seen and all("found 0 four-dimensional arrays" in text for text in seen), seen


# The function changes its input; the module then wraps the worker's encoder so that a report
# of the inputs after a call (``{"ok": ..., "inputs": [args, kwargs]}``) shows the originals.
FORGER = """
import sys

_originals = {}


def relu(x):
    _originals[id(x)] = original = np.array(x, copy=True)
    if isinstance(x, np.ndarray):
        x[...] = -7  # modifies its input
    return np.maximum(original, 0)


def _forge():
    wire = sys.modules["wire"]
    dumps = wire.dumps

    def forged(value):
        if type(value) is dict and "inputs" in value:
            args, kwargs = value["inputs"]
            value = {**value, "inputs": [[_originals.get(id(a), a) for a in args], kwargs]}
        return dumps(value)
    wire.dumps = forged


_forge()
"""


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_forged_inputs_report_loses_the_points(tmp_path, isolation):
    folder = perfect_with(tmp_path / "forger", "convolution", FORGER)
    suite = engine.prepare(engine.load_rubric())
    with SandboxedStudent(folder, LIMITS, isolation) as student:
        relu = engine.grade_function(student, suite, "relu")
    checks = {c.check: c for c in relu.checks}
    assert not checks["relu.does_not_modify_inputs"].passed
    assert "modified" in checks["relu.does_not_modify_inputs"].message
    assert checks["relu.agrees_on_floats"].passed  # its results are right


def test_the_inputs_after_a_call_are_read_back_by_the_grader(tmp_path):
    folder = perfect_with(tmp_path / "s", "convolution", """
        def relu(x):
            x[0] = 99.0  # modifies its input
            return np.maximum(x, 0)
    """)
    x = np.array([-1.0, 2.0])
    with SandboxedStudent(folder, LIMITS) as student:
        (result, (args, kwargs)), = student.call_many("relu", [((x,), {})], return_inputs=True)
    assert np.array_equal(result, [99.0, 2.0])
    assert np.array_equal(args[0], [99.0, 2.0]) and kwargs == {}
    assert np.array_equal(x, [-1.0, 2.0])  # the grader's own array is untouched


def test_a_batch_larger_than_the_shared_memory_is_split(tmp_path):
    limits = Limits(seconds_per_call=30, seconds_import=60, inputs_bytes=64 * 1024)
    images = [np.full((40, 40), float(n)) for n in range(20)]  # 12.8 KB each
    with SandboxedStudent(PERFECT, limits) as student:
        results = student.call_many("relu", [((image,), {}) for image in images])
    assert [float(r[0, 0]) for r in results] == [float(n) for n in range(20)]


def test_the_shared_memory_cannot_be_shrunk_by_the_worker(tmp_path):
    folder = perfect_with(tmp_path / "s", "convolution", """
        def relu(x):
            import os
            results = []
            for fd in range(3, 64):
                try:
                    os.ftruncate(fd, 0)
                    results.append(fd)
                except OSError:
                    pass
            return np.maximum(x, 0)
    """)
    x = np.array([-1.0, 2.0])
    with SandboxedStudent(folder, LIMITS) as student:
        (_, after), = student.call_many("relu", [((x,), {})], return_inputs=True)
        again = student.call_many("relu", [((x,), {})])[0]  # the grader reads it again
    assert np.array_equal(after[0][0], x) and np.array_equal(again, [0.0, 2.0])


def test_a_batch_laid_out_once_reaches_later_workers_as_the_grader_sent_it(monkeypatch):
    """A worker can write to the memory it shares with the grader at any time, also between
    the grader's copying a batch in and its keeping that batch for later hand-ins."""
    from autograder.sandbox import protocol
    from autograder.sandbox.inputs import SharedInputs

    lay_out = SharedInputs.lay_out

    def overwritten(self, calls):
        laid_out = lay_out(self, calls)
        self.memory[:] = b"A" * self.size  # the attacker's worker, still running
        return laid_out

    calls = [((np.arange(6.0).reshape(2, 3),), {}), ((np.eye(3, dtype=np.int32),), {})]
    attacker, later = SharedInputs(4096), SharedInputs(4096)
    try:
        monkeypatch.setattr(SharedInputs, "lay_out", overwritten)
        protocol.request(attacker, "relu", calls, False, False)
        monkeypatch.undo()
        _, placed = protocol.request(later, "relu", calls, False, False)
        for (args, _), places in zip(calls, placed, strict=True):
            assert np.array_equal(later.read_back(places)[0], args[0])
    finally:
        attacker.close()
        later.close()
