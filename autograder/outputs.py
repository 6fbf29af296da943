"""What ``cnnlab grade`` writes for people and platforms, all from ``SubmissionResult``s.

* ``grades.csv``: ``student, score, max_score`` and one column per graded function (named
  exactly as the function, in the order of ``cnnlab.catalog.FUNCTIONS``) with its points;
* ``feedback/<student>.md``: per function the points and, per failed check, the smallest
  failing input with the expected and the actual result; the instructor's adjustments;
* ``feedback/<student>.html``: the same as one self-contained page (``templates/``);
* ``feedback/<student>.pictures/``: the Markdown's pictures of failed array checks (PNG);
* ``results/<student>.json``: Gradescope's ``results.json`` (one test per function, the
  summary as the top-level ``output``).
"""

from __future__ import annotations

import base64
import csv
import functools
import hashlib
import json
import re
from pathlib import Path

from autograder.overrides import TOTAL, Adjustment, adjustments_of
from autograder.results import (
    NOT_HANDED_IN,
    UNEARNED,
    CheckResult,
    FunctionResult,
    SubmissionResult,
)
from autograder.told import problem_of, shown_failures
from autograder.worker_runtime import wire
from cnnlab.catalog import FUNCTIONS

GRADES_COLUMNS = ("student", "score", "max_score", *FUNCTIONS)


def points(value: float) -> str:
    """Points as people write them: 3, 2.5, 0.33."""
    return f"{round(value, 2):g}"


def write_grades_csv(results: list[SubmissionResult], path: Path,
                     hand_ins: dict[str, str] | None = None) -> None:
    """``hand_ins``: student id -> the hand-in's own name, as a trailing ``hand_in`` column."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([*GRADES_COLUMNS, *(["hand_in"] if hand_ins is not None else [])])
        for result in sorted(results, key=lambda r: r.student):
            earned = {f.function: f.points for f in result.functions}
            writer.writerow([result.student, points(result.score), points(result.max_score),
                             *(points(earned.get(name, 0.0)) for name in FUNCTIONS),
                             *([_cell(hand_ins.get(result.student, ""))]
                               if hand_ins is not None else [])])


def _cell(text: str) -> str:
    """No formula in a spreadsheet from a hand-in's name."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- feedback ------------------------------------------------------------------------------
# Student-controlled text (values, error messages, file names, the folder's name) reaches the
# Markdown only through ``inline`` (escaped where it would be markup, one line) or ``code_block``
# (a fence longer than any backtick run in it): it can neither add HTML nor headings nor links.

_ALWAYS = set("`[<|~")  # code spans, links and images, HTML, GFM tables and strikethrough
_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_AT_LINE_START = re.compile(r"^(?:[-+=>#]|\d{1,9}(?=[.)]))")  # lists, headings, quotes


def inline(text: str) -> str:
    """``text`` as literal Markdown on one line (CommonMark and GitHub's), escaping only what
    would be markup where it stands: ``s003_flipped_kernel`` and ``C_out`` stay as they are
    (an underscore inside a word emphasises nothing), ``a*x``, ``_x``, ``<b>`` do not."""
    text = " ".join(str(text).split())
    out = []
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if _is_markup(char, before, after, 0 < i < len(text) - 1):
            out.append("\\")
        out.append(char)
    start = _AT_LINE_START.match(text)
    if start and out[0] != "\\":  # "1. x", "- x", "# x", "> x" would start a block
        at = len(start.group())
        out.insert(at if text[0].isdigit() else 0, "\\")
    return "".join(out)


def _is_markup(char: str, before: str, after: str, inside: bool) -> bool:
    if char in _ALWAYS:
        return True
    if char == "\\":  # escapes the next mark; at the end it would escape ours
        return after in _PUNCTUATION or after == " "
    if char == "*":  # emphasis, also inside words; a bullet or next to our ** at the ends
        return not (before == " " and after == " " and inside)
    if char == "_":  # emphasis only at a word's edge
        return not (before.isalnum() and after.isalnum())
    if char == "&":  # an entity or character reference: &amp; &#35;
        return after.isalnum() or after == "#"
    return False


def code_block(text: str, indent: str = "    ") -> str:
    longest = max((len(run) for run in re.findall(r"`+", str(text))), default=0)
    fence = "`" * max(3, longest + 1)
    body = "\n".join(indent + line for line in str(text).splitlines() or [""])
    return f"{indent}{fence}text\n{body}\n{indent}{fence}"


def feedback_markdown(result: SubmissionResult, detail: str = "full",
                      pictures: dict[str, str] | None = None) -> str:
    """``pictures``: check id -> relative path of its side-by-side picture. Never shows
    ``result.grader_notes``: those are for the instructor."""
    lines = [f"# Feedback for {inline(result.student)}", "",
             f"**Score: {points(result.score)} / {points(result.max_score)}**", "",
             *adjustment_lines(adjustments_of(result)),
             "| function | points |", "| --- | --- |"]
    lines += [f"| `{f.function}` | {points(f.points)} / {points(f.max_points)} |"
              for f in result.functions]
    told_notes: set[str] = set()
    for function in result.functions:
        lines += ["", *function_feedback(function, detail, pictures or {},
                                         adjustments_of(result), told_notes)]
    if result.notes:
        lines += ["", "## Notes", "", *(f"- {inline(note)}" for note in result.notes)]
    return "\n".join(lines) + "\n"


def adjustment_lines(adjustments: list[Adjustment]) -> list[str]:
    """The instructor's adjustments, each with its reason, above the table of points."""
    if not adjustments:
        return []
    return ["**Adjusted by your instructor:**", "",
            *(f"- {'total' if a.function == TOTAL else f'`{a.function}`'}: "
              f"{points(a.before)} → {points(a.after)} points. {inline(a.reason)}"
              for a in adjustments), ""]


MAX_LINES_PER_FUNCTION = 40  # of a failed function's Markdown; the rest is named in one line


def function_feedback(function: FunctionResult, detail: str = "full",
                      pictures: dict[str, str] | None = None,
                      adjustments: list[Adjustment] | None = None,
                      told_notes: set[str] | None = None) -> list[str]:
    """Markdown lines for one function: its points, its note, an adjustment by the instructor,
    the misconception its results show, and the failed checks (none when the note says why
    the function was not called): one example per cause, the checks that failed the same way
    in one line, and at most ``MAX_LINES_PER_FUNCTION`` lines (the HTML version has all).
    ``told_notes``: notes already shown in full above (a SyntaxError shared by a module's
    functions is printed once)."""
    lines = [f"## `{function.function}`: {points(function.points)} / "
             f"{points(function.max_points)} ({_mark(function)})"]
    if function.note:
        first, _, rest = function.note.partition("\n")
        told = told_notes is not None and rest.strip() and function.note in told_notes
        lines += ["", inline(first) + (" (shown above)" if told else "")]
        if rest.strip() and not told:
            lines.append(code_block(rest, ""))
            if told_notes is not None:
                told_notes.add(function.note)
    lines += [f"\n*Adjusted by your instructor* from {points(a.before)} to {points(a.after)} "
              f"points: {inline(a.reason)}" for a in adjustments or []
              if a.function == function.function]
    lines += misconception_lines(function)
    shown, repeats = shown_failures(function)
    if shown:
        lines.append("")
    left_out = []
    for check in shown:
        block = check_feedback(check, detail)
        if detail == "full" and pictures and check.check in pictures:
            block += ["", f"  ![expected and actual side by side]({pictures[check.check]})"]
        if _height(lines + block) > MAX_LINES_PER_FUNCTION and check is not shown[0]:
            block = check_feedback(check, "summary")  # the headline only
        if _height(lines + block) > MAX_LINES_PER_FUNCTION - 2 and check is not shown[0]:
            left_out.append(check)
            continue
        lines += block
    if left_out:
        lines += ["", f"- {len(left_out)} more failed: "
                  + "; ".join(inline(c.description) for c in left_out)
                  + " (the HTML version of this feedback shows them)"]
    if repeats:
        lines += ["", "- not shown again, as they failed the same way: "
                  + "; ".join(inline(c.description) for c in repeats)]
    unearned = [c for c in function.checks if c.message == UNEARNED]
    if unearned:
        lines += ["", f"- {UNEARNED}: " + "; ".join(inline(c.description) for c in unearned)]
    return lines


def _height(lines: list[str]) -> int:
    """Lines as the file has them (a code block is one item of ``lines``)."""
    return sum(line.count("\n") + 1 for line in lines)


def _mark(function: FunctionResult) -> str:
    if function.points >= function.max_points:
        return "passed"
    if NOT_HANDED_IN in function.note:
        return "not handed in"
    if function.not_done:
        return "not done yet"
    return "not all checks passed"


WHY_NAMED = ("on every failing example that should give a result, your results are exactly "
             "what this mistake gives, and no other known mistake does")


def misconception_lines(function: FunctionResult) -> list[str]:
    """The diagnosis: one mistake, two at once (each with its hint), or one of several."""
    from autograder.misconceptions import explained
    found = explained(function.misconceptions)
    if not found:
        return []
    if len(found) == 1 and len(found[0]) == 1:
        return ["", f"**Likely misconception: you {found[0][0].says}** ({WHY_NAMED}). "
                    f"*Hint*: {found[0][0].hint}."]
    if len(found) == 1:
        return ["", "**Likely two misconceptions at once** (together they give exactly your "
                    "results on every failing example that should give a result):",
                *(f"- you {m.says}. *Hint*: {m.hint}." for m in found[0])]
    lines = ["", "**Likely misconception**, one of these (each gives exactly your results on "
                 "every failing example that should give a result):",
             *(f"- you {' and '.join(m.says for m in parts)}. *Hint*: "
               f"{' '.join(m.hint + '.' for m in parts)}" for parts in found)]
    if function.telling_apart:
        lines += ["", f"This call tells them apart: {inline(function.telling_apart)}"]
    return lines


def check_feedback(check: CheckResult, detail: str) -> list[str]:
    lines = [f"- **{inline(check.description)}** ({points(check.points)} / "
             f"{points(check.max_points)}): {inline(check.message or 'failed')}"]
    if detail == "full" and check.example is not None:
        lines += ["  - smallest failing input:", code_block(check.example.call),
                  "  - expected:", code_block(check.example.expected),
                  "  - actual:", code_block(check.example.actual)]
    return lines


MAX_PICTURES = 4  # per student: the first failed convolution or pooling checks


def write_feedback(result: SubmissionResult, folder: Path, detail: str = "full") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # <student>.pictures/: never the name of another student's .md or .html
    pictures = (write_pictures(result, folder / f"{result.student}.pictures")
                if detail == "full" else {})
    path = folder / f"{result.student}.md"
    path.write_text(feedback_markdown(result, detail, pictures), encoding="utf-8")
    return path


def pictured(result: SubmissionResult) -> list[CheckResult]:
    """The failed array checks that get a picture: the first ``MAX_PICTURES`` the student is
    told (``told.shown_failures``); a check that failed the same way as one told shows no
    example, so no picture either."""
    return [c for f in result.functions for c in shown_failures(f)[0]
            if c.example is not None and c.example.arrays][:MAX_PICTURES]


def write_pictures(result: SubmissionResult, folder: Path) -> dict[str, str]:
    """Side-by-side pictures (expected, actual, difference) of failed array checks."""
    drawn = pictured(result)
    if not drawn:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    links = {}
    for check in drawn:
        (folder / f"{check.check}.png").write_bytes(picture_png(check))
        links[check.check] = f"{folder.name}/{check.check}.png"
    return links


def write_feedback_html(result: SubmissionResult, folder: Path, detail: str = "full") -> Path:
    """``folder/<student>.html``: the feedback as one self-contained page (pictures inside as
    data URIs), to upload to an LMS or mail as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.student}.html"
    path.write_text(feedback_html(result, detail), encoding="utf-8")
    return path


def feedback_html(result: SubmissionResult, detail: str = "full") -> str:
    """Rendered by jinja2 with autoescape: every text in it may come from a student."""
    from autograder.misconceptions import explained
    adjustments = adjustments_of(result)
    functions = []
    for f in result.functions:
        shown, repeats = shown_failures(f)
        first, _, rest = f.note.partition("\n")
        functions.append({
            "name": f.function, "points": f.points, "max_points": f.max_points,
            "mark": "full" if f.points >= f.max_points else "none" if f.points <= 0 else "part",
            "note_first": first, "note_rest": rest.strip(),
            "adjustments": [a for a in adjustments if a.function == f.function],
            "misconceptions": explained(f.misconceptions), "telling_apart": f.telling_apart,
            "shown": shown, "repeats": repeats,
            "unearned": [c for c in f.checks if c.message == UNEARNED]})
    pictures = ({c.check: data_uri(picture_png(c)) for c in pictured(result)}
                if detail == "full" else {})
    return template("feedback.html").render(
        result=result, functions=functions, adjustments=adjustments, detail=detail,
        pictures=pictures, points=points, unearned=UNEARNED)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@functools.cache
def template(name: str):
    """A page template of ``autograder/templates``, HTML-escaping every value put in it
    (loaded once per process: there is a page per student)."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    environment = Environment(loader=PackageLoader("autograder", "templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True,
                              lstrip_blocks=True)
    return environment.get_template(name)


_PICTURES: dict[str, bytes] = {}  # drawn in this process, by what they show
MAX_KEPT_PICTURES = 256  # ~20 KB each


def picture_png(check: CheckResult) -> bytes:
    """The check's picture as PNG bytes. Students with the same bug fail on the same
    smallest example (the suite and its shrinking are the same for all), so a picture is
    drawn once and its bytes reused: drawing one takes ~0.2 s."""
    arrays = _arrays(check)
    key = hashlib.sha256(wire.dumps([check.check, [arrays[k] for k in sorted(arrays)]]))
    png = _PICTURES.get(key.hexdigest())
    if png is None:
        from cnnlab.figures.render import to_png  # matplotlib only when there is a picture
        png = to_png(failure_figure(check, check.check), dpi=70)
        if len(_PICTURES) < MAX_KEPT_PICTURES:
            _PICTURES[key.hexdigest()] = png
    return png


def _arrays(check: CheckResult) -> dict[str, list]:
    """The numbers of the check's picture: only a failed check that compares arrays has them."""
    if check.example is None or check.example.arrays is None:
        raise ValueError(f"{check.check} has no failing example with arrays to draw")
    return check.example.arrays


def failure_figure(check: CheckResult, title: str):
    """The input, the kernel (of a convolution), the expected and the actual result and their
    difference, for a failed check whose example holds arrays (``FailingExample.arrays``)."""
    import numpy as np

    from cnnlab.figures.comparison import side_by_side
    arrays = _arrays(check)
    kernel = arrays.get("kernel")
    names = arrays.get("names") or ["input", "kernel"]  # a gradebook row of before 2026-12-08
    return side_by_side(np.asarray(arrays["expected"]), np.asarray(arrays["actual"]),
                        np.asarray(arrays["input"]), title=title,
                        kernel=None if kernel is None else np.asarray(kernel),
                        names=(*names, "kernel")[:2])


# --- Gradescope ----------------------------------------------------------------------------

def gradescope_results(result: SubmissionResult, seconds: float, detail: str = "full") -> dict:
    """Gradescope's results.json: overall score and time, one test per graded function."""
    tests = []
    for number, function in enumerate(result.functions, start=1):
        passed = function.points >= function.max_points
        tests.append({
            "name": function.function, "number": str(number),
            "score": round(function.points, 4), "max_score": round(function.max_points, 4),
            "status": "passed" if passed else "failed",
            "output": "\n".join(function_feedback(function, detail, None,
                                                   adjustments_of(result))[1:]).strip(),
            "output_format": "md", "visibility": "visible"})
    return {"score": round(result.score, 4), "execution_time": round(seconds, 3),
            "output": summary_markdown(result), "output_format": "md",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def summary_markdown(result: SubmissionResult) -> str:
    """Gradescope's top-level ``output``: the score, which functions lost points and why in a
    line each (misconception or the first problem), the instructor's adjustments, the notes."""
    from autograder.misconceptions import explained
    full = sum(f.points >= f.max_points for f in result.functions)
    lines = [f"**Score: {points(result.score)} / {points(result.max_score)}**; full marks in "
             f"{full} of {len(result.functions)} functions.", ""]
    lines += adjustment_lines(adjustments_of(result))
    lost = [f for f in result.functions if f.points < f.max_points]
    if lost:
        lines += ["Points lost in:", ""]
    for f in lost:
        named = explained(f.misconceptions)
        shown, _ = shown_failures(f)
        why = (f"likely you {' and '.join(m.says for m in named[0])}"
               + (" (or another mistake)" if len(named) > 1 else "") if named
               else f.note.partition("\n")[0]
               or (problem_of(shown[0]) if shown else "not all checks passed"))
        lines.append(f"- `{f.function}` ({points(f.points)} / {points(f.max_points)}): "
                     f"{inline(why)}")
    if result.notes:
        lines += ["", *(f"- {inline(note)}" for note in result.notes)]
    return "\n".join(lines)


def write_gradescope(result: SubmissionResult, folder: Path, seconds: float,
                     detail: str = "full", name: str | None = None) -> Path:
    """``folder/<student>.json`` (or ``folder/name``: Gradescope wants ``results.json``)."""
    return write_gradescope_json(gradescope_results(result, seconds, detail),
                                 folder / (name or f"{result.student}.json"))


def write_gradescope_json(results: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return path


def gradescope_failure(message: str) -> dict:
    """A results.json for a hand-in the grader itself failed on: the student sees why."""
    return {"score": 0.0, "execution_time": 0.0, "visibility": "visible",
            "output": message, "tests": []}
