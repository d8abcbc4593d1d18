"""The audit log as moderators read it: removed text kept out of its entries.

The log itself is append-only and keeps what was written (label quotes,
notes); what a redaction or takedown removed, or a purge erased, must not
come back through the moderators' log page (`audit_view` reads through here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from forum.extensions import DbSession
from forum.models import AuditEntry, ChangedPost, ContentChange, Tombstone
from forum.services.takedown_rewrite import replacements_of
from forum.text.scrub import Replacement, scrub_slice

ERASED = "(erased: the post was purged)"


@dataclass(frozen=True)
class ShownEntry:
    """An audit entry as shown: removed text scrubbed from its notes and values."""

    id: int
    at: datetime
    actor_name: str
    action: str
    reverts_id: int | None
    target_type: str
    target_id: int | None
    post_id: int | None
    reason: str
    why: str
    before: object
    after: object


def shown_entries(session: DbSession, entries: Sequence[AuditEntry]
                  ) -> list[ShownEntry]:
    post_ids = {entry.post_id for entry in entries if entry.post_id}
    scrub = _active_replacements_of(session, post_ids)
    purged = set(session.scalars(select(Tombstone.post_id).where(
        Tombstone.post_id.in_(post_ids)))) if post_ids else set()
    return [_shown(entry, scrub.get(entry.post_id, []) if entry.post_id else [],
                   entry.post_id in purged)
            for entry in entries]


def _shown(entry: AuditEntry, scrub: list[Replacement], purged: bool) -> ShownEntry:
    before: object = entry.before
    after: object = entry.after
    why = entry.why
    if purged and entry.action != "post.purge":
        before, after, why = (ERASED if before else None,
                              ERASED if after else None, ERASED if why else "")
    elif scrub:
        before, after = _scrub_value(before, scrub), _scrub_value(after, scrub)
        why = scrub_slice(why, scrub) or ""
    return ShownEntry(entry.id, entry.at, entry.actor_name, entry.action,
                      entry.reverts_id, entry.target_type, entry.target_id,
                      entry.post_id, entry.reason, why, before, after)


def _scrub_value(value: object, scrub: list[Replacement]) -> object:
    if isinstance(value, str):
        return scrub_slice(value, scrub)
    if isinstance(value, dict):
        return {key: _scrub_value(item, scrub) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_value(item, scrub) for item in value]
    return value


def _active_replacements_of(session: DbSession, post_ids: set[int]
                            ) -> dict[int, list[Replacement]]:
    if not post_ids:
        return {}
    rows = session.execute(
        select(ChangedPost.post_id, ContentChange)
        .join(ContentChange, ChangedPost.change_id == ContentChange.id)
        .where(ChangedPost.post_id.in_(post_ids), ContentChange.reverted_at.is_(None))
        .order_by(ContentChange.id))
    found: dict[int, list[Replacement]] = {}
    for post_id, change in rows:
        found.setdefault(post_id, []).extend(replacements_of(change))
    return found
