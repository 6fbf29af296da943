"""What a worker can read holds no hidden input, no reference answer and no course key.

A hand-in walks every folder it can list from inside a real worker (both isolations), from
``/`` and from every folder on the way to a sensitive file (Landlock may allow a folder below
one it cannot list). It hashes every readable file whose size is that of a sensitive file
(or of what one unpacks to) and searches every file written since this test session made its
course key (and what it unpacks to, if gzip) for pieces of the drawn suite, of the reference
and of the key (the cache's files of other course keys are looked for by their hash
only). A copy of the key planted in the Python installation (which the sandbox shows) must
be found: the walk can fail."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import pytest
from grader_helpers import ROOT

from autograder import course_key, engine, suite_cache
from autograder.sandbox import Limits, SandboxedStudent, bwrap_works

ISOLATIONS = ["process", pytest.param("bwrap", marks=pytest.mark.skipif(
    not bwrap_works(), reason="bubblewrap does not work on this machine"))]
WALK = Limits(seconds_per_call=900, seconds_import=60, seconds_per_function=900,
              seconds_total=900, cpu_seconds=900)
NEEDLE_BYTES = 80
CANARY = "cnnlab-canary-"

WALKER = '''
import hashlib, json, os, stat, zlib

NEEDLES = [bytes.fromhex(h)[::-1] for h in {needles!r}]  # reversed: not in this file
SIZES = {sizes!r}
HASHES = set({hashes!r})
ROOTS = {roots!r}
RECENT = {recent!r}  # files written since are searched through, not only hashed


def relu(x):
    own = os.path.realpath(__file__)
    hits, seen, walked = [], 0, set()
    for top, folders, names in (step for root in ROOTS for step in os.walk(root)):
        if top in walked:
            folders[:] = []
            continue
        walked.add(top)
        folders[:] = [f for f in folders if os.path.join(top, f) not in ("/proc", "/sys",
                                                                         "/dev")]
        for name in names:
            path = os.path.join(top, name)
            try:
                info = os.lstat(path)
                if not stat.S_ISREG(info.st_mode) or os.path.realpath(path) == own:
                    continue
                seen += 1
                recent = info.st_mtime >= RECENT and info.st_size <= 16 * 2**20
                if info.st_size not in SIZES and not recent:
                    continue  # no sensitive file has its size, and it is too old to hold a piece
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            if hashlib.sha256(data).hexdigest() in HASHES:
                hits.append([path, "a copy of a sensitive file"])
            elif recent:
                for text in (data, _unpacked(data)):
                    if any(needle in text for needle in NEEDLES):
                        hits.append([path, "a piece of a sensitive file"])
                        break
    return json.dumps({{"seen": seen, "hits": hits[:50]}})


def _unpacked(data):
    if not data.startswith(b"\\x1f\\x8b"):
        return b""
    try:
        return zlib.decompressobj(31).decompress(data, 64 * 2**20)
    except zlib.error:
        return b""
'''


def _sensitive_files() -> tuple[list[Path], list[Path]]:
    """The key, this course's drawn suite (as cached) and the reference solutions; and the
    cache's files of other course keys (other courses', other tests'), as sensitive but only
    hashed: pieces of hundreds of them made the walk take minutes."""
    key = course_key.load()
    cache = sorted(suite_cache.private_dir().glob("suite-*.json.gz"))
    own = [f for f in cache if f.name.startswith(f"suite-{key.fingerprint}-")]
    assert own, "the suite was not drawn into the cache"
    others = [f for f in cache if f not in own]
    return [key.path, *own, *sorted((ROOT / "solutions").glob("*.py"))], others


def _contents(files: list[Path]) -> list[bytes]:
    """Each file, and what a gzip file unpacks to."""
    found = []
    for file in files:
        data = file.read_bytes()
        found += [data, gzip.decompress(data)] if data.startswith(b"\x1f\x8b") else [data]
    return found


def _roots(files: list[Path]) -> list[str]:
    """Where the walk starts: ``/``, the host's top folders, the Python installation, and
    every folder on the way to a sensitive file."""
    roots = ["/", *(f"/{name}" for name in sorted(os.listdir("/"))), sys.prefix,
             sys.base_prefix, *sys.path]
    for file in files:
        roots += [str(folder) for folder in reversed(file.absolute().parents)]
    return list(dict.fromkeys(r for r in roots if r and os.path.isabs(r)))


def _needles(contents: list[bytes], key: bytes) -> list[bytes]:
    """Pieces from the middle of every sensitive content, and the key itself."""
    pieces = [key, key.hex().encode()]
    for data in contents:
        for at in (len(data) // 4, len(data) // 2, 3 * len(data) // 4):
            if len(data) > 2 * NEEDLE_BYTES:
                pieces.append(data[at:at + NEEDLE_BYTES])
    return pieces


@pytest.fixture(scope="module")
def walker(tmp_path_factory) -> Path:
    engine.prepare(engine.load_rubric(), functions=("relu", "conv2d"))  # into the cache
    files, others = _sensitive_files()
    contents = _contents(files)
    hashed = contents + [f.read_bytes() for f in others]
    folder = tmp_path_factory.mktemp("walker")
    (folder / "convolution.py").write_text(WALKER.format(
        needles=[n[::-1].hex() for n in _needles(contents, course_key.load().secret)],
        sizes=sorted({len(c) for c in hashed}),
        hashes=sorted({hashlib.sha256(c).hexdigest() for c in hashed}),
        roots=_roots(files + others), recent=course_key.load().path.stat().st_mtime - 60))
    return folder


@pytest.fixture
def canary():
    """A copy of the course key inside the Python installation, which every worker reads."""
    path = Path(sys.prefix) / f"{CANARY}{os.getpid()}-{time.time_ns()}.key"
    path.write_bytes(course_key.load().path.read_bytes())
    path.chmod(0o644)
    yield path
    path.unlink(missing_ok=True)


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_worker_can_read_no_key_no_hidden_input_and_no_answer(walker, canary, isolation):
    with SandboxedStudent(walker, WALK, isolation) as student:
        (reply,) = student.call_many("relu", [((0.0,), {})])
    assert isinstance(reply, str), reply
    seen = json.loads(reply)
    assert seen["seen"] > 1000  # the walk went through the Python installation
    places = {Path(path).name for path, _ in seen["hits"]}
    assert canary.name in places, "the planted copy of the key was not found: a blind walk"
    leaks = [hit for hit in seen["hits"] if not Path(hit[0]).name.startswith(CANARY)]
    assert leaks == []  # (another test's canary may be there too, planted at the same time)
