"""The rubric: points per function, weights per check, and what a function may not use.

Read from a TOML file an instructor can edit (``autograder/rubric.toml`` is the default);
every mistake in it is reported with the function or check it concerns.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks.base import Check
from cnnlab.catalog import FUNCTIONS

DEFAULT_RUBRIC = Path(__file__).with_name("rubric.toml")
FUNCTION_KEYS = {"points", "forbid", "weights"}


class RubricError(ValueError):
    """A rubric file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class FunctionRubric:
    points: float
    forbid: tuple[str, ...] = ()
    weights: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Rubric:
    functions: dict[str, FunctionRubric]
    source: str  # the file it came from, for messages

    def points_of(self, function: str) -> float:
        return self.functions[function].points

    @property
    def max_score(self) -> float:
        return sum(f.points for f in self.functions.values())

    def check_points(self, function: str, checks: list[Check]) -> list[float]:
        """Points of each check: the function's points shared by weight."""
        own = self.functions[function]
        weights = [own.weights.get(c.name, c.weight) for c in checks]
        total = sum(weights)
        return [own.points * w / total if total else 0.0 for w in weights]


def load_rubric(path: Path | str | None = None) -> Rubric:
    path = Path(path) if path else DEFAULT_RUBRIC
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise RubricError(f"rubric file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"rubric file {path} is not valid TOML: {error}") from None
    unknown = sorted(set(data) - set(FUNCTIONS))
    if unknown:
        raise RubricError(f"{path}: unknown function(s) {unknown}; the graded functions are "
                          f"{list(FUNCTIONS)}")
    missing = [f for f in FUNCTIONS if f not in data]
    if missing:
        raise RubricError(f"{path}: no points given for {missing} (give 0 to skip one)")
    return Rubric({f: _function_rubric(path, f, data[f]) for f in FUNCTIONS}, str(path))


def _function_rubric(path: Path, function: str, table) -> FunctionRubric:
    where = f"{path}: [{function}]"
    if not isinstance(table, dict):
        raise RubricError(f"{where} must be a table with 'points'")
    unknown = sorted(set(table) - FUNCTION_KEYS)
    if unknown:
        raise RubricError(f"{where} has unknown key(s) {unknown}; allowed: "
                          f"{sorted(FUNCTION_KEYS)}")
    points = table.get("points")
    if isinstance(points, bool) or not isinstance(points, int | float) or points < 0:
        raise RubricError(f"{where} points must be a number >= 0, got {points!r}")
    forbid = table.get("forbid", [])
    if not isinstance(forbid, list) or not all(isinstance(f, str) and f for f in forbid):
        raise RubricError(f"{where} forbid must be a list of module or call names")
    weights = table.get("weights", {})
    if not isinstance(weights, dict) or not all(
            isinstance(w, int | float) and not isinstance(w, bool) and w >= 0
            for w in weights.values()):
        raise RubricError(f"{where} weights must map check names to numbers >= 0")
    return FunctionRubric(float(points), tuple(forbid), {k: float(v) for k, v in
                                                         weights.items()})


def check_weight_names(rubric: Rubric, checks: dict[str, list[Check]]) -> None:
    """A weight for a check that does not exist is a typo: say so, with the right names."""
    for function, own in rubric.functions.items():
        names = [c.name for c in checks[function]]
        unknown = sorted(set(own.weights) - set(names))
        if unknown:
            raise RubricError(f"{rubric.source}: [{function}] weights name unknown check(s) "
                              f"{unknown}; the checks of {function} are {names}")
