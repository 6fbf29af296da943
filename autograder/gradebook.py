"""``OUT/gradebook.sqlite``: every graded submission, written as soon as it is graded.

One row per student: the key (the hand-in's digest together with the rubric's), the
``SubmissionResult`` as JSON, the seconds it took, and a MAC over the row. The outputs of a
run are written from the results in memory, never re-read from this file; the file only
serves ``--resume``, and there a row is reused only when its MAC (keyed by the course key's
``gradebook`` subkey) is right and it decodes into a sane result. Anything else, an edited
row, a row rewritten by a trigger, a damaged file, means: grade that student again.

The file also records the fingerprint of the course key it was written with: a run with
another key (or a gradebook from before course keys) cannot check its rows and would draw
other hidden inputs, so it grades everyone again and says why (``regrade_reason``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import re
import sqlite3
from pathlib import Path

from autograder import course_key
from autograder.course_key import CourseKey
from autograder.results import SubmissionResult
from autograder.text import printable

SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    student TEXT PRIMARY KEY,
    key TEXT NOT NULL,          -- sha256 of the hand-in and the rubric
    result TEXT NOT NULL,       -- SubmissionResult.to_dict() as JSON
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    seconds REAL NOT NULL,      -- wall-clock time of grading it (not part of the grade)
    mac TEXT NOT NULL           -- HMAC-SHA256 of student, key and result
)
"""
META = "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
COLUMNS = ["student", "key", "result", "score", "max_score", "seconds", "mac"]


def result_text(result: SubmissionResult) -> str:
    return json.dumps(result.to_dict(), sort_keys=True)


def decode_result(text: str, student: str | None = None) -> SubmissionResult | None:
    """The result in ``text``, or None when it is not a sane one for ``student``."""
    try:
        result = SubmissionResult.from_dict(json.loads(text))
        numbers = [n for f in result.functions for n in (f.points, f.max_points)]
        sane = (isinstance(result.student, str) and (student is None or result.student == student)
                and all(isinstance(n, int | float) and math.isfinite(n) for n in numbers)
                and all(0 <= f.points <= f.max_points + 1e-9 for f in result.functions)
                and all(isinstance(n, str) for n in [*result.notes, *result.grader_notes]))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return result if sane else None


RUN = "\0run"  # the run record's MAC is made as a row's for this student (no real id)


class SealedError(ValueError):
    """A gradebook that cannot be merged: the message names the file and why."""


def read_sealed(path: Path, key: CourseKey) -> tuple[dict, list[tuple[str, SubmissionResult,
                                                                      float]]]:
    """The run record and the rows of the gradebook at ``path``, read without changing it;
    ``SealedError`` unless it was sealed with ``key`` and every row's MAC is right and
    decodes into a sane result (a merge takes a whole gradebook or none)."""
    book = Gradebook.__new__(Gradebook)  # only for _mac: nothing opened or written
    book.key, book.secret = key, key.subkey("gradebook")
    try:
        db = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True)
        try:
            meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
            rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM grades").fetchall()
        finally:
            db.close()
    except sqlite3.Error as error:
        raise SealedError(f"{path} is not a readable gradebook ({error})") from None
    if meta.get("course_key") != key.fingerprint:
        raise SealedError(f"{path} was written with another course key than "
                          f"{key.fingerprint} ({key.path})")
    text, mac = meta.get("run"), meta.get("run_mac")
    if not (isinstance(text, str) and isinstance(mac, str)
            and hmac.compare_digest(mac, book._mac(RUN, "", text))):
        raise SealedError(f"{path} has no sealed run record (an interrupted run, an older "
                          "cnnlab, or an edited file): grade that share again")
    found = []
    for student, key_, result_text_, score, _max, seconds, row_mac in rows:
        result = decode_result(result_text_, student) if isinstance(result_text_, str) else None
        if not (isinstance(student, str) and isinstance(key_, str) and isinstance(row_mac, str)
                and hmac.compare_digest(row_mac, book._mac(student, key_, result_text_))
                and result is not None and score == result.score
                and isinstance(seconds, float)):
            raise SealedError(f"{path}: the row of {printable(str(student))!r} is not sealed "
                              "with the course key (edited or damaged): grade that share again")
        found.append((key_, result, seconds))
    return json.loads(text), found


class Gradebook:
    """The SQLite gradebook; use as a context manager."""

    def __init__(self, path: Path, fresh: bool = False, key: CourseKey | None = None):
        self.path = Path(path)
        self.key = key or course_key.load()
        self.secret = self.key.subkey("gradebook")
        if fresh:
            self._remove()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:  # not a database: start again, graded anew
            self._remove()
            self.db = self._open()
        self.regrade_reason = self._key_change()
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('course_key', ?)",
                        (self.key.fingerprint,))
        self.db.commit()

    def _key_change(self) -> str:
        """Why no stored row can be kept, when the gradebook was sealed with another key."""
        try:
            (rows,), = self.db.execute("SELECT count(*) FROM grades").fetchall()
            stored = self.db.execute("SELECT value FROM meta WHERE name = 'course_key'"
                                     ).fetchall()
        except sqlite3.DatabaseError:
            return ""
        if not rows or (stored and stored[0][0] == self.key.fingerprint):
            return ""
        how = (f"--course-key FILE or {course_key.KEY_ENV}=FILE")
        if not stored:
            return (f"{self.path} was written without a course key (an older cnnlab): its "
                    f"{rows} rows cannot be checked, so every hand-in is graded again")
        old = stored[0][0] if re.fullmatch(r"[0-9a-f]{16}", str(stored[0][0])) else "?"
        return (f"{self.path} was written with course key {old}, and this run "
                f"uses {self.key.fingerprint} ({self.key.path}): its {rows} rows cannot be "
                "checked and the hidden inputs differ, so every hand-in is graded again; to "
                f"resume, give this run the course's key ({how})")

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=WAL")  # a killed run leaves a readable file
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                  ).fetchall():  # nothing of ours: someone else's
            db.execute(f'DROP TRIGGER "{name.replace(chr(34), "")}"')
        columns = [row[1] for row in db.execute("PRAGMA table_info(grades)")]
        if columns and columns != COLUMNS:  # an older or foreign table: regrade all
            db.execute("DROP TABLE grades")
        db.execute(SCHEMA)
        db.execute(META)
        db.commit()
        return db

    def _mac(self, student: str, key: str, text: str) -> str:
        message = "\0".join((student, key, text)).encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def keys(self) -> dict[str, str]:
        """Student -> key of what is stored."""
        return dict(self.db.execute("SELECT student, key FROM grades"))

    def store(self, key: str, result: SubmissionResult, seconds: float) -> None:
        """Write one student's result and commit at once."""
        self.store_all([(key, result, seconds)])

    def store_all(self, rows: list[tuple[str, SubmissionResult, float]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [self._row(key, result, seconds) for key, result, seconds in rows])
        self.db.commit()

    def _row(self, key: str, result: SubmissionResult, seconds: float) -> tuple:
        text = result_text(result)
        return (result.student, key, text, result.score, result.max_score, seconds,
                self._mac(result.student, key, text))

    def holds(self, keys: dict[str, str], students: set[str]) -> bool:
        """Does the file on disk (read afresh) hold a good row for each of ``students``?"""
        try:
            with Gradebook(self.path, key=self.key) as again:
                return set(again.reusable(keys)) >= students
        except (sqlite3.Error, OSError):
            return False

    def rebuild(self, rows: list[tuple[str, SubmissionResult, float]]) -> None:
        """Start the file again with ``rows`` (after it was damaged under our feet)."""
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        self._remove()
        self.db = self._open()
        self.store_all(rows)

    def reusable(self, keys: dict[str, str]) -> dict[str, tuple[SubmissionResult, float]]:
        """Student -> (result, seconds) for the rows whose key is ``keys[student]``, whose MAC
        is right and which decode cleanly; every other student is to be graded."""
        found = {}
        try:
            rows = self.db.execute("SELECT student, key, result, score, seconds, mac "
                                   "FROM grades").fetchall()
        except sqlite3.DatabaseError:
            return {}
        for student, key, text, score, seconds, mac in rows:
            if not (isinstance(student, str) and keys.get(student) == key
                    and isinstance(text, str) and isinstance(mac, str)
                    and hmac.compare_digest(mac, self._mac(student, key, text))):
                continue
            result = decode_result(text, student)
            if result is not None and score == result.score and isinstance(seconds, float):
                found[student] = (result, seconds)
        return found

    def record_run(self, record: dict) -> None:
        """What ``cnnlab merge`` needs besides the rows (``shards.run_record``: the hand-ins'
        names and order, the entries skipped, the grader's errors, the shard), sealed like a
        row."""
        text = json.dumps(record, sort_keys=True)
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            [("run", text), ("run_mac", self._mac(RUN, "", text))])
        self.db.commit()

    def forget_others(self, students: list[str]) -> None:
        """Drop rows of students no longer in SUBMISSIONS."""
        keep = set(students)
        gone = [s for s in self.keys() if s not in keep]
        self.db.executemany("DELETE FROM grades WHERE student = ?", [(s,) for s in gone])
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
