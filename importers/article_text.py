"""Web articles saved as text: heuristics that find the article in the page chrome.

A text copy (a browser's "save as text", a print view, a copy and paste) keeps
the page's menus, share buttons, cookie notices, disclaimers and footers as
ordinary lines.  What is kept, in order:

1. a `URL to article: ...`-style line anywhere gives the source URL;
2. the header ends at a menu line near the top ("Magnesium Menubar"), and a
   WP-Print header (`- Site - http://... -`) is dropped;
3. the footer starts at the first disclaimer, "Article printed from",
   copyright, "Scroll to Top", "Related articles" ... line that follows real
   prose, so a "copyright" inside the text does not cut it short;
4. single chrome lines (share, cookie, "Skip to content") go wherever they are;
5. the first remaining line is the title, a "Posted By X On <date>" line
   near it is the byline, and headings left dangling at the end (links to the
   next page, with no text of their own) are dropped.
"""

from __future__ import annotations

import re

from importers.article_parts import (
    NO_DATE,
    PageArticle,
    PageDate,
    find_prose_date,
    site_user_name,
)
from incoming.lines import trim_blank_lines

_HEADER_SPAN = 12  # non-blank lines at the top where a menu may end the header
_MENU_LINE = re.compile(
    r"(?:^|\s)(?:menu|menubar|navigation|skip to (?:main )?content)$", re.I
)
_SITE_HEADER = re.compile(r"^-\s+\S.*\s+-\s+https?://\S+\s+-$")
_SOURCE_URL = re.compile(
    r"^(?:url to article|permalink|source(?: url)?|original(?:ly published)?"
    r"(?: at| url)?|read (?:more|the original) at|canonical(?: url)?|url|"
    r"saved from(?: url)?)\s*:\s*(?P<url>https?://\S+)\s*$",
    re.I,
)
_FOOTER = re.compile(
    r"^(?:disclaimer\b|article printed from\b|url to article\s*:|copyright\b|©|"
    r"\(c\)\s*\d{4}|all (?:information|content|material)s? on this (?:web)?site\b|"
    r"all rights reserved|scroll to top$|back to top$|"
    r"(?:related|recommended|popular|more) (?:articles|posts|stories|reading)\b|"
    r"you (?:may|might) also (?:like|enjoy)\b|leave a (?:reply|comment)\b|"
    r"post a comment\b|\d+ (?:comments?|responses?)$|about the author$|"
    r"share this(?: article| post| page| story)?\s*:?$|(?:tags|filed under)\s*:)",
    re.I,
)
_CHROME_LINE = re.compile(
    r"^(?:skip to (?:main )?content|(?:main |primary )?(?:menu|navigation)|"
    r"\S.{0,40}\bmenubar|toggle navigation|search(?: this site| for)?:?|dismiss|"
    r"(?:share|tweet|pin|email|print|like)(?: (?:this|it|on \w+|to \w+|"
    r"article|page|post|story))*!?|scroll to top|back to top|read more\W*|"
    r"continue reading\W*|advertisement|sponsored(?: content)?|"
    r"(?:accept|allow|reject)(?: all)? cookies|subscribe(?: now)?)$",
    re.I,
)
_COOKIE = re.compile(
    r"\b(?:we use|(?:this|our) (?:web)?site uses|uses?) cookies\b|"
    r"\bcookie (?:policy|settings|preferences|consent)\b",
    re.I,
)
_BYLINE = re.compile(r"^(?:(?:posted|written|published)\s+)?by\s+\S", re.I)
_AUTHOR = re.compile(
    r"\bby\s+(?P<name>.+?)(?=\s+on\s|\s+in\s|\s*[|·•,]|\s+\d|\s*$)", re.I
)
_DATE_LINE = re.compile(
    r"^(?:(?:posted|published|updated|written)(?:\s+on)?\s*:?\s*)?\S.{0,40}$", re.I
)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?:\s|$)")
_OPEN_END = re.compile(r"[.!?:;,\"'”’)\]]$")
_LIST_START = re.compile(r"^\s*(?:[-*•|]|\d+[.)])")


def read_text_article(text: str) -> PageArticle | None:
    """The article in a saved text copy of a web page, or None if none is left."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    url, lines = _take_source_url(lines)
    lines = _cut_footer(_drop_header(lines))
    lines = [line for line in lines if not is_chrome(line)]
    title, lines = _take_title(lines)
    author, date, lines = _take_byline(lines)
    body = _join(_spaced(_drop_dangling_headings(lines)))
    if not body:
        return None
    return PageArticle(title=title, body=body, author=author, date=date, url=url)


def is_prose(line: str) -> bool:
    """A line of running text: a dozen words or more with a sentence end."""
    return len(line.split()) >= 12 and bool(_SENTENCE_END.search(line))


def is_chrome(line: str) -> bool:
    """A whole line of page furniture: menus, share buttons, cookie notices."""
    stripped = line.strip()
    if not stripped or len(stripped) > 300:
        return False
    return bool(_CHROME_LINE.match(stripped) or _SITE_HEADER.match(stripped)
                or _COOKIE.search(stripped))


def _take_source_url(lines: list[str]) -> tuple[str | None, list[str]]:
    url, kept = None, []
    for line in lines:
        match = _SOURCE_URL.match(line.strip())
        if match:
            url = url or match["url"].rstrip(".,;)")
        else:
            kept.append(line)
    return url, kept


def _drop_header(lines: list[str]) -> list[str]:
    """Everything up to the last menu line near the top is the site's header."""
    end, seen = 0, 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > _HEADER_SPAN or is_prose(line):
            break
        if _MENU_LINE.search(line.strip()):
            end = index + 1
    return lines[end:]


def _cut_footer(lines: list[str]) -> list[str]:
    """Cut at the first footer line that follows at least two lines of prose."""
    prose = 0
    for index, line in enumerate(lines):
        if prose >= 2 and _FOOTER.match(line.strip()):
            return lines[:index]
        prose += is_prose(line)
    return lines


def _take_title(lines: list[str]) -> tuple[str, list[str]]:
    """The first line, unless it is running text (then it stays in the body)."""
    rest = trim_blank_lines(lines)
    if not rest:
        return "", rest
    first = " ".join(rest[0].split())
    if len(first) > 200 or first.endswith("."):
        return _shorten(first), rest
    rest = trim_blank_lines(rest[1:])
    if rest and " ".join(rest[0].split()).lower() == first.lower():
        rest = rest[1:]
    return first, rest


def _take_byline(lines: list[str]) -> tuple[str, PageDate, list[str]]:
    """A "Posted By X On <date>" line (or a lone date) among the first three."""
    candidates = [i for i, line in enumerate(lines) if line.strip()][:3]
    for index in candidates:
        line = " ".join(lines[index].split())
        if is_prose(line):
            break
        byline = _BYLINE.match(line)
        date = find_prose_date(line)
        if byline or (date.value and _DATE_LINE.match(line)):
            author = _AUTHOR.search(line) if byline else None
            name = site_user_name(author["name"].strip()) if author else ""
            return name, date, lines[:index] + lines[index + 1:]
    return "", NO_DATE, lines


def _drop_dangling_headings(lines: list[str]) -> list[str]:
    """Short headings at the very end have no text: they link to other pages."""
    lines = trim_blank_lines(lines)
    while lines and _is_heading(lines[-1]):
        lines = trim_blank_lines(lines[:-1])
    return lines


def _is_heading(line: str) -> bool:
    text = line.strip()
    return (len(text) <= 100 and not _OPEN_END.search(text)
            and not _LIST_START.match(text))


def _spaced(lines: list[str]) -> list[str]:
    """Copies that lost their blank lines get one between paragraphs back.

    Runs of list items and table rows stay together.
    """
    if any(not line.strip() for line in lines):
        return lines
    spaced: list[str] = []
    for line in lines:
        if spaced and not (_LIST_START.match(line) and _LIST_START.match(spaced[-1])):
            spaced.append("")
        spaced.append(line)
    return spaced



def _join(lines: list[str]) -> str:
    """The body with runs of blank lines made one (pages pad with many)."""
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _shorten(text: str, limit: int = 100) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
