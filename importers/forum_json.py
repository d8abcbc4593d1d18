"""Web forum threads exported as JSON, starting with the patient.info scrape.

The shape is `{board_url: [thread, ...]}`; a thread is `{title, user, post,
"date posted", url, replies}` and every reply `{user, "date posted", post,
replies}`, nested as the forum showed them.  Each board becomes a group named
after its URL (`patient.info/reactive-arthritis`).

Forum posts carry no ids, so each gets a deterministic one made from where it
sits and what it says (board, thread URL, parent id, user, normalised text) but
not its date: a post submitted twice in the same place dedups in the archive,
and replies name their parent by that id.  HTML posts are kept as posted in
`body_html` (the archive's one sanitiser renders them) with a plain-text copy
for search.  Replies dated before their parent keep the place the source gave
them and say so in their date note: the scrape dated many thread starters at
the time it ran.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from importers.base import ImportProblem, IncomingMessage, ParsedStream, excerpt_of
from importers.dates import EARLIEST, FUTURE_SLACK, parse_date, utc_now
from importers.mime import html_to_text
from importers.streams import STREAM_ERRORS, open_binary

logger = logging.getLogger(__name__)

BEFORE_PARENT_NOTE = "dated before its parent (source order kept)"
PARENT_EVIDENCE = "nested under its parent in the forum export"
_HTML = re.compile(
    r"</?(?:p|br|div|span|a|img|b|i|u|em|strong|ul|ol|li|blockquote|h[1-6])\b[^<>]*>",
    re.I,
)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.I)
# phpBB 2 stored posts with a per-post id in every BBCode tag and `\"` quotes.
_BB_QUOTE = re.compile(r'\[quote:(?P<uid>[0-9a-f]+)(?:="(?P<name>[^"\]]*)")?\]')
_BB_TAG = re.compile(r"\[/?(?:b|i|u|size|color)(?:=[^\]:]*)?:[0-9a-f]+\]")
_BOARD_NUMBER = re.compile(r"-\d+$")


@dataclass(slots=True)
class _Thread:
    """What every post of one thread shares."""

    source: str
    board: str
    group: str
    url: str
    title: str
    position: str


def looks_like_forum_json(path: str | Path) -> bool:
    """True for a `.json` file whose top level has the forum scrape's shape."""
    path = Path(path)
    if ".json" not in path.name.lower():
        return False
    try:
        with open_binary(path) as stream:
            return is_forum_scrape(json.load(stream))
    except (ValueError, RecursionError, *STREAM_ERRORS):
        return False


def is_forum_scrape(data: object) -> bool:
    """`{board: [thread, ...]}` where the first thread has a post (and replies)."""
    if not isinstance(data, dict) or not data:
        return False
    if not all(isinstance(threads, list) for threads in data.values()):
        return False
    first = next((threads[0] for threads in data.values() if threads), None)
    return isinstance(first, dict) and "post" in first and (
        "replies" in first or "title" in first
    )


def iter_forum_json(path: str | Path) -> ParsedStream:
    """Every post of every thread, depth first in source order.

    Position is `GROUP thread N` for a thread's first post and
    `GROUP thread N reply 2.1` for the first reply to its second reply.
    """
    source = str(path)
    data = _load(Path(path))
    if isinstance(data, ImportProblem):
        yield data
        return
    for board, threads in data.items():
        group = board_group(board)
        for number, thread in enumerate(threads, 1):
            yield from _thread_items(source, board, group, number, thread)


def _load(path: Path) -> dict | ImportProblem:
    with open_binary(path) as stream:
        raw = stream.read()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        return ImportProblem(str(path), "file", f"not valid JSON: {exc}",
                             excerpt=excerpt_of(raw))
    if not is_forum_scrape(data):
        return ImportProblem(
            str(path), "file",
            "not a forum export: expected {board_url: [thread, ...]}",
            excerpt=excerpt_of(raw),
        )
    return data


def board_group(board: str) -> str:
    """A readable, stable group name for a board URL: host and board slug.

    `https://patient.info/forums/discuss/browse/reactive-arthritis-1981` ->
    `patient.info/reactive-arthritis` (the forum's board number is dropped).
    """
    parts = _split_url(board)
    host = parts.netloc.lower().removeprefix("www.")
    segments = [segment for segment in parts.path.split("/") if segment]
    slug = _BOARD_NUMBER.sub("", segments[-1]).lower() if segments else ""
    if not host:
        return "-".join(board.lower().split())[:255] or "forum"
    return f"{host}/{slug}" if slug else host


def _split_url(board: str) -> SplitResult:
    """The parts of a board URL; a board that is no URL (`http://[`) has no host."""
    try:
        return urlsplit(board.strip())
    except ValueError:
        return SplitResult("", "", board.strip(), "", "")


def _thread_items(source, board, group, number, thread) -> ParsedStream:
    position = f"{group} thread {number}"
    if not isinstance(thread, dict):
        yield ImportProblem(source, position, "thread is not a JSON object",
                            excerpt=excerpt_of(json.dumps(thread)))
        return
    context = _Thread(
        source=source, board=board, group=group, url=_text(thread.get("url")),
        title=" ".join(_text(thread.get("title")).split()), position=position,
    )
    yield from _post_items(context, thread, None, "")


def _post_items(context: _Thread, post, parent, path: str) -> ParsedStream:
    position = f"{context.position} reply {path}" if path else context.position
    if not isinstance(post, dict):
        yield ImportProblem(context.source, position, "post is not a JSON object",
                            excerpt=excerpt_of(json.dumps(post)))
        return
    message = _message(context, post, parent, position)
    yield message
    replies = post.get("replies") or []
    if not isinstance(replies, list):
        replies = [replies]
    for index, reply in enumerate(replies, 1):
        child_path = f"{path}.{index}" if path else str(index)
        yield from _post_items(context, reply, message, child_path)


def _message(context: _Thread, post: dict, parent, position: str) -> IncomingMessage:
    user = " ".join(_text(post.get("user")).split())
    repairs: list[str] = []
    body_text, body_html = post_bodies(_text(post.get("post")), repairs)
    date, date_note = parse_posted(post.get("date posted"))
    parent_id = parent.message_id if parent is not None else None
    if parent is not None and date and parent.date and date < parent.date:
        date_note = "; ".join(filter(None, [date_note, BEFORE_PARENT_NOTE]))
    title = context.title
    return IncomingMessage(
        source=context.source,
        position=position,
        message_id=post_id(context, parent_id, user, body_text),
        synthetic_id=True,
        subject=f"Re: {title}" if parent is not None and title else title,
        author_name=user,
        date=date,
        date_note=date_note,
        in_reply_to=parent_id,
        groups=[context.group],
        body_text=body_text,
        body_html=body_html,
        raw=_raw(post),
        parent_confidence=1.0 if parent is not None else None,
        parent_evidence=PARENT_EVIDENCE if parent is not None else None,
        source_url=context.url or None,
        repairs=repairs,
    )


def post_id(context: _Thread, parent_id: str | None, user: str, text: str) -> str:
    """The deterministic id of a post: where it sits and what it says, no date."""
    thread = context.url or f"title:{context.title}"
    key = "\x1f".join(
        [context.board, thread, parent_id or "", user, " ".join(text.split())]
    )
    digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    host = _split_url(context.board).netloc.lower().removeprefix("www.")
    return f"{digest}@{host or 'forum'}.invalid"


def post_bodies(
    post: str, repairs: list[str] | None = None
) -> tuple[str, str | None]:
    """(body_text, body_html): HTML posts kept as posted plus a plain rendering.

    Plain text gets LF line ends and ordinary spaces for no-break spaces; posts
    carried over from the forum's phpBB days lose their escaping and BBCode.
    """
    if _HTML.search(post):
        return _plain(html_to_text(post)), post
    repairs = repairs if repairs is not None else []
    return _plain(_legacy_text(post.replace("\r\n", "\n"), repairs)), None


def _legacy_text(text: str, repairs: list[str]) -> str:
    """Undo phpBB 2's storage: entities, `\\"` and BBCode tags with post ids."""
    if _ENTITY.search(text):
        text = html.unescape(text)
        repairs.append("HTML entities in a plain-text post decoded")
    if '\\"' in text or "\\'" in text:
        text = text.replace('\\"', '"').replace("\\'", "'")
        repairs.append("backslash-escaped quotes restored")
    quotes = _quote_blocks(text)
    if quotes != text or _BB_TAG.search(text):
        text = _BB_TAG.sub("", quotes)
        repairs.append("phpBB markup turned into plain text")
    return text


def _quote_blocks(text: str) -> str:
    """Every `[quote:uid="Name"]text[/quote:uid]` as `Name wrote:` and `> ` lines.

    Each quote ends at the first `[/quote:uid]` after it, as a lazy regex would
    have it; found with `str.find`, so a post of unclosed quotes is read in
    linear time (the regex rescanned the rest of the post from every one).
    """
    parts: list[str] = []
    pos = 0
    unclosed: set[str] = set()
    for start in _BB_QUOTE.finditer(text):
        uid = start["uid"]
        if start.start() < pos or uid in unclosed:
            continue
        end_tag = f"[/quote:{uid}]"
        end = text.find(end_tag, start.end())
        if end < 0:
            unclosed.add(uid)
            continue
        parts += [text[pos:start.start()],
                  _quote_block(text[start.end():end], start["name"],
                               text[:start.start()])]
        pos = end + len(end_tag)
    return "".join(parts) + text[pos:] if parts else text


def _quote_block(inner: str, name: str | None, before: str) -> str:
    """A quote's text as `Name wrote:` and `> ` lines."""
    lines = inner.strip("\n").split("\n")
    quoted = "\n".join(f"> {line.strip()}" if line.strip() else ">" for line in lines)
    name = (name or "").strip()
    block = f"{name} wrote:\n{quoted}" if name else quoted
    return block if before.endswith("\n") or not before else f"\n{block}"


def _plain(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    body = "\n".join(lines).strip("\n")
    return body + "\n" if body else ""


def parse_posted(value: object) -> tuple[datetime | None, str | None]:
    """A `date posted` value as naive UTC: ISO 8601 (the scrape's), else RFC 5322."""
    text = _text(value).strip()
    if not text:
        return None, "no date posted"
    try:
        date = datetime.fromisoformat(text)
    except ValueError:
        return parse_date(text)
    note = None
    if date.tzinfo is None:
        note = "no time zone, UTC assumed"
    else:
        try:
            date = date.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
            return None, f"date out of range {text[:40]!r}"
    if date < EARLIEST or date > utc_now() + FUTURE_SLACK:
        return None, f"date out of range {text[:40]!r}"
    return date, note


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _raw(post: dict) -> bytes:
    """The post as the export gave it, without its replies (they have their own)."""
    own = {key: value for key, value in post.items() if key != "replies"}
    try:
        return json.dumps(own, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: keep it escaped as \ud800
        return json.dumps(own).encode("ascii")
