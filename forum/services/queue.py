"""The review queue: what needs a moderator first, and why.

Five kinds of item, one list: posts readers flagged (pending flags), posts
that make health claims and carry no label yet (the `forum.claim_match.hints`
rules, recorded at import), posts with suggested citations nobody has
confirmed, posts found making a labelled claim again, and references written
out as text.  Priority order puts flags first, then claims, then the rest;
age order puts the oldest posts first.  The list is paged in the database, so
every item is reachable however long the queue grows.

This module lists and counts; the items' contents (`queue_items`), the claim
hints (`queue_hints`) and acting on items (`queue_actions`) sit beside it,
and callers import them from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from math import ceil
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
    func,
    literal_column,
    select,
    union,
    union_all,
)

from forum.extensions import DbSession
from forum.models import (
    ClaimHint,
    ClaimProposal,
    Flag,
    Group,
    Label,
    Post,
    PostCitation,
    PostGroup,
    PostReference,
    QueueMark,
)
from forum.services.day_range import within_days
from forum.services.pagination import Page
from forum.services.queue_items import KINDS, PRIORITY, QueueItem, page_items

__all__ = ["PER_PAGE", "QueueFilter", "queue_items", "queue_page", "queue_sizes"]

PER_PAGE = 50
# One page's rows: rank (the kind), post_id, n (flags, suggestions or hints), date.
_Rows = Sequence[Any]


@dataclass(frozen=True)
class QueueFilter:
    kind: str | None = None
    group: str | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "priority"


def queue_page(session: DbSession, filters: QueueFilter, page: int = 1,
               per_page: int = PER_PAGE, sizes: dict[str, int] | None = None
               ) -> Page:
    """One page of the queue, filtered and sorted, and how many items in all.

    The database sorts and pages every candidate, so no item is out of reach.
    A page past the end is the last page (`Page.page` says which): acting on
    the last item of the last page must not lead to a missing page.  `sizes`
    are the unfiltered `queue_sizes`, when the caller has them already.
    """
    kinds = [filters.kind] if filters.kind in KINDS else list(KINDS)
    if filters.group or filters.since or filters.until:
        counts = {kind: session.scalar(select(func.count()).select_from(
            _candidates(kind, filters).subquery())) or 0 for kind in kinds}
    else:
        sizes = sizes or queue_sizes(session)
        counts = {kind: sizes[kind] for kind in kinds}
    total = sum(counts.values())
    page = max(1, min(page, ceil(total / per_page)))
    rows = _page_rows(session, filters, counts, (page - 1) * per_page, per_page)
    return Page(page_items(session, rows), page, per_page, total)


def _page_rows(session: DbSession, filters: QueueFilter, counts: dict[str, int],
               offset: int, limit: int) -> _Rows:
    """The rows (rank, post_id, n, date) of one page, in the filter's order.

    In priority order the kinds follow each other, so only the kinds the page
    overlaps are read: the first pages, all flags, never sort the 50,000
    claims of a 100,000-post archive.  Age order interleaves the kinds.
    """
    if filters.sort == "age":
        listed = union_all(*(_candidates(kind, filters) for kind in counts)
                           ).subquery()
        return session.execute(select(listed).order_by(*_order(listed, "age"))
                               .limit(limit).offset(offset)).all()
    rows: list[Any] = []
    start = 0
    for kind, count in counts.items():
        if start + count > offset + len(rows) and len(rows) < limit:
            listed = _candidates(kind, filters).subquery()
            rows += session.execute(
                select(listed).order_by(*_order(listed, "priority"))
                .limit(limit - len(rows))
                .offset(max(0, offset + len(rows) - start))).all()
        start += count
    return rows


def queue_items(session: DbSession, filters: QueueFilter, limit: int = 100
                ) -> list[QueueItem]:
    """The queue's first `limit` items, filtered and sorted."""
    items: list[QueueItem] = queue_page(session, filters, 1, limit).items
    return items


def _order(listed: Subquery, sort: str) -> list[ColumnElement[Any]]:
    """Priority: kind, most flags or hints first, oldest; age: oldest first.

    Undated posts come last; the post id settles ties, so pages never overlap.
    """
    undated = listed.c.date.is_(None)
    if sort == "age":
        return [undated, listed.c.date, listed.c.post_id, listed.c.rank]
    return [listed.c.rank, listed.c.n.desc(), undated, listed.c.date,
            listed.c.post_id]


def queue_sizes(session: DbSession) -> dict[str, int]:
    """How many posts wait in each kind (for the dashboard and the tabs).

    The posts `_candidates` lists unfiltered, counted from the hint, flag and
    suggestion indexes less the few posts that cannot wait (hidden, ghosts,
    labelled, dismissed): joining every candidate to its post row took most
    of the dashboard's time on 100,000 posts (bench/dashboard.py).
    """
    return {kind: session.scalar(_size(kind)) or 0 for kind in KINDS}


def _size(kind: str) -> Select[tuple[int]]:
    ghosts = select(Post.id).where(Post.is_ghost.is_(True))
    hidden = select(Post.id).where(Post.is_hidden.is_(True))
    unseen = union(ghosts, hidden)  # two partial indexes, not a scan of posts
    if kind == "flag":
        return select(func.count(Flag.post_id.distinct())).where(
            Flag.status == "pending", Flag.post_id.not_in(ghosts))
    if kind == "citation":
        return select(func.count(PostCitation.post_id.distinct())).where(
            PostCitation.status == "suggested", PostCitation.post_id.not_in(unseen))
    if kind == "proposal":
        return select(func.count(ClaimProposal.post_id.distinct())).where(
            ClaimProposal.status == "proposed", ClaimProposal.post_id.not_in(unseen))
    if kind == "reference":
        return select(func.count(PostReference.post_id.distinct())).where(
            PostReference.status == "unresolved",
            PostReference.post_id.not_in(unseen))
    labelled = select(Label.post_id).where(Label.is_withdrawn.is_(False))
    dismissed = select(QueueMark.post_id).where(QueueMark.kind == "claim",
                                                QueueMark.state == "dismissed")
    # One set to look each hint up in, not three: half the time on SQLite.
    return select(func.count(ClaimHint.post_id.distinct())).where(
        ClaimHint.post_id.not_in(union(labelled, dismissed, ghosts, hidden)))


def _candidates(kind: str, filters: QueueFilter) -> Select[Any]:
    """The posts waiting as items of this kind: rank, post_id, n (flags,
    suggestions or hints) and the post's date, for sorting and paging.

    Counted from the flag, suggestion or hint index first, then joined to
    the posts once per post (not once per hint).
    """
    waiting: list[ColumnElement[bool]]
    if kind == "flag":
        column, waiting = Flag.post_id, [Flag.status == "pending"]
    elif kind == "citation":
        column = PostCitation.post_id
        waiting = [PostCitation.status == "suggested"]
    elif kind == "proposal":
        column = ClaimProposal.post_id
        waiting = [ClaimProposal.status == "proposed"]
    elif kind == "reference":
        column = PostReference.post_id
        waiting = [PostReference.status == "unresolved"]
    else:
        labelled = select(Label.post_id).where(Label.is_withdrawn.is_(False))
        dismissed = select(QueueMark.post_id).where(QueueMark.kind == "claim",
                                                    QueueMark.state == "dismissed")
        column = ClaimHint.post_id
        waiting = [column.not_in(labelled), column.not_in(dismissed)]
    counted = (select(column.label("post_id"), func.count().label("n"))
               .where(*waiting).group_by(column).subquery())
    query = (select(literal_column(str(PRIORITY[kind]), Integer).label("rank"),
                    counted.c.post_id, counted.c.n, Post.date.label("date"))
             .join(Post, Post.id == counted.c.post_id)
             .where(Post.is_ghost.is_(False)))
    if kind != "flag":
        query = query.where(Post.is_hidden.is_(False))
    if filters.group:
        query = query.where(Post.id.in_(
            select(PostGroup.post_id).join(Group, Group.id == PostGroup.group_id)
            .where(Group.name == filters.group)))
    return query.where(*within_days(Post.date, filters.since, filters.until))
