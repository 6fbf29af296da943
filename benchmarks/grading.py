"""How fast does ``cnnlab grade`` grade a class? Prints tables; asserts nothing.

    python benchmarks/grading.py                 # 300 students, -j 2, the hidden suite
    python benchmarks/grading.py --students 60 --jobs 1 2
    python benchmarks/grading.py --fake          # pipeline and sandbox only (public examples)
    python benchmarks/grading.py --without bunch  # a speed device of the worker turned off
    python benchmarks/grading.py --floor-only --without lazy_seeding

A synthetic class is made by replicating the students of ``examples/class`` into a temporary
folder. Endless loops cost their full time limit, so they are mixed in at a realistic rate
(``--loop-share``, default 2%) rather than at the example class's 2 in 11.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "class"
sys.path.insert(0, str(ROOT))
from autograder.sandbox.session import SPEED_DEVICES  # noqa: E402

SLOW = ("s007_infinite_loop", "s009_hostile")  # each spends a per-call time limit


def make_class(target: Path, students: int, loop_share: float) -> Path:
    """``students`` hand-ins copied from the example class: the slow ones at ``loop_share``."""
    examples = sorted(p for p in EXAMPLES.iterdir() if p.is_dir() or p.suffix == ".zip")
    fast = [p for p in examples if p.name not in SLOW]
    slow = [p for p in examples if p.name in SLOW]
    n_slow = round(students * loop_share)
    chosen = [slow[i % len(slow)] for i in range(n_slow)]
    chosen += [fast[i % len(fast)] for i in range(students - n_slow)]
    target.mkdir(parents=True)
    for number, source in enumerate(chosen):
        name = f"student{number:04d}_{source.stem}"
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / f"{name}.zip")
    return target


def grade_once(class_dir: Path, jobs: int, fake: bool, scheduler: str | None = None) -> dict:
    from autograder.cluster import Connection
    from autograder.pipeline import Options, grade_class
    engine = None
    if fake:
        sys.path.insert(0, str(ROOT / "tests"))
        from grader_helpers import FakeEngine
        engine = FakeEngine
    out = Path(tempfile.mkdtemp(prefix="cnnlab-bench-out-"))
    started = time.perf_counter()
    cluster = Connection(scheduler) if scheduler else None
    run = grade_class(class_dir, out, Options(jobs=jobs, cluster=cluster), engine)
    seconds = time.perf_counter() - started
    shutil.rmtree(out)
    per = sorted(run.seconds_per_student.values())
    from autograder.pipeline import grading_processes
    return {"jobs": grading_processes(jobs), "students": len(run.results), "seconds": seconds,
            "per_mean": statistics.mean(per), "per_median": statistics.median(per),
            "per_p95": per[int(0.95 * (len(per) - 1))], "isolation": run.isolation,
            "stages": run.stage_seconds, "graded_seconds": sum(per),
            "per_kind": _per_kind(run.seconds_per_student)}


def _per_kind(seconds: dict[str, float]) -> dict[str, float]:
    """Mean seconds per hand-in of each example student the class was copied from."""
    kinds: dict[str, list[float]] = {}
    for name, value in seconds.items():
        kinds.setdefault(name.split("_", 1)[-1], []).append(value)
    return {kind: statistics.mean(values) for kind, values in sorted(kinds.items())}


def student_code_seconds() -> tuple[dict[str, float], dict[str, int]]:
    """Seconds each example student's own functions take for the hidden suite: the hand-in
    graded once more in this process (no sandbox), with a clock around every call of one
    of its functions; and how many calls each made. Not for the endless loops: in-process
    they would never end."""
    from autograder import engine
    from autograder.inprocess import InProcessStudent
    from autograder.submissions import find_candidates, prepare
    from cnnlab.catalog import FUNCTIONS
    from cnnlab.loading import exercises_from

    suite = engine.prepare(engine.load_rubric())
    seconds, calls = {}, {}
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-student-") as tmp:
        for candidate in find_candidates(EXAMPLES):
            if candidate.student in SLOW:
                continue
            submission = prepare(candidate, Path(tmp))
            spent = [0.0, 0]
            with exercises_from(submission.folder) as loaded:
                functions = {name: _timed(loaded.function(name), spent) for name in FUNCTIONS
                             if callable(loaded.function(name))}
            # graded after the student's modules are unmounted: while they are, the name
            # ``solutions`` is the student's folder, and the grader's references would be theirs
            engine.grade(InProcessStudent(functions), suite, submission.sources)
            seconds[candidate.student], calls[candidate.student] = spent
    return seconds, calls


def _timed(function, spent: list):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started
            spent[1] += 1
    return timed


def call_floor(calls: int = 20_000) -> dict[str, float]:
    """Microseconds per call of a function that returns its input in the sandbox: what any
    call costs before judging, whatever the student wrote; with a 3x3 array and an int."""
    import numpy as np

    from autograder.sandbox import SandboxedStudent
    sys.path.insert(0, str(ROOT / "tests"))
    from grader_helpers import perfect_with
    cases = {"a 3x3 array": ("relu", [((np.full((3, 3), float(i)),), {}) for i in range(calls)]),
             "an int": ("shared_weights", [((i % 7 + 1,), {}) for i in range(calls)])}
    floor = {}
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-floor-") as tmp:
        folder = perfect_with(Path(tmp) / "s", "convolution", "def relu(x):\n    return x\n")
        with SandboxedStudent(folder) as student:
            for label, (function, batch) in cases.items():
                student.call_many(function, batch[:200])  # started, and warm
                started = time.perf_counter()
                student.call_many(function, batch)
                floor[label] = 1e6 * (time.perf_counter() - started) / calls
    return floor


def print_student_share(r: dict, class_dir: Path) -> None:
    """How much of the grading time is the students' own code."""
    own, calls = student_code_seconds()
    names = [p.name.split("_", 1)[-1].removesuffix(".zip") for p in class_dir.iterdir()]
    students = sum(own.get(name, 0.0) for name in names)
    loops = [name for name in names if name not in own]
    graded = r["graded_seconds"] - sum(r["per_kind"].get(n, 0.0) for n in loops)
    print(f"the students' own code (replayed in-process, without the {len(loops)} endless "
          f"loops): {students:.1f} s of {graded:.1f} s of grading, "
          f"{100 * students / max(graded, 1e-9):.0f} %; the grader's part: "
          f"{100 * (1 - students / max(graded, 1e-9)):.0f} %")
    print("the students' own code per call (in-process): " + ", ".join(
        f"{name} {1e6 * own[name] / max(calls[name], 1):.0f} µs" for name in sorted(own)))
    print_call_floor()


def print_call_floor() -> None:
    print("a call's floor in the sandbox (a function that returns its input, before "
          "judging): " + ", ".join(f"{us:.0f} µs for {label}"
                                   for label, us in call_floor().items()))


def print_breakdown(r: dict) -> None:
    """Where the grading processes' time went (``autograder.stages``), summed over hand-ins;
    "other" is what no stage measured (unpacking, the engine's own loops, ...)."""
    stages = dict(r["stages"])
    outputs = stages.pop("outputs", 0.0)  # written once, by the parent
    stages["other"] = max(0.0, r["graded_seconds"] - sum(stages.values()))
    total = sum(stages.values())
    print(f"where the time goes (-j {r['jobs']}, summed over hand-ins: {total:.1f} s; "
          f"outputs, once at the end: {outputs:.1f} s)")
    for name, value in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"  {name:45s} {value:8.1f} s  {100 * value / max(total, 1e-9):5.1f} %")
    print("mean seconds per hand-in, by the example student it is a copy of")
    for kind, value in sorted(r["per_kind"].items(), key=lambda kv: -kv[1]):
        print(f"  {kind:45s} {value:8.2f} s")


# Imports of the student's own or the given modules: in the notebook they are one namespace.
LOCAL_MODULES = ("solutions", "exercises", "padding", "convolution", "pooling", "weights",
                 "receptive_field", "validation", "architecture")
NBGRADER_SAMPLE = 12  # nbgrader needs a kernel and the suite's preparation per hand-in


def nbgrader_autograde(class_dir: Path, cnnlab_per_submission: float | None = None,
                       sample: int = NBGRADER_SAMPLE, tests: str = "hidden",
                       cnnlab_class: tuple[float, int] | None = None) -> float | None:
    """Seconds per hand-in for ``nbgrader autograde`` on the same class, as notebooks, and the
    ratio to cnnlab's seconds per hand-in. A sample of ``sample`` hand-ins of modules (not the
    endless loops: in-process, nbgrader would wait for its cell timeout) is turned into the
    released notebook with each student's functions (and the module's imports) in the
    solution cells. ``tests``: "hidden", our notebook's test cells (the hidden suite in the
    kernel), or "asserts", the status quo of courses: 3 plain asserts per function.
    None when nbgrader is not installed."""
    import importlib.util
    import json
    import subprocess

    if importlib.util.find_spec("nbgrader") is None:
        return None
    from cnnlab.platforms.nbgrader_course import init_course
    from cnnlab.platforms.notebooks import NOTEBOOK_NAME

    students = [p for p in sorted(class_dir.iterdir()) if p.is_dir() and any(p.glob("*.py"))
                and not any(slow in p.name for slow in SLOW)][:sample]
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-nbgrader-") as tmp:
        course = Path(tmp) / "course"
        init_course(course)
        if tests == "asserts":
            _use_plain_asserts(course / "source" / "cnn" / NOTEBOOK_NAME)
        nbgrader = [sys.executable, "-m", "nbgrader"]
        sys.path.insert(0, str(ROOT / "tests"))
        from nbgrader_helpers import activated_env  # nbgrader runs `alembic` from PATH
        env = activated_env(os.environ)
        subprocess.run([*nbgrader, "generate_assignment", "cnn", "--force"], cwd=course,
                       check=True, capture_output=True, env=env)
        released = json.loads((course / "release" / "cnn" / NOTEBOOK_NAME).read_text())
        for student in students:
            folder = course / "submitted" / student.name / "cnn"
            folder.mkdir(parents=True)
            notebook = _as_notebook(released, student)
            (folder / NOTEBOOK_NAME).write_text(json.dumps(notebook))
        started = time.perf_counter()
        subprocess.run([*nbgrader, "autograde", "cnn", "--force"], cwd=course, check=True,
                       capture_output=True, env=env)
        seconds = time.perf_counter() - started
    per = seconds / max(len(students), 1)
    ratio = f", {per / cnnlab_per_submission:.1f}x cnnlab's median {cnnlab_per_submission:.2f} s" \
        if cnnlab_per_submission else ""
    label = "3 plain asserts per function" if tests == "asserts" else "our hidden test cells"
    print(f"nbgrader autograde ({label}): {len(students)} hand-ins in {seconds:.1f} s, "
          f"{per:.2f} s per hand-in{ratio}")
    if cnnlab_class:  # the class as a whole: nbgrader grades one notebook after another
        class_seconds, class_size = cnnlab_class
        print(f"  the class of {class_size}: nbgrader about {per * class_size:.0f} s, cnnlab "
              f"{class_seconds:.1f} s: {per * class_size / class_seconds:.1f}x faster")
    return seconds


ASSERTS_PER_FUNCTION = 3


def _use_plain_asserts(notebook_path: Path) -> None:
    """Replace each graded cell's body by plain asserts on the public examples (repeated where a
    function has fewer than three): the test cells courses write by hand today."""
    import json

    from cnnlab.public_checks import CASES

    notebook = json.loads(notebook_path.read_text())
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        name = meta.get("grade_id", "")
        if meta.get("grade") and name.startswith("test_"):
            cases = [c for c in CASES if c.function == name[len("test_"):]]
            chosen = [cases[i % len(cases)] for i in range(ASSERTS_PER_FUNCTION)]
            cell["source"] = "import numpy as np\nfrom numpy import array\n" + "\n".join(
                _plain_assert(case) for case in chosen)
    notebook_path.write_text(json.dumps(notebook))


def _plain_assert(case) -> str:
    """One hand-written-style assert for ``case`` (a ``cnnlab.public_checks.Case``)."""
    import numpy as np

    from cnnlab.public_checks import RAISES

    text = lambda v: repr(v.tolist()) if isinstance(v, np.ndarray) else repr(v)  # noqa: E731
    args = [f"np.array({text(a)})" if isinstance(a, np.ndarray) else text(a) for a in case.args]
    args += [f"{k}={text(v)}" for k, v in case.kwargs.items()]
    call = f"{case.function}({', '.join(args)})"
    if case.expected is RAISES:
        return f"try:\n    {call}\n    raise AssertionError('no ValueError')\n" \
               "except ValueError:\n    pass"
    if isinstance(case.expected, np.ndarray):
        return f"assert np.allclose({call}, np.array({text(case.expected)}))"
    return f"assert {call} == {text(case.expected)}"


def _as_notebook(released: dict, student: Path) -> dict:
    """The released notebook with the student's function definitions in its solution cells;
    a function the student did not write keeps the stub."""
    import ast
    import copy

    definitions: dict[str, str] = {}
    for module in sorted(student.glob("*.py")):
        source = module.read_text(errors="replace")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # as in cnnlab grade: the module's functions get nothing
        lines = source.splitlines()
        imports = [ast.get_source_segment(source, n) for n in tree.body
                   if isinstance(n, ast.Import | ast.ImportFrom)
                   and (getattr(n, "module", None) or "").split(".")[0] not in LOCAL_MODULES]
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                body = "\n".join(lines[node.lineno - 1:node.end_lineno])
                definitions[node.name] = "\n".join([*imports, "", body])
    notebook = copy.deepcopy(released)
    for cell in notebook["cells"]:
        name = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if cell["metadata"].get("nbgrader", {}).get("solution") and name in definitions:
            cell["source"] = definitions[name]
    return notebook


def dask_figures(class_dir: Path, workers: int = 2) -> dict | None:
    """The same class on a local Dask cluster of ``workers`` single-threaded workers (started
    here, torn down after), through ``cnnlab grade --scheduler``'s path; None without the
    cluster extra."""
    import importlib.util
    if importlib.util.find_spec("distributed") is None:
        return None
    from distributed import LocalCluster
    started = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, host="127.0.0.1") as local:
        ready = time.perf_counter() - started
        r = grade_once(class_dir, 0, False, local.scheduler_address)
    r["cluster_start"] = ready
    r["jobs"] = workers
    return r


def print_row(label: str, r: dict) -> None:
    rate = 60 * r["students"] / r["seconds"]
    print(f"{label:>12}  {r['jobs']:>4}  {r['seconds']:>8.1f}  {rate:>12.0f}"
          f"  {r['per_mean']:>14.2f}  {r['per_median']:>8.2f}  {r['per_p95']:>6.2f}  "
          f"{r['isolation']}")


def startup_seconds(repeats: int = 20) -> dict[str, float]:
    """The cost of one sandboxed worker: start, import numpy and the perfect student; with the
    fork server (numpy preloaded, started once before) and with a fresh worker each time."""
    from autograder.sandbox import SandboxedStudent, bwrap_works
    times = {}
    for isolation in (["bwrap"] if bwrap_works() else []) + ["process"]:
        for fork_server in (True, False):
            samples = []
            for _ in range(repeats + 1):
                started = time.perf_counter()
                with SandboxedStudent(EXAMPLES / "s001_perfect", isolation=isolation,
                                      fork_server=fork_server) as student:
                    student.missing()
                samples.append(time.perf_counter() - started)
            label = f"{isolation}, {'fork server' if fork_server else 'fresh worker'}"
            times[label] = statistics.median(samples[1:])  # the first starts the server
    return times


def hidden_suite_drawn() -> None:
    """Draw what the cache lacks now, untimed: a class's time must never include drawing
    (a course's first grading, or the first after the checks changed, draws)."""
    from autograder import engine
    started = time.perf_counter()
    engine.prepare(engine.load_rubric())
    print(f"hidden suite ready in the cache ({time.perf_counter() - started:.1f} s, not "
          "counted below)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--jobs", type=int, nargs="+", default=[0],
                        help="grading processes; 0: cnnlab grade's default (3 per 2 cores)")
    parser.add_argument("--loop-share", type=float, default=0.02)
    parser.add_argument("--fake", action="store_true",
                        help="grade with the public examples only (the stand-in engine)")
    parser.add_argument("--without", nargs="+", default=[], choices=sorted(SPEED_DEVICES),
                        help="turn these speed devices of the worker off, to measure them")
    parser.add_argument("--floor-only", action="store_true",
                        help="only a call's floor in the sandbox")
    parser.add_argument("--no-dask", action="store_true",
                        help="leave out the Dask figures (a local cluster of 2 workers)")
    parser.add_argument("--class-only", action="store_true",
                        help="only the class table and where the time goes (no students' "
                        "share, no nbgrader baselines)")
    args = parser.parse_args()
    for device in args.without:
        SPEED_DEVICES[device] = False
    if args.without:
        print(f"without: {', '.join(args.without)}")
    if args.floor_only:
        print_call_floor()
        return

    if not args.fake:
        hidden_suite_drawn()
    print("sandbox start-up (median of 20, start + import numpy + student modules)")
    for isolation, seconds in startup_seconds().items():
        print(f"  {isolation:28s} {1000 * seconds:7.1f} ms")
    print()
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-class-") as tmp:
        class_dir = make_class(Path(tmp) / "class", args.students, args.loop_share)
        engine = "stand-in (public examples)" if args.fake else "hidden suite"
        print(f"class of {args.students} students ({args.loop_share:.0%} endless loops), "
              f"{engine}")
        print(f"{'engine':>12}  {'jobs':>4}  {'total s':>8}  {'students/min':>12}  "
              f"{'per-sub mean s':>14}  {'median s':>8}  {'p95 s':>6}  isolation")
        for jobs in args.jobs:
            r = grade_once(class_dir, jobs, args.fake)
            print_row("local pool", r)
        if not args.fake and not args.no_dask:
            dask = dask_figures(class_dir)
            if dask is None:
                print("Dask: not measured (pip install -e '.[cluster]')")
            else:
                print_row("Dask, 2 wkr", dask)
                print(f"Dask: local cluster started in {dask['cluster_start']:.1f} s (not "
                      f"counted); {dask['seconds'] / r['seconds']:.2f}x the local pool's time")
        print_breakdown(r)
        if args.class_only:
            return
        print_student_share(r, class_dir)
        for tests in ("asserts", "hidden"):
            if nbgrader_autograde(class_dir, r["per_median"], tests=tests,
                                  cnnlab_class=(r["seconds"], r["students"])) is None:
                print("nbgrader autograde: not measured (nbgrader is not installed)")
                break


if __name__ == "__main__":
    main()
