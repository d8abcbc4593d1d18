"""The search outbox: posts whose index entries must follow a committed change.

A row is written in the same transaction as the change it follows, so a
change cannot commit without it and a rollback takes both back.  Whoever
holds the search engine's writer applies rows and deletes them once its index
has committed; a process killed in between leaves its rows for the next
writer.  No foreign key: a purged post must still leave the index.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models.columns import intpk, timestamp


class SearchOutbox(Model):
    __tablename__ = "search_outbox"
    # Ids never go back: an applied row's id is never handed to a new change.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(Integer)
    # Queued by an import: applied with the import's batches, not at once.
    is_bulk: Mapped[bool] = mapped_column(Boolean, default=False)
    queued_at: Mapped[timestamp]
