"""The ``cnnlab`` command line itself: ``--version`` from the package metadata, bare ``cnnlab``
as a usage error on stderr, a plain description for every subcommand, Ctrl-C without a
traceback, and one meaning of an output argument for every command (OUT itself may be
created, never a missing folder above it)."""

from __future__ import annotations

import argparse
import importlib.metadata
import subprocess
import sys

import pytest

from cnnlab import cli
from cnnlab.cli import main, make_parser


def _cnnlab(*arguments: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnnlab", *arguments], capture_output=True,
                          text=True, timeout=120, **kwargs)


def _subcommands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command words, parser) for every subcommand, nested ones too."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield (*path, name), child
                yield from _subcommands(child, (*path, name))


def test_version_is_the_installed_distributions():
    done = _cnnlab("--version")
    assert done.returncode == 0
    assert done.stdout.split() == ["cnnlab", importlib.metadata.version("cnnlab")]


def test_bare_cnnlab_prints_the_help_to_stderr_and_exits_2():
    done = _cnnlab()
    assert done.returncode == 2 and done.stdout == ""
    assert "usage: cnnlab" in done.stderr and "commands:" in done.stderr


def test_a_command_group_without_its_action_prints_its_help_to_stderr_and_exits_2():
    done = _cnnlab("nbgrader")
    assert done.returncode == 2 and done.stdout == ""
    assert "usage: cnnlab nbgrader" in done.stderr


def test_every_subcommand_has_a_description():
    missing = [" ".join(words) for words, parser in _subcommands(make_parser())
               if not (parser.description or "").strip()]
    assert missing == []


def test_no_help_text_shows_restructuredtext_markup():
    """``--help`` is read in a terminal: no ``double backticks`` or **stars**."""
    marked = []
    for words, parser in [((), make_parser()), *_subcommands(make_parser())]:
        text = parser.format_help()
        if "``" in text or "**" in text:
            marked.append(" ".join(words) or "cnnlab")
    assert marked == []


def test_ctrl_c_in_a_command_exits_130_with_one_line(monkeypatch, capsys):
    import cnnlab.check

    def interrupted(_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cnnlab.check, "run", interrupted)  # registered when main runs
    try:
        status = main(["check"])
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped from main: a traceback for the user")
    assert status == cli.INTERRUPTED == 130
    err = capsys.readouterr().err
    assert err.strip() == "cnnlab: interrupted" and "Traceback" not in err


# --- output arguments: OUT may be made, its missing parent is an error -----------------------

MISSING_PARENT = [
    ("grade", lambda out: ["grade", "examples/class", "--out", out]),
    ("release", lambda out: ["release", out]),
    ("gradescope", lambda out: ["gradescope", out + ".zip"]),
    ("figures", lambda out: ["figures", out]),
    ("nbgrader init", lambda out: ["nbgrader", "init", out]),
    ("rubric --write", lambda out: ["rubric", "--write", out + ".toml"]),
]


@pytest.mark.parametrize(("command", "arguments"), MISSING_PARENT,
                         ids=[c for c, _ in MISSING_PARENT])
def test_an_output_in_a_missing_folder_is_an_error_naming_that_folder(
        command, arguments, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(cli.__file__.rsplit("/cnnlab/", 1)[0])  # examples/class is relative
    missing = tmp_path / "no" / "such"
    assert main(arguments(str(missing / "out"))) == 2
    assert f"the folder {missing} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()
