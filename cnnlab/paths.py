"""Where cnnlab keeps things on a user's machine: one place, through ``platformdirs``.

Every folder honours the XDG variables on Linux (``XDG_CACHE_HOME``, ``XDG_STATE_HOME``,
``XDG_DATA_HOME``) and the platform's own conventions on macOS and Windows. Each can be
moved by one environment variable of cnnlab's own, which wins over the rest:

| folder | what it holds | variable |
| --- | --- | --- |
| ``cache_dir()`` | things that can be made again (the drawn hidden suite) | ``CNNLAB_CACHE`` |
| ``state_dir()`` | a student's drill progress | ``CNNLAB_STATE`` |
| ``data_dir()`` | what must not be lost (the course key) | ``CNNLAB_DATA`` |
| ``temp_dir()`` | scratch files of this user only (drill figures) | ``CNNLAB_TMP`` |

``private(folder)`` makes a folder with mode 0700 and refuses one that another user owns or
may write to: what the grader reads back from these folders decides grades.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import platformdirs

APP = "cnnlab"
CACHE_ENV, STATE_ENV = "CNNLAB_CACHE", "CNNLAB_STATE"
DATA_ENV, TMP_ENV = "CNNLAB_DATA", "CNNLAB_TMP"


def _chosen(variable: str, default: str) -> Path:
    return Path(os.environ.get(variable) or default)


def cache_dir() -> Path:
    return _chosen(CACHE_ENV, platformdirs.user_cache_dir(APP, appauthor=False))


def state_dir() -> Path:
    return _chosen(STATE_ENV, platformdirs.user_state_dir(APP, appauthor=False))


def data_dir() -> Path:
    return _chosen(DATA_ENV, platformdirs.user_data_dir(APP, appauthor=False))


def temp_dir() -> Path:
    """A temporary folder of this user's own: on a shared machine a fixed name in /tmp would
    belong to whoever made it first."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return _chosen(TMP_ENV, os.path.join(tempfile.gettempdir(), f"{APP}-{uid}"))


def private(folder: Path) -> Path:
    """``folder``, made with mode 0700 if missing; ``PermissionError`` when it belongs to
    another user or others may write to it."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if hasattr(os, "getuid"):
        info = folder.stat()
        if info.st_uid != os.getuid() or info.st_mode & 0o022:
            raise PermissionError(f"{folder} is not private to this user (owner uid "
                                  f"{info.st_uid}, mode {oct(info.st_mode & 0o777)}): "
                                  "not used")
    return folder


def read_regular(path: Path, limit: int) -> tuple[bytes, int]:
    """The bytes of ``path`` and its mode, if it is a regular file (never a link, a FIFO or a
    device, which could hang or leak) of at most ``limit`` bytes: ``ValueError`` names what
    it is not, ``OSError`` when it cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    too_large = f"larger than the {_size(limit)} allowed"
    with os.fdopen(os.open(path, flags), "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        if info.st_size > limit:
            raise ValueError(too_large)
        data = file.read(limit + 1)
    if len(data) > limit:  # it grew while it was read
        raise ValueError(too_large)
    return data, info.st_mode


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit} bytes"
