"""``OUT/report.html``: the class at a glance, for the instructor. One self-contained file.

* the grade distribution;
* per check, the share of students who failed it and its discrimination: the point-biserial
  correlation between passing the check and the rest of the score (the total without this
  check), as in Moodle's and PrairieLearn's item statistics. Near 0 or negative: the check
  does not separate stronger from weaker students (too easy, too hard, or unfair);
* the most common failure messages: what to explain again in the next lecture.

Per function first (full marks / wrong / not handed in, one readable chart), then the class's
misconceptions and the student lines that raised most often; the per-check table opens on
demand.
"""

from __future__ import annotations

import base64
import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.outputs import failure_figure, points
from autograder.results import NOT_DONE, CheckResult, SubmissionResult
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
        if NOT_HANDED_IN in function.note or function.note == NOT_DONE:
            continue  # counted in the per-function table, not a mistake to explain
        if not function.checks and "import" in function.note:
            note = function.note.splitlines()[0]
            yield function.function, "could not be checked", note
        for check in function.checks:
            if not check.passed:
                yield check.function, check.description, (check.message or
                                                          "failed").splitlines()[0]


# --- per function, misconceptions, located errors -------------------------------------------

NOT_HANDED_IN = "not handed in"


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
            absent = NOT_HANDED_IN in f.note or f.note == NOT_DONE
            row[0 if f.points >= f.max_points else 2 if absent else 1] += 1
    return [FunctionStatistics(name, *row) for name, row in counts.items()]


def misconception_counts(results: list[SubmissionResult]) -> list[tuple[str, int, str, str]]:
    """(misconception id, students, what they did, the hint), most common first."""
    from autograder.misconceptions import BY_ID
    counts = Counter(m for r in results for f in r.functions for m in set(f.misconceptions)
                     if m in BY_ID)
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
    return template.render(chart=Markup(_img(_function_png(stats))), functions=stats,
                           misconceptions=misconception_counts(results),
                           located=located_errors(results))


# --- the page ------------------------------------------------------------------------------

def write_report(results: list[SubmissionResult], path: Path) -> None:
    path.write_text(report_html(results), encoding="utf-8")


def report_html(results: list[SubmissionResult]) -> str:
    stats = check_statistics(results)
    parts = [_HEAD, "<h1>Grading report</h1>", _summary(results)]
    if results:
        parts += ["<h2>Grade distribution</h2>", _img(_distribution_png(results)),
                  _overview(results),
                  "<h2>Most common failures</h2>", _failure_list(results),
                  "<details><summary><b>Per check: who failed them, and do they discriminate?"
                  "</b> (click to open)</summary>",
                  _img(_failures_png(stats)) if stats else "", _check_table(stats),
                  "</details>", *_example_pictures(results)]
    parts.append("</body></html>")
    return "\n".join(parts)


def _summary(results: list[SubmissionResult]) -> str:
    if not results:
        return "<p>No submissions were graded.</p>"
    scores = np.array([r.score for r in results])
    maximum = max(r.max_score for r in results)
    return (f"<p>{len(results)} students; maximum {points(maximum)} points; mean "
            f"{points(scores.mean())}, median {points(float(np.median(scores)))}, lowest "
            f"{points(scores.min())}, highest {points(scores.max())}.</p>")


def _check_table(stats: list[CheckStatistics]) -> str:
    rows = []
    for s in sorted(stats, key=lambda s: -s.failed_share):
        d = "n/a" if s.discrimination is None else f"{s.discrimination:+.2f}"
        flag = " class='low'" if s.discrimination is not None and (
            s.discrimination < LOW_DISCRIMINATION) else ""
        rows.append(f"<tr><td><code>{html.escape(s.check)}</code></td>"
                    f"<td>{html.escape(s.description)}</td><td>{s.failed}/{s.students} "
                    f"({100 * s.failed_share:.0f}%)</td><td{flag}>{d}</td></tr>")
    return ("<table><tr><th>check</th><th>what it checks</th><th>failed</th>"
            "<th>discrimination</th></tr>" + "".join(rows) + "</table>"
            f"<p class='note'>Discrimination: point-biserial correlation of passing the check "
            f"with the rest of the score; below {LOW_DISCRIMINATION} (highlighted) the check "
            "does not separate stronger from weaker students.</p>")


def _failure_list(results: list[SubmissionResult]) -> str:
    failures = common_failures(results)
    if not failures:
        return "<p>Nobody failed a check.</p>"
    items = "".join(f"<li><b>{n} student{'s' * (n != 1)}</b>: {html.escape(pattern)}"
                    f"<br><span class='note'>e.g. {html.escape(example)}</span></li>"
                    for pattern, n, example in failures)
    return f"<ol>{items}</ol>"


def _example_pictures(results: list[SubmissionResult], most: int = 6) -> list[str]:
    """Expected next to actual for the first failing example of each check that compares
    arrays (convolution, pooling)."""
    pictures, seen = [], set()
    for result in results:
        for function in result.functions:
            for check in function.checks:
                arrays = check.example.arrays if check.example else None
                if check.passed or not arrays or check.check in seen or len(seen) >= most:
                    continue
                seen.add(check.check)
                figure = failure_figure(check, f"{check.check}: {check.description}")
                pictures += [f"<h3><code>{html.escape(check.check)}</code></h3>",
                             _img(to_png(figure, dpi=100))]
    return ["<h2>What the mistakes look like</h2>", *pictures] if pictures else []


def _distribution_png(results: list[SubmissionResult]) -> bytes:
    from matplotlib.figure import Figure
    figure = Figure(figsize=(6, 3))
    axes = figure.subplots()
    percent = [100 * r.score / r.max_score if r.max_score else 0 for r in results]
    axes.hist(percent, bins=np.linspace(0, 100, 11), color="#4c72b0", edgecolor="white")
    axes.set_xlabel("score (% of the maximum)")
    axes.set_ylabel("students")
    figure.tight_layout()
    return to_png(figure, dpi=100)


def _failures_png(stats: list[CheckStatistics]) -> bytes:
    from matplotlib.figure import Figure
    stats = sorted(stats, key=lambda s: s.failed_share)
    figure = Figure(figsize=(7, 0.6 + 0.22 * len(stats)))
    axes = figure.subplots()
    colours = ["#c44e52" if s.discrimination is not None and s.discrimination <
               LOW_DISCRIMINATION else "#4c72b0" for s in stats]
    axes.barh([s.check for s in stats], [100 * s.failed_share for s in stats], color=colours)
    axes.set_xlabel("students who failed the check (%); red: low discrimination")
    axes.set_xlim(0, 100)
    axes.tick_params(axis="y", labelsize=7)
    figure.tight_layout()
    return to_png(figure, dpi=100)


def _img(png: bytes) -> str:
    return f"<img alt='plot' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


_HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Grading report</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}
.low{background:#f7d4d4}.note{color:#666;font-size:90%}img{max-width:100%}</style>
</head><body>"""
