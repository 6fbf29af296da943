"""``cnnlab drill``: exam practice in the terminal.

The drill asks one question at a time, checks the reply, says right or wrong (with the chosen
choice's feedback), shows the worked solution, and keeps per-learning-outcome progress
(``asked``, ``correct``) and an FSRS card per question (``schedule.py``, the scheduler of the
practice page) in a small JSON file. A question that is due again (one missed before) comes
first; otherwise the next question comes from the outcome the student is weakest in: outcomes
never asked come first, then the lowest smoothed success rate ``(correct + 1) / (asked + 2)``
(so one lucky answer does not count as mastery).

Replies: a number for numeric questions, read as the practice page reads it
(``question_bank/numbers.py``: ``1.5``, ``1,5``, ``12 345``, ``323,208`` either way, ``3/4``
where the question takes fractions; right when within the item's absolute tolerance), a
letter ``A``, ``B``, ... for choices, ``T``/``F``/``true``/``false`` for true/false. A reply
that cannot be read (an empty line, a typo) is asked again once before it counts as wrong.
``q`` quits; end of input ends the drill too; progress is saved after every answer. Text is
wrapped at the terminal's width (80 columns when piped) but never inside a formula, tables in
a stem are drawn as ruled columns, and a question's figure is saved as a PNG whose path is
printed.
When standard input is not a terminal the replies are read line by line, so the drill can be
scripted: ``printf '12\\nB\\n' | cnnlab drill --n 2 --seed 3``.
"""

from __future__ import annotations

import builtins
import json
import os
import random
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from question_bank import schedule
from question_bank.export._common import (
    NO_BREAK,
    answer_text,
    figure_names,
    in_solution,
    keep_formulas,
    letter,
    tolerance_of,
)
from question_bank.model import LEARNING_OUTCOMES, Item
from question_bank.numbers import matches, read_number

Progress = dict[str, dict[str, int]]
QUIT = ("q", "quit", "exit")
DEFAULT_WIDTH = 80  # columns when the output is not a terminal (a pipe, a file)
TRUE_WORDS, FALSE_WORDS = ("t", "true", "waar", "w"), ("f", "false", "onwaar", "o")


# --- progress file ---------------------------------------------------------------------------

def load_state(path: Path) -> tuple[Progress, schedule.Cards]:
    """(per-outcome progress, FSRS cards per item id) from ``path``; empty when the file does
    not exist. A file of the first format ({outcome: counts}) has no cards yet."""
    path = Path(path)
    if not path.exists():
        return {}, {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"progress file {path}: cannot read it as JSON ({error}); "
                         "move it away or pass another --progress") from error
    if isinstance(data, dict) and data.get("version") == 2:
        outcomes, cards = data.get("outcomes"), data.get("cards")
    else:
        outcomes, cards = data, {}
    if not isinstance(outcomes, dict) or not isinstance(cards, dict) or not all(
            isinstance(record, dict) and isinstance(record.get("asked"), int)
            and isinstance(record.get("correct"), int) for record in outcomes.values()):
        raise ValueError(f"progress file {path}: expected {{\"version\": 2, \"outcomes\": "
                         f"{{outcome: {{\"asked\": n, \"correct\": m}}}}, \"cards\": {{...}}}}; "
                         f"move it away or pass another --progress")
    return outcomes, cards


def load_progress(path: Path) -> Progress:
    """{outcome: {"asked": n, "correct": m}} from ``path``; {} when the file does not exist."""
    return load_state(path)[0]


def save_progress(path: Path, progress: Progress, cards: schedule.Cards | None = None) -> None:
    """Write ``progress`` (and the cards) to ``path`` atomically, so an interrupted drill
    never corrupts it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    data = {"version": 2, "outcomes": progress, "cards": cards or {}}
    temporary.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def migrate_progress(old: Path, new: Path) -> bool:
    """Move the progress of the first drill (``~/.cnnlab_drill.json``) to ``new`` once: when
    ``new`` does not exist yet and ``old`` is a progress file. True when it moved."""
    if new.exists() or not old.is_file():
        return False
    try:
        progress = load_progress(old)
    except ValueError:
        return False  # not ours to move
    save_progress(new, progress)
    old.unlink()
    return True


def record(progress: Progress, outcome: str, correct: bool) -> None:
    """Count one answer to a question of ``outcome``."""
    entry = progress.setdefault(outcome, {"asked": 0, "correct": 0})
    entry["asked"] += 1
    entry["correct"] += int(correct)


# --- choosing the next question ----------------------------------------------------------------

def smoothed_rate(progress: Progress, outcome: str) -> float:
    """(correct + 1) / (asked + 2): 0.5 with no answers, moving towards the observed share."""
    entry = progress.get(outcome, {"asked": 0, "correct": 0})
    return (entry["correct"] + 1) / (entry["asked"] + 2)


def weakest_outcome(progress: Progress, outcomes: Iterable[str]) -> str:
    """The outcome to drill next: unseen first, then the lowest smoothed rate.

    Ties go to the lower outcome id, so a new student meets LO1, LO2, ... in the lecture's order.
    """
    def key(outcome: str) -> tuple[bool, float, str]:
        seen = progress.get(outcome, {}).get("asked", 0) > 0
        return seen, smoothed_rate(progress, outcome), outcome

    candidates = set(outcomes)
    if not candidates:
        raise ValueError("outcomes: none to choose from")
    return min(candidates, key=key)


def next_item(pool: dict[str, list[Item]], progress: Progress, rng: random.Random,
              due: list[Item] | None = None) -> Item:
    """The first of ``due`` (questions to ask again), else take (and remove) a random item
    of the weakest outcome that still has items."""
    if due:
        item = due.pop(0)
        items = pool.get(item.learning_outcome, [])
        if item in items:
            items.remove(item)
        return item
    outcome = weakest_outcome(progress, [lo for lo, items in pool.items() if items])
    items = pool[outcome]
    return items.pop(rng.randrange(len(items)))


def due_items(items: list[Item], cards: schedule.Cards,
              recall: Callable[[str], Item | None] | None = None) -> list[Item]:
    """The items whose cards are due now, longest overdue first: from ``items``, or made
    again by ``recall`` (an id -> item) when the bank of this session lacks them."""
    by_id = {item.id: item for item in items}
    outcomes = {item.learning_outcome for item in items}
    found = []
    for item_id in schedule.due_ids(cards, schedule.now()):
        item = by_id.get(item_id) or (recall(item_id) if recall else None)
        if item is not None and item.learning_outcome in outcomes:
            found.append(item)
    return found


# --- reading and checking a reply --------------------------------------------------------------

def parse_number(reply: str, fractions: bool = False) -> float | None:
    """The first reading of a typed number (``numbers.read_number``), or None."""
    reading = read_number(reply, fractions)
    return reading.values[0] if reading.values else None


def parse_choice(item: Item, reply: str) -> int | None:
    """The index of the choice a reply names (a letter; T/F for true/false), or None."""
    text = reply.strip().lower().rstrip(".)")
    if item.type == "true_false":
        texts = [choice.text.strip().lower() for choice in item.choices]
        if text in TRUE_WORDS and "true" in texts:
            return texts.index("true")
        if text in FALSE_WORDS and "false" in texts:
            return texts.index("false")
    if len(text) == 1 and "a" <= text <= "z":
        index = ord(text) - ord("a")
        return index if index < len(item.choices) else None
    return None


@dataclass(frozen=True)
class Verdict:
    """The outcome of one reply: right or not, and which choice it named (if any)."""

    correct: bool
    understood: bool
    chosen: int | None = None


def check(item: Item, reply: str) -> Verdict:
    """Judge ``reply`` to ``item``; a reply that cannot be read counts as wrong."""
    if item.type == "numeric":
        reading = read_number(reply, item.fractions)
        if reading.error:
            return Verdict(False, False)
        return Verdict(matches(reading, float(item.answer), tolerance_of(item)) is not None,
                       True)
    chosen = parse_choice(item, reply)
    if chosen is None:
        return Verdict(False, False)
    return Verdict(chosen == item.answer, True, chosen)


# --- the conversation ----------------------------------------------------------------------

def terminal_width(out: TextIO) -> int:
    """Columns to wrap at: the terminal's width, or 80 when the output is not a terminal."""
    if out is sys.stdout and out.isatty():
        return max(40, shutil.get_terminal_size().columns - 1)
    return DEFAULT_WIDTH


def wrap(text: str, width: int, indent: str = "") -> str:
    """Text wrapped at word boundaries (never inside a word), tables drawn as tables."""
    lines: list[str] = []
    table: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.lstrip().startswith("|"):
            table.append(line)
            continue
        if table:
            lines += [indent + row for row in draw_table(table)]
            table = []
        # A formula's spaces are no-break spaces while wrapping: it moves to the next line
        # whole (or sticks out, when longer than the line) but is never split.
        wrapped = textwrap.wrap(keep_formulas(line), width, initial_indent=indent,
                                subsequent_indent=indent, break_long_words=False,
                                break_on_hyphens=False)
        lines += [part.replace(NO_BREAK, " ") for part in wrapped] or [""]
    return "\n".join(lines[:-1])


def draw_table(lines: list[str]) -> list[str]:
    """A Markdown table as aligned columns with ruled borders, numbers right-aligned."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    rows = [row for row in rows if not all(re.fullmatch(r":?-+:?", c) for c in row)]
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(rows[0]))]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    drawn = [rule]
    for number, row in enumerate(rows):
        drawn.append("|" + "|".join(f" {cell:>{w}} " for cell, w in zip(row, widths,
                                                                         strict=False)) + "|")
        if number == 0 and len(lines) > 1:  # the header row
            drawn.append(rule)
    return [*drawn, rule]


def save_figure(item: Item, folder: Path) -> Path:
    """Write the item's figure as a PNG into ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / figure_names([item])[item.id]
    path.write_bytes(item.png())
    return path


def show_question(item: Item, number: int, total: int, out: TextIO,
                  figures: Path | None = None) -> None:
    """Print the question wrapped to the terminal, its figure's file and lettered choices."""
    width = terminal_width(out)
    print(f"\nQuestion {number}/{total} [{item.learning_outcome}, difficulty {item.difficulty}]",
          file=out)
    print(wrap(item.stem, width), file=out)
    if item.figure is not None:
        where = f"saved to {save_figure(item, figures)}" if figures is not None else \
            "see the HTML export"
        print(wrap(f"(figure: {item.figure_alt or 'a figure'}; {where})", width), file=out)
    for i, choice in enumerate(item.choices):
        print(wrap(f"{letter(i)}. {choice.text}", width, indent="  "), file=out)


def hint(item: Item) -> str:
    """What kind of reply the question expects."""
    if item.type == "numeric":
        return "a number"
    if item.type == "true_false":
        return "T or F"
    return "a letter " + "/".join(letter(i) for i in range(len(item.choices)))


def right_answer(item: Item) -> str:
    """The right answer; a number as stored ("2.0"), unlike ``answer_text`` ("2")."""
    if item.type == "numeric":
        tolerance = tolerance_of(item)
        return f"{item.answer}" + (f" (± {tolerance})" if tolerance else "")
    return answer_text(item)


def show_verdict(item: Item, verdict: Verdict, out: TextIO) -> None:
    """Right or wrong, the chosen choice's feedback, the right answer and the worked solution."""
    width = terminal_width(out)
    if not verdict.understood:
        print(f"could not read that as {hint(item)} again: counted as wrong", file=out)
    print(wrap("right!" if verdict.correct else f"wrong: the answer is {right_answer(item)}",
               width), file=out)
    if verdict.chosen is not None and not in_solution(item, item.choices[verdict.chosen]):
        print(wrap(f"feedback: {item.choices[verdict.chosen].feedback}", width), file=out)
    print(wrap(f"solution: {item.solution}", width), file=out)


def ask(item: Item, read: Callable[[str], str | None], out: TextIO) -> str | None:
    """The student's reply; one that cannot be read (an empty line, a typo) is asked again
    once, so a slip of the keyboard does not cost the question."""
    reply = read(f"your answer ({hint(item)}): ")
    if reply is None or reply.strip().lower() in QUIT or check(item, reply).understood:
        return reply
    print(f"could not read {reply.strip()!r} as {hint(item)}; once more", file=out)
    return read(f"your answer ({hint(item)}): ")


def make_reader(stdin: TextIO, stdout: TextIO) -> Callable[[str], str | None]:
    """A function that asks with a prompt and returns the reply line, or None at end of input.

    On a terminal it uses ``input`` (line editing); otherwise it reads a line from ``stdin``
    and echoes it, so that a scripted run reads like a conversation.
    """
    if stdin is sys.stdin and stdout is sys.stdout and stdin.isatty():
        def from_terminal(prompt: str) -> str | None:
            try:
                return input(prompt)
            except EOFError:
                return None
        return from_terminal

    def from_stream(prompt: str) -> str | None:
        line = stdin.readline()
        if not line:
            print(prompt, file=stdout)
            return None
        reply = line.rstrip("\r\n")
        print(prompt + reply, file=stdout)
        return reply
    return from_stream


def summary(session: Progress, progress: Progress) -> str:
    """Per outcome: right/asked in this session and over all sessions; then the score."""
    lines = ["", "summary", "outcome  this session  all sessions  smoothed rate"]
    for outcome in LEARNING_OUTCOMES:
        if outcome in session or outcome in progress:
            now = session.get(outcome, {"asked": 0, "correct": 0})
            ever = progress.get(outcome, {"asked": 0, "correct": 0})
            lines.append(f"{outcome:<8} {now['correct']:>5}/{now['asked']:<6} "
                         f"{ever['correct']:>6}/{ever['asked']:<6} "
                         f"{smoothed_rate(progress, outcome):>10.2f}")
    right = sum(entry["correct"] for entry in session.values())
    asked = sum(entry["asked"] for entry in session.values())
    lines.append(f"score: {right}/{asked}")
    return "\n".join(lines)


def run_drill(items: list[Item], progress_path: Path, n: int, seed: int = 0,
              stdin: TextIO | None = None, stdout: TextIO | None = None,
              prepare: Callable[[Item], Item] | None = None,
              figures: Path | None = None,
              recall: Callable[[str], Item | None] | None = None,
              use_input: bool = False) -> int:
    """Ask up to ``n`` questions from ``items``; save progress; return how many were right.

    ``prepare``, when given, is applied to each item just before it is asked (e.g. to render
    its figure only for the items actually asked). ``figures`` is the folder a question's
    figure is saved into (its path is printed), so it can be opened beside the terminal.
    ``recall`` makes a due question again from its id when ``items`` lack it. ``use_input``
    reads replies with ``input()`` (a Jupyter cell, see ``practise``).
    """
    if n < 1:
        raise ValueError(f"n: must be at least 1, got {n}")
    if not items:
        raise ValueError("items: the bank is empty")
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    progress, cards = load_state(progress_path)
    rng = random.Random(seed)
    pool: dict[str, list[Item]] = {}
    for item in items:
        pool.setdefault(item.learning_outcome, []).append(item)
    due = due_items(items, cards, recall)
    total = min(n, len(items) + len([item for item in due if item not in items]))
    read = _read_input if use_input else make_reader(stdin, stdout)
    session: Progress = {}
    noun = "question" if total == 1 else "questions"
    print(wrap(f"{total} {noun}; reply with q to stop. Progress: {progress_path}",
               terminal_width(stdout)), file=stdout)
    for number in range(1, total + 1):
        item = next_item(pool, progress, rng, due)
        if prepare is not None:
            item = prepare(item)
        show_question(item, number, total, stdout, figures)
        try:
            reply = ask(item, read, stdout)
        except KeyboardInterrupt:
            reply = None
        if reply is None or reply.strip().lower() in QUIT:
            break
        verdict = check(item, reply)
        show_verdict(item, verdict, stdout)
        record(progress, item.learning_outcome, verdict.correct)
        record(session, item.learning_outcome, verdict.correct)
        cards[item.id] = schedule.review(cards.get(item.id), verdict.correct, schedule.now())
        save_progress(progress_path, progress, cards)
    print(summary(session, progress), file=stdout)
    return sum(entry["correct"] for entry in session.values())


def _read_input(prompt: str) -> str | None:
    try:
        return builtins.input(prompt)
    except EOFError:
        return None


def practise(n: int = 5, outcome: str | None = None, seed: int | None = None,
             **options: Any) -> int:
    """The drill in a Jupyter cell (or any Python prompt): ``practise(n=5)``. Replies are
    read with ``input()``, which a notebook shows as a text box; progress is the drill's."""
    import argparse

    from question_bank.cli import _drill_items, default_figures, default_progress
    args = argparse.Namespace(bank=options.get("bank"), outcome=outcome, seed=seed)
    items, prepare, recall = _drill_items(args)
    return run_drill(items, options.get("progress") or default_progress(), n, seed=args.seed,
                     prepare=prepare, figures=options.get("figures") or default_figures(),
                     recall=recall, use_input=True)
