"""``OUT/gradebook.sqlite``: every graded submission, written as soon as it is graded.

One row per student: the key (the hand-in's digest together with the rubric's), the
``SubmissionResult`` as JSON and the seconds it took. A run that is interrupted keeps what it
has; ``--resume`` skips every student whose key is unchanged.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from autograder.results import SubmissionResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    student TEXT PRIMARY KEY,
    key TEXT NOT NULL,          -- sha256 of the hand-in and the rubric
    result TEXT NOT NULL,       -- SubmissionResult.to_dict() as JSON
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    seconds REAL NOT NULL       -- wall-clock time of grading it (not part of the grade)
)
"""


class Gradebook:
    """The SQLite gradebook; use as a context manager."""

    def __init__(self, path: Path, fresh: bool = False):
        self.path = Path(path)
        if fresh:
            self.path.unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")  # a killed run leaves a readable file
        self.db.execute(SCHEMA)
        self.db.commit()

    def keys(self) -> dict[str, str]:
        """Student -> key of what is stored."""
        return dict(self.db.execute("SELECT student, key FROM grades"))

    def store(self, key: str, result: SubmissionResult, seconds: float) -> None:
        """Write one student's result and commit at once."""
        self.db.execute(
            "INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?, ?, ?)",
            (result.student, key, json.dumps(result.to_dict(), sort_keys=True), result.score,
             result.max_score, seconds))
        self.db.commit()

    def results(self, students: list[str] | None = None) -> list[SubmissionResult]:
        """The stored results, sorted by student, optionally only for ``students``."""
        rows = self.db.execute("SELECT student, result FROM grades ORDER BY student")
        wanted = None if students is None else set(students)
        return [SubmissionResult.from_dict(json.loads(text)) for student, text in rows
                if wanted is None or student in wanted]

    def seconds(self) -> dict[str, float]:
        return dict(self.db.execute("SELECT student, seconds FROM grades"))

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
