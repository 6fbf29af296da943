"""What the student's code can reach, and how the worker is started to make it so.

Two isolations. ``bwrap``: bubblewrap shows the worker only the Python installation (the
project's own packages covered), a private copy of the worker runtime and the hand-in, with
no network and its own process ids. ``process``: a plain process. In both, every worker
takes IPC and mount namespaces of its own with a tmpfs scratch folder (``confine``), confines
itself with Landlock (read-only: the Python installation without the project, the runtime,
its own hand-in; read-write: its own fresh scratch folder; nothing else, /proc included) and
seccomp; a root grader's worker also becomes an unprivileged uid of its own. What each layer
stops, per platform: ``THREAT_MODEL.md`` beside this file.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from autograder.worker_runtime.confine import landlock_abi

ISOLATION_ENV = "CNNLAB_SANDBOX"  # "auto" (default), "bwrap" or "process"
WORKER_USER_ENV = "CNNLAB_WORKER_USER"  # a root grader's workers run as this user, if set
BWRAP = "/usr/bin/bwrap"
SCRATCH_BYTES = 256 * 2**20  # bubblewrap's tmpfs /tmp and /scratch; each worker mounts its own
# A root grader's bubblewrap sandbox runs as this uid inside (root outside): a worker may then
# map its uid into a user namespace of its own, which mapping root would forbid.
SANDBOX_UID = 1000
PROJECT_PACKAGES = ("solutions", "autograder", "cnnlab", "exercises", "question_bank", "tests")
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin")
UID_BASE = 2_100_000_000  # a root grader's worker with pid P runs as uid/gid UID_BASE + P
PROBE_TRIES, PROBE_SECONDS = 3, 30  # a probe that times out on a busy machine is retried


# --- the choice ------------------------------------------------------------------------------

def isolation_choice(requested: str | None = None) -> tuple[str, str]:
    """("bwrap" or "process", why). "auto" (the default) is bwrap when it works here;
    "bwrap" requested where it does not work is a RuntimeError naming why."""
    requested = requested or os.environ.get(ISOLATION_ENV, "auto")
    if requested not in ("auto", "bwrap", "process"):
        raise ValueError(f"isolation must be auto, bwrap or process, got {requested!r}")
    works, why = bwrap_probe()
    if requested == "bwrap" and not works:
        raise RuntimeError(f"isolation 'bwrap' was requested but {why}")
    if requested == "auto":
        return ("bwrap", f"auto: {why}") if works else ("process", f"auto chose process "
                                                              f"isolation because {why}")
    return requested, f"{requested} was requested"


def choose_isolation(requested: str | None) -> str:
    return isolation_choice(requested)[0]


def bwrap_works() -> bool:
    return bwrap_probe()[0]


@functools.cache
def bwrap_probe() -> tuple[bool, str]:
    """(works, why): a tiny sandbox is started, patiently (a timeout is retried)."""
    if sys.platform != "linux" or not os.access(BWRAP, os.X_OK):
        return False, f"{BWRAP} is not installed"
    probe = [BWRAP, *_bwrap_mounts(), "--", sys.executable, "-I", "-S", "-c", "pass"]
    for _ in range(PROBE_TRIES):
        try:
            done = subprocess.run(probe, capture_output=True, timeout=PROBE_SECONDS)
        except subprocess.TimeoutExpired:
            continue
        except OSError as error:
            return False, f"{BWRAP} cannot be started ({error})"
        if done.returncode == 0:
            return True, f"{BWRAP} works here"
        text = done.stderr.decode(errors="replace").strip()[-300:]
        return False, f"{BWRAP} fails here (exit code {done.returncode}: {text})"
    return False, (f"the {BWRAP} probe did not finish in {PROBE_SECONDS} s, "
                   f"{PROBE_TRIES} times")


# --- what the student's code can reach --------------------------------------------------------

def worker_drop() -> dict | None:
    """Who a root grader's worker becomes (None when the grader is not root): the user
    ``$CNNLAB_WORKER_USER``, else a uid/gid of its own per worker (UID_BASE + its pid)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    keep = not all(others_can_reach(p) for p in python_prefixes())
    name = os.environ.get(WORKER_USER_ENV)
    if name:
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            raise RuntimeError(f"{WORKER_USER_ENV}={name!r} is not a user here") from None
        return {"uid": user.pw_uid, "gid": user.pw_gid, "per_process": False,
                "keep_read_search": keep}
    return {"uid": UID_BASE, "gid": UID_BASE, "per_process": True, "keep_read_search": keep}


def others_can_reach(path: str) -> bool:
    """Whether a user who owns nothing can walk down to ``path``."""
    folder = Path(os.path.realpath(path))
    return all(os.stat(p).st_mode & 0o001 for p in (folder, *folder.parents))


def isolation_note(isolation: str) -> str:
    """Exactly what the student's code can reach in ``isolation`` on this machine."""
    landlock = landlock_abi() > 0
    drop = worker_drop()
    who = os.environ.get(WORKER_USER_ENV) or "an unprivileged uid of its own"
    user = "" if drop is None else f"; it runs as {who} with no groups"
    confined = ("reads only the Python installation (without this project), the worker "
                "runtime and its own hand-in, writes only its own fresh scratch folder, and "
                "cannot read other processes' /proc entries")
    if isolation == "bwrap":
        landlock_text = f"; Landlock in each worker: it {confined}" if landlock else \
            " (no Landlock in this kernel: hand-ins graded by the same fork server share /tmp)"
        return ("isolation: bubblewrap (project files hidden, no network, own process ids)"
                + landlock_text)
    if landlock:
        return (f"isolation: plain process confined by Landlock: the student's code {confined}; "
                f"no network, no new processes (seccomp){user}")
    if drop is not None:
        return ("isolation: plain process, WEAKER (no bubblewrap, no Landlock): the student's "
                f"code runs as uid {drop['uid']}+ with no groups and can read every file "
                "readable by all users (the project too, if it is), and write where all "
                "users may (/tmp); no network, no new processes (seccomp)")
    return ("isolation: plain process, WEAKER (no bubblewrap, no Landlock, not root): the "
            "student's code runs as the grader's user and can read and write everything that "
            "user can (the class folder, OUT and its gradebook, the suite cache, the project) "
            "and read the grader's /proc entries; only seccomp stops network and new processes")


@functools.cache
def landlock_read_paths(runtime: str) -> list[str]:
    """What a worker may read (besides its hand-in): the system and Python folders without
    this project's packages, and the runtime."""
    hidden = project_dirs_under([*SYSTEM_DIRS, *python_prefixes()])
    paths = [*allowed_around(list(SYSTEM_DIRS) + list(python_prefixes()), hidden)]
    return [*paths, runtime]


def allowed_around(roots: Sequence[str], hidden: Sequence[str]) -> list[str]:
    """``roots`` with the ``hidden`` folders below them cut out: a root that holds a hidden
    folder is replaced by its entries, recursively (Landlock only ever allows)."""
    allowed = []
    for root in roots:
        real = os.path.realpath(root)
        if not os.path.exists(real) or real in hidden:
            continue
        if any(h.startswith(real + os.sep) for h in hidden) and os.path.isdir(real):
            allowed += allowed_around([os.path.join(real, n) for n in sorted(os.listdir(real))],
                                      hidden)
        elif real not in allowed:
            allowed.append(real)
    return allowed


# --- how a worker is started -----------------------------------------------------------------

def bwrap_command(binds: list[tuple[str, str]], config: dict, tasks=None) -> list[str]:
    """Only what the worker needs is visible: the Python installation (with the project's
    own packages covered by empty folders), the runtime copy at /runtime, and ``binds``
    (host folder, where inside), read-only; and the sandbox's pids cgroup ``tasks``, if it
    has one, at ``cgroup.INSIDE`` (writable: each worker makes its own group below it)."""
    from autograder.sandbox.cgroup import INSIDE

    runtime = config["runtime"]
    inside = {**config, "runtime": "/runtime", "given": "/runtime/given"}
    command = [BWRAP, *_bwrap_mounts(), "--ro-bind", runtime, "/runtime"]
    for host, where in binds:
        command += ["--ro-bind", host, where]
    if tasks is not None:
        command += ["--bind", str(tasks.path), INSIDE]
    return [*command, "--size", str(SCRATCH_BYTES), "--tmpfs", "/scratch", "--chdir", "/scratch",
            "--", *worker_command(Path("/runtime/worker.py"), inside)]


def _bwrap_mounts() -> list[str]:
    mounts = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
              *(["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
                if os.geteuid() == 0 else []),
              "--dev", "/dev", "--proc", "/proc",
              "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp"]
    for system in SYSTEM_DIRS:
        mounts += ["--ro-bind-try", system, system]
    for prefix in python_prefixes():
        mounts += ["--ro-bind", prefix, prefix]
    for hidden in project_dirs_under(python_prefixes()):
        mounts += ["--tmpfs", hidden]
    return mounts


def worker_command(worker: Path, config: dict) -> list[str]:
    import json

    return [sys.executable, "-I", "-S", "-B", str(worker), json.dumps(config)]


def clean_environment(home: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": os.path.join(home, ".matplotlib")}


@functools.cache
def python_prefixes() -> tuple[str, ...]:
    """The Python installation, and where numpy and scipy live if elsewhere."""
    places = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    places.update(os.path.realpath(p) for p in site_packages())
    places.add(os.path.dirname(os.path.realpath(sys.executable)))
    covered = sorted(places)
    return tuple(p for p in covered if not any(p != q and p.startswith(q + os.sep)
                                                for q in covered))


@functools.cache
def site_packages() -> tuple[str, ...]:
    """The folders numpy and scipy are imported from (the worker runs with ``-S``)."""
    folders = []
    for name in ("numpy", "scipy"):
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            folder = str(Path(spec.origin).parent.parent)
            if folder not in folders:
                folders.append(folder)
    return tuple(folders)


def project_dirs_under(prefixes: Sequence[str]) -> list[str]:
    """This project's packages when installed inside the Python installation (a normal,
    not editable, install): they are covered so the student cannot read them."""
    hidden = []
    for name in PROJECT_PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            real = os.path.realpath(location)
            if any(real.startswith(os.path.realpath(p) + os.sep) for p in prefixes):
                hidden.append(real)
    return hidden


# --- the private folders of one grading process ----------------------------------------------

@functools.cache
def runtime_dir() -> Path:
    """A private copy of what the worker runs: the folder ``autograder/worker_runtime`` whole,
    the exercise catalog and loader, and the given code (support modules and stubs). Made
    once per grading process, next to ``stage/`` (hand-ins) and ``scratch/`` (workers)."""
    _remove_stale_sandboxes()
    creator = os.getpid()  # forked grading processes share it; only its creator removes it
    top = Path(tempfile.mkdtemp(prefix=f"cnnlab-sandbox-{creator}-"))

    @atexit.register
    def remove() -> None:
        if os.getpid() == creator:
            shutil.rmtree(top, ignore_errors=True)

    for folder in (top, *(top / name for name in ("stage", "scratch"))):
        folder.mkdir(exist_ok=True)
        os.chmod(folder, 0o711)  # a worker user may pass through, not list
    root = top / "runtime"
    here = Path(__file__).resolve().parent.parent / "worker_runtime"
    shutil.copytree(here, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc",
                                                              "__init__.py"))
    cnnlab = Path(_spec("cnnlab").origin or "").parent
    (root / "cnnlab").mkdir()
    (root / "cnnlab" / "__init__.py").write_text("")
    for name in ("loading.py", "catalog.py", "calls.py"):
        shutil.copy(cnnlab / name, root / "cnnlab" / name)
    given = Path(next(iter(_spec("exercises").submodule_search_locations or [])))
    shutil.copytree(given, root / "given" / "exercises",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path in [root, *root.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return root


def _spec(name: str) -> importlib.machinery.ModuleSpec:
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ModuleNotFoundError(f"{name} is not installed", name=name)
    return spec


def stage_root() -> Path:
    return runtime_dir().parent / "stage"


def scratch_root() -> Path:
    return runtime_dir().parent / "scratch"


def _remove_stale_sandboxes() -> None:
    """Remove what a killed run left in the temporary folder: sandboxes whose process is gone."""
    for folder in Path(tempfile.gettempdir()).glob("cnnlab-sandbox-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and sys.platform == "linux":
            shutil.rmtree(folder, ignore_errors=True)
