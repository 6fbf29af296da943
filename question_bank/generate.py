"""Seeded generation: the same template, difficulty and seed always give the same item.

An exam follows a blueprint, (learning outcome, difficulty) -> count: by default ``n`` items
in proportion to each outcome's templates with the levels mixed, or an instructor's TOML
file. Each cell takes its outcome's templates in turn, skips an item whose question the exam
(or a parallel form) already asks (``question_key``) and retires a template that keeps
repeating itself, so a small pool of text cannot stall the bank.
"""

from __future__ import annotations

import functools
import random
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from question_bank.model import LEARNING_OUTCOMES, Item
from question_bank.templates import TEMPLATES
from question_bank.templates.base import DIFFICULTIES

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
ID = re.compile(r"(\w+)-d(\d)-([sp])(-?\d+)")
# Templates whose pool at a level holds fewer than 40 distinct questions: asked at most once
# per form there (question_bank/coverage.py counts the pools; a test keeps this current).
SMALL: dict[str, tuple[int, ...]] = {
    "conv_facts": (1, 3), "translation": (2, 3), "image_facts": (1, 3), "why_deep": (1,),
    "avg_vs_max": (3,), "kernel_tradeoff": (2,), "kernel_facts": (1,)}
POOL_AT_LEAST = 40
RETIRE_AFTER = 60  # consecutive repeats before a template counts as exhausted
SEED_STEP = 1_000_003  # a prime: banks with different seeds draw from disjoint item seeds
# The practice bank the student release ships (drill and practice page); exams avoid it.
PRACTICE_SIZE, PRACTICE_SEED = 300, 2024


def make_item(template: str, seed: int, difficulty: int = 1, figures: bool = False,
              practice: bool = False) -> Item:
    """The item of ``template`` for this seed and difficulty; with its figure if asked.

    ``practice`` draws from the practice seed space (ids ``...-p<seed>``), which exams never
    use: the same seed gives another item there.
    """
    if template not in TEMPLATES:
        raise ValueError(f"template: unknown {template!r}; known: {sorted(TEMPLATES)}")
    maker = TEMPLATES[template]
    # A string seed is hashed the same way on every machine and Python run.
    space = "practice:" if practice else ""
    item = maker(random.Random(f"{space}{template}:{difficulty}:{seed}"), difficulty)
    item = replace(item, id=f"{template}-d{difficulty}-{'p' if practice else 's'}{seed}")
    return with_figure(item) if figures else item


def item_from_id(item_id: str, figures: bool = False) -> Item | None:
    """The item an id names ("conv_output-d2-s17", "...-p17"), made again; None when the id
    is not one of this generator's."""
    match = ID.fullmatch(item_id)
    if match is None or match.group(1) not in TEMPLATES:
        return None
    return make_item(match.group(1), int(match.group(4)), int(match.group(2)), figures,
                     practice=match.group(3) == "p")


def with_figure(item: Item) -> Item:
    """The item with its figure rendered (PNG), when its template draws one."""
    maker = TEMPLATES[item.template].figure
    if maker is None:
        return item
    png, alt = maker(item.params)
    return replace(item, figure=png, figure_alt=alt)


def question_key(item: Item) -> tuple:
    """Two items are the same question when they ask the same thing with the same right
    answer: the same template and text variant (or statement), the same numbers in the stem
    and the same numbers in the right answer. Drawn words (an organ, a modality), another
    wording of the right answer and another set of distractors do not make a new question."""
    text_variant = item.params.get("variant", item.params.get("statement"))
    if item.type == "multiple_choice":
        right = tuple(NUMBER.findall(item.choices[item.answer].text))
    else:
        right = item.answer
    return item.template, text_variant, tuple(NUMBER.findall(item.stem)), right


def _selected(outcomes: Iterable[str] | None) -> list[str]:
    if outcomes is None:
        return list(TEMPLATES)
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    unknown = [o for o in outcomes if o not in LEARNING_OUTCOMES]
    if unknown:
        raise ValueError(f"outcomes: unknown {unknown}; known: {list(LEARNING_OUTCOMES)}")
    return [name for name, t in TEMPLATES.items() if t.learning_outcome in outcomes]


def _difficulties(difficulty: int | Iterable[int] | None) -> list[int]:
    if difficulty is None:
        return list(DIFFICULTIES)
    levels = [difficulty] if isinstance(difficulty, int) else list(difficulty)
    bad = [d for d in levels if d not in DIFFICULTIES]
    if bad or not levels:
        raise ValueError(f"difficulty: must be among {DIFFICULTIES}, got {difficulty!r}")
    return levels


Blueprint = dict[tuple[str, int], int]  # (learning outcome, difficulty) -> item count


def default_blueprint(n: int, outcomes: Iterable[str] | None = None,
                      difficulty: int | Iterable[int] | None = None) -> Blueprint:
    """``n`` items over the outcomes in proportion to their templates (largest remainder),
    at least one per outcome when ``n`` allows, and the levels taken in turn over the exam
    so that difficulties mix within every outcome."""
    names, levels = _selected(outcomes), _difficulties(difficulty)
    weights = Counter(TEMPLATES[name].learning_outcome for name in names)
    chosen = [o for o in LEARNING_OUTCOMES if o in weights]
    floor = 1 if n >= len(chosen) else 0
    spare = n - floor * len(chosen)
    total = sum(weights.values())
    shares = {o: spare * weights[o] / total for o in chosen}
    counts = {o: floor + int(shares[o]) for o in chosen}
    by_remainder = sorted(chosen, key=lambda o: (-(shares[o] - int(shares[o])),
                                                 chosen.index(o)))
    for o in by_remainder[:n - sum(counts.values())]:
        counts[o] += 1
    plan: Blueprint = {}
    turn = 0
    for o in chosen:
        for _ in range(counts[o]):
            key = (o, levels[turn % len(levels)])
            plan[key] = plan.get(key, 0) + 1
            turn += 1
    return plan


def read_blueprint(path: Path) -> Blueprint:
    """A blueprint from TOML: one table per outcome, difficulty -> count, e.g.

    ``[LO1]`` then ``1 = 2`` and ``3 = 1``: two easy and one hard LO1 item.
    """
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"blueprint {path}: cannot read it: {error}") from None
    plan: Blueprint = {}
    for outcome, levels in data.items():
        if outcome not in LEARNING_OUTCOMES or not isinstance(levels, dict):
            raise ValueError(f"blueprint {path}: [{outcome}] must be a table named after a "
                             f"learning outcome ({', '.join(LEARNING_OUTCOMES)})")
        for level, count in levels.items():
            if level not in {str(d) for d in DIFFICULTIES}:
                raise ValueError(f"blueprint {path}: [{outcome}] {level}: the difficulty must "
                                 f"be one of {DIFFICULTIES}")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"blueprint {path}: [{outcome}] {level} = {count!r}: the "
                                 f"count must be a whole number >= 0")
            if count:
                plan[(outcome, int(level))] = count
    if not plan:
        raise ValueError(f"blueprint {path}: asks for no items")
    return plan


class _Drawer:
    """Draws distinct items cell by cell; one drawer for all forms of an exam, so that
    parallel forms share no question. ``avoid`` holds questions never to ask (the students'
    practice bank); ``avoided`` counts the draws skipped for it."""

    def __init__(self, seed: int, practice: bool = False,
                 avoid: frozenset[tuple] = frozenset(), small_once: bool = True) -> None:
        self.seed, self.practice, self.avoid = seed, practice, avoid
        self.small_once = small_once
        self.tries: Counter[str] = Counter()  # items drawn per template: its next item seed
        self.seen: set[tuple] = set()
        self.avoided = 0

    def draw(self, name: str, level: int) -> Item | None:
        """The template's next item, or None when it asks a question already seen."""
        item = make_item(name, self.seed * SEED_STEP + self.tries[name], level,
                         practice=self.practice)
        self.tries[name] += 1
        key = question_key(item)
        if key in self.avoid:
            self.avoided += 1
            return None
        if key in self.seen:
            return None
        self.seen.add(key)
        return item

    def cell(self, outcome: str, level: int, count: int, names: list[str],
             used: Counter[tuple[str, int]]) -> list[Item]:
        """``count`` new items of ``outcome`` at ``level``, its templates taken in turn; a
        small template (``SMALL``) at most once per form (``used`` counts per form)."""
        pool = [name for name in names if TEMPLATES[name].learning_outcome == outcome]
        repeats = dict.fromkeys(pool, 0)  # consecutive repeats per template
        items: list[Item] = []
        turn = self.seed + sum(self.tries[name] for name in pool)  # vary the first template
        while len(items) < count:
            active = [name for name in pool if repeats[name] < RETIRE_AFTER and not (
                self.small_once and level in SMALL.get(name, ()) and used[name, level])]
            if not active:
                raise ValueError(f"n: the templates of {outcome} at difficulty {level} make "
                                 f"only {len(items)} more distinct items, not {count}")
            name = active[turn % len(active)]
            turn += 1
            item = self.draw(name, level)
            if item is None:
                repeats[name] += 1
                continue
            repeats[name] = 0
            used[name, level] += 1
            items.append(item)
        return items

    def exam(self, plan: Blueprint, names: list[str]) -> list[Item]:
        """The items of one form, in outcome order, levels mixed within each outcome."""
        used: Counter[tuple[str, int]] = Counter()
        cells = {key: iter(self.cell(*key, count, names, used)) for key, count in plan.items()}
        items = []
        for outcome in LEARNING_OUTCOMES:
            mine = [key for key in plan if key[0] == outcome]
            while mine:  # interleave the levels of one outcome
                for key in list(mine):
                    item = next(cells[key], None)
                    if item is None:
                        mine.remove(key)
                    else:
                        items.append(item)
        return items

    def parallel(self, form: list[Item]) -> list[Item]:
        """Another form with, at every position, a new question of the same template and
        level: the same mix of templates, types and guessing floors."""
        items = []
        for position, model in enumerate(form, 1):
            for _ in range(RETIRE_AFTER):
                item = self.draw(model.template, model.difficulty)
                if item is not None:
                    items.append(item)
                    break
            else:
                raise ValueError(f"forms: {model.template} at difficulty {model.difficulty} "
                                 f"has no new question for position {position} of another "
                                 f"form; ask for fewer forms or items")
        return items


@functools.cache
def practice_keys() -> frozenset[tuple]:
    """The questions of the practice bank the student release ships (exams avoid them)."""
    return frozenset(question_key(item) for item in
                     build_bank(PRACTICE_SIZE, PRACTICE_SEED, figures=False, practice=True))


def build_forms(forms: int, n: int | None = None, seed: int = 0,
                outcomes: Iterable[str] | None = None,
                difficulty: int | Iterable[int] | None = None,
                blueprint: Blueprint | None = None, figures: bool = True,
                practice: bool = False, avoid_practice: bool = False,
                small_once: bool = True) -> list[list[Item]]:
    """``forms`` parallel exams: the same blueprint, no question shared between them, the
    same template at every position.

    Args:
        forms: how many forms, at least 1.
        n: items per form (spread by ``default_blueprint``); None with a ``blueprint``.
        seed: the exam's seed; item seeds are derived from it, so the same call gives the
            same forms.
        outcomes: learning outcomes to keep (e.g. ``["LO1", "LO4"]``), None for all.
        difficulty: a level 1..3 or several; None mixes all three.
        blueprint: (outcome, difficulty) -> count, e.g. from ``read_blueprint``.
        figures: render figures (slow); False for quick banks and tests.
        practice: draw from the practice seed space (a practice bank, not an exam).
        avoid_practice: never ask a question of the shipped practice bank (``bank build``
            does this for exams).
        small_once: ask a small template (``SMALL``) at most once per form and level, as an
            exam should; False for a large pool of questions (an LMS question bank).

    Raises:
        ValueError: bad arguments, or the templates cannot make that many distinct items.
    """
    return _build(forms, n, seed, outcomes, difficulty, blueprint, figures, practice,
                  avoid_practice, small_once)[0]


def _build(forms: int, n: int | None, seed: int, outcomes: Iterable[str] | None,
           difficulty: int | Iterable[int] | None, blueprint: Blueprint | None,
           figures: bool, practice: bool, avoid_practice: bool,
           small_once: bool = True) -> tuple[list[list[Item]], int]:
    """The forms and how many draws were skipped because the practice bank asks them."""
    if isinstance(forms, bool) or not isinstance(forms, int) or forms < 1:
        raise ValueError(f"forms: must be a whole number of at least 1, got {forms!r}")
    if blueprint is None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n: must be a whole number of at least 1, got {n!r}")
        blueprint = default_blueprint(n, outcomes, difficulty)
    elif n is not None and n != sum(blueprint.values()):
        raise ValueError(f"n: {n} differs from the blueprint's {sum(blueprint.values())} items")
    names = _selected(outcomes)
    drawer = _Drawer(seed, practice, practice_keys() if avoid_practice else frozenset(),
                     small_once)
    first = drawer.exam(blueprint, names)
    exams = [first] + [drawer.parallel(first) for _ in range(forms - 1)]
    if figures:
        exams = [[with_figure(item) for item in exam] for exam in exams]
    return exams, drawer.avoided


def build_exam_forms(forms: int, n: int | None = None, seed: int = 0, **options: Any
                     ) -> tuple[list[list[Item]], int]:
    """``build_forms`` for an exam: the shipped practice bank's questions are skipped;
    returns the forms and how many drawn items were skipped for meeting it."""
    return _build(forms, n, seed, options.get("outcomes"), options.get("difficulty"),
                  options.get("blueprint"), options.get("figures", True), False, True)


def build_bank(n: int | None = None, seed: int = 0, outcomes: Iterable[str] | None = None,
               difficulty: int | Iterable[int] | None = None, figures: bool = True,
               blueprint: Blueprint | None = None, practice: bool = False,
               small_once: bool = True) -> list[Item]:
    """``n`` distinct items (or a ``blueprint``'s): one form of ``build_forms``."""
    return build_forms(1, n, seed, outcomes, difficulty, blueprint, figures, practice,
                       small_once=small_once)[0]
