"""Run a student's functions in a separate, confined worker process.

* ``client``: ``SandboxedStudent`` (implements ``autograder.results.Student``), ``Limits`` and
  the protocol with the worker.
* ``launchers``: a worker started directly, or forked by a fork server.
* ``isolation``: bubblewrap or a plain process, what the student's code can reach (Landlock,
  an unprivileged user), and the worker runtime copied from ``autograder/worker_runtime``.
"""

from autograder.sandbox.client import Limits, SandboxedStudent, WorkerGone, reply_from
from autograder.sandbox.isolation import (
    bwrap_works,
    choose_isolation,
    isolation_choice,
    isolation_note,
    runtime_dir,
)

__all__ = ["Limits", "SandboxedStudent", "WorkerGone", "bwrap_works", "choose_isolation",
           "isolation_choice", "isolation_note", "reply_from", "runtime_dir"]
