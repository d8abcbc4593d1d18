"""Reading threads: one by id, their first visible posts and main groups, and
the newest posts of a thread or a group (for feeds).

A thread's page itself, a page of its tree at a time, is `thread_pages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute

from forum.errors import NotFound
from forum.extensions import db
from forum.models import Group, Post, PostGroup, Thread, ThreadGroup
from forum.services.visibility import LISTING_ONLY, VISIBLE, has_visible_post


@dataclass(slots=True)
class ThreadEntry:
    """One node of a thread tree: a visible post, or a placeholder (`post` None).

    Ghosts keep their permalink so replies can point at them; a hidden post's
    permalink is never handed out, not even as a placeholder's.
    """

    depth: int
    post: Post | None = None
    placeholder: str | None = None
    permalink: str | None = None
    parent_permalink: str | None = None
    parent_placeholder: str | None = None
    parent_author: str | None = None  # a visible parent's signed name and date
    parent_date: datetime | None = None
    parent_here: bool = True  # whether the parent is on the same page


def get_thread(thread_id: int) -> Thread:
    """The thread with this id, or NotFound when it has nothing visible."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or not db.session.scalar(select(has_visible_post(thread.id))):
        raise NotFound(f"There is no thread {thread_id} in the archive.")
    return thread


def first_visible_posts(thread_ids: Sequence[int]) -> dict[int, Post]:
    """The first visible post of each thread (in tree order), in one query."""
    if not thread_ids:
        return {}
    first = (
        select(Post.thread_id, func.min(Post.thread_order).label("order"))
        .where(Post.thread_id.in_(thread_ids), *VISIBLE)
        .group_by(Post.thread_id)
        .subquery()
    )
    stmt = select(Post).join(
        first,
        and_(Post.thread_id == first.c.thread_id, Post.thread_order == first.c.order),
    ).options(*LISTING_ONLY)
    return {post.thread_id: post for post in db.session.scalars(stmt).unique()}


def main_group(thread: Thread) -> Group | None:
    """The group where most of the thread's visible posts are (its breadcrumb)."""
    return db.session.scalar(
        select(Group).join(ThreadGroup, ThreadGroup.group_id == Group.id)
        .where(ThreadGroup.thread_id == thread.id)
        .order_by(ThreadGroup.post_count.desc(), Group.name).limit(1))


def main_groups(thread_ids: Sequence[int]) -> dict[int, Group]:
    """`main_group` of each of these threads, in one query (for listings)."""
    if not thread_ids:
        return {}
    ranked = select(
        ThreadGroup.thread_id, ThreadGroup.group_id,
        func.row_number().over(
            partition_by=ThreadGroup.thread_id,
            order_by=(ThreadGroup.post_count.desc(), Group.name)).label("rank"),
    ).join(Group, Group.id == ThreadGroup.group_id).where(
        ThreadGroup.thread_id.in_(thread_ids)).subquery()
    rows = db.session.execute(
        select(ranked.c.thread_id, Group).join(Group, Group.id == ranked.c.group_id)
        .where(ranked.c.rank == 1)).all()
    return {thread_id: group for thread_id, group in rows}


def newest_posts(group: Group | None = None, thread: Thread | None = None,
                 limit: int = 50) -> list[Post]:
    """A group's or a thread's newest visible posts, newest first (for feeds).

    Undated posts come last, newest id first; ties on the date go by id.
    A group's are read from its listings' (group_id, post_date, post_id)
    index, a thread's from (thread_id, date, id): sorting a 100,000-post
    group for its 50 newest took 385 ms (bench/feeds.py).
    """
    if group is not None and thread is None:
        listed = (select(Post).join(PostGroup, PostGroup.post_id == Post.id)
                  .where(PostGroup.group_id == group.id, *VISIBLE))
        return _newest_first(listed, PostGroup.post_date, PostGroup.post_id, limit)
    stmt = select(Post).where(*VISIBLE)
    if group is not None:
        stmt = stmt.join(PostGroup, PostGroup.post_id == Post.id).where(
            PostGroup.group_id == group.id)
    if thread is not None:
        stmt = stmt.where(Post.thread_id == thread.id)
    return _newest_first(stmt, Post.date, Post.id, limit)


def _newest_first(stmt: Select[tuple[Post]], date: InstrumentedAttribute[Any],
                  key: InstrumentedAttribute[int], limit: int) -> list[Post]:
    """Dated rows newest first, then undated ones: each is one index range
    read backwards that stops after `limit` rows (ORDER BY date DESC NULLS
    LAST in one query cannot be read from an index on PostgreSQL)."""
    posts = list(db.session.scalars(
        stmt.where(date.is_not(None)).order_by(date.desc(), key.desc())
        .limit(limit)).unique())
    if len(posts) < limit:
        posts += db.session.scalars(
            stmt.where(date.is_(None)).order_by(key.desc())
            .limit(limit - len(posts))).unique()
    return posts
