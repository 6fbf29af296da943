"""Generate the exercise notebook ``notebooks/cnn_exercises.ipynb`` from ``solutions/``, and
the students' version of it, ``notebooks/student/cnn_exercises.ipynb``.

One notebook holds all five exercise modules, in the order of the lecture. Why one and not
one per module: the lecture is one story (image -> weights -> convolution -> pooling ->
receptive field), later exercises call earlier ones (pooling may use ``conv2d``, the weight
counts use ``conv_output_size``) which in a notebook only works in one namespace, nbgrader
then has one assignment with one notebook, and a student hands in one file.

Cells (nbformat v4, written as JSON by this module):

* Markdown cells telling the lecture's story, read from ``notebooks/story/*.md`` (content,
  not code: edit the Markdown), with figures rendered by ``cnnlab.figures`` into
  ``notebooks/figures/``; a section's ``<n>_<section>.py``, if there is one, becomes a
  read-only cell at the end of the section (``story_code``: the experiment runs there);
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

The points of a test cell are the rubric's points for the function. The students' notebook is
made from this one by nbgrader's own ``generate_assignment`` preprocessors
(``student_notebook``): the one notebook that ``cnnlab release`` ships and that
``nbgrader generate_assignment`` releases in a course. The notebooks are never edited by
hand: ``cnnlab build`` writes them and ``cnnlab build --check`` reports drift.
"""

from __future__ import annotations

import ast
import inspect
import json
import pprint
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from cnnlab.build import ROOT
from cnnlab.catalog import EXERCISES, FUNCTIONS, MODULE_OF, RECORDS, SUPPORT_MODULES
from cnnlab.public_checks import CASES, RAISES, Case
from cnnlab.result_rules import named_in

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOK_NAME = "cnn_exercises.ipynb"
STUDENT_NOTEBOOK = f"student/{NOTEBOOK_NAME}"  # under NOTEBOOK_DIR: what students get
FIGURE_DIR = "figures"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SCHEMA_VERSION = 3
# Figures of cnnlab.figures.gallery shown in the notebook: stem -> where in the story.
FIGURES = ("connectivity", "weights_as_image", "conv_step", "feature_maps", "max_pool",
           "receptive_field")

# Given code at the top of the notebook: the support modules, and the experiment (which trains
# with the student's functions). Not a support module: the grader loads those before a hand-in.
GIVEN_MODULES: tuple[str, ...] = (*SUPPORT_MODULES, "experiment")

STORY_DIR = NOTEBOOK_DIR / "story"
INTRO = "intro"


def stories(story_dir: Path = STORY_DIR) -> list[tuple[str, str]]:
    """(section, its Markdown) in the order of the lecture: ``notebooks/story/<n>_<section>.md``,
    sorted by ``n``; ``0_intro.md`` opens the notebook. The graded functions of a section are
    those the catalog puts in it. A function's module may be split over sections, but every
    function is called only after the functions it uses are defined (output_shape needs
    pool_output_size, ...)."""
    files = sorted(story_dir.glob("*.md"), key=lambda p: int(p.stem.split("_", 1)[0]))
    found = [(p.stem.split("_", 1)[1], p.read_text().strip()) for p in files]
    if not found or found[0][0] != INTRO:
        raise ValueError(f"{story_dir}: the first story must be 0_{INTRO}.md")
    unknown = sorted({r.section for r in RECORDS} - {section for section, _ in found})
    if unknown:
        raise ValueError(f"the catalog puts exercises in section(s) {unknown}, which have no "
                         f"story in {story_dir} (<n>_<section>.md)")
    return found


def story_code(section: str, story_dir: Path = STORY_DIR) -> str | None:
    """The code that ends a section, if any: ``notebooks/story/<n>_<section>.py``, a
    read-only cell after the section's exercises (the experiment runs there)."""
    found = sorted(story_dir.glob(f"*_{section}.py"))
    return found[0].read_text().strip() if found else None


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


def _integer(value):
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_example(actual, expected):
    """A public example: raise AssertionError saying what is wrong (the kind of result, its
    shape, its values), as cnnlab check does."""
    if isinstance(expected, tuple) and all(_integer(n) for n in expected):  # a shape
        if not (isinstance(actual, tuple) and all(_integer(n) for n in actual)):
            raise AssertionError(f"expected a tuple of integers, got {actual!r}")
    elif isinstance(expected, tuple):  # several results at once: each must be right
        if not isinstance(actual, tuple | list) or len(actual) != len(expected):
            raise AssertionError(f"expected {len(expected)} results, got {actual!r}")
        for got, want in zip(actual, expected, strict=True):
            check_example(got, want)
        return
    elif _integer(expected) and not _integer(actual):  # a count or a size
        raise AssertionError(f"expected an integer, got {type(actual).__name__} {actual!r}")
    elif isinstance(expected, np.ndarray) and not isinstance(actual, np.ndarray):
        raise AssertionError(f"expected a numpy array, got {type(actual).__name__}")
    if np.shape(actual) != np.shape(expected):
        raise AssertionError(f"expected shape {np.shape(expected)}, got shape "
                             f"{np.shape(actual)}: expected {expected!r}, got {actual!r}")
    if not np.allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                       atol=1e-5):
        raise AssertionError(f"expected {expected!r}, got {actual!r}")


def check_raises(function, *args, **kwargs):
    """A public example: ``function(*args, **kwargs)`` must raise ValueError, with a message
    that names an argument (both are graded)."""
    try:
        result = function(*args, **kwargs)
    except ValueError as error:
        names = list(inspect.signature(function).parameters)
        if names and not named_in(str(error), names):
            raise AssertionError(
                f"{function.__name__} raised ValueError({str(error)!r}), but its message names "
                f"no argument: say which one is wrong and why ({', '.join(names)}), as the "
                "graded tests ask") from None
        return
    raise AssertionError(f"{function.__name__} should raise ValueError, returned {result!r}")


''' + inspect.getsource(named_in)  # the graded rule itself: a notebook runs without cnnlab
HELPER_IMPORTS = {"import contextlib", "import inspect", "import re",  # for HELPERS
                  "from collections.abc import Sequence"}


# --- reading the solutions -----------------------------------------------------------------

def module_parts(path: Path) -> tuple[list[str], list[str], dict[str, str]]:
    """(imports not from ``solutions``, other top-level code, graded function -> source) of
    one solution module. Top-level code keeps its order; the module docstring is dropped."""
    source = path.read_text()
    lines = source.splitlines()
    imports, given, functions = [], [], {}
    for index, node in enumerate(ast.parse(source).body):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        last = node.end_lineno or node.lineno
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
    if isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value):
        return "(\n" + ",\n".join(_indent(literal(v, width - 4), 4) for v in value) + ",\n)"
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
        import autograder.engine as engine  # developed separately: may be absent
    except ModuleNotFoundError as error:
        if error.name != "autograder.engine":
            raise
        print("notebooks: autograder/engine.py is not installed; every function gets 1 point",
              file=sys.stderr)
        return dict.fromkeys(FUNCTIONS, 1.0)
    rubric = engine.load_rubric()
    return {name: float(rubric.points_of(name)) for name in FUNCTIONS}


def import_block(lines: set[str]) -> str:
    """The imports as isort (ruff) orders them: standard library, then third party; one
    ``from`` line per module."""
    def key(line: str) -> tuple[bool, str]:
        return not line.startswith("import "), line
    lines = _one_from_line_per_module(lines)
    third = {line for line in lines if line.split()[1].split(".")[0] in THIRD_PARTY}
    groups = [sorted(lines - third, key=key), sorted(third, key=key)]
    return "\n\n".join("\n".join(group) for group in groups if group)


def _one_from_line_per_module(lines: set[str]) -> set[str]:
    """``from m import a`` and ``from m import b`` as ``from m import a, b``, the names in
    isort's order (constants, classes, then the rest)."""
    names: dict[str, set[str]] = {}
    for line in lines:
        if line.startswith("from "):
            module, imported = line.removeprefix("from ").split(" import ", 1)
            names.setdefault(module, set()).update(n.strip() for n in imported.split(","))

    def order(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[:1].isupper() else 2), name
    return ({line for line in lines if not line.startswith("from ")}
            | {f"from {m} import {', '.join(sorted(n, key=order))}" for m, n in names.items()})


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
                  points: dict[str, float] | None = None, story_dir: Path = STORY_DIR) -> dict:
    """The source notebook (with solutions and hidden tests) as a JSON-ready dict."""
    points = rubric_points() if points is None else points
    (_, intro), *sections = stories(story_dir)
    parts = {m: module_parts(solutions_dir / f"{m}.py")
             for m in (*GIVEN_MODULES, *EXERCISES)}
    imports = import_block(HELPER_IMPORTS | {line for m in parts for line in parts[m][0]})
    cells = [markdown_cell("intro", intro),
             given_cell("given_imports", imports + "\n\n\n" + HELPERS)]
    for module in GIVEN_MODULES:
        cells.append(markdown_cell(f"md_given_{module}",
                                   f"### Given code: `{module}` (read-only, use it)"))
        cells.append(given_cell(f"given_{module}", "\n\n\n".join(parts[module][1])))
    sources = {f: parts[MODULE_OF[f]][2][f] for f in FUNCTIONS}
    needs = dependencies(sources)
    placed: set[str] = set()  # modules whose given code is already in the notebook
    defined: set[str] = set()
    untested: list[str] = []  # in order; a test runs only once all it calls is defined
    for section, story in sections:
        cells.append(markdown_cell(f"section_{section}", story))
        for function in (r.function for r in RECORDS if r.section == section):
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
        code = story_code(section, story_dir)
        if code:
            cells.append(given_cell(f"run_{section}", code))
    if untested:
        raise ValueError(f"{untested} call functions that are never defined before them")
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def dumps(notebook: dict) -> str:
    """The notebook as nbformat writes it: one-space indent, sorted keys, a final newline."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected_notebooks(solutions_dir: Path = ROOT / "solutions") -> dict[str, str]:
    """File name (under ``notebooks/``) -> the text it must hold: the source notebook, and
    the student notebook made from it."""
    source = make_notebook(solutions_dir)
    return {NOTEBOOK_NAME: dumps(source), STUDENT_NOTEBOOK: student_notebook(source)}


def student_notebook(source: dict) -> str:
    """The notebook students get, made by nbgrader's own ``generate_assignment``
    preprocessors (solutions and hidden tests removed, cells locked, checksums), so that it is
    byte for byte what ``nbgrader generate_assignment`` releases from the source notebook:
    ``cnnlab release`` ships it, and a hand-in of it autogrades without changed checksums.
    Only ``SaveCells`` is left out: it records the cells in a course's gradebook."""
    try:
        import nbformat
        from nbgrader.converters.generate_assignment import GenerateAssignment
        from nbgrader.preprocessors import SaveCells
    except ModuleNotFoundError as error:
        raise RuntimeError("the student notebook is made with nbgrader's preprocessors: "
                           "install the test extras (pip install -e '.[test]')") from error
    notebook = nbformat.reads(dumps(source), as_version=4)
    resources = {"nbgrader": {"notebook": NOTEBOOK_NAME.removesuffix(".ipynb")}}
    for kind in GenerateAssignment.class_traits()["preprocessors"].default():
        if kind is not SaveCells:
            notebook, resources = kind().preprocess(notebook, resources)
    return nbformat.writes(notebook) + "\n"  # as nbconvert's writer ends the file


def release_notebook(source: dict) -> dict:
    """The students' notebook as a dict (``student_notebook``): what ``cnnlab release``
    ships, generated from the source notebook at that moment; ``dumps`` writes it back to
    the same bytes."""
    return json.loads(student_notebook(source))


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
    changed = []
    for name, text in expected_notebooks(solutions_dir).items():
        target = notebook_dir / name
        if not target.is_file() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
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
