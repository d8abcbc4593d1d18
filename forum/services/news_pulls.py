"""Where each pull from a news server stopped: the resume state of `import nntp://`.

The highest article number read from a server's group is written in the
transaction that commits those articles (the import runner calls `advance`
before each batch's commit), so what is recorded never runs ahead of what
is stored, and a pull that dies part way starts after the last kept one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import select

from forum.extensions import DbSession
from forum.models import NewsPull


def high_water(session: DbSession, server: str, groups: Iterable[str]
               ) -> dict[str, int]:
    """The highest number already read from each of these groups (absent: none)."""
    rows = session.execute(select(NewsPull.group_name, NewsPull.last_number).where(
        NewsPull.server == server, NewsPull.group_name.in_(list(groups))))
    return {group: number for group, number in rows}


def advance(session: DbSession, server: str, numbers: Mapping[str, int]) -> None:
    """Record these numbers as read, never lowering one already recorded.

    Only the import runner's own session writes a server's rows; two pulls of
    one group at once would each store the other's duplicates as duplicates,
    so keeping the higher number is enough.
    """
    if not numbers:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    known = {row.group_name: row for row in session.scalars(select(NewsPull).where(
        NewsPull.server == server, NewsPull.group_name.in_(list(numbers))))}
    for group, number in numbers.items():
        row = known.get(group)
        if row is None:
            session.add(NewsPull(server=server, group_name=group,
                                 last_number=number, updated_at=now))
        elif number > row.last_number:
            row.last_number, row.updated_at = number, now
