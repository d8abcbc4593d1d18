"""The rows one archiving batch writes, and writing them in a safe order.

Authors, threads and posts go in first (children after parents, so foreign
keys hold on PostgreSQL); ghost fills, group links and sources follow; thread
merges last, once every post they move exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text, update

from forum.extensions import DbSession
from forum.models import Author, Post, PostGroup, PostSource, Thread, ThreadGroup
from forum.services.sql_chunks import chunks, table_of

logger = logging.getLogger(__name__)
Row = dict[str, Any]


@dataclass
class PendingRows:
    """Rows a batch will write, in an order the foreign keys accept."""

    authors: list[Row] = field(default_factory=list)
    threads: list[Row] = field(default_factory=list)
    posts: list[Row] = field(default_factory=list)
    sources: list[Row] = field(default_factory=list)
    links: set[tuple[int, int]] = field(default_factory=set)
    dup_links: set[tuple[int, int]] = field(default_factory=set)
    fills: list[Row] = field(default_factory=list)
    heals: list[Row] = field(default_factory=list)  # cut copies made whole
    healed_sources: list[int] = field(default_factory=list)
    reparents: list[Row] = field(default_factory=list)
    merges: list[tuple[int, int]] = field(default_factory=list)

    def forget_source(self, post_id: int) -> None:
        """Drop a post's pending source: a complete copy replaces a cut one."""
        self.sources = [row for row in self.sources if row["post_id"] != post_id]

    def write(
        self,
        session: DbSession,
        thread_of: Callable[[int], int],
        dirty_threads: set[int],
        thread_of_post: Callable[[int], int | None],
    ) -> set[int]:
        """Write everything; threads whose listings changed join `dirty_threads`.

        Returns the ids of posts whose indexed content changed: new posts, filled
        ghosts, posts listed in a new group and posts moved by a thread merge.
        """
        changed = {row["id"] for row in self.posts if not row["is_ghost"]}
        changed.update(f["pid"] for f in self.fills)
        changed.update(h["pid"] for h in self.heals)
        for model, rows in ((Author, self.authors), (Thread, self.threads),
                            (Post, self.posts)):
            if rows:
                session.execute(insert(table_of(model)), rows)
        self._write_fills(session)
        relisted = self._write_links(session)
        changed.update(relisted)
        for post_id in relisted:
            thread_id = thread_of_post(post_id)
            if thread_id is not None:
                dirty_threads.add(thread_id)
        if self.sources:
            session.execute(insert(table_of(PostSource)), self.sources)
        changed.update(self._write_merges(session, thread_of, dirty_threads))
        sync_sequences(session)
        return changed

    def _write_fills(self, session: DbSession) -> None:
        table, sources = table_of(Post), table_of(PostSource)
        if self.fills:
            columns = [k for k in self.fills[0] if k != "pid"]
            session.execute(
                update(table).where(table.c.id == bindparam("pid"))
                .values({c: bindparam(c) for c in columns}).values(is_ghost=False),
                self.fills,
            )
            filled = [f["pid"] for f in self.fills]
            session.execute(delete(sources).where(sources.c.post_id.in_(filled)))
        if self.heals:
            session.execute(
                update(table).where(table.c.id == bindparam("pid"))
                .values({c: bindparam(c) for c in self.heals[0] if c != "pid"})
                .values(truncated=None),
                self.heals,
            )
            session.execute(delete(sources).where(
                sources.c.post_id.in_(self.healed_sources)))
        if self.reparents:
            session.execute(
                update(table).where(table.c.id == bindparam("pid"))
                .values(parent_id=bindparam("parent")),
                self.reparents,
            )

    def _write_links(self, session: DbSession) -> set[int]:
        """Insert group listings not already there; returns re-listed old posts."""
        wanted = self.links | self.dup_links
        if not wanted:
            return set()
        dup_posts = sorted({post_id for post_id, _ in self.dup_links})
        existing: set[tuple[int, int]] = set()
        for chunk in chunks(dup_posts):
            rows = session.execute(
                select(PostGroup.post_id, PostGroup.group_id)
                .where(PostGroup.post_id.in_(chunk))
            ).all()
            existing.update((post_id, group_id) for post_id, group_id in rows)
        new = sorted(wanted - existing)
        if new:
            dates = self._post_dates(session, {post_id for post_id, _ in new})
            session.execute(insert(table_of(PostGroup)), [
                {"post_id": a, "group_id": b, "post_date": dates.get(a)}
                for a, b in new])
        return {post_id for post_id, _ in self.dup_links - existing}

    def _post_dates(self, session: DbSession,
                    post_ids: set[int]) -> dict[int, datetime | None]:
        """Each post's date, copied into its group listings (the group feed's index)."""
        dates: dict[int, datetime | None] = {
            row["id"]: row["date"] for row in self.posts}
        dates.update((fill["pid"], fill["date"]) for fill in self.fills)
        for chunk in chunks(sorted(post_ids - dates.keys())):
            dates.update((post_id, date) for post_id, date in session.execute(
                select(Post.id, Post.date).where(Post.id.in_(chunk))))
        return dates

    def _write_merges(self, session: DbSession, thread_of: Callable[[int], int],
                      dirty_threads: set[int]) -> set[int]:
        moved: set[int] = set()
        for old, _new in self.merges:
            target = thread_of(old)
            moved.update(session.scalars(select(Post.id).where(Post.thread_id == old)))
            session.execute(
                update(Post).where(Post.thread_id == old).values(thread_id=target)
            )
            session.execute(delete(table_of(ThreadGroup))
                            .where(ThreadGroup.thread_id == old))
            session.execute(delete(table_of(Thread)).where(Thread.id == old))
            dirty_threads.add(target)
            logger.info("merged thread %s into %s", old, target)
        return moved


def sync_sequences(session: DbSession) -> None:
    """Ids were handed out by the archiver; keep PostgreSQL's sequences ahead."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("posts", "threads", "authors"):
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
        ))
