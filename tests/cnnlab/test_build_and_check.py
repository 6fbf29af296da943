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

import numpy as np
import pytest
from spec_functions import REQUIRED, SPEC3

from cnnlab.build import stale_exercises
from cnnlab.catalog import EXERCISES, FUNCTIONS, MODULE_OF

ROOT = Path(__file__).resolve().parents[2]

# The reference modules with docstring examples (validation.py has none).
SOLUTION_MODULES = [*EXERCISES, "architecture"]
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


def test_every_graded_function_is_in_spec_3_in_its_module():
    spec = {(module, f) for module, functions in SPEC3.items() for f in functions}
    assert {(MODULE_OF[f], f) for f in FUNCTIONS} - spec == set()


def test_every_function_of_spec_3_is_graded():
    assert set(REQUIRED) - set(FUNCTIONS) == set()


def test_check_of_the_stubs_reports_every_function_not_implemented():
    status, statuses = run_check("exercises")
    assert (status, statuses) == (1, dict.fromkeys(FUNCTIONS, "not implemented yet"))


def test_check_of_the_solutions_passes_every_function():
    status, statuses = run_check("solutions")
    assert (status, statuses) == (0, dict.fromkeys(FUNCTIONS, "passed"))


def test_check_reports_exactly_the_one_implemented_function(tmp_path):
    folder = copy_exercises(tmp_path / "mine")
    module = folder / "convolution.py"
    source = module.read_text()
    start = source.index("def relu(")
    stub = "# YOUR CODE HERE\n    raise NotImplementedError"
    at = source.index(stub, start)  # the first stub after relu's signature is relu's
    module.write_text(source[:at] + "return np.maximum(x, 0)" + source[at + len(stub):])
    status, statuses = run_check(folder)
    expected = dict.fromkeys(FUNCTIONS, "not implemented yet") | {"relu": "passed"}
    assert (status, statuses) == (1, expected)


@pytest.mark.parametrize("name", SOLUTION_MODULES)
def test_docstring_examples_of_the_reference_hold(name):
    module = importlib.import_module(f"solutions.{name}")
    # The public examples are these: the reference must agree with every hand-worked value.
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE
                             | doctest.IGNORE_EXCEPTION_DETAIL)
    assert (result.failed, result.attempted > 0) == (0, True)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_stub_says_what_is_graded(name):
    module = importlib.import_module(f"exercises.{MODULE_OF[name]}")
    doc = inspect.getdoc(getattr(module, name))
    assert "\nRaises:\n" in doc and "must not be modified" in doc


# --- the public examples: written once, in the reference's docstrings ---------------------------

def _documented(x, pad=0):
    """A stand-in with every kind of example.

    Examples:
        >>> x = np.array([1, 2])

        the lecture's first example,
        over two lines:

        >>> _documented(x, pad=1)
        array([[1, 2],
        <BLANKLINE>
               [3, 4]])
        >>> _documented(x)
        (2, 3)

        a negative pad:

        >>> _documented(x, -1)
        Traceback (most recent call last):
        ValueError: pad must not be negative
    """


def test_docstring_examples_become_public_checks():
    from cnnlab.docstring_examples import cases_of
    from cnnlab.public_checks import RAISES
    cases = cases_of(_documented)
    assert [(c.function, [np.asarray(a).tolist() for a in c.args], c.kwargs, c.why)
            for c in cases] == [
        ("_documented", [[1, 2]], {"pad": 1}, "the lecture's first example, over two lines"),
        ("_documented", [[1, 2]], {}, ""),
        ("_documented", [[1, 2], -1], {}, "a negative pad")]
    assert cases[0].expected.tolist() == [[1, 2], [3, 4]] and cases[1].expected == (2, 3)
    assert cases[2].expected is RAISES


def test_an_example_that_is_not_a_call_of_the_function_is_refused():
    from cnnlab.docstring_examples import ExampleError, cases_of

    def conv2d(image):
        """Examples:
            >>> print(conv2d(1))
            1
        """
    with pytest.raises(ExampleError, match="neither a call of conv2d nor a binding"):
        cases_of(conv2d)


def test_the_public_checks_are_the_docstring_examples():
    """The generated CASES hold what the docstrings say (the build's own drift check)."""
    from cnnlab.build import PUBLIC_CASES
    assert PUBLIC_CASES.stale() == []


def test_an_edited_generated_block_is_detected(tmp_path):
    from cnnlab.build import GeneratedBlock, MarkerError
    path = tmp_path / "module.py"
    path.write_text("x = 1\n# BEGIN GENERATED DATA\nDATA = 2\n# END GENERATED DATA\n")
    block = GeneratedBlock(path, "DATA", lambda: "DATA = 3\n")
    assert block.stale() == [str(path)]
    assert block.build() == [path] and block.stale() == []
    assert path.read_text() == "x = 1\n# BEGIN GENERATED DATA\nDATA = 3\n# END GENERATED DATA\n"
    path.write_text("DATA = 3\n")
    with pytest.raises(MarkerError, match="BEGIN GENERATED DATA"):
        block.stale()


# --- cnnlab new-exercise -------------------------------------------------------------------------

def _tree(tmp_path: Path, module: str) -> Path:
    """The two hand-written files of ``module`` and its reference test, in a scratch tree."""
    for part in (f"solutions/{module}.py", f"autograder/checks/{module}.py",
                 f"tests/solutions/test_reference_{module}.py"):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / part, tmp_path / part)
    return tmp_path


def test_new_exercise_appends_skeletons_to_the_module_files(tmp_path):
    import ast

    from cnnlab.new_exercise import write_skeletons
    root = _tree(tmp_path, "convolution")
    written = write_skeletons("strided_sum", "convolution", root=root)
    assert [p.relative_to(root).as_posix() for p in written] == [
        "solutions/convolution.py", "autograder/checks/convolution.py",
        "tests/solutions/test_reference_convolution.py"]
    tree = ast.parse((root / "autograder/checks/convolution.py").read_text())
    exercises = [n for n in tree.body if isinstance(n, ast.Assign)
                 and n.targets[0].id == "EXERCISES"]
    assert [e.id for e in exercises[0].value.elts][-1] == "STRIDED_SUM"
    assert tree.body[-1] is exercises[0]  # after the block that defines it
    reference = (root / "solutions/convolution.py").read_text()
    assert "def strided_sum(" in reference and reference.count("### BEGIN SOLUTION") == \
        (ROOT / "solutions/convolution.py").read_text().count("### BEGIN SOLUTION") + 1
    assert "def test_strided_sum_agrees_with_an_independent_oracle" in (
        root / "tests/solutions/test_reference_convolution.py").read_text()


def test_new_exercise_refuses_a_graded_name_and_given_code(tmp_path):
    from cnnlab.new_exercise import write_skeletons
    with pytest.raises(ValueError, match="conv2d is already graded"):
        write_skeletons("conv2d", "convolution", root=_tree(tmp_path, "convolution"))
    with pytest.raises(ValueError, match="validation is given code"):
        write_skeletons("helper", "validation", root=tmp_path)


def test_new_exercise_prints_the_checklist():
    done = subprocess.run([sys.executable, "-m", "cnnlab", "new-exercise", "conv2d",
                           "--module", "convolution"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 2 and "already graded" in done.stderr
    helped = subprocess.run([sys.executable, "-m", "cnnlab", "new-exercise", "--help"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert "--module" in helped.stdout


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


def test_check_says_a_notebook_beside_the_modules_is_not_read_here(tmp_path):
    """convolution.py's functions only in the notebook: the grader reads them from it,
    cnnlab check does not, and says so rather than leave 'not implemented yet' unexplained."""
    folder = copy_exercises(tmp_path / "mine")
    (folder / "convolution.py").unlink()
    (folder / "cnn_exercises.ipynb").write_text("{}")
    completed = subprocess.run([sys.executable, "-m", "cnnlab", "check", str(folder)],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ("Note: convolution.py not found beside cnn_exercises.ipynb: cnnlab check reads "
            ".py modules only") in completed.stdout
    completed = subprocess.run([sys.executable, "-m", "cnnlab", "check", str(ROOT / "exercises")],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Note:" not in completed.stdout


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


def test_check_says_where_a_function_written_in_another_module_goes(tmp_path):
    """relu written in padding.py: its own module's stub would say "not implemented"."""
    from cnnlab.check import check_folder
    folder = copy_exercises(tmp_path / "mine")
    reference = (ROOT / "solutions" / "convolution.py").read_text()
    relu = reference[reference.index("def relu("):reference.index("def sigmoid(")]
    (folder / "padding.py").write_text((folder / "padding.py").read_text() + "\n\n" + relu)
    (folder / "convolution.py").unlink()
    outcomes = {o.function: o for o in check_folder(folder)}
    assert outcomes["relu"].status == "failing"
    assert outcomes["relu"].details == [
        "convolution.py is not in this folder; padding.py defines relu: move it to "
        "convolution.py, where its stub is (each function is graded from its stub's module)"]
    assert outcomes["conv2d"].status == "not implemented yet"  # nowhere else: the stub's


def test_check_of_one_file_holding_everything_says_where_the_functions_go(tmp_path):
    (tmp_path / "my_solution.py").write_text(
        "def zero_pad(x, pad):\n    pass\n\n\ndef conv1d(x, w):\n    pass\n")
    completed = subprocess.run([sys.executable, "-m", "cnnlab", "check", str(tmp_path)],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert ("my_solution.py defines zero_pad, conv1d: each function goes in the module of its "
            "stub (padding.py, ...)") in completed.stderr


def test_check_runs_a_module_without_the_line_that_raised_at_import_and_says_so(tmp_path):
    """The example student whose pooling.py loads a file only their laptop has."""
    folder = shutil.copytree(ROOT / "examples" / "class" / "s008_crashing_import",
                             tmp_path / "s008")
    _, statuses = run_check(folder)
    assert statuses["max_pool"] == "passed"  # before: "does not import", failing
    completed = subprocess.run([sys.executable, "-m", "cnnlab", "check", str(folder)],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ("Note: pooling.py raised at import, outside any function (line 4: "
            "FileNotFoundError: ") in completed.stdout


def test_an_exception_whose_message_raises_is_still_reported(tmp_path):
    from cnnlab.check import check_folder
    folder = copy_exercises(tmp_path / "mine")
    (folder / "pooling.py").write_text((folder / "pooling.py").read_text() + (
        "\n\nclass Nasty(Exception):\n    def __str__(self):\n        raise RuntimeError\n\n\n"
        "raise Nasty()\n"))
    notes: list[str] = []
    check_folder(folder, notes)
    (note,) = notes
    assert note.startswith("pooling.py raised at import, outside any function (line ")
    assert "Nasty: (its message could not be read)" in note


def test_check_stops_a_module_that_loops_at_import_and_runs_the_rest(tmp_path, monkeypatch):
    """A demo at the bottom of pooling.py that never ends: the student's own check used to
    hang with it; now that line is left out after the time limit, as the grader does."""
    import cnnlab.check
    monkeypatch.setattr(cnnlab.check, "SECONDS_PER_IMPORT", 1)
    folder = copy_exercises(tmp_path / "mine")
    text = (ROOT / "solutions" / "pooling.py").read_text()
    (folder / "pooling.py").write_text(text + "\n\nwhile True:\n    pass\n")
    notes: list[str] = []
    outcomes = {o.function: o for o in cnnlab.check.check_folder(folder, notes)}
    assert outcomes["max_pool"].status == "passed"
    assert notes == [
        f"pooling.py raised at import, outside any function (line {text.count(chr(10)) + 3}: "
        "CallTimeout: took longer than 1 s (an endless loop?)): the rest of the file was run "
        'without that line. Code that tries your functions belongs under `if __name__ == '
        '"__main__":`.']


def _check_with_pooling_ending_in(tmp_path: Path, tail: str) -> tuple[
        subprocess.CompletedProcess, int]:
    """``cnnlab check`` of the stubs with the reference ``pooling.py`` followed by ``tail``,
    with a 1 s import limit and the stop raised at most twice more (a second apart) before
    the check gives up; and the number of lines of the reference before ``tail``."""
    folder = copy_exercises(tmp_path / "mine")
    text = (ROOT / "solutions" / "pooling.py").read_text()
    (folder / "pooling.py").write_text(text + tail)
    program = ("import sys, cnnlab.check as c; c.SECONDS_PER_IMPORT = 1; c.STOP_TRIES = 2\n"
               "from cnnlab.cli import main; sys.exit(main(['check', sys.argv[1]]))")
    done = subprocess.run([sys.executable, "-c", program, str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done, text.count("\n")


def test_check_ends_with_a_message_when_a_loop_catches_every_stop(tmp_path):
    """A loop at import whose bare ``except:`` swallows the time limit's exception: the check
    used to hang for ever; now it ends, naming the student's line and what to change."""
    done, lines = _check_with_pooling_ending_in(
        tmp_path, "\n\nimport time\nwhile True:\n    try:\n        time.sleep(0.01)\n"
        "    except:\n        pass\n")
    assert done.returncode == 3, done.stderr
    assert f"kept running when it was stopped 2 times, at pooling.py, line {lines + 6}." \
        in done.stderr  # the sleep's line
    assert "`except:`" in done.stderr


def test_check_stops_a_retry_loop_that_catches_a_few_stops(tmp_path):
    """Two tries of an endless computation, each stop caught: the stop comes again a second
    later, so the loop ends and the check goes on with the rest of the module."""
    done, _ = _check_with_pooling_ending_in(
        tmp_path, "\n\nfor attempt in range(2):\n    try:\n        while True:\n"
        "            pass\n    except BaseException:\n        pass\n")
    assert "cnnlab check stopped" not in done.stderr
    assert re.search(r"\[ok  \] max_pool\s+passed", done.stdout), done.stdout


def _as_windows_notepad_saves(path: Path) -> None:
    """A byte order mark and CRLF line ends: Python imports such a file; ``ast`` refuses the
    mark in text."""
    path.write_bytes(b"\xef\xbb\xbf" + path.read_text().replace("\n", "\r\n").encode())


def test_check_reads_a_module_saved_with_a_byte_order_mark_as_python_does(tmp_path):
    """Its import raising outside any function and a function in the wrong module: the same
    note and hint as without the mark (before: "does not import", and no hint)."""
    from cnnlab.check import check_folder
    folder = copy_exercises(tmp_path / "mine")
    text = (ROOT / "solutions" / "pooling.py").read_text()
    (folder / "pooling.py").write_text(text + "\n\nprint(1 / 0)\n")
    reference = (ROOT / "solutions" / "convolution.py").read_text()
    relu = reference[reference.index("def relu("):reference.index("def sigmoid(")]
    (folder / "padding.py").write_text((folder / "padding.py").read_text() + "\n\n" + relu)
    (folder / "convolution.py").unlink()
    for module in ("pooling", "padding"):
        _as_windows_notepad_saves(folder / f"{module}.py")
    notes: list[str] = []
    outcomes = {o.function: o for o in check_folder(folder, notes)}
    assert outcomes["max_pool"].status == "passed"
    assert notes and notes[0].startswith(
        f"pooling.py raised at import, outside any function (line {text.count(chr(10)) + 3}: "
        "ZeroDivisionError")
    assert outcomes["relu"].details[0].startswith(
        "convolution.py is not in this folder; padding.py defines relu: move it to ")


def _check_with(tmp_path: Path, module: str, code: str, function: str):
    """The outcome of ``function`` in a copy of the stubs whose ``module`` ends with ``code``
    (a later def replaces the stub)."""
    from cnnlab.check import check_folder
    folder = copy_exercises(tmp_path / "mine")
    path = folder / f"{module}.py"
    path.write_text(path.read_text() + "\n\n" + code)
    (outcome,) = [o for o in check_folder(folder) if o.function == function]
    return outcome


def test_check_fails_a_function_that_changes_its_input_in_place(tmp_path):
    # the docstrings say "The inputs must not be modified (also graded)"
    relu = _check_with(tmp_path, "convolution", "def relu(x):\n    x = np.asarray(x)\n"
                       "    x[x < 0] = 0\n    return x\n", "relu")
    assert relu.status == "failing"
    assert "changed its argument x in place" in "\n".join(relu.details)
    assert "after it [0., 0., 3.]" in "\n".join(relu.details)


def test_check_fails_a_value_error_whose_message_names_no_argument(tmp_path):
    # numpy's own error: the right exception, but not the message SPEC 2 grades
    zero_pad = _check_with(tmp_path, "padding", "def zero_pad(x, pad):\n"
                           "    return np.pad(np.asarray(x), pad)\n", "zero_pad")
    told = "\n".join(zero_pad.details)
    assert zero_pad.status == "failing" and "names no argument" in told
    named = _check_with(tmp_path / "2", "padding", "def zero_pad(x, pad):\n"
                        "    if pad < 0:\n        raise ValueError('Pad must be >= 0')\n"
                        "    return np.pad(np.asarray(x), pad)\n", "zero_pad")
    assert "names no argument" not in "\n".join(named.details)


def test_check_stops_at_a_function_s_first_endless_loop(tmp_path, monkeypatch):
    """Not 10 s per public example of a function that loops: the first one tells it."""
    import cnnlab.check
    from cnnlab.public_checks import CASES
    monkeypatch.setattr(cnnlab.check, "SECONDS_PER_CALL", 1)
    conv1d = _check_with(tmp_path, "convolution", "def conv1d(x, w, padding=0, stride=1):\n"
                         "    while True:\n        pass\n", "conv1d")
    examples = sum(c.function == "conv1d" for c in CASES)
    assert examples > 1 and conv1d.status == "failing"
    assert len(conv1d.details) == 2 and "took longer than 1 s" in conv1d.details[0]
    assert conv1d.details[1] == (f"the other {examples - 1} examples not run: fix the "
                                 "endless loop first")


def test_check_says_a_value_error_was_expected_when_another_error_comes(tmp_path):
    size = _check_with(tmp_path, "padding", "def conv_output_size(input_size, kernel_size, "
                       "padding=0, stride=1):\n    return (input_size + 2 * padding - "
                       "kernel_size) // stride + 1\n", "conv_output_size")
    assert any(d.split("\n")[1].strip().startswith(
        "should raise ValueError, raised ZeroDivisionError") for d in size.details)


def test_a_module_s_syntax_error_is_said_in_full_once(tmp_path):
    from cnnlab.check import check_folder, report
    folder = copy_exercises(tmp_path / "mine")
    path = folder / "convolution.py"
    path.write_text(path.read_text() + "\n\ndef oops(:\n    pass\n")
    text = report(check_folder(folder), folder)
    assert text.count("SyntaxError") == 1
    assert text.count("convolution.py does not import (said above)") == len(
        EXERCISES["convolution"]) - 1


def test_a_function_s_own_prints_are_shown_under_its_name(tmp_path, capsys):
    from cnnlab.check import check_folder, report
    folder = copy_exercises(tmp_path / "mine")
    path = folder / "padding.py"
    path.write_text(path.read_text() + "\n\ndef same_padding(kernel_size):\n"
                    "    print('debug', kernel_size)\n    if kernel_size % 2 == 0:\n"
                    "        raise ValueError('kernel_size must be odd')\n"
                    "    return (kernel_size - 1) // 2\n")
    text = report(check_folder(folder), folder)
    assert capsys.readouterr().out == ""  # nothing above the report's header
    block = text[text.index("] same_padding"):].splitlines()
    assert "passed" in block[0] and block[1].strip() == "printed (your print calls):"
    assert block[2].strip().startswith("debug ")
