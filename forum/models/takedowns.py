"""Redactions, author takedowns and purges: content rewritten for readers.

A redaction or a takedown rewrites stored text in place (post bodies and
subjects, label quotes, claim hints), so no public surface can show what was
removed: pages, search, feeds, exports and the API all read the rewritten
columns.  What a column held before the first rewrite is kept once, in
`FieldOriginal`, for admins and for reverting; every rewrite is a
`ContentChange`, and a column's value is always its original with the active
changes applied.  A purge is final: it blanks the post and leaves a
`Tombstone` behind its permalink.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models.columns import intpk, post_fk, timestamp, user_fk


class ContentChange(Model):
    """One redaction (`kind` "redact") or author takedown ("pseudonymise").

    `removed` is what was taken out (the redacted text, or the author's name
    and addresses as JSON); only admins ever see it.  `replacement` is what
    readers see instead.
    """

    __tablename__ = "content_changes"

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(16))
    post_id: Mapped[post_fk | None] = mapped_column(index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"),
                                                  index=True)
    removed: Mapped[dict[str, Any]] = mapped_column(JSON)
    replacement: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32))
    why: Mapped[str] = mapped_column(Text, default="")
    thread_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[user_fk | None]
    created_at: Mapped[timestamp]
    reverted_by_id: Mapped[user_fk | None]
    reverted_at: Mapped[timestamp | None]

    created_by = relationship("User", foreign_keys="ContentChange.created_by_id",
                              lazy="joined")
    reverted_by = relationship("User", foreign_keys="ContentChange.reverted_by_id",
                               lazy="joined")

    @property
    def active(self) -> bool:
        return self.reverted_at is None


class ChangedPost(Model):
    """A post a content change rewrote (a takedown reaches many)."""

    __tablename__ = "changed_posts"

    change_id: Mapped[int] = mapped_column(
        ForeignKey("content_changes.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[post_fk] = mapped_column(primary_key=True, index=True)


class FieldOriginal(Model):
    """A column's value before its first rewrite, and the value last written.

    `written` lets a revert tell whether somebody changed the column since
    (then the newer value stands and the original is dropped).
    """

    __tablename__ = "field_originals"
    __table_args__ = (Index("ix_field_originals_post_id", "post_id"),)

    table: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    column: Mapped[str] = mapped_column(String(32), primary_key=True)
    post_id: Mapped[post_fk]
    original: Mapped[str | None] = mapped_column(Text)
    written: Mapped[str | None] = mapped_column(Text)


class Tombstone(Model):
    """What is left of a purged post: when, by whom and why; no content."""

    __tablename__ = "tombstones"

    post_id: Mapped[post_fk] = mapped_column(primary_key=True)
    purged_at: Mapped[timestamp]
    purged_by_id: Mapped[user_fk | None]
    reason: Mapped[str] = mapped_column(String(32))
