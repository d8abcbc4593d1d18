"""A web article's stored text read back as a document: headings, lists, tables.

The importers keep an article as plain text, one block per paragraph, so that
search, labels and exports treat it like any post (importers.webpage).  What
the page showed as structure survives in that text in a few plain forms:

- a table as pipe rows, `| a | b |` (Markdown, with a `|---|` row under the
  header) or `a | b` (the HTML reader's rows);
- a list as items that start with `-`, `*`, `+` or `•`, or `1.`/`1)`;
- a heading as a short line of its own, without a sentence's end, that some
  text follows;
- a quotation as `>` lines.

Everything else is a paragraph.  A block whose lines were hard-wrapped (all
but the last of a typical width) is one paragraph; otherwise each line is.
This module only finds the structure; `forum.text.article_html` escapes and
renders it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# importers.webpage names an article `article-<sha1>@web.invalid`; its
# comments are `comment-…` and read as mail.
_ARTICLE_ID = re.compile(r"article-[0-9a-f]{40}@web\.invalid")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u25aa\u25cf\u2013])\s+(?P<text>\S.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(?P<text>\S.*)$")
_DELIMITER = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?\s*$")
_CELL_EDGE = re.compile(r"(?<!\\)\|")  # `\|` is a pipe inside a cell
_SENTENCE_END = re.compile(r"[.,;!]['\"\u201d\u2019)\]]?$")
HEADING_MAX_CHARS = 120
HEADING_MAX_WORDS = 16
# Lines of a hard-wrapped paragraph: most between these widths.
_WRAP_MIN, _WRAP_MAX = 40, 80


@dataclass(slots=True)
class DocBlock:
    """One block of an article.

    `heading`, `paragraph`, `quote`: `lines` are its text (a quote's lines
    without their marks).  `list`/`ordered`: `lines` are the items.  `table`:
    `rows` are the cells, and `header` says whether the first row heads it.
    """

    kind: str
    lines: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    header: bool = False


def is_article_id(message_id: str | None) -> bool:
    """Whether a stored post is a web article's own text (not a comment on it)."""
    return bool(message_id and _ARTICLE_ID.fullmatch(message_id))


def article_blocks(text: str) -> list[DocBlock]:
    """The document in an article's text, block by block, in order."""
    chunks = _chunks(text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks: list[DocBlock] = []
    for index, lines in enumerate(chunks):
        blocks.extend(_read_chunk(lines, is_last=index == len(chunks) - 1))
    return _merge_lists(blocks)


def _chunks(text: str) -> list[list[str]]:
    """Runs of non-blank lines, with trailing spaces and tabs dropped."""
    chunks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _read_chunk(lines: list[str], is_last: bool) -> list[DocBlock]:
    """A chunk is a table, a quote, or lines read one kind at a time."""
    table = _table(lines)
    if table is not None:
        return [table]
    if all(line.lstrip().startswith(">") for line in lines):
        return [DocBlock("quote", [line.lstrip()[1:].strip() for line in lines])]
    return _mixed(lines, is_last)


def _table(lines: list[str]) -> DocBlock | None:
    """Pipe rows, all of them, two cells or more: else not a table."""
    if len(lines) < 2 or not all("|" in line for line in lines):
        return None
    header = len(lines) > 2 and bool(_DELIMITER.match(lines[1]))
    rows = [_cells(line) for i, line in enumerate(lines) if not (header and i == 1)]
    if any(len(row) < 2 for row in rows):
        return None
    if any(_DELIMITER.match(line) for line in lines[2:]):
        return None
    width = max(len(row) for row in rows)
    if min(len(row) for row in rows) < width - 1:
        return None  # prose with a stray pipe, not a grid
    return DocBlock("table", rows=[row + [""] * (width - len(row)) for row in rows],
                    header=header)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [" ".join(cell.replace("\\|", "|").split())
            for cell in _CELL_EDGE.split(line)]


def _mixed(lines: list[str], is_last: bool) -> list[DocBlock]:
    """List items, a heading or paragraphs, in the chunk's order."""
    blocks: list[DocBlock] = []
    prose: list[str] = []
    stars = sum(line.lstrip().startswith("* ") for line in lines)
    for line in lines:
        # A lone `* ` line is a footnote ("* Bagis S, et al. ..."), not a list.
        item = None if stars < 2 and line.lstrip().startswith("* ") else _item(line)
        if item is None:
            prose.append(line)
            continue
        blocks.extend(_prose(prose, is_last=False, before_more=True))
        prose = []
        kind, text = item
        if blocks and blocks[-1].kind == kind:
            blocks[-1].lines.append(text)
        else:
            blocks.append(DocBlock(kind, [text]))
    blocks.extend(_prose(prose, is_last=is_last, before_more=False))
    return blocks


def _item(line: str) -> tuple[str, str] | None:
    bullet = _BULLET.match(line)
    if bullet:
        return "list", bullet["text"].strip()
    numbered = _NUMBERED.match(line)
    return ("ordered", numbered["text"].strip()) if numbered else None


def _prose(lines: list[str], is_last: bool, before_more: bool) -> list[DocBlock]:
    """One heading, one reflowed paragraph, or a paragraph per line."""
    if not lines:
        return []
    if len(lines) == 1 and (before_more or not is_last) and is_heading(lines[0]):
        return [DocBlock("heading", [" ".join(lines[0].split())])]
    if _hard_wrapped(lines):
        return [DocBlock("paragraph", [" ".join(" ".join(lines).split())])]
    return [DocBlock("paragraph", [" ".join(line.split())]) for line in lines]


def is_heading(line: str) -> bool:
    """A short line that does not end like a sentence, and starts like a title."""
    text = " ".join(line.split())
    if not text or len(text) > HEADING_MAX_CHARS or _SENTENCE_END.search(text):
        return False
    if len(text.split()) > HEADING_MAX_WORDS:
        return False
    first = text[0]
    if not (first.isupper() or first.isdigit() or first in "\"'\u201c\u2018"):
        return False
    # "Drug Interactions:" heads a section; "... from its ability to:" leads
    # into a list.
    return not text.endswith(":") or _title_cased(text)


def _title_cased(text: str) -> bool:
    long_words = [word for word in text.split() if len(word) > 3]
    return sum(word[0].isupper() for word in long_words) * 2 >= len(long_words)


def _hard_wrapped(lines: list[str]) -> bool:
    """All lines but the last between typical wrap widths, and more than one."""
    if len(lines) < 2:
        return False
    return all(_WRAP_MIN <= len(line) <= _WRAP_MAX for line in lines[:-1])


def _merge_lists(blocks: list[DocBlock]) -> list[DocBlock]:
    """Items of one list that the page set apart by blank lines join up."""
    merged: list[DocBlock] = []
    for block in blocks:
        joins = merged and merged[-1].kind == block.kind
        if joins and block.kind in ("list", "ordered"):
            merged[-1].lines.extend(block.lines)
        else:
            merged.append(block)
    return merged
