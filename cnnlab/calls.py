"""Call a student's function once, the same way everywhere: in the sandbox's worker, in the
grader's own process (notebooks, the grader's tests) and in ``cnnlab check``.

Before the call numpy's and ``random``'s global generators are seeded and numpy's error
handling is set, so a result never depends on the calls before it; during the call a
``RuntimeWarning`` is an error or ignored, and what the call prints is kept apart from what
other calls print. After it: the value, or why there is none (the exception's built-in kind,
its text and the line of the student's own file where it happened).

Standard library and numpy only: the worker runtime copies this file into the sandbox, and the
student bundle ships it.
"""

from __future__ import annotations

import builtins
import codecs
import contextlib
import functools
import io
import linecache
import os
import random
import sys
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

from cnnlab.catalog import FUNCTIONS

# The kinds of failure a call itself can have, in autograder.results' words.
RAISED, NOT_IMPLEMENTED = "raised", "not_implemented"
NOT_IMPLEMENTED_TEXT = "still raises NotImplementedError"
NUMPY_ERRORS: dict[str, Any] = {"divide": "warn", "over": "warn", "invalid": "warn",
                                "under": "ignore"}  # np.errstate/np.seterr keywords
TEXT_CHARS = 500  # of an exception's text
WHERE_CHARS = 200  # "padding.py, line 12: return x[pad]", at most
PRINTED_CHARS = 2048  # of what one call printed: its start and its end, the middle cut
KEPT_PRINTED = 1 << 20  # what one call may print before the rest is dropped unseen
TRACEBACK_FRAMES = 10_000  # looked at, at most (a deep recursion's traceback is long)
UNREADABLE = "(its message could not be read)"


@dataclass(frozen=True)
class Failure:
    """Why a call gave no value."""

    kind: str  # RAISED or NOT_IMPLEMENTED
    text: str
    builtin: str | None = None  # the exception's nearest built-in class, for RAISED
    where: str | None = None  # the line of the student's file, when one is theirs
    printed: str = ""  # what the call printed (``printed_excerpt``)


@dataclass(frozen=True)
class Outcome:
    value: Any = None
    failure: Failure | None = None
    exception: BaseException | None = None  # in this process only, never sent anywhere


def run_call(function: Callable, args: tuple, kwargs: dict, *, files: Collection[str] | str,
             warnings_as_errors: bool = False, output: CallOutput | None = None,
             fresh: Callable[[], None] | None = None,
             passthrough: tuple[type[BaseException], ...] = (KeyboardInterrupt,)) -> Outcome:
    """Call ``function(*args, **kwargs)``. ``files``: the student's own files (real paths, or
    a folder holding them), where the failing line is looked for. ``output``: where the
    call's printing goes (a fresh ``CallOutput`` when None). ``fresh``: sets the state
    every call starts from (``fresh_state``, or the worker's ``FreshState``).
    ``passthrough``: exceptions that are not the student's (Ctrl-C in the grader's own
    process)."""
    output = output if output is not None else CallOutput()
    # In the grader's own process numpy's error handling is restored after the call; the
    # worker's FreshState sets it before each call that needs it.
    errors = np.errstate(**NUMPY_ERRORS) if fresh is None else contextlib.nullcontext()
    (fresh or fresh_state)()
    output.begin()
    try:
        with warnings.catch_warnings(), output.installed(), errors:
            warnings.simplefilter("error" if warnings_as_errors else "ignore", RuntimeWarning)
            return Outcome(function(*args, **kwargs))
    except passthrough:
        raise
    except NotImplementedError as error:
        text = not_implemented_text(error, function, sys.exc_info()[2])
        return Outcome(failure=Failure(NOT_IMPLEMENTED, text), exception=error)
    except:  # noqa: E722  anything, even SystemExit; also a class whose mro() leaves out
        # BaseException, which `except BaseException` does not catch (CPython matches by MRO)
        return _raised(sys.exc_info(), files, output)


def _raised(exc_info: tuple, files: Collection[str] | str, output: CallOutput) -> Outcome:
    """What ``run_call`` says when ``exc_info`` was raised (a function of its own: no local
    of ``run_call``'s frame holds the traceback, which holds that frame)."""
    _, error, traceback = exc_info
    builtin = builtin_name(type(error))
    text = error_text(error) + (NO_MULTIPROCESSING if builtin in OS_ERRORS and any(
        MULTIPROCESSING in file for file, _, _ in _frames(traceback)) else "")
    failure = Failure(RAISED, text, builtin, _where(traceback, files), output.printed())
    return Outcome(failure=failure, exception=error)


# The grader's sandbox refuses what multiprocessing's pools and locks are made of (new
# processes, POSIX semaphores in /dev/shm); multiprocessing.dummy.Pool, threads otherwise,
# still makes its locks so. Said where the error comes from inside multiprocessing.
MULTIPROCESSING = f"{os.sep}multiprocessing{os.sep}"
OS_ERRORS = ("OSError", "PermissionError", "FileNotFoundError")
NO_MULTIPROCESSING = (" (the grader runs your code where multiprocessing cannot make its "
                      "processes, locks or semaphores, also for multiprocessing.dummy.Pool: "
                      "use concurrent.futures.ThreadPoolExecutor for threads)")


def not_implemented_text(error: NotImplementedError, function: Callable,
                         traceback: TracebackType | None = None) -> str:
    """``NOT_IMPLEMENTED_TEXT``, or, when the stub that raised it is another exercise function
    (a written ``max_pool`` calling ``pool_output_size``, still a stub, or the given stub of a
    module not handed in), "calls pool_output_size, which still raises NotImplementedError".
    ``traceback``: the error's own (``sys.exc_info``), else read from ``error``."""
    try:
        frames = _frames(traceback if traceback is not None else _traceback_of(error))
        # the frame of the stub's raise, when the walk reached it
        name = frames[-1][2] if 0 < len(frames) < TRACEBACK_FRAMES else ""
        if name in FUNCTIONS and name != _plain(getattr(function, "__name__", name), 200):
            return f"calls {name}, which {NOT_IMPLEMENTED_TEXT}"
    except BaseException:  # a function object a hostile student made: say the usual
        pass
    return NOT_IMPLEMENTED_TEXT


def fresh_state() -> None:
    """Every call starts with the same random numbers."""
    np.random.seed(0)
    random.seed(0)


UNSEEDED = ("RandomState", "PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def seed_unseeded_generators() -> None:
    """``np.random.default_rng()``, a numpy bit generator or ``RandomState`` made without a
    seed, and ``random.Random()``, start from seed 0 instead of the operating system's
    entropy: a hand-in that draws from one (random tie-breaking, a shuffle) gets the same
    results, and so the same grade and feedback, on every run. Only in the worker."""
    def seeded(cls):
        def __init__(self, seed=None, *args, **kwargs):
            cls.__init__(self, 0 if seed is None else seed, *args, **kwargs)
        return type(cls.__name__, (cls,), {"__init__": __init__, "__module__": cls.__module__})

    default_rng = np.random.default_rng
    np.random.default_rng = lambda seed=None: default_rng(0 if seed is None else seed)
    for name in UNSEEDED:
        setattr(np.random, name, seeded(getattr(np.random, name)))
    setattr(random, "Random", seeded(random.Random))  # noqa: B010 (a type: mypy)


class FreshState:
    """``fresh_state`` for a process that only runs student code (the worker), where it
    costs as much as the rest of a call and hardly any hand-in uses randomness: Python's
    ``random`` and numpy's global generator are seeded again only after a call used them
    (their module functions are wrapped to notice), numpy's error handling is set again only
    after a call changed it. Never in the grader's own process: it changes ``random``."""

    # numpy's global generator through functions that are not its methods
    NOT_METHODS = ("seed", "ranf", "sample", "get_bit_generator", "set_bit_generator")

    def __init__(self, watch: bool = True):
        """``watch``: seed only after a call used them (else before every call)."""
        self.used, self.watch = True, watch
        seed_unseeded_generators()
        self.seed, self.np_seed = random._inst.seed, np.random.seed
        if watch:
            self._watch(random, random._inst)
            legacy = np.random.mtrand._rand
            for module in (np.random, np.random.mtrand):
                self._watch(module, legacy, self.NOT_METHODS)
        config = getattr(getattr(np, "_core", None), "_ufunc_config", None)
        self.errors_var = getattr(config, "_extobj_contextvar", None)  # numpy >= 2
        self.errors_set = None

    def _watch(self, module, generator, also: tuple[str, ...] = ()) -> None:
        for name in dir(module):
            method = getattr(module, name, None)
            if getattr(method, "__self__", None) is generator or (name in also
                                                                  and callable(method)):
                setattr(module, name, self._watched(method))

    def _watched(self, method):
        def watched(*args, **kwargs):
            self.used = True
            return method(*args, **kwargs)
        return watched

    def __call__(self) -> None:
        if self.used or not self.watch:
            self.np_seed(0)
            self.seed(0)
            self.used = False
        if self.errors_var is None or self.errors_var.get() is not self.errors_set:
            np.seterr(**NUMPY_ERRORS)
            self.errors_set = self.errors_var and self.errors_var.get()


# --- what a call printed ------------------------------------------------------------------

class CallOutput:
    """``sys.stdout`` and ``sys.stderr`` while a call runs: what one call prints, at most
    ``KEPT_PRINTED`` bytes of it, the rest dropped at once (a print flood costs no time).

    In the grader's own process (and in ``cnnlab check``, which shows a function's prints
    under its name) the text is kept in memory. In the worker it goes straight to ``fd``,
    a file of the grader's that holds only the current call's output (emptied when a call
    begins): after a crash or a timeout the grader reads it there, and a reply sends it along
    (``printed``)."""

    encoding, errors = "utf-8", "replace"

    def __init__(self, fd: int | None = None):
        self.fd = fd
        self.kept = 0
        self.memory = io.StringIO() if fd is None else None

    def begin(self) -> None:
        """A new call: nothing printed yet. The file is emptied only when something (this
        object or a write to fd 1 or 2 from C) wrote to it."""
        self.kept = 0
        if self.memory is not None:
            self.memory = io.StringIO()
        elif self.fd is not None and os.lseek(self.fd, 0, os.SEEK_CUR):
            os.ftruncate(self.fd, 0)
            os.lseek(self.fd, 0, os.SEEK_SET)

    def write(self, text) -> int:
        text = str(text)
        if self.kept < KEPT_PRINTED:
            data = text[:KEPT_PRINTED - self.kept].encode("utf-8", "replace")[:KEPT_PRINTED]
            self.kept += len(data)
            if self.memory is not None:
                self.memory.write(data.decode("utf-8", "replace"))
            elif self.fd is not None:
                try:
                    os.write(self.fd, data)
                except OSError:  # past RLIMIT_FSIZE: the rest is not kept
                    self.kept = KEPT_PRINTED
        return len(text)

    def printed(self) -> str:
        if self.memory is not None:
            data = self.memory.getvalue().encode()
            return printed_excerpt(data, len(data))
        return printed_excerpt_of(self.fileno())

    def flush(self) -> None:
        pass  # nothing is buffered: a print's text is kept (or written) as it comes

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        if self.fd is None:
            raise io.UnsupportedOperation("fileno")
        return self.fd

    def installed(self) -> _Installed:
        return _Installed(self)


class _Installed:
    """Makes ``output`` sys.stdout and sys.stderr for the block (a class, not a generator:
    entered once per call)."""

    __slots__ = ("output", "saved")

    def __init__(self, output: CallOutput):
        self.output, self.saved = output, (sys.stdout, sys.stderr)

    def __enter__(self) -> None:
        self.saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.output

    def __exit__(self, *exc) -> None:
        sys.stdout, sys.stderr = self.saved


def printed_excerpt_of(fd: int) -> str:
    """``printed_excerpt`` of what the file ``fd`` holds (read with ``pread``: the file's
    offset is shared with a writer)."""
    try:
        size = os.fstat(fd).st_size
        if size <= PRINTED_CHARS:
            return printed_excerpt(os.pread(fd, size, 0), size)
        half = PRINTED_CHARS // 2
        return printed_excerpt(os.pread(fd, half, 0) + os.pread(fd, half, size - half), size)
    except (OSError, ValueError):
        return ""


def printed_excerpt(data: bytes, size: int) -> str:
    """What a call printed (``data``: all ``size`` bytes of it, or its first and last
    ``PRINTED_CHARS / 2``) as text: the middle cut at character boundaries and marked."""
    if size <= PRINTED_CHARS:
        return data.decode("utf-8", "replace")
    half = PRINTED_CHARS // 2
    if len(data) > PRINTED_CHARS:
        data = data[:half] + data[-half:]
    head = codecs.getincrementaldecoder("utf-8")("replace").decode(data[:half])  # no cut end
    start = half
    while start < min(len(data), half + 4) and data[start] & 0xC0 == 0x80:  # mid-character
        start += 1
    tail = data[start:].decode("utf-8", "replace")
    cut = size - half - (len(data) - start)
    return f"{head}\n[... {cut:,} bytes cut ...]\n{tail}"


# --- describing an exception -----------------------------------------------------------------
#
# The exception is the student's object: its class may have a metaclass, properties
# (``__traceback__``, ``__name__``) and a ``__str__`` returning a str subclass whose slicing
# is theirs too. So only what they cannot override is used: ``type.__dict__``'s and
# ``BaseException.__dict__``'s own descriptors, identity, and exact ``str`` copies. A
# ``__str__`` that hangs is the call's own timeout (this runs within the call's time).

_MRO, _NAME = type.__dict__["__mro__"], type.__dict__["__name__"]  # the type's own slots
_TRACEBACK = BaseException.__dict__["__traceback__"]  # the slot raise fills, not a property
# The real built-in exception classes, by identity (a class's hash is its metaclass's code),
# taken before any student code runs: `class ValueError(TypeError)` in "builtins" is not one.
_BUILTIN_EXCEPTIONS = {id(cls): cls.__name__ for cls in vars(builtins).values()
                       if isinstance(cls, type) and issubclass(cls, BaseException)}


def error_text(error: object) -> str:
    """The exception's text (its class's name when it has none: ``MemoryError()``), at most
    ``TEXT_CHARS`` as an exact str; ``UNREADABLE`` after the class name when ``__str__``
    raises."""
    text = message_of(error)
    if text == UNREADABLE:
        return _plain(f"{class_name(error)} {UNREADABLE}", TEXT_CHARS)
    return text or class_name(error)[:TEXT_CHARS]


def message_of(error: object) -> str:
    """``str(error)``, at most ``TEXT_CHARS`` as an exact str ("" when it has none), or
    ``UNREADABLE`` when its ``__str__`` raises."""
    try:
        return _plain(str(error), TEXT_CHARS)
    except BaseException:  # a __str__ that raises
        return UNREADABLE


def _plain(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text`` as an exact str: ``str``'s own slicing,
    which copies a str subclass's characters without calling its methods."""
    cut = str.__getitem__(text, slice(0, limit))
    return cut if type(cut) is str else ""


def class_name(error: object) -> str:
    """The name of the exception's class, from the type's own slot (not a metaclass's)."""
    try:
        return _plain(_NAME.__get__(type(error)), TEXT_CHARS)  # not a metaclass's __name__
    except BaseException:
        return "an exception"


def builtin_name(kind: type) -> str:
    """The exception's nearest built-in class, by its real ancestry (the MRO that ``except``
    matches by): a student's ``class ShapeError(ValueError)`` is a ValueError. One that is a
    ValueError too (``class ArgumentError(TypeError, ValueError)``) is told as one: ``except
    ValueError`` catches it, and SPEC asks for that. "BaseException" when none is found."""
    try:
        mro = _MRO.__get__(kind)  # not a metaclass's __mro__ property
        # a finite tuple, no links to follow (as long as the student's own class statements)
        nearest = next((cls for cls in mro if id(cls) in _BUILTIN_EXCEPTIONS), None)
        if nearest is None:
            return "BaseException"
        if any(cls is ValueError for cls in mro) and not issubclass(nearest, ValueError):
            return "ValueError"
        return _BUILTIN_EXCEPTIONS[id(nearest)]
    except BaseException:
        return "BaseException"


def where_in(error: BaseException, files: Collection[str] | str) -> str | None:
    """The last traceback frame in one of the student's ``files`` (a collection of real
    paths, or a folder holding them), as "name.py, line N: source line"; None if no frame
    is theirs. The one way the student's line is found."""
    return _where(_traceback_of(error), files)


def frames_of(error: object) -> list[tuple[str, int, str]]:
    """(file name, line, function name) of the frames ``error`` was raised through
    (``_frames``)."""
    return _frames(_traceback_of(error))


def _traceback_of(error: object) -> TracebackType | None:
    """The traceback ``raise`` gave ``error`` (not a ``__traceback__`` property)."""
    try:
        return _TRACEBACK.__get__(error)
    except BaseException:  # not a BaseException by its MRO: the slot cannot be read
        return None


def _where(traceback: TracebackType | None, files: Collection[str] | str) -> str | None:
    """``where_in`` of a traceback."""
    try:
        frames = _frames(traceback)
    except BaseException:  # out of memory, say: no line rather than no reply
        return None
    for filename, lineno, _ in reversed(frames):
        path = _real(filename)
        if _is_theirs(path, files):
            where = f"{os.path.basename(path)}, line {lineno}"
            line = linecache.getline(filename, lineno).strip()
            return (f"{where}: {line}" if line else where)[:WHERE_CHARS]
    return None


def source_file(function: Callable) -> str | None:
    """The real path of the file that defines ``function``: the student's own code."""
    code = getattr(function, "__code__", None)
    return os.path.realpath(code.co_filename) if code is not None else None


def source_files(*functions: Callable) -> set[str]:
    """``source_file`` of each of ``functions`` that has one: the ``files`` of ``run_call``."""
    return {path for path in map(source_file, functions) if path is not None}


def _frames(tb: TracebackType | None) -> list[tuple[str, int, str]]:
    """(file name, line, function name) of each frame, the first ``TRACEBACK_FRAMES``: no
    source is read (a student's ValueError for an invalid argument is raised thousands of
    times; only the chosen line is looked up). Only a real traceback is followed (its links
    cannot loop); names are exact strs (``code.replace`` takes a str subclass)."""
    frames: list[tuple[str, int, str]] = []
    while type(tb) is TracebackType and len(frames) < TRACEBACK_FRAMES:
        code = tb.tb_frame.f_code
        frames.append((_plain(code.co_filename, 4096), tb.tb_lineno or 0,
                       _plain(code.co_name, 200)))
        tb = tb.tb_next
    return frames


@functools.lru_cache(maxsize=256)
def _real(filename: str) -> str:
    return os.path.realpath(filename)


@functools.lru_cache(maxsize=16)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder) + os.sep


def _is_theirs(path: str, files: Collection[str] | str) -> bool:
    if isinstance(files, str):
        return path.startswith(_real_folder(files))
    return path in files
