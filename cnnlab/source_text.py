"""Reading a student's source text without running it: its bytes decoded as Python decodes
them (``source_text``), and ``ast.parse``, bounded.

Used by the grader (forbidden names, callers, similarity, notebooks) and by ``cnnlab check``
(``cnnlab.placement``), on text the student wrote.
"""

import ast
import io
import re
import tokenize

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


# PEP 263's coding declaration, which Python honours on the first two lines of a file.
CODING_COOKIE = re.compile(r"^([ \t\f]*#.*?coding[:=][ \t]*)[-\w.]+")


def source_text(data: bytes) -> str:
    """A module's bytes decoded as Python decodes them (a UTF-8 BOM, or a coding declaration
    such as Windows editors' latin-1), as text without the BOM and with the declaration made
    ``utf-8``: the grader writes modules in UTF-8, and both it and ``cnnlab check`` read them
    with ``ast.parse``, which refuses a BOM in text (a BOM would hide the code from ``forbid``,
    similarity and the hint for a function in the wrong module)."""
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        text = data.decode(encoding, errors="replace")
    except (SyntaxError, LookupError, UnicodeError, ValueError):
        # an unknown codec (Python refuses the file as well), or one that fails even with
        # errors="replace" (idna, punycode, undefined)
        text = data.decode("utf-8", errors="replace")
    first, *rest = without_surrogates(text).removeprefix("\ufeff").split("\n", 2)
    return "\n".join([CODING_COOKIE.sub(r"\g<1>utf-8", line) for line in [first, *rest[:1]]]
                     + rest[1:])


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (from utf-7 or unicode_escape, or a notebook's
    JSON "\\ud800") as U+FFFD: text that cannot be written as UTF-8 is no text."""
    return LONE_SURROGATE.sub("\ufffd", text)


class Segments:
    """``ast.get_source_segment(text, node) or ""`` for many nodes of one text, from its lines
    split once: ``get_source_segment`` splits the whole text again for every node, which made
    a cell of 5,000 one-line statements take 25 s (and one of 256 KiB an hour)."""

    def __init__(self, text: str):
        # the line ends ast counts: \r\n, \r and \n (a form feed is no line end)
        self.lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)

    def of(self, node: ast.stmt | ast.expr) -> str:
        end_line, end_col = node.end_lineno, node.end_col_offset
        if end_line is None or end_col is None:
            return ""
        first, last = node.lineno - 1, end_line - 1
        if first == last:
            return self.lines[first].encode()[node.col_offset:end_col].decode()
        return "".join([self.lines[first].encode()[node.col_offset:].decode(),
                        *self.lines[first + 1:last],
                        self.lines[last].encode()[:end_col].decode()])
