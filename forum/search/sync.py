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
(an import, say) is writing.  Imports use the same outbox with one writer
held for the whole import (forum.search.bulk).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from forum.extensions import DbSession
from forum.models import Flag, Label, Post, PostCitation, SearchOutbox
from forum.search.documents import documents_for, lock_posts_for_change
from forum.search.interface import IndexWriter, SearchIndex, each_chunk

logger = logging.getLogger(__name__)
_PENDING = "forum_search_pending"
_QUEUED = "forum_search_queued"
DRAIN_BATCH = 2000
# Whether this process listens to every session already, and how it finds
# the current app's index (see init_sync).
_listening = False
_index_of: Callable[[], SearchIndex] | None = None


def init_sync(app: Flask, index_of: Callable[[], SearchIndex]) -> None:
    """Listen to every session of this app's database (once per process).

    `index_of` is the package's `get_index`, handed in by the app factory:
    this module sits below the factory (the backends drain the outbox
    through it), so it does not import the factory back.
    """
    global _listening, _index_of
    _index_of = index_of
    if _listening:
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "before_commit", _write_down)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _forget)
    _listening = True


def reindex_later(session: DbSession, post_ids: Iterable[int]) -> None:
    """Re-index these posts when the transaction commits (an author renamed)."""
    session.info.setdefault(_PENDING, set()).update(post_ids)


def _collect(session: Session, _context: UOWTransaction) -> None:
    pending: set[int] = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Post) and obj.id is not None:
            pending.add(obj.id)
        elif isinstance(obj, (Label, PostCitation, Flag)) and obj.post_id is not None:
            pending.add(obj.post_id)  # labels, citations and flags are indexed too


def _forget(session: Session, _previous: SessionTransaction) -> None:
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
    """The app's index, or None outside an app or with search switched off."""
    from flask import current_app, has_app_context

    if (not has_app_context() or "forum_search" not in current_app.extensions
            or _index_of is None):
        return None
    index = _index_of()
    return None if index.name == "null" else index


# -- writing down --------------------------------------------------------------------


def write_documents(session: DbSession, index: SearchIndex,
                    post_ids: Iterable[int]) -> int:
    """Index these posts through `session` (a backend inside the database)."""
    post_ids = set(post_ids)
    lock_posts_for_change(session, post_ids)
    docs, gone = documents_for(session, post_ids)
    index.delete(gone, session=session)
    return index.index(docs, session=session)


def queue_posts(session: DbSession, post_ids: Iterable[int],
                bulk: bool = False) -> None:
    """Outbox rows for these posts, in the caller's transaction."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [{"post_id": post_id, "is_bulk": bulk, "queued_at": now}
            for post_id in sorted(set(post_ids))]
    for chunk in each_chunk(rows, 5000):
        session.execute(insert(SearchOutbox), list(chunk))


def outbox_size(session: DbSession) -> int:
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
            if not outbox_rows(session, 1):
                break
    return applied


def _apply_rows(session: DbSession, writer: IndexWriter) -> int:
    applied = 0
    while rows := outbox_rows(session, DRAIN_BATCH):
        docs, gone = documents_for(session, {post_id for _, post_id, _ in rows})
        session.rollback()  # end the read before the index work
        writer.delete(gone)
        writer.add(docs)
        writer.commit()
        delete_outbox_rows(session, [row_id for row_id, _, _ in rows])
        applied += len(rows)
    return applied


def outbox_rows(session: DbSession, limit: int | None = None
                ) -> list[tuple[int, int, bool]]:
    """Queued rows in order: (row id, post id, queued by an import)."""
    stmt = select(SearchOutbox.id, SearchOutbox.post_id, SearchOutbox.is_bulk) \
        .order_by(SearchOutbox.id)
    if limit:
        stmt = stmt.limit(limit)
    rows = [tuple(row) for row in session.execute(stmt)]
    session.rollback()
    return rows


def delete_outbox_rows(session: DbSession, row_ids: list[int]) -> None:
    """Forget applied rows (after the index committed), and commit."""
    for chunk in each_chunk(sorted(row_ids), 5000):
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(chunk)))
    session.commit()
