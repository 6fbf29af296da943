"""Find the students in a SUBMISSIONS folder and turn each hand-in into a folder of modules.

A student is a sub-folder or a ``.zip`` named by the student id, holding exercise modules
(``padding.py``, ...) or exercise notebooks (``.ipynb``). nbgrader's layout
``submitted/<student>/<assignment>/`` works too: a folder without exercise files and with a
single sub-folder is entered. Notebooks become modules: their code cells are collected (IPython
magics and shell lines dropped), top-level statements that only run or print something are
left out, and each module gets the definitions, so that every graded function is found where
``cnnlab.catalog`` says it lives.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cnnlab.catalog import EXERCISES, MODULE_OF

CODE_SUFFIXES = (".py", ".ipynb")
MAX_FILES = 200
MAX_FILE_BYTES = 5 * 2**20
MAX_TOTAL_BYTES = 20 * 2**20
SAFE_ID = re.compile(r"[^A-Za-z0-9._@+-]")


class SubmissionError(ValueError):
    """A hand-in that cannot be read at all (a broken or hostile zip, too large, ...)."""


@dataclass
class Candidate:
    """One student's hand-in as found on disk, before it is unpacked."""

    student: str
    path: Path  # a folder or a .zip
    digest: str  # sha256 of the hand-in's files: unchanged digest, unchanged grade


@dataclass
class Submission:
    student: str
    folder: Path  # holds only the student's .py modules
    sources: dict[str, str] = field(default_factory=dict)  # module -> source text
    notes: list[str] = field(default_factory=list)


# --- finding students ----------------------------------------------------------------------

def find_candidates(root: Path, exclude: Path | None = None) -> list[Candidate]:
    """Every student in ``root``, sorted by id, leaving out ``exclude`` (the output folder,
    if it is inside). Raises ``FileNotFoundError`` for a missing folder and ``ValueError``
    when two hand-ins claim the same id."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"SUBMISSIONS folder {root} does not exist or is not a folder")
    if _is_nbgrader_course(root):
        root = root / "submitted"
    found: dict[str, Candidate] = {}
    for path in sorted(root.iterdir()):
        if path.name.startswith((".", "_")) or not (path.is_dir() or path.suffix == ".zip"):
            continue
        if exclude is not None and path.resolve() == Path(exclude).resolve():
            continue
        student = student_id(path)
        if student in found:
            raise ValueError(f"two hand-ins for student {student!r}: {found[student].path.name}"
                             f" and {path.name}")
        found[student] = Candidate(student, path, digest_of(path))
    return [found[s] for s in sorted(found)]


def student_id(path: Path) -> str:
    """The folder or zip name, with characters that are unsafe in file names replaced."""
    name = path.stem if path.suffix == ".zip" else path.name
    name = SAFE_ID.sub("_", name) or "_"
    return "_" + name[1:] if name[0] in "+-@" else name  # no formulas in a spreadsheet


def digest_of(path: Path) -> str:
    """sha256 over the relative names and contents of the hand-in's code files."""
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(path.read_bytes())
        return digest.hexdigest()
    for file in sorted(_code_files(path, recursive=True)):
        digest.update(str(file.relative_to(path)).encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


# --- unpacking one hand-in -----------------------------------------------------------------

def prepare(candidate: Candidate, workdir: Path) -> Submission:
    """Copy or extract the hand-in into ``workdir/<student>`` as plain ``.py`` modules."""
    target = Path(workdir) / candidate.student
    target.mkdir(parents=True)
    submission = Submission(candidate.student, target)
    try:
        source = _extract_zip(candidate.path, target / "_unzipped") if (
            candidate.path.is_file()) else candidate.path
        source = _enter_single_folder(source)
        _collect(source, submission)
    except SubmissionError as error:
        submission.notes.append(f"the hand-in could not be read: {error}")
    shutil.rmtree(target / "_unzipped", ignore_errors=True)
    found = sorted(submission.sources)
    submission.notes.append("modules found: " + (", ".join(f"{m}.py" for m in found)
                                                 if found else "none"))
    return submission


def _collect(source: Path, submission: Submission) -> None:
    files = _code_files(source, recursive=False)
    total = 0
    for file in sorted(files):
        total += file.stat().st_size
        if file.stat().st_size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
            raise SubmissionError(f"{file.name} makes the hand-in larger than allowed")
        if file.suffix == ".py":
            text = file.read_text(encoding="utf-8", errors="replace")
            _write_module(submission, file.stem, text)
    for notebook in sorted(f for f in files if f.suffix == ".ipynb"):
        for module, text in notebook_modules(notebook).items():
            if module in submission.sources:
                submission.notes.append(f"{notebook.name} also defines functions of "
                                        f"{module}.py; the earlier file is used")
                continue
            _write_module(submission, module, text)
            submission.notes.append(f"{module}.py was extracted from {notebook.name}")


def _write_module(submission: Submission, module: str, text: str) -> None:
    if not module.isidentifier():
        return
    (submission.folder / f"{module}.py").write_text(text, encoding="utf-8")
    if module in EXERCISES:
        submission.sources[module] = text


def _code_files(folder: Path, recursive: bool) -> list[Path]:
    pattern = folder.rglob("*") if recursive else folder.iterdir()
    files = []
    for path in pattern:
        if path.suffix in CODE_SUFFIXES and path.is_file() and not path.is_symlink():
            files.append(path)
            if len(files) > MAX_FILES:
                raise SubmissionError(f"more than {MAX_FILES} code files")
    return files


def _is_nbgrader_course(folder: Path) -> bool:
    """A course folder: ``submitted/`` next to nbgrader's config or without any code."""
    return (folder / "submitted").is_dir() and (
        (folder / "nbgrader_config.py").is_file() or not _has_code(folder))


def _has_code(folder: Path) -> bool:
    return any(p.suffix in CODE_SUFFIXES for p in folder.iterdir() if p.is_file())


def _enter_single_folder(folder: Path) -> Path:
    """nbgrader's ``<student>/<assignment>/`` and zips of a folder: go down while there is
    no code here and exactly one sub-folder."""
    for _ in range(5):
        if _has_code(folder):
            return folder
        subfolders = [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()
                      and not p.name.startswith((".", "__MACOSX"))]
        if len(subfolders) != 1:
            return folder
        folder = subfolders[0]
    return folder


def _extract_zip(path: Path, target: Path) -> Path:
    """Extract only code files, refusing absolute or ``..`` paths, links and zip bombs."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist()
                       if not m.is_dir() and Path(m.filename).suffix in CODE_SUFFIXES]
            _check_members(members)
            for member in members:
                destination = target / _member_path(member)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as data:
                    destination.write_bytes(data.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES])
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise SubmissionError(f"{path.name} is not a readable zip file ({error})") from None
    return target


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_FILES:
        raise SubmissionError(f"the zip holds more than {MAX_FILES} code files")
    if sum(m.file_size for m in members) > MAX_TOTAL_BYTES:
        raise SubmissionError("the zip unpacks to more than allowed")
    for member in members:
        parts = Path(_member_path(member)).parts
        if member.filename.startswith(("/", "\\")) or ".." in parts or ":" in member.filename:
            raise SubmissionError(f"the zip holds an unsafe path {member.filename!r}")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise SubmissionError(f"the zip holds a link {member.filename!r}")
        if member.file_size > MAX_FILE_BYTES:
            raise SubmissionError(f"{member.filename} is larger than allowed")


def _member_path(member: zipfile.ZipInfo) -> str:
    """The member's path with Windows separators made into ``/``."""
    return member.filename.replace("\\", "/")


# --- notebooks -----------------------------------------------------------------------------

def notebook_modules(path: Path) -> dict[str, str]:
    """Module -> source made from the notebook's code cells, for every exercise module with
    a graded function defined in the notebook."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8", errors="replace"))["cells"]
    except (ValueError, KeyError, TypeError) as error:
        raise SubmissionError(f"{path.name} is not a readable notebook ({error})") from None
    kept, broken = [], {}  # definitions; module -> cells that do not parse
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        code = without_magics("".join(source) if isinstance(source, list) else str(source))
        try:
            kept.extend(_definitions(code))
        except SyntaxError:
            for module in _modules_defined_in_text(code):
                broken.setdefault(module, []).append(code)
    defined = {MODULE_OF[name] for name in _names(kept) if name in MODULE_OF}
    header = f"# extracted from {path.name} by cnnlab grade\n"
    body = "\n\n".join(kept)
    return {module: header + body + "".join("\n\n" + c for c in broken.get(module, []))
            for module in EXERCISES if module in defined | set(broken)}


def without_magics(code: str) -> str:
    """A notebook cell as Python: IPython's ``%%`` cells empty, ``%`` and ``!`` lines blank."""
    if code.lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in code.splitlines())


def _definitions(code: str) -> list[str]:
    """The imports, functions, classes and assignments of a cell; what only runs something
    (calls, prints, plots, asserts, ``out = conv2d(...)``) is left out."""
    tree = ast.parse(code)
    lines = code.splitlines()
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
            ast.Assign, ast.AnnAssign)
    definitions = []
    for node in tree.body:
        if not isinstance(node, keep) or _calls_graded_function(node):
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        definitions.append("\n".join(lines[first - 1:node.end_lineno]))
    return definitions


def _calls_graded_function(node: ast.stmt) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return False
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in MODULE_OF
               for n in ast.walk(node))


def _names(definitions: list[str]) -> set[str]:
    names = set()
    for text in definitions:
        for node in ast.parse(text).body if text.strip() else []:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
    return names


def _modules_defined_in_text(code: str) -> set[str]:
    return {MODULE_OF[name] for name in re.findall(r"^\s*def\s+(\w+)", code, re.MULTILINE)
            if name in MODULE_OF}
