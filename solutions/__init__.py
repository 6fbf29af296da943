"""Reference solutions for the cnnlab exercises.

This package is the single source of truth: the student stubs in ``exercises/``, the
notebooks and the answers of the question bank are all generated from it. Code between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` is removed from what students receive.
"""

from importlib import import_module
from types import FunctionType


def reference(function: str) -> FunctionType:
    """The reference of the graded ``function`` (``"conv2d"``), from the module the catalog
    names for it. The one import by name of ``solutions``: the catalog maps names to modules,
    and the layers above ask for a function by its name."""
    from cnnlab.catalog import MODULE_OF

    return getattr(import_module(f"{__name__}.{MODULE_OF[function]}"), function)
