"""Find the students in a SUBMISSIONS folder and turn each hand-in into a folder of modules.

A student is a sub-folder or a ``.zip`` named by the student id, holding exercise modules
(``padding.py``, ...) or exercise notebooks (``.ipynb``). nbgrader's layout
``submitted/<student>/<assignment>/`` works too: a folder without exercise files and with a
single sub-folder is entered. The learning platforms' bulk downloads are read as they come:
Canvas's flat folder of files named ``<name>[_LATE]_<user id>_<submission id>_<file>`` (the
files grouped by student, Canvas's ``-1`` of a resubmitted file dropped), and Moodle's
folders (or files) named ``<Full Name>_<participant id>_assignsubmission_file_`` (see
docs/grading.md). Notebooks become modules: their code cells are collected (IPython
magic, shell and help lines dropped), top-level statements that only run or print something, and
imports and assignments no definition needs (a data file loaded), are left out, and each module
gets the definitions, so that every graded function is found where
``cnnlab.catalog`` says it lives.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import struct
import symtable
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import exercises
from autograder.text import printable
from cnnlab import paths
from cnnlab.catalog import EXERCISES, MODULE_OF
from cnnlab.source_text import (
    MAX_PARSED_CHARS,
    PARSE_ERRORS,
    Segments,
    parse,
    source_text,
    without_surrogates,
)

CODE_SUFFIXES = (".py", ".ipynb")
MAX_FILES = 200  # code files used from one hand-in (exercise modules and notebooks first)
MAX_FILE_BYTES = 5 * 2**20
MAX_TOTAL_BYTES = 20 * 2**20
# A zip's central directory is read only when it is small: Python's zipfile holds every entry
# in memory (a zip of a million entries took 585 MB). Its size and entry count are read from
# the end-of-central-directory record first.
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_DIRECTORY_BYTES = 4 * 2**20
MAX_ID = 64  # characters of a student id before its hash suffix
SAFE_ID = re.compile(r"[^A-Za-z0-9._@+-]")
NOT_HAND_INS = ("__MACOSX", "__pycache__")  # an archiver's or Python's, never a student's
EXERCISE_FILES = {f"{module}.py" for module in EXERCISES}
# Canvas "Download Submissions": devriesjan_12345_67890_padding.py, devriesjan_LATE_12345_...
CANVAS_FILE = re.compile(r"^(?P<name>[^_]+?)(?:_LATE)?_(?P<user>\d+)_(?P<submission>\d+)_"
                         r"(?P<file>.+)$")
# Moodle "Download all submissions": a folder (or, without "download as folders", a file
# prefix) per participant and plugin: "Jan de Vries_12345_assignsubmission_file_".
MOODLE_ENTRY = re.compile(r"^(?P<name>[^_]+)_(?P<participant>\d+)_assignsubmission_"
                          r"(?P<plugin>[a-z]+)_(?P<file>.*)$")
RESUBMITTED = re.compile(r"^(?P<stem>.+)-\d+(?P<suffix>\.[A-Za-z]+)$")  # Canvas's padding-1.py
# The beginnings of the notes that say a hand-in gave nothing to grade (terminal summary).
UNREADABLE = "the hand-in could not be read"
NO_MODULES = "modules found: none"
HAND_IN_SHAPE = ("A hand-in is one folder or .zip per student, named by the student id, "
                 "holding the exercise modules ({modules}) or the exercise notebook (.ipynb). "
                 "Also read: an nbgrader course folder, Canvas's bulk download (files named "
                 "like devriesjan_12345_67890_padding.py) and Moodle's (folders named like "
                 "'Jan de Vries_12345_assignsubmission_file_'); see docs/grading.md.")


class SubmissionError(ValueError):
    """A hand-in that cannot be read at all (a broken or hostile zip, too large, ...)."""


@dataclass
class Candidate:
    """One student's hand-in as found on disk, before it is unpacked."""

    student: str
    path: Path  # a folder or a .zip; for a flat platform download, its first file
    digest: str  # sha256 of the hand-in's files: unchanged digest, unchanged grade
    # A flat platform download's files: (name as handed in, the file), e.g. ("padding.py",
    # .../devriesjan_12345_67890_padding.py). Empty for a folder or a .zip.
    files: tuple[tuple[str, Path], ...] = ()


@dataclass
class Submission:
    student: str
    folder: Path  # holds only the student's .py modules
    sources: dict[str, str] = field(default_factory=dict)  # module -> source text
    notes: list[str] = field(default_factory=list)


# --- finding students ----------------------------------------------------------------------

def find_candidates(root: Path, exclude: Path | None = None,
                    skipped: dict[str, str] | None = None) -> list[Candidate]:
    """Every student in ``root``, sorted by id, leaving out ``exclude`` (the output folder,
    if it is inside). ``skipped`` collects entry name -> why it is no hand-in. Raises
    ``FileNotFoundError`` for a missing folder and ``ValueError`` when two hand-ins have
    the very same name (``alice/`` and ``alice.zip``)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"SUBMISSIONS folder {root} does not exist or is not a folder")
    if _is_nbgrader_course(root):
        root = root / "submitted"
    skipped = {} if skipped is None else skipped
    entries: list[tuple[str, Path, tuple[tuple[str, Path], ...]]] = []  # name, path, files
    flat: dict[str, list[tuple[str, Path]]] = {}  # a platform's student -> its files
    for path in sorted(root.iterdir()):
        if exclude is not None and path.resolve() == Path(exclude).resolve():
            continue
        student_file = _platform_file(path)
        if student_file is not None:
            flat.setdefault(student_file[0], []).append((student_file[1], path))
            continue
        why_not = _why_no_hand_in(path)
        if why_not:
            skipped[path.name] = why_not
        else:
            entries.append((_hand_in_name(path), path, ()))
    entries += [_flat_hand_in(student, files) for student, files in flat.items()]
    return [Candidate(student, path, _digest(path, files), files)
            for student, path, files in _unique_ids(entries)]


def nothing_to_grade(root: Path, candidates: list[Candidate],
                     skipped: dict[str, str]) -> str | None:
    """Why a run on ``root`` would grade nobody (no hand-in, or none with a code file), with
    what was found and what a hand-in looks like; None when there is something to grade."""
    if any(_may_hold_code(c) for c in candidates):
        return None
    if candidates:
        names = ", ".join(c.path.name for c in candidates[:5])
        found = (f"{len(candidates)} hand-in(s) ({names}{', ...' if len(candidates) > 5 else ''})"
                 " without a single .py or .ipynb file")
    else:
        names = ", ".join(sorted(skipped)[:5])
        found = (f"{len(skipped)} entries that are no hand-in ({names}"
                 f"{', ...' if len(skipped) > 5 else ''})" if skipped else "an empty folder")
    modules = ", ".join(f"{module}.py" for module in EXERCISES)
    return (f"nothing to grade in SUBMISSIONS {root}: found {found}. "
            + HAND_IN_SHAPE.format(modules=modules))


def _may_hold_code(candidate: Candidate) -> bool:
    if candidate.files:
        return any(Path(name).suffix in CODE_SUFFIXES for name, _ in candidate.files)
    return candidate.path.is_file() or _has_code_inside(candidate.path)  # a zip: graded


def _platform_file(path: Path) -> tuple[str, str] | None:
    """(student, the file's own name) for a file of a flat Canvas or Moodle download."""
    if not stat.S_ISREG(path.lstat().st_mode):
        return None
    moodle = MOODLE_ENTRY.match(path.name)
    if moodle and moodle["file"]:
        return f"{moodle['name']}_{moodle['participant']}", moodle["file"]
    canvas = CANVAS_FILE.match(path.name)
    if canvas:
        return f"{canvas['name']}_{canvas['user']}", canvas["file"]
    return None


def _hand_in_name(path: Path) -> str:
    """What the student id is made from: the zip's stem, a Moodle folder's name and
    participant id, or the folder's name."""
    if path.suffix.lower() == ".zip":
        return path.stem
    moodle = MOODLE_ENTRY.match(path.name)
    return f"{moodle['name']}_{moodle['participant']}" if moodle else path.name


def _flat_hand_in(student: str, files: list[tuple[str, Path]]
                  ) -> tuple[str, Path, tuple[tuple[str, Path], ...]]:
    """One student's files of a flat download: a lone .zip is a zip hand-in; otherwise the
    files under their own names (a resubmission's ``padding-1.py`` as ``padding.py``)."""
    if len(files) == 1 and files[0][0].lower().endswith(".zip"):
        return student, files[0][1], ()
    named: dict[str, Path] = {}
    superseded: list[tuple[str, Path]] = []  # an earlier submission's file of the same name
    for name, path in sorted(files, key=_newest_first):
        again = RESUBMITTED.match(name)
        plain = again["stem"] + again["suffix"] if again else name
        key = plain if plain not in named else name
        if key in named:
            superseded.append((SUPERSEDED + name, path))
        else:
            named[key] = path
    return student, files[0][1], tuple(sorted(named.items())) + tuple(superseded)


SUPERSEDED = "superseded/"  # a flat download's file left out for a later one of its name


def _newest_first(pair: tuple[str, Path]) -> tuple:
    """A file under its own name before a renamed resubmission (``padding-1.py``), and of
    two Canvas submissions of one name the later (the larger submission id) first."""
    name, path = pair
    canvas = CANVAS_FILE.match(path.name)
    return (RESUBMITTED.match(name) is not None, -int(canvas["submission"]) if canvas else 0,
            name)


def _why_no_hand_in(path: Path) -> str:
    """Empty for a hand-in; else why the entry is not one (reported, never silent)."""
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link, not followed"
    if stat.S_ISREG(mode) and path.suffix.lower() == ".zip":
        return ""
    if not stat.S_ISDIR(mode):
        return "not a folder or a .zip file"
    moodle = MOODLE_ENTRY.match(path.name)
    if moodle and moodle["plugin"] != "file":
        return f"a Moodle {moodle['plugin']} submission, not files"
    if path.name in NOT_HAND_INS:
        return "an archiver's or Python's folder, not a hand-in"
    if path.name.startswith((".", "_")) and not _has_code_inside(path):
        return "a hidden folder without exercise files"
    return ""


def _has_code_inside(folder: Path, exercises_only: bool = False) -> bool:
    """``_has_code`` of the folder a hand-in ``folder`` is read from."""
    with contextlib.suppress(OSError):
        return _has_code(_enter_single_folder(folder), exercises_only)
    return False


def _unique_ids(entries: list[tuple[str, Path, tuple]]) -> list[tuple[str, Path, tuple]]:
    """(id, path, files) from (name, path, files), sorted by id: ids that collide after
    sanitising (``Müller``, ``Mäller``), or differ only in case (one file on macOS and
    Windows), each get a suffix made from the hand-in's own name, again until no two are
    alike (a suffixed id can be another hand-in's name); the same on every run."""
    by_name: dict[str, Path] = {}
    for name, path, _ in entries:
        if name in by_name:
            raise ValueError(f"two hand-ins for student {name!r}: "
                             f"{by_name[name].name} and {path.name}")
        by_name[name] = path
    ids = {name: safe_id(name) for name, _, _ in entries}
    for _ in range(8):  # a second round needs names chosen to collide; more, a sha256 one
        counts = Counter(student.lower() for student in ids.values())
        if all(n == 1 for n in counts.values()):
            return sorted(((ids[name], path, files) for name, path, files in entries),
                          key=lambda entry: entry[0])
        ids = {name: _suffixed(student, name) if counts[student.lower()] > 1 else student
               for name, student in ids.items()}
    raise ValueError("the hand-ins' names could not be told apart as file names")


def _suffixed(student: str, name: str) -> str:
    return f"{student}-{hashlib.sha256(name.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def student_id(path: Path) -> str:
    """The id of the folder or zip ``path`` (see ``safe_id``)."""
    return safe_id(_hand_in_name(path))


def safe_id(name: str) -> str:
    """A hand-in's name as a safe file name and spreadsheet cell: accents dropped
    (``Müller`` is ``Muller``), other unsafe characters replaced, at most ``MAX_ID``
    characters (a longer name keeps its start and gets a hash of the whole)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = SAFE_ID.sub("_", plain) or "_"
    safe = "_" + safe[1:] if safe[0] in "+-@." else safe  # no formula, no hidden file
    if len(safe) > MAX_ID:
        safe = _suffixed(safe[:MAX_ID], name)
    return safe


def _digest(path: Path, files: tuple[tuple[str, Path], ...]) -> str:
    if not files:
        return digest_of(path)
    digest = hashlib.sha256(b"files")
    for name, file in files:
        digest.update(b"\0" + name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(read_regular(file, MAX_FILE_BYTES))
        except (OSError, ValueError) as error:  # unreadable: graded (with a note) every time
            digest.update(f"unreadable {error} {os.urandom(8).hex()}".encode())
    return digest.hexdigest()


def digest_of(path: Path) -> str:
    """sha256 over what grading reads: the zip's bytes, or the names and contents of the
    code files used from the folder."""
    digest = hashlib.sha256()
    try:
        if path.is_file():
            with open(path, "rb") as file:  # a regular file: checked by find_candidates
                for block in iter(lambda: file.read(2**20), b""):
                    digest.update(block)
            return digest.hexdigest()
        folder = _enter_single_folder(path)
        inner = _lone_zip(folder)
        if inner is not None:
            return digest_of(inner)
        digest.update(str(folder.relative_to(path)).encode("utf-8", "surrogateescape"))
        for code in _graded_files(folder)[0]:
            digest.update(b"\0" + code.name.encode("utf-8", "surrogateescape") + b"\0")
            with contextlib.suppress(OSError, ValueError):
                digest.update(read_regular(code, MAX_FILE_BYTES))
    except OSError as error:  # unreadable: graded (with a note) every time
        digest.update(f"unreadable {error} {os.urandom(8).hex()}".encode())
    return digest.hexdigest()


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes
    (``cnnlab.paths.read_regular``)."""
    return paths.read_regular(path, limit)[0]


# --- unpacking one hand-in -----------------------------------------------------------------

def prepare(candidate: Candidate, workdir: Path) -> Submission:
    """Copy or extract the hand-in into ``workdir/<student>`` as plain ``.py`` modules,
    as far as it can be read: every file left out is named in a note."""
    target = Path(workdir) / candidate.student
    target.mkdir(parents=True)
    submission = Submission(candidate.student, target)
    try:
        if candidate.files:
            source = _gather(candidate.files, target / "_unzipped", submission.notes)
        elif candidate.path.is_file():
            source = _extract_zip(candidate.path, target / "_unzipped", submission.notes)
        else:
            source = candidate.path
        folder = _enter_single_folder(source)
        inner = _lone_zip(folder)
        if inner is not None:
            submission.notes.append(f"{inner.name} was unpacked: the hand-in has no code "
                                    "of its own")
            folder = _enter_single_folder(_extract_zip(inner, target / "_unzipped_inner",
                                                       submission.notes))
        _collect(folder, submission)
        if not any(m in EXERCISES for m in submission.sources):
            submission.notes += _folders_not_read(folder)
    except (SubmissionError, OSError) as error:
        submission.notes.append(f"{UNREADABLE}: {error}")
    shutil.rmtree(target / "_unzipped", ignore_errors=True)
    shutil.rmtree(target / "_unzipped_inner", ignore_errors=True)
    found = sorted(m for m in submission.sources if m in EXERCISES)
    submission.notes.append(f"modules found: {', '.join(f'{m}.py' for m in found)}" if found
                            else NO_MODULES)
    submission.notes = [printable(note) for note in submission.notes]  # names are theirs
    return submission


def _folders_not_read(folder: Path) -> list[str]:
    """For a hand-in without exercise modules: its sub-folders that hold code, which the
    grader does not go into when there are several (two assignments of an nbgrader course,
    part1/ and part2/)."""
    with contextlib.suppress(OSError):
        inside = sorted(p.name + "/" for p in folder.iterdir()
                        if stat.S_ISDIR(p.lstat().st_mode) and not p.name.startswith(".")
                        and p.name not in NOT_HAND_INS and _has_code_inside(p))
        if inside:
            return [f"folders with code that were not read: {', '.join(inside[:10])} (a "
                    "hand-in is read at its top, or inside its only folder; for an nbgrader "
                    "course with several assignments: cnnlab nbgrader grade COURSE ASSIGNMENT)"]
    return []


def _gather(files: tuple[tuple[str, Path], ...], target: Path, notes: list[str]) -> Path:
    """A flat download's code files, copied into ``target`` under the names handed in."""
    target.mkdir(parents=True, exist_ok=True)
    for name, file in files:
        if name.startswith(SUPERSEDED):
            notes.append(f"{file.name} was not graded: a later submission of "
                         f"{name.removeprefix(SUPERSEDED)} was")
            continue
        if Path(name).suffix not in CODE_SUFFIXES or "/" in name or name.startswith("."):
            if Path(name).suffix.lower() == ".zip":
                notes.append(f"{file.name} was not unpacked: a zip is read when it is a "
                             "student's only file")
            continue
        try:
            (target / name).write_bytes(read_regular(file, MAX_FILE_BYTES))
        except (OSError, ValueError) as error:
            notes.append(f"{file.name} could not be read: {error}; skipped")
            continue
        if name != file.name:
            notes.append(f"{file.name} was graded as {name}")
    return target


def _graded_files(source: Path) -> tuple[list[Path], list[str]]:
    """``_code_files`` of the folder graded, and of the release bundle's ``notebooks/``
    beside its ``exercises/`` (handed in whole: the notebook may be where the work is)."""
    files, left_out = _code_files(source)
    notebooks = source.parent / "notebooks"
    if source.name == "exercises" and notebooks.is_dir() and not notebooks.is_symlink():
        files += [f for f in _code_files(notebooks)[0] if f.suffix == ".ipynb"]
    return files, left_out


def _lone_zip(folder: Path) -> Path | None:
    """The one ``.zip`` of a folder without code: a Moodle participant's folder, or a
    student's folder, holding the zip they uploaded."""
    if _has_code(folder):
        return None
    zips = [p for p in folder.iterdir()
            if p.suffix.lower() == ".zip" and stat.S_ISREG(p.lstat().st_mode)]
    return zips[0] if len(zips) == 1 else None


def _collect(source: Path, submission: Submission) -> None:
    files, left_out = _graded_files(source)
    submission.notes += left_out
    total = 0
    readable = []
    for file in files:
        try:
            data = read_regular(file, MAX_FILE_BYTES)
        except (OSError, ValueError) as error:
            submission.notes.append(f"{file.name} could not be read: {error}; skipped")
            continue
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            submission.notes.append(f"{file.name} and later files were skipped: the hand-in "
                                    f"is larger than {MAX_TOTAL_BYTES // 2**20} MB")
            break
        readable.append((file, data))
    stems = {file.stem for file, _ in readable if file.suffix == ".py"}
    for file, data in readable:
        if file.suffix == ".py":
            module, text = _module_name(file.stem, stems), without_ipython_calls(source_text(data))
            if module != file.stem:
                submission.notes.append(f"{file.name} was graded as {module}.py")
                _write_module(submission, file.stem, text)  # for the student's own imports
            elif not module.isidentifier():
                submission.notes.append(f"{file.name} is not a module name Python can "
                                        "import; not used")
            _write_module(submission, module, text)
    for file, data in readable:
        if file.suffix == ".ipynb":
            _collect_notebook(file, data, submission)


# A browser's or file manager's copy of a file ("padding (1).py", "Padding - Copy.py"), or
# a name whose ".py" Windows hid ("padding.py.py").
COPY_SUFFIX = re.compile(r"(\.py|\s*\(\d+\)|\s*-\s*copy|-\d+)$", re.IGNORECASE)


def _module_name(stem: str, stems: set[str]) -> str:
    """The exercise module a file stands for: its own name, or, for ``Pooling.py`` or
    ``padding (1).py`` (a download saved twice) when no file has the module's own name, that
    module. The exact name wins, as with Canvas's ``-1``."""
    module = COPY_SUFFIX.sub("", stem.strip()).lower()
    if stem in EXERCISES or module not in EXERCISES or module in stems:
        return stem
    return module


def _collect_notebook(notebook: Path, data: bytes, submission: Submission) -> None:
    try:
        modules = notebook_modules(notebook, data, submission.notes)
    except SubmissionError as error:
        submission.notes.append(f"{error}; the other files were graded")
        return
    for module, text in modules.items():
        if module in submission.sources and _is_stub(module, submission.sources[module]):
            submission.notes.append(f"{module}.py is the exercise's stub, unchanged; "
                                    f"{notebook.name}'s functions are used")
        elif module in submission.sources:
            submission.notes.append(f"{notebook.name} also defines functions of "
                                    f"{module}.py; the earlier file is used")
            continue
        _write_module(submission, module, text)
        submission.notes.append(f"{module}.py was extracted from {notebook.name}")


# A magic or shell line of a notebook saved as a script (``jupyter nbconvert --to script``,
# "Download as .py"): ``get_ipython().run_line_magic('matplotlib', 'inline')``, one line.
IPYTHON_CALL = re.compile(r"^([ \t]*)get_ipython\(\)\.\w+\(.*\)[ \t]*$", re.MULTILINE)


def without_ipython_calls(text: str) -> str:
    """``text`` with each IPython call line made ``pass``: there is no IPython in the sandbox,
    so the first one failed the module's import (NameError) and cost every function in it."""
    return IPYTHON_CALL.sub(r"\1pass  # an IPython magic, not run by the grader", text)


def _is_stub(module: str, text: str) -> bool:
    """Is ``text`` the stub of ``exercises/<module>.py`` as released (line ends aside)?"""
    try:
        stub = Path(exercises.__file__).parent / f"{module}.py"
        return stub.read_text(encoding="utf-8").strip() == text.replace("\r\n", "\n").strip()
    except (OSError, TypeError):  # TypeError: no __file__ (a namespace package)
        return False


def _write_module(submission: Submission, module: str, text: str) -> None:
    if not module.isidentifier():
        return
    (submission.folder / f"{module}.py").write_text(text, encoding="utf-8",
                                                     errors="replace")
    submission.sources[module] = text  # helpers too: ``forbid`` follows imports into them


def _code_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The code files directly in ``folder`` that grading uses, sorted (exercise modules
    and notebooks first when there are more than ``MAX_FILES``), and notes on the entries
    left out (links, FIFOs, ...). Sub-folders (a virtualenv, data) are never read."""
    files, notes = [], []
    for path in sorted(folder.iterdir()):
        if path.suffix not in CODE_SUFFIXES:
            continue
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            notes.append(f"{path.name} is a symbolic link: skipped")
        elif not stat.S_ISREG(mode):
            notes.append(f"{path.name} is not a regular file: skipped")
        else:
            files.append(path)
    if len(files) > MAX_FILES:
        files.sort(key=lambda f: (f.name not in EXERCISE_FILES and f.suffix != ".ipynb",
                                  f.name))
        notes.append(f"{len(files) - MAX_FILES} of the {len(files)} code files were not "
                     f"used (at most {MAX_FILES}; exercise modules and notebooks first)")
        files = sorted(files[:MAX_FILES])
    return files, notes


def _is_nbgrader_course(folder: Path) -> bool:
    """A course folder: ``submitted/`` next to nbgrader's config or without any code."""
    return (folder / "submitted").is_dir() and (
        (folder / "nbgrader_config.py").is_file() or not _has_code(folder))


def _has_code(folder: Path, exercises_only: bool = False) -> bool:
    """A code file at the top of ``folder``; with ``exercises_only`` an exercise module or a
    notebook."""
    return any((_is_exercise_file(p) if exercises_only else p.suffix in CODE_SUFFIXES)
               and stat.S_ISREG(p.lstat().st_mode) for p in folder.iterdir())


def _is_exercise_file(path: Path) -> bool:
    """A notebook, or an exercise module under its own name or one ``_module_name`` takes
    for it (``Pooling.py``, ``padding (1).py``)."""
    return path.suffix == ".ipynb" or (
        path.suffix == ".py" and COPY_SUFFIX.sub("", path.stem.strip()).lower() in EXERCISES)


def _enter_single_folder(folder: Path) -> Path:
    """nbgrader's ``<student>/<assignment>/`` and zips of a folder: go down while there is
    no code here and exactly one sub-folder, or an ``exercises/`` one with code (the bundle
    of ``cnnlab release``, handed in whole: ``exercises/``, ``notebooks/``, ``cnnlab/``)."""
    for _ in range(5):
        if _has_code(folder, exercises_only=True):
            return folder
        subfolders = [p for p in folder.iterdir() if stat.S_ISDIR(p.lstat().st_mode)
                      and not p.name.startswith(".") and p.name not in NOT_HAND_INS]
        bundle = folder / "exercises"
        if bundle in subfolders and _has_code(bundle):
            return bundle
        if len(subfolders) != 1:
            return folder
        if _has_code(folder) and not _has_code_inside(subfolders[0], exercises_only=True):
            return folder  # but a scratch.py beside hw/ with the modules: hw/ is entered
        folder = subfolders[0]
    return folder


def _extract_zip(path: Path, target: Path, notes: list[str]) -> Path:
    """Extract the code files; an entry that is a link, has an absolute or ``..`` path, or
    is too large is skipped with a note, and the rest extracted."""
    target.mkdir(parents=True, exist_ok=True)
    try:
        entries, directory = zip_directory_size(path)
        if entries > MAX_ZIP_ENTRIES or directory > MAX_ZIP_DIRECTORY_BYTES:
            raise SubmissionError(
                f"{path.name} holds {entries:,} entries in a directory of {directory:,} bytes, "
                f"more than the {MAX_ZIP_ENTRIES:,} entries and {MAX_ZIP_DIRECTORY_BYTES:,} "
                "bytes a hand-in may have; it was not unpacked")
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist()
                       if not m.is_dir() and Path(_member_path(m)).suffix in CODE_SUFFIXES
                       and not _member_path(m).startswith(("__MACOSX/", "._"))]
            # As a folder is read: the files nearest the top first, the exercise modules
            # first among them; a virtualenv deep inside never crowds them out.
            members.sort(key=lambda m: (len((path := Path(_member_path(m))).parts),
                                        path.name not in EXERCISE_FILES))
            total = 0
            for member in members[:MAX_FILES]:
                total += _extract_member(archive, member, target, notes, total)
            if len(members) > MAX_FILES:
                notes.append(f"the zip holds {len(members)} code files; only the "
                             f"{MAX_FILES} nearest its top were used")
            twice = Counter(_member_path(m) for m in members[:MAX_FILES])
            notes += [f"the zip holds {name!r} {count} times: the last one was graded"
                      for name, count in sorted(twice.items()) if count > 1]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise SubmissionError(f"{path.name} is not a readable zip file ({error})") from None
    return target


ZIP_END = struct.Struct("<4s4H2LH")  # the end-of-central-directory record
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_END = struct.Struct("<4sQ2H2L4Q")


def zip_directory_size(path: Path) -> tuple[int, int]:
    """(entries, bytes) of the zip's central directory, from its end record (zip64 too),
    without reading the directory; ``SubmissionError`` when there is no end record."""
    with open(path, "rb") as file:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        start = max(0, size - ZIP_END.size - 0xFFFF)  # the record, then a comment
        file.seek(start)
        tail = file.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < ZIP_END.size:
            raise SubmissionError(f"{path.name} is not a readable zip file (no end record)")
        _, _, _, _, entries, directory, _, _ = ZIP_END.unpack_from(tail, at)
        locator = at - ZIP64_LOCATOR.size
        if locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
            _, _, offset, _ = ZIP64_LOCATOR.unpack_from(tail, locator)
            # where the locator points, and just before it, where Python's zipfile reads
            # the zip64 record whatever the locator says: the larger counts
            for place in (offset, start + locator - ZIP64_END.size):
                if place < 0:
                    continue
                file.seek(place)
                record = file.read(ZIP64_END.size)
                if len(record) == ZIP64_END.size and record[:4] == b"PK\x06\x06":
                    fields = ZIP64_END.unpack(record)
                    entries, directory = max(entries, fields[7]), max(directory, fields[8])
    return entries, directory


def _extract_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path,
                    notes: list[str], total: int) -> int:
    """Extract one entry (or note why not); the bytes written."""
    problem = _member_problem(member, total)
    data = b""
    if not problem:
        try:
            with archive.open(member) as stream:
                data = stream.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
                ValueError, zlib.error) as error:
            problem = f"it cannot be unpacked ({error})"
    if not problem and (len(data) > MAX_FILE_BYTES or total + len(data) > MAX_TOTAL_BYTES):
        problem = "it is larger than allowed"
    if problem:
        notes.append(f"the zip entry {member.filename!r} could not be read: {problem}; "
                     "skipped")
        return 0
    destination = target / _member_path(member)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
    except OSError as error:  # a file and a folder of one name, a name too long, ...
        notes.append(f"the zip entry {member.filename!r} could not be unpacked "
                     f"({error.strerror or type(error).__name__}); skipped")
        return 0
    return len(data)


def _member_problem(member: zipfile.ZipInfo, total: int) -> str:
    name = _member_path(member)
    parts = Path(name).parts
    if name.startswith("/") or ".." in parts or ":" in name or "\0" in name:
        return "its path leads outside the hand-in"
    if stat.S_ISLNK(member.external_attr >> 16):
        return "it is a symbolic link"
    if member.file_size > MAX_FILE_BYTES or total + member.file_size > MAX_TOTAL_BYTES:
        return "it is larger than allowed"
    return ""


def _member_path(member: zipfile.ZipInfo) -> str:
    """The member's path with Windows separators made into ``/``."""
    return member.filename.replace("\\", "/")


# --- notebooks -----------------------------------------------------------------------------

# Code of one notebook parsed at most: ours has 115 kB. Parsing holds some 400 bytes per
# character of short statements (a notebook of twenty 256 kB cells took 2 GB and 3 minutes).
MAX_NOTEBOOK_CODE_CHARS = 2 * MAX_PARSED_CHARS


def notebook_modules(path: Path, data: bytes | None = None,
                     notes: list[str] | None = None) -> dict[str, str]:
    """Module -> source made from the notebook's code cells, for every exercise module with
    a graded function defined in the notebook. ``SubmissionError`` for a file that is not a
    notebook; odd cells (no source, numbers for text) are left out, and so are cells beyond
    ``MAX_NOTEBOOK_CODE_CHARS`` of code (said in ``notes``)."""
    try:
        data = read_regular(path, MAX_FILE_BYTES) if data is None else data
        notebook = json.loads(data.decode("utf-8", errors="replace"))
        if not isinstance(notebook, dict) or not {"cells", "worksheets"} & notebook.keys():
            raise TypeError("it has no cells: JSON, but not a Jupyter notebook")
        cells = notebook["cells"] if "cells" in notebook else _nbformat3_cells(notebook)
        if not isinstance(cells, list):
            raise TypeError("its cells are not a list")
    except (OSError, ValueError, KeyError, TypeError, RecursionError, MemoryError) as error:
        raise SubmissionError(f"{path.name} is not a readable notebook ({error})") from None
    statements: list[tuple[ast.stmt, str]] = []  # (statement, its text), in cell order
    broken: list[tuple[int, str, BaseException]] = []  # (code cell number, code, error)
    bound_in: dict[str, int] = {}  # name -> the last code cell that parses and binds it
    left_out: list[tuple[int, str, ast.stmt]] = []  # statements run, not graded
    defined: set[str] = set()
    read, skipped = 0, 0
    code_cells = (cell for cell in cells
                  if isinstance(cell, dict) and cell.get("cell_type") == "code")
    for number, cell in enumerate(code_cells, start=1):
        source = cell.get("source", "")
        text = ("".join(s for s in source if isinstance(s, str))
                if isinstance(source, list) else str(source))
        code = without_magics(without_surrogates(text))
        if read + len(code) > MAX_NOTEBOOK_CODE_CHARS:
            skipped += 1
            continue
        read += len(code)
        runs: list[ast.stmt] = []
        try:
            definitions = _definitions(code, runs)
        except PARSE_ERRORS as error:  # the student's error: see _broken_cells
            broken.append((number, code, error))
            continue
        statements += definitions
        left_out += [(number, code, node) for node in runs]
        bound_in.update({name: number for node, _ in definitions for name in _bound_names(node)})
        defined |= {MODULE_OF[node.name] for node, _ in definitions
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    and node.name in MODULE_OF}
    notes = [] if notes is None else notes
    if skipped:
        notes.append(f"{path.name}: {skipped} code cell{'s' if skipped > 1 else ''} not read, "
                     f"beyond the {MAX_NOTEBOOK_CODE_CHARS // 1024} KiB of code the grader "
                     "reads of one notebook")
    kept = _needed(statements)
    notes += _tables_not_filled(path.name, left_out, kept)
    broken_cells = _broken_cells(path.name, broken, bound_in, notes)
    header = f"# extracted from {path.name} by cnnlab grade\n"
    body = "\n\n".join(text for _, text in kept)
    return {module: header + body + "".join("\n\n" + c for c in broken_cells.get(module, []))
            for module in EXERCISES if module in defined | set(broken_cells)}


def _broken_cells(notebook: str, broken: list[tuple[int, str, BaseException]],
                  bound_in: dict[str, int], notes: list[str]) -> dict[str, list[str]]:
    """Module -> the cells that do not parse and define its graded functions: the error costs
    only those, and the student's feedback says why. A cell whose graded functions a later cell
    that parses defines again is left out (noted): Jupyter ran it to a SyntaxError, it defined
    nothing, and the kernel kept the later definitions (an early Python 2 ``print x``)."""
    by_module: dict[str, list[str]] = {}
    for number, code, error in broken:
        names = _graded_defs_in_text(code)
        if names and all(bound_in.get(name, 0) > number for name in names):
            line = getattr(error, "lineno", None)  # a SyntaxError's; None for a null byte
            notes.append(f"{notebook}: code cell {number} ('{_first_line(code)}') does not "
                         f"parse{f' (line {line})' if line else ''} and was left out: in "
                         "Jupyter it defined nothing either, and a later cell defines "
                         f"{', '.join(sorted(names))} again")
            continue
        for module in {MODULE_OF[name] for name in names}:
            by_module.setdefault(module, []).append(code)
    return by_module


# Methods that change a dict, list or set in place: ``TABLE.update(max=np.max)``.
CHANGING_METHODS = frozenset({"update", "setdefault", "append", "extend", "insert", "add",
                              "pop", "popitem", "remove", "discard", "clear", "sort", "reverse",
                              "__setitem__"})


def _tables_not_filled(notebook: str, left_out: list[tuple[int, str, ast.stmt]],
                       kept: list[tuple[ast.stmt, str]]) -> list[str]:
    """A note for each name a kept assignment binds (so a kept function reads it) that a
    statement the grader leaves out changes in place (``TABLE.update(...)``, ``for k, v in
    ...: TABLE[k] = v``): graded, the functions see the table as its assignment left it, and
    fail on a KeyError that the student cannot explain. Keeping such statements would run
    the student's try-outs too, so the note says where to fill the table instead."""
    tables = {name for node, _ in kept if isinstance(node, ast.Assign | ast.AnnAssign)
              for name in _bound_names(node)}
    told: dict[str, str] = {}
    for number, code, statement in left_out:
        for name, line in _changed_names(statement):
            if name in tables and name not in told:
                text = code.splitlines()[line - 1] if line <= len(code.splitlines()) else ""
                told[name] = (
                    f"{notebook}: code cell {number}, line {line} ('{_first_line(text)}') "
                    f"changes {name}, which the notebook's functions read, and is not run by the "
                    "grader: of a notebook it keeps only definitions, imports and assignments. "
                    f"Fill {name} in its assignment itself (a dict literal or comprehension)")
    return list(told.values())


def _changed_names(statement: ast.stmt) -> list[tuple[str, int]]:
    """(name, line) for each module-level name a statement changes in place: a method of
    ``CHANGING_METHODS`` called on it, an item or attribute of it assigned or deleted, or
    ``+=`` on it."""
    changed: list[tuple[str, int]] = []
    for node in ast.walk(statement):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in CHANGING_METHODS):
            target: ast.AST = node.func.value
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(
                node.ctx, ast.Store | ast.Del):
            target = node.value
        elif isinstance(node, ast.AugAssign):
            target = node.target
        else:
            continue
        while isinstance(target, ast.Subscript | ast.Attribute):  # TABLE["a"]["b"] = 1
            target = target.value
        if isinstance(target, ast.Name):
            changed.append((target.id, node.lineno))
    return changed


def _first_line(code: str, width: int = 60) -> str:
    """The first line of ``code`` with text, cut to ``width`` characters, for a note."""
    line = next((line.strip() for line in code.splitlines() if line.strip()), "")
    return line if len(line) <= width else line[:width - 3] + "..."


def _nbformat3_cells(notebook: dict) -> list:
    """The cells of an nbformat 3 notebook (IPython 2: worksheets, a code cell's "input"), as
    nbformat 4 has them; KeyError for JSON that is no notebook."""
    return [{**cell, "source": cell.get("input", cell.get("source", ""))}
            for sheet in notebook["worksheets"] for cell in sheet["cells"]]


def definitions_only(code: str) -> str | None:
    """A module's text as a notebook's code is graded (``_definitions``, ``_needed``): its
    functions and classes and the imports and assignments they use, nothing that only runs
    something; None when it does not parse or leaves nothing out. For a module whose import
    hung or ended the worker (``autograder.sandbox.client``)."""
    try:
        kept = _needed(_definitions(code))
        if len(kept) == len(parse(code).body):
            return None
    except PARSE_ERRORS:
        return None
    return "\n\n".join(text for _, text in kept) + "\n"


# Cell magics whose body IPython runs as Python in the notebook's namespace: a ``%%time`` on
# top of a cell of definitions defines them.
PYTHON_CELL_MAGICS = ("%%time", "%%capture")


# A line IPython reads and Python cannot: a magic (``%timeit f(x)``), a shell command (``!ls``),
# help (``np.pad?``, ``??np.pad``, ``np.*pad*?``) and a magic's or shell command's output
# assigned (``files = !ls *.npy``, ``t = %timeit -o f(x)``). None of them defines anything the
# grader needs, and each, kept, failed its whole cell's parse.
IPYTHON_LINE = re.compile(r"\s*(?:[%!?]|[\w.*]+\?\??\s*$|[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!])")


def without_magics(code: str) -> str:
    """A notebook cell as Python: IPython's ``%%`` cells empty (but the Python of ``%%time``
    and ``%%capture``), its magic, shell and help lines (``IPYTHON_LINE``) blank."""
    if code.lstrip().startswith("%%"):
        magic, _, body = code.lstrip().partition("\n")
        if magic.split()[0] not in PYTHON_CELL_MAGICS:
            return ""
        code = "\n" + body  # the magic's line blank, as a line magic's
    return "\n".join("" if IPYTHON_LINE.match(line) else line for line in code.splitlines())


def _definitions(code: str, runs: list[ast.stmt] | None = None) -> list[tuple[ast.stmt, str]]:
    """The imports, functions, classes and assignments of a cell, each with its text cut out
    by the parser's own positions (``import numpy as np; x = np.array([[1, 2],`` and a next
    line are two statements). What only runs something (calls, prints, plots, asserts,
    ``out = conv2d(...)``) is left out, and added to ``runs``."""
    tree = parse(code)
    definitions: list[tuple[ast.stmt, str]] = []
    segment = Segments(code).of
    for node in tree.body:
        if not _defines_only(node) or _calls_graded_function(node):
            if runs is not None:
                runs.append(node)
            continue
        decorators = [f"@{segment(d)}\n" for d in getattr(node, "decorator_list", [])]
        definitions.append((node, "".join(decorators) + segment(node)))
    return definitions


_DEFINING = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
             ast.Assign, ast.AnnAssign)


def _defines_only(node: ast.stmt) -> bool:
    """An import, function, class or assignment, or a ``try`` of nothing else (``try: from
    scipy.special import expit`` / ``except ImportError: def expit(x): ...``)."""
    if isinstance(node, ast.Try):
        return all(_defines_only(statement) for statement in _tried(node))
    return isinstance(node, _DEFINING)


def _tried(node: ast.Try) -> list[ast.stmt]:
    """The statements of a ``try``: its body, handlers, ``else`` and ``finally``."""
    return [*node.body, *node.orelse, *node.finalbody,
            *(statement for handler in node.handlers for statement in handler.body)]


def _needed(statements: list[tuple[ast.stmt, str]]) -> list[tuple[ast.stmt, str]]:
    """The functions and classes, and of the imports and assignments those that bind a name
    they use (directly or through another kept one) or a star import. A notebook's
    ``image = np.load('brain.npy')`` or ``from google.colab import drive`` serves only the
    cells that run something: kept, it would fail the module's import in the sandbox, where
    the student's data and packages are not, and cost every function of it."""
    binders: dict[str, list[int]] = {}  # name -> the imports and assignments that bind it
    for index, (node, _) in enumerate(statements):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for name in _bound_names(node):
                binders.setdefault(name, []).append(index)
    # A graded function may be bound without a def: relu = lambda x: ..., sigmoid = expit,
    # from scipy.special import expit as sigmoid.
    todo = [index for index, (node, _) in enumerate(statements)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            or _is_star_import(node) or _bound_names(node) & MODULE_OF.keys()]
    kept = set(todo)
    while todo:  # each statement is read once: a notebook of 10,000 cells stays quick
        node, text = statements[todo.pop()]
        for name in _global_names(node, text):
            fresh = [index for index in binders.pop(name, []) if index not in kept]
            kept.update(fresh)
            todo += fresh
    return [statement for index, statement in enumerate(statements) if index in kept]


def _global_names(node: ast.stmt, text: str) -> set[str]:
    """The module-level names a statement reads: its functions' parameters and locals (a
    parameter ``image`` beside a notebook's ``image = plt.imread(...)``) are not."""
    try:
        table = symtable.symtable(text, "cell", "exec")
    except PARSE_ERRORS:  # the cell parsed; its statement alone should too
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    names = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    scopes = list(table.get_children())
    while scopes:
        scope = scopes.pop()
        scopes += scope.get_children()
        names |= {s.get_name() for s in scope.get_symbols() if s.is_global() or (
            scope.get_type() == "class" and s.is_referenced() and not s.is_assigned())}
    return names


def _is_star_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)


def _bound_names(node: ast.stmt) -> set[str]:
    """The module-level names an import, assignment, definition or ``try`` of them binds."""
    if isinstance(node, ast.Try):
        return set().union(*(_bound_names(statement) for statement in _tried(node)))
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {n.id for t in targets if t is not None for n in ast.walk(t)
            if isinstance(n, ast.Name)}


def _calls_graded_function(node: ast.stmt) -> bool:
    if isinstance(node, ast.Try):
        return any(_calls_graded_function(statement) for statement in _tried(node))
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return False
    todo: list[ast.AST] = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, ast.Lambda):  # its body runs when it is called, as a def's
            todo.append(current.args)  # but its defaults now
            continue
        if isinstance(current, ast.Call):
            if isinstance(current.func, ast.Name) and current.func.id in MODULE_OF:
                return True
            if isinstance(current.func, ast.Lambda):  # (lambda: conv2d(x, w))() runs now
                todo.append(current.func.body)
        todo += ast.iter_child_nodes(current)
    return False


def _graded_defs_in_text(code: str) -> set[str]:
    """The graded functions a cell that does not parse defines (by the text of its defs)."""
    return {name for name in re.findall(r"^\s*def\s+(\w+)", code, re.MULTILINE)
            if name in MODULE_OF}
