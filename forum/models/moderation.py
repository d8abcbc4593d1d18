"""Reader flags: a reader's report that a post needs a moderator's look.

Readers have no account, so a flag records a keyed hash of the client's
address (for the rate limit), never the address itself.  A flag stays
pending until a moderator resolves it: agreed, disagreed or ignored, with a
note of the outcome.
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models.columns import intpk, post_fk, timestamp, user_fk

FLAG_STATUSES = ("pending", "agreed", "disagreed", "ignored")


class Flag(Model):
    __tablename__ = "flags"
    __table_args__ = (
        Index("ix_flags_post_status", "post_id", "status"),
        Index("ix_flags_client_at", "client", "created_at"),
    )

    id: Mapped[intpk]
    post_id: Mapped[post_fk]
    reason: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    client: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[timestamp]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    resolved_by_id: Mapped[user_fk | None]
    resolved_at: Mapped[timestamp | None]
    outcome: Mapped[str] = mapped_column(Text, default="")

    resolved_by = relationship("User", lazy="joined")


class ClaimHint(Model):
    """Words in a post that a heuristic of `forum.claim_match.hints` took for a
    health claim."""

    __tablename__ = "claim_hints"
    __table_args__ = (Index("ix_claim_hints_post_id", "post_id"),)

    id: Mapped[intpk]
    post_id: Mapped[post_fk]
    rule: Mapped[str] = mapped_column(String(24))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(300))


class QueueMark(Model):
    """A moderator's hold on a queue item: claimed (working on it) or dismissed.

    One row per post and kind; claiming keeps two moderators off the same post,
    dismissing (with a reason) takes the item out of the queue.
    """

    __tablename__ = "queue_marks"
    __table_args__ = (UniqueConstraint("post_id", "kind"),)

    id: Mapped[intpk]
    post_id: Mapped[post_fk]
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12))  # claimed | dismissed
    user_id: Mapped[user_fk]
    at: Mapped[timestamp]
    reason: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User", lazy="joined")
