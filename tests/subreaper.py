"""Run a command and find every process it leaves behind (a test helper, run as a script).

    python subreaper.py REPORT -- COMMAND ARG...

This process makes itself a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``), so that
whatever COMMAND starts, also in new sessions and after its parent died, stays among its
descendants. COMMAND runs in a new session (its process group is its pid, written to
``REPORT.pid`` at once, for the test to signal). When COMMAND has ended, its descendants get
``GRACE_SECONDS`` to end too (a parent-death signal takes a moment); the ones still there are
written to REPORT as JSON (``{"status": ..., "left": [[pid, command line], ...]}``) and killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
GRACE_SECONDS = 30


def descendants(ancestor: int) -> dict[int, str]:
    """pid -> command line of every live process below ``ancestor`` (zombies reaped first)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found = {}
    for pid in parents:
        up = parents.get(pid)
        while up is not None and up != ancestor:
            up = parents.get(up)
        if up == ancestor:
            try:
                found[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes()
                              .replace(b"\0", b" ").decode(errors="replace").strip())
            except OSError:
                continue
    return found


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> int:
    report, command = Path(sys.argv[1]), sys.argv[sys.argv.index("--") + 1:]
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    child = subprocess.Popen(command, start_new_session=True)
    Path(f"{report}.pid").write_text(str(child.pid))
    status = child.wait()
    me, left = os.getpid(), {}
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        reap()
        left = descendants(me)
        if not left:
            break
        time.sleep(0.1)
    report.write_text(json.dumps({"status": status, "left": sorted(left.items())}))
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    reap()
    return 0


if __name__ == "__main__":
    sys.exit(main())
