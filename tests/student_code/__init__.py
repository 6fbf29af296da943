"""Student code for testing the hidden suite: realistic wrong answers (``mutants``) and
correct answers written differently from ``solutions/`` (``variants``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from cnnlab.catalog import FUNCTIONS, MODULE_OF


def reference_functions() -> dict[str, Callable]:
    """Every graded function of ``solutions/``: a perfect submission."""
    return {f: getattr(importlib.import_module(f"solutions.{MODULE_OF[f]}"), f)
            for f in FUNCTIONS}


def perfect_except(replaced: dict[str, Callable]) -> dict[str, Callable]:
    """A perfect submission with the functions of ``replaced`` swapped in."""
    return {**reference_functions(), **replaced}
