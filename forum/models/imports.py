"""Import runs and the problems each met, kept so an operator can review them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models.columns import intpk, timestamp


class ImportRun(Model):
    __tablename__ = "import_runs"

    id: Mapped[intpk]
    started_at: Mapped[timestamp]
    finished_at: Mapped[timestamp | None]
    sources: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(40), default="auto")
    group_name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="running")
    read: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    repaired: Mapped[int] = mapped_column(Integer, default=0)
    threads: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # Who runs it ("host:pid@table", see services.import_runs) and when it
    # last reported progress: a run whose process is gone is marked failed,
    # never left "running" for ever.
    worker: Mapped[str | None] = mapped_column(String(255))
    heartbeat_at: Mapped[timestamp | None]
    failure: Mapped[str | None] = mapped_column(Text)

    problems: Mapped[list[ImportProblemRecord]] = relationship(
        back_populates="run", order_by="ImportProblemRecord.id"
    )


class ImportProblemRecord(Model):
    __tablename__ = "import_problems"

    id: Mapped[intpk]
    run_id: Mapped[int] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    position: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    # The stored post a "repaired" or "truncated" entry is about.
    post_id: Mapped[int | None] = mapped_column(Integer)

    run: Mapped[ImportRun] = relationship(back_populates="problems")


class NewsPull(Model):
    """How far the archive has read a news server's group: the highest article
    number fetched, so the next pull asks only for newer ones."""

    __tablename__ = "news_pulls"
    __table_args__ = (UniqueConstraint("server", "group_name"),)

    id: Mapped[intpk]
    server: Mapped[str] = mapped_column(String(255))  # nntp://host[:port]
    group_name: Mapped[str] = mapped_column(String(255))
    last_number: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[timestamp]
