"""Run a student's functions in a separate, confined worker process.

* ``client``: ``SandboxedStudent`` (implements ``autograder.results.Student``): batches,
  deadlines, restarts.
* ``budget``: ``Limits`` and what is left of them for one hand-in (time, room for replies).
* ``protocol``: the requests and the one way replies are decoded; ``channel``: the messages
  on the pipes, read within limits; ``inputs``: the input arrays in memory shared with the
  worker, read back by the grader.
* ``session``: one running worker; ``direct`` and ``forkserver``: how it is started.
* ``isolation``: bubblewrap or a plain process, what the student's code can reach;
  ``cgroup``: task limits where ``RLIMIT_NPROC`` cannot give them.

What runs inside is ``autograder/worker_runtime/``; what each layer stops: THREAT_MODEL.md.
"""

from autograder.sandbox.budget import Limits
from autograder.sandbox.client import SandboxedStudent
from autograder.sandbox.isolation import (
    bwrap_works,
    choose_isolation,
    isolation_choice,
    isolation_note,
    runtime_dir,
)
from autograder.sandbox.protocol import reply_from
from autograder.sandbox.session import WorkerGone

__all__ = ["Limits", "SandboxedStudent", "WorkerGone", "bwrap_works", "choose_isolation",
           "isolation_choice", "isolation_note", "reply_from", "runtime_dir"]
