"""Which graded functions a student's function calls: the note on a function that lost points
perhaps only through another one.

``fit`` loops the student's own ``train_step``; ``count_parameters`` may call the student's
``conv_layer_params``. A bug in the callee costs the caller its points too, and the caller's
feedback, on its own, shows results that are wrong for no reason its code shows. The note
says where to look first: "fit calls your train_step, which lost points too". Read from the
source, never run: the graded names a function's body uses, directly or through the
module-level helpers of its own module it uses.
"""

from __future__ import annotations

import ast
import contextlib
import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace

from autograder.checks import all_checks
from autograder.results import FunctionResult
from cnnlab.catalog import FUNCTIONS
from cnnlab.source_text import PARSE_ERRORS, parse


def graded_callees(sources: Mapping[str, str]) -> dict[str, set[str]]:
    """For each graded function defined in ``sources`` (module -> text), the other graded
    functions it uses."""
    found: dict[str, set[str]] = {}
    for text in sources.values():
        with contextlib.suppress(*PARSE_ERRORS):  # does not import either: graded as missing
            defs = {node.name: node for node in parse(text).body
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
            for name in defs.keys() & set(FUNCTIONS):
                found[name] = _reached(name, defs) - {name}
    return found


def _reached(function: str, defs: Mapping[str, ast.AST]) -> set[str]:
    """The graded names ``function`` uses, following the helpers (not graded) it uses."""
    graded: set[str] = set()
    seen, todo = {function}, [function]
    while todo:
        for node in ast.walk(defs[todo.pop()]):
            name = (node.id if isinstance(node, ast.Name)
                    else node.attr if isinstance(node, ast.Attribute) else "")
            if name in FUNCTIONS:
                graded.add(name)
            if name in defs and name not in seen and name not in FUNCTIONS:
                seen.add(name)
                todo.append(name)
    return graded


def _gave_wrong_results(result: FunctionResult) -> bool:
    """A check that judges results failed (not hygiene: a left-out ValueError, a changed
    input or a message does not change what the function returns to its caller)."""
    return not result.absent and any(not c.passed and c.check not in _hygiene_checks()
                                      for c in result.checks)


@functools.cache
def _hygiene_checks() -> frozenset[str]:
    """The ids of every hygiene check, once per process: building all the checks takes 13 ms,
    which for each function of each hand-in was 0.4 s of CPU per hand-in."""
    return frozenset(c.id for checks in all_checks().values() for c in checks if c.hygiene)


def note_callers(results: Sequence[FunctionResult],
                 sources: Mapping[str, str]) -> list[FunctionResult]:
    """The results, with a note on each function that gave wrong results without a note of
    its own and calls a graded function of the hand-in that gave wrong results too. Also
    beside a named misconception: a wrong callee's results are often exactly what a known
    mistake of the caller gives (a pool_output_size rounding up makes max_pool 'keep the
    partial windows at the border')."""
    lost = {r.function for r in results if _gave_wrong_results(r)}
    callees = graded_callees(sources) if lost else {}
    noted = []
    for result in results:
        wrong = sorted(callees.get(result.function, set()) & lost)
        if wrong and result.function in lost and not result.note:
            result = replace(result, note=_note(result.function, wrong, callees, lost))
        noted.append(result)
    return noted


def _note(function: str, wrong: list[str], callees: Mapping[str, set[str]],
          lost: set[str]) -> str:
    """"fit calls your train_step, which lost points too: fix it first; ..."; down the chain
    to the function to fix first when the one wrong callee calls a wrong function itself
    ("conv2d calls your conv_layer, which calls your zero_pad, which lost points too")."""
    results = f"{function}'s results below may come from"
    if len(wrong) > 1:
        return (f"{function} calls your {' and '.join(wrong)}, which lost points too: fix "
                f"them first; {results} them")
    chain = wrong[:]
    while further := sorted((callees.get(chain[-1], set()) & lost) - {function, *chain}):
        chain.append(further[0])
    first = "it" if len(chain) == 1 else chain[-1]
    return (f"{function} calls your {', which calls your '.join(chain)}, which lost points "
            f"too: fix {first} first; {results} it")
