"""The one door into the archive: `archive_messages()` / `archive_message()`.

Every importer (and any future web posting) hands `IncomingMessage` objects to
this module, which owns normalisation, deduplication, author identity and
threading.  Work is done a batch at a time: one lookup query per batch, ids
allocated in memory, rows written with executemany, and only the threads a
batch touched are re-ordered.  That is what makes imports fast; the rules are
the same for a batch of one.

Threading follows JWZ: the References chain plus In-Reply-To, with ghost posts
for messages not (yet) in the archive.  A message that arrives later fills its
ghost in place, so replies imported earlier are re-attached, and threads that
turn out to be one are merged.  A parent that would close a loop is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select, text

from forum.extensions import DbSession
from forum.models import (
    Author,
    ChangedPost,
    Group,
    Post,
    Thread,
    ThreadGroup,
    Tombstone,
)
from forum.services import audit, identity
from forum.services.analysis import compress_raw
from forum.services.batch_rows import PendingRows
from forum.services.counters import refresh_counters
from forum.services.threading import refresh_threads, subject_key
from incoming.message import IncomingMessage

logger = logging.getLogger(__name__)
DEFAULT_GROUP = "misc"
HEALED = "a copy stored cut off was replaced by this complete one"


@dataclass(slots=True)
class ArchiveResult:
    """What happened to one message: imported, duplicate or skipped."""

    status: str
    post_id: int | None = None
    reason: str = ""


@dataclass(slots=True)
class _Known:
    id: int
    thread_id: int
    is_ghost: bool
    parent_id: int | None
    key: str
    truncated: str | None = None


class Archiver:
    """Archives messages into one session; the caller commits.

    One Archiver is meant for one writer at a time (an import run): it hands out
    primary keys itself so that a batch is a handful of executemany calls.
    """

    def __init__(
        self,
        session: DbSession,
        *,
        run_id: int | None = None,
        honour_no_archive: bool = True,
        thread_by_subject: bool = False,
        keep_raw: bool = True,
    ) -> None:
        self.session = session
        self.run_id = run_id
        self.honour_no_archive = honour_no_archive
        self.thread_by_subject = thread_by_subject
        self.keep_raw = keep_raw
        self._group_ids: dict[str, int] = {}
        self._author_ids: dict[str, int] = {}
        self.touched_groups: set[int] = set()
        self.touched_authors: set[int] = set()
        self.threads_created = 0
        # Posts whose searchable content changed; the caller indexes and clears it.
        self.changed_post_ids: set[int] = set()
        self._rows_since_analyze = 0
        self._rows_at_analyze = 0

    # -- public -----------------------------------------------------------------

    def archive(self, messages: list[IncomingMessage]) -> list[ArchiveResult]:
        """Archive a batch of messages; returns one result per message, in order."""
        batch = _Batch(self, messages)
        results = batch.run()
        self.changed_post_ids.update(batch.changed)
        self.threads_created += batch.threads_created
        self._maybe_analyze(len(batch.pending.posts))
        return results

    @contextmanager
    def undoable(self) -> Iterator[None]:
        """Wrap a batch whose savepoint may roll back: if it does, forget what the
        batch taught the archiver, as its cached ids may name rows no longer there.

        Counters' touched ids are kept: recounting a missing row changes nothing.
        """
        saved = (self.threads_created, set(self.changed_post_ids),
                 self._rows_since_analyze)
        try:
            yield
        except BaseException:
            self._group_ids.clear()
            self._author_ids.clear()
            self.threads_created, changed, self._rows_since_analyze = saved
            self.changed_post_ids.intersection_update(changed)
            raise

    def finish(self) -> None:
        """Bring group and author counters up to date after the last batch."""
        refresh_counters(self.session, self.touched_groups, self.touched_authors)

    def _maybe_analyze(self, new_rows: int) -> None:
        """Refresh PostgreSQL's planner statistics as a bulk load grows the tables.

        Tables that were empty when the import began otherwise keep statistics
        that say "tiny", and the per-batch lookups turn into sequential scans.
        """
        if self.session.get_bind().dialect.name != "postgresql":
            return
        self._rows_since_analyze += new_rows
        if self._rows_since_analyze < max(2000, self._rows_at_analyze):
            return
        self.session.execute(text(
            "ANALYZE posts, threads, post_groups, authors, post_citations, citations,"
            " claim_hints, search_outbox"))
        self._rows_at_analyze += self._rows_since_analyze
        self._rows_since_analyze = 0

    def skips(self, msg: IncomingMessage) -> bool:
        """Whether `msg` asked not to be archived and that wish is honoured."""
        return msg.no_archive and self.honour_no_archive

    # -- shared caches -------------------------------------------------------------

    def group_id(self, name: str) -> int:
        """The id of group `name`, creating the group on first sight."""
        if name not in self._group_ids:
            found = self.session.scalar(select(Group.id).where(Group.name == name))
            if found is None:
                group = Group(name=name, description="")
                self.session.add(group)
                self.session.flush()
                found = group.id
            self._group_ids[name] = found
        return self._group_ids[name]


def archive_message(
    session: DbSession, message: IncomingMessage, **options
) -> ArchiveResult:
    """Archive one message (the single-message form of the one door)."""
    archiver = Archiver(session, **options)
    result = archiver.archive([message])[0]
    archiver.finish()
    return result


class _Batch:
    """One batch's worth of lookups, decisions and writes."""

    def __init__(self, archiver: Archiver, messages: list[IncomingMessage]) -> None:
        self.a = archiver
        self.session = archiver.session
        self.messages = messages
        self.pending = PendingRows()
        self.by_key: dict[str, _Known] = {}
        self.by_mid: dict[str, _Known] = {}
        self.by_id: dict[int, _Known] = {}
        self.thread_alias: dict[int, int] = {}
        self.dirty_threads: set[int] = set()
        self.subject_threads: dict[tuple[int, str], int] = {}
        self.threads_created = 0
        self.changed: set[int] = set()
        self.heal_audits: list[tuple[int, str]] = []  # written once the posts are

    def run(self) -> list[ArchiveResult]:
        prepared = [self._prepare(m) for m in self.messages]
        self._load_known(prepared)
        self._allocate_ids()
        self._load_authors(prepared)
        results = [self._one(*item) for item in prepared]
        self._write()
        return results

    # -- preparation -------------------------------------------------------------

    def _prepare(self, msg: IncomingMessage) -> tuple:
        digest = identity.content_hash(msg)
        mid = msg.message_id or identity.synthetic_id(digest)
        key = identity.dedupe_key(mid, digest)
        return msg, digest, mid, key, msg.message_id is None or msg.synthetic_id

    def _load_known(self, prepared: list[tuple]) -> None:
        keys, mids = set(), set()
        for msg, _digest, mid, key, _synthetic in prepared:
            keys.update((key, mid))
            mids.update(msg.parent_ids)
            mids.add(mid)
        columns = (Post.id, Post.thread_id, Post.is_ghost, Post.parent_id,
                   Post.dedupe_key, Post.message_id, Post.truncated)
        for column, values in ((Post.dedupe_key, keys), (Post.message_id, mids)):
            values = sorted(values)
            for start in range(0, len(values), 500):
                stmt = select(*columns).where(column.in_(values[start : start + 500]))
                for row in self.session.execute(stmt):
                    self._remember(
                        _Known(row.id, row.thread_id, row.is_ghost, row.parent_id,
                               row.dedupe_key, row.truncated),
                        row.message_id,
                    )

    def _remember(self, known: _Known, mid: str) -> None:
        self.by_key[known.key] = known
        self.by_id[known.id] = known
        current = self.by_mid.get(mid)
        if current is None or (current.is_ghost and not known.is_ghost):
            self.by_mid[mid] = known

    def _allocate_ids(self) -> None:
        def next_id(model) -> int:
            return (self.session.scalar(select(func.max(model.id))) or 0) + 1

        self.next_post = next_id(Post)
        self.next_thread = next_id(Thread)
        self.next_author = next_id(Author)

    def _load_authors(self, prepared: list[tuple]) -> None:
        cache = self.a._author_ids
        wanted: dict[str, IncomingMessage] = {}
        for m, *_ in prepared:  # a message skipped unread names no author
            if not self.a.skips(m):  # a new author is named by their first post
                wanted.setdefault(
                    identity.author_identity(m.author_name, m.author_email), m)
        missing = sorted(set(wanted) - set(cache))
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            rows = self.session.execute(
                select(Author.identity, Author.id).where(Author.identity.in_(chunk))
            )
            cache.update(dict(rows.all()))
        for ident in missing:
            if ident not in cache:
                self._new_author(ident, wanted[ident])

    def _new_author(self, ident: str, msg: IncomingMessage) -> None:
        from forum.text.markup import mask_email

        author_id = self.next_author
        self.next_author += 1
        self.a._author_ids[ident] = author_id
        email = (msg.author_email or "").strip().lower() or None
        self.pending.authors.append({
            "id": author_id,
            "identity": ident,
            "slug": identity.author_slug(ident),
            "name": identity.signed_name(msg.author_name, email),
            "email": email,
            "masked_email": mask_email(email) if email else None,
            "post_count": 0,
        })

    # -- decisions ---------------------------------------------------------------

    def _one(self, msg, digest, mid, key, synthetic) -> ArchiveResult:
        if self.a.skips(msg):
            return ArchiveResult("skipped", None, "X-No-Archive: yes")
        group_ids = [self.a.group_id(g) for g in (msg.groups or [DEFAULT_GROUP])]
        existing = self.by_key.get(key)
        if existing and existing.truncated and not msg.truncated \
                and not self._moderated_text(existing.id):
            return self._heal(existing, msg, digest, group_ids)
        if existing and not existing.is_ghost:
            for group_id in group_ids:
                self.pending.dup_links.add((existing.id, group_id))
            self.a.touched_groups.update(group_ids)
            return ArchiveResult("duplicate", existing.id, "already archived")
        ghost = existing or self._ghost_for_weak(mid)
        if ghost is not None and ghost.is_ghost:
            post_id = self._fill_ghost(ghost, msg, digest, mid, key, synthetic)
        else:
            post_id = self._insert_new(msg, digest, mid, key, synthetic, group_ids)
        for group_id in group_ids:
            self.pending.links.add((post_id, group_id))
        self.a.touched_groups.update(group_ids)
        return ArchiveResult("imported", post_id)

    def _moderated_text(self, post_id: int) -> bool:
        """True when moderators changed or erased the post's text (a redaction,
        a takedown, a purge): a complete copy must not bring the words back."""
        changed = select(ChangedPost.post_id).where(ChangedPost.post_id == post_id)
        purged = select(Tombstone.post_id).where(Tombstone.post_id == post_id)
        return self.session.scalar(changed.union(purged).limit(1)) is not None

    def _heal(self, existing: _Known, msg, digest, group_ids) -> ArchiveResult:
        """A complete copy of a message stored cut off replaces the cut copy.

        Only the content changes: the post keeps its id, permalink, place in
        its thread, visibility and moderation (redactions are applied again by
        the import runner).  The system records the replacement in the audit log.
        """
        self.pending.heals.append({
            "pid": existing.id, "subject": msg.subject or "",
            "author_name": identity.signed_name(msg.author_name, msg.author_email),
            "body_text": msg.body_text or "", "body_html": msg.body_html,
            "content_hash": digest, "date_note": msg.date_note,
            "date_offset": msg.date_offset,
        })
        self.pending.healed_sources.append(existing.id)
        self.pending.forget_source(existing.id)  # the cut copy may be in this batch
        self._add_source(existing.id, msg)
        for group_id in group_ids:
            self.pending.dup_links.add((existing.id, group_id))
        self.a.touched_groups.update(group_ids)
        self.heal_audits.append((existing.id, (
            f"stored copy was cut off: {existing.truncated}; "
            f"replaced from {msg.source} [{msg.position}]")))
        existing.truncated = None
        return ArchiveResult("imported", existing.id, HEALED)

    def _ghost_for_weak(self, mid: str) -> _Known | None:
        candidate = self.by_key.get(mid)
        return candidate if candidate and candidate.is_ghost else None

    def _insert_new(self, msg, digest, mid, key, synthetic, group_ids) -> int:
        post_id = self._alloc_post()
        parent = self._resolve_parent(msg.parent_ids, group_ids, msg)
        if parent is not None:
            thread_id = self._thread(parent.thread_id)
        else:
            thread_id = self._root_thread(msg, group_ids)
        row = self._post_row(msg, digest, mid, key, synthetic)
        row.update(id=post_id, thread_id=thread_id,
                   parent_id=parent.id if parent else None, is_ghost=False)
        self.pending.posts.append(row)
        self._add_source(post_id, msg)
        self._remember(_Known(post_id, thread_id, False, row["parent_id"], key,
                              msg.truncated), mid)
        self.dirty_threads.add(thread_id)
        return post_id

    def _fill_ghost(self, ghost: _Known, msg, digest, mid, key, synthetic) -> int:
        row = self._post_row(msg, digest, mid, key, synthetic)
        row["pid"] = ghost.id
        self.pending.fills.append(row)
        self._add_source(ghost.id, msg)
        ghost.is_ghost, ghost.truncated = False, msg.truncated
        if ghost.key != key:
            self.by_key.pop(ghost.key, None)
            ghost.key = key
        self._remember(ghost, mid)
        if ghost.parent_id is None and msg.parent_ids:
            self._adopt(ghost, msg)
        self.dirty_threads.add(self._thread(ghost.thread_id))
        return ghost.id

    def _adopt(self, ghost: _Known, msg: IncomingMessage) -> None:
        """Give a filled ghost the parent its own headers name, unless that loops."""
        parent = self._resolve_parent(msg.parent_ids, [], msg, below=ghost.id)
        if parent is None or self._is_descendant(parent.id, ghost.id):
            return
        ghost.parent_id = parent.id
        self.pending.reparents.append({"pid": ghost.id, "parent": parent.id})
        old, new = self._thread(ghost.thread_id), self._thread(parent.thread_id)
        if old != new:
            self.thread_alias[old] = new
            self.pending.merges.append((old, new))
            self.dirty_threads.discard(old)
            self.dirty_threads.add(new)

    def _resolve_parent(self, refs, group_ids, msg, below: int | None = None):
        """The nearest known ancestor, with ghosts for the missing tail of refs."""
        last = None
        for index in range(len(refs) - 1, -1, -1):
            known = self.by_mid.get(refs[index])
            if known is not None and known.id != below:
                last = index
                break
        parent = self.by_mid[refs[last]] if last is not None else None
        for ref in refs[(last + 1 if last is not None else 0) :]:
            if ref in self.by_key or (below is not None and self._is_self(ref, below)):
                continue
            parent = self._make_ghost(ref, parent, group_ids, msg)
        return parent

    def _is_self(self, ref: str, post_id: int) -> bool:
        known = self.by_mid.get(ref)
        return known is not None and known.id == post_id

    def _make_ghost(self, ref, parent, group_ids, msg) -> _Known:
        post_id = self._alloc_post()
        if parent is not None:
            thread_id = self._thread(parent.thread_id)
        else:
            thread_id = self._new_thread(msg.subject)
        self.pending.posts.append({
            "id": post_id, "message_id": ref[:998], "dedupe_key": ref[:1100],
            "permalink": identity.permalink_for(ref), "is_synthetic_id": False,
            "is_ghost": True, "is_hidden": False, "thread_id": thread_id,
            "parent_id": parent.id if parent else None, "parent_confidence": None,
            "parent_evidence": None, "date_precision": "exact", "source_url": None,
            "depth": 0, "thread_order": 0, "author_id": None, "author_name": None,
            "subject": "", "date": None, "date_note": None, "date_offset": None,
            "body_text": "", "body_html": None,
            "content_hash": "", "references": "", "import_run_id": self.a.run_id,
            "truncated": None,  # every row of one executemany has the same keys
        })
        known = _Known(post_id, thread_id, True, parent.id if parent else None, ref)
        self._remember(known, ref)
        self.dirty_threads.add(thread_id)
        return known

    def _is_descendant(self, candidate: int, ancestor: int) -> bool:
        """Whether `candidate` sits below `ancestor` (walks up, bounded)."""
        current: int | None = candidate
        for _ in range(10_000):
            if current is None:
                return False
            if current == ancestor:
                return True
            current = self._parent_of(current)
        return True

    def _parent_of(self, post_id: int) -> int | None:
        known = self.by_id.get(post_id)
        if known is not None:
            return known.parent_id
        return self.session.scalar(select(Post.parent_id).where(Post.id == post_id))

    def _root_thread(self, msg: IncomingMessage, group_ids: list[int]) -> int:
        if self.a.thread_by_subject and not msg.parent_ids:
            found = self._thread_by_subject(msg.subject, group_ids)
            if found is not None:
                return found
        thread_id = self._new_thread(msg.subject)
        for group_id in group_ids:
            self.subject_threads.setdefault((group_id, subject_key(msg.subject)),
                                            thread_id)
        return thread_id

    def _thread_by_subject(self, subject: str, group_ids: list[int]) -> int | None:
        key = subject_key(subject)
        if not key:
            return None
        for group_id in group_ids:
            if (group_id, key) in self.subject_threads:
                return self._thread(self.subject_threads[(group_id, key)])
        return self.session.scalar(
            select(Thread.id)
            .join(ThreadGroup, ThreadGroup.thread_id == Thread.id)
            .where(Thread.subject_key == key, ThreadGroup.group_id.in_(group_ids))
            .order_by(Thread.id)
            .limit(1)
        )

    # -- rows ----------------------------------------------------------------------

    def _alloc_post(self) -> int:
        post_id = self.next_post
        self.next_post += 1
        return post_id

    def _new_thread(self, subject: str) -> int:
        thread_id = self.next_thread
        self.next_thread += 1
        self.threads_created += 1
        self.pending.threads.append({
            "id": thread_id, "subject": subject or "", "subject_key": "",
            "post_count": 0,
        })
        return thread_id

    def _thread(self, thread_id: int) -> int:
        seen = 0
        while thread_id in self.thread_alias and seen < 1000:
            thread_id = self.thread_alias[thread_id]
            seen += 1
        return thread_id

    def _post_row(self, msg: IncomingMessage, digest, mid, key, synthetic) -> dict:
        ident = identity.author_identity(msg.author_name, msg.author_email)
        author_id = self.a._author_ids[ident]
        self.a.touched_authors.add(author_id)
        return {
            "message_id": mid[:998], "dedupe_key": key[:1100],
            "permalink": identity.permalink_for(key), "is_synthetic_id": synthetic,
            "is_hidden": False, "parent_confidence": msg.parent_confidence,
            "parent_evidence": msg.parent_evidence,
            "date_precision": msg.date_precision, "source_url": msg.source_url,
            "depth": 0, "thread_order": 0, "author_id": author_id,
            "author_name": identity.signed_name(msg.author_name, msg.author_email),
            "subject": msg.subject or "", "date": msg.date, "date_note": msg.date_note,
            "date_offset": msg.date_offset,
            "body_text": msg.body_text or "", "body_html": msg.body_html,
            "content_hash": digest, "references": " ".join(msg.parent_ids),
            "import_run_id": self.a.run_id, "truncated": msg.truncated,
        }

    def _add_source(self, post_id: int, msg: IncomingMessage) -> None:
        raw = None
        if self.a.keep_raw:
            raw = msg.prepared.raw if msg.prepared else compress_raw(msg.raw)
        self.pending.sources.append({
            "post_id": post_id, "source": msg.source, "position": msg.position[:255],
            "raw": raw,
        })

    # -- writing -------------------------------------------------------------------

    def _write(self) -> None:
        self.changed = self.pending.write(self.session, self._thread,
                                          self.dirty_threads, self._thread_of_post)
        refresh_threads(self.session, {self._thread(t) for t in self.dirty_threads})
        self._audit_heals()

    def _audit_heals(self) -> None:
        """Audit each healed post once its row exists (the cut copy may have been
        inserted by this very batch, and an entry refers to its post)."""
        for post_id, why in self.heal_audits:
            audit.record(self.session, None, "import.replace_truncated",
                         target_type="post", target_id=post_id, post_id=post_id,
                         reason="complete copy imported", why=why)

    def _thread_of_post(self, post_id: int) -> int | None:
        known = self.by_id.get(post_id)
        return self._thread(known.thread_id) if known is not None else None
