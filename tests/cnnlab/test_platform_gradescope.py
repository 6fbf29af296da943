"""The Gradescope bundle: built, unpacked into a fake ``/autograder``, ``run_autograder`` run
on a correct and on a buggy hand-in with the course key the bundle carries, and the
``results.json`` it writes; the key and the drawn suite kept out of the sandbox's view."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import course_key, engine, suite_cache
from cnnlab.catalog import FUNCTIONS
from cnnlab.platforms.gradescope import RUN_AUTOGRADER, SETUP_SH, build_bundle

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
# The grader's usual cache (drawn once for the tests' key), not the bundle's own.
SUITE_CACHE = suite_cache.cache_dir()
BUGGY = "relu"
BUG = "\n\ndef relu(x):\n    return np.asarray(x, dtype=float)  # forgets max(0, x)\n"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return build_bundle(tmp_path_factory.mktemp("bundle") / "autograder.zip")


def _grade(bundle: Path, root: Path, bug: str = "") -> dict:
    """Unpack into ``root/source`` as Gradescope does, hand in the reference (plus ``bug``),
    run ``run_autograder`` and return the parsed results.json."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)
    submission = root / "submission"
    submission.mkdir()
    for module in SOLUTIONS.glob("*.py"):
        if module.name != "__init__.py":
            shutil.copy(module, submission / module.name)
    (submission / "convolution.py").write_text((submission / "convolution.py").read_text()
                                               + bug)
    environment = {k: v for k, v in os.environ.items() if k != course_key.KEY_ENV}
    # run_autograder's python3 (no /opt/cnnlab here): the interpreter of these tests, so that
    # the cnnlab under test grades, not another one installed on the machine
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run([str(root / "source" / "run_autograder")], capture_output=True,
                          text=True, env={"CNNLAB_CACHE": str(SUITE_CACHE), **environment,
                                         "CNNLAB_GRADESCOPE_ROOT": str(root)},
                          timeout=600)  # the course key: the bundle's
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


@pytest.fixture(scope="module")
def correct(bundle, tmp_path_factory) -> dict:
    return _grade(bundle, tmp_path_factory.mktemp("correct"))


@pytest.fixture(scope="module")
def buggy(bundle, tmp_path_factory) -> dict:
    return _grade(bundle, tmp_path_factory.mktemp("buggy"), BUG)


def test_bundle_has_gradescopes_files_at_its_root(bundle):
    names = set(zipfile.ZipFile(bundle).namelist())
    assert {"setup.sh", "run_autograder", "cnnlab/pyproject.toml",
            "cnnlab/autograder/engine.py", "cnnlab/solutions/padding.py",
            "cnnlab/cnnlab/cli.py"} <= names


def test_bundle_carries_the_course_key_beside_the_source_tree(bundle):
    archive = zipfile.ZipFile(bundle)
    info = archive.getinfo("course.key")
    assert (info.external_attr >> 16) & 0o777 == 0o600
    assert bytes.fromhex(archive.read("course.key").decode()) == course_key.load().secret


@pytest.mark.parametrize("script", [SETUP_SH, RUN_AUTOGRADER], ids=["setup.sh", "run"])
def test_the_key_and_the_drawn_suite_stay_out_of_what_the_sandbox_shows(script, monkeypatch):
    """Gradescope's venv (/opt/cnnlab) and the system folders are shown to student code."""
    monkeypatch.setattr(course_key, "exposed_folders", lambda: ["/opt/cnnlab", "/usr"])
    values = re.findall(r"(?:CNNLAB_CACHE|CNNLAB_COURSE_KEY|PRIVATE|KEY)=\"?([^\s\";]+)",
                        script)
    places = [re.sub(r"\$\{\w+:-(.*)\}", r"\1", value).replace(
        "$PRIVATE", "/autograder/cnnlab-private").replace("$ROOT", "/autograder")
        for value in values]
    places = [place for place in places if place.startswith("/")]
    assert len(places) >= 3, values
    for place in places:
        assert not course_key.inside_exposed(Path(place)), place


def test_run_autograder_is_executable_in_the_zip(bundle):
    info = zipfile.ZipFile(bundle).getinfo("run_autograder")
    assert (info.external_attr >> 16) & 0o111


def test_setup_sh_is_valid_bash(bundle, tmp_path):
    (tmp_path / "setup.sh").write_bytes(zipfile.ZipFile(bundle).read("setup.sh"))
    assert subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")]).returncode == 0


def test_run_autograder_is_valid_bash(bundle, tmp_path):
    (tmp_path / "run").write_bytes(zipfile.ZipFile(bundle).read("run_autograder"))
    assert subprocess.run(["bash", "-n", str(tmp_path / "run")]).returncode == 0


def test_results_have_numeric_score_and_execution_time(correct):
    assert isinstance(correct["score"], float | int)
    assert isinstance(correct["execution_time"], float | int) and correct["execution_time"] > 0


def test_results_have_one_test_per_function_with_gradescopes_fields(correct):
    assert [t["name"] for t in correct["tests"]] == list(FUNCTIONS)
    for test in correct["tests"]:
        assert {"name", "score", "max_score", "visibility", "output"} <= set(test)


def test_correct_hand_in_gets_full_marks(correct):
    assert correct["score"] == pytest.approx(engine.load_rubric().max_score)


def test_buggy_hand_in_loses_points_on_the_buggy_function(buggy):
    relu = next(t for t in buggy["tests"] if t["name"] == BUGGY)
    assert relu["score"] < relu["max_score"]


def test_buggy_hand_in_keeps_every_other_point(buggy):
    others = [t for t in buggy["tests"] if t["name"] != BUGGY]
    assert all(t["score"] == t["max_score"] for t in others)


def test_build_refuses_a_name_without_zip(tmp_path):
    with pytest.raises(ValueError, match=r"\.zip"):
        build_bundle(tmp_path / "bundle.tar")
