"""Writing the append-only audit log (reading it: `audit_view`).

Every service that changes evidence or accounts calls `record()` in the same
transaction as the change, so an action and its entry commit or roll back
together.  Before/after hold label and citation fields, never post text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from forum.extensions import DbSession
from forum.models import AuditEntry, User

SYSTEM = "system"


def utcnow() -> datetime:
    """Naive UTC, as every *_at column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(session: DbSession, actor: User | None, action: str, *, target_type: str,
           target_id: int | None, post_id: int | None = None, reason: str = "",
           why: str = "", before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None,
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
