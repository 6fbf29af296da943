"""Reading a student's source text without running it: ``ast.parse``, bounded.

Used by the grader (forbidden names, callers, similarity, notebooks) and by ``cnnlab check``
(``cnnlab.placement``), on text the student wrote.
"""

import ast

# What parsing a student's text may raise (a syntax error, null bytes, code nested too deeply,
# too much of it): such a module does not import in the worker either.
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
# The most of a student's text parsed at once (by the grader, or by cnnlab check): ``ast``
# holds several hundred bytes per character of short statements (5 MiB of ``a=1`` lines took
# 3 GB and 54 s), and a hand-in may hold 20 MiB. Exercise modules are a few kB; a larger text
# is refused as one that does not parse (``parse``), in the grader only: the worker still
# imports it.
MAX_PARSED_CHARS = 256 * 1024


def parse(text: str) -> ast.Module:
    """``ast.parse`` of a student's text; ``ValueError`` (one of ``PARSE_ERRORS``) when it is
    longer than ``MAX_PARSED_CHARS``."""
    if len(text) > MAX_PARSED_CHARS:
        raise ValueError(f"{len(text):,} characters, more than the {MAX_PARSED_CHARS:,} the "
                         "grader reads")
    return ast.parse(text)
