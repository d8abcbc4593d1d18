"""Where a batch's messages go in the reply tree (JWZ threading).

A message's parent is the nearest of its References (plus In-Reply-To) that
the archive knows; the ones after it that it does not know become ghosts, so
replies hang where they belong before their parents arrive.  A ghost filled
later takes the parent its own headers name, unless that would close a loop,
and when that joins two threads the newer merges into the other (merges are
followed through `thread()`).  A message without references may join an
earlier thread of the same subject in the same group, when asked.
"""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import DbSession
from forum.models import Thread, ThreadGroup
from forum.services.batch_rows import PendingRows
from forum.services.posting_known import Known, KnownPosts, NextIds
from forum.services.posting_rows import ghost_row, thread_row
from forum.services.threading import subject_key
from incoming.message import IncomingMessage

# Following merged threads to the one they joined stops after this many hops.
MAX_MERGES = 1000


class ThreadPlacer:
    """Parents, ghosts and threads for one batch; which threads it touched."""

    def __init__(self, session: DbSession, known: KnownPosts, pending: PendingRows,
                 ids: NextIds, *, run_id: int | None, by_subject: bool) -> None:
        self.session = session
        self.known = known
        self.pending = pending
        self.ids = ids
        self.run_id = run_id
        self.by_subject = by_subject
        self.thread_alias: dict[int, int] = {}  # merged thread -> the one it joined
        self.dirty: set[int] = set()  # threads to re-order once the rows are in
        self.subject_threads: dict[tuple[int, str], int] = {}
        self.threads_created = 0

    # -- threads -----------------------------------------------------------------

    def thread(self, thread_id: int) -> int:
        """The thread `thread_id` is now: itself, or the one it was merged into."""
        seen = 0
        while thread_id in self.thread_alias and seen < MAX_MERGES:
            thread_id = self.thread_alias[thread_id]
            seen += 1
        return thread_id

    def thread_of_post(self, post_id: int) -> int | None:
        """The thread of a post the batch knows, else None."""
        known = self.known.by_id.get(post_id)
        return self.thread(known.thread_id) if known is not None else None

    def new_thread(self, subject: str) -> int:
        thread_id = self.ids.thread()
        self.threads_created += 1
        self.pending.threads.append(thread_row(thread_id, subject))
        return thread_id

    def root_thread(self, msg: IncomingMessage, group_ids: list[int]) -> int:
        """The thread of a message with no known parent: a new one, or with
        threading by subject an earlier one of its subject in its groups."""
        if self.by_subject and not msg.parent_ids:
            found = self._thread_by_subject(msg.subject, group_ids)
            if found is not None:
                return found
        thread_id = self.new_thread(msg.subject)
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
                return self.thread(self.subject_threads[(group_id, key)])
        return self.session.scalar(
            select(Thread.id)
            .join(ThreadGroup, ThreadGroup.thread_id == Thread.id)
            .where(Thread.subject_key == key, ThreadGroup.group_id.in_(group_ids))
            .order_by(Thread.id)
            .limit(1)
        )

    # -- parents -----------------------------------------------------------------

    def resolve_parent(self, refs: list[str], subject: str,
                       below: int | None = None) -> Known | None:
        """The nearest known ancestor, with ghosts for the missing tail of refs.

        `below` is a filled ghost looking for its parent: it is not its own.
        """
        last = None
        for index in range(len(refs) - 1, -1, -1):
            known = self.known.by_mid.get(refs[index])
            if known is not None and known.id != below:
                last = index
                break
        parent = self.known.by_mid[refs[last]] if last is not None else None
        for ref in refs[(last + 1 if last is not None else 0) :]:
            if ref in self.known.by_key or (
                    below is not None and self.known.is_self(ref, below)):
                continue
            parent = self._make_ghost(ref, parent, subject)
        return parent

    def adopt(self, ghost: Known, msg: IncomingMessage) -> None:
        """Give a filled ghost the parent its own headers name, unless that loops."""
        parent = self.resolve_parent(msg.parent_ids, msg.subject, below=ghost.id)
        if parent is None or self.known.is_descendant(self.session, parent.id,
                                                      ghost.id):
            return
        ghost.parent_id = parent.id
        self.pending.reparents.append({"pid": ghost.id, "parent": parent.id})
        old, new = self.thread(ghost.thread_id), self.thread(parent.thread_id)
        if old != new:
            self.thread_alias[old] = new
            self.pending.merges.append((old, new))
            self.dirty.discard(old)
            self.dirty.add(new)

    def _make_ghost(self, ref: str, parent: Known | None, subject: str) -> Known:
        post_id = self.ids.post()
        if parent is not None:
            thread_id = self.thread(parent.thread_id)
        else:
            thread_id = self.new_thread(subject)
        parent_id = parent.id if parent else None
        self.pending.posts.append(ghost_row(post_id, ref, thread_id, parent_id,
                                            self.run_id))
        known = Known(post_id, thread_id, True, parent_id, ref)
        self.known.remember(known, ref)
        self.dirty.add(thread_id)
        return known
