"""Overview lines (OVER/XOVER) of many articles, with rendered results kept.

An overview needs each article's exact size, so every body is rendered
(address masking, redactions): about half of an OVER of 10,000 articles.
A newsreader asks for the same ranges again and again, so each article's
overview is kept in memory under a digest of everything it is made from
(`nntp_articles.Source`: the post's columns, its ancestors, its groups).
A redaction, a hidden ancestor or a new group changes the digest, so a
kept overview can never be stale; visibility is still decided by the query
that lists the posts, so a hidden post is never listed from memory.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from forum.extensions import DbSession
from forum.services.nntp_articles import (
    Article,
    Source,
    article_numbers,
    group_infos,
    group_sources,
    render,
)

# Overviews kept, the least recently used dropped first: about 50 MB.
KEPT = 100_000
OVERVIEW_HEADERS = ("subject", "from", "date", "message-id", "references")


@dataclass(frozen=True, slots=True)
class Overview:
    """An article's overview: its number, the OVERVIEW_HEADERS values
    (unfolded), and its size in octets and body lines."""

    number: int
    values: tuple[str, ...]
    bytes: int
    lines: int


class _Kept:
    """A bounded, thread-safe LRU of overviews by digest."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[bytes, Overview] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: bytes) -> Overview | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: bytes, overview: Overview) -> None:
        with self.lock:
            self.items[key] = overview
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_kept = _Kept(KEPT)


def group_overviews(session: DbSession, group_id: int, low: int,
                    high: int) -> Iterator[Overview]:
    """The overviews of a group's visible articles from `low` to `high`."""
    for batch in group_sources(session, group_id, low, high):
        for source in batch:
            key = _digest(source)
            found = _kept.get(key)
            if found is None:
                found = overview_of(source)
                _kept.put(key, found)
            yield found


def warm_overviews(session: DbSession, per_group: int = 10_000) -> int:
    """Render and keep the overviews of each group's newest `per_group`
    articles, up to KEPT in all; how many were rendered or found kept.

    The news server runs this in the background when it starts, as a news
    server computes overviews when articles arrive: a reader's first OVER of
    a large group then finds them ready instead of rendering every body.
    """
    done = 0
    for group in group_infos(session):
        numbers = article_numbers(session, group.id, group.low, group.high)
        if not numbers or done >= KEPT:
            continue
        newest = numbers[-min(per_group, KEPT - done):]
        for _ in group_overviews(session, group.id, newest[0], newest[-1]):
            done += 1
        session.rollback()  # one short transaction per group
    return done


def overview_of(source: Source) -> Overview:
    """A source's overview, rendered now."""
    return overview_from(render(*source))


def overview_from(article: Article) -> Overview:
    return Overview(article.number,
                    tuple(article.header(name) or "" for name in OVERVIEW_HEADERS),
                    article.bytes, article.lines)


def forget_all() -> None:
    """Drop every kept overview (tests, and a memory-minded operator)."""
    with _kept.lock:
        _kept.items.clear()


def _digest(source: Source) -> bytes:
    row, ancestors, groups = source
    author = row.author
    parts = (str(row.id), row.permalink, row.subject, str(row.date), row.body_text,
             _maybe(row.body_html), _maybe(row.author_name),
             _maybe(author.name if author else None),
             _maybe(author.masked_email if author else None),
             " ".join(ancestors), " ".join(groups))
    # Each part's length first, so no two different sources run together.
    text = "".join([f"{len(part)}:{part}" for part in parts])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                           digest_size=16).digest()


def _maybe(value: str | None) -> str:
    return "-" if value is None else "+" + value
