"""The stress report and the coverage tables in docs/question_bank.md."""

from __future__ import annotations

import pytest

from question_bank import coverage, stress
from question_bank.model import LEARNING_OUTCOMES, TYPES
from question_bank.templates import TEMPLATES
from question_bank.templates.base import Template

N_SEEDS = 60


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return stress.stress_report(n_seeds=N_SEEDS)


def test_report_has_one_row_per_template_in_lecture_order(rows):
    assert [row["template"] for row in rows] == list(TEMPLATES)


def test_report_rows_have_every_column(rows):
    for row in rows:
        assert set(row) == set(stress.COLUMNS)


def test_no_template_raises(rows):
    assert [row["errors"] for row in rows if row["errors"]] == []


def test_every_seed_makes_an_item(rows):
    for row in rows:
        assert row["items"] == N_SEEDS


def test_answer_positions_cover_every_choice_item(rows):
    for row in rows:
        expected = 0 if row["type"] == "numeric" else N_SEEDS
        assert sum(row["answer_positions"].values()) == expected


def test_multiple_choice_answers_land_in_all_four_positions(rows):
    for row in rows:
        if row["type"] == "multiple_choice":
            assert set(row["answer_positions"]) == {0, 1, 2, 3}, row


def test_errors_are_recorded_with_their_seed(monkeypatch):
    good = TEMPLATES["conv_output"]

    def flaky(rng, difficulty):
        if rng.random() < 0.3:
            raise RuntimeError("boom")
        return good.body(rng, difficulty)
    broken = Template("flaky", "LO1", "numeric", "raises now and then", flaky)
    monkeypatch.setattr(stress, "TEMPLATES", {"flaky": broken})
    monkeypatch.setattr("question_bank.generate.TEMPLATES", {"flaky": broken})
    [row] = stress.stress_report(n_seeds=40)
    assert row["errors"] and row["items"] + len(row["errors"]) == 40
    assert all("boom" in error["error"] and 0 <= error["seed"] < 40 for error in row["errors"])


def test_duplicates_are_counted(monkeypatch):
    from question_bank.templates.concepts import Fact, Statements
    facts = tuple(Fact(level, f"statement {level} {truth}", truth, "because")
                  for level in (1, 2, 3) for truth in (True, False))
    fixed = Template("tiny_facts", "LO1", "true_false", "six statements", Statements(facts))
    monkeypatch.setattr(stress, "TEMPLATES", {"tiny_facts": fixed})
    monkeypatch.setattr("question_bank.generate.TEMPLATES", {"tiny_facts": fixed})
    [row] = stress.stress_report(n_seeds=40)  # 6 statements: 40 seeds must repeat some
    assert row["duplicates"] >= 34


def test_report_rejects_a_bad_seed_count():
    with pytest.raises(ValueError, match="n_seeds"):
        stress.stress_report(n_seeds=0)


def test_formatted_report_names_every_template(rows):
    text = stress.format_report(rows)
    lines = text.splitlines()
    assert lines[0].split() == list(stress.COLUMNS)
    assert len(lines) == 2 + len(rows)
    assert all(name in text for name in TEMPLATES)


# ---- coverage ----------------------------------------------------------------------------

def _table_rows(markdown: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in markdown.splitlines()[2:]]


# Counted by hand from question_bank/templates/__init__.py: numeric, multiple_choice,
# true_false, total.
EXPECTED_COVERAGE = {"LO1": [3, 2, 1, 6], "LO2": [2, 4, 1, 7], "LO3": [5, 3, 1, 9],
                     "LO4": [5, 2, 1, 8], "LO5": [3, 1, 1, 5], "all": [18, 12, 5, 35]}


def test_coverage_counts_templates_per_outcome_and_type():
    assert TYPES == ("numeric", "multiple_choice", "true_false")
    rows = {row[0]: [int(cell) for cell in row[2:]]
            for row in _table_rows(coverage.coverage_table())}
    assert rows == EXPECTED_COVERAGE


def test_coverage_shows_at_least_four_templates_per_outcome():
    rows = _table_rows(coverage.coverage_table())
    assert all(int(row[-1]) >= 4 for row in rows if row[0] in LEARNING_OUTCOMES)


def test_docs_coverage_table_is_current():
    text = coverage.DOCS.read_text()
    assert coverage.between_markers(text, "coverage") == coverage.coverage_table()


def test_docs_template_list_is_current():
    text = coverage.DOCS.read_text()
    assert coverage.between_markers(text, "templates") == coverage.template_table()


def test_update_docs_rewrites_stale_tables(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# bank\n\n<!-- coverage:start -->\n\nold\n\n<!-- coverage:end -->\n\n"
                    "<!-- templates:start -->\n\nold\n\n<!-- templates:end -->\n"
                    "<!-- pools:start -->\n\nold\n\n<!-- pools:end -->\n")
    coverage.update_docs(page, seeds=2)
    text = page.read_text()
    assert coverage.between_markers(text, "coverage") == coverage.coverage_table()
    assert coverage.between_markers(text, "templates") == coverage.template_table()
    pools = coverage.between_markers(text, "pools").splitlines()
    assert len(pools) == 2 + len(coverage.TEMPLATES)  # header, rule, one row per template
    assert all(row.split(" | ")[2:5] == ["2", "2", "2"] for row in pools[2:]
               if "numeric" in row)  # two seeds: two distinct computing questions
