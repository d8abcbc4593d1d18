"""The sentences of a post body, with offsets into the text as stored.

Matching compares a claim with one sentence (or two neighbouring ones) at a
time, and a proposal must point at the very characters it matched, so the
split keeps offsets into the raw body: quote markers ("> ", "|>") and bullets
are skipped rather than removed, hard-wrapped lines are joined, and
abbreviations ("et al.", "e.g.") and decimals do not end a sentence.

Named `splitting`, not `sentences`, so that the package's `sentences()`
function does not shadow a submodule of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:(?:[A-Za-z]{1,3}[ \t]?)?[>|:][ \t]?)+")
_BULLET = re.compile(r"^[ \t]*(?:[-*•·–—]|\d{1,2}[.)])[ \t]+")
_ABBREVIATIONS = frozenset("""
al dr mr mrs ms prof st vs etc eg ie e.g i.e fig no nos vol approx ca cf jr sr
inc ltd co dept univ jan feb mar apr jun jul aug sep sept oct nov dec u.s
""".split())


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence of a text: its characters are text[start:end]."""

    start: int
    end: int
    text: str


def sentences(text: str) -> list[Span]:
    """The sentences of a post body, with offsets into `text`.

    Quote markers ("> ", "|>", "B >") and bullets are not part of a sentence;
    hard-wrapped lines are joined; a blank line, a bullet or a short line
    followed by a capital (a heading) ends a sentence.
    """
    chars, where = _unwrapped(text)
    flat = "".join(chars)
    spans = []
    for start, end in _sentence_bounds(flat):
        while start < end and flat[start].isspace():
            start += 1
        while end > start and flat[end - 1].isspace():
            end -= 1
        if start < end and any(c.isalnum() for c in flat[start:end]):
            a, b = where[start], where[end - 1] + 1
            spans.append(Span(a, b, text[a:b]))
    return spans


def _unwrapped(text: str) -> tuple[list[str], list[int]]:
    """The text with quote markers and bullets removed and lines joined; a
    NUL marks a hard break.  `where[i]` is the offset in `text` of char i."""
    chars: list[str] = []
    where: list[int] = []
    lines = text.split("\n")
    offset = 0
    previous = ""
    for index, line in enumerate(lines):
        prefix = _QUOTE_PREFIX.match(line)
        skip = prefix.end() if prefix else 0
        bullet = _BULLET.match(line, skip) if skip < len(line) else None
        body = line[bullet.end() if bullet else skip:]
        if _breaks(previous, body, bool(bullet), index > 0):
            chars.append("\0")
            where.append(offset - 1 if offset else 0)
        elif chars:
            chars.append(" ")
            where.append(offset - 1)
        start = offset + len(line) - len(body)
        for i, c in enumerate(body):
            chars.append(c)
            where.append(start + i)
        previous = body
        offset += len(line) + 1
    return chars, where


def _breaks(previous: str, body: str, bullet: bool, after_first: bool) -> bool:
    if not after_first:
        return False
    if not previous.strip() or not body.strip() or bullet:
        return True
    heading = len(previous.strip()) < 45 and not previous.rstrip().endswith(
        (",", ";", "-", "(")) and body.lstrip()[:1].isupper()
    return heading


_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)|\0")


def _sentence_bounds(flat: str) -> Iterable[tuple[int, int]]:
    start = 0
    for m in _END.finditer(flat):
        end = m.end()
        if m.group() != "\0" and not _ends_sentence(flat, m.start(), end):
            continue
        yield start, (m.start() if m.group() == "\0" else end)
        start = end
    yield start, len(flat)


def _ends_sentence(flat: str, dot: int, end: int) -> bool:
    if flat[dot] != ".":
        return True
    # Only the word before the dot (a search over all of flat[:dot] was
    # quadratic in the post's length).
    word = re.search(r"([\w.]+)$", flat[max(0, dot - 40):dot])
    before = word.group(1).casefold() if word else ""
    if before in _ABBREVIATIONS or len(before) == 1 and before.isalpha():
        return False
    following = flat[end:].lstrip()
    # "et al. 2012", "e.g. magnesium": a lower-case or digit start continues.
    return not following or not (following[0].islower() or following[0] == "(")
