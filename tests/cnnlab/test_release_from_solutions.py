"""``cnnlab release`` and ``cnnlab gradescope`` make the student files from ``solutions/`` when
they run: an ``exercises/`` folder edited by hand (here: the reference ``zero_pad`` pasted into
it, without the markers) ships nowhere, and the leak scan finds such a line wherever it is.

The commands run as a user runs them, in a copy of the project (``python -m cnnlab`` with
that copy first on the path), so the copy's own ``exercises/`` is what a careless build
would ship."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cnnlab.build import BEGIN, END, expected_exercises
from cnnlab.platforms.leaks import Secrets, find_leaks, normalized
from cnnlab.platforms.release import CNNLAB_MODULES

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PARTS = ("pyproject.toml", "README.md", "cnnlab", "solutions", "exercises",
                 "autograder", "question_bank", "notebooks")
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError\n"


def zero_pad_answer() -> str:
    """The lines between the markers of ``zero_pad`` in solutions/padding.py."""
    source = (ROOT / "solutions" / "padding.py").read_text()
    start = source.index("def zero_pad(")
    begin = source.index(BEGIN, start)
    body = source[source.index("\n", begin) + 1:source.index(END, begin)]
    return "".join(line + "\n" for line in body.splitlines() if line.strip())


@pytest.fixture(scope="module")
def edited_project(tmp_path_factory) -> Path:
    """A copy of the project whose exercises/padding.py holds the reference zero_pad."""
    copy = tmp_path_factory.mktemp("project")
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, copy / part)
    stub_file = copy / "exercises" / "padding.py"
    text = stub_file.read_text()
    first_stub = text.index(STUB, text.index("def zero_pad("))
    stub_file.write_text(text[:first_stub] + zero_pad_answer() + text[first_stub + len(STUB):])
    return copy


def _cnnlab(project: Path, *arguments: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run([sys.executable, "-m", "cnnlab", *arguments], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def _answer_lines() -> list[str]:
    return [normalized(line) for line in zero_pad_answer().splitlines()]


def _holders(texts: dict[str, str]) -> dict[str, list[str]]:
    """Name -> the pasted answer lines found in that text."""
    found = {}
    for name, text in texts.items():
        lines = {normalized(line) for line in text.splitlines()}
        hits = [line for line in _answer_lines() if line in lines]
        if hits:
            found[name] = hits
    return found


def test_the_copy_really_holds_the_answer_in_its_exercises(edited_project):
    assert set(_answer_lines()) <= {normalized(line) for line in
                                    (edited_project / "exercises" / "padding.py").read_text()
                                    .splitlines()}


def test_release_ships_the_stub_made_from_solutions_not_the_edited_file(
        edited_project, tmp_path):
    out = tmp_path / "release"
    done = _cnnlab(edited_project, "release", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    shipped = (out / "exercises" / "padding.py").read_text()
    assert shipped == expected_exercises(edited_project / "solutions")["padding.py"]
    texts = {str(p.relative_to(out)): p.read_text(errors="replace")
             for p in out.rglob("*") if p.is_file() and p.suffix in (".py", ".ipynb", ".md")}
    assert _holders(texts) == {}


def test_gradescope_bundles_the_stub_made_from_solutions_not_the_edited_file(
        edited_project, tmp_path):
    bundle = tmp_path / "autograder.zip"
    done = _cnnlab(edited_project, "gradescope", str(bundle))
    assert done.returncode == 0, done.stderr[-3000:]
    with zipfile.ZipFile(bundle) as archive:
        texts = {name: archive.read(name).decode("utf-8", "replace")
                 for name in archive.namelist() if name.endswith(".py")}
    assert texts["cnnlab/exercises/padding.py"] == expected_exercises(
        edited_project / "solutions")["padding.py"]
    # the instructor's bundle holds the reference and the grader; nothing else has its lines
    holders = _holders(texts)
    assert "cnnlab/solutions/padding.py" in holders
    assert [name for name in holders
            if not name.startswith(("cnnlab/solutions/", "cnnlab/autograder/"))] == []


def test_the_scan_finds_the_pasted_answer_in_a_copied_exercises_folder(edited_project):
    """Nothing is exempt: the edited exercises/ folder, scanned as if shipped, leaks."""
    leaks = find_leaks(edited_project / "exercises", Secrets.of(edited_project))
    pasted = [line for line in _answer_lines() if len(line) >= 20]
    assert pasted and all(any(repr(line) in leak for leak in leaks) for line in pasted)


def test_the_scan_finds_an_answer_line_with_its_comment_dropped_and_reindented(tmp_path):
    line = next(raw for raw in zero_pad_answer().splitlines() if "  #" in raw)
    bare = re.sub(r"\s+#.*$", "", line).strip()
    (tmp_path / "helper.py").write_text(f"def f(x, pad):\n        {bare}\n")
    assert find_leaks(tmp_path, Secrets.of(ROOT)) == [
        f"helper.py: solution line {normalized(line)!r}"]


def test_the_scan_finds_a_passage_of_the_hidden_suite(tmp_path):
    check = (ROOT / "autograder" / "strategies.py").read_text().splitlines()
    body = [line for line in check if len(line.strip()) > 30 and
            not line.lstrip().startswith(("#", "import", "from"))]
    start = check.index(body[0])
    (tmp_path / "notes.py").write_text("\n".join(check[start:start + 6]) + "\n")
    assert any("hidden-suite passage" in leak for leak in find_leaks(tmp_path))


def test_cnnlabs_own_shipped_modules_share_no_passage_with_the_hidden_suite(tmp_path):
    """The passages are specific: the tool code that ships is not taken for a leak."""
    for name in CNNLAB_MODULES:  # paths.py and catalog.py were taken for leaks once
        shutil.copy(ROOT / "cnnlab" / f"{name}.py", tmp_path / f"{name}.py")
    assert find_leaks(tmp_path) == []
