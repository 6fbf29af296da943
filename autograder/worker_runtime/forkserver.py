"""The fork server: numpy loaded once, a child per hand-in.

Started as a worker with a ``control`` socket in its config, in the same sandbox as a worker.
The grader sends ``{"spawn": config}`` with the child's four file descriptors (the config's
``preload``: modules of the server's own ``preload`` list to load first, once, for this and
every later child),
``{"kill": pid}`` or ``{"status": pid}``; each gets a JSON reply. The server holds nothing of
the suite: each child is sent its calls, batch by batch, like a worker started on its own.
Each child confines itself (``worker.run_submission``) before the student's code is imported;
its scratch folder (a tmpfs of its own where namespaces allow, gone with it) and its pids
cgroup are removed when it has ended. The server's own limits are the ones it was started
with: it never raises them (a hard limit may be set outside).
"""

import contextlib
import gc
import importlib
import json
import os
import signal
import socket
import time


def serve(config: dict) -> None:
    import confine
    import numpy  # noqa: F401  (loaded once here, shared by every child)
    import wire  # noqa: F401
    import worker

    import cnnlab.calls
    import cnnlab.loading  # noqa: F401

    gc.freeze()  # what is loaded stays shared with the children: no collection touches it
    confine.die_with_parent()
    # A module loaded later (``_load``) reads files where it runs and from its config folder
    # (matplotlib: ./matplotlibrc, $MPLCONFIGDIR): never from where an earlier child could
    # have written one (it would set what later hand-ins get). The runtime folder is
    # read-only to every child; matplotlib then keeps its caches in a fresh folder of its own.
    os.chdir(config["runtime"])
    os.environ["MPLCONFIGDIR"] = config["runtime"]
    control = socket.socket(fileno=config["control"])
    statuses: dict[int, int] = {}
    loadable = set(config["preload"])
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 20, 4)
        if not message:
            os._exit(0)  # the grader is gone
        request = json.loads(message)
        reply: dict[str, int | None]
        if "spawn" in request:
            _load(request["spawn"].get("preload", []), loadable)
            reply = {"pid": _spawn_child(worker, control, request["spawn"], fds, config)}
        elif "kill" in request:
            with contextlib.suppress(ProcessLookupError):
                os.kill(request["kill"], signal.SIGKILL)
            reply = {"status": _reap(request["kill"], statuses, config, block=True)}
        else:
            reply = {"status": _reap(request["status"], statuses, config, block=False)}
        _reap(-1, statuses, config, block=False)
        control.sendall(json.dumps(reply).encode())


def _load(names: list[str], loadable: set[str]) -> None:
    """The modules of ``names`` still ``loadable``, loaded here (once: taken off the set)."""
    fresh = [name for name in names if name in loadable]
    for name in fresh:
        loadable.discard(name)
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    if fresh:
        gc.freeze()


def _child_scratch(server: dict, pid: int) -> str:
    return os.path.join(server["scratch_root"], f"hand-in-{pid}")


def _spawn_child(worker, control, config: dict, fds: list[int], server: dict) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            control.close()
            import confine

            scratch = _child_scratch(server, os.getpid())
            confine.remove_tree(scratch)  # never what an earlier child left
            worker.run_submission({**config, "scratch": scratch}, fds)
        finally:
            os._exit(0)
    for fd in fds:
        os.close(fd)
    return pid


def _reap(pid: int, statuses: dict[int, int], server: dict, block: bool) -> int | None:
    """Collect finished children (their exit status, negative for a signal), remove their
    scratch folders and pids cgroups; return ``pid``'s status if it has finished."""
    import confine

    deadline = time.monotonic() + (2 if block else 0)
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            break
        if done:
            statuses[done] = os.waitstatus_to_exitcode(status)
            confine.remove_tree(_child_scratch(server, done))
            if server.get("cgroup"):
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(server["cgroup"], f"hand-in-{done}"))
            if pid == -1:
                continue
        if done or time.monotonic() >= deadline:
            break
        time.sleep(0.005)
    return statuses.pop(pid, None) if pid != -1 else None
