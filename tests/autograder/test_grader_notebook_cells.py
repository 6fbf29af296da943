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


def test_a_cell_that_does_not_parse_and_is_defined_again_later_is_left_out(tmp_path):
    # Jupyter ran the Python 2 cell to a SyntaxError: it defined nothing, the later cell did.
    notes: list[str] = []
    notebook = _notebook(tmp_path / "ex.ipynb", [
        "import numpy as np",
        "def zero_pad(x, pad):\n    print 'padding', pad\n    return np.pad(x, pad)",
        ZERO_PAD,
    ])
    namespace = _run(notebook_modules(notebook, notes=notes)["padding"])
    assert namespace["zero_pad"]([1], 1).tolist() == [0, 1, 0]
    (note,) = [n for n in notes if "does not parse" in n]
    assert "code cell 2" in note and "zero_pad" in note and "left out" in note


def test_a_cell_that_does_not_parse_stays_when_a_function_of_it_is_not_defined_again(tmp_path):
    notes: list[str] = []
    notebook = _notebook(tmp_path / "ex.ipynb", [
        "import numpy as np\n" + ZERO_PAD,
        "def zero_pad(x, pad)\n    return x\n\ndef conv_output_size(n, k):\n    return n",
    ])
    with pytest.raises(SyntaxError):
        compile(notebook_modules(notebook, notes=notes)["padding"], "padding", "exec")
    assert not [n for n in notes if "does not parse" in n]
    # and a cell broken after the one that defines its functions is the student's last word
    later = _notebook(tmp_path / "later.ipynb", [ZERO_PAD, "def zero_pad(x, pad)\n    pass"])
    with pytest.raises(SyntaxError):
        compile(notebook_modules(later)["padding"], "padding", "exec")


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


TABLE_NOTEBOOK = [
    "import numpy as np",
    "REDUCERS = {}\nfor name, fn in [('max', np.max), ('avg', np.mean)]:\n"
    "    REDUCERS[name] = fn\nMAXES = {}\nMAXES.update(max=np.max)\nnp.add(1, 2)\n"
    "SEEN = []\nSEEN.append(1)",
    "def max_pool(x, size=2, stride=None):\n    return REDUCERS['max'](x) + MAXES['max'](x)",
]


def test_a_dropped_statement_that_fills_a_table_the_functions_read_is_named(tmp_path):
    notes: list[str] = []
    notebook_modules(_notebook(tmp_path / "ex.ipynb", TABLE_NOTEBOOK), notes=notes)
    told = [n for n in notes if "not run" in n]
    assert len(told) == 2, notes
    reducers, maxes = sorted(told, key=lambda n: "MAXES" in n)
    assert "REDUCERS[name] = fn" in reducers and "code cell 2" in reducers
    assert "MAXES.update(max=np.max)" in maxes
    assert all("dict literal or comprehension" in n for n in told)
    # np (an import) and SEEN (no function reads it) are never told about
    assert not [n for n in notes if "np.add" in n or "SEEN" in n]


def test_a_table_filled_in_its_assignment_gets_no_note(tmp_path):
    notes: list[str] = []
    notebook = _notebook(tmp_path / "ex.ipynb", [
        "import numpy as np\nREDUCERS = {name: fn for name, fn in [('max', np.max)]}\n"
        "REDUCERS['avg'] = np.mean\nprint(REDUCERS)",
        "def max_pool(x, size=2, stride=None):\n    return REDUCERS['max'](x)",
    ])
    namespace = _run(notebook_modules(notebook, notes=notes)["pooling"])
    assert set(namespace["REDUCERS"]) == {"max", "avg"}
    assert not [n for n in notes if "not run" in n]
