"""The SPEC coverage matrix: every rule of SPEC sections 2-4 is graded by a check, and what
each check declares it covers (``Check.covers``) exists: the rule, the case its strategy
draws, the default its function has."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from student_code import reference_functions

from autograder import spec_coverage
from autograder.checks import all_checks, graded
from solutions.architecture import DEFAULTS, REQUIRED_KEYS

ROOT = Path(__file__).resolve().parents[2]
RULES = spec_coverage.rules()
MATRIX = spec_coverage.matrix()
CHECKS = [c for checks in all_checks().values() for c in checks]
BY_RULE = pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
BY_CHECK = pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])


def _drawn_cases(module: str) -> set[str]:
    """The string literals of a checks module: its invalid-argument strategies draw their
    cases with ``sampled_from(["padding", "stride", ...])``."""
    return set(re.findall(r'"(\w+)"', (ROOT / "autograder" / "checks" / f"{module}.py")
                          .read_text()))


def _defaults_of(function: str) -> set[str]:
    """The parameters of the reference's ``function`` that have a default."""
    signature = inspect.signature(reference_functions()[function])
    return {name for name, p in signature.parameters.items()
            if p.default is not inspect.Parameter.empty}


MODULE = {g.function: g.module for g in graded()}


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))


@BY_RULE
def test_every_rule_has_a_check(rule: spec_coverage.Rule) -> None:
    assert MATRIX[rule.id]


@BY_CHECK
def test_every_check_covers_a_rule(check) -> None:
    """A check that covers no rule is either a rule SPEC misses or waste."""
    assert check.covers


@BY_CHECK
def test_every_covered_rule_exists(check) -> None:
    known = {r.id for r in RULES}
    assert [c for c in check.covers if spec_coverage.split(c)[0] not in known] == []


@BY_CHECK
def test_every_named_case_is_drawn(check) -> None:
    cases = [case for rule, case in map(spec_coverage.split, check.covers)
             if case and rule != spec_coverage.DEFAULTS_RULE]
    assert [c for c in cases if c not in _drawn_cases(MODULE[check.function])] == []


@BY_CHECK
def test_a_covered_default_is_one_of_its_function(check) -> None:
    named = {case for rule, case in map(spec_coverage.split, check.covers)
             if rule == spec_coverage.DEFAULTS_RULE}
    assert named - _defaults_of(check.function) == set()


@pytest.mark.parametrize("function", list(MODULE))
def test_every_default_of_a_function_is_left_out_by_a_check(function: str) -> None:
    left_out = {ref.case for ref in MATRIX[spec_coverage.DEFAULTS_RULE]
                if ref.check.function == function}
    assert _defaults_of(function) - left_out == set()


def test_every_layer_default_has_a_rule() -> None:
    layer_defaults = {f"{kind}.{key}" for kind, keys in DEFAULTS.items() for key in keys}
    covered = {d for r in RULES for d in r.defaults}
    assert layer_defaults - covered == set()


def test_every_layer_type_has_a_rule() -> None:
    covered = {layer for r in RULES for layer in r.layers}
    assert set(REQUIRED_KEYS) - covered == set()


def test_every_graded_function_has_its_own_rule_in_spec_3() -> None:
    own = {r.id: r.spec for r in RULES if r.id in MODULE}
    assert own == dict.fromkeys(MODULE, "3")


def test_a_reference_to_a_rule_is_rule_or_rule_with_a_case() -> None:
    with pytest.raises(ValueError, match="not a rule reference"):
        spec_coverage.split("padding[")
