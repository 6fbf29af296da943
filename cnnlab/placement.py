"""Where a hand-in defines a graded function that is not in its own module: the hint on a
function reported as "not handed in" or "has no function".

Each function is read from the module of its stub (``relu`` from ``convolution.py``), so a
student who wrote everything in one ``my_solution.py``, or put ``relu`` in ``padding.py``,
gets nothing for that code. The grade stays as it is (the rules are the same for everyone);
the note tells the student, and the instructor reading the feedback, where the code is and
what to do: "my_solution.py defines zero_pad: move it to padding.py". Read with ``ast``,
never run.
"""

from __future__ import annotations

import ast
import contextlib
import functools
from collections.abc import Mapping

from cnnlab.catalog import FUNCTIONS, MODULE_OF
from cnnlab.source_text import PARSE_ERRORS, parse


@functools.lru_cache(maxsize=256)  # a hand-in's texts, asked once per missing function
def defined_at_top(text: str) -> frozenset[str]:
    """The graded functions ``text`` defines with ``def`` at its top level (none if it does
    not parse)."""
    with contextlib.suppress(*PARSE_ERRORS):
        return frozenset(node.name for node in parse(text).body
                         if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                         and node.name in FUNCTIONS)
    return frozenset()


def moved_hint(function: str, sources: Mapping[str, str]) -> str:
    """``"; my_solution.py defines zero_pad: move it to padding.py, ..."`` when modules of
    ``sources`` (module -> text) other than the function's own define it, else ``""``."""
    own = MODULE_OF[function]
    if own in sources and _may_bind(sources[own], function):
        return ""
    others = [f"{module}.py" for module, text in sorted(sources.items())
              if module != own and function in defined_at_top(text)]
    if not others:
        return ""
    where = others[0] if len(others) == 1 else f"{', '.join(others[:-1])} and {others[-1]}"
    return (f"; {where} {'defines' if len(others) == 1 else 'define'} {function}: move it to "
            f"{own}.py, where its stub is (each function is graded from its stub's module)")


def _may_bind(text: str, name: str) -> bool:
    """Whether ``text`` may give ``name`` a value at its top level (also inside an ``if`` or a
    ``try`` there, not inside a function): a ``def``, an assignment, an import of it or a
    ``*`` import (whose names are unknown); or ``text`` does not parse (its error is the note)."""
    try:
        body = parse(text).body
    except PARSE_ERRORS:
        return True
    return any(name in bound or "*" in bound for node in body for bound in [_bound(node)])


def _bound(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    bound: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
    return bound
