"""A Google Groups thread page converted to Markdown, back to the page's text.

Converters (turndown, html2text and the like) turn author names into `### Name`
headings, pictures into `![Name's profile photo](...)`, links into `[text](url)`,
`<br>` into trailing double spaces, blocks into paragraphs, and escape Markdown
characters that were plain text (`\\_did not\\_`, `\\> quoted`).  Undoing exactly
that gives the lines a browser would have copied, which `google_groups_text` reads.
"""

from __future__ import annotations

import re

from importers.google_groups_text import Page, page_address

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.S)
_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
# No part of an image or a link holds "[" (nor its text "]"): then a line of
# 100,000 "[" or "[a](" is read in linear time, not rescanned from every "[".
_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^)\[]*\)")
_LINK = re.compile(
    r"(?<!\\)\[([^\[\]]*)\]\([^)\s\[]*(?:\s+\"[^\"\[]*\")?\)"
)
_AUTOLINK = re.compile(r"<((?:https?|ftp|news|mailto):[^<>\s]+)>")
# Strong text never holds its own delimiter, so a line of "**a " repeated is read
# in linear time (a lazy ".+?" rescanned the rest of the line from every "**").
_STRONG = re.compile(
    r"(?<!\\)(\*\*)(?=\S)((?:[^*]|\*(?!\*))+?)(?<=\S)(?<!\\)\*\*"
    r"|(?<!\\)(__)(?=\S)((?:[^_]|_(?!_))+?)(?<=\S)(?<!\\)__"
)
# Emphasis holds its delimiter only inside a word (`_snake_case_`), for the same
# reason.
_EMPHASIS = re.compile(
    r"(?<![\\\w*])\*(?=\S)((?:[^*]|(?<=\w)\*(?=\w))+?)(?<=\S)(?<!\\)\*(?![\w*])"
    r"|(?<![\\\w])_(?=\S)((?:[^_]|(?<=\w)_(?=\w))+?)(?<=\S)(?<!\\)_(?!\w)"
)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# What is left of a link that a converter spread over several lines.
_LINK_DEBRIS = re.compile(r"\[|\]\([^)]*\)")


def render_markdown(text: str) -> Page:
    """The page's text as lines, with the first `# ` heading and its address."""
    front = _FRONT_MATTER.match(text)
    body = text[front.end():] if front else text
    raw = body.splitlines()
    skipped = text[:len(text) - len(body)].count("\n")
    # A `<br>` leaves "  " at a line's end and a blank line as "  "; an empty line
    # only separates blocks, which a browser shows as a line break, not a blank
    # line.  Converters that strip trailing spaces lose that, so then empty lines
    # are kept as paragraph breaks.
    hard_breaks = any(line.endswith("  ") for line in raw)
    kept = [n for n, line in enumerate(raw) if line or not hard_breaks]
    title = next((m.group(1) for m in map(_title, raw) if m), "")
    url, group = page_address(text)
    return Page(
        lines=[_plain(raw[n]) for n in kept], title=_unescape(title), url=url,
        group=group, line_numbers=[skipped + n + 1 for n in kept],
    )


def _title(line: str) -> re.Match[str] | None:
    return re.fullmatch(r"#[ \t]+(.*?)[ \t]*", line)


def _plain(line: str) -> str:
    """One Markdown line as the text it was made from."""
    line = line.rstrip()
    if line.endswith("\\") and not line.endswith("\\\\"):
        line = line[:-1]  # a hard line break written as a backslash
    heading = _HEADING.fullmatch(line)
    if heading:
        line = heading.group(1)
    line = _AUTOLINK.sub(r"\1", _LINK.sub(r"\1", _IMAGE.sub("", line)))
    if _LINK_DEBRIS.fullmatch(line.strip()):
        return ""
    line = _STRONG.sub(lambda m: m.group(2) or m.group(4), line)
    line = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), line)
    return _unescape(line).rstrip()


def _unescape(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)
