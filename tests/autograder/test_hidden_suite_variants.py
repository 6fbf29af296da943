"""The hidden suite gives full marks to correct answers written differently from the
reference: loops, sliding windows, im2col, FFT (round-off, float32), scipy, float32.

Each variant (``tests/student_code/variants.py``) replaces the functions it implements in a
perfect submission; every one of them must get all its points, including the checks that
want a ``ValueError`` (the variants validate on their own).
"""

from __future__ import annotations

import pytest
from student_code import perfect_except
from student_code.variants import VARIANTS, Variant

from autograder import engine
from autograder.engine import Suite
from autograder.inprocess import InProcessStudent
from cnnlab.catalog import (
    FLOAT_ARRAY,
    FUNCTIONS,
    MODULE_OF,
    NUMERIC_ARRAY,
    RESULT_KIND,
    SAME_DTYPE_ARRAY,
)

# The array exercises of padding, convolution and pooling: every variant writes them its way.
ARRAY_KINDS = {FLOAT_ARRAY, SAME_DTYPE_ARRAY, NUMERIC_ARRAY}
ARRAY_FUNCTIONS = tuple(f for f in FUNCTIONS if RESULT_KIND[f] in ARRAY_KINDS
                        and MODULE_OF[f] in ("padding", "convolution", "pooling"))
CASES = [pytest.param(variant, function, id=f"{variant.name}-{function}")
         for variant in VARIANTS for function in variant.functions]


def test_there_are_at_least_five_variants() -> None:
    assert len(VARIANTS) >= 5


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_each_variant_implements_every_array_function(variant: Variant) -> None:
    assert set(ARRAY_FUNCTIONS) <= set(variant.functions)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_a_variant_defines_only_graded_functions(variant: Variant) -> None:
    assert set(variant.functions) <= set(FUNCTIONS)


def test_some_variant_answers_every_graded_function() -> None:
    assert set().union(*(v.functions for v in VARIANTS)) == set(FUNCTIONS)


@pytest.mark.parametrize(("variant", "function"), CASES)
def test_a_correct_variant_gets_full_marks(suite: Suite, variant: Variant,
                                           function: str) -> None:
    student = InProcessStudent(perfect_except(variant.functions))
    result = engine.grade_function(student, suite, function)
    failed = {c.check: c.message for c in result.checks if not c.passed}
    assert (result.points, failed) == (result.max_points, {})
