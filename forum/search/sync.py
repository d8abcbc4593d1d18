"""The index follows the database: changed posts go through an outbox.

Session events collect the ids of posts added, changed or deleted through the
ORM, and of posts whose labels, citations or author changed.  Just before the
transaction commits they are written down in the same transaction:

- for a backend that lives in the database (PostgreSQL) the documents
  themselves are written, so the index commits or rolls back with the post;
- for an engine outside it (tantivy, Whoosh) the ids go into `search_outbox`.
  After the commit this process tries to take the engine's writer; whoever
  holds it applies every row in the outbox (its own and other processes'),
  commits the index, and only then deletes the rows.  A process that finds
  the writer taken leaves its rows to the holder, which looks again after
  letting go; a process killed half-way leaves them to the next writer.

Nothing here waits for a lock, so no request fails because another process
(an import, say) is writing.  Imports use `ImportIndexing`: the same outbox,
one writer held for the whole import, commits every few seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session

from forum.models import Label, Post, PostCitation, SearchOutbox
from forum.search import SearchIndex, each_chunk
from forum.search.documents import documents_for

logger = logging.getLogger(__name__)
_PENDING = "forum_search_pending"
_QUEUED = "forum_search_queued"
DRAIN_BATCH = 2000
# An import commits the index when another process's change waits, or after
# this many posts, or this many seconds: searchable as it goes, cheaply.
BULK_COMMIT_ROWS = 25_000
BULK_COMMIT_SECONDS = 20.0


def init_sync(app: Flask) -> None:
    """Listen to every session of this app's database (once per process)."""
    from forum.extensions import db

    if getattr(db, "_forum_search_sync", False):
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "before_commit", _write_down)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _forget)
    db._forum_search_sync = True


def reindex_later(session: Session, post_ids: Iterable[int]) -> None:
    """Re-index these posts when the transaction commits (an author renamed)."""
    session.info.setdefault(_PENDING, set()).update(post_ids)


def _collect(session: Session, _context) -> None:
    pending: set[int] = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Post) and obj.id is not None:
            pending.add(obj.id)
        elif isinstance(obj, (Label, PostCitation)) and obj.post_id is not None:
            pending.add(obj.post_id)  # labels and citations are indexed too


def _forget(session: Session, _previous) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
        session.info.pop(_QUEUED, None)


def _write_down(session: Session) -> None:
    """Before the outermost commit: the documents, or outbox rows, go in with it."""
    if session.in_nested_transaction():
        return
    if not (session.info.get(_PENDING) or session.new or session.dirty
            or session.deleted):
        return
    index = _app_index()
    if index is None:
        return
    session.flush()  # the last flush's changes are collected too
    pending = session.info.pop(_PENDING, set())
    if not pending:
        return
    if index.in_database:
        write_documents(session, index, pending)
    else:
        queue_posts(session, pending)
        session.info[_QUEUED] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_QUEUED, False):
        return
    index = _app_index()
    if index is None:
        return
    from forum.extensions import db

    try:
        drain_outbox(index, lambda: Session(bind=db.engine))
    except Exception:  # noqa: BLE001 - the rows stay; the next writer applies them
        logger.exception("applying the search outbox failed; rows kept")


def _app_index() -> SearchIndex | None:
    from flask import current_app, has_app_context

    if not has_app_context() or "forum_search" not in current_app.extensions:
        return None
    from forum.search import get_index

    return get_index()


# -- writing down --------------------------------------------------------------------


def write_documents(session: Session, index: SearchIndex,
                    post_ids: Iterable[int]) -> int:
    """Index these posts through `session` (a backend inside the database)."""
    docs, gone = documents_for(session, post_ids)
    index.delete(gone, session=session)
    return index.index(docs, session=session)


def queue_posts(session: Session, post_ids: Iterable[int], bulk: bool = False) -> None:
    """Outbox rows for these posts, in the caller's transaction."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [{"post_id": post_id, "is_bulk": bulk, "queued_at": now}
            for post_id in sorted(set(post_ids))]
    for chunk in each_chunk(rows, 5000):
        session.execute(insert(SearchOutbox), list(chunk))


def outbox_size(session: Session) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(SearchOutbox)) or 0


# -- applying ------------------------------------------------------------------------


def drain_outbox(index: SearchIndex, make_session: Callable[[], Session],
                 *, wait: bool = False, rounds: int = 5) -> int:
    """Apply every outbox row if this process can take the writer; how many.

    After letting go it looks again: a change committed while it held the
    writer found the writer taken and left its rows here.
    """
    applied = 0
    for _ in range(rounds):
        with index.writer(wait=wait) as writer:
            if writer is None:
                return applied
            with make_session() as session:
                applied += _apply_rows(session, writer)
        with make_session() as session:
            if not _first_rows(session, 1):
                break
    return applied


def _apply_rows(session: Session, writer) -> int:
    applied = 0
    while rows := _first_rows(session, DRAIN_BATCH):
        docs, gone = documents_for(session, {post_id for _, post_id, _ in rows})
        session.rollback()  # end the read before the index work
        writer.delete(gone)
        writer.add(docs)
        writer.commit()
        _delete_rows(session, [row_id for row_id, _, _ in rows])
        applied += len(rows)
    return applied


def _first_rows(session: Session, limit: int | None) -> list[tuple[int, int, bool]]:
    stmt = select(SearchOutbox.id, SearchOutbox.post_id, SearchOutbox.is_bulk) \
        .order_by(SearchOutbox.id)
    if limit:
        stmt = stmt.limit(limit)
    rows = [tuple(row) for row in session.execute(stmt)]
    session.rollback()
    return rows


def _delete_rows(session: Session, row_ids: list[int]) -> None:
    for chunk in each_chunk(sorted(row_ids), 5000):
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(chunk)))
    session.commit()


class ImportIndexing:
    """Keeps the index in step with an import, batch by batch.

    Each batch's posts are queued in the batch's own transaction (or, for a
    backend in the database, indexed in it).  After the batch commits,
    `pump()` applies every outbox row through one writer held for the whole
    import and commits the index when another process's change is waiting,
    or every BULK_COMMIT_ROWS posts or BULK_COMMIT_SECONDS.  If another process
    holds the writer, this import only queues, and the holder applies.
    `close()` commits and lets go, so the import is searchable when it ends.
    """

    def __init__(self, index: SearchIndex, session: Session) -> None:
        self.index, self.session = index, session
        self._context = None
        self.writer = None
        self._applied: dict[int, bool] = {}  # outbox row id -> queued by an import
        self._last_commit = time.monotonic()
        if not index.in_database:
            self._take_writer()
            self.pump()  # rows an earlier, interrupted run left behind

    def queue(self, post_ids: set[int]) -> None:
        """Before the batch commits: its posts go into the outbox (or the index)."""
        if not post_ids:
            return
        if self.index.in_database:
            write_documents(self.session, self.index, post_ids)
        else:
            queue_posts(self.session, post_ids, bulk=True)

    def pump(self) -> None:
        """After the batch committed: apply what waits, commit the index when due."""
        if self.index.in_database:
            return
        if self.writer is None and not self._take_writer():
            return
        rows = [row for row in _first_rows(self.session, None)
                if row[0] not in self._applied]
        if rows:
            docs, gone = documents_for(self.session, {post for _, post, _ in rows})
            self.session.rollback()
            self.writer.delete(gone)
            self.writer.add(docs)
            self._applied.update((row_id, bulk) for row_id, _, bulk in rows)
        if self._commit_due():
            self._commit()

    def close(self) -> None:
        """Commit, let go of the writer, and apply what came in meanwhile."""
        if self.writer is not None:
            try:
                self.pump()
                self._commit()
            finally:
                self._let_go()
        if not self.index.in_database:
            from forum.extensions import db

            drain_outbox(self.index, lambda: Session(bind=db.engine))

    def abandon(self) -> None:
        """Let go without committing (the import failed); the rows stay queued."""
        self._let_go()

    def _take_writer(self) -> bool:
        context = self.index.writer(wait=False, bulk=True)
        writer = context.__enter__()
        if writer is None:
            context.__exit__(None, None, None)
            return False
        self._context, self.writer = context, writer
        return True

    def _let_go(self) -> None:
        context, self._context, self.writer = self._context, None, None
        if context is not None:
            context.__exit__(None, None, None)

    def _commit_due(self) -> bool:
        if not self._applied:
            return False
        foreign = not all(self._applied.values())
        return (foreign or len(self._applied) >= BULK_COMMIT_ROWS
                or time.monotonic() - self._last_commit >= BULK_COMMIT_SECONDS)

    def _commit(self) -> None:
        if self._applied:
            self.writer.commit()
            _delete_rows(self.session, list(self._applied))
            self._applied = {}
        self._last_commit = time.monotonic()
