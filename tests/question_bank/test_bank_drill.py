"""The terminal drill, scripted: replies come from a StringIO, progress goes to a temp file."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from bank_fixtures import multiple_choice, numeric_float, numeric_int, true_false

from question_bank import schedule
from question_bank.drill import load_progress, migrate_progress, run_drill, weakest_outcome


def drill(items, replies: str, progress, n: int = 1, seed: int = 0,
          figures=None) -> tuple[int, str]:
    """Run the drill on ``items`` with the scripted ``replies``; (score, transcript)."""
    stdout = io.StringIO()
    score = run_drill(items, progress, n, seed=seed, stdin=io.StringIO(replies), stdout=stdout,
                      figures=figures)
    return score, stdout.getvalue()


@pytest.fixture
def progress(tmp_path):
    return tmp_path / "progress.json"


def test_right_number_scores_one(progress):
    assert drill([numeric_int()], "5\n", progress)[0] == 1


def test_wrong_number_scores_zero_and_shows_the_answer(progress):
    score, transcript = drill([numeric_int()], "6\n", progress)
    assert score == 0 and "the answer is 5" in transcript


def test_number_within_tolerance_is_right(progress):
    assert drill([numeric_float()], "0.6229\n", progress)[0] == 1  # 0.62246 +- 0.001


def test_number_outside_tolerance_is_wrong(progress):
    assert drill([numeric_float()], "0.624\n", progress)[0] == 0


def test_decimal_comma_is_read(progress):
    assert drill([numeric_float()], "0,6225\n", progress)[0] == 1


def test_unreadable_reply_is_wrong_and_says_so(progress):
    score, transcript = drill([numeric_int()], "five\n", progress)
    assert score == 0 and "could not read" in transcript


def test_right_letter_scores_one(progress):
    assert drill([multiple_choice()], "b\n", progress)[0] == 1


def test_wrong_letter_shows_that_choice_feedback(progress):
    score, transcript = drill([multiple_choice()], "A\n", progress)
    assert score == 0 and "Forgot the bias." in transcript


@pytest.mark.parametrize("reply", ["F", "false", "f"])
def test_true_false_accepts_f_and_false(progress, reply):
    assert drill([true_false()], f"{reply}\n", progress)[0] == 1


def test_true_false_wrong_side_is_wrong(progress):
    assert drill([true_false()], "T\n", progress)[0] == 0


def test_worked_solution_is_shown(progress):
    assert "(7 - 3) / 1 + 1 = 5" in drill([numeric_int()], "5\n", progress)[1]


def test_progress_file_counts_asked_and_correct_per_outcome(progress):
    drill([numeric_int(), numeric_float()], "5\n0\n", progress, n=2)
    assert load_progress(progress) == {"LO1": {"asked": 1, "correct": 1},
                                       "LO3": {"asked": 1, "correct": 0}}


def test_progress_adds_up_over_sessions(progress):
    drill([numeric_int()], "5\n", progress)
    drill([numeric_int()], "4\n", progress)
    assert load_progress(progress) == {"LO1": {"asked": 2, "correct": 1}}


def test_unseen_outcomes_come_in_lecture_order(progress):
    assert first_outcome_asked([numeric_float(), true_false(), numeric_int()], progress) == "LO1"


def test_q_quits_and_keeps_the_answers_given(progress):
    transcript = drill([numeric_int(), numeric_float()], "5\nq\n", progress, n=2)[1]
    assert sum(r["asked"] for r in load_progress(progress).values()) == 1
    assert "score: 1/1" in transcript


def test_end_of_input_ends_cleanly_with_a_summary(progress):
    score, transcript = drill([numeric_int(), numeric_float()], "", progress, n=2)
    assert score == 0 and "score: 0/0" in transcript and not progress.exists()


def test_summary_lists_each_outcome_asked(progress):
    transcript = drill([numeric_int(), true_false()], "5\nF\n", progress, n=2)[1]
    summary = transcript.split("summary", 1)[1]
    assert "LO1" in summary and "LO4" in summary


def first_outcome_asked(items, progress, seed=0) -> str:
    """The learning outcome of the first question the drill asks."""
    transcript = drill(items, "q\n", progress, seed=seed)[1]
    return transcript.split("[", 1)[1].split(",", 1)[0]


def test_weakest_outcome_is_asked_first(progress):
    progress.write_text(json.dumps({"LO1": {"asked": 10, "correct": 9},
                                    "LO3": {"asked": 10, "correct": 2}}))
    items = [numeric_int(), numeric_float()]  # LO1, LO3
    assert {first_outcome_asked(items, progress, seed) for seed in range(10)} == {"LO3"}


def test_unseen_outcome_is_asked_before_a_weak_one(progress):
    progress.write_text(json.dumps({"LO1": {"asked": 10, "correct": 0}}))
    items = [numeric_int(), numeric_float()]  # LO1 (weak), LO3 (never asked)
    assert {first_outcome_asked(items, progress, seed) for seed in range(10)} == {"LO3"}


def test_one_lucky_answer_counts_as_weaker_than_a_long_good_record():
    progress = {"LO1": {"asked": 1, "correct": 1}, "LO2": {"asked": 10, "correct": 9}}
    assert weakest_outcome(progress, ["LO1", "LO2"]) == "LO1"


def test_no_question_is_asked_twice_in_a_session(progress):
    transcript = drill([numeric_int(), numeric_float()], "1\n1\n1\n", progress, n=3)[1]
    assert transcript.count("Question ") == 2


def test_corrupt_progress_file_is_a_clear_error(progress):
    progress.write_text("{not json")
    with pytest.raises(ValueError, match="progress file"):
        drill([numeric_int()], "5\n", progress)


@pytest.mark.parametrize("slip", ["five", "", "bb"])
def test_an_unreadable_reply_is_asked_again_once(progress, slip):
    score, transcript = drill([numeric_int()] if slip != "bb" else [multiple_choice()],
                              f"{slip}\n{'5' if slip != 'bb' else 'b'}\n", progress)
    assert score == 1 and "once more" in transcript


def test_two_unreadable_replies_count_as_wrong(progress):
    score, transcript = drill([numeric_int()], "five\nsix\n", progress)
    assert score == 0 and "counted as wrong" in transcript
    assert load_progress(progress) == {"LO1": {"asked": 1, "correct": 0}}


LONG = ("A convolutional layer with thirty-two kernels of three by three pixels reads the "
        "output of a pooling layer, and every one of its kernels spans all sixty-four "
        "channels of that output. How many trainable parameters does this layer have?")


def test_text_is_wrapped_at_word_boundaries(progress):
    transcript = drill([replace(numeric_int(), stem=LONG)], "5\n", progress)[1]
    # only a single word longer than the line (a long file path) may stick out
    assert all(len(line) <= 80 or " " not in line for line in transcript.splitlines())
    question = transcript[transcript.index("A convolutional"):transcript.index("?") + 1]
    assert question.split() == LONG.split()  # no word was split or lost
    assert question != LONG  # it was wrapped


def test_a_table_in_the_stem_is_drawn_as_ruled_columns(progress):
    stem = "What is the value?\n\n| | c1 | c2 |\n|---|---|---|\n| r1 | 1 | 22 |\n| r2 | 333 | 4 |"
    transcript = drill([replace(numeric_int(), stem=stem)], "5\n", progress)[1]
    table = [line for line in transcript.splitlines() if line[:1] in ("+", "|")]
    assert len(table) == 6  # top rule, header, rule, two rows, bottom rule
    assert len({len(line) for line in table}) == 1  # aligned columns
    assert "|---" not in transcript  # the Markdown delimiter row is gone
    assert re.search(r"\| +r2 \| +333 \| +4 \|", transcript)


def test_the_figure_is_saved_and_its_path_printed(progress, tmp_path):
    transcript = drill([numeric_int()], "5\n", progress, figures=tmp_path / "figures")[1]
    path = re.search(r"saved to\s+(\S+\.png)", transcript).group(1)
    with open(path, "rb") as saved:
        assert saved.read() == numeric_int().figure


# --- issue 23: the drill reads what the practice page reads; formulas stay whole -----------

def _big() -> object:
    return replace(numeric_int(), answer=323208, stem="How many weights?")


@pytest.mark.parametrize("reply", ["323208", "323,208", "323.208", "323 208", "323\u2009208"])
def test_thousands_separators_are_read(progress, reply):
    assert drill([_big()], f"{reply}\n", progress)[0] == 1


def test_a_decimal_comma_answer_of_three_decimals_is_still_right(progress):
    item = replace(numeric_float(), answer=1.125, tolerance=0.0)
    assert drill([item], "1,125\n", progress)[0] == 1


def test_a_fraction_is_read_where_the_item_takes_one(progress):
    item = replace(numeric_float(), answer=0.75, tolerance=0.01, fractions=True)
    assert drill([item], "3/4\n", progress)[0] == 1


def test_a_fraction_is_refused_where_the_item_takes_none(progress):
    score, transcript = drill([numeric_int()], "10/2\n5\n", progress)
    assert score == 1 and "once more" in transcript


def test_the_drill_reads_the_shared_table_of_inputs():
    from question_bank.numbers import read_number
    cases = json.loads((Path(__file__).with_name("bank_number_inputs.json")).read_text())
    for case in cases["cases"]:
        reading = read_number(case["input"], case.get("fractions", False))
        if case.get("error"):
            assert reading.error, case
        else:
            assert list(reading.values) == case["values"], case


FORMULA = "floor((n + 2p - k) / s) + 1"


def test_wrapping_never_splits_a_formula(progress):
    stem = ("The output width of a convolution layer with padding p and stride s follows "
            f"from the rule n_out = {FORMULA}, for every layer of the network. What is it?")
    transcript = drill([replace(numeric_int(), stem=stem)], "5\n", progress)[1]
    assert any(FORMULA in line for line in transcript.splitlines())


# --- the state file: FSRS cards, the old dotfile moved once ---------------------------------

def test_a_missed_question_is_asked_first_next_time(progress, monkeypatch):
    items = [numeric_int(), numeric_float()]
    drill(items, "6\n", progress, seed=1)  # wrong: LO1 first (lecture order)
    later = schedule.now() + timedelta(minutes=2)
    monkeypatch.setattr(schedule, "now", lambda: later)
    # Without the card LO3 would come first: never asked beats a weak outcome.
    assert first_outcome_asked(items, progress, seed=1) == "LO1"  # due again


def test_the_old_progress_file_is_moved_once(tmp_path):
    old, new = tmp_path / ".cnnlab_drill.json", tmp_path / "state" / "drill.json"
    old.write_text(json.dumps({"LO2": {"asked": 3, "correct": 2}}))
    assert migrate_progress(old, new) and not old.exists()
    assert load_progress(new) == {"LO2": {"asked": 3, "correct": 2}}
    old.write_text(json.dumps({"LO2": {"asked": 9, "correct": 9}}))
    assert not migrate_progress(old, new)  # once only: the new file wins
