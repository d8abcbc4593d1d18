"""The one door into the archive: `Archiver` and `archive_message()`.

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

The work is shared out: `posting_known` (a message's identity, the posts a
batch knows, the ids it hands out), `posting_batch` (a decision per message),
`posting_threads` (parents, ghosts, threads and merges), `posting_rows` (the
rows made from messages) and `batch_rows` (writing them in a safe order).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text

from forum.extensions import DbSession
from forum.models import Group
from forum.services.counters import refresh_counters
from forum.services.posting_batch import DEFAULT_GROUP, HEALED, ArchiveResult, Batch
from incoming.message import IncomingMessage

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_GROUP", "HEALED", "ArchiveResult", "Archiver", "archive_message"]


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
        # What earlier batches learnt: group and author ids by name and identity.
        self.group_ids: dict[str, int] = {}
        self.author_ids: dict[str, int] = {}
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
        batch = Batch(self, messages)
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
            self.group_ids.clear()
            self.author_ids.clear()
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
        if name not in self.group_ids:
            found = self.session.scalar(select(Group.id).where(Group.name == name))
            if found is None:
                group = Group(name=name, description="")
                self.session.add(group)
                self.session.flush()
                found = group.id
            self.group_ids[name] = found
        return self.group_ids[name]


def archive_message(
    session: DbSession,
    message: IncomingMessage,
    *,
    run_id: int | None = None,
    honour_no_archive: bool = True,
    thread_by_subject: bool = False,
    keep_raw: bool = True,
) -> ArchiveResult:
    """Archive one message (the single-message form of the one door)."""
    archiver = Archiver(session, run_id=run_id, honour_no_archive=honour_no_archive,
                        thread_by_subject=thread_by_subject, keep_raw=keep_raw)
    result = archiver.archive([message])[0]
    archiver.finish()
    return result
