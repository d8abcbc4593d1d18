"""Which lines of a plain-text post are prose to reflow, which were laid out by hand.

Mail and news were written in lines of about 72 columns broken by the sender's
editor: shown as they are, they leave one-word orphans on a phone and a
monospace wall on a wide screen.  But some lines were aligned by hand (tables,
code, ASCII art, columns) and some breaks were meant (an address, a poem,
"Thanks,\\nBob").  `reflow()` sorts the lines of one block into segments by
rules a reader can check against the source ("marks" are ASCII characters
that are neither letters, digits nor spaces):

1. Fixed (shown as written, in a fixed-width font) are
   - rules: four or more of `-=_*~#+.` (`-----`, `=-=-=-`, `* * * *`);
   - drawings: 3+ visible characters, over 60% of them marks, three marks in
     a row (spaces aside); or any box-drawing character;
   - code: 3+ code marks (``{}[]<>;=|\\#$&~^` ``) making 15% of the visible
     characters; a line ending in `{`, starting with `}`, or ending in `;`
     with a `(`, `)` or `=`; a code mark and two signs of code (`f(`, ` = `,
     ` <- `, a shell prompt);
   - quotes the block splitter left: lines starting with `|`, `>` (indented)
     or initials and `>` (`KH> `);
   - table rows: a line with an inner gap (a tab, a `|`, two or more spaces
     but not the two after a full stop) next to a line with a gap where a
     column starts or ends at the same place, or where both have tabs, or next
     to a rule or a drawing.  Gaps of 2-3 spaces in long lines of words that
     end at one column are justified prose, not columns;
   - a patch, from git's `---` (or its first `diff `, `@@ -` or `---`/`+++`
     line) to the end of the block;
   - a paragraph indented 4 columns deeper than the rest of the block, half
     of whose lines show code or columns (`    $ ls -l`).
   Around them: in a paragraph holding code or a table row, lines deeper than
   its prose, or showing a sign of code, join it (a loop's body, a wrapped
   cell); in a paragraph at least half fixed, the lines between its first and
   last fixed line are fixed (`else`, `( o.o )`); a single fixed line among
   prose is prose (`x = 1;` quoted in a sentence) unless it is a rule or a
   quote; blank lines between fixed lines stay in the fixed block.
2. A line starting with `-`, `*`, `+`, `•`, `1.`, `1)`, `(1)` or `a)` and a
   space starts a list item; the item's wrapped lines join it.
3. The other lines join into paragraphs, which a blank line ends.  A line
   break is kept (shown as a break) when it was meant, not made by the editor:
   - after a line longer than 80 columns (never wrapped: a flowed paragraph),
     unless the next line starts in lower case;
   - when the next line's first word would have fitted on this line with 3
     columns to spare, and this line is short (under 60% of the wrap width:
     an address, a poem, "Thanks,") or ends a sentence (`.`, `?`, `!`, `:`)
     and the next line does not start in lower case.
   After a kept break, a line indented deeper than the one before starts a
   new paragraph (a first-line indent).  The wrap width is the block's own:
   the 90th percentile of its line lengths, at least 60 (72 for a block of
   under 5 lines), so a quote wrapped narrower is judged by its own lines.

A pure function of the lines: no markup, no Flask, no database; the caller
escapes, links and masks.  Rule 1 is applied in forum.text.layout, rules 2
and 3 here.  It runs for every post shown (50 on a thread page), so lines are
looked at one by one only where a search over the whole block, in C, found
what could make one fixed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from forum.text.layout import fixed_lines, indent_width, patch_start

# fixed_lines (rule 1) is imported from here too.
__all__ = ["Segment", "fixed_lines", "reflow", "wrap_width"]

MAX_WRAP = 80  # longer lines were never wrapped by an editor
MIN_WRAP = 60
USUAL_WRAP, FEW_LINES = 72, 5
SHORT_LINE = 0.6  # of the wrap width: a shorter line's break is kept
WRAP_SLACK = 3  # editors wrap a little early: a word must fit with this to spare
_ITEM = re.compile(r"(?:[-*+\u2022]|\(?\d{1,2}[.)]|\(\d{1,2}\)|[a-z]\))[ \t]+\S")
_ITEM_STARTS = frozenset("-*+\u2022(0123456789")
_SENTENCE_END = re.compile(r"[.?!:][\"')\]]?$")


@dataclass(slots=True)
class Segment:
    """A run of a block shown one way.

    `prose`: `lines` are the parts of one paragraph, each reflowed into one
    line, with a meant line break between two parts.  `list`: `lines` are its
    items, each reflowed, marker included.  `fixed`: `lines` as written.
    """

    kind: str
    lines: list[str]


def reflow(lines: list[str], width: int | None = None) -> list[Segment]:
    """Segments of one block's lines: paragraphs, lists and fixed blocks."""
    text = "\n".join(lines)
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        lines = [line.rstrip() for line in lines]
        text = "\n".join(lines)
    patch = patch_start(text)
    if patch is not None:
        head = reflow(lines[:patch], width) if patch else []
        return [*head, Segment("fixed", _trim_blank(lines[patch:]))]
    width = width or wrap_width(lines)
    fixed = fixed_lines(lines, text)
    if fixed is None:
        return _prose(lines, width)
    segments: list[Segment] = []
    start = 0
    while start < len(lines):
        end = start + 1
        while end < len(lines) and fixed[end] == fixed[start]:
            end += 1
        if fixed[start]:
            segments.append(Segment("fixed", _trim_blank(lines[start:end])))
        else:
            segments.extend(_prose(lines[start:end], width))
        start = end
    return segments


def wrap_width(lines: list[str]) -> int:
    """The column the block's editor wrapped at, as far as its lines tell."""
    lengths = sorted(map(len, lines))
    lengths = lengths[bisect_right(lengths, 0):bisect_right(lengths, MAX_WRAP)]
    if len(lengths) < FEW_LINES:
        return max(lengths[-1], USUAL_WRAP) if lengths else USUAL_WRAP
    return max(MIN_WRAP, lengths[(len(lengths) - 1) * 9 // 10])


def _trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return lines[start:end]


def _prose(lines: list[str], width: int) -> list[Segment]:
    """Paragraphs and lists of lines no rule made fixed (rules 2 and 3)."""
    segments: list[Segment] = []
    parts: list[list[str]] = []  # the current segment's parts, each of lines
    kind, previous = "prose", ""
    for line in lines:
        if not line:
            _close(segments, kind, parts)
            parts = []
            continue
        text = line.lstrip() if line[0] in " \t" else line
        if not text:
            _close(segments, kind, parts)
            parts = []
            continue
        if (text[0] in _ITEM_STARTS or text[1:2] == ")") and _ITEM.match(text):
            if kind != "list":
                _close(segments, kind, parts)
                parts, kind = [], "list"
            parts.append([text])
        elif parts and not _break_kept(previous, text, width):
            parts[-1].append(text)
        else:
            if kind != "prose" or parts and indent_width(line) > indent_width(previous):
                _close(segments, kind, parts)
                parts, kind = [], "prose"
            parts.append([text])
        previous = line
    _close(segments, kind, parts)
    return segments


def _close(segments: list[Segment], kind: str, parts: list[list[str]]) -> None:
    if parts:
        segments.append(Segment(kind, [" ".join(part) for part in parts]))


def _break_kept(previous: str, text: str, width: int) -> bool:
    """Whether the break between `previous` and the line `text` was meant (rule 3)."""
    if "\t" in previous:
        previous = previous.expandtabs()
    if len(previous) > MAX_WRAP:
        return not text[0].islower()
    word = text.find(" ")
    if (word if word > 0 else len(text)) > width - len(previous) - 1 - WRAP_SLACK:
        return False  # the editor had to wrap here
    if len(previous) < width * SHORT_LINE:
        return True
    return not text[0].islower() and _SENTENCE_END.search(previous) is not None
