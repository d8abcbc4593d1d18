"""What the home page shows a first-time visitor: what the archive holds, its
groups, its newest threads, and the newest verdicts on claims in its posts.

Everything here is public: hidden and ghost posts are never counted or shown,
a withdrawn label is not a verdict, and a claim excerpt is cut from the
post's current text, so a redaction that took the claim's words leaves the
verdict without an excerpt rather than showing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.models import (
    Group,
    GroupMonth,
    Label,
    LabelKind,
    Post,
    Thread,
    ThreadGroup,
)
from forum.services.archive_threads import first_visible_posts, main_groups
from forum.services.visibility import VISIBLE
from forum.text.markup import post_plain_text
from forum.text.snippets import claim_excerpt

T = TypeVar("T", bound=tuple[Any, ...])

NEWEST_THREADS = 8
NEWEST_VERDICTS = 5
EXCERPT_WIDTH = 220


@dataclass(slots=True)
class Holdings:
    """The archive in numbers, for the home page's opening sentence."""

    posts: int
    threads: int
    groups: int
    first_year: int | None
    last_year: int | None
    verdicts: int


@dataclass(slots=True)
class GroupSummary:
    """A group as the home page lists it: its counters and the years it covers."""

    group: Group
    first_year: int | None
    last_year: int | None


@dataclass(slots=True)
class NewThread:
    """A thread with recent activity: its first visible post, its main group,
    and its latest visible post's date (a hidden post's is not told)."""

    thread: Thread
    first_post: Post
    group: Group | None
    last_post_at: datetime | None


@dataclass(slots=True)
class Verdict:
    """A moderator's label on a post, with the claim it is about."""

    label: Label
    post: Post
    group: Group | None
    excerpt: Markup | None = None
    citations: int = 0


@dataclass(slots=True)
class FrontPage:
    holdings: Holdings
    groups: list[GroupSummary]
    threads: list[NewThread]
    verdicts: list[Verdict]


def front_page() -> FrontPage:
    """Everything the home page shows, read in a handful of indexed queries."""
    groups = group_summaries()
    return FrontPage(holdings(groups), groups, newest_threads(), newest_verdicts())


def holdings(groups: list[GroupSummary]) -> Holdings:
    """Posts and threads readers can see, groups, years, verdicts given."""
    posts = _visible_post_count()
    threads = db.session.scalar(
        select(func.count()).select_from(Thread)
        .where(exists().where(ThreadGroup.thread_id == Thread.id)))
    firsts = [g.first_year for g in groups if g.first_year]
    lasts = [g.last_year for g in groups if g.last_year]
    return Holdings(
        posts=posts or 0, threads=threads or 0, groups=len(groups),
        first_year=min(firsts, default=None), last_year=max(lasts, default=None),
        verdicts=db.session.scalar(_public_labels(select(func.count(Label.id)))) or 0,
    )


def _visible_post_count() -> int:
    """All posts less hidden and ghost ones, each count read from an index
    (the partial ones the dashboard counts with): counting the visible ones
    directly scans the posts table, 9 ms at 10,000 posts (bench/front_page.py)."""
    hidden, ghost = Post.is_hidden.is_(True), Post.is_ghost.is_(True)

    def count(*where: ColumnElement[bool]) -> int:
        return db.session.scalar(select(func.count(Post.id)).where(*where)) or 0

    return count() - count(hidden) - count(ghost) + count(hidden, ghost)


def group_summaries() -> list[GroupSummary]:
    """Every group by name, with the years from its first thread to its last post."""
    groups = list(db.session.scalars(select(Group).order_by(Group.name)))
    first = {group_id: year for group_id, year in db.session.execute(
        select(GroupMonth.group_id, func.min(GroupMonth.year))
        .where(GroupMonth.thread_count > 0).group_by(GroupMonth.group_id))}
    return [GroupSummary(g, first.get(g.id), _year(g.last_post_at) or first.get(g.id))
            for g in groups]


def newest_threads(limit: int = NEWEST_THREADS) -> list[NewThread]:
    """Threads by latest activity, across groups; only those with a visible post.

    A thread has listing rows only while it has visible posts (see
    archive.group_threads), so the check is an index probe per thread.
    """
    threads = list(db.session.scalars(
        select(Thread).where(Thread.last_post_at.is_not(None),
                             exists().where(ThreadGroup.thread_id == Thread.id))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc()).limit(limit)))
    ids = [t.id for t in threads]
    firsts = first_visible_posts(ids)
    latest = {thread_id: last for thread_id, last in db.session.execute(
        select(ThreadGroup.thread_id, func.max(ThreadGroup.last_post_at))
        .where(ThreadGroup.thread_id.in_(ids)).group_by(ThreadGroup.thread_id))}
    groups = main_groups(ids)
    return [NewThread(t, firsts[t.id], groups.get(t.id), latest.get(t.id))
            for t in threads if t.id in firsts]


def newest_verdicts(limit: int = NEWEST_VERDICTS) -> list[Verdict]:
    """The newest verdicts on visible posts, one per post, with the claim excerpt."""
    rows = db.session.execute(
        _public_labels(select(Label, Post))
        .options(selectinload(Label.citations), selectinload(Post.author))
        .order_by(Label.updated_at.desc(), Label.id.desc()).limit(limit * 4)).all()
    newest: dict[int, tuple[Label, Post]] = {}
    for label, post in rows:
        if len(newest) < limit:
            newest.setdefault(post.id, (label, post))
    groups = main_groups([post.thread_id for _label, post in newest.values()])
    return [Verdict(label=label, post=post, group=groups.get(post.thread_id),
                    excerpt=_excerpt(post, label), citations=len(label.citations))
            for label, post in newest.values()]


def _excerpt(post: Post, label: Label) -> Markup | None:
    text = post_plain_text(post.body_text, post.body_html)
    return claim_excerpt(text, label.exact, EXCERPT_WIDTH)


def _public_labels(stmt: Select[T]) -> Select[T]:
    """Verdicts (not other labels) that stand, on posts readers can see."""
    return (stmt.select_from(Label).join(Post, Post.id == Label.post_id)
            .join(LabelKind, LabelKind.id == Label.kind_id)
            .where(Label.is_withdrawn.is_(False), LabelKind.is_verdict.is_(True),
                   *VISIBLE))


def _year(value: datetime | None) -> int | None:
    return value.year if value else None

