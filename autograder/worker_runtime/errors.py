"""How a student's exception is described: its text, its built-in kind, and where in the
student's own files it happened. Used in the worker and by ``autograder.inprocess``; only the
standard library."""

import functools
import linecache
import os

WHERE_CHARS = 200  # "padding.py, line 12: return x[pad]", at most


def error_text(error: BaseException) -> str:
    try:
        return (str(error) or type(error).__name__)[:500]  # MemoryError() says nothing
    except BaseException:  # a __str__ that raises
        return "(the exception cannot be shown)"


def builtin_name(kind: type) -> str:
    """The exception's nearest built-in class: a student's ``class ShapeError(ValueError)``
    is a ValueError."""
    for cls in kind.__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return "BaseException"


def where_in(error: BaseException, files: "set[str] | str") -> "str | None":
    """The last traceback frame in one of the student's ``files`` (a set of real paths, or a
    folder holding them), as "name.py, line N: source line"; None if no frame is theirs."""
    try:
        frames = _frames(error.__traceback__)
    except BaseException:  # a traceback a hostile object broke
        return None
    for filename, lineno in reversed(frames):
        path = _real(filename)
        if _is_theirs(path, files):
            where = f"{os.path.basename(path)}, line {lineno}"
            line = linecache.getline(filename, lineno).strip()
            return (f"{where}: {line}" if line else where)[:WHERE_CHARS]
    return None


def _frames(tb) -> "list[tuple[str, int]]":
    """(file name, line) of each frame: no source is read (a student's ValueError for an
    invalid argument is raised thousands of times; only the chosen line is looked up)."""
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame.f_code.co_filename or "", tb.tb_lineno or 0))
        tb = tb.tb_next
    return frames


@functools.lru_cache(maxsize=256)
def _real(filename: str) -> str:
    return os.path.realpath(filename)


@functools.lru_cache(maxsize=16)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder) + os.sep


def _is_theirs(path: str, files: "set[str] | str") -> bool:
    if isinstance(files, str):
        return path.startswith(_real_folder(files))
    return path in files
