"""Groups, threads, posts and authors: the archive itself.

Ghost posts (`is_ghost`) stand in for messages that replies refer to but the
archive has not seen; when the real message arrives it fills the ghost in
place, so its replies are re-attached without moving anything.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models.columns import intpk, post_fk, timestamp


class Group(Model):
    __tablename__ = "groups"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    thread_count: Mapped[int] = mapped_column(Integer, default=0)
    last_post_at: Mapped[timestamp | None]


class GroupMonth(Model):
    """How many threads of a group started in a month: the group page's
    "By month" list, kept with the group's other counters (counting them on
    each page view took 33 ms on SQLite, 63 ms on PostgreSQL for a
    100,000-post group)."""

    __tablename__ = "group_months"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_count: Mapped[int] = mapped_column(Integer, default=0)


class Author(Model):
    """One identity per address (or per name where no address is known).

    The address is kept for takedowns and never shown: pages use the masked
    form.  `name` is the first name seen for the address (each post shows the
    name it was signed with, `Post.author_name`).  `slug` is a hash, so author
    URLs reveal nothing.
    """

    __tablename__ = "authors"

    id: Mapped[intpk]
    identity: Mapped[str] = mapped_column(String(64), unique=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    masked_email: Mapped[str | None] = mapped_column(String(320))
    post_count: Mapped[int] = mapped_column(Integer, default=0)


class Thread(Model):
    __tablename__ = "threads"

    id: Mapped[intpk]
    subject: Mapped[str] = mapped_column(Text, default="")
    # Normalised subject (no Re:/AW:/[list] prefixes) for opt-in subject threading.
    subject_key: Mapped[str] = mapped_column(String(255), default="", index=True)
    root_post_id: Mapped[int | None] = mapped_column(Integer)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    first_post_at: Mapped[timestamp | None]
    last_post_at: Mapped[timestamp | None] = mapped_column(index=True)


class ThreadGroup(Model):
    """Which groups a thread shows in, with per-group activity for listings."""

    __tablename__ = "thread_groups"

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    last_post_at: Mapped[timestamp | None]

    # A group page's order (migration 0015): latest activity, undated last,
    # then thread id.  PostgreSQL needs it declared in that order; SQLite
    # takes no NULLS clause in an index and reads an ascending one backwards.
    __table_args__ = (
        Index("ix_thread_groups_listing", "group_id",
              text("last_post_at DESC NULLS LAST"), text("thread_id DESC"),
              ).ddl_if(dialect="postgresql"),
        Index("ix_thread_groups_listing", "group_id", "last_post_at", "thread_id",
              ).ddl_if(dialect="sqlite"),
    )


class Post(Model):
    __tablename__ = "posts"

    id: Mapped[intpk]
    # Message-ID as found (bare), and the key dedup uses: the id itself when it
    # looks globally unique, else the id plus a content hash.
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(1100), unique=True)
    permalink: Mapped[str] = mapped_column(String(32), unique=True)
    is_synthetic_id: Mapped[bool] = mapped_column(Boolean, default=False)
    is_ghost: Mapped[bool] = mapped_column(Boolean, default=False)
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # Looked up through ix_posts_thread_order, whose first column it is.
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    parent_id: Mapped[post_fk | None] = mapped_column(index=True)
    parent_confidence: Mapped[float | None] = mapped_column(Float)
    parent_evidence: Mapped[str | None] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    thread_order: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"), index=True)
    # The name the post's own From gives (decoded; an address-only From's
    # masked address): one address signs with several names, and the author
    # row keeps only the first.  None for ghosts, purged posts and the posts
    # of authors pseudonymised before migration 0017: they show the author's.
    author_name: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[timestamp | None] = mapped_column(index=True)
    date_note: Mapped[str | None] = mapped_column(Text)
    # The offset the source wrote the date in, minutes east of UTC (-240 for
    # `-0400`), to show it as written; None when unknown: shown in UTC.
    date_offset: Mapped[int | None] = mapped_column(SmallInteger)
    date_precision: Mapped[str] = mapped_column(String(10), default="exact")
    source_url: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    references: Mapped[str] = mapped_column(Text, default="")
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    # Why the stored copy may be cut off (the file ended mid-message, a base64
    # part stops short...), or None; a complete copy imported later replaces it.
    truncated: Mapped[str | None] = mapped_column(Text)

    author: Mapped[Author | None] = relationship(lazy="joined")
    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])

    __table_args__ = (
        Index("ix_posts_thread_order", "thread_id", "thread_order"),
        Index("ix_posts_thread_date", "thread_id", "date", "id"),  # thread feeds
        # Few posts are hidden or ghosts: these find them without reading the
        # table, so queue counts can leave them out (services.queue_sizes).
        # Partial, holding only those posts: an index on the flag itself lured
        # SQLite into scanning every visible post for "has a visible post".
        Index("ix_posts_hidden_ids", "id", sqlite_where=text("is_hidden IS 1"),
              postgresql_where=text("is_hidden IS true")),
        Index("ix_posts_ghost_ids", "id", sqlite_where=text("is_ghost IS 1"),
              postgresql_where=text("is_ghost IS true")),
    )

    @property
    def byline(self) -> str:
        """The name shown as the post's author: its own, else its author's."""
        if self.author_name:
            return self.author_name
        return self.author.name if self.author is not None else ""

    @property
    def reference_ids(self) -> list[str]:
        return self.references.split() if self.references else []


class PostGroup(Model):
    """A post listed in a group: a cross-posted article is stored once, listed often.

    `post_date` is the post's date, copied when the listing is written (a
    post's date never changes once it is stored), so a group's newest posts
    are read from (group_id, post_date, post_id) without sorting the group.
    """

    __tablename__ = "post_groups"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    post_date: Mapped[timestamp | None]

    __table_args__ = (
        Index("ix_post_groups_group_date", "group_id", "post_date", "post_id"),
        # A group's posts in id order, a batch at a time (mbox, news server).
        Index("ix_post_groups_group_post", "group_id", "post_id"),
    )


class PostSource(Model):
    """The original bytes of a post (zlib-compressed) and where they came from."""

    __tablename__ = "post_sources"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[str] = mapped_column(String(255), default="")
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
