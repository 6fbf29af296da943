"""Shared test settings: deterministic hypothesis, a headless matplotlib."""

import atexit
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# One fixed course key for every test (and every process a test starts): the hidden inputs
# are the same on every run, the suite cache is reused, and no test makes a key in the
# user's own data folder.
_KEYS = Path(tempfile.mkdtemp(prefix="cnnlab-test-key-"))
atexit.register(shutil.rmtree, _KEYS, True)
TEST_KEY = hashlib.sha256(b"cnnlab tests").digest()
(_KEYS / "course.key").write_text(TEST_KEY.hex() + "\n")
(_KEYS / "course.key").chmod(0o600)
os.environ["CNNLAB_COURSE_KEY"] = str(_KEYS / "course.key")
os.environ["CNNLAB_DATA"] = str(_KEYS / "data")

# Reproducible runs: derandomised, no example database (as the grader itself).
settings.register_profile("cnnlab", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cnnlab")
