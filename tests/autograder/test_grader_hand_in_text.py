"""Reading a hand-in never fails in the grader, and its text never acts on the instructor's
terminal or files: a notebook's statements are cut by the parser's own positions, every parse
or scan error is the student's, control characters are escaped everywhere the grader writes
text from a hand-in, and an archive too large to list is refused before it is read."""

from __future__ import annotations

import csv
import json
import re
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from grader_helpers import PERFECT, FakeEngine

from autograder.cli import summary
from autograder.forbidden import forbidden_uses
from autograder.pipeline import Options, grade_class
from autograder.sandbox import Limits
from autograder.submissions import MAX_ZIP_ENTRIES, find_candidates, prepare
from autograder.text import printable

FAST = Limits(seconds_per_call=5, seconds_import=20)
# Any control character but a new line or a tab (ESC, BEL, ...), and the bidi overrides.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TERMINAL_ATTACK = "\x1b]0;owned\x07\x1b[2J\x1b[H\u202efake score table"


def _notebook(*cells: str) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": cell} for cell in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_a_line_with_two_statements_the_second_continuing_is_graded(tmp_path):
    padding = (PERFECT / "padding.py").read_text()
    cell = ("import numpy as np; example = np.array([[1, 2],\n"
            "                            [3, 4]])\n"
            "def show_example():\n    return example\n")  # kept: a definition uses it
    (tmp_path / "class" / "nb").mkdir(parents=True)
    (tmp_path / "class" / "nb" / "exercises.ipynb").write_text(_notebook(cell, padding))
    (candidate,) = find_candidates(tmp_path / "class")
    submission = prepare(candidate, tmp_path / "work")
    assert "padding" in submission.sources
    assert "example = np.array([[1, 2],\n" in submission.sources["padding"]
    run = grade_class(tmp_path / "class", tmp_path / "out", Options(jobs=1, limits=FAST),
                      FakeEngine)
    assert run.errors == {}
    (result,) = run.results
    assert {f.function: f.points for f in result.functions}["same_padding"] == 1.0


def test_a_decorated_function_keeps_its_decorator(tmp_path):
    cell = ("import functools\n\n@functools.lru_cache(maxsize=None)\n"
            "def same_padding(kernel_size):\n    return (kernel_size - 1) // 2\n")
    (tmp_path / "class" / "nb").mkdir(parents=True)
    (tmp_path / "class" / "nb" / "exercises.ipynb").write_text(_notebook(cell))
    (candidate,) = find_candidates(tmp_path / "class")
    source = prepare(candidate, tmp_path / "work").sources["padding"]
    assert "@functools.lru_cache(maxsize=None)\ndef same_padding" in source


@pytest.mark.parametrize("text", [
    "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",  # nested too deeply for the parser
    "x = 1\0\n",  # a null byte
    "x = " + "-" * 100_000 + "1\n",  # a long expression: deep in the tree
])
def test_a_helper_file_the_scan_cannot_read_costs_nothing_and_raises_nothing(text):
    own = "import numpy as np\n\ndef conv2d(image, kernel):\n    return np.zeros(1)\n"
    assert forbidden_uses(own, "conv2d", ("scipy.signal",), [text]) == []
    found = forbidden_uses(text + own, "conv2d", ("scipy.signal",))
    assert found in ([], ["code that cannot be read (RecursionError)"])


SCIPY_CONV2D = ("import scipy.signal\n\n"
                "def conv2d(image, kernel, padding=0, stride=1):\n"
                "    return scipy.signal.correlate2d(image, kernel, 'valid')\n")


@pytest.mark.parametrize("encoded", [
    b"\xef\xbb\xbf" + SCIPY_CONV2D.replace("\n", "\r\n").encode(),  # Notepad: BOM, CRLF
    b"# -*- coding: latin-1 -*-\n# \xe9\xe9n kernel\n" + SCIPY_CONV2D.encode("latin-1"),
], ids=["utf-8 BOM", "latin-1"])
def test_a_module_is_read_in_the_encoding_python_reads_it_in(tmp_path, encoded):
    # A BOM made the text unparsable to ast.parse, which hid the module from forbid (and from
    # the similarity report) while the worker imported it fine.
    (tmp_path / "class" / "s").mkdir(parents=True)
    (tmp_path / "class" / "s" / "convolution.py").write_bytes(encoded)
    (candidate,) = find_candidates(tmp_path / "class")
    submission = prepare(candidate, tmp_path / "work")
    assert forbidden_uses(submission.sources["convolution"], "conv2d", ("scipy.signal",)) == [
        "scipy.signal", "scipy.signal.correlate2d"]


def test_a_latin_1_module_imports_as_on_the_students_machine(tmp_path):
    (tmp_path / "class" / "s").mkdir(parents=True)
    (tmp_path / "class" / "s" / "padding.py").write_bytes(
        "# -*- coding: latin-1 -*-\ndef same_padding(k\u00e9rnel):\n"
        "    return (k\u00e9rnel - 1) // 2, 'r\u00e9sum\u00e9'\n".encode("latin-1"))
    (candidate,) = find_candidates(tmp_path / "class")
    module = prepare(candidate, tmp_path / "work").folder / "padding.py"
    namespace: dict = {}
    exec(compile(module.read_bytes(), str(module), "exec"), namespace)  # as import reads it
    assert namespace["same_padding"](5) == (2, "r\u00e9sum\u00e9")


def test_a_notebook_the_parser_cannot_read_is_a_note_not_a_grader_error(tmp_path):
    deep = "x = " + "[" * 3000 + "]" * 3000 + "\ndef same_padding(k):\n    return k\n"
    (tmp_path / "class" / "nb").mkdir(parents=True)
    (tmp_path / "class" / "nb" / "exercises.ipynb").write_text(_notebook(deep, "y = 1\0"))
    run = grade_class(tmp_path / "class", tmp_path / "out", Options(jobs=1, limits=FAST),
                      FakeEngine)
    assert run.errors == {} and len(run.results) == 1


def _escaped_everywhere(out: Path, terminal: str) -> None:
    for path in [*out.rglob("*.md"), *out.rglob("*.json"), out / "grades.csv",
                 out / "report.html", *out.glob("grader_errors.txt")]:
        text = path.read_text(encoding="utf-8")
        assert not RAW_CONTROL.search(text), (path, RAW_CONTROL.search(text))
    assert not RAW_CONTROL.search(terminal)


def test_no_control_character_from_a_hand_in_reaches_the_terminal_or_out(tmp_path):
    classroom = tmp_path / "class"
    student = classroom / "attacker"
    student.mkdir(parents=True)
    (student / "padding.py").write_text(
        f"def same_padding(kernel_size):\n    raise ValueError({TERMINAL_ATTACK!r})\n"
        f"def zero_pad(x, pad):\n    print({TERMINAL_ATTACK!r})\n"
        "    import sys\n    sys.exit(3)\n")
    with zipfile.ZipFile(classroom / f"zipped{TERMINAL_ATTACK}.zip", "w") as archive:
        archive.writestr(f"{TERMINAL_ATTACK}.py", "x = 1\n")
        archive.writestr("padding.py", (student / "padding.py").read_text())
    (classroom / f"note{TERMINAL_ATTACK}").mkdir()
    (classroom / f"note{TERMINAL_ATTACK}" / f"{TERMINAL_ATTACK}.py").symlink_to("/etc/passwd")
    out = tmp_path / "out"
    run = grade_class(classroom, out, Options(jobs=1, limits=FAST), FakeEngine)
    _escaped_everywhere(out, summary(run, out))
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        hand_ins = {row["hand_in"] for row in csv.DictReader(file)}
    assert printable(f"zipped{TERMINAL_ATTACK}.zip") in hand_ins  # escaped, not dropped
    assert "\\x1b]0;owned" in (out / "feedback" / "attacker.md").read_text()


def test_printable_escapes_controls_and_keeps_text():
    assert printable("a\x1b[2Jb\tc\nd\u202ee\udcff") == "a\\x1b[2Jb\tc\nd\\u202ee\\udcff"
    assert printable("ümlaut and 日本") == "ümlaut and 日本"
    assert printable("a\nb", keep="") == "a\\x0ab"


def _zip_of_empty_entries(path: Path, count: int) -> None:
    """A valid zip of ``count`` empty files named by number, written in bulk."""
    local, central = [], []
    offset = 0
    for number in range(count):
        name = b"%d.txt" % number
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name),
                             0) + name
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0,
                                   len(name), 0, 0, 0, 0, 0, offset) + name)
        local.append(header)
        offset += len(header)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(count, 0xFFFF),
                      min(count, 0xFFFF), len(directory), offset, 0)
    if count > 0xFFFF:  # zip64: the real count is in the zip64 end record
        zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count,
                            len(directory), offset)
        locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, offset + len(directory), 1)
        end = zip64 + locator + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF,
                                            0xFFFFFFFF, 0xFFFFFFFF, 0)
    path.write_bytes(b"".join(local) + directory + end)


def test_a_zip_with_a_million_entries_is_refused_with_a_note_without_listing_them(tmp_path):
    (tmp_path / "class").mkdir()
    _zip_of_empty_entries(tmp_path / "class" / "many.zip", 1_000_000)
    (candidate,) = find_candidates(tmp_path / "class")
    tracemalloc.start()
    try:
        submission = prepare(candidate, tmp_path / "work")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert any("1,000,000 entries" in note and "not unpacked" in note
               for note in submission.notes), submission.notes
    assert peak < 20 * 2**20  # zipfile would hold a million entries: some 500 MB


def test_a_zip_within_the_limits_is_read(tmp_path):
    (tmp_path / "class").mkdir()
    _zip_of_empty_entries(tmp_path / "class" / "fine.zip", MAX_ZIP_ENTRIES)
    assert zipfile.ZipFile(tmp_path / "class" / "fine.zip").testzip() is None  # well made
    (candidate,) = find_candidates(tmp_path / "class")
    submission = prepare(candidate, tmp_path / "work")
    assert not any("not unpacked" in note for note in submission.notes), submission.notes


def test_a_notebook_saved_as_a_script_imports_without_ipython(tmp_path):
    # what ``jupyter nbconvert --to script`` writes for %matplotlib, !pip and %%time cells
    script = ("#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\n"
              "get_ipython().run_line_magic('matplotlib', 'inline')\n"
              "get_ipython().system('pip install numpy')\n"
              "if True:\n    get_ipython().run_cell_magic('time', '', 'x = 1\\n')\n\n\n"
              "def same_padding(kernel_size):\n    return (kernel_size - 1) // 2\n")
    (tmp_path / "class" / "s").mkdir(parents=True)
    (tmp_path / "class" / "s" / "padding.py").write_text(script)
    (candidate,) = find_candidates(tmp_path / "class")
    module = prepare(candidate, tmp_path / "work").folder / "padding.py"
    namespace: dict = {}
    exec(compile(module.read_bytes(), str(module), "exec"), namespace)
    assert namespace["same_padding"](5) == 2


def test_the_grader_does_not_parse_a_module_too_large_for_its_own_memory():
    # 5 MiB of short statements took ast 3 GB and 54 s in the grader's own process (the
    # similarity report parses every hand-in there); such a text is left to the worker.
    from autograder.similarity import function_sources
    from cnnlab.source_text import MAX_PARSED_CHARS
    code = "a = 1\n" * (MAX_PARSED_CHARS // 6 + 1) + SCIPY_CONV2D
    assert function_sources({"convolution": code}) == {}
    assert function_sources({"convolution": SCIPY_CONV2D}).keys() == {"conv2d"}
    assert forbidden_uses(code, "conv2d", ("numpy.fft",)) == [
        f"code that cannot be read (a module of more than {MAX_PARSED_CHARS:,} characters)"]


CUT_TEXTS = [
    "a=1\r\nb = 'é€'\rdef f(x):\n    return x\n\n@dec(1)\nclass C: pass\nx=1;y=2\n",
    "def g():\n\tpass\x0c\n# ü\nz = [1,\n 2]",  # a form feed is no line end; no last new line
    "import numpy as np; x = np.array([[1, 2],\n   [3, 4]])\n",
]


@pytest.mark.parametrize("text", CUT_TEXTS)
def test_a_statement_s_text_is_cut_as_ast_cuts_it(text):
    import ast

    from cnnlab.source_text import Segments
    segments = Segments(text)
    for node in ast.walk(ast.parse(text)):
        if getattr(node, "end_lineno", None) is not None:
            assert segments.of(node) == (ast.get_source_segment(text, node) or "")


def test_a_cell_of_many_statements_is_not_split_again_per_statement(tmp_path, monkeypatch):
    # ast.get_source_segment splits the whole text for each statement: a cell of 5,000
    # "a=1" lines took 25 s in the grader's own process, and one of 256 KiB an hour.
    import ast

    from autograder.submissions import definitions_only, notebook_modules

    def quadratic(*_args, **_kwargs):
        raise AssertionError("ast.get_source_segment per statement")
    monkeypatch.setattr(ast, "get_source_segment", quadratic)
    padding = (PERFECT / "padding.py").read_text()
    notebook = tmp_path / "nb.ipynb"
    cells = [{"cell_type": "code", "source": text} for text in ("a=1\n" * 5000, padding)]
    notebook.write_text(json.dumps({"cells": cells}))
    assert "def zero_pad" in notebook_modules(notebook)["padding"]
    assert "def zero_pad" in definitions_only(padding + "a=1\n" * 5000 + "run()\n")


def test_a_notebook_s_code_beyond_the_limit_is_not_read_and_said_so(tmp_path):
    # twenty cells of 256 kB of tiny statements took 2 GB and 3 minutes in the grader
    from autograder.submissions import MAX_NOTEBOOK_CODE_CHARS, notebook_modules
    padding = (PERFECT / "padding.py").read_text()
    filler = "a=1;" * (MAX_NOTEBOOK_CODE_CHARS // 4 // 2)  # two fill the limit
    cells = [{"cell_type": "code", "source": text} for text in (padding, filler, filler, filler)]
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(json.dumps({"cells": cells}))
    notes: list[str] = []
    assert "def zero_pad" in notebook_modules(notebook, notes=notes)["padding"]
    assert notes == ["nb.ipynb: 2 code cells not read, beyond the "
                     f"{MAX_NOTEBOOK_CODE_CHARS // 1024} KiB of code the grader reads of one "
                     "notebook"]


def test_the_similarity_check_reads_only_the_exercise_modules(monkeypatch):
    # a hand-in of eighty 256 kB helper modules cost 51 s in the grader's own process
    from autograder import similarity
    parsed = []
    real = similarity.parse
    monkeypatch.setattr(similarity, "parse", lambda text: parsed.append(text) or real(text))
    found = similarity.function_sources({"convolution": SCIPY_CONV2D, "helper": "a = 1\n"})
    assert found.keys() == {"conv2d"} and parsed == [SCIPY_CONV2D]


def test_an_nbformat_3_notebook_is_read_and_json_that_is_none_is_told_so(tmp_path):
    from autograder.submissions import SubmissionError, notebook_modules
    padding = (PERFECT / "padding.py").read_text()
    old = tmp_path / "old.ipynb"  # IPython 2: worksheets, and a code cell's "input"
    old.write_text(json.dumps({"nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "code", "input": padding, "language": "python"}]}]}))
    assert "def zero_pad" in notebook_modules(old)["padding"]
    other = tmp_path / "data.ipynb"
    other.write_text(json.dumps([1, 2]))
    with pytest.raises(SubmissionError, match="it has no cells: JSON, but not a Jupyter"):
        notebook_modules(other)
