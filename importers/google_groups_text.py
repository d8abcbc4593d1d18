"""A Google Groups thread page read as lines of text: the core of all three forms.

What a browser copies from a thread page, the saved HTML rendered to text and the
page converted to Markdown come down to the same lines: the subject above `4 views`,
then per post an author line, `unread,`, a date line where the long date runs into
the short one (`Oct 10, 2000, 3:00:00 AM10/10/00`), a `to` line and the body.  The
page's interface words (the Usenet banner, menus, "Show quoted text", "N new
messages") are recognised here, once, so no form lets them into a body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BANNER = (
    "Google Groups no longer supports new Usenet posts or subscriptions. "
    "Historical content remains viewable."
)
DELETED = "Message has been deleted"
# Interface lines wherever they stand, bodies included: no one writes these.
_ALWAYS_UI = frozenset({
    BANNER, "Skip to first unread message", "Show quoted text", "Hide quoted text",
    "Show trimmed content", "Sign in to reply to author", "Sign in to forward",
    "Sign in to reply", "You do not have permission to delete messages in this group",
    "Either email addresses are anonymous for this group or you need the view member "
    "email addresses permission to view the original message",
})
# Buttons: dropped only at the edges of a body, since a post may say "Forward".
_EDGE_UI = frozenset({
    "Dismiss", "Reply", "Reply all", "Reply to author", "Forward", "Delete",
    "Copy link", "Report message", "Show original message", "unread,",
})
_UI_PHRASE = re.compile("|".join(
    re.escape(phrase) for phrase in sorted(_ALWAYS_UI | _EDGE_UI, key=len, reverse=True)
))
_HEADER_LINES = 20
# Google's date: "Oct 10, 2000, 3:00:00 AM" (a narrow no-break space before AM),
# then, in a copy, the short form run into it: "10/10/00".
DATE_TEXT = r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d:\d\d\s?[AP]M"
DATE_LINE = re.compile(
    r"(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4}), "
    r"(?P<hour>\d{1,2}):(?P<minute>\d\d):(?P<second>\d\d)\s?(?P<half>[AP]M)"
    r"(?P<short>\s*\d{1,2}/\d{1,2}/\d{2,4})?"
)
_VIEWS = re.compile(r"\d[\d,]*\s+views?")
_NEW_MESSAGES = re.compile(r"\d[\d,]*\s+new messages?")
_TO_LINE = re.compile(r"to(?:\s+(?P<recipients>.*))?")
# Material icon glyphs (private use area) that copies pick up from buttons.
_ICONS = re.compile("[\ue000-\uf8ff]")
_THREAD_URL = re.compile(
    r"https?://groups\.google\.com/(?P<domain>a/[\w.-]+/)?"
    r"(?:g/(?P<g>[\w.+-]+)/c/|d/(?:topic|msg)/(?P<d>[\w.+-]+)/"
    r"|forum/#!topic/(?P<f>[\w.+-]+)/)(?P<id>[\w-]+)"
)
_GROUP_LINK = re.compile(r"""["'(]\.?/(?:a/[\w.-]+/)?g/([\w.+-]+)[/"')?#]""")


@dataclass(slots=True)
class Page:
    """One page as lines of text, with what its markup said about where it was."""

    lines: list[str]
    title: str = ""
    url: str | None = None
    group: str | None = None
    # The file line each of `lines` came from, where that means something.
    line_numbers: list[int] | None = None


@dataclass(slots=True)
class PagePost:
    """One post as the page shows it: still text, not yet a message."""

    author: str
    date_text: str
    index: int  # of the author line in Page.lines
    recipients: str = ""
    body: str = ""
    raw: str = ""
    deleted_after: int = 0


@dataclass(slots=True)
class PageThread:
    """One thread of a page: its subject, posts in page order, deleted markers."""

    subject: str
    posts: list[PagePost] = field(default_factory=list)
    deleted_before: int = 0


def page_address(text: str) -> tuple[str | None, str | None]:
    """The thread URL and group name found in a page's markup, if any.

    The first Google Groups thread address wins (a saved page names itself first:
    `saved from url`, canonical link); else a relative `./g/NAME` navigation link
    gives the group alone.
    """
    match = _THREAD_URL.search(text)
    if match:
        group = match["g"] or match["d"] or match["f"]
        domain = match["domain"] or ""
        return f"https://groups.google.com/{domain}g/{group}/c/{match['id']}", group
    link = _GROUP_LINK.search(text)
    return None, link.group(1) if link else None


def read_threads(page: Page) -> list[PageThread]:
    """The threads of a page: a thread starts at each `N views` line."""
    lines = [_ICONS.sub("", line).rstrip() for line in page.lines]
    heads = _post_heads(lines)
    threads = []
    for start, end, subject in _thread_spans(lines, page.title):
        thread = PageThread(subject=subject)
        inside = [head for head in heads if start <= head[0] < end]
        first = inside[0][0] if inside else end
        thread.deleted_before = _count(lines[start:first], DELETED)
        for number, (author, date) in enumerate(inside):
            stop = inside[number + 1][0] if number + 1 < len(inside) else end
            thread.posts.append(_post(lines, author, date, stop))
        threads.append(thread)
    return threads


def _post_heads(lines: list[str]) -> list[tuple[int, int]]:
    """(author line, date line) of every post: a date line after `unread,`."""
    heads: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        match = DATE_LINE.fullmatch(line.strip())
        if not match:
            continue
        before = _previous_text(lines, index)
        if before is None or lines[before].strip() != "unread,":
            if not match["short"]:
                continue
        else:
            before = _previous_text(lines, before)
        if before is not None and (not heads or before > heads[-1][1]):
            heads.append((before, index))
    return heads


def _thread_spans(lines: list[str], title: str) -> list[tuple[int, int, str]]:
    """(start, end, subject) per thread; the subject is the line above `N views`."""
    starts: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        if _VIEWS.fullmatch(line.strip()):
            above = _previous_text(lines, index, _ALWAYS_UI | _EDGE_UI)
            if above is not None:
                starts.append((above, lines[above].strip()))
    if not starts:
        return [(0, len(lines), title.strip())]
    starts[0] = (0, starts[0][1])
    ends = [start for start, _ in starts[1:]] + [len(lines)]
    return [(start, end, subject)
            for (start, subject), end in zip(starts, ends, strict=True)]


def _post(lines: list[str], author: int, date: int, stop: int) -> PagePost:
    """One post: the header lines, then the body up to the next post's author."""
    post = PagePost(
        author=lines[author].strip(), date_text=lines[date].strip(), index=author
    )
    start, post.recipients = _body_start(lines, date + 1, stop)
    body = lines[start:stop]
    post.deleted_after = _count(body, DELETED)
    post.body = "\n".join(_body_lines(body))
    post.raw = "\n".join(lines[author:stop]).strip()
    return post


def _body_start(lines: list[str], start: int, stop: int) -> tuple[int, str]:
    """Where a body starts after its date line, and who the `to` line names.

    Between the date and `to` stand menus (a saved page keeps their hidden text,
    sometimes run together: "Reply to authorSign in to reply to author").
    """
    seen = 0
    for index in range(start, min(stop, start + 4 * _HEADER_LINES)):
        text = lines[index].strip()
        if not text or _is_photo(text):
            continue
        if to := _TO_LINE.fullmatch(text):
            return index + 1, (to["recipients"] or "").strip()
        seen += 1
        if seen > _HEADER_LINES or not _UI_PHRASE.search(text):
            break
    while start < stop and _is_interface(lines[start].strip()):
        start += 1
    return start, ""


def _body_lines(lines: list[str]) -> list[str]:
    """A body without the interface: kept lines, no leading or trailing blanks."""
    kept: list[str] = []
    for line in lines:
        text = line.strip()
        if _NEW_MESSAGES.fullmatch(text):
            break
        if text not in _ALWAYS_UI and text != DELETED and not _is_photo(text):
            kept.append(line)
    while kept and (not kept[-1].strip() or kept[-1].strip() in _EDGE_UI):
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return kept


def _is_interface(text: str) -> bool:
    return not text or text in _ALWAYS_UI or text in _EDGE_UI or _is_photo(text)


def _is_photo(text: str) -> bool:
    """A profile picture's alt text, which some copies and converters keep."""
    return text.endswith("'s profile photo")


def _previous_text(
    lines: list[str], index: int, skip: frozenset[str] = frozenset()
) -> int | None:
    """The index of the nearest non-blank line above `index` that is not in skip."""
    for before in range(index - 1, -1, -1):
        text = lines[before].strip()
        if text and text not in skip:
            return before
    return None


def _count(lines: list[str], text: str) -> int:
    return sum(line.strip() == text for line in lines)
