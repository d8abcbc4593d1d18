"""Taking removed text out of stored text and HTML (redactions, takedowns).

Pure functions, no database: a `Replacement` knows what to find and what to
put instead; `scrub_text` and `scrub_html` apply a list of them.  HTML is the
risky half (an address can hide behind entities or split across tags), so
`scrub_html` checks its result and gives up (returns None) when the removed
text can still be read in it; callers then show the post's text part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape, unescape

from forum.text.markup import post_plain_text

REDACTED = "[redacted]"
ADDRESS_REMOVED = "[address removed]"
MIN_OVERLAP = 3
# Lines that introduce a quote: where a one-word name is surely the author's.
_ATTRIBUTION_LINE = re.compile(
    r"^.*\b(?:wrote|writes|said|says|schrieb|a écrit|escribió|scrisse)\b.*$",
    re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Replacement:
    """What to find (`removed`, read as `mode` says) and the `marker` put instead.

    Modes: "text" every occurrence; "words" whole words only; "attribution"
    whole words on 'X wrote:' lines only; "masked" an address as archives
    mask it (`jan...@host`, any kept prefix).  Letter case never matters.
    """

    removed: str
    marker: str
    mode: str = "text"

    def pattern(self, html: bool = False) -> re.Pattern:
        gap = r"(?:\s|&nbsp;|&#160;|&#xa0;)+" if html else r"\s+"

        def quote(part: str) -> str:  # any run of spaces matches any spacing
            part = escape(part, quote=False) if html else part
            return gap.join(re.escape(word) for word in part.split())
        if self.mode == "masked":
            local, _, domain = self.removed.rpartition("@")
            kept = "|".join(quote(local[:n]) for n in range(len(local), 0, -1))
            source = rf"(?<![\w.])(?:{kept})(?:\.\.\.|…)@{quote(domain)}(?!\w)"
        elif self.mode in ("words", "attribution"):
            source = rf"(?<!\w){quote(self.removed)}(?!\w)"
        else:
            source = quote(self.removed)
        return re.compile(source, re.IGNORECASE)

    def apply(self, value: str, html: bool = False) -> str:
        pattern = self.pattern(html)
        marker = escape(self.marker, quote=False) if html else self.marker
        swap = lambda _match: marker  # noqa: E731 - keeps backslashes literal
        if self.mode != "attribution":
            return pattern.sub(swap, value)
        return _ATTRIBUTION_LINE.sub(lambda line: pattern.sub(swap, line[0]), value)

    def found_in(self, value: str) -> bool:
        pattern = self.pattern()
        if self.mode != "attribution":
            return bool(pattern.search(value))
        return any(pattern.search(line[0])
                   for line in _ATTRIBUTION_LINE.finditer(value))


def scrub_text(value: str | None, replacements: Iterable[Replacement]) -> str | None:
    if not value:
        return value
    for replacement in replacements:
        value = replacement.apply(value)
    return value


def scrub_html(html: str | None, replacements: Iterable[Replacement]) -> str | None:
    """Scrub HTML source; None when the removed text could still be read in it."""
    if not html:
        return html
    replacements = list(replacements)
    for replacement in replacements:
        html = replacement.apply(replacement.apply(html, html=True))
    readable = (unescape(html), post_plain_text(None, html))
    if any(r.found_in(view) for r in replacements for view in readable):
        return None
    return html



def squash(value: str) -> str:
    return " ".join(value.split())


class Located:
    """Where removed text sits in a post, to scrub copies of parts of it.

    Label quotes, claim hints and citation spans are slices of the post's
    text; a slice may hold only part of a redacted phrase ("facial tics" of
    "facial tics, only ... neurologists"), which a plain search for the
    phrase would miss.  So each slice is found in the original text and the
    parts that overlap removed text are masked.  A slice that cannot be found
    gets the plain replacements, and any start or end of removed text it
    shares (three characters or more) masked too: safe before exact.
    """

    def __init__(self, text: str, replacements: list[Replacement]) -> None:
        self.text, self.flat = text, squash(text)
        self.replacements = replacements
        self.spans = _spans(self.text, replacements)
        self.flat_spans = _spans(self.flat, replacements)

    def at(self, value: str | None, start: int | None) -> str | None:
        """A slice that should sit at `start` of the text (hints, citations)."""
        if not value or not self.replacements:
            return value
        if start is not None and self.text[start:start + len(value)] == value:
            return _mask(value, start, self.spans)
        return self.anywhere(value)

    def quote(self, prefix: str, exact: str, suffix: str) -> tuple[str, str, str]:
        """A label's text-quote selector: the three parts, scrubbed."""
        parts = (prefix or "", exact or "", suffix or "")
        if not self.replacements:
            return parts
        where = self.flat.find("".join(parts)) if parts[1] else -1
        if where < 0:  # anywhere() of a text is a text ("" stays "")
            first, middle, last = (self.anywhere(part) or "" for part in parts)
            return first, middle, last
        scrubbed: list[str] = []
        offset = where
        for part in parts:
            scrubbed.append(_mask(part, offset, self.flat_spans) if part else part)
            offset += len(part)
        first, middle, last = scrubbed
        return first, middle, last

    def anywhere(self, value: str | None) -> str | None:
        if not value or not self.replacements:
            return value
        flat = squash(value)
        where = self.flat.find(flat)
        if where >= 0 and self.flat.find(flat, where + 1) < 0:
            return _mask(flat, where, self.flat_spans)
        return scrub_slice(value, self.replacements)


def scrub_slice(value: str | None, replacements: list[Replacement]) -> str | None:
    """A copy of part of a text, not found in it: replace, and mask the edges
    where it shares a start or an end of a redacted phrase."""
    value = scrub_text(value, replacements)
    for replacement in replacements:
        if value and replacement.mode == "text":
            value = _trim_overlap(value, replacement)
    return value


def _spans(text: str, replacements: list[Replacement]) -> list[tuple[int, int, str]]:
    found = []
    for replacement in replacements:
        pattern = replacement.pattern()
        if replacement.mode == "attribution":
            found += [(line.start() + m.start(), line.start() + m.end(),
                       replacement.marker)
                      for line in _ATTRIBUTION_LINE.finditer(text)
                      for m in pattern.finditer(line[0])]
        else:
            found += [(*m.span(), replacement.marker) for m in pattern.finditer(text)]
    return sorted(found)


def _mask(value: str, offset: int, spans: list[tuple[int, int, str]]) -> str:
    """`value` sits at `offset` of a text; replace what overlaps the spans."""
    out, kept = [], 0
    for start, end, marker in spans:
        start, end = max(start - offset, 0), min(end - offset, len(value))
        if start >= end or end <= kept:
            continue
        out += [value[kept:max(start, kept)], marker]
        kept = end
    return "".join(out) + value[kept:]


def _trim_overlap(value: str, replacement: Replacement) -> str:
    """Mask where `value` starts with an end, or ends with a start, of the text."""
    removed = squash(replacement.removed).lower()
    flat = squash(value)
    lowered = flat.lower()
    if len(lowered) >= MIN_OVERLAP and lowered in removed:
        return replacement.marker
    for size in range(min(len(lowered), len(removed)) - 1, MIN_OVERLAP - 1, -1):
        if lowered.endswith(removed[:size]):
            flat, lowered = flat[:-size] + replacement.marker, lowered[:-size] + "\0"
            break
    for size in range(min(len(lowered), len(removed)) - 1, MIN_OVERLAP - 1, -1):
        if lowered.startswith(removed[-size:]):
            flat = replacement.marker + flat[size:]
            break
    return flat if flat != squash(value) else value
