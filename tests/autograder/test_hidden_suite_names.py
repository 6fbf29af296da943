"""SPEC 2: a ValueError's message names the argument. ``names_the_argument`` (beside every
``rejects_invalid_arguments``) wants the student's message to name a parameter that the
reference's message names; these tests pin down what "names" means and that every
reference message of every invalid example names one."""

from __future__ import annotations

import pytest

from autograder.checks import all_checks
from autograder.checks.base import Raised, names_the_argument, parameters_of
from autograder.drawing import reference
from autograder.generation import draw_examples
from autograder.results import RAISED, CallError
from cnnlab.result_rules import named_in

CONV_OUTPUT_SIZE = ("input_size", "kernel_size", "padding", "stride")


def _raised(message: str, kind: str = "ValueError") -> CallError:
    return CallError(RAISED, message, kind)


@pytest.mark.parametrize(("message", "parameters", "named"), [
    ("stride must be at least 1, got 0", CONV_OUTPUT_SIZE, {"stride"}),
    ("kernel_size (5) is larger than the padded input_size (3)", CONV_OUTPUT_SIZE,
     {"kernel_size", "input_size"}),
    ("a flatten layer has no receptive field", ("layers",), {"layers"}),  # singular
    ("kernels must be 2-D", ("image", "kernel", "padding", "stride"), {"kernel"}),  # plural
    ("the window is larger than the input_size", ("x", "size", "stride"), set()),
    ("weights must have ndim 1, got ndim 2 (shape (1, 6))", ("weights", "shape"),
     {"weights"}),  # a value shown in parentheses names nothing
    ("operands could not be broadcast together with shapes (2,2) (2,2,1)",
     ("image", "kernel", "padding", "stride"), set()),
    # a sentence starts with a capital: "Padding must ..." names padding as well
    ("Padding must not be negative.", ("image", "kernel", "padding", "stride"), {"padding"}),
    ("X must be 1-, 2- or 3-dimensional", ("x", "pad"), {"x"}),
    # f"{pad=}" shows the value with its name: that names it, also in parentheses
    ("negative padding is not allowed (pad=-1)", ("x", "pad"), {"pad"}),
    # ValueError("x must be 1-D, 2-D or 3-D, got ndim", 4): str() gives the tuple of both
    ("('x must be 1-D, 2-D or 3-D, got ndim', 4)", ("x", "pad"), {"x"}),
    # an argument of a call or an index is named, not a value shown
    ("len(w) must be at least 1", ("x", "w", "padding", "stride"), {"w"}),
    ("np.ndim(x) must be 1", ("x", "w", "padding", "stride"), {"x"}),
    # an irregular plural
    ("expected 2 biases (one per output channel), got 3", ("image", "kernels", "bias"),
     {"bias"}),
])
def test_a_message_names_the_parameters_it_has_as_words(message, parameters, named) -> None:
    assert named_in(message, parameters) == named


def test_the_wrong_name_fails_with_the_name_to_use() -> None:
    judge = names_the_argument("conv_output_size")
    problem = judge(None, [_raised("padding must be at least 1, got 0")],
                    [Raised("input_size must be at least 1, got 0")])
    assert problem == ("your ValueError says 'padding must be at least 1, got 0'; name the "
                       "argument `input_size`")


def test_either_argument_of_a_window_too_large_will_do() -> None:
    judge = names_the_argument("conv_output_size")
    expected = [Raised("kernel_size (5) is larger than the padded input_size (3)")]
    assert judge(None, [_raised("input_size 3 is too small")], expected) is None
    assert judge(None, [_raised("kernel_size 5 does not fit")], expected) is None


def test_no_value_error_is_left_to_the_other_check() -> None:
    judge = names_the_argument("conv_output_size")
    expected = [Raised("stride must be at least 1, got 0")]
    assert judge(None, [_raised("division by zero", "ZeroDivisionError")], expected) is None
    assert judge(None, [3], expected) is None


def test_every_invalid_argument_check_has_a_names_check_beside_it() -> None:
    for function, checks in all_checks().items():
        names = [c.name for c in checks]
        assert ("rejects_invalid_arguments" in names) == ("names_the_argument" in names), (
            function)


@pytest.mark.parametrize("function", [f for f, checks in all_checks().items()
                                      if any(c.name == "names_the_argument" for c in checks)])
def test_every_reference_message_names_an_argument(function: str) -> None:
    """Otherwise the rule would ask nothing on that example."""
    (check,) = [c for c in all_checks()[function] if c.name == "names_the_argument"]
    silent = []
    for example, _ in draw_examples(check.examples, 40, seed=26):
        for call in check.calls(example):
            result = reference(function, call)
            if isinstance(result, Raised) and not named_in(result.message,
                                                          parameters_of(function)):
                silent.append(result.message)
    assert silent == []


PADDED = ["conv_output_size", "conv1d", "conv2d", "conv_layer", "dilated_conv2d"]


@pytest.mark.parametrize("function", PADDED)
def test_a_negative_padding_is_the_only_wrong_argument_of_its_example(function: str) -> None:
    """With padding 0 instead, the example is valid: a student whose function checks the
    kernel's fit before the padding still names the padding (one failure, one reason)."""
    (check,) = [c for c in all_checks()[function] if c.name == "names_the_argument"]
    negative = [call for example, _ in draw_examples(check.examples, 200, seed=26)
                for call in check.calls(example) if call[1].get("padding", 0) < 0]
    assert negative
    for args, kwargs in negative:
        assert not isinstance(reference(function, (args, {**kwargs, "padding": 0})), Raised)
