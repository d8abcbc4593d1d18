"""Read side of the archive: what a public reader may see, and in what order.

Public readers never see hidden posts.  Ghosts (messages replies point at but
the archive has not got) only appear inside thread trees, as placeholders, and
only when something visible hangs below them; a hidden post with visible
replies becomes the same kind of anonymous placeholder so the tree keeps its
shape without showing anything of the hidden message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import defer, joinedload

from forum.errors import Gone, NotFound
from forum.extensions import db
from forum.models import (
    Author,
    Group,
    GroupMonth,
    ImportProblemRecord,
    ImportRun,
    Post,
    PostGroup,
    Thread,
    ThreadGroup,
)
from forum.services.pagination import Page, paginate

# Placeholder kinds in a thread tree.
MISSING = "missing"  # a ghost: the archive never saw the message
UNAVAILABLE = "unavailable"  # hidden by a moderator

VISIBLE = (Post.is_hidden.is_(False), Post.is_ghost.is_(False))
# A listing shows a post's subject, author and date: its body is read only if
# something asks for it.
LISTING_ONLY = (defer(Post.body_text), defer(Post.body_html), defer(Post.references),
                defer(Post.parent_evidence))


# -- groups --------------------------------------------------------------------


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
        start, end = _month_range(year, month)
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
    return [tuple(row) for row in db.session.execute(stmt)]


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


def _has_visible_post(thread_id_column) -> Any:
    return exists().where(Post.thread_id == thread_id_column, *VISIBLE)


def _month_range(year: int, month: int) -> tuple[datetime, datetime]:
    if not (1 <= month <= 12 and 1 <= year <= 9998):
        raise NotFound(f"There is no month {year}-{month:02d}.")
    start = datetime(year, month, 1)
    end = datetime(year + month // 12, month % 12 + 1, 1)
    return start, end


# -- threads -------------------------------------------------------------------


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


def get_thread(thread_id: int) -> Thread:
    """The thread with this id, or NotFound when it has nothing visible."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or not db.session.scalar(select(_has_visible_post(thread.id))):
        raise NotFound(f"There is no thread {thread_id} in the archive.")
    return thread


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


def _newest_first(stmt, date, key, limit: int) -> list[Post]:
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


def _is_visible(post: Post) -> bool:
    return not post.is_hidden and not post.is_ghost


def _shown(post: Post) -> tuple[Post | None, str | None]:
    if _is_visible(post):
        return post, None
    return None, MISSING if post.is_ghost else UNAVAILABLE


def _public_permalink(post: Post) -> str | None:
    return None if post.is_hidden else post.permalink


def ids_with_visible_subtree(
        posts: Sequence[tuple[int, int | None, bool]]) -> set[int]:
    """Visible and hidden posts plus their ancestors: what a tree must show.

    `posts` are (id, parent id, is ghost).  A hidden post stays in its tree as
    a "hidden post" placeholder, so readers see that something was taken
    down; a ghost only where it has replies.
    """
    parents = {post_id: parent_id for post_id, parent_id, _ghost in posts}
    keep: set[int] = set()
    for post_id, _parent, ghost in posts:
        if ghost:
            continue
        node: int | None = post_id
        while node is not None and node not in keep:
            keep.add(node)
            node = parents.get(node)
    return keep


# -- posts ---------------------------------------------------------------------


@dataclass(slots=True)
class PostContext:
    """What a permalink page shows around a post."""

    post: Post
    parent: Post | None = None
    parent_placeholder: str | None = None
    replies: list[Post] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


def get_post_by_permalink(permalink: str, include_hidden: bool = False) -> Post:
    """The visible post with this permalink, or NotFound (ghosts and hidden too).

    `include_hidden` is for moderator pages: hidden posts, never ghosts.
    """
    rules = (Post.is_ghost.is_(False),) if include_hidden else VISIBLE
    post = db.session.scalar(
        select(Post)
        .options(joinedload(Post.thread))
        .where(Post.permalink == permalink, *rules)
    )
    if post is None:
        _raise_tombstone(permalink)
        raise NotFound("There is no such message in the archive.")
    return post


def _raise_tombstone(permalink: str) -> None:
    """A purged post's permalink answers 410 Gone, saying when and why."""
    from forum.services.takedowns import PURGE_REASONS, tombstone_for

    tombstone = tombstone_for(db.session, permalink)
    if tombstone is not None:
        why = PURGE_REASONS.get(tombstone.reason, tombstone.reason)
        raise Gone(f"This message was removed from the archive for good on "
                   f"{tombstone.purged_at:%Y-%m-%d} ({why.lower()}).")


def get_post_by_id(post_id: int) -> Post:
    """Any stored (non-ghost) post by id, for moderator pages."""
    post = db.session.get(Post, post_id)
    if post is None or post.is_ghost:
        raise NotFound("There is no such message in the archive.")
    return post


def post_context(post: Post) -> PostContext:
    """Parent (or placeholder), visible direct replies and groups of `post`."""
    context = PostContext(post)
    if post.parent_id is not None:
        parent = db.session.get(Post, post.parent_id)
        if parent is not None:
            context.parent, context.parent_placeholder = _shown(parent)
    context.replies = list(db.session.scalars(
        select(Post).where(Post.parent_id == post.id, *VISIBLE)
        .order_by(Post.thread_order)
    ).unique())
    context.groups = list(db.session.scalars(
        select(Group).join(PostGroup, PostGroup.group_id == Group.id)
        .where(PostGroup.post_id == post.id).order_by(Group.name)
    ))
    return context


# -- authors -------------------------------------------------------------------


def author_by_slug(slug: str) -> Author:
    """The author behind `slug`, or NotFound when they have no visible post."""
    author = db.session.scalar(select(Author).where(Author.slug == slug))
    has_posts = author is not None and db.session.scalar(
        select(exists().where(Post.author_id == author.id, *VISIBLE))
    )
    if not has_posts:
        raise NotFound("There is no such author in the archive.")
    return author


def author_posts(author: Author, page: int = 1, per_page: int = 50) -> Page:
    """The author's visible posts, newest first (undated last)."""
    stmt = (
        select(Post)
        .options(joinedload(Post.thread))
        .where(Post.author_id == author.id, *VISIBLE)
        .order_by(Post.date.desc().nulls_last(), Post.id.desc())
    )
    return paginate(stmt, page, per_page)


# -- import runs ---------------------------------------------------------------


def list_import_runs(page: int = 1, per_page: int = 50) -> Page:
    """Recorded import runs, newest first (a run whose process died says so)."""
    from forum.services.import_runs import settle_abandoned_runs

    settle_abandoned_runs(db.session)
    stmt = select(ImportRun).order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
    return paginate(stmt, page, per_page)


def get_import_run(run_id: int) -> ImportRun:
    """One import run, or NotFound."""
    from forum.services.import_runs import settle_abandoned_runs

    settle_abandoned_runs(db.session)
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"There is no import run {run_id}.")
    return run


def import_run_problems(run: ImportRun, page: int = 1, per_page: int = 100) -> Page:
    """The problems one import run recorded, in the order it met them."""
    stmt = (
        select(ImportProblemRecord)
        .where(ImportProblemRecord.run_id == run.id)
        .order_by(ImportProblemRecord.id)
    )
    return paginate(stmt, page, per_page)


def problem_permalinks(problems: Sequence[ImportProblemRecord]) -> dict[int, str]:
    """post id -> permalink for the visible posts a run's repairs are about."""
    ids = {p.post_id for p in problems if p.post_id}
    if not ids:
        return {}
    rows = db.session.execute(select(Post.id, Post.permalink)
                              .where(Post.id.in_(ids), *VISIBLE))
    return dict(rows.all())


def runs_with_problems(run_ids: Sequence[int]) -> dict[int, int]:
    """Problem counts per run id, in one query."""
    if not run_ids:
        return {}
    stmt = (
        select(ImportProblemRecord.run_id, func.count())
        .where(ImportProblemRecord.run_id.in_(run_ids))
        .group_by(ImportProblemRecord.run_id)
    )
    return {run_id: count for run_id, count in db.session.execute(stmt)}


__all__ = [
    "MISSING",
    "UNAVAILABLE",
    "Page",
    "PostContext",
    "ThreadEntry",
    "ThreadRow",
    "author_by_slug",
    "author_posts",
    "first_visible_posts",
    "get_group",
    "get_import_run",
    "get_post_by_permalink",
    "get_thread",
    "group_archive_months",
    "group_threads",
    "ids_with_visible_subtree",
    "import_run_problems",
    "list_groups",
    "list_import_runs",
    "main_group",
    "main_groups",
    "paginate",
    "post_context",
    "runs_with_problems",
]
