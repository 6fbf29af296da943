"""Where does the test suite's CPU go? Runs the README's test command (``pytest -n auto``) and
prints two tables; asserts nothing. For whoever has to keep CI under its 15 minutes.

    python benchmarks/suite_cpu.py                  # the whole suite
    python benchmarks/suite_cpu.py --top 30 -- tests/autograder -x

The suite is CPU-bound on two cores (the machine is busy all through a run), so its wall time
is its CPU divided by what the machine gives: cutting time means cutting CPU. The usual
accounting (``/usr/bin/time``, a test's ``RUSAGE_CHILDREN``) misses the processes no one in
the test tree waits for, such as the sandboxed student workers, a fifth of the whole. So:

- **By kind of process**: every process of the machine, read from ``/proc`` twice a second;
  a process's CPU is the last figure seen before it ended (a process shorter than half a
  second is missed). "The test processes" are the xdist workers and what they fork (a forked
  grading process keeps its parent's command line).
- **By test module**: each test's CPU in its test process and in the processes it started
  and waited for (``RUSAGE_CHILDREN``), setup and teardown included; a module-scoped fixture
  counts in the module's first test.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_ENV = "CNNLAB_SUITE_CPU_OUT"  # set: this module is loaded as a pytest plugin, writes here
HZ = os.sysconf("SC_CLK_TCK")

# (kind, words any of which in a command line makes it that kind), first match wins
KINDS = [
    ("sandboxed student workers", ("/worker.py",)),
    ("test processes (xdist workers and their forks)", ("exec(eval(sys.stdin.readline()))",)),
    ("pytest controller", ("-m pytest",)),
    ("nbgrader, alembic and Jupyter kernels", ("nbgrader", "ipykernel", "alembic")),
    ("Dask scheduler and workers", ("bin/dask ",)),
    ("Chromium and chromedriver", ("chrom",)),
    ("pip in a venv of a test", ("-m pip", "-m venv")),
    ("multiprocessing children", ("multiprocessing",)),
    ("cnnlab commands a test runs", ("-m cnnlab", "bin/cnnlab", "cnnlab.platforms")),
    ("other Python processes", ("python",)),
]


# --- the pytest plugin side -----------------------------------------------------------------

if os.environ.get(OUT_ENV):
    import pytest
    from drawing import cpu as _own_and_waited  # this process's CPU and its waited-for children

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        used, started = _own_and_waited(), time.monotonic()
        yield
        line = json.dumps([item.nodeid, _own_and_waited() - used, time.monotonic() - started])
        with open(Path(os.environ[OUT_ENV]) / f"tests-{os.getpid()}.jsonl", "a") as out:
            out.write(line + "\n")


# --- the measuring side ----------------------------------------------------------------------

class ProcessWatch:
    """Every process's CPU seconds, by (pid, start time), and its first command line."""

    def __init__(self) -> None:
        self.cpu: dict[tuple[str, str], float] = {}
        self.command: dict[tuple[str, str], str] = {}
        self.before = self._snapshot()  # what ran before the suite: not the suite's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcessWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for process, cpu in self._snapshot().items():
                self.cpu[process] = cpu
                if process not in self.command:  # read once: a command line stays the same
                    self.command[process] = _command_line(process[0])

    @staticmethod
    def _snapshot() -> dict[tuple[str, str], float]:
        seen = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:  # ended meanwhile
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            seen[pid, fields[19]] = (int(fields[11]) + int(fields[12])) / HZ
        return seen

    def by_kind(self) -> dict[str, list[float]]:
        """kind -> [CPU seconds during the run, processes]"""
        kinds: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0])
        for process, cpu in self.cpu.items():
            if process[0] == str(os.getpid()):
                continue  # this script, watching
            kind = kind_of(self.command.get(process, ""))
            kinds[kind][0] += cpu - self.before.get(process, 0.0)
            kinds[kind][1] += 1
        return kinds


def _command_line(pid: str) -> str:
    """The command line, or an empty string for a process that ended (or is a zombie)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace")
    except OSError:
        return ""


def kind_of(command: str) -> str:
    for kind, words in KINDS:
        if any(word in command for word in words):
            return kind
    return "other processes" if command else "processes seen only as they ended"


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy since boot (all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / HZ


def by_module(folder: Path) -> dict[str, list[float]]:
    """test module -> [CPU seconds, wall seconds summed over its tests, tests]"""
    modules: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for part in folder.glob("tests-*.jsonl"):
        for line in part.read_text().splitlines():
            nodeid, cpu, wall = json.loads(line)
            row = modules[nodeid.split("::")[0]]
            row[0] += cpu
            row[1] += wall
            row[2] += 1
    return modules


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=20, help="test modules to list (20)")
    parser.add_argument("pytest_args", nargs="*", help="after --: pytest's own arguments")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="suite-cpu-") as folder:
        env = {**os.environ, OUT_ENV: folder,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent),
                                                           os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", "pytest", "-n", "auto", "-q", "-p", "suite_cpu",
                   *args.pytest_args]
        busy, started = machine_busy(), time.monotonic()
        with ProcessWatch() as watch:
            done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  text=True)
        wall, busy = time.monotonic() - started, machine_busy() - busy
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(no output)")
        _print_kinds(watch.by_kind(), wall, busy)
        _print_modules(by_module(Path(folder)), args.top)
    return done.returncode


def _print_kinds(kinds: dict[str, list[float]], wall: float, busy: float) -> None:
    total = sum(cpu for cpu, _ in kinds.values())
    cores = len(os.sched_getaffinity(0))
    print(f"\n{wall:.1f} s wall; the machine was busy {busy:.0f} s of CPU "
          f"({100 * busy / (wall * os.cpu_count()):.0f} % of its {os.cpu_count()} cores; "
          f"{cores} for this run); the suite's processes used {total:.0f} s of it\n")
    print(f"{'kind of process':<50} {'CPU s':>8} {'share':>6} {'processes':>10}")
    for kind, (cpu, count) in sorted(kinds.items(), key=lambda kv: -kv[1][0]):
        print(f"{kind:<50} {cpu:8.1f} {100 * cpu / total:5.1f}% {count:10.0f}")


def _print_modules(modules: dict[str, list[float]], top: int) -> None:
    print(f"\n{'test module (CPU in its test process and what it waited for)':<62} "
          f"{'CPU s':>7} {'wall s':>7} {'tests':>6}")
    ranked = sorted(modules.items(), key=lambda kv: -kv[1][0])
    for module, (cpu, wall, tests) in ranked[:top]:
        print(f"{module:<62} {cpu:7.1f} {wall:7.1f} {tests:6.0f}")
    rest = ranked[top:]
    if rest:
        print(f"{f'the other {len(rest)} modules':<62} {sum(r[1][0] for r in rest):7.1f} "
              f"{sum(r[1][1] for r in rest):7.1f} {sum(r[1][2] for r in rest):6.0f}")


if __name__ == "__main__":
    sys.exit(main())
