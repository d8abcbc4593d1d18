"""The review queue: what needs a moderator first, and why.

Three kinds of item, one list: posts readers flagged (pending flags), posts
that make health claims and carry no label yet (the `forum.claims` rules,
recorded at import), and posts with suggested citations nobody has confirmed.
Priority order puts flags first, then claims, then suggestions; age order
puts the oldest posts first.  Each item says why it is there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, insert, select, union
from sqlalchemy.orm import Session

from forum.claims import describe, find_claim_hints
from forum.errors import ForumError
from forum.markup import post_plain_text
from forum.models import (
    ClaimHint,
    Flag,
    Group,
    Label,
    Post,
    PostCitation,
    PostGroup,
    QueueMark,
    User,
)
from forum.permissions import MOD_VIEW, require
from forum.services.audit import record, utcnow

KINDS = {"flag": "Flagged by readers", "claim": "Health claim, no label yet",
         "citation": "Suggested citations to check"}
PRIORITY = {"flag": 0, "claim": 1, "citation": 2}


# Only claim items are dismissed here: flags are resolved and suggestions are
# confirmed or rejected, each with its own recorded outcome.
DISMISSABLE = ("claim",)


class QueueRejected(ForumError):
    """A queue action cannot be done as asked."""


@dataclass
class QueueItem:
    kind: str
    post: Post
    count: int
    reasons: list[str] = field(default_factory=list)
    claimed_by: str | None = None

    @property
    def why(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class QueueFilter:
    kind: str | None = None
    group: str | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "priority"


def record_claim_hints(session: Session, post_ids: Iterable[int]) -> int:
    """Run the claim rules over these posts and store what they find (idempotent)."""
    post_ids = list(post_ids)
    if not post_ids:
        return 0
    session.execute(delete(ClaimHint).where(ClaimHint.post_id.in_(post_ids)))
    rows = []
    for post_id, body_text, body_html in session.execute(
            select(Post.id, Post.body_text, Post.body_html)
            .where(Post.id.in_(post_ids), Post.is_ghost.is_(False))).all():
        for hint in find_claim_hints(post_plain_text(body_text, body_html)):
            rows.append({"post_id": post_id, "rule": hint.rule, "start": hint.start,
                         "end": hint.end, "text": hint.text[:300]})
    if rows:
        session.execute(insert(ClaimHint), rows)
    return len(rows)


def queue_items(session: Session, filters: QueueFilter, limit: int = 100
                ) -> list[QueueItem]:
    """The queue, filtered and sorted, at most `limit` items."""
    kinds = [filters.kind] if filters.kind in KINDS else list(KINDS)
    counts: dict[tuple[str, int], int] = {}
    for kind in kinds:
        for post_id, n in session.execute(_candidates(kind, filters, limit)):
            counts[(kind, post_id)] = n
    posts = {p.id: p for p in session.scalars(
        select(Post).where(Post.id.in_({pid for _k, pid in counts})))}
    items = [QueueItem(kind, posts[pid], n) for (kind, pid), n in counts.items()
             if pid in posts]
    _explain(session, [i for i in items if i.kind == "claim"])
    _claims(session, items)
    if filters.sort == "age":
        items.sort(key=lambda i: (i.post.date or datetime.max, i.post.id))
    else:
        items.sort(key=lambda i: (PRIORITY[i.kind], -i.count,
                                  i.post.date or datetime.max))
    return items[:limit]


def queue_sizes(session: Session) -> dict[str, int]:
    """How many posts wait in each kind (for the dashboard and the tabs).

    The posts `_candidates` lists unfiltered, counted from the hint, flag and
    suggestion indexes less the few posts that cannot wait (hidden, ghosts,
    labelled, dismissed): joining every candidate to its post row took most
    of the dashboard's time on 100,000 posts (bench/dashboard.py).
    """
    return {kind: session.scalar(_size(kind)) for kind in KINDS}


def _size(kind: str):
    ghosts = select(Post.id).where(Post.is_ghost.is_(True))
    unseen = select(Post.id).where(Post.is_ghost.is_(True) | Post.is_hidden.is_(True))
    if kind == "flag":
        return select(func.count(Flag.post_id.distinct())).where(
            Flag.status == "pending", Flag.post_id.not_in(ghosts))
    if kind == "citation":
        return select(func.count(PostCitation.post_id.distinct())).where(
            PostCitation.status == "suggested", PostCitation.post_id.not_in(unseen))
    labelled = select(Label.post_id).where(Label.is_withdrawn.is_(False))
    dismissed = select(QueueMark.post_id).where(QueueMark.kind == "claim",
                                                QueueMark.state == "dismissed")
    # One set to look each hint up in, not three: half the time on SQLite.
    return select(func.count(ClaimHint.post_id.distinct())).where(
        ClaimHint.post_id.not_in(union(labelled, dismissed, unseen)))


def _candidates(kind: str, filters: QueueFilter, limit: int | None):
    if kind == "flag":
        query = select(Flag.post_id, func.count(Flag.id)).where(
            Flag.status == "pending").group_by(Flag.post_id)
        column = Flag.post_id
    elif kind == "citation":
        query = select(PostCitation.post_id, func.count(PostCitation.id)).where(
            PostCitation.status == "suggested").group_by(PostCitation.post_id)
        column = PostCitation.post_id
    else:
        labelled = select(Label.post_id).where(Label.is_withdrawn.is_(False))
        dismissed = select(QueueMark.post_id).where(QueueMark.kind == "claim",
                                                    QueueMark.state == "dismissed")
        query = select(ClaimHint.post_id, func.count(ClaimHint.id)).where(
            ClaimHint.post_id.not_in(labelled), ClaimHint.post_id.not_in(dismissed)
        ).group_by(ClaimHint.post_id)
        column = ClaimHint.post_id
    query = query.join(Post, Post.id == column).where(Post.is_ghost.is_(False))
    if kind != "flag":
        query = query.where(Post.is_hidden.is_(False))
    if filters.group:
        query = query.where(Post.id.in_(
            select(PostGroup.post_id).join(Group, Group.id == PostGroup.group_id)
            .where(Group.name == filters.group)))
    if filters.since:
        query = query.where(Post.date >= datetime.combine(filters.since, time.min))
    if filters.until:
        query = query.where(Post.date < datetime.combine(filters.until, time.min)
                            + timedelta(days=1))
    return query.limit(limit) if limit else query


def _explain(session: Session, items: list[QueueItem]) -> None:
    """Each claim item's reasons: every rule that matched, with its first words."""
    by_post = {item.post.id: item for item in items}
    if not by_post:
        return
    seen: set[tuple[int, str]] = set()
    for post_id, rule, text in session.execute(
            select(ClaimHint.post_id, ClaimHint.rule, ClaimHint.text)
            .where(ClaimHint.post_id.in_(list(by_post))).order_by(ClaimHint.start)):
        if (post_id, rule) not in seen:
            seen.add((post_id, rule))
            by_post[post_id].reasons.append(f"{describe(rule)}: “{text}”")


def _claims(session: Session, items: list[QueueItem]) -> None:
    """Who is working on each item, so two moderators do not take the same one."""
    if not items:
        return
    held = {(mark.post_id, mark.kind): mark.user.name for mark in session.scalars(
        select(QueueMark).where(QueueMark.state == "claimed",
                                QueueMark.post_id.in_({i.post.id for i in items})))}
    for item in items:
        item.claimed_by = held.get((item.post.id, item.kind))


def claim_item(session: Session, actor: User, post: Post, kind: str) -> QueueMark:
    """Take an item: others see who is on it.  Claiming a claimed item fails."""
    require(actor, MOD_VIEW)
    mark = _mark(session, post.id, kind)
    if mark is not None and mark.state == "claimed" and mark.user_id != actor.id:
        raise QueueRejected(f"{mark.user.name} is already working on this post.")
    if mark is not None and mark.state == "dismissed":
        raise QueueRejected("This item was dismissed already.")
    mark = mark or QueueMark(post_id=post.id, kind=kind)
    mark.state, mark.user_id, mark.at = "claimed", actor.id, utcnow()
    session.add(mark)
    session.flush()
    return mark


def dismiss_items(session: Session, actor: User, posts: list[Post], kind: str,
                  reason: str) -> int:
    """Take items out of the queue with a reason (one or many: a bulk action)."""
    require(actor, MOD_VIEW)
    if kind not in DISMISSABLE:
        raise QueueRejected("Flags are resolved and suggestions confirmed or "
                            "rejected on the post's page.")
    if not reason.strip():
        raise QueueRejected("Say why the items are dismissed.")
    for post in posts:
        mark = _mark(session, post.id, kind) or QueueMark(post_id=post.id, kind=kind)
        if mark.state == "dismissed":
            continue
        mark.state, mark.user_id, mark.at = "dismissed", actor.id, utcnow()
        mark.reason = reason.strip()[:500]
        session.add(mark)
        session.flush()
        record(session, actor, "queue.dismiss", target_type="post",
               target_id=post.id, post_id=post.id, reason=kind, why=reason)
    return len(posts)


def _mark(session: Session, post_id: int, kind: str) -> QueueMark | None:
    return session.scalar(select(QueueMark).where(QueueMark.post_id == post_id,
                                                  QueueMark.kind == kind))
