"""How a student's exception is described: its text, its built-in kind, and where in the
student's own files it happened. Used in the worker and by ``autograder.inprocess``; only the
standard library."""

import os
import traceback

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
        frames = traceback.extract_tb(error.__traceback__)
    except BaseException:  # a traceback a hostile object broke
        return None
    for frame in reversed(frames):
        path = os.path.realpath(frame.filename or "")
        if _is_theirs(path, files):
            where = f"{os.path.basename(path)}, line {frame.lineno}"
            line = (frame.line or "").strip()
            return (f"{where}: {line}" if line else where)[:WHERE_CHARS]
    return None


def _is_theirs(path: str, files: "set[str] | str") -> bool:
    if isinstance(files, str):
        return path.startswith(os.path.realpath(files) + os.sep)
    return path in files
