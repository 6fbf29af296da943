"""The prepared suite as plain data: every check's drawn examples, calls and the reference's
results, so grading needs no drawing.

Two copies in one format, read in this order:

* the **shipped** file ``autograder/prepared_suite.json.gz`` (package data), written by
  ``cnnlab build``; a normal install grades at once;
* the user's cache, ``$CNNLAB_CACHE`` or ``~/.cache/cnnlab`` (mode 0700), written by the
  grader after it had to draw (a changed check, a development tree).

A file is a header line ``cnnlab-suite-2 <key> <sha256 of the rest>`` and gzip-compressed
JSON whose values are ``wire`` messages: nothing is unpickled or executed, and
decoding builds only numbers, strings, containers and numeric arrays. The key is a digest of
everything the examples depend on (checks, strategies, generation, the engine, the reference,
hypothesis's and numpy's versions) but not of the rubric: points are applied when the file is
read, so a rubric that only changes points needs no drawing. A file whose key differs is
stale and ignored; one whose hash does not match is refused with a message, and the suite is
drawn again.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import importlib.util
import io
import json
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import hypothesis
import numpy as np

from autograder.worker_runtime import wire

DEPENDS_ON = ("autograder.checks", "autograder.strategies", "autograder.generation",
              "autograder.engine", "solutions", "cnnlab.catalog")
CACHE_ENV = "CNNLAB_CACHE"
FORMAT = "cnnlab-suite-2"  # 2: with each example's choices (where shrinking starts)
SHIPPED = Path(__file__).resolve().parent / "prepared_suite.json.gz"
MAX_FILE_BYTES = 256 * 2**20  # compressed or not: far above the suite's few MB

# check id -> (examples, calls, expected, starts): what drawing gives, before the rubric's
# points; ``starts`` are hypothesis's choices per example (base64 text in the file)
Drawn = dict[str, tuple[list, list, list, list]]


class SuiteFileError(ValueError):
    """A prepared-suite file that is not what it claims to be."""


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cnnlab")


def source_files(names: tuple[str, ...], suffixes: tuple[str, ...] = (".py",)) -> list[Path]:
    """The files behind modules and packages (a package's files recursively), in a stable
    order: what a cache key or a grade's version depends on."""
    files = []
    for name in names:
        spec = importlib.util.find_spec(name)
        folders = spec.submodule_search_locations if spec else None
        if not folders:
            files += [Path(spec.origin)] if spec else []
            continue
        files += sorted(f for folder in folders for f in Path(folder).rglob("*")
                        if f.suffix in suffixes and "__pycache__" not in f.parts)
    return files


def digest() -> str:
    """The key of the drawn examples (not of the rubric: points are applied on reading)."""
    text = hashlib.sha256(f"{FORMAT} {hypothesis.__version__} {np.__version__}".encode())
    for file in source_files(DEPENDS_ON):
        text.update(file.name.encode() + b"\0" + file.read_bytes())
    return text.hexdigest()[:24]


def private_dir() -> Path:
    """The cache folder, made with mode 0700; ``PermissionError`` when it is someone
    else's or others may write to it (what is read from it decides grades)."""
    folder = cache_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise PermissionError(f"{folder} is not private to this user: not used as a cache")
    return folder


def _cache_path(key: str) -> Path:
    return private_dir() / f"suite-{key}.json.gz"


# --- the suite's entry points (called by ``engine.prepare``) -------------------------------

def load(suite, say: Callable[[str], None] | None = None) -> bool:
    """Fill ``suite.prepared`` for every function: from the shipped file or the cache when
    one is current, else by drawing (then cached). Always True: the suite is complete."""
    say = say or _stderr
    key = digest()
    drawn = None
    for where in (lambda: SHIPPED, lambda: _cache_path(key)):
        try:
            path = where()
            drawn = read(path, key)
        except FileNotFoundError:
            continue
        except PermissionError as error:
            say(f"{error}")
            continue
        except SuiteFileError as error:
            say(f"refusing the prepared suite {path}: {error}; drawing it again")
            continue
        if drawn is not None and _covers(drawn, suite.checks):
            break
        drawn = None
    if drawn is None:
        drawn = draw(suite.checks, say)
        store_drawn(drawn, key)
    apply_rubric(suite, drawn)
    return True


def store(suite) -> None:
    """Cache what ``suite`` holds (only a complete draw: one that skipped zero-point checks
    would be incomplete for another rubric)."""
    drawn = {p.check.id: (p.examples, p.calls, p.expected, p.starts)
             for prepared in suite.prepared.values() for p in prepared}
    if _covers(drawn, suite.checks):
        store_drawn(drawn, digest())


def apply_rubric(suite, drawn: Drawn) -> None:
    """The rubric's points on the drawn checks; as ``Suite.of``, a check without points is
    left out unless the whole function is worth nothing."""
    from autograder.engine import PreparedCheck
    for function, checks in suite.checks.items():
        shares = suite.rubric.check_points(function, checks)
        worthless = suite.rubric.points_of(function) == 0
        suite.prepared[function] = [PreparedCheck(check, share, *drawn[check.id])
                                    for check, share in zip(checks, shares, strict=True)
                                    if share > 0 or worthless]


def _covers(drawn: Drawn, checks: dict) -> bool:
    return {c.id for own in checks.values() for c in own} <= set(drawn)


# --- drawing --------------------------------------------------------------------------------

def draw(checks: dict, say: Callable[[str], None] | None = None, jobs: int = 0) -> Drawn:
    """Every check's examples, a function per task on all cores (forked: the children run
    only our own code), with a line per function as it is done."""
    say = say or _stderr
    jobs = max(1, jobs or os.cpu_count() or 1)
    _DRAWING["checks"] = checks
    drawn: Drawn = {}
    order = sorted(checks, key=lambda f: -len(checks[f]))  # the big ones first
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(jobs, len(order)), mp_context=context) as pool:
        futures = {pool.submit(_draw_function, f): f for f in order}
        for number, future in enumerate(as_completed(futures), start=1):
            for check_id, message in future.result().items():
                drawn[check_id] = _decode_check(check_id, message)
            say(f"drawing the hidden suite: {futures[future]} ({number}/{len(order)})")
    return drawn


_DRAWING: dict = {}  # set before forking the drawing processes


def _draw_function(function: str) -> dict[str, bytes]:
    """In a drawing process: the function's checks as wire messages."""
    from autograder.engine import _prepare_check
    messages = {}
    for check in _DRAWING["checks"][function]:
        p = _prepare_check(check, 0.0)
        messages[check.id] = _message(p.examples, p.calls, p.expected, p.starts)
    return messages


def _message(examples: list, calls: list, expected: list, starts: list[bytes]) -> bytes:
    return wire.dumps([examples, calls, [[_tag(e) for e in group] for group in expected],
                       [_start_text(choices) for choices in starts]])


def _start_text(choices: bytes) -> str:
    """The choices as base64 text, or "" (no shrinking) when they are too long for the wire:
    only very large examples, never the smallest failure in practice."""
    text = base64.b64encode(choices).decode()
    return text if len(text) <= wire.MAX_STRING else ""


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --- the file format ------------------------------------------------------------------------

def encode(drawn: Drawn, key: str) -> bytes:
    """Header line and gzip JSON; every check checked to decode again (a value the wire
    refuses must fail here, at build time, not when grading)."""
    checks = {}
    for check_id, parts in sorted(drawn.items()):
        message = _message(*parts)
        _decode_check(check_id, message)
        checks[check_id] = message.decode()
    body = gzip.compress(json.dumps({"format": FORMAT, "key": key, "checks": checks},
                                    sort_keys=True).encode(), mtime=0)
    return f"{FORMAT} {key} {hashlib.sha256(body).hexdigest()}\n".encode() + body


def read_key(path: Path) -> str | None:
    """The key in a file's header (cheap: for ``cnnlab build --check``)."""
    with open(path, "rb") as file:
        parts = file.readline(200).decode(errors="replace").split()
    return parts[1] if len(parts) == 3 and parts[0] == FORMAT else None


def read(path: Path, key: str) -> Drawn | None:
    """The drawn checks in ``path``; None when it is for another key (stale).
    ``SuiteFileError`` for a file that is damaged or altered."""
    data = _read_regular(path)
    header, _, body = data.partition(b"\n")
    parts = header.decode(errors="replace").split()
    if len(parts) != 3 or parts[0] != FORMAT:
        raise SuiteFileError("not a prepared-suite file")
    if parts[1] != key:
        return None
    if hashlib.sha256(body).hexdigest() != parts[2]:
        raise SuiteFileError("its content does not match its sha256 (damaged or altered)")
    try:
        document = json.loads(_gunzip(body))
    except (OSError, EOFError, ValueError) as error:
        raise SuiteFileError(f"unreadable ({error})") from None
    if (type(document) is not dict or document.get("key") != key
            or type(document.get("checks")) is not dict):
        raise SuiteFileError("its content is not a prepared suite for this key")
    return {check_id: _decode_check(check_id, message)
            for check_id, message in document["checks"].items()}


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file no larger than allowed (never a FIFO or a device)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise SuiteFileError(f"cannot be opened ({error.strerror})") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not (info.st_mode & 0o170000 == 0o100000) or info.st_size > MAX_FILE_BYTES:
            raise SuiteFileError("not a regular file of a sensible size")
        return file.read(MAX_FILE_BYTES)


def _gunzip(body: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise SuiteFileError("it unpacks to more than allowed")
    return data


def _tag(value) -> list:
    from autograder.checks.base import Raised
    return ["raised", value.message] if isinstance(value, Raised) else ["value", value]


def _decode_check(check_id: str, message) -> tuple[list, list, list, list]:
    from autograder.checks.base import Raised
    if type(message) not in (str, bytes):
        raise SuiteFileError(f"{check_id}: not a wire message")
    try:
        examples, calls, tagged, starts = wire.loads(message)
        expected = [[Raised(v) if tag == "raised" else v for tag, v in group]
                    for group in tagged]
    except (wire.WireError, ValueError, TypeError) as error:
        raise SuiteFileError(f"{check_id}: {error}") from None
    if not (type(examples) is list and type(calls) is list and type(starts) is list
            and len(examples) == len(calls) == len(expected) == len(starts)
            and all(type(g) is list and len(g) == len(e) for g, e
                    in zip(calls, expected, strict=True))):
        raise SuiteFileError(f"{check_id}: examples, calls and results do not line up")
    try:
        starts = [base64.b64decode(start, validate=True) for start in starts]
    except (TypeError, ValueError):  # not text, or binascii.Error
        raise SuiteFileError(f"{check_id}: a shrinking start that is not base64 text") from None
    for group in calls:
        if not all(type(c) in (list, tuple) and len(c) == 2 and type(c[0]) is tuple
                   and type(c[1]) is dict for c in group):
            raise SuiteFileError(f"{check_id}: a call is not (args, kwargs)")
    return examples, calls, expected, starts


def store_drawn(drawn: Drawn, key: str) -> None:
    """Write the user's cache; a cache that cannot be written only costs time next run."""
    with contextlib.suppress(OSError, wire.WireError, SuiteFileError):
        write(_cache_path(key), encode(drawn, key), private=True)


def write(path: Path, data: bytes, private: bool = False) -> None:
    """Atomically: a reader sees the old file or the new one."""
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as file:
        file.write(data)  # mode 0600
    if not private:
        os.chmod(file.name, 0o644)  # package data: readable by whoever installs it
    os.replace(file.name, path)


# --- the shipped file (``cnnlab build``) ----------------------------------------------------

def stale_shipped() -> list[str]:
    """What is out of date about the shipped file (empty: current)."""
    try:
        key = read_key(SHIPPED)
    except OSError:
        return [f"{SHIPPED.name} is missing"]
    return [] if key == digest() else [f"{SHIPPED.name} was drawn for other checks or code"]


def build_shipped(say: Callable[[str], None] | None = None) -> list[Path]:
    """Write the shipped file when it is stale (from the user's cache when that is current,
    else by drawing); the files changed."""
    if not stale_shipped():
        return []
    from autograder.checks import all_checks
    key, checks = digest(), all_checks()
    try:
        drawn = read(_cache_path(key), key)
    except (OSError, SuiteFileError):
        drawn = None
    if drawn is None or not _covers(drawn, checks):
        drawn = draw(checks, say)
    ids = {c.id for own in checks.values() for c in own}
    write(SHIPPED, encode({i: d for i, d in drawn.items() if i in ids}, key))
    return [SHIPPED]
