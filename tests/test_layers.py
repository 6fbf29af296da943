"""Does the layers contract in pyproject.toml hold, and does it catch an import that goes up?

``lint-imports`` (import-linter) runs on a copy of the packages, once as they are and once with
one import added that breaks the direction docs/layers.md describes. A contract that kept every
one of these would check nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cnnlab", "autograder", "question_bank", "solutions", "exercises")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def contract() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's packages and pyproject.toml, to add a bad import to."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.is_file():
        pytest.fail(f"{LINT_IMPORTS} is missing: install the test extra (pip install -e '.[test]')")
    # The copy comes first on the path, before the installed (editable) project.
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(tree)})


def add_import(tree: Path, module: str, statement: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    if not path.is_file():
        path = tree / module.replace(".", "/") / "__init__.py"
    path.write_text(path.read_text() + f"\n{statement}  # added by tests/test_layers.py\n")


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    run = lint_imports(tree)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize(("module", "statement", "broken"), [
    # the bottom reaches for the top, directly
    ("cnnlab.catalog", "import cnnlab.cli", "cnnlab.catalog -> cnnlab.cli"),
    # the reference reaches for the hidden grader
    ("solutions.padding", "from autograder import engine", "solutions.padding -> autograder"),
    # the grader reaches for a command: the move this contract made (autograder.similarity
    # took the project's root from cnnlab.build)
    ("autograder.similarity", "from cnnlab.build import ROOT",
     "autograder.similarity -> cnnlab.build"),
    # two siblings that must stay independent
    ("question_bank.numbers", "import autograder.rubric", "question_bank.numbers -> autograder"),
    # what runs in the sandbox reaches for the reference
    ("autograder.worker_runtime.confine", "import solutions.convolution",
     "autograder.worker_runtime.confine -> solutions.convolution"),
])
def test_an_import_against_the_layers_breaks_the_contract(tree: Path, module: str,
                                                          statement: str, broken: str) -> None:
    add_import(tree, module, statement)
    run = lint_imports(tree)
    assert run.returncode != 0, run.stdout
    assert broken in run.stdout, run.stdout


def test_an_indirect_upward_import_breaks_it_too(tree: Path) -> None:
    """The bottom imports an unlisted new module that imports the grader."""
    (tree / "cnnlab" / "helper.py").write_text("import autograder.engine\n")
    add_import(tree, "cnnlab.result_rules", "import cnnlab.helper")
    run = lint_imports(tree)
    assert run.returncode != 0, run.stdout
    assert "cnnlab.result_rules -> cnnlab.helper" in run.stdout, run.stdout


def test_every_module_of_cnnlab_has_a_layer(contract: dict) -> None:
    """cnnlab holds both the bottom and the top: each of its modules must say which it is."""
    layers = next(c for c in contract["contracts"] if c["type"] == "layers")["layers"]
    named = {m.strip() for layer in layers for m in layer.replace("|", ":").split(":")}
    modules = {f"cnnlab.{p.stem if p.is_file() else p.name}"
               for p in (ROOT / "cnnlab").iterdir()
               if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert sorted(modules - named) == []
