"""One batch of messages through the door: lookups, a decision per message,
then the writes.

Each message is skipped (X-No-Archive), a duplicate of a stored post (its
groups are added to that post's), a complete copy healing one stored cut
off, the arrival of a message replies had named (its ghost is filled in
place), or a new post.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from forum.extensions import DbSession
from forum.models import Author, ChangedPost, Tombstone
from forum.services import audit, identity
from forum.services.batch_rows import PendingRows
from forum.services.posting_known import Known, KnownPosts, NextIds, Prepared, prepare
from forum.services.posting_rows import author_row, heal_row, post_row, source_row
from forum.services.posting_threads import ThreadPlacer
from forum.services.sql_chunks import chunks
from forum.services.threading import refresh_threads
from incoming.message import IncomingMessage

DEFAULT_GROUP = "misc"
HEALED = "a copy stored cut off was replaced by this complete one"


@dataclass(slots=True)
class ArchiveResult:
    """What happened to one message: imported, duplicate or skipped."""

    status: str
    post_id: int | None = None
    reason: str = ""


class Door(Protocol):
    """What a batch needs of the Archiver that runs it: the session and the
    run's options, and the caches and counts that outlive one batch."""

    session: DbSession
    run_id: int | None
    thread_by_subject: bool
    keep_raw: bool
    author_ids: dict[str, int]
    touched_groups: set[int]
    touched_authors: set[int]

    def skips(self, msg: IncomingMessage) -> bool: ...

    def group_id(self, name: str) -> int: ...


class Batch:
    """One batch's worth of lookups, decisions and writes."""

    def __init__(self, archiver: Door, messages: list[IncomingMessage]) -> None:
        self.a = archiver
        self.session = archiver.session
        self.messages = messages
        self.pending = PendingRows()
        self.known = KnownPosts()
        self.ids = NextIds(self.session)
        self.threads = ThreadPlacer(self.session, self.known, self.pending, self.ids,
                                    run_id=archiver.run_id,
                                    by_subject=archiver.thread_by_subject)
        self.changed: set[int] = set()
        self.heal_audits: list[tuple[int, str]] = []  # written once the posts are

    @property
    def threads_created(self) -> int:
        return self.threads.threads_created

    def run(self) -> list[ArchiveResult]:
        prepared = [prepare(m) for m in self.messages]
        self.known.load(self.session, prepared)
        self._load_authors(prepared)
        results = [self._one(item) for item in prepared]
        self._write()
        return results

    # -- authors -----------------------------------------------------------------

    def _load_authors(self, prepared: list[Prepared]) -> None:
        cache = self.a.author_ids
        wanted: dict[str, IncomingMessage] = {}
        for item in prepared:  # a message skipped unread names no author
            if not self.a.skips(item.msg):  # a new author is named by their first post
                wanted.setdefault(identity.author_identity(
                    item.msg.author_name, item.msg.author_email), item.msg)
        missing = sorted(set(wanted) - set(cache))
        for chunk in chunks(missing):
            rows = self.session.execute(
                select(Author.identity, Author.id).where(Author.identity.in_(chunk)))
            cache.update({ident: author_id for ident, author_id in rows})
        for ident in missing:
            if ident not in cache:
                author_id = self.ids.author()
                cache[ident] = author_id
                self.pending.authors.append(author_row(author_id, ident, wanted[ident]))

    def _author_of(self, msg: IncomingMessage) -> int:
        ident = identity.author_identity(msg.author_name, msg.author_email)
        author_id = self.a.author_ids[ident]
        self.a.touched_authors.add(author_id)
        return author_id

    # -- decisions ---------------------------------------------------------------

    def _one(self, item: Prepared) -> ArchiveResult:
        msg = item.msg
        if self.a.skips(msg):
            return ArchiveResult("skipped", None, "X-No-Archive: yes")
        group_ids = [self.a.group_id(g) for g in (msg.groups or [DEFAULT_GROUP])]
        existing = self.known.by_key.get(item.key)
        if existing and existing.truncated and not msg.truncated \
                and not self._moderated_text(existing.id):
            return self._heal(existing, item, group_ids)
        if existing and not existing.is_ghost:
            self._list_again(existing.id, group_ids)
            return ArchiveResult("duplicate", existing.id, "already archived")
        ghost = existing or self.known.weak_ghost(item.mid)
        if ghost is not None and ghost.is_ghost:
            post_id = self._fill_ghost(ghost, item)
        else:
            post_id = self._insert_new(item, group_ids)
        for group_id in group_ids:
            self.pending.links.add((post_id, group_id))
        self.a.touched_groups.update(group_ids)
        return ArchiveResult("imported", post_id)

    def _list_again(self, post_id: int, group_ids: list[int]) -> None:
        """A stored post seen again: it is listed in these groups too."""
        for group_id in group_ids:
            self.pending.dup_links.add((post_id, group_id))
        self.a.touched_groups.update(group_ids)

    def _moderated_text(self, post_id: int) -> bool:
        """True when moderators changed or erased the post's text (a redaction,
        a takedown, a purge): a complete copy must not bring the words back."""
        changed = select(ChangedPost.post_id).where(ChangedPost.post_id == post_id)
        purged = select(Tombstone.post_id).where(Tombstone.post_id == post_id)
        return self.session.scalar(changed.union(purged).limit(1)) is not None

    def _heal(self, existing: Known, item: Prepared,
              group_ids: list[int]) -> ArchiveResult:
        """A complete copy of a message stored cut off replaces the cut copy.

        Only the content changes: the post keeps its id, permalink, place in
        its thread, visibility and moderation (redactions are applied again by
        the import runner).  The system records the replacement in the audit log.
        """
        msg = item.msg
        self.pending.heals.append(heal_row(existing.id, item))
        self.pending.healed_sources.append(existing.id)
        self.pending.forget_source(existing.id)  # the cut copy may be in this batch
        self._add_source(existing.id, msg)
        self._list_again(existing.id, group_ids)
        self.heal_audits.append((existing.id, (
            f"stored copy was cut off: {existing.truncated}; "
            f"replaced from {msg.source} [{msg.position}]")))
        existing.truncated = None
        return ArchiveResult("imported", existing.id, HEALED)

    def _insert_new(self, item: Prepared, group_ids: list[int]) -> int:
        msg = item.msg
        post_id = self.ids.post()
        parent = self.threads.resolve_parent(msg.parent_ids, msg.subject)
        if parent is not None:
            thread_id = self.threads.thread(parent.thread_id)
        else:
            thread_id = self.threads.root_thread(msg, group_ids)
        parent_id = parent.id if parent else None
        row = post_row(item, self._author_of(msg), self.a.run_id)
        row.update(id=post_id, thread_id=thread_id, parent_id=parent_id,
                   is_ghost=False)
        self.pending.posts.append(row)
        self._add_source(post_id, msg)
        self.known.remember(Known(post_id, thread_id, False, parent_id, item.key,
                                  msg.truncated), item.mid)
        self.threads.dirty.add(thread_id)
        return post_id

    def _fill_ghost(self, ghost: Known, item: Prepared) -> int:
        msg = item.msg
        row = post_row(item, self._author_of(msg), self.a.run_id)
        row["pid"] = ghost.id
        self.pending.fills.append(row)
        self._add_source(ghost.id, msg)
        ghost.is_ghost, ghost.truncated = False, msg.truncated
        if ghost.key != item.key:
            self.known.by_key.pop(ghost.key, None)
            ghost.key = item.key
        self.known.remember(ghost, item.mid)
        if ghost.parent_id is None and msg.parent_ids:
            self.threads.adopt(ghost, msg)
        self.threads.dirty.add(self.threads.thread(ghost.thread_id))
        return ghost.id

    def _add_source(self, post_id: int, msg: IncomingMessage) -> None:
        self.pending.sources.append(source_row(post_id, msg, self.a.keep_raw))

    # -- writing -----------------------------------------------------------------

    def _write(self) -> None:
        threads = self.threads
        self.changed = self.pending.write(self.session, threads.thread, threads.dirty,
                                          threads.thread_of_post)
        refresh_threads(self.session, {threads.thread(t) for t in threads.dirty})
        self._audit_heals()

    def _audit_heals(self) -> None:
        """Audit each healed post once its row exists (the cut copy may have been
        inserted by this very batch, and an entry refers to its post)."""
        for post_id, why in self.heal_audits:
            audit.record(self.session, None, "import.replace_truncated",
                         target_type="post", target_id=post_id, post_id=post_id,
                         reason="complete copy imported", why=why)
