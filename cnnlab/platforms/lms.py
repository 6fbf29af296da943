"""``cnnlab grades OUT --format canvas|moodle|brightspace``: the gradebook file an LMS imports.

Reads ``OUT/grades.csv`` (written by ``cnnlab grade``, overrides already applied) and, with
``--roster``, the LMS's own export of the course (Canvas: the gradebook export; Moodle: the
grades export or the participants download; Brightspace: the grades export), which maps each
hand-in to an LMS user. Every hand-in that matches nobody, or more than one user, and every
roster student without a hand-in is listed on stderr and in ``<output>.matching.txt``: nothing
is dropped silently. The formats and their sources are in ``docs/platforms/lms.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("canvas", "moodle", "brightspace")
DEFAULT_COLUMN = "CNN exercises"
GRADES_START = ("student", "score", "max_score")
OVERRIDES_RECORD = "overrides_applied.csv"  # autograder.overrides.RECORD, read as data


class LmsError(ValueError):
    """A grades file or roster that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Grade:
    student: str  # cnnlab's student id
    hand_in: str  # the hand-in's own folder or zip name
    score: str  # as written in grades.csv
    max_score: str


@dataclass
class RosterEntry:
    """One user of the LMS's export, with the cells this format writes back."""

    row: dict[str, str]
    keys: list[tuple[int, str, str]] = field(default_factory=list)  # (rank, column, value)

    def name(self) -> str:
        for column in ("Student", "Last Name", "Last name"):
            if self.row.get(column):
                first = self.row.get("First Name") or self.row.get("First name") or ""
                return f"{self.row[column]}, {first}".strip(", ") if first else self.row[column]
        return next(iter(v for v in self.row.values() if v), "?")


@dataclass
class Matching:
    pairs: list[tuple[RosterEntry, Grade, str]] = field(default_factory=list)  # by which column
    unmatched: list[tuple[Grade, str]] = field(default_factory=list)  # hand-in, why
    absent: list[RosterEntry] = field(default_factory=list)  # roster users without a hand-in


# --- reading -------------------------------------------------------------------------------

def read_grades(out: Path) -> list[Grade]:
    path = Path(out) / "grades.csv"
    if not path.is_file():
        raise LmsError(f"{path} does not exist: run cnnlab grade SUBMISSIONS --out {out} first")
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    header = reader.fieldnames or []
    rows = list(reader)
    if tuple(header[:3]) != GRADES_START:
        raise LmsError(f"{path} is not a grades.csv of cnnlab grade: its columns start with "
                       f"{', '.join(header[:3])}, not {', '.join(GRADES_START)}")
    return [Grade(r["student"], r.get("hand_in") or r["student"], r["score"], r["max_score"])
            for r in rows]


# Identifying columns of each export, strongest first; names come last (rank 9).
ID_COLUMNS = {
    "canvas": ("SIS Login ID", "SIS User ID", "ID"),
    "moodle": ("Username", "ID number", "Email address"),
    "brightspace": ("Username", "OrgDefinedId", "Email"),
}
NAME_RANK = 9
MOODLE_COLUMNS = ("First name", "Last name", "Username", "ID number", "Email address")


def read_roster(path: Path, form: str) -> tuple[list[RosterEntry], list[str]]:
    """The users of the export at ``path`` and its header."""
    path = Path(path)
    if not path.is_file():
        raise LmsError(f"roster {path} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    wanted = ID_COLUMNS[form]
    if not any(column in header for column in wanted):
        raise LmsError(f"roster {path} has none of the columns of a {form} export "
                       f"({', '.join(wanted)}); its columns are {', '.join(header) or 'none'}")
    entries = []
    for raw in reader:
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if _not_a_user(row, form):
            continue
        entry = RosterEntry(row)
        for rank, column in enumerate(wanted):
            value = _bare(row.get(column, ""))
            if value:
                entry.keys.append((rank, column, _key(value)))
                if "@" in value:  # an email also matches by its local part
                    entry.keys.append((rank, f"{column} (before @)", _key(value.split("@")[0])))
        entry.keys += [(NAME_RANK, "name", name) for name in _name_keys(row)]
        entries.append(entry)
    return entries, header


def _not_a_user(row: dict[str, str], form: str) -> bool:
    """Canvas's "Points Possible" and "Manual Posting" rows and its Test Student."""
    if form != "canvas":
        return not any(row.values())
    student = row.get("Student", "")
    return (not student and not row.get("ID")) or student in ("Points Possible", "Student, Test")


def _bare(value: str) -> str:
    """Brightspace writes ``#`` before identifiers (so that spreadsheets keep leading zeros)."""
    return value[1:] if value.startswith("#") else value


def _key(text: str) -> str:
    """Compared as: no accents, no case, letters and digits only ("Jané.Doe" ~ "jane_doe")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.casefold())


def _name_keys(row: dict[str, str]) -> list[str]:
    if row.get("Student"):  # Canvas: "Last, First"
        last, _, first = row["Student"].partition(",")
    else:
        first = row.get("First name") or row.get("First Name") or ""
        last = row.get("Last name") or row.get("Last Name") or ""
    if not (first.strip() or last.strip()):
        return []
    return sorted({_key(first + last), _key(last + first)} - {""})


def hand_in_keys(grade: Grade) -> set[str]:
    """What a hand-in's names can match: the student id, the hand-in's name, its parts that
    are whole numbers between ``_`` (Canvas's download names ``lastfirst_<user id>_<file
    id>_...``) and the part before the first ``_`` (Moodle's ``Full Name_<participant>_...``)."""
    stem = re.sub(r"\.zip$", "", grade.hand_in, flags=re.IGNORECASE)
    keys = {_key(grade.student), _key(stem), _key(stem.split("_")[0])}
    keys |= {part for part in stem.split("_") if part.isdigit()}
    return keys - {""}


# --- matching ------------------------------------------------------------------------------

def match(grades: list[Grade], roster: list[RosterEntry]) -> Matching:
    """Each hand-in to the one roster user its names match at the strongest column that
    matches any; a hand-in that matches two users there, or a user matched by two hand-ins,
    is left unmatched with the reason."""
    index: dict[tuple[int, str], set[int]] = {}
    for i, entry in enumerate(roster):
        for rank, _, value in entry.keys:
            index.setdefault((rank, value), set()).add(i)
    claimed: dict[int, list[tuple[Grade, str]]] = {}
    result = Matching()
    for grade in grades:
        keys = hand_in_keys(grade)
        for rank in sorted({rank for rank, _ in index}):
            found = set().union(*(index.get((rank, k), set()) for k in keys))
            if len(found) == 1:
                (i,) = found
                column = next(c for r, c, v in roster[i].keys if r == rank and v in keys)
                claimed.setdefault(i, []).append((grade, column))
                break
            if len(found) > 1:
                names = "; ".join(sorted(roster[i].name() for i in found))
                result.unmatched.append((grade, f"matches {len(found)} users: {names}"))
                break
        else:
            result.unmatched.append((grade, "matches no user of the roster"))
    for i, entry in enumerate(roster):
        hand_ins = claimed.get(i, [])
        if len(hand_ins) == 1:
            result.pairs.append((entry, *hand_ins[0]))
        elif hand_ins:
            others = ", ".join(g.hand_in for g, _ in hand_ins)
            result.unmatched += [(g, f"{others} all match {entry.name()}")
                                 for g, _ in hand_ins]
            result.absent.append(entry)
        else:
            result.absent.append(entry)
    return result


# --- writing -------------------------------------------------------------------------------

def assignment_header(form: str, column: str, header: list[str]) -> str:
    """The grade column: the roster's own header for ``column`` when it has one (Canvas
    ``Name (id)``, Brightspace ``Name Points Grade <Numeric MaxPoints:...>``), so that the
    import updates that assignment instead of making a new one."""
    suffix = {"canvas": "", "moodle": "", "brightspace": " Points Grade"}[form]
    wanted = column + suffix
    for name in header:
        if name == wanted or (form == "canvas" and re.fullmatch(
                re.escape(column) + r" \([0-9]+\)", name)) or (
                form == "brightspace" and name.startswith(wanted + " <")):
            return name
    return wanted


def rows_for(form: str, grades: list[Grade], matching: Matching | None, column: str,
             header: list[str], absent_as: str) -> list[list[str]]:
    """The file's rows, header first."""
    grade_header = assignment_header(form, column, header)
    maximum = grades[0].max_score if grades else ""
    if matching is None:  # no roster: the hand-in names are the LMS's identifiers
        users = [({"SIS Login ID": g.student, "Username": g.student}, g.score) for g in grades]
    else:
        users = [(entry.row, grade.score) for entry, grade, _ in matching.pairs]
        users += [(entry.row, absent_as) for entry in matching.absent]
    if form == "canvas":
        columns = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        lines = [[*columns, grade_header],
                 ["    Points Possible", "", "", "", "", maximum]]
        return lines + [[row.get(c, "") for c in columns] + [score] for row, score in users]
    if form == "moodle":  # any column can identify users: chosen on Moodle's import page
        columns = [c for c in MOODLE_COLUMNS if c in header] if header else ["Username"]
        return [[*columns, grade_header]] + [[row.get(c, "") for c in columns] + [score]
                                             for row, score in users]
    columns = ["OrgDefinedId", "Username"]
    return [[*columns, grade_header, "End-of-Line Indicator"]] + [
        [_hashed(row.get(c, "")) for c in columns] + [score, "#"] for row, score in users]


def _hashed(value: str) -> str:
    """Brightspace's ``#`` before an identifier, as in its own export."""
    return "#" + _bare(value) if value else ""


def write_csv(rows: list[list[str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([[_cell(c) for c in row] for row in rows])


def _cell(text: str) -> str:
    """No formula from a name in a spreadsheet (``=``, ``+``, ``@`` first); Canvas's own
    "Points Possible" row starts with spaces and numbers may be negative, so those stay."""
    return "'" + text if text[:1] in ("=", "+", "@", "\t", "\r") else text


def matching_report(form: str, matching: Matching | None, grades: list[Grade],
                    overridden: list[str]) -> list[str]:
    lines = [f"cnnlab grades --format {form}: {len(grades)} graded hand-ins"]
    if matching is None:
        lines.append("no roster: each hand-in's name is written as the LMS user's identifier")
    else:
        lines.append(f"matched: {len(matching.pairs)}")
        lines += [f"  {g.hand_in} -> {e.name()} (by {by})" for e, g, by in matching.pairs]
        lines.append(f"hand-ins matched to nobody (NOT in the file): {len(matching.unmatched)}")
        lines += [f"  {g.hand_in}: {why}" for g, why in matching.unmatched]
        lines.append(f"roster students without a hand-in: {len(matching.absent)}")
        lines += [f"  {e.name()}" for e in matching.absent]
    if overridden:
        lines.append(f"overridden by the instructor ({OVERRIDES_RECORD}): {len(overridden)}")
        lines += [f"  {line}" for line in overridden]
    return lines


def _overridden(out: Path) -> list[str]:
    path = Path(out) / OVERRIDES_RECORD
    if not path.is_file():
        return []
    return [f"{r['student']} {r['function']}: {r['before']} -> {r['after']} ({r['reason']})"
            for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))]


# --- feedback files for a bulk upload ------------------------------------------------------

CANVAS_DOWNLOAD = re.compile(r"_[0-9]+_[0-9]+_")  # lastfirst_<user id>_<file id>_name
MOODLE_DOWNLOAD = re.compile(r"_[0-9]+_assign(submission|feedback)_")  # Full Name_<id>_...


def feedback_name(form: str, grade: Grade) -> tuple[str, bool]:
    """(the name of the student's feedback page in the zip, whether the LMS can match it):
    Canvas reads the user and file id from a re-uploaded file's name, Moodle the participant
    id from the folder's, both as their own download named them."""
    stem = re.sub(r"\.zip$", "", grade.hand_in, flags=re.IGNORECASE)
    if form == "canvas":
        return f"{stem}_feedback.html", bool(CANVAS_DOWNLOAD.search(stem + "_"))
    if form == "moodle":
        return f"{stem}/feedback.html", bool(MOODLE_DOWNLOAD.search(stem + "_"))
    return f"{grade.student}.html", False


def write_feedback_zip(out: Path, grades: list[Grade], form: str, path: Path) -> list[str]:
    """The students' HTML feedback in one zip named for the LMS's bulk upload; returns the
    hand-ins the LMS will not match by name (upload those by hand)."""
    unmatchable = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for grade in grades:
            page = Path(out) / "feedback" / f"{grade.student}.html"
            if not page.is_file():
                unmatchable.append(f"{grade.hand_in}: no {page}")
                continue
            name, matched = feedback_name(form, grade)
            archive.write(page, name)
            if not matched:
                unmatchable.append(f"{grade.hand_in}: not named as {form}'s download names it")
    return unmatchable


# --- command line --------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    try:
        grades = read_grades(args.out)
        roster, header = read_roster(args.roster, args.format) if args.roster else ([], [])
    except LmsError as error:
        print(f"cnnlab grades: error: {error}", file=sys.stderr)
        return 2
    matching = match(grades, roster) if args.roster else None
    absent_as = "0" if args.absent == "zero" else ""
    write_csv(rows_for(args.format, grades, matching, args.column, header, absent_as),
              args.output)
    lines = matching_report(args.format, matching, grades, _overridden(args.out))
    if args.feedback_zip:
        unmatchable = write_feedback_zip(args.out, grades, args.format, args.feedback_zip)
        lines.append(f"feedback pages in {args.feedback_zip}; not matched by name "
                     f"({len(unmatchable)}):")
        lines += [f"  {line}" for line in unmatchable]
    report = args.output.with_name(args.output.stem + ".matching.txt")
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if matching is not None:
        for grade, why in matching.unmatched:
            print(f"NOT IN THE FILE: hand-in {grade.hand_in}: {why}", file=sys.stderr)
        for entry in matching.absent:
            print(f"no hand-in: {entry.name()}"
                  + (" (written as 0)" if absent_as else " (left blank)"), file=sys.stderr)
    done = f"{len(matching.pairs)} of {len(grades)}" if matching else f"{len(grades)}"
    print(f"wrote {args.output} ({done} hand-ins) and {report}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "grades", help="the gradebook file Canvas, Moodle or Brightspace imports",
        description="Write OUT/grades.csv (from cnnlab grade, overrides applied) as the CSV "
                    "file an LMS imports; with --roster (the LMS's own export) each hand-in "
                    "is matched to an LMS user.")
    parser.add_argument("out", type=Path, metavar="OUT", help="the folder of cnnlab grade")
    parser.add_argument("--format", choices=FORMATS, required=True)
    parser.add_argument("--roster", type=Path, metavar="FILE",
                        help="the LMS's export of the course: Canvas's gradebook export, "
                             "Moodle's grades export or participants, Brightspace's grades "
                             "export")
    parser.add_argument("--column", default=DEFAULT_COLUMN, metavar="NAME",
                        help=f"the assignment's name in the LMS (default: {DEFAULT_COLUMN!r});"
                             " the roster's column of that name is updated")
    parser.add_argument("--absent", choices=("blank", "zero"), default="blank",
                        help="grade of roster students without a hand-in (default blank: "
                             "left as it is in the LMS)")
    parser.add_argument("--feedback-zip", type=Path, metavar="FILE",
                        help="also a zip of the students' HTML feedback, named for the LMS's "
                             "bulk upload")
    parser.add_argument("--output", type=Path, required=True, metavar="FILE",
                        help="the CSV file to write (a FILE.matching.txt goes next to it)")
    parser.set_defaults(func=run)
