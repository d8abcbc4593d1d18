"""mbox exports (mboxrd) of a thread, a group or a group's month, streamed.

Each message is what a reader may take away, never the stored source bytes
(those keep transport headers, full addresses and redacted words): the
post's as-posted text (`forum.text.markup.as_posted_text`, the as-posted.txt
path), its masked byline, subject and date.  Hidden posts, ghosts and purged
posts (hidden too) are left out.

A Message-ID often names its author (`jsmith.123@host`), and the pages mask
it, so messages carry a stand-in `<permalink@archive.invalid>` instead; the
permalink is a hash, and References/In-Reply-To are rebuilt from the stored
tree with the same stand-ins, so an import of the file threads as here.

Posts are read in id order, `BATCH` at a time by keyset, so a large group is
never held in memory; the generators yield bytes for a streamed response.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from typing import Protocol

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from forum.extensions import DbSession
from forum.models import Group, Post, PostGroup, Thread
from forum.services.archive_groups import month_range
from forum.services.sql_chunks import chunks
from forum.services.visibility import VISIBLE
from forum.text.markup import as_posted_text
from forum.text.masking import mask_addresses

BATCH = 500
FIRST_BATCH = 20
# Tree facts kept across batches (a few hundred bytes each), newest first.
KNOWN_LIMIT = 20_000
ID_DOMAIN = "archive.invalid"
PLACEHOLDER_SENDER = "MAILER-DAEMON"
EPOCH = datetime(1970, 1, 1)
_FROM_LINE = re.compile(r"^>*From ")

# What earlier batches learnt of the reply tree: post id -> (parent id,
# permalink, hidden).
Known = dict[int, tuple[int | None, str, bool]]
Posts = Select[tuple[Post]]


@dataclass(frozen=True)
class ChosenPosts:
    """Posts named by id (a search's matches, up to ten thousand): read one
    slice of the sorted ids per batch, so no query carries the whole list."""

    ids: tuple[int, ...]


class TreeRow(Protocol):
    """What `ancestor_chains` reads of a post: a `Post`, or the news server's
    plain row (`nntp_articles`)."""

    @property
    def id(self) -> int: ...

    @property
    def parent_id(self) -> int | None: ...

    @property
    def permalink(self) -> str: ...

    @property
    def is_hidden(self) -> bool: ...


class Sender(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def masked_email(self) -> str | None: ...


class MessageSource(TreeRow, Protocol):
    """What `message_parts` reads of a post, besides its place in the tree."""

    @property
    def author(self) -> Sender | None: ...

    @property
    def byline(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def date(self) -> datetime | None: ...

    @property
    def body_text(self) -> str: ...

    @property
    def body_html(self) -> str | None: ...


def thread_posts(thread: Thread) -> Posts:
    """The visible posts of a thread."""
    return select(Post).where(Post.thread_id == thread.id, *VISIBLE)


def group_posts(group: Group, year: int | None = None,
                month: int | None = None) -> Posts:
    """The visible posts listed in a group, or in one month of it."""
    stmt = (select(Post).join(PostGroup, PostGroup.post_id == Post.id)
            .where(PostGroup.group_id == group.id, *VISIBLE)
            .execution_options(keyset_by_listing=True))
    if year is not None and month is not None:
        start, end = month_range(year, month)
        stmt = stmt.where(PostGroup.post_date >= start, PostGroup.post_date < end)
    return stmt


def posts_by_id(ids: list[int]) -> ChosenPosts:
    """The visible ones of these posts (a search's matches: the index may
    not yet know that a moderator hid one), in id order."""
    return ChosenPosts(tuple(sorted(set(ids))))


def message_id_for(permalink: str) -> str:
    """The stand-in Message-ID an export gives a post (see the module doc)."""
    return f"<{permalink}@{ID_DOMAIN}>"


def export_mbox(bind: Engine, posts: Posts | ChosenPosts,
                post_url: Callable[[str], str] | None = None) -> Iterator[bytes]:
    """The posts of `posts` as mboxrd, one message (bytes) at a time.

    The stream outlives the request that started it, so it reads through a
    session of its own, closed when the stream ends or is dropped unread
    (a HEAD, a client that hangs up), rather than the request's.
    """
    with Session(bind) as session:
        known: Known = {}
        for batch in _batches(session, posts):
            _forget_oldest(known)
            chains = ancestor_chains(session, batch, known)
            for post in batch:
                yield format_message(post, chains[post.id], post_url)


def _forget_oldest(known: Known) -> None:
    """Keep the newest KNOWN_LIMIT // 2 tree facts once there are more than
    KNOWN_LIMIT, so memory stays flat: a reply's ancestors are mostly recent."""
    if len(known) > KNOWN_LIMIT:
        for post_id in list(itertools.islice(known, len(known) - KNOWN_LIMIT // 2)):
            del known[post_id]


def gzip_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """`chunks` gzip-compressed on the fly (one gzip member).

    The first message is flushed out at once: a compressor holds its output
    until it has tens of kilobytes, and the reader should see the download
    start, not wait for a few hundred messages to be compressed first.
    """
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    first = True
    for chunk in chunks:
        packed = packer.compress(chunk)
        if first:
            packed += packer.flush(zlib.Z_SYNC_FLUSH)
            first = False
        if packed:
            yield packed
    yield packer.flush()


def _batches(session: DbSession, posts: Posts | ChosenPosts) -> Iterator[list[Post]]:
    """`posts` by keyset, BATCH at a time after a small first batch (the
    download's first byte waits for the first batch only)."""
    if isinstance(posts, ChosenPosts):
        yield from _chosen_batches(session, posts.ids)
        return
    # A group's listing is read in its (group_id, post_id) index's order.
    key = (PostGroup.post_id if posts.get_execution_options().get("keyset_by_listing")
           else Post.id)
    last, size = 0, FIRST_BATCH
    while True:
        batch = list(session.scalars(
            posts.where(key > last).order_by(key).limit(size)).unique())
        if not batch:
            return
        yield batch
        last, size = batch[-1].id, BATCH


def _chosen_batches(session: DbSession, ids: Sequence[int]) -> Iterator[list[Post]]:
    """The visible posts among `ids` (sorted), a slice of ids per query: a
    small first one, then BATCH at a time, as `_batches` reads."""
    if not ids:
        return
    for chunk in [ids[:FIRST_BATCH], *chunks(ids[FIRST_BATCH:], BATCH)]:
        batch = list(session.scalars(select(Post).where(Post.id.in_(chunk), *VISIBLE)
                                     .order_by(Post.id)).unique())
        if batch:
            yield batch


def ancestor_chains(session: DbSession, posts: Sequence[TreeRow],
                    known: Known | None = None) -> dict[int, list[str]]:
    """Each post's visible (or ghost) ancestors' permalinks, root first.

    `posts` are `Post`s or rows with the same `id`, `parent_id`, `permalink`
    and `is_hidden` (the news server reads plain rows: see nntp_articles).

    A hidden ancestor is skipped, not the chain: its permalink is never
    handed out, and its replies still belong below the posts above it.
    `known` carries what earlier batches learnt of the tree (a reply's
    ancestors were mostly read a batch or two before).
    """
    known = {} if known is None else known
    known.update({p.id: (p.parent_id, p.permalink, p.is_hidden) for p in posts})
    wanted = {p.parent_id for p in posts if p.parent_id} - known.keys()
    while wanted:
        rows = session.execute(select(Post.id, Post.parent_id, Post.permalink,
                                      Post.is_hidden).where(Post.id.in_(wanted)))
        parents: set[int] = set()
        for post_id, parent_id, permalink, hidden in rows:
            known[post_id] = (parent_id, permalink, hidden)
            if parent_id:
                parents.add(parent_id)
        wanted = parents - known.keys()
    chains: dict[int, list[str]] = {}
    for post in posts:
        chain: list[str] = []
        seen, parent = {post.id}, post.parent_id
        while parent and parent in known and parent not in seen:
            seen.add(parent)
            parent, permalink, hidden = known[parent]
            if not hidden:
                chain.append(permalink)
        chains[post.id] = chain[::-1]
    return chains


def format_message(post: Post, ancestors: list[str],
                   post_url: Callable[[str], str] | None = None) -> bytes:
    """One mboxrd message: From_ line, headers, quoted body, blank line."""
    masked = post.author.masked_email if post.author is not None else None
    sender = masked if masked and " " not in masked else PLACEHOLDER_SENDER
    when = post.date or EPOCH
    headers, body = message_parts(post, ancestors, post_url)
    lines = [f"From {sender} {when.strftime('%a %b %d %H:%M:%S %Y')}", *headers,
             "", *map(_quote, body)]
    return ("\n".join(lines) + "\n\n").encode("utf-8", "replace")


def message_parts(post: MessageSource, ancestors: list[str],
                  post_url: Callable[[str], str] | None = None
                  ) -> tuple[list[str], list[str]]:
    """A message's header fields and its body lines, unquoted, without line ends.

    The one place that decides what a reader may take away of a post, shared
    by the mbox export and the news server.  A field may be folded: a long
    References holds `\n ` between its ids.  `post` is a `Post` or a row
    with the attributes used here (`author` with `masked_email` and `name`,
    `byline`, `subject`, `date`, `permalink`, `body_text`, `body_html`).
    """
    masked = post.author.masked_email if post.author is not None else None
    headers = [f"From: {_from_header(post, masked)}",
               f"Subject: {_header(mask_addresses(post.subject))}"]
    if post.date is not None:
        headers.append(f"Date: {format_datetime(post.date.replace(tzinfo=UTC))}")
    headers.append(f"Message-ID: {message_id_for(post.permalink)}")
    if ancestors:
        headers.append(f"In-Reply-To: {message_id_for(ancestors[-1])}")
        headers.append("References: " + "\n ".join(map(message_id_for, ancestors)))
    if post_url is not None:
        headers.append(f"Archived-At: <{post_url(post.permalink)}>")
    headers += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit"]
    return headers, as_posted_text(post.body_text, post.body_html).splitlines()


def _from_header(post: MessageSource, masked: str | None) -> str:
    name = " ".join(mask_addresses(post.byline).split())
    if not masked:
        return _header(name or "Unknown")
    return formataddr((name, masked)) if name else masked


def _header(value: str) -> str:
    """One line, RFC 2047-encoded when not ASCII."""
    value = " ".join(value.split())
    return value if value.isascii() else Header(value, "utf-8").encode()


def _quote(line: str) -> str:
    """mboxrd: a line `>*From ` gains one more `>`, so readers can undo it."""
    return ">" + line if _FROM_LINE.match(line) else line
