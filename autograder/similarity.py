"""Similarity flags: pairs of students whose code for one graded function is nearly the same.

Per graded function, its source is cut out of each hand-in with ``ast`` and fingerprinted by
``copydetect`` (winnowed k-grams of the tokenised code, as MOSS does: variable, function and
string names become one letter each, so renaming variables changes nothing). The stub of that
function (its signature and docstring) and the given code (``validation``, ``architecture``)
are boilerplate: what every student was handed does not count as shared.

A pair is flagged when each function's share of code found in the other is at least
``THRESHOLD`` and both have at least ``MIN_TOKENS`` tokens left after the boilerplate (a
one-line ``return (n + 2 * p - k) // s + 1`` is written alike by everyone). Flags are for an
instructor to read the two functions side by side; they never change a grade.

A function that is not compared because of its size (a module longer than the grader parses,
a function longer than ``MAX_CHARS``: a padded copy would escape the flags) is listed as not
compared, so that the instructor reads it instead (``Comparison.not_compared``).

Every k-gram is a fingerprint here (winnowing window 1): copydetect hashes with Python's
``hash``, which differs from process to process, and only with all k-grams kept are the
similarities the same on every run.
"""

from __future__ import annotations

import ast
import io
import itertools
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cnnlab.catalog import EXERCISES, FUNCTIONS, MODULE_OF, SUPPORT_MODULES
from cnnlab.source_text import MAX_PARSED_CHARS, PARSE_ERRORS, parse

NOISE = 25  # k: the shortest run of tokenised characters that counts as shared (copydetect's)
THRESHOLD = 0.8  # of each function's tokens found in the other
MIN_TOKENS = 60  # tokenised characters left after the boilerplate; shorter ones are not compared
MAX_CHARS = 20_000  # a longer function (generated, padded) is not compared: listed by no flag
GIVEN = Path(__file__).resolve().parent.parent / "exercises"  # the stubs, beside this package


@dataclass(frozen=True)
class Flag:
    function: str
    first: str  # student ids, first < second
    second: str
    similarity: float  # the smaller of the two shares
    first_code: str
    second_code: str


@dataclass(frozen=True)
class Comparison:
    """A class compared: the flagged pairs, and per student why some of their graded
    functions were not compared (too long to read)."""

    flags: list[Flag]
    not_compared: dict[str, list[str]]


def function_sources(modules: dict[str, str]) -> dict[str, str]:
    """Graded function -> its source text (decorators included), from ``modules`` (module ->
    source). A module that does not parse gives nothing."""
    found = {}
    for module, text in modules.items():
        if module not in EXERCISES:  # helper modules define no graded function: not parsed
            continue
        try:
            tree = parse(text)
        except PARSE_ERRORS:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and MODULE_OF.get(node.name) == module:
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                lines = text.splitlines()[start - 1:node.end_lineno]
                found[node.name] = "\n".join(lines)
    return found


@cache
def _boilerplate(function: str):
    """Fingerprints of what students were given for ``function``: its stub and the given
    modules."""
    import numpy as np

    stub = function_sources({MODULE_OF[function]: (
        GIVEN / f"{MODULE_OF[function]}.py").read_text()}).get(function, "")
    return np.array(sorted(_given() | _fingerprint(stub).hashes))


@cache
def _given() -> frozenset[int]:
    """Fingerprints of the given modules (the same for every function: worked out once)."""
    hashes: set[int] = set()
    for module in SUPPORT_MODULES:
        hashes |= _fingerprint((GIVEN / f"{module}.py").read_text()).hashes
    return frozenset(hashes)


def _fingerprint(code: str, boilerplate=None):
    from copydetect import CodeFingerprint
    return CodeFingerprint("function.py", NOISE, 1, boilerplate=boilerplate,
                           fp=io.StringIO(code), language="python")


def flags(sources: dict[str, dict[str, str]]) -> list[Flag]:
    """Every flagged pair; ``sources``: student -> graded function -> its code."""
    from copydetect import compare_files
    found = []
    for function in FUNCTIONS:
        prints = {}
        for student in sorted(sources):
            code = sources[student].get(function)
            if code and len(code) <= MAX_CHARS:
                fingerprint = _fingerprint(code, _boilerplate(function))
                if fingerprint.token_coverage >= MIN_TOKENS:
                    prints[student] = fingerprint
        for first, second in itertools.combinations(sorted(prints), 2):
            a, b = prints[first], prints[second]
            shared = len(a.hashes & b.hashes)  # cheap bound before copydetect's own count
            if shared < THRESHOLD * min(len(a.hashes), len(b.hashes)) / 2:
                continue
            _, (share_a, share_b), _ = compare_files(a, b)
            if min(share_a, share_b) >= THRESHOLD:
                found.append(Flag(function, first, second,
                                  round(float(min(share_a, share_b)), 3),
                                  a.raw_code, b.raw_code))
    return found


def too_long(modules: dict[str, str], functions: dict[str, str]) -> list[str]:
    """Why graded code of a hand-in is left out of the comparison: a graded module longer
    than the grader parses (``modules``: module -> source), a graded function longer than
    ``MAX_CHARS`` (``functions``: function -> source, from ``function_sources``)."""
    graded = set(MODULE_OF.values())
    why = [f"{module}.py: {len(text):,} characters, more than the {MAX_PARSED_CHARS:,} the "
           "grader reads" for module, text in sorted(modules.items())
           if module in graded and len(text) > MAX_PARSED_CHARS]
    why += [f"{function}: {len(code):,} characters, more than the {MAX_CHARS:,} compared"
            for function, code in sorted(functions.items()) if len(code) > MAX_CHARS]
    return why


def compare_class(candidates) -> Comparison:
    """The flags of a class of ``submissions.Candidate``s, read as ``cnnlab grade`` reads them
    (zips, notebooks), in a scratch folder of their own, and what was too long to compare."""
    from autograder.submissions import prepare
    scratch = Path(tempfile.mkdtemp(prefix="cnnlab-similarity-"))
    sources, not_compared = {}, {}
    try:
        for candidate in candidates:
            modules = prepare(candidate, scratch).sources
            sources[candidate.student] = function_sources(modules)
            if why := too_long(modules, sources[candidate.student]):
                not_compared[candidate.student] = why
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Comparison(flags(sources), not_compared)
