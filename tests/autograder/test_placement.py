"""A graded function written in another module than its stub's: the grade stays as the rules
give it (each function is read from its stub's module), and the note says where the code is
and where it goes."""

from pathlib import Path

import pytest

from autograder import engine
from autograder.worker_runtime.worker import _missing_functions
from cnnlab.catalog import EXERCISES
from cnnlab.check import sources_of
from cnnlab.loading import exercises_from
from cnnlab.placement import moved_hint

RELU = "import numpy as np\n\n\ndef relu(x):\n    return np.maximum(np.asarray(x), 0)\n"


def test_a_function_in_another_module_is_said_to_be_there_and_where_it_goes():
    hint = moved_hint("relu", {"padding": RELU, "convolution": "def conv1d(x, w):\n    pass\n"})
    assert hint.startswith("; padding.py defines relu: move it to convolution.py")


def test_every_module_that_defines_it_is_named():
    hint = moved_hint("relu", {"helpers": RELU, "padding": RELU})
    assert hint.startswith("; helpers.py and padding.py define relu: move it to convolution.py")


@pytest.mark.parametrize("own", [
    "from helpers import relu\n",  # the worker's import of helpers failed: that is the note
    "from helpers import *\n",
    "try:\n    from helpers import relu\nexcept ImportError:\n    relu = None\n",
    "def relu(x):\n    return x\n",
    "def relu(x) return x\n",  # does not parse: the syntax error is the note
])
def test_no_hint_when_its_own_module_may_give_it(own):
    assert moved_hint("relu", {"convolution": own, "helpers": RELU}) == ""


def test_a_helper_nested_in_another_function_is_not_a_definition():
    nested = "def outer():\n    def relu(x):\n        return x\n    return relu\n"
    assert moved_hint("relu", {"padding": nested}) == ""


class _Reported:
    """A hand-in as far as the worker got: which functions it could not find, and why."""

    def __init__(self, missing: dict[str, str]):
        self._missing = missing

    def missing(self) -> dict[str, str]:
        return dict(self._missing)

    def call_many(self, *_, **__):
        raise AssertionError("a function that is missing is never called")


@pytest.mark.parametrize("files, note", [
    ({"padding.py": RELU}, "convolution.py was not handed in; padding.py defines relu"),
    ({"padding.py": RELU, "convolution.py": "X = 1\n"},
     "convolution.py has no function relu; padding.py defines relu"),
    ({"my_solution.py": RELU}, "convolution.py was not handed in; my_solution.py defines relu"),
])
def test_the_feedback_says_where_the_function_is_and_where_it_goes(suite, tmp_path: Path,
                                                                   files, note):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with exercises_from(tmp_path) as loaded:  # what the worker finds and reports
        missing = _missing_functions(loaded, EXERCISES)
    result = engine.grade_function(_Reported(missing), suite, "relu",
                                   sources=sources_of(tmp_path))
    assert result.points == 0
    assert result.note.startswith(f"{note}: move it to convolution.py, where its stub is")
