"""Mutation testing of the hidden suite: does it catch every bug in the reference?

cosmic-ray's operators make one small change (a mutant) at a time in a copy of the answer
code of ``solutions/``. Each mutant is graded as a student would be, in-process (our own code,
no sandbox), by the real hidden suite against the pristine reference. A mutant is *killed*
when some function of the copy loses points, and *survives* when every function keeps its
full marks; a survivor is either a gap in the suite or an *equivalent* mutant (it computes
the same thing), listed with the reason in docs/mutation.md.

    python3 benchmarks/mutation.py                 # every mutant, the table per function
    python3 benchmarks/mutation.py --sample        # the fixed sample CI runs
    python3 benchmarks/mutation.py --function conv2d --jobs 2 --json out.json

Each mutant is graded in a forked child (a mutant that loops or allocates without end is
stopped there, not in this process); the suite is drawn once, before forking. Shrinking
(``generation.smallest_failure``) only improves the feedback, never the points, so the
children skip it.
"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import json
import multiprocessing
import random
import re
import resource
import sys
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import parso  # noqa: F401  (imported before cosmic_ray, whose plugins otherwise fail to load)
from cosmic_ray.ast import ast_nodes, get_ast
from cosmic_ray.mutating import mutate_code
from cosmic_ray.plugins import get_operator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder import engine  # noqa: E402
from autograder.inprocess import InProcessStudent  # noqa: E402
from cnnlab.catalog import EXERCISES, FUNCTIONS, MODULE_OF  # noqa: E402

CONFIG = Path(__file__).with_name("mutation.toml")
EQUIVALENTS_DOC = ROOT / "docs" / "mutation.md"
PACKAGE = "mutant_solutions"  # the copy of solutions/ a mutant lives in
MEMORY_LIMIT = 3 * 2**30  # bytes per child: a mutant that allocates without end fails there
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclass(frozen=True)
class Mutation:
    module: str
    function: str  # the def the change is in
    operator: str
    index: int  # which of this operator's changes within ``function``
    occurrence: int  # cosmic-ray's occurrence within the module
    line: int

    @property
    def id(self) -> str:
        return f"{self.module}.{self.function}:{self.operator}#{self.index}"


@dataclass
class Outcome:
    id: str
    function: str
    status: str  # "killed", "survived", "equivalent", "timeout"
    by: str = ""  # the function that lost points
    change: str = ""  # the mutated line


def load_config(path: Path = CONFIG) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def source_of(module: str) -> str:
    return (ROOT / "solutions" / f"{module}.py").read_text()


# --- making mutants -----------------------------------------------------------------------

def answer_lines(source: str) -> set[int]:
    """Line numbers between the solution markers: the code a student writes."""
    lines, inside = set(), False
    for number, text in enumerate(source.splitlines(), start=1):
        if text.strip() == BEGIN:
            inside = True
        elif text.strip() == END:
            inside = False
        elif inside:
            lines.add(number)
    return lines


def enclosing_functions(source: str) -> dict[int, str]:
    """Line -> the innermost ``def`` it belongs to."""
    owner: dict[int, str] = {}
    defs = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]
    for node in sorted(defs, key=lambda n: n.lineno):  # inner defs come later: they win
        for line in range(node.lineno, node.end_lineno + 1):
            owner[line] = node.name
    return owner


def mutations_of(module: str, operators: list[str]) -> list[Mutation]:
    """Every change the operators make in the answer code of ``solutions/<module>.py``."""
    source = source_of(module)
    answer, owner = answer_lines(source), enclosing_functions(source)
    tree = get_ast(source)
    found: list[Mutation] = []
    for name in operators:
        operator = get_operator(name)()
        per_function: Counter[str] = Counter()
        occurrence = 0
        for node in ast_nodes(tree):  # the order cosmic-ray's MutationVisitor counts in
            for (line, _), _ in operator.mutation_positions(node):
                if line in answer:
                    function = owner[line]
                    found.append(Mutation(module, function, name, per_function[function],
                                          occurrence, line))
                    per_function[function] += 1
                occurrence += 1
    return found


def all_mutations(config: dict, engine_name: str = "cosmic-ray") -> list[Mutation]:
    if engine_name == "ast":
        return [m for module in config["modules"] for m in ast_mutations(module)]
    return [m for module in config["modules"] for m in mutations_of(module, config["operators"])]


def mutated_source(mutation: Mutation) -> str:
    if mutation.operator.startswith(AST_PREFIX):
        return apply_edit(source_of(mutation.module),
                          ast_edits(mutation.module)[mutation.occurrence])
    code = mutate_code(source_of(mutation.module), get_operator(mutation.operator)(),
                       mutation.occurrence)
    if code is None:
        raise RuntimeError(f"cosmic-ray made no change for {mutation.id}")
    return code


# --- the second engine: our own AST operators --------------------------------------------
# cosmic-ray changes one token. The bugs students write are often bigger: a validation left
# out, a check applied to the wrong argument, two arguments or variables mixed up, a dtype
# forgotten, a message that names the wrong argument. Each operator below makes such
# changes in the answer code, as edits of the source text (comments and layout stay).

AST_PREFIX = "ast/"
AST_OPERATORS = ("VariableSwap", "RemoveCheck", "UnwrapCheck", "SwapArguments", "DtypeChange",
                 "ReportedName")
CHECK_PREFIX = "check_"  # the given validation helpers: check_positive, check_ndim, ...


@dataclass(frozen=True)
class Edit:
    """Replace the source between ``start`` and ``end`` ((line, byte column), as ``ast``
    counts them) by ``text``; ``function`` and ``operator`` name the mutant."""

    function: str
    operator: str
    start: tuple[int, int]
    end: tuple[int, int]
    text: str


def apply_edit(source: str, edit: Edit) -> str:
    lines = source.encode().splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    data = source.encode()
    start = offsets[edit.start[0] - 1] + edit.start[1]
    end = offsets[edit.end[0] - 1] + edit.end[1]
    return (data[:start] + edit.text.encode() + data[end:]).decode()


def _span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)


def _is_check(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id.startswith(CHECK_PREFIX))


def _raises_only(node: ast.AST) -> bool:
    """``if ...: raise ...`` without an else: a validation."""
    return (isinstance(node, ast.If) and not node.orelse
            and all(isinstance(s, ast.Raise) for s in node.body))


def _local_names(function: ast.FunctionDef) -> list[str]:
    """Parameters, then the names the function assigns, in order of first appearance."""
    names = [a.arg for a in function.args.args]
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
    return list(dict.fromkeys(names))


def _variable_swaps(function: ast.FunctionDef, inside) -> list[tuple[ast.AST, str]]:
    """Each read of a local variable replaced by its neighbours in order of appearance
    (kh <-> kw, h_out <-> w_out, image <-> kernel, padding <-> stride)."""
    names = _local_names(function)
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and inside(node) \
                and node.id in names:
            at = names.index(node.id)
            found += [(node, names[i]) for i in (at - 1, at + 1) if 0 <= i < len(names)]
    return found


def _removals(function: ast.FunctionDef, inside, unwrap: bool) -> list[tuple[ast.AST, str]]:
    """Validations left out: a ``check_*(...)`` statement or an ``if ...: raise`` becomes
    ``pass``; ``unwrap``: ``value = check_*(name, value)`` becomes ``value = value``."""
    found = []
    statements = {id(n.value) for n in ast.walk(function) if isinstance(n, ast.Expr)}
    for node in ast.walk(function):
        if not inside(node):
            continue
        if not unwrap and ((isinstance(node, ast.Expr) and _is_check(node.value))
                           or _raises_only(node)):
            found.append((node, "pass"))
        elif (unwrap and _is_check(node) and len(node.args) >= 2
              and id(node) not in statements):  # a statement is only removed
            found.append((node, ast.unparse(node.args[1])))
    return found


def _argument_swaps(function: ast.FunctionDef, inside) -> list[tuple[ast.AST, str]]:
    """Two neighbouring positional arguments of a call swapped."""
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and inside(node):
            args = node.args
            for i in range(len(args) - 1):
                if any(isinstance(a, ast.Starred) for a in args[i:i + 2]):
                    continue
                swapped = ast.Call(node.func, [*args[:i], args[i + 1], args[i], *args[i + 2:]],
                                   node.keywords)
                found.append((node, ast.unparse(swapped)))
    return found


def _dtype_changes(function: ast.FunctionDef, inside) -> list[tuple[ast.AST, str]]:
    """``np.float64`` -> ``np.float32``; ``a.astype(...)`` -> ``a``; ``dtype=...`` dropped
    from ``np.asarray``."""
    found = []
    for node in ast.walk(function):
        if not inside(node):
            continue
        if isinstance(node, ast.Attribute) and node.attr == "float64":
            found.append((node, ast.unparse(node).replace("float64", "float32")))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "astype"):
            found.append((node, ast.unparse(node.func.value)))
        elif (isinstance(node, ast.Call) and any(k.arg == "dtype" for k in node.keywords)):
            kept = ast.Call(node.func, node.args, [k for k in node.keywords if k.arg != "dtype"])
            found.append((node, ast.unparse(kept)))
    return found


def _reported_names(function: ast.FunctionDef, inside) -> list[tuple[ast.AST, str]]:
    """In a ``check_*`` call or a ``raise ValueError(...)``, a string that names a parameter
    made to name its neighbour parameter instead (what a copy-paste does)."""
    parameters = [a.arg for a in function.args.args]
    found = []
    for node in ast.walk(function):
        if not (inside(node) and (_is_check(node) or isinstance(node, ast.Raise))):
            continue
        for text in ast.walk(node):
            if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                continue
            for at, name in enumerate(parameters):
                pattern = rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])"
                if not re.search(pattern, text.value):
                    continue
                for other in parameters[at - 1:at] + parameters[at + 1:at + 2]:
                    changed = re.sub(pattern, other, text.value)
                    found.append((text, _string_in_place(text, changed)))
    return found


def _string_in_place(node: ast.Constant, value: str) -> str:
    """The source of a string constant with ``value``; a part of an f-string stays a part
    (braces doubled)."""
    if getattr(node, "_in_fstring", False):
        return value.replace("{", "{{").replace("}", "}}")
    return repr(value)


_OPERATOR_FUNCTIONS = {
    "VariableSwap": _variable_swaps,
    "RemoveCheck": lambda f, inside: _removals(f, inside, unwrap=False),
    "UnwrapCheck": lambda f, inside: _removals(f, inside, unwrap=True),
    "SwapArguments": _argument_swaps,
    "DtypeChange": _dtype_changes,
    "ReportedName": _reported_names,
}


def _mark_fstring_parts(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                if isinstance(part, ast.Constant):
                    part._in_fstring = True


@functools.cache
def ast_edits(module: str) -> tuple[Edit, ...]:
    """Every edit of our operators in the answer code of ``solutions/<module>.py``, in a
    stable order (operator, then position in the source)."""
    source = source_of(module)
    answer = answer_lines(source)
    tree = ast.parse(source)
    _mark_fstring_parts(tree)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                 and answer & set(range(n.lineno, n.end_lineno + 1))]

    def inside(node: ast.AST) -> bool:
        return getattr(node, "lineno", None) in answer and node.end_lineno in answer

    edits = []
    for operator in AST_OPERATORS:
        for function in functions:
            for node, text in _OPERATOR_FUNCTIONS[operator](function, inside):
                start, end = _span(node)
                if getattr(node, "_in_fstring", False):  # the parts of an f-string have no
                    start, end = _fstring_part_span(source, node)  # positions of their own
                if start is None:
                    continue
                edits.append(Edit(function.name, operator, start, end, text))
    return tuple(sorted(dict.fromkeys(edits),
                        key=lambda e: (AST_OPERATORS.index(e.operator), e.start, e.text)))


def _fstring_part_span(source: str, node: ast.Constant):
    """Where the literal part ``node`` of an f-string is in the source: found in the
    f-string's own text (its parts report the f-string's position)."""
    lines = source.encode().splitlines(keepends=True)
    if node.lineno != node.end_lineno:
        return None, None
    line = lines[node.lineno - 1]
    segment = line[node.col_offset:node.end_col_offset]
    raw = node.value.replace("{", "{{").replace("}", "}}").encode()
    at = segment.find(raw)
    if at < 0 or segment.find(raw, at + 1) >= 0:
        return None, None  # not there as written (escapes), or ambiguous: skipped
    start = node.col_offset + at
    return (node.lineno, start), (node.lineno, start + len(raw))


def ast_mutations(module: str) -> list[Mutation]:
    per_function: Counter[tuple[str, str]] = Counter()
    found = []
    for occurrence, edit in enumerate(ast_edits(module)):
        key = (edit.function, edit.operator)
        found.append(Mutation(module, edit.function, AST_PREFIX + edit.operator,
                              per_function[key], occurrence, edit.start[0]))
        per_function[key] += 1
    return found


def changed_line(mutation: Mutation, code: str) -> str:
    return code.splitlines()[mutation.line - 1].strip()


# --- grading a mutant ----------------------------------------------------------------------

def importers() -> dict[str, set[str]]:
    """Module -> the graded modules that use it (itself included), from the imports."""
    used_by: dict[str, set[str]] = {m: {m} for m in EXERCISES}
    for module in EXERCISES:
        for other in re.findall(r"from solutions\.(\w+) import", source_of(module)):
            used_by.setdefault(other, set()).add(module)
    changed = True
    while changed:  # transitively: pooling uses convolution, which uses padding
        changed = False
        for users in used_by.values():
            more = set().union(*(used_by.get(u, set()) for u in users)) - users
            changed |= bool(more)
            users |= more
    return used_by


def functions_to_grade(mutation: Mutation) -> list[str]:
    """The changed function first (a mutant is usually killed there), then the rest that
    can see the change."""
    modules = importers()[mutation.module]
    rest = [f for f in FUNCTIONS if MODULE_OF[f] in modules and f != mutation.function]
    return ([mutation.function] if mutation.function in FUNCTIONS else []) + rest


def write_package(folder: Path, mutation: Mutation, code: str) -> None:
    package = folder / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    for path in (ROOT / "solutions").glob("*.py"):
        text = code if path.stem == mutation.module else path.read_text()
        (package / path.name).write_text(text.replace("solutions.", f"{PACKAGE}."))


def grade_mutant(suite: engine.Suite, mutation: Mutation, code: str) -> tuple[str, str]:
    """("killed", function) or ("survived", ""), grading the copy with ``code`` in it."""
    with tempfile.TemporaryDirectory() as folder:
        write_package(Path(folder), mutation, code)
        sys.path.insert(0, folder)
        try:
            functions = {f: getattr(importlib.import_module(f"{PACKAGE}.{MODULE_OF[f]}"), f)
                         for f in FUNCTIONS}
        finally:  # forget the copy: the next mutant graded in this process imports its own
            sys.path.remove(folder)
            for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
                del sys.modules[name]
    student = InProcessStudent(functions)
    for function in functions_to_grade(mutation):
        if loses_points(student, suite, function):
            return "killed", function
    return "survived", ""


def loses_points(student: InProcessStudent, suite: engine.Suite, function: str) -> bool:
    """Whether ``function`` loses points: ``engine.grade_function`` gives full marks exactly
    when every check passes, so this runs the engine's checks one by one and stops at the
    first that fails (the others would only add feedback; so would shrinking, left out)."""
    asked: dict = {}
    return any(not engine._run_check(student, prepared, engine.ShrinkBudget(0), asked,
                                     set())[0].passed
               for prepared in suite.of(function))


def _child(suite: engine.Suite, mutation: Mutation, code: str, pipe) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    engine.smallest_failure = lambda *args, **kwargs: None  # feedback only: not needed here
    try:
        pipe.send(grade_mutant(suite, mutation, code))
    except Exception as error:  # the mutant broke the import itself: that is a kill
        pipe.send(("killed", f"(import: {type(error).__name__})"))


def run(suite: engine.Suite, mutations: list[Mutation], jobs: int = 1,
        timeout: float = 600, equivalent: dict[str, str] | None = None,
        progress=None) -> list[Outcome]:
    """Grade every mutant, ``jobs`` at a time, each in a forked child."""
    for function in {f for m in mutations for f in functions_to_grade(m)[:1]}:
        suite.of(function)  # drawn once here, not once per child
    context = multiprocessing.get_context("fork")
    todo, active, done = list(mutations), [], {}
    while todo or active:
        while todo and len(active) < jobs:
            mutation = todo.pop(0)
            code = mutated_source(mutation)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(suite, mutation, code, send))
            process.start()
            send.close()
            active.append((mutation, code, process, receive, time.monotonic()))
        for entry in list(active):
            mutation, code, process, receive, started = entry
            status = _poll(process, receive, time.monotonic() - started > timeout)
            if status is None:
                continue
            active.remove(entry)
            state, by = status
            if state == "survived" and mutation.id in (equivalent or {}):
                state = "equivalent"
            done[mutation.id] = Outcome(mutation.id, mutation.function, state, by,
                                        changed_line(mutation, code))
            if progress:
                progress(done[mutation.id])
        time.sleep(0.02)
    return [done[m.id] for m in mutations]


def _poll(process, receive, too_long: bool) -> tuple[str, str] | None:
    if receive.poll():
        try:
            status = receive.recv()
        except EOFError:  # died without a word: out of memory, a crash
            status = ("killed", "(crashed)")
        process.join()
        return status
    if not process.is_alive():
        process.join()
        return ("killed", "(crashed)")
    if too_long:
        process.kill()
        process.join()
        return ("timeout", "")
    return None


# --- the report ------------------------------------------------------------------------------

def equivalents(path: Path = EQUIVALENTS_DOC) -> dict[str, str]:
    """Mutant id -> why it is equivalent: the rows of the table in docs/mutation.md."""
    rows = re.findall(r"^\| `([^`]+)` \| (.+?) \|$", path.read_text(), flags=re.MULTILINE)
    return dict(rows)


def table(outcomes: list[Outcome], markdown: bool = False) -> str:
    """Per function: mutants, killed, equivalent, survived, and the mutation score
    (killed / (mutants - equivalent)); ``markdown`` for docs/mutation.md."""
    by_function: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_function.setdefault(outcome.function, []).append(outcome)
    rows = [("function", "mutants", "killed", "equivalent", "survived", "score")]
    for function, group in [*sorted(by_function.items()), ("(all)", outcomes)]:
        count = Counter(o.status for o in group)
        killed = count["killed"] + count["timeout"]
        scored = len(group) - count["equivalent"]
        rows.append((function, len(group), killed, count["equivalent"], count["survived"],
                     f"{killed / scored:.0%}" if scored else "-"))
    if markdown:
        lines = ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
        return "\n".join([lines[0], "| --- |" + " ---: |" * 5, *lines[1:]])
    return "\n".join(f"{row[0]:<20}" + "".join(f"{cell!s:>11}" for cell in row[1:])
                     for row in rows)


def config_sample(config: dict, mutations: list[Mutation], engine_name: str
                  ) -> list[Mutation]:
    """The sample CI runs: cosmic-ray's by id, the AST engine's drawn with the config's seed."""
    if engine_name == "ast":
        return sample_of(mutations, config["ast"]["sample_size"], config["ast"]["seed"])
    return [m for m in mutations if m.id in set(config["sample"])]


def sample_of(mutations: list[Mutation], n: int, seed: int) -> list[Mutation]:
    """``n`` of the mutations, drawn with ``seed``, in their own order."""
    chosen = set(random.Random(seed).sample(range(len(mutations)), min(n, len(mutations))))
    return [m for i, m in enumerate(mutations) if i in chosen]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("cosmic-ray", "ast"), default="cosmic-ray",
                        help="cosmic-ray's operators, or our own AST operators")
    parser.add_argument("--sample", nargs="?", type=int, const=0, default=None, metavar="N",
                        help="N mutants drawn with --seed; without N: the config's sample")
    parser.add_argument("--seed", type=int, default=0, help="the seed of --sample N")
    parser.add_argument("--function", action="append", help="only mutants in this function")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write every outcome here")
    parser.add_argument("--list", action="store_true", help="list the mutant ids and stop")
    parser.add_argument("--markdown", action="store_true", help="the table for the docs")
    args = parser.parse_args(argv)
    config = load_config()
    mutations = all_mutations(config, args.engine)
    if args.function:
        mutations = [m for m in mutations if m.function in args.function]
    if args.sample:
        mutations = sample_of(mutations, args.sample, args.seed)
    elif args.sample == 0:
        mutations = config_sample(config, mutations, args.engine)
    if args.list:
        print("\n".join(f"{m.id}  (line {m.line})" for m in mutations))
        return 0
    suite = engine.prepare(engine.load_rubric())
    outcomes = run(suite, mutations, args.jobs, config["timeout_seconds"], equivalents(),
                   progress=lambda o: print(f"{o.status:<10} {o.id}  {o.change}",
                                            file=sys.stderr, flush=True))
    print(table(outcomes, args.markdown))
    survivors = [o for o in outcomes if o.status == "survived"]
    for outcome in survivors:
        print(f"survived: {outcome.id}: {outcome.change}")
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
