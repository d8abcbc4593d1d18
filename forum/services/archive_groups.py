"""Reading groups: the list of them, one group's threads and its months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from forum.errors import NotFound
from forum.extensions import db
from forum.models import Group, GroupMonth, Post, Thread, ThreadGroup
from forum.services.archive_threads import first_visible_posts
from forum.services.pagination import Page, paginate


def list_groups() -> list[Group]:
    """Every group, by name, with its stored post and thread counts."""
    return list(db.session.scalars(select(Group).order_by(Group.name)))


def get_group(name: str) -> Group:
    """The group called `name`, or NotFound."""
    group = db.session.scalar(select(Group).where(Group.name == name))
    if group is None:
        raise NotFound(f"There is no group called {name!r} in the archive.")
    return group


@dataclass(slots=True)
class ThreadRow:
    """A thread as listed in one group: activity there, and its first visible post."""

    thread: Thread
    post_count: int
    last_post_at: datetime | None
    first_post: Post | None = None

    @property
    def subject(self) -> str:
        """Taken from the first visible post: Thread.subject may be a hidden one's."""
        return self.first_post.subject if self.first_post else ""


def group_threads(
    group: Group,
    page: int = 1,
    per_page: int = 50,
    year: int | None = None,
    month: int | None = None,
) -> Page:
    """Threads of `group` by last activity there; or those started in year/month.

    A thread has a listing row in a group only while it has visible posts
    there (threading writes rows for visible posts alone, and hiding or
    restoring rewrites them), so the rows need no check against the posts:
    they are read, and counted, from their index (migration 0015).  The
    group's stored thread count is not used for the pager: an import
    refreshes it only when it ends.
    """
    listed = select(ThreadGroup.thread_id).where(ThreadGroup.group_id == group.id)
    stmt = (
        select(Thread, ThreadGroup.post_count, ThreadGroup.last_post_at)
        .join(ThreadGroup, ThreadGroup.thread_id == Thread.id)
        .where(ThreadGroup.group_id == group.id)
        .order_by(ThreadGroup.last_post_at.desc().nulls_last(),
                  ThreadGroup.thread_id.desc())
    )
    if year is not None and month is not None:
        start, end = month_range(year, month)
        in_month = (Thread.first_post_at >= start, Thread.first_post_at < end)
        stmt = stmt.where(*in_month)
        listed = (listed.join(Thread, Thread.id == ThreadGroup.thread_id)
                  .where(*in_month))
    result = paginate(stmt, page, per_page, scalars=False, counting=listed)
    firsts = first_visible_posts([row[0].id for row in result.items])
    result.items = [ThreadRow(t, n or 0, last, firsts.get(t.id))
                    for t, n, last in result.items]
    return result


def group_archive_months(group: Group) -> list[tuple[int, int, int]]:
    """(year, month, threads started that month) for `group`, newest first.

    Stored with the group's counters (services.counters): like them, it is
    brought up to date when an import ends or a post is hidden or shown.
    """
    stmt = (
        select(GroupMonth.year, GroupMonth.month, GroupMonth.thread_count)
        .where(GroupMonth.group_id == group.id, GroupMonth.thread_count > 0)
        .order_by(GroupMonth.year.desc(), GroupMonth.month.desc())
    )
    return [(year, month, count) for year, month, count in db.session.execute(stmt)]


def month_range(year: int, month: int) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next; NotFound for no month."""
    if not (1 <= month <= 12 and 1 <= year <= 9998):
        raise NotFound(f"There is no month {year}-{month:02d}.")
    start = datetime(year, month, 1)
    end = datetime(year + month // 12, month % 12 + 1, 1)
    return start, end
