"""The worker's helpers that the in-process student shares (one source: the worker runtime)."""

from autograder.worker_runtime.errors import builtin_name, error_text, where_in

__all__ = ["builtin_name", "error_text", "where_in"]
