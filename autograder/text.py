"""Text from a hand-in, made safe to show: ``printable`` is used wherever such text enters the
grader (the sandbox's replies, the notes on a hand-in's files and zip entries, parse errors)
and again where the grader writes it out (the terminal, grader_errors.txt, grades.csv).

Control characters would act on the instructor's terminal (clear the screen, set the window
title, write the clipboard, fake a score table) or hide text in a log; bidirectional overrides
reorder what is shown; lone surrogates cannot even be written to a UTF-8 file. Each is replaced
by a visible escape (``\\x1b``, ``\\u202e``, ``\\udcff``); new lines and tabs are kept where the
caller says so.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, the bidirectional controls (trojan source), line and paragraph
# separators, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` with every control character but those in ``keep`` escaped visibly."""
    if type(text) is not str:
        text = str(text)
    return _UNSAFE.sub(lambda match: _escape(match.group(), keep), text)


def _escape(char: str, keep: str) -> str:
    if char in keep:
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
