"""An instructor's adjustments to the grades: one file, applied at output time on every run.

The file is TOML (an ``[[override]]`` table per adjustment) or CSV (a header row), each entry
with ``student``, ``function`` (a graded function or ``total``), either ``points`` (the new
points) or ``delta`` (added to what was earned), and a ``reason`` the student will read::

    [[override]]
    student = "s003_flipped_kernel"
    function = "conv2d"
    points = 2
    reason = "the lab sheet of week 2 said to flip the kernel"

Overrides never enter the gradebook (``gradebook.sqlite`` keeps what the hidden suite gave):
``cnnlab grade --overrides FILE`` applies them to the results in memory just before the
outputs are written, so a ``--resume`` with the same file gives the same outputs, and one
without it gives the suite's grades again. Function overrides come first, then the total.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.results import SubmissionResult
from cnnlab.catalog import FUNCTIONS

TOTAL = "total"
RECORD = "overrides_applied.csv"  # in OUT: what the run's overrides did
CSV_COLUMNS = ("student", "function", "points", "delta", "reason")
TOLERANCE = 1e-9  # float sums of points: 0.1 + 0.2 is not above 0.3


class OverrideError(ValueError):
    """An overrides file that cannot be applied; the message names the entry and why."""


@dataclass(frozen=True)
class Override:
    student: str
    function: str  # a graded function or TOTAL
    points: float | None  # the new points, or
    delta: float | None  # points added to (or, negative, taken from) what was earned
    reason: str
    where: str  # "overrides.toml, entry 2" / "overrides.csv, line 3", for messages


@dataclass(frozen=True)
class Adjustment:
    """What an override did to one student's grade."""

    student: str
    function: str
    before: float
    after: float
    reason: str


@dataclass
class AdjustedResult(SubmissionResult):
    """A result with the instructor's adjustments: function points already changed, a total
    adjustment added to the score. Never stored in the gradebook."""

    adjustments: list[Adjustment] = field(default_factory=list)
    total_delta: float = 0.0

    @property
    def score(self) -> float:
        return sum(f.points for f in self.functions) + self.total_delta


def adjustments_of(result: SubmissionResult) -> list[Adjustment]:
    return list(getattr(result, "adjustments", []))


# --- reading -------------------------------------------------------------------------------

def load(path: Path) -> list[Override]:
    """The overrides in ``path`` (TOML or CSV, by suffix), checked on their own: known
    functions, numbers, one of points and delta, a reason, no entry twice."""
    path = Path(path)
    if not path.is_file():
        raise OverrideError(f"overrides file {path} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".toml":
        raw = _toml_entries(text, path.name)
    elif path.suffix.lower() == ".csv":
        raw = _csv_entries(text, path.name)
    else:
        raise OverrideError(f"overrides file {path} must end in .toml or .csv")
    overrides = [_entry(values, where) for where, values in raw]
    seen: dict[tuple[str, str], str] = {}
    for o in overrides:
        key = (o.student, o.function)
        if key in seen:
            raise OverrideError(f"{o.where}: a second override for {o.student} {o.function} "
                                f"(the first is {seen[key]}); keep one")
        seen[key] = o.where
    return overrides


def _toml_entries(text: str, name: str) -> list[tuple[str, dict]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise OverrideError(f"{name} is not valid TOML: {error}") from None
    unknown = set(data) - {"override"}
    if unknown:
        raise OverrideError(f"{name}: unknown table(s) {', '.join(sorted(unknown))}; write "
                            "each adjustment as an [[override]] table")
    entries = data.get("override", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise OverrideError(f"{name}: write each adjustment as an [[override]] table")
    return [(f"{name}, [[override]] {i}", e) for i, e in enumerate(entries, start=1)]


def _csv_entries(text: str, name: str) -> list[tuple[str, dict]]:
    # A spreadsheet may quote a reason over several lines: the reader's own line count, not
    # the row's index, says where an entry starts.
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = [(reader.line_num, row) for row in reader]
    if not rows:
        return []
    first = rows[0][1]
    header = [h.strip().lower() for h in first]
    missing = [c for c in ("student", "function", "reason") if c not in header]
    if missing or not {"points", "delta"} & set(header):
        raise OverrideError(f"{name}: the header must name the columns "
                            f"{', '.join(CSV_COLUMNS)} (points or delta may be left out); "
                            f"got {', '.join(first)}")
    entries = []
    for (before, _), (_, row) in itertools.pairwise(rows):
        number = before + 1  # the row's first line: the one after the row before it
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise OverrideError(f"{name}, line {number}: {len(row)} cells for "
                                f"{len(header)} columns (quote a reason that holds a comma)")
        values = {h: cell.strip() for h, cell in zip(header, row, strict=False) if cell.strip()}
        entries.append((f"{name}, line {number}", values))
    return entries


def _entry(values: dict, where: str) -> Override:
    unknown = set(values) - set(CSV_COLUMNS)
    if unknown:
        raise OverrideError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; the keys "
                            f"are {', '.join(CSV_COLUMNS)}")
    student = str(values.get("student", "")).strip()
    function = str(values.get("function", "")).strip()
    reason = " ".join(str(values.get("reason", "")).split())
    if not student:
        raise OverrideError(f"{where}: no student")
    if function not in (*FUNCTIONS, TOTAL):
        raise OverrideError(f"{where}: unknown function {function!r}; give a graded function "
                            f"({', '.join(FUNCTIONS)}) or {TOTAL!r}")
    if not reason:
        raise OverrideError(f"{where}: no reason; the student reads it in the feedback")
    if ("points" in values) == ("delta" in values):
        raise OverrideError(f"{where}: give either points (the new points) or delta (added to "
                            "what was earned), not both or neither")
    points = _number(values, "points", where)
    delta = _number(values, "delta", where)
    if points is not None and points < 0:
        raise OverrideError(f"{where}: points must be at least 0, got {points:g}")
    return Override(student, function, points, delta, reason, where)


def _number(values: dict, key: str, where: str) -> float | None:
    if key not in values:
        return None
    value = values[key]
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise OverrideError(f"{where}: {key} must be a number, got {value!r}")
    return number


# --- checking against the class and applying -----------------------------------------------

def check_students(overrides: list[Override], students: dict[str, str]) -> None:
    """Every override names a hand-in (``students``: student id -> hand-in name; either may be
    used in the file)."""
    known = set(students) | set(students.values())
    for o in overrides:
        if o.student not in known:
            shown = ", ".join(sorted(students)[:8]) + (", ..." if len(students) > 8 else "")
            raise OverrideError(f"{o.where}: unknown student {o.student!r}; the hand-ins are "
                                f"{shown or 'none'}")


def check_maxima(overrides: list[Override], maxima: dict[str, float]) -> None:
    """No ``points`` above a function's maximum (``maxima``, with TOTAL for the sum)."""
    for o in overrides:
        limit = maxima.get(o.function)
        if o.points is not None and limit is not None and o.points > limit + TOLERANCE:
            raise OverrideError(f"{o.where}: {o.points:g} points for {o.student} "
                                f"{o.function} is above its maximum of {limit:g}")


def apply(results: list[SubmissionResult], overrides: list[Override],
          hand_ins: dict[str, str] | None = None) -> list[SubmissionResult]:
    """``results`` with the overrides applied (results without any are returned as they are).
    ``OverrideError`` when one names nobody or leaves a grade below 0 or above its maximum."""
    by_name = {name: student for student, name in (hand_ins or {}).items()}
    ids = {r.student for r in results}
    mine: dict[str, list[Override]] = {}
    for o in overrides:
        student = o.student if o.student in ids else by_name.get(o.student)
        if student not in ids:
            raise OverrideError(f"{o.where}: unknown student {o.student!r}: nobody of that "
                                "name was graded")
        mine.setdefault(student, []).append(o)
    return [_adjusted(r, mine[r.student]) if r.student in mine else r for r in results]


def _adjusted(result: SubmissionResult, overrides: list[Override]) -> AdjustedResult:
    functions = {f.function: f for f in result.functions}
    adjustments = []
    for o in [o for o in overrides if o.function != TOTAL]:
        function = functions.get(o.function)
        if function is None:
            raise OverrideError(f"{o.where}: {o.function} was not graded for {o.student}")
        after = _within(o, function.points, function.max_points)
        functions[o.function] = replace(function, points=after)
        adjustments.append(Adjustment(result.student, o.function, function.points, after,
                                      o.reason))
    adjusted = AdjustedResult(result.student, list(functions.values()), list(result.notes),
                              list(result.grader_notes), adjustments)
    for o in [o for o in overrides if o.function == TOTAL]:
        before = adjusted.score
        adjusted.total_delta = _within(o, before, adjusted.max_score) - before
        adjustments.append(Adjustment(result.student, TOTAL, before, adjusted.score, o.reason))
    return adjusted


def _within(o: Override, earned: float, maximum: float) -> float:
    after = o.points if o.points is not None else earned + (o.delta or 0.0)
    if after < -TOLERANCE:
        raise OverrideError(f"{o.where}: a delta of {o.delta:g} takes {o.student} "
                            f"{o.function} from {earned:g} to {after:g}, below 0")
    if after > maximum + TOLERANCE:
        raise OverrideError(f"{o.where}: {o.student} {o.function} would get {after:g}, above "
                            f"its maximum of {maximum:g}")
    return min(max(after, 0.0), maximum)


def write_record(results: list[SubmissionResult], path: Path) -> None:
    """``OUT/overrides_applied.csv`` (``RECORD``): what every override did (before, after,
    reason); no file when there was none, so that a run without overrides leaves none."""
    rows = [a for r in results for a in adjustments_of(r)]
    path.unlink(missing_ok=True)
    if not rows:
        return
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "function", "before", "after", "reason"])
        for a in rows:
            writer.writerow([a.student, a.function, f"{round(a.before, 4):g}",
                             f"{round(a.after, 4):g}", a.reason])
