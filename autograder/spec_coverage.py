"""The SPEC coverage matrix: each rule of SPEC sections 2-4 and the hidden checks that grade it.

Nothing here is written by hand twice: the shared rules of SPEC 2-4 are in
``autograder/spec_rules.toml``, a graded function's own rule of SPEC 3 is declared with it
(``Graded.spec``, rule id = the function's name), and each check declares what it covers
(``Check.covers``: ``"rule"``, ``"rule[case]"`` for the examples of one case of an
invalid-argument strategy, ``"defaults[parameter]"`` for a default left out). ``cnnlab build``
writes the matrix into ``docs/spec_coverage.md``;
``tests/autograder/test_hidden_suite_spec_coverage.py`` holds the rules of the matrix (every
rule graded, every check covering something real).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.checks import all_checks, graded
from autograder.checks.base import Check

RULES_FILE = Path(__file__).with_name("spec_rules.toml")
SECTIONS = {"2": "conventions", "3": "the exercises", "4": "architectures"}
DEFAULTS_RULE = "defaults"  # "defaults[parameter]": a function's default left out


@dataclass(frozen=True)
class Rule:
    id: str
    spec: str  # the SPEC section
    rule: str  # in SPEC's words
    defaults: tuple[str, ...] = ()  # layer defaults it covers, "layer.key"
    layers: tuple[str, ...] = ()  # layer types it covers


@dataclass(frozen=True)
class Reference:
    """One check covering one rule, maybe with only the examples of one case."""

    rule: str
    check: Check
    case: str | None

    @property
    def text(self) -> str:
        return self.check.id + (f"[{self.case}]" if self.case else "")


def rules() -> list[Rule]:
    """The shared rules of the file, with each graded function's own rule in SPEC 3."""
    data = tomllib.loads(RULES_FILE.read_text())
    shared = [Rule(r["id"], r["spec"], r["rule"], tuple(r.get("defaults", ())),
                   tuple(r.get("layers", ()))) for r in data["rule"]]
    own = [Rule(g.function, "3", g.spec) for g in graded()]
    return sorted([*shared, *own], key=lambda r: r.spec)  # stable: the file's order within


def ungraded() -> dict[str, str]:
    """What SPEC leaves ungraded, with the reason."""
    return tomllib.loads(RULES_FILE.read_text()).get("ungraded", {})


def split(cover: str) -> tuple[str, str | None]:
    """``"rule[case]"`` -> ("rule", "case"); ``"rule"`` -> ("rule", None)."""
    found = re.fullmatch(r"(\w+)(?:\[(\w+)\])?", cover)
    if not found:
        raise ValueError(f"not a rule reference: {cover!r} (want 'rule' or 'rule[case]')")
    return found[1], found[2]


def references() -> list[Reference]:
    """Every (rule, check, case) that the checks declare, in the checks' order."""
    return [Reference(*split(cover)[:1], check, split(cover)[1])
            for checks in all_checks().values() for check in checks for cover in check.covers]


def matrix() -> dict[str, list[Reference]]:
    """Rule id -> the references to it, for every rule (an ungraded rule has none)."""
    found: dict[str, list[Reference]] = {r.id: [] for r in rules()}
    for reference in references():
        found.setdefault(reference.rule, []).append(reference)
    return found


def matrix_markdown() -> str:
    """The matrix as Markdown tables, one per SPEC section (``docs/spec_coverage.md``)."""
    by_rule = matrix()
    lines: list[str] = []
    for section, title in SECTIONS.items():
        lines += ["", f"### SPEC {section}: {title}", "",
                  "| rule | SPEC says | checks |", "| --- | --- | --- |"]
        for rule in (r for r in rules() if r.spec == section):
            checks = ", ".join(f"`{ref.text}`" for ref in by_rule[rule.id]) or "**none**"
            lines.append(f"| `{rule.id}` | {_cell(rule.rule)} | {checks} |")
    lines += ["", "### Not graded", "", "| what | why |", "| --- | --- |"]
    lines += [f"| `{name}` | {_cell(why)} |" for name, why in ungraded().items()]
    return "\n".join(lines[1:]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
