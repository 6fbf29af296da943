"""The README's first code block holds exactly the two commands the project promises, one per
line, each working in a fresh clone with nothing but Python >= 3.11: each makes its virtual
environment first (Debian and Ubuntu refuse ``pip install`` into the system Python, PEP 668),
and ``.ci/run`` runs the second of them, word for word."""

import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = "python3 -m venv .venv"


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def _first_code_block() -> list[str]:
    lines = _readme().splitlines()
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    return [line for line in lines[fences[0] + 1:fences[1]] if line.strip()]


def _steps(command: str) -> list[list[str]]:
    return [shlex.split(step) for step in command.split("&&")]


def test_the_first_code_block_holds_exactly_two_commands():
    assert len(_first_code_block()) == 2


def test_the_first_command_makes_a_venv_installs_into_it_and_grades_the_example_class():
    steps = _steps(_first_code_block()[0])
    assert steps[0] == shlex.split(VENV)
    assert steps[1] == [".venv/bin/pip", "install", "-e", "."]
    assert steps[2][:4] == [".venv/bin/cnnlab", "grade", "examples/class", "--out"]


def test_the_second_command_makes_the_venv_installs_the_test_extras_and_runs_pytest():
    steps = _steps(_first_code_block()[1])
    assert steps[0] == shlex.split(VENV)
    assert steps[1] == [".venv/bin/pip", "install", "-e", ".[test]"]
    assert steps[2][:3] == [".venv/bin/python", "-m", "pytest"]


def test_no_command_of_the_readme_installs_into_the_system_python():
    """``pip install`` outside a venv fails under PEP 668 (externally-managed-environment)."""
    block = "\n".join(_first_code_block())
    assert not re.search(r"(?<!\.venv/bin/)\bpip3? install\b", block.replace("-m pip", "pip"))


def test_the_readme_states_the_python_that_pyproject_requires():
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert required == ">=3.11"
    assert "Python 3.11 or newer" in _readme()


def test_the_readme_says_what_works_on_windows_and_macos():
    paragraph = next(p for p in _readme().split("\n\n") if "Windows" in p and "macOS" in p)
    assert "cnnlab check" in paragraph and "cnnlab drill" in paragraph
    assert "Linux" in paragraph


def test_ci_runs_the_readmes_test_command():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert _first_code_block()[1] in ci


def test_ci_installs_bubblewrap_and_the_browser_it_tests_with():
    ci = (ROOT / ".ci" / "run").read_text()
    assert {"bubblewrap", "chromium", "chromium-driver"} <= set(re.findall(r"[\w-]+", ci))


def test_the_venv_made_in_a_clone_is_ignored_by_git():
    assert ".venv/" in (ROOT / ".gitignore").read_text().splitlines()
