"""What the grader writes (CSV, feedback, Gradescope JSON, report) and how it reads hand-ins."""

import csv
import json
import zipfile

import numpy as np
import pytest
from scipy import stats

from autograder import outputs, report
from autograder.results import CheckResult, FailingExample, FunctionResult, SubmissionResult
from autograder.submissions import SubmissionError, find_candidates, notebook_modules, prepare
from cnnlab.catalog import FUNCTIONS


def _result(student: str, conv2d_points: float, failed_example: bool = False):
    example = FailingExample("conv2d(image=array([[1.]]), kernel=array([[2.]]))", "[[2.]]",
                             "[[0.]]") if failed_example else None
    check = CheckResult("conv2d", "conv2d.matches_reference", "agrees with the lecture's "
                        "formula", 2.0, conv2d_points, 100,
                        "" if conv2d_points == 2.0 else "values differ", example)
    functions = [FunctionResult(f, 2.0, conv2d_points, [check]) if f == "conv2d"
                 else FunctionResult(f, 1.0, 1.0) for f in FUNCTIONS]
    return SubmissionResult(student, functions, notes=["modules found: convolution.py"])


def test_grades_csv_has_exactly_the_specified_columns(tmp_path):
    outputs.write_grades_csv([_result("bob", 0.5), _result("alice", 2.0)], tmp_path / "g.csv")
    rows = list(csv.reader((tmp_path / "g.csv").read_text().splitlines()))
    assert rows[0] == ["student", "score", "max_score", *FUNCTIONS]
    assert [r[0] for r in rows[1:]] == ["alice", "bob"]
    bob = dict(zip(rows[0], rows[2], strict=True))
    # every other function 1 of 1 point, conv2d 0.5 of 2
    n = len(FUNCTIONS)
    assert (bob["score"], bob["max_score"], bob["conv2d"], bob["relu"]) == \
        (f"{n - 0.5:g}", f"{n + 1}", "0.5", "1")


def test_feedback_shows_the_failing_input_unless_brief():
    full = outputs.feedback_markdown(_result("bob", 0.0, failed_example=True))
    brief = outputs.feedback_markdown(_result("bob", 0.0, failed_example=True), "brief")
    assert f"**Score: {len(FUNCTIONS) - 1} / {len(FUNCTIONS) + 1}**" in full
    assert "conv2d(image=array([[1.]]), kernel=array([[2.]]))" in full
    assert "[[2.]]" in full and "[[0.]]" in full and "values differ" in full
    assert "values differ" in brief and "kernel=array" not in brief
    assert "modules found: convolution.py" in full


def test_gradescope_results_follow_the_format():
    data = json.loads(json.dumps(outputs.gradescope_results(_result("bob", 0.5), 1.25)))
    assert data["score"] == len(FUNCTIONS) - 0.5 and data["execution_time"] == 1.25
    assert len(data["tests"]) == len(FUNCTIONS)
    conv2d = next(t for t in data["tests"] if t["name"] == "conv2d")
    assert (conv2d["score"], conv2d["max_score"], conv2d["status"]) == (0.5, 2.0, "failed")
    assert conv2d["visibility"] == "visible" and "values differ" in conv2d["output"]
    assert sum(t["score"] for t in data["tests"]) == data["score"]


def test_discrimination_is_the_point_biserial_correlation():
    rng = np.random.default_rng(1)
    passed = rng.integers(0, 2, 30).astype(float)
    rest = passed * 3 + rng.normal(size=30)
    expected = stats.pointbiserialr(passed.astype(bool), rest).statistic
    assert report.point_biserial(passed, rest) == pytest.approx(expected)
    assert report.point_biserial(np.ones(5), np.arange(5.0)) is None  # everyone passed


def test_the_report_has_plots_statistics_and_common_mistakes(tmp_path):
    results = [_result(f"s{i}", 2.0 if i < 3 else 0.0) for i in range(5)]
    report.write_report(results, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    # grades and per function; no discrimination chart: the rest-scores are all equal
    assert page.count("data:image/png;base64,") == 2
    assert "2/5 (40%)" in page  # conv2d.matches_reference failed by s3 and s4
    assert "2 students</b>: conv2d: values differ" in page
    row = next(s for s in report.check_statistics(results) if s.check == "conv2d.matches_reference")
    assert row.failed == 2 and row.discrimination is None  # rest-scores are all equal


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("members", [
    {"../evil.py": b"x = 1"},  # zip slip
    {"/etc/evil.py": b"x = 1"},
    {"big.py": b"#" * (21 * 2**20)},  # a zip bomb: tiny packed, 21 MB unpacked
])
def test_unsafe_zips_are_refused_with_a_note(tmp_path, members):
    root = tmp_path / "class"
    root.mkdir()
    _zip(root / "mallory.zip", members)
    (candidate,) = find_candidates(root)
    submission = prepare(candidate, tmp_path / "work")
    assert submission.sources == {}
    assert any("could not be read" in note for note in submission.notes)
    assert not (tmp_path / "evil.py").exists()


def test_a_zip_of_a_folder_and_the_nbgrader_layout_are_found(tmp_path):
    root = tmp_path / "course" / "submitted"
    (root / "alice" / "ps1").mkdir(parents=True)
    (root / "alice" / "ps1" / "padding.py").write_text("def same_padding(k):\n    return 1\n")
    _zip(root / "bob.zip", {"bob/receptive_field.py": b"def receptive_field(l):\n    return 1\n"})
    candidates = find_candidates(tmp_path / "course")
    assert [c.student for c in candidates] == ["alice", "bob"]
    assert set(prepare(candidates[0], tmp_path / "w").sources) == {"padding"}
    assert set(prepare(candidates[1], tmp_path / "w").sources) == {"receptive_field"}


def test_two_hand_ins_of_one_student_and_a_missing_folder_are_errors(tmp_path):
    (tmp_path / "alice").mkdir()
    _zip(tmp_path / "alice.zip", {"padding.py": b""})
    with pytest.raises(ValueError, match="two hand-ins for student 'alice'"):
        find_candidates(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_candidates(tmp_path / "nope")


def test_the_digest_changes_with_the_code(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "padding.py").write_text("x = 1\n")
    before = find_candidates(tmp_path)[0].digest
    (tmp_path / "alice" / "padding.py").write_text("x = 2\n")
    assert find_candidates(tmp_path)[0].digest != before


def _notebook(path, cells: list[str]):
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {},
                                           "outputs": [], "execution_count": None}
                                          for c in cells], "nbformat": 4, "nbformat_minor": 5,
                                "metadata": {}}))
    return path


def test_a_notebook_s_graded_function_bound_without_a_def_is_kept(tmp_path):
    """As in a .py module: relu as a lambda, sigmoid as an imported name, and a function that
    falls back to its own expit where scipy is missing (a try of definitions only)."""
    notebook = _notebook(tmp_path / "ex.ipynb", [
        "import numpy as np\nrelu = lambda x: np.maximum(np.asarray(x), 0)",
        "try:\n    from scipy.special import expit\nexcept ImportError:\n"
        "    def expit(x):\n        return 1 / (1 + np.exp(-x))",
        "def sigmoid(x):\n    return expit(np.asarray(x, dtype=float))",
        "from math import floor as pool_output_size_floor\nimage = np.load('brain.npy')",
    ])
    namespace: dict = {}
    exec(compile(notebook_modules(notebook)["convolution"], "convolution", "exec"), namespace)
    assert namespace["relu"](-1) == 0 and namespace["sigmoid"](0.0) == 0.5
    assert "image" not in namespace and "pool_output_size_floor" not in namespace


def test_notebook_cells_become_modules_without_magics_or_runs(tmp_path):
    notebook = _notebook(tmp_path / "ex.ipynb", [
        "%matplotlib inline\nimport numpy as np",
        "def relu(x):\n    return np.maximum(x, 0)",
        "print(relu(-1))\nassert relu(2) == 3\nout = relu(np.ones(2))",
        "!pip install torch\nSCALE = 2\n\n@staticmethod\ndef receptive_field(layers):\n"
        "    return SCALE",
        "def conv1d(x, w)\n    pass",  # a syntax error stays in its own module
    ])
    modules = notebook_modules(notebook)
    assert set(modules) == {"convolution", "receptive_field"}
    namespace = {}
    exec(compile(modules["receptive_field"], "rf", "exec"), namespace)
    assert namespace["receptive_field"]([]) == 2 and "out" not in namespace
    with pytest.raises(SyntaxError):
        compile(modules["convolution"], "convolution", "exec")
    (tmp_path / "bad.ipynb").write_text("{")
    with pytest.raises(SubmissionError, match="not a readable notebook"):
        notebook_modules(tmp_path / "bad.ipynb")


def test_a_notebooks_data_and_colab_cells_do_not_stop_its_functions_importing(tmp_path):
    # The student's data file and Colab are not in the sandbox: kept, these statements failed
    # the module's import and cost every function in it.
    notebook = _notebook(tmp_path / "ex.ipynb", [
        "from google.colab import drive\nimport numpy as np\nimport matplotlib.pyplot as plt",
        "image = plt.imread('/content/drive/MyDrive/brain.png')\nSCALE = np.int64(2)",
        "def relu(image):\n    image = np.asarray(image)\n    return SCALE * np.maximum(image, 0)",
    ])
    namespace: dict = {}
    exec(compile(notebook_modules(notebook)["convolution"], "convolution", "exec"), namespace)
    assert namespace["relu"](-1) == 0 and namespace["relu"](3) == 6
    assert "image" not in namespace and "drive" not in namespace


def test_definitions_under_a_time_or_capture_magic_are_kept_and_other_cell_magics_not(
        tmp_path):
    notebook = _notebook(tmp_path / "ex.ipynb", [
        "%%time\ndef relu(x):\n    return max(x, 0)",
        "%%capture captured\ndef sigmoid(x):\n    return 0.5",
        "%%bash\ndef receptive_field(layers):\n    return 1",
    ])
    modules = notebook_modules(notebook)
    assert set(modules) == {"convolution"}
    namespace: dict = {}
    exec(compile(modules["convolution"], "convolution", "exec"), namespace)
    assert namespace["relu"](-2) == 0 and namespace["sigmoid"](1) == 0.5


def test_an_output_folder_inside_submissions_is_no_student(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "out" / "feedback").mkdir(parents=True)
    assert [c.student for c in find_candidates(tmp_path, exclude=tmp_path / "out")] == ["alice"]


def test_windows_separators_and_backslash_traversal_in_zips(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    _zip(root / "win.zip", {"win\\padding.py": b"def same_padding(k):\n    return 1\n"})
    _zip(root / "evil.zip", {"..\\..\\evil.py": b"x = 1"})
    evil, win = find_candidates(root)
    assert set(prepare(win, tmp_path / "w").sources) == {"padding"}
    assert prepare(evil, tmp_path / "w").sources == {}
    assert not list(tmp_path.rglob("evil.py"))


def test_student_ids_are_safe_as_file_names_and_in_spreadsheets(tmp_path):
    for name in (".._x", "=cmd|calc", "@SUM(A1)", "anna maria"):
        (tmp_path / name).mkdir()
    ids = [c.student for c in find_candidates(tmp_path)]
    assert ids == ["_SUM_A1_", "_cmd_calc", "anna_maria"]  # hidden .._x is no student


def test_a_student_without_check_results_for_a_function_failed_its_checks():
    graded, missing = _result("alice", 2.0), _result("bob", 0.0)
    conv2d = next(f for f in missing.functions if f.function == "conv2d")
    conv2d.checks, conv2d.note = [], "convolution.py was not handed in"
    row = next(s for s in report.check_statistics([graded, missing])
               if s.check == "conv2d.matches_reference")
    assert (row.failed, row.students) == (1, 2)


def _with(function: str, note: str = "", named: list[str] | None = None, points: float = 0.0,
          student: str = "s") -> SubmissionResult:
    functions = [FunctionResult(f, 1.0, points, note=note, misconceptions=named or [])
                 if f == function else FunctionResult(f, 1.0, 1.0) for f in FUNCTIONS]
    return SubmissionResult(student, functions)


def test_the_report_counts_misconceptions_and_keeps_not_handed_in_apart(tmp_path):
    results = [_with("conv2d", named=["conv2d.flipped_kernel"], student=f"a{i}")
               for i in range(7)]
    results += [_with("dense_weights", note="weights.py was not handed in", student=f"b{i}")
                for i in range(9)]
    stats = {s.function: s for s in report.function_statistics(results)}
    assert (stats["conv2d"].full, stats["conv2d"].wrong, stats["conv2d"].absent) == (9, 7, 0)
    assert (stats["dense_weights"].wrong, stats["dense_weights"].absent) == (0, 9)
    assert report.misconception_counts(results)[0][:2] == ("conv2d.flipped_kernel", 7)
    assert report.common_failures(results) == []  # not handed in is not a mistake to explain
    page = report.report_html(results)
    assert "7 students</b> flipped the kernel" in page


def test_the_report_escapes_student_text():
    check = CheckResult("conv2d", "conv2d.x", "d", 1.0, 0.0, 1, "raised",
                        FailingExample("c", "e", "raised Exception: x\nat <script>alert(1)"
                                       "</script>.py, line 1: pass"))
    result = SubmissionResult("<img src=x onerror=alert(1)>", [
        FunctionResult("conv2d", 1.0, 0.0, [check])])
    page = report.report_html([result])
    assert "<script>alert" not in page and "<img src=x" not in page
    assert report.located_errors([result]) == [
        ("<script>alert(1)</script>.py, line 1: pass", 1)]


def test_students_named_like_another_s_feedback_files_overwrite_nothing(tmp_path):
    """A hand-in may be called "zz.md": its pictures' folder must not be zz's feedback file."""
    from dataclasses import replace
    arrays = {"input": [[1.0]], "expected": [[2.0]], "actual": [[0.0]]}
    for student in ("zz.md", "zz", "zz.html"):
        result = _result(student, 0.0, failed_example=True)
        conv2d = result.functions[FUNCTIONS.index("conv2d")]
        conv2d.checks[0].example = replace(conv2d.checks[0].example, arrays=arrays)
        outputs.write_feedback(result, tmp_path)
        outputs.write_feedback_html(result, tmp_path)
    for student in ("zz.md", "zz", "zz.html"):
        assert f"# Feedback for {student}" in (tmp_path / f"{student}.md").read_text()
        assert student in (tmp_path / f"{student}.html").read_text()
        (picture,) = (tmp_path / f"{student}.pictures").glob("*.png")
        assert picture.read_bytes().startswith(b"\x89PNG")
