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
import importlib
import json
import multiprocessing
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


def all_mutations(config: dict) -> list[Mutation]:
    return [m for module in config["modules"] for m in mutations_of(module, config["operators"])]


def mutated_source(mutation: Mutation) -> str:
    code = mutate_code(source_of(mutation.module), get_operator(mutation.operator)(),
                       mutation.occurrence)
    if code is None:
        raise RuntimeError(f"cosmic-ray made no change for {mutation.id}")
    return code


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
        finally:
            sys.path.remove(folder)
    student = InProcessStudent(functions)
    for function in functions_to_grade(mutation):
        result = engine.grade_function(student, suite, function)
        if result.points < result.max_points:
            return "killed", function
    return "survived", ""


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", action="store_true", help="only the config's sample")
    parser.add_argument("--function", action="append", help="only mutants in this function")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write every outcome here")
    parser.add_argument("--list", action="store_true", help="list the mutant ids and stop")
    parser.add_argument("--markdown", action="store_true", help="the table for the docs")
    args = parser.parse_args(argv)
    config = load_config()
    mutations = all_mutations(config)
    if args.sample:
        mutations = [m for m in mutations if m.id in set(config["sample"])]
    if args.function:
        mutations = [m for m in mutations if m.function in args.function]
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
