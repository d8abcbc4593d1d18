"""Numbers for the moderators' dashboard: queue, coverage, labels, activity.

Everything is a handful of aggregate queries; weeks are bucketed in Python so
the same code runs on SQLite and PostgreSQL.  Each part can be empty (a new
archive, a quiet quarter): the page then says "nothing yet" in words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import distinct, func, select

from forum.extensions import DbSession
from forum.models import AuditEntry, ClaimHint, Group, Label, LabelKind, PostGroup
from forum.search import index_notice
from forum.services.audit import utcnow
from forum.services.pagination import Page, page_of
from forum.services.queue import queue_sizes

WEEKS = 12
SERIES = {"label": "labels", "citation": "citations", "post.hide": "hides"}


@dataclass
class Coverage:
    group: str
    claims: int
    labelled: int

    @property
    def share(self) -> float:
        return self.labelled / self.claims if self.claims else 0.0


@dataclass
class Dashboard:
    queue: dict[str, int]
    coverage: list[Coverage]
    labels: list[tuple[LabelKind, int]]
    weeks: list[date]
    activity: dict[str, list[int]] = field(default_factory=dict)
    moderators: list[tuple[str, int]] = field(default_factory=list)
    search_notice: str | None = None  # e.g. the index must be rebuilt

    @property
    def has_activity(self) -> bool:
        """Whether the weeks shown hold any label, citation or hide."""
        return any(any(values) for values in self.activity.values())

    @property
    def queue_total(self) -> int:
        return sum(self.queue.values())

    @property
    def busiest_week(self) -> int:
        totals: list[int] = [sum(column) for column in zip(*self.activity.values(),
                                                           strict=True)]
        return max([1, *totals])


def dashboard(session: DbSession, today: date | None = None) -> Dashboard:
    """The dashboard's numbers as of `today` (UTC)."""
    today = today or utcnow().date()
    weeks = [today - timedelta(days=today.weekday(), weeks=n)
             for n in reversed(range(WEEKS))]
    return Dashboard(queue=queue_sizes(session), coverage=coverage(session),
                     labels=label_counts(session), weeks=weeks,
                     activity=activity(session, weeks),
                     moderators=moderator_activity(session, today),
                     search_notice=index_notice())


def coverage(session: DbSession) -> list[Coverage]:
    """Per group: claim-bearing posts, and how many of them carry a label."""
    labelled = select(Label.post_id).where(Label.is_withdrawn.is_(False))
    claims = (select(Group.name, func.count(distinct(ClaimHint.post_id)))
              .join(PostGroup, PostGroup.post_id == ClaimHint.post_id)
              .join(Group, Group.id == PostGroup.group_id).group_by(Group.name))
    done = dict(session.execute(
        claims.where(ClaimHint.post_id.in_(labelled))).tuples().all())
    return sorted((Coverage(name, n, done.get(name, 0))
                   for name, n in session.execute(claims)),
                  key=lambda c: (-c.claims, c.group))


def coverage_page(session: DbSession, page: int, per_page: int) -> Page:
    """One page of the coverage table, every group reachable; past the end
    is NotFound (page 1 never is)."""
    return page_of(coverage(session), page, per_page, "the coverage table")


def label_counts(session: DbSession) -> list[tuple[LabelKind, int]]:
    """Active labels by kind, most used first."""
    rows = session.execute(
        select(LabelKind, func.count(Label.id)).join(Label, Label.kind_id ==
                                                     LabelKind.id)
        .where(Label.is_withdrawn.is_(False)).group_by(LabelKind.id)
        .order_by(func.count(Label.id).desc(), LabelKind.position))
    return [(kind, n) for kind, n in rows]


def activity(session: DbSession, weeks: list[date]) -> dict[str, list[int]]:
    """Labels, citations and hides per week (audit entries, by action family)."""
    start = datetime.combine(weeks[0], datetime.min.time())
    counts: dict[str, Counter[date]] = {name: Counter() for name in SERIES.values()}
    for at, action in session.execute(
            select(AuditEntry.at, AuditEntry.action).where(AuditEntry.at >= start)):
        series = SERIES.get(action) or SERIES.get(action.split(".")[0])
        if series:
            counts[series][at.date() - timedelta(days=at.weekday())] += 1
    return {name: [counter[week] for week in weeks]
            for name, counter in counts.items()}


def moderator_activity(session: DbSession, today: date,
                       days: int = 30) -> list[tuple[str, int]]:
    """Actions per moderator over the last `days` days (the system left out)."""
    since = datetime.combine(today - timedelta(days=days), datetime.min.time())
    return list(session.execute(
        select(AuditEntry.actor_name, func.count(AuditEntry.id))
        .where(AuditEntry.at >= since, AuditEntry.actor_id.is_not(None))
        .group_by(AuditEntry.actor_name)
        .order_by(func.count(AuditEntry.id).desc())).tuples().all())
