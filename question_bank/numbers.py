"""Reading a typed number the way students write it: one rule for the drill and the page.

The practice page (``practice/practice.js``, ``readNumber``) follows the same rules, and both
are tested against one table of inputs (``tests/question_bank/bank_number_inputs.json``):

- a decimal point or a decimal comma: ``1.5`` and ``1,5``;
- thousands separators: spaces (also the thin and no-break spaces), apostrophes, or the
  separator that is not the decimal one: ``12 345``, ``1'234``, ``1.234,5``, ``1,234.5``,
  ``1.234.567``; groups after the first have exactly three digits;
- a single ``.`` or ``,`` followed by exactly three digits after one to three digits (not a
  lone 0), as in ``323,208`` or ``323.208``, is either a decimal or a thousands separator:
  both readings are kept, and an answer is right when either reading is;
- a fraction ``a/b`` (``3/4``, ``-7/16``) only where the question accepts one
  (``Item.fractions``, average-pooling entries); elsewhere it is an error that says so;
- a leading ``+``, ``-`` or ``−`` (the typographic minus).

Anything else (letters, two decimal separators, ``1,2,3``) is an error with a sentence saying
what was not understood.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SPACES = " \u00a0\u2009\u202f"  # space, no-break space, thin space, narrow no-break space
APOSTROPHES = "'\u2019"
_FRACTION = re.compile(r"(\d+)/(\d+)")
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:\d{3})*")  # digits of a grouped integer part


@dataclass(frozen=True)
class Reading:
    """What a reply means: one value, two (an ambiguous ``323,208``) or an error."""

    values: tuple[float, ...] = ()
    error: str = ""


def read_number(text: str, fractions: bool = False) -> Reading:
    """The value(s) of ``text`` (see the module docstring), or a ``Reading`` with an error."""
    body = text.strip()
    sign = 1.0
    if body[:1] in "+-\u2212" and body:
        sign, body = (-1.0 if body[0] != "+" else 1.0), body[1:].strip()
    if not body:
        return Reading(error="no number given")
    fraction = _FRACTION.fullmatch(re.sub(r"\s", "", body))
    if fraction:
        if not fractions:
            return Reading(error="this question takes a decimal number, not a fraction")
        numerator, denominator = int(fraction.group(1)), int(fraction.group(2))
        if denominator == 0:
            return Reading(error="a fraction cannot divide by 0")
        return Reading((sign * numerator / denominator,))
    values = _decimal_values(body)
    if isinstance(values, str):
        return Reading(error=values)
    return Reading(tuple(dict.fromkeys(sign * v for v in values)))


def _decimal_values(body: str) -> tuple[float, ...] | str:
    """The readings of an unsigned decimal with optional separators, or why it is none."""
    if not re.fullmatch(rf"[\d.,{SPACES}{APOSTROPHES}]+", body) or not re.search(r"\d", body):
        return f"{body!r} is not a number"
    grouped = re.split(rf"[{SPACES}{APOSTROPHES}]+", body)
    if len(grouped) > 1:  # explicit thousands separators: only in the integer part
        if any(not re.fullmatch(r"\d{3}", g) for g in grouped[1:-1]) or not re.fullmatch(
                r"\d{3}(?:[.,]\d*)?", grouped[-1]) or not re.fullmatch(r"[1-9]\d{0,2}",
                                                                       grouped[0]):
            return f"{body!r}: digit groups after a space or ' have three digits"
        body = "".join(grouped)
    points, commas = body.count("."), body.count(",")
    if points and commas:  # the last one is the decimal separator
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        if body.count(decimal) > 1:
            return f"{body!r} has two decimal separators"
        whole, fraction = body.split(decimal)
        return _grouped(whole, thousands, fraction, body)
    if points + commas == 0:
        return (float(body),)
    separator = "." if points else ","
    parts = body.split(separator)
    if len(parts) > 2:  # 1.234.567: thousands only
        return _grouped(body, separator, "", body)
    whole, fraction = parts
    if not (whole or fraction):
        return f"{body!r} is not a number"
    value = float(f"{whole or 0}.{fraction or 0}")
    if _GROUPED.fullmatch(whole) and len(whole) <= 3 and len(fraction) == 3:
        return value, float(whole + fraction)  # 323,208: either reading
    return (value,)


def _grouped(whole: str, thousands: str, fraction: str, body: str) -> tuple[float, ...] | str:
    groups = whole.split(thousands)
    bad_groups = any(len(g) != 3 or not g.isdigit() for g in groups[1:])
    if not _GROUPED.fullmatch(groups[0]) or len(groups[0]) > 3 or bad_groups or (
            fraction and not fraction.isdigit()):
        return f"{body!r}: thousands separators must set off groups of three digits"
    value = float("".join(groups) + (f".{fraction}" if fraction else ""))
    return (value,) if math.isfinite(value) else f"{body!r} is too large"


def matches(reading: Reading, answer: float, tolerance: float) -> float | None:
    """The reading within ``tolerance`` of ``answer`` (a hair of slack, so that typing the
    printed answer is never wrong by rounding), or None."""
    slack = 1e-9 * max(1.0, abs(answer))
    for value in reading.values:
        if math.isfinite(value) and abs(value - answer) <= tolerance + slack:
            return value
    return None
