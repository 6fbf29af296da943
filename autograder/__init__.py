"""The hidden grader: property-based checks of every exercise, run on sandboxed student code.

Never shipped to students. The trusted side (this package) generates the inputs, computes the
expected answers with ``solutions/`` and compares; student code runs in a separate,
resource-limited process and only ever sees inputs.
"""
