"""The public examples, read from the docstrings of the reference in ``solutions/``.

Each graded function's docstring ends in an ``Examples:`` section of doctest examples worked
by hand from the lecture; the stubs keep them, so students see them beside the function.
``cnnlab build`` turns them into the ``CASES`` of ``cnnlab/public_checks.py`` (what
``cnnlab check`` and the notebook's example cells run), and
``tests/cnnlab/test_build_and_check.py`` runs them as doctests against the reference.

In an ``Examples:`` section:

* ``>>> function(...)``, a call of the documented function, is one public example: its
  expected result is the output below it (a numpy ``array(...)``, a number, a tuple), or a
  ``ValueError`` traceback;
* ``>>> name = ...`` binds a value for the calls after it (``image``, ``net``, ...);
* the prose paragraph before an example (or before the bindings it follows) says where the
  example comes from, shown when it fails; a trailing colon is dropped.
"""

from __future__ import annotations

import ast
import doctest
import inspect
import json
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

from cnnlab.public_checks import RAISES, Case

# What the expected output of an example may name: numpy's repr of arrays and dtypes.
_OUTPUT_NAMES = {"array": np.array, "nan": np.nan, "inf": np.inf,
                 **{name: getattr(np, name) for name in
                    ("uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
                     "bool_")}}


class ExampleError(ValueError):
    """A docstring example that cannot become a public example; the message says where."""


def cases_of(function: Callable) -> list[Case]:
    """The public examples in ``function``'s docstring, in their order."""
    name = function.__name__
    where = f"{inspect.getsourcefile(function)}: {name}"
    namespace: dict[str, Any] = {"np": np, **vars(inspect.getmodule(function))}
    cases, prose = [], ""
    for part in doctest.DocTestParser().parse(inspect.getdoc(function) or ""):
        if isinstance(part, str):
            prose = _last_paragraph(part) or prose
            continue
        tree = ast.parse(part.source)
        statement = tree.body[0] if len(tree.body) == 1 else None
        if isinstance(statement, ast.Assign):
            exec(compile(tree, where, "exec"), namespace)  # the reference's own docstring
        elif (call := _call_of(statement, name)) is not None:
            cases.append(_case(name, call, part, namespace, prose, where))
            prose = ""
        else:
            raise ExampleError(f"{where}: example {part.source.strip()!r} is neither a call of "
                               f"{name} nor a binding (name = value)")
    return cases


def _call_of(statement: ast.stmt | None, name: str) -> ast.Call | None:
    """The call of ``name`` that ``statement`` is, if it is one."""
    call = statement.value if isinstance(statement, ast.Expr) else None
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == name:
        return call
    return None


def _case(name: str, call: ast.Call, example: doctest.Example, namespace: dict, prose: str,
          where: str) -> Case:
    def value(node: ast.expr) -> Any:
        return eval(compile(ast.Expression(node), where, "eval"), namespace)
    args = tuple(value(a) for a in call.args)
    kwargs = {k.arg: value(k.value) for k in call.keywords if k.arg}
    if example.exc_msg is not None:
        if not example.exc_msg.startswith("ValueError"):
            raise ExampleError(f"{where}: only a ValueError can be expected, got "
                               f"{example.exc_msg.strip()!r}")
        expected: Any = RAISES
    else:
        output = example.want.replace(doctest.BLANKLINE_MARKER, "")
        expected = eval(output, {"__builtins__": {}}, dict(_OUTPUT_NAMES))
    return Case(name, args, expected, kwargs, why=prose)


def _last_paragraph(text: str) -> str:
    """The last paragraph of the prose before an example, without its colon and without a
    section heading ("Examples:"); "" when there is none."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    lines = [line.strip() for line in (paragraphs[-1] if paragraphs else "").splitlines()]
    words = " ".join(line for line in lines if line and line not in ("Examples:", "Example:"))
    return words.removesuffix(":")


# --- the generated block of cnnlab/public_checks.py -------------------------------------------

def cases_source(cases: list[Case], width: int = 100) -> str:
    """``CASES = (...)`` as Python source: a ``Case`` per line, or per few lines."""
    lines = ["CASES: tuple[Case, ...] = ("]
    for case in cases:
        parts = [case.args, RAISES if case.expected is RAISES else case.expected]
        parts += [case.kwargs] if case.kwargs else []
        one = [json.dumps(case.function), *(source(p) for p in parts)]
        one += [f"why={json.dumps(case.why)}"] if case.why else []
        line = f"    Case({', '.join(one)}),"
        if len(line) <= width:
            lines.append(line)
            continue
        many = [json.dumps(case.function), *(source(p, width - 9) for p in parts)]
        many += [f"why={_string_source(case.why, width - 12)}"] if case.why else []
        lines += ["    Case(", *(textwrap.indent(m, " " * 8) + "," for m in many), "    ),"]
    return "\n".join([*lines, ")"]) + "\n"


def source(value: Any, width: int = 1000) -> str:
    """Python source that rebuilds ``value`` (arrays as ``np.array([...])``), on one line when
    it fits in ``width``, else one item per line."""
    one = _one_line(value)
    if len(one) <= width:
        return one
    if isinstance(value, np.ndarray):
        dtype = _dtype_source(value)
        return ("np.array(\n" + textwrap.indent(source(value.tolist(), width - 4), "    ")
                + (f",\n    {dtype.removeprefix(', ')}" if dtype else "") + ",\n)")
    if isinstance(value, dict):
        items = [f"{json.dumps(k)}: {source(v, width - 6 - len(k))}" for k, v in value.items()]
        opening, closing = "{", "}"
    elif isinstance(value, list | tuple):
        items = [source(v, width - 4) for v in value]
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
    else:
        return one
    return opening + "\n" + "".join(textwrap.indent(i, "    ") + ",\n" for i in items) + closing


def _one_line(value: Any) -> str:
    if value is RAISES:
        return "RAISES"
    if isinstance(value, np.ndarray):
        return f"np.array({_one_line(value.tolist())}{_dtype_source(value)})"
    if isinstance(value, np.generic):
        return _one_line(value.item())
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_one_line(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_one_line(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_one_line(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, float) and not np.isfinite(value):
        return f"float({str(value)!r})"
    return repr(value)


def _dtype_source(array: np.ndarray) -> str:
    """``, dtype=...`` unless numpy picks the dtype from the values (int64, float64, bool)."""
    if array.dtype in (np.dtype(np.int64), np.dtype(np.float64), np.dtype(bool)):
        return ""
    return f", dtype=np.{array.dtype.name}"


def _string_source(text: str, width: int) -> str:
    """A string literal, split into adjacent literals (in parentheses) when too long."""
    if len(json.dumps(text)) <= width:
        return json.dumps(text)
    pieces = textwrap.wrap(text, width - 4, drop_whitespace=False)
    return "(" + "\n ".join(json.dumps(p) for p in pieces) + ")"
