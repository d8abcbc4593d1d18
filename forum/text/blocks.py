"""A plain-text body cut into blocks: its own text, quotes, a signature, an
"Original Message" tail and uuencoded binaries.

The renderer (forum.text.body_html) folds the quotes, signature, tail and
binaries into `<details>`; the snippet finder (forum.text.snippets) looks for
a search's words in the post's own text before its quotes.  Strings in,
blocks out: nothing here escapes or masks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from incoming.lines import trim_blank_lines

_QUOTE_RE = re.compile(r"^[ \t]?(?:>|:(?=[\s>:]|$))")
# rn's `|> ` and supercite's initials, `KH> `, quote too (20news, pipermail).
_OTHER_QUOTE_RE = re.compile(r"^(?:\|>|[A-Z][A-Za-z]{0,3}>(?=[\s>|]|$))")
# The marks of a quoted line, with a space after each: depth is their number.
_QUOTE_MARKS_RE = re.compile(
    r"[ \t]?(?:(?:\|>|[A-Z][A-Za-z]{0,3}>(?=[\s>|]|$)|>|:(?=[\s>:]|$))[ \t]?)+")
_MARK_CHARS = (">", ":", "")
_ORIGINAL_RE = re.compile(r"^\s*-{3,}\s*Original Message\s*-{3,}\s*$", re.IGNORECASE)
_SIGNATURE_LINES = ("-- ", "--")
_UU_BEGIN_RE = re.compile(r"^begin [0-7]{3,4} (?P<name>\S.*)$")
_UU_LINE_RE = re.compile(r"^[ -`]{1,62}$")


@dataclass(slots=True)
class Block:
    """A run of body lines rendered one way: text, quote, signature, tail, binary."""

    kind: str
    lines: list[str]
    name: str = ""


def split_blocks(lines: list[str]) -> list[Block]:
    """Cut body lines into text, quote, signature, tail and binary blocks.

    Runs for every post shown, indexed or scanned, so each line is classified
    once, and a line's first characters decide before any expression runs.
    """
    lines = trim_blank_lines(lines)
    quoted = [is_quoted(line) for line in lines]
    tail_at = _first_unquoted(lines, quoted, _is_original)
    head, tail = lines[:tail_at], lines[tail_at:]
    sig_at = _first_unquoted(head, quoted, _SIGNATURE_LINES.__contains__)
    blocks = list(_body_blocks(head[:sig_at], quoted[:sig_at]))
    if sig_at < len(head):
        blocks.append(Block("signature", trim_blank_lines(head[sig_at + 1:])))
    if tail:
        blocks.append(Block("tail", tail))
    return [block for block in blocks if block.lines or block.kind == "binary"]


def is_quoted(line: str) -> bool:
    """Whether the line is quoted: `>`, ` >`, `:`, rn's `|>`, supercite's `KH>`."""
    first = line[:1]
    if first == ">":
        return True
    if first in " \t:":
        return bool(_QUOTE_RE.match(line))
    return ">" in line[1:5] and bool(_OTHER_QUOTE_RE.match(line))


def quote_levels(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of quoted lines of one depth, as (depth, lines without the marks).

    A line of marks alone is a blank line of the run it is in.
    """
    levels: list[tuple[int, list[str]]] = []
    for line in lines:
        if line[:2] == "> " and line[2:3] not in _MARK_CHARS:
            depth, content = 1, line[2:]  # the commonest quote, decided at once
        elif marks := _QUOTE_MARKS_RE.match(line):
            depth = marks[0].count(">") + marks[0].count(":")
            content = line[marks.end():]
        else:
            depth, content = 0, line
        if not content.strip() and levels:
            levels[-1][1].append("")
        elif not levels or depth != levels[-1][0]:
            levels.append((max(depth, 1), [content]))
        else:
            levels[-1][1].append(content)
    return levels


def _is_original(line: str) -> bool:
    return "---" in line and bool(_ORIGINAL_RE.match(line))


def _uu_begin(line: str) -> re.Match | None:
    return _UU_BEGIN_RE.match(line) if line.startswith("begin ") else None


def _first_unquoted(lines: list[str], quoted: list[bool],
                    test: Callable[[str], bool]) -> int:
    """Index of the first unquoted line passing `test`, or len(lines)."""
    for index, line in enumerate(lines):
        if not quoted[index] and test(line):
            return index
    return len(lines)



def _body_blocks(lines: list[str], quoted: list[bool]) -> Iterator[Block]:
    quoted = _bridge_blank_lines(lines, quoted)
    index = 0
    while index < len(lines):
        begin = _uu_begin(lines[index])
        if begin:
            end = _uuencoded_end(lines, index + 1)
            yield Block("binary", lines[index + 1:end], begin["name"])
        else:
            end = _run_end(lines, quoted, index)
            yield Block("quote" if quoted[index] else "text", lines[index:end])
        index = end


def _bridge_blank_lines(lines: list[str], quoted: list[bool]) -> list[bool]:
    """Blank lines between two quoted lines count as quoted too."""
    if True not in quoted:
        return quoted
    flags = list(quoted)
    preceding, blanks = False, []  # the last non-blank line's flag; blanks since
    for index, line in enumerate(lines):
        if not line or line.isspace():
            blanks.append(index)
            continue
        if preceding and flags[index]:
            for blank in blanks:
                flags[blank] = True
        preceding, blanks = flags[index], []
    return flags


def _uuencoded_end(lines: list[str], start: int) -> int:
    """Index just past the uuencoded data (and its `end` line) from `start`."""
    index = start
    while index < len(lines) and lines[index] != "end":
        if not _UU_LINE_RE.match(lines[index]):
            return index
        index += 1
    return min(index + 1, len(lines))


def _run_end(lines: list[str], quoted: list[bool], start: int) -> int:
    """End of the run of lines quoted (or not) like the one at `start`."""
    index = start + 1
    while index < len(lines) and quoted[index] == quoted[start]:
        if _uu_begin(lines[index]):
            break
        index += 1
    return index
