"""The SPEC coverage matrix (autograder/spec_coverage.toml): every rule of SPEC sections 2-4
names the hidden checks that exercise it, and those checks exist."""

from __future__ import annotations

import importlib
import inspect
import re
import tomllib
from pathlib import Path

import pytest

from autograder.checks import all_checks
from cnnlab.catalog import FUNCTIONS, MODULE_OF
from solutions.architecture import DEFAULTS, REQUIRED_KEYS

ROOT = Path(__file__).resolve().parent.parent
MATRIX = tomllib.loads((ROOT / "autograder" / "spec_coverage.toml").read_text())
RULES = MATRIX["rule"]
CHECK_IDS = {c.id for checks in all_checks().values() for c in checks}
# The cases an invalid-argument strategy draws are string literals in the checks' source.
LITERALS = set(re.findall(r'"(\w+)"', "".join(
    p.read_text() for p in (ROOT / "autograder" / "checks").glob("*.py"))))
BY_ID = pytest.mark.parametrize("rule", RULES, ids=[r["id"] for r in RULES])


def _split(reference: str) -> tuple[str, str | None]:
    found = re.fullmatch(r"([\w.]+)(?:\[(\w+)\])?", reference)
    assert found, f"not a check id: {reference!r}"
    return found[1], found[2]


def test_rule_ids_are_unique() -> None:
    ids = [r["id"] for r in RULES]
    assert len(ids) == len(set(ids))


@BY_ID
def test_every_rule_has_a_check(rule: dict) -> None:
    assert rule["checks"], rule["id"]


@BY_ID
def test_every_named_check_exists(rule: dict) -> None:
    unknown = [ref for ref in rule["checks"] if _split(ref)[0] not in CHECK_IDS]
    assert unknown == []


@BY_ID
def test_every_named_case_is_drawn(rule: dict) -> None:
    cases = [case for case in (_split(ref)[1] for ref in rule["checks"]) if case]
    assert [case for case in cases if case not in LITERALS] == []


def _function_defaults() -> set[str]:
    """``function.parameter`` for every parameter with a default of a graded function."""
    found = set()
    for f in FUNCTIONS:
        signature = inspect.signature(getattr(importlib.import_module(
            f"solutions.{MODULE_OF[f]}"), f))
        found |= {f"{f}.{name}" for name, p in signature.parameters.items()
                  if p.default is not inspect.Parameter.empty}
    return found


def test_every_default_has_a_rule() -> None:
    layer_defaults = {f"{kind}.{key}" for kind, keys in DEFAULTS.items() for key in keys}
    covered = {d for r in RULES for d in r.get("defaults", [])}
    assert (_function_defaults() | layer_defaults) - covered == set()


def test_a_default_is_covered_by_a_check_of_its_function() -> None:
    for rule in RULES:
        functions = {_split(ref)[0].split(".")[0] for ref in rule["checks"]}
        loose = [d for d in rule.get("defaults", []) if d.split(".")[0] in FUNCTIONS
                 and d.split(".")[0] not in functions]
        assert loose == [], rule["id"]


def test_every_layer_type_has_a_rule() -> None:
    covered = {layer for r in RULES for layer in r.get("layers", [])}
    assert set(REQUIRED_KEYS) - covered == set()


def test_every_check_is_in_the_matrix() -> None:
    """The other way round: a check no rule names is either a rule SPEC misses or waste."""
    named = {_split(ref)[0] for r in RULES for ref in r["checks"]}
    assert CHECK_IDS - named == set()
