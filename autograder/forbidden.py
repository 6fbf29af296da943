"""Does a student's function use something the rubric forbids (``forbid = ["scipy.signal"]``)?

A source-level check, never run: the names a function uses, and those of the module-level
helpers it calls (also in the student's other modules), are resolved through the imports
(``import scipy.signal as ss``, ``from scipy import signal as sg``, ``s = scipy.signal``,
``from scipy.signal import *``, constant ``getattr(scipy, "signal")``) to full dotted names
and compared with the forbidden prefixes. What would hide a use from that reading counts as
forbidden in such a function: dynamic imports (``__import__``, ``importlib``,
``sys.modules``), ``eval``/``exec``/``compile``, a ``getattr`` whose name is not a constant,
namespace tricks (``vars``, ``globals``, ``__dict__``, ``builtins``) and loaders of code or
objects (``pickle``, ``marshal``, ``ctypes``, ``runpy``); so does a string constant naming a
forbidden module. Module-level statements other than imports, definitions and plain name
assignments (``setattr(np, "f", signal.convolve2d)``, ``np.f = ...``) count for every function.
The limits are written down in docs/grading.md.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import re
from collections.abc import Iterable, Sequence

from cnnlab.source_text import MAX_PARSED_CHARS, PARSE_ERRORS, parse

# Names (full dotted, or a prefix of one) whose use hides what a function really calls.
HIDING = ("__import__", "importlib", "eval", "exec", "compile", "getattr", "vars", "globals",
          "locals", "__builtins__", "builtins", "sys.modules", "pickle", "marshal", "ctypes",
          "runpy", "pkgutil.resolve_name", "operator.attrgetter", "types.ModuleType")
HIDING_ATTRIBUTES = ("__dict__", "__getattribute__", "__globals__", "__builtins__",
                     "__loader__", "__spec__")
BUILTINS = frozenset(dir(builtins))
def forbidden_uses(source: str, function: str, forbid: tuple[str, ...],
                   other_sources: Sequence[str] = ()) -> list[str]:
    """The forbidden names ``function`` (and the helpers it calls) uses, sorted.
    ``other_sources``: the student's other modules, where imported helpers may live."""
    if not forbid:
        return []
    if any(len(text) > MAX_PARSED_CHARS for text in (source, *other_sources)):
        return [f"code that cannot be read (a module of more than {MAX_PARSED_CHARS:,} "
                "characters)"]  # it imports, and may hide an import
    try:
        tree = parse(source)
    except PARSE_ERRORS:
        return []  # does not import either (the worker says why): graded as missing
    trees = []
    for other in other_sources:  # the function's own module, read last, wins
        with contextlib.suppress(*PARSE_ERRORS):  # nor does this one: it cannot be used
            trees.append(parse(other))
    trees.append(tree)
    try:
        return _uses(trees, function, forbid)
    except (RecursionError, MemoryError) as error:  # a tree the scan could not walk
        return [f"code that cannot be read ({type(error).__name__})"]


def _uses(trees: list[ast.Module], function: str, forbid: tuple[str, ...]) -> list[str]:
    defs, aliases, stars, loose = {}, {}, [], []
    for module in trees:
        defs.update(_top_level(module))
        aliases.update(_aliases(module))
        stars += _star_imports(module)
        loose += _loose_statements(module)  # runs when the grader imports the module
    if function not in defs:
        return []
    prefixes = tuple(_normalise(f) for f in forbid)
    used: set[str] = set()
    for node in [*_reachable(defs, function), *loose]:
        used |= _dotted_names(node, aliases, imports=node not in loose)
        used |= {f"{star}.{name}" for star in stars for name in _free_names(node, defs, aliases)}
        used |= _named_in_strings(node, prefixes)
    return sorted(name for name in used if _matches(name, prefixes) or _matches(name, HIDING)
                  or name.rpartition(".")[2] in HIDING_ATTRIBUTES)


def _matches(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


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


def _loose_statements(tree: ast.Module) -> list[ast.AST]:
    """Module-level code that runs on import and may change what a name means
    (``np.f = signal.convolve2d``, ``setattr(...)``, a loop, ``try:``): all but imports,
    definitions and assignments to plain names, which are followed by reachability."""
    loose: list[ast.AST] = []
    for node in tree.body:
        plain = isinstance(node, ast.Assign | ast.AnnAssign) and all(
            isinstance(t, ast.Name | ast.Tuple | ast.List) and all(
                isinstance(n, ast.Name) for n in ast.walk(t) if isinstance(n, ast.expr)
                and not isinstance(n, ast.Tuple | ast.List))
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
        quiet = isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef
                           | ast.AsyncFunctionDef | ast.ClassDef) or (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))  # docstring
        if not (plain or quiet):
            loose.append(node)
    return loose


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
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _star_imports(tree: ast.Module) -> list[str]:
    """The modules of ``from M import *`` anywhere in the module."""
    return [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.module and any(a.name == "*" for a in node.names)]


def _free_names(node: ast.AST, defs: dict, aliases: dict) -> set[str]:
    """Names read in ``node`` that nothing explains (no builtin, import, definition or
    local binding): with a star import, they may come from the star-imported module."""
    bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Store | ast.Del)}
    bound |= {a.arg for n in ast.walk(node) if isinstance(n, ast.arguments)
              for a in [*n.posonlyargs, *n.args, *n.kwonlyargs, n.vararg, n.kwarg] if a}
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}
    return read - bound - set(defs) - set(aliases) - BUILTINS


def _named_in_strings(node: ast.AST, prefixes: tuple[str, ...]) -> set[str]:
    """String constants that name a forbidden module (``sys.modules["scipy.signal"]``);
    docstrings may mention it."""
    docstrings = {id(n.body[0].value) for n in ast.walk(node)
                  if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                  and n.body and isinstance(n.body[0], ast.Expr)}
    return {p for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docstrings
            for p in prefixes if re.search(rf"(?<![\w.]){re.escape(p)}(?!\w)", n.value)}


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


def _dotted_names(node: ast.AST, aliases: dict[str, str], imports: bool = True) -> set[str]:
    """Full dotted names used in ``node``; ``imports``: count what it imports (a module-level
    ``try: import ...`` does not use anything by importing it)."""
    names = set()
    resolved = {id(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)
                and _constant_getattr(c, aliases)}  # such a getattr hides nothing
    for child in ast.walk(node):
        if id(child) in resolved or isinstance(getattr(child, "ctx", None), ast.Store):
            continue  # a getattr that hides nothing; a name assigned to is not used
        if isinstance(child, ast.Attribute | ast.Name):
            dotted = _dotted(child)
            if dotted:
                names.add(_resolve(dotted, aliases))
        elif isinstance(child, ast.Call):
            names |= _constant_getattr(child, aliases)
        elif imports and isinstance(child, ast.Import | ast.ImportFrom):  # in the function
            module = getattr(child, "module", None)
            names |= {f"{module}.{a.name}" if module else a.name for a in child.names}
    return names


def _resolve(dotted: str, aliases: dict[str, str]) -> str:
    head, _, rest = dotted.partition(".")
    full = aliases.get(head, head)
    return f"{full}.{rest}" if rest else full


def _constant_getattr(call: ast.Call, aliases: dict[str, str]) -> set[str]:
    """``getattr(scipy, "signal")`` is ``scipy.signal``."""
    if not (isinstance(call.func, ast.Name) and call.func.id == "getattr" and len(call.args) >= 2
            and isinstance(call.args[1], ast.Constant) and isinstance(call.args[1].value, str)):
        return set()
    owner = _dotted(call.args[0])
    return {f"{_resolve(owner, aliases)}.{call.args[1].value}"} if owner else set()


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])
