"""The generated stubs are in sync with ``solutions/``, ``cnnlab check`` tells passed from not
implemented, and the docstring examples of the reference (which students see) are right."""

import doctest
import importlib
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.build import stale_exercises

ROOT = Path(__file__).resolve().parent.parent

# SPEC section 3, written out here rather than read from cnnlab.catalog, so that a function
# dropped from the catalog makes these tests fail.
GRADED_FUNCTIONS = {
    "zero_pad", "conv_output_size", "same_padding",
    "conv1d", "conv2d", "conv_layer", "relu", "sigmoid",
    "pool_output_size", "max_pool", "avg_pool",
    "n_input_features", "dense_weights", "sparse_weights", "shared_weights",
    "conv_layer_params", "dense_layer_params", "output_shape", "count_parameters",
    "weights_as_image",
    "receptive_field", "effective_stride",
}
# The reference modules with docstring examples (validation.py has none).
SOLUTION_MODULES = ["padding", "convolution", "pooling", "weights", "receptive_field",
                    "architecture"]
# One line per function in the report of cnnlab check: "  [ok  ] relu    passed".
REPORT_LINE = re.compile(
    r"^\s+\[(?:ok  |todo|FAIL)\] (\w+)\s+(passed|not implemented yet|failing)$")


def run_check(folder: Path | str) -> tuple[int, dict[str, str]]:
    """Run ``python3 -m cnnlab check folder`` from the repository root.

    Returns the exit status and, per function, the status the report gives it.
    """
    completed = subprocess.run([sys.executable, "-m", "cnnlab", "check", str(folder)],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    statuses = {}
    for line in completed.stdout.splitlines():
        match = REPORT_LINE.match(line)
        if match:
            statuses[match.group(1)] = match.group(2)
    return completed.returncode, statuses


def copy_exercises(target: Path) -> Path:
    """A copy of the committed stubs in ``target``."""
    shutil.copytree(ROOT / "exercises", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_no_stub_is_stale():
    assert stale_exercises() == []


def test_build_check_command_exits_0():
    completed = subprocess.run([sys.executable, "-m", "cnnlab", "build", "--check"],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_stale_exercises_detects_an_edited_stub(tmp_path):
    folder = copy_exercises(tmp_path / "exercises")
    stub = folder / "pooling.py"
    stub.write_text(stub.read_text() + "\n# a student's note\n")
    assert stale_exercises(exercises_dir=folder) == ["pooling.py"]


def test_stale_exercises_detects_a_missing_stub(tmp_path):
    folder = copy_exercises(tmp_path / "exercises")
    (folder / "weights.py").unlink()
    assert stale_exercises(exercises_dir=folder) == ["weights.py"]


def test_stale_exercises_detects_a_leftover_file(tmp_path):
    folder = copy_exercises(tmp_path / "exercises")
    (folder / "old_exercise.py").write_text("x = 1\n")
    assert stale_exercises(exercises_dir=folder) == ["old_exercise.py"]


def test_check_of_the_stubs_reports_all_22_not_implemented():
    status, statuses = run_check("exercises")
    assert (status, statuses) == (1, dict.fromkeys(GRADED_FUNCTIONS, "not implemented yet"))


def test_check_of_the_solutions_passes_all_22():
    status, statuses = run_check("solutions")
    assert (status, statuses) == (0, dict.fromkeys(GRADED_FUNCTIONS, "passed"))


def test_check_reports_exactly_the_one_implemented_function(tmp_path):
    folder = copy_exercises(tmp_path / "mine")
    module = folder / "convolution.py"
    source = module.read_text()
    start = source.index("def relu(")
    stub = "# YOUR CODE HERE\n    raise NotImplementedError"
    at = source.index(stub, start)  # the first stub after relu's signature is relu's
    module.write_text(source[:at] + "return np.maximum(x, 0)" + source[at + len(stub):])
    status, statuses = run_check(folder)
    expected = dict.fromkeys(GRADED_FUNCTIONS, "not implemented yet") | {"relu": "passed"}
    assert (status, statuses) == (1, expected)


@pytest.mark.parametrize("name", SOLUTION_MODULES)
def test_docstring_examples_of_the_reference_hold(name):
    module = importlib.import_module(f"solutions.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert (result.failed, result.attempted > 0) == (0, True)


@pytest.mark.parametrize("name", sorted(GRADED_FUNCTIONS))
def test_every_stub_says_what_is_graded(name):
    from cnnlab.catalog import MODULE_OF
    module = importlib.import_module(f"exercises.{MODULE_OF[name]}")
    doc = inspect.getdoc(getattr(module, name))
    assert "\nRaises:\n" in doc and "must not be modified" in doc


def test_check_names_the_students_line_of_a_raise(tmp_path):
    from cnnlab.check import check_folder
    folder = copy_exercises(tmp_path / "mine")
    module = folder / "convolution.py"
    source = module.read_text()
    start = source.index("def relu(")
    stub = "# YOUR CODE HERE\n    raise NotImplementedError"
    at = source.index(stub, start)
    module.write_text(source[:at] + "return x[99]" + source[at + len(stub):])
    line = 1 + source[:at].count("\n")
    (relu,) = [o for o in check_folder(folder) if o.function == "relu"]
    assert f"at convolution.py, line {line}: return x[99]" in relu.details[0]


def test_check_refuses_a_folder_without_exercise_modules(tmp_path):
    (tmp_path / "notes.txt").write_text("my notes")
    (tmp_path / "data.txt").write_text("1 2 3")
    completed = subprocess.run([sys.executable, "-m", "cnnlab", "check", str(tmp_path)],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2 and completed.stdout == ""
    assert "holds none of the exercise modules (padding.py, convolution.py" in completed.stderr
    assert "data.txt, notes.txt" in completed.stderr


def test_check_names_the_stub_that_an_implemented_function_calls(tmp_path):
    """max_pool is written (the reference's) and calls pool_output_size, still a stub."""
    from cnnlab.build import strip_solutions
    folder = copy_exercises(tmp_path / "mine")
    reference = (ROOT / "solutions" / "pooling.py").read_text()
    cut = reference.index("def max_pool(")
    stubbed = strip_solutions(reference[:cut]) + reference[cut:]  # only pool_output_size
    (folder / "pooling.py").write_text(stubbed.replace("from solutions", "from exercises"))
    completed = subprocess.run([sys.executable, "-m", "cnnlab", "check", str(folder)],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    lines = {line.split()[1]: line for line in completed.stdout.splitlines()
             if line.startswith("  [")}
    assert lines["max_pool"].endswith(
        "max_pool             calls `pool_output_size`, which is not implemented yet")
    assert lines["pool_output_size"].endswith("pool_output_size     not implemented yet")
