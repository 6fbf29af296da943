"""The sandboxed worker: calls, errors, limits and isolation, in bubblewrap and without it."""

import numpy as np
import pytest
from grader_helpers import PERFECT, perfect_with

from autograder.results import CRASHED, INVALID, MISSING, NOT_IMPLEMENTED, RAISED, TIMEOUT
from autograder.results import CallError as Error
from autograder.sandbox import Limits, SandboxedStudent, bwrap_works, forkserver, isolation_note
from autograder.worker_runtime.confine import landlock_abi
from cnnlab.catalog import EXERCISES

ISOLATIONS = ["process", pytest.param("bwrap", marks=pytest.mark.skipif(
    not bwrap_works(), reason="bubblewrap does not work on this machine"))]
FAST = Limits(seconds_per_call=2, seconds_import=5)


@pytest.fixture(params=ISOLATIONS)
def isolation(request):
    return request.param


@pytest.fixture(params=[True, False], ids=["fork-server", "fresh-worker"])
def fork_server(request):
    return request.param


def test_results_come_back_as_plain_data(isolation, fork_server):
    image = np.arange(16.0).reshape(4, 4)
    with SandboxedStudent(PERFECT, isolation=isolation, fork_server=fork_server) as student:
        assert student.missing() == {}
        out, size = student.call_many("conv2d", [((image, np.ones((2, 2))), {})])[0], \
            student.call_many("conv_output_size", [((5, 3), {"padding": 1})])[0]
    # 2x2 box sums of 0..15, worked by hand: 0+1+4+5 = 10, then +4 along a row, +16 down.
    assert np.array_equal(out, [[10, 14, 18], [26, 30, 34], [42, 46, 50]])
    assert out.dtype == np.float64
    assert size == 5 and type(size) is int


def test_a_raised_error_names_its_builtin_type(isolation):
    with SandboxedStudent(PERFECT, isolation=isolation) as student:
        error = student.call_many("same_padding", [((4,), {})])[0]
    assert isinstance(error, Error) and error.kind == RAISED
    assert error.exception_type == "ValueError" and "odd" in error.message


def test_inputs_come_back_as_they_were_after_the_call(tmp_path):
    folder = perfect_with(tmp_path / "s", "convolution", """
        def relu(x):
            x[x < 0] = 0  # modifies its input
            return x
    """)
    x = np.array([-1.0, 2.0])
    with SandboxedStudent(folder) as student:
        (result, (args, kwargs)), = student.call_many("relu", [((x,), {})], return_inputs=True)
    assert np.array_equal(result, [0.0, 2.0])
    assert np.array_equal(args[0], [0.0, 2.0]) and kwargs == {}
    assert np.array_equal(x, [-1.0, 2.0])  # the caller's array is untouched


def test_each_call_gets_the_suites_inputs_even_after_a_call_changed_its_own(tmp_path):
    folder = perfect_with(tmp_path / "s", "convolution", """
        def relu(x):
            x += 1  # changes its input: the next call must not see that
            return x.copy()
    """)
    call = ((np.array([-1.0, 2.0]),), {})
    with SandboxedStudent(folder) as student:
        first, second = student.call_many("relu", [call, call])
        third = student.call_many("relu", [call])[0]
    assert all(np.array_equal(r, [0.0, 3.0]) for r in (first, second, third))
    assert np.array_equal(call[0][0], [-1.0, 2.0])


def test_a_change_to_numpys_error_handling_lasts_only_for_its_own_call(tmp_path):
    folder = perfect_with(tmp_path / "s", "convolution", """
        def sigmoid(x):
            x = np.asarray(x, dtype=float)
            if x[0] == 0:
                np.seterr(all="ignore")
            return 1 / (1 + np.exp(-x))
    """)
    calls = [((np.array([0.0]),), {}), ((np.array([-1000.0]),), {})]
    with SandboxedStudent(folder) as student:
        _, loud = student.call_many("sigmoid", calls, warnings_as_errors=True)
    assert loud.kind == RAISED and loud.exception_type == "RuntimeWarning"


def test_warnings_as_errors_turns_an_overflow_into_a_failure(tmp_path):
    folder = perfect_with(tmp_path / "s", "convolution", """
        def sigmoid(x):
            return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))
    """)
    call = ((np.array([-1000.0]),), {})
    with SandboxedStudent(folder) as student:
        quiet = student.call_many("sigmoid", [call])[0]
        loud = student.call_many("sigmoid", [call], warnings_as_errors=True)[0]
    assert np.array_equal(quiet, [0.0])
    assert loud.kind == RAISED and loud.exception_type == "RuntimeWarning"


def test_missing_and_not_implemented_functions(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "padding.py").write_text("def zero_pad(x, pad):\n    raise NotImplementedError\n")
    with SandboxedStudent(folder) as student:
        missing = student.missing()
        stub = student.call_many("zero_pad", [((np.ones(2), 1), {})])[0]
        absent = student.call_many("conv1d", [((np.ones(2), np.ones(1)), {})])[0]
    assert missing["same_padding"] == "padding.py has no function same_padding"
    assert missing["conv1d"] == "convolution.py was not handed in"
    assert "zero_pad" not in missing
    assert stub.kind == NOT_IMPLEMENTED and absent.kind == MISSING


def test_a_written_function_that_calls_a_stub_is_told_which_stub(tmp_path):
    """max_pool is written but calls pool_output_size, still the stub: the reply names the
    stub, so that the feedback does not say max_pool itself is not implemented."""
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "pooling.py").write_text(
        "def pool_output_size(n, size, stride):\n    raise NotImplementedError\n\n"
        "def max_pool(x, size=2, stride=None):\n"
        "    return pool_output_size(x.shape[-1], size, stride or size)\n")
    with SandboxedStudent(folder) as student:
        (written,) = student.call_many("max_pool", [((np.ones((4, 4)),), {})])
        (stub,) = student.call_many("pool_output_size", [((4, 2, 2), {})])
    assert written.kind == stub.kind == NOT_IMPLEMENTED
    assert written.message == "calls pool_output_size, which still raises NotImplementedError"
    assert stub.message == "still raises NotImplementedError"


def test_after_a_timeout_the_rest_of_the_function_fails_fast(tmp_path, isolation, fork_server):
    folder = perfect_with(tmp_path / "s", "padding", """
        def same_padding(kernel_size):
            while kernel_size == 3:
                pass
            return (kernel_size - 1) // 2
    """)
    with SandboxedStudent(folder, FAST, isolation, fork_server) as student:
        results = student.call_many("same_padding", [((1,), {}), ((3,), {}), ((5,), {})])
        after = student.call_many("conv_output_size", [((5, 3), {})])
    assert results[0] == 0
    assert results[1].kind == TIMEOUT and results[2].kind == TIMEOUT
    assert "not run" in results[2].message
    assert after == [3]  # a new worker serves the next function


def test_a_demo_that_never_ends_at_import_costs_nothing(tmp_path, isolation, fork_server):
    """A training run or a slow demo at the bottom of the module: after the time limit the
    module is graded with its definitions only, as a notebook is."""
    folder = perfect_with(tmp_path / "s", "pooling", "image = np.ones((512, 512))\n"
                          "while True:\n    max_pool(image)\n")
    with SandboxedStudent(folder, FAST, isolation, fork_server) as student:
        missing = student.missing()
        pooled = student.call_many("max_pool", [((np.ones((2, 2)),), {})])
    assert not missing and pooled[0].tolist() == [[1.0]]
    assert student.student_notes == [
        "pooling.py: importing it did not finish in time (an endless loop?); it was graded with "
        "its definitions only (its functions and classes, and the imports and assignments "
        'they use). Code that tries your functions belongs under `if __name__ == "__main__":`.']


def test_an_endless_loop_the_definitions_keep_costs_only_that_module(tmp_path):
    """A loop in a class body hangs the definitions too: the module is skipped, and no note
    says it was graded with its definitions."""
    folder = perfect_with(tmp_path / "s", "pooling", "",
                          top="class Hang:\n    while True:\n        pass\n\n\nprint('hi')\n")
    with SandboxedStudent(folder, FAST) as student:
        missing = student.missing()
        size = student.call_many("conv_output_size", [((5, 3), {})])
    assert set(missing) == set(EXERCISES["pooling"])
    assert "did not finish in time" in missing["max_pool"]
    # weights.py imports pooling.py: it is run without that import (cnnlab.loading)
    assert any(note.startswith("weights.py, line ") and ", an import, failed (" in note
               and "pooling.py was skipped: it did not import in an earlier attempt" in note
               and "fix that module first" in note and "__main__" not in note
               for note in student.student_notes), student.student_notes
    assert not any(note.startswith("pooling.py") for note in student.student_notes)
    assert size == [3]


def test_a_raise_at_import_costs_only_the_statements_that_raised(tmp_path):
    """Code that tries things out at the bottom of a module (an image on the student's own
    disk, a print of a buggy function, exit()) leaves the module's functions graded."""
    folder = perfect_with(tmp_path / "s", "pooling", "TEST_IMAGE = np.load('test.npy')\n"
                          "print(max_pool(TEST_IMAGE))\nexit()\n")
    lines = (folder / "pooling.py").read_text().splitlines()
    first = 1 + lines.index("TEST_IMAGE = np.load('test.npy')")
    with SandboxedStudent(folder, FAST) as student:
        missing = student.missing()
        pooled = student.call_many("max_pool", [((np.ones((2, 2)),), {})])
    assert not missing and pooled[0].tolist() == [[1.0]]
    (note,) = student.student_notes
    assert note.startswith(f"pooling.py raised at import, outside any function (line {first}: "
                           "FileNotFoundError: ")
    assert f"; also lines {first + 1}, {first + 2}): the rest of the file was run without " \
           "those lines." in note


def test_a_module_that_raises_once_only_is_graded_without_a_note(tmp_path):
    """The import raised, running it again statement by statement did not: nothing to tell."""
    folder = perfect_with(tmp_path / "s", "pooling", "", top=(
        "import os\nif not os.path.exists('tried'):\n    open('tried', 'w').close()\n"
        "    raise RuntimeError('first time only')\n"))
    with SandboxedStudent(folder, FAST) as student:
        assert not student.missing() and student.student_notes == []


def test_a_process_exit_at_import_costs_only_that_module(tmp_path):
    """In a class body, where staging the definitions only keeps it."""
    folder = perfect_with(tmp_path / "s", "receptive_field", "",
                          top="class Gone:\n    import os\n    os._exit(1)\n")
    with SandboxedStudent(folder, FAST) as student:
        missing = student.missing()
    assert set(missing) == {"receptive_field", "effective_stride"}
    assert "ended the process" in missing["receptive_field"]


def test_a_crash_is_reported_and_the_worker_replaced(tmp_path, isolation, fork_server):
    folder = perfect_with(tmp_path / "s", "weights", """
        def dense_weights(n_inputs, n_outputs):
            import ctypes
            return ctypes.string_at(0)  # segfault
    """)
    with SandboxedStudent(folder, FAST, isolation, fork_server) as student:
        crashed = student.call_many("dense_weights", [((5, 3), {})])[0]
        fine = student.call_many("shared_weights", [((3, 2), {})])[0]
    assert crashed.kind == CRASHED and "SIGSEGV" in crashed.message
    assert fine == 6


def test_a_crash_falls_on_its_own_call_after_many_quick_ones(tmp_path, isolation):
    folder = perfect_with(tmp_path / "s", "weights", """
        def dense_weights(n_inputs, n_outputs):
            if n_inputs == 7:
                import ctypes
                ctypes.string_at(0)  # segfault
            return n_inputs * n_outputs
    """)
    calls = [((n, 2), {}) for n in range(1, 7)] * 10 + [((7, 2), {}), ((8, 2), {})]
    with SandboxedStudent(folder, FAST, isolation) as student:
        results = student.call_many("dense_weights", calls)
    assert results[:60] == [n * 2 for n in range(1, 7)] * 10
    assert results[60].kind == CRASHED and "SIGSEGV" in results[60].message
    assert results[61].kind == CRASHED and "not run" in results[61].message


def test_a_hang_falls_on_its_own_call_after_many_quick_ones(tmp_path):
    folder = perfect_with(tmp_path / "s", "weights", """
        def dense_weights(n_inputs, n_outputs):
            while n_inputs == 7:
                pass
            return n_inputs * n_outputs
    """)
    calls = [((n, 2), {}) for n in range(1, 7)] * 10 + [((7, 2), {}), ((8, 2), {})]
    with SandboxedStudent(folder, FAST) as student:
        results = student.call_many("dense_weights", calls)
    assert results[:60] == [n * 2 for n in range(1, 7)] * 10
    assert results[60].kind == TIMEOUT and "not run" not in results[60].message
    assert results[61].kind == TIMEOUT and "not run" in results[61].message


def test_an_import_inside_a_call_does_not_shift_the_replies(tmp_path):
    folder = perfect_with(tmp_path / "s", "weights", """
        def dense_weights(n_inputs, n_outputs):
            import importlib
            import padding
            importlib.reload(padding)  # looks for the module again, as at the start
            return n_inputs * n_outputs
    """)
    with SandboxedStudent(folder, FAST) as student:
        results = student.call_many("dense_weights", [((n, 3), {}) for n in range(1, 6)])
        after = student.call_many("shared_weights", [((3, 2), {})])
    assert results == [3, 6, 9, 12, 15]
    assert after == [6]


def test_a_result_that_is_not_plain_data_is_invalid(tmp_path):
    folder = perfect_with(tmp_path / "s", "weights", """
        def shared_weights(kernel_size, n_kernels=1):
            return object()
    """)
    with SandboxedStudent(folder) as student:
        error = student.call_many("shared_weights", [((3,), {})])[0]
    assert error.kind == INVALID and "object" in error.message


def test_a_result_that_cannot_be_sent_is_invalid_not_an_exception(tmp_path):
    folder = perfect_with(tmp_path / "s", "weights", """
        def dense_weights(n_inputs, n_outputs):
            return 10**5000  # json cannot print it: that must not look like a ValueError
    """)
    with SandboxedStudent(folder) as student:
        error = student.call_many("dense_weights", [((5, 3), {})])[0]
    assert error.kind == INVALID and error.exception_type is None


def test_the_total_time_of_a_submission_is_limited(tmp_path):
    folder = perfect_with(tmp_path / "s", "padding", """
        def same_padding(kernel_size):
            import time
            time.sleep(0.4)
            return (kernel_size - 1) // 2
    """)
    limits = Limits(seconds_per_call=2, seconds_per_function=60, seconds_total=1)
    with SandboxedStudent(folder, limits) as student:
        results = student.call_many("same_padding", [((3,), {})] * 5)
    assert results[:2] == [1, 1]
    assert results[-1].kind == TIMEOUT and "all calls together" in results[-1].message


def test_randomness_is_seeded_before_every_call(tmp_path):
    folder = perfect_with(tmp_path / "s", "convolution", """
        def relu(x):
            return np.random.rand(3)
    """)
    with SandboxedStudent(folder) as student:
        first, second = student.call_many("relu", [((np.ones(1),), {})] * 2)
    assert np.array_equal(first, second)
    assert np.array_equal(first, np.random.RandomState(0).rand(3))


def test_generators_made_without_a_seed_give_the_same_numbers_on_every_run(tmp_path):
    # Random tie-breaking as students write it: without the fixed seed, each run of the
    # grader (each worker) would draw other numbers, and could give other feedback.
    folder = perfect_with(tmp_path / "s", "convolution", """
        import random

        RNG = np.random.default_rng()  # made at import

        def relu(x):
            return np.array([RNG.random(), np.random.default_rng().random(),
                             np.random.Generator(np.random.PCG64()).random(),
                             np.random.RandomState().rand(), random.Random().random()])
    """)
    runs = []
    for _ in range(2):
        with SandboxedStudent(folder) as student:
            runs.append(student.call_many("relu", [((np.ones(1),), {})])[0])
    assert np.array_equal(runs[0], runs[1])
    import random
    assert runs[0].tolist() == [np.random.default_rng(0).random()] * 3 + [
        np.random.RandomState(0).rand(), random.Random(0).random()]


def test_numpys_global_generator_seeded_inside_a_call_is_seeded_again_for_the_next(tmp_path):
    folder = perfect_with(tmp_path / "s", "convolution", """
        def relu(x):
            if x[0] == 0:
                np.random.seed(5)  # not a method of the global generator: watched all the same
                return x
            return np.array([np.random.rand()])
    """)
    with SandboxedStudent(folder) as student:
        _, after = student.call_many("relu", [((np.zeros(1),), {}), ((np.ones(1),), {})])
    assert np.array_equal(after, [np.random.RandomState(0).rand()])


def test_pythons_random_is_seeded_before_every_call_that_follows_one_using_it(tmp_path):
    folder = perfect_with(tmp_path / "s", "convolution", """
        import random
        from random import shuffle

        def relu(x):
            order = list(range(5))
            shuffle(order)
            return np.array([random.random(), *order])
    """)
    with SandboxedStudent(folder) as student:
        first, second, third = student.call_many("relu", [((np.ones(1),), {})] * 3)
    import random
    expected = random.Random(0)
    order = list(range(5))
    expected.shuffle(order)
    assert np.array_equal(first, [expected.random(), *order])
    assert np.array_equal(first, second) and np.array_equal(second, third)


def test_the_isolation_and_its_confinement_are_reported(isolation):
    with SandboxedStudent(PERFECT, isolation=isolation) as student:
        student.missing()
        notes = " ".join(student.notes)
    assert isolation_note(isolation) in student.notes
    assert ("WEAKER" in notes) == (isolation == "process" and landlock_abi() == 0)
    if landlock_abi():
        assert f"worker: Landlock ABI {landlock_abi()} in force" in student.notes


def test_a_missing_folder_and_an_unknown_isolation_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        SandboxedStudent(tmp_path / "nobody")
    with pytest.raises(ValueError, match="isolation must be"):
        SandboxedStudent(PERFECT, isolation="docker")
    with SandboxedStudent(PERFECT) as student, pytest.raises(ValueError, match="graded"):
        student.call_many("solve_exam", [])


def test_a_worker_that_does_not_start_again_fails_the_calls_not_the_grader(tmp_path,
                                                                          monkeypatch):
    from autograder.sandbox import session as sessions

    folder = perfect_with(tmp_path / "s", "weights", """
        def dense_weights(n_inputs, n_outputs):
            import os
            os._exit(1)
    """)
    real_wait = sessions.Session.wait_ready
    starts = []

    def wait_ready(session, deadline):
        starts.append(session)
        if len(starts) > 1:  # the restart after the crash dies before importing anything
            raise sessions.WorkerGone(CRASHED, "the process ended (exit code 1)")
        return real_wait(session, deadline)

    monkeypatch.setattr(sessions.Session, "wait_ready", wait_ready)
    with SandboxedStudent(folder, FAST) as student:
        crashed = student.call_many("dense_weights", [((5, 3), {})])[0]
        after = student.call_many("shared_weights", [((3, 2), {})])[0]
    assert crashed.kind == CRASHED
    assert after.kind == MISSING and "could not be started" in after.message


# What of the fork server's optional modules the hand-in's worker finds loaded; the names are
# built, so that this code itself names none of them.
LOADED = """
def same_padding(k):
    import sys
    names = ("sci" + "py.signal", "sci" + "py.ndimage", "mat" + "plotlib.pyplot")
    return ",".join(name for name in names if name in sys.modules)
"""


def test_the_fork_server_loads_scipy_for_the_first_hand_in_that_names_it(tmp_path, isolation):
    """Loading scipy and matplotlib costs a fork server 1.5 to 2 s of CPU: only a hand-in
    whose code names them has them loaded before its worker is forked (outside its import
    time limit), and they stay loaded for the hand-ins after it."""
    forkserver.fork_server(isolation).close()  # a new server: nothing loaded for other tests
    plain = perfect_with(tmp_path / "plain", "padding", LOADED)
    naming = perfect_with(tmp_path / "naming", "padding", LOADED + "# scipy.signal flips\n")

    def loaded(folder):
        with SandboxedStudent(folder, FAST, isolation, fork_server=True) as student:
            return student.call_many("same_padding", [((3,), {})])[0]

    assert [loaded(plain), loaded(naming), loaded(plain)] == [
        "", "scipy.signal,scipy.ndimage", "scipy.signal,scipy.ndimage"]
