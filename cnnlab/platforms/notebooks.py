"""Generate the exercise notebook ``notebooks/cnn_exercises.ipynb`` from ``solutions/``.

One notebook holds all five exercise modules, in the order of the lecture. Why one and not
one per module: the lecture is one story (image -> weights -> convolution -> pooling ->
receptive field), later exercises call earlier ones (pooling may use ``conv2d``, the weight
counts use ``conv_output_size``) which in a notebook only works in one namespace, nbgrader
then has one assignment with one notebook, and a student hands in one file.

Cells (nbformat v4, written as JSON by this module, so ``cnnlab build`` needs no Jupyter):

* Markdown cells telling the lecture's story, with figures rendered by ``cnnlab.figures``
  into ``notebooks/figures/``;
* read-only (locked) cells with the imports, two tiny example checkers and the given modules
  ``validation`` and ``architecture`` (their ``solutions`` imports dropped: in a notebook
  everything lives in one namespace);
* per graded function a *solution cell* with the function exactly as in ``solutions/``,
  markers included (nbgrader's ``generate_assignment`` replaces the marked block by
  ``raise NotImplementedError()``), a read-only cell with the public examples of
  ``cnnlab.public_checks`` (``examples_<function>``), and a locked *test cell*
  (``test_<function>``) that holds, between nbgrader's hidden-test markers, the call that
  grades the function with the hidden suite (``autograder.notebook.hidden_points``). The
  examples are not in the graded cell so that nbgrader's points equal ``cnnlab grade``'s
  (see ``test_source``). A test cell comes after the solution cells of every function its
  function calls in the reference (``conv1d`` calls ``conv2d``).

The points of a test cell are the rubric's points for the function. The notebook is never
edited by hand: ``cnnlab build`` writes it and ``cnnlab build --check`` reports drift.
"""

from __future__ import annotations

import ast
import importlib
import json
import pprint
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from cnnlab.build import ROOT, strip_solutions
from cnnlab.catalog import EXERCISES, FUNCTIONS, MODULE_OF, RECORDS, SUPPORT_MODULES
from cnnlab.public_checks import CASES, RAISES, Case

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOK_NAME = "cnn_exercises.ipynb"
FIGURE_DIR = "figures"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SCHEMA_VERSION = 3
# Figures of cnnlab.figures.gallery shown in the notebook: stem -> where in the story.
FIGURES = ("connectivity", "weights_as_image", "conv_step", "feature_maps", "max_pool",
           "receptive_field")

# The lecture's story, one Markdown cell before each module's exercises.
INTRO = """# Convolutional neural networks: exercises

Lecture *Convolutional neural networks*, course 8DC00 (medical image analysis).

Fill in every cell that says `raise NotImplementedError()` and run the test cell below it.
The tests you see are a few examples worked by hand; your grade comes from hidden tests with
hundreds of generated inputs per function, so test your code on your own inputs too.

Conventions (as in the lecture and in every deep-learning framework):

* images are channels-last: a grey image is `(H, W)`, a colour or feature image `(H, W, C)`;
* "convolution" is the cross-correlation `a_i = x_i w_1 + x_{i+1} w_2 + ...`: the kernel is
  **not** flipped;
* a window that does not fit completely is dropped (floor);
* invalid arguments raise `ValueError` with a message that names the argument.

Run the read-only cells below first: they hold the imports and the given code
(`validation`, `architecture`) that your answers may use."""

# (section, its Markdown), in the order of the lecture; the graded functions of a section are
# those the catalog puts in it. A function's module may be split over sections, but every
# function is called only after the functions it uses are defined (output_shape needs
# pool_output_size, ...).
_STORIES: tuple[tuple[str, str], ...] = (
    ("images", """## 1. Images as input, and reducing the number of weights

An image is a grid of numbers. A small colour image of 24x24 pixels with 3 channels already
has 24 x 24 x 3 = **1728 features**: a fully connected layer with only 100 units would need
172,800 weights for it.

Take 5 inputs and 3 outputs, as in the lecture.

* **dense** (fully connected): every output sees every input: 5 x 3 = **15** weights;
* **sparse** (locally connected): every output sees only 3 neighbouring inputs, with its own
  weights: 3 x 3 = **9** weights;
* **shared** (convolutional): every output uses the same 3 weights `w1, w2, w3`: **3**
  weights, whatever the number of inputs.

![dense, sparse and shared connections](figures/connectivity.png)

The 1728 weights of one dense unit that sees a 24x24x3 image can be reshaped into a 24x24x3
image themselves, which shows what the unit responds to:

![weights of one unit as an image](figures/weights_as_image.png)"""),
    ("convolution", """## 2. Convolution: first in 1-D, then in 2-D

Shared weights sliding along the input are a convolution. In 1-D, with inputs
`x1 ... x5` and the kernel `w1, w2, w3`:
`a1 = x1 w1 + x2 w2 + x3 w3`, `a2 = x2 w1 + x3 w2 + x4 w3`, `a3 = x3 w1 + x4 w2 + x5 w3`.

When a kernel of size `k` slides over `n` inputs with stride `s` and `p` zeros of padding on
each side, it takes `floor((n + 2p - k) / s) + 1` positions. Zero padding lets the kernel
visit the border pixels as often as the centre ones and, with `p = (k - 1) / 2`, keeps the
output as large as the input.

In 2-D the kernel is a small matrix that slides over the image; each output is the sum of
the element-wise product of the kernel and the window under it:

![one step of a 2-D convolution](figures/conv_step.png)

A kernel is a pattern detector: a vertical-edge kernel such as `[[1, 0, -1]] * 3` answers
strongly where the intensity changes from left to right. A convolutional layer applies
`C_out` kernels, each spanning all `C_in` input channels, adds a bias per kernel, and is
followed by a non-linearity such as the ReLU or the sigmoid:

![feature maps: convolution, ReLU, max-pooling](figures/feature_maps.png)"""),
    ("pooling", """## 3. Max-pooling

A pooling layer summarises each window of a feature map by one number: max-pooling keeps the
largest (is *a pattern present* in this window?), average pooling the mean. A 2x2 window with
stride 2 halves the height and the width, has no weights, and makes the result invariant to
small shifts inside a window. Each channel is pooled on its own.

![2x2 max-pooling](figures/max_pool.png)"""),
    ("network", """## 4. Counting a whole network

Networks are lists of layer dicts (see the given `architecture` code above), e.g.
`[{"type": "conv", "filters": 16, "kernel_size": 3, "padding": 1}, {"type": "relu"},
{"type": "maxpool"}, {"type": "flatten"}, {"type": "dense", "units": 10}]`.
A conv layer has `k * k * C_in * C_out` weights plus `C_out` biases, whatever the image size;
a dense layer `n_in * n_out` plus `n_out`. Follow the shape through the layers to find
`n_in` of the first dense layer."""),
    ("receptive_field", """## 5. The receptive field

A unit of a deeper layer sees a larger part of the input: its *receptive field*. Two 3x3
convolutions see 5x5 input pixels, three see 7x7, with fewer weights (3 x 9 = 27 per channel
pair) than one 7x7 kernel (49). Pooling with stride 2 doubles the step between neighbouring
units, so every layer after it widens the receptive field twice as fast. This is one reason
to choose small kernels in deep networks.

![the receptive field of a stack of layers](figures/receptive_field.png)"""),
)
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (section, story, tuple(r.function for r in RECORDS if r.section == section))
    for section, story in _STORIES)

HELPERS = '''@contextlib.contextmanager
def public_examples(function):
    """The public examples of one function. A stub reports "not implemented yet" instead
    of stopping the notebook; a wrong answer still raises, showing both values."""
    try:
        yield
    except NotImplementedError:
        print(f"{function}: not implemented yet")
    else:
        print(f"{function}: the public examples pass")


def check_example(actual, expected):
    """A public example: raise AssertionError showing both values when they differ."""
    ok = np.shape(actual) == np.shape(expected) and np.allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), atol=1e-5)
    if not ok:
        raise AssertionError(f"expected {expected!r}, got {actual!r}")


def check_raises(function, *args, **kwargs):
    """A public example: ``function(*args, **kwargs)`` must raise ValueError."""
    try:
        result = function(*args, **kwargs)
    except ValueError:
        return
    raise AssertionError(f"{function.__name__} should raise ValueError, returned {result!r}")'''


# --- reading the solutions -----------------------------------------------------------------

def module_parts(path: Path) -> tuple[list[str], list[str], dict[str, str]]:
    """(imports not from ``solutions``, other top-level code, graded function -> source) of
    one solution module. Top-level code keeps its order; the module docstring is dropped."""
    source = path.read_text()
    lines = source.splitlines()
    imports, given, functions = [], [], {}
    for index, node in enumerate(ast.parse(source).body):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        last = node.end_lineno
        # ast ends a function at its last statement; the indented comments after it (the
        # ``### END SOLUTION`` marker) belong to it too.
        while last < len(lines) and lines[last][:1].isspace() and \
                lines[last].strip().startswith("#"):
            last += 1
        text = "\n".join(lines[first - 1:last])
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if (module or "").split(".")[0] != "solutions":
                imports.append(text)
        elif isinstance(node, ast.FunctionDef) and node.name in FUNCTIONS:
            functions[node.name] = text
        elif not (index == 0 and isinstance(node, ast.Expr)
                  and isinstance(node.value, ast.Constant)):
            given.append(text)
    return imports, given, functions


# --- the public examples as code -----------------------------------------------------------

THIRD_PARTY = ("numpy", "scipy")
LINE = 100  # the project's line length: the generated cells pass ``ruff check`` too


def literal(value: Any, width: int = LINE) -> str:
    """Python source that rebuilds ``value`` (arrays as ``np.array([...])``), wrapped so that
    no line is wider than ``width``."""
    if isinstance(value, np.ndarray):
        dtype = "" if value.dtype.kind in "if" else f", dtype={value.dtype.name!r}"
        inner = pprint.pformat(value.tolist(), width=max(width - 9 - len(dtype), 20))
        return "np.array(" + inner.replace("\n", "\n" + " " * 9) + dtype + ")"
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, list | tuple | dict):
        return pprint.pformat(value, width=max(width, 20), sort_dicts=False)
    return repr(value)


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def _call(function: str, args: list[Any], kwargs: dict[str, Any], expected: Any,
          width: int = LINE) -> str:
    """``check_example(function(args), expected)`` or ``check_raises(function, args)``, on one
    line when it fits, else one argument per line."""
    raises = expected is RAISES
    one = [literal(a) for a in args] + [f"{k}={literal(v)}" for k, v in kwargs.items()]
    text = (f"check_raises({', '.join([function, *one])})" if raises else
            f"check_example({function}({', '.join(one)}), {literal(expected)})")
    if len(text) <= width and "\n" not in text:
        return text
    depth = 4 if raises else 8
    many = [literal(a, width - depth - 1) for a in args] + [
        f"{k}={literal(v, width - depth - len(k) - 2)}" for k, v in kwargs.items()]
    many = [_indent(m, depth) for m in many]
    if raises:
        return "check_raises(\n    " + function + ",\n" + ",\n".join(many) + ",\n)"
    return ("check_example(\n    " + function + "(\n" + ",\n".join(many) + ",\n    ),\n"
            + _indent(literal(expected, width - 5), 4) + ",\n)")


def example_line(case: Case, width: int = LINE) -> str:
    why = "".join(f"{line}\n" for line in textwrap.wrap(case.why, width, initial_indent="# ",
                                                        subsequent_indent="# "))
    return why + _call(case.function, list(case.args), case.kwargs, case.expected, width)


def examples_source(function: str) -> str:
    """The public examples of ``function``, as a read-only cell of its own."""
    lines = [f"# Public examples for {function}: run this cell to check yourself. Your grade",
             "# comes from hidden tests with many generated inputs (the graded cell below)."]
    lines.append(f"with public_examples({function!r}):")
    lines += [_indent(example_line(c, LINE - 4), 4) for c in CASES if c.function == function]
    return "\n".join(lines)


def test_source(function: str, points: float) -> str:
    """The graded test cell: only the hidden grading call, as the cell's last expression.

    The public examples are in a cell of their own: nbgrader gives 0 points to a test cell
    that raises, so a failing public example in the graded cell would cost all the points of
    the function, while ``cnnlab grade`` gives partial credit for the same code."""
    return "\n".join([
        f"# Graded: {function}, {float(points):g} point(s). The hidden tests run here when the",
        "# notebook is graded; there is nothing to run or change in this cell.",
        HIDDEN_BEGIN, "from autograder.notebook import hidden_points", "",
        f"hidden_points({function!r}, globals(), {float(points)!r})", HIDDEN_END])


# --- cells ---------------------------------------------------------------------------------

def _cell_id(text: str) -> str:
    """Cell ids must be stable (drift check) and match ``[a-zA-Z0-9-_]{1,64}``."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:64]


def markdown_cell(name: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": _cell_id(name), "metadata": {},
            "source": text.splitlines(keepends=True)}


def code_cell(grade_id: str, text: str, nbgrader: dict) -> dict:
    meta = {"grade_id": grade_id, "schema_version": SCHEMA_VERSION, **nbgrader}
    return {"cell_type": "code", "execution_count": None, "id": _cell_id(grade_id),
            "metadata": {"nbgrader": dict(sorted(meta.items()))}, "outputs": [],
            "source": text.splitlines(keepends=True)}


def given_cell(grade_id: str, text: str) -> dict:
    return code_cell(grade_id, text, {"grade": False, "solution": False, "locked": True})


def solution_cell(function: str, text: str) -> dict:
    return code_cell(function, text, {"grade": False, "solution": True, "locked": False})


def test_cell(function: str, points: float) -> dict:
    return code_cell(f"test_{function}", test_source(function, points),
                     {"grade": True, "solution": False, "locked": True,
                      "points": float(points)})


# --- the notebook --------------------------------------------------------------------------

def rubric_points() -> dict[str, float]:
    """Function -> its points in the hidden suite's rubric. Without the hidden suite (it is
    developed separately) every function gets 1 point, and ``cnnlab build --check`` reports
    the notebook as out of date once the suite is installed."""
    try:
        engine = importlib.import_module("autograder.engine")
    except ModuleNotFoundError as error:
        if error.name != "autograder.engine":
            raise
        print("notebooks: autograder/engine.py is not installed; every function gets 1 point",
              file=sys.stderr)
        return dict.fromkeys(FUNCTIONS, 1.0)
    rubric = engine.load_rubric()
    return {name: float(rubric.points_of(name)) for name in FUNCTIONS}


def import_block(lines: set[str]) -> str:
    """The imports as isort (ruff) orders them: standard library, then third party."""
    def key(line: str) -> tuple[bool, str]:
        return not line.startswith("import "), line
    third = {line for line in lines if line.split()[1].split(".")[0] in THIRD_PARTY}
    groups = [sorted(lines - third, key=key), sorted(third, key=key)]
    return "\n\n".join("\n".join(group) for group in groups if group)


def dependencies(sources: dict[str, str]) -> dict[str, set[str]]:
    """Function -> the graded functions it calls, directly or through others. The reference
    builds on itself (``conv1d`` calls ``conv2d``), so a test cell must come after the
    solution cells of everything its function calls."""
    direct = {name: {n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name)
                     and n.id in sources and n.id != name} for name, text in sources.items()}
    closed = {name: set(calls) for name, calls in direct.items()}
    changed = True
    while changed:  # transitive closure; the graph is tiny
        changed = False
        for calls in closed.values():
            extra = set().union(*(closed[c] for c in calls)) - calls
            if extra:
                calls |= extra
                changed = True
    return closed


def make_notebook(solutions_dir: Path = ROOT / "solutions",
                  points: dict[str, float] | None = None) -> dict:
    """The source notebook (with solutions and hidden tests) as a JSON-ready dict."""
    points = rubric_points() if points is None else points
    parts = {m: module_parts(solutions_dir / f"{m}.py")
             for m in (*SUPPORT_MODULES, *EXERCISES)}
    imports = import_block({"import contextlib"}  # for public_examples in HELPERS
                           | {line for m in parts for line in parts[m][0]})
    cells = [markdown_cell("intro", INTRO),
             given_cell("given_imports", imports + "\n\n\n" + HELPERS)]
    for module in SUPPORT_MODULES:
        cells.append(markdown_cell(f"md_given_{module}",
                                   f"### Given code: `{module}` (read-only, use it)"))
        cells.append(given_cell(f"given_{module}", "\n\n\n".join(parts[module][1])))
    sources = {f: parts[MODULE_OF[f]][2][f] for f in FUNCTIONS}
    needs = dependencies(sources)
    placed: set[str] = set()  # modules whose given code is already in the notebook
    defined: set[str] = set()
    untested: list[str] = []  # in order; a test runs only once all it calls is defined
    for section, story, functions in SECTIONS:
        cells.append(markdown_cell(f"section_{section}", story))
        for function in functions:
            module = MODULE_OF[function]
            if module not in placed and parts[module][1]:
                cells.append(given_cell(f"given_{module}", "\n\n\n".join(parts[module][1])))
            placed.add(module)
            cells.append(markdown_cell(f"md_{function}", f"### `{function}`"))
            cells.append(solution_cell(function, sources[function]))
            defined.add(function)
            untested.append(function)
            ready = [f for f in untested if needs[f] <= defined]
            for ready_function in ready:
                cells.append(given_cell(f"examples_{ready_function}",
                                        examples_source(ready_function)))
                cells.append(test_cell(ready_function, points[ready_function]))
            untested = [f for f in untested if f not in ready]
    if untested:
        raise ValueError(f"SECTIONS: {untested} call functions that are never defined")
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def dumps(notebook: dict) -> str:
    """The notebook as nbformat writes it: one-space indent, sorted keys, a final newline."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected_notebooks(solutions_dir: Path = ROOT / "solutions") -> dict[str, str]:
    """File name -> the text that ``notebooks/`` must hold."""
    return {NOTEBOOK_NAME: dumps(make_notebook(solutions_dir))}


def _render_figures(folder: Path) -> list[Path]:
    """The notebook's PNG figures. Their bytes depend on the matplotlib version, so the drift
    check asks only that they exist; ``cnnlab build`` renders them afresh."""
    from cnnlab.figures.gallery import figures
    from cnnlab.figures.render import to_png

    makers = figures()
    written = []
    for stem in FIGURES:
        path = folder / f"{stem}.png"
        data = to_png(makers[stem]())
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    return written


def build_notebooks(solutions_dir: Path = ROOT / "solutions",
                    notebook_dir: Path = NOTEBOOK_DIR) -> list[Path]:
    """Write the notebook and its figures; return the files that changed."""
    notebook_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in expected_notebooks(solutions_dir).items():
        target = notebook_dir / name
        if not target.is_file() or target.read_text() != text:
            target.write_text(text)
            changed.append(target)
    return changed + _render_figures(notebook_dir / FIGURE_DIR)


def stale_notebooks(solutions_dir: Path = ROOT / "solutions",
                    notebook_dir: Path = NOTEBOOK_DIR) -> list[str]:
    """What is missing or out of date in ``notebooks/``."""
    stale = [name for name, text in expected_notebooks(solutions_dir).items()
             if not (notebook_dir / name).is_file()
             or (notebook_dir / name).read_text() != text]
    stale += [f"{FIGURE_DIR}/{stem}.png (missing)" for stem in FIGURES
              if not (notebook_dir / FIGURE_DIR / f"{stem}.png").is_file()]
    return stale


# --- the student's version -----------------------------------------------------------------

def strip_cell_source(text: str, cell: str = "<cell>") -> str:
    """A cell as students get it, as nbgrader's ``generate_assignment`` makes it: solution
    blocks become ``raise NotImplementedError()``, hidden tests disappear."""
    stripped = strip_solutions(text, cell, stub=("# YOUR CODE HERE", "raise NotImplementedError()"),
                               drop=((HIDDEN_BEGIN, HIDDEN_END),))
    return stripped.rstrip()


def release_notebook(notebook: dict) -> dict:
    """A copy of ``notebook`` with every solution and hidden test removed."""
    cells = []
    for cell in notebook["cells"]:
        cell = json.loads(json.dumps(cell))
        if cell["cell_type"] == "code":
            text = strip_cell_source("".join(cell["source"]), cell.get("id", "<cell>"))
            cell["source"] = text.splitlines(keepends=True)
        cells.append(cell)
    return {**notebook, "cells": cells}

