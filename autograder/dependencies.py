"""What a function's drawn examples depend on, as one digest: the key of its cache file.

A function's examples are made by its checks' strategies and ``calls``, and its expected
results by its reference in ``solutions/``. The digest covers exactly the code they can
reach: starting from those functions (found by walking each check's strategy object), every
top-level definition of this project that their source names, directly or through an
imported module (``S.conv_calls``), recursively, by its source text; plus each strategy's
description (which shows the arguments it was built with, ``conv_calls(ndim=2)``), the
values closures hold, the check's id and number of examples, the drawing code
(``DRAWING_MODULES``, whole) and the versions of hypothesis, numpy and Python. A change to
``conv2d``'s checks or reference changes ``conv2d``'s digest and no other's; a change to a
strategy shared by many functions changes each of theirs; a change to a judge (which never
draws) changes none. Names the source does not spell out (``getattr``, string imports) are
not followed: the checks and strategies do not use them.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import re
import sys
import types
from collections.abc import Iterable
from pathlib import Path

import hypothesis
import numpy as np
from hypothesis.strategies import SearchStrategy

from cnnlab.source_text import Segments

PROJECT = ("autograder", "solutions", "cnnlab")
DRAWING_MODULES = ("autograder.generation", "autograder.drawing", "autograder.hand_in_inputs",
                   "cnnlab.catalog")
Unit = tuple[str, str]  # (module, top-level name)


def function_digest(function: str, checks: list, reference: types.FunctionType,
                    fmt: str) -> str:
    """The digest of everything ``function``'s drawn examples and results depend on, for
    the cache format ``fmt`` (the course key is added by the caller)."""
    digest = hashlib.sha256(f"{fmt} {function} hypothesis {hypothesis.__version__} numpy "
                            f"{np.__version__} python {sys.version_info[:2]}".encode())
    for name in DRAWING_MODULES:
        digest.update(_source_of_module(name).encode())
    roots: list[types.FunctionType] = [reference]
    values: list[str] = []
    for check in checks:
        digest.update(f"\0{check.id} {check.max_examples} {described(check.examples)}".encode())
        # what the examples are drawn by, and what the oracle works out for them when drawn
        oracle = [check.oracle.work_out] if check.oracle is not None else []
        found = _functions_in([check.examples, check.calls, *oracle], values)
        roots += found
    for unit in sorted(closure(u for u in map(_unit_of, roots) if u)):
        digest.update(f"\0{unit[0]}.{unit[1]}\0".encode() + source_of(unit).encode())
    for value in sorted(values):
        digest.update(b"\0" + value.encode())
    return digest.hexdigest()[:24]


def described(strategy: SearchStrategy) -> str:
    """Hypothesis's description of a strategy, without memory addresses."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(strategy))


# --- the functions a strategy holds -----------------------------------------------------------

def _functions_in(objects: Iterable, values: list[str]) -> list[types.FunctionType]:
    """The Python functions reachable from ``objects`` (strategies, functions, containers),
    following strategies' attributes and functions' closures and defaults; the plain values
    held in closures go to ``values`` (as text)."""
    found: list[types.FunctionType] = []
    seen: set[int] = set()
    todo = list(objects)
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.FunctionType):
            found.append(obj)
            cells = [c.cell_contents for c in obj.__closure__ or () if _filled(c)]
            values += [repr(v) for v in cells if _plain(v)]
            todo += [*cells, *(obj.__defaults__ or ()), *(obj.__kwdefaults__ or {}).values(),
                     getattr(obj, "__wrapped__", None)]
        elif isinstance(obj, SearchStrategy):
            todo += vars(obj).values()
        elif isinstance(obj, list | tuple | set | frozenset):
            todo += obj
        elif isinstance(obj, dict):
            todo += obj.values()
        elif isinstance(obj, functools.partial):
            todo += [obj.func, *obj.args, *obj.keywords.values()]
    return found


def _filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 (an empty cell raises)
    except ValueError:
        return False
    return True


def _plain(value) -> bool:
    return value is None or isinstance(value, bool | int | float | str | bytes | np.dtype) or (
        isinstance(value, tuple) and all(_plain(v) for v in value))


# --- top-level definitions and what they name ----------------------------------------------------

def _is_project(module: str) -> bool:
    return module.split(".")[0] in PROJECT


def _unit_of(function: types.FunctionType) -> Unit | None:
    """The top-level definition of this project that holds ``function``'s code."""
    module = getattr(function, "__module__", None) or ""
    if not _is_project(module):
        return None
    line = function.__code__.co_firstlineno  # of its first decorator, if any
    for name, node in _parsed(module).definitions:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        if first <= line <= (node.end_lineno or node.lineno):
            return module, name
    return None


def closure(roots: Iterable[Unit]) -> set[Unit]:
    """``roots`` and every top-level definition they name, recursively."""
    found: set[Unit] = set()
    todo = list(roots)
    while todo:
        unit = todo.pop()
        if unit in found:
            continue
        found.add(unit)
        todo += _named_by(unit)
    return found


@functools.cache
def source_of(unit: Unit) -> str:
    module, name = unit
    if name == "*":  # a whole module (a project module used as a value)
        return _source_of_module(module)
    parsed = _parsed(module)
    return "\n".join(parsed.segment(node) for defined, node in parsed.definitions
                     if defined == name)


@functools.cache
def _named_by(unit: Unit) -> tuple[Unit, ...]:
    """The project definitions that ``unit``'s source names."""
    module, name = unit
    parsed = _parsed(module)
    if name == "*":
        return tuple((module, n) for n, _ in parsed.definitions)
    names: list[Unit] = []
    for defined, node in parsed.definitions:
        if defined == name:
            local = {alias: full for sub in ast.walk(node)
                     if isinstance(sub, ast.Import | ast.ImportFrom)
                     for full, alias in _import_names(sub)}
            names += [u for ref in _references(node) for u in _resolve(module, ref, local)]
    return tuple(names)


def _references(node: ast.AST) -> set[tuple[str, str | None]]:
    """(name, attribute or None) for every name the definition uses."""
    refs: set[tuple[str, str | None]] = set()
    qualified = set()  # the ``S`` of ``S.conv_calls``: only that attribute is used
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
            refs.add((sub.value.id, sub.attr))
            qualified.add(id(sub.value))
    refs.update((sub.id, None) for sub in ast.walk(node)
                if isinstance(sub, ast.Name) and id(sub) not in qualified)
    return refs


def _resolve(module: str, ref: tuple[str, str | None], local: dict[str, str]) -> list[Unit]:
    """What ``ref`` in ``module`` means (``local``: the definition's own imports)."""
    name, attribute = ref
    parsed = _parsed(module)
    if name in parsed.names:
        return [(module, name)]
    target = local.get(name) or parsed.imports.get(name)
    if target is None:
        return []
    if _is_module(target):
        if not _is_project(target):
            return []
        return [(target, attribute)] if attribute and attribute in _parsed(target).names \
            else [(target, "*")]
    owner, _, defined = target.rpartition(".")
    return [(owner, defined)] if _is_project(owner) and defined in _parsed(owner).names else []


def _import_names(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """(what is imported, the name it is bound to)."""
    if isinstance(node, ast.Import):
        return [(a.name, a.asname or a.name.split(".")[0]) for a in node.names]
    base = node.module or ""
    return [(f"{base}.{a.name}", a.asname or a.name) for a in node.names]


@functools.cache
def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


class _Parsed:
    def __init__(self, module: str):
        self.source = _source_of_module(module)
        tree = ast.parse(self.source)
        self.definitions: list[tuple[str, ast.stmt]] = []
        self.imports: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                self.imports.update((alias, full) for full, alias in _import_names(node))
            for name in _defined_names(node):
                self.definitions.append((name, node))
        self.names = {name for name, _ in self.definitions}
        self.segment = Segments(self.source).of


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return []


@functools.cache
def _parsed(module: str) -> _Parsed:
    return _Parsed(module)


@functools.cache
def _source_of_module(module: str) -> str:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module)
    return Path(spec.origin).read_text(encoding="utf-8")


def forget() -> None:
    """Read the sources again (after they changed in this process: tests)."""
    for cached in (_parsed, _named_by, source_of, _is_module):
        cached.cache_clear()
    _source_of_module.cache_clear()
    importlib.invalidate_caches()
