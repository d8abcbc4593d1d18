"""Spans of posts as W3C text-quote selectors: find them, mark them.

A label on part of a post stores the exact words a moderator selected plus a
little text before and after (prefix, suffix), not character offsets, so it
survives changes in how bodies are rendered.  Matching works on the text a
reader sees in the rendered, sanitised HTML with whitespace collapsed: the
same text the browser's selection came from.  The prefix and suffix only
choose between several occurrences of the same words.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

CONTEXT = 32
MAX_EXACT = 2000
_TAG = re.compile(r"(<[^>]*>)")
_SPACE = re.compile(r"\s+")
_BLOCK = re.compile(r"</?(?:p|div|blockquote|pre|li|ul|ol|br|h\d|tr|td|details|"
                    r"summary)\b", re.I)


@dataclass(frozen=True)
class TextQuote:
    exact: str
    prefix: str = ""
    suffix: str = ""


def normalise(text: str) -> str:
    """Whitespace collapsed to single spaces, ends trimmed."""
    return _SPACE.sub(" ", text).strip()


def visible_text(html: str) -> str:
    """The text of rendered HTML as a reader sees it, whitespace collapsed."""
    return _Stream(html).text


def quote_in(html: str, exact: str, prefix: str = "",
             suffix: str = "") -> TextQuote | None:
    """A selector for `exact` in this HTML, with its context; None if absent."""
    exact = normalise(exact)
    if not exact:
        return None
    text = visible_text(html)
    start = locate(text, TextQuote(exact, normalise(prefix), normalise(suffix)))
    if start is None:
        return None
    end = start + len(exact)
    return TextQuote(exact, text[max(0, start - CONTEXT):start],
                     text[end:end + CONTEXT])


def locate(text: str, quote: TextQuote) -> int | None:
    """Where the quote starts in `text`: the occurrence whose context fits best."""
    starts = [m.start() for m in re.finditer(re.escape(quote.exact), text)]
    if not starts:
        return None
    return max(starts, key=lambda at: _context_score(text, at, quote))


def _context_score(text: str, at: int, quote: TextQuote) -> int:
    before = text[:at]
    after = text[at + len(quote.exact):]
    return (_common_suffix(before, quote.prefix)
            + _common_prefix(after, quote.suffix))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


def mark_quote(html: str, quote: TextQuote, **attributes: str) -> Markup:
    """The HTML with the quoted span wrapped in <mark> (one per text node).

    `attributes` become the marks' attributes (`class_` for class).
    """
    stream = _Stream(html)
    start = locate(stream.text, quote)
    if start is None:
        return Markup(html)
    opening = "<mark" + "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for name, value in attributes.items()) + ">"
    return Markup(stream.marked(start, start + len(quote.exact), opening))


class _Stream:
    """Rendered HTML as visible text, remembering where each character came from."""

    def __init__(self, html: str) -> None:
        self.parts = _TAG.split(html)
        self.texts = [html_lib.unescape(p) if i % 2 == 0 else ""
                      for i, p in enumerate(self.parts)]
        chars: list[str] = []
        self.origin: list[tuple[int, int] | None] = []
        space = True
        for i, part in enumerate(self.parts):
            if i % 2:
                if _BLOCK.match(part) and not space:
                    chars.append(" ")
                    self.origin.append(None)
                    space = True
                continue
            for j, ch in enumerate(self.texts[i]):
                if ch.isspace():
                    if space:
                        continue
                    ch, space = " ", True
                else:
                    space = False
                chars.append(ch)
                self.origin.append((i, j))
        while chars and chars[-1] == " ":
            chars.pop()
            self.origin.pop()
        self.text = "".join(chars)

    def marked(self, start: int, end: int, opening: str) -> str:
        spans: dict[int, list[int]] = {}
        for where in self.origin[start:end]:
            if where is not None:
                spans.setdefault(where[0], []).append(where[1])
        parts = list(self.parts)
        for i, offsets in spans.items():
            text, a, b = self.texts[i], min(offsets), max(offsets) + 1
            parts[i] = (f"{escape(text[:a])}{opening}"
                        f"{escape(text[a:b])}</mark>{escape(text[b:])}")
        return "".join(parts)
