"""Mutation testing of the hidden suite (benchmarks/mutation.py), the quick part CI runs: a
fixed sample of cosmic-ray mutants of solutions/ must each lose points on the function they
are in, and an unmutated copy must keep every point (the harness can tell the two apart).
The second engine's (our AST operators) sample, drawn with a fixed seed, must be killed too,
but for the mutants docs/mutation.md argues are equivalent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from autograder import engine

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("mutation", ROOT / "benchmarks" / "mutation.py")
mutation = importlib.util.module_from_spec(_spec)
sys.modules["mutation"] = mutation
_spec.loader.exec_module(mutation)

CONFIG = mutation.load_config()
MUTATIONS = {m.id: m for m in mutation.all_mutations(CONFIG)}
SAMPLE = [MUTATIONS[i] for i in CONFIG["sample"] if i in MUTATIONS]
AST_MUTATIONS = {m.id: m for m in mutation.all_mutations(CONFIG, "ast")}
AST_SAMPLE = mutation.config_sample(CONFIG, list(AST_MUTATIONS.values()), "ast")


@pytest.fixture(scope="module")
def suite() -> engine.Suite:
    return engine.prepare(engine.load_rubric(), functions=None)


def test_mutant_ids_are_unique() -> None:
    assert len(MUTATIONS) == len(mutation.all_mutations(CONFIG))


def test_the_sample_names_existing_mutants() -> None:
    assert [m.id for m in SAMPLE] == CONFIG["sample"]


def test_the_listed_equivalent_mutants_exist_and_say_why() -> None:
    listed = mutation.equivalents()
    assert set(listed) <= set(MUTATIONS) | set(AST_MUTATIONS)
    assert all(len(reason.split()) >= 4 for reason in listed.values())


def test_only_answer_code_is_mutated() -> None:
    source = mutation.source_of("padding")
    answer = mutation.answer_lines(source)
    lines = source.splitlines()
    assert all(lines[n - 1].strip() not in (mutation.BEGIN, mutation.END) for n in answer)
    assert {m.line for m in MUTATIONS.values() if m.module == "padding"} <= answer


def test_every_sample_mutant_loses_points_on_its_own_function(suite) -> None:
    outcomes = mutation.run(suite, SAMPLE, jobs=2, timeout=CONFIG["timeout_seconds"])
    assert [(o.id, o.status, o.by) for o in outcomes] == [
        (m.id, "killed", m.function) for m in SAMPLE]


def test_an_unmutated_copy_keeps_every_point(suite) -> None:
    (some,) = [m for m in SAMPLE if m.module == "receptive_field"][:1]
    assert mutation.grade_mutant(suite, some, mutation.source_of(some.module)) == (
        "survived", "")


# --- the second engine: our own AST operators ----------------------------------------------


def test_ast_mutant_ids_are_unique() -> None:
    assert len(AST_MUTATIONS) == len(mutation.all_mutations(CONFIG, "ast"))


@pytest.mark.parametrize("operator", mutation.AST_OPERATORS)
def test_every_ast_operator_makes_mutants(operator: str) -> None:
    assert any(m.operator == mutation.AST_PREFIX + operator for m in AST_MUTATIONS.values())


def test_each_ast_mutant_is_valid_python_that_differs() -> None:
    import ast
    for m in AST_MUTATIONS.values():
        code = mutation.mutated_source(m)
        ast.parse(code)
        assert code != mutation.source_of(m.module), m.id


def test_the_reported_name_operator_changes_the_name_in_an_f_string() -> None:
    (edit,) = [m for m in AST_MUTATIONS.values()
               if m.id == "convolution.conv_layer:ast/ReportedName#0"]
    line = mutation.changed_line(edit, mutation.mutated_source(edit))
    assert line == "check_ndim('kernels', image, 3)"


def test_every_ast_sample_mutant_is_killed_or_listed_as_equivalent(suite) -> None:
    assert len(AST_SAMPLE) == CONFIG["ast"]["sample_size"]
    outcomes = mutation.run(suite, AST_SAMPLE, jobs=2, timeout=CONFIG["timeout_seconds"],
                            equivalent=mutation.equivalents())
    assert [(o.id, o.status) for o in outcomes if o.status == "survived"] == []
    assert all(o.by == o.function for o in outcomes if o.status == "killed")
