"""Writing and reading the append-only audit log.

Every service that changes evidence or accounts calls `record()` in the same
transaction as the change, so an action and its entry commit or roll back
together.  Before/after hold label and citation fields, never post text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from forum.models import AuditEntry, User
from forum.services.pagination import Page, check_page

SYSTEM = "system"


def utcnow() -> datetime:
    """Naive UTC, as every *_at column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(session: Session, actor: User | None, action: str, *, target_type: str,
           target_id: int | None, post_id: int | None = None, reason: str = "",
           why: str = "", before: dict | None = None, after: dict | None = None,
           reverts: AuditEntry | None = None) -> AuditEntry:
    """Append one entry; `actor` None means the system (imports, scans)."""
    entry = AuditEntry(
        at=utcnow(), actor_id=actor.id if actor else None,
        actor_name=actor.name if actor else SYSTEM, action=action,
        target_type=target_type, target_id=target_id, post_id=post_id,
        reason=reason[:80], why=why, before=before, after=after,
        reverts_id=reverts.id if reverts else None,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """What a moderator narrows the log to; every field optional."""

    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    post_id: int | None = None
    since: date | None = None
    until: date | None = None


def entries(session: Session, filters: AuditFilter, *, page: int = 1,
            per_page: int = 50) -> Page:
    """One page of entries, newest first, and how many match in all.

    A page past the end is NotFound (page 1 never is).  Entries come as they
    may be shown: without text a redaction, takedown or purge removed from
    the post they concern.
    """
    from forum.services.takedowns import shown_entries

    total = session.scalar(_filtered(select(func.count(AuditEntry.id)), filters)) or 0
    check_page(page, per_page, total, "the audit log")
    rows = session.scalars(
        _filtered(select(AuditEntry), filters).order_by(AuditEntry.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(shown_entries(session, list(rows)), page, per_page, total)


def _filtered(query: Select, filters: AuditFilter) -> Select:
    if filters.actor:
        query = query.where(AuditEntry.actor_name == filters.actor)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.post_id:
        query = query.where(AuditEntry.post_id == filters.post_id)
    if filters.since:
        query = query.where(AuditEntry.at >= datetime.combine(filters.since,
                                                              datetime.min.time()))
    if filters.until:
        end = datetime.combine(filters.until, datetime.min.time()) + timedelta(days=1)
        query = query.where(AuditEntry.at < end)
    return query


def known_actions(session: Session) -> list[str]:
    """The actions present in the log, for the filter's choices."""
    return list(session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def known_actors(session: Session) -> list[str]:
    return list(session.scalars(
        select(AuditEntry.actor_name).distinct().order_by(AuditEntry.actor_name)))
