"""A notebook's cells are graded as the Jupyter kernel ran them: what IPython accepts but Python
does not, and what a kernel never defined, costs no points; what the grader leaves out that the
functions need is named in the student's notes."""

from pathlib import Path

import nbformat
import pytest

from autograder.submissions import notebook_modules, without_magics

ZERO_PAD = ("def zero_pad(x, pad):\n    return np.pad(np.asarray(x), pad)\n\n\n"
            "def same_padding(kernel_size):\n    return (kernel_size - 1) // 2\n")


def _notebook(path: Path, cells: list[str]) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(cell) for cell in cells]
    nbformat.write(notebook, str(path))
    return path


def _run(module_text: str) -> dict:
    namespace: dict = {}
    exec(compile(module_text, "module", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("line", ["np.pad?", "?np.pad", "np.pad??", "??np.pad", "  zero_pad?",
                                  "np.*pad*?"])
def test_ipython_help_lines_are_dropped(tmp_path, line):
    notebook = _notebook(tmp_path / "ex.ipynb",
                         ["import numpy as np", f"{line}\n\n{ZERO_PAD}", "zero_pad?"])
    namespace = _run(notebook_modules(notebook)["padding"])
    assert namespace["same_padding"](3) == 1


def test_a_question_mark_in_python_stays():
    code = "s = 'why?'\n# what?\nx = a if b else c\n"
    assert without_magics(code) == code.rstrip("\n")


@pytest.mark.parametrize("line", ["data_files = !ls *.npy", "t = %timeit -o -q max_pool(x)",
                                  "a, b = !echo 1 2", "out = %run -i helper.py"])
def test_ipython_assignments_from_magics_and_shell_are_dropped(tmp_path, line):
    notebook = _notebook(tmp_path / "ex.ipynb", [
        "import numpy as np",
        "def pool_output_size(input_size, size=2, stride=None):\n"
        "    return (input_size - size) // (stride or size) + 1\n\n"
        f"x = np.ones((4, 4))\n{line}\nprint(x)",
    ])
    namespace = _run(notebook_modules(notebook)["pooling"])
    assert namespace["pool_output_size"](4) == 2


def test_an_assignment_of_a_lambda_that_calls_a_graded_function_is_kept(tmp_path):
    # The lambda's body runs only when it is called, as a def's.
    notebook = _notebook(tmp_path / "ex.ipynb", [
        "import numpy as np",
        "def conv2d(image, kernel, padding=0, stride=1):\n    return np.asarray(image) * 2",
        "conv1d_via_2d = lambda x, w, padding=0, stride=1: conv2d(np.asarray(x)[None], w)[0]\n"
        "OPS = {'conv': lambda x: conv2d(x, None)}\n"
        "def conv1d(x, w, padding=0, stride=1):\n    return conv1d_via_2d(x, w) + OPS['conv'](x)",
        "out = conv2d(np.ones((2, 2)), None)\nnow = (lambda: conv2d(1, 2))()",
    ])
    namespace = _run(notebook_modules(notebook)["convolution"])
    assert namespace["conv1d"]([1, 2], None).tolist() == [4, 8]
    assert "out" not in namespace and "now" not in namespace
