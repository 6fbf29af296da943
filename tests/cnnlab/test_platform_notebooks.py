"""The exercise notebook: in sync with solutions/, one solution and one test cell per graded
function with nbgrader's metadata, the rubric's points, and ``hidden_points``' contract."""

from __future__ import annotations

import json
import math
import shutil

import nbformat
import pytest

from autograder.notebook import hidden_points, scaled_points
from cnnlab.build import BEGIN, END
from cnnlab.catalog import FUNCTIONS
from cnnlab.platforms import notebooks
from cnnlab.platforms.notebooks import HIDDEN_BEGIN, HIDDEN_END, NOTEBOOK_DIR, NOTEBOOK_NAME

NOTEBOOK = NOTEBOOK_DIR / NOTEBOOK_NAME


@pytest.fixture(scope="module")
def cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text())["cells"]


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def test_committed_notebook_is_what_the_build_writes():
    assert notebooks.stale_notebooks() == []


def test_drift_is_detected(tmp_path):
    notebooks.build_notebooks(notebook_dir=tmp_path)
    (tmp_path / NOTEBOOK_NAME).write_text(NOTEBOOK.read_text().replace("conv2d", "conv_2d", 1))
    assert NOTEBOOK_NAME in notebooks.stale_notebooks(notebook_dir=tmp_path)


def test_notebook_is_valid_nbformat_v4():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4


def test_every_function_has_exactly_one_solution_cell(cells):
    solution_ids = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c).get("solution")]
    assert sorted(solution_ids) == sorted(FUNCTIONS)


def test_every_function_has_exactly_one_test_cell(cells):
    test_ids = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c).get("grade")]
    assert sorted(test_ids) == sorted(f"test_{f}" for f in FUNCTIONS)


def test_solution_cells_have_nbgrader_solution_metadata(cells):
    for cell in cells:
        if _nbgrader(cell).get("solution"):
            meta = _nbgrader(cell)
            assert (meta["grade"], meta["locked"], meta["schema_version"]) == (False, False, 3)


def test_test_cells_are_locked_graded_and_not_solutions(cells):
    for cell in cells:
        if _nbgrader(cell).get("grade"):
            meta = _nbgrader(cell)
            assert (meta["locked"], meta["solution"], meta["schema_version"]) == (True, False, 3)


def test_solution_cells_hold_the_reference_between_markers(cells):
    for cell in cells:
        if _nbgrader(cell).get("solution"):
            text = _source(cell)
            assert text.count(BEGIN) >= 1 and text.count(BEGIN) == text.count(END)
            assert text.startswith(f"def {_nbgrader(cell)['grade_id']}(")


def test_test_cells_end_with_the_hidden_grading_call(cells):
    for cell in cells:
        meta = _nbgrader(cell)
        if meta.get("grade"):
            function = meta["grade_id"].removeprefix("test_")
            hidden = _source(cell).split(HIDDEN_BEGIN)[1].split(HIDDEN_END)[0].strip()
            lines = hidden.splitlines()
            assert lines[0] == "from autograder.notebook import hidden_points"
            assert lines[-1] == f"hidden_points({function!r}, globals(), {meta['points']!r})"


def test_points_are_the_declared_points(cells):
    """Read from the declarations beside the checks, not through the rubric code that built
    the cells."""
    from autograder.checks import graded
    points = {_nbgrader(c)["grade_id"].removeprefix("test_"): _nbgrader(c)["points"]
              for c in cells if _nbgrader(c).get("grade")}
    assert points == {g.function: g.points for g in graded()}


def test_the_story_cells_are_the_markdown_files(cells):
    """The lecture's story is content: each notebooks/story/*.md file is one cell, as is."""
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    files = sorted((NOTEBOOK_DIR / "story").glob("*.md"))
    assert files and all(p.read_text().strip() in markdown for p in files)


def test_a_section_without_a_story_is_refused(tmp_path):
    story = tmp_path / "story"
    shutil.copytree(NOTEBOOK_DIR / "story", story)
    (story / "3_pooling.md").unlink()
    with pytest.raises(ValueError, match=r"\['pooling'\], which have no story"):
        notebooks.make_notebook(points=dict.fromkeys(FUNCTIONS, 1.0), story_dir=story)


def test_given_support_cells_are_locked(cells):
    given = {_nbgrader(c)["grade_id"]: _nbgrader(c) for c in cells
             if _nbgrader(c).get("grade_id", "").startswith("given_")}
    assert {"given_validation", "given_architecture"} <= set(given)
    assert all(meta["locked"] and not meta["solution"] for meta in given.values())


def test_lecture_numbers_are_told(cells):
    story = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    for fact in ("1728", "**15**", "**9**", "**3**", "receptive field", "ax-pooling"):
        assert fact in story


def test_figures_referenced_in_markdown_exist(cells):
    story = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    referenced = {line.split("](")[1].rstrip(")") for line in story.splitlines()
                  if line.startswith("![")}
    assert referenced and all((NOTEBOOK_DIR / path).is_file() for path in referenced)


def test_reference_notebook_runs_top_to_bottom_without_hidden_tests(cells):
    namespace: dict = {}
    for cell in cells:
        if cell["cell_type"] == "code":
            exec(_source(cell).split(HIDDEN_BEGIN)[0], namespace)  # public examples pass
    assert all(callable(namespace[f]) for f in FUNCTIONS)


STUDENT = NOTEBOOK_DIR / notebooks.STUDENT_NOTEBOOK


def test_the_students_notebook_has_no_solution_or_hidden_test():
    text = STUDENT.read_text()
    assert BEGIN not in text and HIDDEN_BEGIN not in text and "hidden_points" not in text


def test_the_students_notebook_has_the_same_cells_locked_and_checksummed(cells):
    """nbgrader's generate_assignment made it: the same cell ids, every nbgrader cell with a
    checksum, the given and test cells neither deletable nor editable."""
    student = json.loads(STUDENT.read_text())["cells"]
    assert [c.get("id") for c in student] == [c.get("id") for c in cells]
    graded = [c for c in student if _nbgrader(c)]
    assert graded and all(_nbgrader(c).get("checksum") for c in graded)
    assert all(c["metadata"].get("editable") is False and c["metadata"].get("deletable") is False
               for c in graded if _nbgrader(c)["locked"])


def test_strip_refuses_an_unclosed_solution():
    from cnnlab.build import strip_solutions
    with pytest.raises(ValueError, match="never closed"):
        strip_solutions(f"def f():\n    {BEGIN}\n    return 1\n")


# --- hidden_points -------------------------------------------------------------------------

def test_scaled_points_clamps_to_the_cell_points():
    assert (scaled_points(5, 4, 2.0), scaled_points(-1, 4, 2.0)) == (2.0, 0.0)


def test_scaled_points_is_zero_for_a_zero_maximum():
    assert scaled_points(1, 0, 2.0) == 0.0


def _reference_namespace() -> dict:
    import solutions.convolution
    import solutions.padding
    return {**vars(solutions.padding), **vars(solutions.convolution)}


def test_hidden_points_gives_full_points_to_the_reference(capsys):
    assert hidden_points("conv2d", _reference_namespace(), 3.0) == 3.0


def test_hidden_points_gives_zero_to_a_crashing_function(capsys):
    def conv2d(image, kernel, padding=0, stride=1):
        raise RuntimeError("boom")
    assert hidden_points("conv2d", {**_reference_namespace(), "conv2d": conv2d}, 3.0) == 0.0


def test_hidden_points_prints_the_failing_example_to_stdout(capsys):
    def relu(x):
        return x  # forgets the clipping
    hidden_points("relu", {"relu": relu}, 1.0)
    assert "expected" in capsys.readouterr().out


def test_hidden_points_writes_nothing_to_stderr(capsys):
    import sys
    import warnings

    def sigmoid(x):
        warnings.warn("noisy", stacklevel=1)
        print("debug output", file=sys.stderr)
        raise ValueError("bad")
    hidden_points("sigmoid", {"sigmoid": sigmoid}, 1.0)
    assert capsys.readouterr().err == ""


def test_hidden_points_returns_zero_for_an_unknown_function(capsys):
    result = hidden_points("no_such_function", {}, 2.0)
    assert result == 0.0 and not math.isnan(result)


def test_the_students_notebook_on_stubs_runs_to_the_end(tmp_path):
    """Executed with nbclient, as a student would: every examples cell and the experiment
    (which trains with the functions) report "not implemented yet" and no cell raises."""
    from nbclient import NotebookClient
    released = nbformat.read(STUDENT, as_version=4)
    NotebookClient(released, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    # A cell's stdout may arrive in several chunks (a line's newline on its own when the
    # machine is busy): join each cell's chunks before splitting it into lines.
    printed = ["".join(out.get("text", "") for out in cell.get("outputs", [])
                       if out.get("name") == "stdout")
               for cell in released.cells if cell.cell_type == "code"]
    said = [line for text in printed for line in text.splitlines()]
    assert sorted(said) == sorted(f"{f}: not implemented yet"
                                  for f in (*FUNCTIONS, "experiment"))


def _helpers() -> dict:
    """The notebook's own helper cell, run with its imports (as in the notebook, without
    cnnlab)."""
    import numpy as np
    namespace: dict = {"np": np}
    exec("\n".join(sorted(notebooks.HELPER_IMPORTS)) + "\n" + notebooks.HELPERS, namespace)
    return namespace


def test_the_notebooks_raises_check_asks_the_message_to_name_an_argument():
    """As ``cnnlab check`` and the graded tests: a ValueError whose message names no argument
    fails the public example; naming one in any case, or as ``pad=-1``, passes."""
    check_raises = _helpers()["check_raises"]

    message = ""

    def zero_pad(x, pad):
        raise ValueError(message)
    for named in ("Pad must not be negative", "bad value (pad=-1)", "x must be 1-D"):
        message = named
        check_raises(zero_pad, [1.0], -1)
    message = "must not be negative, got -1"
    with pytest.raises(AssertionError, match="names no argument: say which one is wrong and "
                                             r"why \(x, pad\)"):
        check_raises(zero_pad, [1.0], -1)


@pytest.mark.parametrize(("actual", "expected", "told"), [
    (3.0, 3, "expected an integer, got float 3.0"),  # np.floor(...) + 1
    ("list", "array", "expected a numpy array, got list"),
    ((2, 2.0), (2, 2), "expected a tuple of integers"),
    ("4x4", "2x2", "expected shape (2, 2), got shape (4, 4)"),
    ("ones", "array", "expected array([[4.]]), got array([[1.]])"),
])
def test_the_notebooks_example_check_rules_as_cnnlab_check_does(actual, expected, told):
    """The notebook's own check of a public example (it runs without cnnlab installed) holds
    a result to the rules ``cnnlab check`` applies: kind, shape, values."""
    import numpy as np
    namespace = _helpers()
    arrays = {"array": np.array([[4.0]]), "ones": np.array([[1.0]]), "2x2": np.zeros((2, 2)),
              "4x4": np.zeros((4, 4)), "list": [[4.0]]}
    with pytest.raises(AssertionError) as raised:
        namespace["check_example"](arrays.get(actual, actual), arrays.get(expected, expected))
    assert told in str(raised.value)
    namespace["check_example"](np.int64(3), 3)  # a numpy integer is an integer
    namespace["check_example"]((np.int64(2), 2), (2, 2))
