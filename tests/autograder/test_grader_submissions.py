"""No hand-in stops the class: odd names, odd files and odd archives are graded as far as
they can be read, and every file left out is named in a true note."""

import csv
import json
import os
import signal
import zipfile
from pathlib import Path

import pytest
from grader_helpers import PERFECT, FakeEngine

from autograder.pipeline import Options, grade_class
from autograder.sandbox import Limits
from autograder.submissions import MAX_ID, find_candidates, prepare

PADDING = "def same_padding(kernel_size):\n    return kernel_size // 2\n"
FAST = Limits(seconds_per_call=1.5, seconds_import=5)


@pytest.fixture(autouse=True)
def never_hang():
    """Opening a FIFO would block for ever: fail instead."""
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("blocked on a hand-in's file"))
    signal.alarm(120)
    yield
    signal.alarm(0)


def hand_in(root: Path, name: str, files: dict[str, str] | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for file, text in (files or {"padding.py": PADDING}).items():
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_text(text)
    return folder


def prepared(root: Path, work: Path, name: str):
    (candidate,) = [c for c in find_candidates(root) if c.path.name == name]
    return prepare(candidate, work)


def test_names_that_collide_after_sanitising_get_distinct_ids_the_same_every_run(tmp_path):
    for name in ("Müller", "Mäller", "Muller"):
        hand_in(tmp_path, name)
    first = {c.path.name: c.student for c in find_candidates(tmp_path)}
    assert first == {c.path.name: c.student for c in find_candidates(tmp_path)}
    assert len(set(first.values())) == 3
    assert all(i.startswith(("Muller", "Maller")) and i.isascii() for i in first.values())
    assert first["Mäller"] == "Maller"  # no collision, no suffix


def test_a_suffixed_id_that_is_another_hand_in_s_name_is_suffixed_again(tmp_path):
    # "a b" and "a_b" collide; "a b" would become "a_b-" + the start of sha256("a b"),
    # which a third folder is named: one student would overwrite another's grade.
    import hashlib
    taken = "a_b-" + hashlib.sha256(b"a b").hexdigest()[:8]
    for name in ("a b", "a_b", taken, "Zz", "zz"):  # the last two: one file on macOS
        hand_in(tmp_path / "class", name)
    ids = {c.path.name: c.student for c in find_candidates(tmp_path / "class")}
    assert len({i.lower() for i in ids.values()}) == 5
    grade_class(tmp_path / "class", tmp_path / "out", Options(jobs=2, limits=FAST), FakeEngine)
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert {row["hand_in"]: row["student"] for row in rows} == ids


def test_a_very_long_name_is_cut_and_stays_unique(tmp_path):
    long_a, long_b = "a" * 250 + "x", "a" * 250 + "y"
    hand_in(tmp_path, long_a)
    hand_in(tmp_path, long_b)
    ids = [c.student for c in find_candidates(tmp_path)]
    assert len(set(ids)) == 2 and all(len(i) <= MAX_ID + 9 for i in ids)
    submission = prepared(tmp_path, tmp_path.parent / f"work-{tmp_path.name}", long_a)
    assert submission.sources == {"padding": PADDING}


def test_grades_csv_maps_each_id_to_the_original_hand_in(tmp_path):
    root = tmp_path / "class"
    for name in ("Müller", "Mäller"):
        hand_in(root, name)
    grade_class(root, tmp_path / "out", Options(jobs=2, limits=FAST), FakeEngine)
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0])[:3] == ["student", "score", "max_score"]
    assert list(rows[0])[-1] == "hand_in"
    assert {row["hand_in"] for row in rows} == {"Müller", "Mäller"}
    assert len({row["student"] for row in rows}) == 2


def test_a_virtualenv_inside_is_not_read_and_is_no_error(tmp_path):
    files = {"padding.py": PADDING}
    files |= {f"venv/lib/python3.11/site-packages/pkg{i}/mod.py": "x = 1\n" for i in range(300)}
    hand_in(tmp_path, "alice", files)
    submission = prepared(tmp_path, tmp_path.parent / f"work-{tmp_path.name}", "alice")
    assert submission.sources == {"padding": PADDING}
    assert submission.notes == ["modules found: padding.py"]


def test_the_release_bundle_handed_in_whole_is_graded_from_its_exercises_folder(tmp_path):
    hand_in(tmp_path, "alice", {"exercises/padding.py": PADDING, "exercises/__init__.py": "",
                                "cnnlab/__init__.py": "", "README.md": "cnnlab-student",
                                "notebooks/cnn_exercises.ipynb": "{}"})
    submission = prepared(tmp_path, tmp_path.parent / f"work-{tmp_path.name}", "alice")
    assert submission.sources["padding"] == PADDING


def test_a_notebook_beside_the_unchanged_stub_is_graded_also_in_the_whole_bundle(tmp_path):
    import exercises
    stub = (Path(exercises.__file__).parent / "padding.py").read_text()
    notebook = json.dumps({"cells": [{"cell_type": "code", "source": PADDING}], "metadata": {},
                           "nbformat": 4, "nbformat_minor": 5})
    hand_in(tmp_path, "alice", {"exercises/padding.py": stub, "exercises/__init__.py": "",
                                "notebooks/cnn_exercises.ipynb": notebook, "README.md": ""})
    submission = prepared(tmp_path, tmp_path.parent / f"work-{tmp_path.name}", "alice")
    assert PADDING.strip() in submission.sources["padding"]
    assert any(n.startswith("padding.py is the exercise's stub, unchanged") for n in
               submission.notes), submission.notes


def test_a_module_saved_under_a_copys_name_is_graded_under_its_own_with_a_note(tmp_path):
    hand_in(tmp_path, "alice", {"padding (1).py": PADDING, "Pooling.py": "X = 1\n",
                                "receptive_field.py.py": "Y = 2\n", "my helpers.py": ""})
    submission = prepared(tmp_path, tmp_path.parent / f"work-{tmp_path.name}", "alice")
    assert (submission.sources["padding"], submission.sources["pooling"],
            submission.sources["receptive_field"]) == (PADDING, "X = 1\n", "Y = 2\n")
    assert "Pooling" in submission.sources  # for the student's own ``import Pooling``
    for note in ("padding (1).py was graded as padding.py", "Pooling.py was graded as "
                 "pooling.py", "my helpers.py is not a module name Python can import"):
        assert any(n.startswith(note) for n in submission.notes), submission.notes


def test_a_folder_holding_only_the_uploaded_zip_is_graded_from_the_zip(tmp_path):
    # Moodle's folder per participant holds the file they uploaded, often a zip
    folder = hand_in(tmp_path, "Jan de Vries_12345_assignsubmission_file_", {"report.pdf": ""})
    with zipfile.ZipFile(folder / "lab3.zip", "w") as archive:
        archive.writestr("lab3/padding.py", PADDING)
    (candidate,) = find_candidates(tmp_path)
    submission = prepare(candidate, tmp_path.parent / f"work-{tmp_path.name}")
    assert submission.sources == {"padding": PADDING}
    with zipfile.ZipFile(folder / "lab3.zip", "w") as archive:  # handed in again, changed
        archive.writestr("lab3/padding.py", PADDING + "\n# v2\n")
    (again,) = find_candidates(tmp_path)
    assert again.digest != candidate.digest  # --resume grades it again


def test_many_files_next_to_the_modules_do_not_hide_the_exercise_modules(tmp_path):
    files = {"padding.py": PADDING} | {f"a{i:03}.py": "x = 1\n" for i in range(250)}
    hand_in(tmp_path, "alice", files)
    submission = prepared(tmp_path, tmp_path.parent / f"work-{tmp_path.name}", "alice")
    assert "padding" in submission.sources
    assert any("51 of the 251 code files were not used" in n for n in submission.notes)


def test_a_symlink_is_skipped_with_a_note_and_the_rest_graded(tmp_path):
    root = tmp_path / "class"
    folder = hand_in(root, "alice")
    secret = tmp_path / "secret.py"
    secret.write_text("def conv2d(image, kernel):\n    return 'the grader file'\n")
    (folder / "convolution.py").symlink_to(secret)
    (root / "bob").symlink_to(folder)
    skipped = {}
    (candidate,) = find_candidates(root, skipped=skipped)
    assert skipped == {"bob": "a symbolic link, not followed"}
    submission = prepare(candidate, tmp_path / "work")
    assert submission.sources == {"padding": PADDING}
    assert "convolution.py is a symbolic link: skipped" in submission.notes


def test_a_fifo_is_never_opened(tmp_path):
    root = tmp_path / "class"
    folder = hand_in(root, "alice")
    os.mkfifo(folder / "convolution.py")
    os.mkfifo(root / "bob.zip")
    skipped = {}
    (candidate,) = find_candidates(root, skipped=skipped)
    assert skipped == {"bob.zip": "not a folder or a .zip file"}
    submission = prepare(candidate, tmp_path / "work")
    assert submission.sources == {"padding": PADDING}
    assert "convolution.py is not a regular file: skipped" in submission.notes


def test_dot_and_underscore_hand_ins_are_graded_and_archiver_folders_reported(tmp_path):
    for name in (".alice", "_bob"):
        hand_in(tmp_path, name)
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / ".git").mkdir()
    skipped = {}
    candidates = find_candidates(tmp_path, skipped=skipped)
    assert sorted(c.path.name for c in candidates) == [".alice", "_bob"]
    assert not any(c.student.startswith(".") for c in candidates)
    assert set(skipped) == {"__MACOSX", ".git"}


@pytest.mark.parametrize("notebook", [
    "{not json",
    json.dumps({"cells": {"a": 1}}),
    json.dumps({"cells": [{"cell_type": "code", "source": [1, None, "def relu(x):\n",
                                                            "    return x\n"]},
                          {"cell_type": "code"}, "not a cell",
                          {"cell_type": "code", "source": "def conv2d(\x00"}]}),
    "[" * 100_000,
])
def test_a_broken_notebook_is_noted_and_the_other_files_graded(tmp_path, notebook):
    hand_in(tmp_path, "alice", {"padding.py": PADDING, "work.ipynb": notebook})
    submission = prepared(tmp_path, tmp_path.parent / f"work-{tmp_path.name}", "alice")
    assert submission.sources["padding"] == PADDING
    assert not any("could not be read" in n and "hand-in" in n for n in submission.notes)


def _zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


def _link(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16)
    return info, target.encode()


@pytest.mark.parametrize("bad", [_link("convolution.py", "/etc/passwd"),
                                 ("../convolution.py", b"x = 1"),
                                 ("/abs/convolution.py", b"x = 1")])
def test_a_bad_zip_entry_is_skipped_with_a_note_and_the_rest_graded(tmp_path, bad):
    root = tmp_path / "class"
    root.mkdir()
    _zip(root / "alice.zip", [bad, ("padding.py", PADDING.encode())])
    (candidate,) = find_candidates(root)
    submission = prepare(candidate, tmp_path / "work")
    assert submission.sources == {"padding": PADDING}
    assert any("could not be read" in n and "skipped" in n for n in submission.notes)
    assert "modules found: padding.py" in submission.notes
    assert not (tmp_path / "convolution.py").exists()


def test_the_whole_class_is_graded_with_odd_hand_ins_beside_the_normal_ones(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    import shutil
    shutil.copytree(PERFECT, root / "s001_perfect")
    hand_in(root, "Müller" + "x" * 240, {"padding.py": PADDING, "nb.ipynb": "{"})
    _zip(root / "zed.zip", [_link("convolution.py", "/etc/passwd"),
                            ("padding.py", PADDING.encode())])
    run = grade_class(root, tmp_path / "out", Options(jobs=2, limits=FAST), FakeEngine)
    assert run.errors == {} and len(run.graded) == 3
    feedback = (tmp_path / "out" / "feedback" / "zed.md").read_text()
    assert "symbolic link" in feedback and "modules found: padding.py" in feedback


def test_text_that_is_no_utf_8_is_graded_with_a_replacement_not_a_grader_error(tmp_path):
    # A lone surrogate (a notebook's JSON "\ud800", utf-7's "+2AA-") cannot be written as
    # UTF-8; a codec that fails even with errors="replace" (idna) raised in the grader.
    from autograder.engine import sources_digest
    root = tmp_path / "class"
    notebook = hand_in(root, "nb", {"work.ipynb": json.dumps({"cells": [{
        "cell_type": "code", "source": "def relu(x):\n    s = '\ud800'\n    return x\n"}]})})
    utf7 = hand_in(root, "utf7", {"padding.py": PADDING})
    (utf7 / "helper.py").write_bytes(b'# coding: utf-7\nx = "+2AA-"\n')
    idna = hand_in(root, "idna", {"padding.py": PADDING})
    (idna / "notes.py").write_bytes(b"# coding: idna\nx = 1\n")
    for folder in (notebook, utf7, idna):
        submission = prepared(root, tmp_path / f"work-{folder.name}", folder.name)
        sources_digest(submission.sources)  # raised UnicodeEncodeError
        assert all(text.encode("utf-8") for text in submission.sources.values())
    assert "\ufffd" in prepared(root, tmp_path / "w2", "nb").sources["convolution"]
    assert prepared(root, tmp_path / "w3", "idna").sources["padding"] == PADDING


def _zip(path: Path, entries: list[tuple[str, str]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries:
            archive.writestr(name, text)
    return path


def test_a_zip_entry_that_cannot_be_unpacked_costs_only_itself(tmp_path):
    import warnings
    root = tmp_path / "class"
    root.mkdir()
    modules = [(p.name, p.read_text()) for p in sorted(PERFECT.glob("*.py"))]
    with warnings.catch_warnings():  # zipfile warns of the duplicate name: the point here
        warnings.simplefilter("ignore", UserWarning)
        _zip(root / "odd.zip", [*modules, ("x.py", "y = 1"), ("x.py/z.py", "y = 2"),
                                ("a" * 300 + ".py", "y = 3"),
                                ("padding.py", "def zero_pad(x, pad):\n    return None\n")])
    submission = prepared(root, tmp_path / "work", "odd.zip")
    assert {p.stem for p in PERFECT.glob("*.py")} <= set(submission.sources)
    notes = "\n".join(submission.notes)
    assert "'x.py/z.py' could not be unpacked" in notes and str(tmp_path) not in notes
    assert "'padding.py' 2 times: the last one was graded" in notes
    assert "return None" in submission.sources["padding"]


def test_a_virtualenv_inside_a_zip_does_not_crowd_out_the_modules(tmp_path):
    from autograder.submissions import MAX_FILES
    root = tmp_path / "class"
    root.mkdir()
    junk = [(f"hw/.venv/lib/site-packages/pkg/m{i}.py", "x = 1") for i in range(MAX_FILES + 50)]
    modules = [(f"hw/{p.name}", p.read_text()) for p in sorted(PERFECT.glob("*.py"))]
    _zip(root / "venv.zip", [*junk, *modules])
    submission = prepared(root, tmp_path / "work", "venv.zip")
    assert {p.stem for p in PERFECT.glob("*.py")} <= set(submission.sources)


def test_a_zip64_record_the_locator_does_not_point_to_still_counts(tmp_path):
    """Python's zipfile reads the zip64 end record just before its locator, whatever the
    locator's offset says: a directory of millions of entries must be seen before listing."""
    import struct

    from autograder.submissions import MAX_ZIP_ENTRIES, zip_directory_size
    path = _zip(tmp_path / "one.zip", [("padding.py", PADDING)])
    data = path.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    entries = 2_000_000
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries,
                        94 * 2**20, 0)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 1)  # offset 0: a local header
    path.write_bytes(data[:end] + zip64 + locator + data[end:])
    assert zip_directory_size(path)[0] == entries > MAX_ZIP_ENTRIES


def test_a_scratch_file_beside_the_folder_with_the_modules_does_not_hide_them(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    modules = [(f"hw/{p.name}", p.read_text()) for p in sorted(PERFECT.glob("*.py"))]
    _zip(root / "scratch.zip", [("scratch.py", "print('trying things')\n"), *modules])
    submission = prepared(root, tmp_path / "work", "scratch.zip")
    assert {p.stem for p in PERFECT.glob("*.py")} <= set(submission.sources)


def test_folders_that_were_not_read_are_named_in_the_notes(tmp_path):
    # two assignments of an nbgrader course, or part1/ and part2/: which one is the work?
    root = tmp_path / "class"
    hand_in(root / "two", "part1", {"padding.py": PADDING})
    hand_in(root / "two", "part2", {"pooling.py": "x = 1\n"})
    submission = prepared(root, tmp_path / "work", "two")
    assert submission.notes[-2].startswith(
        "folders with code that were not read: part1/, part2/ (a hand-in is read at its top")
    assert "cnnlab nbgrader grade COURSE ASSIGNMENT" in submission.notes[-2]
    assert submission.notes[-1] == "modules found: none"
