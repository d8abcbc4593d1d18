"""Denormalised counters on groups, threads and authors, recomputed from the rows.

Counting is done with aggregate queries, never by incrementing, so a counter
can always be repaired by running this again.  Every count is of visible
posts (a group's threads per month too), so whatever changes a post's
visibility (hiding, restoring, purging) calls
`refresh_after_visibility_change`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, delete, func, insert, select, update

from forum.extensions import DbSession
from forum.models import (
    Author,
    Group,
    GroupMonth,
    Post,
    PostGroup,
    Thread,
    ThreadGroup,
)
from forum.services.sql_chunks import chunks, table_of
from forum.services.threading import refresh_threads
from forum.services.visibility import VISIBLE


def refresh_counters(
    session: DbSession, group_ids: Iterable[int], author_ids: Iterable[int]
) -> None:
    """Recount posts, threads and latest activity for these groups and authors."""
    for group_id in sorted(set(group_ids)):
        refresh_group(session, group_id)
    for chunk in chunks(sorted(set(author_ids))):
        _refresh_authors(session, chunk)


def refresh_after_visibility_change(session: DbSession, posts: Iterable[Post]) -> None:
    """These posts were hidden, shown again or purged: recount what lists them.

    Their threads' counts, last-post dates and per-group listings (a thread
    whose only visible post is hidden leaves its groups' listings), their
    groups' post and thread counts and latest activity, and their authors'
    post counts.
    """
    posts = list(posts)
    if not posts:
        return
    session.flush()
    group_ids = set(session.scalars(select(PostGroup.group_id).where(
        PostGroup.post_id.in_([post.id for post in posts]))))
    refresh_threads(session, {post.thread_id for post in posts if post.thread_id})
    refresh_counters(session, group_ids,
                     {post.author_id for post in posts if post.author_id})
    # Written with Core statements: what the session holds of them is stale.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, (Thread, Group, Author)):
            session.expire(obj)


def refresh_group(session: DbSession, group_id: int) -> None:
    """Recount one group's visible posts and threads."""
    posts = session.scalar(
        select(func.count())
        .select_from(PostGroup)
        .join(Post, Post.id == PostGroup.post_id)
        .where(PostGroup.group_id == group_id, *VISIBLE)
    )
    threads, last = session.execute(
        select(func.count(), func.max(ThreadGroup.last_post_at)).where(
            ThreadGroup.group_id == group_id, ThreadGroup.post_count > 0
        )
    ).one()
    session.execute(
        update(Group)
        .where(Group.id == group_id)
        .values(post_count=posts, thread_count=threads, last_post_at=last)
    )
    refresh_months(session, group_id)


def refresh_months(session: DbSession, group_id: int) -> None:
    """Recount the threads of one group started in each month."""
    year = func.extract("year", Thread.first_post_at)
    month = func.extract("month", Thread.first_post_at)
    rows = session.execute(
        select(year, month, func.count())
        .join(ThreadGroup, ThreadGroup.thread_id == Thread.id)
        .where(ThreadGroup.group_id == group_id, ThreadGroup.post_count > 0,
               Thread.first_post_at.is_not(None))
        .group_by(year, month)
    ).all()
    session.execute(delete(GroupMonth).where(GroupMonth.group_id == group_id))
    if rows:
        session.execute(insert(GroupMonth), [
            {"group_id": group_id, "year": int(y), "month": int(m), "thread_count": n}
            for y, m, n in rows])


def _refresh_authors(session: DbSession, author_ids: Sequence[int]) -> None:
    rows = session.execute(
        select(Post.author_id, func.count())
        .where(Post.author_id.in_(author_ids), *VISIBLE)
        .group_by(Post.author_id)
    ).all()
    counts = {author_id: n for author_id, n in rows}
    params = [{"aid": a, "n": counts.get(a, 0)} for a in author_ids]
    table = table_of(Author)
    session.execute(
        update(table).where(table.c.id == bindparam("aid"))
        .values(post_count=bindparam("n")),
        params,
    )
