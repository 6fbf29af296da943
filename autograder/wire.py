"""The trusted side's name for the wire format. Its one source is
``autograder/worker_runtime/wire.py``: it runs on both sides, so it lives in the folder that is
copied into the sandbox; this module makes ``from autograder import wire`` the same module."""

import sys

from autograder.worker_runtime import wire as _wire

sys.modules[__name__] = _wire
