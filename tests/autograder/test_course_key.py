"""The course key: made once, private, found where the course says, never where student code
can read it, and the root of every secret the grader uses."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course_key
from autograder.course_key import CourseKeyError


@pytest.fixture
def fresh(tmp_path, monkeypatch) -> Path:
    """No key yet: the default place is in an empty data folder."""
    monkeypatch.delenv(course_key.KEY_ENV, raising=False)
    monkeypatch.setenv("CNNLAB_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(course_key, "_LOADED", {})
    return tmp_path / "data" / course_key.FILE_NAME


def test_first_use_makes_a_private_key_and_says_where(fresh):
    said = []
    key = course_key.load(say=said.append)
    assert key.path == fresh and key.created
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700
    assert len(bytes.fromhex(fresh.read_text())) == 32
    (line,) = said
    assert str(fresh) in line and "--course-key" in line and "--resume" in line


def test_the_key_is_read_back_the_same_in_another_process(fresh):
    key = course_key.load(say=lambda line: None)
    other = subprocess.run([sys.executable, "-c", "from autograder import course_key; "
                            "print(course_key.load().fingerprint)"], capture_output=True,
                           text=True, env={**os.environ, "CNNLAB_DATA": str(fresh.parent)},
                           check=True)
    assert other.stdout.strip() == key.fingerprint
    assert other.stderr == ""  # nothing made, nothing said


def test_the_option_and_the_variable_choose_the_file(fresh, tmp_path, monkeypatch):
    chosen = tmp_path / "elsewhere" / "mine.key"
    assert course_key.load(chosen, say=lambda line: None).path == chosen
    monkeypatch.setenv(course_key.KEY_ENV, str(chosen))
    assert course_key.key_path() == chosen
    assert course_key.key_path(tmp_path / "x.key") == tmp_path / "x.key"  # the option wins
    assert not fresh.exists()


def test_two_keys_differ_and_one_key_gives_one_subkey_per_label(fresh, tmp_path):
    one = course_key.load(say=lambda line: None)
    two = course_key.load(tmp_path / "two.key", say=lambda line: None)
    assert one.secret != two.secret and one.fingerprint != two.fingerprint
    labels = ["suite", "gradebook", "hand-in", "fingerprint"]
    subkeys = {one.subkey(label) for label in labels}
    assert len(subkeys) == len(labels) and one.secret not in subkeys
    assert one.seed("suite", "conv2d.agrees") != one.seed("suite", "conv2d.agrees_x")


def test_a_key_others_may_read_is_refused_with_the_fix(fresh):
    course_key.load(say=lambda line: None)
    fresh.chmod(0o644)
    course_key._LOADED.clear()
    with pytest.raises(CourseKeyError, match=r"chmod 600"):
        course_key.load()


@pytest.mark.parametrize("text", ["", "not hex at all", "ab" * 31, "ab" * 33])
def test_a_file_without_a_key_is_refused(fresh, text):
    fresh.parent.mkdir(mode=0o700)
    fresh.write_text(text)
    fresh.chmod(0o600)
    with pytest.raises(CourseKeyError, match="does not hold a key"):
        course_key.load()


def test_a_key_inside_what_the_sandbox_shows_is_refused(fresh, tmp_path, monkeypatch):
    exposed = tmp_path / "venv"
    monkeypatch.setattr(course_key, "exposed_folders", lambda: [str(exposed)])
    with pytest.raises(CourseKeyError, match="shows to student code"):
        course_key.load(exposed / "cnnlab" / "course.key")
    assert not (exposed / "cnnlab").exists()  # refused before anything was made


def test_the_python_installation_is_among_the_exposed_folders():
    assert os.path.realpath(sys.prefix) in course_key.exposed_folders()
    assert course_key.inside_exposed(Path(sys.prefix) / "course.key")
