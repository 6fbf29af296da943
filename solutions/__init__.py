"""Reference solutions for the cnnlab exercises.

This package is the single source of truth: the student stubs in ``exercises/``, the
notebooks and the answers of the question bank are all generated from it. Code between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` is removed from what students receive.
"""
