"""Shared test settings: deterministic hypothesis, a headless matplotlib."""

import os

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# Reproducible runs: derandomised, no example database (as the grader itself).
settings.register_profile("cnnlab", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cnnlab")
