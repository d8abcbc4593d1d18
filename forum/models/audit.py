"""The append-only audit log of every moderator, admin and system action.

Rows are only ever inserted.  Three locks keep it so: the ORM refuses to
flush a change or a deletion of an entry, the session refuses UPDATE and
DELETE statements aimed at the table, and the database itself has triggers
(migration 0002) that abort them, so not even raw SQL can rewrite history.
An undo is a new entry whose `reverts_id` names the entry it reverts.
Entries never copy post text: targets are ids, before/after hold label and
citation fields, never the words of a post.
"""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, mapped_column

from forum.extensions import Model
from forum.models.columns import intpk, post_fk, timestamp, user_fk


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete an audit entry."""


class AuditEntry(Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_target", "target_type", "target_id"),
        Index("ix_audit_entries_post_id", "post_id"),
    )

    id: Mapped[intpk]
    at: Mapped[timestamp]
    # None for the system (e.g. citations suggested at import).
    actor_id: Mapped[user_fk | None]
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[int | None] = mapped_column()
    post_id: Mapped[post_fk | None]
    reason: Mapped[str] = mapped_column(String(80), default="")
    why: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("audit_entries.id"))


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(_mapper: Mapper[AuditEntry], _connection: Connection,
                   _target: AuditEntry) -> NoReturn:
    raise AuditLogIsAppendOnly("audit entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper: Mapper[AuditEntry], _connection: Connection,
                   _target: AuditEntry) -> NoReturn:
    raise AuditLogIsAppendOnly("audit entries cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_rewrites(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in state.all_mappers
    ):
        raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")

