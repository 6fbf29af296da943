"""No points for degenerate answers (issue 11): a zero, constant, identity or
return-the-input function passes properties (zero is linear, a constant is shift
invariant), edge cases and hygiene checks, but never a check that compares with the
reference, so it earns nothing on any function.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from student_code import perfect_except

from autograder import engine
from autograder.checks import all_checks
from autograder.engine import Suite
from autograder.inprocess import InProcessStudent
from cnnlab.catalog import FUNCTIONS


def _zero(*args, **kwargs):
    return 0


def _one(*args, **kwargs):
    return 1


def _zeros_like_input(x, *args, **kwargs):
    return np.zeros(np.shape(x))


def _half_like_input(x, *args, **kwargs):
    return np.full(np.shape(x), 0.5)


def _identity(x, *args, **kwargs):
    return x


def _last_argument(*args, **kwargs):
    """Returns the input it was given last: ``input_shape`` for ``output_shape``."""
    return args[-1]


DEGENERATE: dict[str, Callable] = {
    "returns 0": _zero, "returns 1": _one, "zeros shaped like the input": _zeros_like_input,
    "0.5 shaped like the input": _half_like_input, "identity": _identity,
    "returns its last argument": _last_argument}


@pytest.fixture(autouse=True)
def _no_shrinking(monkeypatch) -> None:
    # Shrinking only makes the feedback's example smaller; the points do not depend on it.
    monkeypatch.setattr(engine, "smallest_failure", lambda *args, **kwargs: None)


@pytest.mark.parametrize("fake", DEGENERATE.values(), ids=DEGENERATE.keys())
@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_degenerate_answer_earns_nothing(suite: Suite, function: str, fake) -> None:
    result = engine.grade_function(InProcessStudent(perfect_except({function: fake})), suite,
                                   function)
    assert result.points == 0, {c.check: c.points for c in result.checks if c.points}


def test_the_zero_conv2d_of_the_issue_passes_linearity_but_earns_nothing(suite: Suite) -> None:
    """Zeros of the right shape are linear and shift equivariant: the property checks pass
    and say that they count only once an agreement check passes."""
    def zeros(image, kernel, padding=0, stride=1):
        image, kernel = np.asarray(image), np.asarray(kernel)
        return np.zeros([(n + 2 * padding - k) // stride + 1
                         for n, k in zip(image.shape, kernel.shape, strict=True)])
    result = engine.grade_function(InProcessStudent(perfect_except({"conv2d": zeros})), suite,
                                   "conv2d")
    unearned = {c.check for c in result.checks if c.message == engine.HYGIENE_ONLY}
    assert result.points == 0
    assert {"conv2d.is_linear", "conv2d.is_translation_equivariant"} <= unearned


def test_every_function_has_a_check_that_counts_alone() -> None:
    assert all(any(c.counts_alone for c in checks) for checks in all_checks().values())


def test_properties_edge_cases_and_hygiene_never_count_alone() -> None:
    kinds = {c.id: c.counts_alone for checks in all_checks().values() for c in checks}
    assert not any(kinds[i] for i in ("conv2d.is_linear", "sigmoid.is_point_symmetric",
                                      "count_parameters.no_layers",
                                      "count_parameters.adds_up_layer_by_layer",
                                      "weights_as_image.constant_weights_give_zeros",
                                      "zero_pad.keeps_the_centre",
                                      "relu.does_not_modify_inputs"))
    assert kinds["conv2d.agrees_without_padding"] and kinds["count_parameters.flatten_and_dense"]
