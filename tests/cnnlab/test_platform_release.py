"""The student release: installs with pip into a fresh venv, ``cnnlab check`` runs there, and
neither the bundle nor the installed package holds solution code, hidden tests or the
grader; the leak scan itself catches a deliberately leaky bundle."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.catalog import FUNCTIONS
from cnnlab.cli import main
from cnnlab.platforms.leaks import answer_lines, find_leaks
from cnnlab.platforms.release import BANK_FILE, build_release

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
INSTALLED_PACKAGES = ("cnnlab", "exercises", "question_bank")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "cnnlab-student"
    build_release(out)
    return out


@pytest.fixture(scope="module")
def venv(bundle, tmp_path_factory) -> Path:
    """One fresh venv (no system site-packages) with the bundle pip-installed."""
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, timeout=300)
    done = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q",
                           str(bundle)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return env


def _site_packages(env: Path) -> Path:
    return next((env / "lib").glob("python3*/site-packages"))


def test_check_in_the_venv_says_every_function_is_not_implemented(bundle, venv):
    done = subprocess.run([str(venv / "bin" / "cnnlab"), "check"], cwd=bundle,
                          capture_output=True, text=True, timeout=300)
    todo = [line.split()[1] for line in done.stdout.splitlines()
            if line.strip().startswith("[todo]") and line.endswith("not implemented yet")]
    assert sorted(todo) == sorted(FUNCTIONS), done.stdout


def test_venv_has_no_grader_and_no_solutions(venv):
    done = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import importlib.util as u; "
                           "print(u.find_spec('autograder'), u.find_spec('solutions'))"],
                          capture_output=True, text=True, cwd="/", timeout=60)
    assert done.stdout.split() == ["None", "None"]


def test_drill_runs_on_the_practice_bank(bundle, venv, tmp_path):
    assert (bundle / BANK_FILE).is_file()
    done = subprocess.run([str(venv / "bin" / "cnnlab"), "drill", "--n",
                           "1", "--progress", str(tmp_path / "p.json")], cwd=tmp_path,
                          input="0\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "score: " in done.stdout, done.stderr[-2000:]


def test_installed_package_has_no_leak(venv):
    site = _site_packages(venv)
    leaks = [leak for name in INSTALLED_PACKAGES for leak in find_leaks(site / name)]
    assert leaks == []


def test_bundle_has_no_solutions_or_autograder_folder(bundle):
    assert not (bundle / "solutions").exists() and not (bundle / "autograder").exists()


def test_released_notebook_keeps_one_stub_per_function(bundle):
    cells = json.loads((bundle / "notebooks" / "cnn_exercises.ipynb").read_text())["cells"]
    stubs = ["".join(c["source"]) for c in cells
             if c["metadata"].get("nbgrader", {}).get("solution")]
    assert len(stubs) == len(FUNCTIONS)
    assert all("raise NotImplementedError()" in s for s in stubs)


def test_scan_knows_solution_lines():
    assert len(answer_lines()) > 20


def test_scan_catches_a_solution_line(bundle, tmp_path):
    leaky = shutil.copytree(bundle, tmp_path / "leaky")
    stub = leaky / "exercises" / "padding.py"
    stub.write_text(stub.read_text() + "\n    return (padded - kernel_size) // stride + 1\n")
    assert any("solution line" in leak for leak in find_leaks(leaky))


def test_scan_catches_a_hidden_test_in_a_notebook(bundle, tmp_path):
    leaky = shutil.copytree(bundle, tmp_path / "leaky")
    notebook = leaky / "notebooks" / "cnn_exercises.ipynb"
    data = json.loads(notebook.read_text())
    data["cells"][-1]["source"] = ["### BEGIN HIDDEN TESTS\n", "hidden_points('relu', {}, 1)\n"]
    notebook.write_text(json.dumps(data))
    assert len(find_leaks(leaky)) >= 2


def test_scan_catches_a_grader_import(bundle, tmp_path):
    leaky = shutil.copytree(bundle, tmp_path / "leaky")
    (leaky / "cnnlab" / "extra.py").write_text("from autograder import engine\n")
    assert find_leaks(leaky) == ["cnnlab/extra.py: matches "
                                 "'^\\\\s*(import|from)\\\\s+autograder\\\\b'"]


def test_scan_catches_a_copied_solutions_folder(bundle, tmp_path):
    leaky = shutil.copytree(bundle, tmp_path / "leaky")
    shutil.copytree(SOLUTIONS, leaky / "solutions")
    assert any("a file of solutions/" in leak for leak in find_leaks(leaky))


def test_release_refuses_a_folder_that_is_not_empty(bundle):
    with pytest.raises(ValueError, match="not an empty folder"):
        build_release(bundle)


def test_release_into_a_folder_with_files_refuses_and_leaves_every_file(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("my notes")
    assert main(["release", str(tmp_path)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert (tmp_path / "mine.txt").read_text() == "my notes"


def test_release_names_a_missing_parent_folder_and_creates_nothing(tmp_path, capsys):
    assert main(["release", str(tmp_path / "no" / "such" / "out")]) == 2
    assert f"the folder {tmp_path / 'no' / 'such'} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()
