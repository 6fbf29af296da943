"""Exam blueprints, parallel forms and deep pools: what an instructor builds an exam from.

Counts are checked against the blueprint or worked out by hand here, never read back from
the code that makes them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from bank_fixtures import distinct

from question_bank.generate import (
    POOL_AT_LEAST,
    SMALL,
    build_bank,
    build_forms,
    default_blueprint,
    make_item,
    question_key,
    read_blueprint,
)
from question_bank.model import LEARNING_OUTCOMES
from question_bank.templates import TEMPLATES

LEVELS = (1, 2, 3)
OUTCOMES = list(LEARNING_OUTCOMES)
# Templates per outcome (docs/question_bank.md): LO1 6, LO2 7, LO3 9, LO4 8, LO5 5; 35 in all.
TEMPLATE_COUNTS = {"LO1": 6, "LO2": 7, "LO3": 9, "LO4": 8, "LO5": 5}


def _per_outcome(items) -> Counter:
    return Counter(item.learning_outcome for item in items)


def test_the_template_counts_per_outcome_are_those_of_the_docs():
    assert Counter(t.learning_outcome for t in TEMPLATES.values()) == TEMPLATE_COUNTS


@pytest.mark.parametrize("n", [5, 7, 10, 20, 31, 50])
def test_every_outcome_gets_items_from_five_on(n):
    counts = _per_outcome(build_bank(n, seed=1, figures=False))
    assert set(counts) == set(OUTCOMES) and sum(counts.values()) == n


@pytest.mark.parametrize("n, expected", [
    # one each, then the rest by largest remainder of (n - 5) * templates / 35
    # 15*k/35 = 2.57, 3.0, 3.86, 3.43, 2.14: floors 2, 3, 3, 3, 2, the 2 left to LO3 and LO1
    (20, {"LO1": 4, "LO2": 4, "LO3": 5, "LO4": 4, "LO5": 3}),
    # 31*k/35 = 5.31, 6.2, 7.97, 7.09, 4.43: floors 5, 6, 7, 7, 4, the 2 left to LO3 and LO5
    (36, {"LO1": 6, "LO2": 7, "LO3": 9, "LO4": 8, "LO5": 6}),
])
def test_items_are_spread_in_proportion_to_each_outcomes_templates(n, expected):
    assert _per_outcome(build_bank(n, seed=2, figures=False)) == expected


def test_fewer_items_than_outcomes_still_differ_in_outcome():
    assert len(_per_outcome(build_bank(3, seed=0, figures=False))) == 3


@pytest.mark.parametrize("n", [10, 20, 50])
def test_difficulties_are_mixed_in_the_exam_and_within_each_outcome(n):
    items = build_bank(n, seed=3, figures=False)
    levels = Counter(item.difficulty for item in items)
    assert set(levels) == set(LEVELS) and max(levels.values()) - min(levels.values()) <= 1
    if n >= 15:
        for outcome in OUTCOMES:
            assert len({i.difficulty for i in items if i.learning_outcome == outcome}) == 3


def test_a_one_level_exam_keeps_that_level():
    assert {item.difficulty for item in build_bank(12, seed=4, difficulty=2,
                                                   figures=False)} == {2}


def test_blueprint_file_gives_exactly_its_counts(tmp_path):
    path = tmp_path / "exam.toml"
    path.write_text("[LO1]\n1 = 2\n3 = 1\n\n[LO4]\n2 = 3\n\n[LO5]\n3 = 0\n")
    plan = read_blueprint(path)
    assert plan == {("LO1", 1): 2, ("LO1", 3): 1, ("LO4", 2): 3}
    items = build_bank(seed=5, blueprint=plan, figures=False)
    assert Counter((i.learning_outcome, i.difficulty) for i in items) == plan


@pytest.mark.parametrize("text, word", [
    ("[LO9]\n1 = 2\n", "LO9"), ("[LO1]\n4 = 2\n", "difficulty"), ("[LO1]\n1 = -1\n", "count"),
    ("[LO1]\n1 = 'two'\n", "count"), ("LO1 = 3\n", "table"), ("[LO1\n", "cannot read"),
    ("[LO1]\n1 = 0\n", "no items"),
])
def test_bad_blueprint_file_is_a_clear_error(tmp_path, text, word):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=word):
        read_blueprint(path)


def test_a_blueprint_cell_no_chosen_template_can_fill_is_a_clear_error():
    with pytest.raises(ValueError, match=r"LO5 at difficulty 1 make only 0"):
        build_bank(blueprint={("LO5", 1): 2}, outcomes=["LO1"], figures=False)


def test_n_and_a_blueprint_of_another_size_disagree():
    with pytest.raises(ValueError, match="n: 4 differs"):
        build_bank(4, blueprint={("LO1", 1): 3}, figures=False)


def test_parallel_forms_follow_one_blueprint_and_share_no_question():
    first, second = build_forms(2, 30, seed=6, figures=False)
    cells = [Counter((i.learning_outcome, i.difficulty) for i in form) for form in (first,
                                                                                  second)]
    assert cells[0] == cells[1] and sum(cells[0].values()) == 30
    assert not {question_key(i) for i in first} & {question_key(i) for i in second}
    assert cells[0] == Counter(default_blueprint(30))


def _guessing_floor(form) -> float:
    """Expected score of a blind guess on every item (numeric items: 0)."""
    return sum(1 / len(item.choices) for item in form if item.choices)


def test_parallel_forms_have_the_same_template_at_every_position():
    first, second = build_forms(2, 40, seed=8, figures=False)
    assert [(i.template, i.difficulty) for i in first] == \
        [(i.template, i.difficulty) for i in second]


def test_parallel_forms_have_as_many_numeric_items_and_equal_guessing_floors():
    first, second = build_forms(2, 40, seed=9, figures=False)
    assert sum(i.type == "numeric" for i in first) == sum(i.type == "numeric" for i in second)
    assert _guessing_floor(first) == _guessing_floor(second)


def test_forms_reject_a_bad_count():
    with pytest.raises(ValueError, match="forms"):
        build_forms(0, 5, figures=False)


# ---- deep pools ------------------------------------------------------------------------------

POOL_SEEDS = 1000
UNDERSTANDING = [n for n, t in TEMPLATES.items() if t.type != "numeric"]


def _pool(name: str, level: int) -> int:
    """Distinct questions of a template at a level over 1000 seeds (300 for numeric ones,
    whose numbers are drawn from wide ranges), up to ``POOL_AT_LEAST``."""
    seeds = POOL_SEEDS if name in UNDERSTANDING else 300
    return distinct((question_key(make_item(name, seed, level)) for seed in range(seeds)),
                     POOL_AT_LEAST)


@pytest.mark.parametrize("name", list(TEMPLATES))
@pytest.mark.parametrize("level", LEVELS)
def test_a_pool_of_fewer_than_40_questions_is_marked_small(name, level):
    pool = _pool(name, level)
    assert (pool < POOL_AT_LEAST) == (level in SMALL.get(name, ())), pool


def test_a_small_template_is_asked_at_most_once_per_level_in_an_exam():
    for seed in range(3):
        exam = build_bank(60, seed=seed, figures=False)
        asked = Counter((item.template, item.difficulty) for item in exam
                        if item.difficulty in SMALL.get(item.template, ()))
        assert asked and max(asked.values()) == 1, asked


def test_another_wording_of_the_right_answer_is_the_same_question():
    """Near-duplicates count as repeats: the right answer reworded, other distractors."""
    item = make_item("kernel_tradeoff", 3, 1)
    right = item.choices[item.answer]
    reworded = replace(item, choices=tuple(
        replace(choice, text="In other words: " + choice.text) if choice is right else choice
        for choice in item.choices))
    assert question_key(reworded) == question_key(item)


def test_a_200_item_bank_asks_no_question_twice():
    """The issue's case: --n 200 --seed 777001 asked one question twice (items 129, 150)."""
    bank = build_bank(200, seed=777001, figures=False)
    assert len({question_key(item) for item in bank}) == 200


@pytest.mark.parametrize("name", [n for n, t in TEMPLATES.items()
                                  if t.type == "multiple_choice"])
def test_distinct_questions_differ_in_their_right_answer_not_only_in_words(name):
    """Per level, at least 20 different right answers: an organ name alone is no new one."""
    for level in LEVELS:
        items = (make_item(name, seed, level) for seed in range(POOL_SEEDS // 2))
        answers = distinct((item.choices[item.answer].text for item in items), 20)
        assert answers == 20, (level, answers)


def test_question_key_ignores_drawn_words_and_distractors():
    item = make_item("translation", 0, 2)
    renamed = item.__class__(**{**item.__dict__, "stem": item.stem.replace("slice", "scan"),
                                "choices": item.choices[::-1],
                                "answer": len(item.choices) - 1 - item.answer})
    assert question_key(renamed) == question_key(item)
    other = item.__class__(**{**item.__dict__, "stem": item.stem + " 99"})
    assert question_key(other) != question_key(item)


# ---- exams and the students' practice bank ----------------------------------------------------

def test_the_exam_of_the_released_seed_is_not_the_practice_bank():
    """Issue 19: `bank build --n 60 --seed 2024` gave the released practice bank."""
    from question_bank.generate import PRACTICE_SEED, PRACTICE_SIZE, build_exam_forms
    practice = build_bank(PRACTICE_SIZE, PRACTICE_SEED, figures=False, practice=True)
    [exam], _replaced = build_exam_forms(1, 60, PRACTICE_SEED, figures=False)
    assert not {i.id for i in exam} & {i.id for i in practice}
    assert not {question_key(i) for i in exam} & {question_key(i) for i in practice}


def test_practice_items_come_from_their_own_seeds():
    exam, practice = make_item("conv_output", 5, 2), make_item("conv_output", 5, 2,
                                                               practice=True)
    assert practice.id == "conv_output-d2-p5" and exam.id == "conv_output-d2-s5"
    assert practice.stem != exam.stem
