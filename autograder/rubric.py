"""The rubric: points per function, weights per check, and what a function may not use.

The defaults are declared with the hidden suite: each graded function's points beside its
checks (``Graded.points``), each check's relative weight with the check. A rubric file (TOML,
``--rubric FILE``) overrides only what it names; everything else keeps its default, and
``cnnlab rubric`` shows which value came from where. Every mistake in a file is reported with
the function or check it concerns.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks import graded
from autograder.checks.base import Check

FUNCTION_KEYS = {"points", "forbid", "weights"}
DEFAULT, FROM_FILE = "default", "rubric file"

TEMPLATE_HEADER = """\
# A rubric for the hidden suite: what each exercise function is worth.
#
# Grade with it: `cnnlab grade SUBMISSIONS --out OUT --rubric FILE`. A function or key left
# out keeps its default (`cnnlab rubric` lists them), so keep only what you change.
# Per function (a [table] named exactly as the function):
#   points  = what the function is worth in all (shared over its checks by weight)
#   forbid  = modules or calls the function may not use, e.g. ["scipy.signal", "numpy.convolve"];
#             a function that uses one gets 0 points and feedback that says so
#   weights = optional { check_name = weight } overriding the built-in relative weights
#             (a weight of 0 switches a check off); `cnnlab rubric` lists them
"""


class RubricError(ValueError):
    """A rubric file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class FunctionRubric:
    points: float
    forbid: tuple[str, ...] = ()
    weights: dict[str, float] = field(default_factory=dict)  # check name -> weight (file)
    from_file: frozenset[str] = frozenset()  # "points", "forbid": what the file gave

    def origin(self, key: str) -> str:
        """Where a value came from: the rubric file or the default (``key`` is "points",
        "forbid" or a check's name for its weight)."""
        return FROM_FILE if key in self.from_file or key in self.weights else DEFAULT


@dataclass(frozen=True)
class Rubric:
    functions: dict[str, FunctionRubric]
    source: str  # the file it came from, for messages

    def points_of(self, function: str) -> float:
        return self.functions[function].points

    @property
    def max_score(self) -> float:
        return sum(f.points for f in self.functions.values())

    def weight_of(self, function: str, check: Check) -> float:
        return self.functions[function].weights.get(check.name, check.weight)

    def check_points(self, function: str, checks: list[Check]) -> list[float]:
        """Points of each check: the function's points shared by weight."""
        own = self.functions[function]
        weights = [self.weight_of(function, c) for c in checks]
        total = sum(weights)
        return [own.points * w / total if total else 0.0 for w in weights]


def default_points() -> dict[str, float]:
    """Function -> the points declared with it, in the catalog's order."""
    return {g.function: float(g.points) for g in graded()}


def load_rubric(path: Path | str | None = None) -> Rubric:
    """The default rubric, with what the file at ``path`` (if any) gives instead."""
    defaults = {f: FunctionRubric(points) for f, points in default_points().items()}
    if path is None:
        return Rubric(defaults, "the defaults of autograder/checks")
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise RubricError(f"rubric file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"rubric file {path} is not valid TOML: {error}") from None
    unknown = sorted(set(data) - set(defaults))
    if unknown:
        raise RubricError(f"{path}: unknown function(s) {unknown}; the graded functions are "
                          f"{list(defaults)}")
    return Rubric({f: _function_rubric(path, f, data[f], default) if f in data else default
                   for f, default in defaults.items()}, str(path))


def _function_rubric(path: Path, function: str, table, default: FunctionRubric
                     ) -> FunctionRubric:
    where = f"{path}: [{function}]"
    if not isinstance(table, dict):
        raise RubricError(f"{where} must be a table (points, forbid, weights)")
    unknown = sorted(set(table) - FUNCTION_KEYS)
    if unknown:
        raise RubricError(f"{where} has unknown key(s) {unknown}; allowed: "
                          f"{sorted(FUNCTION_KEYS)}")
    points = table.get("points", default.points)
    if isinstance(points, bool) or not isinstance(points, int | float) or points < 0:
        raise RubricError(f"{where} points must be a number >= 0, got {points!r}")
    forbid = table.get("forbid", list(default.forbid))
    if not isinstance(forbid, list) or not all(isinstance(f, str) and f for f in forbid):
        raise RubricError(f"{where} forbid must be a list of module or call names")
    weights = table.get("weights", {})
    if not isinstance(weights, dict) or not all(
            isinstance(w, int | float) and not isinstance(w, bool) and w >= 0
            for w in weights.values()):
        raise RubricError(f"{where} weights must map check names to numbers >= 0")
    return FunctionRubric(float(points), tuple(forbid),
                          {k: float(v) for k, v in weights.items()},
                          frozenset(set(table) & {"points", "forbid"}))


def check_weight_names(rubric: Rubric, checks: dict[str, list[Check]]) -> None:
    """A weight for a check that does not exist is a typo: say so, with the right names."""
    for function, own in rubric.functions.items():
        names = [c.name for c in checks[function]]
        unknown = sorted(set(own.weights) - set(names))
        if unknown:
            raise RubricError(f"{rubric.source}: [{function}] weights name unknown check(s) "
                              f"{unknown}; the checks of {function} are {names}")


def rubric_template() -> str:
    """A complete rubric file with the default points, to copy and edit."""
    tables = [f"[{function}]\npoints = {points:g}\n"
              for function, points in default_points().items()]
    return TEMPLATE_HEADER + "\n" + "\n".join(tables)
