"""A class graded in shards and merged: ``cnnlab grade ... --shard K/N`` grades the hand-ins
whose student id hashes to share K of N, each into its own OUT (a SLURM array job, a
Kubernetes indexed job, N laptops); ``cnnlab merge OUT1 ... OUTN --out OUT`` joins their
gradebooks and writes every output again, as one run over the whole class would have.

A student's share depends on the id alone (sha256), so it never moves when others join or
leave the class. Each gradebook carries, sealed with the course key like its rows, a run
record: the hand-ins of its share with their place in the class, the entries skipped, the
grader's errors, the shard and the grader's version. The merge reads each gradebook without
changing it and takes it whole or not at all: a row or record whose MAC is wrong, another
course key, another grader version, a share graded twice differently, a shard missing or
cut short by Ctrl-C is an error that names the file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.results import SubmissionResult
from autograder.submissions import Candidate

RECORD_FORMAT = 1


class ShardError(ValueError):
    """Shards that cannot be merged, or a --shard that means nothing; says why."""


def parse(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N (SLURM: ``$SLURM_ARRAY_TASK_ID/N`` for ``--array=1-N``;
    Kubernetes: ``$((JOB_COMPLETION_INDEX + 1))/N``)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ShardError(f"--shard takes K/N (share K of N, counted from 1), got {text!r}")
    k, n = int(match[1]), int(match[2])
    if not 1 <= k <= n:
        raise ShardError(f"--shard {text}: K must be between 1 and N={n}")
    return k, n


def shard_of(student: str, shards: int) -> int:
    """The share (1..shards) of ``student``: from the id alone, the same on every machine."""
    digest = hashlib.sha256(student.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % shards + 1


def share(candidates: list[Candidate], k: int, n: int) -> list[Candidate]:
    return [c for c in candidates if shard_of(c.student, n) == k]


def run_record(submissions: Path, candidates: list[Candidate], places: dict[str, int],
               skipped: dict[str, str], errors: dict[str, str], options, isolation: str,
               reason: str, version: str) -> dict:
    """What a merge needs besides the rows, as plain data sealed into the gradebook; a
    hand-in is [student, its name, its place in the whole class]."""
    from autograder.text import printable
    return {"format": RECORD_FORMAT, "submissions": str(Path(submissions).absolute()),
            "hand_ins": [[c.student, printable(c.path.name), places[c.student]]
                         for c in candidates],
            "skipped": skipped, "errors": errors, "detail": options.detail,
            "shard": list(options.shard) if options.shard else None,
            "isolation": isolation, "isolation_reason": reason, "version": version,
            "rubric": str(options.rubric) if options.rubric else None}


# --- merging --------------------------------------------------------------------------------

@dataclass
class Merged:
    """The class joined from its shards, in the order one run would have graded it."""

    results: list[SubmissionResult]
    rows: list[tuple[str, SubmissionResult, float]]  # for the merged gradebook
    times: dict[str, float]
    hand_ins: dict[str, str]  # student -> hand-in name
    errors: dict[str, str]
    skipped: dict[str, str]
    detail: str
    records: list[dict] = field(default_factory=list)


def join(outs: list[Path], key) -> Merged:
    """The shards' gradebooks joined; ``ShardError`` (or ``gradebook.SealedError``) with the
    file and the reason when they do not make one class."""
    from autograder.gradebook import read_sealed
    records: list[dict] = []
    rows: dict = {}
    for out in outs:
        record, found = read_sealed(Path(out) / "gradebook.sqlite", key)
        _check_record(out, record, records)
        graded = {result.student for _, result, _ in found}
        missing = [s for s, _, _ in record["hand_ins"] if s not in graded
                   and s not in record["errors"]]
        if missing:
            raise ShardError(f"{out} is not finished ({len(missing)} hand-ins not graded, e.g. "
                             f"{missing[0]!r}): run its cnnlab grade again with --resume")
        for row in found:
            student = row[1].student
            if student in rows and rows[student][:2] != row[:2]:
                raise ShardError(f"{student!r} was graded differently in two of the folders "
                                 f"(the second: {out}): merge each share once")
            rows.setdefault(student, row)
        records.append(record)
    _check_shards(outs, records)
    return _joined(records, rows)


def _check_record(out: Path, record: dict, earlier: list[dict]) -> None:
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise ShardError(f"{out}: a run record of another cnnlab: grade that share again")
    first = earlier[0] if earlier else record
    for what in ("version", "detail", "rubric"):
        if record[what] != first[what]:
            name = {"version": "grader (cnnlab, suite or solutions)"}.get(what, f"--{what}")
            raise ShardError(f"{out} was graded with another {name} than the first folder: "
                             "grade every share with the same")


def _check_shards(outs: list[Path], records: list[dict]) -> None:
    """Sharded runs: all of one N, each share once and none missing."""
    shards = [r["shard"] for r in records]
    if not any(shards):
        return
    if not all(shards) or len({n for _, n in shards}) != 1:
        raise ShardError("the folders are shards of different splits (or some are whole "
                         "runs): merge the K/N shards of one N")
    n = shards[0][1]
    given = sorted(k for k, _ in shards)
    if given != list(range(1, n + 1)):
        absent = sorted(set(range(1, n + 1)) - set(given))
        twice = sorted({k for k in given if given.count(k) > 1})
        raise ShardError(f"shards of {n}: " + (f"missing {', '.join(map(str, absent))}"
                                               if absent else
                                               f"given twice: {', '.join(map(str, twice))}"))


def _joined(records: list[dict], rows: dict) -> Merged:
    """Everything in the order one run gives: each hand-in's place among all that
    ``find_candidates`` found (folders and zips by name, then flat downloads)."""
    names: dict = {}
    places: dict = {}
    for record in records:
        for student, name, place in record["hand_ins"]:
            names.setdefault(student, name)
            places.setdefault(student, place)
    students = sorted(names, key=lambda s: (places[s], s))
    errors = {s: why for r in records for s, why in r["errors"].items()}
    skipped = {e: why for r in records for e, why in r["skipped"].items()}
    kept = [s for s in students if s in rows]
    return Merged([rows[s][1] for s in kept], [rows[s] for s in kept],
                  {s: rows[s][2] for s in kept}, names, errors, skipped,
                  records[0]["detail"], records)


def merge(outs: list[Path], out: Path, key, jobs: int = 0, submissions: Path | None = None,
          command: str = "", say=print) -> Merged:
    """Join the shards in ``outs`` into ``out``: its gradebook (sealed again, so --resume
    works there) and every output written again from the joined results. The similarity
    flags are computed over the whole class when its SUBMISSIONS folder (``submissions``,
    else the one the shards recorded) is there to read."""
    from autograder import pipeline
    from autograder.gradebook import Gradebook
    from autograder.report import ReportContext, provenance

    merged = join(outs, key)
    out.mkdir(parents=True, exist_ok=True)
    with Gradebook(out / "gradebook.sqlite", fresh=True, key=key) as book:
        book.store_all(merged.rows)
        book.record_run(_merged_record(merged))
    first = merged.records[0]
    options = pipeline.Options(jobs=jobs, detail=merged.detail, command=command,
                               rubric=Path(first["rubric"]) if first["rubric"] else None)
    compared = _compared(merged, submissions or Path(first["submissions"]), [*outs, out], say)
    context = ReportContext(provenance(options, first["isolation"], first["isolation_reason"]),
                            compared.flags, merged.errors, merged.skipped, merged.hand_ins,
                            compared.not_compared)
    pipeline.write_outputs(merged.results, out, merged.detail, merged.times, merged.hand_ins,
                           jobs, context)
    (out / "grader_errors.txt").unlink(missing_ok=True)
    if merged.errors:
        pipeline.write_errors(merged.errors, out / "grader_errors.txt")
    return merged


def _merged_record(merged: Merged) -> dict:
    """The shards' records as one whole run's (no shard): a merged folder merges again."""
    first = merged.records[0]
    hand_ins = sorted(([s, n, p] for r in merged.records for s, n, p in r["hand_ins"]),
                      key=lambda h: h[2])
    return {**first, "hand_ins": hand_ins, "errors": merged.errors, "skipped": merged.skipped,
            "shard": None}


def _compared(merged: Merged, submissions: Path, outs: list[Path], say):
    """The similarity flags over the whole class (``similarity.Comparison``), or none (said)
    without its hand-ins."""
    from autograder import similarity
    from autograder.submissions import find_candidates
    try:
        candidates = find_candidates(submissions)
    except (OSError, ValueError) as error:
        say(f"similarity flags left out: the hand-ins are not readable here ({error}); "
            "give --submissions SUBMISSIONS")
        return similarity.Comparison([], {})
    exclude = {Path(o).resolve() for o in outs}
    graded = {r.student for r in merged.results}
    chosen = [c for c in candidates if c.student in graded and c.path.resolve() not in exclude]
    return similarity.compare_class(chosen)
