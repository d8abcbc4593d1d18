"""Reading the audit log: a moderator's filtered, paged view of it.

Entries are shown as they may be shown: text a redaction, takedown or purge
removed from a post is removed from the entries about it too (`takedown_log`
knows what was removed, so this reading side sits above it; `audit` itself,
which every writing service calls, stays below).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from forum.extensions import DbSession
from forum.models import AuditEntry
from forum.services.day_range import within_days
from forum.services.pagination import Page, check_page
from forum.services.takedown_log import shown_entries

_T = TypeVar("_T", bound=tuple[Any, ...])


@dataclass(frozen=True)
class AuditFilter:
    """What a moderator narrows the log to; every field optional."""

    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    post_id: int | None = None
    since: date | None = None
    until: date | None = None


def entries(session: DbSession, filters: AuditFilter, *, page: int = 1,
            per_page: int = 50) -> Page:
    """One page of entries, newest first, and how many match in all.

    A page past the end is NotFound (page 1 never is).  Entries come as they
    may be shown: without text a redaction, takedown or purge removed from
    the post they concern.
    """
    total = session.scalar(_filtered(select(func.count(AuditEntry.id)), filters)) or 0
    check_page(page, per_page, total, "the audit log")
    rows = session.scalars(
        _filtered(select(AuditEntry), filters).order_by(AuditEntry.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(shown_entries(session, list(rows)), page, per_page, total)


def _filtered(query: Select[_T], filters: AuditFilter) -> Select[_T]:
    if filters.actor:
        query = query.where(AuditEntry.actor_name == filters.actor)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.post_id:
        query = query.where(AuditEntry.post_id == filters.post_id)
    return query.where(*within_days(AuditEntry.at, filters.since, filters.until))


def known_actions(session: DbSession) -> list[str]:
    """The actions present in the log, for the filter's choices."""
    return list(session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def known_actors(session: DbSession) -> list[str]:
    return list(session.scalars(
        select(AuditEntry.actor_name).distinct().order_by(AuditEntry.actor_name)))
