"""The course key: one secret per course, from which the hidden inputs are drawn and the
gradebook is sealed.

A key is 32 random bytes, kept as 64 hex digits in a file of mode 0600 in a folder of mode
0700. It is made on first use at ``paths.data_dir()/course.key`` unless ``--course-key FILE``
(``cnnlab grade``) or ``$CNNLAB_COURSE_KEY`` names another file. The course must keep it: the
same key draws the same hidden inputs on every machine (another TA, a Gradescope image, next
week's ``--resume``), another key draws others.

Each use gets its own subkey, an HMAC of the key with a label (``subkey("suite")`` seeds the
drawing, ``subkey("gradebook")`` seals gradebook rows, ...), so no use reveals another's. The
fingerprint (an HMAC too) names a key in messages and in the gradebook without revealing it.

A key file inside a folder that the sandbox shows to student code (the Python installation,
the system folders) is refused: code there could read it. See docs/hidden_inputs.md.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cnnlab import paths

KEY_ENV = "CNNLAB_COURSE_KEY"
FILE_NAME = "course.key"
KEY_BYTES = 32
MAX_FILE_BYTES = 4096  # a key file is 65 bytes; anything larger is not one


class CourseKeyError(ValueError):
    """A course key file that cannot be used: the message says which file and why."""


@dataclass(frozen=True)
class CourseKey:
    path: Path
    secret: bytes = field(repr=False)
    created: bool = False  # made by this run

    def subkey(self, label: str) -> bytes:
        """A key of its own for one use (``label``): knowing it reveals neither the course key
        nor another label's subkey."""
        return hmac.new(self.secret, b"cnnlab course key: " + label.encode(),
                        hashlib.sha256).digest()

    @property
    def fingerprint(self) -> str:
        """16 hex digits that name this key (in messages, in the gradebook)."""
        return self.subkey("fingerprint").hex()[:16]

    def seed(self, label: str, *parts: str) -> int:
        """A 64-bit seed for ``parts`` under ``label`` (the same for the same key on every
        machine; unpredictable without the key)."""
        message = "\0".join(parts).encode()
        digest = hmac.new(self.subkey(label), message, hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")


def key_path(explicit: Path | str | None = None) -> Path:
    """The key file to use: ``explicit`` (``--course-key``), else ``$CNNLAB_COURSE_KEY``,
    else ``course.key`` in cnnlab's data folder."""
    chosen = explicit or os.environ.get(KEY_ENV)
    return Path(chosen).expanduser() if chosen else paths.data_dir() / FILE_NAME


def load(explicit: Path | str | None = None,
         say: Callable[[str], None] | None = None) -> CourseKey:
    """The course key, made on first use (and said so through ``say``, stderr by default).
    ``CourseKeyError`` for a file that is unreadable, malformed, open to other users or
    inside what the sandbox shows to student code."""
    path = key_path(explicit).absolute()
    if path not in _LOADED:
        refuse_exposed(path)
        try:
            key = CourseKey(path, _read(path))
        except FileNotFoundError:
            key = CourseKey(path, _create(path), created=True)
            (say or _stderr)(created_message(key))
        _LOADED[path] = key
    return _LOADED[path]


_LOADED: dict[Path, CourseKey] = {}  # one read per file and process (forks inherit it)


def created_message(key: CourseKey) -> str:
    return (f"made a new course key: {key.path} (fingerprint {key.fingerprint}). Keep it with "
            "the course, private: grading with the same hidden inputs on another machine or "
            "by another TA, and --resume, need this file (copy it there, then pass "
            f"--course-key FILE or set {KEY_ENV}=FILE). Another key draws other inputs.")


def _read(path: Path) -> bytes:
    try:
        text, mode = paths.read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise CourseKeyError(f"course key {path} cannot be opened ({error.strerror})") from None
    except ValueError as error:
        raise CourseKeyError(f"course key {path}: {error}") from None
    if hasattr(os, "getuid") and mode & 0o077:
        raise CourseKeyError(f"course key {path} may be read or changed by other users (mode "
                             f"{oct(mode & 0o777)}): run `chmod 600 {path}` and try again")
    return _decode(text, path)


def _decode(text: bytes, path: Path) -> bytes:
    try:
        secret = bytes.fromhex(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        secret = b""
    if len(secret) != KEY_BYTES:
        raise CourseKeyError(f"course key {path} does not hold a key ({2 * KEY_BYTES} hex "
                             "digits made by cnnlab); restore the course's key file")
    return secret


def _create(path: Path) -> bytes:
    """A new key, written with mode 0600 in a folder of mode 0700; when another process made
    one at the same moment, that one."""
    try:
        paths.private(path.parent)
    except PermissionError as error:
        raise CourseKeyError(f"course key folder: {error}") from None
    secret = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    except OSError as error:
        raise CourseKeyError(f"course key {path} cannot be made ({error.strerror})") from None
    with os.fdopen(fd, "w") as file:
        file.write(secret.hex() + "\n")
    return secret


def exposed_folders() -> list[str]:
    """The folders the sandbox lets student code read besides its own hand-in (the system and
    the Python installation; ``autograder.sandbox.isolation``)."""
    from autograder.sandbox import isolation
    return [os.path.realpath(f) for f in (*isolation.SYSTEM_DIRS, *isolation.python_prefixes())]


def inside_exposed(path: Path) -> str | None:
    """The exposed folder that holds ``path``, if any."""
    real = os.path.realpath(path)
    return next((f for f in exposed_folders() if real == f or real.startswith(f + os.sep)),
                None)


def refuse_exposed(path: Path, what: str = "course key") -> None:
    folder = inside_exposed(path)
    if folder:
        raise CourseKeyError(
            f"{what} {path} lies inside {folder}, which the sandbox shows to student code: "
            f"keep it outside the Python installation and the system folders (the default is "
            f"{paths.data_dir() / FILE_NAME})")


def _stderr(line: str) -> None:
    print(f"cnnlab: {line}", file=sys.stderr, flush=True)
