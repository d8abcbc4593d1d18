"""The index follows the database: changed posts are re-indexed after commit.

Session events collect the ids of posts that were added, changed or deleted
through the ORM (a moderator hiding or editing a post); once the transaction
commits they are re-indexed from a fresh connection.  A rollback forgets them.
Bulk imports write through Core and index their own batches (import runner).
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from forum.models import Label, Post, PostCitation

logger = logging.getLogger(__name__)
_PENDING = "forum_search_pending"


def init_sync(app: Flask) -> None:
    """Listen to every session of this app's database."""
    from forum.extensions import db

    if getattr(db, "_forum_search_sync", False):
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "after_commit", _apply)
    event.listen(Session, "after_soft_rollback", _forget)
    db._forum_search_sync = True


def _collect(session: Session, _context) -> None:
    pending: set[int] = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Post) and obj.id is not None:
            pending.add(obj.id)
        elif isinstance(obj, (Label, PostCitation)) and obj.post_id is not None:
            pending.add(obj.post_id)  # labels and citations are indexed too


def reindex_later(session: Session, post_ids) -> None:
    """Re-index these posts after the commit too (an author's name changed)."""
    session.info.setdefault(_PENDING, set()).update(post_ids)


def _forget(session: Session, _previous) -> None:
    session.info.pop(_PENDING, None)


def _apply(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    from flask import current_app, has_app_context

    if not has_app_context() or "forum_search" not in current_app.extensions:
        return
    from forum.extensions import db
    from forum.services.search import index_posts

    with Session(bind=db.engine) as fresh:
        try:
            index_posts(fresh, pending)
        except Exception:  # noqa: BLE001 - the commit stands; verify --fix repairs
            logger.exception("search index update failed for %d posts", len(pending))
