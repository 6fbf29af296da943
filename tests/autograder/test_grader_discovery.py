"""Finding the hand-ins as the platforms deliver them, and saying so when there are none:
Canvas's flat bulk download (files grouped by student), Moodle's download folders (and
files) named by participant, a SUBMISSIONS folder with nothing to grade (exit 2 with what was
found and what a hand-in looks like), and which lines go to stdout and which to stderr.

The names are the platforms' own patterns: Canvas ``<name>[_LATE]_<user id>_<submission
id>_<file>`` with ``-1`` added to a resubmitted file, Moodle ``<Full Name>_<participant
id>_assignsubmission_<plugin>_`` (docs/grading.md cites both)."""

from __future__ import annotations

import pytest
from grader_helpers import FakeEngine, quick_class

from autograder import pipeline
from autograder.submissions import find_candidates, prepare
from cnnlab.cli import main

PADDING = "def same_padding(kernel_size):\n    return (kernel_size - 1) // 2\n"
POOLING = "def pool_output_size(input_size, size=2, stride=None):\n    return input_size // size\n"
RELU = "import numpy as np\n\n\ndef relu(x):\n    return np.maximum(x, 0)\n"
LOOP = "def relu(x):\n    while True:\n        pass\n"


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setattr(pipeline, "real_engine", lambda: FakeEngine)


def write(folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


# --- Canvas's flat bulk download -----------------------------------------------------------

@pytest.fixture
def canvas(tmp_path):
    return write(tmp_path / "submissions", {
        "devriesjan_12345_67890_padding.py": PADDING,
        "devriesjan_12345_67890_pooling.py": POOLING,
        "jansenpiet_LATE_23456_78901_convolution.py": RELU,
        "bakkeranna_34567_89012_padding-1.py": PADDING,  # Canvas renamed a resubmitted file
        "bakkeranna_34567_89012_report.pdf": "%PDF-1.4",
    })


def test_canvas_files_are_grouped_by_the_student_part_of_their_names(canvas):
    skipped = {}
    students = {c.student: sorted(name for name, _ in c.files)
                for c in find_candidates(canvas, skipped=skipped)}
    assert students == {"devriesjan_12345": ["padding.py", "pooling.py"],
                        "jansenpiet_23456": ["convolution.py"],
                        "bakkeranna_34567": ["padding.py", "report.pdf"]}
    assert skipped == {}


def test_a_canvas_hand_in_is_graded_under_the_files_own_names(canvas, tmp_path):
    found = {c.student: c for c in find_candidates(canvas)}
    submission = prepare(found["bakkeranna_34567"], tmp_path / "work")
    assert submission.sources == {"padding": PADDING}
    assert "bakkeranna_34567_89012_padding-1.py was graded as padding.py" in submission.notes
    late = prepare(found["jansenpiet_23456"], tmp_path / "work")
    assert late.sources == {"convolution": RELU}


def test_a_canvas_download_is_graded_as_a_class(canvas, tmp_path, fake_engine, capsys):
    out = tmp_path / "out"
    assert main(["grade", str(canvas), "--out", str(out), "-j", "2"]) == 0
    assert sorted(p.stem for p in (out / "feedback").glob("*.md")) == [
        "bakkeranna_34567", "devriesjan_12345", "jansenpiet_23456"]
    assert "3 students (3 graded now" in capsys.readouterr().out


def test_a_lone_zip_in_a_canvas_download_is_that_students_hand_in(tmp_path):
    import zipfile
    root = tmp_path / "submissions"
    root.mkdir()
    with zipfile.ZipFile(root / "devriesjan_12345_67890_handin.zip", "w") as archive:
        archive.writestr("mine/padding.py", PADDING)
    (candidate,) = find_candidates(root)
    assert (candidate.student, candidate.files) == ("devriesjan_12345", ())
    assert prepare(candidate, tmp_path / "work").sources == {"padding": PADDING}


def test_of_two_canvas_submissions_of_a_file_the_later_is_graded_and_the_note_says_so(
        tmp_path):
    root = write(tmp_path / "submissions", {
        "devriesjan_12345_999_padding.py": "# the first try\n",
        "devriesjan_LATE_12345_1000_padding.py": PADDING,  # later: a larger submission id
    })
    (candidate,) = find_candidates(root)
    submission = prepare(candidate, tmp_path / "work")
    assert submission.sources == {"padding": PADDING}
    assert ("devriesjan_12345_999_padding.py was not graded: a later submission of "
            "padding.py was") in submission.notes


def test_a_zip_beside_other_canvas_files_is_named_as_not_unpacked(tmp_path):
    root = write(tmp_path / "submissions", {"smithbob_340934_208490285_notes.py": "x = 1\n"})
    (root / "smithbob_340934_208490284_hw.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    (candidate,) = find_candidates(root)
    notes = prepare(candidate, tmp_path / "work").notes
    assert ("smithbob_340934_208490284_hw.zip was not unpacked: a zip is read when it is a "
            "student's only file") in notes


def test_a_changed_canvas_file_changes_the_digest(canvas):
    before = {c.student: c.digest for c in find_candidates(canvas)}
    (canvas / "devriesjan_12345_67890_pooling.py").write_text(POOLING + "# changed\n")
    after = {c.student: c.digest for c in find_candidates(canvas)}
    assert [s for s in before if before[s] != after[s]] == ["devriesjan_12345"]


# --- Moodle's download ---------------------------------------------------------------------

def test_moodle_folders_are_students_by_name_and_participant_id(tmp_path):
    root = tmp_path / "submissions"
    write(root / "Jan de Vries_12345_assignsubmission_file_", {"padding.py": PADDING})
    write(root / "Jan de Vries_12345_assignsubmission_onlinetext_",
          {"onlinetext.html": "<p>see my files</p>"})
    write(root / "Participant_23456_assignsubmission_file_", {"pooling.py": POOLING})
    skipped = {}
    candidates = find_candidates(root, skipped=skipped)
    assert [c.student for c in candidates] == ["Jan_de_Vries_12345", "Participant_23456"]
    assert skipped == {"Jan de Vries_12345_assignsubmission_onlinetext_":
                       "a Moodle onlinetext submission, not files"}
    assert prepare(candidates[0], tmp_path / "work").sources == {"padding": PADDING}


def test_moodle_files_without_folders_are_grouped_by_participant(tmp_path):
    root = write(tmp_path / "submissions", {
        "Jan de Vries_12345_assignsubmission_file_padding.py": PADDING,
        "Jan de Vries_12345_assignsubmission_file_pooling.py": POOLING})
    (candidate,) = find_candidates(root)
    assert candidate.student == "Jan_de_Vries_12345"
    assert prepare(candidate, tmp_path / "work").sources == {"padding": PADDING,
                                                             "pooling": POOLING}


# --- nothing to grade ----------------------------------------------------------------------

@pytest.mark.parametrize(("files", "found"), [
    ({}, "found an empty folder"),
    ({"notes.txt": "x", "marks.txt": "y"}, "found 2 entries that are no hand-in (marks.txt, "
                                           "notes.txt)"),
])
def test_a_folder_without_hand_ins_exits_2_saying_what_it_found_and_what_is_expected(
        files, found, tmp_path, fake_engine, capsys):
    root = write(tmp_path / "submissions", files)
    assert main(["grade", str(root), "--out", str(tmp_path / "out")]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert found in printed.err
    assert "A hand-in is one folder or .zip per student" in printed.err
    assert "padding.py, convolution.py, pooling.py, weights.py, receptive_field.py" in printed.err
    assert not (tmp_path / "out").exists()


def test_folders_without_a_single_code_file_are_nothing_to_grade(tmp_path, fake_engine, capsys):
    root = tmp_path / "submissions"
    write(root / "alice", {"report.pdf": "%PDF"})
    write(root / "bob", {"answers.txt": "42"})
    assert main(["grade", str(root), "--out", str(tmp_path / "out")]) == 2
    assert "2 hand-in(s) (alice, bob) without a single .py or .ipynb file" in (
        capsys.readouterr().err)


# --- streams -------------------------------------------------------------------------------

def test_warnings_go_to_stderr_with_one_line_of_hand_ins_to_look_at(
        tmp_path, fake_engine, capsys):
    root = tmp_path / "submissions"
    write(root / "alice", {"padding.py": PADDING})
    (root / "bob.zip").write_bytes(b"this is no zip file")
    write(root / "carol", {"padding.py": PADDING, "notes.txt": "x"})
    (root / "carol" / "padding.py").unlink()
    write(root / "carol", {"solution.ipynb": "{not json"})
    write(root / "dave", {"convolution.py": LOOP})
    (root / "README.md").write_text("the class of 2025")
    assert main(["grade", str(root), "--out", str(tmp_path / "out"), "-j", "2"]) == 0
    printed = capsys.readouterr()
    assert "not graded" not in printed.out and "to look at" not in printed.out
    assert "not graded: 'README.md' in SUBMISSIONS" in printed.err
    look = [line for line in printed.err.splitlines() if line.startswith("hand-ins to look at")]
    assert look == ["hand-ins to look at: 1 unreadable (bob); 1 without an exercise module "
                    "(carol); 1 timed out (dave); 1 skipped (README.md)"]


def test_the_example_class_s_endless_loop_is_listed_as_timed_out(tmp_path, fake_engine, capsys):
    looping = quick_class(tmp_path / "class", ("s007_infinite_loop",))
    assert main(["grade", str(looping), "--out", str(tmp_path / "out"), "-j", "2"]) == 0
    err = capsys.readouterr().err
    (look,) = [line for line in err.splitlines() if line.startswith("hand-ins to look at")]
    assert "timed out (s007_infinite_loop" in look
