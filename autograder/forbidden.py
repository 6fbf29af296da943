"""Does a student's function use something the rubric forbids (``forbid = ["scipy.signal"]``)?

Read from the source, never by running it: the names a function uses, and those of the
module-level helpers it calls, are resolved through the module's imports
(``import numpy as np``, ``from scipy import signal``) to full dotted names and compared with
the forbidden prefixes. ``__import__``, ``importlib`` and ``eval``/``exec`` in such a function
count as forbidden too: they would hide what is used.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Sequence

HIDING = ("__import__", "importlib", "eval", "exec", "getattr", "compile")


def forbidden_uses(source: str, function: str, forbid: tuple[str, ...],
                   other_sources: Sequence[str] = ()) -> list[str]:
    """The forbidden names ``function`` (and the helpers it calls) uses, sorted.
    ``other_sources``: the student's other modules, where imported helpers may live."""
    if not forbid:
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # does not import anyway: graded as missing
    defs, aliases = {}, {}
    for other in other_sources:  # the function's own module, read last, wins
        with contextlib.suppress(SyntaxError):
            other_tree = ast.parse(other)
            defs.update(_top_level(other_tree))
            aliases.update(_aliases(other_tree))
    defs.update(_top_level(tree))
    aliases.update(_aliases(tree))
    if function not in defs:
        return []
    used: set[str] = set()
    for node in _reachable(defs, function):
        used |= _dotted_names(node, aliases)
    prefixes = tuple(_normalise(f) for f in forbid)
    return sorted(name for name in used if name.startswith(prefixes) or name in HIDING
                  or name.startswith("importlib"))


def _top_level(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level names a function can call: defs, classes, and assignments
    (``helper = lambda ...``, ``correlate = signal.correlate2d``, ``partial(...)``)."""
    found: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        found[name.id] = node.value or node
    return found


def _normalise(name: str) -> str:
    for short, full in (("np.", "numpy."), ("sp.", "scipy.")):
        if name.startswith(short):
            return full + name[len(short):]
    return name


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the full dotted name it stands for, from every import in the module."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _reachable(defs: dict[str, ast.AST], start: str) -> list[ast.AST]:
    """``start`` and every module-level function it calls by name, transitively."""
    seen, todo = [], [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.append(name)
        todo += [n.id for n in ast.walk(defs[name]) if isinstance(n, ast.Name)]
    return [defs[name] for name in seen]


def _dotted_names(node: ast.AST, aliases: dict[str, str]) -> set[str]:
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute | ast.Name):
            dotted = _dotted(child)
            if dotted:
                head, _, rest = dotted.partition(".")
                full = aliases.get(head, head)
                names.add(f"{full}.{rest}" if rest else full)
        elif isinstance(child, ast.Import | ast.ImportFrom):  # imports inside the function
            module = getattr(child, "module", None)
            names |= {f"{module}.{a.name}" if module else a.name for a in child.names}
    return names


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])
