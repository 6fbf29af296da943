"""Central differences worked out before the grading processes fork (``Suite.warm``) are the
ones each example is judged with: the reference's gradient passes, a changed one fails."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import engine
from solutions.backprop import avg_pool_backward, conv_layer_backward

CASES = [("conv_layer_backward", conv_layer_backward), ("avg_pool_backward", avg_pool_backward)]


def _differences_check(function: str) -> engine.PreparedCheck:
    suite = engine.prepare(engine.load_rubric(), functions=(function,))
    suite.warm()
    return next(p for p in suite.of(function) if p.check.warm is not None)


@pytest.mark.parametrize(("function", "backward"), CASES)
def test_warmed_differences_pass_the_reference_gradient(function, backward) -> None:
    p = _differences_check(function)
    judge = p.check.judgement()
    for example, expected in list(zip(p.examples, p.expected, strict=True))[::10]:
        args, kwargs = example
        assert judge(example, [backward(*args, **kwargs)], expected) is None


@pytest.mark.parametrize(("function", "backward"), CASES)
def test_warmed_differences_fail_a_gradient_off_by_one_element(function, backward) -> None:
    p = _differences_check(function)
    judge = p.check.judgement()
    for example, expected in list(zip(p.examples, p.expected, strict=True))[5::10]:
        args, kwargs = example
        wrong = backward(*args, **kwargs)
        first = np.array(wrong[0] if isinstance(wrong, tuple) else wrong, dtype=float)
        first.flat[-1] += 1.0
        wrong = (first, *wrong[1:]) if isinstance(wrong, tuple) else first
        assert "central differences" in judge(example, [wrong], expected)
