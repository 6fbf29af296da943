"""``OUT/report.html``: the class at a glance, for the instructor. One self-contained file
(``templates/report.html``, no CDN; a few lines of plain JavaScript sort the students' table).

* how the run was made: date, versions, rubric, isolation, overrides, command line;
* what needs a look: hand-ins that timed out, crashed, could not be read, were skipped,
  overridden or flagged as similar, each linked to its feedback;
* a sortable table of students: score, points per function, misconceptions;
* the grade distribution;
* per check, the share of students who failed it and its discrimination: the point-biserial
  correlation between passing the check and the rest of the score (the total without this
  check), as in Moodle's and PrairieLearn's item statistics. Near 0 or negative: the check
  does not separate stronger from weaker students (too easy, too hard, or unfair);
* the most common failure messages: what to explain again in the next lecture.

Per function first (full marks / wrong / not handed in, one readable chart), then the class's
misconceptions and the student lines that raised most often; of the checks, a chart of the 15
that discriminate least, the full table on demand; the similar pairs side by side; the mistakes
as pictures (input, kernel, expected, actual, difference).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.outputs import failure_figure, points
from autograder.results import CheckResult, SubmissionResult
from cnnlab.figures.render import to_png

LOW_DISCRIMINATION = 0.2  # the usual rule of thumb for item analysis


@dataclass
class CheckStatistics:
    check: str
    function: str
    description: str
    students: int
    failed: int
    discrimination: float | None  # point-biserial with the rest-score; None if undefined

    @property
    def failed_share(self) -> float:
        return self.failed / self.students if self.students else 0.0


def check_statistics(results: list[SubmissionResult]) -> list[CheckStatistics]:
    """One row per check id, in the order the checks first appear. A student passed a check
    when every result with its id passed; a student whose function has no check results at
    all (missing, did not import) failed every check of that function."""
    known: dict[str, CheckResult] = {}  # check id -> a first result, for its description
    for result in results:
        for function in result.functions:
            for check in function.checks:
                known.setdefault(check.check, check)
    rows = []
    for check_id, first in known.items():
        outcomes = [_outcome(result, first.function, check_id) for result in results]
        passed = np.array([float(ok) for ok, _ in outcomes])
        rest = np.array([r.score - earned for r, (_, earned) in zip(results, outcomes,
                                                                      strict=True)])
        rows.append(CheckStatistics(check_id, first.function, first.description, len(results),
                                    int(len(results) - passed.sum()),
                                    point_biserial(passed, rest)))
    return rows


def _outcome(result: SubmissionResult, function_name: str, check_id: str) -> tuple[bool, float]:
    """(passed, points earned) of one student on one check."""
    for function in result.functions:
        if function.function != function_name:
            continue
        entries = [c for c in function.checks if c.check == check_id]
        if entries:
            return all(c.passed for c in entries), sum(c.points for c in entries)
        return function.points >= function.max_points, 0.0
    return False, 0.0


def point_biserial(passed: np.ndarray, rest: np.ndarray) -> float | None:
    """Pearson's correlation of a 0/1 item with the rest-score; None when either is constant."""
    if len(passed) < 2 or passed.std() == 0 or rest.std() == 0:
        return None
    return float(np.corrcoef(passed, rest)[0, 1])


def common_failures(results: list[SubmissionResult], top: int = 10) -> list[tuple[str, int, str]]:
    """(check description: message pattern, number of students, an example message). Numbers
    in messages are replaced by N so that the same mistake on other inputs counts once."""
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for result in results:
        seen = set()
        for function, description, message in _failures(result):
            pattern = f"{function}: {re.sub(r'-?[0-9][0-9.e+-]*', 'N', message)}"
            if pattern not in seen:
                seen.add(pattern)
                counts[pattern] += 1
                examples.setdefault(pattern, f"{description}: {message}")
    return [(pattern, n, examples[pattern]) for pattern, n in counts.most_common(top)]


def _failures(result: SubmissionResult) -> Iterator[tuple[str, str, str]]:
    """(function, what failed, first line of the message) for every failed check, and for a
    function whose module did not import, its note (one not handed in teaches nothing)."""
    for function in result.functions:
        if function.absent:
            continue  # counted in the per-function table, not a mistake to explain
        if not function.checks and "import" in function.note:
            note = function.note.splitlines()[0]
            yield function.function, "could not be checked", note
        for check in function.checks:
            if not check.passed:
                yield check.function, check.description, (check.message or
                                                          "failed").splitlines()[0]


# --- per function, misconceptions, located errors -------------------------------------------

@dataclass
class FunctionStatistics:
    function: str
    full: int  # students with full marks
    wrong: int  # handed in, but not full marks
    absent: int  # not handed in (module missing) or still the stub

    @property
    def students(self) -> int:
        return self.full + self.wrong + self.absent


def function_statistics(results: list[SubmissionResult]) -> list[FunctionStatistics]:
    counts: dict[str, list[int]] = {}
    for result in results:
        for f in result.functions:
            row = counts.setdefault(f.function, [0, 0, 0])
            row[0 if f.points >= f.max_points else 2 if f.absent else 1] += 1
    return [FunctionStatistics(name, *row) for name, row in counts.items()]


def misconception_counts(results: list[SubmissionResult]) -> list[tuple[str, int, str, str]]:
    """(misconception id, students, what they did, the hint), most common first."""
    from autograder.misconceptions import BY_ID, ids_in
    counts = Counter(m for r in results for f in r.functions
                     for m in {i for e in f.misconceptions for i in ids_in(e)} if m in BY_ID)
    return [(m, n, BY_ID[m].says, BY_ID[m].hint) for m, n in counts.most_common()]


def located_errors(results: list[SubmissionResult], top: int = 10) -> list[tuple[str, int]]:
    """The student's own lines where exceptions were raised ("at padding.py, line 3: ..."),
    with the number of students, most common first."""
    counts: Counter[str] = Counter()
    for result in results:
        lines = {line.strip()[3:] for f in result.functions for c in f.checks
                 if c.example is not None for line in c.example.actual.splitlines()
                 if line.startswith("at ")}
        counts.update(lines)
    return counts.most_common(top)


def _function_png(stats: list[FunctionStatistics]) -> bytes:
    from matplotlib.figure import Figure
    figure = Figure(figsize=(7, 0.8 + 0.28 * len(stats)))
    axes = figure.subplots()
    names = [s.function for s in stats][::-1]
    left = np.zeros(len(names))
    for part, colour, label in (("full", "#55a868", "full marks"), ("wrong", "#c44e52", "wrong"),
                                ("absent", "#bbbbbb", "not handed in / stub")):
        share = np.array([100 * getattr(s, part) / max(1, s.students) for s in stats][::-1])
        axes.barh(names, share, left=left, color=colour, label=label)
        left += share
    axes.set_xlabel("students (%)")
    axes.set_xlim(0, 100)
    axes.legend(loc="lower right", fontsize=7)
    axes.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    return to_png(figure, dpi=100)


_OVERVIEW = """<h2>Per function: full marks, wrong, not handed in</h2>
{{ chart }}
<table><tr><th>function</th><th>full marks</th><th>wrong</th><th>not handed in / stub</th></tr>
{% for s in functions %}<tr><td><code>{{ s.function }}</code></td><td>{{ s.full }}</td>
<td>{{ s.wrong }}</td><td>{{ s.absent }}</td></tr>
{% endfor %}</table>
<h2>What to explain again: the class's misconceptions</h2>
{% if misconceptions %}<ol>{% for id, n, says, hint in misconceptions %}
<li><b>{{ n }} student{{ "s" if n != 1 }}</b> {{ says }} (<code>{{ id }}</code>)<br>
<span class="note">hint given: {{ hint }}</span></li>{% endfor %}</ol>
{% else %}<p>No misconception was recognised.</p>{% endif %}
<h2>Where students' code raised most often</h2>
{% if located %}<ol>{% for line, n in located %}<li><b>{{ n }}</b>: <code>{{ line }}</code>
</li>{% endfor %}</ol>{% else %}<p>No located errors.</p>{% endif %}
"""


def _overview(results: list[SubmissionResult]) -> str:
    """Per function first, then the misconceptions and located errors: rendered by jinja2
    with autoescape, as every name and line in it may come from a student."""
    from jinja2 import Environment
    from markupsafe import Markup
    stats = function_statistics(results)
    template = Environment(autoescape=True).from_string(_OVERVIEW)
    from autograder.outputs import data_uri
    chart = Markup(f"<img alt='per function: full marks, wrong, not handed in' "
                   f"src='{data_uri(_function_png(stats))}'>")
    return template.render(chart=chart, functions=stats,
                           misconceptions=misconception_counts(results),
                           located=located_errors(results))


# --- the page ------------------------------------------------------------------------------

@dataclass
class ReportContext:
    """What the report says besides the results: how the run was made and what to look at."""

    provenance: dict[str, str] = field(default_factory=dict)
    flags: list = field(default_factory=list)  # similarity.Flag
    errors: dict[str, str] = field(default_factory=dict)  # student -> the grader's failure
    skipped: dict[str, str] = field(default_factory=dict)  # entry -> why it is no hand-in
    hand_ins: dict[str, str] = field(default_factory=dict)
    # student -> why some of their functions were not compared for similarity (too long)
    not_compared: dict[str, list[str]] = field(default_factory=dict)


def provenance(options, isolation: str, reason: str) -> dict[str, str]:
    """Date, versions, rubric, isolation, overrides and the command line of a run."""
    import datetime
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import cnnlab
    try:
        hypothesis = version("hypothesis")
    except PackageNotFoundError:
        hypothesis = "not installed"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cnnlab": cnnlab.__version__,
        "rubric": str(options.rubric) if options.rubric else "default (autograder/rubric.toml)",
        "isolation": f"{isolation} ({reason})" if reason else isolation,
        "overrides": str(options.overrides) if options.overrides else "none",
        "command": options.command or "(not from the command line)",
        "python, hypothesis": f"{platform.python_version()}, {hypothesis}",
    }


def write_report(results: list[SubmissionResult], path: Path,
                 context: ReportContext | None = None) -> None:
    path.write_text(report_html(results, context), encoding="utf-8")


def report_html(results: list[SubmissionResult], context: ReportContext | None = None) -> str:
    from markupsafe import Markup

    from autograder.outputs import data_uri, template
    from autograder.similarity import THRESHOLD
    context = context or ReportContext()
    links = {r.student: f"feedback/{r.student}.html" for r in results}
    stats = check_statistics(results)
    weakest = least_discriminating(stats)
    values = {"provenance": context.provenance, "rows": student_rows(results, context),
              "functions": [f.function for f in results[0].functions] if results else [],
              "look": needs_a_look(results, context), "points": points, "links": links,
              "flags": context.flags, "not_compared": context.not_compared,
              "threshold": THRESHOLD, "low": LOW_DISCRIMINATION,
              "checks": sorted(stats, key=lambda s: -s.failed_share), "weakest": weakest}
    if results:
        values.update(
            summary=_summary(results), distribution=data_uri(_distribution_png(results)),
            overview=Markup(_overview(results)), failures=common_failures(results),
            weakest_chart=data_uri(_discrimination_png(weakest)) if weakest else "",
            pictures=_example_pictures(results))
    return template("report.html").render(**values)


def _summary(results: list[SubmissionResult]) -> str:
    scores = np.array([r.score for r in results])
    maximum = max(r.max_score for r in results)
    return (f"{len(results)} students; maximum {points(maximum)} points; mean "
            f"{points(scores.mean())}, median {points(float(np.median(scores)))}, lowest "
            f"{points(scores.min())}, highest {points(scores.max())}.")


# --- per student ---------------------------------------------------------------------------

@dataclass
class LookAt:
    """A hand-in to look at, and why: ``kind`` is one of timeout, crashed, unreadable,
    skipped, grader, overridden, similar, uncompared."""

    student: str
    kind: str
    why: str
    link: str = ""


def needs_a_look(results: list[SubmissionResult], context: ReportContext) -> list[LookAt]:
    """Every hand-in whose grade a person should check, in the order of the class."""
    from autograder.overrides import adjustments_of
    items = [LookAt(entry, "skipped", f"not graded: {why}")
             for entry, why in sorted(context.skipped.items())]
    items += [LookAt(student, "grader", "the grader itself failed on it (grader_errors.txt): "
                     + (why.strip().splitlines() or ["?"])[-1])
              for student, why in sorted(context.errors.items())]
    for result in results:
        link = f"feedback/{result.student}.html"
        items += [LookAt(result.student, kind, why, link) for kind, why in _troubles(result)]
        items += [LookAt(result.student, "overridden",
                         f"{a.function}: {points(a.before)} → {points(a.after)} ({a.reason})",
                         link) for a in adjustments_of(result)]
        items += [LookAt(result.student, "similar",
                         f"{f.function} is {100 * f.similarity:.0f}% the same as "
                         f"{f.second if f.first == result.student else f.first}'s", link)
                  for f in context.flags if result.student in (f.first, f.second)]
        items += [LookAt(result.student, "uncompared", f"{why}: left out of the similarity "
                         "flags, read it yourself", link)
                  for why in context.not_compared.get(result.student, [])]
    return items


def _troubles(result: SubmissionResult) -> list[tuple[str, str]]:
    """(kind, why) for the functions that timed out or crashed and the files that could not
    be read or imported."""
    from autograder.told import problem_of
    found: dict[tuple[str, str], list[str]] = {}
    for function in result.functions:
        problems = {problem_of(c) for c in function.checks if not c.passed}
        for kind in ("timeout", "crashed"):
            if any(p.startswith(kind) for p in problems):
                found.setdefault((kind, kind), []).append(function.function)
        first = function.note.partition("\n")[0]
        if "does not import" in first:
            found.setdefault(("unreadable", first), []).append(function.function)
    troubles = [(kind, f"{'timed out' if kind == 'timeout' else kind} in "
                       f"{', '.join(names)}" if kind == why else
                f"{why} ({len(names)} function{'s' * (len(names) != 1)})")
                for (kind, why), names in found.items()]
    troubles += [("unreadable", note) for note in result.notes
                 if "could not be read" in note or "not a readable notebook" in note]
    if any(note == "modules found: none" for note in result.notes):
        troubles.append(("unreadable", "no exercise module or notebook was found"))
    return troubles


def student_rows(results: list[SubmissionResult], context: ReportContext) -> list[dict]:
    """One row per student for the sortable table."""
    from autograder.overrides import adjustments_of
    look = {item.student: item for item in needs_a_look(results, context)}
    tags: dict[str, list[str]] = {}
    for item in needs_a_look(results, context):
        if item.kind not in tags.setdefault(item.student, []):
            tags[item.student].append(item.kind)
    rows = []
    for r in results:
        cells = [{"name": f.function, "points": round(f.points, 2),
                  "mark": "full" if f.points >= f.max_points else "none" if f.points <= 0
                  else "part"} for f in r.functions]
        rows.append({"student": r.student, "link": f"feedback/{r.student}.html",
                     "score": round(r.score, 2), "max_score": r.max_score,
                     "percent": 100 * r.score / r.max_score if r.max_score else 0.0,
                     "cells": cells, "tags": tags.get(r.student, []),
                     "misconceptions": sorted({m for f in r.functions for m in f.misconceptions}),
                     "adjusted": bool(adjustments_of(r)), "look": r.student in look})
    return rows


# --- pictures and charts -------------------------------------------------------------------

WEAKEST = 15  # checks in the discrimination chart


def least_discriminating(stats: list[CheckStatistics],
                         most: int = WEAKEST) -> list[CheckStatistics]:
    """The checks failed by some but not all students, lowest discrimination first: where a
    check may be too easy, too hard or unfair (~150 checks in one chart say nothing)."""
    told = [s for s in stats if s.discrimination is not None and 0 < s.failed < s.students]
    return sorted(told, key=lambda s: (s.discrimination, s.check))[:most]


def _example_pictures(results: list[SubmissionResult], most: int = 6) -> list[tuple]:
    """(check, description, data URI) of the first failing example of each check that
    compares arrays (convolution, pooling): input, kernel, expected, actual, difference."""
    from autograder.outputs import data_uri
    pictures: list[tuple] = []
    seen: set[str] = set()
    for result in results:
        for function in result.functions:
            for check in function.checks:
                arrays = check.example.arrays if check.example else None
                if check.passed or not arrays or check.check in seen or len(seen) >= most:
                    continue
                seen.add(check.check)
                figure = failure_figure(check, f"{check.check}: {check.description}")
                pictures.append((check.check, check.description,
                                 data_uri(to_png(figure, dpi=100))))
    return pictures


def _distribution_png(results: list[SubmissionResult]) -> bytes:
    from matplotlib.figure import Figure
    figure = Figure(figsize=(6, 3))
    axes = figure.subplots()
    percent = [100 * r.score / r.max_score if r.max_score else 0 for r in results]
    axes.hist(percent, bins=range(0, 101, 10), color="#4c72b0", edgecolor="white")
    axes.set_xlabel("score (% of the maximum)")
    axes.set_ylabel("students")
    figure.tight_layout()
    return to_png(figure, dpi=100)


def _discrimination_png(stats: list[CheckStatistics]) -> bytes:
    from matplotlib.figure import Figure
    stats = stats[::-1]  # the lowest at the top
    figure = Figure(figsize=(7, 0.8 + 0.3 * len(stats)))
    axes = figure.subplots()
    values = [s.discrimination or 0.0 for s in stats]  # those without one are left out before
    colours = ["#c44e52" if v < LOW_DISCRIMINATION else "#4c72b0" for v in values]
    axes.barh([f"{s.check} ({s.failed}/{s.students} failed)" for s in stats], values,
              color=colours)
    axes.axvline(LOW_DISCRIMINATION, color="#888", linestyle="--", linewidth=1)
    axes.set_xlabel(f"discrimination (red: below {LOW_DISCRIMINATION})")
    axes.set_xlim(-1, 1)
    axes.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    return to_png(figure, dpi=100)
