"""Google Groups thread pages: the copied text, the saved HTML, the Markdown.

Google Groups' Usenet archive (and every Google group) survives only as pages, so
three forms are read: what a browser copies from a thread page, the page saved as
HTML, and that page converted to Markdown.  All three come down to the same lines
(`google_groups_text`), so they yield the same posts with the same ids.

- Authors are kept as shown ("Mark London", "thai"); masked addresses
  (`tha...@sympatico.ca`) stay masked and are never guessed at, so the archive
  keys such authors by name.
- Dates: Google prints US Pacific time (America/Los_Angeles: PST, or PDT in
  summer) without a zone; each is stored as its UTC instant with that offset.
  Its `3:00:00 AM` placeholder for old posts is kept, marked
  `date_precision="day"` (3 AM Pacific is 10 or 11 AM UTC: the same day).
- Ids: `gg-<sha1>@groups.google.invalid` over subject, author, the time as the
  page printed it and the start of the body.  Neither the group nor the form goes
  in, so the same post read twice (or once as text and once as HTML) is one post.
- Replies: pages show no references; `importers.reconstruct.infer_parents` infers
  them for each thread, with its confidence and evidence.
- "Message has been deleted" markers are reported as skipped, where they stood.
  `raw` keeps each post as read (for HTML: as rendered to text).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from importers.base import ImportProblem, IncomingMessage, ParsedStream, excerpt_of
from importers.google_groups_html import render_html
from importers.google_groups_markdown import render_markdown
from importers.google_groups_text import (
    BANNER,
    DATE_LINE,
    DATE_TEXT,
    Page,
    PagePost,
    PageThread,
    read_threads,
)
from importers.streams import open_binary
from incoming.google_groups import ID_DOMAIN, pacific_instant

logger = logging.getLogger(__name__)

_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
     "Dec"), start=1)}
_NEWSGROUP = re.compile(r"[a-z0-9][a-z0-9+_-]*(?:\.[a-z0-9+_-]+)+")
_REPLY = re.compile(r"re\s*:", re.I)
_HTML_START = re.compile(r"\s*<(?:!doctype\s+html|html|head|!--)", re.I)
_GOOGLE_HTML = re.compile(
    r"saved from url=\(\d+\)https?://groups\.google\.com"
    r"|<title>[^<]*Google Groups\s*</title>"
    r"|<link[^>]+href=\"https://groups\.google\.com/"
    r"|class=\"[^\"]*\b(?:ptW7te|zX2W9c|KPwZRb)\b",
    re.I,
)
_POST_HEAD = re.compile(rf"^unread,[ \t]*\n(?:[ \t]*\n)*{DATE_TEXT}", re.M)
_MARKDOWN = re.compile(
    r"^#{1,6} \S[^\n]*\n(?:[ \t]*\n)*unread,|profile photo\]\(", re.M
)
_HEADER_LINE = re.compile(r"[!-9;-~]+:(?:[ \t]|$)")
_SNIFF_MORE = 2 * 1024 * 1024


def iter_google_groups(path: str | Path) -> ParsedStream:
    """Any of the three forms, told apart by content (text when unsure)."""
    text = _read_text(path)
    return _iter_page(path, text, _RENDERERS[_form_of(text)])


def iter_google_groups_text(path: str | Path) -> ParsedStream:
    """The text a browser copies from a thread page."""
    return _iter_page(path, _read_text(path), _render_text)


def iter_google_groups_html(path: str | Path) -> ParsedStream:
    """A thread page saved as HTML."""
    return _iter_page(path, _read_text(path), render_html)


def iter_google_groups_markdown(path: str | Path) -> ParsedStream:
    """A thread page converted to Markdown."""
    return _iter_page(path, _read_text(path), render_markdown)


def sniff_google_groups(head: bytes, path: str | Path | None = None) -> str | None:
    """Which Google Groups form a file is, from its first bytes, or None.

    HTML needs a Google Groups marker (`saved from url`, title, canonical link or
    Google's class names; with `path`, the first 2 MB are searched).  Text needs
    the Usenet banner or an `unread,` line followed by a Google date line, and must
    not start with mail headers (a forwarded copy is a message); Markdown is text
    with `### Author` headings or profile-photo images.
    """
    text = head.decode("utf-8", "replace").replace("\r\n", "\n")
    form = _form_of(text)
    if form == "google-groups-html":
        return form if _is_google_html(text, path) else None
    if _starts_with_headers(text):
        return None
    return form if BANNER in text or _POST_HEAD.search(text) else None


def _form_of(text: str) -> str:
    if _HTML_START.match(text):
        return "google-groups-html"
    if _MARKDOWN.search(text[:16384]):
        return "google-groups-markdown"
    return "google-groups-text"


def _is_google_html(text: str, path: str | Path | None) -> bool:
    if _GOOGLE_HTML.search(text):
        return True
    if path is None:
        return False
    with open_binary(path) as stream:
        more = stream.read(_SNIFF_MORE).decode("utf-8", "replace")
    return bool(_GOOGLE_HTML.search(more))


def _starts_with_headers(text: str) -> bool:
    """Mail headers first (a forwarded copy); Markdown front matter is not that."""
    text = text.lstrip("\r\n")
    if text.startswith("---"):
        return False
    block = text.split("\n\n", 1)[0].splitlines()
    return sum(bool(_HEADER_LINE.match(line)) for line in block) >= 2


def _read_text(path: str | Path) -> str:
    with open_binary(path) as stream:
        data = stream.read()
    return data.decode("utf-8-sig", "replace").replace("\r\n", "\n")


def _render_text(text: str) -> Page:
    lines = text.splitlines()
    return Page(lines=lines, line_numbers=list(range(1, len(lines) + 1)))


_RENDERERS: dict[str, Callable[[str], Page]] = {
    "google-groups-text": _render_text,
    "google-groups-html": render_html,
    "google-groups-markdown": render_markdown,
}


def _iter_page(
    path: str | Path, text: str, render: Callable[[str], Page]
) -> ParsedStream:
    source = str(path)
    page = render(text)
    threads = read_threads(page)
    if not any(thread.posts for thread in threads):
        yield ImportProblem(
            source=source, position="page", excerpt=excerpt_of(text),
            reason="no Google Groups posts found (no author, unread, date lines)",
        )
        return
    for number, thread in enumerate(threads, start=1):
        yield from _thread_items(source, page, thread, number)


def _thread_items(
    source: str, page: Page, thread: PageThread, number: int
) -> Iterator[IncomingMessage | ImportProblem]:
    """A thread's messages in page order, each deleted marker where it stood."""
    messages = [
        _message(source, page, thread, post, f"thread {number} post {index + 1}")
        for index, post in enumerate(thread.posts)
    ]
    infer_parents(messages)
    where = f"thread {number} before post 1"
    yield from _deleted(source, where, thread.deleted_before)
    for index, (message, post) in enumerate(zip(messages, thread.posts, strict=True)):
        yield message
        where = f"thread {number} after post {index + 1}"
        yield from _deleted(source, where, post.deleted_after)


def _deleted(source: str, position: str, count: int) -> Iterator[ImportProblem]:
    for _ in range(count):
        yield ImportProblem(
            source=source, position=position, kind="skipped",
            reason="deleted on Google Groups: the page shows only the marker",
        )


def _message(
    source: str, page: Page, thread: PageThread, post: PagePost, position: str
) -> IncomingMessage:
    date = parse_google_date(post.date_text)
    first = post is thread.posts[0]
    group = page.group or _group_from_recipients(post.recipients)
    if page.line_numbers:
        position = f"{position} (line {page.line_numbers[post.index]})"
    return IncomingMessage(
        source=source,
        position=position,
        message_id=synthetic_message_id(thread.subject, post, date.shown),
        subject=thread.subject if first else reply_subject(thread.subject),
        author_name=post.author,
        date=date.value,
        date_note=date.note,
        date_offset=date.offset,
        groups=[group] if group else [],
        body_text=post.body,
        raw=post.raw.encode("utf-8"),
        synthetic_id=True,
        date_precision=date.precision,
        source_url=page.url,
    )


class GoogleDate(NamedTuple):
    """A Google Groups date: the UTC instant, how precise, what went wrong, the
    Pacific offset it was shown in (-480 PST, -420 PDT) and the wall-clock time
    the page printed (what ids hash)."""

    value: datetime | None
    precision: str = "exact"
    note: str | None = None
    offset: int | None = None
    shown: datetime | None = None


def parse_google_date(text: str) -> GoogleDate:
    """The date of `Oct 10, 2000, 3:00:00 AM10/10/00`, read as US Pacific time.

    A time that falls in the hour repeated when summer time ends is read as the
    first (PDT) one, and one in the hour skipped when it starts as standard time
    (zoneinfo's fold=0): the page cannot tell them apart, and either is at most
    an hour off.  3:00:00 AM is Google's placeholder for posts whose time it does
    not know, so those are only right to the day.
    """
    match = DATE_LINE.fullmatch(text.strip())
    month = _MONTHS.get(match["month"]) if match else None
    if match is None or month is None:
        return GoogleDate(None, note=f"unreadable Google Groups date {text[:60]!r}")
    hour, minute, second = (int(match[k]) for k in ("hour", "minute", "second"))
    try:
        shown = datetime(int(match["year"]), month, int(match["day"]),
                         hour % 12 + 12 * (match["half"] == "PM"), minute, second)
    except ValueError:
        return GoogleDate(None, note=f"impossible Google Groups date {text[:60]!r}")
    placeholder = (hour, minute, second, match["half"]) == (3, 0, 0, "AM")
    instant, offset = pacific_instant(shown)
    return GoogleDate(instant, "day" if placeholder else "exact", None, offset, shown)


def synthetic_message_id(subject: str, post: PagePost, shown: datetime | None) -> str:
    """`gg-<sha1>@groups.google.invalid`: the same post always gets the same id.

    `shown` is the time as the page printed it, not the UTC instant: ids made
    when that time was stored as if it were UTC hashed it, and a page imported
    again must get the ids it got then.  Whitespace is collapsed first, so the
    copied text, the HTML and the Markdown of one page agree however their line
    breaks differ.
    """
    when = shown.isoformat() if shown else post.date_text
    start = " ".join(post.body.split())[:200]
    key = "\x1f".join(" ".join(part.split()) for part in (
        subject, post.author, when, start))
    return f"gg-{hashlib.sha1(key.encode('utf-8')).hexdigest()}@{ID_DOMAIN}"


def reply_subject(subject: str) -> str:
    """The subject of a reply: the thread's, with one `Re: ` in front."""
    if not subject or _REPLY.match(subject):
        return subject
    return f"Re: {subject}"


def _group_from_recipients(recipients: str) -> str | None:
    """A newsgroup named first on the `to` line (not a group's display name)."""
    first = recipients.split(",", 1)[0].strip()
    return first if _NEWSGROUP.fullmatch(first) else None


def infer_parents(messages: list[IncomingMessage]) -> None:
    """Reply links for one thread, inferred by `importers.reconstruct`."""
    try:
        from importers.reconstruct import infer_parents as infer
    except ModuleNotFoundError as exc:
        if exc.name != "importers.reconstruct":
            raise
        raise RuntimeError(
            "Google Groups pages need importers.reconstruct.infer_parents to link "
            "replies, and that module is not installed"
        ) from exc
    infer(messages)
