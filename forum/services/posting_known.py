"""What one archiving batch knows of posts: the stored ones its messages name
(by dedupe key or Message-ID, read in a query or two), the ones it writes
itself, and the next free ids it hands out.

A message's identity is worked out here too (`prepare`): its content hash,
its Message-ID (a synthetic one when it has none) and its dedupe key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, select

from forum.extensions import DbSession, Model
from forum.models import Author, Post, Thread
from forum.services import identity
from forum.services.sql_chunks import chunks
from incoming.message import IncomingMessage

# Walking up from a post to find a loop stops after this many parents (and
# then assumes one: a tree that deep is not real).
MAX_DEPTH = 10_000


class Prepared(NamedTuple):
    """A message with its identity: content hash, Message-ID, dedupe key."""

    msg: IncomingMessage
    digest: str
    mid: str
    key: str
    synthetic: bool


def prepare(msg: IncomingMessage) -> Prepared:
    """The message's identity (see `forum.services.identity`)."""
    digest = identity.content_hash(msg)
    mid = msg.message_id or identity.synthetic_id(digest)
    key = identity.dedupe_key(mid, digest)
    return Prepared(msg, digest, mid, key, msg.message_id is None or msg.synthetic_id)


@dataclass(slots=True)
class Known:
    """A post the batch knows: stored already, or written by this batch."""

    id: int
    thread_id: int
    is_ghost: bool
    parent_id: int | None
    key: str
    truncated: str | None = None


class KnownPosts:
    """The posts a batch knows, by dedupe key, by Message-ID and by id."""

    def __init__(self) -> None:
        self.by_key: dict[str, Known] = {}
        self.by_mid: dict[str, Known] = {}
        self.by_id: dict[int, Known] = {}

    def load(self, session: DbSession, prepared: list[Prepared]) -> None:
        """Read the stored posts these messages are, or name as parents."""
        keys: set[str] = set()
        mids: set[str] = set()
        for item in prepared:
            keys.update((item.key, item.mid))
            mids.update(item.msg.parent_ids)
            mids.add(item.mid)
        columns = (Post.id, Post.thread_id, Post.is_ghost, Post.parent_id,
                   Post.dedupe_key, Post.message_id, Post.truncated)
        for column, values in ((Post.dedupe_key, keys), (Post.message_id, mids)):
            for chunk in chunks(sorted(values)):
                for row in session.execute(select(*columns).where(column.in_(chunk))):
                    self.remember(
                        Known(row.id, row.thread_id, row.is_ghost, row.parent_id,
                              row.dedupe_key, row.truncated),
                        row.message_id,
                    )

    def remember(self, known: Known, mid: str) -> None:
        """Learn a post; a Message-ID names a real post before a ghost."""
        self.by_key[known.key] = known
        self.by_id[known.id] = known
        current = self.by_mid.get(mid)
        if current is None or (current.is_ghost and not known.is_ghost):
            self.by_mid[mid] = known

    def weak_ghost(self, mid: str) -> Known | None:
        """The ghost a reply made for this Message-ID, when its key is the bare
        id (a weak id's post is keyed with its hash, its ghost is not)."""
        candidate = self.by_key.get(mid)
        return candidate if candidate and candidate.is_ghost else None

    def is_self(self, ref: str, post_id: int) -> bool:
        known = self.by_mid.get(ref)
        return known is not None and known.id == post_id

    def is_descendant(self, session: DbSession, candidate: int, ancestor: int) -> bool:
        """Whether `candidate` sits below `ancestor` (walks up, bounded)."""
        current: int | None = candidate
        for _ in range(MAX_DEPTH):
            if current is None:
                return False
            if current == ancestor:
                return True
            current = self._parent_of(session, current)
        return True

    def _parent_of(self, session: DbSession, post_id: int) -> int | None:
        known = self.by_id.get(post_id)
        if known is not None:
            return known.parent_id
        return session.scalar(select(Post.parent_id).where(Post.id == post_id))


class NextIds:
    """Primary keys handed out in memory, from one past the largest stored.

    One writer at a time (an import run): that is what lets a batch be a
    handful of executemany calls.
    """

    def __init__(self, session: DbSession) -> None:
        def after_last(model: type[Model]) -> int:
            return (session.scalar(select(func.max(model.__table__.c.id))) or 0) + 1

        self._next: dict[type[Model], int] = {
            model: after_last(model) for model in (Post, Thread, Author)}

    def post(self) -> int:
        return self._take(Post)

    def thread(self) -> int:
        return self._take(Thread)

    def author(self) -> int:
        return self._take(Author)

    def _take(self, model: type[Model]) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value
