"""Hidden inputs nobody can know in advance: drawn with the course key, plus a few per hand-in,
so that a table of answers to an earlier hand-in's calls earns nothing, while the same code
always gets the same grade and the same bug loses the same points.

See docs/hidden_inputs.md for the threat model these tests pin down."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from student_code import perfect_except, reference_functions
from student_code.mutants import MUTANTS

from autograder import engine, hand_in_inputs
from autograder.course_key import CourseKey
from autograder.drawing import example_size
from autograder.hand_in_inputs import EXTRA_PER_CHECK, can_relabel, random_relabel
from autograder.inprocess import InProcessStudent
from autograder.pipeline import grade_candidate
from autograder.results import CallError
from autograder.sandbox import Limits
from autograder.sandbox.isolation import choose_isolation
from autograder.submissions import Candidate, digest_of
from cnnlab.catalog import MODULE_OF

TABLED = ("conv2d", "max_pool", "relu")  # the functions the table hand-in answers
OTHER_KEY = CourseKey(Path("other.key"), hashlib.sha256(b"another course").digest())


# --- a table of an earlier hand-in's calls ---------------------------------------------------

# How the table hand-in names a call and stores a result: the same text on both sides.
TABLE_CODE = '''
import json
import numpy as np


def call_key(args, kwargs):
    def plain(value):
        if isinstance(value, np.ndarray):
            return ["array", value.dtype.str, list(value.shape), value.tolist()]
        if isinstance(value, (list, tuple)):
            return [type(value).__name__, [plain(v) for v in value]]
        if isinstance(value, dict):
            return ["dict", sorted((k, plain(v)) for k, v in value.items())]
        return [type(value).__name__, value]
    return json.dumps([plain(list(args)), plain(kwargs)])


def stored(value):
    if isinstance(value, np.ndarray):
        return {"dtype": value.dtype.str, "shape": list(value.shape), "data": value.tolist()}
    return {"value": value}


def answer(table, args, kwargs):
    found = table.get(call_key(args, kwargs))
    if found is None:
        return np.zeros(1)  # never asked before: no answer to give
    if "value" in found:
        return found["value"]
    return np.array(found["data"], dtype=found["dtype"]).reshape(found["shape"])
'''
TABLE = {}
exec(TABLE_CODE, TABLE)


class Recorder(InProcessStudent):
    """The reference, in this process, writing down every call of ``TABLED`` and its result
    (what a hand-in can carry out in its feedback)."""

    def __init__(self):
        super().__init__(reference_functions())
        self.seen: dict[str, dict[str, dict]] = {f: {} for f in TABLED}

    def call_many(self, function, calls, return_inputs=False, warnings_as_errors=False):
        results = super().call_many(function, calls, return_inputs, warnings_as_errors)
        if function in self.seen:
            for (args, kwargs), result in zip(calls, results, strict=True):
                value = result[0] if return_inputs else result
                if not isinstance(value, CallError):  # a ValueError: nothing to store
                    self.seen[function][TABLE["call_key"](args, kwargs)] = \
                        TABLE["stored"](value)
        return results


def _table_hand_in(folder: Path, seen: dict[str, dict[str, dict]]) -> Path:
    """Modules whose TABLED functions only look their answers up in ``seen``."""
    folder.mkdir()
    modules: dict[str, list[str]] = {}
    for function in TABLED:
        modules.setdefault(MODULE_OF[function], []).append(function)
    for module, functions in modules.items():
        tables = {f: seen[f] for f in functions}
        body = [TABLE_CODE, f"TABLES = json.loads({json.dumps(json.dumps(tables))})"]
        body += [textwrap.dedent(f'''
            def {f}(*args, **kwargs):
                return answer(TABLES[{f!r}], args, kwargs)
            ''') for f in functions]
        (folder / f"{module}.py").write_text("\n".join(body))
    return folder


@pytest.fixture(scope="module")
def tabled(suite, tmp_path_factory):
    """The calls a first hand-in was asked, recorded; then a hand-in made of them, graded in
    the sandbox as ``cnnlab grade`` grades it."""
    recorder = Recorder()
    for function in TABLED:
        engine.grade_function(recorder, suite, function, {"convolution": "a first hand-in"})
    assert all(len(recorder.seen[f]) > 100 for f in TABLED)
    folder = _table_hand_in(tmp_path_factory.mktemp("class") / "table", recorder.seen)
    candidate = Candidate("table", folder, digest_of(folder))
    return grade_candidate(candidate, engine, suite, Limits(seconds_per_call=20),
                           choose_isolation(None))


@pytest.mark.parametrize("function", TABLED)
def test_a_table_of_an_earlier_hand_in_s_calls_earns_nothing(tabled, suite, function):
    (result,) = [f for f in tabled.functions if f.function == function]
    agreements = [c for c, p in zip(result.checks, suite.of(function), strict=True)
                  if p.check.counts_alone]
    assert agreements and not any(c.passed for c in agreements)
    assert result.points == 0


@pytest.mark.parametrize("function", TABLED)
def test_the_table_fails_only_on_the_hand_in_s_own_inputs(tabled, suite, function):
    """Every course example is answered right: the points go on the hand-in's own ones."""
    (result,) = [f for f in tabled.functions if f.function == function]
    for check, p in zip(result.checks, suite.of(function), strict=True):
        if p.check.counts_alone:
            total = len(p.examples) + EXTRA_PER_CHECK
            assert check.message.startswith(f"failed on {EXTRA_PER_CHECK} of {total} "), \
                check.message


# --- the same code, the same grade; the same bug, the same points ------------------------------

def test_a_hand_in_s_own_examples_depend_on_its_digest_and_not_on_the_run(suite):
    first, again, other = (suite.for_hand_in("conv2d", d) for d in ("a", "a", "b"))
    course = suite.of("conv2d")
    for p1, p2, p3, p0 in zip(first, again, other, course, strict=True):
        assert len(p1.examples) == len(p0.examples) + EXTRA_PER_CHECK
        assert _encoded(p1.calls) == _encoded(p2.calls)
        assert _encoded(p1.calls) != _encoded(p3.calls)
        assert all(_encoded([c]) in {_encoded([d]) for d in p1.calls} for c in p0.calls)


def _encoded(groups) -> str:
    from autograder.worker_runtime import wire
    return hashlib.sha256(wire.dumps([[list(a), k] for g in groups for a, k in g])).hexdigest()


# One bug per function: the property is about each function's own examples per hand-in, and
# every mutant graded three times cost minutes once the catalogue passed a hundred.
ONE_BUG_PER_FUNCTION = list({m.function: m for m in reversed(MUTANTS) if not m.suite_gap}
                            .values())


@pytest.mark.parametrize("mutant", ONE_BUG_PER_FUNCTION, ids=lambda m: m.id)
def test_a_bug_loses_the_same_points_in_every_hand_in(suite, mutant):
    student = InProcessStudent(perfect_except({mutant.function: mutant.implementation}))
    points = {engine.grade_function(student, suite, mutant.function, hand_in=digest).points
              for digest in ("one hand-in", "another", "a third")}
    assert len(points) == 1, points


def test_a_failure_on_a_hand_in_s_own_example_is_shrunk_and_reproduces(suite):
    """A student right exactly on the course's calls: the failure shown is on its own
    example, shrunk from there, and it is a real failure of that student."""
    known = {(_encoded([[c]])) for p in suite.of("conv1d") for g in p.calls for c in g}
    reference = reference_functions()["conv1d"]

    def only_known(*args, **kwargs):
        right = reference(*args, **kwargs)
        return right if _encoded([[(args, kwargs)]]) in known else right + 1
    student = InProcessStudent(perfect_except({"conv1d": only_known}))
    result = engine.grade_function(student, suite, "conv1d", hand_in="x")
    shown = [c for c in result.checks if not c.passed and c.example is not None]
    assert shown
    for check in shown:
        assert check.example.expected != check.example.actual
        assert check.example.call.count(",") <= 40  # small: shrunk, not a 10-element input


# --- relabelling: another example of the same case ----------------------------------------------

ARRAYS = st.one_of(
    st.builds(lambda a: a / 4, st.lists(st.integers(-20, 20), min_size=1, max_size=30).map(
        np.array)),
    st.lists(st.integers(0, 60), min_size=1, max_size=30).map(
        lambda v: np.array(v, dtype=np.uint8)))


@given(ARRAYS, st.randoms(use_true_random=False))
def test_relabelling_keeps_shape_dtype_zeros_and_the_set_of_values(array, rng):
    after = random_relabel((array,), rng)((array,))[0]
    assert after.shape == array.shape and after.dtype == array.dtype
    assert np.array_equal(after == 0, array == 0)
    assert set(after.tolist()) == set(array.tolist())


@given(ARRAYS, st.randoms(use_true_random=False))
def test_relabelling_keeps_which_elements_are_equal(array, rng):
    after = random_relabel((array,), rng)((array,))[0]
    assert np.array_equal(array[:, None] == array[None, :], after[:, None] == after[None, :])


@given(ARRAYS, st.randoms(use_true_random=False))
def test_a_relabelling_changes_an_example_that_can_be_changed(array, rng):
    after = random_relabel((array,), rng)((array,))[0]
    assert np.array_equal(after, array) != can_relabel((array,))


@given(ARRAYS, st.randoms(use_true_random=False))
def test_relabelling_moves_two_arrays_of_an_example_alike(array, rng):
    """A relation between an example's arrays (a window's values moved around) stays."""
    moved = array[::-1].copy()
    first, second = random_relabel({"x": array, "moved": moved}, rng)(
        {"x": array, "moved": moved}).values()
    assert np.array_equal(first[::-1], second)


def test_relabelling_leaves_sizes_and_layer_lists_alone():
    example = ([{"type": "conv", "filters": 3, "kernel_size": 5}], (24, 24, 3))
    assert not can_relabel(example)
    assert not can_relabel(((7, 3), {"padding": 2, "stride": 3}))
    assert can_relabel(((np.array([1.0, 2.0]), 2), {}))


def test_nested_lists_are_relabelled_like_the_array_they_stand_for():
    rng = __import__("random").Random(3)
    relabel = random_relabel(([[1.5, -2.0], [2.5, -1.0]], 1), rng)
    (lists, pad) = relabel(([[1.5, -2.0], [2.5, -1.0]], 1))
    values = [v for row in lists for v in row]
    assert pad == 1 and sorted(values) == [-2.0, -1.0, 1.5, 2.5]
    assert values != [1.5, -2.0, 2.5, -1.0] and all(type(v) is float for v in values)


# --- the key draws the suite ----------------------------------------------------------------------

# The functions whose bugs the example class shows (flipped kernels, a forgotten + 1) and their
# neighbours: drawing them for another key takes seconds, the whole suite minutes.
KEY_FAIRNESS = ("zero_pad", "conv_output_size", "same_padding", "conv1d", "conv2d", "relu",
                "pool_output_size", "max_pool", "avg_pool")


@pytest.fixture(scope="module")
def other_course(suite):
    """Another course's suite for ``KEY_FAIRNESS``, drawn here (not kept in the cache)."""
    return engine.prepare(suite.rubric, functions=KEY_FAIRNESS, cache=False, key=OTHER_KEY)


def test_another_key_draws_other_examples(suite, other_course):
    """The course's examples cannot be known without its key: another key (as anyone without
    it, e.g. from the installed package) draws other ones."""
    for function in ("conv2d", "max_pool", "count_parameters"):
        theirs = {p.check.id: p for p in other_course.of(function)}
        for p in suite.of(function):
            if p.check.name.startswith("no_layers"):
                continue  # only the input shape varies: a small space
            same = {_encoded([[c]]) for g in p.calls for c in g} & {
                _encoded([[c]]) for g in theirs[p.check.id].calls for c in g}
            assert len(same) <= len(p.calls) // 10, (p.check.id, len(same))


@pytest.mark.parametrize("mutant", [m for m in ONE_BUG_PER_FUNCTION
                                    if m.function in KEY_FAIRNESS], ids=lambda m: m.id)
def test_a_bug_loses_the_same_points_under_another_course_key(graded_alone, other_course,
                                                                mutant):
    """The key decides which inputs a course sees, never what a bug costs: grades are fair
    between courses (and between years of one course)."""
    student = InProcessStudent(perfect_except({mutant.function: mutant.implementation}))
    elsewhere = engine.grade_function(student, other_course, mutant.function,
                                      hand_in=engine.sources_digest({}))
    assert elsewhere.points == graded_alone(mutant).points < elsewhere.max_points

def test_the_course_s_examples_are_sorted_smallest_first(suite):
    for p in suite.of("conv_layer"):
        sizes = [example_size(e) for e in p.examples]
        assert sizes == sorted(sizes)


def test_a_check_of_numbers_only_has_a_pool_for_the_hand_ins(suite):
    (check,) = [p for p in suite.of("conv_output_size") if p.check.name == "with_padding"]
    assert hand_in_inputs.needs_pool(check.examples) and len(check.pool.examples) >= 50
    pool = {_encoded([[c]]) for g in check.pool.calls for c in g}
    course = {_encoded([[c]]) for g in check.calls for c in g}
    assert not pool & course
