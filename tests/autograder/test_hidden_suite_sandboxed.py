"""The hidden suite through the real sandbox: module files in a folder, graded by
``SandboxedStudent`` and ``engine.grade`` as the class pipeline does.

Three mutants and one variant, each a copy of the perfect example student
(``examples/class/s001_perfect``) with one function or one whole module rewritten. The
mutated function loses points, nothing else does, the feedback shows the failing example,
the variant gets full marks, and grading a folder twice gives the same result.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from grader_helpers import PERFECT, perfect_with

from autograder import engine
from autograder.engine import Suite
from autograder.results import FunctionResult, SubmissionResult
from autograder.sandbox import SandboxedStudent
from autograder.told import shown_failures


@dataclass(frozen=True)
class ModuleMutant:
    function: str
    module: str
    code: str  # appended to the module: a later def replaces the perfect one


MUTANTS = {
    "conv2d-flipped-kernel": ModuleMutant("conv2d", "convolution", """
        def conv2d(image, kernel, padding=0, stride=1):
            image, kernel = np.asarray(image), np.asarray(kernel)
            check_ndim("image", image, 2)
            check_ndim("kernel", kernel, 2)
            kernel = kernel[::-1, ::-1]  # "a convolution flips the kernel"
            out = conv_layer(image[:, :, None], kernel[:, :, None, None], None, padding,
                             stride)
            return out[:, :, 0]
    """),
    "max_pool-stride-defaults-to-1": ModuleMutant("max_pool", "pooling", """
        def max_pool(x, size=2, stride=None):
            return _pool(x, size, 1 if stride is None else stride, np.max)
    """),
    "receptive_field-adds-k": ModuleMutant("receptive_field", "receptive_field", """
        def receptive_field(layers):
            field, jump = 1, 1
            for kernel, stride in _steps(layers):
                field = field + kernel * jump
                jump = jump * stride
            return field
    """),
}

# A whole convolution.py written differently from the reference: sliding windows, einsum,
# tanh, its own validation, importing nothing of the exercises (fully self-contained).
VARIANT_CONVOLUTION = '''
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _at_least(name, value, low):
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return int(value)


def _padded(x, pad, spatial):
    out = np.zeros([n + 2 * pad if a < spatial else n for a, n in enumerate(x.shape)])
    out[tuple(slice(pad, pad + n) for n in x.shape[:spatial])] = x
    return out


def _checked(x, kernel, padding, stride, ndim, names=("image", "kernel")):
    """The arguments checked; ``names``: what the function calls its input and kernel."""
    x, kernel = np.asarray(x), np.asarray(kernel)
    xn, kn = names
    if x.ndim != ndim or kernel.ndim != ndim:
        raise ValueError(f"{xn} and {kn} must be {ndim}-D, got {x.shape} and {kernel.shape}")
    if kernel.size == 0:
        raise ValueError(f"{kn} must not be empty")
    padding, stride = _at_least("padding", padding, 0), _at_least("stride", stride, 1)
    if any(k > n + 2 * padding for n, k in zip(x.shape, kernel.shape)):
        raise ValueError(f"{kn} is larger than the padded {xn}")
    return _padded(x, padding, ndim), kernel.astype(float), stride


def conv1d(x, w, padding=0, stride=1):
    xp, w, stride = _checked(x, w, padding, stride, 1, names=("x", "w"))
    return sliding_window_view(xp, w.size)[::stride] @ w


def conv2d(image, kernel, padding=0, stride=1):
    xp, kernel, stride = _checked(image, kernel, padding, stride, 2)
    views = sliding_window_view(xp, kernel.shape)[::stride, ::stride]
    return np.einsum("ijab,ab->ij", views, kernel)


def conv_layer(image, kernels, bias=None, padding=0, stride=1):
    image, kernels = np.asarray(image), np.asarray(kernels)
    if image.ndim != 3 or kernels.ndim != 4:
        raise ValueError(f"image must be 3-D and kernels 4-D, got {image.shape}, "
                         f"{kernels.shape}")
    if kernels.size == 0 or image.shape[2] != kernels.shape[2]:
        raise ValueError("kernels must be non-empty with C_in = the image's channels")
    if bias is not None and np.shape(bias) != (kernels.shape[3],):
        raise ValueError(f"bias must have shape ({kernels.shape[3]},)")
    padding, stride = _at_least("padding", padding, 0), _at_least("stride", stride, 1)
    if any(k > n + 2 * padding for n, k in zip(image.shape[:2], kernels.shape[:2])):
        raise ValueError("kernels are larger than the padded image")
    xp = _padded(image, padding, 2)
    views = sliding_window_view(xp, kernels.shape[:2], axis=(0, 1))[::stride, ::stride]
    out = np.einsum("ijcab,abco->ijo", views, kernels.astype(float))
    return out if bias is None else out + np.asarray(bias, dtype=float)


def relu(x):
    return np.clip(np.asarray(x), 0, None)


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def dilated_conv2d(image, kernel, dilation=1, padding=0, stride=1):
    dilation = _at_least("dilation", dilation, 1)
    kernel = np.asarray(kernel)
    if kernel.ndim == 2 and kernel.size:  # the taps dilation pixels apart, zeros between
        spread = np.zeros([(k - 1) * dilation + 1 for k in kernel.shape])
        spread[::dilation, ::dilation] = kernel
        kernel = spread
    return conv2d(image, kernel, padding, stride)
'''


def _sources(folder: Path) -> dict[str, str]:
    return {path.stem: path.read_text() for path in folder.glob("*.py")}


def _grade(folder: Path, suite: Suite) -> SubmissionResult:
    with SandboxedStudent(folder) as student:
        return engine.grade(student, suite, _sources(folder), folder.name)


def _function(result: SubmissionResult, function: str) -> FunctionResult:
    (found,) = [f for f in result.functions if f.function == function]
    return found


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("submissions")
    made = {name: perfect_with(root / name, m.module, m.code) for name, m in MUTANTS.items()}
    variant = root / "variant"
    shutil.copytree(PERFECT, variant)
    (variant / "convolution.py").write_text(textwrap.dedent(VARIANT_CONVOLUTION))
    return {**made, "variant": variant}


@pytest.fixture(scope="module")
def graded(folders: dict[str, Path], suite: Suite) -> dict[str, SubmissionResult]:
    return {name: _grade(folder, suite) for name, folder in folders.items()}


@pytest.mark.parametrize("name", MUTANTS)
def test_the_mutated_function_loses_points(graded, name: str) -> None:
    own = _function(graded[name], MUTANTS[name].function)
    assert own.points < own.max_points


@pytest.mark.parametrize("name", MUTANTS)
def test_every_other_function_keeps_full_marks(graded, name: str) -> None:
    short = {f.function: f.points for f in graded[name].functions
             if f.function != MUTANTS[name].function and f.points < f.max_points}
    assert short == {}


@pytest.mark.parametrize("name", MUTANTS)
def test_each_failed_check_told_shows_a_failing_example(graded, name: str) -> None:
    """Every failure is told with its example, or listed as failing the same way as one
    told (``told.shown_failures``)."""
    function = _function(graded[name], MUTANTS[name].function)
    failed = [c for c in function.checks
              if not c.passed and c.message != engine.HYGIENE_ONLY]  # unearned: passed
    told, repeats = shown_failures(function)
    assert told and {id(c) for c in failed} == {id(c) for c in [*told, *repeats]}
    for check in told:
        assert check.example is not None, check.check
        assert check.example.call.startswith(f"{function.function}(")
        assert check.example.expected.strip() and check.example.actual.strip()


def test_the_variant_gets_full_marks(graded) -> None:
    short = {f.function: f.points for f in graded["variant"].functions
             if f.points < f.max_points}
    assert short == {} and graded["variant"].max_score > 0


def test_the_perfect_example_gets_full_marks(suite: Suite) -> None:
    result = _grade(PERFECT, suite)
    assert result.score == result.max_score > 0


def test_grading_a_folder_twice_gives_the_same_result(folders, graded, suite: Suite) -> None:
    name = "conv2d-flipped-kernel"
    assert _grade(folders[name], suite).to_dict() == graded[name].to_dict()


# ``x.shape = ...`` changes the caller's array without touching its values: the worker reports
# the new shape, as the grader reads only the values back from the memory they share.
RESHAPES_IN_PLACE = """
    _padded = zero_pad


    def zero_pad(x, pad):
        x = np.asarray(x)  # the caller's own array
        if x.ndim == 1:  # "a signal is an image with one row": pad that, keep the middle row
            x.shape = (1, x.size)
            return _padded(x, pad)[pad]
        return _padded(x, pad)
"""


def test_an_argument_reshaped_in_place_is_a_modified_input(tmp_path, suite: Suite) -> None:
    folder = perfect_with(tmp_path / "reshapes", "padding", RESHAPES_IN_PLACE)
    with SandboxedStudent(folder) as student:
        result = engine.grade(student, suite, _sources(folder), folder.name,
                              functions=["zero_pad"])
    failed = {c.check: c for c in _function(result, "zero_pad").checks if not c.passed}
    assert set(failed) == {"zero_pad.does_not_modify_inputs"}
    check = failed["zero_pad.does_not_modify_inputs"]
    assert "the call changed the shape (from (1,) to (1, 1)) of its argument x" in check.message
    example = check.example
    assert example.actual.startswith("x after the call: array([[")  # now 2-D
    assert example.expected.startswith("x unchanged: array([") and "[[" not in example.expected


KEEPS_A_RUNNING_TOTAL = """
    _total = 0
    _counted = count_parameters


    def count_parameters(layers, input_shape):
        global _total
        _total += _counted(layers, input_shape)  # never set back to 0: depends on earlier calls
        return _total
"""


def test_a_result_that_depends_on_earlier_calls_is_told_so(tmp_path, suite: Suite,
                                                          graded) -> None:
    folder = perfect_with(tmp_path / "total", "weights", KEEPS_A_RUNNING_TOTAL)
    with SandboxedStudent(folder) as student:
        result = engine.grade(student, suite, _sources(folder), folder.name,
                              functions=["count_parameters"])
    failed = [c for c in _function(result, "count_parameters").checks
              if not c.passed and c.example is not None]
    assert failed and all(engine.KEPT_STATE in c.message for c in failed)
    # a bug that does not depend on earlier calls gives the same wrong answer again
    stateless = [c for c in _function(graded["receptive_field-adds-k"], "receptive_field").checks
                 if not c.passed]
    assert stateless and not any(engine.KEPT_STATE in c.message for c in stateless)
