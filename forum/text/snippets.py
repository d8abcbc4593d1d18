"""Search snippets and claim excerpts: a window of a post round the words
looked for, with addresses masked and the words in `<mark>`.

A post's own words are searched before its quotes and signature, and only a
margin round the window is masked, never the whole post: snippets run for
every result on a page.
"""

from __future__ import annotations

import functools
import re

from markupsafe import Markup, escape

from forum.text.blocks import Block, split_blocks
from forum.text.masking import mask_addresses

SNIPPET_WIDTH = 240
ELLIPSIS = "\u2026"
# Where a snippet is looked for, in order: the post's own words come first, so a
# claim quoted from someone else is shown only when the post itself has no match.
_SNIPPET_SOURCES = ((("text",), ""), (("quote", "tail"), "> "), (("signature",), "-- "))
_QUOTE_MARKS = ">:| \t"
# Characters masked on each side of a snippet: more than any address is long.
_SNIPPET_MARGIN = 160


def snippet_text(text: str | None, words: list[str],
                 width: int = SNIPPET_WIDTH) -> str:
    """About `width` characters of `text` round the first of `words`, masked.

    Whitespace is collapsed; an excerpt from quoted lines starts with "> ".
    With no match the excerpt is the start of the post's own words.
    """
    blocks = split_blocks((text or "").splitlines())
    pattern = words_pattern(words)
    spans_lines = any(len(word.split()) != 1 for word in words)
    first = None  # the first source with any text, for a post without a match
    for kinds, mark in _SNIPPET_SOURCES:
        source, at = _find_in_source(blocks, kinds, pattern, width + _SNIPPET_MARGIN,
                                     spans_lines)
        if not source:
            continue
        if at is not None:
            return mark + _masked_window(source, at, width, pattern)
        first = first or (source, mark)
    return first[1] + _masked_window(first[0], 0, width, None) if first else ""


def _find_in_source(blocks: list[Block], kinds: tuple[str, ...],
                    pattern: re.Pattern | None, need: int,
                    spans_lines: bool = False) -> tuple[str, int | None]:
    """The text of these blocks as `_flatten` makes it, and where `pattern`
    first matches in it (0 with no pattern: the window starts there).

    Lines are flattened one by one and searched as they come; the text is
    cut `need` characters past the match, as far as a window ever looks, so
    the rest of a long post is never flattened.  A word with a space in it
    may match across lines: then the whole text is searched.
    """
    if spans_lines:
        source = _flatten(blocks, kinds)
        found = pattern.search(source) if pattern else None
        return source, found.start() if found else None if pattern else 0
    pieces: list[str] = []
    length, at = 0, None  # length: len(" ".join(pieces))
    for block in blocks:
        if block.kind not in kinds:
            continue
        for line in block.lines:
            piece = " ".join(line.lstrip(_QUOTE_MARKS).split())
            if not piece:
                continue
            offset = length + 1 if pieces else 0
            if at is None:
                found = pattern.search(piece) if pattern else None
                at = offset + found.start() if found else None if pattern else 0
            pieces.append(piece)
            length = offset + len(piece)
            if at is not None and length > at + need:
                return " ".join(pieces), at
    return " ".join(pieces), at


def _masked_window(source: str, at: int, width: int,
                   pattern: re.Pattern | None) -> str:
    """The window round `at`, with addresses masked.

    Only a margin round the window is masked, not the whole post (masking
    every result's whole body was most of a results page's time).  The
    margin is wider than any address, so none is cut where the window starts
    or ends; `at` is the first match, so it is found again after masking.
    """
    start = max(0, at - width - _SNIPPET_MARGIN)
    masked = mask_addresses(source[start : at + width + _SNIPPET_MARGIN])
    found = pattern.search(masked) if pattern else None
    window = _window(masked, found.start() if found else at - start, width)
    if start > 0 and not window.startswith(ELLIPSIS):
        window = ELLIPSIS + window
    return window


def highlight_snippet(text: str | None, words: list[str],
                      width: int = SNIPPET_WIDTH) -> Markup:
    """An escaped excerpt of `text` (see `snippet_text`) with `words` in <mark>."""
    return highlight_words(snippet_text(text, words, width), words, masked=True)


def highlight_words(text: str | None, words: list[str], masked: bool = False) -> Markup:
    """Mask addresses, escape, and wrap whole-word matches of `words` in <mark>.

    A word ending in `*` marks every word starting with the rest of it.
    `masked` says the text's addresses are masked already (a snippet's are).
    """
    text = (text or "") if masked else mask_addresses(text or "")
    pattern = words_pattern(words)
    if pattern is None:
        return escape(text)
    parts: list[str] = []
    position = 0
    for found in pattern.finditer(text):
        parts += (_escaped(text[position:found.start()]), "<mark>",
                  _escaped(found[0]), "</mark>")
        position = found.end()
    parts.append(_escaped(text[position:]))
    return Markup("".join(parts))


def _escaped(text: str) -> str:
    return str(escape(text))


def words_pattern(words: list[str]) -> re.Pattern | None:
    """A case-insensitive whole-word regex for `words` (`word*` for a prefix)."""
    choices = {
        re.escape(word.rstrip("*")) + (r"[^\W_]*" if word.endswith("*") else "")
        for word in words if word.rstrip("*")
    }
    if not choices:
        return None
    longest_first = sorted(choices, key=len, reverse=True)
    # A word is a run of letters and digits (forum.search.words): "_" ends one.
    return _compiled_words(rf"(?<![^\W_])(?:{'|'.join(longest_first)})(?![^\W_])")


@functools.lru_cache(maxsize=256)
def _compiled_words(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def _flatten(blocks: list[Block], kinds: tuple[str, ...]) -> str:
    """The lines of blocks of these kinds, quote marks removed, as one line."""
    lines = (line.lstrip(_QUOTE_MARKS) for block in blocks if block.kind in kinds
             for line in block.lines)
    return " ".join(" ".join(lines).split())


def _window(text: str, at: int, width: int) -> str:
    """About `width` characters of `text` showing position `at`, cut at spaces."""
    if len(text) <= width:
        return text
    begin = max(0, min(at - width // 4, len(text) - width))
    if begin > 0:
        space = text.find(" ", begin, at)
        begin = space + 1 if space != -1 else at
    end = begin + width
    if end < len(text):
        space = text.rfind(" ", at + 1, end)
        end = space if space != -1 else end
    head = ELLIPSIS if begin > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    return head + text[begin:end].strip() + tail


def claim_excerpt(text: str | None, exact: str | None,
                  width: int = SNIPPET_WIDTH) -> Markup | None:
    """About `width` characters of a post round a labelled claim, the claim
    in <mark>; None when the claim's words are no longer in the text (a
    redaction took them): the caller then shows no claim at all.

    Labels anchor to the rendered text, where reflowed lines and quotes have
    lost their breaks and marks, so both sides are compared flattened.
    """
    claim = " ".join((exact or "").split())
    if not claim:
        return None
    flat = _flatten(split_blocks((text or "").splitlines()),
                    ("text", "quote", "tail", "signature"))
    at = flat.find(claim)
    if at == -1:
        return None
    room = max(0, width - len(claim)) // 2
    end = at + len(claim)
    before = mask_addresses(flat[max(0, at - room - _SNIPPET_MARGIN):at])
    after = mask_addresses(flat[end:end + room + _SNIPPET_MARGIN])
    head = tail = ""
    if len(before) > room:  # cut: drop the part word at the window's edge
        before, head = _cut_words(before[len(before) - room:], True), ELLIPSIS
    if len(after) > room:
        after, tail = _cut_words(after[:room], False), ELLIPSIS
    return Markup(f"{head}{_escaped(before)}<mark>{_escaped(mask_addresses(claim))}"
                  f"</mark>{_escaped(after)}{tail}")


def _cut_words(text: str, at_start: bool) -> str:
    """Drop the part word a window cut off at its outer edge."""
    if at_start:
        space = text.find(" ")
        return text[space + 1:] if space != -1 else ""
    space = text.rfind(" ")
    return text[:space + 1] if space != -1 else ""
