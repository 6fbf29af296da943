"""The README's first code block holds exactly the two commands the project promises, and
`.ci/run` runs the second of them, word for word."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _first_code_block() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    return [line for line in lines[fences[0] + 1:fences[1]] if line.strip()]


def test_the_readme_starts_with_two_commands_that_install_and_grade_then_test():
    install_and_grade, install_and_test = _first_code_block()
    assert install_and_grade.startswith("python3 -m pip install -e . && cnnlab grade examples/")
    assert install_and_test.startswith('python3 -m pip install -e ".[test]" && ')
    assert "pytest" in install_and_test


def test_ci_runs_the_readmes_test_command():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert _first_code_block()[1] in ci
