"""Similarity flags: a copied function is flagged, also with its variables renamed; correct
solutions written independently (the variants of tests/student_code) are not; the stub
counts for nobody; flags are the same in every process and never change a grade."""

from __future__ import annotations

import csv
import inspect
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from grader_helpers import FakeEngine
from student_code import variants

from autograder import similarity
from autograder.pipeline import Options, grade_class
from autograder.report import ReportContext, report_html
from autograder.results import FunctionResult, SubmissionResult
from autograder.sandbox import Limits
from cnnlab.catalog import FUNCTIONS

FAST = Limits(seconds_per_call=3, seconds_import=20)
STYLES = ("loops", "windows", "im2col", "fft", "scipy", "float32")
# conv2d is left out: every variant answers it by calling its own conv_layer, the same line.
INDEPENDENT = ("zero_pad", "conv1d", "conv_layer", "relu", "sigmoid", "max_pool", "avg_pool")
RENAMES = {"xp": "padded", "out": "result", "start": "left", "j": "tap"}  # the locals


def _source(style: str, function: str) -> str | None:
    found = getattr(variants, f"{style}_{function}", None)
    if found is None:
        return None
    return inspect.getsource(found).replace(f"{style}_{function}", function)


def _renamed(code: str) -> str:
    for old, new in RENAMES.items():
        code = re.sub(rf"\b{old}\b", new, code)
    return code


def _independent_class() -> dict[str, dict[str, str]]:
    return {style: {f: code for f in INDEPENDENT if (code := _source(style, f))}
            for style in STYLES}


def test_independent_correct_solutions_are_not_flagged():
    sources = _independent_class()
    assert sum(len(functions) for functions in sources.values()) >= 20  # a real comparison
    assert similarity.flags(sources) == []


def test_a_copied_function_is_flagged():
    sources = _independent_class()
    sources["copier"] = {"conv1d": sources["loops"]["conv1d"]}
    (flag,) = similarity.flags(sources)
    assert (flag.function, flag.first, flag.second, flag.similarity) == (
        "conv1d", "copier", "loops", 1.0)
    assert flag.first_code == flag.second_code == sources["loops"]["conv1d"]


def test_a_copy_with_renamed_variables_is_flagged():
    sources = _independent_class()
    renamed = _renamed(sources["loops"]["conv1d"])
    assert renamed != sources["loops"]["conv1d"] and "padded" in renamed
    sources["renamer"] = {"conv1d": renamed}
    (flag,) = similarity.flags(sources)
    assert (flag.function, {flag.first, flag.second}) == ("conv1d", {"loops", "renamer"})
    assert flag.similarity >= similarity.THRESHOLD


def test_the_stub_handed_to_everyone_is_not_shared_code():
    stub = (Path(similarity.__file__).parent.parent / "exercises" / "convolution.py").read_text()
    code = similarity.function_sources({"convolution": stub})["conv1d"]
    assert "NotImplementedError" in code
    assert similarity.flags({"a": {"conv1d": code}, "b": {"conv1d": code}}) == []


def test_function_sources_cut_each_graded_function_out():
    module = textwrap.dedent('''
        import numpy as np

        def helper(x):
            return x

        @staticmethod
        def relu(x):
            return np.maximum(x, 0)

        def sigmoid(x):
            return 1 / (1 + np.exp(-x))
        ''')
    found = similarity.function_sources({"convolution": module, "padding": "def (:"})
    assert found == {"relu": "@staticmethod\ndef relu(x):\n    return np.maximum(x, 0)",
                     "sigmoid": "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))"}


SCRIPT = """
import json, sys
sys.path[:0] = sys.argv[1:]  # this file's folder and tests/ (its helpers)
from test_similarity import _flagged
print(json.dumps(_flagged()))
"""


def _flagged() -> list[dict]:
    """Flags of a renamed copy and of an edited one (about 0.9 the same: with copydetect's
    usual winnowing window its share moves with the hash seed, 0.892 to 0.902)."""
    sources = _independent_class()
    sources["renamer"] = {"conv1d": _renamed(sources["loops"]["conv1d"])}
    edited = sources["loops"]["conv_layer"].replace("    return out", (
        "    if out.size == 0:\n        raise ValueError('empty output')\n    return out"))
    sources["editor"] = {"conv_layer": edited}
    return [f.__dict__ for f in similarity.flags(sources)]


def test_the_flags_are_the_same_in_every_process():
    """copydetect hashes with Python's per-process ``hash``: with every k-gram kept the
    similarities do not depend on it."""
    runs = [json.loads(subprocess.run(
        [sys.executable, "-c", SCRIPT, *map(str, Path(__file__).parents[:2])], capture_output=True,
        text=True, check=True, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin"}).stdout)
        for seed in ("1", "3")]
    assert runs[0] == runs[1] and len(runs[0]) == 2
    assert 0.8 < runs[0][1]["similarity"] < 1.0  # the edited copy: partly the same


# --- in the grading run --------------------------------------------------------------------

HOSTILE_COMMENT = "    # </pre><script>alert(1)</script>\n"


# Copies padded to escape the comparison: ann's conv1d behind a docstring of 30 000 characters
# (longer than a function compared), and behind a comment of 300 000 (longer than the grader
# parses a module).
PADDING = "\n" + "# " + "x" * 300_000 + "\n"


def _padded(code: str) -> str:
    head, body = code.split("\n", 1)
    return f'{head}\n    """{"padding " * 3750}"""\n{body}'


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sim")
    loops = _source("loops", "conv1d").replace("def conv1d(x, w, padding=0, stride=1):\n",
                                               "def conv1d(x, w, padding=0, stride=1):\n"
                                               + HOSTILE_COMMENT)
    helpers = [inspect.getsource(getattr(variants, name)) for name in (
        "_ndim", "_at_least", "_pad_args", "_conv_args", "windows_zero_pad")]
    header = "\n\n".join(["import operator\n\nimport numpy as np\nfrom numpy.lib.stride_tricks "
                          "import sliding_window_view", *helpers, ""])
    for student, code in (("ann", loops), ("bob", _renamed(loops)),
                          ("cas", _source("windows", "conv1d")), ("dan", _padded(loops)),
                          ("eve", loops + PADDING)):
        (root / "class" / student).mkdir(parents=True)
        (root / "class" / student / "convolution.py").write_text(header + code)
    grade_class(root / "class", root / "out", Options(jobs=2, limits=FAST), FakeEngine)
    return root


def test_the_report_shows_the_copied_pair_side_by_side_escaped(graded_class):
    page = (graded_class / "out" / "report.html").read_text()
    assert "<code>conv1d</code>: ann and bob (100%)" in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "cas" not in page.split('id="similarity"')[1].split("</h2>", 1)[1].split("<h2")[0]


def test_flags_never_change_a_grade(graded_class):
    """ann and bob are flagged, cas is not: all three keep conv1d's full point."""
    with open(graded_class / "out" / "grades.csv", newline="") as file:
        conv1d = {row["student"]: row["conv1d"] for row in csv.DictReader(file)}
    assert conv1d == {"ann": "1", "bob": "1", "cas": "1", "dan": "1", "eve": "1"}


def test_code_too_long_to_compare_is_listed_for_the_instructor(graded_class):
    """dan's and eve's padded copies of ann's conv1d escape the flags, but not the list of
    hand-ins to look at."""
    page = (graded_class / "out" / "report.html").read_text()
    section = page.split('id="similarity"')[1].split("<h2")[0]
    assert re.findall(r"<h3><code>(\w+)</code>: (\w+) and (\w+) ", section) == [
        ("conv1d", "ann", "bob")]
    look = page.split('id="similarity"')[0]
    assert re.search(r"dan</a>: conv1d: 3\d,\d{3} characters, more than the 20,000 compared",
                     look)
    assert re.search(r"eve</a>: convolution.py: 30\d,\d{3} characters, more than the "
                     r"262,144 the grader reads", look)
    uncompared = section.split("Not compared")[1]
    assert ">dan</a>: conv1d: " in uncompared and ">eve</a>: convolution.py: " in uncompared


def test_a_flag_is_in_the_needs_a_look_list():
    result = SubmissionResult("ann", [FunctionResult(f, 1.0, 1.0) for f in FUNCTIONS])
    flag = similarity.Flag("conv1d", "ann", "bob", 0.93, "a", "b")
    page = report_html([result], ReportContext(flags=[flag]))
    assert "conv1d is 93% the same as bob&#39;s" in page
