"""The drawn suite as plain data, one file per function in the grader's private cache, so a
run draws only what changed.

Drawing depends on the course key, so nothing drawn ships with the package: the grader draws
what its cache lacks (seconds per function, all cores, with a progress bar) and keeps it in
``paths.cache_dir()`` (``$CNNLAB_CACHE``, else the platform's cache folder; mode 0700, and
never inside a folder the sandbox shows to student code).

A file is content-addressed: its name holds the course key's fingerprint, the function and
the digest of exactly what the function's examples depend on (``autograder.dependencies``:
its checks' strategies and calls, its reference, the drawing code, the versions) but not the
rubric: points are applied when the file is read, so a rubric that only changes points needs
no drawing. A change to one function's checks or reference redraws that function alone.

A file is a header line ``cnnlab-suite-6 <key> <sha256 of the rest>`` and gzip-compressed
JSON whose values are ``wire`` messages: the function's calls, each once (a call several checks
make is one object when read, asked of a hand-in once), and per check its corpora, whose
course examples name their calls by index in that table. Nothing is unpickled or executed, and
decoding builds only numbers, strings, containers and numeric arrays. A file whose key
differs is stale and ignored; one whose hash does not match, or that does not decode into
examples, calls and results that line up, is refused with a message and drawn again.
A function keeps its ``KEEP_VERSIONS`` last used files per course key (two checkouts
sharing the cache each find theirs). A file that has not been read for ``UNUSED_DAYS``
(another course's, a key's that is gone) is removed when a function is next drawn.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import gzip
import hashlib
import importlib.util
import io
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import solutions
from autograder import course_key, interrupts
from autograder.course_key import CourseKey
from autograder.dependencies import function_digest
from autograder.drawing import Corpus, DrawnCheck, call_identity, draw_check
from autograder.worker_runtime import wire
from cnnlab import paths

# 3: a file per function, drawn with the course key, with pools; 4: with the oracles' data;
# 5: with each course example's size and the relabellable ones; 6: the function's calls in a
# table of their own, each once
FORMAT = "cnnlab-suite-6"
MAX_FILE_BYTES = 256 * 2**20  # compressed or not: far above a function's few hundred kB
# A file read or written in this many days is kept; older ones go when a function is drawn
# (a course key made for a term is not graded with again, and its suite is a few MB).
UNUSED_DAYS = 60
KEEP_VERSIONS = 3  # per function and course key: a checkout or two besides the newest

Drawn = dict[str, DrawnCheck]  # check id -> what drawing gives, before the rubric's points
Say = Callable[[str], None]


class SuiteFileError(ValueError):
    """A drawn-suite file that is not what it claims to be."""


def cache_dir() -> Path:
    return paths.cache_dir()


def source_files(names: tuple[str, ...], suffixes: tuple[str, ...] = (".py",)) -> list[Path]:
    """The files behind modules and packages (a package's files recursively), in a stable
    order: what a grade's version depends on (``pipeline``)."""
    files = []
    for name in names:
        spec = importlib.util.find_spec(name)
        folders = spec.submodule_search_locations if spec else None
        if not folders:
            files += [Path(spec.origin)] if spec and spec.origin else []
            continue
        files += sorted(f for folder in folders for f in Path(folder).rglob("*")
                        if f.suffix in suffixes and "__pycache__" not in f.parts)
    return files


def private_dir() -> Path:
    """The cache folder, made with mode 0700; ``PermissionError`` when it is someone else's,
    others may write to it, or the sandbox shows it to student code (what is read from it
    decides grades, and it holds hidden inputs and answers)."""
    folder = cache_dir()
    if course_key.inside_exposed(folder):
        raise PermissionError(f"{folder} lies inside {course_key.inside_exposed(folder)}, "
                              "which the sandbox shows to student code: not used as a cache "
                              f"(set {paths.CACHE_ENV} to a folder outside it)")
    return paths.private(folder)


def function_key(function: str, checks: list, key: CourseKey) -> str:
    """The name of what ``function``'s drawing gives for the course ``key``."""
    digest = function_digest(function, checks, solutions.reference(function), FORMAT)
    return hashlib.sha256(f"{digest} {key.fingerprint}".encode()).hexdigest()[:24]


def cache_path(function: str, file_key: str, key: CourseKey) -> Path:
    return private_dir() / f"suite-{key.fingerprint}-{function}-{file_key}.json.gz"


# --- the suite's entry point (called by ``engine.prepare``) ------------------------------------

def load(suite, functions: tuple[str, ...], say: Say | None = None, jobs: int = 0) -> None:
    """Fill ``suite.prepared`` for ``functions``: read from the cache what is current, draw
    the rest (then cache it; without a usable cache folder, said once, only draw)."""
    say = say or _stderr
    try:
        folder: Path | None = private_dir()
    except PermissionError as error:
        say(f"{error}")
        folder = None
    keys = {f: function_key(f, suite.checks[f], suite.key) for f in functions}
    drawn: Drawn = {}
    missing = []
    for function in functions:
        found = _cached(function, keys[function], suite, say) if folder else None
        if found is None:
            missing.append(function)
        else:
            drawn.update(found)
    if missing:
        with cycle_collector(running=True):
            fresh = draw({f: suite.checks[f] for f in missing}, suite.key, say, jobs)
        for function in missing:
            own = {c.id: fresh[c.id] for c in suite.checks[function]}
            drawn.update(_kept(function, keys[function], own, suite.key, folder, say))
    apply_rubric(suite, drawn, functions)


def _kept(function: str, file_key: str, own: Drawn, key: CourseKey, folder: Path | None,
          say: Say) -> Drawn:
    """What was drawn for ``function`` as its file holds it (read back: graded the same way
    as when read next run), the file written when there is a cache folder."""
    try:
        data = encode(own, file_key)
        kept = decode(data, file_key)
    except (wire.WireError, SuiteFileError) as error:  # a bug of ours: grade what was drawn
        say(f"the drawn suite of {function} cannot be kept ({error}); not cached")
        return own
    assert kept is not None  # None only for another key's file
    if folder:
        store(function, file_key, data, key)
    return kept


@contextlib.contextmanager
def cycle_collector(running: bool):
    """Python's cycle collector on or off for a while, then as it was. Off while a suite is
    read (``Suite.load``): its million small objects are never garbage, yet each collection
    walked them all again (the JSON parser took 5.2 s with it, 0.53 s without). On while
    drawing (hypothesis leaves cycles behind: three functions drawn without it peaked at
    270 MB, with it at 65 MB), also in the drawing processes forked meanwhile."""
    was_running = gc.isenabled()
    (gc.enable if running else gc.disable)()
    try:
        yield
    finally:
        (gc.enable if was_running else gc.disable)()


def _cached(function: str, file_key: str, suite, say: Say) -> Drawn | None:
    path = cache_path(function, file_key, suite.key)
    try:
        found = read(path, file_key)
    except FileNotFoundError:
        return None
    except SuiteFileError as error:
        say(f"refusing the drawn suite {path}: {error}; drawing {function} again")
        return None
    if found is None or not {c.id for c in suite.checks[function]} <= set(found):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # in use: kept by ``_remove_unused``
    return found


def apply_rubric(suite, drawn: Drawn, functions: tuple[str, ...]) -> None:
    """The rubric's points on the drawn checks; as ``Suite.of``, a check without points is
    left out unless the whole function is worth nothing."""
    from autograder.engine import PreparedCheck
    for function in functions:
        checks = suite.checks[function]
        shares = suite.rubric.check_points(function, checks)
        worthless = suite.rubric.points_of(function) == 0
        for check in checks:
            drawn[check.id].teach(check)
        suite.prepared[function] = [
            PreparedCheck.of(check, share, drawn[check.id])
            for check, share in zip(checks, shares, strict=True) if share > 0 or worthless]


# --- drawing, in parallel -----------------------------------------------------------------------

def draw(checks: dict, key: CourseKey, say: Say | None = None, jobs: int = 0) -> Drawn:
    """Every check of ``checks`` (function -> checks), a check per task on all cores
    (forked: the children run only our own code), with a progress bar on a terminal and a
    line per function done otherwise."""
    say = say or _stderr
    jobs = max(1, jobs or len(os.sched_getaffinity(0)))
    tasks = [check for own in checks.values() for check in own]
    say(f"drawing the hidden suite for {len(checks)} function(s) ({len(tasks)} checks) "
        f"with course key {key.fingerprint}")
    if jobs == 1:  # in this process (a notebook's kernel draws one function at a time)
        return {check.id: draw_check(check, key) for check in tasks}
    _DRAWING.update(tasks=tasks, key=key)
    left = {function: len(own) for function, own in checks.items()}
    drawn: Drawn = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=context) as pool, \
            _Bar(len(tasks)) as bar:
        futures = {pool.submit(_draw_task, i): tasks[i] for i in _big_first(tasks)}
        try:
            for future in as_completed(futures):
                interrupts.raise_pending()
                check = futures[future]
                drawn[check.id] = _decode_check(check.id, future.result())
                bar.update()
                left[check.function] -= 1
                if not left[check.function] and not bar.shown:
                    done = sum(not n for n in left.values())
                    say(f"drawing the hidden suite: {check.function} ({done}/{len(left)})")
        except BaseException:  # Ctrl-C, SIGTERM, an error: wait for the checks being drawn,
            pool.shutdown(wait=False, cancel_futures=True)  # not for the whole suite
            raise
    return drawn


def _big_first(tasks: list) -> list[int]:
    """Task order: the checks of array functions first (they take longest to draw)."""
    from cnnlab.catalog import PICTURED, RESULT_KIND
    slow = PICTURED | {f for f, kind in RESULT_KIND.items() if "array" in kind}
    return sorted(range(len(tasks)), key=lambda i: (tasks[i].function not in slow, i))


_DRAWING: dict = {}  # set before forking the drawing processes


def _draw_task(index: int) -> bytes:
    """In a drawing process: one check, as a wire message."""
    drawn = draw_check(_DRAWING["tasks"][index], _DRAWING["key"])
    return _message(drawn)


class _Bar:
    """A tqdm bar over the checks on a terminal (stderr), nothing otherwise."""

    def __init__(self, total: int):
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="check", desc="drawing the hidden suite",
                            file=sys.stderr)

    @property
    def shown(self) -> bool:
        return self.bar is not None

    def update(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --- the file format ------------------------------------------------------------------------------

class _CallTable:
    """A function's calls, each once (``call_identity``), numbered in the order met."""

    def __init__(self) -> None:
        self.indices: dict[bytes, int] = {}
        self.messages: list[bytes] = []

    def index(self, call) -> int:
        identity = call_identity(call)
        if identity not in self.indices:
            self.indices[identity] = len(self.messages)
            self.messages.append(wire.dumps(call))
        return self.indices[identity]


def _message(drawn: DrawnCheck, table: _CallTable | None = None) -> bytes:
    """The check as a wire message; with a ``table`` (added to here) its course examples'
    calls are given by their index in it."""
    return wire.dumps([_corpus_parts(drawn.course, table), _corpus_parts(drawn.pool)])


def _corpus_parts(corpus: Corpus, table: _CallTable | None = None) -> list:
    examples, calls, expected, starts = corpus.parts()
    if table is not None:
        calls = [[table.index(call) for call in group] for group in calls]
    return [examples, calls, [[_tag(e) for e in group] for group in expected],
            [_start_text(choices) for choices in starts], corpus.oracles, corpus.sizes,
            corpus.relabellable]


def _start_text(choices: bytes) -> str:
    """The choices as base64 text, or "" (no shrinking) when they are too long for the wire:
    only very large examples, never the smallest failure in practice."""
    text = base64.b64encode(choices).decode()
    return text if len(text) <= wire.MAX_STRING else ""


def _tag(value) -> list:
    from autograder.checks.base import Raised
    return ["raised", value.message] if isinstance(value, Raised) else ["value", value]


def encode(drawn: Drawn, file_key: str) -> bytes:
    """Header line and gzip JSON (``decode`` it to check it: a value the wire refuses must
    fail when drawing, not when grading)."""
    table = _CallTable()
    checks = {check_id: _message(check, table).decode()
              for check_id, check in sorted(drawn.items())}
    calls = b'{"list":[' + b",".join(table.messages) + b"]}"
    body = gzip.compress(json.dumps({"format": FORMAT, "key": file_key, "checks": checks,
                                     "calls": calls.decode()}, sort_keys=True).encode(),
                         mtime=0)
    return f"{FORMAT} {file_key} {hashlib.sha256(body).hexdigest()}\n".encode() + body


def read(path: Path, file_key: str) -> Drawn | None:
    """The drawn checks in ``path``; None when it is for another key (stale).
    ``SuiteFileError`` for a file that is damaged or altered."""
    return decode(_read_regular(path), file_key)


def decode(data: bytes, file_key: str) -> Drawn | None:
    """The drawn checks in a file's ``data`` (``read``)."""
    header, _, body = data.partition(b"\n")
    parts = header.decode(errors="replace").split()
    if len(parts) != 3 or parts[0] != FORMAT:
        raise SuiteFileError("not a drawn-suite file")
    if parts[1] != file_key:
        return None
    if hashlib.sha256(body).hexdigest() != parts[2]:
        raise SuiteFileError("its content does not match its sha256 (damaged or altered)")
    try:
        document = json.loads(_gunzip(body))
    except (OSError, EOFError, ValueError) as error:
        raise SuiteFileError(f"unreadable ({error})") from None
    if (type(document) is not dict or document.get("key") != file_key
            or type(document.get("checks")) is not dict
            or type(document.get("calls")) is not str):
        raise SuiteFileError("its content is not a drawn suite for this key")
    table = _decode_calls(document["calls"])
    return {check_id: _decode_check(check_id, message, table)
            for check_id, message in document["checks"].items()}


def _decode_calls(message: str) -> list:
    try:
        calls = wire.loads_own(message)  # the grader's own file, checked by its hash
    except (wire.WireError, ValueError, TypeError) as error:
        raise SuiteFileError(f"its calls: {error}") from None
    if type(calls) is not list or not all(_is_call(call) for call in calls):
        raise SuiteFileError("its calls: a call is not (args, kwargs)")
    return calls


def _is_call(call) -> bool:
    return (type(call) in (list, tuple) and len(call) == 2 and type(call[0]) is tuple
            and type(call[1]) is dict)


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file no larger than allowed (never a FIFO or a device)."""
    try:
        return paths.read_regular(path, MAX_FILE_BYTES)[0]
    except FileNotFoundError:
        raise
    except OSError as error:
        raise SuiteFileError(f"cannot be opened ({error.strerror})") from None
    except ValueError:
        raise SuiteFileError("not a regular file of a sensible size") from None


def _gunzip(body: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise SuiteFileError("it unpacks to more than allowed")
    return data


def _decode_check(check_id: str, message, table: list | None = None) -> DrawnCheck:
    """A check's message (``_message``); its course examples' calls are indices into
    ``table`` when one is given."""
    if type(message) not in (str, bytes):
        raise SuiteFileError(f"{check_id}: not a wire message")
    try:
        course, pool = wire.loads_own(message)  # the grader's own file, checked by its hash
    except (wire.WireError, ValueError, TypeError) as error:
        raise SuiteFileError(f"{check_id}: {error}") from None
    return DrawnCheck(_decode_corpus(check_id, course, table), _decode_corpus(check_id, pool))


def _decode_corpus(check_id: str, parts, table: list | None = None) -> Corpus:
    from autograder.checks.base import Raised
    try:
        examples, calls, tagged, starts, oracles, sizes, relabellable = parts
        expected = [[Raised(v) if tag == "raised" else v for tag, v in group]
                    for group in tagged]
    except (ValueError, TypeError) as error:
        raise SuiteFileError(f"{check_id}: {error}") from None
    if table is not None:
        calls = _looked_up(check_id, calls, table)
    if not (type(examples) is list and type(calls) is list and type(starts) is list
            and type(oracles) is list and len(oracles) in (0, len(examples))
            and len(examples) == len(calls) == len(expected) == len(starts)
            and all(type(g) is list and len(g) == len(e) for g, e
                    in zip(calls, expected, strict=True))):
        raise SuiteFileError(f"{check_id}: examples, calls and results do not line up")
    if not _derived_line_up(sizes, relabellable, len(examples)):
        raise SuiteFileError(f"{check_id}: the sizes or relabellable examples do not line up")
    try:
        starts = [base64.b64decode(start, validate=True) for start in starts]
    except (TypeError, ValueError):  # not text, or binascii.Error
        raise SuiteFileError(f"{check_id}: a shrinking start that is not base64 text") from None
    if table is None and not all(_is_call(c) for group in calls for c in group):
        raise SuiteFileError(f"{check_id}: a call is not (args, kwargs)")
    return Corpus(examples, calls, expected, starts, oracles, sizes, relabellable)


def _looked_up(check_id: str, groups, table: list) -> list:
    """Per example its calls, from their indices in ``table``."""
    with contextlib.suppress(IndexError, TypeError):
        if all(type(i) is int and i >= 0 for group in groups for i in group):
            return [[table[i] for i in group] for group in groups]
    raise SuiteFileError(f"{check_id}: a call that is not in the function's calls")


def _derived_line_up(sizes, relabellable, count: int) -> bool:
    """A size (elements, magnitude) per example, and increasing indices of examples; or
    neither (not worked out)."""
    if type(sizes) is not list or type(relabellable) is not list:
        return False
    if not sizes:
        return not relabellable
    return (len(sizes) == count
            and all(type(s) is tuple and len(s) == 2 and type(s[0]) is int
                    and type(s[1]) is float for s in sizes)
            and all(type(i) is int for i in relabellable)
            and relabellable == sorted(set(relabellable))
            and all(0 <= i < count for i in relabellable[:1] + relabellable[-1:]))


def store(function: str, file_key: str, data: bytes, key: CourseKey) -> None:
    """Write the function's file, ``data`` (``encode``), and remove its versions for this
    course key beyond the ``KEEP_VERSIONS`` last used, and every file unused for
    ``UNUSED_DAYS`` (another course's, or a key's that is gone); a cache that cannot be
    written only costs time next run."""
    with contextlib.suppress(OSError):
        path = cache_path(function, file_key, key)
        write(path, data)
        _remove_old_versions(path.parent.glob(f"suite-{key.fingerprint}-{function}-*.json.gz"))
        _remove_unused(path.parent)


def _remove_old_versions(versions) -> None:
    """Keep the ``KEEP_VERSIONS`` last used (``_cached`` marks a read by the modification
    time): two checkouts sharing the cache (this term's course and next term's, a branch)
    each find their own version instead of drawing over the other's."""
    dated = []
    for path in versions:
        with contextlib.suppress(OSError):
            dated.append((path.stat().st_mtime, path))
    for _, old in sorted(dated, reverse=True)[KEEP_VERSIONS:]:
        old.unlink(missing_ok=True)


def _remove_unused(folder: Path) -> None:
    """Remove the suite files not read or written for ``UNUSED_DAYS`` (``_cached`` marks a
    file read by its modification time): without it, a key's files stay for ever."""
    oldest = time.time() - UNUSED_DAYS * 86_400
    for path in folder.glob("suite-*.json.gz"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < oldest:
                path.unlink()


def write(path: Path, data: bytes) -> None:
    """Atomically (a reader sees the old file or the new one), mode 0600."""
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as file:
        file.write(data)
    os.replace(file.name, path)
