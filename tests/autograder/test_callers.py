"""A function that lost points while calling another graded function that lost points says
so: fix the callee first (``autograder.callers``)."""

from __future__ import annotations

from dataclasses import replace

from student_code import perfect_except
from student_code.mutants import train_step_uphill

from autograder import engine
from autograder.callers import graded_callees, note_callers
from autograder.inprocess import InProcessStudent
from autograder.results import CheckResult, FunctionResult

THROUGH_A_HELPER = '''
def _one_epoch(state, images, labels, rate):
    return train_step(*state, images, labels, rate)

def fit(weights, bias, images, labels, learning_rate, epochs):
    for _ in range(epochs):
        weights, bias = _one_epoch((weights, bias), images, labels, learning_rate)
    return weights, bias

def train_step(weights, bias, images, labels, learning_rate):
    return uphill(weights, bias, images, labels, learning_rate)

def relu_backward(d_out, x):
    return d_out * (x > 0)
'''


def fit_looping_uphill(weights, bias, images, labels, learning_rate, epochs):
    if epochs < 0:
        raise ValueError("epochs must not be negative")
    train_step_uphill(weights, bias, images, labels, learning_rate)  # its ValueErrors
    for _ in range(epochs):
        weights, bias = train_step_uphill(weights, bias, images, labels, learning_rate)
    return weights, bias


def test_the_graded_functions_a_function_uses_are_found_through_its_helpers() -> None:
    callees = graded_callees({"backprop": THROUGH_A_HELPER, "broken": "def fit(:"})
    assert callees == {"fit": {"train_step"}, "train_step": set(), "relu_backward": set()}


def _graded(suite, sources: dict[str, str]):
    student = InProcessStudent(perfect_except({"train_step": train_step_uphill,
                                               "fit": fit_looping_uphill}))
    result = engine.grade(student, suite, sources, functions=("train_step", "fit"))
    return {f.function: f for f in result.functions}


def test_a_function_that_lost_points_through_a_wrong_callee_says_so(suite) -> None:
    graded = _graded(suite, {"backprop": THROUGH_A_HELPER})
    assert graded["train_step"].misconceptions == ["train_step.uphill"]
    assert graded["train_step"].note == ""
    assert graded["fit"].points < graded["fit"].max_points
    assert graded["fit"].note == ("fit calls your train_step, which lost points too: fix it "
                                  "first; fit's results below may come from it")


def test_no_such_note_when_the_source_does_not_call_the_wrong_function(suite) -> None:
    inlined = THROUGH_A_HELPER.replace("train_step(*state", "uphill(*state")
    assert _graded(suite, {"backprop": inlined})["fit"].note == ""


def _failed(function: str, check: str) -> FunctionResult:
    failed = CheckResult(function, f"{function}.{check}", "", 1.0, 0.0, 10, "failed")
    return FunctionResult(function, 2.0, 1.0, [failed])


def test_a_callee_that_lost_only_hygiene_points_is_not_blamed() -> None:
    # train_step only changed its input (hygiene): what it returns to fit is right
    results = [_failed("train_step", "does_not_modify_inputs"),
               _failed("fit", "agrees_for_a_few_epochs")]
    assert [r.note for r in note_callers(results, {"backprop": THROUGH_A_HELPER})] == ["", ""]
    results[0] = _failed("train_step", "agrees_on_small_batches")
    assert note_callers(results, {"backprop": THROUGH_A_HELPER})[1].note.startswith(
        "fit calls your train_step, which lost points too")


def test_the_note_is_given_beside_a_misconception_the_wrong_callee_may_cause() -> None:
    """A pool_output_size that rounds up makes a correct max_pool look like one that keeps
    the partial windows: the student is told to fix the callee first all the same."""
    sources = {"pooling": "def pool_output_size(n, size=2, stride=None):\n    return n\n\n"
                          "def max_pool(x, size=2, stride=None):\n"
                          "    return pool_output_size(len(x), size, stride)\n"}
    results = [_failed("pool_output_size", "agrees"), replace(
        _failed("max_pool", "agrees"), misconceptions=["max_pool.partial_windows"])]
    noted = note_callers(results, sources)[1]
    assert noted.misconceptions == ["max_pool.partial_windows"]
    assert noted.note.startswith("max_pool calls your pool_output_size, which lost points too")


def test_the_note_goes_down_the_chain_to_the_function_to_fix_first() -> None:
    """A zero_pad that pads one side only fails conv_layer, which conv2d calls: conv2d's
    note names zero_pad, not conv_layer, as the function to fix first."""
    sources = {"padding": "def zero_pad(x, pad):\n    return x\n",
               "convolution": "def conv_layer(image, kernels, bias=None, padding=0, stride=1):"
                              "\n    return zero_pad(image, padding)\n\n"
                              "def conv2d(image, kernel, padding=0, stride=1):\n"
                              "    return conv_layer(image, kernel, None, padding, stride)\n"}
    results = [_failed("zero_pad", "agrees"), _failed("conv_layer", "agrees"),
               _failed("conv2d", "agrees")]
    notes = [r.note for r in note_callers(results, sources)]
    assert notes[1] == ("conv_layer calls your zero_pad, which lost points too: fix it first; "
                        "conv_layer's results below may come from it")
    assert notes[2] == ("conv2d calls your conv_layer, which calls your zero_pad, which lost "
                        "points too: fix zero_pad first; conv2d's results below may come from "
                        "it")
